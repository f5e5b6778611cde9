"""A reveal never shows one anonymous answer on its own after a first reveal: the group
would know it as the one written since."""
from tests.socket.conftest import cmd, last_state

F, P = "/facilitator", "/phone"


def _card(console):
    cmd(console, F, "phase", to="reflect")
    return last_state(console, F)["card"]["id"]


def test_a_lone_anonymous_answer_after_a_reveal_waits_for_another(live):
    console = live.console()
    card = _card(console)
    phones = [live.phone() for _ in range(4)]
    for i, phone in enumerate(phones[:2]):
        assert cmd(phone, P, "answer", card=card, text=f"first {i}", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["ok"]
    assert cmd(phones[2], P, "answer", card=card, text="the latecomer's", audience="group")["ok"]

    held = cmd(console, F, "reveal", card=card)
    assert held["error"]["code"] == "reveal_waits_for_another"
    assert "the latecomer's" not in [a["text"] for a in last_state(phones[0], P)["revealed"]]

    assert cmd(phones[3], P, "answer", card=card, text="another one", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["ok"]
    shown = [a["text"] for a in last_state(phones[0], P)["revealed"]]
    assert set(shown[2:]) == {"the latecomer's", "another one"}


def test_a_named_answer_is_revealed_while_a_lone_anonymous_one_waits(live):
    console = live.console()
    card = _card(console)
    first, anonymous, named = live.phone(), live.phone(), live.phone(name="Ana")
    assert cmd(first, P, "answer", card=card, text="first", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["ok"]
    assert cmd(anonymous, P, "answer", card=card, text="anonymous", audience="group")["ok"]
    assert cmd(named, P, "answer", card=card, text="with my name", audience="group", named=True)["ok"]
    assert cmd(console, F, "reveal", card=card)["ok"]
    shown = [a["text"] for a in last_state(first, P)["revealed"]]
    assert shown == ["first", "with my name"]


def test_the_first_reveal_shows_even_a_single_answer(live):
    console = live.console()
    card = _card(console)
    phone = live.phone()
    assert cmd(phone, P, "answer", card=card, text="only one", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["ok"]
    assert [a["text"] for a in last_state(phone, P)["revealed"]] == ["only one"]

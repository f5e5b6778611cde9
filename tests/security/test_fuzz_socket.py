"""Hypothesis-generated payloads for every Socket.IO event of the phone, the console and
the display: the server answers every one (ok, or an error with a code), never with
"server_error", logs no failure, keeps the socket connected, and a refused command
changes nothing in the database.

SQLite only (the ``backend`` fixture): what is checked here is the handlers' input
handling, which does not depend on the database.
"""
from __future__ import annotations

import secrets

from hypothesis import given

from reflect.extensions import socketio
from reflect.rooms import schemas
from tests.security.conftest import diff, snapshot
from tests.security.fuzzing import FUZZ, Errors, payloads, edge_examples
from tests.security.test_authz_socket import DISPLAY, DISPLAY_EVENTS, FAC, FAC_EVENTS, PHONE, PHONE_EVENTS, \
    WITHOUT_CID, _state, connect_as

SCHEMAS = {
    PHONE: {"checkin": schemas.CheckinIn, "answer": schemas.AnswerIn, "pass": schemas.PassIn,
            "takeaway": schemas.TakeawayIn, "takeaway_pass": schemas.TakeawayPassIn, "react": schemas.AnswerRefIn, "withdraw": schemas.AnswerRefIn,
            "hand": schemas.HandIn, "talk_after": schemas.TalkAfterIn, "sync": schemas.Empty,
            "set_language": schemas.LanguageIn},
    FAC: {"phase": schemas.PhaseIn, "card": schemas.CardMoveIn, "lock": schemas.FlagIn,
          "allow_names": schemas.FlagIn, "admit": schemas.ParticipantIn, "remove": schemas.ParticipantIn,
          "lower_hand": schemas.ParticipantIn, "checkin_control": schemas.CheckinControlIn,
          "reveal": schemas.RevealIn, "hide": schemas.HideIn, "approve": schemas.ApproveIn,
          "claim": schemas.ClaimIn, "timer": schemas.TimerIn,
          "note_save": schemas.NoteSaveIn, "note_delete": schemas.NoteDeleteIn, "tag_add": schemas.TagAddIn,
          "tag_retire": schemas.TagRefIn, "sync": schemas.Empty},
    DISPLAY: {"sync": schemas.Empty},
}
TABLES = {PHONE: PHONE_EVENTS, FAC: FAC_EVENTS, DISPLAY: DISPLAY_EVENTS}
ROLE = {PHONE: "participant", FAC: "facilitator", DISPLAY: "display"}
VALID_CID = "valid-cid-0001"


def test_the_fuzz_covers_every_event(app, backend):
    registered = {ns: set(h) - {"connect", "disconnect"} for ns, h in socketio.server.handlers.items()}
    assert registered == {ns: set(table) for ns, table in SCHEMAS.items()}


def _fuzz_namespace(world, app, namespace: str) -> None:
    app.config["REFLECT_SOCKET_EVENTS_PER_10S"] = 1_000_000  # the limit is tested in tests/live
    _state(world, "reflect", 0)
    client = connect_as(world, ROLE[namespace], namespace)
    assert client.is_connected(namespace)
    problems: list[str] = []
    # "phase" last: a generated payload may end the session, and every other event's
    # valid payload is built on a live one (a fresh participant cannot join an ended session)
    events = sorted(TABLES[namespace].items(), key=lambda item: item[0] == "phase")
    with Errors() as errors:
        for event, (_prepare, build) in events:
            valid = build(world)
            if event not in WITHOUT_CID:
                valid["cid"] = VALID_CID
            keys = list(SCHEMAS[namespace][event]().fields)
            last = {"snapshot": snapshot(app)}  # only these emits change the database from here on

            @FUZZ
            @given(payload=payloads(keys, valid))
            @edge_examples(valid=valid)
            def fuzz(payload):
                if isinstance(payload, dict) and payload.get("cid") == VALID_CID:
                    payload = {**payload, "cid": secrets.token_hex(8)}  # not a replay of an earlier command
                before = last["snapshot"]
                reply = client.emit(event, payload, namespace=namespace, callback=True)
                last["snapshot"] = after = snapshot(app)
                where = f"{namespace} {event} {payload!r:.200}"
                assert client.is_connected(namespace), f"{where}: the socket was dropped"
                assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), f"{where}: answered {reply!r}"
                if not reply["ok"]:
                    code = reply.get("error", {}).get("code")
                    assert code and code != "server_error", f"{where}: {reply!r}"
                    changed = diff(before, after)
                    assert not changed, f"{where}: refused ({code}) but changed {changed}"
                assert not errors.records, f"{where}: logged {errors.messages()}"

            try:
                fuzz()
            except Exception as err:  # AssertionError, or an ExceptionGroup of several
                found = err.exceptions if isinstance(err, ExceptionGroup) else [err]
                problems += [str(e).splitlines()[0] for e in found]
                errors.records.clear()
    assert not problems, "\n".join(problems)


def test_phone_events_survive_any_payload(world, app, backend):
    _fuzz_namespace(world, app, PHONE)


def test_console_events_survive_any_payload(world, app, backend):
    _fuzz_namespace(world, app, FAC)


def test_display_events_survive_any_payload(world, app, backend):
    _fuzz_namespace(world, app, DISPLAY)


def test_connect_survives_any_auth_payload(world, app, backend):
    """What a client sends when it connects is not trusted either."""
    from tests.security.fuzzing import JSON

    with Errors() as errors:
        for namespace in (PHONE, FAC, DISPLAY):
            http = world.clients[ROLE[namespace]] if namespace != DISPLAY else None

            # Not a bare number: a CONNECT packet carrying one ("40/phone,7") is read by
            # python-socketio as a packet id, a malformed packet that it drops (see
            # test_logs_live.py for malformed packets on a real server).
            @FUZZ
            @given(auth=JSON.filter(lambda value: isinstance(value, bool) or not isinstance(value, (int, float))))
            def fuzz(auth):
                before = snapshot(app)
                client = socketio.test_client(app, namespace=namespace, flask_test_client=http, auth=auth)
                if namespace != PHONE:  # the phone is known by its cookie, not by what it sends
                    assert not client.is_connected(namespace), auth
                    assert not diff(before, snapshot(app))
                else:
                    client.disconnect(namespace)
                assert not errors.records, errors.messages()

            fuzz()

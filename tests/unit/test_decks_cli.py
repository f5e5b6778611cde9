"""``reflect decks list|validate|export|import`` through click's runner (with the app)
and once through a real ``python -m reflect`` process."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from sqlalchemy import select

from reflect.db import get_session
from reflect.models import AuditEvent, CustomDeck
from reflect.prompts import builtin_decks, get_builtin, load_deck_bytes
from reflect.prompts.cli import decks_group
from reflect.prompts.loader import DECKS_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "decks"
ROOT = Path(__file__).resolve().parents[2]


def run(app, *args):
    return app.test_cli_runner().invoke(decks_group, list(args))


def test_validate_exits_0_when_every_file_is_valid(app):
    result = run(app, "validate", str(FIXTURES / "good.toml"), str(FIXTURES / "good.json"), str(DECKS_DIR))
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == 2 + len(builtin_decks())


def test_validate_exits_1_and_prints_every_problem(app):
    good = FIXTURES / "good.toml"
    broken = FIXTURES / "broken_several_problems.toml"
    syntax = FIXTURES / "broken_syntax.json"
    result = run(app, "validate", str(good), str(broken), str(syntax))
    assert result.exit_code == 1
    out = result.stdout
    assert f"{good}: ok" in out
    for expected in ("version", "astrology", "neighbour", "colour", "Duplicate card id", "JSON syntax error"):
        assert expected in out, expected
    assert out.count(str(broken)) >= 5  # one line per problem, each naming the file
    assert "2 of 3 file(s) have problems" in result.stderr


def test_validate_a_missing_file_or_an_empty_folder_fails(app, tmp_path):
    result = run(app, "validate", str(tmp_path / "missing.toml"))
    assert result.exit_code == 1 and "cannot read file" in result.output
    result = run(app, "validate", str(tmp_path))
    assert result.exit_code == 1 and "No deck files" in result.output


def test_export_prints_the_decks_json_shape(app):
    result = run(app, "export", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["decks"]
    assert [d["id"] for d in body["decks"]] == [d.id for d in builtin_decks()]
    for deck in body["decks"]:
        assert {"id", "title", "cards"} <= set(deck)
        assert set(deck["title"]) == {"en", "es"}
        for card in deck["cards"]:
            assert {"id", "text", "perspective", "themes"} <= set(card)
            assert isinstance(card["themes"], list) and card["text"]["en"]

    one = json.loads(run(app, "export", "--deck", "family-story").stdout)
    assert one == {"decks": [get_builtin("family-story").to_dict()]}
    with app.app_context():
        assert get_session().scalar(select(AuditEvent.action).where(AuditEvent.action == "decks_exported"))


def test_export_toml_and_unknown_ids(app):
    result = run(app, "export", "--deck", "use-of-self", "--format", "toml")
    assert result.exit_code == 0
    assert tomllib.loads(result.stdout) == get_builtin("use-of-self").to_dict()
    assert run(app, "export", "--format", "toml").exit_code == 2
    missing = run(app, "export", "--deck", "no-such-deck")
    assert missing.exit_code == 1 and "no-such-deck" in missing.output


def test_import_then_list_shows_it(app):
    result = run(app, "import", str(FIXTURES / "good.toml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "sample-deck"
    with app.app_context():
        row = get_session().get(CustomDeck, "sample-deck")
        assert row.owner_id is None
        assert row.data == load_deck_bytes((FIXTURES / "good.toml").read_bytes(), "good.toml").to_dict()

    listing = run(app, "list")
    assert listing.exit_code == 0
    line = next(x for x in listing.stdout.splitlines() if x.startswith("sample-deck "))
    assert line.split()[:5] == ["sample-deck", "2", "en,es", "2", "custom"]
    assert line.endswith("Sample deck")
    builtin_line = next(x for x in listing.stdout.splitlines() if x.startswith("family-story "))
    assert "builtin" in builtin_line and builtin_line.endswith(get_builtin("family-story").title["en"])

    again = run(app, "import", str(FIXTURES / "good.toml"))
    assert again.exit_code == 1 and "already exists" in again.stderr and "--replace" in again.stderr
    assert run(app, "import", "--replace", str(FIXTURES / "good.json")).exit_code == 0


def test_import_a_bad_file_prints_every_problem_and_saves_nothing(app):
    result = run(app, "import", str(FIXTURES / "broken_several_problems.toml"))
    assert result.exit_code == 1
    for expected in ("version", "astrology", "neighbour", "colour", "Duplicate card id"):
        assert expected in result.stderr
    assert "Nothing was imported." in result.stderr
    builtin = run(app, "import", str(DECKS_DIR / "family-story.toml"))
    assert builtin.exit_code == 1 and "built-in deck already uses the id" in builtin.stderr
    with app.app_context():
        assert get_session().scalar(select(CustomDeck)) is None


def test_the_real_command_line(database_url, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "REFLECT_DATABASE_URL": database_url,
        "REFLECT_INSTANCE_PATH": str(tmp_path / "instance"),
        "REFLECT_SECRET_KEY": "cli-test",
        "REFLECT_ASYNC_MODE": "threading",
    }

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "reflect", "decks", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    assert cli("validate", str(FIXTURES / "good.json")).returncode == 0
    bad = cli("validate", str(FIXTURES / "broken_unknown_theme.toml"))
    assert bad.returncode == 1 and "broken_unknown_theme.toml" in bad.stdout
    done = cli("import", str(FIXTURES / "good.json"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "sample-deck"
    exported = json.loads(cli("export", "--deck", "sample-deck").stdout)
    assert exported["decks"][0]["id"] == "sample-deck"
    assert "sample-deck" in cli("list").stdout


def test_what_export_writes_import_reads_back(app, tmp_path):
    assert run(app, "import", str(FIXTURES / "good.toml")).exit_code == 0
    exported = run(app, "export", "--format", "json")  # every deck: the built-in ones and sample-deck
    assert exported.exit_code == 0
    path = tmp_path / "all.json"
    path.write_text(exported.stdout)
    with app.app_context():
        before = dict(get_session().get(CustomDeck, "sample-deck").data)

    result = run(app, "import", "--replace", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["sample-deck"]
    assert f"{len(builtin_decks())} built-in deck(s) in the file left as they are" in result.stderr
    with app.app_context():
        assert dict(get_session().get(CustomDeck, "sample-deck").data) == before

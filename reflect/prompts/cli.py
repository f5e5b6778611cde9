"""``reflect decks ...``: list, validate, export and import prompt decks."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from .loader import DECK_SUFFIXES, validate_paths
from .schema import DeckError


@click.group("decks")
def decks_group():
    """Prompt decks: built-in files and custom decks in the database."""


@decks_group.command("list")
@click.option("--retired/--no-retired", default=True, show_default=True, help="Include retired custom decks.")
@with_appcontext
def list_command(retired: bool):
    """Every deck: id, version, languages, cards, kind, English title."""
    from reflect.db import get_session
    from reflect.prompts import store

    entries = store.list_decks(get_session(), None, include_retired=retired)
    rows = [
        (
            e.id,
            str(e.deck.version),
            ",".join(e.deck.languages),
            str(len(e.deck.cards)),
            "builtin" if e.builtin else ("custom,retired" if e.retired else "custom"),
            e.deck.title.get("en") or next(iter(e.deck.title.values()), ""),
        )
        for e in entries
    ]
    header = ("ID", "VERSION", "LANGUAGES", "CARDS", "KIND", "TITLE (EN)")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])


@decks_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate_command(paths: tuple[str, ...]):
    """Check deck files (.toml/.json; folders are searched). Exit 1 on any problem."""
    results = validate_paths(paths)
    if not results:
        click.echo(f"No deck files ({', '.join(DECK_SUFFIXES)}) found.", err=True)
        sys.exit(1)
    bad = 0
    for path, problems in results.items():
        if problems:
            bad += 1
            for problem in problems:
                click.echo(problem)
        else:
            click.echo(f"{path}: ok")
    if bad:
        click.echo(f"{bad} of {len(results)} file(s) have problems.", err=True)
        sys.exit(1)


@decks_group.command("export")
@click.option("--deck", "deck_ids", multiple=True, metavar="ID", help="Only this deck (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json", "toml"]), default="json", show_default=True)
@with_appcontext
def export_command(deck_ids: tuple[str, ...], fmt: str):
    """Print decks as {"decks": [...]} JSON, or one deck as TOML."""
    from reflect.db import get_session
    from reflect.decks import deck_error
    from reflect.prompts import store, toml_writer

    db = get_session()
    if fmt == "toml" and len(deck_ids) != 1:
        raise click.UsageError("--format toml exports one deck: give exactly one --deck ID.")
    try:
        body = store.export_decks(db, list(deck_ids) or None)
    except store.DeckStoreError as err:
        db.rollback()
        raise click.ClickException(deck_error(err) + (f" ({err.deck_id})" if err.code == "not_found" else ""))
    db.commit()
    if fmt == "toml":
        click.echo(toml_writer.deck_to_toml(store.get_deck(db, deck_ids[0])), nl=False)
    else:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))


@decks_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace a command-line-imported deck with the same id.")
@with_appcontext
def import_command(path: str, replace: bool):
    """Import a deck file into the database (no owner: visible to admins). Prints its id."""
    from reflect.db import begin_write, get_session
    from reflect.decks import deck_error
    from reflect.prompts import store

    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        click.echo(f"{path}: cannot read file ({err.strerror or err}).", err=True)
        sys.exit(1)
    db = get_session()
    begin_write(db)  # reads, then writes (see reflect/cli.py, create-user)
    try:
        decks, skipped = store.import_decks(db, None, raw, path, replace=replace)
    except DeckError as err:
        db.rollback()
        for problem in err.problems:
            click.echo(problem, err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    except store.DeckStoreError as err:
        db.rollback()
        message = deck_error(err)
        if err.code == "already_exists":
            message = f"A deck with the id “{err.deck_id}” already exists; use --replace to replace it."
        click.echo(f"{path}: {message}", err=True)
        sys.exit(1)
    db.commit()
    for deck in decks:
        click.echo(deck.id)
    if skipped:
        click.echo(f"{skipped} built-in deck(s) in the file left as they are.", err=True)

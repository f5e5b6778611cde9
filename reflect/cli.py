"""The ``reflect`` command line (a Flask CLI group)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from reflect import create_app
from reflect.config import ConfigError


class SettingsError(NoAppException):
    """Settings reflect cannot run with: their one line, no traceback, status 1. A
    NoAppException, so that ``reflect --help`` shows the line and then the commands."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.ClickException.show(self, file)  # the line alone, without a usage hint


def _create_app(*_args, **_kwargs):
    try:
        return create_app()
    except ConfigError as err:
        raise SettingsError(str(err)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def cli():
    """reflect: reflective-supervision group sessions."""


@cli.command("run")
@click.option("--host", default="127.0.0.1", envvar="HOST", show_default=True)
@click.option("--port", default=5000, type=int, envvar="PORT", show_default=True)
@with_appcontext
def run_command(host: str, port: int):
    """Serve the app (HTTP and Socket.IO) with the configured async mode."""
    from reflect.server import serve

    serve(current_app._get_current_object(), host, port)


@cli.group("db")
def db_group():
    """The database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Apply pending migrations."""
    click.echo(upgrade_database(revision))


def upgrade_database(revision: str = "head") -> str:
    """Apply the pending migrations and seed the theme vocabulary; says what was applied."""
    from reflect import migrate
    from reflect.db import begin_write, get_session
    from reflect.rooms.notes import seed_theme_tags

    applied = migrate.upgrade(current_app.config["REFLECT_DATABASE_URL"], revision)
    db = get_session()
    begin_write(db)  # reads, then writes: see create-user
    seed_theme_tags(db)
    db.commit()
    if not applied:
        return "Database is up to date: no migration to apply."
    return f"Applied {len(applied)} migration(s): {', '.join(applied)}. Database is up to date."


@db_group.command("current")
@with_appcontext
def db_current():
    """Show the schema revision."""
    from reflect import migrate

    migrate.current(current_app.config["REFLECT_DATABASE_URL"])


@cli.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "facilitator", "supervisor"]))
@click.option("--name", "display_name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, role: str, display_name: str, password_stdin: bool):
    """Create an account (the password is asked for, or read from stdin)."""
    from reflect.auth import accounts
    from reflect.auth.messages import account_error
    from reflect.db import begin_write, get_session

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = get_session()
    # it reads (is the email taken?), then writes: on SQLite the write lock is taken
    # first, or a running server's write in between (while the password is hashed) makes
    # the insert fail at once ("database is locked": its snapshot is stale)
    begin_write(db)
    try:
        user = accounts.create_user(db, email=email, role=role, display_name=display_name, password=password)
    except accounts.AccountError as err:
        db.rollback()
        raise click.ClickException(account_error(err.code))
    db.commit()
    click.echo(f"Created {user.role} {user.email}.")


@cli.command("privacy-scan")
def privacy_scan_command():
    """The identifier guard: one text per line on stdin, one JSON object per line out."""
    import json

    from reflect.privacy import scan

    for line in sys.stdin:
        result = scan(line.rstrip("\r\n"))
        click.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))


@cli.command("setup-token")
@with_appcontext
def setup_token_command():
    """Print a fresh first-run link (only while no account exists)."""
    from reflect.auth import accounts
    from reflect.db import begin_write, get_session

    db = get_session()
    begin_write(db)  # reads, then writes: see create-user
    raw = accounts.issue_setup_token(db)
    if raw is None:
        raise click.ClickException("Accounts already exist; the first-run page is closed.")
    db.commit()
    click.echo(f"/setup?token={raw}")



from reflect.ops_cli import backup_command, purge_command  # noqa: E402

cli.add_command(purge_command)
cli.add_command(backup_command)


from reflect.prompts.cli import decks_group  # noqa: E402
cli.add_command(decks_group)

from reflect.demo import seed_demo_command  # noqa: E402
cli.add_command(seed_demo_command)

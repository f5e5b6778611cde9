"""Operator commands: ``reflect purge`` (retention) and ``reflect backup PATH``.

Registered on the ``reflect`` group at the bottom of ``reflect/cli.py``. They print
counts and paths only, never what anyone wrote.
"""
from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        return None


def _describe(report) -> str:
    return (
        f"{report.sessions} sessions: {report.answers} answers and takeaways, "
        f"{report.notes} notes, {report.feelings} check-in feelings"
    )


@click.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Purge text of sessions that ended more than this many days ago "
                   "(default: REFLECT_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
@with_appcontext
def purge_command(days: int | None, dry_run: bool):
    """Erase the raw text of sessions that ended long ago (counts stay)."""
    from reflect import retention
    from reflect.db import get_session, utcnow

    days = days if days is not None else current_app.config["REFLECT_RETENTION_DAYS"]
    db = get_session()
    try:
        if dry_run:
            report = retention.expired_counts(db, utcnow(), days)
            db.rollback()
            click.echo(f"Would purge {_describe(report)} (ended more than {days} days ago).")
            return
        report = retention.purge_expired(db, utcnow(), days)
        db.commit()
        if report.texts:
            retention.reclaim_erased_space(db)
    except retention.RetentionError as err:
        db.rollback()
        raise click.ClickException(f"Cannot purge: {err.code}") from None
    click.echo(f"Purged {_describe(report)} (ended more than {days} days ago).")


_BACKUP_MESSAGES = {
    "exists": "{detail} already exists; choose a new name or pass --force to replace it.",
    "is_a_folder": "{detail} is a folder; give a file name.",
    "no_folder": "The folder {detail} does not exist.",
    "same_file": "{detail} is the live database itself; choose another path.",
    "no_database": "The database file {detail} does not exist.",
    "not_a_file": "This SQLite database is not a file that can be copied.",
    "unsupported_database": "Backups support SQLite and PostgreSQL, not {detail}.",
    "copy_damaged": "The copy failed its integrity check ({detail}); nothing was written.",
    "sqlite_error": "SQLite could not make the copy: {detail}",
    "pg_dump_failed": "pg_dump failed:\n{detail}",
}


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool):
    """Write a consistent copy of the database to PATH (safe while the server runs)."""
    from reflect import backup
    from reflect.db import get_session

    url = current_app.config["REFLECT_DATABASE_URL"]
    try:
        result = backup.backup(url, path, force=force)
    except backup.BackupError as err:
        if err.code == "no_pg_dump":
            click.echo("pg_dump is not installed here. Run this where it is (same major version as the server):",
                       err=True)
            click.echo(backup.shell_command(err.command))
            if backup.libpq_url(url)[1]:
                click.echo("(set PGPASSWORD to the database password first)", err=True)
            raise SystemExit(1)
        message = _BACKUP_MESSAGES.get(err.code, "Backup failed: {detail}").format(detail=err.detail)
        raise click.ClickException(message) from None
    db = get_session()
    backup.audit_backup(db, None, result, by=_os_user())
    db.commit()
    what = f" ({result.sessions} sessions)" if result.sessions is not None else ""
    click.echo(f"Backed up the {result.backend} database to {result.path}{what}, {result.size} bytes.")

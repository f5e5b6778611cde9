"""Alembic, driven from code: ``reflect db upgrade`` and the test fixtures use this."""
from __future__ import annotations

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "reflect:migrations")
    cfg.attributes["database_url"] = database_url
    return cfg


def pending(database_url: str, revision: str = "head") -> list[str]:
    """The revisions an upgrade to ``revision`` would apply, oldest first (every one on a
    new database)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    steps = script.iterate_revisions(revision, current[0] if current else "base")
    return [step.revision for step in reversed(list(steps))]


def upgrade(database_url: str, revision: str = "head") -> list[str]:
    """Apply the pending revisions; returns those applied, oldest first."""
    applied = pending(database_url, revision)
    command.upgrade(alembic_config(database_url), revision)
    return applied


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url))

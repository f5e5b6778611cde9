"""A consistent copy of the database, taken while the server runs.

SQLite: the online backup API copies the database in one step under a read
transaction, so the copy is one moment of the database even while other
connections write (WAL readers never block writers). The copy is made into a
private temporary file beside the target (mode 0600), checked, switched to a
single-file journal mode, then moved into place: a half-written backup never
appears under the target's name.

PostgreSQL: ``pg_dump --format=custom`` (one snapshot), restorable with ``pg_restore``.

No Flask here: functions take the database URL and paths.
"""
from __future__ import annotations

import os
import secrets
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.models import User


class BackupError(RuntimeError):
    """A backup that could not be made; ``code`` says why, ``detail`` is for the operator."""

    def __init__(self, code: str, detail: str = "", command: list[str] | None = None):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.command = command


@dataclass(frozen=True)
class BackupResult:
    backend: str  # "sqlite" | "postgresql"
    path: Path
    size: int
    sessions: int | None = None  # counted in the copy (SQLite)
    command: list[str] = field(default_factory=list)


def backend_of(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name in ("sqlite", "postgresql"):
        return name
    raise BackupError("unsupported_database", name)


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("not_a_file", "the SQLite database is not a plain file")
    return Path(database).resolve()


def _temporary_beside(target: Path) -> Path:
    """A new empty file, readable only by its owner, in the target's folder."""
    if not target.parent.is_dir():
        raise BackupError("no_folder", str(target.parent))
    tmp = target.parent / f".{target.name}.partial-{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    return tmp


def _place(tmp: Path, target: Path, force: bool) -> None:
    """Move the finished copy to ``target``; without ``force`` never replace a file."""
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if target exists, atomically
    except FileExistsError:
        raise BackupError("exists", str(target)) from None
    except OSError:  # no hard links on this file system
        if target.exists():
            raise BackupError("exists", str(target)) from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def _check_target(target: Path, force: bool, source: Path | None = None) -> Path:
    target = Path(target).expanduser().resolve()
    if target.is_dir():
        raise BackupError("is_a_folder", str(target))
    if source is not None and target in {source, Path(f"{source}-wal"), Path(f"{source}-shm")}:
        raise BackupError("same_file", str(target))
    if target.exists() and not force:
        raise BackupError("exists", str(target))
    return target


def backup_sqlite(database_url: str, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the SQLite database at ``database_url`` to ``target`` (online, consistent)."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError("no_database", str(source))
    target = _check_target(target, force, source)
    tmp = _temporary_beside(target)
    try:
        # mode=rw: never create an empty database where the real one should be.
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=15)
        try:
            src.execute("PRAGMA busy_timeout=15000")
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # pages=-1: all at once, under one read transaction
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                ok = dst.execute("PRAGMA quick_check").fetchone()[0]
                if ok != "ok":
                    raise BackupError("copy_damaged", ok)
                sessions = dst.execute("SELECT count(*) FROM group_sessions").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        _place(tmp, target, force)
    except sqlite3.Error as err:
        raise BackupError("sqlite_error", str(err)) from err
    finally:
        if tmp.exists():
            tmp.unlink()
    return BackupResult("sqlite", target, target.stat().st_size, sessions)


def libpq_url(database_url: str) -> tuple[str, str | None]:
    """The URL for libpq tools (no SQLAlchemy driver, no password) and the password apart."""
    url = make_url(database_url)
    password = url.password
    plain = url._replace(drivername="postgresql", password=None)  # URL.set() ignores None
    return plain.render_as_string(hide_password=False), password


def pg_dump_command(database_url: str, target: Path, pg_dump: str = "pg_dump") -> list[str]:
    return [pg_dump, "--format=custom", "--file", str(target), libpq_url(database_url)[0]]


def backup_postgresql(
    database_url: str, target: Path, *, force: bool = False, pg_dump: str | None = None
) -> BackupResult:
    """``pg_dump --format=custom`` of the database to ``target``.

    Raises ``BackupError("no_pg_dump", command=...)`` with the exact command to run
    when ``pg_dump`` is not installed here.
    """
    target = _check_target(target, force)
    executable = pg_dump or shutil.which("pg_dump")
    if not executable:
        raise BackupError("no_pg_dump", command=pg_dump_command(database_url, target))
    url, password = libpq_url(database_url)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password  # never on the command line (visible in ps)
    tmp = _temporary_beside(target)
    try:
        done = subprocess.run(
            pg_dump_command(database_url, tmp, executable),
            env=env, capture_output=True, text=True, timeout=3600,
        )
        if done.returncode != 0:
            raise BackupError("pg_dump_failed", done.stderr.strip()[-2000:])
        _place(tmp, target, force)
    finally:
        if tmp.exists():
            tmp.unlink()
    return BackupResult(
        "postgresql", target, target.stat().st_size, None, pg_dump_command(database_url, target, executable)
    )


def backup(database_url: str, target: Path, *, force: bool = False) -> BackupResult:
    if backend_of(database_url) == "sqlite":
        return backup_sqlite(database_url, target, force=force)
    return backup_postgresql(database_url, target, force=force)


def audit_backup(db: Session, actor: User | None, result: BackupResult, by: str | None = None) -> None:
    """Record that a copy was made, and where (no content). The caller commits."""
    detail = {"backend": result.backend, "path": str(result.path), "bytes": result.size}
    if result.sessions is not None:
        detail["sessions"] = result.sessions
    if by:
        detail["by"] = by
    record(db, actor, "backup", "database", detail)


def shell_command(command: list[str]) -> str:
    return shlex.join(command)

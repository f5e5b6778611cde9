"""Settings: read once from ``REFLECT_*`` environment variables, overridable by tests.

Nothing here is a secret baked into the code: the secret key comes from the
environment or is created on first start and kept in the instance folder.
"""
from __future__ import annotations

import importlib
import os
import secrets
import zoneinfo
from pathlib import Path

ASYNC_MODES = ("eventlet", "gevent", "threading")

# name -> (parser, default)
_ENV = {
    "DATABASE_URL": (str, None),
    "SECRET_KEY": (str, None),
    "ASYNC_MODE": (str, "eventlet"),
    "MESSAGE_QUEUE": (str, None),
    # Redis pub/sub ignores the database number: installs sharing a Redis need their own channel.
    "MESSAGE_QUEUE_CHANNEL": (str, "reflect"),
    "ALLOWED_ORIGINS": (str, None),
    "MIN_GROUP_SIZE": (int, 3),
    # The review's days, months, quarters and years (an IANA name such as
    # "America/Los_Angeles"); times are stored in UTC whatever this says.
    "TIMEZONE": (str, "UTC"),
    "RETENTION_DAYS": (int, 365),
    "RATELIMIT_STORAGE_URL": (str, None),
    "TRUSTED_PROXIES": (int, 0),
    "PRESENCE_GRACE_SECONDS": (int, 20),
    # A session nobody ended is ended after this many hours with nothing happening in it,
    # as of its last activity (its code stops working; its text can then be purged).
    "IDLE_END_HOURS": (int, 12),
    "SOCKET_MAX_MESSAGE_BYTES": (int, 64 * 1024),
    "SOCKET_EVENTS_PER_10S": (int, 60),
    # Updates that only the facilitator and the projector see (who is here, how many
    # answered, hands) go at most once per this interval per session (a lone one at once),
    # each carrying the latest state.
    "UPDATE_INTERVAL_MS": (int, 1000),
    # Database connections kept open per server process, on PostgreSQL and on a SQLite
    # file, and max(5, this // 4) more on demand; with PostgreSQL, processes x (this +
    # max(5, this // 4)) must stay under its max_connections (100).
    "DATABASE_POOL_SIZE": (int, 30),
    # How long a request, socket command or job waits for a free connection when all are
    # in use (seconds); then it is refused at once as busy (503, "busy"), not left waiting.
    "DATABASE_POOL_TIMEOUT": (float, 5.0),
    "HTTPS": (lambda v: v.lower() in ("1", "true", "yes"), False),
    # Websocket per-message compression (permessage-deflate): off unless turned on (see
    # reflect/socket_compression.py).
    "SOCKET_COMPRESSION": (lambda v: v.lower() in ("1", "true", "yes"), False),
    # The address people open reflect at (e.g. https://reflect.example.org): the links in
    # emails and the single sign-on return address are built on it, never on a request's Host.
    "PUBLIC_URL": (str, None),
    # Email (optional, see reflect/mail.py): without a host, links are shown to copy.
    "SMTP_HOST": (str, None),
    "SMTP_PORT": (int, 587),
    "SMTP_SECURITY": (str, "starttls"),  # starttls, tls or none
    "SMTP_USER": (str, None),
    "SMTP_PASSWORD": (str, None),
    "SMTP_SENDER": (str, None),
    # Two-factor sign-in compulsory for: none, admins, or staff (every account).
    "REQUIRE_2FA": (str, "none"),
    # Single sign-on with OpenID Connect (see reflect/auth/oidc.py).
    "OIDC_DISCOVERY_URL": (str, None),
    "OIDC_CLIENT_ID": (str, None),
    "OIDC_CLIENT_SECRET": (str, None),
    "OIDC_EMAIL_CLAIM": (str, "email"),
    # The claim by which the provider says it verified that email (Entra ID: xms_edov).
    "OIDC_EMAIL_VERIFIED_CLAIM": (str, "email_verified"),
    "OIDC_SCOPES": (str, "openid email profile"),
    "OIDC_PROVIDER_NAME": (str, None),
    # The role of an account made at its first single sign-on; empty: no account is made.
    "OIDC_CREATE_ROLE": (str, None),
    # Off: an account that has signed in with single sign-on can no longer use a password.
    "OIDC_PASSWORD_LOGIN": (lambda v: v.lower() in ("1", "true", "yes"), True),
    # Reflective-supervision hours (docs/hours.md): arriving late or leaving early by no
    # more than this still credits the whole session; the endorsement targets in hours
    # (comma-separated: Infant Family Specialist, Infant Mental Health Specialist) and the
    # hours a year to renew.
    "HOURS_LATE_MINUTES": (int, 10),
    "HOURS_TARGETS": (str, "24,50"),
    "HOURS_RENEWAL": (int, 12),
}

SMTP_SECURITY = ("starttls", "tls", "none")
REQUIRE_2FA = ("none", "admins", "staff")


class ConfigError(ValueError):
    """A setting has a value the app cannot run with."""


def from_environment(environ: dict[str, str] | None = None) -> dict:
    """Return the ``REFLECT_*`` settings present in ``environ`` (parsed)."""
    environ = os.environ if environ is None else environ
    settings = {}
    for name, (parse, default) in _ENV.items():
        raw = environ.get(f"REFLECT_{name}")
        key = f"REFLECT_{name}"
        if raw is None or raw == "":
            settings[key] = default
            continue
        try:
            settings[key] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{key}={raw!r}: {exc}") from exc
    return settings


def check(config: dict) -> None:
    """Refuse settings that would run unsafely or not at all."""
    mode = config["REFLECT_ASYNC_MODE"]
    if mode not in ASYNC_MODES:
        raise ConfigError(f"REFLECT_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}, not {mode!r}")
    if config["REFLECT_RETENTION_DAYS"] < 1:
        raise ConfigError("REFLECT_RETENTION_DAYS must be at least 1")
    if config["REFLECT_IDLE_END_HOURS"] < 1:
        raise ConfigError("REFLECT_IDLE_END_HOURS must be at least 1")
    if config["REFLECT_TRUSTED_PROXIES"] < 0:
        raise ConfigError("REFLECT_TRUSTED_PROXIES cannot be negative")
    if config["REFLECT_UPDATE_INTERVAL_MS"] < 0:
        raise ConfigError("REFLECT_UPDATE_INTERVAL_MS cannot be negative")
    if config["REFLECT_DATABASE_POOL_SIZE"] < 1:
        raise ConfigError("REFLECT_DATABASE_POOL_SIZE must be at least 1")
    if not 0 < config["REFLECT_DATABASE_POOL_TIMEOUT"] <= 60:
        raise ConfigError("REFLECT_DATABASE_POOL_TIMEOUT must be more than 0 and at most 60 (seconds)")
    if config["REFLECT_MIN_GROUP_SIZE"] < 2:
        raise ConfigError("REFLECT_MIN_GROUP_SIZE must be at least 2")
    check_timezone(config.get("REFLECT_TIMEZONE") or "UTC")
    check_installed(config)
    check_accounts(config)
    if config["REFLECT_HOURS_LATE_MINUTES"] < 0:
        raise ConfigError("REFLECT_HOURS_LATE_MINUTES cannot be negative")
    if config["REFLECT_HOURS_RENEWAL"] < 1:
        raise ConfigError("REFLECT_HOURS_RENEWAL must be at least 1")
    hours_targets(config["REFLECT_HOURS_TARGETS"])
    origins = config.get("REFLECT_ALLOWED_ORIGINS")
    if origins is not None:
        items = allowed_origins(origins)
        if not items or "*" in items:
            raise ConfigError("REFLECT_ALLOWED_ORIGINS must list origins explicitly (never '*' or empty)")


def check_accounts(config: dict) -> None:
    """Email, two-factor and single sign-on settings: all or nothing, known values."""
    if config.get("REFLECT_SMTP_HOST"):
        if config.get("REFLECT_SMTP_SECURITY", "starttls") not in SMTP_SECURITY:
            raise ConfigError(f"REFLECT_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}")
        if not config.get("REFLECT_SMTP_SENDER"):
            raise ConfigError("REFLECT_SMTP_SENDER (the From address) is needed with REFLECT_SMTP_HOST")
        if not config.get("REFLECT_PUBLIC_URL"):
            raise ConfigError("REFLECT_PUBLIC_URL (the address in emails' links) is needed with REFLECT_SMTP_HOST")
    public = config.get("REFLECT_PUBLIC_URL")
    if public and not public.startswith(("https://", "http://")):
        raise ConfigError("REFLECT_PUBLIC_URL must start with https:// (or http://)")
    if config.get("REFLECT_REQUIRE_2FA", "none") not in REQUIRE_2FA:
        raise ConfigError(f"REFLECT_REQUIRE_2FA must be one of {', '.join(REQUIRE_2FA)}")
    oidc = ("REFLECT_OIDC_DISCOVERY_URL", "REFLECT_OIDC_CLIENT_ID", "REFLECT_OIDC_CLIENT_SECRET")
    given = [name for name in oidc if config.get(name)]
    if given and len(given) != len(oidc):
        missing = ", ".join(name for name in oidc if name not in given)
        raise ConfigError(f"single sign-on needs {missing} as well")
    role = config.get("REFLECT_OIDC_CREATE_ROLE")
    if role and role not in ("facilitator", "supervisor", "admin"):
        raise ConfigError("REFLECT_OIDC_CREATE_ROLE must be facilitator, supervisor or admin (or empty)")


def check_installed(config: dict) -> None:
    """PostgreSQL's driver and Redis's client are extras, left out of the default install
    (SQLite, one process): settings that need one that is not installed are refused here,
    naming the extra to install, before anything tries to connect."""
    if (config.get("REFLECT_DATABASE_URL") or "").startswith("postgres"):
        # psycogreen makes the driver cooperative under eventlet and gevent (__main__.py)
        needed = ["psycopg2"] if config["REFLECT_ASYNC_MODE"] == "threading" else ["psycopg2", "psycogreen"]
        _require("REFLECT_DATABASE_URL is a PostgreSQL database", needed, "postgresql")
    for name in ("REFLECT_MESSAGE_QUEUE", "REFLECT_RATELIMIT_STORAGE_URL"):
        if (config.get(name) or "").startswith(REDIS_SCHEMES):
            _require(f"{name} is a Redis", ["redis"], "redis")


def _require(what: str, modules: list[str], extra: str) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"{what}, but {module} cannot be imported ({exc}): "
                              f"install reflect's {extra} extra, pip install 'reflect[{extra}]'") from exc


def hours_targets(value: str) -> tuple[int, int]:
    """``REFLECT_HOURS_TARGETS``: two positive whole numbers of hours, "24,50"."""
    try:
        first, second = (int(part) for part in str(value).split(","))
    except ValueError:
        raise ConfigError("REFLECT_HOURS_TARGETS must be two whole numbers of hours, such as 24,50") from None
    if first < 1 or second < 1:
        raise ConfigError("REFLECT_HOURS_TARGETS must be two whole numbers of hours, such as 24,50")
    return first, second


def check_timezone(name: str) -> None:
    """``REFLECT_TIMEZONE`` must name a zone of the IANA time-zone database."""
    if name == "UTC":
        return  # needs no time-zone database
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ConfigError(
            f"REFLECT_TIMEZONE={name!r} is not a time zone of the IANA database (e.g. America/Los_Angeles)"
        ) from exc


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def ratelimit_storage(config: dict) -> str:
    """Where rate-limit counters live: as set; else the Redis message queue shared by
    every process; else this process's memory."""
    explicit = config.get("REFLECT_RATELIMIT_STORAGE_URL")
    if explicit:
        return explicit
    queue = config.get("REFLECT_MESSAGE_QUEUE") or ""
    return queue if queue.startswith(REDIS_SCHEMES) else "memory://"


def ratelimit_storage_options(config: dict) -> dict:
    """Options for the rate-limit storage: its errors in one class (``limits``'
    StorageError, answered with a 503 page), and a Redis that does not answer given up on
    after 2 s rather than holding the request."""
    if ratelimit_storage(config).startswith(REDIS_SCHEMES):
        return {"wrap_exceptions": True, "socket_connect_timeout": 2, "socket_timeout": 2}
    return {"wrap_exceptions": True}


def allowed_origins(value: str | list | None) -> list[str] | None:
    """Parse a comma-separated origin list; ``None`` means "the request's own host only"."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return [item.strip().rstrip("/") for item in value.split(",") if item.strip()]


def sqlite_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'reflect.db'}"


def normalise_database_url(url: str) -> str:
    """Pick the PostgreSQL driver reflect is built for: psycopg2 (libpq, in C). Under
    eventlet and gevent it is made cooperative at start-up (psycogreen's wait callback,
    see ``reflect/__main__.py``), so a slow query never blocks other connections."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://", "postgresql+psycopg://",
                   "postgresql+pg8000://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first start."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key

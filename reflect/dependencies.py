"""At start-up: the Redis the settings name must answer, or the server does not start.

A message queue (``REFLECT_MESSAGE_QUEUE``) that does not answer would leave each
process deaf to the others' broadcasts, and rate-limit storage
(``REFLECT_RATELIMIT_STORAGE_URL``, by default the message queue's Redis) that does not
answer would refuse every sign-in and join. Both are checked before the server listens,
and each one missing is named, with its setting, in the error that stops it.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from reflect import config as settings

TIMEOUT_S = 3.0


def shown(url: str) -> str:
    """``url`` without its password (it may be in the settings file, never in a log)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username + ':***@' if parts.username else ':***@'}{host}"
    return urlunsplit(parts._replace(netloc=netloc + (f":{parts.port}" if parts.port else "")))


def _redis_answers(url: str) -> str | None:
    """None if the Redis at ``url`` answers a PING, else why not."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as err:
        return type(err).__name__
    return None


def unreachable(config: dict) -> list[str]:
    """One line per Redis named by the settings that does not answer."""
    queue = config.get("REFLECT_MESSAGE_QUEUE") or ""
    storage = settings.ratelimit_storage(config)
    checks = []
    if queue.startswith(settings.REDIS_SCHEMES):
        checks.append(("REFLECT_MESSAGE_QUEUE", queue))
    if storage.startswith(settings.REDIS_SCHEMES):
        setting = ("REFLECT_RATELIMIT_STORAGE_URL" if config.get("REFLECT_RATELIMIT_STORAGE_URL")
                   else "REFLECT_RATELIMIT_STORAGE_URL (not set: the message queue's Redis)")
        checks.append((setting, storage))
    problems = []
    for setting, url in checks:
        why = _redis_answers(url)
        if why is not None:
            problems.append(f"{setting}={shown(url)}: Redis does not answer ({why}). "
                            "Start it, or correct the setting.")
    return problems


def check(config: dict) -> None:
    """Stop the server (``SystemExit``, its message on stderr) if a Redis does not answer."""
    problems = unreachable(config)
    if problems:
        raise SystemExit("reflect cannot start:\n  " + "\n  ".join(problems))

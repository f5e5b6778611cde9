"""Join codes: 8 characters from an alphabet without look-alikes (no 0/O/1/I/L)."""
from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(raw: str | None) -> str | None:
    """Upper-case, drop spaces and dashes; None when it cannot be a code."""
    if not raw:
        return None
    code = "".join(ch for ch in raw.upper() if ch not in " -")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    """ABCD EFGH: easier to read aloud and type."""
    return f"{code[:4]} {code[4:]}"

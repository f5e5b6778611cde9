"""Two-factor sign-in: TOTP codes from an authenticator app, and recovery codes.

Business rules only (no Flask request globals). A code is good once: the time step it
was accepted for is stored, and a code of that step or an earlier one is refused, by a
conditional update, so two requests racing with the same code cannot both pass. Ten
recovery codes are made when the second factor is turned on; only their hashes are kept
and each works once.
"""
from __future__ import annotations

import hmac
import re
import secrets
import time

import pyotp
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.auth.accounts import AccountError
from reflect.db import utcnow
from reflect.models import Passkey, RecoveryCode, Role, User
from reflect.tokens import token_hash

ISSUER = "reflect"
RECOVERY_CODES = 10
RECOVERY_CODE_CHARS = 10  # shown as two groups of five
STEP_SECONDS = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_SPACES = re.compile(r"[\s-]+")


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def required(role: str, policy: str | None) -> bool:
    """Whether ``REFLECT_REQUIRE_2FA`` (none, admins, staff) makes it compulsory for ``role``."""
    if policy == "staff":
        return True
    return policy == "admins" and role == Role.ADMIN.value


def is_enabled(user: User) -> bool:
    return bool(user.totp_secret)


def _normalise(code: str | None) -> str:
    return _SPACES.sub("", (code or "").strip().lower())


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (this one, or the one either side for clock drift) ``code`` is for."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_CHARS))  # ~50 bits
    return f"{raw[:5]}-{raw[5:]}"


def new_recovery_codes(db: Session, user: User) -> list[str]:
    """Ten fresh recovery codes for ``user`` (earlier ones stop working); shown once."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.add_all(RecoveryCode(code_hash=token_hash(_normalise(code)), user_id=user.id) for code in codes)
    return codes


def enable(db: Session, user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once ``code`` proves the app holds ``secret``; returns
    the recovery codes. A wrong code changes nothing."""
    if is_enabled(user):
        raise AccountError("totp_already_on")
    step = _matching_step(secret or "", _normalise(code))
    if step is None:
        raise AccountError("code_wrong")
    user.totp_secret = secret
    user.totp_last_step = step
    codes = new_recovery_codes(db, user)
    record(db, user, "second_factor_on", f"user:{user.id}")
    return codes


def verify(db: Session, user: User, code: str) -> str:
    """Check a sign-in's second step: a TOTP code not used before, or an unused recovery
    code. Returns "totp" or "recovery"; raises ``code_wrong`` otherwise (audited, never
    with the code)."""
    code = _normalise(code)
    if user.totp_secret:
        step = _matching_step(user.totp_secret, code)
        if step is not None:
            taken = db.execute(
                update(User)
                .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken == 1:
                user.totp_last_step = step
                return "totp"
            record(db, None, "second_factor_failed", f"user:{user.id}", {"reason": "reused"})
            raise AccountError("code_wrong")
        if len(code) == RECOVERY_CODE_CHARS:
            used = db.execute(
                update(RecoveryCode)
                .where(RecoveryCode.code_hash == token_hash(code), RecoveryCode.user_id == user.id,
                       RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            if used == 1:
                record(db, user, "recovery_code_used", f"user:{user.id}", {"left": recovery_codes_left(db, user)})
                return "recovery"
    record(db, None, "second_factor_failed", f"user:{user.id}", {"reason": "wrong"})
    raise AccountError("code_wrong")


def recovery_codes_left(db: Session, user: User) -> int:
    from sqlalchemy import func, select

    return db.scalar(select(func.count()).select_from(RecoveryCode)
                     .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def turn_off(db: Session, actor: User, user: User) -> None:
    """Remove ``user``'s second factor, recovery codes and passkeys: by themselves (after a code)
    or by an admin (for a lost phone), audited either way."""
    if not is_enabled(user):
        return
    user.totp_secret = None
    user.totp_last_step = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.execute(delete(Passkey).where(Passkey.user_id == user.id))  # a second method of the same factor
    action = "second_factor_off" if actor.id == user.id else "second_factor_reset"
    record(db, actor, action, f"user:{user.id}")

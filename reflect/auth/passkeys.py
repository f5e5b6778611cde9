"""Passkeys (WebAuthn) as a second method of the second step, with py_webauthn.

Business rules only (no Flask request globals): the views hand in the relying party's id
(the site's host name) and origin, and keep each ceremony's challenge in the signed
session cookie for one use. The library checks the challenge, the origin, the relying
party, the signature against the stored public key and user presence; the signature
counter must go up when the authenticator keeps one (a cloned key is refused).
"""
from __future__ import annotations

import json

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from reflect.audit import record
from reflect.auth.accounts import AccountError
from reflect.db import utcnow
from reflect.models import Passkey, User

RP_NAME = "reflect"
MAX_PASSKEYS = 10


def of(db: Session, user: User) -> list[Passkey]:
    return list(db.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at)))


def has_any(db: Session, user: User) -> bool:
    return db.scalar(select(func.count()).select_from(Passkey).where(Passkey.user_id == user.id)) > 0


def _descriptors(keys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id)) for key in keys]


def registration_options(db: Session, user: User, rp_id: str) -> tuple[str, str]:
    """The browser's ``navigator.credentials.create`` options (JSON) and their challenge."""
    keys = of(db, user)
    if len(keys) >= MAX_PASSKEYS:
        raise AccountError("passkey_limit")
    options = generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_name=user.email, user_display_name=user.display_name or user.email,
        user_id=f"reflect-user-{user.id}".encode(),
        exclude_credentials=_descriptors(keys),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED),
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def register(db: Session, user: User, credential: str, challenge: str, rp_id: str, origin: str,
             name: str) -> Passkey:
    """Keep a new passkey once the browser's answer checks out; else ``passkey_refused``."""
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=base64url_to_bytes(challenge),
                                                expected_rp_id=rp_id, expected_origin=origin)
    except (WebAuthnException, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise AccountError("passkey_refused") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.scalar(select(Passkey).where(Passkey.credential_id == credential_id)):
        raise AccountError("passkey_refused")
    key = Passkey(user_id=user.id, credential_id=credential_id, public_key=verified.credential_public_key,
                  sign_count=verified.sign_count, name=(name or "").strip()[:60])
    db.add(key)
    db.flush()
    record(db, user, "passkey_added", f"user:{user.id}")
    return key


def authentication_options(db: Session, user: User, rp_id: str) -> tuple[str, str]:
    options = generate_authentication_options(rp_id=rp_id, allow_credentials=_descriptors(of(db, user)),
                                              user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json(options), bytes_to_base64url(options.challenge)


def verify(db: Session, user: User, credential: str, challenge: str, rp_id: str, origin: str) -> Passkey:
    """The second step with a passkey of ``user``; ``passkey_refused`` otherwise (audited)."""
    try:
        credential_id = str(json.loads(credential)["id"])
        key = db.scalar(select(Passkey).where(Passkey.credential_id == credential_id, Passkey.user_id == user.id))
        if key is None:
            raise AccountError("passkey_refused")
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge), expected_rp_id=rp_id,
            expected_origin=origin, credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count)
    except (AccountError, WebAuthnException, ValueError, KeyError, TypeError):
        record(db, None, "second_factor_failed", f"user:{user.id}", {"reason": "passkey"})
        raise AccountError("passkey_refused") from None
    key.sign_count = verified.new_sign_count
    key.last_used_at = utcnow()
    return key


def remove(db: Session, actor: User, user: User, passkey_id: int) -> None:
    key = db.get(Passkey, passkey_id)
    if key is None or key.user_id != user.id:
        raise AccountError("passkey_missing")
    db.delete(key)
    record(db, actor, "passkey_removed", f"user:{user.id}")


def remove_all(db: Session, user: User) -> int:
    return db.execute(delete(Passkey).where(Passkey.user_id == user.id)).rowcount

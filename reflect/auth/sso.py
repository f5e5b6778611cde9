"""Single sign-on accounts: which account an identity provider's sign-in opens.

Business rules only (no Flask request globals, no HTTP): the ID token has already been
checked (signature, issuer, audience, expiry, nonce) by ``reflect.auth.oidc``. An account
is found by the provider's issuer and subject once linked; the first time, by the email
the provider vouches for (``email_verified``), then linked; or made with the default
role when the admin allows it (``REFLECT_OIDC_CREATE_ROLE``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.auth.accounts import AccountError, create_user, normalise_email
from reflect.models import User


@dataclass(frozen=True)
class SsoPolicy:
    email_claim: str = "email"
    create_role: str | None = None  # None: no account is made at a first sign-in
    verified_claim: str = "email_verified"  # the claim saying the provider verified the email


def _verified(claims: dict, claim: str) -> bool:
    value = claims.get(claim)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def account_for(db: Session, issuer: str, claims: dict, policy: SsoPolicy) -> User:
    """The account this sign-in opens, or :class:`AccountError` with what is wrong."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise AccountError("sso_refused")
    user = db.scalar(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))
    if user is None:
        raw_email = claims.get(policy.email_claim)
        if not isinstance(raw_email, str) or not raw_email:
            raise AccountError("sso_no_email")
        if not _verified(claims, policy.verified_claim):
            raise AccountError("sso_email_unverified")
        try:
            email = normalise_email(raw_email)
        except AccountError:
            raise AccountError("sso_no_email") from None
        user = db.scalar(select(User).where(User.email == email))
        if user is None:
            if not policy.create_role:
                raise AccountError("sso_no_account")
            name = claims.get("name") if isinstance(claims.get("name"), str) else ""
            user = create_user(db, email=email, role=policy.create_role, display_name=name or "")
            record(db, user, "sso_account_created", f"user:{user.id}", {"role": policy.create_role})
        elif user.oidc_subject and (user.oidc_issuer, user.oidc_subject) != (issuer, subject):
            raise AccountError("sso_other_identity")
        user.oidc_issuer = issuer
        user.oidc_subject = subject
        record(db, user, "sso_linked", f"user:{user.id}")
    if not user.active:
        raise AccountError("sso_deactivated")
    return user


def password_allowed(user: User, sso_password_login: bool) -> bool:
    """Whether ``user`` may sign in with a password: not when single sign-on is the only
    way for accounts that use it (``REFLECT_OIDC_PASSWORD_LOGIN`` off)."""
    return sso_password_login or not user.oidc_subject

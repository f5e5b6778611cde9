"""The OpenID Connect client (Authlib): discovery, the authorisation redirect, the
callback's checks.

Authlib keeps the ``state`` and ``nonce`` of each redirect in the signed session cookie
and drops them at the callback, so a state can be used once; it checks the ID token's
signature against the provider's published keys, its issuer, audience (our client id),
expiry and nonce. Which account the sign-in opens is decided in ``reflect.auth.sso``.
"""
from __future__ import annotations

import logging

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError

from reflect.auth.accounts import AccountError
from reflect.auth.sso import SsoPolicy

log = logging.getLogger("reflect.auth")
CLIENT = "sso"
HTTP_TIMEOUT_SECONDS = 10


def configured(config) -> bool:
    return bool(config.get("REFLECT_OIDC_DISCOVERY_URL"))


def init_app(app: Flask) -> None:
    if not configured(app.config):
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        server_metadata_url=app.config["REFLECT_OIDC_DISCOVERY_URL"],
        client_id=app.config["REFLECT_OIDC_CLIENT_ID"],
        client_secret=app.config["REFLECT_OIDC_CLIENT_SECRET"],
        client_kwargs={"scope": app.config.get("REFLECT_OIDC_SCOPES") or "openid email profile",
                       "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT_SECONDS},
    )
    app.extensions["reflect.oidc"] = oauth


def client():
    oauth = current_app.extensions.get("reflect.oidc")
    return oauth.create_client(CLIENT) if oauth else None


def policy(config) -> SsoPolicy:
    return SsoPolicy(
        email_claim=config.get("REFLECT_OIDC_EMAIL_CLAIM") or "email",
        create_role=config.get("REFLECT_OIDC_CREATE_ROLE") or None,
        verified_claim=config.get("REFLECT_OIDC_EMAIL_VERIFIED_CLAIM") or "email_verified",
    )


def redirect_to_provider(callback_url: str):
    """The redirect to the provider's sign-in page, or AccountError("sso_unavailable")."""
    try:
        return client().authorize_redirect(callback_url)
    except (AuthlibBaseError, OSError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("Single sign-on: the identity provider could not be reached or read (%s)", type(exc).__name__)
        raise AccountError("sso_unavailable") from None


def checked_claims() -> tuple[str, dict]:
    """At the callback: the provider's issuer and the ID token's claims, once every check
    passed; else AccountError with what went wrong (logged by kind, never a token)."""
    sso = client()
    try:
        token = sso.authorize_access_token()
    except (AuthlibBaseError, JoseError) as exc:
        error = getattr(exc, "error", "") or type(exc).__name__
        log.warning("Single sign-on refused: %s", error)
        if error == "mismatching_state":
            raise AccountError("sso_state") from None
        if isinstance(exc, JoseError) or error in ("invalid_claim", "missing_claim", "expired_token",
                                                    "invalid_token", "bad_signature"):
            raise AccountError("sso_token") from None
        if error in ("access_denied", "login_required", "consent_required", "interaction_required"):
            raise AccountError("sso_cancelled") from None
        raise AccountError("sso_unavailable") from None
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("Single sign-on failed: %s", type(exc).__name__)
        raise AccountError("sso_unavailable") from None
    userinfo = token.get("userinfo")
    if not userinfo:
        log.warning("Single sign-on refused: no ID token")
        raise AccountError("sso_token")
    return sso.load_server_metadata()["issuer"], dict(userinfo)

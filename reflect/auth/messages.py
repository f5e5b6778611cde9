"""User-facing text for account errors (codes come from the accounts service)."""
from flask_babel import lazy_gettext as _l

ACCOUNT_ERRORS = {
    "password_too_short": _l("The password is too short."),
    "email_invalid": _l("That does not look like an email address."),
    "email_taken": _l("Someone already has an account with that email."),
    "role_invalid": _l("Unknown role."),
    "link_invalid": _l("This link has expired or was already used. Ask an admin for a new one."),
    "cannot_demote_self": _l("You cannot take away your own admin role."),
    "cannot_deactivate_self": _l("You cannot deactivate your own account."),
    "last_admin": _l("This is the last active admin account: make another person an admin first."),
    "not_admin": _l("Your account is no longer an active admin, so this was not changed."),
    "link_for_deactivated": _l(
        "This account is deactivated, so a password link would not open. Activate the account first."
    ),
    "setup_token_invalid": _l(
        "The setup token is wrong or was already used. Open the link from the server log, or run "
        "“reflect setup-token” on the server for a new one."
    ),
    "code_wrong": _l("That code is wrong or was already used. Enter the current code from your app."),
    "totp_already_on": _l("Two-step sign-in is already on for this account."),
    "sign_in_not_open": _l("That sign-in has already ended."),
    "sso_unavailable": _l(
        "Single sign-on is not working right now: the identity provider could not be reached or is not set up "
        "correctly. Try again later or ask an admin."
    ),
    "sso_state": _l("This sign-in link was already used or has expired. Start single sign-on again."),
    "sso_token": _l(
        "The identity provider's answer could not be trusted (it was not meant for this server, or has "
        "expired), so you were not signed in. Start single sign-on again."
    ),
    "sso_cancelled": _l("Single sign-on was cancelled at the identity provider."),
    "sso_refused": _l("The identity provider did not say who you are, so you were not signed in."),
    "sso_no_email": _l("The identity provider did not give an email address, so you were not signed in."),
    "sso_email_unverified": _l(
        "The identity provider has not verified your email address, so it cannot open an account here."
    ),
    "sso_no_account": _l("There is no account for this email address here. Ask an admin to add you."),
    "sso_other_identity": _l(
        "This account is already linked to another single sign-on identity. Ask an admin."
    ),
    "sso_deactivated": _l("This account is deactivated. Ask an admin."),
    "passkey_refused": _l("The passkey could not be checked, so nothing was changed. Try again, or use a code."),
    "passkey_limit": _l("This account already has the most passkeys it can have. Remove one first."),
    "passkey_missing": _l("That passkey was already removed."),
    "passkey_needs_totp": _l("Turn on two-step sign-in with an authenticator app first; a passkey is a second way."),
}


def account_error(code: str) -> str:
    return str(ACCOUNT_ERRORS.get(code, code))

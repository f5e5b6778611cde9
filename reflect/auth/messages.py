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
}


def account_error(code: str) -> str:
    return str(ACCOUNT_ERRORS.get(code, code))

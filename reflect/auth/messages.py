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
    "setup_token_invalid": _l("The setup token is wrong or was already used. Look at the server log for the current one."),
}


def account_error(code: str) -> str:
    return str(ACCOUNT_ERRORS.get(code, code))

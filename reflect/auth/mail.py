"""The account messages reflect sends by email: an invitation, a password reset."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from reflect import mail
from reflect.auth.accounts import PASSWORD_LINK_HOURS
from reflect.models import User


def send_invitation(user: User, url: str, locale: str | None = None) -> bool:
    return mail.send(
        user.email, user.locale or locale, _l("Your reflect account"), "mail/link",
        name=user.display_name,
        intro=_l("An account was made for you on reflect. Choose your password with this link."),
        action=_l("Choose your password"),
        url=url,
        note=_l("The link works once, for %(hours)d hours.", hours=PASSWORD_LINK_HOURS),
    )


def send_password_reset(user: User, url: str, locale: str | None = None) -> bool:
    return mail.send(
        user.email, user.locale or locale, _l("Choose a new reflect password"), "mail/link",
        name=user.display_name,
        intro=_l("Someone asked for a new password for your reflect account. If it was you, choose one with "
                 "this link; your current password keeps working until you do."),
        action=_l("Choose a new password"),
        url=url,
        note=_l("The link works once, for %(hours)d hours.", hours=PASSWORD_LINK_HOURS),
    )

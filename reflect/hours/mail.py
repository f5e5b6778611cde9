"""The practitioner's personal link, sent by email when email is set up (the link is
still shown to copy, whether or not the message went)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from reflect import mail
from reflect.models import Person


def send_personal_link(person: Person, address: str, url: str) -> bool:
    """Email ``url`` to ``address`` in the person's language. True if the SMTP server
    took it; False otherwise (logged without the link). The address is not kept."""
    return mail.send(
        address, person.locale, _l("Your reflective-supervision hours"), "mail/link",
        name=person.display_name,
        intro=_l("This link shows you your own record of reflective-supervision hours, your progress and your "
                 "letters, without an account. Keep it to yourself: anyone with it can see your record."),
        action=_l("See my hours"),
        url=url,
        note=_l("It works until a new link is made for you or this one is revoked."),
    )

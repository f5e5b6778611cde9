"""Email, optional: the messages reflect otherwise shows as links to copy.

With ``REFLECT_SMTP_HOST`` (and a sender) set, :func:`send` renders a message in the
recipient's language, as plain text and HTML (no images, no tracking, no remote
content), and hands it to the SMTP server; without it, :func:`enabled` is False and
nothing is sent. A failed send returns False and is logged with the kind of failure
only: never the address's message, its links or their tokens. Whoever asked for the
message can still copy the link.

    from flask_babel import lazy_gettext as _l
    from reflect import mail

    if mail.enabled():
        sent = mail.send("ana@example.org", "es", _l("Your hours record"), "mail/link",
                         url=url, intro=_l("..."))
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger("reflect.mail")
TIMEOUT_SECONDS = 20


class MailError(Exception):
    """Sending failed; the text says how (an exception type and SMTP code), never what."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls, tls or none
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_config(cls, config) -> SmtpSettings | None:
        if not config.get("REFLECT_SMTP_HOST"):
            return None
        return cls(
            host=config["REFLECT_SMTP_HOST"],
            port=int(config.get("REFLECT_SMTP_PORT") or 587),
            security=config.get("REFLECT_SMTP_SECURITY") or "starttls",
            user=config.get("REFLECT_SMTP_USER") or None,
            password=config.get("REFLECT_SMTP_PASSWORD") or None,
            sender=config["REFLECT_SMTP_SENDER"],
        )


def build_message(sender: str, to: str, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server, or raise :class:`MailError`."""
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"{type(exc).__name__} {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(type(exc).__name__) from None


def enabled(config=None) -> bool:
    """Whether email is set up (``REFLECT_SMTP_HOST``)."""
    return SmtpSettings.from_config(config if config is not None else current_app.config) is not None


def send(to: str, locale: str | None, subject, template: str, **context) -> bool:
    """Render ``template``.txt and ``template``.html in ``locale`` and send them to ``to``.

    ``subject`` is a lazy string (``lazy_gettext``), translated in that language. True if
    the SMTP server took the message; False if email is not set up or sending failed
    (logged without the message). Needs an application context."""
    settings = SmtpSettings.from_config(current_app.config)
    if settings is None:
        return False
    with force_locale(locale or "en"):
        title = str(subject)
        text = render_template(f"{template}.txt", subject=title, **context)
        html = render_template(f"{template}.html", subject=title, lang=locale or "en", **context)
    try:
        deliver(settings, build_message(settings.sender, to, title, text, html))
    except MailError as exc:
        log.warning("Email (%s) could not be sent: %s", template.rpartition("/")[2], exc)
        return False
    return True

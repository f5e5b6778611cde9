"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, parsed."""
from __future__ import annotations

import email
import threading
import time
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port


class _Keep:
    def __init__(self, box: MailBox):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        if self.box.refuse:
            return "554 5.7.1 refused by the test"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.box.lock:
            self.box.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


class MailBox:
    def __init__(self):
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.refuse = False
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=free_port())

    def start(self) -> MailBox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def settings(self) -> dict:
        return {"REFLECT_SMTP_HOST": "127.0.0.1", "REFLECT_SMTP_PORT": self.port, "REFLECT_SMTP_SECURITY": "none",
                "REFLECT_SMTP_SENDER": "reflect@example.org", "REFLECT_PUBLIC_URL": "http://localhost"}

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for rcpt, message in self.messages if address in rcpt]

    def wait_for(self, address: str, count: int = 1, within: float = 20.0) -> list[EmailMessage]:
        """The messages to ``address`` once there are ``count`` (a wait, not a timing)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no message to {address} arrived")


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())

"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, parsed."""
from __future__ import annotations

import datetime
import email
import ipaddress
import ssl
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

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


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the certificate is its own authority)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class MailBox:
    """Plain SMTP; or, given a folder for a certificate, STARTTLS required and a login
    (``user``/``secret``) accepted only over TLS."""

    def __init__(self, tls_folder: Path | None = None):
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.refuse = False
        self.logins: list[str] = []
        self.cert_path = None
        options = {}
        if tls_folder is not None:
            self.cert_path, key_path = self_signed(tls_folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_path, key_path)
            options = {"tls_context": context, "require_starttls": True, "auth_require_tls": True,
                       "authenticator": self._authenticate}
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=free_port(), **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        good = getattr(auth_data, "login", None) == b"user" and getattr(auth_data, "password", None) == b"secret"
        if good:
            self.logins.append(mechanism)
        return AuthResult(success=good)

    def start(self) -> MailBox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def settings(self) -> dict:
        if self.cert_path is not None:
            return {"REFLECT_SMTP_HOST": "127.0.0.1", "REFLECT_SMTP_PORT": self.port,
                    "REFLECT_SMTP_SECURITY": "starttls", "REFLECT_SMTP_USER": "user", "REFLECT_SMTP_PASSWORD": "secret",
                    "REFLECT_SMTP_SENDER": "reflect@example.org", "REFLECT_PUBLIC_URL": "http://localhost"}
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

"""Test support for the mail feature: a real aiosmtpd server on 127.0.0.1, a self-signed
certificate made with ``cryptography``, sector workbooks written as real .xlsx files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import xlsxwriter
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = "ufficio.finanze"
PASSWORD = "Segreta-è-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    #: addresses for which DATA is answered with a 554 (message refused)
    reject_data_for: set[str] = field(default_factory=set)
    #: stop the controller after this many accepted messages (simulates a crash)
    fail_after: int | None = None
    #: DATA calls (0-based) answered "421 closing": the client must reconnect
    close_at: set[int] = field(default_factory=set)
    data_calls: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        call, self.data_calls = self.data_calls, self.data_calls + 1
        if call in self.close_at:
            return "421 4.3.2 Chiusura del canale di trasmissione"
        if set(envelope.rcpt_tos) & self.reject_data_for:
            return "554 5.7.1 Messaggio rifiutato"
        if self.fail_after is not None and len(self.received) >= self.fail_after:
            return "421 4.3.0 Servizio non disponibile"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode("utf-8"))
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """A real aiosmtpd server on 127.0.0.1:<free port> (``with`` starts and stops it)."""

    def __init__(self, *, starttls_cert: tuple[Path, Path] | None = None,
                 implicit_tls: tuple[Path, Path] | None = None, auth: bool = False,
                 **smtp_kwargs) -> None:
        self.handler = Handler()
        self.port = free_port()
        kwargs: dict = {}
        if starttls_cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*map(str, starttls_cert))
            kwargs.update(tls_context=ctx, require_starttls=True)
        if implicit_tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*map(str, implicit_tls))
            kwargs.update(ssl_context=ctx)
        if auth:
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=bool(starttls_cert or implicit_tls))
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs, **smtp_kwargs)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def write_workbook(path: Path, sector: str, rows: int = 3, padding: int = 0) -> Path:
    """A real small .xlsx with the sector's name and accented text (``padding`` adds
    incompressible-ish text to make it bigger)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = wb.add_worksheet("Obiettivi")
    ws.write_row(0, 0, ["Codice", "Obiettivo operativo", "Settore responsabile"])
    for i in range(rows):
        ws.write_row(i + 1, 0, [f"1.1.1.{i + 1}", f"Più qualità è città {i}", sector])
    if padding:
        import random

        rnd = random.Random(7)
        for i in range(padding):
            ws.write_string(i + 1, 5, "".join(rnd.choice("abcdefghijklmnopqrstuvwxyzàèìòù")
                                               for _ in range(200)))
    wb.close()
    return path

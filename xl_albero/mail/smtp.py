"""The SMTP edge: connect (ssl / starttls / none), log in, send. Italian errors.

``connect(settings)`` returns an open ``SmtpSender``. Errors that concern the server as a
whole (down, TLS, login) raise ``SmtpError``; errors that concern one message
(recipient refused, message rejected) raise ``MessageRejected``. ``SmtpError.fatal`` tells
whether a reconnection can help (a dropped connection) or not.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import socket
import ssl
from email.message import EmailMessage

from xl_albero.errors import AlberoError, os_reason
from xl_albero.mail.compose import ascii_address
from xl_albero.mail.config import MailSettings


class SmtpError(AlberoError):
    """The SMTP server cannot be used (Italian message; exit code 2 before any send)."""

    def __init__(self, message: str, *, dropped: bool = False) -> None:
        super().__init__(message)
        self.dropped = dropped


class MessageRejected(Exception):
    """The server refused one message; ``str(err)`` is an Italian reason."""


def _where(settings: MailSettings) -> str:
    return f"{settings.host}:{settings.effective_port}"


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """Certificate-verifying TLS context (plus the CA file from the settings, if any)."""
    ctx = ssl.create_default_context()
    if settings.ca_file is not None:
        ctx.load_verify_locations(cafile=str(settings.ca_file))
    return ctx


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{exc.smtp_code} {text}".strip()


class SmtpSender:
    """An open, authenticated SMTP session."""

    def __init__(self, settings: MailSettings, client: smtplib.SMTP) -> None:
        self.settings = settings
        self.client = client

    @property
    def connected(self) -> bool:
        """False once the server or smtplib closed the connection (after a 421...)."""
        return getattr(self.client, "sock", None) is not None

    def send(self, message: EmailMessage, recipients: tuple[str, ...] | None = None
             ) -> dict[str, tuple[int, bytes]]:
        """Send one message; return the recipients the server refused (others got it)."""
        sender = ascii_address(self.settings.sender or "")
        rcpts = [ascii_address(a) for a in recipients] if recipients else None
        try:
            return self.client.send_message(message, from_addr=sender, to_addrs=rcpts)
        except smtplib.SMTPRecipientsRefused as exc:
            who = ", ".join(exc.recipients)
            raise MessageRejected(f"destinatario rifiutato dal server: {who}") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MessageRejected(
                f"mittente {exc.sender!r} rifiutato dal server ({_reply(exc)})") from exc
        except smtplib.SMTPDataError as exc:
            raise MessageRejected(f"messaggio rifiutato dal server ({_reply(exc)})") from exc
        except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError) as exc:
            raise SmtpError(f"la connessione con il server SMTP {_where(self.settings)} si "
                            f"è interrotta ({exc.__class__.__name__})", dropped=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise MessageRejected(f"errore del server SMTP ({_reply(exc)})") from exc
        except OSError as exc:
            raise SmtpError(f"la connessione con il server SMTP {_where(self.settings)} si "
                            f"è interrotta ({exc})", dropped=True) from exc

    def close(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.client.quit()
        with contextlib.suppress(OSError):
            self.client.close()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(settings: MailSettings) -> SmtpSender:
    """Open a session as the settings say; raise ``SmtpError`` with an Italian message."""
    settings.require_smtp()
    host, port, where = settings.host or "", settings.effective_port, _where(settings)
    client: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=settings.timeout,
                                      context=tls_context(settings))
        else:
            client = smtplib.SMTP(host, port, timeout=settings.timeout)
        client.ehlo()
        if settings.security == "starttls":
            if not client.has_extn("starttls"):
                raise SmtpError(f"Il server SMTP {where} non offre STARTTLS: verificare "
                                "ALBERO_SMTP_SECURITY (starttls, ssl o none) e la porta.")
            client.starttls(context=tls_context(settings))
            client.ehlo()
        if settings.user:
            if not client.has_extn("auth"):
                raise SmtpError(f"Il server SMTP {where} non accetta l'autenticazione "
                                "(AUTH) su questa connessione: verificare la sicurezza "
                                "(starttls o ssl) o togliere l'utente.")
            if not isinstance(client.sock, ssl.SSLSocket) and not settings.plain_auth:
                raise SmtpError(f"La connessione con il server SMTP {where} non è cifrata: "
                                "utente e password non vengono inviati in chiaro. Usare "
                                "ALBERO_SMTP_SECURITY=starttls oppure ssl.")
            login(client, settings.user, settings.password or "")
        return SmtpSender(settings, client)
    except SmtpError:
        _close(client)
        raise
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise SmtpError(f"Accesso al server SMTP {where} rifiutato: utente o password "
                        f"errati per «{settings.user}» ({_reply(exc)}). Controllare "
                        "ALBERO_SMTP_USER e ALBERO_SMTP_PASSWORD.") from exc
    except ssl.SSLCertVerificationError as exc:
        _close(client)
        raise SmtpError(f"Connessione sicura con {where} non riuscita: il certificato del "
                        f"server non è valido o non è riconosciuto ({exc.verify_message}). "
                        "Se il server usa un certificato interno indicarne la CA con "
                        "ALBERO_SMTP_CA.") from exc
    except ssl.SSLError as exc:
        _close(client)
        raise SmtpError(f"Connessione sicura (TLS) con {where} non riuscita: {exc.reason or exc}. "
                        "Verificare ALBERO_SMTP_SECURITY (starttls, ssl o none) e la "
                        "porta.") from exc
    except ConnectionRefusedError as exc:
        raise SmtpError(f"Il server SMTP {where} non risponde (connessione rifiutata): "
                        "verificare ALBERO_SMTP_HOST e ALBERO_SMTP_PORT o riprovare più "
                        "tardi.") from exc
    except socket.gaierror as exc:
        raise SmtpError(f"Server SMTP «{host}» sconosciuto: verificare ALBERO_SMTP_HOST.") from exc
    except TimeoutError as exc:
        _close(client)
        raise SmtpError(f"Il server SMTP {where} non ha risposto entro "
                        f"{settings.timeout:g} secondi.") from exc
    except smtplib.SMTPNotSupportedError as exc:
        _close(client)
        raise SmtpError(f"Il server SMTP {where} non supporta il metodo di accesso "
                        "richiesto.") from exc
    except smtplib.SMTPServerDisconnected as exc:
        _close(client)
        raise SmtpError(f"Il server SMTP {where} ha chiuso la connessione: verificare "
                        "ALBERO_SMTP_SECURITY (starttls, ssl o none) e la porta.") from exc
    except smtplib.SMTPException as exc:
        _close(client)
        raise SmtpError(f"Errore del server SMTP {where}: {exc}.") from exc
    except OSError as exc:
        _close(client)
        raise SmtpError(f"Impossibile collegarsi al server SMTP {where}: "
                        f"{os_reason(exc)}.") from exc


def login(client: smtplib.SMTP, user: str, password: str) -> None:
    """``client.login``, but credentials with accents (``è``) work too: smtplib encodes
    them as ASCII, so non-ASCII ones go through AUTH PLAIN in UTF-8 (RFC 4616)."""
    client.ehlo_or_helo_if_needed()
    if (user + password).isascii():
        client.login(user, password)
        return
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise SmtpError("Utente o password SMTP contengono lettere accentate o altri caratteri "
                        "non ASCII e il server non offre l'accesso AUTH PLAIN che li "
                        "permette: usare credenziali senza accenti.")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8"))
    code, resp = client.docmd("AUTH", "PLAIN " + token.decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, resp)


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(Exception):
            client.close()

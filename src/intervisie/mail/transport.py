"""Transports behind one small interface.

- `Outbox`: each message an .eml file in a folder, written atomically (the default; no
  server needed). A file is there whole or not at all, so it has no uncertainty.
- `Smtp`: one connection for the whole run, STARTTLS / implicit TLS / plain, AUTH, a
  private CA, a timeout. A dropped connection or a 4xx answer is retried (reconnecting)
  a bounded number of times with backoff, but only while the message cannot have been
  delivered yet: once the message text went out after DATA, a lost answer is
  *uncertain* and never retried. A 5xx for the recipient fails that message only.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..errors import MailError
from ..files import atomic_write


class Refused(Exception):
    """The server refused this message for good (5xx); the others can still go."""

    def __init__(self, code: int, text: str):
        super().__init__(f"{code} {text}")
        self.code, self.text = code, text


class Uncertain(Exception):
    """The message text went out, but the server's answer did not come back."""


class Transport(Protocol):
    certain: bool  # True: a message is either delivered or not, never in between
    name: str  # where messages go, as the journal records it

    def open(self) -> None: ...
    def send(self, data: bytes, message_id: str, sender: str, recipient: str) -> None:
        """Deliver one message: `data` as a file holds it (line ends "\n")."""
        ...

    def delivered(self, message_id: str) -> bool: ...
    def close(self) -> None: ...


def eml_name(message_id: str) -> str:
    return message_id.strip("<>").replace("/", "_").replace("@", "_at_") + ".eml"


class Outbox:
    certain = True

    def __init__(self, folder: Path):
        self.folder = folder
        self.name = f"outbox:{folder.resolve()}"

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailError(f"mail.outbox: cannot create {self.folder}: {exc.strerror}") from None

    def send(self, data: bytes, message_id: str, sender: str, recipient: str) -> None:
        target = self.folder / eml_name(message_id)
        try:
            atomic_write(target, data)
        except OSError as exc:  # the disk is full or the folder went away: stop the run
            raise MailError(f"mail.outbox: cannot write {target}: {exc.strerror or exc}") from None

    def delivered(self, message_id: str) -> bool:
        return (self.folder / eml_name(message_id)).is_file()

    def close(self) -> None:
        pass


class Smtp:
    certain = False

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str | None = None,
        password: str | None = None,
        cafile: Path | None = None,
        timeout: float = 30,
        max_tries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.cafile, self.timeout = cafile, timeout
        self.max_tries, self.backoff, self.sleep = max_tries, backoff, sleep
        self.conn: smtplib.SMTP | None = None
        self.sent = 0
        self.name = f"smtp:{host}:{port}"

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(f"mail.smtp_cafile: cannot read {self.cafile}: {exc}") from None

    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def open(self) -> None:
        """Connect and log in; a failure here is fatal for the run (exit 2)."""
        last: Exception | None = None
        for attempt in range(self.max_tries):
            try:
                self._connect()
                return
            except smtplib.SMTPAuthenticationError as exc:
                raise MailError(
                    f"mailserver {self._where()} weigert de login van {self.username} ({exc.smtp_code}): "
                    "controleer mail.smtp_username en het wachtwoord in de omgevingsvariabele"
                ) from None
            except ssl.SSLError as exc:
                raise MailError(
                    f"mailserver {self._where()}: TLS mislukt ({exc.reason or exc}); controleer mail.smtp_security en mail.smtp_cafile"
                ) from None
            except smtplib.SMTPNotSupportedError as exc:
                raise MailError(f"mailserver {self._where()}: {exc}; controleer mail.smtp_security") from None
            except smtplib.SMTPResponseException as exc:
                if 400 <= exc.smtp_code < 500:
                    last = exc
                else:
                    raise MailError(
                        f"mailserver {self._where()} weigert de verbinding: {exc.smtp_code} {_text(exc.smtp_error)}"
                    ) from None
            except (OSError, smtplib.SMTPException) as exc:
                last = exc
            self._drop()
            if attempt + 1 < self.max_tries:
                self.sleep(self.backoff * 2**attempt)
        raise MailError(f"mailserver {self._where()} is niet bereikbaar: {_describe(last)}")

    def _connect(self) -> None:
        if self.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=self._context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
        except BaseException:
            try:
                conn.close()
            except Exception:
                pass
            raise
        self.conn = conn

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = None

    def send(self, data: bytes, message_id: str, sender: str, recipient: str) -> None:
        """Deliver one message. Raises Refused (this message only), Uncertain (the text
        went out, no answer) or MailError (the server is gone: stop the run)."""
        data = data.replace(b"\n", b"\r\n")  # the wire's line ends (a message holds no "\r")
        last: Exception | None = None
        for attempt in range(self.max_tries):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                if self.conn is None:
                    self._connect()
                self._transaction(sender, recipient, data)
                self.sent += 1
                return
            except Uncertain:
                self._drop()
                raise
            except Refused:
                raise
            except smtplib.SMTPResponseException as exc:  # 4xx before the text went out
                last = exc
                self._reset()
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                last = exc
                self._drop()
        raise MailError(
            f"mailserver {self._where()}: versturen mislukt na {self.max_tries} pogingen: {_describe(last)}"
        )

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _transaction(self, sender: str, recipient: str, data: bytes) -> None:
        conn = self.conn
        assert conn is not None
        code, resp = conn.mail(sender)
        self._check(code, resp)
        code, resp = conn.rcpt(recipient)
        self._check(code, resp)
        code, resp = conn.docmd("DATA")
        if code != 354:
            self._check(code, resp)
            raise smtplib.SMTPDataError(code, resp)
        # from here on the server may have the message: no retry
        try:
            body = re.sub(rb"(?m)^\.", b"..", data)
            conn.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            code, resp = conn.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise Uncertain(_describe(exc)) from None
        if code >= 500:
            raise Refused(code, _text(resp))
        if code >= 400:
            # the server says it did not take it: safe to try again
            raise smtplib.SMTPDataError(code, resp)

    def _check(self, code: int, resp: bytes) -> None:
        if code >= 500:
            self._reset()
            raise Refused(code, _text(resp))
        if code >= 400:
            raise smtplib.SMTPResponseException(code, resp)

    def delivered(self, message_id: str) -> bool:
        return False

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self.conn = None


def _text(resp: bytes | str) -> str:
    return resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)


def _describe(exc: Exception | None) -> str:
    if exc is None:
        return "onbekende fout"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "geen antwoord binnen de wachttijd (mail.smtp_timeout)"
    if isinstance(exc, ConnectionRefusedError):
        return "verbinding geweigerd"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.gaierror):
        return f"onbekende servernaam ({exc.strerror})"
    return str(exc) or type(exc).__name__

"""What a message looks like: Dutch text and HTML from Jinja2 templates (the shipped
ones in `intervisie/data/email/`, or an operator's own folder, file by file), the
calendar part, the attachments, and the MIME structure Outlook, Gmail and Apple Mail
all recognise as an invitation:

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST   (invitations, updates, cancellations)
      agenda.docx / casusvoorbereiding.docx / evaluatieformulier.docx
      invite.ics                        (the same calendar, for clients that want a file)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from ..errors import TemplateError
from ..records import Meeting, Records
from ..resources import data_path
from ..values import dutch_date
from .calendar import build_ics, meeting_uid
from .decide import AFZEGGING, CALENDAR_KINDS, CASUS, EVALUATIE, HERINNERING, UITNODIGING, WIJZIGING, Outgoing

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
# which document goes with which kind of message
ATTACHMENT_KIND = {
    UITNODIGING: "agenda",
    WIJZIGING: "agenda",
    CASUS: "casusvoorbereiding",
    EVALUATIE: "evaluatieformulier",
}
TEMPLATE_FILES = (
    "uitnodiging",
    "casus",
    "wijziging",
    "afzegging",
    "herinnering",
    "evaluatie",
    "samenvatting",
    "storing",
)


@dataclass
class Composed:
    """A message ready to go: its bytes as a file holds them (line ends "\n"; empty
    on a dry run), and what the journal and the coordinator's summary need of it."""

    data: bytes
    message_id: str
    sender: str  # the envelope sender: the address of mail.sender
    subject: str
    attachments: list[str]
    content_hash: str


class Composer:
    def __init__(self, sender: str, timezone: str, template_dir: Path | None = None):
        self.sender = sender
        self.envelope_sender = parseaddr(sender)[1]
        self.domain = self.envelope_sender.rpartition("@")[2] or "intervisie.invalid"
        self.timezone = timezone
        self.template_dir = template_dir
        self._parts: dict[tuple[str, str, int, int], tuple[MIMEPart, str]] = {}
        loaders: list[jinja2.BaseLoader] = []
        if template_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(template_dir)))
        loaders.append(jinja2.FileSystemLoader(str(data_path("email"))))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=False,
        )

    # -- templates --------------------------------------------------------------------

    def _where(self, name: str) -> str:
        if self.template_dir is not None and (self.template_dir / name).is_file():
            return str(self.template_dir / name)
        return f"het standaardsjabloon {name}"

    def render(self, kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html) of one kind; a broken template is a TemplateError in Dutch."""
        text = self._render_one(kind, "txt", context)
        first, _, body = text.partition("\n")
        if not first.lower().startswith("onderwerp:"):
            raise TemplateError(
                f"E-mailsjabloon {self._where(f'{kind}.txt.j2')} moet beginnen met een regel 'Onderwerp: ...'. "
                f"Er gaan geen berichten van het soort '{kind}' uit tot het is hersteld."
            )
        subject = " ".join(first.split(":", 1)[1].split())
        html = self._render_one(kind, "html", {**context, "onderwerp": subject})
        return subject, body.lstrip("\n"), html

    def _render_one(self, kind: str, ext: str, context: dict[str, Any]) -> str:
        name = f"{kind}.{ext}.j2"
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"E-mailsjabloon {self._where(exc.name or name)} heeft een fout op regel {exc.lineno}: {exc.message}. "
                f"Er gaan geen berichten van het soort '{kind}' uit tot het is hersteld."
            ) from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"E-mailsjabloon {self._where(name)} gebruikt een onbekend veld ({exc.message}). "
                f"Er gaan geen berichten van het soort '{kind}' uit tot het is hersteld."
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"E-mailsjabloon {exc.name} ontbreekt.") from None

    def check(self) -> list[tuple[str, TemplateError]]:
        """Render every kind with sample data: the broken ones, before anything is sent."""
        broken = []
        sample = sample_context()
        for kind in TEMPLATE_FILES:
            try:
                self.render(kind, sample)
            except TemplateError as exc:
                broken.append((kind, exc))
        return broken

    # -- messages ---------------------------------------------------------------------

    def meeting_context(self, rec: Records, m: Meeting, name: str) -> dict[str, Any]:
        s = rec.settings
        cases = rec.cases_of(m.cases)
        g = rec.groups.get(m.group)
        start = m.start or (g.start if g else None)
        return {
            **base_context(rec),
            "naam": name,
            "groep": m.group,
            "nr": m.nr,
            "datum": dutch_date(m.date) if m.date else "",
            "begintijd": start.strftime("%H:%M") if start else "",
            "eindtijd": m.end.strftime("%H:%M") if m.end else "",
            "locatie": m.location,
            "gespreksleider": m.chair,
            "notulist": m.minute_taker,
            "methode": m.method or (g.method if g else ""),
            "thema": m.theme,
            # a case title goes to the group's own members only; its content never does
            "casussen": [{"nr": c.nr, "inbrenger": c.presenter, "titel": c.title} for c in cases],
            "wijzigingen": [],
            "casus": {"nr": "", "titel": ""},
            "wanneer": "",
            "organisatie": s.organisation,
        }

    def compose(
        self,
        o: Outgoing,
        rec: Records,
        documents: dict[str, Path],
        stamp: dt.datetime,
        previous_signature: str = "",
        read_files: bool = True,
    ) -> Composed:
        m = rec.meetings[o.meeting]
        ctx = self.meeting_context(rec, m, o.name)
        if o.kind == WIJZIGING:
            ctx["wijzigingen"] = describe_changes(previous_signature, o.signature)
        if o.kind == CASUS:
            case = next(iter(rec.cases_of([o.case])), None)
            ctx["casus"] = {"nr": o.case, "titel": case.title if case else ""}
        if o.kind == HERINNERING and m.date:
            days = (m.date - stamp.date()).days
            ctx["wanneer"] = {0: "vandaag", 1: "morgen", 2: "overmorgen"}.get(days, f"op {ctx['datum']}")
        subject, text, html = self.render(o.kind, ctx)
        msg = self.envelope(o.meeting, o.kind, (o.name, o.email), rec, subject, o.message_id(self.domain), stamp)
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        attachments: list[str] = []
        ics = b""
        if o.kind in CALENDAR_KINDS and m.date:
            ics = self.calendar(o, rec, m, stamp, ctx)
            method = "CANCEL" if o.kind == AFZEGGING else "REQUEST"
            msg.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
        doc_kind = ATTACHMENT_KIND.get(o.kind)
        hashes = [hashlib.sha256(text.encode()).hexdigest(), hashlib.sha256(_without_stamp(ics)).hexdigest()]
        if doc_kind:
            path = documents.get(doc_kind + (f":{o.case}" if o.kind == CASUS else ""))
            if path is None:
                raise MissingDocument(doc_kind)
            filename = f"{doc_kind}.docx" if o.kind != CASUS else f"casusvoorbereiding-{o.case}.docx"
            attachments.append(filename)
            if read_files:
                part, digest = self._attachment(path, filename)
                hashes.append(digest)
                msg.make_mixed()
                msg.attach(part)  # type: ignore[arg-type]  # typeshed wants EmailMessage; a MIMEPart is what add_attachment makes too
        if ics:
            attachments.append("invite.ics")
            method = "CANCEL" if o.kind == AFZEGGING else "REQUEST"
            msg.add_attachment(
                ics, maintype="application", subtype="ics", filename="invite.ics", params={"method": method}
            )
        return Composed(
            message_bytes(msg) if read_files else b"",
            str(msg["Message-ID"]),
            self.envelope_sender,
            subject,
            attachments,
            hashlib.sha256("\n".join(hashes).encode()).hexdigest(),
        )

    def _attachment(self, path: Path, filename: str) -> tuple[MIMEPart, str]:
        """The document's MIME part, encoded once per run and shared by every message of
        the meeting (a part is only read when a message is written out)."""
        st = path.stat()
        key = (str(path), filename, st.st_mtime_ns, st.st_size)
        hit = self._parts.get(key)
        if hit is None:
            data = path.read_bytes()
            part = MIMEPart(policy=POLICY)
            part.set_content(data, maintype=DOCX[0], subtype=DOCX[1], disposition="attachment", filename=filename)
            hit = self._parts[key] = (part, hashlib.sha256(data).hexdigest())
        return hit

    def calendar(self, o: Outgoing, rec: Records, m: Meeting, stamp: dt.datetime, ctx: dict[str, Any]) -> bytes:
        assert m.date is not None
        g = rec.groups.get(m.group)
        start_t = m.start or (g.start if g else dt.time(9))
        start = dt.datetime.combine(m.date, start_t)
        end = (
            dt.datetime.combine(m.date, m.end)
            if m.end and m.end > start_t
            else start + dt.timedelta(minutes=g.duration if g else 120)
        )
        s = rec.settings
        description = f"Intervisie {m.group}, bijeenkomst {m.nr}."
        if m.chair:
            description += f" Gespreksleider: {m.chair}."
        return build_ics(
            method="CANCEL" if o.kind == AFZEGGING else "REQUEST",
            uid=meeting_uid(m.nr, self.domain),
            sequence=o.sequence,
            summary=f"Intervisie {m.group}",
            description=description,
            location=m.location,
            start=start,
            end=end,
            timezone=self.timezone,
            organizer=(s.coordinator, s.coordinator_email or parseaddr(self.sender)[1]),
            attendee=(o.name, o.email),
            stamp=stamp.astimezone(dt.UTC),
        )

    def envelope(
        self,
        meeting: str,
        kind: str,
        to: tuple[str, str],
        rec: Records,
        subject: str,
        message_id: str,
        stamp: dt.datetime,
    ) -> EmailMessage:
        msg = EmailMessage(policy=POLICY)
        header = self._header
        msg["From"] = header("From", self.sender)
        name = _one_line(to[0])  # before formataddr: a display name cannot hold one, even encoded
        msg["To"] = header("To", formataddr((name, to[1])) if name and name != to[1] else to[1])
        if rec.settings.coordinator_email:
            coordinator = _one_line(rec.settings.coordinator)
            msg["Reply-To"] = header("Reply-To", str(Address(coordinator, addr_spec=rec.settings.coordinator_email)))
        msg["Subject"] = header("Subject", subject)
        msg["Date"] = header("Date", format_datetime(stamp.astimezone()))
        msg["Message-ID"] = message_id
        msg["X-Intervisie"] = header("X-Intervisie", f"{meeting or '-'}; {kind}")
        msg["Auto-Submitted"] = header("Auto-Submitted", "auto-generated")
        msg["Content-Language"] = header("Content-Language", "nl")
        return msg

    def _header(self, name: str, value: str) -> BaseHeader:
        """A header as the policy parses it (once per run for each value: the same
        sender, subject and date go on many messages)."""
        header: BaseHeader = POLICY.header_factory(name, _one_line(value))
        return header

    def simple(
        self, kind: str, to: tuple[str, str], rec: Records, context: dict[str, Any], message_id: str, stamp: dt.datetime
    ) -> Composed:
        """A message that belongs to no meeting (samenvatting, storing)."""
        ctx = {**base_context(rec), **context, "naam": to[0] or to[1]}
        subject, text, html = self.render(kind, ctx)
        msg = self.envelope("-", kind, to, rec, subject, message_id, stamp)
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return Composed(
            message_bytes(msg),
            message_id,
            self.envelope_sender,
            subject,
            [],
            hashlib.sha256(text.encode()).hexdigest(),
        )


class _Headers(HeaderRegistry):
    """The stdlib registry builds a new header class for every header it parses, and
    parses the same value again for every message (the sender, the date, a meeting's
    subject, every part's Content-Type). This one builds each class once, and parses
    each value that recurs once (per process), with its folds: a parsed header is an
    immutable string with its parse tree, so every message may share it (the same
    objects, the same output). What differs on every message (To, Message-ID) is not
    kept; at most LIMIT values are (a national run has some 3,000)."""

    LIMIT = 4096
    ONCE = frozenset({"to", "message-id"})  # different on every message

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._made: dict[tuple[str, str], BaseHeader] = {}
        # id of a kept header -> (the header, its folds by policy settings)
        self._folds: dict[int, tuple[BaseHeader, dict[tuple[object, ...], bytes]]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: str) -> BaseHeader:
        if name.lower() in self.ONCE:
            made: BaseHeader = self[name](name, value)
            return made
        key = (name, value)
        hit = self._made.get(key)
        if hit is None:
            if len(self._made) >= self.LIMIT:
                self._made.clear()
                self._folds.clear()
            hit = self._made[key] = self[name](name, value)
            self._folds[id(hit)] = (hit, {})
        return hit

    def folded(self, header: BaseHeader, settings: tuple[object, ...], fold: Callable[[], bytes]) -> bytes:
        """`fold()` of a kept header, made once for these policy settings."""
        entry = self._folds.get(id(header))
        if entry is None or entry[0] is not header:
            return fold()
        hit = entry[1].get(settings)
        if hit is None:
            hit = entry[1][settings] = fold()
        return hit


class _Policy(EmailPolicy):
    """The default policy, folding each kept header (see `_Headers`) once per line
    ending: folding walks the header's parse tree, and the generator folds every header
    of every part of every message. A fold is only reused for the very same header
    object, so for the very same parse."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        registry = self.header_factory
        if not isinstance(value, BaseHeader) or not isinstance(registry, _Headers):
            return super().fold_binary(name, value)
        settings = (self.linesep, self.max_line_length, self.utf8, self.cte_type)
        return registry.folded(value, settings, lambda: super(_Policy, self).fold_binary(name, value))


POLICY = _Policy(header_factory=_Headers())


_LINE_END = re.compile(r"\r\n|\r|\n")  # as the stdlib generator splits lines


class _Generator(BytesGenerator):
    """The stdlib's generator, writing a part's body in one piece instead of a write per
    line (an attached document is some 1,000 base64 lines): the same bytes, since every
    line ending becomes the policy's linesep either way."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            assert self.policy is not None  # set by flatten()
            self.write(_LINE_END.sub(self.policy.linesep, lines))

    @classmethod
    def _make_boundary(cls, text: str | bytes | None = None) -> str:
        """A boundary that none of the parts' text holds, like the stdlib's, but taken
        from a fixed series ('=' * 15, 'intervisie-<n>', '=='), where the stdlib draws a
        random number and compiles a regular expression to check it: every message of a
        run then shares its few Content-Type values (parsed and folded once), and the
        same content gives the same bytes. The check is a substring search, stricter
        than the stdlib's (any occurrence, not only a whole line)."""
        n = 0
        while True:
            boundary = f"{'=' * 15}intervisie-{n}=="
            if text is None:
                return boundary
            if isinstance(text, bytes):
                if b"--" + boundary.encode("ascii") not in text:
                    return boundary
            elif "--" + boundary not in text:
                return boundary
            n += 1


def message_bytes(msg: EmailMessage, linesep: str | None = None) -> bytes:
    """`msg.as_bytes()`, by `_Generator`: the message as a file holds it, or with
    `linesep` "\r\n" as the wire carries it. Every line ends in `linesep`, so the
    one is the other with its line ends replaced."""
    policy = msg.policy if linesep is None else msg.policy.clone(linesep=linesep)
    out = io.BytesIO()
    _Generator(out, mangle_from_=False, policy=policy).flatten(msg, unixfrom=False)
    return out.getvalue()


def _one_line(text: str) -> str:
    """A value typed with a line break (a Nr or a name with Alt+Enter) on one line, as
    a header must be."""
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


class MissingDocument(Exception):
    """The document a message needs was not made (its meeting has a problem)."""


def base_context(rec: Records) -> dict[str, Any]:
    s = rec.settings
    return {"organisatie": s.organisation, "coordinator": s.coordinator, "coordinator_email": s.coordinator_email}


def describe_changes(before: str, after: str) -> list[str]:
    """Dutch lines naming what changed between two meeting signatures."""
    labels = ("Datum", "Begintijd", "Eindtijd", "Locatie")
    old, new = before.split("|"), after.split("|")
    lines = []
    for label, a, b in zip(labels, old + [""] * 4, new + [""] * 4, strict=False):
        if a != b:
            if label == "Datum":
                a = dutch_date(dt.date.fromisoformat(a)) if a else "geen"
                b = dutch_date(dt.date.fromisoformat(b)) if b else "geen"
            lines.append(f"{label}: was {a or 'leeg'}, wordt {b or 'leeg'}")
    return lines


def _without_stamp(ics: bytes) -> bytes:
    return b"\n".join(line for line in ics.splitlines() if not line.startswith(b"DTSTAMP"))


def sample_context() -> dict[str, Any]:
    return {
        "naam": "Voorbeeld",
        "organisatie": "Organisatie",
        "coordinator": "Coördinator",
        "coordinator_email": "coordinator@example.org",
        "groep": "Groep",
        "nr": "G-2027-01",
        "datum": "dinsdag 12 januari 2027",
        "begintijd": "19:30",
        "eindtijd": "21:30",
        "locatie": "Zaal 1",
        "gespreksleider": "A",
        "notulist": "B",
        "methode": "Incidentmethode",
        "thema": "",
        "casussen": [{"nr": "C-001", "inbrenger": "A", "titel": "Titel"}],
        "wijzigingen": ["Datum: was x, wordt y"],
        "casus": {"nr": "C-001", "titel": "Titel"},
        "wanneer": "morgen",
        "regels": ["regel"],
        "meldingen": [{"ernst": "fout", "cel": "Deelnemers!B2", "melding": "tekst"}],
        "fouten": 1,
        "waarschuwingen": 0,
        "werkmap": "werkmap.xlsx",
        "reden": "reden",
    }

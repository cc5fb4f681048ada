"""The mail step of the weekly run and `intervisie send`, the coordinator's summary,
and the failure notice of a run that could not run at all."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter
from contextlib import closing
from email.utils import parseaddr
from pathlib import Path

from .. import schema
from ..config import Config
from ..errors import IntervisieError, MailError, TemplateError
from ..parallel import ordered_map
from ..pipeline import Context, Run
from ..records import Problem, Records
from ..schema import Severity
from ..tables import CellChange, key_of
from ..workbook.base import same_value
from .compose import Composed, Composer, MissingDocument
from .decide import CALENDAR_KINDS, EVALUATIE, HERINNERING, SAMENVATTING, UITNODIGING, WIJZIGING, Outgoing, decide
from .journal import FAILED, SENT, UNCERTAIN, Entry, Journal, Mark
from .transport import Outbox, Refused, Smtp, Transport, Uncertain

SENT_COLUMNS = {
    "Uitnodiging verzonden": (UITNODIGING, WIJZIGING),
    "Herinnering verzonden": (HERINNERING,),
    "Evaluatie verzonden": (EVALUATIE,),
}
JOURNAL_FILE = "journal.sqlite"


def journal_for(run: Run) -> Journal:
    return Journal(run.state_dir / JOURNAL_FILE)


def make_transport(config: Config) -> Transport:
    mc = config.mail
    if mc.transport == "outbox":
        return Outbox(config.resolve(mc.outbox) or Path("outbox"))
    assert mc.smtp_host
    password = mc.smtp_password()
    if mc.smtp_username and password is None:
        raise MailError(f"mail.smtp_password_env: the environment variable {mc.smtp_password_env} is not set")
    return Smtp(
        mc.smtp_host,
        mc.port,
        mc.smtp_security,
        mc.smtp_username,
        password,
        config.resolve(mc.smtp_cafile),
        mc.smtp_timeout,
        mc.max_tries,
        mc.backoff_seconds,
    )


def make_composer(config: Config) -> Composer:
    return Composer(config.mail.sender, config.mail.timezone, config.resolve(config.mail.templates))


class Sender:
    """Sends through the journal: intent before, result after; never twice.

    Over SMTP a message's intent is committed before it goes, and its mark with the next
    message's intent (one disk sync per message): a kill leaves at most the message in
    flight as an intent, which the next run calls uncertain. A transport that can tell
    afterwards whether a message arrived (the outbox: its file is there or not) takes
    them in batches: the intents of a batch in one commit, then the batch, then their
    marks with the next batch's intents; after a kill the next run settles each intent
    by whether its file is there."""

    BATCH = 64  # messages per commit for a transport that can tell (the outbox)

    def __init__(self, ctx: Context, journal: Journal, transport: Transport):
        self.ctx, self.journal, self.transport = ctx, journal, transport
        self.run_id = uuid.uuid4().hex
        self.opened = False
        self.counts: Counter[tuple[str, str]] = Counter()
        self.batch = self.BATCH if transport.certain else 1
        self._queue: list[tuple[Outgoing, Composed]] = []
        self._delivered: list[Mark] = []

    def deliver(self, o: Outgoing, composed: Composed) -> None:
        """Queue one message; it goes with its batch (at once over SMTP). Raises
        MailError when the server is gone."""
        self._queue.append((o, composed))
        if len(self._queue) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Send what is queued."""
        queue, self._queue = self._queue, []
        if not queue:
            return
        if not self.opened:
            self.transport.open()
            self.opened = True
        now = self.ctx.run.stamp()
        entries = [
            Entry(
                c.message_id,
                o.meeting,
                o.kind,
                o.email,
                o.name,
                o.sequence,
                o.journal_signature,
                c.content_hash,
                "intent",
                self.run_id,
                now.isoformat(timespec="seconds"),
                None,
                "",
                self.transport.name,
            )
            for o, c in queue
        ]
        self.journal.intend(entries, after=self._delivered)
        self._delivered = []
        for i, (o, c) in enumerate(queue):
            try:
                self.transport.send(c.data, c.message_id, c.sender, o.email)
            except Refused as exc:
                self.journal.mark(c.message_id, FAILED, now, str(exc))
                self.ctx.result.problems.append(refused_problem(self.ctx.records, o, exc))
                continue
            except Uncertain as exc:
                self.journal.mark(c.message_id, UNCERTAIN, now, str(exc))
                self.ctx.result.problems.append(uncertain_problem(self.ctx.records, o.meeting, o.kind, o.name, o.email))
                continue
            except MailError:
                # not delivered: the server never took this text, nor the rest's
                self.journal.forget([e.message_id for e in entries[i:]])
                raise
            self._delivered.append((c.message_id, SENT, now, ""))
            self.counts[(o.meeting, o.kind)] += 1
            self.ctx.result.messages.append(_listing(o, c))
            if o.meeting in self.ctx.records.meetings:  # not the coordinator's summary
                self.ctx.touched.add(o.meeting)

    def finish(self) -> None:
        """Write the marks still to be written (before the journal is read); what is
        still queued (the run stopped on an error) is not sent."""
        self._queue = []
        if self._delivered:
            self.journal.mark_all(self._delivered)
            self._delivered = []


class MailStep:
    """Invitations, case forms, updates, cancellations, reminders and evaluation forms."""

    name = "mail"

    def __call__(self, ctx: Context) -> None:
        run, rec, result = ctx.run, ctx.records, ctx.result
        composer = make_composer(run.config)
        broken = _broken_templates(composer, result.problems)
        if run.dry_run:
            entries = _read_only_entries(run)
            self._plan(ctx, composer, entries, broken, sender=None)
            return
        with journal_for(run) as journal:
            if rec.settings.coordinator_email:
                journal.set_fact("coordinator_email", rec.settings.coordinator_email)
                journal.set_fact("coordinator", rec.settings.coordinator)
            transport = make_transport(run.config)
            if run.resend:
                n = journal.resend(*run.resend)
                result.lines.append(f"Opnieuw te versturen: {n} bericht(en) '{run.resend[1]}' van {run.resend[0]}.")
            self._settle(ctx, journal, transport)
            sender = Sender(ctx, journal, transport)
            try:
                self._plan(ctx, composer, journal.entries(), broken, sender)
            except MailError as exc:
                result.fatal = exc
            finally:
                sender.finish()
                transport.close()
            for e in journal.entries():
                if e.state == UNCERTAIN:
                    result.problems.append(uncertain_problem(rec, e.meeting, e.kind, e.name, e.recipient))
            write_back_sent(ctx, journal.entries())
            for (meeting, kind), n in sorted(sender.counts.items()):
                result.changes.log.append(
                    {
                        "Tijdstip": run.stamp(),
                        "Actie": f"mail: {kind}",
                        "Onderwerp": meeting,
                        "Resultaat": f"{n} verstuurd",
                    }
                )
        _summary_line(ctx)

    def _settle(self, ctx: Context, journal: Journal, transport: Transport) -> None:
        """Intents left by a killed run: the outbox knows whether its file is there; over
        SMTP it cannot be known, so they become uncertain and are not sent again."""
        for e in journal.entries():
            if e.state != "intent":
                continue
            # the outbox can tell, for what it was given itself (not what went to a mail
            # server, or to another folder, before the config changed)
            if transport.certain and e.transport in ("", transport.name):
                if transport.delivered(e.message_id):
                    journal.mark(e.message_id, SENT, ctx.run.stamp())
                else:
                    journal.forget([e.message_id])
            else:
                journal.mark(e.message_id, UNCERTAIN, ctx.run.stamp(), "de run werd onderbroken tijdens het versturen")

    def _plan(
        self, ctx: Context, composer: Composer, entries: list[Entry], broken: set[str], sender: Sender | None
    ) -> None:
        rec, result = ctx.records, ctx.result
        plan = decide(rec, entries, ctx.run.today)
        result.problems.extend(_dedupe(plan.problems))
        last_sig = {
            (e.meeting): e.signature for e in sorted(entries, key=lambda e: e.sequence) if e.kind in CALENDAR_KINDS
        }
        missing: set[tuple[str, str]] = set()
        messages = [
            o
            for o in plan.messages
            if o.kind not in broken
            # the documents step named the problem
            and not (o.meeting in ctx.blocked_documents and o.kind in (UITNODIGING, WIJZIGING))
        ]
        stamp, read_files = ctx.run.stamp(), sender is not None

        def compose(o: Outgoing) -> Composed | MissingDocument | TemplateError:
            try:
                return composer.compose(
                    o,
                    rec,
                    ctx.documents.get(o.meeting, {}),
                    stamp,
                    previous_signature=last_sig.get(o.meeting, ""),
                    read_files=read_files,
                )
            except (MissingDocument, TemplateError) as exc:
                return exc

        # composed in worker processes while this one writes the journal and sends
        with closing(ordered_map(compose, messages)) as composed_in_order:
            for o, composed in zip(messages, composed_in_order, strict=True):
                if o.kind in broken:
                    continue
                if isinstance(composed, MissingDocument):
                    if (o.meeting, o.kind) not in missing:
                        missing.add((o.meeting, o.kind))
                        result.problems.append(_missing_problem(rec, o, str(composed)))
                    continue
                if isinstance(composed, TemplateError):
                    broken.add(o.kind)
                    result.problems.append(Problem(Severity.FOUT, "-", f"e-mailsjabloon {o.kind}", composed.message))
                    continue
                if sender is None:
                    result.messages.append(_listing(o, composed))
                else:
                    sender.deliver(o, composed)
            if sender is not None:
                sender.flush()


class SummaryStep:
    """After a run that did something or found problems: a summary to the coordinator.
    The same summary on the same day goes once (its Message-ID is its content)."""

    name = "samenvatting"

    def __call__(self, ctx: Context) -> None:
        run, rec, result = ctx.run, ctx.records, ctx.result
        address = rec.settings.coordinator_email
        if not address or not (ctx.touched or result.problems) or result.fatal is not None:
            return
        composer = make_composer(run.config)
        errors = sum(p.is_error for p in result.problems)
        sent = Counter(m["soort"] for m in result.messages)
        lines = [line for line in result.lines if not line.startswith("Documenten:")]
        if sent:
            lines.append("Verstuurd: " + ", ".join(counted(n, kind) for kind, n in sorted(sent.items())) + ".")
        context = {
            "datum": run.today.strftime("%d-%m-%Y"),
            "werkmap": ctx.wb.describe(),
            "regels": lines or ["Geen nieuwe voorstellen en geen berichten."],
            "meldingen": [{"ernst": p.severity, "cel": p.cell, "melding": p.message} for p in result.problems],
            "fouten": errors,
            "waarschuwingen": len(result.problems) - errors,
        }
        fingerprint = hashlib.sha256(repr(sorted(context.items())).encode()).hexdigest()[:32]
        mid = f"<samenvatting.{fingerprint}@{composer.domain}>"
        o = Outgoing("-", SAMENVATTING, rec.settings.coordinator, address, 0, run.today.isoformat())
        try:
            composed = composer.simple(
                SAMENVATTING, (rec.settings.coordinator, address), rec, context, mid, run.stamp()
            )
        except TemplateError as exc:
            result.problems.append(Problem(Severity.FOUT, "-", "e-mailsjabloon samenvatting", exc.message))
            return
        if run.dry_run:
            result.messages.append(_listing(o, composed))
            return
        with journal_for(run) as journal:
            if journal.get(mid) is not None:
                return
            transport = make_transport(run.config)
            sender = Sender(ctx, journal, transport)
            try:
                sender.deliver(o, composed)
                sender.flush()
            except MailError as exc:
                result.fatal = exc
            finally:
                sender.finish()
                transport.close()


def write_back_sent(ctx: Context, entries: list[Entry]) -> None:
    """The 'verzonden' columns, from the journal: the latest delivery of their kinds."""
    latest: dict[tuple[str, str], dt.datetime] = {}
    for e in entries:
        when = e.done_at
        if e.state != SENT or when is None:
            continue
        for column, kinds in SENT_COLUMNS.items():
            if e.kind in kinds and when > latest.get((e.meeting, column), dt.datetime.min):
                latest[(e.meeting, column)] = when
    for m in ctx.records.meetings.values():
        if not m.nr or m.origin is None:
            continue
        raw = m.origin.raw
        for column in SENT_COLUMNS:
            when = latest.get((m.nr, column))
            if when is not None and not same_value(raw.get(column), when):
                ctx.result.changes.cells.append(
                    CellChange(
                        schema.BIJEENKOMSTEN.name, key_of(schema.BIJEENKOMSTEN, m.nr), column, when, raw.get(column)
                    )
                )


def refused_problem(rec: Records, o: Outgoing, exc: Refused) -> Problem:
    p = rec.participants.get(o.name)
    cell = p.origin.cell("E-mail") if p and p.origin else "Deelnemers"
    return Problem(
        Severity.FOUT,
        schema.DEELNEMERS.name,
        cell,
        f"De mailserver weigert het adres {o.email} ({exc.code}): {o.name} kreeg de {o.kind} voor {o.meeting} niet. "
        "Controleer het e-mailadres; na een correctie gaat het bericht de volgende run alsnog.",
    )


def uncertain_problem(rec: Records, meeting: str, kind: str, name: str, email: str) -> Problem:
    m = rec.meetings.get(meeting)
    column = next((c for c, kinds in SENT_COLUMNS.items() if kind in kinds), "Laatst verwerkt")
    cell = m.origin.cell(column) if m and m.origin else "Bijeenkomsten"
    return Problem(
        Severity.WAARSCHUWING,
        schema.BIJEENKOMSTEN.name,
        cell,
        f"De {kind} voor {meeting} aan {name} ({email}) is mogelijk niet aangekomen: de verbinding met de "
        f"mailserver viel weg tijdens het versturen. Vraag {name} of het bericht er is. Zo niet, vraag de beheerder "
        f"het opnieuw te versturen (opdracht voor de beheerder: intervisie send --resend {meeting} {kind}).",
    )


def _missing_problem(rec: Records, o: Outgoing, doc_kind: str) -> Problem:
    m = rec.meetings[o.meeting]
    cell = m.origin.cell("Status") if m.origin else "Bijeenkomsten"
    return Problem(
        Severity.FOUT,
        schema.BIJEENKOMSTEN.name,
        cell,
        f"De {o.kind} voor {o.meeting} gaat niet uit: het document '{doc_kind}' kon niet worden gemaakt "
        "(zie de andere meldingen van deze bijeenkomst). Na het herstel gaat het bericht de volgende run.",
    )


def _broken_templates(composer: Composer, problems: list[Problem]) -> set[str]:
    broken: set[str] = set()
    for kind, exc in composer.check():
        broken.add(kind)
        problems.append(Problem(Severity.FOUT, "-", f"e-mailsjabloon {kind}", exc.message))
    return broken


def _listing(o: Outgoing, composed: Composed) -> dict[str, str]:
    return {
        "aan": f"{o.name} <{o.email}>" if o.name != o.email else o.email,
        "soort": o.kind,
        "bijeenkomst": o.meeting,
        "onderwerp": composed.subject,
        "bijlagen": ", ".join(composed.attachments),
    }


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.cell, p.message) not in seen:
            seen.add((p.cell, p.message))
            out.append(p)
    return out


def _read_only_entries(run: Run) -> list[Entry]:
    path = run.state_dir / JOURNAL_FILE
    if not path.exists():
        return []
    with Journal(path) as journal:
        return journal.entries()


#: the plural of each kind of message, for summaries ("7 uitnodigingen")
PLURALS = {
    "uitnodiging": "uitnodigingen",
    "casus": "casusformulieren",
    "wijziging": "wijzigingen",
    "afzegging": "afzeggingen",
    "herinnering": "herinneringen",
    "evaluatie": "evaluatieformulieren",
    "samenvatting": "samenvattingen",
}
SINGULARS = {"casus": "casusformulier", "evaluatie": "evaluatieformulier"}


def counted(n: int, kind: str) -> str:
    return f"{n} {SINGULARS.get(kind, kind) if n == 1 else PLURALS.get(kind, kind)}"


def _summary_line(ctx: Context) -> None:
    counts = Counter(m["soort"] for m in ctx.result.messages)
    verb = "zou versturen" if ctx.run.dry_run else "verstuurd"
    text = ", ".join(counted(n, k) for k, n in sorted(counts.items())) if counts else "niets"
    ctx.result.lines.append(f"E-mail: {text} {verb}.")


def notify_failure(config: Config, today: dt.date, reason: str) -> bool:
    """A run that could not run mails the coordinator (or `mail.notify`), at most once a
    day for the same reason. Never raises: this is the last word of a failing run."""
    try:
        state = config.resolve(config.output.state_dir) or Path(".intervisie")
        with Journal(state / JOURNAL_FILE) as journal:
            to = config.mail.notify or journal.fact("coordinator_email")
            if not to:
                return False
            name = journal.fact("coordinator") or ""
            composer = make_composer(config)
            digest = hashlib.sha256(f"{today.isoformat()}\x1f{reason}".encode()).hexdigest()[:32]
            mid = f"<storing.{digest}@{composer.domain}>"
            if journal.get(mid) is not None:
                return False
            rec = Records()
            rec.settings.coordinator_email = parseaddr(to)[1]
            rec.settings.coordinator = name
            stamp = dt.datetime.combine(today, dt.datetime.now().time().replace(microsecond=0))
            composed = composer.simple(
                "storing",
                (name, parseaddr(to)[1]),
                rec,
                {"datum": today.strftime("%d-%m-%Y"), "reden": reason},
                mid,
                stamp,
            )
            transport = make_transport(config)
            transport.open()
            journal.intend(
                [
                    Entry(
                        mid,
                        "-",
                        "storing",
                        to,
                        name,
                        0,
                        today.isoformat(),
                        composed.content_hash,
                        "intent",
                        "storing",
                        stamp.isoformat(timespec="seconds"),
                        None,
                        "",
                        transport.name,
                    )
                ]
            )
            try:
                transport.send(composed.data, mid, composed.sender, parseaddr(to)[1])
            except Uncertain as exc:
                journal.mark(mid, UNCERTAIN, stamp, str(exc))  # it may have arrived: not again
                return False
            except (MailError, Refused):
                journal.forget([mid])  # not delivered: the next failing run may try again
                return False
            finally:
                transport.close()
            journal.mark(mid, SENT, stamp)
            return True
    except (IntervisieError, Refused, Uncertain, OSError, ValueError):
        return False

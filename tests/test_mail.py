"""Delivery end to end: the CLI against real transports (an outbox folder, and
aiosmtpd on loopback with STARTTLS, implicit TLS and AUTH); every message parsed back
with the stdlib email parser and icalendar, attachments opened with python-docx."""

from __future__ import annotations

import datetime as dt
import email
import io
import sqlite3
from email.policy import default as default_policy
from pathlib import Path

import docx
import icalendar
import pytest
from conftest import TODAY
from helpers import cli, meldingen
from openpyxl import load_workbook
from smtp_server import Handler, make_certificates, port_of, start_server

MEETING = "Utrecht Jeugdzorg-2026-02"  # the demo's confirmed meeting, Tuesday 1 December 2026
MEETING_DATE = dt.date(2026, 12, 1)
GROUP_SIZE = 7  # expected people of the demo's Utrecht group
PRESENTER = "joost.bakker@example.nl"


def write_config(folder: Path, mail: str = "") -> Path:
    cfg = folder / "intervisie.toml"
    cfg.write_text(
        f'[workbook]\npath = "intervisie.xlsx"\n[output]\ndir = "output"\nstate_dir = "state"\n'
        f'[mail]\nsender = "Intervisie <intervisie@example.org>"\noutbox = "outbox"\n{mail}',
        encoding="utf-8",
    )
    return cfg


def outbox(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=default_policy)  # type: ignore[misc]
        for p in sorted((folder / "outbox").glob("*.eml"))
    ]


def kind_of(msg: email.message.Message) -> str:
    return str(msg["X-Intervisie"]).split(";")[1].strip()


def calendar_of(msg: email.message.EmailMessage) -> icalendar.Calendar:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return icalendar.Calendar.from_ical(parts[0].get_content())


def set_meeting(path: Path, nr: str, **cells: object) -> None:
    wb = load_workbook(path)
    ws = wb["Bijeenkomsten"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == nr:
            for column, value in cells.items():
                row[header.index(column)].value = value
    wb.save(path)


def meeting_row(path: Path, nr: str) -> dict[str, object]:
    wb = load_workbook(path)
    ws = wb["Bijeenkomsten"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == nr:
            return dict(zip(header, row, strict=False))
    raise KeyError(nr)


def run(folder: Path, *args: str, today: dt.date = TODAY, command: str = "run"):
    return cli(command, "--config", str(folder / "intervisie.toml"), "--today", today.isoformat(), *args)


@pytest.fixture
def site(demo_xlsx: Path) -> Path:
    write_config(demo_xlsx.parent)
    return demo_xlsx.parent


def test_invitations_reach_everyone_once_with_agenda_and_calendar(site: Path):
    result = run(site)
    assert result.exit_code in (0, 1), result.output
    msgs = outbox(site)
    invites = [m for m in msgs if kind_of(m) == "uitnodiging"]
    assert len(invites) == GROUP_SIZE
    assert len({str(m["To"]) for m in invites}) == GROUP_SIZE  # one message per recipient
    for m in invites:
        assert "," not in str(m["To"]) and m["Cc"] is None
        assert str(m["From"]) == "Intervisie <intervisie@example.org>"
        assert "coordinator@example.nl" in str(m["Reply-To"])
        assert str(m["X-Intervisie"]) == f"{MEETING}; uitnodiging"
        # multipart/mixed[ multipart/alternative[ plain, html, calendar ], agenda.docx, invite.ics ]
        assert m.get_content_type() == "multipart/mixed"
        parts = list(m.iter_parts())
        assert parts[0].get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in parts[0].iter_parts()] == ["text/plain", "text/html", "text/calendar"]
        assert parts[0].get_payload()[2].get_param("method") == "REQUEST"
        assert [p.get_filename() for p in parts[1:]] == ["agenda.docx", "invite.ics"]
        agenda = docx.Document(io.BytesIO(parts[1].get_content()))
        assert MEETING in "\n".join(p.text for p in agenda.paragraphs) + "".join(
            c.text for t in agenda.tables for r in t.rows for c in r.cells
        )
        cal = calendar_of(m)
        assert str(cal["METHOD"]) == "REQUEST"
        (ev,) = cal.walk("VEVENT")
        assert int(ev["SEQUENCE"]) == 0
        assert ev["DTSTART"].dt == dt.datetime(2026, 12, 1, 19, 30, tzinfo=ev["DTSTART"].dt.tzinfo)
        assert str(ev["DTSTART"].params["TZID"]) == "Europe/Amsterdam"
        assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
        assert str(ev["LOCATION"]) == "Praktijk Oudegracht 112, Utrecht"
        assert str(ev["ORGANIZER"]) == "mailto:coordinator@example.nl"
        assert str(ev["ATTENDEE"]).lower() == f"mailto:{m['To'].addresses[0].addr_spec}".lower()
        assert ev["ATTENDEE"].params["RSVP"] == "TRUE"
        # privacy: no registration number anywhere in a participant's mail
        assert "BIG" not in m.get_body(("plain",)).get_content()
    assert len({str(calendar_of(m).walk("VEVENT")[0]["UID"]) for m in invites}) == 1
    assert len({str(m["Message-ID"]) for m in msgs}) == len(msgs)
    # the case form goes to the presenter, and only to the presenter
    (casus,) = [m for m in msgs if kind_of(m) == "casus"]
    assert casus["To"].addresses[0].addr_spec == PRESENTER
    assert [p.get_filename() for p in casus.iter_attachments()] == ["casusvoorbereiding-C-002.docx"]
    # the coordinator's summary names the case by its Nr only
    (summary,) = [m for m in msgs if kind_of(m) == "samenvatting"]
    assert summary["To"].addresses[0].addr_spec == "coordinator@example.nl"
    # written back from the journal
    row = meeting_row(site / "intervisie.xlsx", MEETING)
    assert isinstance(row["Uitnodiging verzonden"], dt.datetime)
    assert isinstance(row["Laatst verwerkt"], dt.datetime)
    # a second run sends nothing and changes nothing
    before = sorted(p.name for p in (site / "outbox").iterdir())
    again = run(site)
    assert "E-mail: niets verstuurd." in again.output
    assert sorted(p.name for p in (site / "outbox").iterdir()) == before


def test_update_cancel_and_reinvite_raise_the_sequence(site: Path):
    run(site)
    first = {str(m["Message-ID"]) for m in outbox(site)}
    set_meeting(site / "intervisie.xlsx", MEETING, Locatie="Wijkcentrum De Pijler, Utrecht")
    run(site)
    updates = [m for m in outbox(site) if kind_of(m) == "wijziging"]
    assert len(updates) == GROUP_SIZE
    for m in updates:
        assert str(m["Message-ID"]) not in first
        (ev,) = calendar_of(m).walk("VEVENT")
        assert int(ev["SEQUENCE"]) == 1 and str(ev["LOCATION"]) == "Wijkcentrum De Pijler, Utrecht"
        assert "Locatie: was Praktijk Oudegracht 112, Utrecht, wordt Wijkcentrum De Pijler, Utrecht" in (
            m.get_body(("plain",)).get_content().replace("\n", " ")
        )
    set_meeting(site / "intervisie.xlsx", MEETING, Status="geannuleerd")
    run(site)
    cancels = [m for m in outbox(site) if kind_of(m) == "afzegging"]
    assert len(cancels) == GROUP_SIZE
    for m in cancels:
        cal = calendar_of(m)
        (ev,) = cal.walk("VEVENT")
        assert str(cal["METHOD"]) == "CANCEL" and str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 2
        assert [p for p in m.walk() if p.get_content_type() == "text/calendar"][0].get_param("method") == "CANCEL"
    set_meeting(site / "intervisie.xlsx", MEETING, Status="bevestigd")
    run(site)
    reinvites = [m for m in outbox(site) if kind_of(m) == "uitnodiging" and str(m["Message-ID"]) not in first]
    assert len(reinvites) == GROUP_SIZE
    assert {int(calendar_of(m).walk("VEVENT")[0]["SEQUENCE"]) for m in reinvites} == {3}
    uids = {
        str(calendar_of(m).walk("VEVENT")[0]["UID"])
        for m in outbox(site)
        if kind_of(m) != "casus" and kind_of(m) != "samenvatting"
    }
    assert len(uids) == 1


def test_reminder_skips_the_excused_and_evaluation_follows(site: Path):
    run(site)
    wb = load_workbook(site / "intervisie.xlsx")
    wb["Aanwezigheid"].append([MEETING, "Daan de Vries", "afgemeld"])
    wb.save(site / "intervisie.xlsx")
    run(site, today=MEETING_DATE - dt.timedelta(days=1))
    reminders = [m for m in outbox(site) if kind_of(m) == "herinnering"]
    assert len(reminders) == GROUP_SIZE - 1
    assert "daan" not in " ".join(str(m["To"]).lower() for m in reminders)
    assert "morgen" in reminders[0].get_body(("plain",)).get_content()
    assert isinstance(meeting_row(site / "intervisie.xlsx", MEETING)["Herinnering verzonden"], dt.datetime)
    run(site, today=MEETING_DATE + dt.timedelta(days=1))
    evaluations = [m for m in outbox(site) if kind_of(m) == "evaluatie"]
    assert evaluations and all(
        [p.get_filename() for p in m.iter_attachments()] == ["evaluatieformulier.docx"] for m in evaluations
    )
    assert isinstance(meeting_row(site / "intervisie.xlsx", MEETING)["Evaluatie verzonden"], dt.datetime)


def test_dry_run_lists_and_sends_nothing(site: Path):
    before = (site / "intervisie.xlsx").read_bytes()
    result = run(site, "--dry-run")
    assert result.exit_code in (0, 1), result.output
    assert "Te versturen" in result.output and "uitnodiging" in result.output and "agenda.docx" in result.output
    assert not (site / "outbox").exists()
    assert not (site / "state" / "journal.sqlite").exists()
    assert (site / "intervisie.xlsx").read_bytes() == before


def test_broken_email_template_stops_only_its_kind(site: Path):
    own = site / "mailsjablonen"
    own.mkdir()
    (own / "uitnodiging.txt.j2").write_text("Onderwerp: {{ groep }\nkapot", encoding="utf-8")
    write_config(site, 'templates = "mailsjablonen"\n')
    result = run(site)
    assert result.exit_code == 1
    kinds = [kind_of(m) for m in outbox(site)]
    assert "uitnodiging" not in kinds and "casus" in kinds
    problems = meldingen(site / "intervisie.xlsx")
    assert any("uitnodiging.txt.j2" in p["Melding"] and "regel 1" in p["Melding"] for p in problems)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.mark.parametrize("security", ["starttls", "ssl", "none"])
def test_smtp_delivers_over_tls_with_auth(site: Path, certs, security, monkeypatch):
    ca, cert, key = certs
    handler = Handler()
    auth = ("intervisie", "geheim-wachtwoord") if security != "none" else None
    server = start_server(handler, tls=security, cert=(cert, key), auth=auth)
    try:
        monkeypatch.setenv("INTERVISIE_SMTP_PASSWORD", "geheim-wachtwoord")
        extra = f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port_of(server)}\nsmtp_security = "{security}"\n'
        if security != "none":
            extra += f'smtp_username = "intervisie"\nsmtp_cafile = "{ca}"\n'
        write_config(site, extra)
        result = run(site)
        assert result.exit_code in (0, 1), result.output
        assert len(handler.received) == GROUP_SIZE + 2  # invitations, the case form, the summary
        assert all(len(r.rcpt_tos) == 1 for r in handler.received)
        kinds = sorted(kind_of(r.message) for r in handler.received)
        assert kinds.count("uitnodiging") == GROUP_SIZE
        assert not (site / "outbox").exists()
        again = run(site)
        assert "E-mail: niets verstuurd." in again.output
        assert len(handler.received) == GROUP_SIZE + 2
    finally:
        server.stop()


def test_smtp_login_refused_is_one_line_and_nothing_sent(site: Path, certs, monkeypatch):
    ca, cert, key = certs
    handler = Handler()
    server = start_server(handler, tls="starttls", cert=(cert, key), auth=("intervisie", "juist"))
    try:
        monkeypatch.setenv("INTERVISIE_SMTP_PASSWORD", "fout")
        write_config(
            site,
            f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port_of(server)}\n'
            f'smtp_username = "intervisie"\nsmtp_cafile = "{ca}"\nbackoff_seconds = 0\n',
        )
        result = run(site)
        assert result.exit_code == 2
        assert "weigert de login" in result.output
        assert handler.received == []
        db = sqlite3.connect(site / "state" / "journal.sqlite")
        assert db.execute("SELECT count(*) FROM messages WHERE state = 'sent'").fetchone()[0] == 0
    finally:
        server.stop()


def test_smtp_server_down_exits_2(site: Path):
    from smtp_server import free_port

    write_config(
        site,
        f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {free_port()}\nsmtp_security = "none"\nmax_tries = 2\nbackoff_seconds = 0\n',
    )
    result = run(site)
    assert result.exit_code == 2
    assert "niet bereikbaar" in result.output
    assert meeting_row(site / "intervisie.xlsx", MEETING)["Uitnodiging verzonden"] is None


def test_an_outbox_that_cannot_be_written_stops_the_run_and_the_next_run_sends_each_once(site: Path, monkeypatch):
    """The disk fills up after three messages: one line and exit 2, the three written
    are journalled as sent, the rest (and the failure notice to the coordinator, which
    cannot be written either) are not in the journal; with room again, the next run
    writes the rest, and none of the first three again."""
    import errno

    from intervisie.mail import transport

    real = transport.atomic_write
    written: list[str] = []

    def full_after_three(target, content):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(Path(target).name)
        return real(target, content)

    monkeypatch.setattr(transport, "atomic_write", full_after_three)
    result = run(site, command="send")
    assert result.exit_code == 2, result.output
    assert "mail.outbox" in result.output and "No space left on device" in result.output
    assert "Traceback" not in result.output
    with sqlite3.connect(site / "state" / "journal.sqlite") as db:
        states = dict(db.execute("SELECT message_id, state FROM messages"))
    assert sorted(transport.eml_name(m) for m in states) == sorted(written)
    assert set(states.values()) == {"sent"}
    first = {name: (site / "outbox" / name).stat().st_ino for name in written}

    monkeypatch.setattr(transport, "atomic_write", real)
    result = run(site, command="send")
    assert result.exit_code in (0, 1), result.output
    assert {name: (site / "outbox" / name).stat().st_ino for name in written} == first
    invites = [m for m in outbox(site) if kind_of(m) == "uitnodiging"]
    assert len(invites) == GROUP_SIZE and len({str(m["To"]) for m in invites}) == GROUP_SIZE
    assert meeting_row(site / "intervisie.xlsx", MEETING)["Uitnodiging verzonden"] is not None


def test_smtp_tls_without_the_private_ca_fails_cleanly(site: Path, certs):
    ca, cert, key = certs
    handler = Handler()
    server = start_server(handler, tls="starttls", cert=(cert, key))
    try:
        write_config(site, f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port_of(server)}\n')
        result = run(site)
        assert result.exit_code == 2 and "TLS" in result.output
        assert handler.received == []
    finally:
        server.stop()


def test_refused_recipient_fails_alone_and_transient_answers_are_retried(site: Path):
    handler = Handler(refuse={"sven.hoekstra@example.nl"}, transient=2)
    server = start_server(handler)
    try:
        write_config(
            site,
            f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port_of(server)}\nsmtp_security = "none"\nbackoff_seconds = 0\n',
        )
        result = run(site)
        assert result.exit_code == 1
        got = sorted(r.rcpt_tos[0] for r in handler.received)
        assert "sven.hoekstra@example.nl" not in got
        assert sum(1 for r in handler.received if kind_of(r.message) == "uitnodiging") == GROUP_SIZE - 1
        problems = meldingen(site / "intervisie.xlsx")
        (p,) = [p for p in problems if "sven.hoekstra@example.nl" in p["Melding"]]
        assert p["Tabblad"] == "Deelnemers" and p["Cel"].startswith("Deelnemers!B")
    finally:
        server.stop()


@pytest.mark.parametrize("transport", ["smtp", "outbox"])
def test_each_message_is_journalled_before_it_goes_and_marked_before_the_next(site: Path, monkeypatch, transport):
    """Looked at from outside, as a run killed at that moment would leave it: at every
    send the journal already holds this message's intent. Over SMTP every message sent
    before it is marked sent (a mark shares its commit with the next intent). The outbox
    commits in batches: a message sent before is marked sent, or its file is there (what
    the next run settles it by); no batch stays unmarked past the next one."""
    from intervisie.mail import step
    from intervisie.mail.transport import Outbox, Smtp, eml_name

    monkeypatch.setattr(step.Sender, "BATCH", 3)
    journal = site / "state" / "journal.sqlite"
    sent: list[str] = []

    def look(message_id: str) -> None:
        with sqlite3.connect(journal) as db:
            states = dict(db.execute("SELECT message_id, state FROM messages"))
        assert states[message_id] == "intent"
        if transport == "smtp":
            assert [states[m] for m in sent] == ["sent"] * len(sent)
        else:
            unmarked = [m for m in sent if states[m] != "sent"]
            assert all(states[m] == "intent" and (site / "outbox" / eml_name(m)).is_file() for m in unmarked)
            assert len(unmarked) < 2 * 3

    class WatchedOutbox(Outbox):
        def send(self, data, message_id, sender, recipient):
            look(message_id)
            super().send(data, message_id, sender, recipient)
            sent.append(message_id)

    class WatchedSmtp(Smtp):
        def send(self, data, message_id, sender, recipient):
            look(message_id)
            super().send(data, message_id, sender, recipient)
            sent.append(message_id)

    handler = Handler()
    server = start_server(handler)
    try:
        made = step.make_transport

        def watched(config):
            real = made(config)
            if isinstance(real, Outbox):
                return WatchedOutbox(real.folder)
            return WatchedSmtp(real.host, real.port, real.security, backoff=0)

        monkeypatch.setattr(step, "make_transport", watched)
        if transport == "smtp":
            write_config(
                site,
                f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port_of(server)}\nsmtp_security = "none"\n',
            )
        result = run(site)
    finally:
        server.stop()
    assert result.exit_code in (0, 1), result.output
    assert len(sent) > GROUP_SIZE  # the invitations, the presenter's case form, the summary
    with sqlite3.connect(journal) as db:
        assert dict(db.execute("SELECT message_id, state FROM messages")) == dict.fromkeys(sent, "sent")
    if transport == "smtp":
        assert sorted(str(r.message["Message-ID"]) for r in handler.received) == sorted(sent)


def test_meeting_without_place_is_invited_without_location(site: Path):
    set_meeting(site / "intervisie.xlsx", MEETING, Locatie=None)
    run(site)
    invites = [m for m in outbox(site) if kind_of(m) == "uitnodiging"]
    assert len(invites) == GROUP_SIZE
    (ev,) = calendar_of(invites[0]).walk("VEVENT")
    assert "LOCATION" not in ev
    assert "volgt nog" in invites[0].get_body(("plain",)).get_content()


def test_participant_with_a_bad_address_is_named_and_the_rest_get_their_mail(site: Path):
    wb = load_workbook(site / "intervisie.xlsx")
    ws = wb["Deelnemers"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Daan de Vries":
            row[1].value = "daan.devries(at)example.nl"
            bad_row = row[1].row
    wb.save(site / "intervisie.xlsx")
    result = run(site)
    assert result.exit_code == 1
    to = " ".join(str(m["To"]) for m in outbox(site) if kind_of(m) == "uitnodiging")
    assert "daan" not in to.lower()
    assert to.count("@") == GROUP_SIZE - 1
    assert any(p["Cel"] == f"Deelnemers!B{bad_row}" for p in meldingen(site / "intervisie.xlsx"))


def test_a_run_that_cannot_run_mails_the_coordinator_once_a_day(site: Path):
    run(site)
    (site / "intervisie.xlsx").rename(site / "weg.xlsx")
    for _ in range(2):
        result = run(site)
        assert result.exit_code == 2
    notices = [m for m in outbox(site) if kind_of(m) == "storing"]
    assert len(notices) == 1
    assert notices[0]["To"].addresses[0].addr_spec == "coordinator@example.nl"
    assert "Werkmap niet gevonden" in notices[0].get_body(("plain",)).get_content()
    # the next day, the same reason is worth one more notice
    run(site, today=TODAY + dt.timedelta(days=1))
    assert len([m for m in outbox(site) if kind_of(m) == "storing"]) == 2


def test_a_journal_commit_that_fails_leaves_no_transaction_open(tmp_path: Path):
    """A COMMIT that fails (a full disk) raises, and the next write of the run is not
    refused as 'a transaction within a transaction': the failed one is rolled back."""
    from intervisie.mail.journal import Entry, Journal

    def entry(mid: str) -> Entry:
        return Entry(mid, "G-2027-01", "uitnodiging", "a@example.nl", "A", 0, "", "", "intent", "r", "", None, "")

    journal = Journal(tmp_path / "journal.sqlite")
    real = journal.db

    class FullDisk:
        fail = True

        def execute(self, sql, *args):
            if sql == "COMMIT" and self.fail:
                self.fail = False
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

        def executemany(self, sql, rows):
            return real.executemany(sql, rows)

        @property
        def in_transaction(self):
            return real.in_transaction

    journal.db = FullDisk()  # type: ignore[assignment]
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        journal.intend([entry("<a@x>")])
    journal.intend([entry("<b@x>")])
    journal.db = real
    assert [e.message_id for e in journal.entries()] == ["<b@x>"]
    journal.close()

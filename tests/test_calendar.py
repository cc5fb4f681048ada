"""The calendar part is built once per meeting and finished per recipient: it must be
byte for byte what icalendar makes of the whole calendar with that recipient in it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import icalendar
import pytest

from intervisie.mail.calendar import PRODID, _vtimezone, build_ics


def whole(method, uid, sequence, summary, description, location, start, end, timezone, organizer, attendee, stamp):
    tz = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("calscale", "GREGORIAN")
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("sequence", sequence)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", start.replace(tzinfo=tz))
    ev.add("dtend", end.replace(tzinfo=tz))
    ev.add("summary", summary)
    if description:
        ev.add("description", description)
    if location:
        ev.add("location", location)
    ev.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    org = icalendar.vCalAddress(f"mailto:{organizer[1]}")
    org.params["cn"] = icalendar.vText(organizer[0] or organizer[1])
    ev.add("organizer", org)
    att = icalendar.vCalAddress(f"mailto:{attendee[1]}")
    att.params["cn"] = icalendar.vText(attendee[0] or attendee[1])
    att.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    att.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    att.params["rsvp"] = icalendar.vText("TRUE")
    ev.add("attendee", att)
    if method == "REQUEST":
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(hours=-1))
        ev.add_component(alarm)
    cal.add_component(ev)
    data = bytes(cal.to_ical())
    cut = data.index(b"BEGIN:VEVENT")
    return data[:cut] + _vtimezone(timezone, start.year) + data[cut:]


CALENDAR_ARGS = dict(
    method="REQUEST",
    uid="intervisie-abc@example.org",
    sequence=0,
    summary="Intervisie",
    description="",
    location="",
    start=dt.datetime(2027, 3, 30, 19, 30),
    end=dt.datetime(2027, 3, 30, 22, 0),
    timezone="Europe/Amsterdam",
    organizer=("Ingrid", "i@example.nl"),
    stamp=dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC),
)
LONG = "Coördinator met een heel lange naam, en een komma; en een puntkomma & meer " * 2


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize(
    "organizer,attendees",
    [
        (("Ingrid Smit", "ingrid@example.nl"), [("Özlem Yılmaz", "o@example.nl"), ("", "kaal@example.nl")]),
        ((LONG, "c@example.nl"), [(LONG, "lang@example.nl"), ("Jan 😀 de Vries", "jan@example.nl")]),
    ],
)
def test_the_calendar_per_recipient_is_what_icalendar_makes_of_the_whole(method, organizer, attendees):
    args = dict(
        CALENDAR_ARGS,
        method=method,
        sequence=2,
        summary="Intervisie Utrecht & <Jeugdzorg>",
        description="Intervisie Utrecht Jeugdzorg, bijeenkomst U-2027-01. Gespreksleider: Anouk.",
        location="Wijkcentrum De Pijler, Utrecht",
        organizer=organizer,
    )
    for attendee in attendees:
        fast = build_ics(**args, attendee=attendee)
        assert fast == whole(**args, attendee=attendee)
        ev = icalendar.Calendar.from_ical(fast).walk("VEVENT")[0]
        assert str(ev["attendee"]) == f"mailto:{attendee[1]}"


def test_messages_are_serialised_as_the_stdlib_does():
    """The transports write a message with a generator that writes a body in one piece:
    byte for byte what `EmailMessage.as_bytes` makes, for the file and for the wire."""
    from email.message import EmailMessage

    from intervisie.mail.compose import POLICY, message_bytes

    msg = EmailMessage(policy=POLICY)
    msg["From"] = "Intervisie <intervisie@example.org>"
    msg["To"] = "Özlem Yılmaz <o@example.nl>"
    msg["Subject"] = "Uitnodiging intervisie Utrecht & <Jeugdzorg> " + "lang " * 20
    msg.set_content("Beste Özlem,\n\nregel één\r\nregel twee\rregel drie\n" + "x" * 200 + "\n")
    msg.add_alternative("<p>Beste Özlem &amp; co</p>\n", subtype="html")
    msg.add_alternative(build_ics(**CALENDAR_ARGS, attendee=("Özlem", "o@example.nl")).decode(), subtype="calendar")
    msg.add_attachment(bytes(range(256)) * 300, maintype="application", subtype="octet-stream", filename="a.docx")
    msg.add_attachment(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", maintype="application", subtype="ics", filename="i.ics")
    assert message_bytes(msg) == msg.as_bytes()
    assert message_bytes(msg, linesep="\r\n") == msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    # what the SMTP transport sends: the file's bytes with "\r\n" for every line end
    assert message_bytes(msg, linesep="\r\n") == message_bytes(msg).replace(b"\n", b"\r\n")


def _invitation(policy, text: str = "Beste Özlem,\n\nregel één\n") -> EmailMessage:
    msg = EmailMessage(policy=policy)
    msg["From"] = "Intervisie <intervisie@example.org>"
    msg["To"] = "Özlem Yılmaz <o@example.nl>"
    msg["Reply-To"] = "Coördinator <c@example.nl>"
    msg["Subject"] = "Uitnodiging intervisie Utrecht & <Jeugdzorg>, dinsdag 1 december " + "lang " * 20
    msg["Message-ID"] = "<uitnodiging.1@example.org>"
    msg.set_content(text)
    msg.add_alternative("<p>Beste Özlem &amp; co</p>\n", subtype="html")
    msg.add_alternative(build_ics(**CALENDAR_ARGS, attendee=("Özlem", "o@example.nl")).decode(), subtype="calendar")
    msg.add_attachment(bytes(range(256)) * 30, maintype="application", subtype="octet-stream", filename="a.docx")
    return msg


def test_headers_parsed_and_folded_once_give_the_stdlibs_bytes():
    """The product's policy parses each header value once and folds each parsed header
    once: a message built twice with it (the second time from the caches) is byte for
    byte the message the stdlib's own policy builds, for the file and for the wire."""
    from intervisie.mail.compose import POLICY, message_bytes

    first, second = _invitation(POLICY), _invitation(POLICY)
    stdlib = _invitation(email.policy.default)
    data = message_bytes(first)
    assert message_bytes(second) == data
    for ours, theirs in zip(second.walk(), stdlib.walk(), strict=True):
        if ours.is_multipart():
            theirs.set_boundary(ours.get_boundary())
    assert stdlib.as_bytes() == data
    wire = stdlib.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
    assert message_bytes(first, linesep="\r\n") == wire == message_bytes(second, linesep="\r\n")


def test_what_differs_on_every_message_is_parsed_but_not_kept():
    """The header cache keeps what recurs (sender, subject, Content-Type), not each
    message's own To and Message-ID: a national run's memory does not grow with them."""
    from intervisie.mail.compose import POLICY, message_bytes

    registry = POLICY.header_factory
    for i in range(40):
        msg = _invitation(POLICY)
        msg.replace_header("To", f"Deelnemer {i} <d{i}@example.nl>")
        msg.replace_header("Message-ID", f"<uitnodiging.{i}@example.org>")
        assert f"d{i}@example.nl".encode() in message_bytes(msg)
    kept = {name.lower() for name, _value in registry._made}
    assert "subject" in kept and "content-type" in kept
    assert not kept & {"to", "message-id"}
    assert len(registry._folds) == len(registry._made) <= registry.LIMIT


def test_a_boundary_never_appears_in_the_text_it_separates():
    """Boundaries come from a fixed series, so every message shares them; a text that
    holds one (typed by a coordinator, or a message quoted whole) moves them on."""
    from intervisie.mail.compose import POLICY, message_bytes

    plain = _invitation(POLICY)
    message_bytes(plain)
    taken = [p.get_boundary() for p in plain.walk() if p.is_multipart()]
    assert len(set(taken)) == 2
    text = "Beste Özlem,\n" + "".join(f"--{b}\n--{b}--\n" for b in taken) + "einde\n"
    msg = _invitation(POLICY, text)
    back = email.message_from_bytes(message_bytes(msg), policy=email.policy.default)
    boundaries = [p.get_boundary() for p in back.walk() if p.is_multipart()]
    assert not set(boundaries) & set(taken) and len(set(boundaries)) == 2
    assert [p.get_content_type() for p in back.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/octet-stream",
    ]
    assert back.get_body(("plain",)).get_content() == text and not back.defects


def test_a_line_break_in_a_meeting_number_stays_out_of_the_headers():
    """A Nr typed with Alt+Enter: the header takes it on one line (headers are parsed once
    per value and reused, which skips the policy's own check for line breaks)."""
    import email
    from email import policy

    from intervisie.mail.compose import Composer, message_bytes
    from intervisie.records import Records

    composer = Composer("Intervisie <intervisie@example.org>", "Europe/Amsterdam")
    stamp = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)
    msg = composer.envelope(
        "G1-01\nextra", "uitnodiging", ("Jan", "j@example.nl"), Records(), "Uitnodiging\r\nX", "<a@b>", stamp
    )
    msg.set_content("Beste Jan,\n")
    back = email.message_from_bytes(message_bytes(msg), policy=policy.default)
    assert back["X-Intervisie"] == "G1-01 extra; uitnodiging" and back["Subject"] == "Uitnodiging X"
    assert not back.defects and back.get_content().startswith("Beste Jan")
    # a name with a line break, also one that must be encoded, and the coordinator's
    rec = Records()
    rec.settings.coordinator, rec.settings.coordinator_email = "Coördinator\nIngrid", "c@example.nl"
    for name in ("Özlem\nYılmaz", "Özlem Yılmaz\r", "Jan\r\nJansen"):
        msg = composer.envelope("G1-01", "uitnodiging", (name, "o@example.nl"), rec, "S", "<b@c>", stamp)
        msg.set_content("Beste,\n")
        back = email.message_from_bytes(message_bytes(msg), policy=policy.default)
        assert back["To"].addresses[0].display_name == " ".join(name.split())
        assert back["Reply-To"].addresses[0].display_name == "Coördinator Ingrid" and not back.defects

"""The calendar part of an invitation (RFC 5545/5546 with icalendar): one stable UID per
meeting, SEQUENCE from the journal, METHOD:REQUEST or METHOD:CANCEL, local times with a
VTIMEZONE for the meeting's year, ORGANIZER the coordinator, ATTENDEE the recipient."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//intervisie//intervisie//NL"


def meeting_uid(meeting_nr: str, domain: str) -> str:
    digest = hashlib.sha256(meeting_nr.encode()).hexdigest()[:24]
    return f"intervisie-{digest}@{domain}"


@functools.lru_cache(maxsize=64)
def _vtimezone(timezone: str, year: int) -> bytes:
    """The VTIMEZONE of the meeting's years, as iCalendar lines (built once: icalendar
    derives it from the zone's transitions, which takes milliseconds)."""
    tz = icalendar.Timezone.from_tzid(timezone, first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + 2, 1, 1))
    return bytes(tz.to_ical())


def build_ics(
    *,
    method: str,  # REQUEST | CANCEL
    uid: str,
    sequence: int,
    summary: str,
    description: str,
    location: str,
    start: dt.datetime,  # naive local time
    end: dt.datetime,
    timezone: str,
    organizer: tuple[str, str],  # (name, address)
    attendee: tuple[str, str],
    stamp: dt.datetime,  # aware or naive UTC
) -> bytes:
    """The calendar for one recipient. Everything but the ATTENDEE is the same for every
    recipient of a meeting in a run: that part is built once, the attendee's own line
    goes in where icalendar puts it (tested against icalendar's whole calendar)."""
    head, tail = _calendar_around_attendee(
        method, uid, sequence, summary, description, location, start, end, timezone, organizer, stamp
    )
    return head + _attendee_line(*attendee) + tail


@functools.lru_cache(maxsize=256)
def _calendar_around_attendee(
    method: str,
    uid: str,
    sequence: int,
    summary: str,
    description: str,
    location: str,
    start: dt.datetime,
    end: dt.datetime,
    timezone: str,
    organizer: tuple[str, str],
    stamp: dt.datetime,
) -> tuple[bytes, bytes]:
    tz = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("calscale", "GREGORIAN")
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("sequence", sequence)
    ev.add("dtstamp", stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC))
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
    if method == "REQUEST":
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(hours=-1))
        ev.add_component(alarm)
    cal.add_component(ev)
    data = bytes(cal.to_ical())
    # the VTIMEZONE goes before the event, serialised once per zone and year
    cut = data.index(b"BEGIN:VEVENT")
    data = data[:cut] + _vtimezone(timezone, start.year) + data[cut:]
    # icalendar writes an event's properties in its canonical order, then by name: the
    # attendee's line goes before the first property that would follow it
    canonical = {name.upper() for name in icalendar.Event.canonical_order}
    at = data.index(b"BEGIN:VEVENT\r\n") + len(b"BEGIN:VEVENT\r\n")
    while True:
        name = data[at : data.index(b"\r\n", at)].split(b":", 1)[0].split(b";", 1)[0].decode().upper()
        if name in ("BEGIN", "END") or (name not in canonical and name > "ATTENDEE"):
            break
        at = data.index(b"\r\n", at) + 2
        while data[at : at + 1] in (b" ", b"\t"):  # a folded line goes on
            at = data.index(b"\r\n", at) + 2
    return data[:at], data[at:]


def _attendee_line(name: str, address: str) -> bytes:
    att = icalendar.vCalAddress(f"mailto:{address}")
    att.params["cn"] = icalendar.vText(name or address)
    att.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    att.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    att.params["rsvp"] = icalendar.vText("TRUE")
    ev = icalendar.Event()
    ev.add("attendee", att)
    data = bytes(ev.to_ical())
    return data[data.index(b"\r\n") + 2 : data.rindex(b"END:VEVENT")]

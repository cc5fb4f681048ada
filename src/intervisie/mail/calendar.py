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
    # the VTIMEZONE goes before the event, serialised once per zone and year
    data = bytes(cal.to_ical())
    cut = data.index(b"BEGIN:VEVENT")
    return data[:cut] + _vtimezone(timezone, start.year) + data[cut:]

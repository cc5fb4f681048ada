"""Which documents a meeting needs and what goes into them. Pure: contexts are plain
dicts built from the records; rendering and files are the shell's business.

Privacy: a confidential case (Vertrouwelijk = ja, the default) contributes only its
presenter and title to the agenda; registration numbers appear only on the attendance
list."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import TimetableError
from .methods import KIND_BREAK, Method, MethodLibrary, Slot, cases_for_duration, timetable
from .records import Case, Meeting, Participant, Records
from .schema import MeetingStatus
from .values import dutch_date

CYCLE_EVERY = 5  # the cycle evaluation at a group's 5th (10th, ...) meeting
BLANK_ROWS = 4


@dataclass
class DocJob:
    meeting: str
    kind: str  # agenda | presentielijst | evaluatieformulier | casusvoorbereiding
    filename: str  # relative to the output dir: <groep>/<datum>-<doc>.docx
    context: dict[str, Any]
    group: str
    column: str | None = None  # the Bijeenkomsten column that records the path
    case: str = ""  # casusvoorbereiding: the case's Nr
    digest: str = field(default="")

    def __post_init__(self) -> None:
        blob = json.dumps(self.context, sort_keys=True, default=str, ensure_ascii=False)
        self.digest = hashlib.sha256(f"{self.kind}\0{blob}".encode()).hexdigest()


def safe_name(text: str) -> str:
    """A file or folder name that is valid everywhere, keeping diacritics and spaces."""
    t = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", text).strip(" .-")
    return t[:80] or "groep"


def hhmm(t: dt.time | None) -> str:
    return t.strftime("%H:%M") if t else ""


def in_window(m: Meeting, today: dt.date, days_before: int) -> bool:
    return (
        m.status == MeetingStatus.BEVESTIGD
        and m.date is not None
        and today <= m.date <= today + dt.timedelta(days=days_before)
    )


def expected_people(rec: Records, m: Meeting) -> list[Participant]:
    """Who is expected: the group's active members, its facilitator, and anyone with a
    role in this meeting; guests on the Aanwezigheid tab for this meeting too."""
    names = {p.name for p in rec.members(m.group)}
    g = rec.groups.get(m.group)
    if g and g.facilitator:
        names.add(g.facilitator)
    names.update(x for x in (m.chair, m.minute_taker) if x)
    names.update(a.name for a in rec.attendance_of(m.nr))
    people = [rec.participants[n] for n in names if n in rec.participants]
    return sorted(people, key=lambda p: (p.role == "procesbegeleider", p.name.casefold()))


def meeting_index(rec: Records, m: Meeting) -> int:
    """1-based position of the meeting among its group's (non-cancelled) meetings."""
    dated = sorted(
        (x for x in rec.meetings_of(m.group) if x.date and x.status != MeetingStatus.GEANNULEERD),
        key=lambda x: (x.date, x.nr),
    )
    for i, x in enumerate(dated, start=1):
        if x is m or x.nr == m.nr:
            return i
    return len(dated) + 1


def points_text(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def registration_text(p: Participant) -> tuple[str, str]:
    """(register, number) for the attendance list; a number that carries its own
    prefix (NIP-12345678) is shown as it is, without repeating the register."""
    if p.registration in ("Geen", "") or not p.registration_number:
        return ("", "")
    if p.registration_number.casefold().startswith(p.registration.casefold()):
        return ("", p.registration_number)
    return (p.registration, p.registration_number)


def _plan_meeting(rec: Records, library: MethodLibrary, m: Meeting) -> tuple[Method, dt.time, list[Slot]]:
    g = rec.groups[m.group]
    cases = rec.cases_of(m.cases)
    method = library.find(m.method or g.method)
    if method is None:
        raise TimetableError(f"Onbekende methode '{m.method or g.method}'. Kies een van: {', '.join(library.names())}.")
    duration = m.duration if m.duration and m.duration > 0 else g.duration
    n_cases = (
        min(max(len(cases), method.cases_min), method.cases_max)
        if cases
        else cases_for_duration(method, duration, library.frame)
    )
    start = m.start or g.start
    return method, start, timetable(library, method, start, duration, n_cases)


def meeting_slots(rec: Records, library: MethodLibrary, m: Meeting) -> list[Slot]:
    """The meeting's timed steps (breaks included, kind 'pauze'). Raises TimetableError
    when the method is unknown or does not fit the duration."""
    return _plan_meeting(rec, library, m)[2]


def jobs_for_meeting(rec: Records, library: MethodLibrary, m: Meeting) -> list[DocJob]:
    """Every document of one meeting. Raises TimetableError when the method does not
    fit (the caller reports it and skips the meeting's documents)."""
    if m.date is None:
        raise TimetableError(f"Bijeenkomst {m.nr} heeft geen datum; vul de datum in.")
    g = rec.groups[m.group]
    s = rec.settings
    cases = rec.cases_of(m.cases)
    common = {"org": s.organisation, "group": g.name, "meeting_nr": m.nr, "date_long": dutch_date(m.date)}
    folder = safe_name(g.name)
    stem = f"{folder}/{m.date.isoformat()}"
    jobs: list[DocJob] = []

    method, start, slots = _plan_meeting(rec, library, m)
    upcoming = sorted(
        (
            x
            for x in rec.meetings_of(g.name)
            if x.date and m.date and x.date > m.date and x.status in (MeetingStatus.VOORSTEL, MeetingStatus.BEVESTIGD)
        ),
        key=lambda x: x.date or dt.date.min,
    )
    # when and where, as the agenda and the attendance list both show it
    when = {"start": hhmm(start), "end": hhmm(m.end) or hhmm(slots[-1].end), "location": m.location}
    agenda = {
        **common,
        **when,
        "chair": m.chair,
        "minute_taker": m.minute_taker,
        "timekeeper": "",
        "theme": m.theme,
        "method_name": method.name,
        "method_description": method.description,
        "cases": [_case_context(c) for c in cases],
        "timetable": [
            {
                "start": hhmm(x.start),
                "end": hhmm(x.end),
                "minutes": x.minutes,
                "name": x.name,
                "description": x.description,
                "who": x.who,
            }
            for x in slots
        ],
        "code_of_conduct": s.code_of_conduct,
        "next_date_long": dutch_date(upcoming[0].date) if upcoming and upcoming[0].date else "",
    }
    jobs.append(DocJob(m.nr, "agenda", f"{stem}-agenda.docx", agenda, g.name, "Agenda"))

    people = []
    for p in expected_people(rec, m):
        kind, number = registration_text(p)
        people.append(
            {
                "name": p.name,
                "profession": p.profession,
                "registration_type": kind,
                "registration_number": number,
                "organisation": p.organisation,
            }
        )
    net_minutes = sum(x.minutes for x in slots if x.kind != KIND_BREAK)  # accreditation counts net time
    points = net_minutes / 60 * g.points_per_hour
    attendance = {
        **common,
        **when,
        "accreditation_body": g.accreditation_body,
        "accreditation_nr": g.accreditation_nr,
        "points": points_text(points),
        "people": people,
        "blank_rows": list(range(BLANK_ROWS)),
    }
    jobs.append(DocJob(m.nr, "presentielijst", f"{stem}-presentielijst.docx", attendance, g.name, "Presentielijst"))

    evaluation = {**common, "chair": m.chair, "cycle": meeting_index(rec, m) % CYCLE_EVERY == 0}
    jobs.append(
        DocJob(m.nr, "evaluatieformulier", f"{stem}-evaluatieformulier.docx", evaluation, g.name, "Evaluatieformulier")
    )

    for c in cases:
        prep = {
            **common,
            "presenter": c.presenter,
            "case_title": c.title,
            "question": c.question,
            "explanation": c.explanation,
        }
        jobs.append(
            DocJob(
                m.nr,
                "casusvoorbereiding",
                f"{stem}-casusvoorbereiding-{safe_name(c.presenter)}.docx",
                prep,
                g.name,
                case=c.nr,
            )
        )
    return jobs


def _case_context(c: Case) -> dict[str, Any]:
    return {
        "nr": c.nr,
        "presenter": c.presenter,
        "title": c.title,
        "confidential": c.confidential,
        # confidential content never leaves the case row
        "question": "" if c.confidential else c.question,
        "explanation": "" if c.confidential else c.explanation,
    }

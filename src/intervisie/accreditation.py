"""The accreditation ledger: per person, year and group, the meetings attended, the net
hours, the points and whether the attendance meets the minimum. Pure: records in, rows
out; the Accreditatie tab, the paste lists and the certificates are made from these rows.

The rules (also in the README, for coordinators):

* A meeting counts when it was held: status ``gehouden``, or still ``bevestigd`` with its
  date passed and its attendance filled in (the run proposes ``gehouden`` for it).
* A person attended when their Aanwezigheid row says ``ja``; a substitute named in
  Vervanger attended in the absent member's place (credited to the substitute).
* Net minutes: the meeting's timetable without its breaks; with Van/Tot filled, only
  the part of that timetable between Van and Tot.
* Points per meeting: Punten per uur x net hours, rounded **down** to a half point (a
  register never accepts more than was earned); the year's points are the sum.
* Attendance % = attended / the group's held meetings that year, rounded down; it
  meets the minimum when attended x 100 >= minimum x held.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from .document_data import meeting_slots
from .errors import TimetableError
from .methods import KIND_BREAK, MethodLibrary
from .records import Attendance, Meeting, Problem, Records
from .schema import AANWEZIGHEID, BIJEENKOMSTEN, DEELNEMERS, REGISTRATIES, MeetingStatus, Severity, norm

#: the registers whose numbers go on a paste list ('Geen' has no register to report to)
REPORTED_REGISTERS = tuple(r for r in REGISTRATIES if r != "Geen")


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def points_for(net_minutes: int, per_hour: float) -> float:
    """Points for one meeting: rate x hours, rounded down to a half point."""
    if net_minutes <= 0 or per_hour <= 0:
        return 0.0
    exact = net_minutes * per_hour / 60
    return math.floor(exact * 2 + 1e-9) / 2


def net_minutes(intervals: Iterable[tuple[int, int]], start: dt.time | None, end: dt.time | None) -> int:
    """Minutes of the (non-break) timetable intervals that fall between start and end
    (either may be None: from the beginning, to the end)."""
    lo = _minutes(start) if start else -1
    hi = _minutes(end) if end else 24 * 60 + 1
    return sum(max(0, min(b, hi) - max(a, lo)) for a, b in intervals)


@dataclass(frozen=True)
class Visit:
    meeting: str
    date: dt.date
    minutes: int
    points: float


@dataclass
class LedgerRow:
    year: int
    name: str
    group: str
    registration: str
    number: str
    held: int  # the group's held meetings that year
    min_attendance: int
    visits: list[Visit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why it falls short, what is missing (Dutch)
    member: bool = True  # a member of the group (not a guest or substitute)

    @property
    def attended(self) -> int:
        return len(self.visits)

    @property
    def minutes(self) -> int:
        return sum(v.minutes for v in self.visits)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    @property
    def points(self) -> float:
        return float(sum(v.points for v in self.visits))

    @property
    def percent(self) -> int:
        return 100 * self.attended // self.held if self.held else 0

    @property
    def meets(self) -> bool:
        return self.held > 0 and self.attended * 100 >= self.min_attendance * self.held

    @property
    def reportable(self) -> bool:
        """On the register's paste list: meets the minimum and has a number to report."""
        return self.meets and self.registration in REPORTED_REGISTERS and bool(self.number)

    def explanation(self) -> str:
        why = list(self.notes)
        if not self.meets:
            why.insert(
                0,
                f"{self.attended} van {self.held} bijeenkomsten ({self.percent}%), minder dan de minimale "
                f"aanwezigheid van {self.min_attendance}%",
            )
        return "; ".join(why)


def is_held(m: Meeting, rec: Records, today: dt.date) -> bool:
    """Held: marked gehouden, or confirmed, past and with its attendance filled in."""
    if m.date is None:
        return False
    if m.status == MeetingStatus.GEHOUDEN:
        return True
    return m.status == MeetingStatus.BEVESTIGD and m.date < today and attendance_filled(rec, m.nr)


def attendance_filled(rec: Records, nr: str) -> bool:
    return any(a.present for a in rec.attendance_of(nr))


_Intervals = tuple[list[tuple[int, int]], str]


def _intervals(
    rec: Records, library: MethodLibrary, m: Meeting, cache: dict[tuple[object, ...], _Intervals] | None = None
) -> _Intervals:
    """The meeting's net (non-break) intervals in minutes of the day, and a note when
    they had to come from its start and end times because the method does not fit.
    Meetings alike in method, times and number of cases share one timetable (`cache`)."""
    g = rec.groups.get(m.group)
    key = (
        m.method or (g.method if g else ""),
        m.start,
        m.end,
        g.start if g else None,
        g.duration if g else None,
        len(rec.cases_of(m.cases)),
    )
    if cache is not None and key in cache:
        return cache[key]
    result = _compute_intervals(rec, library, m)
    if cache is not None:
        cache[key] = result
    return result


def _compute_intervals(rec: Records, library: MethodLibrary, m: Meeting) -> _Intervals:
    try:
        slots = meeting_slots(rec, library, m)
    except (TimetableError, KeyError):
        start = m.start or (rec.groups[m.group].start if m.group in rec.groups else None)
        if start is None or m.duration is None or m.duration <= 0:
            g = rec.groups.get(m.group)
            dur = g.duration if g else 0
            s = _minutes(start) if start else 0
            return [(s, s + dur)], "tijden geschat uit de duur van de groep"
        s = _minutes(start)
        return [(s, s + m.duration)], ""
    return [(_minutes(x.start), _minutes(x.start) + x.minutes) for x in slots if x.kind != KIND_BREAK], ""


def ledger(rec: Records, library: MethodLibrary, today: dt.date) -> list[LedgerRow]:
    """Every person with a place in a group that held meetings, per year and group."""
    rows: dict[tuple[int, str, str], LedgerRow] = {}
    known = {norm(n): n for n in rec.participants}
    held_by: dict[tuple[int, str], list[Meeting]] = {}
    for m in rec.meetings.values():
        if m.group in rec.groups and is_held(m, rec, today):
            assert m.date is not None
            held_by.setdefault((m.date.year, m.group), []).append(m)

    timetables: dict[tuple[object, ...], _Intervals] = {}

    def row_for(year: int, name: str, group: str) -> LedgerRow:
        key = (year, norm(name), group)
        if key not in rows:
            p = rec.participants.get(known.get(norm(name), name))
            member = p is not None and p.group == group and p.role != "gast"
            reg = p.registration if p else ""
            number = p.registration_number if p else ""
            r = LedgerRow(
                year,
                p.name if p else name,
                group,
                "" if reg == "Geen" else reg,
                number,
                len(held_by[(year, group)]),
                rec.settings.min_attendance,
                member=member,
            )
            if p is None and name in rec.all_keys.get(DEELNEMERS.name, set()):
                r.notes.append(
                    "de rij op tabblad Deelnemers heeft een fout (zie Meldingen); registratie onbekend tot die hersteld is"
                )
            elif p is None:
                r.notes.append("staat niet op tabblad Deelnemers (gast); geen registratie bekend")
            elif reg in REPORTED_REGISTERS and not number:
                r.notes.append(f"geen {reg}-registratienummer op tabblad Deelnemers; niet op de plaklijst")
            elif not member:
                r.notes.append(f"gast of vervanger (lid van {p.group})" if p.group != group else "gast")
            rows[key] = r
        return rows[key]

    for (year, group), meetings in sorted(held_by.items()):
        g = rec.groups[group]
        # this year: every member (those who fall short show up too); earlier years:
        # whoever has a row on the Aanwezigheid tab (a member who joined later is not
        # short of a year they were not in)
        listed = {norm(a.name) for m in meetings for a in rec.attendance_of(m.nr)}
        members = [p.name for p in rec.members(group, active_only=True)]
        if g.facilitator:
            members.append(g.facilitator)
        for name in members:
            if year >= today.year or norm(name) in listed:
                row_for(year, name, group)
        for m in sorted(meetings, key=lambda x: (x.date, x.nr)):
            assert m.date is not None
            intervals, _note = _intervals(rec, library, m, timetables)
            clipped: dict[tuple[dt.time | None, dt.time | None], int] = {}
            for name, a in present_at(rec, m.nr):
                minutes = clipped.get((a.start, a.end))
                if minutes is None:
                    minutes = clipped[(a.start, a.end)] = net_minutes(intervals, a.start, a.end)
                row = row_for(year, name, group)
                if row.visits and row.visits[-1].meeting == m.nr:
                    continue  # listed twice for this meeting (its visits come one after another)
                row.visits.append(Visit(m.nr, m.date, minutes, points_for(minutes, g.points_per_hour)))
    return sorted(rows.values(), key=lambda r: (r.year, r.group.casefold(), r.name.casefold()))


def present_at(rec: Records, nr: str) -> list[tuple[str, Attendance]]:
    """(name, row) of everyone who attended meeting `nr`: Aanwezig ja, and substitutes."""
    out: list[tuple[str, Attendance]] = []
    for a in rec.attendance_of(nr):
        if a.present == "ja":
            out.append((a.name, a))
        if a.substitute:
            out.append((a.substitute, a))
    return out


def tab_rows(rows: list[LedgerRow]) -> tuple[dict[str, object], ...]:
    """The Accreditatie tab (newest year first)."""
    return tuple(
        {
            "Jaar": r.year,
            "Naam": r.name,
            "Groep": r.group,
            "Registratie": r.registration,
            "Registratienummer": r.number,
            "Bijeenkomsten": r.attended,
            "Gehouden": r.held,
            "Netto uren": r.hours,
            "Punten": r.points,
            "Aanwezigheid (%)": r.percent,
            "Voldoet": "ja" if r.meets else "nee",
            "Toelichting": r.explanation(),
        }
        for r in sorted(rows, key=lambda r: (-r.year, r.group.casefold(), r.name.casefold()))
    )


def attendance_problems(rec: Records, today: dt.date) -> list[Problem]:
    """What the attendance of past meetings still needs."""
    out: list[Problem] = []
    for m in rec.meetings.values():
        if m.date is None or m.date >= today or m.status not in (MeetingStatus.BEVESTIGD, MeetingStatus.GEHOUDEN):
            continue
        rows = rec.attendance_of(m.nr)
        if not any(a.present for a in rows):
            cell = m.origin.cell("Status") if m.origin else "Bijeenkomsten"
            out.append(
                Problem(
                    Severity.WAARSCHUWING,
                    BIJEENKOMSTEN.name,
                    cell,
                    f"Bijeenkomst {m.nr} was op {m.date:%d-%m-%Y}, maar de aanwezigheid is nog niet ingevuld. "
                    "Vul op tabblad Aanwezigheid in wie er was (ja, nee of afgemeld); "
                    + (
                        "daarna zet de tool de status op gehouden."
                        if m.status == MeetingStatus.BEVESTIGD
                        else "tot dan telt de bijeenkomst niet mee voor de accreditatie."
                    ),
                )
            )
            continue
        for a in rows:
            if not a.present and not a.substitute and a.origin is not None:
                out.append(
                    Problem(
                        Severity.WAARSCHUWING,
                        AANWEZIGHEID.name,
                        a.origin.cell("Aanwezig"),
                        f"Aanwezig is leeg voor {a.name} bij {m.nr} ({m.date:%d-%m-%Y}). Vul ja, nee of afgemeld in; "
                        f"tot dan telt {a.name} als afwezig.",
                    )
                )
        if m.start is None or m.end is None:
            continue
        for a in rows:
            if a.origin is None:
                continue
            if a.start and a.start < m.start:
                out.append(
                    Problem(
                        Severity.WAARSCHUWING,
                        AANWEZIGHEID.name,
                        a.origin.cell("Van"),
                        f"Van {a.start:%H:%M} ligt vóór de begintijd {m.start:%H:%M} van {m.nr}. "
                        f"De tool telt vanaf {m.start:%H:%M}; corrigeer de tijd als die niet klopt.",
                    )
                )
            if a.end and a.end > m.end:
                out.append(
                    Problem(
                        Severity.WAARSCHUWING,
                        AANWEZIGHEID.name,
                        a.origin.cell("Tot"),
                        f"Tot {a.end:%H:%M} ligt na de eindtijd {m.end:%H:%M} van {m.nr}. "
                        f"De tool telt tot {m.end:%H:%M}; corrigeer de tijd als die niet klopt.",
                    )
                )
    return out

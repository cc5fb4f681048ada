"""Planning: propose the next meeting of every active group. Pure functions over the
validated records; the result is a change set (data), applied by the shell.

Rules (see the planning issue and DESIGN.md):

* A group needs a proposal when it has no upcoming meeting (status voorstel or
  bevestigd, dated today or later). An upcoming row with empty cells (the coordinator
  added a row with only a date, say) gets those cells proposed; a filled cell is never
  changed: the coordinator's values always win.
* Date: the candidate date (a Beschikbaarheid column) that maximises attendance
  (ja = 1, misschien = 0.5) among dates that reach the quorum (ja + misschien >= Min.
  deelnemers), have the chair and a presenter available, are not a public holiday,
  respect the frequency (not sooner than Frequentie - 1 weeks after the last meeting)
  and do not clash with another meeting of any of the same people. Ties: the earliest.
  None qualifies: the frequency cadence (same weekday as the last meeting), and a
  warning naming why each candidate failed.
* Chair: the group's Procesbegeleider if set; otherwise the available member with the
  fewest turns as chair, of those the one who chaired least recently (never the
  presenter); over many meetings the counts stay within one of each other. Minute-taker likewise, never the chair
  or the presenter.
* Cases: status nieuw, fairest first (the presenter who brought the fewest cases, then
  least recently, then the oldest submission); one per 45 minutes of case time, at most what the method
  allows; presenters available on the date; at most one case per presenter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import holidays as holidays_lib

from . import schema
from .errors import TimetableError
from .methods import MethodLibrary, cases_for_duration, required_minutes
from .records import Case, Group, Meeting, Participant, Problem, Records
from .schema import CaseStatus, MeetingStatus, Severity
from .tables import CellChange, ChangeSet, RowAppend, key_of
from .values import dutch_date

UPCOMING = (MeetingStatus.VOORSTEL, MeetingStatus.BEVESTIGD)
SCORE = {"ja": 1.0, "misschien": 0.5}
BUSY_STATUSES = (MeetingStatus.VOORSTEL, MeetingStatus.BEVESTIGD, MeetingStatus.GEHOUDEN)


@dataclass
class DateVerdict:
    date: dt.date
    score: float
    yes: int
    maybe: int
    reasons: list[str]  # why it was rejected; empty: it qualifies
    presenter_cases: list[Case] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


@dataclass
class Proposal:
    group: str
    nr: str
    new: bool
    values: dict[str, Any]  # column -> proposed value (only cells that were empty)
    explanation: list[str]
    verdicts: list[DateVerdict] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


@dataclass
class PlanOutcome:
    proposals: list[Proposal] = field(default_factory=list)
    changes: ChangeSet = field(default_factory=ChangeSet)
    problems: list[Problem] = field(default_factory=list)
    # meetings the coordinator typed without a Nr, and the number they get this run
    numbered: list[tuple[Meeting, str]] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # Dutch lines: cases given back to the queue


# ---------------------------------------------------------------- helpers


def _holidays(country: str, years: Iterable[int]) -> dict[dt.date, str]:
    try:
        return dict(holidays_lib.country_holidays(country, years=sorted(set(years)), language="nl"))
    except (NotImplementedError, KeyError):
        return dict(holidays_lib.country_holidays(country, years=sorted(set(years))))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _add_minutes(t: dt.time, minutes: int) -> dt.time:
    total = min(_minutes(t) + minutes, 23 * 60 + 59)
    return dt.time(total // 60, total % 60)


def meeting_people(rec: Records, m: Meeting) -> set[str]:
    people = {p.name for p in rec.members(m.group)}
    g = rec.groups.get(m.group)
    if g and g.facilitator:
        people.add(g.facilitator)
    people.update(x for x in (m.chair, m.minute_taker) if x)
    return people


def _overlaps(a_start: dt.time | None, a_end: dt.time | None, b_start: dt.time | None, b_end: dt.time | None) -> bool:
    if None in (a_start, a_end, b_start, b_end):
        return True  # unknown times on the same day: treat as a clash
    return _minutes(a_start) < _minutes(b_end) and _minutes(b_start) < _minutes(a_end)  # type: ignore[arg-type]


_NR_TAIL = re.compile(r"(.*-)([0-9]+)")


def highest_numbers(nrs: Iterable[str]) -> dict[str, int]:
    """Per prefix (`<groep>-<jaar>-`), the highest number a meeting Nr has after it."""
    out: dict[str, int] = {}
    for nr in nrs:
        m = _NR_TAIL.fullmatch(nr)
        if m:
            n = int(m.group(2))
            if n > out.get(m.group(1), 0):
                out[m.group(1)] = n
    return out


def next_meeting_nr(rec: Records, group: str, year: int, taken: dict[str, int]) -> str:
    """The next free Nr of a group's year: after every Nr on the tab and every number
    issued before (`taken`, per prefix, see `highest_numbers`). One lookup per meeting, so
    a national workbook does not scan every meeting for every proposal."""
    prefix = f"{group}-{year}-"
    on_tab = rec._index(
        "meeting nrs",
        rec.all_keys.get(schema.BIJEENKOMSTEN.name, set()),
        lambda: highest_numbers(rec.all_keys.get(schema.BIJEENKOMSTEN.name, set())),
    )
    n = max(on_tab.get(prefix, 0), taken.get(prefix, 0)) + 1
    return f"{prefix}{n:02d}"


def next_case_nrs(rec: Records, count: int) -> list[str]:
    used = [int(m.group(1)) for nr in rec.all_keys.get(schema.CASUSSEN.name, ()) if (m := re.fullmatch(r"C-(\d+)", nr))]
    start = max(used, default=0) + 1
    return [f"C-{i:03d}" for i in range(start, start + count)]


def _last_role_dates(rec: Records, group: str, attr: str) -> dict[str, dt.date]:
    last: dict[str, dt.date] = {}
    for m in rec.meetings_of(group):
        if m.date is None or m.status == MeetingStatus.GEANNULEERD:
            continue
        who = getattr(m, attr)
        if who and (who not in last or m.date > last[who]):
            last[who] = m.date
    return last


def _role_counts(rec: Records, group: str, attr: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in rec.meetings_of(group):
        if m.status != MeetingStatus.GEANNULEERD and getattr(m, attr):
            counts[getattr(m, attr)] = counts.get(getattr(m, attr), 0) + 1
    return counts


def _presented(rec: Records, group: str) -> tuple[dict[str, dt.date], dict[str, int]]:
    """When each presenter last brought a case, and how often."""
    last: dict[str, dt.date] = {}
    count: dict[str, int] = {}
    for c in rec.cases_in(group):
        if c.status not in (CaseStatus.INGEPLAND, CaseStatus.BESPROKEN):
            continue
        m = rec.meetings.get(c.meeting)
        when = (m.date if m and m.date else c.submitted) or dt.date.min
        count[c.presenter] = count.get(c.presenter, 0) + 1
        if c.presenter not in last or when > last[c.presenter]:
            last[c.presenter] = when
    return last, count


def case_queue(rec: Records, group: str) -> list[Case]:
    """Cases waiting for a meeting, fairest first."""
    last, count = _presented(rec, group)
    order = rec.participant_order()
    waiting = [c for c in rec.cases_in(group) if c.status == CaseStatus.NIEUW and not c.meeting]
    return sorted(
        waiting,
        key=lambda c: (
            count.get(c.presenter, 0),
            last.get(c.presenter, dt.date.min),
            c.submitted or dt.date.max,
            order.get(c.presenter, 0),
        ),
    )


def _pick_by_rotation(
    candidates: list[str],
    last: dict[str, dt.date],
    counts: dict[str, int],
    order: dict[str, int],
    soon: dict[str, int] | None = None,
) -> str | None:
    """Fewest turns first (keeps counts within one of each other); among equals, who
    presents soonest (so a role and a presentation do not keep colliding), then who had
    the role least recently."""
    if not candidates:
        return None
    soon = soon or {}
    return min(
        candidates, key=lambda n: (counts.get(n, 0), soon.get(n, 1 << 30), last.get(n, dt.date.min), order.get(n, 0))
    )


# ---------------------------------------------------------------- the planner


def plan(
    rec: Records,
    library: MethodLibrary,
    today: dt.date,
    country: str = "NL",
    horizon_weeks: int = 16,
    issued: set[str] | None = None,
) -> PlanOutcome:
    """Proposals for every active group without an upcoming meeting. `issued`: every
    meeting number given out before (the state folder remembers them), never reused."""
    out = PlanOutcome()
    blocking = sorted(
        rec.unreadable & {schema.GROEPEN.name, schema.DEELNEMERS.name, schema.CASUSSEN.name, schema.BIJEENKOMSTEN.name}
    )
    if blocking:
        # without knowing the existing meetings and cases, every run would propose anew
        out.problems.append(
            Problem(
                Severity.WAARSCHUWING,
                blocking[0],
                schema.cell_ref(blocking[0], 1, 1),
                f"Er wordt niets gepland zolang tabblad {blocking[0]} niet gelezen kan worden; herstel eerst de kopregel (zie de fout hierboven).",
            )
        )
        return out
    years = {today.year, today.year + 1, today.year + 2}
    run = _Run(rec, library, today, _holidays(country, years), horizon_weeks, out)
    run.taken_nrs = highest_numbers(issued or set())
    release_cases(rec, out)
    blank = [c for c in rec.cases if not c.nr]
    for c, nr in zip(blank, next_case_nrs(rec, len(blank))):
        run.case_nr_of[id(c)] = nr
        out.changes.cells.append(CellChange(schema.CASUSSEN.name, _case_key(c), "Nr", nr, None, reason="casusnummer"))

    for g in rec.groups.values():
        if not g.active:
            continue
        out.problems.extend(check_method(library, g))
        if g.name in rec.blocked_groups:
            out.problems.append(
                Problem(
                    Severity.WAARSCHUWING,
                    schema.BIJEENKOMSTEN.name,
                    rec.blocked_groups[g.name],
                    f"Geen nieuw voorstel voor groep {g.name}: deze bijeenkomst van de groep heeft eerst een fout die hersteld moet worden "
                    "(zie de melding bij deze rij). Zo ontstaat er geen tweede bijeenkomst naast die van u.",
                )
            )
            continue
        if not rec.quorum_members(g.name):
            cell = g.origin.cell("Groep") if g.origin else "Groepen"
            out.problems.append(
                Problem(
                    Severity.WAARSCHUWING,
                    schema.GROEPEN.name,
                    cell,
                    f"Geen voorstel voor groep {g.name}: de groep heeft geen actieve deelnemers op tabblad Deelnemers.",
                )
            )
            continue
        upcoming = [m for m in rec.meetings_of(g.name) if m.status in UPCOMING and (m.date is None or m.date >= today)]
        targets = upcoming if upcoming else [None]
        for existing in targets:
            prop = _propose(run, g, existing)
            if prop is not None:
                out.proposals.append(prop)
    return out


def release_cases(rec: Records, out: PlanOutcome) -> None:
    """A case planned on a meeting that was cancelled or deleted goes back to the queue
    (status nieuw, Bijeenkomst empty), in the records too, so this run can plan it."""
    if "Bijeenkomsten" not in rec.all_keys or "Bijeenkomsten" in rec.unreadable:
        return  # which meetings exist is not known: nothing is released
    for c in rec.cases:
        if c.status != CaseStatus.INGEPLAND or not c.meeting or c.origin is None or not c.nr:
            continue
        m = rec.meetings.get(c.meeting)
        gone = c.meeting not in rec.all_keys.get(schema.BIJEENKOMSTEN.name, set())
        if not gone and (m is None or m.status != MeetingStatus.GEANNULEERD):
            continue
        raw = c.origin.raw
        key = key_of(schema.CASUSSEN, c.nr)
        why = "geannuleerd" if not gone else "verwijderd"
        out.changes.cells.append(
            CellChange(schema.CASUSSEN.name, key, "Status", "nieuw", raw.get("Status"), reason=why)
        )
        out.changes.cells.append(
            CellChange(schema.CASUSSEN.name, key, "Bijeenkomst", "", raw.get("Bijeenkomst"), reason=why)
        )
        out.released.append(f"Casus {c.nr} is weer vrij voor een volgende bijeenkomst: {c.meeting} is {why}.")
        c.status, c.meeting = "nieuw", ""
        raw["Status"], raw["Bijeenkomst"] = "nieuw", ""  # what a later change of this run finds there
        if m is not None and c.nr in m.cases:
            m.cases = [n for n in m.cases if n != c.nr]


def check_method(library: MethodLibrary, g: Group) -> list[Problem]:
    """The group's method exists and fits its duration."""
    if not g.method:
        return []
    method = library.find(g.method)
    cell = g.origin.cell("Methode") if g.origin else "Groepen"
    if method is None:
        return [
            Problem(
                Severity.WAARSCHUWING,
                schema.GROEPEN.name,
                cell,
                f"Onbekende methode '{g.method}' voor groep {g.name}. Kies een van: {', '.join(library.names())}; "
                "of vraag wie intervisie beheert om de methode toe te voegen.",
            )
        ]
    n = cases_for_duration(method, g.duration, library.frame)
    try:
        need = required_minutes(library, method, n)
    except TimetableError as exc:
        return [Problem(Severity.FOUT, schema.GROEPEN.name, cell, exc.message)]
    if g.duration < need:
        dcell = g.origin.cell("Duur (min)") if g.origin else "Groepen"
        return [
            Problem(
                Severity.FOUT,
                schema.GROEPEN.name,
                dcell,
                f"De methode {method.name} heeft minstens {need} minuten nodig; groep {g.name} duurt {g.duration} minuten. "
                "Verleng de Duur (min) of kies een kortere methode; tot dan wordt er geen agenda gemaakt.",
            )
        ]
    return []


def _nl(x: float) -> str:
    """A number the Dutch way: 3,5."""
    return f"{x:g}".replace(".", ",")


def _case_label(c: Case, nr: str) -> str:
    """How a case is named in Logboek and on the terminal: a confidential case by its
    number only."""
    return f"{nr} (vertrouwelijk)" if c.confidential else c.title


def _case_key(c: Case) -> tuple[tuple[str, Any], ...]:
    return c.origin.key(schema.CASUSSEN.name) if c.origin else key_of(schema.CASUSSEN, c.nr)


def _meeting_key(m: Meeting) -> tuple[tuple[str, Any], ...]:
    return m.origin.key(schema.BIJEENKOMSTEN.name) if m.origin else key_of(schema.BIJEENKOMSTEN, m.nr)


@dataclass
class _Run:
    """What the proposals of one planning run share."""

    rec: Records
    library: MethodLibrary
    today: dt.date
    holidays: dict[dt.date, str]
    horizon_weeks: int
    out: PlanOutcome
    planned: list[Meeting] = field(default_factory=list)  # this run's proposals count for clashes
    taken_nrs: dict[str, int] = field(default_factory=dict)  # prefix -> highest number issued
    busy: dict[dt.date, _Day] = field(default_factory=dict)  # who has a meeting that day, by day
    case_nr_of: dict[int, str] = field(default_factory=dict)  # numbers given this run to Nr-less cases


@dataclass
class _Day:
    """The meetings on one day that take people's time (in the order a clash is named:
    the workbook's, then this run's proposals), and by person where they are."""

    entries: list[tuple[Meeting, set[str]]] = field(default_factory=list)
    by_person: dict[str, list[int]] = field(default_factory=dict)


def _add_busy(day: _Day, rec: Records, m: Meeting) -> None:
    people = meeting_people(rec, m)
    day.entries.append((m, people))
    for name in people:
        day.by_person.setdefault(name, []).append(len(day.entries) - 1)


def _busy_on(run: _Run, d: dt.date) -> _Day:
    """Built once per day a proposal looks at: each date is judged for every group, so
    scanning all of that day's meetings per group would grow with the square of the
    groups."""
    day = run.busy.get(d)
    if day is None:
        day = run.busy[d] = _Day()
        for m in [*run.rec.meetings_on(d), *(x for x in run.planned if x.date == d)]:
            if m.date == d and m.status in BUSY_STATUSES:
                _add_busy(day, run.rec, m)
    return day


def _available(answers: dict[str, dict[dt.date, str]], name: str, d: dt.date) -> bool:
    return answers.get(name, {}).get(d) in SCORE  # ja or misschien


def _propose(run: _Run, g: Group, existing: Meeting | None) -> Proposal | None:
    rec, library, today, hol, out = run.rec, run.library, run.today, run.holidays, run.out
    members = rec.quorum_members(g.name)
    order = rec.participant_order()
    answers = {a.name: a.answers for a in rec.availability_of(g.name)}
    history = sorted(  # what really happened: an old proposal that was never confirmed does not count
        (
            m
            for m in rec.meetings_of(g.name)
            if m.date and m.date < today and m.status in (MeetingStatus.GEHOUDEN, MeetingStatus.BEVESTIGD)
        ),
        key=lambda m: m.date or dt.date.min,
    )
    last = history[-1] if history else None
    method = library.find((existing.method if existing and existing.method else "") or g.method)
    duration = g.duration
    n_cases = cases_for_duration(method, duration, library.frame) if method else 1
    queue = case_queue(rec, g.name)
    explanation: list[str] = []

    # ---- date
    verdicts: list[DateVerdict] = []
    fixed_date = existing.date if existing and existing.date else None
    start = existing.start if existing and existing.start else g.start
    end = existing.end if existing and existing.end else _add_minutes(start, duration)
    earliest = last.date + dt.timedelta(weeks=g.frequency_weeks - 1) if last and last.date else None
    if fixed_date is None:
        horizon = today + dt.timedelta(weeks=run.horizon_weeks)
        group_dates = sorted({d for a in answers.values() for d in a} & set(rec.candidate_dates))
        for d in group_dates:
            if d <= today or d > horizon:
                continue
            verdicts.append(_judge(run, g, d, start, end, members, answers, queue, earliest))
        good = [v for v in verdicts if v.ok]
        if good:
            # a date after the invitation window leaves time to confirm and invite
            window_end = today + dt.timedelta(days=rec.settings.invite_days)
            best = max(good, key=lambda v: (v.date > window_end, v.score, -v.date.toordinal()))
            date = best.date
            explanation.append(
                f"{dutch_date(date)}: {best.yes} ja en {best.maybe} misschien van {len(members)} "
                f"(score {_nl(best.score)}); "
                + ("de enige geschikte datum" if len(good) == 1 else f"de beste van {len(good)} geschikte data")
            )
            cell = g.origin.cell("Groep") if g.origin else "Groepen"
            if best.yes < g.min_members:
                out.problems.append(
                    Problem(
                        Severity.WAARSCHUWING,
                        schema.BESCHIKBAARHEID.name,
                        cell,
                        f"Het voorstel voor groep {g.name} op {dutch_date(date)} haalt het minimum van {g.min_members} "
                        f"alleen met wie 'misschien' zei ({best.yes} ja, {best.maybe} misschien; misschien telt als "
                        "een halve). Vraag hen om een ja of nee voordat u de bijeenkomst bevestigt.",
                    )
                )
            if date <= window_end:
                out.problems.append(
                    Problem(
                        Severity.WAARSCHUWING,
                        schema.BIJEENKOMSTEN.name,
                        cell,
                        f"Het voorstel voor groep {g.name} op {dutch_date(date)} valt binnen de uitnodigingstermijn van "
                        f"{rec.settings.invite_days} dagen (er was geen geschikte latere datum). Bevestig het snel: "
                        "de uitnodigingen gaan uit bij de eerstvolgende run na het bevestigen.",
                    )
                )
            rejected = [v for v in verdicts if not v.ok]
            if rejected:
                explanation.append(
                    "afgevallen: "
                    + "; ".join(f"{dutch_date(v.date, 'EEE d MMM')} ({', '.join(v.reasons)})" for v in rejected)
                )
        else:
            date = _cadence(g, last, today, hol, rec.candidate_dates)
            why = (
                "; ".join(f"{dutch_date(v.date, 'EEE d MMM')}: {', '.join(v.reasons)}" for v in verdicts)
                or "geen kandidaat-data ingevuld op tabblad Beschikbaarheid"
            )
            explanation.append(
                f"{dutch_date(date)}: volgens de frequentie (elke {g.frequency_weeks} weken), want geen kandidaat-datum voldoet"
            )
            cell = g.origin.cell("Groep") if g.origin else "Groepen"
            out.problems.append(
                Problem(
                    Severity.WAARSCHUWING,
                    schema.BESCHIKBAARHEID.name,
                    cell,
                    f"Voor groep {g.name} voldoet geen kandidaat-datum ({why}). Voorgesteld is {dutch_date(date)} volgens de frequentie; "
                    "controleer de datum of vul meer data in op tabblad Beschikbaarheid.",
                )
            )
    else:
        date = fixed_date
        explanation.append(f"{dutch_date(date)}: door de coördinator ingevuld")
        if date in hol and existing is not None and existing.origin is not None:
            out.problems.append(
                Problem(
                    Severity.WAARSCHUWING,
                    schema.BIJEENKOMSTEN.name,
                    existing.origin.cell("Datum"),
                    f"{dutch_date(date)} is een feestdag ({hol[date]}). Controleer of de bijeenkomst echt dan is.",
                )
            )

    # ---- cases (coordinator's choice wins)
    chosen_cases: list[Case] = []
    if existing and existing.cases:
        chosen_cases = rec.cases_of(existing.cases)
    else:
        seen_presenters: set[str] = set()
        fixed_chair = (existing.chair if existing and existing.chair else "") or g.facilitator
        fixed_minutes = existing.minute_taker if existing and existing.minute_taker else ""
        for c in queue:
            if c.presenter in (fixed_chair, fixed_minutes):
                continue
            if len(chosen_cases) >= n_cases:
                break
            if c.presenter in seen_presenters:
                continue
            if answers and not _available(answers, c.presenter, date) and date in rec.candidate_dates:
                continue
            chosen_cases.append(c)
            seen_presenters.add(c.presenter)
        if chosen_cases:
            explanation.append(
                "casus: "
                + "; ".join(
                    f"{_case_label(c, run.case_nr_of.get(id(c), c.nr))} (inbrenger {c.presenter})" for c in chosen_cases
                )
            )
        elif queue:
            explanation.append("geen casus: de inbrengers op de wachtlijst kunnen die dag niet")
        else:
            explanation.append("geen casus: er staan geen nieuwe casussen voor deze groep")
    presenters = {c.presenter for c in chosen_cases}

    # ---- chair and minute-taker
    soon: dict[str, int] = {}
    for i, c in enumerate(c for c in queue if c not in chosen_cases):
        soon.setdefault(c.presenter, i)

    def pool(exclude: set[str]) -> list[str]:
        names = [p.name for p in members if p.name not in exclude]
        if answers and date in rec.candidate_dates:
            free = [n for n in names if _available(answers, n, date)]
            # nobody available (a fallback date): still name someone; the warning says why
            names = free or names
        return names

    chair = existing.chair if existing and existing.chair else ""
    if not chair:
        if g.facilitator:
            chair = g.facilitator
            explanation.append(f"gespreksleider: {chair} (vaste procesbegeleider)")
        else:
            chair = (
                _pick_by_rotation(
                    pool(presenters),
                    _last_role_dates(rec, g.name, "chair"),
                    _role_counts(rec, g.name, "chair"),
                    order,
                    soon,
                )
                or ""
            )
            if chair:
                explanation.append(
                    f"gespreksleider: {chair} (aan de beurt: het minst vaak en langst geleden gespreksleider)"
                )
    minute_taker = existing.minute_taker if existing and existing.minute_taker else ""
    if not minute_taker:
        minute_taker = (
            _pick_by_rotation(
                pool(presenters | {chair}),
                _last_role_dates(rec, g.name, "minute_taker"),
                _role_counts(rec, g.name, "minute_taker"),
                order,
                soon,
            )
            or ""
        )
        if minute_taker:
            explanation.append(f"notulist: {minute_taker} (aan de beurt: het minst vaak en langst geleden notulist)")

    # ---- location rotation
    location = existing.location if existing and existing.location else ""
    if not location and g.locations:
        prev = next((m.location for m in reversed(history) if m.location in g.locations), None)
        location = g.locations[(g.locations.index(prev) + 1) % len(g.locations)] if prev else g.locations[0]

    if not location:
        where = existing.origin.cell("Locatie") if existing and existing.origin else None
        out.problems.append(
            Problem(
                Severity.WAARSCHUWING,
                schema.BIJEENKOMSTEN.name if where else "Groepen",
                where or (g.origin.cell("Locaties") if g.origin else "Groepen"),
                f"Het voorstel voor groep {g.name} op {dutch_date(date)} heeft geen locatie: de groep heeft geen "
                "Locaties op tabblad Groepen. Vul de locatie van de bijeenkomst in, of de Locaties van de groep.",
            )
        )

    # ---- assemble: only empty cells
    nr = existing.nr if existing and existing.nr else next_meeting_nr(rec, g.name, date.year, run.taken_nrs)
    if existing is not None and not existing.nr:
        out.numbered.append((existing, nr))
    for prefix, n in highest_numbers([nr]).items():
        run.taken_nrs[prefix] = max(n, run.taken_nrs.get(prefix, 0))
    proposed = {
        "Nr": nr,
        "Groep": g.name,
        "Datum": date,
        "Begintijd": start,
        "Eindtijd": end,
        "Locatie": location,
        "Methode": method.name if method else g.method,
        "Gespreksleider": chair,
        "Notulist": minute_taker,
        "Casus": "; ".join(run.case_nr_of.get(id(c), c.nr) for c in chosen_cases),
        "Status": MeetingStatus.VOORSTEL,
    }
    planned = Meeting(nr=nr, group=g.name, date=date, start=start, end=end, chair=chair, minute_taker=minute_taker)
    run.planned.append(planned)
    if date in run.busy:  # the day's index learns of it (a later proposal must not clash)
        _add_busy(run.busy[date], rec, planned)
    values: dict[str, Any] = {}
    if existing is None:
        values = {k: v for k, v in proposed.items() if v not in ("", None)}
        out.changes.appends.append(RowAppend(schema.BIJEENKOMSTEN.name, values, unique=("Nr",)))
    else:
        key = _meeting_key(existing)
        raw = existing.origin.raw if existing.origin else {}
        for col, v in proposed.items():
            if v in ("", None) or col == "Groep":
                continue
            current = raw.get(col)
            if current in (None, "") or (isinstance(current, str) and not current.strip()):
                values[col] = v
        for col, v in sorted(values.items(), key=lambda kv: kv[0] == "Nr"):  # the key last
            out.changes.cells.append(CellChange(schema.BIJEENKOMSTEN.name, key, col, v, None, reason="voorstel"))
    for c in chosen_cases:  # also the cases the coordinator put on the meeting
        raw = c.origin.raw if c.origin else {}
        if c.status == CaseStatus.NIEUW:
            out.changes.cells.append(
                CellChange(
                    schema.CASUSSEN.name,
                    _case_key(c),
                    "Status",
                    CaseStatus.INGEPLAND,
                    raw.get("Status"),
                    reason="ingepland",
                )
            )
        if not c.meeting:
            out.changes.cells.append(
                CellChange(
                    schema.CASUSSEN.name, _case_key(c), "Bijeenkomst", nr, raw.get("Bijeenkomst"), reason="ingepland"
                )
            )
    if not values:
        return None
    return Proposal(g.name, nr, existing is None, values, explanation, verdicts, chosen_cases)


def _judge(
    run: _Run,
    g: Group,
    d: dt.date,
    start: dt.time,
    end: dt.time,
    members: list[Participant],
    answers: dict[str, dict[dt.date, str]],
    queue: list[Case],
    earliest: dt.date | None,
) -> DateVerdict:
    hol = run.holidays
    yes = sum(1 for p in members if answers.get(p.name, {}).get(d) == "ja")
    maybe = sum(1 for p in members if answers.get(p.name, {}).get(d) == "misschien")
    reasons: list[str] = []
    expected = yes + SCORE["misschien"] * maybe  # 'misschien' counts as half a person
    if expected < g.min_members:
        reasons.append(
            f"te weinig deelnemers (verwacht {_nl(expected)}: {yes} ja en {maybe} misschien; minimaal {g.min_members})"
        )

    def ok(name: str) -> bool:
        return _available(answers, name, d)

    presenter_cases = [c for c in queue if ok(c.presenter)]
    if queue and not presenter_cases:
        reasons.append("geen inbrenger beschikbaar")
    if g.facilitator:
        if not ok(g.facilitator) and g.facilitator in answers:
            reasons.append(f"procesbegeleider {g.facilitator} niet beschikbaar")
    else:
        presenter = presenter_cases[0].presenter if presenter_cases else None
        if not any(ok(p.name) for p in members if p.name != presenter):
            reasons.append("geen gespreksleider beschikbaar")
    if d in hol:
        reasons.append(f"feestdag ({hol[d]})")
    if earliest and d < earliest:
        reasons.append(f"te kort na de vorige bijeenkomst (frequentie {g.frequency_weeks} weken)")
    people = {p.name for p in members} | ({g.facilitator} if g.facilitator else set())
    day = _busy_on(run, d)
    for i in sorted({i for name in people for i in day.by_person.get(name, ())}):
        m, their_people = day.entries[i]
        if m.group == g.name:
            continue
        shared = people & their_people
        if shared and _overlaps(start, end, m.start, m.end):
            reasons.append(f"{sorted(shared)[0]} heeft dan al bijeenkomst {m.nr or m.group}")
            break
    score = yes * SCORE["ja"] + maybe * SCORE["misschien"]
    return DateVerdict(d, score, yes, maybe, reasons, presenter_cases)


def _cadence(
    g: Group, last: Meeting | None, today: dt.date, hol: dict[dt.date, str], candidates: list[dt.date]
) -> dt.date:
    if last and last.date:
        d = last.date + dt.timedelta(weeks=g.frequency_weeks)
        while d <= today:
            d += dt.timedelta(weeks=1)
    else:
        d = today + dt.timedelta(weeks=2)
        future = [c for c in candidates if c > today]
        if future:  # the weekday the group meets on
            d += dt.timedelta(days=(future[0].weekday() - d.weekday()) % 7)
    while d in hol:
        d += dt.timedelta(weeks=1)
    return d

"""Typed records, the output of validation and the input of every pure function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .schema import IDENTITY_WITHOUT_KEY, QUORUM_ROLLEN, TAB_BY_NAME, cell_ref, setting_defaults
from .values import is_blank


@dataclass(frozen=True)
class Problem:
    severity: str  # 'fout' | 'waarschuwing'
    tab: str
    cell: str  # e.g. Deelnemers!C7, or the tab name for a whole-tab problem
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "fout"


@dataclass
class Origin:
    """Where a record came from: its tab title, row, header positions and raw values,
    so write-back can address the same row by key and compare what was read."""

    title: str
    row: int
    columns: dict[str, int]  # schema column name -> 0-based index
    raw: dict[str, Any]  # schema column name -> raw cell value as read

    def cell(self, column: str) -> str:
        idx = self.columns.get(column)
        col = idx + 1 if idx is not None else len(self.columns) + 1
        return cell_ref(self.title, col, self.row)

    def key(self, tab: str) -> tuple[tuple[str, Any], ...]:
        """How write-back finds this row again: its Nr, or while that is empty the
        identity columns the schema names for the tab (values as they were read)."""
        key_column = TAB_BY_NAME[tab].key.name  # type: ignore[union-attr]
        if not is_blank(self.raw.get(key_column)):
            return ((key_column, self.raw[key_column]),)
        return ((key_column, ""), *((c, self.raw.get(c)) for c in IDENTITY_WITHOUT_KEY[tab]))


@dataclass
class Settings:
    """The Instellingen tab; names and defaults are defined in `schema.SETTINGS`."""

    organisation: str
    coordinator: str
    coordinator_email: str
    invite_days: int
    reminder_days: int
    evaluation_days: int
    min_attendance: int
    language: str
    code_of_conduct: str

    @classmethod
    def defaults(cls) -> Settings:
        return cls(**setting_defaults())  # type: ignore[arg-type]


@dataclass
class Group:
    name: str
    method: str = ""
    duration: int = 120
    start: dt.time = dt.time(19, 30)
    frequency_weeks: int = 6
    locations: list[str] = field(default_factory=list)
    facilitator: str = ""
    min_members: int = 4
    max_members: int = 8
    accreditation_body: str = ""
    accreditation_nr: str = ""
    points_per_hour: float = 1.0
    active: bool = True
    templates: str = ""
    origin: Origin | None = None


@dataclass
class Participant:
    name: str
    email: str
    group: str
    role: str = "deelnemer"
    profession: str = ""
    registration: str = "Geen"
    registration_number: str = ""
    organisation: str = ""
    phone: str = ""
    active: bool = True
    notes: str = ""
    origin: Origin | None = None


@dataclass
class Availability:
    name: str
    group: str
    answers: dict[dt.date, str]  # 'ja' | 'nee' | 'misschien' ('' = not answered)
    origin: Origin | None = None


@dataclass
class Case:
    nr: str  # '' when the coordinator left it empty; the tool proposes one
    presenter: str
    group: str
    title: str
    submitted: dt.date | None = None
    question: str = ""
    explanation: str = ""
    confidential: bool = True
    method: str = ""
    status: str = "nieuw"
    meeting: str = ""
    origin: Origin | None = None


@dataclass
class Meeting:
    nr: str
    group: str
    date: dt.date | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    location: str = ""
    method: str = ""
    chair: str = ""
    minute_taker: str = ""
    cases: list[str] = field(default_factory=list)
    theme: str = ""
    status: str = "voorstel"
    agenda: str = ""
    attendance_list: str = ""
    evaluation_form: str = ""
    invitation_sent: Any = None
    reminder_sent: Any = None
    evaluation_sent: Any = None
    last_processed: Any = None
    origin: Origin | None = None

    @property
    def duration(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        s = self.start.hour * 60 + self.start.minute
        e = self.end.hour * 60 + self.end.minute
        return e - s


@dataclass
class Attendance:
    meeting: str
    name: str
    present: str = ""
    start: dt.time | None = None
    end: dt.time | None = None
    substitute: str = ""
    note: str = ""
    origin: Origin | None = None


@dataclass
class Evaluation:
    meeting: str
    name: str
    grade: float | None = None
    good: str = ""
    better: str = ""
    takeaway: str = ""
    received: dt.date | None = None
    origin: Origin | None = None


@dataclass
class Records:
    settings: Settings = field(default_factory=Settings.defaults)
    groups: dict[str, Group] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    availability: list[Availability] = field(default_factory=list)
    candidate_dates: list[dt.date] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    attendance: list[Attendance] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # every key present in the workbook, valid rows or not (for reference checks)
    all_keys: dict[str, set[str]] = field(default_factory=dict)
    # groups with an upcoming meeting row that has an error: no new proposal for them
    blocked_groups: dict[str, str] = field(default_factory=dict)
    # tabs skipped whole because a header they cannot do without is missing
    unreadable: set[str] = field(default_factory=set)

    # lookups built once per records (a national workbook has 100,000 attendance rows)
    _by_meeting: tuple[int, int, dict[str, list[Attendance]]] | None = field(default=None, repr=False, compare=False)
    _by_group: tuple[int, int, dict[str, list[Participant]]] | None = field(default=None, repr=False, compare=False)
    _grades: tuple[int, int, dict[str, list[float]]] | None = field(default=None, repr=False, compare=False)

    def attendance_of(self, nr: str) -> list[Attendance]:
        """The Aanwezigheid rows of meeting `nr`."""
        c = self._by_meeting
        if c is None or c[0] != id(self.attendance) or c[1] != len(self.attendance):
            index: dict[str, list[Attendance]] = {}
            for a in self.attendance:
                index.setdefault(a.meeting, []).append(a)
            c = self._by_meeting = (id(self.attendance), len(self.attendance), index)
        return c[2].get(nr, [])

    _cases_by_nr: tuple[int, int, dict[str, Case]] | None = field(default=None, repr=False, compare=False)

    def cases_of(self, nrs: list[str]) -> list[Case]:
        """The cases with these numbers, in that order (unknown numbers left out)."""
        c = self._cases_by_nr
        if c is None or c[0] != id(self.cases) or c[1] != len(self.cases):
            index: dict[str, Case] = {}
            for case in self.cases:
                if case.nr:
                    index.setdefault(case.nr, case)
            c = self._cases_by_nr = (id(self.cases), len(self.cases), index)
        return [c[2][n] for n in nrs if n in c[2]]

    _meetings_idx: tuple[int, int, dict[object, list[Meeting]]] | None = field(default=None, repr=False, compare=False)

    def _meeting_index(self) -> dict[object, list[Meeting]]:
        c = self._meetings_idx
        if c is None or c[0] != id(self.meetings) or c[1] != len(self.meetings):
            index: dict[object, list[Meeting]] = {}
            for m in self.meetings.values():
                index.setdefault(("group", m.group), []).append(m)
                if m.date is not None:
                    index.setdefault(("date", m.date), []).append(m)
            c = self._meetings_idx = (id(self.meetings), len(self.meetings), index)
        return c[2]

    _group_idx: tuple[int, int, int, int, dict[object, list[Any]]] | None = field(
        default=None, repr=False, compare=False
    )

    def _by_group_index(self) -> dict[object, list[Any]]:
        c = self._group_idx
        sig = (id(self.cases), len(self.cases), id(self.availability), len(self.availability))
        if c is None or c[:4] != sig:
            index: dict[object, list[Any]] = {}
            for case in self.cases:
                index.setdefault(("case", case.group), []).append(case)
            for a in self.availability:
                index.setdefault(("avail", a.group), []).append(a)
            index[("order",)] = [{p: i for i, p in enumerate(self.participants)}]
            c = self._group_idx = (*sig, index)
        return c[4]

    def cases_in(self, group: str) -> list[Case]:
        return self._by_group_index().get(("case", group), [])

    def availability_of(self, group: str) -> list[Availability]:
        return self._by_group_index().get(("avail", group), [])

    def participant_order(self) -> dict[str, int]:
        """Name -> position on the Deelnemers tab (ties in rotations go by it)."""
        order: dict[str, int] = self._by_group_index()[("order",)][0]
        if len(order) != len(self.participants):
            order = {p: i for i, p in enumerate(self.participants)}
        return order

    def meetings_of(self, group: str) -> list[Meeting]:
        """The group's meetings (rows of Bijeenkomsten that were read)."""
        return self._meeting_index().get(("group", group), [])

    def meetings_on(self, day: dt.date) -> list[Meeting]:
        return self._meeting_index().get(("date", day), [])

    def grades_of(self, nr: str) -> list[float]:
        """The grades given to meeting `nr` on the Evaluaties tab."""
        c = self._grades
        if c is None or c[0] != id(self.evaluations) or c[1] != len(self.evaluations):
            index: dict[str, list[float]] = {}
            for e in self.evaluations:
                if e.grade is not None:
                    index.setdefault(e.meeting, []).append(e.grade)
            c = self._grades = (id(self.evaluations), len(self.evaluations), index)
        return c[2].get(nr, [])

    def quorum_members(self, group: str) -> list[Participant]:
        """The active members who count towards the group's size and quorum."""
        return [p for p in self.members(group) if p.role in QUORUM_ROLLEN]

    def members(self, group: str, active_only: bool = True) -> list[Participant]:
        c = self._by_group
        if c is None or c[0] != id(self.participants) or c[1] != len(self.participants):
            index: dict[str, list[Participant]] = {}
            for p in self.participants.values():
                index.setdefault(p.group, []).append(p)
            c = self._by_group = (id(self.participants), len(self.participants), index)
        return [p for p in c[2].get(group, []) if (p.active or not active_only) and p.role != "gast"]

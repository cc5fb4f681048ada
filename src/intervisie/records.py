"""Typed records, the output of validation and the input of every pure function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .schema import (
    IDENTITY_WITHOUT_KEY,
    QUORUM_ROLLEN,
    TAB_BY_NAME,
    CaseStatus,
    MeetingStatus,
    Severity,
    cell_ref,
    setting_defaults,
)
from .values import is_blank

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Problem:
    severity: str  # 'fout' | 'waarschuwing'
    tab: str
    cell: str  # e.g. Deelnemers!C7, or the tab name for a whole-tab problem
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.FOUT


class Origin:
    """Where a record came from: its tab title, row, header positions and raw values,
    so write-back can address the same row by key and compare what was read.

    `raw` (schema column name -> raw cell value as read) is made from the row's values
    when first asked for: most records never need it."""

    __slots__ = ("title", "row", "columns", "_raw", "_vals")

    def __init__(
        self,
        title: str,
        row: int,
        columns: dict[str, int],  # schema column name -> 0-based index; shared, not copied
        raw: dict[str, Any] | None = None,
        vals: list[Any] | None = None,  # the row's values, for `raw` on demand
    ):
        self.title, self.row, self.columns = title, row, columns
        self._raw, self._vals = raw, vals

    @property
    def raw(self) -> dict[str, Any]:
        if self._raw is None:
            vals = self._vals or []
            n = len(vals)
            self._raw = {name: (vals[i] if i < n else None) for name, i in self.columns.items()}
            self._vals = None
        return self._raw

    def __repr__(self) -> str:
        return f"Origin({self.title!r}, {self.row})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Origin):
            return NotImplemented
        return (self.title, self.row, self.columns, self.raw) == (other.title, other.row, other.columns, other.raw)

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
    status: str = CaseStatus.NIEUW
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
    status: str = MeetingStatus.VOORSTEL
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

    # lookups built once per records (a national workbook has 100,000 attendance rows);
    # an index is rebuilt when the list or dict it was built from is replaced or grows
    _indexes: dict[str, tuple[int, int, Any]] = field(default_factory=dict, repr=False, compare=False)

    def _index(self, name: str, source: Sized, build: Callable[[], T]) -> T:
        sig = (id(source), len(source))
        hit = self._indexes.get(name)
        if hit is None or hit[:2] != sig:
            hit = self._indexes[name] = (*sig, build())
        return hit[2]  # stored by name, built by `build`

    def attendance_of(self, nr: str) -> list[Attendance]:
        """The Aanwezigheid rows of meeting `nr`."""
        return self._index("attendance", self.attendance, lambda: _group_by(self.attendance, "meeting")).get(nr, [])

    def grades_of(self, nr: str) -> list[float]:
        """The grades given to meeting `nr` on the Evaluaties tab."""
        graded = self._index(
            "grades",
            self.evaluations,
            lambda: _group_by([e for e in self.evaluations if e.grade is not None], "meeting"),
        )
        return [e.grade for e in graded.get(nr, []) if e.grade is not None]

    def cases_of(self, nrs: list[str]) -> list[Case]:
        """The cases with these numbers, in that order (unknown numbers left out)."""
        by_nr = self._index("case nrs", self.cases, lambda: {c.nr: c for c in reversed(self.cases) if c.nr})
        return [by_nr[n] for n in nrs if n in by_nr]

    def cases_in(self, group: str) -> list[Case]:
        return self._index("case groups", self.cases, lambda: _group_by(self.cases, "group")).get(group, [])

    def availability_of(self, group: str) -> list[Availability]:
        return self._index("availability", self.availability, lambda: _group_by(self.availability, "group")).get(
            group, []
        )

    def participant_order(self) -> dict[str, int]:
        """Name -> position on the Deelnemers tab (ties in rotations go by it)."""
        return self._index("order", self.participants, lambda: {p: i for i, p in enumerate(self.participants)})

    def meetings_of(self, group: str) -> list[Meeting]:
        """The group's meetings (rows of Bijeenkomsten that were read)."""
        return self._index("meeting groups", self.meetings, lambda: _group_by(self.meetings.values(), "group")).get(
            group, []
        )

    def meetings_on(self, day: dt.date) -> list[Meeting]:
        return self._index("meeting dates", self.meetings, lambda: _group_by(self.meetings.values(), "date")).get(
            day, []
        )

    def quorum_members(self, group: str) -> list[Participant]:
        """The active members who count towards the group's size and quorum."""
        return [p for p in self.members(group) if p.role in QUORUM_ROLLEN]

    def members(self, group: str, active_only: bool = True) -> list[Participant]:
        by_group = self._index("members", self.participants, lambda: _group_by(self.participants.values(), "group"))
        return [p for p in by_group.get(group, []) if (p.active or not active_only) and p.role != "gast"]


def _group_by(items: Iterable[U], attr: str) -> dict[Any, list[U]]:
    out: dict[Any, list[U]] = {}
    for item in items:
        out.setdefault(getattr(item, attr), []).append(item)
    return out

"""The neutral data exchanged between the functional core and the workbook backends:
what was read (:class:`Snapshot` of :class:`RawTab`) and what is to be written (a
:class:`ChangeSet` of cell changes, appended rows and replaced system tabs, rows always
addressed by key). Pure data: it imports nothing from the shell, so validation and
planning can use it without touching a backend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .schema import Tab, norm
from .values import as_text

ANY = object()  # `expect` wildcard: write whatever is there now (system tabs only)


@dataclass
class RawTab:
    title: str  # the tab's title as it is in the workbook
    header: list[Any]
    rows: list[tuple[int, list[Any]]]  # (sheet row number, values), blank rows left out
    header_row: int = 1

    def column_index(self, tab: Tab) -> dict[str, int]:
        """Schema column name -> 0-based position, from this tab's actual header."""
        found: dict[str, int] = {}
        for i, h in enumerate(self.header):
            col = tab.column(h)
            if col is not None and col.name not in found:
                found[col.name] = i
        return found


@dataclass
class Snapshot:
    tabs: dict[str, RawTab]  # schema tab name -> raw content
    source: str = ""

    def get(self, name: str) -> RawTab | None:
        return self.tabs.get(name)


Key = tuple[tuple[str, Any], ...]  # ((column name, value), ...)


def key_of(tab: Tab, value: Any) -> Key:
    col = tab.key
    assert col is not None, f"{tab.name} has no key column"
    return ((col.name, value),)


@dataclass(frozen=True)
class CellChange:
    tab: str
    key: Key
    column: str
    value: Any
    expect: Any = None  # the value read earlier (None: the cell was empty)
    reason: str = ""


@dataclass(frozen=True)
class RowAppend:
    tab: str
    values: dict[str, Any]
    # identity columns: the row is not appended when a row with the same values in these
    # columns already exists at write time (keeps appends idempotent across re-runs)
    unique: tuple[str, ...] = ()


@dataclass(frozen=True)
class TabReplace:
    """Replace the whole content of a system tab (Meldingen, Accreditatie)."""

    tab: str
    rows: tuple[dict[str, Any], ...]


@dataclass
class ChangeSet:
    cells: list[CellChange] = field(default_factory=list)
    appends: list[RowAppend] = field(default_factory=list)
    replaces: list[TabReplace] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)  # Logboek rows
    stamp: Any = None  # the run's timestamp, for conflict rows in Meldingen

    def __bool__(self) -> bool:
        return bool(self.cells or self.appends or self.replaces or self.log)

    def extend(self, other: ChangeSet) -> None:
        self.cells += other.cells
        self.appends += other.appends
        self.replaces += other.replaces
        self.log += other.log


def value_norm(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, (dt.date, dt.time)):
        return as_text(value)
    return norm(as_text(value))


def key_norm(key: Key) -> tuple[Any, ...]:
    """A row key as write-back compares it (case, accents, spacing, 12 == 12.0)."""
    return tuple(value_norm(v) for _, v in key)

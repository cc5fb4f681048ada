"""The workbook interface shared by the Excel and Google Sheets backends.

A backend reads every tab in one pass into a :class:`Snapshot` (raw cell values, with
their sheet row numbers) and writes a :class:`ChangeSet` in one batch. Rows are always
addressed by key (a key column's value, or a tuple of columns), never by position: the
backend re-reads the sheet right before writing and looks the key up again, so rows the
coordinator sorted or inserted in between are found where they are now.

Every cell change carries the value the tool saw when it read (`expect`); a cell whose
current value differs was edited by the coordinator in the meantime, and the change is
skipped and reported as a conflict: a coordinator's edit is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import schema
from ..schema import Severity, Tab
from ..tables import (  # noqa: F401 - re-exported: the backends' vocabulary
    ANY,
    CellChange,
    ChangeSet,
    Key,
    RawTab,
    RowAppend,
    Snapshot,
    TabReplace,
    key_norm,
    key_of,
    value_norm,
)
from ..values import as_text, is_blank


@dataclass(frozen=True)
class Conflict:
    tab: str
    cell: str
    message: str


@dataclass
class WriteResult:
    cells_written: int = 0
    rows_appended: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    reread: bool = False  # the workbook had changed since it was read
    backup: str | None = None
    rows_cleared: bool = False  # a system tab got shorter

    @property
    def substantive(self) -> bool:
        """Anything written besides the run's own Logboek line (worth a backup)."""
        return bool(self.cells_written or self.rows_appended or self.rows_cleared)


class Grid(Protocol):
    """What :func:`apply_changes` needs of a backend's fresh, writable view of the sheet.
    Rows and columns are 1-based, as in A1 notation."""

    def titles(self) -> list[str]: ...
    def add_tab(self, title: str) -> None: ...
    def max_row(self, title: str) -> int: ...
    def max_col(self, title: str) -> int: ...
    def get(self, title: str, row: int, col: int, exact: bool = False) -> Any:
        """The value of a cell; `exact`: as the cell holds it now (for compare-and-set),
        where a backend may otherwise answer from what it read before."""
        ...

    def set(self, title: str, row: int, col: int, value: Any, kind: schema.Kind) -> None: ...
    def set_row(self, title: str, row: int, cells: list[tuple[int, Any, schema.Kind]]) -> None:
        """`set` for each (column, value, kind) of one row (a backend may make a new row
        in one go)."""
        ...

    def blocked(self, title: str, row: int, col: int) -> str | None:
        """Why this cell cannot be written without loss (Dutch), or None."""
        ...

    def clear_below(self, title: str, row: int) -> None: ...
    def link(self, title: str, row: int, col: int, target: str | None) -> None:
        """Make the cell a link to the file `target` (a path relative to the workbook, or
        absolute), or no link (None). A backend without file links ignores it."""
        ...


class Workbook(ABC):
    """One workbook, Excel or Google Sheets."""

    @abstractmethod
    def read(self) -> Snapshot: ...

    @abstractmethod
    def write(self, changes: ChangeSet) -> WriteResult: ...

    @abstractmethod
    def describe(self) -> str: ...

    def check_not_locked(self) -> None:  # noqa: B027 - optional hook, most backends never lock
        """Raise WorkbookLocked when someone else holds the workbook open for writing.
        Only files have lock files; a shared Google Sheet is never locked."""


# ---------------------------------------------------------------- shared logic


def same_value(a: Any, b: Any) -> bool:
    """Equality as a coordinator sees it: blank == blank, 12 == 12.0, trimmed text,
    a date equal to a midnight datetime."""
    if is_blank(a) and is_blank(b):
        return True
    if is_blank(a) or is_blank(b):
        return False
    if isinstance(a, dt.datetime) and not isinstance(b, dt.datetime) and isinstance(b, dt.date):
        a = a.date() if a.time() == dt.time() else a
    if isinstance(b, dt.datetime) and not isinstance(a, dt.datetime) and isinstance(a, dt.date):
        b = b.date() if b.time() == dt.time() else b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return bool(a == b)


def plain(value: Any) -> Any:
    """A value as a cell holds it: a status (a StrEnum) as plain text."""
    return str(value) if isinstance(value, str) and type(value) is not str else value


def find_tab_title(titles: Iterable[str], tab: Tab) -> str | None:
    for title in titles:
        if schema.find_tab(title) is tab:
            return title
    return None


def header_map(grid: Grid, title: str, tab: Tab) -> dict[str, int]:
    """Schema column name -> 1-based column, read from the grid's header row now."""
    found: dict[str, int] = {}
    for c in range(1, grid.max_col(title) + 1):
        col = tab.column(grid.get(title, 1, c))
        if col is not None and col.name not in found:
            found[col.name] = c
    return found


def ensure_column(grid: Grid, title: str, tab: Tab, cols: dict[str, int], name: str) -> int | None:
    """The column for `name`, appending its header at the right when it is missing and
    the tool owns it. A missing coordinator column (perhaps renamed by mistake) is never
    added behind the coordinator's back: None."""
    if name not in cols:
        col = tab.column(name)
        if not (tab.system or (col is not None and col.owned)):
            return None
        c = grid.max_col(title) + 1
        if c == 1 and is_blank(grid.get(title, 1, 1)):
            c = 1
        grid.set(title, 1, c, name, schema.Kind.TEXT)
        cols[name] = c
    return cols[name]


def apply_changes(grid: Grid, changes: ChangeSet) -> WriteResult:
    """Apply a change set to a freshly read grid; the backend then saves it in one go."""
    result = WriteResult()
    by_tab: dict[str, tuple[str, dict[str, int]]] = {}

    def open_tab(name: str, create: bool = True) -> tuple[str, dict[str, int]] | None:
        if name in by_tab:
            return by_tab[name]
        tab = schema.tab(name)
        title = find_tab_title(grid.titles(), tab)
        if title is None:
            if not create:
                return None
            title = tab.name
            grid.add_tab(title)
            for i, col in enumerate(tab.columns, start=1):
                grid.set(title, 1, i, col.name, schema.Kind.TEXT)
        by_tab[name] = (title, header_map(grid, title, tab))
        return by_tab[name]

    # 1. cell changes, by key
    index_cache: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], list[int]]] = {}
    for ch in changes.cells:
        tab = schema.tab(ch.tab)
        opened = open_tab(ch.tab, create=False)
        key_desc = ", ".join(f"{c}={v}" for c, v in ch.key)
        if opened is None:
            result.conflicts.append(Conflict(ch.tab, ch.tab, f"tabblad ontbreekt; {ch.column} niet geschreven"))
            continue
        title, cols = opened
        key_cols = tuple(c for c, _ in ch.key)
        if any(c not in cols for c in key_cols):
            result.conflicts.append(Conflict(ch.tab, title, f"sleutelkolom ontbreekt voor {key_desc}"))
            continue
        cache_id = (title, key_cols)
        if cache_id not in index_cache:
            idx: dict[tuple[Any, ...], list[int]] = {}
            for r in range(2, grid.max_row(title) + 1):
                vals = tuple(grid.get(title, r, cols[c]) for c in key_cols)
                if all(is_blank(v) for v in vals):
                    continue
                idx.setdefault(tuple(value_norm(v) for v in vals), []).append(r)
            index_cache[cache_id] = idx
        rows = index_cache[cache_id].get(key_norm(ch.key), [])
        if len(rows) != 1:
            why = "niet meer gevonden" if not rows else "staat er meer dan eens"
            result.conflicts.append(Conflict(ch.tab, title, f"rij {key_desc} {why}; {ch.column} niet geschreven"))
            continue
        row = rows[0]
        col = ensure_column(grid, title, tab, cols, ch.column)
        if col is None:
            result.conflicts.append(
                Conflict(ch.tab, title, f"kolom '{ch.column}' ontbreekt; waarde voor {key_desc} niet geschreven")
            )
            continue
        current = grid.get(title, row, col, exact=True)
        ref = schema.cell_ref(title, col, row)
        if ch.expect is not ANY and not same_value(current, ch.expect):
            if same_value(current, ch.value):
                continue
            result.conflicts.append(
                Conflict(
                    ch.tab,
                    ref,
                    f"door de coördinator gewijzigd sinds het lezen; waarde '{_short(current)}' blijft staan",
                )
            )
            continue
        blocked = grid.blocked(title, row, col)
        if blocked:
            result.conflicts.append(Conflict(ch.tab, ref, f"{blocked}; niet geschreven"))
            continue
        value = plain(ch.value)
        if same_value(current, value) and type(current) is type(value):
            continue
        column = tab.col(ch.column)
        grid.set(title, row, col, value, column.kind)
        if column.link:
            grid.link(title, row, col, None if is_blank(value) else as_text(value))
        result.cells_written += 1
        for (t, kcols), idx in index_cache.items():
            if t == title and ch.column in kcols:
                # a key column changed (a new Nr): the row answers to its new key too
                new_key = tuple(value_norm(grid.get(title, row, cols[c])) for c in kcols)
                rows_for_key = idx.setdefault(new_key, [])
                if row not in rows_for_key:
                    rows_for_key.append(row)

    # 2. appends (skipped when an identical row is there already)
    last_rows: dict[str, int] = {}
    seen: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = {}
    for ap in changes.appends:
        tab = schema.tab(ap.tab)
        title, cols = open_tab(ap.tab)  # type: ignore[misc]
        for name in ap.values:
            ensure_column(grid, title, tab, cols, name)
        if any(c not in cols for c in ap.unique):
            result.conflicts.append(Conflict(ap.tab, title, f"kolom '{ap.unique[0]}' ontbreekt; rij niet toegevoegd"))
            continue
        if title not in last_rows:
            last_rows[title] = _last_row(grid, title)
        if ap.unique:
            sid = (title, ap.unique)
            if sid not in seen:
                seen[sid] = {
                    tuple(value_norm(grid.get(title, r, cols[c])) for c in ap.unique)
                    for r in range(2, last_rows[title] + 1)
                }
            wanted = tuple(value_norm(ap.values.get(c)) for c in ap.unique)
            if wanted in seen[sid]:
                continue
            seen[sid].add(wanted)
        last_rows[title] += 1
        grid.set_row(title, last_rows[title], _cells(tab, cols, ap.values))
        result.rows_appended += 1

    # 3. whole system tabs
    for rep in changes.replaces:
        if rep.tab == schema.MELDINGEN.name and result.conflicts:
            # what could not be written is reported where the coordinator looks
            stamp = rep.rows[0]["Tijdstip"] if rep.rows else changes.stamp
            rep = TabReplace(
                rep.tab,
                rep.rows
                + tuple(
                    {
                        "Tijdstip": stamp,
                        "Ernst": Severity.WAARSCHUWING,
                        "Tabblad": c.tab,
                        "Cel": c.cell,
                        "Melding": f"Niet teruggeschreven: {c.message}.",
                    }
                    for c in result.conflicts
                ),
            )
        tab = schema.tab(rep.tab)
        title, cols = open_tab(rep.tab)  # type: ignore[misc]
        for column in tab.columns:
            ensure_column(grid, title, tab, cols, column.name)
        # only the cells that differ are written: a ledger that changed in one row
        # costs one row, and a tab that did not change costs nothing
        changed_rows = 0
        last = _last_row(grid, title)
        for i, values in enumerate(rep.rows, start=2):
            if i > last:  # a row the tab does not hold yet: every value goes in
                grid.set_row(title, i, _cells(tab, cols, values))
                changed_rows += 1
                continue
            cells = []
            for column in tab.columns:
                c = cols[column.name]
                new = plain(values.get(column.name))
                current = grid.get(title, i, c)
                if same_value(current, new) and (is_blank(new) or type(current) is type(new)):
                    continue
                cells.append((c, None if is_blank(new) else new, column.kind))
            if cells:
                grid.set_row(title, i, cells)
                changed_rows += 1
        if _last_row(grid, title) > len(rep.rows) + 1:
            grid.clear_below(title, len(rep.rows) + 2)
            result.rows_cleared = True
        result.rows_appended += changed_rows

    # 4. Logboek
    if changes.log:
        tab = schema.LOGBOEK
        title, cols = open_tab(tab.name)  # type: ignore[misc]
        for column in tab.columns:
            ensure_column(grid, title, tab, cols, column.name)
        row = _last_row(grid, title)
        for entry in changes.log:
            row += 1
            grid.set_row(title, row, _cells(tab, cols, entry))
    return result


def _cells(tab: schema.Tab, cols: dict[str, int], values: dict[str, Any]) -> list[tuple[int, Any, schema.Kind]]:
    """A new row's cells: its values that are not blank, in the tab's columns."""
    cells = []
    for name, value in values.items():
        v = plain(value)
        if not is_blank(v) and name in cols:
            cells.append((cols[name], v, tab.col(name).kind))
    return cells


def _last_row(grid: Grid, title: str) -> int:
    for r in range(grid.max_row(title), 1, -1):
        if any(not is_blank(grid.get(title, r, c)) for c in range(1, grid.max_col(title) + 1)):
            return r
    return 1


def _short(value: Any, n: int = 40) -> str:
    t = as_text(value)
    return t if len(t) <= n else t[: n - 1] + "…"

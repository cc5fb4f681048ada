"""The Excel (.xlsx) backend.

Reading is one pass of python-calamine over every tab the schema knows (values, with
cached formula results, dates and times as Python values), two sheets at a time.

Writing goes part by part (`xlsxparts.PartGrid`) over the package as it is on disk
*now*, so a coordinator who saved in between is seen: the change set is applied by key
with compare-and-set. While the file is byte for byte the one that was read, the values
as read stand in for the rows the run does not write (no second parse); otherwise the
rows are parsed from the file.

What survives a run, byte for byte: every part without a change (other tabs, text
boxes, comments, charts, drawings, sparklines, data bars and other `extLst`
extensions, defined names, tables, pivot caches, macros in an .xlsm); inside a changed
worksheet, everything outside ``sheetData`` except the ``dimension`` and the links the
tool writes (data validations, conditional formats, merged cells, autofilters, hidden
and sized columns, print settings, namespace prefixes), and every row the run does not
write. In a row the run writes, the cells it does not name keep their value, style and
formula (they are serialised again by lxml, so their bytes may differ: attribute quotes,
empty elements). `styles.xml` only gains entries. What may change: the cells the change
set names (each keeps its style; a new cell takes the style of the cell above it), new
rows after the last, the tool's own tabs, `calcChain.xml` (dropped when a formula is
replaced, Excel rebuilds it), and for a new tab the workbook part, its relationships and
the content types. A cell that cannot change without loss (inside a merged range, the
anchor of a shared or array formula) is not written; a Meldingen line says why.

Before the file is replaced (atomically: a temp file in the same folder, then a rename)
the previous file is kept in the state folder's `backups/` (the last 10). A workbook
open in Excel or Calc (its lock file beside it) is not written.

openpyxl is used only by `init` (a new workbook) and by the tests as the oracle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook

from .. import schema
from ..errors import WorkbookInvalid, WorkbookLocked, WorkbookNotFound
from ..files import atomic_write
from ..tables import ChangeSet, RawTab, Snapshot
from ..values import is_blank
from .base import Workbook, WriteResult, apply_changes
from .xlsxparts import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT, WRAP_FROM, PartGrid, clean_text

__all__ = ["ExcelWorkbook", "clean_text", "fingerprint", "lock_files", "set_cell"]

BACKUPS_KEPT = 10


def fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def lock_files(path: Path) -> list[Path]:
    """Lock files that Excel (`~$name.xlsx`) and LibreOffice (`.~lock.name.xlsx#`)
    keep next to a file that is open for editing."""
    candidates = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    return [p for p in candidates if p.exists()]


class ExcelWorkbook(Workbook):
    def __init__(self, path: str | os.PathLike[str], state_dir: str | os.PathLike[str] | None = None):
        self.path = Path(path)
        self.state_dir = Path(state_dir) if state_dir else self.path.parent / ".intervisie"
        self._read_fingerprint: str | None = None
        self._read_values: dict[str, tuple[list[Any], list[tuple[int, list[Any]]]]] | None = None

    def describe(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ checks
    def _check_file(self) -> None:
        if not self.path.exists():
            raise WorkbookNotFound(f"Werkmap niet gevonden: {self.path}")
        if self.path.is_dir():
            raise WorkbookInvalid(f"{self.path} is een map, geen Excel-bestand (.xlsx)")
        if not zipfile.is_zipfile(self.path):
            raise WorkbookInvalid(
                f"{self.path} is geen Excel-bestand (.xlsx); sla het in Excel op als 'Excel-werkmap (*.xlsx)'"
            )

    def check_not_locked(self) -> None:
        locks = lock_files(self.path)
        if locks:
            raise WorkbookLocked(
                f"{self.path.name} is geopend in Excel of LibreOffice (slotbestand {locks[0].name}); "
                "sluit het bestand en probeer het opnieuw"
            )

    # ------------------------------------------------------------------ read
    def read(self) -> Snapshot:
        self._check_file()
        fp = fingerprint(self.path)
        try:
            book = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError) as exc:
            raise WorkbookInvalid(f"{self.path} kan niet als Excel-werkmap worden gelezen: {exc}") from exc
        tabs: dict[str, RawTab] = {}
        wanted: list[tuple[str, schema.Tab]] = []
        try:
            for title in book.sheet_names:
                tab = schema.find_tab(title)
                if tab is None or tab.name in {t.name for _, t in wanted} or tab is schema.LEES_MIJ:
                    continue
                wanted.append((title, tab))
        finally:
            book.close()
        # calamine parses a sheet without holding the GIL: two sheets at a time on two
        # cores, the largest tabs first (each thread with its own handle on the file)
        order = sorted(wanted, key=lambda tt: _READ_ORDER.get(tt[1].name, len(_READ_ORDER)))
        workers = max(1, min(2, os.cpu_count() or 1, len(order)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            read = dict(zip((t for t, _ in order), pool.map(self._read_sheet, [t for t, _ in order]), strict=True))
        for title, tab in wanted:  # the workbook's own order
            tabs[tab.name] = read[title]
        self._read_fingerprint = fp
        # saved again while it was read: the values may belong to neither version
        steady = fingerprint(self.path) == fp
        self._read_values = {t.title: (t.header, t.rows) for t in tabs.values()} if steady else None
        return Snapshot(tabs=tabs, source=str(self.path))

    def _read_sheet(self, title: str) -> RawTab:
        try:
            book = CalamineWorkbook.from_path(str(self.path))
            try:
                data = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            finally:
                book.close()
        except (CalamineError, OSError, ValueError) as exc:
            raise WorkbookInvalid(f"{self.path}: tabblad {title} kan niet worden gelezen: {exc}") from exc
        return _raw_tab(title, data)

    # ------------------------------------------------------------------ write
    def write(self, changes: ChangeSet, _attempt: int = 1) -> WriteResult:
        if not changes:
            return WriteResult()
        self.check_not_locked()
        self._check_file()
        before = fingerprint(self.path)
        # while the file is the one read, what was read stands in for the rows not written
        known = self._read_values if before == self._read_fingerprint else None
        try:
            grid = PartGrid(self.path, known)
        except (zipfile.BadZipFile, KeyError, StopIteration, etree.XMLSyntaxError, OSError) as exc:
            raise WorkbookInvalid(f"{self.path} kan niet als Excel-werkmap worden gelezen: {exc}") from exc
        try:
            result = apply_changes(grid, changes)
            result.reread = self._read_fingerprint is not None and before != self._read_fingerprint
            if not grid.dirty:
                return result
            data = grid.package()
        finally:
            grid.close()
        if fingerprint(self.path) != before:
            # saved again while we were applying: start over on the newest content
            if _attempt >= 3:
                raise WorkbookLocked(
                    f"{self.path.name} verandert steeds terwijl het programma schrijft; probeer het later opnieuw"
                )
            return self.write(changes, _attempt + 1)
        if result.substantive:
            # a run that only adds its Logboek line takes no backup: the last 10 backups
            # stay versions with real changes, not weekly stamps
            result.backup = str(self._backup())
        atomic_write(self.path, data)
        self._read_fingerprint = fingerprint(self.path)
        self._read_values = None  # the file changed: no longer what was read
        return result

    def _backup(self) -> Path:
        folder = self.state_dir / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"{self.path.stem}-{stamp}{self.path.suffix}"
        shutil.copy2(self.path, target)
        backups = sorted(folder.glob(f"{self.path.stem}-*{self.path.suffix}"))
        for old in backups[:-BACKUPS_KEPT]:
            old.unlink(missing_ok=True)
        return target


def _raw_tab(title: str, data: list[list[Any]]) -> RawTab:
    header: list[Any] = []
    rows: list[tuple[int, list[Any]]] = []
    for r, vals in enumerate(data, start=1):
        filled = _convert(vals)
        if r == 1:
            header = vals
        elif filled:
            rows.append((r, vals))
    while header and is_blank(header[-1]):
        header.pop()
    return RawTab(title=title, header=header, rows=rows)


# the tabs that grow with the years first: they take longest to parse
_READ_ORDER = {
    name: i
    for i, name in enumerate(
        (
            schema.AANWEZIGHEID.name,
            schema.EVALUATIES.name,
            schema.ACCREDITATIE.name,
            schema.BIJEENKOMSTEN.name,
            schema.CASUSSEN.name,
            schema.BESCHIKBAARHEID.name,
            schema.DEELNEMERS.name,
        )
    )
}
_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


def _convert(vals: list[Any]) -> bool:
    """calamine's values, in place, as the rest of the tool expects them (see `_value`);
    True when the row holds anything. One pass per row: this runs for every cell."""
    filled = False
    for i, v in enumerate(vals):
        t = type(v)
        if t is str:
            if not v:
                vals[i] = None
            elif not filled and v.strip():
                filled = True
        elif t is float:
            if v.is_integer() and abs(v) < 2**53:
                vals[i] = int(v)
            filled = True
        elif v is None:
            continue
        else:
            vals[i] = _value(v)
            filled = True
    return filled


def _value(v: Any) -> Any:
    """calamine's value as the rest of the tool expects it: empty is None, a whole
    number an int, a duration below a day a time of day."""
    if v == "" or v is None:
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, dt.timedelta) and _ZERO <= v < _DAY:
        return (dt.datetime.min + v).time()
    return v


def set_cell(cell: Any, value: Any) -> None:
    """Write a value as its own type: text always as text (never a formula), dates
    and times as date/time cells with a Dutch number format."""
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # '=SUM(' typed by a coordinator stays text
        if "\n" in value or len(value) > WRAP_FROM:
            from openpyxl.styles import Alignment

            al = cell.alignment
            cell.alignment = Alignment(horizontal=al.horizontal, vertical=al.vertical or "top", wrap_text=True)
        return
    cell.value = value
    if isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, dt.time):
        cell.number_format = TIME_FORMAT

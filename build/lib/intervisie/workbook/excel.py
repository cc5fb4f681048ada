"""The Excel (.xlsx) backend, with openpyxl.

Reading is one fast read-only pass (cached formula results, not formulas). Writing
loads the file as it is on disk *now* (so a coordinator who saved in between is seen),
applies the change set by key with compare-and-set, keeps a timestamped backup of the
previous file (the last 10), and saves atomically (temp file in the same folder, then
rename). Everything the tool does not own survives: other tabs, formatting, formulas,
comments, data validation, conditional formatting, frozen panes, hidden columns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.exceptions import InvalidFileException

from .. import schema
from ..errors import WorkbookInvalid, WorkbookLocked, WorkbookNotFound
from ..files import atomic_write
from ..schema import Kind
from ..tables import ChangeSet, RawTab, Snapshot
from ..values import is_blank
from .base import Workbook, WriteResult, apply_changes

BACKUPS_KEPT = 10
DATE_FORMAT = "dd-mm-yyyy"
TIME_FORMAT = "hh:mm"
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"

# XML 1.0 cannot hold these; Excel files cannot either.
_ILLEGAL = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def clean_text(text: str) -> str:
    """Text as an xlsx cell can hold it: no control characters, CRLF as LF, and at
    most 32,767 characters (Excel's cell limit)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ILLEGAL)
    return text[:32767]


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
    def __init__(self, path: str | os.PathLike, state_dir: str | os.PathLike | None = None):
        self.path = Path(path)
        self.state_dir = Path(state_dir) if state_dir else self.path.parent / ".intervisie"
        self._read_fingerprint: str | None = None

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

    def _load(self, **kwargs: Any):
        self._check_file()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return load_workbook(self.path, **kwargs)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise WorkbookInvalid(f"{self.path} kan niet als Excel-werkmap worden gelezen: {exc}") from exc

    # ------------------------------------------------------------------ read
    def read(self) -> Snapshot:
        self._check_file()
        fp = fingerprint(self.path)
        wb = self._load(read_only=True, data_only=True)
        try:
            tabs: dict[str, RawTab] = {}
            for ws in wb.worksheets:
                tab = schema.find_tab(ws.title)
                if tab is None or tab.name in tabs or tab is schema.LEES_MIJ:
                    continue
                tabs[tab.name] = _read_sheet(ws)
        finally:
            wb.close()
        self._read_fingerprint = fp
        return Snapshot(tabs=tabs, source=str(self.path))

    # ------------------------------------------------------------------ write
    def write(self, changes: ChangeSet, _attempt: int = 1) -> WriteResult:
        if not changes:
            return WriteResult()
        self.check_not_locked()
        before = fingerprint(self.path)
        wb = self._load()
        grid = _OpenpyxlGrid(wb)
        result = apply_changes(grid, changes)
        result.reread = self._read_fingerprint is not None and before != self._read_fingerprint
        if not grid.dirty:
            return result
        if fingerprint(self.path) != before:
            # saved again while we were applying: start over on the newest content
            if _attempt >= 3:
                raise WorkbookLocked(
                    f"{self.path.name} verandert steeds terwijl het programma schrijft; probeer het later opnieuw"
                )
            return self.write(changes, _attempt + 1)
        result.backup = str(self._backup())
        atomic_write(self.path, wb.save)
        self._read_fingerprint = fingerprint(self.path)
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


def _read_sheet(ws) -> RawTab:
    header: list[Any] = []
    rows: list[tuple[int, list[Any]]] = []
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        vals = list(values)
        if r == 1:
            header = vals
            continue
        if all(is_blank(v) for v in vals):
            continue
        rows.append((r, vals))
    while header and is_blank(header[-1]):
        header.pop()
    return RawTab(title=ws.title, header=header, rows=rows)


class _OpenpyxlGrid:
    def __init__(self, wb):
        self.wb = wb
        self.dirty = False

    def titles(self) -> list[str]:
        return self.wb.sheetnames

    def add_tab(self, title: str) -> None:
        ws = self.wb.create_sheet(title)
        ws.freeze_panes = "A2"
        self.dirty = True

    def max_row(self, title: str) -> int:
        return self.wb[title].max_row

    def max_col(self, title: str) -> int:
        ws = self.wb[title]
        c = ws.max_column
        while c > 1 and is_blank(ws.cell(1, c).value):
            c -= 1
        return c if not (c == 1 and is_blank(ws.cell(1, 1).value)) else 0

    def get(self, title: str, row: int, col: int) -> Any:
        return self.wb[title].cell(row, col).value

    def writable(self, title: str, row: int, col: int) -> bool:
        return not isinstance(self.wb[title].cell(row, col), MergedCell)

    def set(self, title: str, row: int, col: int, value: Any, kind: Kind) -> None:
        cell = self.wb[title].cell(row, col)
        set_cell(cell, value)
        self.dirty = True

    def clear_below(self, title: str, row: int) -> None:
        ws = self.wb[title]
        if ws.max_row >= row:
            ws.delete_rows(row, ws.max_row - row + 1)
            self.dirty = True


def set_cell(cell, value: Any) -> None:
    """Write a value as its own type: text always as text (never a formula), dates
    and times as date/time cells with a Dutch number format."""
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # '=SUM(' typed by a coordinator stays text
        if "\n" in value:
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

"""Writing an .xlsx back part by part: the `Grid` the Excel backend applies a change set
to, over the package as it is on disk.

An .xlsx is a zip of XML parts. The new file is the old package with every part copied
as stored (compressed bytes untouched), except:

* the worksheet parts that hold a change. Such a part is split into the bytes before
  ``sheetData``, the bytes of each row, and the bytes after; only the rows the run
  writes are parsed (lxml) and serialised again, every other row is copied as it was,
  and so is everything outside ``sheetData`` (conditional formats with their
  ``extLst``, data validations, drawings, comments, sparklines, tables, autofilters,
  hidden columns, namespace prefixes), except ``dimension`` (updated to cover the data)
  and ``hyperlinks`` (the links the tool writes to documents, each an external
  relationship in the sheet's ``.rels``; other links stay). In a row that is written,
  only the cells the change set names change: the row keeps its attributes, the other
  cells their value, style and formula, and cells stay in column order. While the file
  is the one the run read, its values stand in for the rows nobody writes, so a large
  tab is not parsed again for the key lookups of a few changes. A row the part does not
  hold yet (a first run's ledger, a new Logboek line) is made directly as the bytes
  those elements would serialise to (`set_row`), without building them;
* ``styles.xml``, only when a written date needs a date format or a text with line
  breaks needs wrapping that its cell's style lacks: a style is *added* (a copy of the
  cell's style with that one difference), never changed;
* ``workbook.xml``, its relationships and ``[Content_Types].xml``, only for a new tab;
  and ``calcChain.xml`` is dropped (Excel rebuilds it) when a formula cell is replaced.

Text is written as *inline* strings (``t="inlineStr"``), not into the shared-string
table: the shared-string table is often the largest part, and adding to it means
rewriting it and every index; an inline string changes only the sheet that holds it.
Excel, LibreOffice, Google Sheets, openpyxl and python-calamine all read inline strings,
and Excel moves them to the shared table at its next save.

A cell that cannot be changed without loss is not written and says why: a cell inside a
merged range (not its top-left), or the anchor of a shared or array formula (the other
cells of that formula would lose theirs).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, to_excel

from ..schema import Kind, col_letter
from ..values import is_blank
from ..zipparts import ZipMember, assemble_zip

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
REL_SHARED = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
REL_CALC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"
REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
# what follows <hyperlinks> in a worksheet (CT_Worksheet's order): a new one goes before these
_AFTER_HYPERLINKS = frozenset(
    [
        "printOptions",
        "pageMargins",
        "pageSetup",
        "headerFooter",
        "rowBreaks",
        "colBreaks",
        "customProperties",
        "cellWatches",
        "ignoredErrors",
        "smartTags",
        "drawing",
        "legacyDrawing",
        "legacyDrawingHF",
        "drawingHF",
        "picture",
        "oleObjects",
        "controls",
        "webPublishItems",
        "tableParts",
        "extLst",
    ]
)
# a start or end tag (attribute values may hold '>'), a comment, a PI or a CDATA section
_TAG = re.compile(
    rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<(/?)((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))"
    rb"""(?:[^>"']|"[^"]*"|'[^']*')*?(/?)>""",
    re.S,
)
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

WRAP_FROM = 80  # text longer than this (a Melding, a Stand van zaken) wraps in its cell
DATE_FORMAT = "dd-mm-yyyy"
TIME_FORMAT = "hh:mm"
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"

_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)
_REF = re.compile(r"([A-Z]+)(\d+)")
# XML 1.0 cannot hold these; Excel files cannot either.
_ILLEGAL = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_NON_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # no XML character either


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


C_TAG, ROW_TAG, V_TAG, F_TAG, IS_TAG, T_TAG = q("c"), q("row"), q("v"), q("f"), q("is"), q("t")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def clean_text(text: str) -> str:
    """Text as an xlsx cell can hold it: no control characters, CRLF as LF, and at
    most 32,767 characters (Excel's cell limit)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ILLEGAL)
    text = _NON_XML.sub("", text)
    return text[:32767]


@functools.lru_cache(maxsize=4096)
def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


_letter = functools.lru_cache(maxsize=4096)(col_letter)
_DIGITS = "0123456789"


def _rich_text(el: etree._Element) -> str:
    """The text of an <si> or <is>: its <t> runs, without phonetic guides."""
    return "".join(t.text or "" for t in el.iter(q("t")) if t.getparent() is not None and t.getparent().tag != q("rPh"))


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    parts = [p for p in base.split("/")[:-1] if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _rels_name(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


@dataclass
class _Sheet:
    """A worksheet part, read lazily: its ``sheetData`` is split into the bytes of each
    row, and a row is parsed only when a cell of it is written (or read while the values
    of the run's read cannot stand in for it). Everything outside ``sheetData`` is parsed
    once (`root`, with an empty ``sheetData``, `data`, that parsed rows hang under so
    they keep the part's namespaces)."""

    title: str
    part: str
    root: etree._Element
    data: etree._Element  # sheetData of `root`; parsed and new rows live here
    chunks: dict[int, bytes] = field(default_factory=dict)  # row -> its bytes, not parsed
    rows: dict[int, etree._Element] = field(default_factory=dict)  # parsed or new rows
    cells: dict[tuple[int, int], etree._Element] = field(default_factory=dict)  # of parsed rows
    row_keys: list[int] = field(default_factory=list)  # every row number, sorted
    row_cols: dict[int, list[int]] = field(default_factory=dict)  # parsed row -> its cells' columns, sorted
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    wrapper: tuple[bytes, bytes] = (b"", b"")  # the root's start and end tag, to parse a row in
    cell_tag: re.Pattern[bytes] | None = None  # a cell's start tag in this part's prefix
    formula_tag: re.Pattern[bytes] | None = None
    after: dict[int, bytes] = field(default_factory=dict)  # parsed row -> what followed it
    lead: bytes = b""  # what sheetData held before its first row
    skeleton: bytes = b""  # a new tab's part, without rows
    known: dict[int, list[Any]] | None = None  # row -> values as the run read them
    peeked: dict[int, dict[int, int]] = field(default_factory=dict)  # unparsed row -> column -> style
    links: dict[tuple[int, int], str | None] = field(default_factory=dict)  # cell -> file it opens (None: none)
    dim: tuple[int, int, int, int] | None = None  # the part's dimension as it was
    row_end: re.Pattern[bytes] | None = None
    duplicates: set[int] = field(default_factory=set)  # row numbers the part holds twice
    prefix: bytes = b""  # the main namespace's prefix in this part ("x:"), usually none
    added_cols: tuple[int, int] = (1 << 20, 0)  # first and last column of the rows set_row made
    dirty: bool = False
    new: bool = False


_SHEET_DATA = re.compile(
    rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b([^>]*?)(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?sheetData>)", re.S
)
_ROW_R = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_ROOT_START = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)\b[^>]*>")


class PartGrid:
    """A writable view of an .xlsx package (the `Grid` protocol of `workbook/base.py`)."""

    def __init__(self, path: Path, known: dict[str, tuple[list[Any], list[tuple[int, list[Any]]]]] | None = None):
        """`known`: title -> (header, rows) of the values as this run read them, given
        only while the file is byte for byte the one that was read: rows nobody writes
        are then never parsed again."""
        self.path = Path(path)
        self._known = known or {}
        self._fh = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        self.zf = zipfile.ZipFile(self._fh)
        self.infos = self.zf.infolist()
        self.names = {i.filename for i in self.infos}
        self.out: dict[str, bytes] = {}  # changed or new parts
        self.removed: set[str] = set()
        self.dirty = False
        root_rels = self._xml("_rels/.rels")
        self.wb_part = next(
            _resolve("", r.get("Target", ""))
            for r in root_rels.iter(f"{{{PKG_REL}}}Relationship")
            if r.get("Type") == REL_OFFICE_DOC
        )
        self.wb_root = self._xml(self.wb_part)
        self.wb_rels_name = _rels_name(self.wb_part)
        self.wb_rels = self._xml(self.wb_rels_name)
        targets = {
            r.get("Id"): (r.get("Type"), _resolve(self.wb_part, r.get("Target", "")))
            for r in self.wb_rels.iter(f"{{{PKG_REL}}}Relationship")
        }
        self._targets = targets
        self.sheet_parts: dict[str, str] = {}
        for s in self.wb_root.iter(q("sheet")):
            rid = s.get(f"{{{R_NS}}}id")
            if rid in targets and targets[rid][0] == REL_WORKSHEET:
                self.sheet_parts[s.get("name", "")] = targets[rid][1]
        pr = self.wb_root.find(q("workbookPr"))
        self.epoch = (
            CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") in ("1", "true") else CALENDAR_WINDOWS_1900
        )
        self.styles_part = next((t for ty, t in targets.values() if ty == REL_STYLES), None)
        self.shared_part = next((t for ty, t in targets.values() if ty == REL_SHARED), None)
        self._shared: list[str] | None = None
        self._styles: etree._Element | None = None
        self._date_xf: dict[int, bool] = {}
        self._derived: dict[tuple[int, str], int] = {}
        self.sheets: dict[str, _Sheet] = {}
        self.formula_removed = False

    # ------------------------------------------------------------------ parts
    def _xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.zf.read(name), _PARSER)

    def close(self) -> None:
        self.zf.close()
        self._fh.close()

    @property
    def shared(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if self.shared_part and self.shared_part in self.names:
                for _ev, si in etree.iterparse(
                    self.zf.open(self.shared_part), events=("end",), tag=q("si"), huge_tree=True
                ):
                    self._shared.append(_rich_text(si))
                    si.clear()
        return self._shared

    @property
    def styles(self) -> etree._Element | None:
        if self._styles is None and self.styles_part and self.styles_part in self.names:
            self._styles = self._xml(self.styles_part)
        return self._styles

    def _num_format(self, s: int) -> str:
        styles = self.styles
        if styles is None:
            return "General"
        xfs = styles.find(q("cellXfs"))
        if xfs is None or s >= len(xfs):
            return "General"
        fid = int(xfs[s].get("numFmtId", "0"))
        for nf in styles.iter(q("numFmt")):
            if nf.get("numFmtId") == str(fid):
                return str(nf.get("formatCode", "General"))
        return str(BUILTIN_FORMATS.get(fid, "General"))

    def _is_date_style(self, s: int) -> bool:
        if s not in self._date_xf:
            self._date_xf[s] = is_date_format(self._num_format(s))
        return self._date_xf[s]

    # ------------------------------------------------------------------ sheets
    def titles(self) -> list[str]:
        return list(self.sheet_parts)

    def _sheet(self, title: str) -> _Sheet:
        sh = self.sheets.get(title)
        if sh is not None:
            return sh
        part = self.sheet_parts[title]
        original = self.zf.read(part)
        m = _SHEET_DATA.search(original)
        if m is None:  # no sheetData at all: parse the part whole
            root = etree.fromstring(original, _PARSER)
            data = etree.SubElement(root, q("sheetData"))
            content, prefix = b"", b""
        else:
            prefix = m.group(1)
            content = m.group(3) or b""
            skeleton = original[: m.start()] + b"<" + prefix + b"sheetData" + m.group(2) + b"/>" + original[m.end() :]
            root = etree.fromstring(skeleton, _PARSER)
            found = root.find(q("sheetData"))
            assert found is not None
            data = found
        sh = _Sheet(title, part, root, data)
        row_tag = _find_rows(sh, original, prefix)
        starts = [mm.start() for mm in row_tag.finditer(content)]
        sh.lead = content[: starts[0]] if starts else content
        next_row = 1
        for i, at in enumerate(starts):
            chunk = content[at : starts[i + 1] if i + 1 < len(starts) else len(content)]
            head = chunk[: chunk.index(b">") + 1]
            mr = _ROW_R.search(head)
            r = int(mr.group(1)) if mr else next_row
            next_row = r + 1
            if r in sh.chunks:  # a row number twice (not valid): kept as it was, not written
                sh.chunks[r] += chunk
                sh.duplicates.add(r)
            elif r in sh.rows:
                sh.after[r] = sh.after.get(r, b"") + chunk
                sh.duplicates.add(r)
            else:
                sh.chunks[r] = chunk
                if mr is None:  # no row number: parsed now, and numbered
                    self._parse_row(sh, r, number=True)
        sh.row_keys = sorted(set(sh.chunks) | set(sh.rows))
        known = self._known.get(title)
        if known is not None:
            header, rows = known
            sh.known = dict(rows)
            sh.known[1] = header
        dim = root.find(q("dimension"))
        if dim is not None:
            a, _, b = (dim.get("ref") or "").partition(":")
            ma, mb = _REF.fullmatch(a), _REF.fullmatch(b or a)
            if ma and mb:
                sh.dim = (int(ma.group(2)), col_index(ma.group(1)), int(mb.group(2)), col_index(mb.group(1)))
        merges = root.find(q("mergeCells"))
        if merges is not None:
            for mc in merges.iterchildren(q("mergeCell")):
                a, _, b = (mc.get("ref") or "").partition(":")
                ma, mb = _REF.fullmatch(a), _REF.fullmatch(b or a)
                if ma and mb:
                    sh.merged.append(
                        (int(ma.group(2)), col_index(ma.group(1)), int(mb.group(2)), col_index(mb.group(1)))
                    )
        self.sheets[title] = sh
        return sh

    def _parse_row(self, sh: _Sheet, r: int, number: bool = False) -> etree._Element:
        """Row `r` as an element under `sh.data`, with its cells indexed (from its bytes)."""
        chunk = sh.chunks.pop(r)
        wrapper = etree.fromstring(sh.wrapper[0] + chunk + sh.wrapper[1], _PARSER)
        row = wrapper[0]  # the chunk starts with the row
        # whatever follows the row in its bytes (spacing, a comment) stays as it was
        head_end = chunk.index(b">") + 1
        if chunk[head_end - 2 : head_end] == b"/>":
            end = head_end
        else:
            assert sh.row_end is not None
            m = sh.row_end.search(chunk)
            end = m.end() if m else len(chunk)
        if end < len(chunk):
            sh.after[r] = chunk[end:]
        row.tail = None
        if number:
            row.set("r", str(r))
        sh.data.append(row)
        sh.rows[r] = row
        cols = sh.row_cols.setdefault(r, [])
        next_col = 1
        for c in row.iterchildren(C_TAG):
            ref = c.get("r")
            letters = ref.rstrip(_DIGITS) if ref else ""
            if letters and letters.isalpha() and letters.isupper():
                col = col_index(letters)
            else:
                col = next_col
                c.set("r", f"{_letter(col)}{r}")
            next_col = col + 1
            sh.cells[(r, col)] = c
            cols.append(col)
        cols.sort()
        return row

    def _row(self, sh: _Sheet, r: int) -> etree._Element | None:
        if r in sh.chunks:
            return self._parse_row(sh, r)
        return sh.rows.get(r)

    def add_tab(self, title: str) -> None:
        n = 1
        taken = self.names | set(self.out) | {sh.part for sh in self.sheets.values()}
        while f"xl/worksheets/sheet{n}.xml" in taken:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        skeleton = _serialise(
            etree.fromstring(
                f'<worksheet xmlns="{NS}" xmlns:r="{R_NS}"><dimension ref="A1"/><sheetViews>'
                '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                '<sheetData/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                'footer="0.3"/></worksheet>'
            )
        )
        root = etree.fromstring(skeleton, _PARSER)
        data = root.find(q("sheetData"))
        assert data is not None
        sheet = _Sheet(title, part, root, data, dirty=True, new=True, skeleton=skeleton)
        _find_rows(sheet, skeleton, b"")
        self.sheets[title] = sheet
        self.sheet_parts[title] = part
        # the workbook, its relationships and the content types learn of the new part
        rids = {r.get("Id") for r in self.wb_rels.iter(f"{{{PKG_REL}}}Relationship")}
        k = 1
        while f"rId{k}" in rids:
            k += 1
        rel = etree.SubElement(self.wb_rels, f"{{{PKG_REL}}}Relationship")
        rel.set("Id", f"rId{k}")
        rel.set("Type", REL_WORKSHEET)
        rel.set("Target", _relative(self.wb_part, part))
        sheets = self.wb_root.find(q("sheets"))
        assert sheets is not None
        ids = [int(s.get("sheetId", "0")) for s in sheets.iterchildren(q("sheet"))]
        el = etree.SubElement(sheets, q("sheet"))
        el.set("name", title)
        el.set("sheetId", str(max(ids, default=0) + 1))
        el.set(f"{{{R_NS}}}id", f"rId{k}")
        ct = (
            self._xml("[Content_Types].xml")
            if "[Content_Types].xml" not in self.out
            else etree.fromstring(self.out["[Content_Types].xml"], _PARSER)
        )
        ov = etree.SubElement(ct, f"{{{CT_NS}}}Override")
        ov.set("PartName", "/" + part)
        ov.set("ContentType", CT_WORKSHEET)
        self.out["[Content_Types].xml"] = _serialise(ct)
        self.out[self.wb_part] = _serialise(self.wb_root)
        self.out[self.wb_rels_name] = _serialise(self.wb_rels)
        self.dirty = True

    def max_row(self, title: str) -> int:
        sh = self._sheet(title)
        for r in reversed(sh.row_keys):
            chunk = sh.chunks.get(r)
            if chunk is not None:
                assert sh.cell_tag is not None
                if sh.cell_tag.search(chunk):
                    return r
            elif sh.row_cols.get(r):
                return r
        return 0

    def max_col(self, title: str) -> int:
        sh = self._sheet(title)
        self._row(sh, 1)
        cols = [c for c in sh.row_cols.get(1, []) if not is_blank(self.get(title, 1, c))]
        return max(cols, default=0)

    def get(self, title: str, row: int, col: int, exact: bool = False) -> Any:
        """The cell's value. From the values as read while the file is the one read,
        unless `exact`: then from the cell itself (a formula showing an error reads as
        the error, where the values as read have nothing)."""
        sh = self._sheet(title)
        if row in sh.chunks:
            if sh.known is not None and not exact:  # the value as read: the file is the one read
                vals = sh.known.get(row)
                if vals is None or col > len(vals):
                    return None
                v = vals[col - 1]
                return dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v
            self._parse_row(sh, row)
        c = sh.cells.get((row, col))
        return None if c is None else self._value(c)

    def _value(self, c: etree._Element) -> Any:
        t = c.get("t", "n")
        if t == "inlineStr":
            is_ = c.find(q("is"))
            return _rich_text(is_) if is_ is not None else None
        v = c.find(q("v"))
        if v is None or v.text is None:
            return None
        text = v.text
        if t == "s":
            i = int(text)
            return self.shared[i] if 0 <= i < len(self.shared) else None
        if t in ("str", "e"):
            return text
        if t == "b":
            return text.strip() in ("1", "true")
        if t == "d":
            try:
                return dt.datetime.fromisoformat(text)
            except ValueError:
                return text
        try:
            number = float(text)
        except ValueError:
            return text
        s = int(c.get("s", "0"))
        if s and self._is_date_style(s):
            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):
                return number  # no date (20261231 typed in a date cell): the number as it is
        return int(number) if number.is_integer() and "." not in text and "E" not in text.upper() else number

    def blocked(self, title: str, row: int, col: int) -> str | None:
        sh = self._sheet(title)
        for r1, c1, r2, c2 in sh.merged:
            if r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1):
                return "samengevoegde cel"
        if row in sh.duplicates:
            return "deze rij staat twee keer in het bestand; sla de werkmap opnieuw op in Excel of Calc"
        self._row(sh, row)
        c = sh.cells.get((row, col))
        f = c.find(q("f")) if c is not None else None
        if f is not None and f.get("t") in ("shared", "array") and f.get("ref"):
            return "cel met een formule die ook voor andere cellen geldt"
        return None

    def set(self, title: str, row: int, col: int, value: Any, kind: Kind) -> None:
        sh = self._sheet(title)
        if row in sh.chunks:
            self._parse_row(sh, row)
        c = sh.cells.get((row, col))
        if c is None:
            c, style = self._new_cell(sh, row, col)
        else:
            style = int(c.get("s") or 0)
            if len(c):
                for child in list(c):
                    if child.tag == F_TAG:
                        self.formula_removed = True
                    if child.tag in (F_TAG, V_TAG, IS_TAG):
                        c.remove(child)
            if c.get("t") is not None:
                del c.attrib["t"]
        t, text, preserve, style = self._encode(value, style)
        if t is not None:
            c.set("t", t)
        if text is not None:
            if t == "inlineStr":
                el = etree.SubElement(etree.SubElement(c, IS_TAG), T_TAG)
                el.text = text
                if preserve:
                    el.set(XML_SPACE, "preserve")
            else:
                etree.SubElement(c, V_TAG).text = text
        if style:
            c.set("s", str(style))
        elif c.get("s") is not None:
            del c.attrib["s"]
        sh.dirty = self.dirty = True

    def _encode(self, value: Any, style: int) -> tuple[str | None, str | None, bool, int]:
        """A value as a cell holds it: (its type attribute, the text of its value,
        whether that text keeps its spaces, its style, given the style it had)."""
        if value is None or (isinstance(value, str) and value == ""):
            return None, None, False, style
        if isinstance(value, bool):
            return "b", "1" if value else "0", False, style
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            fmt = (
                DATETIME_FORMAT
                if isinstance(value, dt.datetime)
                else DATE_FORMAT
                if isinstance(value, dt.date)
                else TIME_FORMAT
            )
            if not self._is_date_style(style):
                style = self._derive(style, "date:" + fmt)
            serial = float(to_excel(value, self.epoch))
            return None, repr(serial) if not serial.is_integer() else str(int(serial)), False, style
        if isinstance(value, (int, float)):
            if style and self._is_date_style(style):
                style = self._derive(style, "general")  # a number, not a date
            return None, repr(value) if isinstance(value, float) else str(value), False, style
        text = str(value)
        if not text.isprintable() or len(text) > 32767:
            text = clean_text(text)
        if "\n" in text or len(text) > WRAP_FROM:
            style = self._derive(style, "wrap")
        return "inlineStr", text, "\n" in text or "  " in text or text != text.strip(), style

    def set_row(self, title: str, row: int, cells: list[tuple[int, Any, Kind]]) -> None:
        """`set` for each (column, value, kind) of a row. A row the sheet does not hold
        yet (a tool tab's ledger, a new Logboek line) is made as the bytes `set` would
        serialise it to, without building its cells as elements."""
        sh = self._sheet(title)
        if not cells:
            return  # as `set` for no cell: nothing, not an empty row
        if row in sh.chunks or row in sh.rows or not sh.wrapper[0] or row in sh.duplicates:
            for col, value, kind in cells:
                self.set(title, row, col, value, kind)
            return
        p = sh.prefix.decode()
        out = [f'<{p}row r="{row}">']
        styles: dict[int, int] = {}
        known: list[Any] = []
        # encoded in the order given (a style derived for a date or a wrap is added to
        # styles.xml in that order, as `set` would), written in column order
        encoded = {col: self._encode(value, self._style_above(sh, row, col)) for col, value, _kind in cells}
        values = {col: value for col, value, _kind in cells}
        for col in sorted(encoded):
            value = values[col]
            t, text, preserve, style = encoded[col]
            styles[col] = style
            attrs = f' r="{_letter(col)}{row}"' + (f' t="{t}"' if t else "") + (f' s="{style}"' if style else "")
            if text is None:
                out.append(f"<{p}c{attrs}/>")
            elif t == "inlineStr":
                space = ' xml:space="preserve"' if preserve else ""
                out.append(f"<{p}c{attrs}><{p}is><{p}t{space}>{_escape(text)}</{p}t></{p}is></{p}c>")
            else:
                out.append(f"<{p}c{attrs}><{p}v>{text}</{p}v></{p}c>")
            known.extend([None] * (col - 1 - len(known)))
            known.append(text if t == "inlineStr" or text is None else value)  # as the cell reads back
        out.append(f"</{p}row>")
        sh.chunks[row] = "".join(out).encode("utf-8")
        sh.peeked[row] = styles  # the style above for the row below, without parsing this one
        if sh.known is not None:
            sh.known[row] = known
        if styles:
            sh.added_cols = (min(min(styles), sh.added_cols[0]), max(max(styles), sh.added_cols[1]))
        if not sh.row_keys or row > sh.row_keys[-1]:
            sh.row_keys.append(row)
        else:
            bisect.insort(sh.row_keys, row)
        sh.dirty = self.dirty = True

    def _new_cell(self, sh: _Sheet, row: int, col: int) -> tuple[etree._Element, int]:
        """A new, empty cell in column order, and the style it takes: that of the cell
        above it, or of its row."""
        r = sh.rows.get(row)
        fresh = r is None
        if r is None:
            r = etree.SubElement(sh.data, ROW_TAG)
            r.set("r", str(row))
            if not sh.row_keys or row > sh.row_keys[-1]:
                sh.row_keys.append(row)
            else:
                bisect.insort(sh.row_keys, row)
            sh.rows[row] = r
            sh.row_cols[row] = []
        c = etree.Element(C_TAG)
        c.set("r", f"{_letter(col)}{row}")
        style = self._style_above(sh, row, col)
        if not style and not fresh and r.get("customFormat") in ("1", "true"):
            style = int(r.get("s") or 0)
        cols = sh.row_cols[row]
        if not cols or col > cols[-1]:
            r.append(c)
            cols.append(col)
        else:
            i = bisect.bisect_left(cols, col)
            if i:
                sh.cells[(row, cols[i - 1])].addnext(c)
            else:
                r.insert(0, c)
            cols.insert(i, col)
        sh.cells[(row, col)] = c
        if not fresh and r.get("spans"):
            lo, _, hi = r.get("spans", "").partition(":")
            try:
                r.set("spans", f"{min(int(lo), cols[0])}:{max(int(hi or lo), cols[-1])}")
            except ValueError:
                del r.attrib["spans"]
        return c, style

    def _style_above(self, sh: _Sheet, row: int, col: int) -> int:
        """The style of the cell above (not the header's), looked up without touching
        that row's bytes."""
        if row <= 2:
            return 0
        above = sh.cells.get((row - 1, col))
        if above is None and row - 1 in sh.chunks:
            peek = sh.peeked.get(row - 1)
            if peek is None:
                peek = sh.peeked[row - 1] = {}
                wrapper = etree.fromstring(sh.wrapper[0] + sh.chunks[row - 1] + sh.wrapper[1], _PARSER)
                next_col = 1
                for cell in wrapper.iter(C_TAG):
                    ref = cell.get("r")
                    letters = ref.rstrip(_DIGITS) if ref else ""
                    at = col_index(letters) if letters.isalpha() and letters.isupper() else next_col
                    next_col = at + 1
                    peek[at] = int(cell.get("s") or 0)
            return peek.get(col, 0)
        return int(above.get("s") or 0) if above is not None else 0

    def link(self, title: str, row: int, col: int, target: str | None) -> None:
        sh = self._sheet(title)
        sh.links[(row, col)] = target
        sh.dirty = self.dirty = True

    def clear_below(self, title: str, row: int) -> None:
        sh = self._sheet(title)
        i = bisect.bisect_left(sh.row_keys, row)
        for r in sh.row_keys[i:]:
            chunk = sh.chunks.pop(r, None)
            if chunk is not None:
                assert sh.formula_tag is not None
                if sh.formula_tag.search(chunk):
                    self.formula_removed = True
            else:
                el = sh.rows.pop(r)
                if el.find(".//" + q("f")) is not None:
                    self.formula_removed = True
                sh.data.remove(el)
                for col in sh.row_cols.pop(r, []):
                    del sh.cells[(r, col)]
            sh.after.pop(r, None)
            if sh.known is not None:
                sh.known.pop(r, None)
            sh.dirty = self.dirty = True
        del sh.row_keys[i:]

    # ------------------------------------------------------------------ styles
    def _derive(self, s: int, what: str) -> int:
        """A style like `s` with a date format or wrapping added (styles only gain)."""
        key = (s, what)
        if key in self._derived:
            return self._derived[key]
        styles = self.styles
        if styles is None:
            return s
        xfs = styles.find(q("cellXfs"))
        if xfs is None or not len(xfs):
            return s
        base = xfs[s] if s < len(xfs) else xfs[0]
        xf = etree.fromstring(etree.tostring(base))
        if what.startswith("date:"):
            xf.set("numFmtId", str(self._num_fmt_id(what[5:])))
            xf.set("applyNumberFormat", "1")
        elif what == "general":
            xf.set("numFmtId", "0")
        else:
            al = xf.find(q("alignment"))
            if al is not None and al.get("wrapText") in ("1", "true"):
                self._derived[key] = s
                return s
            if al is None:
                al = etree.Element(q("alignment"))
                xf.insert(0, al)
            al.set("wrapText", "1")
            if not al.get("vertical"):
                al.set("vertical", "top")
            xf.set("applyAlignment", "1")
        wanted = etree.tostring(xf)
        same = next((i for i, x in enumerate(xfs) if etree.tostring(x) == wanted), None)
        if same is not None:  # added by an earlier run: styles do not grow run after run
            self._derived[key] = same
            return same
        xfs.append(xf)
        xfs.set("count", str(len(xfs)))
        index = len(xfs) - 1
        self._derived[key] = index
        self._date_xf.pop(index, None)
        if self.styles_part is not None:
            self.out[self.styles_part] = b""  # marked; serialised at save
        return index

    def _num_fmt_id(self, code: str) -> int:
        styles = self.styles
        assert styles is not None
        fmts = styles.find(q("numFmts"))
        if fmts is None:
            fmts = etree.Element(q("numFmts"))
            styles.insert(0, fmts)
        used = [164]
        for nf in fmts.iterchildren(q("numFmt")):
            if nf.get("formatCode") == code:
                return int(nf.get("numFmtId", "0"))
            used.append(int(nf.get("numFmtId", "0")))
        fid = max(used) + 1
        nf = etree.SubElement(fmts, q("numFmt"))
        nf.set("numFmtId", str(fid))
        nf.set("formatCode", code)
        fmts.set("count", str(len(fmts)))
        return fid

    # ------------------------------------------------------------------ save
    def package(self) -> bytes:
        """The new file: unchanged parts copied as stored, changed parts spliced."""
        for sh in self.sheets.values():
            if sh.dirty:
                self.out[sh.part] = self._splice(sh)
        if self.styles_part is not None and self.styles_part in self.out and self.styles is not None:
            self.out[self.styles_part] = _serialise(self.styles)
        if self.formula_removed:
            self._drop_calc_chain()
        members: list[ZipMember] = []
        for info in self.infos:
            name = info.filename
            if name in self.removed:
                continue
            if name in self.out:
                members.append(ZipMember.build(name, self.out[name]))
            else:
                members.append(ZipMember.copy(self._fh, info))
        for name, data in self.out.items():
            if name not in self.names:
                members.append(ZipMember.build(name, data))
        return assemble_zip(members)

    def _splice(self, sh: _Sheet) -> bytes:
        """The part with its new ``sheetData``: rows nobody touched as the bytes they
        were, the others serialised; the rest of the part as it was."""
        _update_dimension(sh)
        pieces: list[bytes] = [sh.lead]
        for r in sh.row_keys:
            chunk = sh.chunks.get(r)
            if chunk is None:
                chunk = _strip_redundant_ns(etree.tostring(sh.rows[r], encoding="UTF-8", with_tail=False), sh.root)
                chunk += sh.after.get(r, b"")
            pieces.append(chunk)
        content = b"".join(pieces)
        original = sh.skeleton if sh.new else self.zf.read(sh.part)
        m = _SHEET_DATA.search(original)
        assert m is not None  # the part was split on it when read
        prefix = m.group(1)
        data_xml = (
            b"<" + prefix + b"sheetData" + m.group(2) + b">" + content + b"</" + prefix + b"sheetData>"
            if content
            else b"<" + prefix + b"sheetData" + m.group(2) + b"/>"
        )
        out = original[: m.start()] + data_xml + original[m.end() :]
        if sh.links:
            cut = m.start() + len(data_xml)
            out = out[:cut] + self._hyperlinks(sh, out[cut:], prefix)
        dim = sh.root.find(q("dimension"))
        if dim is not None:
            out = re.sub(
                rb'(<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref=")[^"]*(")',
                lambda mm: mm.group(1) + dim.get("ref", "A1").encode() + mm.group(2),
                out,
                count=1,
            )
        return out

    def _hyperlinks(self, sh: _Sheet, after: bytes, prefix: bytes) -> bytes:
        """The part after sheetData with the run's links: each cell's old link goes, its
        new one (an external relationship of the sheet) comes; everything else stays."""
        rels_name = _rels_name(sh.part)
        if rels_name in self.out:
            rels = etree.fromstring(self.out[rels_name], _PARSER)
        elif rels_name in self.names:
            rels = self._xml(rels_name)
        else:
            rels = etree.fromstring(f'<Relationships xmlns="{PKG_REL}"/>'.encode())
            self._ensure_rels_type(rels_name)
        r_prefix = next((k for k, v in sh.root.nsmap.items() if v == R_NS and k), None)
        block = re.search(
            rb"<" + re.escape(prefix) + rb"hyperlinks\b[^>]*?(?:/>|>.*?</" + re.escape(prefix) + rb"hyperlinks>)",
            after,
            re.S,
        )
        entries: list[bytes] = []
        dropped: set[str] = set()
        if block is not None:
            for mm in re.finditer(
                rb"<" + re.escape(prefix) + rb"hyperlink\b[^>]*?(?:/>|>.*?</[^>]*hyperlink>)", block.group(0), re.S
            ):
                ref = re.search(rb'\sref="([^"]+)"', mm.group(0))
                cell = _REF.fullmatch(ref.group(1).decode()) if ref else None
                key = (int(cell.group(2)), col_index(cell.group(1))) if cell else None
                if key is not None and key in sh.links:
                    rid = re.search(rb':id="([^"]+)"', mm.group(0))
                    if rid is not None:
                        dropped.add(rid.group(1).decode())
                    continue
                entries.append(mm.group(0))
        # a relationship goes only when no link that stays still uses it
        kept = {m.group(1).decode() for e in entries for m in [re.search(rb':id="([^"]+)"', e)] if m}
        for rel in list(rels):
            if rel.get("Id") in dropped - kept and rel.get("Type") == REL_HYPERLINK:
                rels.remove(rel)
        ids = {rel.get("Id") for rel in rels}
        n = 1
        rid_attr = f"{r_prefix}:id" if r_prefix else "r:id"
        declare = b"" if r_prefix else f' xmlns:r="{R_NS}"'.encode()
        for (row, col), target in sorted(sh.links.items()):
            if not target:
                continue
            while f"rId{n}" in ids:
                n += 1
            ids.add(f"rId{n}")
            rel = etree.SubElement(rels, f"{{{PKG_REL}}}Relationship")
            rel.set("Id", f"rId{n}")
            rel.set("Type", REL_HYPERLINK)
            rel.set("Target", _link_target(target))
            rel.set("TargetMode", "External")
            entries.append(
                b"<"
                + prefix
                + b'hyperlink ref="'
                + f"{_letter(col)}{row}".encode()
                + b'" '
                + f'{rid_attr}="rId{n}"'.encode()
                + declare
                + b"/>"
            )
        self.out[rels_name] = _serialise(rels)
        new_block = (
            b"<" + prefix + b"hyperlinks>" + b"".join(entries) + b"</" + prefix + b"hyperlinks>" if entries else b""
        )
        if block is not None:
            return after[: block.start()] + new_block + after[block.end() :]
        at = _top_level_position(after, _AFTER_HYPERLINKS)
        return after[:at] + new_block + after[at:]

    def _ensure_rels_type(self, rels_name: str) -> None:
        """A new relationships part is known to the content types (normally by their
        `rels` default)."""
        ct = (
            etree.fromstring(self.out["[Content_Types].xml"], _PARSER)
            if "[Content_Types].xml" in self.out
            else self._xml("[Content_Types].xml")
        )
        if any(d.get("Extension", "").lower() == "rels" for d in ct.iter(f"{{{CT_NS}}}Default")):
            return
        ov = etree.SubElement(ct, f"{{{CT_NS}}}Override")
        ov.set("PartName", "/" + rels_name)
        ov.set("ContentType", CT_RELS)
        self.out["[Content_Types].xml"] = _serialise(ct)

    def _drop_calc_chain(self) -> None:
        chain = next((t for ty, t in self._targets.values() if ty == REL_CALC), None)
        if chain is None or chain not in self.names:
            return
        self.removed.add(chain)
        for r in list(self.wb_rels.iter(f"{{{PKG_REL}}}Relationship")):
            if r.get("Type") == REL_CALC:
                r.getparent().remove(r)
        self.out[self.wb_rels_name] = _serialise(self.wb_rels)
        ct = (
            etree.fromstring(self.out["[Content_Types].xml"], _PARSER)
            if "[Content_Types].xml" in self.out
            else self._xml("[Content_Types].xml")
        )
        for ov in list(ct.iter(f"{{{CT_NS}}}Override")):
            if ov.get("PartName") == "/" + chain:
                ct.remove(ov)
        self.out["[Content_Types].xml"] = _serialise(ct)


def _top_level_position(after: bytes, names: frozenset[str]) -> int:
    """In the bytes that follow sheetData, where the first top-level element named in
    `names` starts (one nested in another element does not count), else where the
    worksheet ends."""
    depth = 0
    for m in _TAG.finditer(after):
        if m.group(2) is None:  # comment, PI, CDATA
            continue
        if m.group(1):  # an end tag
            depth -= 1
            if depth < 0:
                return m.start()  # </worksheet>
        else:
            if depth == 0 and m.group(3).decode() in names:
                return m.start()
            if not m.group(4):
                depth += 1
    return after.rindex(b"</")


def _link_target(path: str) -> str:
    """A link's target as Excel writes one: a relative path (to the workbook's folder)
    percent-encoded, an absolute one as a file URI."""
    if Path(path).is_absolute():
        return Path(path).as_uri()
    return urllib.parse.quote(path.replace("\\", "/"), safe="/")


def _relative(base: str, target: str) -> str:
    folder = base.rpartition("/")[0]
    return target[len(folder) + 1 :] if folder and target.startswith(folder + "/") else "/" + target


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _strip_redundant_ns(xml: bytes, root: etree._Element) -> bytes:
    """A sub-element serialised on its own repeats the root's namespace declarations on
    its start tag; they are declared on the root already."""
    end = xml.index(b">")
    head = xml[:end]
    for prefix, uri in root.nsmap.items():
        decl = (f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"').encode()
        head = head.replace(decl, b"")
    return head + xml[end:]


def _find_rows(sh: _Sheet, part: bytes, prefix: bytes) -> re.Pattern[bytes]:
    """Learn how the part spells its rows and cells (its root tag, the main namespace's
    prefix); the pattern of a row's start tag."""
    start = _ROOT_START.search(part)
    if start is not None:
        sh.wrapper = (start.group(0), b"</" + start.group(1) + b">")
    sh.prefix = prefix
    sh.cell_tag = re.compile(rb"<" + re.escape(prefix) + rb"c[\s>/]")
    sh.formula_tag = re.compile(rb"<" + re.escape(prefix) + rb"f[\s>/]")
    sh.row_end = re.compile(rb"</" + re.escape(prefix) + rb"row\s*>")
    return re.compile(rb"<" + re.escape(prefix) + rb"row[\s>/]")


def _escape(text: str) -> str:
    """Text as lxml writes it in an element (the characters XML cannot hold are gone)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _update_dimension(sh: _Sheet) -> None:
    """The used range: the part's own, widened by the rows written, cut at the last row."""
    dim = sh.root.find(q("dimension"))
    if dim is None:
        return
    rows = [r for r in sh.row_keys if r in sh.chunks or sh.row_cols.get(r)]
    if not rows:
        return
    cols = [c for r in rows if sh.row_cols.get(r) for c in (sh.row_cols[r][0], sh.row_cols[r][-1])]
    if sh.dim is not None and any(r in sh.chunks for r in rows):
        cols += [sh.dim[1], sh.dim[3]]
    if sh.added_cols[1]:
        cols += list(sh.added_cols)
    if not cols:
        return
    lo = f"{col_letter(min(cols))}{rows[0]}"
    hi = f"{col_letter(max(cols))}{rows[-1]}"
    dim.set("ref", lo if lo == hi else f"{lo}:{hi}")

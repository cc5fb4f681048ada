"""Writing an .xlsx back part by part: the `Grid` the Excel backend applies a change set
to, over the package as it is on disk.

An .xlsx is a zip of XML parts. The new file is the old package with every part copied
as stored (compressed bytes untouched), except:

* the worksheet parts that hold a change. In those only ``sheetData`` is re-serialised
  and spliced into the original bytes, so everything outside it (conditional formats
  with their ``extLst``, data validations, drawings, comments, sparklines, tables,
  autofilters, hidden columns, namespace prefixes) stays byte for byte; ``dimension``
  is updated to cover the data. Inside ``sheetData`` only the cells the change set names
  change: rows keep their attributes, unchanged cells keep their style and formula, and
  cells stay in column order;
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


C_TAG, ROW_TAG, V_TAG, F_TAG, IS_TAG = q("c"), q("row"), q("v"), q("f"), q("is")


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
    title: str
    part: str
    root: etree._Element
    data: etree._Element  # sheetData
    rows: dict[int, etree._Element] = field(default_factory=dict)
    cells: dict[tuple[int, int], etree._Element] = field(default_factory=dict)
    row_keys: list[int] = field(default_factory=list)  # the row numbers, sorted
    row_cols: dict[int, list[int]] = field(default_factory=dict)  # row -> its cells' columns, sorted
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    dirty: bool = False
    new: bool = False


class PartGrid:
    """A writable view of an .xlsx package (the `Grid` protocol of `workbook/base.py`)."""

    def __init__(self, path: Path):
        self.path = Path(path)
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
                return nf.get("formatCode", "General")
        return BUILTIN_FORMATS.get(fid, "General")

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
        root = self._xml(part)
        data = root.find(q("sheetData"))
        if data is None:
            data = etree.SubElement(root, q("sheetData"))
        sh = _Sheet(title, part, root, data)
        next_row = 1
        for row in data.iterchildren(ROW_TAG):
            r = int(row.get("r") or next_row)
            row.set("r", str(r))
            next_row = r + 1
            sh.rows[r] = row
            sh.row_keys.append(r)
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
        sh.row_keys.sort()
        for cols in sh.row_cols.values():
            cols.sort()
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

    def add_tab(self, title: str) -> None:
        n = 1
        taken = self.names | set(self.out) | {sh.part for sh in self.sheets.values()}
        while f"xl/worksheets/sheet{n}.xml" in taken:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        root = etree.fromstring(
            f'<worksheet xmlns="{NS}" xmlns:r="{R_NS}"><dimension ref="A1"/><sheetViews>'
            '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            '<sheetData/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        )
        data = root.find(q("sheetData"))
        assert data is not None
        sheet = _Sheet(title, part, root, data, dirty=True, new=True)
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
            if sh.row_cols.get(r):
                return r
        return 0

    def max_col(self, title: str) -> int:
        cols = [c for c in self._sheet(title).row_cols.get(1, []) if not is_blank(self.get(title, 1, c))]
        return max(cols, default=0)

    def get(self, title: str, row: int, col: int) -> Any:
        c = self._sheet(title).cells.get((row, col))
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
        c = sh.cells.get((row, col))
        f = c.find(q("f")) if c is not None else None
        if f is not None and f.get("t") in ("shared", "array") and f.get("ref"):
            return "cel met een formule die ook voor andere cellen geldt"
        return None

    def set(self, title: str, row: int, col: int, value: Any, kind: Kind) -> None:
        sh = self._sheet(title)
        c = sh.cells.get((row, col))
        if c is None:
            c = self._new_cell(sh, row, col)
        style = int(c.get("s", "0"))
        for child in list(c):
            if child.tag == F_TAG:
                self.formula_removed = True
            if child.tag in (F_TAG, V_TAG, IS_TAG):
                c.remove(child)
        if "t" in c.attrib:
            del c.attrib["t"]
        if value is None or (isinstance(value, str) and value == ""):
            pass
        elif isinstance(value, bool):
            c.set("t", "b")
            etree.SubElement(c, q("v")).text = "1" if value else "0"
        elif isinstance(value, (dt.datetime, dt.date, dt.time)):
            fmt = (
                DATETIME_FORMAT
                if isinstance(value, dt.datetime)
                else DATE_FORMAT
                if isinstance(value, dt.date)
                else TIME_FORMAT
            )
            if not self._is_date_style(style):
                style = self._derive(style, "date:" + fmt)
            serial = to_excel(value, self.epoch)
            etree.SubElement(c, q("v")).text = (
                repr(float(serial)) if not float(serial).is_integer() else str(int(serial))
            )
        elif isinstance(value, (int, float)):
            if style and self._is_date_style(style):
                style = self._derive(style, "general")  # a number, not a date
            etree.SubElement(c, q("v")).text = repr(value) if isinstance(value, float) else str(value)
        else:
            text = clean_text(str(value))
            c.set("t", "inlineStr")
            is_ = etree.SubElement(c, q("is"))
            t = etree.SubElement(is_, q("t"))
            t.text = text
            if text != text.strip() or "\n" in text or "  " in text:
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            if "\n" in text or len(text) > WRAP_FROM:
                style = self._derive(style, "wrap")
        if style:
            c.set("s", str(style))
        elif "s" in c.attrib:
            del c.attrib["s"]
        sh.dirty = self.dirty = True

    def _new_cell(self, sh: _Sheet, row: int, col: int) -> etree._Element:
        r = sh.rows.get(row)
        if r is None:
            r = etree.Element(q("row"))
            r.set("r", str(row))
            i = bisect.bisect_left(sh.row_keys, row)
            if i:
                sh.rows[sh.row_keys[i - 1]].addnext(r)
            else:
                sh.data.insert(0, r)
            sh.row_keys.insert(i, row)
            sh.rows[row] = r
            sh.row_cols[row] = []
        c = etree.Element(C_TAG)
        c.set("r", f"{_letter(col)}{row}")
        above = sh.cells.get((row - 1, col)) if row > 2 else None
        if above is not None and above.get("s"):
            c.set("s", above.get("s", "0"))
        elif r.get("customFormat") in ("1", "true") and r.get("s"):
            c.set("s", r.get("s", "0"))
        cols = sh.row_cols[row]
        i = bisect.bisect_left(cols, col)
        if i:
            sh.cells[(row, cols[i - 1])].addnext(c)
        else:
            r.insert(0, c)
        cols.insert(i, col)
        sh.cells[(row, col)] = c
        if r.get("spans"):
            lo, _, hi = r.get("spans", "").partition(":")
            try:
                r.set("spans", f"{min(int(lo), cols[0])}:{max(int(hi or lo), cols[-1])}")
            except ValueError:
                del r.attrib["spans"]
        return c

    def clear_below(self, title: str, row: int) -> None:
        sh = self._sheet(title)
        i = bisect.bisect_left(sh.row_keys, row)
        for r in sh.row_keys[i:]:
            el = sh.rows.pop(r)
            if el.find(".//" + q("f")) is not None:
                self.formula_removed = True
            sh.data.remove(el)
            for col in sh.row_cols.pop(r, []):
                del sh.cells[(r, col)]
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
                if sh.new:
                    _update_dimension(sh)
                    self.out[sh.part] = _serialise(sh.root)
                else:
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
        original = self.zf.read(sh.part)
        _update_dimension(sh)
        data_xml = etree.tostring(sh.data, encoding="UTF-8", with_tail=False)
        data_xml = _strip_redundant_ns(data_xml, sh.root)
        m = re.search(
            rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(?:/>|>.*?</(?:[A-Za-z_][\w.-]*:)?sheetData>)", original, re.S
        )
        if m is None:
            return _serialise(sh.root)
        out = original[: m.start()] + data_xml + original[m.end() :]
        dim = sh.root.find(q("dimension"))
        if dim is not None:
            out = re.sub(
                rb'(<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref=")[^"]*(")',
                lambda mm: mm.group(1) + dim.get("ref", "A1").encode() + mm.group(2),
                out,
                count=1,
            )
        return out

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


def _relative(base: str, target: str) -> str:
    folder = base.rpartition("/")[0]
    return target[len(folder) + 1 :] if folder and target.startswith(folder + "/") else "/" + target


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _strip_redundant_ns(xml: bytes, root: etree._Element) -> bytes:
    """A sub-element serialised on its own repeats the root's namespace declarations on
    its start tag; they are declared on the root already."""
    end = xml.index(b">")
    head = xml[:end]
    for prefix, uri in root.nsmap.items():
        decl = (f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"').encode()
        head = head.replace(decl, b"")
    return head + xml[end:]


def _update_dimension(sh: _Sheet) -> None:
    dim = sh.root.find(q("dimension"))
    if dim is None or not sh.cells:
        return
    rows = [r for r in sh.row_keys if sh.row_cols.get(r)]
    if not rows:
        return
    cols = [c for r in rows for c in (sh.row_cols[r][0], sh.row_cols[r][-1])]
    lo = f"{col_letter(min(cols))}{rows[0]}"
    hi = f"{col_letter(max(cols))}{rows[-1]}"
    dim.set("ref", lo if lo == hi else f"{lo}:{hi}")

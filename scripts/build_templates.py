#!/usr/bin/env python3
"""Build the four Word templates with python-docx, reproducibly.

    .venv/bin/python scripts/build_templates.py            # writes the package's and templates/*.docx
    .venv/bin/python scripts/build_templates.py --out DIR  # somewhere else (tests)

Running it twice gives byte-identical files: fixed core properties (created/modified),
fixed zip timestamps, attributes and member order, and members *stored* (not deflated)
so the bytes do not depend on the zlib build.  ``tests/test_documents.py`` checks that
the committed templates equal what this script builds; after changing it, rerun it and
commit the templates. This script is the source: its diffs are reviewable, where a
.docx is not. The shipped copies live in ``src/intervisie/data/templates/`` (package
data); ``templates/`` at the top is the identical copy an operator starts from when a
group wants its own look. Every committed template also passes ``CompiledTemplate.check``
on its own (a test), so one edited in Word is held to the same rules.

The templates use docxtpl syntax (``{{ org }}``, ``{%tr for p in people %}``,
``{%p if cycle %}``).  Everything that gives them their look lives in named styles
(Titel, Kop 1, Tabeltekst, ...) so a coordinator can restyle a template in Word; the
tables carry their borders/shading as direct formatting, which works the same in Word
and LibreOffice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from intervisie.documents import EVALUATION_CONTROLS, KINDS, PLACEHOLDER_TEXTS  # noqa: E402

# ---------------------------------------------------------------------------- palette
NAVY = "1F3A5F"  # headings
ACCENT = "2F6690"  # organisation line, accent bars
TEXT = "262626"
MUTED = "595959"
FAINT = "7F7F7F"
BORDER = "BFC9D6"
HEAD_FILL = "DCE5F0"  # table header rows
LABEL_FILL = "F1F4F8"  # label column of details tables
BOX_FILL = "F7F9FB"  # answer boxes

FIXED_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

PORTRAIT_WIDTH_CM = 21.0 - 2 * 2.2  # 16.6 cm text width
LANDSCAPE_WIDTH_CM = 29.7 - 2 * 1.8  # 26.1 cm


def twips(cm: float) -> int:
    return int(round(cm / 2.54 * 1440))


# ---------------------------------------------------------------------------- styles


def _style(
    kind: str,
    sid: str,
    name: str,
    *,
    based: str | None = "Normal",
    next_: str | None = None,
    default: bool = False,
    custom: bool = True,
    ui: int | None = None,
    qformat: bool = False,
    hidden: bool = False,
    ppr: str = "",
    rpr: str = "",
    tblpr: str = "",
) -> str:
    attrs = f'w:type="{kind}"'
    if default:
        attrs += ' w:default="1"'
    if custom:
        attrs += ' w:customStyle="1"'
    xml = f'<w:style {nsdecls("w")} {attrs} w:styleId="{sid}"><w:name w:val="{name}"/>'
    if based:
        xml += f'<w:basedOn w:val="{based}"/>'
    if next_:
        xml += f'<w:next w:val="{next_}"/>'
    if ui is not None:
        xml += f'<w:uiPriority w:val="{ui}"/>'
    if hidden:
        xml += "<w:semiHidden/><w:unhideWhenUsed/>"
    if qformat:
        xml += "<w:qFormat/>"
    if ppr:
        xml += f"<w:pPr>{ppr}</w:pPr>"
    if rpr:
        xml += f"<w:rPr>{rpr}</w:rPr>"
    if tblpr:
        xml += f"<w:tblPr>{tblpr}</w:tblPr>"
    return xml + "</w:style>"


def _color(c: str) -> str:
    return f'<w:color w:val="{c}"/>'


def _sz(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def _spacing(before: int = 0, after: int = 0, line: int | None = None) -> str:
    s = f'<w:spacing w:before="{before}" w:after="{after}"'
    if line is not None:
        s += f' w:line="{line}" w:lineRule="auto"'
    return s + "/>"


STYLE_XML = [
    _style(
        "paragraph", "Normal", "Normal", based=None, default=True, custom=False, ui=0, qformat=True, rpr=_color(TEXT)
    ),
    _style(
        "character",
        "DefaultParagraphFont",
        "Default Paragraph Font",
        based=None,
        default=True,
        custom=False,
        ui=1,
        hidden=True,
    ),
    _style(
        "table",
        "TableNormal",
        "Normal Table",
        based=None,
        default=True,
        custom=False,
        ui=99,
        hidden=True,
        tblpr='<w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        "</w:tblCellMar>",
    ),
    _style("numbering", "NoList", "No List", based=None, default=True, custom=False, ui=99, hidden=True),
    _style(
        "paragraph",
        "Title",
        "Title",
        next_="Normal",
        custom=False,
        ui=10,
        qformat=True,
        ppr="<w:keepNext/>" + _spacing(0, 40, 240),
        rpr="<w:b/><w:bCs/>" + _color(NAVY) + '<w:kern w:val="28"/>' + _sz(44),
    ),
    _style(
        "paragraph",
        "Subtitle",
        "Subtitle",
        next_="Normal",
        custom=False,
        ui=11,
        qformat=True,
        ppr=_spacing(0, 200),
        rpr=_color(MUTED) + _sz(24),
    ),
    _style(
        "paragraph",
        "Heading1",
        "heading 1",
        next_="Normal",
        custom=False,
        ui=9,
        qformat=True,
        ppr="<w:keepNext/><w:keepLines/><w:pBdr>"
        f'<w:bottom w:val="single" w:sz="4" w:space="2" w:color="{BORDER}"/></w:pBdr>'
        + _spacing(320, 120)
        + '<w:outlineLvl w:val="0"/>',
        rpr="<w:b/><w:bCs/>" + _color(NAVY) + _sz(26),
    ),
    _style(
        "paragraph",
        "Heading2",
        "heading 2",
        next_="Normal",
        custom=False,
        ui=9,
        qformat=True,
        ppr="<w:keepNext/><w:keepLines/>" + _spacing(200, 60) + '<w:outlineLvl w:val="1"/>',
        rpr="<w:b/><w:bCs/>" + _color(NAVY) + _sz(22),
    ),
    _style(
        "paragraph",
        "Header",
        "header",
        custom=False,
        ui=99,
        hidden=True,
        ppr=_spacing(0, 0, 240),
        rpr=_color(FAINT) + _sz(16),
    ),
    _style(
        "paragraph",
        "Footer",
        "footer",
        custom=False,
        ui=99,
        hidden=True,
        ppr=_spacing(0, 0, 240),
        rpr=_color(FAINT) + _sz(16),
    ),
    _style(
        "paragraph",
        "ListBullet",
        "List Bullet",
        custom=False,
        ui=99,
        hidden=True,
        ppr='<w:numPr><w:numId w:val="1"/></w:numPr>' + _spacing(0, 40) + '<w:ind w:left="284" w:hanging="284"/>',
    ),
    _style(
        "table",
        "TableGrid",
        "Table Grid",
        based="TableNormal",
        custom=False,
        ui=59,
        ppr=_spacing(0, 0, 240),
        tblpr="<w:tblBorders>"
        + "".join(
            f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            for s in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + "</w:tblBorders>",
    ),
    _style(
        "character",
        "PlaceholderText",
        "Placeholder Text",
        based="DefaultParagraphFont",
        custom=False,
        ui=99,
        hidden=True,
        rpr=_color("808080"),
    ),
    # --- our own styles (Dutch names, visible in Word's style gallery)
    _style(
        "paragraph",
        "Organisatieregel",
        "Organisatieregel",
        next_="Title",
        ui=20,
        qformat=True,
        ppr=_spacing(0, 40),
        rpr="<w:b/><w:bCs/><w:caps/>" + _color(ACCENT) + '<w:spacing w:val="10"/>' + _sz(17),
    ),
    _style("paragraph", "Tabeltekst", "Tabeltekst", ui=21, qformat=True, ppr=_spacing(0, 0, 252), rpr=_sz(20)),
    _style(
        "paragraph",
        "Tabelkop",
        "Tabelkop",
        based="Tabeltekst",
        ui=22,
        qformat=True,
        ppr="<w:keepNext/>",
        rpr="<w:b/><w:bCs/>" + _color(NAVY) + _sz(18),
    ),
    _style(
        "paragraph",
        "Tabellabel",
        "Tabellabel",
        based="Tabeltekst",
        ui=23,
        qformat=True,
        rpr="<w:b/><w:bCs/>" + _color(MUTED),
    ),
    _style(
        "paragraph",
        "Toelichting",
        "Toelichting",
        ui=24,
        qformat=True,
        ppr=_spacing(0, 60, 252),
        rpr=_color(MUTED) + _sz(18),
    ),
    _style(
        "paragraph",
        "Vraag",
        "Vraag",
        next_="Normal",
        ui=25,
        qformat=True,
        ppr="<w:keepNext/><w:keepLines/>" + _spacing(220, 80),
        rpr="<w:b/><w:bCs/>" + _color(NAVY) + _sz(21),
    ),
]


def setup_styles(doc) -> None:
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    for child in list(styles):
        styles.remove(child)
    styles.append(
        parse_xml(
            f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>"
            '<w:rFonts w:ascii="Calibri" w:eastAsia="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/>'
            + _sz(21)
            + '<w:lang w:val="nl-NL" w:eastAsia="en-US" w:bidi="ar-SA"/>'
            "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
            + _spacing(0, 100, 264)
            + "</w:pPr></w:pPrDefault></w:docDefaults>"
        )
    )
    if latent is not None:
        styles.append(latent)
    for xml in STYLE_XML:
        styles.append(parse_xml(xml))


def setup_settings(doc) -> None:
    settings = doc.settings.element
    for tag in ("w:proofState", "w:rsids", "w:attachedTemplate"):
        el = settings.find(qn(tag))
        if el is not None:
            settings.remove(el)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "nl-NL")
    # Word 2013+ layout (no "compatibility mode" banner in Word; table edges on the margin)
    for cs in settings.iter(qn("w:compatSetting")):
        if cs.get(qn("w:name")) == "compatibilityMode":
            cs.set(qn("w:val"), "15")
    for tag, val in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        el = settings.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), val)


def prune_package(doc) -> None:
    """Drop what python-docx's default template carries but a clean template does not
    need (stylesWithEffects, customXml, thumbnail); python-docx only saves parts that
    are still reachable through relationships."""
    part = doc.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype in (RT.CUSTOM_XML, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"):
            part.rels.pop(rid)
    pkg = part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            pkg.rels.pop(rid)


# ---------------------------------------------------------------------------- XML helpers

_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
_TCPR_ORDER = [
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
]
_TBLPR_ORDER = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
]


def _put(parent, child, order: list[str]) -> None:
    """Insert *child* into *parent* respecting the schema order (Word is strict)."""
    local = child.tag.split("}")[1]
    old = parent.find(child.tag)
    if old is not None:
        parent.remove(old)
    idx = order.index(local)
    for i, existing in enumerate(parent):
        name = existing.tag.split("}")[1] if "}" in existing.tag else ""
        if name in order and order.index(name) > idx:
            parent.insert(i, child)
            return
    parent.append(child)


def _borders(tag: str, sides: dict[str, tuple[str, int, str]]) -> str:
    inner = "".join(
        f'<w:{side} w:val="{val}" w:sz="{sz}" w:space="0" w:color="{color}"/>'
        for side, (val, sz, color) in sides.items()
    )
    return f"<w:{tag} {nsdecls('w')}>{inner}</w:{tag}>"


NONE = ("nil", 0, "auto")


def line(sz: int = 4, color: str = BORDER, val: str = "single") -> tuple[str, int, str]:
    return (val, sz, color)


# ---------------------------------------------------------------------------- doc helpers


def new_document(landscape: bool = False):
    doc = Document()
    prune_package(doc)
    setup_styles(doc)
    setup_settings(doc)
    sec = doc.sections[0]
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(297), Mm(210)
        sec.left_margin = sec.right_margin = Cm(1.8)
        sec.top_margin, sec.bottom_margin = Cm(1.5), Cm(1.6)
    else:
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.left_margin = sec.right_margin = Cm(2.2)
        sec.top_margin, sec.bottom_margin = Cm(1.8), Cm(1.8)
    sec.header_distance = Cm(0.9)
    sec.footer_distance = Cm(0.9)
    # the default body holds one empty paragraph? python-docx's has none; keep it clean
    return doc


def para(
    container,
    text: str = "",
    style: str | None = None,
    runs: list | None = None,
    keep_next: bool = False,
    space_before: int | None = None,
    space_after: int | None = None,
):
    """Add a paragraph. *runs*: list of (text, {bold/italic/color/size/style}) tuples."""
    p = container.add_paragraph(style=style)
    for rtext, fmt in runs or ([(text, {})] if text else []):
        add_run(p, rtext, **fmt)
    if keep_next:
        p.paragraph_format.keep_with_next = True
    if space_before is not None or space_after is not None:
        pf = p.paragraph_format
        if space_before is not None:
            pf.space_before = space_before
        if space_after is not None:
            pf.space_after = space_after
    return p


def add_run(
    p,
    text: str,
    bold: bool | None = None,
    italic: bool | None = None,
    color: str | None = None,
    size: float | None = None,
    style: str | None = None,
):
    r = p.add_run(text, style=style)
    if bold is not None:
        r.bold = bold
    if italic is not None:
        r.italic = italic
    if color is not None:
        r.font.color.rgb = RGBColor.from_string(color)
    if size is not None:
        r.font.size = Pt(size)
    return r


def cell_par(cell, text: str = "", style: str = "Tabeltekst", runs: list | None = None):
    """Fill the cell's first (empty) paragraph, or add another one."""
    if len(cell.paragraphs) == 1 and not cell.paragraphs[0].runs and not getattr(cell, "_used", False):
        p = cell.paragraphs[0]
        p.style = style
        for rtext, fmt in runs or ([(text, {})] if text else []):
            add_run(p, rtext, **fmt)
        cell._used = True
        return p
    return para(cell, text, style=style, runs=runs)


def shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    _put(tcpr, shd, _TCPR_ORDER)


def cell_borders(cell, **sides) -> None:
    _put(cell._tc.get_or_add_tcPr(), parse_xml(_borders("tcBorders", sides)), _TCPR_ORDER)


def valign(cell, where=WD_CELL_VERTICAL_ALIGNMENT.TOP) -> None:
    cell.vertical_alignment = where


def row_props(
    row, height_cm: float | None = None, exact: bool = False, cant_split: bool = True, header: bool = False
) -> None:
    trpr = row._tr.get_or_add_trPr()
    if cant_split:
        trpr.append(OxmlElement("w:cantSplit"))
    if height_cm is not None:
        row.height = Cm(height_cm)
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def table(
    container,
    widths_cm: list[float],
    rows: int = 0,
    *,
    borders: dict | None = None,
    margins: tuple[int, int, int, int] = (57, 85, 57, 85),
):
    """A fixed-layout table with explicit column widths (twips), left aligned with the
    text, with direct borders (*borders*: side -> line()) and cell margins (t, l, b, r)."""
    t = container.add_table(rows=rows, cols=len(widths_cm))
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    tblpr = t._tbl.tblPr
    for el in list(tblpr):
        if el.tag in (qn("w:tblStyle"), qn("w:tblLook")):
            tblpr.remove(el)
    total = sum(twips(w) for w in widths_cm)
    _put(tblpr, parse_xml(f'<w:tblW {nsdecls("w")} w:w="{total}" w:type="dxa"/>'), _TBLPR_ORDER)
    _put(tblpr, parse_xml(f'<w:tblInd {nsdecls("w")} w:w="0" w:type="dxa"/>'), _TBLPR_ORDER)
    sides = {s: NONE for s in ("top", "left", "bottom", "right", "insideH", "insideV")}
    sides.update(borders or {})
    _put(tblpr, parse_xml(_borders("tblBorders", sides)), _TBLPR_ORDER)
    top, left, bottom, right = margins
    _put(
        tblpr,
        parse_xml(
            f'<w:tblCellMar {nsdecls("w")}><w:top w:w="{top}" w:type="dxa"/>'
            f'<w:left w:w="{left}" w:type="dxa"/><w:bottom w:w="{bottom}" w:type="dxa"/>'
            f'<w:right w:w="{right}" w:type="dxa"/></w:tblCellMar>'
        ),
        _TBLPR_ORDER,
    )
    _put(
        tblpr,
        parse_xml(
            f'<w:tblLook {nsdecls("w")} w:val="0000" w:firstRow="0" w:lastRow="0" '
            'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        ),
        _TBLPR_ORDER,
    )
    grid = t._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(twips(w)))
    t._widths = widths_cm
    for row in t.rows:
        _size_row(t, row)
    return t


def _size_row(t, row) -> None:
    for cell, w in zip(row.cells, t._widths):
        cell.width = Cm(w)
        p = cell.paragraphs[0]
        if p.style is None or p.style.name == "Normal":
            p.style = "Tabeltekst"


def add_row(t, texts: list | None = None, style: str = "Tabeltekst"):
    row = t.add_row()
    _size_row(t, row)
    for cell, text in zip(row.cells, texts or []):
        if text:
            if isinstance(text, list):
                cell_par(cell, runs=text, style=style)
            else:
                cell_par(cell, text, style=style)
    return row


def tag_row(t, tag: str) -> None:
    """A docxtpl ``{%tr ... %}`` row (removed when rendering)."""
    row = add_row(t)
    row.cells[0].paragraphs[0].add_run(tag)


def details_table(doc, rows: list[tuple], width: float = PORTRAIT_WIDTH_CM, label_w: float = 3.6):
    """Label/value table. rows: (label, value_or_runs, guard_expr_or_None)."""
    t = table(doc, [label_w, width - label_w], borders={"top": line(), "bottom": line(), "insideH": line()})
    for label, value, guard in rows:
        if guard:
            tag_row(t, "{%tr if " + guard + " %}")
        r = add_row(t)
        cell_par(r.cells[0], label, style="Tabellabel")
        shade(r.cells[0], LABEL_FILL)
        if callable(value):
            value(r.cells[1])
        elif isinstance(value, list):
            cell_par(r.cells[1], runs=value)
        else:
            cell_par(r.cells[1], value)
        row_props(r, cant_split=True)
        if guard:
            tag_row(t, "{%tr endif %}")
    return t


def title_block(doc, title: str) -> None:
    para(doc, "{{ org }}", style="Organisatieregel")
    para(doc, title, style="Title")
    para(doc, "Intervisiegroep {{ group }} · bijeenkomst {{ meeting_nr }}", style="Subtitle")


def footer(doc, width_cm: float) -> None:
    sec = doc.sections[0]
    f = sec.footer
    f.is_linked_to_previous = False
    p = f.paragraphs[0]
    p.style = "Footer"
    p.paragraph_format.tab_stops.add_tab_stop(Cm(width_cm), WD_TAB_ALIGNMENT.RIGHT)
    # a thin rule above the footer line
    ppr = p._p.get_or_add_pPr()
    _put(
        ppr,
        parse_xml(f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="4" w:space="4" w:color="{BORDER}"/></w:pBdr>'),
        _PPR_ORDER,
    )
    p.add_run("{{ org }} · Intervisiegroep {{ group }} · bijeenkomst {{ meeting_nr }} · {{ date_long }}")
    p.add_run("\tpagina ")
    _field(p, "PAGE", "1")
    p.add_run(" van ")
    _field(p, "NUMPAGES", "1")


def _field(p, instr: str, shown: str) -> None:
    fld = parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instr} \\* MERGEFORMAT ">'
        f"<w:r><w:rPr><w:noProof/></w:rPr><w:t>{shown}</w:t></w:r></w:fldSimple>"
    )
    p._p.append(fld)


def heading(doc, text: str, level: int = 1, page_break: bool = False):
    p = doc.add_paragraph(text, style=f"Heading {level}")
    if page_break:
        p.paragraph_format.page_break_before = True
    return p


def tag_par(container, tag: str) -> None:
    """A docxtpl ``{%p ... %}`` paragraph (removed when rendering)."""
    container.add_paragraph(tag)


def box(doc, height_cm: float, width: float = PORTRAIT_WIDTH_CM, fill: str | None = BOX_FILL):
    """A one-cell bordered box; returns the cell."""
    t = table(
        doc,
        [width],
        rows=1,
        borders={s: line() for s in ("top", "left", "bottom", "right")},
        margins=(85, 113, 85, 113),
    )
    row = t.rows[0]
    row_props(row, height_cm)
    cell = row.cells[0]
    if fill:
        shade(cell, fill)
    return cell


def writing_lines(doc, n: int, width: float = PORTRAIT_WIDTH_CM, height_cm: float = 0.85):
    t = table(doc, [width], rows=0, borders={"insideH": line(4, BORDER, "dotted"), "bottom": line(4, BORDER, "dotted")})
    for _ in range(n):
        r = add_row(t)
        row_props(r, height_cm, exact=True)
    return t


def spacer(container, pt: float = 4) -> None:
    """An empty paragraph exactly *pt* high."""
    p = container.add_paragraph()
    pf = p.paragraph_format
    pf.space_before = 0
    pf.space_after = 0
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(pt)


# ---------------------------------------------------------------------------- content controls

_SDT_IDS = iter(range(410001, 419999))


def sdt(
    tag: str,
    alias: str,
    *,
    text: str | None = None,
    placeholder: str = "Klik hier om te typen.",
    multiline: bool = False,
    items: list[tuple[str, str]] | None = None,
    lock: str = "sdtLocked",
    rpr: str = "",
):
    """A run-level content control (w:sdt).  *items* makes it a drop-down list of
    (display text, value).  With *text* the control starts filled (no placeholder)."""
    from xml.sax.saxutils import escape, quoteattr

    ctl_id = next(_SDT_IDS)
    pr = (
        f"<w:sdtPr><w:rPr>{rpr}{_color(TEXT)}</w:rPr>"
        f"<w:alias w:val={quoteattr(alias)}/><w:tag w:val={quoteattr(tag)}/>"
        f'<w:id w:val="{ctl_id}"/><w:lock w:val="{lock}"/>'
    )
    if text is None:
        pr += "<w:showingPlcHdr/>"
    if items is not None:
        pr += (
            '<w:dropDownList w:lastValue="">'
            + "".join(f"<w:listItem w:displayText={quoteattr(d)} w:value={quoteattr(v)}/>" for d, v in items)
            + "</w:dropDownList>"
        )
    else:
        pr += '<w:text w:multiLine="1"/>' if multiline else "<w:text/>"
    pr += "</w:sdtPr>"
    if text is None:
        # direct grey as well: LibreOffice ignores the character style in plain-text controls
        run = (
            f'<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/>{rpr}{_color("808080")}</w:rPr>'
            f"<w:t>{escape(placeholder)}</w:t></w:r>"
        )
    else:
        run = f'<w:r>{"<w:rPr>" + rpr + "</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{text}</w:t></w:r>'
    return parse_xml(f"<w:sdt {nsdecls('w')}>{pr}<w:sdtContent>{run}</w:sdtContent></w:sdt>")


# ---------------------------------------------------------------------------- the templates


def build_agenda():
    doc = new_document()
    title_block(doc, "Agenda")
    details_table(
        doc,
        [
            ("Datum", "{{ date_long }}", None),
            ("Tijd", "{{ start }} – {{ end }} uur", None),
            ("Locatie", "{{ location }}", "location"),
            ("Thema", "{{ theme }}", "theme"),
            ("Voorzitter", "{{ chair }}", "chair"),
            ("Notulist", "{{ minute_taker }}", "minute_taker"),
            ("Tijdbewaker", "{{ timekeeper }}", "timekeeper"),
        ],
    )

    heading(doc, "Werkvorm: {{ method_name }}")
    para(doc, "{{ method_description }}")

    heading(doc, "Casuïstiek")
    tag_par(doc, "{%p if cases %}")
    t = table(doc, [1.0, 4.4, PORTRAIT_WIDTH_CM - 5.4], borders={"top": line(), "bottom": line(), "insideH": line()})
    head = add_row(t, ["#", "Inbrenger", "Casus en hulpvraag"], style="Tabelkop")
    for c in head.cells:
        shade(c, HEAD_FILL)
    row_props(head, header=True)
    tag_row(t, "{%tr for c in cases %}")
    r = add_row(t)
    cell_par(r.cells[0], "{{ c.nr }}", style="Tabeltekst")
    cell_par(r.cells[1], "{{ c.presenter }}")
    body = r.cells[2]
    cell_par(body, runs=[("{{ c.title }}", {"bold": True})])
    cell_par(body, "{%p if not c.confidential %}")
    cell_par(body, runs=[("Hulpvraag: ", {"bold": True, "color": MUTED}), ("{{ c.question }}", {})])
    cell_par(body, "{%p if c.explanation %}")
    cell_par(body, "{{ c.explanation }}", style="Toelichting")
    cell_par(body, "{%p endif %}")
    cell_par(body, "{%p else %}")
    cell_par(
        body,
        runs=[("Vertrouwelijke casus: de inhoud wordt alleen in de groep besproken.", {"italic": True})],
        style="Toelichting",
    )
    cell_par(body, "{%p endif %}")
    row_props(r)
    tag_row(t, "{%tr endfor %}")
    tag_par(doc, "{%p else %}")
    para(doc, "Er is nog geen casus ingebracht.", style="Toelichting")
    tag_par(doc, "{%p endif %}")

    heading(doc, "Tijdschema")
    t = table(
        doc, [2.4, 1.3, PORTRAIT_WIDTH_CM - 7.4, 3.7], borders={"top": line(), "bottom": line(), "insideH": line()}
    )
    head = add_row(t, ["Tijd", "Min.", "Onderdeel", "Wie"], style="Tabelkop")
    for c in head.cells:
        shade(c, HEAD_FILL)
    row_props(head, header=True)
    tag_row(t, "{%tr for t in timetable %}")
    r = add_row(t)
    cell_par(r.cells[0], "{{ t.start }}–{{ t.end }}")
    cell_par(r.cells[1], "{{ t.minutes }}")
    cell_par(r.cells[2], runs=[("{{ t.name }}", {"bold": True})])
    cell_par(r.cells[2], "{%p if t.description %}")
    cell_par(r.cells[2], "{{ t.description }}", style="Toelichting")
    cell_par(r.cells[2], "{%p endif %}")
    cell_par(r.cells[3], "{{ t.who }}")
    row_props(r)
    tag_row(t, "{%tr endfor %}")

    tag_par(doc, "{%p if code_of_conduct %}")
    heading(doc, "Afspraken in deze groep")
    para(doc, "{{ code_of_conduct }}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if next_date_long %}")
    para(
        doc,
        runs=[("Volgende bijeenkomst: ", {"bold": True, "color": NAVY}), ("{{ next_date_long }}", {})],
        space_before=Mm(4),
    )
    tag_par(doc, "{%p endif %}")
    footer(doc, PORTRAIT_WIDTH_CM)
    return doc


def build_presentielijst():
    W = LANDSCAPE_WIDTH_CM
    doc = new_document(landscape=True)
    title_block(doc, "Presentielijst")
    t = table(doc, [2.6, 9.0, 2.8, W - 14.4], borders={"top": line(), "bottom": line(), "insideH": line()})
    rows = [
        ("Datum", "{{ date_long }}", "Tijd", "{{ start }} – {{ end }} uur"),
        (
            "Locatie",
            "{{ location }}",
            "Accreditatie",
            "{{ accreditation_body }}{% if accreditation_nr %}, nr. {{ accreditation_nr }}{% endif %}"
            "{% if points %} · {{ points }} punten{% endif %}",
        ),
    ]
    for l1, v1, l2, v2 in rows:
        r = add_row(t)
        for i, (txt, is_label) in enumerate(((l1, True), (v1, False), (l2, True), (v2, False))):
            cell_par(r.cells[i], txt, style="Tabellabel" if is_label else "Tabeltekst")
            if is_label:
                shade(r.cells[i], LABEL_FILL)
        row_props(r)
    spacer(doc, 10)

    widths = [5.0, 3.6, 4.6, 4.3, 5.2, 1.7, 1.7]
    widths[4] += W - sum(widths)
    allb = {s: line() for s in ("top", "left", "bottom", "right", "insideH", "insideV")}
    t = table(doc, widths, borders=allb)
    h1 = add_row(
        t,
        ["Naam", "Beroep", "Registratie (type en nummer)", "Organisatie", "Handtekening", "Tijd aanwezig"],
        style="Tabelkop",
    )
    h2 = add_row(t, ["", "", "", "", "", "van", "tot"], style="Tabelkop")
    for row in (h1, h2):
        for c in row.cells:
            shade(c, HEAD_FILL)
            valign(c, WD_CELL_VERTICAL_ALIGNMENT.BOTTOM)
        row_props(row, header=True)
    for i in range(5):
        t.cell(0, i).merge(t.cell(1, i))
    t.cell(0, 5).merge(t.cell(0, 6))
    for i in (5, 6):  # centre "van"/"tot" and the span header
        t.cell(1, i).paragraphs[0].alignment = 1
    t.cell(0, 5).paragraphs[0].alignment = 1

    tag_row(t, "{%tr for p in people %}")
    r = add_row(t)
    cell_par(r.cells[0], runs=[("{{ p.name }}", {"bold": True})])
    cell_par(r.cells[1], "{{ p.profession }}")
    cell_par(r.cells[2], runs=[("{{ p.registration_type }} ", {"color": MUTED}), ("{{ p.registration_number }}", {})])
    cell_par(r.cells[3], "{{ p.organisation }}")
    for c in r.cells:
        valign(c, WD_CELL_VERTICAL_ALIGNMENT.CENTER)
    row_props(r, 1.0)
    tag_row(t, "{%tr endfor %}")
    tag_row(t, "{%tr for _ in blank_rows %}")
    r = add_row(t)
    row_props(r, 1.0)
    tag_row(t, "{%tr endfor %}")

    para(
        doc,
        "Met je handtekening bevestig je dat je bij deze bijeenkomst aanwezig was. "
        "Was je er niet de hele bijeenkomst, vul dan de tijden in. Vervangers en gasten "
        "schrijven zich in op een lege regel.",
        style="Toelichting",
        space_before=Mm(3),
    )
    para(
        doc,
        runs=[
            ("Voor akkoord, voorzitter:  ", {"bold": True, "color": MUTED}),
            ("…………………………………………………", {"color": FAINT}),
        ],
        space_before=Mm(4),
    )
    footer(doc, W)
    return doc


PLACEHOLDER_NAME = "Klik hier om je naam te typen."
PLACEHOLDER_ANSWER = "Klik hier om je antwoord te typen."
PLACEHOLDER_GRADE = "Kies een cijfer"
PLACEHOLDER_CHOICE = "Kies een antwoord"
assert {PLACEHOLDER_NAME, PLACEHOLDER_ANSWER, PLACEHOLDER_GRADE, PLACEHOLDER_CHOICE} <= PLACEHOLDER_TEXTS


def control(tag: str, **kw):
    """The evaluation form's content control *tag* (title and list from documents.py)."""
    alias, values = EVALUATION_CONTROLS[tag]
    if values is not None:
        kw["items"] = [(kw["placeholder"], "")] + [(v, v) for v in values]
    return sdt(tag, alias, **kw)


def eval_answer_box(doc, tag: str) -> None:
    cell = box(doc, 3.4)
    p = cell.paragraphs[0]
    p.style = "Tabeltekst"
    p._p.append(control(tag, multiline=True, placeholder=PLACEHOLDER_ANSWER))


def build_evaluatieformulier():
    doc = new_document()
    title_block(doc, "Evaluatie")

    def meeting_ctl(cell):
        p = cell_par(cell, "")
        p._p.append(control("bijeenkomst", text="{{ meeting_nr }}", lock="sdtContentLocked"))

    def name_ctl(cell):
        p = cell_par(cell, "")
        p._p.append(control("naam", placeholder=PLACEHOLDER_NAME))

    details_table(
        doc,
        [
            ("Datum", "{{ date_long }}", None),
            ("Bijeenkomst", meeting_ctl, None),
            ("Voorzitter", "{{ chair }}", "chair"),
            ("Je naam", name_ctl, None),
        ],
    )
    para(
        doc,
        "Jouw terugblik helpt de groep om de bijeenkomsten steeds beter te maken. Vul het "
        "formulier in Word in (klik in een grijs vak) of print het en schrijf je antwoorden "
        "in de vakken. Stuur het ingevulde bestand terug als antwoord op de e-mail, of lever het "
        "geprinte formulier in bij de voorzitter.",
        style="Toelichting",
        space_before=Mm(3),
    )

    para(doc, "1.  Welk cijfer geef je deze bijeenkomst?", style="Vraag")
    p = para(doc, "")
    p._p.append(control("cijfer", placeholder=PLACEHOLDER_GRADE, rpr="<w:b/>"))
    add_run(p, "   (1 = zeer slecht, 10 = uitstekend)", color=FAINT)

    para(doc, "2.  Wat ging goed?", style="Vraag")
    eval_answer_box(doc, "goed")
    para(doc, "3.  Wat kan beter?", style="Vraag")
    eval_answer_box(doc, "beter")
    para(doc, "4.  Wat neem je mee naar je eigen praktijk?", style="Vraag")
    eval_answer_box(doc, "meenemen")

    tag_par(doc, "{%p if cycle %}")
    heading(doc, "Terugblik op de cyclus", page_break=True)
    para(
        doc,
        "Deze bijeenkomst sluit een cyclus af. Kijk met de groep terug op alle "
        "bijeenkomsten samen en geef aan of je wilt doorgaan.",
        style="Toelichting",
    )
    para(doc, "5.  In hoeverre heb je je leerdoelen voor deze cyclus bereikt?", style="Vraag")
    eval_answer_box(doc, "leerdoelen")
    para(doc, "6.  Hoe veilig voelde je je in de groep om open te zijn?", style="Vraag")
    eval_answer_box(doc, "veiligheid")
    para(doc, "7.  Wil je doorgaan met deze groep?", style="Vraag")
    p = para(doc, "")
    p._p.append(control("doorgaan", placeholder=PLACEHOLDER_CHOICE, rpr="<w:b/>"))
    add_run(p, "   (doorgaan, stoppen of twijfel)", color=FAINT)
    tag_par(doc, "{%p endif %}")

    para(doc, "Dank je wel!", style="Toelichting", space_before=Mm(5))
    footer(doc, PORTRAIT_WIDTH_CM)
    return doc


QUADRANTS = {
    "Oorzaak": "Wat in de organisatie of de situatie veroorzaakt het probleem? "
    "Denk aan structuur, cultuur, mensen, middelen en jouw eigen rol.",
    "Probleem": "Wat gaat er nu mis? Welke resultaten blijven achter, en voor wie is dat een probleem?",
    "Middel": "Wat moet er in de organisatie of in jouw handelen veranderen om B te "
    "bereiken? Welke stappen kun jij zetten?",
    "Doel": "Welke resultaten wil je in de gewenste situatie B bereiken? Waaraan merk je dat het gelukt is?",
}


def build_casusvoorbereiding():
    W = PORTRAIT_WIDTH_CM
    doc = new_document()
    title_block(doc, "Casusvoorbereiding")
    details_table(
        doc,
        [
            ("Datum", "{{ date_long }}", None),
            ("Inbrenger", "{{ presenter }}", None),
            ("Casus", [("{{ case_title }}", {"bold": True})], None),
        ],
    )

    heading(doc, "Je hulpvraag")
    t = table(doc, [W], rows=1, borders={"left": line(24, ACCENT)}, margins=(113, 170, 113, 113))
    cell = t.rows[0].cells[0]
    shade(cell, LABEL_FILL)
    cell_par(cell, "{% if question %}{{ question }}{% else %}Nog niet geformuleerd.{% endif %}")
    row_props(t.rows[0])
    tag_par(doc, "{%p if explanation %}")
    heading(doc, "Toelichting", level=2)
    para(doc, "{{ explanation }}")
    tag_par(doc, "{%p endif %}")

    heading(doc, "Voorbereiding")
    para(doc, "Wat heb je zelf al geprobeerd, en wat was het effect?", style="Vraag")
    writing_lines(doc, 4)
    para(doc, "Wat maakt deze situatie voor jou lastig?", style="Vraag")
    writing_lines(doc, 4)
    para(doc, "Wat wil je na de bijeenkomst anders kunnen doen?", style="Vraag")
    writing_lines(doc, 4)

    heading(doc, "Het kwadrantenmodel", page_break=True)
    para(
        doc,
        "Met het kwadrantenmodel orden je je casus voordat je hem inbrengt. Het model "
        "zet twee vragen tegen elkaar uit.",
    )
    para(
        doc,
        runs=[
            ("Van A naar B. ", {"bold": True}),
            (
                "De bovenste rij gaat over de urgentie in de huidige situatie A: wat gaat er "
                "mis, en waardoor? De onderste rij gaat over je ambitie voor de gewenste "
                "situatie B: waar wil je naartoe, en hoe kom je daar?",
                {},
            ),
        ],
    )
    para(
        doc,
        runs=[
            ("Organisatie en prestaties. ", {"bold": True}),
            (
                "De linkerkolom gaat over hoe het werk is ingericht (mensen, structuur, "
                "cultuur, middelen), de rechterkolom over wat eruit komt (resultaten, "
                "kwaliteit, tevredenheid).",
                {},
            ),
        ],
    )
    para(
        doc,
        runs=[
            ("Zo werk je. ", {"bold": True}),
            (
                "Begin rechtsboven bij het probleem, zoek links daarvan de oorzaak, "
                "beschrijf rechtsonder het doel en eindig linksonder bij het middel. "
                "Vaak blijkt je eigenlijke hulpvraag in het kwadrant middel te zitten: "
                "wat kan ík doen?",
                {},
            ),
        ],
    )
    spacer(doc, 6)

    col = (W - 2.8) / 2
    allb = {s: line() for s in ("top", "left", "bottom", "right", "insideH", "insideV")}
    t = table(doc, [2.8, col, col], borders=allb, margins=(85, 113, 85, 113))
    head = add_row(t, ["", "Organisatie", "Prestaties"], style="Tabelkop")
    for c in head.cells[1:]:
        shade(c, HEAD_FILL)
        c.paragraphs[0].alignment = 1
    row_props(head)
    for label, (left, right) in (("Urgentie in A", ("Oorzaak", "Probleem")), ("Ambitie voor B", ("Middel", "Doel"))):
        r = add_row(t)
        cell_par(r.cells[0], label, style="Tabelkop")
        shade(r.cells[0], HEAD_FILL)
        valign(r.cells[0], WD_CELL_VERTICAL_ALIGNMENT.CENTER)
        for cell, name in ((r.cells[1], left), (r.cells[2], right)):
            p = cell_par(cell, runs=[(name, {"bold": True, "color": ACCENT})], style="Tabelkop")
            p.runs[0].font.all_caps = True
            cell_par(cell, QUADRANTS[name], style="Toelichting")
        row_props(r, 5.0)
    # the empty top-left corner has no borders of its own
    cell_borders(t.cell(0, 0), top=NONE, left=NONE)

    heading(doc, "Je aangescherpte hulpvraag")
    para(
        doc,
        "Formuleer je hulpvraag opnieuw na het invullen van het model. Een goede "
        "hulpvraag is persoonlijk (‘Hoe kan ik …’), open, gaat over je eigen handelen "
        "en is in één bijeenkomst te bespreken.",
        style="Toelichting",
    )
    writing_lines(doc, 4)
    footer(doc, W)
    return doc


def year_footer(doc, width_cm: float, text: str) -> None:
    f = doc.sections[0].footer
    f.is_linked_to_previous = False
    p = f.paragraphs[0]
    p.style = "Footer"
    p.paragraph_format.tab_stops.add_tab_stop(Cm(width_cm), WD_TAB_ALIGNMENT.RIGHT)
    p.add_run(text)
    p.add_run("\tpagina ")
    _field(p, "PAGE", "1")
    p.add_run(" van ")
    _field(p, "NUMPAGES", "1")


def build_certificaat():
    W = PORTRAIT_WIDTH_CM
    doc = new_document()
    para(doc, "{{ org }}", style="Organisatieregel")
    para(doc, "Bewijs van deelname", style="Title")
    para(doc, "Intervisiegroep {{ group }} · {{ year }}", style="Subtitle")
    para(doc, "Hierbij verklaren wij dat", space_before=Mm(6))
    para(doc, runs=[("{{ name }}", {"bold": True, "size": 20, "color": NAVY})], space_before=Mm(2))
    para(
        doc,
        "{% if registration_number %}{% if registration %}{{ registration }} {% endif %}{{ registration_number }} · {% endif %}{{ profession }}",
        style="Toelichting",
    )
    para(
        doc,
        "in {{ year }} heeft deelgenomen aan intervisie in de groep {{ group }}: "
        "{{ attended }} van de {{ held }} bijeenkomsten ({{ percent }}%), samen {{ hours }} netto uur"
        "{% if points %}, goed voor {{ points }} punten{% endif %}.",
        space_before=Mm(4),
    )
    details_table(
        doc,
        [
            ("Accreditatie", "{{ accreditation_body }}", "accreditation_body"),
            ("Activiteitnummer", "{{ accreditation_nr }}", "accreditation_nr"),
            ("Netto uren", "{{ hours }}", None),
            ("Punten", "{{ points }}", "points"),
        ],
    )
    spacer(doc, 10)
    heading(doc, "Bijgewoonde bijeenkomsten", 2)
    allb = {s: line() for s in ("top", "bottom", "insideH")}
    t = table(doc, [W - 6.0, 3.0, 3.0], borders=allb)
    h = add_row(t, ["Datum", "Netto uren", "Punten"], style="Tabelkop")
    for c in h.cells:
        shade(c, HEAD_FILL)
    row_props(h, header=True)
    tag_row(t, "{%tr for v in visits %}")
    add_row(t, ["{{ v.date_long }}", "{{ v.hours }}", "{{ v.points }}"])
    tag_row(t, "{%tr endfor %}")
    para(
        doc,
        "Netto uren zijn de tijd van de bijeenkomst zonder pauzes. Punten per bijeenkomst: "
        "{{ points_per_hour }} per netto uur, naar beneden afgerond op een halve punt.",
        style="Toelichting",
        space_before=Mm(3),
    )
    para(doc, "{%p if remark %}")
    para(doc, "{{ remark }}", style="Toelichting", space_before=Mm(2))
    para(doc, "{%p endif %}")
    para(doc, "{{ place_date }}", space_before=Mm(10))
    para(
        doc,
        runs=[("Namens de groep, ", {"color": MUTED}), ("{{ coordinator }}", {"bold": True})],
        space_before=Mm(12),
    )
    para(doc, "coördinator intervisie", style="Toelichting")
    year_footer(doc, W, "{{ org }} · Bewijs van deelname intervisie {{ year }} · {{ name }}")
    return doc


def build_jaarverslag():
    W = PORTRAIT_WIDTH_CM
    doc = new_document()
    para(doc, "{{ org }}", style="Organisatieregel")
    para(doc, "Jaarverslag intervisie {{ year }}", style="Title")
    para(doc, "Intervisiegroep {{ group }}", style="Subtitle")
    details_table(
        doc,
        [
            ("Bijeenkomsten", "{{ held }} gehouden{% if cancelled %}, {{ cancelled }} geannuleerd{% endif %}", None),
            ("Deelnemers", "{{ members }}", None),
            ("Gem. aanwezigheid", "{{ attendance_avg }}", None),
            ("Gem. cijfer", "{{ grade_avg }} ({{ evaluations }} evaluatieformulieren)", None),
            ("Methoden", "{{ methods }}", None),
            ("Accreditatie", "{{ accreditation }}", "accreditation"),
            ("Coördinator", "{{ coordinator }}", "coordinator"),
        ],
    )
    spacer(doc, 8)
    heading(doc, "Bijeenkomsten", 2)
    allb = {s: line() for s in ("top", "bottom", "insideH")}
    widths = [3.2, 2.4, 3.6, 2.0, 1.6]
    widths.insert(3, W - sum(widths))
    t = table(doc, widths, borders=allb)
    h = add_row(t, ["Datum", "Status", "Methode", "Casus", "Aanwezig", "Cijfer"], style="Tabelkop")
    for c in h.cells:
        shade(c, HEAD_FILL)
    row_props(h, header=True)
    tag_row(t, "{%tr for m in meetings %}")
    add_row(
        t, ["{{ m.date }}", "{{ m.status }}", "{{ m.method }}", "{{ m.cases }}", "{{ m.present }}", "{{ m.grade }}"]
    )
    tag_row(t, "{%tr endfor %}")
    tag_par(doc, "{%p if chart %}")
    heading(doc, "Aanwezigheid en waardering per bijeenkomst", 2)
    para(doc, "{{ chart }}")
    tag_par(doc, "{%p endif %}")
    para(
        doc,
        "Vertrouwelijke casussen staan in dit verslag alleen als ‘vertrouwelijke casus’. "
        "Registratienummers staan op de accreditatielijsten, niet in dit verslag.",
        style="Toelichting",
        space_before=Mm(4),
    )
    year_footer(doc, W, "{{ org }} · Jaarverslag {{ year }} · {{ group }}")
    return doc


BUILDERS = {
    "agenda": (build_agenda, "Agenda intervisiebijeenkomst"),
    "presentielijst": (build_presentielijst, "Presentielijst intervisiebijeenkomst"),
    "evaluatieformulier": (build_evaluatieformulier, "Evaluatieformulier intervisiebijeenkomst"),
    "casusvoorbereiding": (build_casusvoorbereiding, "Casusvoorbereiding intervisie"),
    "certificaat": (build_certificaat, "Bewijs van deelname intervisie"),
    "jaarverslag": (build_jaarverslag, "Jaarverslag intervisie"),
}


# ---------------------------------------------------------------------------- saving


def reproducible_bytes(doc, title: str) -> bytes:
    cp = doc.core_properties
    cp.title = title
    cp.subject = "Intervisie"
    cp.author = "intervisie"
    cp.last_modified_by = "intervisie"
    cp.comments = "Sjabloon voor intervisie met docxtpl-velden."
    cp.keywords = "intervisie"
    cp.language = "nl-NL"
    cp.category = ""
    cp.revision = 1
    cp.created = FIXED_DATE
    cp.modified = FIXED_DATE
    buf = io.BytesIO()
    doc.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_STORED
            zi.create_system = 0
            zi.external_attr = 0
            zout.writestr(zi, zin.read(info))
    return out.getvalue()


def build(kind: str) -> bytes:
    global _SDT_IDS
    _SDT_IDS = iter(range(410001, 419999))  # same ids on every run
    builder, title = BUILDERS[kind]
    return reproducible_bytes(builder(), title)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: the package's data/templates/ and templates/)",
    )
    ap.add_argument(
        "kinds", nargs="*", metavar="KIND", help=f"only these templates (default: all of {', '.join(KINDS)})"
    )
    args = ap.parse_args(argv)
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown:
        ap.error(f"unknown template(s): {', '.join(unknown)}")
    outs = [args.out] if args.out else [ROOT / "src" / "intervisie" / "data" / "templates", ROOT / "templates"]
    for kind in args.kinds or KINDS:
        data = build(kind)
        for out in outs:
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"{kind}.docx"
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            print(f"{target}  ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

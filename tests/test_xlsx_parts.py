"""Writing an .xlsx part by part: workbooks as Excel saves them (made with xlsxwriter:
shared strings, its own styles, a text box, a comment, a fill, sparklines, a 2010 data
bar, a chart on a tab of the coordinator's own, a defined name, a dropdown reading a
list on another tab) and as LibreOffice Calc saves them, run through `intervisie run`;
every part without a change stays byte for byte, and openpyxl and python-calamine both
read what the tool wrote."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import warnings
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
import xlsxwriter
from helpers import cli, edit, meldingen, soffice_convert
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from xlsx_fixtures import write_tabs

from intervisie.init import demo_data
from intervisie.schema import Kind
from intervisie.workbook.xlsxparts import PartGrid, clean_text

TODAY = dt.date(2026, 11, 22)
SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(?:/>|>.*?</(?:\w+:)?sheetData>)", re.S)
DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")[^"]*(")')
HYPERLINKS = re.compile(rb"<(?:\w+:)?hyperlinks>.*?</(?:\w+:)?hyperlinks>", re.S)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def outside_sheet_data(xml: bytes) -> bytes:
    """A sheet part without what a run may change there: sheetData, the dimension and
    the hyperlinks (DESIGN.md)."""
    return HYPERLINKS.sub(b"", DIMENSION.sub(rb"\1\2", SHEET_DATA.sub(b"<sheetData/>", xml)))


def excel_like_workbook(path: Path, vba: bytes | None = None) -> Path:
    """The demo workbook as Excel would save it, with a coordinator's own additions."""
    data = demo_data(TODAY, history=False)
    wb = xlsxwriter.Workbook(str(path))
    head_f = wb.add_format({"bold": True, "bg_color": "#DCE5F0"})
    fill_f = wb.add_format({"bg_color": "#FFFF00", "font_color": "#FF0000"})
    sheets = write_tabs(wb, data, data["_dates"], head_f)
    ws = sheets["Deelnemers"]
    ws.write_comment("K2", "Vraagt naar de cursusdata")
    ws.write_string("K3", "let op: parttime", fill_f)
    sheets["Groepen"].insert_textbox("P2", "Groepen worden in januari herzien", {"width": 300, "height": 80})
    lists = wb.add_worksheet("Lijsten")
    for i, v in enumerate(("Zaal A", "Zaal B", "Online")):
        lists.write_string(i, 0, v)
    wb.define_name("Zalen", "=Lijsten!$A$1:$A$3")
    meetings = sheets["Bijeenkomsten"]
    meetings.data_validation("F2:F200", {"validate": "list", "source": "=Lijsten!$A$1:$A$3"})
    meetings.conditional_format("T2:T20", {"type": "data_bar", "bar_solid": True, "data_bar_2010": True})
    for r in range(1, 3):  # beside the two meetings (a value alone on a row would be a meeting row)
        meetings.write_number(r, 19, r * 3)
    own = wb.add_worksheet("Overzicht")
    own.write_row(0, 0, ["Groep", "jan", "feb", "mrt", "apr", "trend"])
    own.write_row(1, 0, ["Utrecht", 5, 7, 6, 8])
    own.write_row(2, 0, ["Gent", 4, 4, 5, 5])
    own.add_sparkline("F2", {"range": "Overzicht!B2:E2"})
    own.add_sparkline("F3", {"range": "Overzicht!B3:E3", "type": "column"})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Overzicht!$B$1:$E$1", "values": "=Overzicht!$B$2:$E$2", "name": "Utrecht"})
    own.insert_chart("A6", chart)
    if vba is not None:
        vba_path = path.with_name("vbaProject.bin")
        vba_path.write_bytes(vba)
        wb.add_vba_project(str(vba_path))
    wb.close()
    return path


def write_links(path: Path, links: dict[tuple[int, int], str | None]) -> None:
    """Write paths into Bijeenkomsten cells, each a link to its file (None: no link)."""
    grid = PartGrid(path)
    try:
        for (row, col), target in links.items():
            grid.set("Bijeenkomsten", row, col, target or "", Kind.TEXT)
            grid.link("Bijeenkomsten", row, col, target)
        data = grid.package()
    finally:
        grid.close()
    path.write_bytes(data)


def run(path: Path, *args: str, today: str = "2026-11-22"):
    return cli(*args, "--workbook", str(path), "--today", today)


def test_a_workbook_as_excel_saves_it_keeps_everything(tmp_path):
    path = excel_like_workbook(tmp_path / "intervisie.xlsx")
    before = parts(path)
    r = run(path, "run")
    assert r.exit_code == 0, r.output
    after = parts(path)
    wb_xml = before["xl/workbook.xml"].decode()
    sheet_of = {
        name: f"xl/worksheets/sheet{i}.xml"
        for i, name in enumerate(re.findall(r'<sheet name="([^"]+)"', wb_xml), start=1)
    }
    # the one new part: the links of Bijeenkomsten' document paths
    links_part = sheet_of["Bijeenkomsten"].replace("worksheets/", "worksheets/_rels/") + ".rels"
    assert set(after) == set(before) | {links_part}
    changed = {n for n in before if before[n] != after[n]}
    # only the sheets that hold changes (and styles, which only gain entries)
    allowed = {sheet_of[t] for t in ("Casussen", "Bijeenkomsten", "Aanwezigheid", "Accreditatie", "Logboek")}
    assert changed <= allowed | {"xl/styles.xml"}, changed
    assert sheet_of["Bijeenkomsten"] in changed and sheet_of["Overzicht"] not in changed
    for name in changed - {"xl/styles.xml"}:
        assert outside_sheet_data(before[name]) == outside_sheet_data(after[name]), name
    # the coordinator's text box, comment, sparklines, data bar, chart, names and list stay
    assert b"x14:sparklineGroups" in after[sheet_of["Overzicht"]]
    assert b"x14:dataBar" in after[sheet_of["Bijeenkomsten"]] and b"<dataValidation" in after[sheet_of["Bijeenkomsten"]]
    assert any(n.startswith("xl/drawings/drawing") for n in after) and "xl/charts/chart1.xml" in after
    assert b'name="Zalen"' in after["xl/workbook.xml"]
    assert b"Groepen worden in januari herzien" in b"".join(v for n, v in after.items() if "drawing" in n)
    if "xl/styles.xml" in changed:
        old, new = before["xl/styles.xml"], after["xl/styles.xml"]
        count = re.compile(rb'<cellXfs count="(\d+)"')
        assert int(count.search(new).group(1)) >= int(count.search(old).group(1))
    # both readers see what the tool wrote
    owb = load_workbook(path)  # (openpyxl itself drops the sparklines and the data bar it reads)
    ws = owb["Bijeenkomsten"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2) if row[0].value]
    proposal = next(r for r in rows if r["Nr"] == "Gent Psychologen-2027-01")
    assert proposal["Datum"] == dt.datetime(2027, 1, 7) and proposal["Status"] == "voorstel"
    confirmed = next(r for r in rows if r["Nr"] == "Utrecht Jeugdzorg-2026-02")
    assert isinstance(confirmed["Uitnodiging verzonden"], dt.datetime)
    # the document paths are links that open the documents, relative to the workbook
    at = next(i for i, row in enumerate(ws.iter_rows(min_row=1), start=1) if row[0].value == confirmed["Nr"])
    for column in ("Agenda", "Presentielijst", "Evaluatieformulier"):
        cell = ws.cell(at, header.index(column) + 1)
        assert cell.value and not cell.value.startswith("/"), cell.value
        assert cell.hyperlink is not None and unquote(cell.hyperlink.target) == cell.value
        assert (path.parent / cell.value).is_file()
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Bijeenkomsten").to_python()
    cal_rows = [dict(zip(cal[0], r)) for r in cal[1:]]
    cprop = next(r for r in cal_rows if r["Nr"] == "Gent Psychologen-2027-01")
    assert cprop["Datum"] == dt.date(2027, 1, 7) and cprop["Begintijd"] == dt.time(14, 0)
    # a second run changes nothing but the Logboek
    before2 = parts(path)
    run(path, "run")
    after2 = parts(path)
    assert {n for n in before2 if before2[n] != after2[n]} <= {sheet_of["Logboek"]}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_result_and_a_calc_saved_workbook_works(tmp_path, demo_xlsx):
    path = excel_like_workbook(tmp_path / "excel.xlsx")
    run(path, "run")
    # Calc saves: xlsx -> ods -> xlsx
    ods_dir, back = tmp_path / "ods", tmp_path / "back"
    soffice_convert(tmp_path / "lo", "ods", ods_dir, demo_xlsx)
    soffice_convert(tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML", back, ods_dir / (demo_xlsx.stem + ".ods"))
    calc = back / (demo_xlsx.stem + ".xlsx")
    before = parts(calc)
    r = run(calc, "run")
    assert r.exit_code == 0, r.output
    after = parts(calc)
    for name in before:
        if before[name] != after[name] and name.startswith("xl/worksheets/"):
            assert outside_sheet_data(before[name]) == outside_sheet_data(after[name]), name
        elif before[name] != after[name]:
            assert name == "xl/styles.xml", name
    rows = CalamineWorkbook.from_path(str(calc)).get_sheet_by_name("Bijeenkomsten").to_python()
    assert any(r[0] == "Gent Psychologen-2027-01" for r in rows)
    assert load_workbook(calc)["Bijeenkomsten"]["A4"].value == "Gent Psychologen-2027-01"
    pdf = tmp_path / "pdf"
    soffice_convert(tmp_path / "lo", "pdf", pdf, path, calc)
    assert (pdf / "excel.pdf").stat().st_size > 10000 and (pdf / (calc.stem + ".pdf")).stat().st_size > 10000


def test_macros_of_an_xlsm_stay_byte_for_byte(tmp_path):
    vba = b"\xd0\xcf\x11\xe0" + bytes(range(256)) * 40  # the tool never looks inside
    path = excel_like_workbook(tmp_path / "intervisie.xlsm", vba=vba)
    r = run(path, "run")
    assert r.exit_code == 0, r.output
    assert parts(path)["xl/vbaProject.bin"] == vba
    assert b"macroEnabled" in parts(path)["[Content_Types].xml"]


def test_a_cell_that_cannot_be_written_without_loss_is_named(tmp_path):
    """A shared formula's anchor and a merged cell: not written, one Meldingen line each;
    the rest of the run goes on."""
    path = excel_like_workbook(tmp_path / "intervisie.xlsx")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        blobs = {n: zf.read(n) for n in names}
    wb_xml = blobs["xl/workbook.xml"].decode()
    idx = re.findall(r'<sheet name="([^"]+)"', wb_xml).index("Bijeenkomsten") + 1
    part = f"xl/worksheets/sheet{idx}.xml"
    xml = blobs[part].decode()
    # M2 (Agenda of the past meeting) and M3 (of the confirmed one): a shared formula over M3:M4
    xml = xml.replace('<c r="M3"', '<c r="M3x"')  # none there; add cells instead
    xml = re.sub(
        r'(<row r="3"[^>]*>)(.*?)(</row>)',
        lambda m: (
            m.group(1)
            + m.group(2)
            + '<c r="M3"><f t="shared" ref="M3:M4" si="0">"x"&amp;A3</f><v>x</v></c>'
            + m.group(3)
        ),
        xml,
        count=1,
        flags=re.S,
    )
    xml = xml.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="N2:N3"/></mergeCells>', 1)
    blobs[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in names:
            zf.writestr(n, blobs[n])
    r = run(path, "run")
    assert r.exit_code == 0, r.output
    found = {m["Cel"]: m["Melding"] for m in meldingen(path)}
    assert "formule die ook voor andere cellen geldt; niet geschreven" in found["Bijeenkomsten!M3"]
    assert "samengevoegde cel; niet geschreven" in found["Bijeenkomsten!N3"]
    ws = load_workbook(path)["Bijeenkomsten"]
    assert ws["O3"].value.endswith("evaluatieformulier.docx")  # the rest was written
    assert ws["M3"].value == '="x"&A3'


# ----------------------------------------------------------------------------- property


XML_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
VALUES = st.one_of(
    st.none(),
    XML_TEXT,
    st.sampled_from(["0012", "007", "=SUM(1,2)", "&<>\"'", "a\nb", " lead", "x" * 40000, "😀 émoji"]),
    st.integers(-(10**12), 10**12),
    st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 6)),
    st.dates(dt.date(1901, 1, 1), dt.date(2199, 12, 31)),
    st.times().map(lambda t: t.replace(microsecond=0, second=0)),
    st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2199, 1, 1)).map(lambda d: d.replace(microsecond=0, second=0)),
)


TRICKY = [
    "&<>\"'",
    "a\nb",
    " lead",
    "x" * 40000,
    "😀 émoji",
    "\x01ctrl\r\nx\ud800",
    "0012",
    "=SUM(1,2)",
    dt.date(2026, 1, 5),
    dt.time(19, 30),
    dt.datetime(2026, 1, 5, 19, 30),
    1.5,
    7,
    True,
    None,
    "",
]
TRICKY_ROWS = [
    list(enumerate(TRICKY, start=1))[:12],
    list(enumerate(TRICKY[4:], start=1)),
    [(3, "z"), (20, 2.25)],
    [],  # no cell: no row
    [(1, "\x1f"), (2, "")],  # text that is nothing once cleaned; an empty value
    [(9, dt.time(8, 15)), (2, "r\u00e9gel\nmet wrap"), (5, dt.date(2027, 3, 1))],  # styles derived out of column order
]


def _expected(v):
    if v is None or v == "":
        return None
    if isinstance(v, str):
        text = clean_text(v)
        return text or None
    return v


def _same(got, want) -> bool:
    if want is None:
        return got in (None, "")
    if isinstance(want, dt.datetime):
        return got == want or (want.time() == dt.time() and got == want.date())
    if isinstance(want, dt.date):
        return got in (want, dt.datetime.combine(want, dt.time()))
    if isinstance(want, dt.time):
        return got == want
    if isinstance(want, float):
        return abs(float(got) - want) <= 1e-9 * max(1.0, abs(want))
    if isinstance(want, int):
        return float(got) == float(want)
    return got == want


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(2, 40), st.integers(1, 12), VALUES), min_size=1, max_size=20))
def test_written_values_read_back_equal(demo_template, tmp_path_factory, changes):
    path = tmp_path_factory.mktemp("prop") / "w.xlsx"
    shutil.copy(demo_template, path)
    final: dict[tuple[int, int], object] = {}
    grid = PartGrid(path)
    try:
        for row, col, value in changes:
            grid.set("Logboek", row, col, value, Kind.TEXT)
            final[(row, col)] = value
        data = grid.package()
    finally:
        grid.close()
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ws = load_workbook(path)["Logboek"]
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Logboek").to_python(skip_empty_area=False)
    for (row, col), value in final.items():
        want = _expected(value)
        assert _same(ws.cell(row, col).value, want), (row, col, value, ws.cell(row, col).value)
        got = cal[row - 1][col - 1] if row - 1 < len(cal) and col - 1 < len(cal[row - 1]) else None
        assert _same(got, want), (row, col, value, got)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.lists(st.tuples(st.integers(1, 12), VALUES), min_size=1, max_size=8), min_size=1, max_size=6),
    st.booleans(),
)
@example(rows=TRICKY_ROWS, new_tab=False)
@example(rows=TRICKY_ROWS, new_tab=True)
def test_a_new_row_made_in_one_go_is_what_cell_by_cell_makes(demo_template, tmp_path_factory, rows, new_tab):
    """`set_row` makes a row the sheet does not hold yet as bytes, without elements (a
    national ledger has some 300,000 cells): byte for byte the part, and the styles,
    that setting its cells one by one gives, on a coordinator's tab and on a new one."""
    path = tmp_path_factory.mktemp("rows") / "w.xlsx"
    shutil.copy(demo_template, path)
    made = []
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Logboek").to_python()
    known = {"Logboek": (sheet[0], list(enumerate(sheet[1:], start=2)))}  # the values as read stand in
    for one_go in (False, True):
        grid = PartGrid(path, known=known)
        try:
            title = "Logboek"
            if new_tab:
                title = "Nieuw"
                grid.add_tab(title)
                grid.set(title, 1, 1, "Kop", Kind.TEXT)
            start = grid.max_row(title) + 1
            for i, cells in enumerate(rows):
                by_col = {col: value for col, value in cells}  # a column once per row
                if one_go:
                    grid.set_row(title, start + i, [(c, v, Kind.TEXT) for c, v in by_col.items()])
                else:
                    for c, v in by_col.items():  # in the order given, as set_row's caller gives them
                        grid.set(title, start + i, c, v, Kind.TEXT)
            data = grid.package()
            # what the grid answers for the new cells is what they hold
            assert [grid.get(title, start + i, c) for i, cells in enumerate(rows) for c, _ in cells] == [
                grid.get(title, start + i, c, exact=True) for i, cells in enumerate(rows) for c, _ in cells
            ]
        finally:
            grid.close()
        out = tmp_path_factory.mktemp("out") / "w.xlsx"
        out.write_bytes(data)
        made.append(parts(out))
    assert made[0] == made[1]


def test_styles_do_not_grow_run_after_run(demo_xlsx):
    """A long text (a Logboek line) wraps by a derived style; the next run reuses it."""
    sizes = []
    for _ in range(3):
        run(demo_xlsx, "run")
        sizes.append(len(parts(demo_xlsx)["xl/styles.xml"]))
    assert sizes[1] == sizes[2]


def test_two_new_tabs_in_one_write_get_parts_of_their_own(demo_xlsx):
    """An older workbook without several system tabs: each new tab its own part."""
    wb = load_workbook(demo_xlsx)
    for title in ("Accreditatie", "Meldingen"):
        del wb[title]
    wb.save(demo_xlsx)
    edit(demo_xlsx, {"Deelnemers!B2": "kapot"})  # a Melding to write
    r = run(demo_xlsx, "run")
    assert r.exit_code == 1, r.output
    content = parts(demo_xlsx)["[Content_Types].xml"].decode()
    overrides = re.findall(r'PartName="([^"]+)"', content)
    assert len(overrides) == len(set(overrides))
    owb = load_workbook(demo_xlsx, read_only=True)
    assert owb["Accreditatie"]["A1"].value == "Jaar" and owb["Meldingen"]["A1"].value == "Tijdstip"
    assert owb["Meldingen"].max_row >= 2  # the dimension covers the rows written
    assert [c.value for c in next(owb["Meldingen"].iter_rows(min_row=2, max_row=2))][1] == "fout"


def test_a_number_too_large_for_a_date_in_a_date_cell_does_not_stop_the_run(demo_xlsx):
    # a row without Nr is found by Groep, Datum and Status: every Datum is read at write time
    edit(
        demo_xlsx,
        {
            "Bijeenkomsten!C2": 20261231,
            "Bijeenkomsten!B4": "Gent Psychologen",
            "Bijeenkomsten!C4": dt.datetime(2027, 2, 4),
            "Bijeenkomsten!L4": "voorstel",
        },
    )
    r = run(demo_xlsx, "run")
    assert r.exit_code in (0, 1) and "onverwachte fout" not in r.output, r.output


def test_characters_xml_cannot_hold_are_dropped():
    assert clean_text("a\ufffeb\uffffc\ud800d\x01e") == "abcde"


def _rows_of(xml: bytes) -> dict[int, bytes]:
    """Each row's bytes in a sheet part, by row number."""
    out = {}
    for m in re.finditer(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)".*?(?:</(?:\w+:)?row>|(?<=/)>)', xml, re.S):
        out[int(m.group(1))] = m.group(0)
    return out


@pytest.mark.parametrize("known", [True, False], ids=["values-as-read", "rows-parsed"])
def test_rows_nobody_writes_keep_their_bytes_and_new_rows_take_the_style_above(tmp_path, known):
    """A changed sheet is split into its rows: only the rows written are serialised again;
    a new row under a styled row (not parsed itself) takes that row's style. The same
    whether the values as read stand in for the rows or every row is parsed."""
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    fill = wb.add_format({"bg_color": "#FFFF00"})
    ws = wb.add_worksheet("Logboek")
    ws.write_row(0, 0, ["Tijdstip", "Actie", "Details"])
    for r in range(1, 6):
        ws.write_row(r, 0, [f"t{r}", f"actie {r}", f"details & <{r}>"], fill)
    wb.close()
    before = _rows_of(parts(path)["xl/worksheets/sheet1.xml"])
    values = None
    if known:
        cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Logboek").to_python()
        values = {"Logboek": (cal[0], [(i + 1, list(v)) for i, v in enumerate(cal) if i])}
    grid = PartGrid(path, values)
    try:
        assert grid.get("Logboek", 4, 3) == "details & <3>"
        assert grid.max_row("Logboek") == 6 and grid.max_col("Logboek") == 3
        grid.set("Logboek", 3, 2, "gewijzigd", Kind.TEXT)
        grid.set("Logboek", 7, 2, "nieuw", Kind.TEXT)
        data = grid.package()
    finally:
        grid.close()
    path.write_bytes(data)
    after = _rows_of(parts(path)["xl/worksheets/sheet1.xml"])
    assert {r: after[r] for r in (1, 2, 4, 5, 6)} == {r: before[r] for r in (1, 2, 4, 5, 6)}
    assert after[3] != before[3]
    ws2 = load_workbook(path)["Logboek"]
    assert [ws2.cell(r, 2).value for r in range(1, 8)] == [
        "Actie",
        "actie 1",
        "gewijzigd",
        "actie 3",
        "actie 4",
        "actie 5",
        "nieuw",
    ]
    assert ws2.cell(7, 2).fill.fgColor.rgb == ws2.cell(6, 2).fill.fgColor.rgb == "FFFFFF00"
    assert ws2.cell(3, 2).fill.fgColor.rgb == "FFFFFF00"  # a written cell keeps its style
    assert ws2.cell(6, 3).value == "details & <5>"
    with zipfile.ZipFile(path) as zf:
        dim = re.search(rb'<dimension ref="([^"]+)"', zf.read("xl/worksheets/sheet1.xml"))
    assert dim is not None and dim.group(1) == b"A1:C7"


def test_a_sheet_part_written_unusually_is_split_without_loss(tmp_path):
    """Rows without a row number, cells without a reference, a comment between rows and
    a prefixed main namespace: read, written and kept."""
    path = tmp_path / "w.xlsx"
    shutil.copy(excel_like_workbook(tmp_path / "base.xlsx"), path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        contents = {n: zf.read(n) for n in names}
    wb_xml = contents["xl/workbook.xml"].decode()
    target = re.search(r'<sheet name="Logboek" sheetId="\d+" r:id="(rId\d+)"', wb_xml)
    assert target is not None
    rels = contents["xl/_rels/workbook.xml.rels"].decode()
    part = "xl/" + re.search(rf'Id="{target.group(1)}"[^>]*Target="([^"]+)"', rels).group(1)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    contents[part] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<x:worksheet xmlns:x="{ns}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<x:dimension ref="A1:B3"/><x:sheetData>\n'
        '  <x:row><x:c t="inlineStr"><x:is><x:t>Tijdstip</x:t></x:is></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>Actie</x:t></x:is></x:c></x:row>\n'
        "  <!-- een opmerking -->\n"
        '  <x:row><x:c t="inlineStr"><x:is><x:t>eerste</x:t></x:is></x:c></x:row>\n'
        '  <x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>tweede</x:t></x:is></x:c></x:row>\n'
        "</x:sheetData></x:worksheet>"
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in names:
            zf.writestr(n, contents[n])
    grid = PartGrid(path)
    try:
        assert [grid.get("Logboek", r, 1) for r in (1, 2, 3)] == ["Tijdstip", "eerste", "tweede"]
        grid.set("Logboek", 4, 2, "nieuw", Kind.TEXT)
        data = grid.package()
    finally:
        grid.close()
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(part)
    assert b"<!-- een opmerking -->" in xml and b"<x:row" in xml and b"xmlns=" not in xml
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = load_workbook(path)["Logboek"]
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == ["Tijdstip", "eerste", "tweede"]
    assert ws.cell(4, 2).value == "nieuw"
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Logboek").to_python()
    assert cal[3][1] == "nieuw"


def test_links_to_documents_replace_their_own_and_keep_the_coordinators(tmp_path):
    """A link the tool writes replaces the cell's previous one (never two for a cell),
    an emptied path loses its link, and the coordinator's own links and comments (in the
    same relationships part) stay."""
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Bijeenkomsten")
    ws.write_row(0, 0, ["Nr", "Agenda", "Notitie"])
    ws.write_row(1, 0, ["U-01", "", ""])
    ws.write_row(2, 0, ["U-02", "", ""])
    ws.write_url(1, 2, "https://example.org/verslag", string="verslag")
    ws.write_comment("A2", "eigen opmerking")
    wb.close()

    write_links(
        path, {(2, 2): "output/Utrecht Jeugdzorg/2027-01-12 agenda.docx", (3, 2): "/srv/intervisie/agenda & co.docx"}
    )
    write_links(path, {(2, 2): "output/Utrecht Jeugdzorg/2027-02-09 agenda.docx"})
    ws2 = load_workbook(path)["Bijeenkomsten"]
    assert unquote(ws2["B2"].hyperlink.target) == "output/Utrecht Jeugdzorg/2027-02-09 agenda.docx"
    assert "%20" in ws2["B2"].hyperlink.target
    assert unquote(ws2["B3"].hyperlink.target) == "file:///srv/intervisie/agenda & co.docx"
    assert ws2["C2"].hyperlink.target == "https://example.org/verslag"
    assert ws2["A2"].comment is not None and "eigen opmerking" in ws2["A2"].comment.text
    with zipfile.ZipFile(path) as zf:
        rels = zf.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count('ref="B2"') == 1 and rels.count("2027-01-12") == 0
    assert rels.count("hyperlink") == 3  # B2, B3 and the coordinator's C2
    write_links(path, {(3, 2): None})
    ws3 = load_workbook(path)["Bijeenkomsten"]
    assert ws3["B3"].hyperlink is None and ws3["B3"].value is None
    assert ws3["B2"].hyperlink is not None and ws3["C2"].hyperlink is not None


def _one_sheet(path: Path, sheet_xml: str, title: str = "Bijeenkomsten") -> Path:
    """A minimal package holding one worksheet part with the given XML."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
            f'<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml.replace("RNS", rel).replace("NS", ns))
    return path


@pytest.mark.parametrize("extra", ["databar", "customview"])
def test_a_new_hyperlinks_block_goes_between_the_worksheets_own_elements(tmp_path, extra):
    """Names that follow <hyperlinks> in a worksheet (extLst, pageMargins) also occur
    inside earlier elements (a 2010 data bar's cfRule, a custom view): the block goes at
    the worksheet's own level, in schema order."""
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Bijeenkomsten")
    ws.write_row(0, 0, ["Nr", "Agenda", "Score"])
    for i in range(1, 5):
        ws.write_row(i, 0, [f"U-{i}", "", i * 10])
    if extra == "databar":
        ws.conditional_format("C2:C5", {"type": "data_bar", "data_bar_2010": True})
    wb.close()
    if extra == "customview":
        with zipfile.ZipFile(path) as zf:
            contents = {n: zf.read(n) for n in zf.namelist()}
        contents["xl/worksheets/sheet1.xml"] = contents["xl/worksheets/sheet1.xml"].replace(
            b"</sheetData>",
            b'</sheetData><customSheetViews><customSheetView guid="{00000000-0000-0000-0000-000000000001}">'
            b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            b"</customSheetView></customSheetViews>",
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, data in contents.items():
                zf.writestr(n, data)
    write_links(path, {(2, 2): "output/agenda 1.docx"})
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    names = [etree.QName(el).localname for el in root]
    assert "hyperlinks" in names
    order = ["sheetData", "customSheetViews", "conditionalFormatting", "hyperlinks", "pageMargins", "extLst"]
    present = [n for n in order if n in names]
    assert [n for n in names if n in order] == present, names
    assert len(root.findall(".//{*}hyperlinks")) == 1
    assert load_workbook(path)["Bijeenkomsten"]["B2"].hyperlink is not None


def test_a_formula_showing_an_error_is_not_overwritten_while_the_read_stands_in(tmp_path):
    """python-calamine reads a formula cell that shows #N/A as empty; compare-and-set
    looks at the cell itself, so the coordinator's formula is kept and named."""
    from intervisie import schema
    from intervisie.tables import CellChange, ChangeSet, key_of
    from intervisie.workbook.excel import ExcelWorkbook

    status = next(i for i, c in enumerate(schema.CASUSSEN.columns) if c.name == "Status")
    letter = chr(65 + status)
    row = (
        '<c r="A2" t="inlineStr"><is><t>C-1</t></is></c><c r="B2" t="inlineStr"><is><t>Jan</t></is></c>'
        f'<c r="{letter}2" t="e"><f>VLOOKUP(A2,Z:Z,1,0)</f><v>#N/A</v></c>'
    )
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{c.name}</t></is></c>'
        for i, c in enumerate(schema.CASUSSEN.columns[: status + 1])
    )
    path = _one_sheet(
        tmp_path / "w.xlsx",
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="NS"><sheetData><row r="1">{header}</row>'
        f'<row r="2">{row}</row></sheetData></worksheet>',
        title="Casussen",
    )
    wb = ExcelWorkbook(path, state_dir=tmp_path / "state")
    raw = wb.read().get("Casussen")
    assert raw is not None and raw.rows[0][1][status] is None  # what the read saw
    result = wb.write(
        ChangeSet(cells=[CellChange("Casussen", key_of(schema.CASUSSEN, "C-1"), "Status", "nieuw", None)])
    )
    assert result.cells_written == 0 and result.conflicts, result
    with zipfile.ZipFile(path) as zf:
        assert b"VLOOKUP(A2,Z:Z,1,0)" in zf.read("xl/worksheets/sheet1.xml")


def test_rows_written_unusually_are_read_right_and_a_doubled_row_is_not_written(tmp_path):
    """`r = "5"` with spaces is row 5; a row number that appears twice (not valid) is
    not written into, and says why."""
    path = _one_sheet(
        tmp_path / "w.xlsx",
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="NS"><sheetData>'
        '<row r = "1"><c r="A1" t="inlineStr"><is><t>Nr</t></is></c></row>'
        '<row r = "5"><c r="A5" t="inlineStr"><is><t>vijf</t></is></c></row>'
        '<row r="7"><c r="A7" t="inlineStr"><is><t>eerste</t></is></c></row>'
        '<row r="7"><c r="A7" t="inlineStr"><is><t>tweede</t></is></c></row>'
        "</sheetData></worksheet>",
    )
    grid = PartGrid(path)
    try:
        assert grid.get("Bijeenkomsten", 5, 1) == "vijf" and grid.get("Bijeenkomsten", 2, 1) is None
        assert grid.blocked("Bijeenkomsten", 7, 1) and "twee keer" in (grid.blocked("Bijeenkomsten", 7, 1) or "")
        assert grid.blocked("Bijeenkomsten", 5, 1) is None
    finally:
        grid.close()


def test_a_link_sharing_its_relationship_with_another_keeps_it(tmp_path):
    """Two cells pointing at one relationship (allowed): relinking one leaves the other
    pointing at a relationship that is still there."""
    path = _one_sheet(
        tmp_path / "w.xlsx",
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="NS" xmlns:r="RNS"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Nr</t></is></c><c r="B1" t="inlineStr"><is><t>Agenda</t></is></c></row>'
        '<row r="2"><c r="B2" t="inlineStr"><is><t>oud</t></is></c><c r="C2" t="inlineStr"><is><t>ook</t></is></c></row>'
        '</sheetData><hyperlinks><hyperlink ref="B2" r:id="rId9"/><hyperlink ref="C2" r:id="rId9"/></hyperlinks>'
        "</worksheet>",
    )
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(
            "xl/worksheets/_rels/sheet1.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            'Target="https://example.org/" TargetMode="External"/></Relationships>',
        )
    write_links(path, {(2, 2): "output/nieuw.docx"})
    ws = load_workbook(path)["Bijeenkomsten"]
    assert ws["B2"].hyperlink.target == "output/nieuw.docx"
    assert ws["C2"].hyperlink.target == "https://example.org/"

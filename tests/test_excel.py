"""The Excel backend: what survives a write-back, atomic saves and backups, and the
files it refuses with a one-line reason (exit 2) while leaving them untouched."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from helpers import cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from intervisie import schema
from intervisie.workbook.base import CellChange, ChangeSet, key_of
from intervisie.workbook.excel import ExcelWorkbook, clean_text

MEETING = "Utrecht Jeugdzorg-2026-01"


def decorate(path):
    """Everything a coordinator may add that the tool does not own."""
    wb = load_workbook(path)
    ws = wb["Bijeenkomsten"]
    ws["K2"].font = Font(bold=True, color="FF0000")
    ws["K2"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["K2"].comment = Comment("Thema afstemmen met Ingrid", "Ingrid")
    ws["Z1"] = "Som"
    ws["Z2"] = "=SUM(1,2)"
    ws.column_dimensions["G"].hidden = True
    ws.freeze_panes = "C2"
    ws.conditional_formatting.add(
        "L2:L100", CellIsRule(operator="equal", formula=['"bevestigd"'], fill=PatternFill("solid", fgColor="C6EFCE"))
    )
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2="10")
    ws.add_data_validation(dv)
    dv.add("Y2:Y50")
    extra = wb.create_sheet("Mijn notities")
    extra["A1"] = "Niet aankomen"
    extra["B2"] = "=Deelnemers!A2"
    wb.save(path)


def test_write_back_keeps_everything_the_coordinator_made(demo_xlsx):
    decorate(demo_xlsx)
    wbk = ExcelWorkbook(demo_xlsx)
    wbk.read()
    res = wbk.write(
        ChangeSet(
            cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, MEETING), "Agenda", "agenda.docx", None)]
        )
    )
    assert res.cells_written == 1
    wb = load_workbook(demo_xlsx)
    ws = wb["Bijeenkomsten"]
    assert ws["M2"].value == "agenda.docx"
    assert ws["K2"].font.bold and ws["K2"].font.color.rgb.endswith("FF0000")
    assert ws["K2"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws["K2"].comment.text == "Thema afstemmen met Ingrid"
    assert ws["Z2"].value == "=SUM(1,2)"
    assert ws.column_dimensions["G"].hidden
    assert ws.freeze_panes == "C2"
    assert len(ws.conditional_formatting) == 2  # the tool's voorstel highlight and the coordinator's rule
    sqrefs = {str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert "Y2:Y50" in sqrefs and any(s.startswith("L2") for s in sqrefs)
    assert wb["Mijn notities"]["B2"].value == "=Deelnemers!A2"
    assert "lijst_deelnemers" in wb.defined_names


def test_backup_kept_and_rotated(demo_xlsx, tmp_path):
    wbk = ExcelWorkbook(demo_xlsx, state_dir=tmp_path / "state")
    for i in range(12):
        wbk.read()
        wbk.write(
            ChangeSet(
                cells=[
                    CellChange(
                        "Bijeenkomsten",
                        key_of(schema.BIJEENKOMSTEN, MEETING),
                        "Agenda",
                        f"v{i}",
                        f"v{i - 1}" if i else None,
                    )
                ]
            )
        )
    backups = sorted((tmp_path / "state" / "backups").glob("*.xlsx"))
    assert len(backups) == 10
    newest = load_workbook(backups[-1])["Bijeenkomsten"]["M2"].value
    assert newest == "v10"  # the file as it was before the last write
    assert not list(demo_xlsx.parent.glob(".intervisie-*.xlsx"))  # no temp files left


def test_a_run_with_nothing_to_do_takes_no_backup(demo_xlsx, tmp_path):
    """Weekly runs that only add their Logboek line do not push the backups of real
    changes out: only a write with a change keeps the file as it was."""
    from helpers import cli

    state = tmp_path / "state"
    cfg = tmp_path / "intervisie.toml"
    cfg.write_text(
        f'[workbook]\npath = "{demo_xlsx}"\n[output]\nstate_dir = "{state}"\n[mail]\ntransport = "outbox"\n',
        encoding="utf-8",
    )
    first = cli("run", "--config", str(cfg), "--today", "2026-11-22")
    assert first.exit_code == 0, first.output
    backups = sorted((state / "backups").glob("*.xlsx"))
    assert len(backups) == 1
    for _ in range(3):
        again = cli("run", "--config", str(cfg), "--today", "2026-11-22")
        assert "Teruggeschreven: 0 cellen, 0 rijen." in again.output, again.output
    assert sorted((state / "backups").glob("*.xlsx")) == backups


def test_file_saved_by_coordinator_between_read_and_write(demo_xlsx):
    wbk = ExcelWorkbook(demo_xlsx)
    wbk.read()
    wb = load_workbook(demo_xlsx)
    wb["Deelnemers"]["K2"] = "Nieuwe opmerking van de coördinator"
    wb.save(demo_xlsx)
    res = wbk.write(
        ChangeSet(cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, MEETING), "Agenda", "a.docx", None)])
    )
    assert res.reread
    wb = load_workbook(demo_xlsx)
    assert wb["Deelnemers"]["K2"].value == "Nieuwe opmerking van de coördinator"
    assert wb["Bijeenkomsten"]["M2"].value == "a.docx"


def test_merged_cell_is_not_written(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    wb["Bijeenkomsten"].merge_cells("L2:M2")
    wb.save(demo_xlsx)
    wbk = ExcelWorkbook(demo_xlsx)
    wbk.read()
    res = wbk.write(
        ChangeSet(cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, MEETING), "Agenda", "a.docx", None)])
    )
    assert res.cells_written == 0 and "samengevoegde" in res.conflicts[0].message


XML_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\x0b\x0c" + "".join(chr(c) for c in range(0x20) if c not in (9, 10)),
    ),
    max_size=300,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        XML_TEXT,
        st.sampled_from(["=SUM(", "=1+1", "&<>\"'", "😀" * 10, "a\nb", "y" * 5000]),
        st.builds(lambda a, b: "=" + a + "\n" + b, XML_TEXT, XML_TEXT),
    )
)
def test_any_text_round_trips(demo_template, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("rt") / "w.xlsx"
    shutil.copy(demo_template, path)
    wbk = ExcelWorkbook(path)
    wbk.read()
    wbk.write(
        ChangeSet(cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, MEETING), "Agenda", text, None)])
    )
    raw = wbk.read().tabs["Bijeenkomsten"].rows[0][1][12]
    expected = clean_text(text)
    assert (raw or "") == expected
    cell = load_workbook(path)["Bijeenkomsten"]["M2"]
    assert cell.data_type != "f"


def test_clean_text_only_drops_what_xml_cannot_hold():
    assert clean_text("a\x00b\x07c\r\nd") == "abc\nd"
    assert clean_text("x" * 40000) == "x" * 32767


# ---------------------------------------------------------------- refused files


def test_missing_workbook_exit_2(tmp_path):
    result = cli("check", "--workbook", str(tmp_path / "nope.xlsx"))
    assert result.exit_code == 2
    assert "Werkmap niet gevonden" in result.output and result.output.count("\n") <= 2


def test_not_an_xlsx_exit_2_untouched(tmp_path):
    p = tmp_path / "fake.xlsx"
    p.write_text("Naam;E-mail\nJan;jan@example.nl\n")
    before = p.read_bytes()
    result = cli("check", "--workbook", str(p))
    assert result.exit_code == 2 and "geen Excel-bestand" in result.output
    assert p.read_bytes() == before


def test_locked_workbook_exit_2_untouched(demo_xlsx):
    lock = demo_xlsx.with_name(f".~lock.{demo_xlsx.name}#")
    lock.write_text(",Ingrid,pc,22.11.2026 10:00,file:///home/ingrid;")
    before = demo_xlsx.read_bytes()
    result = cli("check", "--workbook", str(demo_xlsx))
    assert result.exit_code == 2 and "geopend in Excel of LibreOffice" in result.output
    assert demo_xlsx.read_bytes() == before
    # a dry run only reads, so it works while the coordinator has the file open
    assert cli("check", "--workbook", str(demo_xlsx), "--dry-run").exit_code == 0


def test_missing_required_tab_exit_2_untouched(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    del wb["Deelnemers"]
    wb.save(demo_xlsx)
    before = demo_xlsx.read_bytes()
    result = cli("check", "--workbook", str(demo_xlsx))
    assert result.exit_code == 2 and "Tabblad 'Deelnemers' ontbreekt" in result.output
    assert demo_xlsx.read_bytes() == before


def test_tab_found_by_english_alias_and_case(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    wb["Deelnemers"].title = "participants"
    wb.save(demo_xlsx)
    assert cli("check", "--workbook", str(demo_xlsx)).exit_code == 0


# ---------------------------------------------------------------- init


def test_init_builds_a_usable_workbook(tmp_path):
    path = tmp_path / "nieuw.xlsx"
    assert cli("init", str(path)).exit_code == 0
    wb = load_workbook(path)
    assert wb.sheetnames == [t.name for t in schema.TABS] + ["Keuzelijsten"]
    assert wb["Keuzelijsten"].sheet_state == "hidden" and wb["Keuzelijsten"]["A1"].value
    for tab in schema.DATA_TABS:
        ws = wb[tab.name]
        assert [c.value for c in ws[1]][: len(tab.columns)] == [c.name for c in tab.columns]
        assert ws.freeze_panes in ("A2", "B2")
        assert ws["A1"].font.bold
    dv = {str(d.sqref): d.formula1 for d in wb["Deelnemers"].data_validations.dataValidation}
    assert dv["C2:C2000"] == "lijst_groepen"  # reference dropdown through a named range
    assert dv["D2:D2000"] == '"deelnemer,procesbegeleider,cliënt,gast"'
    assert "Casussen" in str(wb.defined_names["lijst_casussen"].attr_text)
    assert "Statussen van een bijeenkomst" in [c.value for c in wb["Lees mij"]["A"]]
    assert wb["Bijeenkomsten"].column_dimensions["C"].number_format == "dd-mm-yyyy"
    assert cli("init", str(path)).exit_code == 2  # never overwrites without --force


def test_init_demo_is_valid_and_rich(demo_xlsx):
    from intervisie.validate import validate

    rec = validate(ExcelWorkbook(demo_xlsx).read())
    assert rec.problems == []
    assert len(rec.groups) == 2 and 12 <= len(rec.participants) <= 16
    regs = {p.registration for p in rec.participants.values()}
    assert {"BIG", "SKJ", "NIP", "Registerplein", "V&VN"} <= regs
    assert any(d > dt.date(2026, 11, 22) for d in rec.candidate_dates)
    assert len([c for c in rec.cases if c.status == "nieuw"]) >= 3


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_demo_opens_in_libreoffice_without_repair(demo_xlsx, tmp_path):
    """LibreOffice converts the file headless; a file it would need to repair fails
    to load or loses tabs. Round trip through LibreOffice and read it back."""
    out = tmp_path / "lo"
    proc = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(demo_xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    converted = out / demo_xlsx.name
    wb = load_workbook(converted)
    assert wb.sheetnames == [t.name for t in schema.TABS] + ["Keuzelijsten"]
    assert wb["Deelnemers"]["A2"].value == "Anouk van der Berg"
    dvs = wb["Deelnemers"].data_validations.dataValidation
    assert any("lijst_groepen" in (d.formula1 or "") for d in dvs)  # dropdowns survive
    from intervisie.validate import validate

    assert validate(ExcelWorkbook(converted).read()).problems == []


def test_write_conflicts_are_reported_in_meldingen(demo_xlsx):
    from helpers import meldingen

    from intervisie.workbook.base import TabReplace

    wbk = ExcelWorkbook(demo_xlsx)
    wbk.read()
    wb = load_workbook(demo_xlsx)
    wb["Bijeenkomsten"]["M3"] = "mijn eigen agenda.docx"
    wb.save(demo_xlsx)
    changes = ChangeSet(
        cells=[
            CellChange(
                "Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "Utrecht Jeugdzorg-2026-02"), "Agenda", "a.docx", None
            )
        ],
        replaces=[TabReplace("Meldingen", ())],
        stamp=dt.datetime(2026, 11, 22, 9),
    )
    res = wbk.write(changes)
    assert len(res.conflicts) == 1
    rows = meldingen(demo_xlsx)
    assert rows[0]["Cel"] == "Bijeenkomsten!M3" and "door de coördinator gewijzigd" in rows[0]["Melding"]
    assert load_workbook(demo_xlsx)["Bijeenkomsten"]["M3"].value == "mijn eigen agenda.docx"


def test_missing_coordinator_column_is_not_added(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    wb["Bijeenkomsten"].delete_cols(6)  # the coordinator removed Locatie
    wb.save(demo_xlsx)
    wbk = ExcelWorkbook(demo_xlsx)
    wbk.read()
    res = wbk.write(
        ChangeSet(cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, MEETING), "Locatie", "Zaal", None)])
    )
    assert "kolom 'Locatie' ontbreekt" in res.conflicts[0].message
    assert "Locatie" not in [c.value for c in load_workbook(demo_xlsx)["Bijeenkomsten"][1]]


def test_missing_availability_tab_is_a_warning_and_planning_goes_on(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    del wb["Beschikbaarheid"]
    wb.save(demo_xlsx)
    r = cli("plan", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    assert r.exit_code == 0, r.output
    assert "Tabblad Beschikbaarheid ontbreekt" in r.output and "volgens de frequentie" in r.output


def test_a_second_run_at_the_same_time_is_refused(demo_xlsx):
    import fcntl

    state = demo_xlsx.parent / ".intervisie"
    state.mkdir()
    with open(state / "lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds the lock
        before = demo_xlsx.read_bytes()
        r = cli("run", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
        assert r.exit_code == 2 and "er loopt al een andere intervisie-run" in r.output
        assert demo_xlsx.read_bytes() == before
    assert cli("check", "--workbook", str(demo_xlsx)).exit_code == 0  # free again afterwards


def test_deleted_meldingen_tab_is_recreated(demo_xlsx):
    from helpers import meldingen

    wb = load_workbook(demo_xlsx)
    del wb["Meldingen"]
    wb["Deelnemers"]["B2"] = "kapot"
    wb.save(demo_xlsx)
    assert cli("check", "--workbook", str(demo_xlsx)).exit_code == 1
    assert [m["Cel"] for m in meldingen(demo_xlsx)] == ["Deelnemers!B2"]

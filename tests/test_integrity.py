"""The integrity defects a coordinator met in the first weeks (issue 9), each replayed on
a copy of the demo workbook through the CLI, with the fix asserted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers import cli, edit, meldingen
from helpers import tab_rows as rows
from openpyxl import load_workbook

from intervisie import schema

TODAY = "2026-11-22"
SOON = "Utrecht Jeugdzorg-2026-02"


def run(path: Path, *args: str, today: str = TODAY):
    return cli(*args, "--workbook", str(path), "--today", today)


def nrs(path: Path) -> list[str]:
    return [r["Nr"] for r in rows(path, "Bijeenkomsten")]


def test_1_a_typo_in_a_confirmed_meetings_group_blocks_a_second_meeting(demo_xlsx):
    edit(demo_xlsx, {"Bijeenkomsten!B3": "Utrect Jeugdzorg"})
    r = run(demo_xlsx, "plan")
    assert not any(n.startswith("Utrecht Jeugdzorg-2027") for n in nrs(demo_xlsx)), r.output
    found = {m["Cel"]: m["Melding"] for m in meldingen(demo_xlsx)}
    assert "Bedoelt u 'Utrecht Jeugdzorg'?" in found["Bijeenkomsten!B3"]
    assert "Geen nieuw voorstel voor groep Utrecht Jeugdzorg" in found["Bijeenkomsten!A3"]


def test_1_an_emptied_or_merged_group_cell_blocks_the_group_its_number_names(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    ws = wb["Bijeenkomsten"]
    ws["B3"].value = None
    ws.merge_cells("B2:B3")
    wb.save(demo_xlsx)
    run(demo_xlsx, "plan")
    assert not any(n.startswith("Utrecht Jeugdzorg-2027") for n in nrs(demo_xlsx))


def test_2_a_good_attendance_list_is_not_replaced_by_a_worse_one(demo_xlsx):
    run(demo_xlsx, "documents")
    folder = demo_xlsx.parent / "output" / "Utrecht Jeugdzorg"
    lijst = folder / "2026-12-01-presentielijst.docx"
    good = lijst.read_bytes()
    edit(demo_xlsx, {"Deelnemers!B1": None})  # the E-mail header deleted
    r = run(demo_xlsx, "documents")
    assert lijst.read_bytes() == good, r.output
    assert any("niet opnieuw gemaakt" in m["Melding"] for m in meldingen(demo_xlsx))
    # repaired, a change re-renders, and the version it replaces is kept
    edit(demo_xlsx, {"Deelnemers!B1": "E-mail", "Deelnemers!E2": "Senior jeugdzorgwerker"})
    run(demo_xlsx, "documents")
    assert lijst.read_bytes() != good
    previous = demo_xlsx.parent / ".intervisie" / "vorige-documenten" / "Utrecht Jeugdzorg" / lijst.name
    assert previous.read_bytes() == good


def test_3_a_problem_says_what_it_costs(demo_xlsx):
    edit(demo_xlsx, {"Deelnemers!C3": "Utrecht Jeugdzrg"})  # Daan de Vries
    run(demo_xlsx, "check")
    (msg,) = [m["Melding"] for m in meldingen(demo_xlsx) if m["Cel"] == "Deelnemers!C3"]
    assert "Bedoelt u 'Utrecht Jeugdzorg'?" in msg
    assert "staat Daan de Vries op geen enkele presentielijst" in msg


def test_4_a_cancelled_proposal_releases_its_case(demo_xlsx):
    run(demo_xlsx, "plan")
    gent = next(r for r in rows(demo_xlsx, "Bijeenkomsten") if r["Nr"] == "Gent Psychologen-2027-01")
    (case,) = [c for c in rows(demo_xlsx, "Casussen") if c["Bijeenkomst"] == gent["Nr"]]
    assert case["Status"] == "ingepland"
    wb = load_workbook(demo_xlsx)
    for row in wb["Bijeenkomsten"].iter_rows(min_row=2):
        if row[0].value == gent["Nr"]:
            row[11].value = "geannuleerd"
    wb.save(demo_xlsx)
    r = run(demo_xlsx, "plan")
    assert f"Casus {case['Nr']} is weer vrij" in r.output
    again = next(c for c in rows(demo_xlsx, "Casussen") if c["Nr"] == case["Nr"])
    # released, and planned straight onto the group's next proposal
    assert again["Bijeenkomst"] != gent["Nr"]
    assert "Gent Psychologen-2027-02" in nrs(demo_xlsx)


def test_4_a_deleted_proposal_releases_its_case_and_its_number_is_not_reused(demo_xlsx):
    run(demo_xlsx, "plan")
    wb = load_workbook(demo_xlsx)
    ws = wb["Bijeenkomsten"]
    (r,) = [row[0].row for row in ws.iter_rows(min_row=2) if row[0].value == "Gent Psychologen-2027-01"]
    ws.delete_rows(r)
    wb.save(demo_xlsx)
    out = run(demo_xlsx, "plan")
    assert out.exit_code == 0, out.output  # no error on the cell the tool wrote
    assert "Gent Psychologen-2027-01" not in nrs(demo_xlsx)
    assert "Gent Psychologen-2027-02" in nrs(demo_xlsx)
    case = next(c for c in rows(demo_xlsx, "Casussen") if c["Inbrenger"] == "Wouter Claes")
    assert (case["Status"], case["Bijeenkomst"]) == ("ingepland", "Gent Psychologen-2027-02")
    assert not [m for m in meldingen(demo_xlsx) if m["Ernst"] == "fout"]


def test_5_a_confirmed_meeting_typed_without_nr_gets_its_documents_the_same_run(demo_xlsx):
    edit(demo_xlsx, {"Bijeenkomsten!A3": None})
    r = run(demo_xlsx, "run")
    assert r.exit_code == 0, r.output
    new = rows(demo_xlsx, "Bijeenkomsten")[1]
    assert new["Nr"].startswith("Utrecht Jeugdzorg-2026-") and new["Nr"] != "Utrecht Jeugdzorg-2026-01"
    assert new["Agenda"] and new["Agenda"].endswith("2026-12-01-agenda.docx")
    assert new["Uitnodiging verzonden"] is not None


def test_7_the_same_date_twice_in_availability_is_flagged(demo_xlsx):
    ws = load_workbook(demo_xlsx)["Beschikbaarheid"]
    first = ws["C1"].value
    last_col = ws.max_column + 1
    edit(demo_xlsx, {f"Beschikbaarheid!{schema.col_letter(last_col)}1": first})
    run(demo_xlsx, "check")
    found = [m for m in meldingen(demo_xlsx) if m["Cel"] == f"Beschikbaarheid!{schema.col_letter(last_col)}1"]
    assert found and "staat twee keer als kolom (ook in Beschikbaarheid!C1)" in found[0]["Melding"]


def test_9_an_empty_workbook_says_what_to_fill_in_first(tmp_path):
    path = tmp_path / "leeg.xlsx"
    r = cli("init", str(path))
    assert r.exit_code == 0
    r = run(path, "run")
    assert "de werkmap is in orde" not in r.output
    assert "alle actieve groepen hebben een komende bijeenkomst" not in r.output
    assert "er zijn (nog) geen actieve groepen" in r.output
    (m,) = meldingen(path)
    assert m["Cel"] == "Groepen!A2" and "Begin hier" in m["Melding"]


def test_12_logboek_rows_stay_short_and_private(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    ws = wb["Casussen"]
    for i in range(60):  # many new cases: a long planning explanation
        ws.append(
            [
                None,
                "Wouter Claes",
                "Gent Psychologen",
                dt.datetime(2026, 11, 1),
                f"Geheime casus {i} " + "x" * 600,
                "",
                "",
                "ja",
                "",
                "nieuw",
                None,
            ]
        )
    wb.save(demo_xlsx)
    r = run(demo_xlsx, "run")
    log = rows(demo_xlsx, "Logboek")
    assert len(log) > 3 and all(len(str(x["Resultaat"] or "")) <= 2000 for x in log)
    # a confidential case is named by its number only, in Logboek and on the terminal
    everything = "\n".join(str(x["Resultaat"]) for x in log) + r.output
    assert "Geheime casus" not in everything and "Agressie in de wachtkamer" not in everything
    assert "(vertrouwelijk) (inbrenger Wouter Claes)" in everything


def test_11_an_unexpected_error_is_one_line_and_a_log(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('base_dir = "/"\n[workbook]\npath = "nergens.xlsx"\n', encoding="utf-8")
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_dropdowns_for_cases_methods_grades_and_help_shown(tmp_path):
    path = tmp_path / "nieuw.xlsx"
    cli("init", str(path))
    wb = load_workbook(path)

    def rules(tab: str) -> dict[str, object]:
        return {str(dv.sqref).split(":")[0]: dv for dv in wb[tab].data_validations.dataValidation}

    meetings = rules("Bijeenkomsten")
    assert meetings["J2"].formula1 == "lijst_casussen"
    assert meetings["G2"].formula1 == "lijst_methoden" and rules("Groepen")["B2"].formula1 == "lijst_methoden"
    grade = rules("Evaluaties")["C2"]
    assert (grade.type, grade.formula1, grade.formula2) == ("decimal", "1", "10")
    assert all(dv.showInputMessage for dv in meetings.values() if dv.prompt)
    assert "Incidentmethode" in [c.value for c in wb["Keuzelijsten"]["A"]]
    # answers can be picked in a year of date columns, also in an empty workbook
    avail = [
        str(dv.sqref)
        for dv in wb["Beschikbaarheid"].data_validations.dataValidation
        if dv.formula1 == '"ja,nee,misschien"'
    ]
    assert avail and avail[0].startswith("C2:") and avail[0].split(":")[1].startswith("BC")


def test_a_deleted_header_gives_one_message_naming_its_cell(demo_xlsx):
    edit(demo_xlsx, {"Deelnemers!A1": None})
    r = run(demo_xlsx, "check")
    assert r.exit_code == 1
    (m,) = meldingen(demo_xlsx)
    assert m["Cel"] == "Deelnemers!A1" and "zet daar 'Naam'" in m["Melding"]
    assert "intervisie init" not in m["Melding"]


def test_messages_count_in_dutch(demo_xlsx):
    wb = load_workbook(demo_xlsx)
    ws = wb["Deelnemers"]
    for row in ws.iter_rows(min_row=2):
        if row[2].value == "Gent Psychologen" and row[0].value != "Pieter De Smet":
            row[9].value = "nee"
    wb.save(demo_xlsx)
    run(demo_xlsx, "check")
    assert any("heeft 1 actieve deelnemer, minder" in m["Melding"] for m in meldingen(demo_xlsx))


def test_a_newer_ods_beside_the_workbook_is_warned_about(demo_xlsx):
    import os

    ods = demo_xlsx.with_suffix(".ods")
    ods.write_bytes(b"PK")
    later = demo_xlsx.stat().st_mtime + 60
    os.utime(ods, (later, later))
    run(demo_xlsx, "check")
    (m,) = [m for m in meldingen(demo_xlsx) if m["Cel"] == "bestand intervisie.ods"]
    assert "later opgeslagen" in m["Melding"] and m["Ernst"] == "waarschuwing"


def test_an_emptied_header_above_data_stops_that_tab_not_the_truth(demo_history_template, tmp_path):
    """Review finding: deleting Aanwezigheid!C1 silently made everyone absent (and mailed
    evaluation forms to people who were not there); deleting Deelnemers!G1 gave false
    warnings in a column that does not exist."""
    path = tmp_path / "intervisie.xlsx"
    path.write_bytes(demo_history_template.read_bytes())
    run(path, "run")
    before = rows(path, "Accreditatie")
    edit(path, {"Aanwezigheid!C1": None})
    r = run(path, "run", today="2026-12-03")
    found = {m["Cel"]: m for m in meldingen(path)}
    assert "Kolom 'Aanwezig' ontbreekt" in found["Aanwezigheid!C1"]["Melding"]
    assert rows(path, "Accreditatie") == before  # not recomputed from a damaged read
    assert "evaluatie" not in r.output.split("Verstuurd")[-1]
    edit(path, {"Aanwezigheid!C1": "Aanwezig", "Deelnemers!G1": None})
    run(path, "check")
    found = {m["Cel"]: m for m in meldingen(path)}
    assert "Kolom 'Registratienummer' ontbreekt" in found["Deelnemers!G1"]["Melding"]
    assert not any(c.startswith("Deelnemers!L") for c in found)

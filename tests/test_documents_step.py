"""`intervisie documents` on the demo workbook: which meetings get documents, what is in
them (reopened with python-docx), write-back of the paths, the content hash, broken
custom templates and methods that do not fit."""

from __future__ import annotations

from helpers import cli, docx_text, meldingen
from openpyxl import load_workbook

TODAY = "2026-11-22"
UTRECHT = "Utrecht Jeugdzorg-2026-02"


def edit(path, sheet, cell, value):
    wb = load_workbook(path)
    wb[sheet][cell].value = value
    wb.save(path)


def outputs(demo_xlsx):
    return sorted((demo_xlsx.parent / "output").rglob("*.docx"))


def test_documents_for_confirmed_meeting_in_window(demo_xlsx):
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert r.exit_code == 0, r.output
    names = [p.name for p in outputs(demo_xlsx)]
    assert names == [
        "2026-12-01-agenda.docx",
        "2026-12-01-casusvoorbereiding-Joost Bakker.docx",
        "2026-12-01-evaluatieformulier.docx",
        "2026-12-01-presentielijst.docx",
    ]
    assert all(p.parent.name == "Utrecht Jeugdzorg" for p in outputs(demo_xlsx))
    ws = load_workbook(demo_xlsx)["Bijeenkomsten"]
    assert ws["M3"].value.endswith("2026-12-01-agenda.docx")
    assert ws["N3"].value.endswith("2026-12-01-presentielijst.docx")
    assert ws["O3"].value.endswith("2026-12-01-evaluatieformulier.docx")
    assert ws["M2"].value is None  # the past meeting gets nothing


def test_outside_the_invitation_window_nothing_is_rendered(demo_xlsx):
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", "2026-11-01")
    assert r.exit_code == 0 and outputs(demo_xlsx) == []


def test_agenda_content(demo_xlsx):
    edit(demo_xlsx, "Casussen", "H3", "nee")
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    text = docx_text(next(p for p in outputs(demo_xlsx) if p.name.endswith("agenda.docx")))
    assert "dinsdag 1 december 2026" in text
    assert "Sven Hoekstra" in text and "Özlem Yılmaz" in text
    assert "Samenwerking met school & wijkteam" in text
    assert "Hoe krijg ik school en wijkteam op één lijn?" in text  # not confidential
    assert "19:30" in text and "22:00" in text
    assert "Praktijk Oudegracht 112, Utrecht" in text
    assert "Wat hier besproken wordt, blijft hier" in text  # code of conduct


def test_confidential_case_shows_only_presenter_and_title(demo_xlsx):
    edit(demo_xlsx, "Casussen", "H3", "ja")
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    agenda = docx_text(next(p for p in outputs(demo_xlsx) if p.name.endswith("agenda.docx")))
    assert "Samenwerking met school & wijkteam" in agenda and "Joost Bakker" in agenda
    assert "één lijn" not in agenda and "zorgen melden" not in agenda
    prep = docx_text(next(p for p in outputs(demo_xlsx) if "casusvoorbereiding" in p.name))
    assert "Hoe krijg ik school en wijkteam op één lijn?" in prep  # the presenter's own form has it


def test_attendance_list_has_registration_numbers_with_leading_zeros(demo_xlsx):
    edit(demo_xlsx, "Deelnemers", "G2", "0110004567")
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    text = docx_text(next(p for p in outputs(demo_xlsx) if p.name.endswith("presentielijst.docx")))
    assert "0110004567" in text
    assert "NIP-10034521" in text and "NIP NIP-" not in text and "Jansen & Zn <B.V.>" in text
    assert "SKJ-2027-0418" in text  # the activity number
    assert "Bram Willems" not in text  # inactive


def test_points_count_net_time_without_the_break(demo_xlsx):
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    attendance = next(p for p in outputs(demo_xlsx) if p.name.endswith("presentielijst.docx"))
    assert "2,5 punten" in docx_text(attendance)  # 150 minutes, no break
    edit(demo_xlsx, "Bijeenkomsten", "E3", "22:30")  # 180 minutes with a 15-minute break
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert "2,75 punten" in docx_text(attendance)
    agenda = docx_text(next(p for p in outputs(demo_xlsx) if p.name.endswith("agenda.docx")))
    assert "Pauze" in agenda


def test_unchanged_meeting_is_not_rendered_again_changed_one_is(demo_xlsx):
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    agenda = next(p for p in outputs(demo_xlsx) if p.name.endswith("agenda.docx"))
    first = agenda.stat().st_mtime_ns
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert "0 gemaakt, 4 ongewijzigd" in r.output
    assert agenda.stat().st_mtime_ns == first
    edit(demo_xlsx, "Bijeenkomsten", "F3", "Zaal 2 & 3")
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert "gemaakt" in r.output and "0 gemaakt" not in r.output
    assert "Zaal 2 & 3" in docx_text(agenda)


def test_dry_run_renders_nothing(demo_xlsx):
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY, "--dry-run")
    assert "4 zou maken" in r.output
    assert outputs(demo_xlsx) == []


def test_broken_custom_template_skips_that_group_only(demo_xlsx, tmp_path):
    from docx import Document as NewDoc

    folder = demo_xlsx.parent / "mijn-sjablonen"
    folder.mkdir()
    doc = NewDoc()
    doc.add_paragraph("Agenda van {{ groep_naam }}")
    doc.save(folder / "agenda.docx")
    edit(demo_xlsx, "Groepen", "N2", "mijn-sjablonen")
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert r.exit_code == 1
    problems = [m for m in meldingen(demo_xlsx) if m["Cel"] == "Groepen!N2"]
    assert problems and "groep_naam" in problems[0]["Melding"] and "agenda.docx" in problems[0]["Melding"]
    assert outputs(demo_xlsx) == []


def test_custom_template_folder_is_used(demo_xlsx):
    folder = demo_xlsx.parent / "eigen"
    folder.mkdir()
    from docx import Document as NewDoc

    doc = NewDoc()
    doc.add_paragraph("EIGEN AGENDA {{ group }} op {{ date_long }}")
    doc.save(folder / "agenda.docx")
    edit(demo_xlsx, "Groepen", "N2", str(folder))
    assert cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY).exit_code == 0
    agenda = next(p for p in outputs(demo_xlsx) if p.name.endswith("agenda.docx"))
    assert "EIGEN AGENDA Utrecht Jeugdzorg op dinsdag 1 december 2026" in docx_text(agenda)
    assert len(outputs(demo_xlsx)) == 4  # the other kinds from the standard templates


def test_an_edited_template_renders_its_documents_again(demo_xlsx):
    from docx import Document as NewDoc

    folder = demo_xlsx.parent / "eigen"
    folder.mkdir()
    NewDoc().save(folder / "agenda.docx")
    edit(demo_xlsx, "Groepen", "N2", "eigen")
    cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    doc = NewDoc()
    doc.add_paragraph("Nieuwe huisstijl voor {{ group }}")
    doc.save(folder / "agenda.docx")
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert "1 gemaakt, 3 ongewijzigd" in r.output
    agenda = next(p for p in outputs(demo_xlsx) if p.name.endswith("agenda.docx"))
    assert "Nieuwe huisstijl voor Utrecht Jeugdzorg" in docx_text(agenda)


def test_template_folder_that_does_not_exist_is_a_problem(demo_xlsx):
    edit(demo_xlsx, "Groepen", "N2", "sjablonen-met-typfout")
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert r.exit_code == 1
    problem = next(m for m in meldingen(demo_xlsx) if m["Cel"] == "Groepen!N2")
    assert "sjablonen-met-typfout" in problem["Melding"] and "bestaat niet" in problem["Melding"]
    assert outputs(demo_xlsx) == []


def test_method_that_does_not_fit_is_a_clear_problem(demo_xlsx):
    edit(demo_xlsx, "Bijeenkomsten", "E3", "20:15")  # 45 minutes for the incidentmethode
    r = cli("documents", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert r.exit_code == 1
    problem = next(m for m in meldingen(demo_xlsx) if m["Cel"] == "Bijeenkomsten!G3")
    assert "minstens" in problem["Melding"] and "45 minuten" in problem["Melding"]
    assert outputs(demo_xlsx) == []


def test_run_does_planning_and_documents_in_one_pass(demo_xlsx):
    r = cli("run", "--workbook", str(demo_xlsx), "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert "Nieuw voorstel Gent Psychologen-2027-01" in r.output and "Documenten: 4 gemaakt" in r.output
    log = [row for row in load_workbook(demo_xlsx)["Logboek"].iter_rows(min_row=2, values_only=True)]
    assert log[-1][1] == "weekrun"

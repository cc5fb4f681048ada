"""After the meeting, through the CLI on real workbooks and real .docx files: the
Aanwezigheid pre-fill, the gehouden/besproken transitions, the Accreditatie tab, the
yearly outputs (reopened with python-docx, rendered by LibreOffice) and the import of
returned evaluation forms (filled in Word's way and re-saved by LibreOffice)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from helpers import cli, docx_text, edit, meldingen, soffice_convert
from helpers import tab_rows as rows
from openpyxl import load_workbook
from test_documents import fill, sdts

from intervisie.documents import Renderer
from intervisie.values import big_check_digit

TODAY = "2026-11-22"
SOON = "Utrecht Jeugdzorg-2026-02"  # confirmed, on 2026-12-01, inside the invitation window
PAST = "Utrecht Jeugdzorg-2025-05"  # held, 3 hours with a break


@pytest.fixture
def history_xlsx(demo_history_template, tmp_path) -> Path:
    target = tmp_path / "intervisie.xlsx"
    target.write_bytes(demo_history_template.read_bytes())
    return target


def run(path: Path, *args: str, today: str = TODAY):
    return cli(*args, "--workbook", str(path), "--today", today)


# ----------------------------------------------------------------------------- attendance


def test_prefill_once_and_never_over_the_coordinators_values(demo_xlsx):
    r = run(demo_xlsx, "run")
    assert r.exit_code == 0, r.output
    soon = [a for a in rows(demo_xlsx, "Aanwezigheid") if a["Bijeenkomst"] == SOON]
    assert len(soon) == 7 and all(a["Aanwezig"] is None for a in soon)
    # the coordinator fills one in and deletes another; a second run adds only the deleted one back
    wb = load_workbook(demo_xlsx)
    ws = wb["Aanwezigheid"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == SOON and row[1].value == "Anouk van der Berg":
            row[2].value = "afgemeld"
            row[6].value = "Ziek & <thuis> 🤒"
    wb.save(demo_xlsx)
    r = run(demo_xlsx, "run")
    assert r.exit_code == 0, r.output
    soon = [a for a in rows(demo_xlsx, "Aanwezigheid") if a["Bijeenkomst"] == SOON]
    assert len(soon) == 7
    anouk = next(a for a in soon if a["Naam"] == "Anouk van der Berg")
    assert (anouk["Aanwezig"], anouk["Opmerking"]) == ("afgemeld", "Ziek & <thuis> 🤒")


def test_held_after_attendance_and_cases_discussed(demo_xlsx):
    run(demo_xlsx, "run")
    wb = load_workbook(demo_xlsx)
    ws = wb["Aanwezigheid"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == SOON:
            row[2].value = "ja"
    wb.save(demo_xlsx)
    # before the meeting nothing moves
    run(demo_xlsx, "run", today="2026-11-30")
    assert load_workbook(demo_xlsx)["Bijeenkomsten"]["L3"].value == "bevestigd"
    r = run(demo_xlsx, "run", today="2026-12-03")
    assert r.exit_code == 0, r.output
    wb = load_workbook(demo_xlsx)
    assert wb["Bijeenkomsten"]["L3"].value == "gehouden"
    case = next(c for c in rows(demo_xlsx, "Casussen") if c["Nr"] == "C-002")
    assert case["Status"] == "besproken"
    acc = [a for a in rows(demo_xlsx, "Accreditatie") if a["Jaar"] == 2026 and a["Naam"] == "Joost Bakker"]
    assert acc[0]["Bijeenkomsten"] == 1 and acc[0]["Gehouden"] == 2


def test_a_past_meeting_without_attendance_is_flagged_not_closed(demo_xlsx):
    run(demo_xlsx, "run")
    r = run(demo_xlsx, "run", today="2026-12-03")
    assert r.exit_code == 0, r.output
    assert load_workbook(demo_xlsx)["Bijeenkomsten"]["L3"].value == "bevestigd"
    found = [m for m in meldingen(demo_xlsx) if m["Cel"] == "Bijeenkomsten!L3"]
    assert found and "aanwezigheid is nog niet ingevuld" in found[0]["Melding"]
    assert found[0]["Ernst"] == "waarschuwing"


def test_a_coordinators_status_is_not_forced(demo_xlsx):
    """Attendance filled, but the coordinator set the status herself: it stays."""
    run(demo_xlsx, "run")
    wb = load_workbook(demo_xlsx)
    for row in wb["Aanwezigheid"].iter_rows(min_row=2):
        if row[0].value == SOON:
            row[2].value = "ja"
    wb["Bijeenkomsten"]["L3"].value = "geannuleerd"
    wb.save(demo_xlsx)
    run(demo_xlsx, "run", today="2026-12-03")
    assert load_workbook(demo_xlsx)["Bijeenkomsten"]["L3"].value == "geannuleerd"


def test_attendance_bad_input_names_the_cell(demo_xlsx):
    edit(
        demo_xlsx,
        {
            "Aanwezigheid!B2": "Anuk van der Berg",  # a typo: a guest, with the closest name
            "Aanwezigheid!D3": "19:00",  # before the meeting's 19:30
            "Aanwezigheid!C4": None,  # Aanwezig empty after the meeting
        },
    )
    r = run(demo_xlsx, "check")
    assert r.exit_code == 0, r.output  # warnings only
    r = run(demo_xlsx, "run")
    found = {m["Cel"]: m for m in meldingen(demo_xlsx)}
    assert "Bedoelt u 'Anouk van der Berg'?" in found["Aanwezigheid!B2"]["Melding"]
    assert "telt als gast" in found["Aanwezigheid!B2"]["Melding"]
    assert "vóór de begintijd 19:30" in found["Aanwezigheid!D3"]["Melding"]
    assert "Aanwezig is leeg voor Fatima El Amrani" in found["Aanwezigheid!C4"]["Melding"]
    assert all(m["Ernst"] == "waarschuwing" for m in found.values() if m["Tabblad"] == "Aanwezigheid")


# ----------------------------------------------------------------------------- the ledger and idempotence


def test_accreditation_tab_on_the_demo_history(history_xlsx):
    r = run(history_xlsx, "run")
    assert r.exit_code == 0, r.output
    acc = {(a["Jaar"], a["Naam"]): a for a in rows(history_xlsx, "Accreditatie")}
    # hand-computed: 5 held (one cancelled); meeting 5 is 3 h with a 15-minute break (2.75 h)
    joost = acc[(2025, "Joost Bakker")]  # late at meeting 2: 19:30 -> 20:15 costs 45 minutes
    assert (joost["Bijeenkomsten"], joost["Gehouden"], joost["Netto uren"], joost["Punten"]) == (5, 5, 12, 11.5)
    anouk = acc[(2025, "Anouk van der Berg")]  # left at 21:00 at meeting 6
    assert (anouk["Netto uren"], anouk["Punten"], anouk["Voldoet"]) == (11.75, 11.5, "ja")
    karin = acc[(2025, "Karin de Groot")]  # a substitute, not in Deelnemers
    assert (karin["Bijeenkomsten"], karin["Netto uren"], karin["Voldoet"]) == (1, 2.75, "nee")
    assert "gast" in karin["Toelichting"]
    # a second run changes nothing (only the Logboek line of the run itself)
    before = {t: rows(history_xlsx, t) for t in ("Accreditatie", "Aanwezigheid", "Bijeenkomsten", "Casussen")}
    r = run(history_xlsx, "run")
    assert "Teruggeschreven: 0 cellen, 0 rijen." in r.output
    assert before == {t: rows(history_xlsx, t) for t in before}


# ----------------------------------------------------------------------------- the yearly outputs


def zero_big() -> str:
    """A valid BIG number that starts with a 0."""
    for body in range(100000000, 100001000):
        if big_check_digit("09" + str(body)) == 0:
            return f"09{body}"
    raise AssertionError


def test_report_paste_lists_certificates_and_annual_report(history_xlsx):
    big = zero_big()
    # Daan de Vries, BIG, typed as text; the group accredited by three registers
    edit(history_xlsx, {"Deelnemers!G3": big, "Groepen!J2": "SKJ, BIG en NIP"})
    r = run(history_xlsx, "report", "--year", "2025", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "Zou maken:" in r.output and not (history_xlsx.parent / "output" / "rapportage").exists()
    r = run(history_xlsx, "report", "--year", "2025")
    assert r.exit_code == 0, r.output
    folder = history_xlsx.parent / "output" / "rapportage" / "2025" / "Utrecht Jeugdzorg"
    assert (folder / "plaklijst-BIG.txt").read_text() == "\n".join(sorted([big, "29876543210"])) + "\n"
    assert (folder / "plaklijst-NIP.txt").read_text() == "NIP-10034521\n"
    skj = (folder / "plaklijst-SKJ.txt").read_text().split()
    assert skj == ["110004567", "110006543", "110009812"]
    # the coordinator's overview: everyone, with who falls short and why
    ws = load_workbook(folder / "accreditatie-2025.xlsx").active
    sheet = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert sheet["Daan de Vries"][2] == big  # as text: the leading zero kept
    assert sheet["Karin de Groot"][9] == "nee" and "minder dan de minimale aanwezigheid" in sheet["Karin de Groot"][10]
    # a certificate per person who attended
    certs = sorted(p.stem for p in (folder / "certificaten").glob("*.docx"))
    assert "Joost Bakker" in certs and "Karin de Groot" in certs and len(certs) == 9
    text = docx_text(folder / "certificaten" / "Joost Bakker.docx")
    for expected in (
        "Bewijs van deelname",
        "Joost Bakker",
        "NIP-10034521",
        "SKJ-2027-0418",
        "11,5",
        "Ingrid Smit",
        "dinsdag 4 maart 2025",
        "1,75",
    ):
        assert expected in text, expected
    # the annual report: no confidential case, no registration number, a chart
    report = folder / "jaarverslag-2025.docx"
    text = docx_text(report)
    assert "vertrouwelijke casus" in text and "Werkdruk & grenzen bewaken" in text
    assert "Een melding huiselijk geweld" not in text and "Jongere dreigt met weglopen" not in text
    assert big not in text and "NIP-10034521" not in text and "Veilige sfeer" not in text
    assert "5 gehouden, 1 geannuleerd" in text
    with zipfile.ZipFile(report) as zf:
        pngs = [n for n in zf.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert pngs and zf.read(pngs[0])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_yearly_documents_render_in_libreoffice(history_xlsx, tmp_path):
    run(history_xlsx, "report", "--year", "2025")
    folder = history_xlsx.parent / "output" / "rapportage" / "2025" / "Utrecht Jeugdzorg"
    docs = [folder / "jaarverslag-2025.docx", folder / "certificaten" / "Özlem Yılmaz.docx"]
    out = tmp_path / "pdf"
    soffice_convert(tmp_path / "lo", "pdf", out, *docs)
    for d in docs:
        pdf = out / (d.stem + ".pdf")
        assert pdf.stat().st_size > 5000 and pdf.read_bytes().startswith(b"%PDF")


# ----------------------------------------------------------------------------- returned evaluation forms


def make_form(tmp_path: Path, name: str, nr: str, answers: dict[str, str], filename: str) -> Path:
    path = tmp_path / "in" / filename
    path.parent.mkdir(exist_ok=True)
    ctx = {
        "org": "Org",
        "group": "Utrecht Jeugdzorg",
        "meeting_nr": nr,
        "date_long": "dinsdag 1 december 2026",
        "chair": "Sven Hoekstra",
        "cycle": False,
    }
    Renderer().render("evaluatieformulier", ctx, path)
    doc = Document(str(path))
    controls = sdts(doc)
    fill(controls["naam"], name)
    for tag, value in answers.items():
        fill(controls[tag], value)
    doc.save(str(path))
    return path


ANSWERS = {"cijfer": "8", "goed": "Veilig & open <echt>", "beter": "Tijd\nbewaken", "meenemen": "Doorvragen 👍"}


def test_import_evaluations(demo_xlsx, tmp_path):
    meeting = "Utrecht Jeugdzorg-2026-01"
    make_form(tmp_path, "Daan de Vries", meeting, ANSWERS, "daan.docx")
    make_form(tmp_path, "daan de vries", meeting, {**ANSWERS, "cijfer": "9"}, "daan-oud.docx")
    os.utime(tmp_path / "in" / "daan-oud.docx", (1_700_000_000, 1_700_000_000))  # older: loses
    make_form(tmp_path, "Fatima El Amrani", meeting, {**ANSWERS, "cijfer": "11"}, "fatima.docx")
    make_form(tmp_path, "Lieke ten Brink", "Bestaat-niet-01", ANSWERS, "lieke.docx")
    (tmp_path / "in" / "kapot.docx").write_bytes(b"PK\x03\x04 no zip at all")
    (tmp_path / "in" / "notities.txt").write_text("geen formulier")
    r = run(demo_xlsx, "import-evaluations", str(tmp_path / "in"))
    assert r.exit_code == 1, r.output  # some files could not be read
    got = {e["Naam"]: e for e in rows(demo_xlsx, "Evaluaties")}
    assert set(got) == {"Daan de Vries", "Fatima El Amrani"}
    daan = got["Daan de Vries"]
    assert (daan["Bijeenkomst"], daan["Cijfer"], daan["Wat ging goed"]) == (meeting, 8, "Veilig & open <echt>")
    assert daan["Wat kan beter"] == "Tijd\nbewaken" and daan["Wat neem ik mee"] == "Doorvragen 👍"
    assert got["Fatima El Amrani"]["Cijfer"] == 11  # kept as typed, with a warning
    found = {m["Cel"]: m for m in meldingen(demo_xlsx)}
    assert found["bestand fatima.docx"]["Ernst"] == "waarschuwing"
    assert "'Bestaat-niet-01'" in found["bestand lieke.docx"]["Melding"]
    assert "geen leesbaar Word-bestand" in found["bestand kapot.docx"]["Melding"]
    assert "bestand notities.txt" in found
    # read forms moved; the ones with problems stay for the coordinator
    left = sorted(p.name for p in (tmp_path / "in").iterdir() if p.is_file())
    assert left == ["kapot.docx", "lieke.docx", "notities.txt"]
    assert sorted(p.name for p in (tmp_path / "in" / "verwerkt").iterdir()) == [
        "daan-oud.docx",
        "daan.docx",
        "fatima.docx",
    ]
    # the same forms again add nothing
    for p in (tmp_path / "in" / "verwerkt").iterdir():
        shutil.copy(p, tmp_path / "in" / p.name)
    before = rows(demo_xlsx, "Evaluaties")
    run(demo_xlsx, "import-evaluations", str(tmp_path / "in"), "--keep")
    assert rows(demo_xlsx, "Evaluaties") == before
    # a newer form from the same person replaces the answers
    newer = make_form(tmp_path, "Daan de Vries", meeting, {**ANSWERS, "cijfer": "6", "goed": "Nu anders"}, "daan2.docx")
    os.utime(newer, (2_000_000_000, 2_000_000_000))
    run(demo_xlsx, "import-evaluations", str(tmp_path / "in"), "--keep")
    got = [e for e in rows(demo_xlsx, "Evaluaties") if e["Naam"] == "Daan de Vries"]
    assert len(got) == 1 and (got[0]["Cijfer"], got[0]["Wat ging goed"]) == (6, "Nu anders")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_import_a_form_resaved_by_libreoffice(demo_xlsx, tmp_path):
    """LibreOffice drops the content-control tags: the form is read by title then."""
    meeting = "Utrecht Jeugdzorg-2026-01"
    src = make_form(tmp_path, "Sven Hoekstra", meeting, ANSWERS, "sven.docx")
    odt_dir, back = tmp_path / "odt", tmp_path / "back"
    soffice_convert(tmp_path / "lo", "odt", odt_dir, src)
    soffice_convert(tmp_path / "lo", "docx:MS Word 2007 XML", back, odt_dir / "sven.odt")
    r = run(demo_xlsx, "import-evaluations", str(back))
    assert r.exit_code == 0, r.output
    (sven,) = [e for e in rows(demo_xlsx, "Evaluaties") if e["Naam"] == "Sven Hoekstra"]
    assert sven["Bijeenkomst"] == meeting and sven["Cijfer"] == 8
    assert sven["Wat ging goed"] == "Veilig & open <echt>"
    # LibreOffice moves the line break out of the field it makes of the control
    assert sven["Wat kan beter"].replace("\n", "") == "Tijdbewaken"


def test_run_makes_last_years_report_once_early_in_the_year(tmp_path):
    from intervisie.init import create_workbook

    path = tmp_path / "intervisie.xlsx"
    create_workbook(path, demo=True, today=dt.date(2026, 1, 20))
    r = run(path, "run", "--dry-run", today="2026-01-20")
    assert "Jaarrapportage 2025 zou maken" in r.output
    assert not (tmp_path / "output" / "rapportage").exists()
    r = run(path, "run", today="2026-01-20")
    assert "Jaarrapportage 2025 gemaakt" in r.output, r.output
    made = tmp_path / "output" / "rapportage" / "2025" / "Utrecht Jeugdzorg" / "jaarverslag-2025.docx"
    stamp = made.stat().st_mtime_ns
    r = run(path, "run", today="2026-01-27")
    assert "Jaarrapportage" not in r.output and made.stat().st_mtime_ns == stamp


def test_a_grade_that_is_no_number_is_kept_as_typed(demo_xlsx, tmp_path):
    make_form(tmp_path, "Daan de Vries", "Utrecht Jeugdzorg-2026-01", {**ANSWERS, "cijfer": "acht"}, "daan.docx")
    run(demo_xlsx, "import-evaluations", str(tmp_path / "in"))
    (daan,) = rows(demo_xlsx, "Evaluaties")
    assert daan["Cijfer"] == "acht"
    r = run(demo_xlsx, "check")
    assert r.exit_code == 0  # a warning, the row is kept
    assert any(m["Cel"] == "Evaluaties!C2" and m["Ernst"] == "waarschuwing" for m in meldingen(demo_xlsx))


def test_a_broken_certificate_template_is_named_and_the_rest_is_made(history_xlsx):
    """A group's own certificaat.docx with an unknown field: one Melding on the
    group's Sjablonen cell; paste lists and the annual report are still made."""
    from intervisie.documents import default_template_dir

    own = history_xlsx.parent / "sjablonen"
    own.mkdir()
    with (
        zipfile.ZipFile(default_template_dir() / "certificaat.docx") as zin,
        zipfile.ZipFile(own / "certificaat.docx", "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ name }}", b"{{ naam_fout }}")
            zout.writestr(item, data)
    edit(history_xlsx, {"Groepen!N2": "sjablonen"})
    r = run(history_xlsx, "report", "--year", "2025")
    assert r.exit_code == 1, r.output
    (m,) = [m for m in meldingen(history_xlsx) if m["Cel"] == "Groepen!N2"]
    assert "naam_fout" in m["Melding"] and "bewijs van deelname" in m["Melding"] and "de rest" in m["Melding"]
    folder = history_xlsx.parent / "output" / "rapportage" / "2025" / "Utrecht Jeugdzorg"
    assert (folder / "plaklijst-SKJ.txt").exists() and (folder / "jaarverslag-2025.docx").exists()
    assert not list(folder.glob("certificaten/*.docx"))


def test_paste_lists_only_for_the_registers_the_group_is_accredited_by(history_xlsx):
    """A register's portal takes only its own numbers: a group accredited by SKJ gets
    the SKJ paste list only; the BIG and NIP members are in the overview, with why."""
    r = run(history_xlsx, "report", "--year", "2025")
    assert r.exit_code == 0, r.output
    folder = history_xlsx.parent / "output" / "rapportage" / "2025" / "Utrecht Jeugdzorg"
    assert sorted(p.name for p in folder.glob("plaklijst-*.txt")) == ["plaklijst-SKJ.txt"]
    ws = load_workbook(folder / "accreditatie-2025.xlsx").active
    sheet = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    joost = sheet["Joost Bakker"]  # NIP, meets the minimum
    assert joost[8] == "ja" and joost[9] == "nee"
    assert "bij SKJ geaccrediteerd, niet bij NIP" in joost[10] and "certificaat" in joost[10]


def test_a_certificate_below_the_minimum_shows_hours_but_no_points(history_xlsx):
    """Karin attended once, as a substitute: her certificate lists the date and hours,
    says why there are no points, and shows none; Joost's shows his."""
    r = run(history_xlsx, "report", "--year", "2025")
    assert r.exit_code == 0, r.output
    certs = history_xlsx.parent / "output" / "rapportage" / "2025" / "Utrecht Jeugdzorg" / "certificaten"
    karin = docx_text(certs / "Karin de Groot.docx")
    assert "2,75" in karin and "minimale aanwezigheid van 75% is in 2025 niet gehaald" in karin
    assert "goed voor" not in karin and "punten op dit bewijs" in karin
    joost = docx_text(certs / "Joost Bakker.docx")
    assert "goed voor 11,5 punten" in joost and "niet gehaald" not in joost


@pytest.mark.parametrize(
    "body,registers",
    [
        ("SKJ", ("SKJ",)),
        ("SKJ en NIP", ("SKJ", "NIP")),
        ("BIG; V & VN", ("BIG", "V&VN")),
        ("NIP-SKJ", ("SKJ", "NIP")),
        ("registerplein (kwaliteitsregister)", ("Registerplein",)),
        ("Stichting Anders Leren", None),  # no register named: every register
        ("Big Move Academie", None),
    ],
)
def test_the_registers_a_groups_accreditation_names(body, registers):
    from intervisie.accreditation import REPORTED_REGISTERS
    from intervisie.report import accredited_registers

    got = accredited_registers(body)
    assert set(got) == set(registers or REPORTED_REGISTERS)

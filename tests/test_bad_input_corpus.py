"""The bad-input corpus: each case plants one mistake in a copy of the demo workbook,
runs `intervisie check`, and asserts the exact cell and message in Meldingen, the exit
code, and that nothing else in the file changed."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import all_values, cli, meldingen
from openpyxl import load_workbook

from intervisie.values import make_big

BAD_BIG = make_big("012345678")[:-1] + str((int(make_big("012345678")[-1]) + 1) % 10)
MEETING = "Utrecht Jeugdzorg-2026-01"

# (id, {cell: value}, expected cell, expected message part, severity)
CASES = [
    (
        "email-malformed",
        {"Deelnemers!B2": "anouk@@example"},
        "Deelnemers!B2",
        "'anouk@@example' is geen geldig e-mailadres",
        "fout",
    ),
    ("email-missing", {"Deelnemers!B3": None}, "Deelnemers!B3", "E-mail is verplicht maar leeg", "fout"),
    ("email-no-domain", {"Deelnemers!B4": "fatima@example"}, "Deelnemers!B4", "geen geldig e-mailadres", "fout"),
    ("group-unknown", {"Deelnemers!C2": "Utrecht Jeugdzrg"}, "Deelnemers!C2", "Bedoelt u 'Utrecht Jeugdzorg'?", "fout"),
    (
        "name-duplicate",
        {
            "Deelnemers!A16": "Anouk van der Berg",
            "Deelnemers!B16": "a2@example.nl",
            "Deelnemers!C16": "Utrecht Jeugdzorg",
        },
        "Deelnemers!A16",
        "staat al op tabblad Deelnemers (Deelnemers!A2)",
        "fout",
    ),
    (
        "role-enum",
        {"Deelnemers!D2": "voorzitter"},
        "Deelnemers!D2",
        "Kies uit: deelnemer, procesbegeleider, cliënt, gast",
        "fout",
    ),
    (
        "registration-enum",
        {"Deelnemers!F2": "SKJX"},
        "Deelnemers!F2",
        "'SKJX' is geen geldige waarde voor Registratie",
        "fout",
    ),
    (
        "active-enum",
        {"Deelnemers!J2": "misschien"},
        "Deelnemers!J2",
        "geen geldige waarde voor Actief. Kies uit: ja, nee",
        "fout",
    ),
    (
        "big-short",
        {"Deelnemers!G3": "1234"},
        "Deelnemers!G3",
        "BIG-nummer '1234' moet uit precies 11 cijfers bestaan",
        "fout",
    ),
    ("big-lost-zero", {"Deelnemers!G3": 9012345678}, "Deelnemers!G3", "voorloopnul weggelaten", "fout"),
    ("big-check-digit", {"Deelnemers!G3": BAD_BIG}, "Deelnemers!G3", "controlecijfer van BIG-nummer", "waarschuwing"),
    (
        "nip-prefix",
        {"Deelnemers!G5": "10034521"},
        "Deelnemers!G5",
        "staat niet in de vorm NIP-10034521",
        "waarschuwing",
    ),
    (
        "nip-garbage",
        {"Deelnemers!G5": "onbekend"},
        "Deelnemers!G5",
        "is geen NIP-nummer. Schrijf het als NIP-12345678",
        "fout",
    ),
    (
        "registration-number-missing",
        {"Deelnemers!G2": None},
        "Deelnemers!G2",
        "Registratie is SKJ, maar het registratienummer is leeg",
        "waarschuwing",
    ),
    (
        "registerplein-prefix",
        {"Deelnemers!G7": "123456789"},
        "Deelnemers!G7",
        "begint normaal met 4610",
        "waarschuwing",
    ),
    (
        "chair-inactive",
        {"Bijeenkomsten!H2": "Bram Willems"},
        "Bijeenkomsten!H2",
        "Gespreksleider 'Bram Willems' staat op inactief (Deelnemers!J9)",
        "fout",
    ),
    (
        "chair-unknown",
        {"Bijeenkomsten!H2": "Anouk van den Berg"},
        "Bijeenkomsten!H2",
        "Bedoelt u 'Anouk van der Berg'?",
        "fout",
    ),
    (
        "end-before-start",
        {"Bijeenkomsten!E2": dt.time(18, 0)},
        "Bijeenkomsten!E2",
        "Eindtijd 18:00 ligt niet na de begintijd 19:30",
        "fout",
    ),
    ("date-unreadable", {"Bijeenkomsten!C2": "32-13-2026"}, "Bijeenkomsten!C2", "'32-13-2026' is geen datum", "fout"),
    (
        "time-unreadable",
        {"Bijeenkomsten!D2": "25:61"},
        "Bijeenkomsten!D2",
        "'25:61' is geen tijd. Schrijf de tijd als 19:30",
        "fout",
    ),
    (
        "meeting-status-enum",
        {"Bijeenkomsten!L2": "klaar"},
        "Bijeenkomsten!L2",
        "Kies uit: voorstel, bevestigd, gehouden, geannuleerd",
        "fout",
    ),
    ("meeting-case-unknown", {"Bijeenkomsten!J2": "C-999"}, "Bijeenkomsten!J2", "Onbekende casus 'C-999'", "fout"),
    (
        "meeting-group-unknown",
        {"Bijeenkomsten!B2": "Gent Psychologe"},
        "Bijeenkomsten!B2",
        "Bedoelt u 'Gent Psychologen'?",
        "fout",
    ),
    (
        "meeting-confirmed-no-date",
        {"Bijeenkomsten!A4": "X-1", "Bijeenkomsten!B4": "Gent Psychologen", "Bijeenkomsten!L4": "bevestigd"},
        "Bijeenkomsten!C4",
        "Een bevestigde bijeenkomst heeft een datum nodig",
        "fout",
    ),
    (
        "meeting-duplicate-nr",
        {"Bijeenkomsten!A4": MEETING, "Bijeenkomsten!B4": "Utrecht Jeugdzorg"},
        "Bijeenkomsten!A4",
        f"Bijeenkomstnummer '{MEETING}' staat er al",
        "fout",
    ),
    ("case-presenter-unknown", {"Casussen!B3": "Joost Baker"}, "Casussen!B3", "Bedoelt u 'Joost Bakker'?", "fout"),
    ("case-title-missing", {"Casussen!E3": None}, "Casussen!E3", "Titel is verplicht maar leeg", "fout"),
    (
        "case-confidential-enum",
        {"Casussen!H3": "misschien"},
        "Casussen!H3",
        "geen geldige waarde voor Vertrouwelijk",
        "fout",
    ),
    ("case-date-text", {"Casussen!D3": "gisteren"}, "Casussen!D3", "'gisteren' is geen datum", "fout"),
    (
        "case-duplicate-nr",
        {"Casussen!A3": "C-001"},
        "Casussen!A3",
        "Casusnummer 'C-001' staat er al (Casussen!A2)",
        "fout",
    ),
    (
        "case-meeting-unknown",
        {"Casussen!K2": "X-2026-99"},
        "Casussen!K2",
        "Onbekende bijeenkomst 'X-2026-99'",
        "waarschuwing",
    ),
    (
        "case-presenter-other-group",
        {"Casussen!B3": "Pieter De Smet"},
        "Casussen!B3",
        "hoort niet bij groep Utrecht Jeugdzorg",
        "waarschuwing",
    ),
    ("group-duration-text", {"Groepen!C2": "twee uur"}, "Groepen!C2", "'twee uur' is geen geheel getal", "fout"),
    (
        "group-min-over-max",
        {"Groepen!H2": 10},
        "Groepen!H2",
        "Min. deelnemers (10) is groter dan Max. deelnemers (8)",
        "fout",
    ),
    (
        "group-too-small",
        {"Groepen!H3": 6},
        "Groepen!H3",
        "Groep Gent Psychologen heeft 5 actieve deelnemers, minder dan het minimum van 6",
        "waarschuwing",
    ),
    ("group-start-text", {"Groepen!D2": "half acht"}, "Groepen!D2", "'half acht' is geen tijd", "fout"),
    ("group-facilitator-unknown", {"Groepen!G3": "Marieke Dondt"}, "Groepen!G3", "Bedoelt u 'Marieke Dhondt'?", "fout"),
    (
        "availability-enum",
        {"Beschikbaarheid!C2": "jawel"},
        "Beschikbaarheid!C2",
        "'jawel' is geen geldige waarde voor beschikbaarheid",
        "waarschuwing",
    ),
    (
        "availability-header",
        {"Beschikbaarheid!C1": "binnenkort"},
        "Beschikbaarheid!C1",
        "Kolomkop 'binnenkort' is geen datum",
        "waarschuwing",
    ),
    (
        "availability-person-unknown",
        {"Beschikbaarheid!A2": "Anouk Berg"},
        "Beschikbaarheid!A2",
        "Onbekende deelnemer 'Anouk Berg'",
        "fout",
    ),
    ("attendance-enum", {"Aanwezigheid!C2": "aanwezig"}, "Aanwezigheid!C2", "Kies uit: ja, nee, afgemeld", "fout"),
    (
        "attendance-times",
        {"Aanwezigheid!D2": dt.time(21, 0), "Aanwezigheid!E2": "20:00"},
        "Aanwezigheid!E2",
        "Tot 20:00 ligt niet na Van 21:00",
        "fout",
    ),
    (
        "evaluation-grade",
        {"Evaluaties!A2": MEETING, "Evaluaties!B2": "Anouk van der Berg", "Evaluaties!C2": 11},
        "Evaluaties!C2",
        "Cijfer 11 ligt niet tussen 1 en 10",
        "waarschuwing",
    ),
    ("setting-int", {"Instellingen!B5": "veertien"}, "Instellingen!B5", "'veertien' is geen geheel getal", "fout"),
    (
        "setting-out-of-range",
        {"Instellingen!B8": 150},
        "Instellingen!B8",
        "valt buiten het bereik (0 tot en met 100)",
        "fout",
    ),
    (
        "group-duplicate",
        {"Groepen!A4": "gent psychologen"},
        "Groepen!A4",
        "Groep 'gent psychologen' staat er al (Groepen!A3)",
        "fout",
    ),
    (
        "availability-duplicate-row",
        {"Beschikbaarheid!A16": "Anouk van der Berg", "Beschikbaarheid!B16": "Utrecht Jeugdzorg"},
        "Beschikbaarheid!A16",
        "staat al voor groep Utrecht Jeugdzorg op Beschikbaarheid!A2",
        "fout",
    ),
    (
        "meeting-copy-without-nr",
        {
            "Bijeenkomsten!B4": "Gent Psychologen",
            "Bijeenkomsten!L4": "voorstel",
            "Bijeenkomsten!B5": "gent psychologen ",
            "Bijeenkomsten!L5": "Voorstel",
        },
        "Bijeenkomsten!A5",
        "staat meer dan eens zonder nummer in de lijst (rijen 4, 5)",
        "fout",
    ),
    (
        "setting-unknown",
        {"Instellingen!A12": "Kleur", "Instellingen!B12": "blauw"},
        "Instellingen!A12",
        "Onbekende instelling 'Kleur'",
        "waarschuwing",
    ),
    (
        "header-missing",
        {"Deelnemers!B1": "Mailadres"},
        "Deelnemers!B1",
        "Kolom 'E-mail' ontbreekt in de kopregel van Deelnemers",
        "fout",
    ),
    (
        "header-structural",
        {"Bijeenkomsten!C1": "Datun"},
        "Bijeenkomsten!C1",
        "Kolom 'Datum' ontbreekt in de kopregel van Bijeenkomsten",
        "fout",
    ),
    (
        "header-typo",
        {"Bijeenkomsten!K1": "Tema"},
        "Bijeenkomsten!K1",
        "Kolomkop 'Tema' wordt niet herkend. Bedoelt u 'Thema'?",
        "waarschuwing",
    ),
    (
        "case-copy-without-nr",
        {
            "Casussen!B7": "Wouter Claes",
            "Casussen!C7": "Gent Psychologen",
            "Casussen!E7": "Ouders met tegengestelde verwachtingen",
        },
        "Casussen!A7",
        "staat meer dan eens zonder nummer in de lijst (rijen 6, 7)",
        "fout",
    ),
]


def plant(path, edits):
    wb = load_workbook(path)
    for ref, value in edits.items():
        sheet, cell = ref.split("!")
        wb[sheet][cell].value = value
    wb.save(path)


@pytest.mark.parametrize("edits,cell,message,severity", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(demo_xlsx, edits, cell, message, severity):
    plant(demo_xlsx, edits)
    before = all_values(demo_xlsx)
    result = cli("check", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    found = [m for m in meldingen(demo_xlsx) if m["Cel"] == cell]
    assert found, f"no problem at {cell}; got {[(m['Cel'], m['Melding']) for m in meldingen(demo_xlsx)]}"
    assert any(message in m["Melding"] and m["Ernst"] == severity for m in found), found
    assert result.exit_code == (1 if severity == "fout" else 0), result.output
    assert all_values(demo_xlsx) == before  # only Meldingen and Logboek were written


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


def test_clean_demo_has_no_problems(demo_xlsx):
    result = cli("check", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    assert result.exit_code == 0, result.output
    assert meldingen(demo_xlsx) == []


def test_problems_replace_previous_run(demo_xlsx):
    plant(demo_xlsx, {"Deelnemers!B2": "kapot"})
    cli("check", "--workbook", str(demo_xlsx))
    assert len(meldingen(demo_xlsx)) == 1
    plant(demo_xlsx, {"Deelnemers!B2": "anouk@example.nl"})
    cli("check", "--workbook", str(demo_xlsx))
    assert meldingen(demo_xlsx) == []


def test_dry_run_writes_nothing(demo_xlsx):
    plant(demo_xlsx, {"Deelnemers!B2": "kapot"})
    data = demo_xlsx.read_bytes()
    result = cli("check", "--workbook", str(demo_xlsx), "--dry-run")
    assert result.exit_code == 1
    assert "kapot" in result.output
    assert demo_xlsx.read_bytes() == data


def test_bad_row_is_skipped_rest_goes_on(demo_xlsx):
    from intervisie.validate import validate
    from intervisie.workbook.excel import ExcelWorkbook

    plant(demo_xlsx, {"Deelnemers!B2": "kapot"})
    rec = validate(ExcelWorkbook(demo_xlsx).read())
    assert "Anouk van der Berg" not in rec.participants
    assert "Daan de Vries" in rec.participants
    # a reference to the skipped person is not a second error
    assert [p.cell for p in rec.problems] == ["Deelnemers!B2"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("12-1-2027", dt.date(2027, 1, 12)),
        ("12 januari 2027", dt.date(2027, 1, 12)),
        ("dinsdag 12 januari 2027", dt.date(2027, 1, 12)),
        ("2027-01-12", dt.date(2027, 1, 12)),
        ("12/01/27", dt.date(2027, 1, 12)),
    ],
)
def test_text_dates_are_read(demo_xlsx, text, expected):
    from intervisie.validate import validate
    from intervisie.workbook.excel import ExcelWorkbook

    plant(demo_xlsx, {"Bijeenkomsten!C2": text, "Bijeenkomsten!D2": "19.30", "Bijeenkomsten!E2": "22u00"})
    rec = validate(ExcelWorkbook(demo_xlsx).read())
    m = rec.meetings[MEETING]
    assert (m.date, m.start, m.end) == (expected, dt.time(19, 30), dt.time(22, 0))
    assert rec.problems == []


def test_headers_tolerant_of_case_spacing_and_aliases(demo_xlsx):
    from intervisie.validate import validate
    from intervisie.workbook.excel import ExcelWorkbook

    plant(
        demo_xlsx,
        {"Deelnemers!A1": "  NAME ", "Deelnemers!B1": "e-mail", "Deelnemers!L1": "Eigen kolom", "Deelnemers!L2": "x"},
    )
    rec = validate(ExcelWorkbook(demo_xlsx).read())
    assert rec.problems == []
    assert rec.participants["Anouk van der Berg"].email == "anouk.vanderberg@example.nl"


def test_a_value_parsed_once_is_reported_on_every_cell_that_holds_it(demo_xlsx):
    """Validation parses each distinct value of a column once: its problem must still
    be said on every cell, and a list value must not be shared between records."""
    from intervisie.validate import validate
    from intervisie.workbook.excel import ExcelWorkbook

    plant(
        demo_xlsx,
        {
            "Deelnemers!C2": "Utrect Jeugdzorg",
            "Deelnemers!C3": "Utrect Jeugdzorg",
            "Beschikbaarheid!D2": "wellicht",
            "Beschikbaarheid!E3": "wellicht",
            "Bijeenkomsten!J3": "C-001",  # the same Casus list in both meetings
        },
    )
    rec = validate(ExcelWorkbook(demo_xlsx).read())
    cells = [p.cell for p in rec.problems]
    assert cells.count("Deelnemers!C2") == 1 and cells.count("Deelnemers!C3") == 1, cells
    assert "Beschikbaarheid!D2" in cells and "Beschikbaarheid!E3" in cells, cells
    first, second = (m.cases for m in rec.meetings.values())
    assert first == second == ["C-001"]
    first.append("X")
    assert second == ["C-001"]

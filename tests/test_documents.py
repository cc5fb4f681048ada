"""Word documents: templates, the fast renderer, the evaluation form read-back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from intervisie.documents import (
    ALLOWED_FIELDS,
    KINDS,
    CompiledTemplate,
    Renderer,
    default_template_dir,
)
from intervisie.errors import TemplateError
from intervisie.forms import read_evaluation_form

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "src" / "intervisie" / "data" / "templates"

ORG = "Jansen & Zn <B.V.>"
GROUP = 'Wijkteam "Noord" 🌷'
SECRET = "GEHEIME-HULPVRAAG-XYZ"


# ----------------------------------------------------------------------------- contexts


def agenda_ctx(**over):
    ctx = dict(
        org=ORG,
        group=GROUP,
        meeting_nr="3",
        date_long="dinsdag 12 januari 2027",
        start="19:30",
        end="21:45",
        location="Praktijk 'De Linde', zaal 2",
        chair="Anna de Vries",
        minute_taker="Bram Peters",
        timekeeper="",
        theme="Grenzen stellen",
        method_name="Incidentmethode",
        method_description="De inbrenger vertelt een concreet incident.\nDaarna volgen vragen.",
        cases=[
            dict(
                nr="1",
                presenter="Carla Smit",
                title="Cliënt komt te laat",
                confidential=False,
                question="Hoe ga ik het gesprek aan?",
                explanation="Regel één van de toelichting.\nRegel twee & <meer>.",
            ),
            dict(
                nr="2",
                presenter="Dirk O'Neill",
                title="Samenwerking huisarts",
                confidential=True,
                question=SECRET,
                explanation=SECRET,
            ),
            dict(
                nr="3",
                presenter="Eva Bakker",
                title="Werkdruk",
                confidential=False,
                question='Hoe zeg ik "nee"?',
                explanation="",
            ),
        ],
        timetable=[
            dict(
                start=f"{19 + (30 + 10 * i) // 60}:{(30 + 10 * i) % 60:02d}",
                end=f"{19 + (40 + 10 * i) // 60}:{(40 + 10 * i) % 60:02d}",
                minutes=10,
                name=f"Onderdeel {i + 1}",
                description="Inbrenger vertelt" if i % 2 else "",
                who="Voorzitter",
            )
            for i in range(12)
        ],
        code_of_conduct="Wat hier besproken wordt, blijft hier.\nWe laten elkaar uitpraten.",
        next_date_long="dinsdag 9 februari 2027",
    )
    ctx.update(over)
    return ctx


def presentie_ctx(n: int = 4, **over):
    people = [
        dict(
            name=f"Deelnemer {i}",
            profession="Verpleegkundige",
            registration_type="BIG",
            registration_number=f"0123456789{i}",
            organisation=ORG,
        )
        for i in range(n)
    ]
    people[0]["registration_number"] = "01234567890"
    ctx = dict(
        org=ORG,
        group=GROUP,
        meeting_nr="3",
        date_long="dinsdag 12 januari 2027",
        start="19:30",
        end="21:45",
        location="Praktijk De Linde",
        accreditation_body="V&VN Kwaliteitsregister",
        accreditation_nr="AB-123",
        points="2,5",
        people=people,
        blank_rows=list(range(4)),
    )
    ctx.update(over)
    return ctx


def eval_ctx(cycle: bool = False, **over):
    ctx = dict(
        org=ORG, group=GROUP, meeting_nr="5", date_long="dinsdag 12 januari 2027", chair="Anna de Vries", cycle=cycle
    )
    ctx.update(over)
    return ctx


def casus_ctx(**over):
    ctx = dict(
        org=ORG,
        group=GROUP,
        meeting_nr="3",
        date_long="dinsdag 12 januari 2027",
        presenter="Carla Smit",
        case_title="Cliënt komt te laat",
        question="Hoe ga ik het gesprek aan?",
        explanation="Al drie weken te laat.\nIk raak geïrriteerd.",
    )
    ctx.update(over)
    return ctx


def certificaat_ctx(**over):
    ctx = dict(
        org=ORG,
        group=GROUP,
        year="2026",
        name="Carla Smit",
        profession="GZ-psycholoog",
        registration="BIG",
        registration_number="09012345678",
        attended=5,
        held=6,
        percent=83,
        hours="12,5",
        points="12,5",
        points_per_hour="1",
        accreditation_body="SKJ & <NIP>",
        accreditation_nr="SKJ-2026-0418",
        visits=[{"nr": "3", "date_long": "dinsdag 12 januari 2027", "hours": "2,5", "points": "2,5"}],
        coordinator="Ingrid Smit",
        place_date="maandag 1 februari 2027",
    )
    ctx.update(over)
    return ctx


def jaarverslag_ctx(**over):
    ctx = dict(
        org=ORG,
        group=GROUP,
        year="2026",
        held=5,
        cancelled=1,
        members=7,
        attendance_avg="5,8 personen per bijeenkomst",
        grade_avg="7,9",
        methods="Incidentmethode, Roddelmethode",
        accreditation="SKJ SKJ-2026-0418",
        coordinator="Ingrid Smit",
        meetings=[
            {
                "date": "12-01-2026",
                "status": "gehouden",
                "method": "Incidentmethode",
                "cases": "vertrouwelijke casus",
                "present": "6",
                "grade": "8",
            },
        ],
        chart="",
        evaluations=12,
    )
    ctx.update(over)
    return ctx


CONTEXTS = {
    "agenda": agenda_ctx,
    "presentielijst": presentie_ctx,
    "evaluatieformulier": eval_ctx,
    "casusvoorbereiding": casus_ctx,
    "certificaat": certificaat_ctx,
    "jaarverslag": jaarverslag_ctx,
}


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def all_text(doc) -> str:
    """Body paragraphs, table cells (nested too), footers; w:br as newline."""
    parts = []

    def walk(container):
        for p in container.paragraphs:
            parts.append(p.text)
        for t in container.tables:
            for row in t.rows:
                for cell in row.cells:
                    walk(cell)

    walk(doc)
    for s in doc.sections:
        walk(s.footer)
    return "\n".join(parts)


def table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


# ----------------------------------------------------------------------------- templates


def test_committed_templates_equal_build_output(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_templates.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for kind in KINDS:
        built = (tmp_path / f"{kind}.docx").read_bytes()
        committed = (TEMPLATES / f"{kind}.docx").read_bytes()
        assert built == committed, f"templates/{kind}.docx is stale: run scripts/build_templates.py and commit"


def test_default_template_dir():
    assert default_template_dir() == TEMPLATES
    assert all((TEMPLATES / f"{k}.docx").is_file() for k in KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_templates_use_only_allowed_fields(kind):
    tpl = CompiledTemplate.load(TEMPLATES / f"{kind}.docx")
    tpl.check(ALLOWED_FIELDS[kind])
    assert tpl.undeclared <= ALLOWED_FIELDS[kind]
    per_meeting = {"org", "group", "meeting_nr", "date_long"}
    per_year = {"org", "group", "year"}
    assert (per_year if kind in ("certificaat", "jaarverslag") else per_meeting) <= tpl.undeclared
    # every field the renderer offers is used by the shipped template
    assert tpl.undeclared == ALLOWED_FIELDS[kind] or kind in (
        "agenda",
        "presentielijst",
        "evaluatieformulier",
        "casusvoorbereiding",
    )


def test_renderer_caches_compiled_templates(renderer):
    assert renderer.get("agenda") is renderer.get("agenda")
    with pytest.raises(ValueError):
        renderer.get("notulen")


# ----------------------------------------------------------------------------- agenda


def test_agenda_text_tables_and_escaping(renderer):
    data = renderer.render_bytes("agenda", agenda_ctx())
    doc = open_docx(data)
    text = all_text(doc)
    # exact values, escaped correctly, emoji and quotes as typed
    assert ORG in doc.paragraphs[0].text
    assert GROUP in text
    assert "Praktijk 'De Linde', zaal 2" in text
    assert 'Hoe zeg ik "nee"?' in text
    # details table: empty optional lines omitted
    details = dict((r[0], r[1]) for r in table_rows(doc.tables[0]))
    assert details["Datum"] == "dinsdag 12 januari 2027"
    assert details["Tijd"] == "19:30 – 21:45 uur"
    assert details["Voorzitter"] == "Anna de Vries"
    assert details["Notulist"] == "Bram Peters"
    assert details["Thema"] == "Grenzen stellen"
    assert "Tijdbewaker" not in details
    # cases: the confidential case shows presenter and title only
    cases = table_rows(doc.tables[1])
    assert cases[0] == ["#", "Inbrenger", "Casus en hulpvraag"]
    assert [r[1] for r in cases[1:]] == ["Carla Smit", "Dirk O'Neill", "Eva Bakker"]
    assert "Samenwerking huisarts" in cases[2][2]
    assert SECRET not in text and SECRET.encode() not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    # multi-line values keep their line breaks (w:br), and are escaped
    assert "Regel één van de toelichting.\nRegel twee & <meer>." in cases[1][2]
    assert "De inbrenger vertelt een concreet incident.\nDaarna volgen vragen." in text
    # timetable: header + 12 rows, clock times intact
    tt = table_rows(doc.tables[2])
    assert tt[0] == ["Tijd", "Min.", "Onderdeel", "Wie"]
    assert len(tt) == 13
    assert tt[1][:2] == ["19:30–19:40", "10"] and tt[12][0] == "21:20–21:30"
    assert "Volgende bijeenkomst: dinsdag 9 februari 2027" in text
    # the footer (a separate part) is rendered too
    assert f"{ORG} · Intervisiegroep {GROUP}" in doc.sections[0].footer.paragraphs[0].text


def test_agenda_optional_parts_absent(renderer):
    ctx = agenda_ctx(location="", chair="", minute_taker="", theme="", next_date_long="", code_of_conduct="", cases=[])
    doc = open_docx(renderer.render_bytes("agenda", ctx))
    assert [r[0] for r in table_rows(doc.tables[0])] == ["Datum", "Tijd"]
    text = all_text(doc)
    for gone in ("Volgende bijeenkomst", "Afspraken in deze groep", "Casus en hulpvraag"):
        assert gone not in text
    assert "Er is nog geen casus ingebracht." in text


def test_values_cannot_inject_markup(renderer):
    nasty = "</w:t></w:r><w:r><w:t>{{ org }}{% if 1 %}x{% endif %}\x0b\x00"
    data = renderer.render_bytes("agenda", agenda_ctx(theme=nasty))
    details = dict((r[0], r[1]) for r in table_rows(open_docx(data).tables[0]))
    assert details["Thema"] == "</w:t></w:r><w:r><w:t>{{ org }}{% if 1 %}x{% endif %}"


def test_output_is_a_clean_zip(renderer):
    data = renderer.render_bytes("agenda", agenda_ctx())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names[0] == "[Content_Types].xml"
        with zipfile.ZipFile(TEMPLATES / "agenda.docx") as tz:
            assert names == tz.namelist()
            # parts we do not render are copied unchanged
            for name in ("word/styles.xml", "word/numbering.xml", "word/settings.xml"):
                assert zf.read(name) == tz.read(name)
    # deterministic for the same input
    assert data == renderer.render_bytes("agenda", agenda_ctx())


def test_render_writes_atomically(renderer, tmp_path):
    out = tmp_path / "agenda.docx"
    out.write_bytes(b"old")
    renderer.render("agenda", agenda_ctx(), out)
    assert zipfile.is_zipfile(out)
    assert [p.name for p in tmp_path.iterdir()] == ["agenda.docx"]


@pytest.mark.parametrize("kind", KINDS)
def test_same_text_as_docxtpl(renderer, kind, tmp_path):
    """The fast path keeps docxtpl's semantics: same text as DocxTemplate.render."""
    from docxtpl import DocxTemplate

    ctx = CONTEXTS[kind]()
    naive = DocxTemplate(TEMPLATES / f"{kind}.docx")
    naive.render(ctx, autoescape=True)
    naive.save(tmp_path / "naive.docx")
    fast = open_docx(renderer.render_bytes(kind, ctx))
    assert all_text(fast) == all_text(Document(tmp_path / "naive.docx"))


# ----------------------------------------------------------------------------- presentielijst


def test_presentielijst(renderer):
    doc = open_docx(renderer.render_bytes("presentielijst", presentie_ctx(n=6)))
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height  # landscape A4
    assert round(sec.page_width.mm) == 297 and round(sec.page_height.mm) == 210
    details = table_rows(doc.tables[0])
    assert details[0] == ["Datum", "dinsdag 12 januari 2027", "Tijd", "19:30 – 21:45 uur"]
    assert details[1][3] == "V&VN Kwaliteitsregister, nr. AB-123 · 2,5 punten"
    t = doc.tables[1]
    rows = table_rows(t)
    assert rows[0][:5] == ["Naam", "Beroep", "Registratie (type en nummer)", "Organisatie", "Handtekening"]
    assert rows[0][5] == "Tijd aanwezig" and rows[1][5:] == ["van", "tot"]
    people = rows[2:8]
    assert [r[0] for r in people] == [f"Deelnemer {i}" for i in range(6)]
    assert people[0][2] == "BIG 01234567890"  # leading zero kept
    assert people[0][3] == ORG
    assert len(rows) == 2 + 6 + 4  # header rows, people, blank rows for substitutes
    assert all(not any(r) for r in rows[8:])
    # the header rows repeat on every page, no row splits across pages
    trs = t._tbl.findall(qn("w:tr"))
    assert all(tr.find(qn("w:trPr") + "/" + qn("w:tblHeader")) is not None for tr in trs[:2])
    assert all(tr.find(qn("w:trPr") + "/" + qn("w:tblHeader")) is None for tr in trs[2:])
    assert all(tr.find(qn("w:trPr") + "/" + qn("w:cantSplit")) is not None for tr in trs)


# ----------------------------------------------------------------------------- evaluation form


def sdts(doc) -> dict[str, object]:
    found = {}
    for sdt in doc.element.body.iter(qn("w:sdt")):
        tag = sdt.find(qn("w:sdtPr") + "/" + qn("w:tag"))
        found[tag.get(qn("w:val"))] = sdt
    return found


def fill(sdt, text: str) -> None:
    """What Word does when someone types into a content control."""
    pr = sdt.find(qn("w:sdtPr"))
    plc = pr.find(qn("w:showingPlcHdr"))
    if plc is not None:
        pr.remove(plc)
    content = sdt.find(qn("w:sdtContent"))
    for child in list(content):
        content.remove(child)
    r = content.makeelement(qn("w:r"), {})
    for i, line in enumerate(text.split("\n")):
        if i:
            r.append(r.makeelement(qn("w:br"), {}))
        t = r.makeelement(qn("w:t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
        t.text = line
        r.append(t)
    content.append(r)


BASE_TAGS = {"bijeenkomst", "naam", "cijfer", "goed", "beter", "meenemen"}
CYCLE_TAGS = {"leerdoelen", "veiligheid", "doorgaan"}


def test_evaluation_form_controls(renderer):
    doc = open_docx(renderer.render_bytes("evaluatieformulier", eval_ctx(cycle=False)))
    controls = sdts(doc)
    assert set(controls) == BASE_TAGS
    items = controls["cijfer"].findall(".//" + qn("w:listItem"))
    assert [i.get(qn("w:value")) for i in items if i.get(qn("w:value"))] == [str(n) for n in range(1, 11)]
    for tag in ("goed", "beter", "meenemen"):
        assert controls[tag].find(".//" + qn("w:text")).get(qn("w:multiLine")) == "1"
    text = all_text(doc)
    assert "Terugblik op de cyclus" not in text and "leerdoelen" not in text


def test_evaluation_form_cycle_questions(renderer):
    doc = open_docx(renderer.render_bytes("evaluatieformulier", eval_ctx(cycle=True)))
    controls = sdts(doc)
    assert set(controls) == BASE_TAGS | CYCLE_TAGS
    items = controls["doorgaan"].findall(".//" + qn("w:listItem"))
    assert [i.get(qn("w:value")) for i in items if i.get(qn("w:value"))] == ["doorgaan", "stoppen", "twijfel"]
    assert "Terugblik op de cyclus" in all_text(doc)


def test_read_evaluation_form_round_trip(renderer, tmp_path):
    path = tmp_path / "ingevuld.docx"
    renderer.render("evaluatieformulier", eval_ctx(cycle=True, meeting_nr="07"), path)
    assert read_evaluation_form(path) == {
        "bijeenkomst": "07",
        **{t: "" for t in (BASE_TAGS | CYCLE_TAGS) - {"bijeenkomst"}},
    }
    doc = Document(path)
    controls = sdts(doc)
    answers = {
        "naam": "Carla Smit",
        "cijfer": "8",
        "goed": "Veilige sfeer & goede vragen.\nIedereen kwam aan bod 👍",
        "beter": 'Tijd bewaken bij "adviezen".',
        "meenemen": "Eerst vragen, dan adviseren.",
        "leerdoelen": "Grotendeels.",
        "veiligheid": "Heel veilig.",
        "doorgaan": "doorgaan",
    }
    for tag, value in answers.items():
        fill(controls[tag], value)
    doc.save(path)
    assert read_evaluation_form(path) == {"bijeenkomst": "07", **answers}


def test_read_evaluation_form_without_tags(renderer, tmp_path):
    """LibreOffice 7.4 saves content controls without w:tag (dropdowns even without
    title) and without the placeholder flag; the reader still recognises them."""
    path = tmp_path / "lo.docx"
    renderer.render("evaluatieformulier", eval_ctx(cycle=True), path)
    doc = Document(path)
    controls = sdts(doc)
    fill(controls["naam"], "Carla")
    fill(controls["cijfer"], "9")
    fill(controls["doorgaan"], "stoppen")
    for tag, sdt in controls.items():
        pr = sdt.find(qn("w:sdtPr"))
        for name in ("w:tag", "w:showingPlcHdr") + (("w:alias",) if tag in ("cijfer", "doorgaan") else ()):
            el = pr.find(qn(name))
            if el is not None:
                pr.remove(el)
    doc.save(path)
    got = read_evaluation_form(path)
    assert got["naam"] == "Carla" and got["cijfer"] == "9" and got["doorgaan"] == "stoppen"
    assert got["bijeenkomst"] == "5" and got["goed"] == "" and got["leerdoelen"] == ""


# ----------------------------------------------------------------------------- casus


def test_casusvoorbereiding(renderer):
    doc = open_docx(renderer.render_bytes("casusvoorbereiding", casus_ctx()))
    text = all_text(doc)
    assert "Hoe ga ik het gesprek aan?" in text
    assert "Al drie weken te laat.\nIk raak geïrriteerd." in text
    details = dict((r[0], r[1]) for r in table_rows(doc.tables[0]))
    assert details == {"Datum": "dinsdag 12 januari 2027", "Inbrenger": "Carla Smit", "Casus": "Cliënt komt te laat"}
    (model,) = [t for t in doc.tables if t.rows[0].cells[-1].text == "Prestaties"]
    grid = [[c.text.split("\n")[0] for c in row.cells] for row in model.rows]
    assert grid == [
        ["", "Organisatie", "Prestaties"],
        ["Urgentie in A", "Oorzaak", "Probleem"],
        ["Ambitie voor B", "Middel", "Doel"],
    ]
    no_question = all_text(
        open_docx(renderer.render_bytes("casusvoorbereiding", casus_ctx(question="", explanation="")))
    )
    assert "Nog niet geformuleerd." in no_question and "Toelichting" not in no_question


# ----------------------------------------------------------------------------- broken templates


def make_docx(path: Path, paragraphs: list[str], footer: str | None = None) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if footer is not None:
        doc.sections[0].footer.paragraphs[0].text = footer
    doc.save(path)
    return path


def test_syntax_error_names_file_and_placeholder(tmp_path):
    path = make_docx(tmp_path / "mijn_agenda.docx", ["{{ org }}", "Voorzitter: {{ chair | }}", "Einde"])
    with pytest.raises(TemplateError) as exc:
        Renderer(overrides={"agenda": path}).get("agenda")
    msg = str(exc.value)
    assert "mijn_agenda.docx" in msg and "{{ chair | }}" in msg and "\n" not in msg


def test_unclosed_block_is_named(tmp_path):
    path = make_docx(tmp_path / "kapot.docx", ["{% if chair %}", "Voorzitter: {{ chair }}"])
    with pytest.raises(TemplateError, match=r"kapot\.docx.*\{% if chair %\}.*endif"):
        CompiledTemplate.load(path)


def test_undeclared_variable_names_file_and_field(tmp_path):
    path = make_docx(tmp_path / "eigen.docx", ["{{ org }}", "Voorzitter: {{ voorzitter }}"])
    with pytest.raises(TemplateError) as exc:
        Renderer(overrides={"agenda": path}).get("agenda")
    msg = str(exc.value)
    assert msg.startswith("Sjabloon eigen.docx: onbekend veld '{{ voorzitter }}'")
    assert "{{ chair }}" in msg  # the hint


def test_error_in_footer_is_found(tmp_path):
    path = make_docx(tmp_path / "voet.docx", ["{{ org }}"], footer="{{ groep }}")
    with pytest.raises(TemplateError, match=r"voet\.docx.*'\{\{ groep \}\}'.*voettekst"):
        Renderer(overrides={"presentielijst": path}).get("presentielijst")


def test_custom_template_renders(tmp_path):
    path = make_docx(tmp_path / "kort.docx", ["{{ org }} – {{ date_long }}"], footer="{{ group }}")
    doc = Document(path)
    doc.core_properties.title = "Agenda {{ group }}"  # docxtpl renders core properties too
    doc.save(path)
    out = tmp_path / "out.docx"
    Renderer(overrides={"agenda": path}).render("agenda", agenda_ctx(), out)
    doc = Document(out)
    assert doc.paragraphs[0].text == f"{ORG} – dinsdag 12 januari 2027"
    assert doc.sections[0].footer.paragraphs[0].text == GROUP
    assert doc.core_properties.title == f"Agenda {GROUP}"


def test_not_a_docx(tmp_path):
    bad = tmp_path / "agenda.docx"
    bad.write_text("geen zip")
    with pytest.raises(TemplateError, match="agenda.docx"):
        CompiledTemplate.load(bad)
    with pytest.raises(TemplateError, match="bestaat niet"):
        Renderer(template_dir=tmp_path / "nergens").get("agenda")


# ----------------------------------------------------------------------------- LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_conversion(renderer, tmp_path):
    docs = {
        "agenda": agenda_ctx(),
        "presentielijst": presentie_ctx(n=6),
        "evaluatieformulier": eval_ctx(cycle=False),
        "evaluatie_cyclus": eval_ctx(cycle=True),
        "casusvoorbereiding": casus_ctx(),
    }
    for name, ctx in docs.items():
        kind = "evaluatieformulier" if name.startswith("evaluatie") else name
        renderer.render(kind, ctx, tmp_path / f"{name}.docx")
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *[str(tmp_path / f"{n}.docx") for n in docs],
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr

    def pdf(name: str) -> tuple[int, str]:
        path = tmp_path / f"{name}.pdf"
        assert path.exists(), proc.stdout + proc.stderr
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        raw = path.read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page[^s]", raw))
        return pages, " ".join(text.split())

    pages, text = pdf("agenda")
    assert 1 <= pages <= 3
    for s in (
        ORG,
        "Agenda",
        "19:30 – 21:45 uur",
        "Carla Smit",
        "Dirk O'Neill",
        "21:20–21:30",
        "dinsdag 9 februari 2027",
    ):
        assert s in text
    assert SECRET not in text

    pages, text = pdf("presentielijst")
    assert pages == 1
    assert "BIG 01234567890" in text and "Deelnemer 5" in text

    assert pdf("evaluatieformulier")[0] == 1
    pages, text = pdf("evaluatie_cyclus")
    assert pages == 2 and "Terugblik op de cyclus" in text

    pages, text = pdf("casusvoorbereiding")
    assert pages == 2
    for s in ("Hoe ga ik het gesprek aan?", "Oorzaak", "Probleem", "Middel", "Doel"):
        assert s.upper() in text.upper()

"""`intervisie init`: a new workbook a non-technical coordinator can use at once.

Built from the schema: a 'Lees mij' tab, styled and frozen header rows, column widths,
dropdowns on every enumerated and reference column (through named ranges, so they keep
working as rows are added and survive a save in Excel), date and time formats.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook as XlWorkbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from . import schema
from .errors import WorkbookError
from .files import atomic_write
from .schema import Kind, Tab
from .values import as_text
from .workbook.excel import set_cell
from .workbook.xlsxparts import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT

ROWS = 2000  # dropdowns and formats reach this far down
LISTS_TAB = "Keuzelijsten"  # hidden: the lists dropdowns pick from
METHODS_LIST = "lijst_methoden"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SYSTEM_FILL = PatternFill("solid", fgColor="7F7F7F")
FONT_NAME = "Calibri"  # LibreOffice shows it with the metric-compatible Carlito
HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF")
HEADER_HEIGHT = 32  # two lines of header text
DATE_HEADER_WIDTH = 15  # 'wo 13-1-2027' in bold
THIN = Side(style="thin", color="BFBFBF")

LEES_MIJ_TEXT: list[tuple[str, str]] = [
    ("Intervisie-werkmap", "title"),
    (
        "Deze werkmap is de administratie van uw intervisiegroepen. U vult de tabbladen; "
        "het programma intervisie leest ze elke week, plant bijeenkomsten, maakt agenda's, "
        "presentielijsten en evaluatieformulieren en schrijft de resultaten terug.",
        "",
    ),
    ("", ""),
    ("Zo werkt het", "h"),
    ("1. Vul Instellingen, Groepen en Deelnemers in. Kies waar mogelijk uit de keuzelijst in de cel.", ""),
    ("2. Laat deelnemers per datum invullen of ze kunnen (Beschikbaarheid: ja, nee of misschien).", ""),
    ("3. Deelnemers dienen casussen in (tabblad Casussen).", ""),
    (
        "4. Het programma stelt de volgende bijeenkomst voor (status 'voorstel'): datum, tijd, locatie, "
        "gespreksleider, notulist en casus. Controleer het voorstel, pas aan wat u wilt en zet de status op 'bevestigd'.",
        "",
    ),
    ("5. Voor bevestigde bijeenkomsten maakt het programma de agenda, presentielijst en het evaluatieformulier.", ""),
    (
        "6. Na afloop vult u Aanwezigheid in (ja, nee of afgemeld); het programma zet de status dan zelf op "
        "'gehouden' en rekent de uren en punten voor de accreditatie uit.",
        "",
    ),
    (
        "In de kolom 'Stand van zaken' op tabblad Bijeenkomsten staat per bijeenkomst wat er gemaakt en verstuurd is "
        "en wat u als volgende doet.",
        "",
    ),
    ("", ""),
    ("Hoe een datum wordt gekozen", "h"),
    (
        "Een datum moet genoeg deelnemers halen (Min. deelnemers). 'ja' telt als een hele deelnemer, 'misschien' als "
        "een halve: 3 ja en 2 misschien is 4 verwachte deelnemers. Haalt een voorstel het minimum alleen dankzij "
        "'misschien', dan meldt het programma dat, zodat u de twijfelaars kunt vragen.",
        "",
    ),
    (
        "Het programma kiest liever een datum na de uitnodigingstermijn (Instellingen), zodat er tijd is om te "
        "bevestigen en uit te nodigen. Feestdagen en data te kort na de vorige bijeenkomst vallen af.",
        "",
    ),
    ("", ""),
    ("Statussen van een bijeenkomst", "h"),
    ("voorstel → bevestigd → gehouden, of geannuleerd. Alleen een bevestigde bijeenkomst wordt verstuurd.", ""),
    ("Statussen van een casus", "h"),
    ("nieuw → ingepland → besproken, of vervallen.", ""),
    ("", ""),
    ("De tabbladen", "h"),
    ("Instellingen: organisatie, coördinator, wanneer uitnodigingen en herinneringen uitgaan, en de gedragscode.", ""),
    (
        "Groepen: per groep de methode, duur, begintijd, frequentie, locaties (gescheiden door ;), procesbegeleider en accreditatie.",
        "",
    ),
    (
        "Deelnemers: één rij per persoon, met e-mail, groep, rol en registratie (BIG, SKJ, NIP, ...). "
        "Typ registratienummers als tekst, zodat voorloopnullen blijven staan.",
        "",
    ),
    (
        "Beschikbaarheid: per persoon en groep een rij; elke kolom na Groep is een mogelijke datum (de kop is de datum).",
        "",
    ),
    (
        "Casussen: de ingebrachte casussen. Vertrouwelijk = ja (standaard): alleen inbrenger en titel komen op de agenda.",
        "",
    ),
    ("Bijeenkomsten: de geplande bijeenkomsten. Grijze kolommen vult het programma zelf.", ""),
    ("Aanwezigheid en Evaluaties: wie er was, en de beoordelingen van deelnemers.", ""),
    ("Accreditatie, Meldingen en Logboek: schrijft het programma; wijzigingen daar worden overschreven.", ""),
    ("", ""),
    ("Goed om te weten", "h"),
    (
        "Grijze kolomkoppen zijn van het programma; blauwe zijn van u. Het programma vult een blauwe cel alleen als die leeg is, "
        "en overschrijft nooit wat u hebt ingevuld.",
        "",
    ),
    (
        "U mag rijen sorteren, toevoegen en kolommen toevoegen; het programma zoekt rijen op naam of nummer, niet op plaats.",
        "",
    ),
    ("Staat er iets niet goed, dan vindt u op tabblad Meldingen welke cel het is en hoe u het oplost.", ""),
    ("Casusinhoud is vertrouwelijk: die gaat alleen naar de leden van de eigen groep.", ""),
]


def _list_name(tab: Tab) -> str:
    return "lijst_" + tab.name.lower().replace(" ", "_")


def create_workbook(
    path: str | os.PathLike[str],
    demo: bool = False,
    today: dt.date | None = None,
    overwrite: bool = False,
    history: bool = True,
) -> Path:
    """Write a new workbook; with `demo`, filled with example data around `today` (and,
    with `history`, last year's held meetings, attendance and evaluations)."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise WorkbookError(f"{target} bestaat al; kies een andere naam of verwijder het bestand eerst")
    if target.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{target}: een werkmap moet de extensie .xlsx hebben")
    today = today or dt.date.today()
    data = demo_data(today, history) if demo else {}
    wb = build_workbook(data, today)
    return atomic_write(target, wb.save)


def build_workbook(data: dict[str, list[list[Any]]], today: dt.date) -> XlWorkbook:
    wb = XlWorkbook()
    wb.remove(wb.active)
    _lees_mij(wb)
    for tab in schema.DATA_TABS:
        ws = wb.create_sheet(tab.name)
        headers: list[Any] = [c.name for c in tab.columns]
        rows = data.get(tab.name) or (schema.default_setting_rows() if tab is schema.INSTELLINGEN else [])
        if tab is schema.BESCHIKBAARHEID:
            dates = data.get("_dates", [])
            headers = headers + list(dates)
        for i, h in enumerate(headers, start=1):
            cell = ws.cell(1, i)
            set_cell(cell, h) if isinstance(h, str) else _date_header(cell, h)
            col = tab.columns[i - 1] if i <= len(tab.columns) else None
            cell.fill = (
                SYSTEM_FILL
                if (tab.system or (col is not None and col.owned and not col.fill_if_empty))
                else HEADER_FILL
            )
            cell.font = HEADER_FONT
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = Border(bottom=THIN)
            width = _header_width(col.name, col.width) if col else DATE_HEADER_WIDTH
            ws.column_dimensions[cell.column_letter].width = width
        ws.row_dimensions[1].height = HEADER_HEIGHT
        _print_setup(ws)
        ws.freeze_panes = "B2" if tab in (schema.DEELNEMERS, schema.BESCHIKBAARHEID) else "A2"
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    set_cell(ws.cell(r, c), value)
        _formats(ws, tab, len(headers))
        if tab.system:
            ws.sheet_properties.tabColor = "7F7F7F"
        if tab is schema.INSTELLINGEN:
            for r in range(2, len(schema.SETTINGS) + 2):
                ws.cell(r, 2).alignment = Alignment(wrap_text=True, vertical="top")
                ws.row_dimensions[r].height = _text_height(as_text(ws.cell(r, 2).value), tab.columns[1].width)
        if tab is schema.BIJEENKOMSTEN:
            _highlight_proposals(ws, len(headers))
    _names_and_dropdowns(wb, data)
    wb.active = 0
    return wb


def _header_width(name: str, width: int) -> float:
    """Wide enough that a header breaks between words, never inside one (bold)."""
    longest = max((len(w) for w in name.split()), default=0)
    return max(width, round(longest * 1.25 + 3, 1))


def _text_height(text: str, width: float, line: float = 15.0) -> float:
    """Row height for wrapped text in a column `width` characters wide."""
    per_line = max(int(width * 1.1), 10)
    lines = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n")) if text else 1
    return max(line, lines * line + 2)


def _print_setup(ws: Any) -> None:
    """Printed or saved as PDF: landscape, every column on one page width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def _highlight_proposals(ws: Any, ncols: int) -> None:
    """A row whose status is 'voorstel' stands out: it waits for the coordinator."""
    from openpyxl.formatting.rule import FormulaRule

    status = next(i for i, c in enumerate(schema.BIJEENKOMSTEN.columns, start=1) if c.name == "Status")
    letter = get_column_letter(status)
    ws.conditional_formatting.add(
        f"A2:{get_column_letter(ncols)}{ROWS}",
        FormulaRule(formula=[f'${letter}2="voorstel"'], fill=PatternFill("solid", fgColor="FFF2CC")),
    )


def _date_header(cell: Any, value: dt.date) -> None:
    cell.value = value
    cell.number_format = "[$-413]ddd d-m-yyyy"  # Dutch day names (di 12-1-2027) in every locale


def _lees_mij(wb: XlWorkbook) -> None:
    ws = wb.create_sheet(schema.LEES_MIJ.name)
    ws.column_dimensions["A"].width = 88  # fits a portrait A4 page
    ws.sheet_view.showGridLines = False
    _print_setup(ws)
    ws.page_setup.orientation = "portrait"
    for r, (text, style) in enumerate(LEES_MIJ_TEXT, start=1):
        cell = ws.cell(r, 1)
        set_cell(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(name=FONT_NAME, bold=True, size=16, color="1F4E79")
            ws.row_dimensions[r].height = 26
        elif style == "h":
            cell.font = Font(name=FONT_NAME, bold=True, size=12, color="1F4E79")
            ws.row_dimensions[r].height = 22
        else:
            cell.font = Font(name=FONT_NAME, size=11)
            ws.row_dimensions[r].height = _text_height(text, 80)


def _formats(ws: Any, tab: Tab, ncols: int) -> None:
    fmt = {Kind.DATE: DATE_FORMAT, Kind.TIME: TIME_FORMAT, Kind.DATETIME: DATETIME_FORMAT}
    for i, col in enumerate(tab.columns, start=1):
        number_format = fmt.get(col.kind)
        if col.text_cell:
            number_format = "@"  # text: keeps leading zeros
        if number_format is None:
            continue
        letter = ws.cell(1, i).column_letter
        ws.column_dimensions[letter].number_format = number_format
        for r in range(2, max(ws.max_row, 2) + 1):
            cell = ws.cell(r, i)
            if cell.value is None or number_format != "@":
                cell.number_format = number_format


def _names_and_dropdowns(wb: XlWorkbook, data: dict[str, Any]) -> None:
    # named ranges for the key columns that other tabs refer to
    for tab in schema.REFERENCED_TABS:
        letter = schema.col_letter(tab.columns.index(tab.key) + 1) if tab.key else "A"
        ref = f"'{tab.name}'!${letter}$2:${letter}${ROWS}"
        wb.defined_names[_list_name(tab)] = DefinedName(_list_name(tab), attr_text=ref)
    # the method library as a list to pick from (a hidden tab of its own)
    from .methods import load_library

    lists = wb.create_sheet(LISTS_TAB)
    lists.sheet_state = "hidden"
    names = sorted(m.name for m in load_library().methods.values())
    for r, name in enumerate(names, start=1):
        lists.cell(r, 1).value = name
    wb.defined_names[METHODS_LIST] = DefinedName(METHODS_LIST, attr_text=f"'{LISTS_TAB}'!$A$1:$A${len(names)}")
    for tab in schema.DATA_TABS:
        if tab.system:
            continue
        ws = wb[tab.name]
        for i, col in enumerate(tab.columns, start=1):
            letter = ws.cell(1, i).column_letter
            rng = f"{letter}2:{letter}{ROWS}"
            if col.name == "Methode":
                dv = DataValidation(type="list", formula1=METHODS_LIST, allow_blank=True)
                dv.errorStyle = "warning"  # a method of the operator's own file may be typed
                dv.error = "Deze methode staat niet in de lijst; controleer de naam."
                dv.errorTitle = col.name
                dv.prompt = "Kies een methode uit de lijst."
            elif col.name == "Cijfer":
                dv = DataValidation(type="decimal", operator="between", formula1="1", formula2="10", allow_blank=True)
                dv.error = "Vul een cijfer van 1 tot en met 10 in."
                dv.errorTitle = col.name
                dv.prompt = "Een cijfer van 1 tot en met 10."
            elif col.kind == Kind.LIST and col.ref:
                dv = DataValidation(type="list", formula1=_list_name(schema.tab(col.ref)), allow_blank=True)
                dv.errorStyle = "warning"  # several, separated by ;, may be typed
                dv.error = f"Kies uit de lijst, of typ meerdere gescheiden door ; (tabblad {col.ref})."
                dv.errorTitle = col.name
                dv.prompt = f"Kies uit tabblad {col.ref}; meerdere gescheiden door ;."
            elif col.kind == Kind.ENUM and col.choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True)
                dv.error = f"Kies een van: {', '.join(col.choices)}"
                dv.errorTitle = col.name
                dv.prompt = col.help or f"Kies uit de lijst: {', '.join(col.choices)}"
            elif col.kind == Kind.REF and col.ref:
                dv = DataValidation(type="list", formula1=_list_name(schema.tab(col.ref)), allow_blank=True)
                dv.errorStyle = "warning"  # a new name may be typed; check reports it
                dv.error = f"Deze waarde staat niet op tabblad {col.ref}."
                dv.errorTitle = col.name
            elif col.kind == Kind.DATE:
                dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
                dv.error = "Vul een datum in, zoals 12-1-2027."
                dv.errorTitle = col.name
            elif col.kind == Kind.TIME:
                dv = DataValidation(
                    type="time", operator="between", formula1="0", formula2="0.999988", allow_blank=True
                )
                dv.error = "Vul een tijd in, zoals 19:30."
                dv.errorTitle = col.name
            else:
                continue
            dv.showErrorMessage = True
            dv.showInputMessage = bool(dv.prompt)
            if dv.prompt:
                dv.promptTitle = col.name
            ws.add_data_validation(dv)
            dv.add(rng)
        if tab is schema.BESCHIKBAARHEID:
            ndates = len(data.get("_dates", [])) + 52  # a year of weekly dates beyond the given ones
            first = len(tab.columns) + 1
            last = ws.cell(1, first + ndates).column_letter
            dv = DataValidation(type="list", formula1='"' + ",".join(schema.BESCHIKBAAR) + '"', allow_blank=True)
            dv.error = "Kies ja, nee of misschien."
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(f"{ws.cell(1, first).column_letter}2:{last}{ROWS}")


# ------------------------------------------------------------------ demo data

DEMO_GROUPS = [
    # Groep, Methode, Duur, Begintijd, Frequentie, Locaties, Procesbegeleider, Min, Max, Accreditatie, Nr, Punten/uur, Actief
    [
        "Utrecht Jeugdzorg",
        "Incidentmethode",
        150,
        dt.time(19, 30),
        6,
        "Wijkcentrum De Pijler, Utrecht; Praktijk Oudegracht 112, Utrecht",
        "",
        4,
        8,
        "SKJ",
        "SKJ-2027-0418",
        1,
        "ja",
    ],
    [
        "Gent Psychologen",
        "Collegiaal advies",
        120,
        dt.time(14, 0),
        8,
        "Online (Teams); Huis van het Kind, Gent",
        "Marieke Dhondt",
        4,
        7,
        "NIP",
        "NIP-A-27-1153",
        1,
        "ja",
    ],
]

DEMO_PEOPLE = [
    # Naam, E-mail, Groep, Rol, Beroep, Registratie, Registratienummer, Organisatie, Telefoon, Actief, Opmerkingen
    [
        "Anouk van der Berg",
        "anouk.vanderberg@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Jeugdzorgwerker",
        "SKJ",
        "110004567",
        "Stichting Jeugd & Gezin <Utrecht>",
        "06-12345678",
        "ja",
        "",
    ],
    [
        "Daan de Vries",
        "daan.devries@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "GZ-psycholoog",
        "BIG",
        "BIG1",
        "Praktijk De Vries",
        "",
        "ja",
        "",
    ],
    [
        "Fatima El Amrani",
        "f.elamrani@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Gezinscoach",
        "SKJ",
        "110009812",
        "Buurtteam Overvecht",
        "",
        "ja",
        "",
    ],
    [
        "Joost Bakker",
        "joost.bakker@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Orthopedagoog",
        "NIP",
        "NIP-10034521",
        "Jansen & Zn <B.V.>",
        "",
        "ja",
        "",
    ],
    [
        "Lieke ten Brink",
        "lieke.tenbrink@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Verpleegkundige",
        "BIG",
        "BIG2",
        "UMC Utrecht",
        "",
        "ja",
        "Voorkeur voor casussen over gezinnen",
    ],
    [
        "Sven Hoekstra",
        "sven.hoekstra@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Maatschappelijk werker",
        "Registerplein",
        "461012345",
        "Lokalis",
        "",
        "ja",
        "",
    ],
    [
        "Özlem Yılmaz",
        "ozlem.yilmaz@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Jeugdverpleegkundige",
        "V&VN",
        "7890123",
        "GGD regio Utrecht",
        "",
        "ja",
        "",
    ],
    [
        "Bram Willems",
        "bram.willems@example.nl",
        "Utrecht Jeugdzorg",
        "deelnemer",
        "Jeugdzorgwerker",
        "SKJ",
        "110006543",
        "Timon",
        "",
        "nee",
        "Met verlof tot de zomer",
    ],
    [
        "Marieke Dhondt",
        "marieke.dhondt@example.be",
        "Gent Psychologen",
        "procesbegeleider",
        "Supervisor",
        "Anders",
        "",
        "Dhondt Coaching",
        "",
        "ja",
        "Externe procesbegeleider",
    ],
    [
        "Pieter De Smet",
        "pieter.desmet@example.be",
        "Gent Psychologen",
        "deelnemer",
        "Klinisch psycholoog",
        "Anders",
        "PSY-884512",
        "AZ Sint-Lucas",
        "",
        "ja",
        "",
    ],
    [
        "Elise Vandenbroucke",
        "elise.vdb@example.be",
        "Gent Psychologen",
        "deelnemer",
        "Psychotherapeut",
        "NIP",
        "NIP-10087766",
        "Praktijk 't Veld",
        "",
        "ja",
        "",
    ],
    [
        "Wouter Claes",
        "wouter.claes@example.be",
        "Gent Psychologen",
        "deelnemer",
        "Psycholoog",
        "Anders",
        "PSY-770013",
        "CLB Gent",
        "",
        "ja",
        "",
    ],
    [
        "Hanne Verstraeten",
        "hanne.verstraeten@example.be",
        "Gent Psychologen",
        "deelnemer",
        "Orthopedagoog",
        "Geen",
        "",
        "Het Ventiel",
        "",
        "ja",
        "",
    ],
    [
        "Sofie Maes",
        "sofie.maes@example.be",
        "Gent Psychologen",
        "deelnemer",
        "Kinderpsycholoog",
        "Anders",
        "PSY-912240",
        "UZ Gent",
        "",
        "ja",
        "",
    ],
]


def _next_weekday(d: dt.date, weekday: int) -> dt.date:
    return d + dt.timedelta(days=(weekday - d.weekday()) % 7)


def _demo_history(year: int, people: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """Last year's meetings of the Utrecht group, held, with attendance and evaluations
    (so the demo has an accreditation year to report on): partial attendance, a
    substitute, a cancelled meeting and a 3-hour meeting with a break."""
    utrecht = [p[0] for p in people if p[2] == "Utrecht Jeugdzorg"]
    group = "Utrecht Jeugdzorg"
    place = "Wijkcentrum De Pijler, Utrecht"

    def nr(i: int) -> str:
        return f"{group}-{year}-{i:02d}"

    def tuesday(month: int, day: int) -> dt.date:
        return _next_weekday(dt.date(year, month, day), 1)

    t = dt.time
    plan = [  # date, start, end, chair, minute-taker, case, status
        (tuesday(1, 14), t(19, 30), t(22, 0), utrecht[0], utrecht[1], f"C-{year}-01", "gehouden"),
        (tuesday(3, 4), t(19, 30), t(22, 0), utrecht[2], utrecht[3], f"C-{year}-02", "gehouden"),
        (tuesday(4, 22), t(19, 30), t(22, 0), utrecht[4], utrecht[5], f"C-{year}-03", "gehouden"),
        (tuesday(6, 10), t(19, 30), t(22, 0), utrecht[6], utrecht[0], "", "geannuleerd"),
        (tuesday(9, 9), t(19, 0), t(22, 0), utrecht[6], utrecht[0], f"C-{year}-04", "gehouden"),
        (tuesday(11, 4), t(19, 30), t(22, 0), utrecht[1], utrecht[2], f"C-{year}-05", "gehouden"),
    ]
    meetings = [
        [nr(i), group, d, s, e, place, "Incidentmethode", ch, mt, case, "", status]
        for i, (d, s, e, ch, mt, case, status) in enumerate(plan, start=1)
    ]
    titles = [
        ("Een melding huiselijk geweld", "ja"),
        ("Werkdruk & grenzen bewaken", "nee"),
        ("Jongere dreigt met weglopen", "ja"),
        ("Samenwerken met de huisarts", "nee"),
        ("Ouders die elkaar tegenspreken", "ja"),
    ]
    held = [row for row in meetings if row[11] == "gehouden"]
    cases = [
        [
            row[9],
            utrecht[(i * 3 + 2) % len(utrecht)],
            group,
            row[2] - dt.timedelta(days=21),
            title,
            "",
            "",
            conf,
            "",
            "besproken",
            row[0],
        ]
        for i, (row, (title, conf)) in enumerate(zip(held, titles, strict=True))
    ]
    # name -> (Aanwezig, Van, Tot, Vervanger) where it differs from a plain 'ja'
    special: dict[int, dict[str, tuple[str, Any, Any, str]]] = {
        2: {utrecht[3]: ("ja", t(20, 15), None, "")},  # came late
        3: {utrecht[4]: ("afgemeld", None, None, ""), utrecht[1]: ("nee", None, None, "")},
        5: {utrecht[5]: ("afgemeld", None, None, "Karin de Groot"), utrecht[7]: ("afgemeld", None, None, "")},
        6: {utrecht[2]: ("afgemeld", None, None, ""), utrecht[0]: ("ja", None, t(21, 0), "")},
    }
    attendance: list[list[Any]] = []
    evaluations: list[list[Any]] = []
    grades = [8, 7, 9, 8, 6, 8, 7, 9]
    for i, row in enumerate(meetings, start=1):
        if row[11] != "gehouden":
            continue
        for k, name in enumerate(utrecht):
            present, van, tot, sub = special.get(i, {}).get(name, ("ja", None, None, ""))
            attendance.append([row[0], name, present, van, tot, sub, ""])
            if present == "ja" and (i + k) % 3 != 0:
                evaluations.append(
                    [
                        row[0],
                        name,
                        grades[(i + k) % len(grades)],
                        "Veilige sfeer & goede vragen 👍",
                        "Strakker op de tijd letten.",
                        "Eerst vragen, dan adviseren.",
                        row[2] + dt.timedelta(days=2),
                    ]
                )
    return {"Bijeenkomsten": meetings, "Casussen": cases, "Aanwezigheid": attendance, "Evaluaties": evaluations}


def demo_data(today: dt.date, history: bool = True) -> dict[str, Any]:
    from .values import make_big

    people = [list(p) for p in DEMO_PEOPLE]
    bigs = iter([make_big("012345678"), make_big("876543210")])
    for p in people:
        if p[6] in ("BIG1", "BIG2"):
            p[6] = next(bigs)
    # candidate dates: Tuesdays (Utrecht) and Thursdays (Gent) over the coming months
    tuesdays = [_next_weekday(today + dt.timedelta(days=14), 1) + dt.timedelta(weeks=w) for w in range(0, 12)]
    thursdays = [_next_weekday(today + dt.timedelta(days=14), 3) + dt.timedelta(weeks=w) for w in range(0, 12, 2)]
    dates = sorted(tuesdays[::2] + tuesdays[1:4:2] + thursdays)
    avail: list[list[Any]] = []
    pattern = ["ja", "ja", "misschien", "ja", "nee", "ja", "ja", "ja", "misschien", "ja", "ja", "nee"]
    for i, p in enumerate(people):
        name, group = p[0], p[2]
        row: list[Any] = [name, group]
        for j, d in enumerate(dates):
            relevant = (d.weekday() == 1) == (group == "Utrecht Jeugdzorg")
            row.append(pattern[(i * 5 + j * 7) % len(pattern)] if relevant else "")
        avail.append(row)
    past = _next_weekday(today - dt.timedelta(weeks=7), 1)
    soon = _next_weekday(today + dt.timedelta(days=6), 1)  # confirmed, inside the invitation window
    meetings = [
        [
            f"Utrecht Jeugdzorg-{past.year}-01",
            "Utrecht Jeugdzorg",
            past,
            dt.time(19, 30),
            dt.time(22, 0),
            "Wijkcentrum De Pijler, Utrecht",
            "Incidentmethode",
            "Anouk van der Berg",
            "Daan de Vries",
            "C-001",
            "Grenzen stellen",
            "gehouden",
        ],
        [
            f"Utrecht Jeugdzorg-{soon.year}-0{2 if soon.year == past.year else 1}",
            "Utrecht Jeugdzorg",
            soon,
            dt.time(19, 30),
            dt.time(22, 0),
            "Praktijk Oudegracht 112, Utrecht",
            "Incidentmethode",
            "Sven Hoekstra",
            "Özlem Yılmaz",
            "C-002",
            "Samenwerken in de keten",
            "bevestigd",
        ],
    ]
    cases = [
        [
            "C-001",
            "Fatima El Amrani",
            "Utrecht Jeugdzorg",
            past - dt.timedelta(days=20),
            "Moeder weigert hulpverlening",
            "Hoe houd ik contact met een moeder die elke afspraak afzegt?",
            "Drie afspraken afgezegd; kinderen (4 en 7) missen school.",
            "ja",
            "",
            "besproken",
            f"Utrecht Jeugdzorg-{past.year}-01",
        ],
        [
            "C-002",
            "Joost Bakker",
            "Utrecht Jeugdzorg",
            today - dt.timedelta(days=12),
            "Samenwerking met school & wijkteam",
            "Hoe krijg ik school en wijkteam op één lijn?",
            "School wil 'zorgen melden', wijkteam wacht af.\nIk zit ertussen.",
            "nee",
            "",
            "ingepland",
            meetings[1][0],
        ],
        [
            "",
            "Lieke ten Brink",
            "Utrecht Jeugdzorg",
            today - dt.timedelta(days=30),
            "Agressie in de wachtkamer 😟",
            "Wat had ik anders kunnen doen toen de vader dreigend werd?",
            "Vertrouwelijk: betreft een lopende melding.",
            "ja",
            "",
            "nieuw",
            "",
        ],
        [
            "",
            "Elise Vandenbroucke",
            "Gent Psychologen",
            today - dt.timedelta(days=5),
            "Afronden van een lange behandeling",
            "Hoe rond ik af zonder dat de cliënt terugvalt?",
            "Cliënt is 3 jaar in behandeling; <afhankelijkheid> speelt.",
            "ja",
            "",
            "nieuw",
            "",
        ],
        [
            "",
            "Wouter Claes",
            "Gent Psychologen",
            today - dt.timedelta(days=9),
            "Ouders met tegengestelde verwachtingen",
            "Hoe blijf ik meerzijdig partijdig?",
            "",
            "nee",
            "",
            "nieuw",
            "",
        ],
    ]
    attendance = [
        [f"Utrecht Jeugdzorg-{past.year}-01", p[0], "ja" if k != 3 else "afgemeld", None, None, "", ""]
        for k, p in enumerate(people[:7])
    ]
    # last year's history goes below this year's rows (rows keep their place in the demo)
    past_year = _demo_history(today.year - 1, people) if history else {}
    meetings = meetings + past_year.get("Bijeenkomsten", [])
    cases = cases + past_year.get("Casussen", [])
    attendance = attendance + past_year.get("Aanwezigheid", [])
    demo_settings = {
        "Organisatie": "Netwerk Intervisie Utrecht & Gent",
        "Coördinator": "Ingrid Smit",
        "E-mail coördinator": "coordinator@example.nl",
    }
    settings = [[st.name, demo_settings.get(st.name, st.default)] for st in schema.SETTINGS]
    return {
        "Instellingen": settings,
        "Groepen": DEMO_GROUPS,
        "Deelnemers": people,
        "Beschikbaarheid": avail,
        "_dates": dates,
        "Casussen": cases,
        "Bijeenkomsten": meetings,
        "Aanwezigheid": attendance,
        "Evaluaties": past_year.get("Evaluaties", []),
    }

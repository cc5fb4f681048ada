"""The one schema definition: every tab of the workbook, its Dutch headers, English
aliases, types, required flags, enum values, references and which columns the tool owns.

Reading (header matching), validation, ``init`` (headers, widths, dropdowns, number
formats) and write-back (owned columns) are all driven from here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    EMAIL = "email"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    INT = "int"
    NUMBER = "number"
    ENUM = "enum"
    REF = "ref"
    LIST = "list"  # ';'-separated text


# Enumerations (the values a coordinator picks from a dropdown).
JA_NEE = ("ja", "nee")
ROLLEN = ("deelnemer", "procesbegeleider", "cliënt", "gast")
QUORUM_ROLLEN = ("deelnemer", "cliënt")  # the roles that count towards a group's size and quorum
REGISTRATIES = ("BIG", "SKJ", "NIP", "KRF", "V&VN", "Registerplein", "Anders", "Geen")
BESCHIKBAAR = ("ja", "nee", "misschien")


class MeetingStatus(StrEnum):
    """Status of a row on Bijeenkomsten (what the coordinator picks; a StrEnum, so it is
    the Dutch word in the sheet and in comparisons)."""

    VOORSTEL = "voorstel"
    BEVESTIGD = "bevestigd"
    GEHOUDEN = "gehouden"
    GEANNULEERD = "geannuleerd"


class CaseStatus(StrEnum):
    """Status of a row on Casussen."""

    NIEUW = "nieuw"
    INGEPLAND = "ingepland"
    BESPROKEN = "besproken"
    VERVALLEN = "vervallen"


class Severity(StrEnum):
    """Ernst of a Melding."""

    FOUT = "fout"
    WAARSCHUWING = "waarschuwing"


CASUS_STATUS = tuple(CaseStatus)
BIJEENKOMST_STATUS = tuple(MeetingStatus)
AANWEZIG = ("ja", "nee", "afgemeld")
ERNST = tuple(Severity)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the tab whose key this column names
    owned: bool = False  # the tool writes it (S)
    key: bool = False
    fill_if_empty: bool = False  # the tool proposes a value only where the cell is empty
    width: int = 16
    default: str | None = None
    help: str = ""
    text_cell: bool = False  # formatted as text in a new workbook: keeps leading zeros
    guest_ok: bool = False  # a name not on the referenced tab is a guest: a warning, the row is kept
    lenient: bool = False  # an unreadable value is a warning, the row is kept (the text stays in the cell)
    link: bool = False  # a file path the tool writes, as a link that opens the file (Excel)

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    required: bool = True
    system: bool = False  # the whole tab is written by the tool
    dynamic_columns: bool = False  # Beschikbaarheid: one column per candidate date
    keyvalue: bool = False  # Instellingen: Instelling / Waarde
    item: str = ""  # what one row is, in Dutch ("deelnemer"), for messages
    help: str = ""
    _index: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)
    _memo: dict[str, Column | None] = field(default_factory=dict, compare=False, repr=False)
    _exact: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._exact.update((c.name, c) for c in self.columns)
        for col in self.columns:
            for n in col.all_names:
                self._index[norm(n)] = col

    @property
    def key(self) -> Column | None:
        return next((c for c in self.columns if c.key), None)

    def column(self, header: object) -> Column | None:
        """The column a raw header cell names, tolerant of case, spacing, accents, aliases."""
        if header is None:
            return None
        key = str(header)
        if key not in self._memo:
            if len(self._memo) > 10_000:
                self._memo.clear()
            self._memo[key] = self._index.get(norm(key))
        return self._memo[key]

    def col(self, name: str) -> Column:
        c = self._exact.get(name)  # the schema's own names: no normalising
        if c is not None:
            return c
        c = self.column(name)
        if c is None:
            raise KeyError(f"{self.name} has no column {name!r}")
        return c

    @property
    def owned(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.owned)


_SPACE = re.compile(r"[\s_]+")


@functools.lru_cache(maxsize=1 << 18)  # a national workbook has some 100,000 distinct names and numbers
def norm(text: str) -> str:
    """Normalise a header or name for tolerant matching: case, accents, spacing."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.casefold().strip().rstrip(":").strip()
    t = t.replace("(", " (").replace("  ", " ")
    return _SPACE.sub(" ", t).strip()


C = Column
K = Kind

LEES_MIJ = Tab("Lees mij", (), aliases=("Read me", "Leesmij", "Uitleg"), required=False, system=True)

INSTELLINGEN = Tab(
    "Instellingen",
    (
        C("Instelling", aliases=("Setting", "Naam"), required=True, key=True, width=34),
        C("Waarde", K.LONGTEXT, aliases=("Value",), width=60),
    ),
    aliases=("Settings",),
    keyvalue=True,
)


@dataclass(frozen=True)
class Setting:
    """One row of the Instellingen tab: its Dutch name, type, default, and the field of
    `records.Settings` it fills."""

    name: str
    kind: Kind
    default: object
    attr: str
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    maximum: int | None = None  # INT settings: 0 .. maximum

    @property
    def column(self) -> Column:
        return Column(self.name, self.kind, choices=self.choices)


SETTINGS: tuple[Setting, ...] = (
    Setting("Organisatie", K.TEXT, "", "organisation", ("Organisation", "Organization")),
    Setting("Coördinator", K.TEXT, "", "coordinator", ("Coordinator",)),
    Setting("E-mail coördinator", K.EMAIL, "", "coordinator_email", ("Coordinator email", "Email coordinator")),
    Setting("Uitnodiging (dagen vooraf)", K.INT, 14, "invite_days", ("Invitation days", "Uitnodiging"), maximum=365),
    Setting("Herinnering (dagen vooraf)", K.INT, 1, "reminder_days", ("Reminder days", "Herinnering"), maximum=365),
    Setting("Evaluatie (dagen na)", K.INT, 1, "evaluation_days", ("Evaluation days", "Evaluatie"), maximum=365),
    Setting(
        "Minimale aanwezigheid (%)",
        K.INT,
        75,
        "min_attendance",
        ("Minimum attendance", "Minimale aanwezigheid"),
        maximum=100,
    ),
    Setting("Taal", K.ENUM, "nl", "language", ("Language",), choices=("nl",)),
    Setting(
        "Gedragscode",
        K.LONGTEXT,
        "Wat hier besproken wordt, blijft hier. We zijn elkaars 'critical friend': "
        "we stellen open vragen, oordelen niet en geven advies alleen als daarom gevraagd wordt. "
        "We komen op tijd en melden ons tijdig af bij de coördinator.",
        "code_of_conduct",
        ("Code of conduct",),
    ),
)
_SETTING_INDEX = {norm(n): st for st in SETTINGS for n in (st.name, *st.aliases)}


def find_setting(name: str) -> Setting | None:
    return _SETTING_INDEX.get(norm(name))


def default_setting_rows() -> list[list[object]]:
    """The Instellingen tab of a new workbook."""
    return [[st.name, st.default] for st in SETTINGS]


def setting_defaults() -> dict[str, object]:
    """`records.Settings` field -> default, for a workbook without (some) settings."""
    return {st.attr: st.default for st in SETTINGS}


GROEPEN = Tab(
    "Groepen",
    (
        C("Groep", aliases=("Group", "Naam", "Groepsnaam"), required=True, key=True, width=22),
        C("Methode", aliases=("Method",), width=22),
        C("Duur (min)", K.INT, aliases=("Duration", "Duur", "Duur (minuten)"), default="120", width=11),
        C("Begintijd", K.TIME, aliases=("Start time", "Start", "Aanvang"), default="19:30", width=11),
        C("Frequentie (weken)", K.INT, aliases=("Frequency", "Frequentie"), default="6", width=11),
        C("Locaties", K.LIST, aliases=("Locations", "Locatie"), width=36),
        C("Procesbegeleider", K.REF, aliases=("Facilitator",), ref="Deelnemers", width=22),
        C(
            "Min. deelnemers",
            K.INT,
            aliases=("Min participants", "Minimum deelnemers", "Min deelnemers"),
            default="4",
            width=10,
        ),
        C(
            "Max. deelnemers",
            K.INT,
            aliases=("Max participants", "Maximum deelnemers", "Max deelnemers"),
            default="8",
            width=10,
        ),
        C("Accreditatie", aliases=("Accreditation", "Accreditatie (instantie)"), width=18),
        C("Accreditatienummer", aliases=("Accreditation number", "Activiteitnummer"), width=18),
        C("Punten per uur", K.NUMBER, aliases=("Points per hour",), default="1", width=10),
        C("Actief", K.ENUM, aliases=("Active",), choices=JA_NEE, default="ja", width=8),
        # not in DESIGN.md: a folder with the group's own Word templates (optional)
        C("Sjablonen", aliases=("Templates", "Sjabloonmap"), width=24),
    ),
    aliases=("Groups",),
    item="groep",
)

DEELNEMERS = Tab(
    "Deelnemers",
    (
        C("Naam", aliases=("Name",), required=True, key=True, width=26),
        C("E-mail", K.EMAIL, aliases=("Email", "E-mailadres", "Mail"), required=True, width=30),
        C("Groep", K.REF, aliases=("Group",), required=True, ref="Groepen", width=22),
        C("Rol", K.ENUM, aliases=("Role",), choices=ROLLEN, default="deelnemer", width=16),
        C("Beroep", aliases=("Profession", "Functie"), width=22),
        C("Registratie", K.ENUM, aliases=("Registration", "Register"), choices=REGISTRATIES, default="Geen", width=14),
        C("Registratienummer", aliases=("Registration number", "Reg.nr.", "Registratienr"), width=18, text_cell=True),
        C("Organisatie", aliases=("Organisation", "Organization", "Werkgever"), width=24),
        C("Telefoon", aliases=("Phone", "Telefoonnummer"), width=15, text_cell=True),
        C("Actief", K.ENUM, aliases=("Active",), choices=JA_NEE, default="ja", width=8),
        C("Opmerkingen", K.LONGTEXT, aliases=("Notes", "Opmerking"), width=30),
    ),
    aliases=("Participants",),
    item="deelnemer",
)

BESCHIKBAARHEID = Tab(
    "Beschikbaarheid",
    (
        C("Naam", K.REF, aliases=("Name",), required=True, ref="Deelnemers", width=26),
        C("Groep", K.REF, aliases=("Group",), required=True, ref="Groepen", width=22),
    ),
    aliases=("Availability",),
    dynamic_columns=True,
    required=False,  # without it, planning falls back to each group's frequency
)

CASUSSEN = Tab(
    "Casussen",
    (
        C("Nr", aliases=("No", "Nummer", "Number"), key=True, owned=True, fill_if_empty=True, width=14, text_cell=True),
        C("Inbrenger", K.REF, aliases=("Presenter",), required=True, ref="Deelnemers", width=24),
        C("Groep", K.REF, aliases=("Group",), required=True, ref="Groepen", width=22),
        C("Ingediend op", K.DATE, aliases=("Submitted", "Datum"), width=13),
        C("Titel", aliases=("Title",), required=True, width=32),
        C("Hulpvraag", K.LONGTEXT, aliases=("Question",), width=40),
        C("Toelichting", K.LONGTEXT, aliases=("Explanation", "Context"), width=40),
        C("Vertrouwelijk", K.ENUM, aliases=("Confidential",), choices=JA_NEE, default="ja", width=12),
        C("Methode", aliases=("Method",), width=20),
        C("Status", K.ENUM, choices=CASUS_STATUS, default="nieuw", owned=True, fill_if_empty=True, width=12),
        C("Bijeenkomst", K.REF, aliases=("Meeting",), ref="Bijeenkomsten", owned=True, fill_if_empty=True, width=18),
    ),
    aliases=("Cases",),
    item="casus",
)

BIJEENKOMSTEN = Tab(
    "Bijeenkomsten",
    (
        C("Nr", aliases=("No", "Nummer", "Number"), key=True, owned=True, fill_if_empty=True, width=26, text_cell=True),
        C("Groep", K.REF, aliases=("Group",), required=True, ref="Groepen", width=22),
        C("Datum", K.DATE, aliases=("Date",), fill_if_empty=True, width=13),
        C("Begintijd", K.TIME, aliases=("Start time", "Start", "Van"), fill_if_empty=True, width=10),
        C("Eindtijd", K.TIME, aliases=("End time", "Einde", "Tot"), fill_if_empty=True, width=10),
        C("Locatie", aliases=("Location", "Plaats"), fill_if_empty=True, width=24),
        C("Methode", aliases=("Method",), fill_if_empty=True, width=20),
        C("Gespreksleider", K.REF, aliases=("Chair", "Voorzitter"), ref="Deelnemers", fill_if_empty=True, width=22),
        C("Notulist", K.REF, aliases=("Minute taker", "Notulen"), ref="Deelnemers", fill_if_empty=True, width=22),
        C("Casus", K.LIST, aliases=("Case", "Casussen"), ref="Casussen", fill_if_empty=True, width=16),
        C("Thema", aliases=("Theme",), width=24),
        C("Status", K.ENUM, choices=BIJEENKOMST_STATUS, default="voorstel", fill_if_empty=True, width=12),
        C("Agenda", owned=True, width=30, link=True),
        C("Presentielijst", aliases=("Attendance list",), owned=True, width=30, link=True),
        C("Evaluatieformulier", aliases=("Evaluation form",), owned=True, width=30, link=True),
        C("Uitnodiging verzonden", K.DATETIME, aliases=("Invitation sent",), owned=True, width=18),
        C("Herinnering verzonden", K.DATETIME, aliases=("Reminder sent",), owned=True, width=18),
        C("Evaluatie verzonden", K.DATETIME, aliases=("Evaluation sent",), owned=True, width=18),
        C("Laatst verwerkt", K.DATETIME, aliases=("Last processed",), owned=True, width=18),
        C("Stand van zaken", K.LONGTEXT, aliases=("Status note", "Stand"), owned=True, width=60),
    ),
    aliases=("Meetings",),
    item="bijeenkomst",
)

AANWEZIGHEID = Tab(
    "Aanwezigheid",
    (
        C("Bijeenkomst", K.REF, aliases=("Meeting",), required=True, ref="Bijeenkomsten", width=18),
        C("Naam", K.REF, aliases=("Name",), required=True, ref="Deelnemers", guest_ok=True, width=26),
        C("Aanwezig", K.ENUM, aliases=("Present",), choices=AANWEZIG, width=11),
        C("Van", K.TIME, aliases=("From",), width=9),
        C("Tot", K.TIME, aliases=("To", "Until"), width=9),
        C("Vervanger", aliases=("Substitute",), width=22),
        C("Opmerking", K.LONGTEXT, aliases=("Note", "Opmerkingen"), width=30),
    ),
    aliases=("Attendance",),
    required=False,
)

EVALUATIES = Tab(
    "Evaluaties",
    (
        C("Bijeenkomst", K.REF, aliases=("Meeting",), required=True, ref="Bijeenkomsten", width=18),
        C("Naam", K.REF, aliases=("Name",), required=True, ref="Deelnemers", guest_ok=True, width=26),
        C("Cijfer", K.NUMBER, aliases=("Grade", "Score"), width=8, lenient=True),
        C("Wat ging goed", K.LONGTEXT, aliases=("What went well",), width=34),
        C("Wat kan beter", K.LONGTEXT, aliases=("What could be better",), width=34),
        C("Wat neem ik mee", K.LONGTEXT, aliases=("Takeaway",), width=34),
        C("Ontvangen op", K.DATE, aliases=("Received",), width=13),
    ),
    aliases=("Evaluations",),
    required=False,
)

ACCREDITATIE = Tab(
    "Accreditatie",
    (
        C("Jaar", K.INT, aliases=("Year",), owned=True, width=8),
        C("Naam", aliases=("Name",), owned=True, width=26),
        C("Groep", aliases=("Group",), owned=True, width=22),
        C("Registratie", aliases=("Registration",), owned=True, width=14),
        C("Registratienummer", aliases=("Registration number",), owned=True, width=18, text_cell=True),
        C("Bijeenkomsten", K.INT, aliases=("Meetings", "Bijgewoond"), owned=True, width=13),
        C("Gehouden", K.INT, aliases=("Held",), owned=True, width=10),
        C("Netto uren", K.NUMBER, aliases=("Net hours",), owned=True, width=11),
        C("Punten", K.NUMBER, aliases=("Points",), owned=True, width=9),
        C("Aanwezigheid (%)", K.INT, aliases=("Attendance %",), owned=True, width=14),
        C("Voldoet", aliases=("Meets minimum",), owned=True, width=9),
        C("Toelichting", K.LONGTEXT, aliases=("Explanation",), owned=True, width=60),
    ),
    aliases=("Accreditation",),
    required=False,
    system=True,
)

MELDINGEN = Tab(
    "Meldingen",
    (
        C("Tijdstip", K.DATETIME, aliases=("Timestamp",), owned=True, width=18),
        C("Ernst", K.ENUM, aliases=("Severity",), choices=ERNST, owned=True, width=13),
        C("Tabblad", aliases=("Tab", "Sheet"), owned=True, width=16),
        C("Cel", aliases=("Cell",), owned=True, width=22),
        C("Melding", K.LONGTEXT, aliases=("Message",), owned=True, width=90),
    ),
    aliases=("Problems", "Messages"),
    required=False,
    system=True,
)

LOGBOEK = Tab(
    "Logboek",
    (
        C("Tijdstip", K.DATETIME, aliases=("Timestamp",), owned=True, width=18),
        C("Actie", aliases=("Action",), owned=True, width=18),
        C("Onderwerp", aliases=("Subject",), owned=True, width=30),
        C("Resultaat", K.LONGTEXT, aliases=("Result",), owned=True, width=70),
    ),
    aliases=("Log",),
    required=False,
    system=True,
)

# Headers a tab cannot be read without, even where the cells may be empty: without them
# every row would silently read as undated or 'voorstel'.
STRUCTURAL: dict[str, tuple[str, ...]] = {
    "Bijeenkomsten": ("Nr", "Groep", "Datum", "Status"),
    "Casussen": ("Nr", "Inbrenger", "Groep", "Titel", "Status"),
    "Aanwezigheid": ("Bijeenkomst", "Naam", "Aanwezig"),
}

# How a row whose key (Nr) the coordinator left empty is told apart until the tool has
# given it a number: validation flags look-alike rows, write-back finds the row by these.
IDENTITY_WITHOUT_KEY: dict[str, tuple[str, ...]] = {
    "Casussen": ("Inbrenger", "Groep", "Titel"),
    "Bijeenkomsten": ("Groep", "Datum", "Status"),
}

TABS: tuple[Tab, ...] = (
    LEES_MIJ,
    INSTELLINGEN,
    GROEPEN,
    DEELNEMERS,
    BESCHIKBAARHEID,
    CASUSSEN,
    BIJEENKOMSTEN,
    AANWEZIGHEID,
    EVALUATIES,
    ACCREDITATIE,
    MELDINGEN,
    LOGBOEK,
)
DATA_TABS = tuple(t for t in TABS if t is not LEES_MIJ)
# the tabs whose keys other tabs name (they get a named range and a dropdown elsewhere)
REFERENCED_TABS = tuple(t for t in TABS if any(c.ref == t.name for u in TABS for c in u.columns))
TAB_BY_NAME = {t.name: t for t in TABS}
_TAB_INDEX = {norm(n): t for t in TABS for n in (t.name, *t.aliases)}


def find_tab(title: str) -> Tab | None:
    return _TAB_INDEX.get(norm(title))


def tab(name: str) -> Tab:
    return TAB_BY_NAME[name]


def col_letter(index: int) -> str:
    """1-based column index to letters (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(tab_name: str, col_index: int, row: int) -> str:
    """`Deelnemers!C7`; quoted when the tab name has a space, as Excel and Sheets do."""
    t = f"'{tab_name}'" if re.search(r"[^A-Za-z0-9_]", tab_name) else tab_name
    return f"{t}!{col_letter(col_index)}{row}"

"""Validation: a raw snapshot into typed records and problems. Pure: no I/O.

Each problem names the tab, the cell and, in Dutch, what is wrong and how to fix it.
A row with an error (`fout`) is left out of the records, so everything downstream skips
it; the rest of the workbook goes on.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import schema, values
from .errors import WorkbookInvalid
from .records import (
    Attendance,
    Availability,
    Case,
    Evaluation,
    Group,
    Meeting,
    Origin,
    Participant,
    Problem,
    Records,
    Settings,
)
from .schema import CaseStatus, Column, Kind, MeetingStatus, Severity, Tab, norm
from .tables import RawTab, Snapshot, key_norm
from .values import is_blank

FOUT = Severity.FOUT
WAARSCHUWING = Severity.WAARSCHUWING

ENUM_ALIASES = {
    "yes": "ja",
    "y": "ja",
    "j": "ja",
    "x": "ja",
    "no": "nee",
    "n": "nee",
    "maybe": "misschien",
    "?": "misschien",
    "client": "cliënt",
    "vvn": "V&VN",
    "v en vn": "V&VN",
    "none": "Geen",
    "geen registratie": "Geen",
}
REQUIRED_TABS = tuple(t for t in schema.DATA_TABS if t.required)


Memo = dict[tuple[str, type, Any], tuple[Any, tuple[tuple[str, str], ...]]]
Key = tuple[Any, ...]


class RowContext:
    """Parses the cells of one row, collecting problems."""

    def __init__(
        self,
        tab: Tab,
        raw: RawTab,
        row: int,
        vals: list[Any],
        cols: dict[str, int],
        sink: list[Problem],
        keys: dict[str, set[str]],
        memo: Memo | None = None,
        plan: dict[str, tuple[Column, int | None]] | None = None,
    ):
        self.tab, self.raw, self.row, self.vals, self.cols, self.sink = tab, raw, row, vals, cols, sink
        self.keys = keys  # every key of the referenced tabs
        self.failed = False
        self.memo: Memo = {} if memo is None else memo  # shared by the rows of a tab
        # schema column name -> (column, position): shared by the rows of a tab
        self.plan = plan if plan is not None else {c.name: (c, cols.get(c.name)) for c in tab.columns}

    def cell(self, column: str) -> str:
        idx = self.cols.get(column)
        col = idx + 1 if idx is not None else max(self.cols.values(), default=-1) + 2
        return schema.cell_ref(self.raw.title, col, self.row)

    def rawval(self, column: str) -> Any:
        idx = self.cols.get(column)
        if idx is None or idx >= len(self.vals):
            return None
        return self.vals[idx]

    def problem(self, column: str, message: str, severity: str = FOUT) -> None:
        self.sink.append(Problem(severity, self.tab.name, self.cell(column), message))
        if severity == FOUT:
            self.failed = True

    def get(self, column: str) -> Any:
        """The typed value of a column; its schema default when blank or unreadable
        (an unreadable value is reported and fails the row), else None."""
        hit_plan = self.plan.get(column)
        if hit_plan is None:
            col = self.tab.col(column)
            idx = self.cols.get(col.name)
        else:
            col, idx = hit_plan
        raw = self.vals[idx] if idx is not None and idx < len(self.vals) else None
        if raw is None or (type(raw) is str and not raw.strip()):
            if col.required:
                self.problem(
                    col.name, f"{col.name} is verplicht maar leeg. Vul het in; tot dan wordt deze rij overgeslagen."
                )
                return None
            raw = col.default
            if raw is None:
                return None
        if col.kind in _TEXT_KINDS and type(raw) is str:
            value: Any = raw.strip()
            if col.ref is None or not value:
                return value
            if value in self.keys[col.ref]:
                return value
        # the rest depends on the column and the value only: parsed once per distinct
        # value, its problems repeated on every cell that holds it
        key = (col.name, type(raw), raw)
        hit = self.memo.get(key)
        if hit is None:
            said: list[tuple[str, str]] = []
            value = self._parse(col, raw, lambda msg, sev=FOUT: said.append((msg, sev)))
            hit = self.memo[key] = (value, tuple(said))
        value, said_before = hit
        for msg, sev in said_before:
            self.problem(col.name, msg, sev)
        return list(value) if type(value) is list else value  # a list of one's own

    def _parse(self, col: Column, raw: Any, say: Callable[..., None]) -> Any:
        value = parse_cell(col, raw, lambda msg, sev=FOUT: say(msg, WAARSCHUWING if col.lenient else sev))
        if value is None and col.default is not None and raw != col.default:
            return parse_cell(col, col.default, lambda *_: None)
        if col.ref is not None and value:
            known = self.keys[col.ref]
            for name in value if isinstance(value, list) else [value]:
                if name not in known:
                    if col.guest_ok:
                        say(
                            f"'{name}' staat niet op tabblad Deelnemers en telt als gast.{suggest(name, known)} "
                            "Is het een deelnemer, kies dan de naam uit de lijst; is het een gast, dan kunt u "
                            "deze melding negeren.",
                            WAARSCHUWING,
                        )
                    else:
                        say(unknown_ref_message(col.ref, name, known))
        return value

    def unique(self, column: str, value: str, seen: dict[str, int], message: str) -> None:
        """Report `value` when an earlier row had it already (message gets `{first}`,
        the earlier cell); otherwise remember the row it stands on."""
        if not value:
            return
        first = seen.setdefault(norm(value), self.row)
        if first != self.row:
            idx = self.cols.get(column)
            col = idx + 1 if idx is not None else max(self.cols.values(), default=-1) + 2
            self.problem(column, message.format(first=schema.cell_ref(self.raw.title, col, first)))

    def origin(self) -> Origin:
        return Origin(self.raw.title, self.row, self.cols, vals=self.vals)


_TEXT_KINDS = frozenset((Kind.TEXT, Kind.LONGTEXT, Kind.REF))


def parse_cell(col: Column, raw: Any, report: Callable[..., None]) -> Any:
    if col.kind in _TEXT_KINDS:  # the common case first, without the error text
        return raw.strip() if type(raw) is str else values.as_text(raw)
    shown = values.as_text(raw)
    try:
        if col.kind == Kind.EMAIL:
            text = values.as_text(raw)
            if not values.is_email(text):
                report(f"'{shown}' is geen geldig e-mailadres. Schrijf het als naam@voorbeeld.nl.")
                return None
            return text
        if col.kind == Kind.DATE:
            return values.parse_date(raw)
        if col.kind == Kind.TIME:
            return values.parse_time(raw)
        if col.kind == Kind.DATETIME:
            return raw  # system-written timestamps, informative only
        if col.kind == Kind.INT:
            return values.parse_int(raw)
        if col.kind == Kind.NUMBER:
            return values.parse_number(raw)
        if col.kind == Kind.ENUM:
            return parse_enum(col.choices, raw, col.name, report)
        if col.kind == Kind.LIST:
            return [p.strip() for p in re.split(r"[;\n]", values.as_text(raw)) if p.strip()]
    except values.ParseError:
        if col.kind == Kind.DATE:
            report(
                f"'{shown}' is geen datum. Schrijf de datum als 12-1-2027 of 12 januari 2027, of kies een datum in de cel."
            )
        elif col.kind == Kind.TIME:
            report(f"'{shown}' is geen tijd. Schrijf de tijd als 19:30.")
        elif col.name == "Cijfer":
            report(
                f"'{shown}' is geen cijfer; het telt niet mee in het gemiddelde. Vul een cijfer van 1 tot en met 10 in."
            )
        elif col.kind == Kind.INT:
            report(f"'{shown}' is geen geheel getal. Vul een getal in, zoals 120.")
        else:
            report(f"'{shown}' is geen getal. Vul een getal in, zoals 1,5.")
        return None
    return values.as_text(raw)


def parse_enum(choices: tuple[str, ...], raw: Any, what: str, report: Callable[..., None]) -> str | None:
    text = values.as_text(raw)
    wanted = norm(ENUM_ALIASES.get(norm(text), text))
    for choice in choices:
        if norm(choice) == wanted:
            return choice
    report(f"'{text}' is geen geldige waarde voor {what}. Kies uit: {', '.join(choices)}.")
    return None


def suggest(name: str, known: set[str]) -> str:
    by_norm = {norm(k): k for k in known}
    close = difflib.get_close_matches(norm(name), list(by_norm), n=1, cutoff=0.6)
    return f" Bedoelt u '{by_norm[close[0]]}'?" if close else ""


def unknown_ref_message(ref_tab: str, name: str, known: set[str]) -> str:
    return (
        f"Onbekende {schema.tab(ref_tab).item} '{name}'.{suggest(name, known)} "
        f"Kies een waarde uit de lijst of voeg deze toe op tabblad {ref_tab}."
    )


# ------------------------------------------------------------------ entry point


def validate(snapshot: Snapshot) -> Records:
    """Every tab into typed records; problems collected, bad rows left out."""
    missing = [t.name for t in REQUIRED_TABS if snapshot.get(t.name) is None]
    if snapshot.get(schema.BESCHIKBAARHEID.name) is None:
        early = [
            Problem(
                WAARSCHUWING,
                schema.BESCHIKBAARHEID.name,
                schema.BESCHIKBAARHEID.name,
                "Tabblad Beschikbaarheid ontbreekt; de planning volgt daarom alleen de frequentie van elke groep. "
                "Voeg een tabblad 'Beschikbaarheid' toe met de kolommen Naam en Groep en daarna een kolom per "
                "mogelijke datum (de datum als kop) om data te kiezen op beschikbaarheid.",
            )
        ]
    else:
        early = []
    if missing:
        raise WorkbookInvalid(
            f"Tabblad '{missing[0]}' ontbreekt in de werkmap {snapshot.source}; "
            "voeg een tabblad met die naam toe, of herstel de naam van het tabblad"
        )
    rec = Records()
    problems = rec.problems
    problems.extend(early)
    cols_of: dict[str, dict[str, int]] = {}
    damaged: set[str] = set()  # tabs with an emptied header above data
    for tab in schema.DATA_TABS:
        raw = snapshot.get(tab.name)
        if raw is None or tab.system:
            continue
        cols = raw.column_index(tab)
        cols_of[tab.name] = cols
        free = len(raw.header) + 1  # the first empty header cell
        # a header that is no column of the tab was most likely the missing one, retyped
        width = max([len(raw.header), *(len(v) for _, v in raw.rows)], default=0)
        strangers = [
            i
            for i in range(width)
            if (
                i < len(raw.header)
                and not is_blank(raw.header[i])
                and tab.column(raw.header[i]) is None
                and not (tab.dynamic_columns and _is_date_header(raw.header[i]))
            )
            or (  # an emptied header above a column that holds data
                (i >= len(raw.header) or is_blank(raw.header[i]))
                and any(i < len(v) and not is_blank(v[i]) for _, v in raw.rows)
            )
        ]
        holes = [i for i in strangers if i >= len(raw.header) or is_blank(raw.header[i])]
        for col in tab.columns:
            if col.name not in cols and not _needed(tab, col) and holes:
                # an emptied header above data: most likely this column, damaged; reading
                # the tab without it would silently lose what is under it
                i = holes.pop(0)
                strangers.remove(i)
                cell = schema.cell_ref(raw.title, i + 1, 1)
                damaged.add(tab.name)
                problems.append(
                    Problem(
                        FOUT,
                        tab.name,
                        cell,
                        f"Kolom '{col.name}' ontbreekt in de kopregel van {raw.title} en de kop in {cell} is leeg, "
                        f"terwijl er gegevens onder staan. Zet '{col.name}' in {cell} als dat die kolom is (of geef "
                        "de kolom een eigen kop); tot dan wordt dit tabblad overgeslagen.",
                    )
                )
                continue
            if _needed(tab, col) and col.name not in cols:
                if strangers:
                    i = strangers.pop(0)
                    cell = schema.cell_ref(raw.title, i + 1, 1)
                    shown = values.as_text(raw.header[i]) if i < len(raw.header) else ""
                    fix = (
                        f"Staat in {cell} ('{shown}') de kolom '{col.name}'? Zet daar dan '{col.name}'"
                        if shown
                        else f"De kop in {cell} is leeg; zet daar '{col.name}' als dat die kolom is"
                    )
                else:
                    cell = schema.cell_ref(raw.title, free, 1)
                    fix = f"Typ '{col.name}' in een lege kopcel, zoals {cell}, met de gegevens eronder"
                    free += 1
                problems.append(
                    Problem(
                        FOUT,
                        tab.name,
                        cell,
                        f"Kolom '{col.name}' ontbreekt in de kopregel van {raw.title}. {fix}; "
                        "tot dan wordt dit tabblad overgeslagen.",
                    )
                )
        if not tab.dynamic_columns and not tab.keyvalue:
            problems.extend(_unknown_headers(tab, raw, cols))
    # keys of every row, valid or not, for reference checks without cascades
    for tab in schema.REFERENCED_TABS:
        raw = snapshot.get(tab.name)
        keys: set[str] = set()
        if raw is not None and tab.key is not None:
            idx = raw.column_index(tab).get(tab.key.name)
            if idx is not None:
                keys = {values.as_text(v[idx]) for _, v in raw.rows if idx < len(v) and not is_blank(v[idx])}
        if raw is not None and tab.key is not None and raw.column_index(tab).get(tab.key.name) is None:
            keys = _Unknown()  # its names cannot be read: no follow-on errors in the tabs naming them
        rec.all_keys[tab.name] = keys

    def rows_of(tab: Tab) -> Iterator[RowContext]:
        raw = snapshot.get(tab.name)
        if raw is None:
            return
        cols = cols_of[tab.name]
        if tab.name in damaged or any(_needed(tab, c) and c.name not in cols for c in tab.columns):
            rec.unreadable.add(tab.name)
            return
        memo: Memo = {}
        plan = {c.name: (c, cols.get(c.name)) for c in tab.columns}
        for row, vals in raw.rows:
            yield RowContext(tab, raw, row, vals, cols, problems, rec.all_keys, memo, plan)

    rec.settings = _settings(snapshot.get(schema.INSTELLINGEN.name), problems)
    _groups(rec, rows_of(schema.GROEPEN))
    _participants(rec, rows_of(schema.DEELNEMERS))
    _availability(rec, snapshot.get(schema.BESCHIKBAARHEID.name), rows_of(schema.BESCHIKBAARHEID))
    _cases(rec, rows_of(schema.CASUSSEN))
    _meetings(rec, rows_of(schema.BIJEENKOMSTEN))
    _attendance(rec, rows_of(schema.AANWEZIGHEID))
    _evaluations(rec, rows_of(schema.EVALUATIES))
    _group_sizes(rec)
    _first_steps(rec, snapshot)
    return rec


def _first_steps(rec: Records, snapshot: Snapshot) -> None:
    """An empty (new) workbook: say what to fill in first, instead of 'in orde'."""
    if {schema.GROEPEN.name, schema.DEELNEMERS.name} & rec.unreadable:
        return
    first_steps = (
        (
            schema.GROEPEN,
            "Er staan nog geen groepen in de werkmap. Begin hier: een rij per intervisiegroep (naam, methode, "
            "duur, begintijd, frequentie). Zet daarna de deelnemers op tabblad Deelnemers en de mogelijke data "
            "op tabblad Beschikbaarheid; dan stelt de tool de eerste bijeenkomsten voor.",
        ),
        (
            schema.DEELNEMERS,
            "Er staan nog geen deelnemers in de werkmap. Zet hier een rij per deelnemer (naam, e-mail, groep); "
            "daarna kan de tool bijeenkomsten voorstellen.",
        ),
    )
    for tab, message in first_steps:  # the first empty one only: one step at a time
        if not rec.all_keys.get(tab.name):
            raw = snapshot.get(tab.name)
            cell = schema.cell_ref(raw.title if raw else tab.name, 1, 2)
            rec.problems.append(Problem(WAARSCHUWING, tab.name, cell, message))
            return


class _Unknown(set[str]):
    """The keys of a tab whose key column cannot be read: every name may be in it."""

    def __contains__(self, item: object) -> bool:
        return True


def _is_date_header(h: Any) -> bool:
    try:
        values.parse_date(h)
    except values.ParseError:
        return False
    return True


def _needed(tab: Tab, col: Column) -> bool:
    return col.required or col.name in schema.STRUCTURAL.get(tab.name, ())


def _unknown_headers(tab: Tab, raw: RawTab, cols: dict[str, int]) -> list[Problem]:
    """A header that is almost a known one (a typo) is a warning: its data would be
    silently ignored. Headers that look like nothing known are the coordinator's own."""
    known = {norm(n): c.name for c in tab.columns for n in c.all_names}
    used = set(cols.values())
    out = []
    for i, h in enumerate(raw.header):
        if i in used or is_blank(h) or tab.column(h) is not None:
            continue
        close = difflib.get_close_matches(norm(str(h)), list(known), n=1, cutoff=0.75)
        if close and known[close[0]] not in cols:
            out.append(
                Problem(
                    WAARSCHUWING,
                    tab.name,
                    schema.cell_ref(raw.title, i + 1, 1),
                    f"Kolomkop '{h}' wordt niet herkend. Bedoelt u '{known[close[0]]}'? Pas de kop aan; "
                    "tot dan wordt deze kolom genegeerd.",
                )
            )
    return out


# ------------------------------------------------------------------ tabs


def _settings(raw: RawTab | None, problems: list[Problem]) -> Settings:
    s = Settings.defaults()
    if raw is None:
        return s
    tab = schema.INSTELLINGEN
    cols = raw.column_index(tab)
    if "Instelling" not in cols or "Waarde" not in cols:
        problems.append(
            Problem(
                FOUT,
                tab.name,
                schema.cell_ref(raw.title, 1, 1),
                "De kopregel moet 'Instelling' (in A1) en 'Waarde' (in B1) bevatten. Herstel de koppen; tot dan "
                "gelden de standaardinstellingen.",
            )
        )
        return s
    for row, vals in raw.rows:
        name = vals[cols["Instelling"]] if cols["Instelling"] < len(vals) else None
        val = vals[cols["Waarde"]] if cols["Waarde"] < len(vals) else None
        if is_blank(name):
            continue
        cell = schema.cell_ref(raw.title, cols["Waarde"] + 1, row)
        st = schema.find_setting(str(name))
        if st is None:
            problems.append(
                Problem(
                    WAARSCHUWING,
                    tab.name,
                    schema.cell_ref(raw.title, cols["Instelling"] + 1, row),
                    f"Onbekende instelling '{name}'; deze wordt genegeerd. Controleer de schrijfwijze.",
                )
            )
            continue
        if is_blank(val):
            continue

        def report(msg: str, sev: str = FOUT, cell: str = cell) -> None:
            problems.append(Problem(sev, tab.name, cell, msg + " De standaardwaarde wordt gebruikt."))

        parsed = parse_cell(st.column, val, report)
        if parsed is None:
            continue
        if st.maximum is not None and not 0 <= parsed <= st.maximum:
            report(f"{st.name} = {parsed} valt buiten het bereik (0 tot en met {st.maximum}).")
            continue
        setattr(s, st.attr, parsed)
    return s


def _groups(rec: Records, rows: Iterable[RowContext]) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        name = r.get("Groep")
        r.unique("Groep", name, seen, f"Groep '{name}' staat er al ({{first}}). Geef elke groep een unieke naam.")
        g = Group(name=name or "")
        g.method = r.get("Methode") or ""
        g.duration = r.get("Duur (min)")
        g.start = r.get("Begintijd")
        g.frequency_weeks = r.get("Frequentie (weken)")
        g.locations = r.get("Locaties") or []
        g.facilitator = r.get("Procesbegeleider") or ""
        g.min_members = r.get("Min. deelnemers")
        g.max_members = r.get("Max. deelnemers")
        g.accreditation_body = r.get("Accreditatie") or ""
        g.accreditation_nr = r.get("Accreditatienummer") or ""
        g.points_per_hour = r.get("Punten per uur")
        g.active = r.get("Actief") != "nee"
        g.templates = r.get("Sjablonen") or ""
        if not 30 <= g.duration <= 600:
            r.problem(
                "Duur (min)",
                f"Duur {g.duration} minuten is niet bruikbaar. Vul de duur van een bijeenkomst in minuten in (30 tot 600).",
            )
        if not 1 <= g.frequency_weeks <= 52:
            r.problem(
                "Frequentie (weken)",
                f"Frequentie {g.frequency_weeks} weken is niet bruikbaar. Vul een aantal weken in tussen 1 en 52.",
            )
        if g.min_members > g.max_members:
            r.problem(
                "Min. deelnemers",
                f"Min. deelnemers ({g.min_members}) is groter dan Max. deelnemers ({g.max_members}). Verlaag het minimum of verhoog het maximum.",
            )
        if not r.failed and name:
            g.origin = r.origin()
            rec.groups[name] = g


def _participants(rec: Records, rows: Iterable[RowContext]) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        mark = len(r.sink)
        name = r.get("Naam")
        r.unique(
            "Naam",
            name,
            seen,
            f"'{name}' staat al op tabblad Deelnemers ({{first}}). Elke naam mag maar één keer voorkomen; "
            "maak de namen uniek, bijvoorbeeld met een voorletter.",
        )
        p = Participant(name=name or "", email=r.get("E-mail") or "", group=r.get("Groep") or "")
        p.role = r.get("Rol") or "deelnemer"
        p.profession = r.get("Beroep") or ""
        p.registration = r.get("Registratie") or "Geen"
        p.organisation = r.get("Organisatie") or ""
        p.phone = r.get("Telefoon") or ""
        p.active = r.get("Actief") != "nee"
        p.notes = r.get("Opmerkingen") or ""
        p.registration_number = _registration(r, p.registration)
        if not r.failed and name:
            p.origin = r.origin()
            rec.participants[name] = p
        elif name:
            _say_the_cost(
                r,
                mark,
                f"Zolang deze rij een fout heeft, staat {name} op geen enkele presentielijst en krijgt "
                f"{name} geen uitnodigingen, herinneringen of evaluatieformulieren",
            )


def _say_the_cost(r: RowContext, mark: int, cost: str) -> None:
    """Add what a skipped row costs to the errors it reported (those after `mark`)."""
    for i in range(mark, len(r.sink)):
        p = r.sink[i]
        if p.is_error and cost not in p.message:
            r.sink[i] = Problem(p.severity, p.tab, p.cell, f"{p.message} {cost}.")


def _registration(r: RowContext, kind: str) -> str:
    raw = r.rawval("Registratienummer")
    number = values.as_text(raw)
    col = "Registratienummer"
    if not number:
        if kind not in ("Geen", "Anders"):
            r.problem(
                col,
                f"Registratie is {kind}, maar het registratienummer is leeg. Vul het nummer in voor de presentielijst.",
                WAARSCHUWING,
            )
        return ""
    if kind == "BIG":
        digits = re.sub(r"[\s.\-]", "", number)
        if not re.fullmatch(r"\d{11}", digits):
            hint = ""
            if isinstance(raw, (int, float)) and re.fullmatch(r"\d{9,10}", digits):
                hint = (
                    " Het rekenblad heeft waarschijnlijk de voorloopnul weggelaten: typ een apostrof vóór het "
                    "nummer ('0…) of maak de cel tekst."
                )
            r.problem(
                col,
                f"BIG-nummer '{number}' moet uit precies 11 cijfers bestaan.{hint} Neem het nummer over uit het BIG-register.",
            )
            return number
        if not values.big_check_ok(digits):
            r.problem(
                col,
                f"Het controlecijfer van BIG-nummer '{digits}' klopt niet. Controleer het nummer in het BIG-register.",
                WAARSCHUWING,
            )
        return digits
    if kind == "NIP":
        if re.fullmatch(r"NIP-\d{4,10}", number):
            return number
        fixed = values.normalise_nip(number)
        if fixed:
            r.problem(
                col,
                f"NIP-nummer '{number}' staat niet in de vorm {fixed}. De presentielijst gebruikt {fixed}; pas de cel aan om deze melding te laten verdwijnen.",
                WAARSCHUWING,
            )
            return fixed
        r.problem(col, f"'{number}' is geen NIP-nummer. Schrijf het als NIP-12345678.")
        return number
    if kind == "Registerplein" and not re.fullmatch(r"4610\d{4,8}", number):
        r.problem(col, f"Registerplein-nummer '{number}' begint normaal met 4610. Controleer het nummer.", WAARSCHUWING)
    if kind == "SKJ" and not re.fullmatch(r"\d{6,12}", number):
        r.problem(
            col, f"SKJ-nummer '{number}' bestaat normaal alleen uit cijfers. Controleer het nummer.", WAARSCHUWING
        )
    if kind == "Geen":
        r.problem(
            col,
            "Er staat een registratienummer, maar Registratie is 'Geen'. Kies het juiste register in kolom Registratie.",
            WAARSCHUWING,
        )
    return number


def _availability(rec: Records, raw: RawTab | None, rows: Iterable[RowContext]) -> None:
    if raw is None:
        return
    tab = schema.BESCHIKBAARHEID
    date_cols: dict[int, dt.date] = {}
    fixed = set(raw.column_index(tab).values())
    for i, h in enumerate(raw.header):
        if i in fixed or is_blank(h):
            continue
        try:
            d = values.parse_date(h)
            first = next((j for j, x in date_cols.items() if x == d), None)
            if first is not None:
                rec.problems.append(
                    Problem(
                        WAARSCHUWING,
                        tab.name,
                        schema.cell_ref(raw.title, i + 1, 1),
                        f"De datum {d:%d-%m-%Y} staat twee keer als kolom (ook in "
                        f"{schema.cell_ref(raw.title, first + 1, 1)}). Alleen de eerste kolom telt; "
                        "zet de antwoorden in één kolom en haal de andere weg.",
                    )
                )
                continue
            date_cols[i] = d
        except values.ParseError:
            rec.problems.append(
                Problem(
                    WAARSCHUWING,
                    tab.name,
                    schema.cell_ref(raw.title, i + 1, 1),
                    f"Kolomkop '{values.as_text(h)}' is geen datum; deze kolom wordt genegeerd. Schrijf een datum als kop, zoals 12-1-2027.",
                )
            )
    rec.candidate_dates = sorted(set(date_cols.values()))
    seen: dict[str, int] = {}
    answer_of: dict[tuple[type, Any], tuple[str | None, list[str]]] = {}  # a value parsed once
    for r in rows:
        name, group = r.get("Naam"), r.get("Groep")
        answers: dict[dt.date, str] = {}
        n = len(r.vals)
        for i, d in date_cols.items():
            v = r.vals[i] if i < n else None
            if v is None or (type(v) is str and not v.strip()):
                continue
            hit = answer_of.get((type(v), v))
            if hit is None:
                found: list[str] = []
                parsed = parse_enum(schema.BESCHIKBAAR, v, "beschikbaarheid", lambda msg, *_, to=found: to.append(msg))
                hit = answer_of[(type(v), v)] = (parsed, found)
            parsed, said = hit
            for msg in said:
                rec.problems.append(
                    Problem(
                        WAARSCHUWING,
                        tab.name,
                        schema.cell_ref(raw.title, i + 1, r.row),
                        msg + " Deze cel telt als niet ingevuld.",
                    )
                )
            if parsed:
                answers[d] = parsed
        if name and group:
            r.unique(
                "Naam",
                f"{name} / {group}",
                seen,
                f"{name} staat al voor groep {group} op {{first}}. Houd één rij per persoon en groep aan.",
            )
        if not r.failed and name and group:
            rec.availability.append(Availability(name, group, answers, r.origin()))


def _cases(rec: Records, rows: Iterable[RowContext]) -> None:
    seen: dict[str, int] = {}
    blank_keys: dict[Key, list[tuple[RowContext, Any]]] = {}
    for r in rows:
        nr = r.get("Nr") or ""
        r.unique(
            "Nr",
            nr,
            seen,
            f"Casusnummer '{nr}' staat er al ({{first}}). Maak het nummer uniek of maak de cel leeg; "
            "de tool vult dan zelf een nummer in.",
        )
        c = Case(nr=nr, presenter=r.get("Inbrenger") or "", group=r.get("Groep") or "", title=r.get("Titel") or "")
        c.submitted = r.get("Ingediend op")
        c.question = r.get("Hulpvraag") or ""
        c.explanation = r.get("Toelichting") or ""
        c.confidential = r.get("Vertrouwelijk") != "nee"
        c.method = r.get("Methode") or ""
        c.status = r.get("Status") or CaseStatus.NIEUW
        # written by the tool; a meeting deleted since is not the coordinator's error:
        # planning gives the case back to the queue (see planning.release_cases)
        c.meeting = values.as_text(r.rawval("Bijeenkomst"))
        if c.meeting and c.meeting not in rec.all_keys[schema.BIJEENKOMSTEN.name] and c.status != CaseStatus.INGEPLAND:
            r.problem(
                "Bijeenkomst",
                unknown_ref_message(schema.BIJEENKOMSTEN.name, c.meeting, rec.all_keys[schema.BIJEENKOMSTEN.name]),
                WAARSCHUWING,
            )
        _check_person(rec, r, "Inbrenger", c.presenter, c.group)
        if not r.failed:
            c.origin = r.origin()
            rec.cases.append(c)
        if not nr:
            blank_keys.setdefault(key_norm(r.origin().key(schema.CASUSSEN.name)), []).append((r, c))
    dropped = {id(c) for _, c in _ambiguous(rec, blank_keys, schema.CASUSSEN.name, "casus")}
    rec.cases = [c for c in rec.cases if id(c) not in dropped]


def _ambiguous(
    rec: Records, groups: dict[Key, list[tuple[RowContext, Any]]], tab: str, what: str
) -> list[tuple[RowContext, Any]]:
    """Rows without a number that write-back could not tell apart (the same identity,
    see schema.IDENTITY_WITHOUT_KEY): each gets an error until the coordinator removes
    the copy. Returns those rows, for the caller to leave out."""
    out = []
    for items in groups.values():
        if len(items) < 2:
            continue
        rows = ", ".join(str(r.row) for r, _ in items)
        for r, obj in items:
            rec.problems.append(
                Problem(
                    FOUT,
                    tab,
                    r.cell("Nr"),
                    f"Deze {what} staat meer dan eens zonder nummer in de lijst (rijen {rows}). "
                    "Verwijder de dubbele rij of geef elke rij een eigen nummer.",
                )
            )
            out.append((r, obj))
    return out


def _check_person(rec: Records, r: RowContext, column: str, name: str, group: str) -> None:
    """A person named in a role must be active and (a warning) in the group; that the
    name exists at all is checked with every reference column."""
    p = rec.participants.get(name)
    if p is None:
        return  # unknown (reported) or the person's own row has an error, reported there
    if not p.active:
        where = p.origin.cell("Actief") if p.origin else "Deelnemers"
        r.problem(
            column,
            f"{column} '{name}' staat op inactief ({where}). Kies een actieve deelnemer of zet {name} weer op actief.",
        )
    elif (
        group and p.group != group and rec.groups.get(group, None) is not None and rec.groups[group].facilitator != name
    ):
        r.problem(
            column,
            f"{column} '{name}' hoort niet bij groep {group} maar bij {p.group}. Controleer de naam of de groep.",
            WAARSCHUWING,
        )


def _meetings(rec: Records, rows: Iterable[RowContext]) -> None:
    seen: dict[str, int] = {}
    blank_keys: dict[Key, list[tuple[RowContext, Any]]] = {}
    for r in rows:
        nr = r.get("Nr") or ""
        r.unique(
            "Nr",
            nr,
            seen,
            f"Bijeenkomstnummer '{nr}' staat er al ({{first}}). Maak het nummer uniek of maak de cel leeg; "
            "de tool vult dan zelf een nummer in.",
        )
        m = Meeting(nr=nr, group=r.get("Groep") or "")
        m.date = r.get("Datum")
        m.start = r.get("Begintijd")
        m.end = r.get("Eindtijd")
        if m.start and m.end and m.end <= m.start:
            r.problem(
                "Eindtijd",
                f"Eindtijd {m.end:%H:%M} ligt niet na de begintijd {m.start:%H:%M}. Corrigeer de Eindtijd of de Begintijd.",
            )
        m.location = r.get("Locatie") or ""
        m.method = r.get("Methode") or ""
        m.chair = r.get("Gespreksleider") or ""
        m.minute_taker = r.get("Notulist") or ""
        m.cases = r.get("Casus") or []
        m.theme = r.get("Thema") or ""
        m.status = r.get("Status") or MeetingStatus.VOORSTEL
        _check_person(rec, r, "Gespreksleider", m.chair, m.group)
        _check_person(rec, r, "Notulist", m.minute_taker, m.group)
        if m.chair and m.chair == m.minute_taker:
            r.problem(
                "Notulist", f"{m.chair} is zowel gespreksleider als notulist. Kies een andere notulist.", WAARSCHUWING
            )
        if m.status in (MeetingStatus.BEVESTIGD,) and m.date is None:
            r.problem(
                "Datum",
                "Een bevestigde bijeenkomst heeft een datum nodig. Vul de datum in of zet de status terug op voorstel.",
            )
        for name, attr in (
            ("Agenda", "agenda"),
            ("Presentielijst", "attendance_list"),
            ("Evaluatieformulier", "evaluation_form"),
        ):
            setattr(m, attr, values.as_text(r.rawval(name)))
        m.invitation_sent = r.rawval("Uitnodiging verzonden")
        m.reminder_sent = r.rawval("Herinnering verzonden")
        m.evaluation_sent = r.rawval("Evaluatie verzonden")
        m.last_processed = r.rawval("Laatst verwerkt")
        if not r.failed:
            m.origin = r.origin()
            key = nr or f"#rij{r.row}"
            rec.meetings[key] = m
        elif values.as_text(r.rawval("Status")).lower() not in (MeetingStatus.GEHOUDEN, MeetingStatus.GEANNULEERD):
            likely = _likely_group(rec, m.group, nr)
            if likely:
                rec.blocked_groups.setdefault(likely, r.cell("Nr"))
        if not nr:
            blank_keys.setdefault(key_norm(r.origin().key(schema.BIJEENKOMSTEN.name)), []).append((r, m))
    for r, m in _ambiguous(rec, blank_keys, schema.BIJEENKOMSTEN.name, "bijeenkomst"):
        rec.meetings.pop(f"#rij{r.row}", None)
        if m.group in rec.all_keys[schema.GROEPEN.name]:
            rec.blocked_groups.setdefault(m.group, r.cell("Nr"))


def _likely_group(rec: Records, typed: str, nr: str) -> str | None:
    """The group a meeting row most likely belongs to when its Groep cannot be read: the
    group as typed, else the closest name, else the group its number starts with (a
    merged or emptied Groep cell)."""
    known = rec.all_keys[schema.GROEPEN.name]
    if typed in known:
        return typed
    by_norm = {norm(k): k for k in known}
    if typed:
        close = difflib.get_close_matches(norm(typed), list(by_norm), n=1, cutoff=0.6)
        if close:
            return by_norm[close[0]]
    prefix = re.sub(r"-\d{4}-\d+$", "", nr)
    return by_norm.get(norm(prefix)) if nr else None


def _attendance(rec: Records, rows: Iterable[RowContext]) -> None:
    for r in rows:
        a = Attendance(meeting=r.get("Bijeenkomst") or "", name=r.get("Naam") or "")
        a.present = r.get("Aanwezig") or ""
        a.start, a.end = r.get("Van"), r.get("Tot")
        if a.start and a.end and a.end <= a.start:
            r.problem("Tot", f"Tot {a.end:%H:%M} ligt niet na Van {a.start:%H:%M}. Corrigeer de tijden.")
        a.substitute = r.get("Vervanger") or ""
        a.note = r.get("Opmerking") or ""
        if not r.failed:
            a.origin = r.origin()
            rec.attendance.append(a)


def _evaluations(rec: Records, rows: Iterable[RowContext]) -> None:
    for r in rows:
        e = Evaluation(meeting=r.get("Bijeenkomst") or "", name=r.get("Naam") or "")
        grade = r.get("Cijfer")
        if grade is not None and not 1 <= grade <= 10:
            r.problem(
                "Cijfer",
                f"Cijfer {values.as_text(grade)} ligt niet tussen 1 en 10; het telt niet mee in het gemiddelde. "
                "Vul een cijfer van 1 tot en met 10 in.",
                WAARSCHUWING,
            )
            grade = None
        e.grade = grade
        e.good, e.better, e.takeaway = (r.get(c) or "" for c in ("Wat ging goed", "Wat kan beter", "Wat neem ik mee"))
        e.received = r.get("Ontvangen op")
        if not r.failed:
            e.origin = r.origin()
            rec.evaluations.append(e)


def _group_sizes(rec: Records) -> None:
    if "Deelnemers" in rec.unreadable:
        return  # nobody could be read: the header error says it once
    for g in rec.groups.values():
        if not g.active:
            continue
        n = len(rec.quorum_members(g.name))
        if n < g.min_members:
            cell = g.origin.cell("Min. deelnemers") if g.origin else schema.GROEPEN.name
            rec.problems.append(
                Problem(
                    WAARSCHUWING,
                    schema.GROEPEN.name,
                    cell,
                    f"Groep {g.name} heeft {n} {'actieve deelnemer' if n == 1 else 'actieve deelnemers'}, minder dan het minimum van {g.min_members}. "
                    "Voeg deelnemers toe op tabblad Deelnemers of verlaag Min. deelnemers.",
                )
            )

"""`intervisie import-evaluations DIR`: returned evaluation forms into the Evaluaties tab.

Every ``.docx`` in DIR is read by its content controls (by tag, or by title and list
values when LibreOffice dropped the tags). The same form twice adds nothing; a newer
form from the same person for the same meeting replaces that row's answers. A file that
is not a form, is damaged, or names no known meeting gets one Meldingen line naming the
file and stays where it is; the rest goes on. Read forms move to ``DIR/verwerkt/`` once
the workbook is written (not with ``--keep`` or ``--dry-run``)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema
from .errors import IntervisieError
from .forms import read_evaluation_form
from .pipeline import Context
from .records import Problem
from .schema import Severity, norm
from .tables import CellChange, RowAppend
from .validate import suggest
from .values import as_text

PROCESSED = "verwerkt"
ANSWER_COLUMNS = {"Wat ging goed": "goed", "Wat kan beter": "beter", "Wat neem ik mee": "meenemen"}


@dataclass
class Form:
    path: Path
    meeting: str
    name: str
    grade: Any  # a number 1..10, or the text as typed
    answers: dict[str, str]  # Evaluaties column -> text
    saved: dt.datetime

    def values(self) -> dict[str, Any]:
        return {
            "Bijeenkomst": self.meeting,
            "Naam": self.name,
            "Cijfer": self.grade,
            **self.answers,
            "Ontvangen op": self.saved.date(),
        }


def parse_grade(text: str) -> tuple[Any, bool]:
    """(value for the Cijfer cell, whether it is a grade 1..10)."""
    t = text.strip().replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        return text.strip(), False
    if value.is_integer():
        value = int(value)
    return value, 1 <= value <= 10


def _problem(path: Path, message: str, severity: str = Severity.FOUT) -> Problem:
    return Problem(severity, schema.EVALUATIES.name, f"bestand {path.name}", message)


class ImportEvaluationsStep:
    name = "evaluaties"

    def __call__(self, ctx: Context) -> None:
        run, rec, result = ctx.run, ctx.records, ctx.result
        folder = run.forms_dir
        if folder is None:
            return
        if not folder.is_dir():
            raise IntervisieError(f"map met evaluatieformulieren {folder} bestaat niet")
        meetings = {norm(nr): nr for nr in rec.all_keys.get(schema.BIJEENKOMSTEN.name, set())}
        people = {norm(n): n for n in rec.all_keys.get(schema.DEELNEMERS.name, set())}
        forms: dict[tuple[str, str], Form] = {}
        skipped = superseded = 0
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            if path.name.startswith((".", "~$", ".~lock")):
                continue
            if path.suffix.lower() != ".docx":
                result.problems.append(
                    _problem(
                        path, f"{path.name} is geen ingevuld evaluatieformulier (geen Word-bestand); overgeslagen."
                    )
                )
                skipped += 1
                continue
            try:
                answers = read_evaluation_form(path)
            except IntervisieError as exc:
                result.problems.append(
                    _problem(path, f"{exc.message} Vraag de deelnemer het formulier opnieuw te sturen.")
                )
                skipped += 1
                continue
            if "bijeenkomst" not in answers or "naam" not in answers:
                result.problems.append(
                    _problem(path, f"{path.name} is geen evaluatieformulier van intervisie; overgeslagen.")
                )
                skipped += 1
                continue
            nr = meetings.get(norm(answers["bijeenkomst"]))
            if nr is None:
                shown = answers["bijeenkomst"] or "(leeg)"
                result.problems.append(
                    _problem(
                        path,
                        f"{path.name} noemt bijeenkomst '{shown}', die niet op tabblad Bijeenkomsten staat. "
                        "Vul het juiste bijeenkomstnummer in het formulier in en lees het opnieuw in.",
                    )
                )
                skipped += 1
                continue
            typed = answers["naam"].strip()
            if not typed:
                result.problems.append(
                    _problem(path, f"In {path.name} is geen naam ingevuld. Vul de naam in en lees het opnieuw in.")
                )
                skipped += 1
                continue
            name = people.get(norm(typed), typed)
            if name == typed and norm(typed) not in people:
                result.problems.append(
                    _problem(
                        path,
                        f"{path.name}: '{typed}' staat niet op tabblad Deelnemers.{suggest(typed, set(people.values()))} "
                        "Het formulier is ingelezen onder deze naam; pas de naam aan op tabblad Evaluaties als die niet klopt.",
                        Severity.WAARSCHUWING,
                    )
                )
            grade, ok = parse_grade(answers.get("cijfer", ""))
            if answers.get("cijfer", "").strip() and not ok:
                result.problems.append(
                    _problem(
                        path,
                        f"{path.name}: cijfer '{answers['cijfer']}' is geen cijfer van 1 tot en met 10; "
                        "de tekst staat in Evaluaties en telt niet mee in het gemiddelde.",
                        Severity.WAARSCHUWING,
                    )
                )
            form = Form(
                path,
                nr,
                name,
                grade if answers.get("cijfer", "").strip() else None,
                {col: answers.get(tag, "") for col, tag in ANSWER_COLUMNS.items()},
                dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0),
            )
            key = (norm(nr), norm(name))
            earlier = forms.get(key)
            if earlier is not None:
                superseded += 1  # two forms of one person for one meeting: the newest counts
            if earlier is None or form.saved >= earlier.saved:
                forms[key] = form
            ctx.after_write.append(_mover(path, run.keep_forms or run.dry_run))
        added = replaced = same = 0
        existing = {(norm(e.meeting), norm(e.name)): e for e in rec.evaluations}
        for key, form in sorted(forms.items()):
            old = existing.get(key)
            if old is None or old.origin is None:
                result.changes.appends.append(
                    RowAppend(schema.EVALUATIES.name, form.values(), unique=("Bijeenkomst", "Naam"))
                )
                added += 1
                continue
            raw = old.origin.raw
            new = form.values()
            received = raw.get("Ontvangen op")
            if isinstance(received, dt.datetime):
                received = received.date()
            differs = [c for c in ("Cijfer", *ANSWER_COLUMNS) if as_text(raw.get(c)) != as_text(new[c])]
            if not differs:
                same += 1
                continue
            if isinstance(received, dt.date) and received > form.saved.date():
                same += 1  # the row holds a newer form already
                continue
            k = (("Bijeenkomst", raw.get("Bijeenkomst")), ("Naam", raw.get("Naam")))
            for column in (*differs, "Ontvangen op"):
                result.changes.cells.append(
                    CellChange(
                        schema.EVALUATIES.name, k, column, new[column], raw.get(column), reason="nieuwer formulier"
                    )
                )
            replaced += 1
        where = (
            "proefdraai: niets gewijzigd"
            if run.dry_run
            else "de bestanden blijven staan"
            if run.keep_forms
            else f"ingelezen bestanden staan nu in {folder / PROCESSED}"
        )
        result.lines.append(
            f"Evaluatieformulieren uit {folder}: {added} nieuw, {replaced} vervangen door een nieuwer formulier, "
            f"{same + superseded} al bekend of dubbel, {skipped} overgeslagen ({where})."
        )


def _mover(path: Path, keep: bool) -> Callable[[], None]:
    def move() -> None:
        if keep or not path.exists():
            return
        target_dir = path.parent / PROCESSED
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        n = 1
        while target.exists():
            n += 1
            target = target_dir / f"{path.stem} ({n}){path.suffix}"
        os.replace(path, target)

    return move

"""The yearly outputs (``intervisie report --year YYYY``, and once in ``run`` early in a
new year for the year before), into ``output/rapportage/<jaar>/<groep>/``:

* ``plaklijst-<register>.txt``: the registration numbers of everyone who meets the
  minimum attendance, one a line, in the form the register's portal accepts (BIG: 11
  digits with the leading zeros; NIP-, SKJ, V&VN, Registerplein, KRF numbers as
  registered), ready to paste into PE-online and the like;
* ``accreditatie-<jaar>.xlsx``: for the coordinator, every person with name, number,
  meetings, hours, points, whether they are on the paste list and, if not, why;
* ``certificaten/<naam>.docx``: a certificate of participation per person who attended;
* ``jaarverslag-<jaar>.docx``: the group's annual report, with a chart.

Privacy: the annual report names a confidential case only as "vertrouwelijke casus" and
carries no registration numbers and no free text from the evaluations.
"""

from __future__ import annotations

import io
import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .accreditation import REPORTED_REGISTERS, LedgerRow, is_held, ledger, present_at
from .document_data import points_text, safe_name
from .documents import Renderer
from .errors import TemplateError
from .files import atomic_write
from .pipeline import Context
from .records import Meeting, Problem, Records
from .schema import MeetingStatus, Severity
from .steps import template_folder
from .values import dutch_date

REPORT_DIR = "rapportage"
#: from this day of a new year, `run` makes last year's report even when attendance is missing
REPORT_DEADLINE = (2, 1)  # 1 February


def paste_number(registration: str, number: str) -> str:
    """A registration number as the register's portal expects it pasted."""
    if registration == "BIG":
        digits = "".join(ch for ch in number if ch.isdigit())
        return digits.zfill(11)
    return number.strip()


@dataclass
class Output:
    path: Path
    what: str  # Dutch, for the summary
    write: Callable[[Path], None]
    group: str = ""


@dataclass
class YearReport:
    year: int
    outputs: list[Output] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _meetings_of(rec: Records, group: str, year: int) -> list[Meeting]:
    return sorted(
        (m for m in rec.meetings_of(group) if m.date is not None and m.date.year == year),
        key=lambda m: (m.date, m.nr),
    )


def _case_label(rec: Records, nr: str) -> str:
    for c in rec.cases:
        if c.nr == nr:
            return "vertrouwelijke casus" if c.confidential else c.title
    return ""


def _grades(rec: Records, nr: str) -> list[float]:
    return rec.grades_of(nr)


def plan_year(ctx: Context, year: int) -> YearReport:
    """Everything the year's report consists of, as outputs still to write."""
    run, rec = ctx.run, ctx.records
    report = YearReport(year)
    rows = [r for r in ledger(rec, run.library, run.today) if r.year == year]
    base = run.output_dir / REPORT_DIR / str(year)
    groups = sorted({r.group for r in rows} | {m.group for m in rec.meetings.values() if _in_year(m, year)})
    for group in groups:
        g = rec.groups.get(group)
        if g is None:
            continue
        folder = base / safe_name(group)
        grows = [r for r in rows if r.group == group]
        accepted = accredited_registers(g.accreditation_body)
        if g.accreditation_body:
            for register in accepted:
                numbers = sorted(
                    {
                        paste_number(r.registration, r.number)
                        for r in grows
                        if r.reportable and r.registration == register
                    }
                )
                if numbers:
                    text = "\n".join(numbers) + "\n"
                    report.outputs.append(
                        Output(
                            folder / f"plaklijst-{safe_name(register)}.txt",
                            f"plaklijst {register} ({len(numbers)} nummers)",
                            _text_writer(text),
                            group=group,
                        )
                    )
        if grows:
            report.outputs.append(
                Output(
                    folder / f"accreditatie-{year}.xlsx",
                    f"overzicht accreditatie ({len(grows)} personen)",
                    _sheet_writer(grows, year, group, accepted if g.accreditation_body else ()),
                    group=group,
                )
            )
        for r in grows:
            if r.attended:
                report.outputs.append(
                    Output(
                        folder / "certificaten" / f"{safe_name(r.name)}.docx",
                        f"bewijs van deelname {r.name}",
                        _certificate_writer(ctx, r),
                        group=group,
                    )
                )
        meetings = _meetings_of(rec, group, year)
        if meetings:
            report.outputs.append(
                Output(
                    folder / f"jaarverslag-{year}.docx",
                    "jaarverslag",
                    _annual_writer(ctx, group, year, meetings, grows),
                    group=group,
                )
            )
    return report


def _in_year(m: Meeting, year: int) -> bool:
    return m.date is not None and m.date.year == year


def _text_writer(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        atomic_write(path, text.encode("utf-8"))

    return write


SHEET_COLUMNS = (
    ("Naam", 26),
    ("Registratie", 14),
    ("Registratienummer", 18),
    ("Bijeenkomsten", 13),
    ("Gehouden", 10),
    ("Netto uren", 11),
    ("Punten", 9),
    ("Aanwezigheid (%)", 15),
    ("Voldoet", 9),
    ("Op plaklijst", 12),
    ("Toelichting", 70),
)


def accredited_registers(body: str) -> tuple[str, ...]:
    """The registers a group's Accreditatie cell names ("SKJ", "SKJ en NIP", "BIG; V&VN"):
    only their members go on a paste list, as a register's portal accepts only its own
    numbers. A body that names no register the tool knows (a regional body, say) is taken
    to accept every register, as before."""
    words = set(re.split(r"[;,/+\-()\s]+", re.sub(r"\s*&\s*", "&", body)))
    # a register's name as written (BIG, not "Big Move"); "Anders" is no register
    folded = {w.casefold() for w in words}
    named = tuple(
        r for r in REPORTED_REGISTERS if r != "Anders" and (r in words or (len(r) > 4 and r.casefold() in folded))
    )
    return named or REPORTED_REGISTERS


def _sheet_writer(rows: list[LedgerRow], year: int, group: str, accepted: tuple[str, ...]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = f"Accreditatie {year}"[:31]
        ws.append([c for c, _ in SHEET_COLUMNS])
        for i, (_c, width) in enumerate(SHEET_COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DCE5F0")
        for r in rows:
            why = r.explanation()
            pasted = r.reportable and r.registration in accepted
            if r.meets and not r.reportable and not why:
                why = "geen register om aan te melden (Registratie is Geen)"
            elif r.reportable and not pasted and not accepted:
                why = "de groep heeft geen accreditatie (kolom Accreditatie op tabblad Groepen is leeg)"
            elif r.reportable and not pasted:
                why = (
                    f"de groep is bij {', '.join(accepted)} geaccrediteerd, niet bij {r.registration}; met het "
                    f"certificaat kan {r.name} de uren zelf bij {r.registration} opgeven"
                )
            ws.append(
                [
                    r.name,
                    r.registration,
                    paste_number(r.registration, r.number) if r.number else "",
                    r.attended,
                    r.held,
                    r.hours,
                    r.points,
                    r.percent,
                    "ja" if r.meets else "nee",
                    "ja" if pasted else "nee",
                    why,
                ]
            )
            ws.cell(row=ws.max_row, column=3).number_format = "@"
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        buf = io.BytesIO()
        wb.save(buf)
        atomic_write(path, buf.getvalue())

    return write


def _renderer(ctx: Context, group: str) -> Renderer:
    g = ctx.records.groups[group]
    return Renderer(template_folder(ctx, g.templates))


def _certificate_writer(ctx: Context, r: LedgerRow) -> Callable[[Path], None]:
    rec = ctx.records
    g = rec.groups[r.group]
    p = rec.participants.get(r.name)
    context: dict[str, Any] = {
        "org": rec.settings.organisation,
        "group": r.group,
        "year": str(r.year),
        "name": r.name,
        "profession": p.profession if p else "",
        "registration": "" if r.number.casefold().startswith(r.registration.casefold()) else r.registration,
        "registration_number": paste_number(r.registration, r.number) if r.number else "",
        "attended": r.attended,
        "held": r.held,
        "percent": r.percent,
        "hours": points_text(r.hours),
        # points only for who met the minimum: the register grants none below it
        "points": points_text(r.points) if g.points_per_hour and r.meets else "",
        "points_per_hour": points_text(g.points_per_hour),
        "accreditation_body": g.accreditation_body,
        "accreditation_nr": g.accreditation_nr,
        "visits": [
            {
                "nr": v.meeting,
                "date_long": dutch_date(v.date),
                "hours": points_text(round(v.minutes / 60, 2)),
                "points": points_text(v.points) if r.meets else "",
            }
            for v in r.visits
        ],
        "coordinator": rec.settings.coordinator,
        "place_date": dutch_date(ctx.run.today),
        "remark": (
            ""
            if r.meets or not g.points_per_hour
            else f"De minimale aanwezigheid van {r.min_attendance}% is in {r.year} niet gehaald; daarom staan er "
            "geen punten op dit bewijs. De uren en data hierboven kloppen wel."
        ),
    }

    def write(path: Path) -> None:
        _renderer(ctx, r.group).render("certificaat", context, path)

    return write


def _annual_writer(
    ctx: Context, group: str, year: int, meetings: list[Meeting], rows: list[LedgerRow]
) -> Callable[[Path], None]:
    rec, today = ctx.records, ctx.run.today
    g = rec.groups[group]
    held = [m for m in meetings if is_held(m, rec, today)]
    table = []
    chart_points: list[tuple[str, int, float | None]] = []
    for m in meetings:
        assert m.date is not None
        counted = is_held(m, rec, today)
        present = len({n for n, _a in present_at(rec, m.nr)}) if counted else 0
        grades = _grades(rec, m.nr)
        avg = statistics.fmean(grades) if grades else None
        table.append(
            {
                "date": m.date.strftime("%d-%m-%Y"),
                "status": MeetingStatus.GEHOUDEN if counted else m.status,
                "method": m.method or g.method,
                "cases": "; ".join(x for x in (_case_label(rec, n) for n in m.cases) if x),
                "present": str(present) if counted else "",
                "grade": points_text(round(avg, 1)) if avg is not None else "",
            }
        )
        if counted:
            chart_points.append((m.date.strftime("%d-%m"), present, avg))
    all_grades = [x for m in held for x in _grades(rec, m.nr)]
    presents = [p for _d, p, _a in chart_points]
    members = [r for r in rows if r.member]
    context: dict[str, Any] = {
        "org": rec.settings.organisation,
        "group": group,
        "year": str(year),
        "held": len(held),
        "cancelled": sum(m.status == MeetingStatus.GEANNULEERD for m in meetings),
        "members": len(members),
        "attendance_avg": (
            f"{points_text(round(statistics.fmean(presents), 1))} personen per bijeenkomst" if presents else "–"
        ),
        "grade_avg": points_text(round(statistics.fmean(all_grades), 1)) if all_grades else "–",
        "evaluations": len(all_grades),
        "methods": ", ".join(sorted({m.method or g.method for m in held if (m.method or g.method)})),
        "accreditation": " ".join(x for x in (g.accreditation_body, g.accreditation_nr) if x),
        "coordinator": rec.settings.coordinator,
        "meetings": table,
    }

    def write(path: Path) -> None:
        renderer = _renderer(ctx, group)
        renderer.get("jaarverslag")  # a broken custom template fails here, clearly
        png = chart_png(chart_points, f"{group} · {year}") if chart_points else None
        render_with_image(renderer.path_for("jaarverslag"), context, png, path)

    return write


def chart_png(points: list[tuple[str, int, float | None]], title: str) -> bytes:
    """Bars: people present per meeting; line: the average grade (right axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [p[0] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 3.0), dpi=150)
    try:
        ax.bar(labels, [p[1] for p in points], color="#2F6690", label="aanwezig")
        ax.set_ylabel("aanwezig")
        ax.set_ylim(0, max([p[1] for p in points] + [1]) + 1)
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax2 = ax.twinx()
        grades = [(i, p[2]) for i, p in enumerate(points) if p[2] is not None]
        if grades:
            ax2.plot([i for i, _ in grades], [gr for _, gr in grades], color="#C0392B", marker="o", label="gem. cijfer")
        ax2.set_ylim(0, 10.5)
        ax2.set_ylabel("gem. cijfer")
        ax.set_title(title, fontsize=10)
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(
            handles,
            [str(h.get_label()) for h in handles],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=2,
            fontsize=8,
            frameon=False,
        )
        for spine in ("top",):
            ax.spines[spine].set_visible(False)
            ax2.spines[spine].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def render_with_image(template: Path, context: dict[str, Any], png: bytes | None, out: Path) -> None:
    """docxtpl's own DocxTemplate (autoescaped), for its InlineImage."""
    import jinja2
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    tpl = DocxTemplate(str(template))
    ctx = dict(context)
    ctx["chart"] = InlineImage(tpl, io.BytesIO(png), width=Mm(160)) if png else ""
    try:
        tpl.render(ctx, jinja_env=jinja2.Environment(autoescape=True))
    except jinja2.TemplateError as exc:
        raise TemplateError(f"Sjabloon {template.name}: {exc}") from exc
    buf = io.BytesIO()
    tpl.save(buf)
    atomic_write(out, buf.getvalue())


# ------------------------------------------------------------------ the step


class ReportStep:
    """The yearly outputs: the asked year (`report --year`), or inside `run`, once,
    last year's: at the first run of January to March whose past meetings all have
    their attendance filled in, and from 1 February even when some do not."""

    name = "rapportage"

    def __init__(self, automatic: bool = False) -> None:
        self.automatic = automatic

    def __call__(self, ctx: Context) -> None:
        run, result = ctx.run, ctx.result
        state_file = run.state_dir / "rapportage.json"
        try:
            done = json.loads(state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            done = {}
        if self.automatic:
            year = run.today.year - 1
            if str(year) in done or not self._due(ctx, year):
                return
        else:
            if run.report_year is None:
                return
            year = run.report_year
        if year >= run.today.year:
            result.problems.append(
                Problem(
                    Severity.WAARSCHUWING,
                    "Accreditatie",
                    f"jaar {year}",
                    f"Het jaar {year} is nog niet voorbij: de lijsten en bewijzen van deelname gaan over de "
                    f"bijeenkomsten tot nu toe. Maak ze na afloop van het jaar opnieuw voor de registers.",
                )
            )
        report = plan_year(ctx, year)
        result.problems.extend(report.problems)
        if not report.outputs:
            result.lines.append(f"Jaarrapportage {year}: geen gehouden bijeenkomsten in {year}; niets gemaakt.")
            return
        written = 0
        broken: set[tuple[str, str]] = set()
        for out in report.outputs:
            if run.dry_run:
                result.lines.append(f"Zou maken: {out.path} ({out.what})")
                continue
            try:
                out.write(out.path)
                written += 1
            except TemplateError as exc:
                if (out.group, exc.message) in broken:
                    continue  # one Melding per broken template, not one per person
                broken.add((out.group, exc.message))
                g = ctx.records.groups.get(out.group)
                cell = g.origin.cell("Sjablonen") if g is not None and g.origin is not None else "Groepen"
                result.problems.append(
                    Problem(
                        Severity.FOUT,
                        "Groepen",
                        cell,
                        f"{exc.message} Wat groep {out.group} met dit sjabloon maakt ({out.what} en dergelijke) "
                        "is niet gemaakt; de rest van de jaarrapportage wel. Herstel het sjabloon en maak de "
                        "rapportage opnieuw.",
                    )
                )
        where = run.output_dir / REPORT_DIR / str(year)
        kinds = {
            ("plaklijst", "plaklijsten"): sum(o.path.suffix == ".txt" for o in report.outputs),
            ("bewijs van deelname", "bewijzen van deelname"): sum(
                o.path.parent.name == "certificaten" for o in report.outputs
            ),
            ("jaarverslag", "jaarverslagen"): sum(o.path.name.startswith("jaarverslag") for o in report.outputs),
            ("overzicht", "overzichten"): sum(o.path.suffix == ".xlsx" for o in report.outputs),
        }
        summary = ", ".join(f"{n} {one if n == 1 else many}" for (one, many), n in kinds.items())
        verb = "zou maken" if run.dry_run else "gemaakt"
        result.lines.append(f"Jaarrapportage {year} {verb} in {where}: {summary}.")
        if not run.dry_run and written:
            done[str(year)] = run.stamp().isoformat()
            atomic_write(state_file, json.dumps(done, indent=1, sort_keys=True).encode("utf-8"))

    @staticmethod
    def _due(ctx: Context, year: int) -> bool:
        rec, today = ctx.records, ctx.run.today
        past = [
            m
            for m in rec.meetings.values()
            if _in_year(m, year) and m.status in (MeetingStatus.BEVESTIGD, MeetingStatus.GEHOUDEN)
        ]
        if today.month > 3 or not any(is_held(m, rec, today) for m in past):
            return False
        if (today.month, today.day) >= REPORT_DEADLINE:
            return True
        return all(is_held(m, rec, today) for m in past)

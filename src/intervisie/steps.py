"""The steps of the weekly run that make things: planning and documents. (Mail is in
`mail/step.py`.) Each is a callable object with the one step signature."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from . import schema
from .accreditation import attendance_problems, ledger, tab_rows
from .attendance import prefill_and_close
from .docgen import in_window, jobs_for_meeting
from .documents import Renderer
from .errors import TemplateError, TimetableError
from .files import atomic_write
from .mail.decide import EVALUATION_GRACE_DAYS
from .pipeline import Context
from .planning import plan
from .records import Meeting, Problem
from .tables import CellChange, TabReplace, key_of
from .workbook.excel import ExcelWorkbook


class PlanStep:
    """Propose the next meeting of every active group without one (status voorstel)."""

    name = "planning"

    def __call__(self, ctx: Context) -> None:
        run, result = ctx.run, ctx.result
        cfg = run.config.planning
        outcome = plan(ctx.records, run.library, run.today, cfg.holidays, cfg.horizon_weeks)
        result.changes.extend(outcome.changes)
        result.problems.extend(outcome.problems)
        for p in outcome.proposals:
            verb = "Nieuw voorstel" if p.new else "Aangevuld"
            result.lines.append(f"{verb} {p.nr} ({p.group}): " + "; ".join(p.explanation))
            ctx.touched.add(p.nr)
        if not outcome.proposals:
            result.lines.append("Planning: alle actieve groepen hebben een komende bijeenkomst; niets voor te stellen.")


class DocumentsStep:
    """Render the documents of every confirmed meeting inside the invitation window; a
    document whose inputs and template did not change is not rendered again."""

    name = "documenten"

    def __call__(self, ctx: Context) -> None:
        run, rec, result = ctx.run, ctx.records, ctx.result
        state_file = run.state_dir / "documents.json"
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            state = {}
        renderers: dict[Path | None, Renderer] = {}
        broken_groups: set[str] = set()
        rendered = unchanged = 0
        # evaluation forms go out after the meeting: the documents of recent meetings are known too
        for m in sorted(rec.meetings.values(), key=lambda x: (x.date or dt.date.max, x.nr)):
            if not m.nr or m.group not in rec.groups or m.group in broken_groups:
                continue
            fresh = in_window(m, run.today, rec.settings.invite_days)
            if not fresh and not _recent(m, run.today, rec.settings.evaluation_days):
                continue
            g = rec.groups[m.group]
            try:
                jobs = jobs_for_meeting(rec, run.library, m)
            except TimetableError as exc:
                cell = m.origin.cell("Methode") if m.origin else "Bijeenkomsten"
                ctx.blocked_documents[m.nr] = exc.message
                if fresh:
                    result.problems.append(
                        Problem("fout", "Bijeenkomsten", cell, f"Geen documenten voor {m.nr}: {exc.message}")
                    )
                continue
            folder = _template_folder(ctx, g.templates)
            renderer = renderers.setdefault(folder, Renderer(folder))
            try:
                templates = [renderer.get(job.kind) for job in jobs]  # all checked before any is rendered
            except TemplateError as exc:
                cell = g.origin.cell("Sjablonen") if g.origin else "Groepen"
                result.problems.append(
                    Problem(
                        "fout",
                        "Groepen",
                        cell,
                        f"{exc.message} De documenten van groep {g.name} worden overgeslagen tot het sjabloon is hersteld.",
                    )
                )
                broken_groups.add(g.name)
                ctx.blocked_documents[m.nr] = exc.message
                continue
            paths: dict[str, str] = {}
            docs = ctx.documents.setdefault(m.nr, {})
            for job, tpl in zip(jobs, templates, strict=True):
                out = run.output_dir / job.filename
                digest = f"{job.digest}:{tpl.sha256}"
                key = job.kind if job.kind != "casusvoorbereiding" else f"{job.kind}:{job.case}"
                if not fresh:  # after the meeting: use what exists, make nothing new
                    if out.exists():
                        docs[key] = out
                    continue
                if state.get(job.filename) == digest and out.exists():
                    unchanged += 1
                else:
                    if not run.dry_run:
                        tpl.render(job.context, out)
                        state[job.filename] = digest
                    rendered += 1
                    ctx.touched.add(m.nr)
                docs[key] = out
                if job.column:
                    paths[job.column] = str(out)
            raw = m.origin.raw if m.origin else {}
            for column, value in paths.items():
                if raw.get(column) != value:
                    result.changes.cells.append(
                        CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, m.nr), column, value, raw.get(column))
                    )
        if not run.dry_run and rendered:
            atomic_write(state_file, json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        verb = "zou maken" if run.dry_run else "gemaakt"
        result.lines.append(f"Documenten: {rendered} {verb}, {unchanged} ongewijzigd (map {run.output_dir}).")


def _recent(m: Meeting, today: dt.date, evaluation_days: int) -> bool:
    """A meeting whose evaluation forms may still go out."""
    return (
        m.status in ("bevestigd", "gehouden")
        and m.date is not None
        and m.date <= today <= m.date + dt.timedelta(days=evaluation_days + EVALUATION_GRACE_DAYS)
    )


def _template_folder(ctx: Context, group_folder: str) -> Path | None:
    """A group's own template folder (relative to the workbook's folder, or the config's
    for a Google Sheet), else the config's, else None for the standard templates."""
    cfg = ctx.run.config
    if group_folder:
        base = ctx.wb.path.parent if isinstance(ctx.wb, ExcelWorkbook) else cfg.base_dir
        return base / group_folder
    return cfg.resolve(cfg.output.templates)


class AttendanceStep:
    """Pre-fill Aanwezigheid for confirmed meetings inside the invitation window; after a
    meeting whose attendance is filled in, propose `gehouden` and its cases `besproken`;
    say what the attendance of past meetings still needs."""

    name = "aanwezigheid"

    def __call__(self, ctx: Context) -> None:
        rec, result = ctx.records, ctx.result
        outcome = prefill_and_close(rec, ctx.run.today)
        result.changes.appends.extend(outcome.appends)
        result.changes.cells.extend(outcome.cells)
        result.lines.extend(outcome.lines)
        ctx.touched |= outcome.touched
        result.problems.extend(attendance_problems(rec, ctx.run.today))


class AccreditationStep:
    """Recompute the Accreditatie tab (replaced whole every run)."""

    name = "accreditatie"

    def __call__(self, ctx: Context) -> None:
        rows = ledger(ctx.records, ctx.run.library, ctx.run.today)
        ctx.result.changes.replaces.append(TabReplace(schema.ACCREDITATIE.name, tab_rows(rows)))
        if rows:
            years = sorted({r.year for r in rows})
            short = sum(1 for r in rows if r.year == years[-1] and r.member and not r.meets)
            ctx.result.lines.append(
                f"Accreditatie: {len(rows)} regels over {', '.join(map(str, years))}; "
                f"{short} deelnemer(s) halen in {years[-1]} (nog) niet de minimale aanwezigheid."
            )

"""The steps of the weekly run that make things: planning and documents. (Mail is in
`mail/step.py`.) Each is a callable object with the one step signature."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import schema
from .accreditation import attendance_problems, ledger, tab_rows
from .attendance import prefill_and_close
from .document_data import in_window, jobs_for_meeting
from .documents import CompiledTemplate, Renderer, write_document
from .errors import TemplateError, TimetableError
from .files import atomic_write
from .mail.decide import EVALUATION_GRACE_DAYS
from .mail.journal import SENT, Journal
from .mail.step import JOURNAL_FILE
from .parallel import ordered_map
from .pipeline import Context
from .planning import plan
from .records import Meeting, Problem
from .schema import MeetingStatus, Severity
from .status import meeting_status
from .tables import CellChange, TabReplace, key_of
from .values import as_text
from .workbook.base import same_value
from .workbook.excel import ExcelWorkbook


class PlanStep:
    """Propose the next meeting of every active group without one (status voorstel)."""

    name = "planning"

    def __call__(self, ctx: Context) -> None:
        run, result, rec = ctx.run, ctx.result, ctx.records
        cfg = run.config.planning
        numbers = run.state_dir / "nummers.json"
        try:
            issued = set(json.loads(numbers.read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError, TypeError):
            issued = set()
        outcome = plan(rec, run.library, run.today, cfg.holidays, cfg.horizon_weeks, issued=issued)
        result.changes.extend(outcome.changes)
        result.problems.extend(outcome.problems)
        result.lines.extend(outcome.released)
        # a meeting typed without a Nr goes on under the number it gets now (its
        # documents and invitations in this same run)
        for m, nr in outcome.numbered:
            for key, value in list(rec.meetings.items()):
                if value is m:
                    del rec.meetings[key]
            m.nr = nr
            rec.meetings[nr] = m
        for p in outcome.proposals:
            verb = "Nieuw voorstel" if p.new else "Aangevuld"
            result.lines.append(f"{verb} {p.nr} ({p.group}): " + "; ".join(p.explanation))
            ctx.touched.add(p.nr)
            if "Datum" in p.values and p.explanation:
                date_reason = p.explanation[0].partition(": ")[2] or p.explanation[0]
                fell_off = [x for x in p.explanation[1:2] if x.startswith("afgevallen")]
                ctx.why[p.nr] = "; ".join([date_reason, *fell_off])
        if not any(g.active for g in rec.groups.values()):
            result.lines.append("Planning: er zijn (nog) geen actieve groepen; niets te plannen.")
        elif not outcome.proposals:
            result.lines.append("Planning: alle actieve groepen hebben een komende bijeenkomst; niets voor te stellen.")
        # meeting numbers are never given out twice, also not after a row was deleted
        known = issued | rec.all_keys.get(schema.BIJEENKOMSTEN.name, set()) | {p.nr for p in outcome.proposals}
        if not run.dry_run and known != issued:
            numbers.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(numbers, json.dumps(sorted(known), ensure_ascii=False, indent=0).encode("utf-8"))


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
        rendered = unchanged = kept = 0
        # a document is never replaced by one made from a damaged read: while a tab it
        # is made from has errors, an existing document stays as it is
        damaged = sorted(
            (rec.unreadable & {schema.DEELNEMERS.name, schema.GROEPEN.name, schema.CASUSSEN.name})
            | {p.tab for p in rec.problems if p.is_error and p.tab in (schema.DEELNEMERS.name, schema.GROEPEN.name)}
        )
        warned: set[str] = set()
        to_render: list[tuple[CompiledTemplate, dict[str, Any], Path, str, str]] = []
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
                        Problem(
                            Severity.FOUT,
                            schema.BIJEENKOMSTEN.name,
                            cell,
                            f"Geen documenten voor {m.nr}: {exc.message}",
                        )
                    )
                continue
            folder = template_folder(ctx, g.templates)
            renderer = renderers.setdefault(folder, Renderer(folder))
            try:
                templates = [renderer.get(job.kind) for job in jobs]  # all checked before any is rendered
            except TemplateError as exc:
                cell = g.origin.cell("Sjablonen") if g.origin else "Groepen"
                result.problems.append(
                    Problem(
                        Severity.FOUT,
                        schema.GROEPEN.name,
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
                elif out.exists() and damaged:
                    kept += 1
                    if m.nr not in warned:
                        warned.add(m.nr)
                        result.problems.append(
                            Problem(
                                Severity.WAARSCHUWING,
                                schema.BIJEENKOMSTEN.name,
                                m.origin.cell("Nr") if m.origin else "Bijeenkomsten",
                                f"De documenten van {m.nr} zijn niet opnieuw gemaakt: tabblad {' en '.join(damaged)} "
                                "heeft fouten (zie de andere meldingen). De vorige versies blijven staan; na het "
                                "herstel worden ze bijgewerkt.",
                            )
                        )
                else:
                    if not run.dry_run:
                        to_render.append((tpl, job.context, out, job.filename, digest))
                    rendered += 1
                    ctx.touched.add(m.nr)
                docs[key] = out
                if job.column:
                    paths[job.column] = _shown_path(ctx, out)
            raw = m.origin.raw if m.origin else {}
            for column, value in paths.items():
                if raw.get(column) != value:
                    result.changes.cells.append(
                        CellChange(
                            schema.BIJEENKOMSTEN.name,
                            key_of(schema.BIJEENKOMSTEN, m.nr),
                            column,
                            value,
                            raw.get(column),
                        )
                    )
        # rendered in worker processes, written here in order
        with closing(ordered_map(lambda r: r[0].render_bytes(r[1]), to_render)) as documents:
            for (_tpl, _context, out, filename, digest), data in zip(to_render, documents, strict=True):
                _keep_previous(run.state_dir, run.output_dir, out)
                write_document(out, data)
                state[filename] = digest
        if not run.dry_run and rendered:
            atomic_write(state_file, json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        verb = "zou maken" if run.dry_run else "gemaakt"
        result.lines.append(
            f"Documenten: {rendered} {verb}, {unchanged} ongewijzigd"
            + (f", {kept} bewaard (niet vervangen)" if kept else "")
            + f" (map {run.output_dir})."
        )


def _shown_path(ctx: Context, out: Path) -> str:
    """A document's path as the workbook shows it: relative to an Excel workbook's folder
    when the document lies under it (the pair can be moved together), else absolute."""
    if isinstance(ctx.wb, ExcelWorkbook):
        base = ctx.wb.path.resolve().parent
        try:
            return out.resolve().relative_to(base).as_posix()
        except ValueError:
            pass
    return str(out)


def _as_read(ctx: Context, tab: schema.Tab, table: tuple[dict[str, object], ...]) -> bool:
    """The system tab already reads exactly `table` (so the file need not be touched)."""
    raw = ctx.snapshot.get(tab.name) if ctx.snapshot is not None else None
    if raw is None:
        return False
    cols = raw.column_index(tab)
    if any(c.name not in cols for c in tab.columns) or len(raw.rows) != len(table):
        return False
    where = [(c.name, cols[c.name]) for c in tab.columns]
    for (_r, vals), want in zip(raw.rows, table, strict=True):
        n = len(vals)
        for name, i in where:
            have, new = (vals[i] if i < n else None), want.get(name)
            if have != new and not same_value(have, new):  # equal values: no closer look
                return False
    return True


def _keep_previous(state_dir: Path, output_dir: Path, out: Path) -> None:
    """The version a re-render replaces goes to <state>/vorige-documenten/ (one back)."""
    if not out.exists():
        return
    try:
        rel = out.relative_to(output_dir)
    except ValueError:
        rel = Path(out.name)
    target = state_dir / "vorige-documenten" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, out.read_bytes())


def _recent(m: Meeting, today: dt.date, evaluation_days: int) -> bool:
    """A meeting whose evaluation forms may still go out."""
    return (
        m.status in (MeetingStatus.BEVESTIGD, MeetingStatus.GEHOUDEN)
        and m.date is not None
        and m.date <= today <= m.date + dt.timedelta(days=evaluation_days + EVALUATION_GRACE_DAYS)
    )


def template_folder(ctx: Context, group_folder: str) -> Path | None:
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
        if "Aanwezigheid" in rec.unreadable:
            return  # nothing is pre-filled or closed from a tab that cannot be read
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
        blocked = sorted(
            ctx.records.unreadable
            & {schema.AANWEZIGHEID.name, schema.DEELNEMERS.name, schema.BIJEENKOMSTEN.name, schema.GROEPEN.name}
        )
        if blocked:
            ctx.result.lines.append(
                f"Accreditatie niet bijgewerkt: tabblad {' en '.join(blocked)} kan niet gelezen worden (zie Meldingen)."
            )
            return
        rows = ledger(ctx.records, ctx.run.library, ctx.run.today)
        table = tab_rows(rows)
        if not _as_read(ctx, schema.ACCREDITATIE, table):
            ctx.result.changes.replaces.append(TabReplace(schema.ACCREDITATIE.name, table))
        if rows:
            years = sorted({r.year for r in rows})
            short = sum(1 for r in rows if r.year == years[-1] and r.member and not r.meets)
            ctx.result.lines.append(
                f"Accreditatie: {len(rows)} regels over {', '.join(map(str, years))}; "
                f"{short} deelnemer(s) halen in {years[-1]} (nog) niet de minimale aanwezigheid."
            )


class StatusStep:
    """'Stand van zaken' next to every meeting row: why this date, what was made or
    sent, what is missing, what the coordinator does next (written only when it changes)."""

    name = "stand van zaken"

    def __call__(self, ctx: Context) -> None:
        run, rec, result = ctx.run, ctx.records, ctx.result
        if rec.unreadable & {schema.AANWEZIGHEID.name, schema.BIJEENKOMSTEN.name}:
            return  # the sentences would be made from a damaged read
        sent: dict[str, dict[str, dt.date]] = {}
        path = run.state_dir / JOURNAL_FILE
        if path.exists():
            with Journal(path) as journal:
                for e in journal.entries():
                    when = e.done_at
                    if e.state == SENT and when is not None:
                        kinds = sent.setdefault(e.meeting, {})
                        if e.kind not in kinds or when.date() < kinds[e.kind]:
                            kinds[e.kind] = when.date()
        appended = {ap.values.get("Nr"): ap for ap in result.changes.appends if ap.tab == schema.BIJEENKOMSTEN.name}
        for nr, ap in appended.items():
            m = Meeting(
                nr=str(nr),
                group=str(ap.values.get("Groep", "")),
                date=ap.values.get("Datum"),
                status=MeetingStatus.VOORSTEL,
            )
            ap.values["Stand van zaken"] = meeting_status(rec, m, run.today, {}, why_this_date=ctx.why.get(str(nr), ""))
        # the Datum and Status this run writes, by meeting (the row as it will read)
        updates: dict[str, dict[str, object]] = {}
        for c in result.changes.cells:
            if c.tab == schema.BIJEENKOMSTEN.name and c.column in ("Datum", "Status"):
                nr = dict(c.key).get("Nr")
                if nr:
                    updates.setdefault(str(nr), {})[c.column] = c.value
        for m in rec.meetings.values():
            if not m.nr or m.origin is None or m.nr in appended:
                continue
            current = as_text(m.origin.raw.get("Stand van zaken"))
            text = meeting_status(
                rec,
                _as_proposed(m, updates.get(m.nr, {})),
                run.today,
                sent.get(m.nr, {}),
                blocked=ctx.blocked_documents.get(m.nr, ""),
                why_this_date=ctx.why.get(m.nr, ""),
                current=current,
            )
            if text != current:
                result.changes.cells.append(
                    CellChange(
                        schema.BIJEENKOMSTEN.name,
                        key_of(schema.BIJEENKOMSTEN, m.nr),
                        "Stand van zaken",
                        text,
                        m.origin.raw.get("Stand van zaken"),
                    )
                )


def _as_proposed(m: Meeting, updates: dict[str, object]) -> Meeting:
    """The meeting as it will read after this run's write-back (a filled-in date or a
    status the run proposes)."""
    if not updates:
        return m
    date = updates.get("Datum", m.date)
    status = updates.get("Status", m.status)
    return replace(
        m,
        date=date if isinstance(date, dt.date) else m.date,
        status=status if isinstance(status, str) else m.status,
    )

"""The imperative shell: one run object threads config, the run's date and dry-run
through every step; the steps read the workbook, call the pure core, and write back
in one batch. Nothing here prints: results are returned for the CLI to show."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema
from .config import Config, load_config
from .docgen import in_window, jobs_for_meeting
from .documents import Renderer
from .errors import ConfigError, TemplateError, TimetableError, WorkbookLocked
from .files import atomic_write
from .methods import MethodLibrary, load_library
from .planning import plan
from .records import Problem, Records
from .validate import validate
from .workbook.base import CellChange, ChangeSet, Snapshot, TabReplace, Workbook, WriteResult, key_of
from .workbook.excel import ExcelWorkbook


@dataclass
class Run:
    config: Config
    today: dt.date
    dry_run: bool = False
    workbook_path: Path | None = None  # --workbook overrides config
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))

    @property
    def state_dir(self) -> Path:
        return self.config.resolve(self.config.output.state_dir)  # type: ignore[return-value]

    @property
    def output_dir(self) -> Path:
        return self.config.resolve(self.config.output.dir)  # type: ignore[return-value]

    @functools.cached_property
    def library(self) -> MethodLibrary:
        """The shipped methods plus the config's extra files, loaded once per run."""
        return load_library(*(self.config.resolve(p) for p in self.config.planning.methods))

    def stamp(self) -> dt.datetime:
        """Timestamps written to the workbook: the run's date with the wall-clock time."""
        return dt.datetime.combine(self.today, self.now.time())


def open_workbook(run: Run) -> Workbook:
    wc = run.config.workbook
    if run.workbook_path is not None:
        return ExcelWorkbook(run.workbook_path, state_dir=run.state_dir)
    if wc.google_sheet:
        from .workbook.gsheets import GoogleWorkbook

        return GoogleWorkbook.from_config(run.config)
    if wc.path is None:
        raise ConfigError("workbook.path: give the workbook's path in the config or with --workbook")
    return ExcelWorkbook(run.config.resolve(wc.path), state_dir=run.state_dir)  # type: ignore[arg-type]


@contextlib.contextmanager
def run_lock(run: Run) -> Iterator[None]:
    """One run at a time per state folder (a cron run and a manual run cannot overlap)."""
    if run.dry_run:
        yield
        return
    run.state_dir.mkdir(parents=True, exist_ok=True)
    path = run.state_dir / "lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkbookLocked(
                f"er loopt al een andere intervisie-run (slot {path}); wacht tot die klaar is"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class StepResult:
    """What a command did, for the CLI to print and to pick the exit code."""

    records: Records | None = None
    problems: list[Problem] = field(default_factory=list)
    changes: ChangeSet = field(default_factory=ChangeSet)
    written: WriteResult | None = None
    lines: list[str] = field(default_factory=list)  # human summary lines (Dutch)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def meldingen_rows(run: Run, problems: list[Problem]) -> tuple[dict[str, Any], ...]:
    stamp = run.stamp()
    return tuple(
        {"Tijdstip": stamp, "Ernst": p.severity, "Tabblad": p.tab, "Cel": p.cell, "Melding": p.message}
        for p in problems
    )


def load(run: Run) -> tuple[Workbook, Snapshot, Records]:
    wb = open_workbook(run)
    if not run.dry_run:
        wb.check_not_locked()
    snap = wb.read()
    return wb, snap, validate(snap)


def finish(run: Run, wb: Workbook, result: StepResult, action: str) -> StepResult:
    """Write Meldingen, Logboek and every change in one batch (unless dry-run)."""
    result.changes.replaces.append(TabReplace(schema.MELDINGEN.name, meldingen_rows(run, result.problems)))
    result.changes.stamp = run.stamp()
    errors = sum(p.is_error for p in result.problems)
    warnings = len(result.problems) - errors
    result.changes.log.append(
        {
            "Tijdstip": run.stamp(),
            "Actie": action,
            "Onderwerp": wb.describe(),
            "Resultaat": f"{errors} fouten, {warnings} waarschuwingen"
            + ("; " + "; ".join(result.lines) if result.lines else ""),
        }
    )
    if run.dry_run:
        return result
    result.written = wb.write(result.changes)
    for c in result.written.conflicts:
        result.problems.append(Problem("waarschuwing", c.tab, c.cell, f"Niet teruggeschreven: {c.message}."))
    return result


def _command(run: Run, action: str, plan: bool = False, documents: bool = False) -> StepResult:
    """One pass: lock, read and validate, the requested steps, one write-back."""
    with run_lock(run):
        wb, snap, rec = load(run)
        result = StepResult(records=rec, problems=list(rec.problems))
        if plan:
            plan_step(run, rec, result)
        if documents:
            documents_step(run, rec, result, wb)
        return finish(run, wb, result, action)


def check(run: Run) -> StepResult:
    """Validate, print and record the problems."""
    return _command(run, "controle")


def plan_step(run: Run, rec: Records, result: StepResult) -> None:
    outcome = plan(rec, run.library, run.today, run.config.planning.holidays, run.config.planning.horizon_weeks)
    result.changes.extend(outcome.changes)
    result.problems.extend(outcome.problems)
    for p in outcome.proposals:
        verb = "Nieuw voorstel" if p.new else "Aangevuld"
        result.lines.append(f"{verb} {p.nr} ({p.group}): " + "; ".join(p.explanation))
    if not outcome.proposals:
        result.lines.append("Planning: alle actieve groepen hebben een komende bijeenkomst; niets voor te stellen.")


def _template_folder(run: Run, wb: Workbook, group_folder: str) -> Path | None:
    """A group's own template folder (relative to the workbook's folder, or the config's
    for a Google Sheet), else the config's, else None for the standard templates."""
    if group_folder:
        base = wb.path.parent if isinstance(wb, ExcelWorkbook) else run.config.base_dir
        return base / group_folder
    return run.config.resolve(run.config.output.templates)


def documents_step(run: Run, rec: Records, result: StepResult, wb: Workbook) -> None:
    """Render the documents of every confirmed meeting inside the invitation window;
    a document whose inputs and template did not change is not rendered again."""
    state_file = run.state_dir / "documents.json"
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        state = {}
    renderers: dict[Path | None, Renderer] = {}
    broken_groups: set[str] = set()
    rendered = unchanged = 0
    for m in sorted(rec.meetings.values(), key=lambda x: (x.date or dt.date.max, x.nr)):
        if (
            not m.nr
            or m.group not in rec.groups
            or m.group in broken_groups
            or not in_window(m, run.today, rec.settings.invite_days)
        ):
            continue
        g = rec.groups[m.group]
        try:
            jobs = jobs_for_meeting(rec, run.library, m)
        except TimetableError as exc:
            cell = m.origin.cell("Methode") if m.origin else "Bijeenkomsten"
            result.problems.append(
                Problem("fout", "Bijeenkomsten", cell, f"Geen documenten voor {m.nr}: {exc.message}")
            )
            continue
        folder = _template_folder(run, wb, g.templates)
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
            continue
        paths: dict[str, str] = {}
        for job, tpl in zip(jobs, templates):
            out = run.output_dir / job.filename
            digest = f"{job.digest}:{tpl.sha256}"
            if state.get(job.filename) == digest and out.exists():
                unchanged += 1
            else:
                if not run.dry_run:
                    tpl.render(job.context, out)
                    state[job.filename] = digest
                rendered += 1
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


def documents_cmd(run: Run) -> StepResult:
    return _command(run, "documenten", documents=True)


def plan_cmd(run: Run) -> StepResult:
    return _command(run, "planning", plan=True)


def weekly(run: Run) -> StepResult:
    """The weekly run: validate, plan, documents; one write-back."""
    return _command(run, "weekrun", plan=True, documents=True)


def make_run(config_path: str | None, workbook_path: str | None, today: str | None, dry_run: bool) -> Run:
    """The run object from the command line's common options."""
    cfg = load_config(config_path)
    if config_path is None and workbook_path:
        # no config: documents and state live next to the workbook
        cfg = cfg.model_copy(update={"base_dir": Path(workbook_path).resolve().parent})
    return Run(
        config=cfg,
        today=today_from(today),
        dry_run=dry_run,
        workbook_path=Path(workbook_path) if workbook_path else None,
    )


def today_from(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--today: '{value}' is not a date as YYYY-MM-DD") from None

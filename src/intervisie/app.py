"""The imperative shell: a command is a selection of steps (`COMMANDS`); `execute` takes
the run lock, reads and validates the workbook once, runs the steps over one shared
context and writes everything back in one batch. Nothing here prints: results are
returned for the CLI to show."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import schema
from .config import load_config
from .errors import ConfigError, WorkbookLocked
from .evaluations import ImportEvaluationsStep
from .mail.step import MailStep, SummaryStep
from .pipeline import Context, Run, Step, StepResult
from .records import Problem
from .report import ReportStep
from .schema import Severity
from .steps import AccreditationStep, AttendanceStep, DocumentsStep, PlanStep, StatusStep
from .tables import CellChange, TabReplace, key_of
from .validate import validate
from .workbook.base import Workbook
from .workbook.excel import ExcelWorkbook

__all__ = ["COMMANDS", "Run", "StepResult", "execute", "make_run", "today_from"]

PLAN, DOCUMENTS, MAIL, SUMMARY = PlanStep(), DocumentsStep(), MailStep(), SummaryStep()
ATTENDANCE, ACCREDITATION = AttendanceStep(), AccreditationStep()
REPORT, LAST_YEAR = ReportStep(), ReportStep(automatic=True)
IMPORT = ImportEvaluationsStep()
STATUS = StatusStep()

# command -> (Logboek action, steps)
COMMANDS: dict[str, tuple[str, Sequence[Step]]] = {
    "check": ("controle", ()),
    "plan": ("planning", (PLAN, STATUS)),
    "documents": ("documenten", (DOCUMENTS,)),
    "send": ("versturen", (DOCUMENTS, MAIL, STATUS, SUMMARY)),
    "run": ("weekrun", (PLAN, DOCUMENTS, ATTENDANCE, MAIL, ACCREDITATION, LAST_YEAR, STATUS, SUMMARY)),
    "report": ("jaarrapportage", (ACCREDITATION, REPORT)),
    "import-evaluations": ("evaluaties inlezen", (IMPORT,)),
}


def open_workbook(run: Run) -> Workbook:
    wc = run.config.workbook
    if run.workbook_path is not None:
        return ExcelWorkbook(run.workbook_path, state_dir=run.state_dir)
    if wc.google_sheet:
        from .workbook.gsheets import GoogleWorkbook

        return GoogleWorkbook.from_config(run.config)
    if wc.path is None:
        raise ConfigError("workbook.path: give the workbook's path in the config or with --workbook")
    return ExcelWorkbook(run.config.resolve(wc.path) or wc.path, state_dir=run.state_dir)


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


def meldingen_rows(run: Run, problems: list[Problem]) -> tuple[dict[str, Any], ...]:
    stamp = run.stamp()
    return tuple(
        {"Tijdstip": stamp, "Ernst": p.severity, "Tabblad": p.tab, "Cel": p.cell, "Melding": p.message}
        for p in problems
    )


def finish(ctx: Context, action: str) -> StepResult:
    """Stamp what was processed; write Meldingen, Logboek and every change in one batch
    (unless dry-run)."""
    run, wb, result = ctx.run, ctx.wb, ctx.result
    for nr in sorted(ctx.touched):
        m = ctx.records.meetings.get(nr)
        if m is not None and m.origin is not None:
            result.changes.cells.append(
                CellChange(
                    schema.BIJEENKOMSTEN.name,
                    key_of(schema.BIJEENKOMSTEN, nr),
                    "Laatst verwerkt",
                    run.stamp(),
                    m.origin.raw.get("Laatst verwerkt"),
                )
            )
    result.changes.replaces.append(TabReplace(schema.MELDINGEN.name, meldingen_rows(run, result.problems)))
    result.changes.stamp = run.stamp()
    errors = sum(p.is_error for p in result.problems)
    warnings = len(result.problems) - errors
    # a row per line: a Logboek cell never grows past what a cell holds (32,767 characters)
    result.changes.log.append(
        {
            "Tijdstip": run.stamp(),
            "Actie": action,
            "Onderwerp": wb.describe(),
            "Resultaat": f"{errors} {'fout' if errors == 1 else 'fouten'}, "
            f"{warnings} {'waarschuwing' if warnings == 1 else 'waarschuwingen'}",
        }
    )
    for line in result.lines:
        result.changes.log.append(
            {"Tijdstip": run.stamp(), "Actie": action, "Onderwerp": "", "Resultaat": _short_line(line)}
        )
    if run.dry_run:
        return result
    result.written = wb.write(result.changes)
    for c in result.written.conflicts:
        result.problems.append(Problem(Severity.WAARSCHUWING, c.tab, c.cell, f"Niet teruggeschreven: {c.message}."))
    return result


def newer_copies(path: Path) -> list[Problem]:
    """A copy of the workbook saved in another format (LibreOffice's .ods) after the
    .xlsx: the coordinator's latest changes are probably in the copy the tool cannot read."""
    out = []
    for suffix in (".ods", ".xls", ".numbers"):
        other = path.with_suffix(suffix)
        try:
            newer = other.exists() and other.stat().st_mtime > path.stat().st_mtime
        except OSError:
            newer = False
        if newer:
            out.append(
                Problem(
                    Severity.WAARSCHUWING,
                    "Werkmap",
                    f"bestand {other.name}",
                    f"Naast {path.name} staat {other.name}, en die is later opgeslagen. Het programma leest alleen "
                    f"{path.name}: staan uw laatste wijzigingen in {other.name}, sla dat bestand dan op als "
                    f"Excel-werkmap (.xlsx) onder de naam {path.name}.",
                )
            )
    return out


LOG_LINE_MAX = 2000


def _short_line(line: str) -> str:
    return line if len(line) <= LOG_LINE_MAX else line[: LOG_LINE_MAX - 1] + "…"


def execute(run: Run, command: str) -> StepResult:
    """One pass: lock, read and validate, the command's steps, one write-back."""
    action, steps = COMMANDS[command]
    with run_lock(run), _frozen_after_reading() as freeze:
        t0 = time.perf_counter()
        wb = open_workbook(run)
        if not run.dry_run:
            wb.check_not_locked()
        snap = wb.read()
        t1 = time.perf_counter()
        rec = validate(snap)
        freeze()
        t2 = time.perf_counter()
        if isinstance(wb, ExcelWorkbook):
            rec.problems.extend(newer_copies(wb.path))
        ctx = Context(run, wb, rec, StepResult(records=rec, problems=list(rec.problems)), snapshot=snap)
        ctx.result.timings += [("lezen", t1 - t0), ("valideren", t2 - t1)]
        for step in steps:
            t = time.perf_counter()
            step(ctx)
            ctx.result.timings.append((step.name, time.perf_counter() - t))
        t = time.perf_counter()
        result = finish(ctx, action)
        result.timings.append(("schrijven", time.perf_counter() - t))
        if result.written is not None:
            for effect in ctx.after_write:
                effect()
        return result


@contextlib.contextmanager
def _frozen_after_reading() -> Iterator[Callable[[], None]]:
    """What is read and validated lives until the run ends. The garbage collector
    stays off while it is built (reading a national workbook makes millions of values,
    and every collection would walk them all), and once it is there it is told to leave
    it alone (`gc.freeze`), so the collections the steps cause do not walk it either
    (together some 3.5 s of a 33 s run at 1,000 groups). Undone when the run ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    frozen = False

    def freeze() -> None:
        nonlocal frozen
        gc.freeze()
        frozen = True
        if was_enabled:
            gc.enable()

    try:
        yield freeze
    finally:
        if frozen:
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def make_run(
    config_path: str | None,
    workbook_path: str | None,
    today: str | None,
    dry_run: bool,
    resend: tuple[str, str] | None = None,
) -> Run:
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
        resend=resend,
    )


def today_from(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--today: '{value}' is not a date as YYYY-MM-DD") from None

"""The run and its steps. A command is a selection of steps; every step has one
signature, `step(ctx)`: it reads the validated records and contributes problems, cell
changes, appended rows, Logboek rows and summary lines to the run's one result, which
is written back in one batch after the last step. Nothing here prints."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .config import Config
from .errors import IntervisieError
from .methods import MethodLibrary, load_library
from .records import Problem, Records
from .tables import ChangeSet, Snapshot
from .workbook.base import Workbook, WriteResult


@dataclass
class Run:
    config: Config
    today: dt.date
    dry_run: bool = False
    workbook_path: Path | None = None  # --workbook overrides config
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    resend: tuple[str, str] | None = None  # send --resend NR KIND
    report_year: int | None = None  # report --year YYYY
    keep_forms: bool = False  # import-evaluations --keep
    forms_dir: Path | None = None  # import-evaluations DIR

    @property
    def state_dir(self) -> Path:
        return self.config.resolve(self.config.output.state_dir) or Path(".intervisie")

    @property
    def output_dir(self) -> Path:
        return self.config.resolve(self.config.output.dir) or Path("output")

    @functools.cached_property
    def library(self) -> MethodLibrary:
        """The shipped methods plus the config's extra files, loaded once per run."""
        return load_library(*(p for p in (self.config.resolve(x) for x in self.config.planning.methods) if p))

    def stamp(self) -> dt.datetime:
        """Timestamps written to the workbook: the run's date with the wall-clock time."""
        return dt.datetime.combine(self.today, self.now.time())


@dataclass
class StepResult:
    """What a command did, for the CLI to print and to pick the exit code."""

    records: Records | None = None
    problems: list[Problem] = field(default_factory=list)
    changes: ChangeSet = field(default_factory=ChangeSet)
    written: WriteResult | None = None
    lines: list[str] = field(default_factory=list)  # human summary lines (Dutch)
    messages: list[dict[str, str]] = field(default_factory=list)  # mail sent (or, dry-run, to send)
    timings: list[tuple[str, float]] = field(default_factory=list)  # (step, seconds), for the bench
    fatal: IntervisieError | None = None  # a step could not finish (mail server gone): exit 2 after write-back

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


@dataclass
class Context:
    """One pass: the run, the workbook, what was read, and what the steps contribute."""

    run: Run
    wb: Workbook
    records: Records
    result: StepResult
    # meeting Nr -> document kind ('agenda', 'casusvoorbereiding:C-001', ...) -> file
    documents: dict[str, dict[str, Path]] = field(default_factory=dict)
    # meetings this run did something for (their 'Laatst verwerkt' is stamped)
    touched: set[str] = field(default_factory=set)
    # meetings whose documents could not be made this run, and why (Dutch)
    blocked_documents: dict[str, str] = field(default_factory=dict)
    # the workbook as read (a step may compare what it would write with what is there)
    snapshot: Snapshot | None = None
    # meeting Nr -> why the planner chose its date (this run's proposals), for Stand van zaken
    why: dict[str, str] = field(default_factory=dict)
    # what may only happen once the workbook is written (moving read forms away)
    after_write: list[Callable[[], None]] = field(default_factory=list)


class Step(Protocol):
    name: str

    def __call__(self, ctx: Context) -> None: ...

"""The command line: a thin layer over the library. Only this module prints and picks
the exit code: 0 done; 1 done, but some rows had errors and were skipped; 2 could not
run (config, workbook or server unreachable), with the reason on one line."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from . import __version__, app
from .config import load_config
from .errors import ConfigError, IntervisieError

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Config file (TOML); see config/example.toml.",
    )
    @click.option(
        "--workbook",
        "workbook_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Excel workbook to use (overrides the config).",
    )
    @click.option("--today", default=None, metavar="YYYY-MM-DD", help="The run's date (default: today).")
    @click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
    @functools.wraps(func)
    def wrapper(config_path, workbook_path, today, dry_run, **kwargs):
        with reported():
            run = app.make_run(config_path, workbook_path, today, dry_run)
            code = func(run, **kwargs)
        sys.exit(code or 0)

    return wrapper


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """The library's errors as one line on stderr and their exit code."""
    try:
        yield
    except IntervisieError as exc:
        err_console.print(f"[bold red]intervisie:[/] {exc.message}", markup=True, highlight=False)
        sys.exit(exc.exit_code)


def print_problems(problems) -> None:
    if not problems:
        console.print("Geen meldingen: de werkmap is in orde.")
        return
    table = Table(title=f"Meldingen ({len(problems)})", show_lines=False, expand=False)
    table.add_column("Ernst")
    table.add_column("Cel", no_wrap=True)
    table.add_column("Melding", overflow="fold")
    for p in problems:
        style = "red" if p.is_error else "yellow"
        table.add_row(f"[{style}]{p.severity}[/]", p.cell, p.message)
    console.print(table)


def report(result: app.StepResult, run: app.Run) -> int:
    print_problems(result.problems)
    for line in result.lines:
        console.print(line, soft_wrap=True)
    if run.dry_run:
        console.print("[bold]Proefdraai (--dry-run):[/] er is niets gewijzigd.")
    elif result.written is not None:
        w = result.written
        console.print(f"Teruggeschreven: {w.cells_written} cellen, {w.rows_appended} rijen.")
    return 1 if result.has_errors else 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="intervisie")
def main() -> None:
    """intervisie: plans intervisie meetings and does their paperwork from one workbook."""


@main.command()
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@click.option("--demo", is_flag=True, help="Fill the new workbook with example groups, people and cases.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--google",
    "google_key",
    metavar="KEY",
    default=None,
    help="Set up the tabs in an existing (empty) Google Sheet instead (key or URL); needs --config with credentials.",
)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Config file (for --google)."
)
@click.option("--today", default=None, metavar="YYYY-MM-DD", help="Date the demo data is built around.")
def init(
    path: str | None, demo: bool, force: bool, google_key: str | None, config_path: str | None, today: str | None
) -> None:
    """Create a new workbook at PATH (or set up a Google Sheet), ready for a coordinator."""
    from .init import create_workbook

    with reported():
        if google_key:
            from .workbook.gsheets import GoogleWorkbook

            gwb = GoogleWorkbook.from_config(load_config(config_path), key=google_key)
            added = gwb.initialise()
            console.print(
                f"Google-spreadsheet {gwb.key}: {len(added)} tabbladen toegevoegd"
                + (f" ({', '.join(added)})" if added else "")
            )
            return
        if not path:
            raise ConfigError("init: give a PATH for the new workbook, or --google KEY")
        target = create_workbook(path, demo=demo, today=app.today_from(today), overwrite=force)
    console.print(f"Werkmap gemaakt: {target}" + (" (met voorbeeldgegevens)" if demo else ""))


@main.command()
@common
def check(run: app.Run) -> int:
    """Validate the workbook, print the problems and write them to Meldingen."""
    result = app.check(run)
    return report(result, run)


@main.command()
@common
def plan(run: app.Run) -> int:
    """Propose the next meeting for every active group without one."""
    result = app.plan_cmd(run)
    return report(result, run)


@main.command()
@common
def documents(run: app.Run) -> int:
    """Render agenda, attendance list, evaluation form and case preparation for every
    confirmed meeting inside the invitation window."""
    result = app.documents_cmd(run)
    return report(result, run)


@main.command("run")
@common
def run_cmd(run: app.Run) -> int:
    """The weekly job: everything, in one pass (cron this)."""
    result = app.weekly(run)
    return report(result, run)


if __name__ == "__main__":  # pragma: no cover
    main()

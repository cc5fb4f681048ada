"""The command line: a thin layer over the library. Only this module prints and picks
the exit code: 0 done; 1 done, but some rows had errors and were skipped; 2 could not
run (config, workbook or server unreachable), with the reason on one line."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from . import __version__, app
from .config import load_config
from .errors import ConfigError, IntervisieError
from .mail.step import notify_failure
from .records import Problem

# a cron log is not a terminal: lines are not wrapped at 80 columns there
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, soft_wrap=False, width=_WIDTH)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 1000)


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
    def wrapper(
        config_path: str | None, workbook_path: str | None, today: str | None, dry_run: bool, **kwargs: Any
    ) -> None:
        resend = kwargs.pop("resend", None)
        with reported(config_path, today):
            run = app.make_run(config_path, workbook_path, today, dry_run, resend=tuple(resend) if resend else None)
            if "year" in kwargs:
                run.report_year = kwargs.pop("year")
            if "folder" in kwargs:
                run.forms_dir = Path(kwargs.pop("folder"))
                run.keep_forms = kwargs.pop("keep")
            code = func(run, **kwargs)
        sys.exit(code or 0)

    return wrapper


@contextlib.contextmanager
def reported(config_path: str | None = None, today: str | None = None) -> Iterator[None]:
    """The library's errors as one line on stderr and their exit code; an unexpected
    error also becomes one line (exit 2), with the traceback in a log file. A run that
    could not run mails the coordinator (at most once a day for the same reason)."""
    try:
        yield
    except IntervisieError as exc:
        fail(exc.message, exc.exit_code, config_path, today)
    except Exception as exc:  # a bug: one line for the cron log, the rest in a file
        log = _crash_log(config_path)
        fail(f"onverwachte fout ({type(exc).__name__}: {exc}); details in {log}", 2, config_path, today)


def fail(message: str, code: int, config_path: str | None, today: str | None) -> None:
    err_console.print(f"[bold red]intervisie:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    if code == 2 and config_path is not None:
        with contextlib.suppress(Exception):
            if notify_failure(load_config(config_path), app.today_from(today), message):
                err_console.print("(de coördinator is per e-mail op de hoogte gebracht)", soft_wrap=True)
    sys.exit(code)


def _crash_log(config_path: str | None) -> str:
    try:
        cfg = load_config(config_path)
        folder = (cfg.resolve(cfg.output.state_dir) or Path(".intervisie")) / "logs"
    except Exception:
        folder = Path(".intervisie") / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"fout-{dt.datetime.now():%Y%m%d-%H%M%S}.log"
        path.write_text(traceback.format_exc(), encoding="utf-8")
        return str(path)
    except OSError:
        return "(geen logbestand: de map is niet schrijfbaar)"


def print_problems(problems: list[Problem]) -> None:
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
    if result.messages:
        verb = "Te versturen" if run.dry_run else "Verstuurd"
        table = Table(title=f"{verb} ({len(result.messages)})", expand=False)
        for col in ("aan", "soort", "bijeenkomst", "onderwerp", "bijlagen"):
            table.add_column(col.capitalize(), overflow="fold")
        for m in result.messages:
            table.add_row(m["aan"], m["soort"], m["bijeenkomst"], m["onderwerp"], m["bijlagen"])
        console.print(table)
    if run.dry_run:
        console.print("[bold]Proefdraai (--dry-run):[/] er is niets gewijzigd en niets verstuurd.")
    elif result.written is not None:
        w = result.written
        console.print(f"Teruggeschreven: {w.cells_written} cellen, {w.rows_appended} rijen.")
    if result.fatal is not None:
        raise result.fatal
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
    return report(app.execute(run, "check"), run)


@main.command()
@common
def plan(run: app.Run) -> int:
    """Propose the next meeting for every active group without one."""
    return report(app.execute(run, "plan"), run)


@main.command()
@common
def documents(run: app.Run) -> int:
    """Render agenda, attendance list, evaluation form and case preparation for every
    confirmed meeting inside the invitation window."""
    return report(app.execute(run, "documents"), run)


@main.command()
@click.option(
    "--resend",
    nargs=2,
    metavar="NR KIND",
    default=None,
    help="Send again the messages of one meeting and kind that were cut off (uncertain) or refused.",
)
@common
def send(run: app.Run) -> int:
    """Send what is due: invitations with the agenda and a calendar invite, case forms,
    updates, cancellations, reminders and evaluation forms (each message once)."""
    return report(app.execute(run, "send"), run)


@main.command("run")
@common
def run_cmd(run: app.Run) -> int:
    """The weekly job: everything, in one pass (cron this)."""
    return report(app.execute(run, "run"), run)


@main.command("report")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="The year to report on.")
@common
def report_cmd(run: app.Run) -> int:
    """The yearly outputs into output/rapportage/YEAR/: paste lists of registration
    numbers per register and group, an overview for the coordinator, a certificate of
    participation per person and an annual report per group."""
    return report(app.execute(run, "report"), run)


@main.command("import-evaluations")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--keep", is_flag=True, help="Leave the read forms where they are (default: move them to FOLDER/verwerkt/)."
)
@common
def import_evaluations(run: app.Run) -> int:
    """Read the returned evaluation forms (.docx) in FOLDER into the Evaluaties tab."""
    return report(app.execute(run, "import-evaluations"), run)


if __name__ == "__main__":  # pragma: no cover
    main()


def help_reference(width: int = 88) -> str:
    """Every command's --help, as the README's command reference shows it (the README
    is tested against this: `scripts/update-readme` writes it in)."""
    out = []
    with main.make_context(
        "intervisie", [], resilient_parsing=True, terminal_width=width, max_content_width=width
    ) as parent:
        for name, cmd in main.commands.items():
            with cmd.make_context(
                name, [], parent=parent, resilient_parsing=True, terminal_width=width, max_content_width=width
            ) as ctx:
                out.append(f"#### `intervisie {name}`\n\n```text\n{cmd.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(out)

"""The README is tested against the CLI: every command it documents exists, every
command the CLI has is documented, and the Quick start shows the two scripts first."""

from __future__ import annotations

import re
from pathlib import Path

from intervisie.cli import main

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_and_exists():
    documented = set(re.findall(r"^\| `intervisie ([a-z-]+)", README, flags=re.M))
    assert documented == set(main.commands)


def test_common_options_documented():
    for option in ("--config", "--workbook", "--today", "--dry-run"):
        assert option in README
        for name, cmd in main.commands.items():
            if name != "init":
                assert option in [o for p in cmd.params for o in p.opts], (name, option)


def test_quick_start_shows_the_two_commands_first():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = quick.split("```", 2)[1]
    lines = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip() and not ln.startswith("sh")]
    assert lines[:2] == ["scripts/demo", "scripts/test"]
    assert (Path(__file__).parents[1] / "scripts" / "demo").stat().st_mode & 0o111


def test_the_command_reference_is_the_cli_help():
    """README's command reference is every command's --help as the CLI prints it."""
    from intervisie.cli import help_reference

    start, end = "<!-- cli-help: written by scripts/update-readme -->", "<!-- /cli-help -->"
    section = README.split(start, 1)[1].split(end, 1)[0].strip()
    assert section == help_reference().strip(), "README's command reference is out of date: run scripts/update-readme"
    for name in main.commands:
        assert f"#### `intervisie {name}`" in section

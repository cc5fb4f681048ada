"""Small helpers for tests: snapshots of every cell, and running the CLI in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook


def all_values(path: Path, skip: tuple[str, ...] = ("Meldingen", "Logboek")) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(path)
    try:
        return {
            ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()]
            for ws in wb.worksheets
            if ws.title not in skip
        }
    finally:
        wb.close()


def meldingen(path: Path) -> list[dict[str, Any]]:
    wb = load_workbook(path)
    ws = wb["Meldingen"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2) if any(c.value for c in row)]
    wb.close()
    return rows


def cli(*args: str):
    from intervisie.cli import main

    runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


def soffice_convert(profile: Path, fmt: str, outdir: Path, *files: Path) -> None:
    """LibreOffice headless: convert files to `fmt` (e.g. 'pdf', 'odt', 'docx:MS Word
    2007 XML') into outdir, with a profile of its own (tests may run in parallel)."""
    import subprocess

    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def edit(path: Path, changes: dict[str, Any]) -> None:
    """Set cells like {'Deelnemers!C3': 'x'} the way a coordinator would, and save."""
    wb = load_workbook(path)
    for ref, value in changes.items():
        tab, cell = ref.split("!")
        wb[tab][cell].value = value
    wb.save(path)


def tab_rows(path: Path, tab: str) -> list[dict[str, Any]]:
    """The non-empty rows of a tab as header -> value."""
    wb = load_workbook(path)
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    out = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2) if any(c.value for c in r)]
    wb.close()
    return out


def docx_text(path: Path) -> str:
    """All text of a .docx as a reader sees it: paragraphs, table cells, headers and footers."""
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)

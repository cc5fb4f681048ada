#!/usr/bin/env python3
"""Benchmark: Google Sheets API requests per weekly run, project path vs naive path.

    .venv/bin/python bench/bench_sheets_requests.py [--rows 10 10000]

For a demo workbook padded to N participant rows, served by the test suite's Sheets-API
emulator on loopback, it counts the API requests of

* the project path: `intervisie run` (read every tab, plan, documents, write back), and
* the naive path: what a cell-by-cell gspread script does for the same work: open each
  worksheet, read it row by row (`row_values`), and write every changed cell with
  `update_cell`.

It prints both counts side by side with their ratio. The project's count must be the
same small constant for every N (target: at most 4 reads and 1 write). A benchmark, not
a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import datetime as dt  # noqa: E402

from click.testing import CliRunner  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from sheets_emulator import SheetsEmulator, routed_gspread_client  # noqa: E402

from intervisie.cli import main  # noqa: E402
from intervisie.init import create_workbook  # noqa: E402

TODAY = dt.date(2026, 11, 22)


def tabs_of(path: Path, extra_rows: int) -> dict[str, list[list]]:
    wb = load_workbook(path)
    tabs = {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in wb.worksheets}
    for i in range(extra_rows):
        tabs["Deelnemers"].append(
            [f"Oud-lid {i}", f"oud{i}@example.nl", "Gent Psychologen", "gast", "", "Geen", "", "", "", "nee", ""]
        )
    return tabs


def project(emu: SheetsEmulator, sid: str, key: Path, tmp: Path) -> tuple[int, int, float]:
    cfg = tmp / "c.toml"
    cfg.write_text(
        f"[workbook]\ngoogle_sheet = '{sid}'\ncredentials = '{key}'\napi_endpoint = '{emu.base_url}'\n"
        f"[output]\ndir = '{tmp}/out'\nstate_dir = '{tmp}/state'\n"
    )
    emu.reset_counts()
    t = time.perf_counter()
    result = CliRunner().invoke(main, ["run", "--config", str(cfg), "--today", TODAY.isoformat()])
    elapsed = time.perf_counter() - t
    assert result.exit_code in (0, 1), result.output
    reads = emu.count("get") + emu.count("values:batchGet")
    writes = emu.count("values:batchUpdate") + emu.count(":batchUpdate")
    return reads, writes, elapsed


def naive(emu: SheetsEmulator, sid: str, key: Path, changed_cells: int) -> tuple[int, int, float]:
    gc = routed_gspread_client(emu, key)
    emu.reset_counts()
    t = time.perf_counter()
    sh = gc.open_by_key(sid)
    for ws in sh.worksheets():
        for i in range(1, ws.row_count + 1):
            if not ws.row_values(i):
                break
    ws = sh.worksheet("Bijeenkomsten")
    for i in range(changed_cells):
        ws.update_cell(2 + i, 26, "x")
    elapsed = time.perf_counter() - t
    total = emu.count()
    writes = emu.count("values.update")
    return total - writes, writes, elapsed


def main_() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10, 10000])
    args = ap.parse_args()
    emu = SheetsEmulator()
    emu.start()
    print(
        f"{'rows':>7} | {'project reads':>13} {'writes':>6} {'time':>7} | {'naive reads':>11} {'writes':>6} {'time':>7} | ratio"
    )
    try:
        for n in args.rows:
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d)
                xlsx = tmp / "demo.xlsx"
                create_workbook(xlsx, demo=True, today=TODAY)
                key = tmp / "sa.json"
                emu.create_service_account(key, email=f"bench{n}@bench.iam.gserviceaccount.com")
                tabs = tabs_of(xlsx, max(0, n - 14))
                sid = emu.create_spreadsheet("bench", sheets=tabs)
                pr, pw, pt = project(emu, sid, key, tmp)
                sid2 = emu.create_spreadsheet("bench-naive", sheets=tabs)
                nr, nw, nt = naive(emu, sid2, key, changed_cells=20)
                ratio = (nr + nw) / max(1, pr + pw)
                print(
                    f"{n:>7} | {pr:>13} {pw:>6} {pt:>6.2f}s | {nr:>11} {nw:>6} {nt:>6.2f}s | {ratio:>5.0f}x fewer requests"
                )
    finally:
        emu.stop()


if __name__ == "__main__":
    main_()

"""The Google Sheets harness for the backend contract suite: the real GoogleWorkbook
(gspread + google-auth) against the Sheets-API emulator on loopback."""

from __future__ import annotations

from typing import Any

from sheets_emulator import SheetsEmulator

from intervisie.workbook.gsheets import GoogleWorkbook

_EMULATOR: SheetsEmulator | None = None


def emulator() -> SheetsEmulator:
    """One emulator per test process (started on first use)."""
    global _EMULATOR
    if _EMULATOR is None:
        _EMULATOR = SheetsEmulator()
        _EMULATOR.start()
    return _EMULATOR


class GoogleHarness:
    name = "google"

    def __init__(self, tmp_path):
        self.emu = emulator()
        self.key_path = tmp_path / "service-account.json"
        self.info = self.emu.create_service_account(self.key_path)
        self.sid: str | None = None

    def workbook(self, **kwargs: Any) -> GoogleWorkbook:
        assert self.sid
        kwargs.setdefault("sleep", lambda s: None)
        return GoogleWorkbook(self.sid, self.key_path, endpoint=self.emu.base_url, **kwargs)

    def create(self, tabs: dict[str, list[list[Any]]]) -> GoogleWorkbook:
        self.sid = self.emu.create_spreadsheet("Intervisie", sheets=tabs)
        return self.workbook()

    def edit(self, title: str, a1: str, value: Any) -> None:
        self.emu.set_cells(self.sid, title, [[value]], start=a1)

    def sort_rows(self, title: str, col: int, reverse: bool = True) -> None:
        self.emu.sort_rows(self.sid, title, col - 1, descending=reverse)

    def insert_row(self, title: str, at: int, values: list[Any]) -> None:
        self.emu.insert_rows(self.sid, title, at)
        self.emu.set_cells(self.sid, title, [values], start=f"A{at}")

    def grid(self, title: str) -> list[list[Any]]:
        rows = self.emu.get_grid(self.sid, title)
        width = max((len(r) for r in rows), default=0)
        return [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows]

"""The backend contract: every Workbook implementation must pass these tests unchanged.

A harness per backend creates a workbook from plain rows, lets a test play the
coordinator (edit, sort, insert rows between the tool's read and write) and shows the
current cells.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from openpyxl import Workbook as XlWorkbook
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from intervisie import schema
from intervisie.workbook.base import ANY, CellChange, ChangeSet, RowAppend, TabReplace, key_of
from intervisie.workbook.excel import ExcelWorkbook


def _coord(a1: str) -> tuple[int, int]:
    col, row = coordinate_from_string(a1)
    return row, column_index_from_string(col)


class ExcelHarness:
    name = "excel"

    def __init__(self, tmp_path):
        self.path = tmp_path / "wb.xlsx"
        self.tmp_path = tmp_path

    def create(self, tabs: dict[str, list[list[Any]]]):
        wb = XlWorkbook()
        wb.remove(wb.active)
        for title, rows in tabs.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        wb.save(self.path)
        return ExcelWorkbook(self.path, state_dir=self.tmp_path / "state")

    def _mutate(self, fn) -> None:
        wb = load_workbook(self.path)
        fn(wb)
        wb.save(self.path)

    def edit(self, title: str, a1: str, value: Any) -> None:
        self._mutate(lambda wb: setattr(wb[title][a1], "value", value))

    def sort_rows(self, title: str, col: int, reverse: bool = True) -> None:
        def fn(wb):
            ws = wb[title]
            rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
            rows.sort(key=lambda r: str(r[col - 1] or ""), reverse=reverse)
            for i, r in enumerate(rows, start=2):
                for j, v in enumerate(r, start=1):
                    ws.cell(i, j).value = v

        self._mutate(fn)

    def insert_row(self, title: str, at: int, values: list[Any]) -> None:
        def fn(wb):
            ws = wb[title]
            ws.insert_rows(at)
            for j, v in enumerate(values, start=1):
                ws.cell(at, j).value = v

        self._mutate(fn)

    def grid(self, title: str) -> list[list[Any]]:
        wb = load_workbook(self.path)
        ws = wb[title]
        out = [[c.value for c in r] for r in ws.iter_rows()]
        wb.close()
        while out and all(v is None for v in out[-1]):
            out.pop()
        return out


HARNESSES = {"excel": ExcelHarness}


def _gsheets_harness():
    try:
        from gsheets_harness import GoogleHarness
    except ImportError:
        return None
    return GoogleHarness


if _gsheets_harness() is not None:
    HARNESSES["google"] = _gsheets_harness()


@pytest.fixture(params=sorted(HARNESSES))
def harness(request, tmp_path):
    h = HARNESSES[request.param](tmp_path)
    yield h
    if hasattr(h, "close"):
        h.close()


MEETINGS_HEADER = [c.name for c in schema.BIJEENKOMSTEN.columns[:12]] + ["Agenda"]


def meetings_tabs(n: int = 3) -> dict[str, list[list[Any]]]:
    rows = [MEETINGS_HEADER]
    for i in range(1, n + 1):
        rows.append(
            [
                f"G-2027-0{i}",
                "G",
                dt.datetime(2027, 1, i * 7),
                dt.time(19, 30),
                dt.time(21, 30),
                "Zaal & Co",
                "Incidentmethode",
                "",
                "",
                "",
                f"Thema {i}",
                "bevestigd",
                None,
            ]
        )
    return {"Bijeenkomsten": rows, "Logboek": [[c.name for c in schema.LOGBOEK.columns]]}


def _row_of(grid, key):
    return next(r for r in grid if r and r[0] == key)


def test_reads_every_tab_with_row_numbers(harness):
    wb = harness.create({**meetings_tabs(), "Eigen tabblad": [["x"]], "Groepen": [["Groep"], ["G"], [None], ["H"]]})
    snap = wb.read()
    assert set(snap.tabs) == {"Bijeenkomsten", "Logboek", "Groepen"}
    groepen = snap.tabs["Groepen"]
    assert [r for r, _ in groepen.rows] == [2, 4]  # the blank row 3 is left out, numbers kept
    b = snap.tabs["Bijeenkomsten"]
    assert b.header[:2] == ["Nr", "Groep"]
    assert b.rows[0][1][0] == "G-2027-01"


def test_write_owned_cell_by_key(harness):
    wb = harness.create(meetings_tabs())
    wb.read()
    key = key_of(schema.BIJEENKOMSTEN, "G-2027-02")
    res = wb.write(ChangeSet(cells=[CellChange("Bijeenkomsten", key, "Agenda", "output/G/agenda.docx", None)]))
    assert res.cells_written == 1 and not res.conflicts
    assert _row_of(harness.grid("Bijeenkomsten"), "G-2027-02")[12] == "output/G/agenda.docx"
    assert _row_of(harness.grid("Bijeenkomsten"), "G-2027-01")[12] is None


def test_rows_sorted_between_read_and_write(harness):
    wb = harness.create(meetings_tabs(3))
    wb.read()
    harness.sort_rows("Bijeenkomsten", 1, reverse=True)  # the coordinator sorts
    key = key_of(schema.BIJEENKOMSTEN, "G-2027-01")
    wb.write(ChangeSet(cells=[CellChange("Bijeenkomsten", key, "Agenda", "A1.docx", None)]))
    grid = harness.grid("Bijeenkomsten")
    assert grid[1][0] == "G-2027-03"  # the coordinator's order stays
    assert _row_of(grid, "G-2027-01")[12] == "A1.docx"
    assert _row_of(grid, "G-2027-03")[12] is None


def test_row_inserted_between_read_and_write(harness):
    wb = harness.create(meetings_tabs(2))
    wb.read()
    harness.insert_row("Bijeenkomsten", 2, ["NIEUW-1", "G"])
    wb.write(
        ChangeSet(
            cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "G-2027-01"), "Agenda", "x.docx", None)]
        )
    )
    grid = harness.grid("Bijeenkomsten")
    assert grid[1][0] == "NIEUW-1" and (len(grid[1]) < 13 or grid[1][12] is None)
    assert _row_of(grid, "G-2027-01")[12] == "x.docx"


def test_coordinator_edit_between_read_and_write_wins(harness):
    wb = harness.create(meetings_tabs(2))
    wb.read()
    harness.edit("Bijeenkomsten", "F2", "Andere zaal")  # the coordinator changes the location
    res = wb.write(
        ChangeSet(
            cells=[
                CellChange(
                    "Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "G-2027-01"), "Locatie", "Voorstel", "Zaal & Co"
                ),
                CellChange(
                    "Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "G-2027-02"), "Locatie", "Voorstel", "Zaal & Co"
                ),
            ]
        )
    )
    grid = harness.grid("Bijeenkomsten")
    assert _row_of(grid, "G-2027-01")[5] == "Andere zaal"
    assert _row_of(grid, "G-2027-02")[5] == "Voorstel"
    assert len(res.conflicts) == 1 and "F2" in res.conflicts[0].cell


def test_missing_key_is_a_conflict_not_a_crash(harness):
    wb = harness.create(meetings_tabs(1))
    wb.read()
    res = wb.write(
        ChangeSet(cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "WEG"), "Agenda", "x", None)])
    )
    assert res.cells_written == 0 and "niet meer gevonden" in res.conflicts[0].message


def test_append_rows_is_idempotent_with_unique(harness):
    wb = harness.create(meetings_tabs(1))
    wb.read()
    ap = RowAppend(
        "Bijeenkomsten",
        {"Nr": "G-2027-09", "Groep": "G", "Datum": dt.date(2027, 3, 2), "Status": "voorstel"},
        unique=("Nr",),
    )
    assert wb.write(ChangeSet(appends=[ap])).rows_appended == 1
    wb.read()
    assert wb.write(ChangeSet(appends=[ap])).rows_appended == 0
    grid = harness.grid("Bijeenkomsten")
    assert [r[0] for r in grid[1:]] == ["G-2027-01", "G-2027-09"]


def test_replace_system_tab_and_log(harness):
    wb = harness.create(meetings_tabs(1))
    wb.read()
    rows = tuple(
        {"Tijdstip": dt.datetime(2027, 1, 1, 10, 0), "Ernst": "fout", "Tabblad": "X", "Cel": f"X!A{i}", "Melding": "m"}
        for i in range(5)
    )
    wb.write(ChangeSet(replaces=[TabReplace("Meldingen", rows)]))
    assert len(harness.grid("Meldingen")) == 6
    wb.read()
    wb.write(
        ChangeSet(
            replaces=[TabReplace("Meldingen", rows[:2])],
            log=[{"Tijdstip": dt.datetime(2027, 1, 1), "Actie": "test", "Onderwerp": "o", "Resultaat": "r"}],
        )
    )
    assert len(harness.grid("Meldingen")) == 3
    assert harness.grid("Logboek")[1][1] == "test"


def test_missing_owned_column_is_added(harness):
    tabs = meetings_tabs(1)
    tabs["Bijeenkomsten"] = [r[:12] for r in tabs["Bijeenkomsten"]]
    wb = harness.create(tabs)
    wb.read()
    wb.write(
        ChangeSet(
            cells=[
                CellChange(
                    "Bijeenkomsten",
                    key_of(schema.BIJEENKOMSTEN, "G-2027-01"),
                    "Laatst verwerkt",
                    dt.datetime(2027, 1, 2, 3, 4),
                    None,
                )
            ]
        )
    )
    grid = harness.grid("Bijeenkomsten")
    assert grid[0][12] == "Laatst verwerkt"
    assert _as_datetime(grid[1][12]) == dt.datetime(2027, 1, 2, 3, 4)


def _as_datetime(v):
    if isinstance(v, (int, float)):
        from intervisie.values import from_serial

        return from_serial(v).replace(microsecond=0)
    return v


NASTY = [
    "Jansen & Zn <B.V.>",
    "=SUM(A1:A3)",
    '=IMPORTXML("http://x", "//a")',
    "+31 6 1234",
    "-5",
    "'quoted'",
    "emoji 😀🎉 en ĳ",
    "regel 1\nregel 2\n\nregel 4",
    "x" * 5000,
    "0012345",
    "12-1-2027",
    "TRUE",
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_text_round_trips_exactly_and_never_becomes_a_formula(harness, text):
    wb = harness.create(meetings_tabs(1))
    wb.read()
    wb.write(
        ChangeSet(cells=[CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "G-2027-01"), "Agenda", text, None)])
    )
    snap = wb.read()
    row = snap.tabs["Bijeenkomsten"].rows[0][1]
    assert row[12] == text


def test_typed_values_round_trip(harness):
    wb = harness.create(meetings_tabs(1))
    wb.read()
    values = {"Datum": dt.date(2027, 5, 4), "Begintijd": dt.time(9, 15), "Eindtijd": dt.time(11, 45)}
    cells = [
        CellChange("Bijeenkomsten", key_of(schema.BIJEENKOMSTEN, "G-2027-01"), k, v, ANY) for k, v in values.items()
    ]
    wb.write(ChangeSet(cells=cells))
    from intervisie.values import parse_date, parse_time

    row = wb.read().tabs["Bijeenkomsten"].rows[0][1]
    assert parse_date(row[2]) == dt.date(2027, 5, 4)
    assert parse_time(row[3]) == dt.time(9, 15) and parse_time(row[4]) == dt.time(11, 45)

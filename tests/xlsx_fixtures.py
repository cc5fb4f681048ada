"""Workbooks written the way Excel saves them (xlsxwriter), for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from intervisie import schema


def write_tabs(
    wb: Any, data: dict[str, list[list[Any]]], dates: list[dt.date] | None = None, head_format: Any = None
) -> dict[str, Any]:
    """Every schema tab with its headers and `data[tab]` rows: dates and times as date
    cells with a date format, text as text. Returns tab name -> worksheet."""
    date_f = wb.add_format({"num_format": "dd-mm-yyyy"})
    time_f = wb.add_format({"num_format": "hh:mm"})
    sheets = {}
    for tab in schema.DATA_TABS:
        ws = wb.add_worksheet(tab.name)
        sheets[tab.name] = ws
        header: list[Any] = [c.name for c in tab.columns]
        if tab is schema.BESCHIKBAARHEID:
            header += dates or []
        for r, row in enumerate([header, *(data.get(tab.name) or [])]):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, dt.time):
                    ws.write_datetime(r, c, dt.datetime.combine(dt.date(1899, 12, 31), v), time_f)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_f)
                elif isinstance(v, str):
                    ws.write_string(r, c, v, head_format if r == 0 else None)
                else:
                    ws.write(r, c, v)
    return sheets

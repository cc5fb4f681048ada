"""Attendance: the Aanwezigheid rows the tool pre-fills before a meeting, and the status
transitions it proposes after one. Pure: records in, changes out. A transition is a
compare-and-set on the cell as it was read, so a coordinator's own choice always wins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import schema
from .accreditation import attendance_filled
from .document_data import expected_people, in_window
from .records import Records
from .schema import CaseStatus, MeetingStatus, norm
from .tables import CellChange, RowAppend, key_of


@dataclass
class AttendanceOutcome:
    appends: list[RowAppend] = field(default_factory=list)
    cells: list[CellChange] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # Dutch summary lines
    touched: set[str] = field(default_factory=set)  # meetings this changed something for
    held: set[str] = field(default_factory=set)  # meetings proposed as gehouden


def prefill_and_close(rec: Records, today: dt.date) -> AttendanceOutcome:
    out = AttendanceOutcome()
    listed = {(a.meeting, norm(a.name)) for a in rec.attendance}
    for m in sorted(rec.meetings.values(), key=lambda x: (x.date or dt.date.max, x.nr)):
        if not m.nr:
            continue
        if in_window(m, today, rec.settings.invite_days):
            new = [p for p in expected_people(rec, m) if (m.nr, norm(p.name)) not in listed]
            for p in new:
                out.appends.append(
                    RowAppend(
                        schema.AANWEZIGHEID.name, {"Bijeenkomst": m.nr, "Naam": p.name}, unique=("Bijeenkomst", "Naam")
                    )
                )
            if new:
                out.lines.append(f"Aanwezigheid {m.nr}: {len(new)} rij(en) klaargezet om in te vullen.")
                out.touched.add(m.nr)
        if (
            m.status == MeetingStatus.BEVESTIGD
            and m.date is not None
            and m.date < today
            and m.origin is not None
            and attendance_filled(rec, m.nr)
        ):
            out.cells.append(
                CellChange(
                    schema.BIJEENKOMSTEN.name,
                    key_of(schema.BIJEENKOMSTEN, m.nr),
                    "Status",
                    MeetingStatus.GEHOUDEN,
                    m.origin.raw.get("Status"),
                    reason="aanwezigheid ingevuld",
                )
            )
            out.held.add(m.nr)
            out.touched.add(m.nr)
            discussed = []
            for c in rec.cases:
                if c.origin is None or not c.nr or c.status != CaseStatus.INGEPLAND:
                    continue
                if c.meeting == m.nr or (not c.meeting and c.nr in m.cases):
                    out.cells.append(
                        CellChange(
                            schema.CASUSSEN.name,
                            key_of(schema.CASUSSEN, c.nr),
                            "Status",
                            CaseStatus.BESPROKEN,
                            c.origin.raw.get("Status"),
                            reason=f"besproken op {m.nr}",
                        )
                    )
                    discussed.append(c.nr)
            out.lines.append(
                f"{m.nr} is gehouden (aanwezigheid ingevuld); status op gehouden gezet"
                + (f", casus {', '.join(discussed)} op besproken." if discussed else ".")
            )
    return out

"""The accreditation ledger as a pure function: hand-computed tables for a year with
partial attendance, a substitute, a cancelled meeting and a 3-hour meeting with a break,
and properties over random attendance."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervisie.accreditation import ledger, net_minutes, points_for, tab_rows
from intervisie.methods import load_library
from intervisie.records import Attendance, Group, Meeting, Participant, Records

LIB = load_library()
TODAY = dt.date(2027, 1, 20)
T = dt.time


def records() -> Records:
    rec = Records()
    rec.settings.min_attendance = 75
    rec.groups["G"] = Group("G", method="Incidentmethode", duration=150, points_per_hour=1.0)
    for name, reg, nr in (
        ("Ann", "BIG", "09012345678"),
        ("Bob", "SKJ", "110004567"),
        ("Cor", "NIP", "NIP-10034521"),
        ("Dirk", "SKJ", ""),  # no number: not on the paste list
    ):
        rec.participants[name] = Participant(
            name, f"{name.lower()}@example.nl", "G", registration=reg, registration_number=nr
        )
    rec.participants["Eva"] = Participant(
        "Eva", "eva@example.nl", "H", registration="BIG", registration_number="19012345678"
    )
    meetings = [
        ("M1", dt.date(2026, 1, 13), T(19, 30), T(22, 0), "gehouden"),
        ("M2", dt.date(2026, 3, 3), T(19, 30), T(22, 0), "gehouden"),
        ("M3", dt.date(2026, 4, 21), T(19, 30), T(22, 0), "geannuleerd"),
        ("M4", dt.date(2026, 9, 8), T(19, 0), T(22, 0), "gehouden"),  # 3 hours: a 15-minute break
        ("M5", dt.date(2026, 11, 3), T(19, 30), T(22, 0), "bevestigd"),  # past, attendance filled: held
        ("M6", dt.date(2026, 12, 1), T(19, 30), T(22, 0), "bevestigd"),  # past, nothing filled: not held
    ]
    for nr, d, s, e, status in meetings:
        rec.meetings[nr] = Meeting(nr, "G", d, s, e, status=status)
    rows = [
        ("M1", "Ann", "ja", None, None, ""),
        ("M1", "Bob", "ja", None, None, ""),
        ("M1", "Cor", "ja", T(20, 0), None, ""),  # came half an hour late
        ("M1", "Dirk", "ja", None, None, ""),
        ("M2", "Ann", "ja", None, T(21, 0), ""),  # left at nine
        ("M2", "Bob", "afgemeld", None, None, "Eva"),  # Eva (another group) stands in
        ("M2", "Cor", "ja", None, None, ""),
        ("M2", "Dirk", "nee", None, None, ""),
        ("M3", "Ann", "ja", None, None, ""),  # cancelled: never counts
        ("M4", "Ann", "ja", None, None, ""),
        ("M4", "Bob", "ja", None, None, ""),
        ("M4", "Cor", "nee", None, None, ""),
        ("M4", "Dirk", "ja", T(19, 0), T(20, 30), ""),  # left at 20:30: 85 net (the break starts 20:25)
        ("M5", "Ann", "ja", None, None, ""),
        ("M5", "Bob", "ja", None, None, ""),
        ("M5", "Cor", "afgemeld", None, None, ""),
        ("M5", "Dirk", "", None, None, ""),
    ]
    rec.attendance = [Attendance(m, n, p, s, e, sub) for m, n, p, s, e, sub in rows]
    return rec


def test_points_round_down_to_half_points():
    assert [points_for(m, 1.0) for m in (150, 165, 105, 89, 90, 0)] == [2.5, 2.5, 1.5, 1.0, 1.5, 0.0]
    assert points_for(150, 2.0) == 5.0
    assert points_for(100, 1.5) == 2.5  # 2.5 exactly


def test_net_minutes_clips_to_van_tot():
    intervals = [(19 * 60, 20 * 60 + 30), (20 * 60 + 45, 22 * 60)]  # a break 20:30-20:45
    assert net_minutes(intervals, None, None) == 165
    assert net_minutes(intervals, T(20, 0), None) == 105
    assert net_minutes(intervals, None, T(20, 40)) == 90
    assert net_minutes(intervals, T(20, 35), T(20, 40)) == 0


def test_ledger_by_hand():
    rows = {(r.year, r.name): r for r in ledger(records(), LIB, TODAY)}
    # held in 2026: M1, M2, M4 (3 h, a 15-minute break 20:25-20:40: 165 net), M5 = 4
    # (M3 cancelled; M6 past but without attendance)
    expected = {
        # name: (attended, minutes, points, percent, meets)
        "Ann": (4, 150 + 90 + 165 + 150, 2.5 + 1.5 + 2.5 + 2.5, 100, True),
        "Bob": (3, 150 + 165 + 150, 2.5 + 2.5 + 2.5, 75, True),
        "Cor": (2, 120 + 150, 2.0 + 2.5, 50, False),
        "Dirk": (2, 150 + 85, 2.5 + 1.0, 50, False),
        "Eva": (1, 150, 2.5, 25, False),
    }
    for name, (attended, minutes, points, percent, meets) in expected.items():
        r = rows[(2026, name)]
        assert (r.attended, r.minutes, r.points, r.percent, r.meets) == (attended, minutes, points, percent, meets), (
            name
        )
        assert r.held == 4
    assert rows[(2026, "Ann")].hours == 9.25
    assert not rows[(2026, "Eva")].member and rows[(2026, "Eva")].reportable is False
    assert rows[(2026, "Bob")].reportable and not rows[(2026, "Dirk")].reportable
    tab = {r["Naam"]: r for r in tab_rows(list(rows.values()))}
    assert tab["Dirk"]["Voldoet"] == "nee"
    assert "2 van 4 bijeenkomsten (50%)" in tab["Dirk"]["Toelichting"]
    assert "geen SKJ-registratienummer" in tab["Dirk"]["Toelichting"]
    assert tab["Eva"]["Toelichting"].endswith("gast of vervanger (lid van H)")


def test_a_member_who_joined_later_is_not_short_of_an_earlier_year():
    rec = records()
    rec.meetings["Y1"] = Meeting("Y1", "G", dt.date(2025, 10, 7), T(19, 30), T(22, 0), status="gehouden")
    rec.attendance.append(Attendance("Y1", "Ann", "ja"))
    names = {r.name for r in ledger(rec, LIB, TODAY) if r.year == 2025}
    assert names == {"Ann"}


times = st.one_of(st.none(), st.builds(T, st.integers(18, 23), st.sampled_from([0, 15, 30, 45])))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["M1", "M2", "M4", "M5"]),
            st.sampled_from(["Ann", "Bob", "Cor", "Dirk", "Eva"]),
            st.sampled_from(["ja", "nee", "afgemeld", ""]),
            times,
            times,
        ),
        max_size=25,
    ),
    st.sampled_from([0.5, 1.0, 1.5, 2.0]),
)
def test_ledger_properties(rows, rate):
    rec = records()
    rec.groups["G"].points_per_hour = rate
    rec.attendance = [Attendance(m, n, p, s, e) for m, n, p, s, e in rows]
    for r in ledger(rec, LIB, TODAY):
        assert r.points <= r.minutes / 60 * rate + 1e-9
        assert (r.points * 2).is_integer()
        assert 0 <= r.percent <= 100
        assert r.minutes == sum(v.minutes for v in r.visits)
        assert r.attended <= r.held
        assert len({v.meeting for v in r.visits}) == r.attended  # a meeting counts once


@pytest.mark.parametrize("status", ["voorstel", "geannuleerd"])
def test_only_held_meetings_count(status):
    rec = records()
    rec.meetings["M1"].status = status
    ann = next(r for r in ledger(rec, LIB, TODAY) if r.name == "Ann")
    assert ann.held == 3 and "M1" not in {v.meeting for v in ann.visits}

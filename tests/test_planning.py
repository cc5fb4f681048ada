"""Planning: table tests for every rule and tie-break, property tests over random
groups, availability grids and histories, and end-to-end runs of `intervisie plan`."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervisie.methods import load_library, timetable
from intervisie.planning import plan
from intervisie.records import Availability, Case, Group, Meeting, Origin, Participant, Records

TODAY = dt.date(2027, 1, 4)  # a Monday
LIB = load_library()
TUESDAYS = [TODAY + dt.timedelta(days=1 + 7 * i) for i in range(10)]


def build(
    n=6,
    grid=None,
    cases=(),
    meetings=(),
    facilitator="",
    min_members=4,
    frequency=6,
    locations=("A", "B", "C"),
    method="Incidentmethode",
    duration=150,
    extra_groups=(),
):
    rec = Records()
    g = Group(
        "G",
        method=method,
        duration=duration,
        start=dt.time(19, 30),
        frequency_weeks=frequency,
        locations=list(locations),
        facilitator=facilitator,
        min_members=min_members,
        max_members=12,
    )
    rec.groups["G"] = g
    names = [f"P{i}" for i in range(n)]
    for name in names:
        rec.participants[name] = Participant(name, f"{name.lower()}@x.nl", "G")
    if facilitator:
        rec.participants[facilitator] = Participant(facilitator, "f@x.nl", "G", role="procesbegeleider")
    for eg in extra_groups:
        rec.groups[eg.name] = eg
    dates = TUESDAYS if grid is None else sorted({d for row in grid.values() for d in row})
    grid = grid or {name: {d: "ja" for d in dates} for name in names}
    rec.availability = [Availability(name, "G", answers) for name, answers in grid.items()]
    rec.candidate_dates = sorted({d for a in rec.availability for d in a.answers})
    rec.cases = [
        Case(nr=c[0], presenter=c[1], group="G", title=f"Casus {c[0]}", submitted=c[2] if len(c) > 2 else None)
        for c in cases
    ]
    for m in meetings:
        rec.meetings[m.nr] = m
    rec.all_keys = {
        "Groepen": set(rec.groups),
        "Deelnemers": set(rec.participants),
        "Casussen": {c.nr for c in rec.cases},
        "Bijeenkomsten": set(rec.meetings),
    }
    return rec


def only(outcome):
    assert len(outcome.proposals) == 1, outcome.proposals
    return outcome.proposals[0]


# ---------------------------------------------------------------- dates


def test_best_attended_date_wins():
    grid = {f"P{i}": {TUESDAYS[0]: "nee" if i < 2 else "ja", TUESDAYS[1]: "ja"} for i in range(6)}
    p = only(plan(build(grid=grid, cases=[("C-1", "P5")]), LIB, TODAY))
    assert p.values["Datum"] == TUESDAYS[1]


def test_maybe_counts_half_and_ties_go_to_the_earliest():
    grid = {f"P{i}": {TUESDAYS[2]: "ja", TUESDAYS[3]: "ja"} for i in range(6)}
    grid["P0"][TUESDAYS[2]] = "misschien"
    grid["P1"][TUESDAYS[3]] = "misschien"
    p = only(plan(build(grid=grid), LIB, TODAY))
    assert p.values["Datum"] == TUESDAYS[2]  # equal score 5.5: earliest


@pytest.mark.parametrize(
    "why,setup,reason",
    [
        (
            "quorum",
            dict(min_members=5, grid={f"P{i}": {TUESDAYS[0]: "ja" if i < 4 else "nee"} for i in range(6)}),
            "te weinig deelnemers (verwacht 4: 4 ja en 0 misschien; minimaal 5)",
        ),
        (
            "presenter",
            dict(cases=[("C-1", "P0")], grid={f"P{i}": {TUESDAYS[0]: "nee" if i == 0 else "ja"} for i in range(6)}),
            "geen inbrenger beschikbaar",
        ),
        (
            "facilitator",
            dict(facilitator="F", grid={**{f"P{i}": {TUESDAYS[0]: "ja"} for i in range(6)}, "F": {TUESDAYS[0]: "nee"}}),
            "procesbegeleider F niet beschikbaar",
        ),
        ("holiday", dict(grid={f"P{i}": {dt.date(2027, 4, 27): "ja"} for i in range(6)}), "feestdag (Koningsdag)"),
        (
            "frequency",
            dict(
                meetings=[
                    Meeting("G-2026-09", "G", dt.date(2026, 12, 15), dt.time(19, 30), dt.time(22), status="gehouden")
                ]
            ),
            "te kort na de vorige bijeenkomst",
        ),
    ],
)
def test_each_rejection_reason(why, setup, reason):
    rec = build(**setup)
    out = plan(rec, LIB, TODAY if why != "holiday" else dt.date(2027, 4, 1))
    p = only(out)
    rejected = [r for v in p.verdicts for r in v.reasons]
    assert any(reason in r for r in rejected), rejected


def test_clash_with_another_groups_meeting_of_the_same_person():
    other = Group("H", facilitator="F", min_members=1)
    rec = build(facilitator="F", extra_groups=[other])
    rec.meetings["H-2027-01"] = Meeting(
        "H-2027-01", "H", TUESDAYS[0], dt.time(19, 0), dt.time(21, 0), status="bevestigd"
    )
    out = plan(rec, LIB, TODAY)
    g_prop = next(x for x in out.proposals if x.group == "G")
    v0 = next(v for v in g_prop.verdicts if v.date == TUESDAYS[0])
    assert any("F heeft dan al bijeenkomst H-2027-01" in r for r in v0.reasons)
    # the next free date after the invitation window (14 days: TUESDAYS[1] is inside it)
    assert g_prop.values["Datum"] == TUESDAYS[2]


def test_no_date_qualifies_falls_back_to_cadence_with_warning():
    last = Meeting("G-2026-08", "G", dt.date(2026, 12, 1), dt.time(19, 30), dt.time(22), status="gehouden")  # a Tuesday
    grid = {f"P{i}": {TUESDAYS[0]: "nee", TUESDAYS[1]: "nee"} for i in range(6)}
    out = plan(build(grid=grid, meetings=[last]), LIB, TODAY)
    p = only(out)
    assert p.values["Datum"] == dt.date(2027, 1, 12)  # 6 weeks after 1 Dec, same weekday
    assert len(out.problems) == 1 and out.problems[0].severity == "waarschuwing"
    msg = out.problems[0].message
    assert "di 5 jan: te weinig deelnemers" in msg and "di 12 jan" in msg


def test_candidate_dates_in_the_past_or_today_are_ignored():
    grid = {f"P{i}": {TODAY: "ja", TODAY - dt.timedelta(days=7): "ja", TUESDAYS[4]: "ja"} for i in range(6)}
    p = only(plan(build(grid=grid), LIB, TODAY))
    assert p.values["Datum"] == TUESDAYS[4]


# ---------------------------------------------------------------- people


def test_chair_rotates_to_who_chaired_least_recently_and_never_the_presenter():
    history = [
        Meeting(
            f"G-2026-0{i}",
            "G",
            dt.date(2026, 1 + i, 1),
            chair=f"P{i}",
            minute_taker=f"P{(i + 1) % 6}",
            status="gehouden",
        )
        for i in range(1, 6)
    ]
    rec = build(cases=[("C-1", "P0")], meetings=history)
    p = only(plan(rec, LIB, TODAY))
    assert p.values["Casus"] == "C-1"
    assert p.values["Gespreksleider"] == "P1"  # P0 never chaired but presents
    assert p.values["Notulist"] not in ("P0", "P1")


def test_facilitator_always_chairs():
    p = only(plan(build(facilitator="F", cases=[("C-1", "P2")]), LIB, TODAY))
    assert p.values["Gespreksleider"] == "F"
    assert p.values["Notulist"] not in ("F", "P2")


def test_case_queue_is_fair():
    history = [Meeting("G-2026-01", "G", dt.date(2026, 10, 1), chair="P5", status="gehouden")]
    cases = [
        ("C-1", "P1", dt.date(2026, 9, 1)),
        ("C-2", "P1", dt.date(2026, 12, 1)),
        ("C-3", "P2", dt.date(2026, 12, 20)),
        ("C-4", "P3", dt.date(2026, 12, 10)),
    ]
    rec = build(cases=cases, meetings=history)
    rec.cases[0].status, rec.cases[0].meeting = "besproken", "G-2026-01"
    rec.all_keys["Bijeenkomsten"] = set(rec.meetings)
    p = only(plan(rec, LIB, TODAY))
    assert p.values["Casus"] == "C-4"  # P1 presented before; P3's is older than P2's


def test_several_cases_for_long_meetings_of_a_multi_case_method():
    cases = [(f"C-{i}", f"P{i}", dt.date(2026, 12, i)) for i in range(1, 6)]
    p = only(plan(build(cases=cases, method="Regionale intervisie", duration=240), LIB, TODAY))
    assert len(p.values["Casus"].split("; ")) >= 3
    assert len(set(c.presenter for c in p.cases)) == len(p.cases)


def test_location_rotates():
    history = [Meeting("G-2026-01", "G", dt.date(2026, 11, 1), location="B", status="gehouden")]
    p = only(plan(build(meetings=history), LIB, TODAY))
    assert p.values["Locatie"] == "C"


# ---------------------------------------------------------------- coordinator wins


def _origin(values):
    return Origin("Bijeenkomsten", 2, {k: i for i, k in enumerate(values)}, values)


def test_existing_row_only_gets_its_empty_cells():
    raw = {
        "Nr": "G-2027-05",
        "Groep": "G",
        "Datum": dt.date(2027, 2, 2),
        "Gespreksleider": "P3",
        "Status": "voorstel",
        "Locatie": None,
        "Notulist": None,
    }
    m = Meeting("G-2027-05", "G", dt.date(2027, 2, 2), chair="P3", status="voorstel", origin=_origin(raw))
    out = plan(build(meetings=[m], cases=[("C-1", "P3"), ("C-2", "P4")]), LIB, TODAY)
    p = only(out)
    assert "Datum" not in p.values and "Gespreksleider" not in p.values
    assert p.values["Casus"] == "C-2"  # P3 chairs, so cannot present
    for ch in out.changes.cells:
        if ch.tab == "Bijeenkomsten":
            assert ch.expect is None and raw.get(ch.column) in (None, "")


def test_every_active_group_with_an_upcoming_meeting_is_left_alone():
    m = Meeting(
        "G-2027-05",
        "G",
        dt.date(2027, 2, 2),
        dt.time(19, 30),
        dt.time(22),
        "A",
        "Incidentmethode",
        "P1",
        "P2",
        ["C-1"],
        status="bevestigd",
        origin=_origin({}),
    )
    full = {
        c: "x"
        for c in (
            "Nr",
            "Datum",
            "Begintijd",
            "Eindtijd",
            "Locatie",
            "Methode",
            "Gespreksleider",
            "Notulist",
            "Casus",
            "Status",
        )
    }
    m.origin = _origin(full)
    out = plan(build(meetings=[m], cases=[("C-1", "P3")]), LIB, TODAY)
    assert out.proposals == [] and not out.changes.appends
    assert not [c for c in out.changes.cells if c.tab == "Bijeenkomsten"]
    # the case the coordinator put on the meeting is marked as planned
    assert {(c.column, c.value) for c in out.changes.cells} == {("Status", "ingepland"), ("Bijeenkomst", "G-2027-05")}


# ---------------------------------------------------------------- properties

names6 = [f"P{i}" for i in range(6)]
answers = st.sampled_from(["ja", "nee", "misschien", None])


@st.composite
def scenarios(draw):
    n = draw(st.integers(4, 8))
    names = [f"P{i}" for i in range(n)]
    k = draw(st.integers(1, 6))
    dates = TUESDAYS[:k]
    grid = {name: {d: a for d in dates if (a := draw(answers))} for name in names}
    ncases = draw(st.integers(0, n))
    cases = [(f"C-{i}", draw(st.sampled_from(names)), dt.date(2026, 12, 1 + i)) for i in range(ncases)]
    hist = []
    for i in range(draw(st.integers(0, 4))):
        hist.append(
            Meeting(
                f"G-2026-{i + 1:02d}",
                "G",
                dt.date(2026, 6 + i, 3),
                chair=draw(st.sampled_from(names)),
                minute_taker=draw(st.sampled_from(names)),
                status="gehouden",
            )
        )
    facilitator = draw(st.sampled_from(["", "", "F"]))
    if facilitator:
        grid["F"] = {d: a for d in dates if (a := draw(answers))}
    minimum = draw(st.integers(2, n))
    return build(n=n, grid=grid, cases=cases, meetings=hist, facilitator=facilitator, min_members=minimum)


@settings(max_examples=150, deadline=None)
@given(rec=scenarios())
def test_properties_of_any_proposal(rec):
    out = plan(rec, LIB, TODAY)
    p = only(out)
    v = p.values
    presenters = {c.presenter for c in p.cases}
    assert v["Gespreksleider"] not in presenters
    if v.get("Notulist"):
        assert v["Notulist"] not in presenters | {v["Gespreksleider"]}
    chosen = next((x for x in p.verdicts if x.date == v["Datum"]), None)
    if chosen is None or not chosen.ok:
        assert any(pr.severity == "waarschuwing" for pr in out.problems)  # quorum or a warning
    else:
        assert chosen.yes + chosen.maybe >= rec.groups["G"].min_members
        answers_of = {a.name: a.answers for a in rec.availability}
        assert answers_of.get(v["Gespreksleider"], {}).get(v["Datum"]) in ("ja", "misschien", None)
        for c in p.cases:
            assert answers_of[c.presenter].get(v["Datum"]) in ("ja", "misschien")
    slots = timetable(LIB, LIB.find(v["Methode"]), v["Begintijd"], 150, max(1, len(p.cases)))
    assert sum(s.minutes for s in slots) == 150


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(4, 8), rounds=st.integers(2, 4))
def test_over_many_meetings_everyone_chairs_and_presents_evenly(n, rounds):
    rec = build(
        n=n,
        grid={f"P{i}": {d: "ja" for d in [TODAY + dt.timedelta(days=7 * k + 1) for k in range(200)]} for i in range(n)},
        frequency=1,
    )
    names = [f"P{i}" for i in range(n)]
    for i, name in enumerate(names):
        rec.cases.append(Case(nr=f"C-{i}", presenter=name, group="G", title="t", submitted=dt.date(2026, 1, 1 + i)))
    today = TODAY
    next_case = n
    for _ in range(rounds * n):
        p = only(plan(rec, LIB, today))
        v = p.values
        m = Meeting(
            v["Nr"],
            "G",
            v["Datum"],
            v["Begintijd"],
            v["Eindtijd"],
            chair=v["Gespreksleider"],
            minute_taker=v.get("Notulist", ""),
            cases=v["Casus"].split("; ") if v.get("Casus") else [],
            status="gehouden",
        )
        rec.meetings[m.nr] = m
        rec.all_keys["Bijeenkomsten"].add(m.nr)
        for c in p.cases:
            c.status, c.meeting = "besproken", m.nr
            rec.cases.append(Case(nr=f"C-{next_case}", presenter=c.presenter, group="G", title="t", submitted=m.date))
            next_case += 1
        today = m.date + dt.timedelta(days=1)
    chairs = [sum(1 for m in rec.meetings.values() if m.chair == x) for x in names]
    presents = [sum(1 for c in rec.cases if c.status == "besproken" and c.presenter == x) for x in names]
    assert max(chairs) - min(chairs) <= 1, chairs
    assert max(presents) - min(presents) <= 1, presents


# ---------------------------------------------------------------- end to end


def test_plan_on_demo_is_sensible_and_idempotent(demo_xlsx):
    from openpyxl import load_workbook

    r1 = cli("plan", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    assert r1.exit_code == 0, r1.output
    assert "Nieuw voorstel Gent Psychologen-2027-01" in r1.output and "Utrecht" not in r1.output.split("Documenten")[0]
    wb = load_workbook(demo_xlsx)
    rows = [[c.value for c in r] for r in wb["Bijeenkomsten"].iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [
        "Utrecht Jeugdzorg-2026-01",
        "Utrecht Jeugdzorg-2026-02",
        "Gent Psychologen-2027-01",
    ]
    assert rows[1][11] == "bevestigd" and rows[2][11] == "voorstel"
    assert rows[2][7] == "Marieke Dhondt" and rows[2][2].date() > dt.date(2026, 11, 22)
    cases = {r[0].value: r for r in wb["Casussen"].iter_rows(min_row=2)}
    assert sorted(cases) == ["C-001", "C-002", "C-003", "C-004", "C-005"]  # numbers filled in
    assert sum(1 for r in cases.values() if r[9].value == "ingepland") == 2
    from helpers import all_values

    before = all_values(demo_xlsx)
    r2 = cli("plan", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    assert "niets voor te stellen" in r2.output
    assert all_values(demo_xlsx) == before  # running it again changes nothing


def test_today_moves_the_planning(demo_xlsx):
    r = cli("plan", "--workbook", str(demo_xlsx), "--today", "2027-01-20", "--dry-run")
    assert r.exit_code == 0
    assert "2027" in r.output and "december 2026" not in r.output


def test_meeting_row_with_an_error_blocks_a_second_proposal(demo_xlsx):
    from openpyxl import load_workbook

    wb = load_workbook(demo_xlsx)
    ws = wb["Bijeenkomsten"]
    ws.append(
        [
            "Gent Psychologen-2027-01",
            "Gent Psychologen",
            dt.datetime(2027, 1, 14),
            dt.time(14),
            dt.time(16),
            "Online",
            "",
            "Marieke Dondt",
            "",
            "",
            "",
            "bevestigd",
        ]
    )
    wb.save(demo_xlsx)
    for _ in range(2):
        r = cli("plan", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
        assert r.exit_code == 1
        from helpers import meldingen

        assert any("Geen nieuw voorstel voor groep Gent Psychologen" in m["Melding"] for m in meldingen(demo_xlsx))
    rows = [r[0].value for r in load_workbook(demo_xlsx)["Bijeenkomsten"].iter_rows(min_row=2)]
    assert rows.count("Gent Psychologen-2027-01") == 1 and len(rows) == 3


def test_coordinator_date_on_a_holiday_is_warned(demo_xlsx):
    from openpyxl import load_workbook

    wb = load_workbook(demo_xlsx)
    wb["Bijeenkomsten"].append(
        [
            None,
            "Gent Psychologen",
            dt.datetime(2026, 12, 25),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "voorstel",
        ]
    )
    wb.save(demo_xlsx)
    r = cli("plan", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    from helpers import meldingen

    assert r.exit_code == 0
    assert [m["Cel"] for m in meldingen(demo_xlsx) if "is een feestdag (Eerste kerstdag)" in m["Melding"]] == [
        "Bijeenkomsten!C4"
    ]
    ws = load_workbook(demo_xlsx)["Bijeenkomsten"]
    assert ws["A4"].value == "Gent Psychologen-2026-01" and ws["H4"].value == "Marieke Dhondt"


def test_group_without_members_gets_no_meeting():
    rec = build(n=0, grid={})
    out = plan(rec, LIB, TODAY)
    assert out.proposals == [] and "geen actieve deelnemers" in out.problems[0].message


def test_unreadable_meetings_tab_plans_nothing(demo_xlsx):
    from helpers import all_values
    from openpyxl import load_workbook

    wb = load_workbook(demo_xlsx)
    wb["Bijeenkomsten"]["C1"] = "Datun"
    wb.save(demo_xlsx)
    before = all_values(demo_xlsx)
    for _ in range(2):
        r = cli("run", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
        assert r.exit_code == 1
    assert all_values(demo_xlsx) == before  # no proposal appended, run after run


FILLABLE = {
    "Nr": "G-2027-07",
    "Datum": dt.date(2027, 2, 9),
    "Begintijd": dt.time(20, 0),
    "Eindtijd": dt.time(22, 30),
    "Locatie": "Eigen zaal",
    "Methode": "Balint",
    "Gespreksleider": "P2",
    "Notulist": "P3",
    "Casus": "C-1",
    "Status": "voorstel",
}


@settings(max_examples=60, deadline=None)
@given(filled=st.sets(st.sampled_from(sorted(FILLABLE))))
def test_proposals_never_overwrite_a_filled_cell(filled):
    raw = {k: (FILLABLE[k] if k in filled else None) for k in FILLABLE}
    raw["Groep"] = "G"
    m = Meeting(
        raw["Nr"] or "",
        "G",
        raw["Datum"],
        raw["Begintijd"],
        raw["Eindtijd"],
        raw["Locatie"] or "",
        raw["Methode"] or "",
        raw["Gespreksleider"] or "",
        raw["Notulist"] or "",
        [raw["Casus"]] if raw["Casus"] else [],
        status="voorstel",
        origin=_origin(raw),
    )
    rec = build(meetings=[m], cases=[("C-1", "P1"), ("C-2", "P4")])
    out = plan(rec, LIB, TODAY)
    for ch in out.changes.cells:
        if ch.tab == "Bijeenkomsten":
            assert ch.column not in filled and ch.expect is None
    assert not out.changes.appends


def test_extra_method_file_from_the_config_is_used(demo_xlsx, tmp_path):
    from openpyxl import load_workbook

    (tmp_path / "eigen-methoden.toml").write_text(
        '[methods.wandelintervisie]\nname = "Wandelintervisie"\ndescription = "Casus bespreken tijdens een wandeling."\n'
        'min_minutes = 60\n[[methods.wandelintervisie.steps]]\nname = "Wandelen en bevragen"\ndescription = "In tweetallen."\n'
        'who = "iedereen"\nweight = 1\n',
        encoding="utf-8",
    )
    cfg = tmp_path / "intervisie.toml"
    cfg.write_text(
        f"[workbook]\npath = '{demo_xlsx}'\n[planning]\nmethods = ['eigen-methoden.toml']\n", encoding="utf-8"
    )
    wb = load_workbook(demo_xlsx)
    wb["Groepen"]["B3"] = "wandel intervisie"
    wb.save(demo_xlsx)
    r = cli("plan", "--config", str(cfg), "--today", "2026-11-22")
    assert r.exit_code == 0, r.output
    gent = next(
        row
        for row in load_workbook(demo_xlsx)["Bijeenkomsten"].iter_rows(min_row=2, values_only=True)
        if row[1] == "Gent Psychologen"
    )
    assert gent[6] == "Wandelintervisie"


def test_misschien_counts_as_half_a_person_and_is_warned_about():
    """Defect 6: four 'misschien' do not make a quorum of 4; 3 ja + 2 misschien do, with a warning."""
    grid = {f"P{i}": {TUESDAYS[3]: "misschien"} for i in range(4)}
    grid.update({f"P{i}": {TUESDAYS[3]: "misschien", TUESDAYS[4]: ("ja" if i < 3 else "misschien")} for i in range(5)})
    out = plan(build(grid=grid), LIB, TODAY)
    p = only(out)
    v3 = next(v for v in p.verdicts if v.date == TUESDAYS[3])
    assert any("verwacht 2,5" in r for r in v3.reasons)
    assert p.values["Datum"] == TUESDAYS[4]
    assert any("alleen met wie 'misschien' zei (3 ja, 2 misschien" in x.message for x in out.problems)


def test_a_date_inside_the_invitation_window_is_the_last_choice():
    """Defect 8: a proposal for tomorrow while invitations go out 14 days ahead."""
    grid = {f"P{i}": {TUESDAYS[0]: "ja", TUESDAYS[3]: "ja" if i < 5 else "nee"} for i in range(6)}
    out = plan(build(grid=grid), LIB, TODAY)
    assert only(out).values["Datum"] == TUESDAYS[3]  # fewer people, but time to invite them
    grid = {f"P{i}": {TUESDAYS[0]: "ja"} for i in range(6)}
    out = plan(build(grid=grid), LIB, TODAY)
    assert only(out).values["Datum"] == TUESDAYS[0]
    assert any("valt binnen de uitnodigingstermijn van 14 dagen" in x.message for x in out.problems)


def test_a_proposal_without_a_place_is_warned_about():
    """Defect 10: empty Locaties."""
    rec = build()
    rec.groups["G"].locations = []
    out = plan(rec, LIB, TODAY)
    assert only(out).values.get("Locatie") is None
    assert any("heeft geen locatie" in x.message for x in out.problems)


def test_next_meeting_nr_counts_the_tab_and_the_numbers_issued_before():
    """One lookup per prefix: the highest number on the tab or issued before, plus one;
    group names with dashes and digits of their own do not confuse it."""
    from intervisie.planning import highest_numbers, next_meeting_nr
    from intervisie.records import Records

    rec = Records()
    rec.all_keys["Bijeenkomsten"] = {
        "Team A-2026-01",
        "Team A-2026-07",
        "Team A-2027-02",
        "Team A-2026-1-2026-09",  # group "Team A-2026-1"
        "Team A-2026-x",
        "Team A-2026-０５",  # full-width digits are no number
    }
    assert next_meeting_nr(rec, "Team A", 2026, {}) == "Team A-2026-08"
    assert next_meeting_nr(rec, "Team A", 2026, highest_numbers({"Team A-2026-12"})) == "Team A-2026-13"
    assert next_meeting_nr(rec, "Team A-2026-1", 2026, {}) == "Team A-2026-1-2026-10"
    assert next_meeting_nr(rec, "Team B", 2026, {}) == "Team B-2026-01"


def test_a_proposal_of_this_run_counts_as_a_clash_for_the_next_group():
    """Two groups with one facilitator, both without a next meeting: the second proposal
    does not take the first one's evening (the day's index learns of the proposal)."""
    other = Group("H", facilitator="F", min_members=1, start=dt.time(19, 30), duration=150, locations=["Z"])
    rec = build(facilitator="F", extra_groups=[other])
    for i in range(4):
        rec.participants[f"Q{i}"] = Participant(f"Q{i}", f"q{i}@x.nl", "H")
        rec.availability.append(Availability(f"Q{i}", "H", {d: "ja" for d in TUESDAYS}))
    rec.all_keys["Deelnemers"] = set(rec.participants)
    out = plan(rec, LIB, TODAY)
    dates = {p.group: p.values["Datum"] for p in out.proposals}
    assert set(dates) == {"G", "H"} and dates["G"] != dates["H"], dates
    later = next(p for p in out.proposals if p.group == max(dates, key=lambda k: (dates[k], k)))
    first_date = min(dates.values())
    v = next(v for v in later.verdicts if v.date == first_date)
    assert any("F heeft dan al bijeenkomst" in r for r in v.reasons), v.reasons

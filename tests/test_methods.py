"""Tests for the method library (config/methods.toml) and the timetable."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intervisie.errors import IntervisieError, TimetableError
from intervisie.methods import (
    BREAK_MINUTES,
    DEFAULT_METHODS_PATH,
    Frame,
    Method,
    MethodLibrary,
    Slot,
    Step,
    cases_for_duration,
    load_library,
    normalize_name,
    required_minutes,
    timetable,
)

LIB = load_library()
SHIPPED = [
    "incidentmethode",
    "incidentmethode_kort",
    "roddelmethode",
    "balint",
    "tienstappenmethode",
    "collegiaal_advies",
    "regionale_intervisie",
    "socratisch_gesprek",
]
DURATIONS = [90, 120, 150, 180, 240]
EVENING = dt.time(19, 30)


# --------------------------------------------------------------------------- helpers


def expected_sequence(library: MethodLibrary, method: Method, n_cases: int) -> list[tuple[Step, str, int | None]]:
    """Frame + method steps (per-case block repeated) in order, without the break."""
    steps = method.steps
    idx = [i for i, s in enumerate(steps) if s.per_case]
    seq: list[tuple[Step, str, int | None]] = [(s, "opening", None) for s in library.frame.opening]
    if idx:
        first, last = idx[0], idx[-1]
        seq += [(s, "stap", None) for s in steps[:first]]
        for case in range(1, n_cases + 1):
            seq += [(s, "stap", case) for s in steps[first : last + 1]]
        seq += [(s, "stap", None) for s in steps[last + 1 :]]
    else:
        seq += [(s, "stap", None) for s in steps]
    seq += [(s, "afsluiting", None) for s in library.frame.closing]
    return seq


def needed_minutes(library: MethodLibrary, method: Method, n_cases: int) -> int:
    """Independent recomputation: fixed steps at their minutes, weighted at 5."""
    return sum(s.minutes if s.minutes is not None else 5 for s, _, _ in expected_sequence(library, method, n_cases))


def minutes_of(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def assert_valid_plan(
    slots: list[Slot],
    library: MethodLibrary,
    method: Method,
    start: dt.time,
    duration: int,
    n_cases: int,
) -> None:
    assert slots, "empty timetable"
    # exact fit
    assert sum(s.minutes for s in slots) == duration
    # grid: multiples of 5 (the last slot absorbs a remainder), never below 5
    for s in slots[:-1]:
        assert s.minutes % 5 == 0, s
    assert slots[-1].minutes - duration % 5 >= 5
    assert (slots[-1].minutes - duration % 5) % 5 == 0
    assert all(s.minutes >= 5 for s in slots)
    # consecutive clock times
    assert slots[0].start == start
    for a, b in zip(slots, slots[1:]):
        assert a.end == b.start
    for s in slots:
        assert (minutes_of(s.end) - minutes_of(s.start)) % (24 * 60) == s.minutes
    assert (minutes_of(slots[-1].end) - minutes_of(start)) % (24 * 60) == duration % (24 * 60)
    # order preserved; the break is the only addition
    breaks = [s for s in slots if s.kind == "pauze"]
    assert len(breaks) <= 1
    if duration <= 150:
        assert not breaks
    body = [s for s in slots if s.kind != "pauze"]
    seq = expected_sequence(library, method, n_cases)
    assert len(body) == len(seq)
    for slot, (step, kind, case) in zip(body, seq):
        assert slot.kind == kind
        assert slot.case_index == case
        label = f"Casus {case}: {step.name}" if case is not None and n_cases > 1 else step.name
        assert slot.name == label
        assert slot.description == step.description
        assert slot.who == step.who
    # fixed steps keep their minutes when there are weighted steps to absorb the rest
    if any(step.weight is not None for step, _, _ in seq):
        for slot, (step, _, _) in zip(body[:-1], seq[:-1]):
            if step.minutes is not None:
                assert slot.minutes == step.minutes, slot
    for b in breaks:
        assert b.minutes == BREAK_MINUTES
        assert b.name == "Pauze"
        i = slots.index(b)
        assert 0 < i < len(slots) - 1, "break must sit between two steps"


# --------------------------------------------------------------------------- the shipped library


def test_default_path_points_at_repo_config() -> None:
    assert Path(__file__).resolve().parents[1] / "src" / "intervisie" / "data" / "methods.toml" == DEFAULT_METHODS_PATH
    assert DEFAULT_METHODS_PATH.is_file()


def test_shipped_methods_present_in_order() -> None:
    assert list(LIB.methods)[: len(SHIPPED)] == SHIPPED
    assert LIB.names()[:3] == ["Incidentmethode", "Incidentmethode (kort)", "Roddelmethode"]


def test_frame() -> None:
    assert [s.name for s in LIB.frame.opening] == ["Opening en rondje: hoe zit je erbij?"]
    assert [s.name for s in LIB.frame.closing] == ["Vooruitblik", "Korte evaluatie"]
    assert "wie" in LIB.frame.closing[0].description.lower() or "casus" in LIB.frame.closing[0].description


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_method_is_complete(key: str) -> None:
    m = LIB.methods[key]
    assert m.key == key
    assert m.name and m.description and m.aliases
    assert m.steps
    assert 1 <= m.cases_min <= m.cases_max
    assert m.minutes_per_case >= 5
    for s in m.steps:
        assert s.name and s.description and s.who, s
        assert (s.minutes is None) != (s.weight is None)
    assert any(s.weight is not None for s in m.steps)
    # the advertised minimum is honest: the method fits at min_minutes with cases_min
    assert required_minutes(LIB, m, m.cases_min) == m.min_minutes


def test_incidentmethode_has_ten_rounds() -> None:
    m = LIB.methods["incidentmethode"]
    assert len(m.steps) == 10
    names = [s.name for s in m.steps]
    assert names[0] == "Keuze van het incident"
    assert "Informatieronde" in names and "Wat deed de inbrenger?" in names
    assert len(LIB.methods["incidentmethode_kort"].steps) == 7
    assert len(LIB.methods["tienstappenmethode"].steps) == 10


def test_roddelmethode_inbrenger_listens_only() -> None:
    roddel = next(s for s in LIB.methods["roddelmethode"].steps if s.name == "Roddelronde")
    assert "inbrenger luistert alleen" in roddel.who
    assert "rug" in roddel.description


def test_regional_format_handles_several_cases() -> None:
    m = LIB.methods["regionale_intervisie"]
    assert m.cases_max >= 5
    assert m.steps[0].per_case is False and "gastheer" in m.steps[0].name


@pytest.mark.parametrize("duration", DURATIONS)
@pytest.mark.parametrize("key", SHIPPED)
def test_timetable_table(key: str, duration: int) -> None:
    m = LIB.methods[key]
    n = cases_for_duration(m, duration, LIB.frame)
    assert m.cases_min <= n <= m.cases_max
    if duration < m.min_minutes:
        with pytest.raises(TimetableError, match="minstens"):
            timetable(LIB, m, EVENING, duration, n)
        return
    slots = timetable(LIB, m, EVENING, duration, n)
    assert_valid_plan(slots, LIB, m, EVENING, duration, n)
    breaks = [s for s in slots if s.kind == "pauze"]
    assert len(breaks) == (1 if duration > 150 else 0)


@pytest.mark.parametrize("key", SHIPPED)
def test_break_near_the_middle(key: str) -> None:
    m = LIB.methods[key]
    slots = timetable(LIB, m, dt.time(9, 0), 240, m.cases_min)
    (brk,) = [s for s in slots if s.kind == "pauze"]
    middle = 9 * 60 + 120
    longest = max(s.minutes for s in slots)
    assert abs(minutes_of(brk.start) + brk.minutes / 2 - middle) <= longest


def test_break_falls_between_cases() -> None:
    m = LIB.methods["regionale_intervisie"]
    slots = timetable(LIB, m, dt.time(13, 0), 240, 4)
    i = next(i for i, s in enumerate(slots) if s.kind == "pauze")
    assert slots[i - 1].name == "Casus 2: Oplossingen en advies"
    assert slots[i + 1].name == "Casus 3: Toelichting"


def test_no_break_at_150_and_break_at_155() -> None:
    m = LIB.methods["collegiaal_advies"]
    assert not [s for s in timetable(LIB, m, EVENING, 150, 2) if s.kind == "pauze"]
    assert len([s for s in timetable(LIB, m, EVENING, 155, 2) if s.kind == "pauze"]) == 1


def test_per_case_labels() -> None:
    m = LIB.methods["regionale_intervisie"]
    names = [s.name for s in timetable(LIB, m, EVENING, 120, 2)]
    assert "Casus 2: Verhelderende vragen" in names
    assert names.count("Introductie door de gastheer of gastvrouw") == 1
    single = timetable(LIB, LIB.methods["balint"], EVENING, 90)
    assert "Casus toelichten" in [s.name for s in single]
    assert next(s for s in single if s.name == "Casus toelichten").case_index == 1


def test_exact_example_schedule() -> None:
    slots = timetable(LIB, LIB.methods["incidentmethode_kort"], dt.time(19, 30), 60)
    assert [(s.start.strftime("%H:%M"), s.minutes, s.kind) for s in slots] == [
        ("19:30", 10, "opening"),
        ("19:40", 5, "stap"),  # Inbreng van het incident (weight 1)
        ("19:45", 10, "stap"),  # Informatieve vragen (weight 1.5, gets the spare 5 min)
        ("19:55", 5, "stap"),  # Wat zou jij doen? (fixed 5)
        ("20:00", 5, "stap"),  # Rondje beslissingen (weight 1.5)
        ("20:05", 5, "stap"),  # Wat deed de inbrenger? (weight 1)
        ("20:10", 5, "stap"),  # Lessen en principes (weight 1.5)
        ("20:15", 5, "stap"),  # Evaluatie van de methode (fixed 5)
        ("20:20", 5, "afsluiting"),
        ("20:25", 5, "afsluiting"),
    ]
    assert slots[-1].end == dt.time(20, 30)


# --------------------------------------------------------------------------- errors


def test_too_short_message() -> None:
    with pytest.raises(TimetableError) as exc:
        timetable(LIB, LIB.methods["incidentmethode"], EVENING, 60)
    assert str(exc.value) == (
        "De methode Incidentmethode heeft minstens 90 minuten nodig; de bijeenkomst duurt 60 minuten. "
        "Verleng de Duur (min) van de groep of kies een kortere methode."
    )


def test_too_short_for_many_cases() -> None:
    m = LIB.methods["regionale_intervisie"]
    with pytest.raises(TimetableError) as exc:
        timetable(LIB, m, EVENING, 90, 5)
    msg = str(exc.value)
    assert "voor 5 casussen minstens" in msg and "kies minder casussen" in msg
    assert required_minutes(LIB, m, 5) > 90


@pytest.mark.parametrize("n", [0, 3, -1])
def test_cases_out_of_range(n: int) -> None:
    with pytest.raises(TimetableError, match="1 tot 2 casussen"):
        timetable(LIB, LIB.methods["incidentmethode"], EVENING, 240, n)


def test_single_case_method_message() -> None:
    with pytest.raises(TimetableError, match="behandelt 1 casus per bijeenkomst; gevraagd: 2"):
        timetable(LIB, LIB.methods["balint"], EVENING, 240, 2)


@pytest.mark.parametrize("bad", [0, -30, True])
def test_bad_duration(bad: int) -> None:
    with pytest.raises(TimetableError):
        timetable(LIB, LIB.methods["roddelmethode"], EVENING, bad)


def test_timetable_errors_are_intervisie_errors() -> None:
    with pytest.raises(IntervisieError):
        timetable(LIB, LIB.methods["balint"], EVENING, 30)


def test_duration_not_multiple_of_five_goes_to_last_slot() -> None:
    m = LIB.methods["collegiaal_advies"]
    slots = timetable(LIB, m, EVENING, 123)
    assert sum(s.minutes for s in slots) == 123
    assert all(s.minutes % 5 == 0 for s in slots[:-1])
    assert slots[-1].minutes == 8 and slots[-1].name == "Korte evaluatie"
    assert slots[-1].end == dt.time(21, 33)


def test_midnight() -> None:
    m = LIB.methods["incidentmethode"]
    slots = timetable(LIB, m, dt.time(22, 0), 120)
    assert slots[-1].end == dt.time(0, 0)
    with pytest.raises(TimetableError, match="middernacht"):
        timetable(LIB, m, dt.time(22, 30), 120)


def test_required_minutes_is_the_boundary() -> None:
    for m in LIB.methods.values():
        for n in range(m.cases_min, m.cases_max + 1):
            req = required_minutes(LIB, m, n)
            assert_valid_plan(timetable(LIB, m, EVENING, req, n), LIB, m, EVENING, req, n)
            with pytest.raises(TimetableError):
                timetable(LIB, m, EVENING, req - 5, n)


def test_cases_for_duration() -> None:
    inc = LIB.methods["incidentmethode"]
    assert cases_for_duration(inc, 120, LIB.frame) == 1
    assert cases_for_duration(inc, 240, LIB.frame) == 2
    reg = LIB.methods["regionale_intervisie"]
    assert cases_for_duration(reg, 90, LIB.frame) == 2  # clamped up to cases_min
    assert cases_for_duration(reg, 240, LIB.frame) == 4
    assert cases_for_duration(reg, 600) == 5  # clamped down to cases_max
    assert cases_for_duration(LIB.methods["balint"], 300) == 1


# --------------------------------------------------------------------------- find()


@pytest.mark.parametrize(
    "query, key",
    [
        ("incidentmethode", "incidentmethode"),
        ("Incident methode", "incidentmethode"),
        ("  INCIDENTMETHODE  ", "incidentmethode"),
        ("Incidentmethode Hendriksen", "incidentmethode"),
        ("incidentmethode (kort)", "incidentmethode_kort"),
        ("Incidentmethode-kort", "incidentmethode_kort"),
        ("korte incidentmethode", "incidentmethode_kort"),
        ("incidentmethode_kort", "incidentmethode_kort"),
        ("Roddel methode", "roddelmethode"),
        ("balint", "balint"),
        ("Balint-methode", "balint"),
        ("Bálintméthode", "balint"),
        ("10-stappenmethode", "tienstappenmethode"),
        ("10 stappen methode", "tienstappenmethode"),
        ("Tien stappen", "tienstappenmethode"),
        ("collegiaal advies", "collegiaal_advies"),
        ("Collegiale consultatie", "collegiaal_advies"),
        ("Regionale intervisie", "regionale_intervisie"),
        ("regionale intervisie (dagdeel)", "regionale_intervisie"),
        ("Socratische dialoog", "socratisch_gesprek"),
        ("socratisch gesprek", "socratisch_gesprek"),
    ],
)
def test_find_is_tolerant(query: str, key: str) -> None:
    found = LIB.find(query)
    assert found is not None and found.key == key


@pytest.mark.parametrize("query", ["", "   ", "-", "supervisie", "incidentmethodes"])
def test_find_unknown(query: str) -> None:
    assert LIB.find(query) is None


def test_normalize_name() -> None:
    assert normalize_name(" Incident-Methode (kort) ") == "incidentmethodekort"
    assert normalize_name("Associëren") == "associeren"


# --------------------------------------------------------------------------- extension files


EXTENSION = """
[frame]
[[frame.opening]]
name = "Inloop met koffie"
who = "iedereen"
minutes = 15

[methods.balint]
name = "Balintmethode"
description = "Lokale variant."
aliases = ["Balint"]
min_minutes = 60
[[methods.balint.steps]]
name = "Casus"
who = "inbrenger vertelt, groep luistert"
weight = 1
[[methods.balint.steps]]
name = "Reflectie"
who = "groep bespreekt"
weight = 2

[methods.vijfstappen]
name = "Vijfstappenmethode"
description = "Vraagintroductie, probleemverkenning, kern, advies, evaluatie."
aliases = ["5 stappen"]
cases_max = 2
[[methods.vijfstappen.steps]]
name = "Vraagintroductie"
who = "inbrenger vertelt, groep luistert"
weight = 1
per_case = true
[[methods.vijfstappen.steps]]
name = "Adviesronde"
who = "groep adviseert, inbrenger luistert alleen"
weight = 2
per_case = true
[[methods.vijfstappen.steps]]
name = "Evaluatie"
minutes = 5
"""


def write(tmp_path: Path, text: str, name: str = "methods.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_extension_overrides_and_adds(tmp_path: Path) -> None:
    lib = load_library(write(tmp_path, EXTENSION, "extra.toml"))
    # override keeps its place, new method is appended
    assert list(lib.methods)[: len(SHIPPED)] == SHIPPED
    assert list(lib.methods)[-1] == "vijfstappen"
    assert [s.name for s in lib.methods["balint"].steps] == ["Casus", "Reflectie"]
    assert lib.methods["balint"].cases_min == lib.methods["balint"].cases_max == 1
    assert lib.methods["balint"].minutes_per_case == 45
    new = lib.find("5-stappen")
    assert new is not None and new.key == "vijfstappen"
    assert "Vijfstappenmethode" in lib.names()
    # frame: opening replaced, closing kept from the shipped file
    assert [s.name for s in lib.frame.opening] == ["Inloop met koffie"]
    assert [s.name for s in lib.frame.closing] == ["Vooruitblik", "Korte evaluatie"]
    slots = timetable(lib, new, EVENING, 90, 2)
    assert_valid_plan(slots, lib, new, EVENING, 90, 2)
    assert slots[0].minutes == 15
    # the shipped library object is untouched
    assert len(LIB.methods["balint"].steps) == 8


def test_extension_only(tmp_path: Path) -> None:
    lib = load_library(write(tmp_path, EXTENSION, "extra.toml"), include_default=False)
    assert list(lib.methods) == ["balint", "vijfstappen"]
    assert [s.name for s in lib.frame.closing] == []
    slots = timetable(lib, lib.methods["balint"], EVENING, 60)
    assert_valid_plan(slots, lib, lib.methods["balint"], EVENING, 60, 1)


def test_same_file_twice_is_harmless() -> None:
    lib = load_library(DEFAULT_METHODS_PATH)
    assert list(lib.methods) == list(LIB.methods)


def test_all_fixed_method_stretches(tmp_path: Path) -> None:
    text = """
[methods.vast]
name = "Vast"
[[methods.vast.steps]]
name = "Eén"
minutes = 20
[[methods.vast.steps]]
name = "Twee"
minutes = 10
"""
    lib = load_library(write(tmp_path, text), include_default=False)
    m = lib.methods["vast"]
    slots = timetable(lib, m, EVENING, 90)
    assert [s.minutes for s in slots] == [60, 30]
    slots = timetable(lib, m, EVENING, 60)
    assert [s.minutes for s in slots] == [40, 20]


VALID_STEP = 'name = "Stap"\nweight = 1\n'


def method_with_step(step_body: str, extra: str = "") -> str:
    return f"""
[methods.balint]
name = "Balintmethode"
{extra}
[[methods.balint.steps]]
{VALID_STEP}
[[methods.balint.steps]]
{step_body}
"""


@pytest.mark.parametrize(
    "text, where_msg",
    [
        (
            method_with_step('name = "X"\nminutes = "tien"'),
            "methods.balint.steps[2].minutes: moet een geheel getal zijn",
        ),
        (method_with_step('name = "X"\nminutes = 7'), "methods.balint.steps[2].minutes: moet een veelvoud van 5 zijn"),
        (method_with_step('name = "X"\nminutes = 0'), "methods.balint.steps[2].minutes: moet een veelvoud van 5 zijn"),
        (method_with_step('name = "X"\nminutes = 10.0'), "methods.balint.steps[2].minutes: moet een geheel getal zijn"),
        (
            method_with_step('name = "X"\nweight = 0'),
            "methods.balint.steps[2].weight: moet een getal groter dan 0 zijn",
        ),
        (method_with_step('name = "X"\nweight = "veel"'), "methods.balint.steps[2].weight: moet een getal zijn"),
        (method_with_step('name = "X"\nweight = true'), "methods.balint.steps[2].weight: moet een getal zijn"),
        (method_with_step('name = "X"\nminutes = 5\nweight = 1'), "methods.balint.steps[2]: geef 'minutes'"),
        (method_with_step('name = "X"'), "methods.balint.steps[2]: ontbreekt: geef 'minutes'"),
        (method_with_step("minutes = 5"), "methods.balint.steps[2].name: ontbreekt"),
        (method_with_step('name = ""\nminutes = 5'), "methods.balint.steps[2].name: mag niet leeg zijn"),
        (method_with_step("name = 3\nminutes = 5"), "methods.balint.steps[2].name: moet een tekst zijn"),
        (
            method_with_step('name = "X"\nminuten = 5'),
            "methods.balint.steps[2].minuten: onbekende sleutel (bedoelde je 'minutes'?)",
        ),
        (
            method_with_step('name = "X"\nminutes = 5\nper_case = "ja"'),
            "methods.balint.steps[2].per_case: moet true of false zijn",
        ),
        (
            method_with_step('name = "X"\nminutes = 5', "cases_min = 2\ncases_max = 1"),
            "methods.balint.cases_max: moet minstens cases_min (2) zijn",
        ),
        (
            method_with_step('name = "X"\nminutes = 5', "cases_min = 0"),
            "methods.balint.cases_min: moet minstens 1 zijn",
        ),
        (
            method_with_step('name = "X"\nminutes = 5', "cases_max = 3"),
            "methods.balint.cases_max: de methode heeft geen stappen met per_case",
        ),
        (
            method_with_step('name = "X"\nminutes = 5', 'min_minutes = "90"'),
            "methods.balint.min_minutes: moet een geheel getal zijn",
        ),
        (
            method_with_step('name = "X"\nminutes = 5', 'aliases = "Balint"'),
            "methods.balint.aliases: moet een lijst van teksten zijn",
        ),
        (
            method_with_step('name = "X"\nminutes = 5', "stepz = 1"),
            "methods.balint.stepz: onbekende sleutel (bedoelde je 'steps'?)",
        ),
        ('[methods.balint]\nname = "B"\nsteps = []\n', "methods.balint.steps: moet minstens één stap bevatten"),
        ('[methods.balint]\nname = "B"\n', "methods.balint.steps: ontbreekt"),
        ('[methods.balint]\nname = "B"\nsteps = "veel"\n', "methods.balint.steps: moet een lijst van stappen zijn"),
        ('[methods.balint]\nname = "B"\nsteps = [1]\n', "methods.balint.steps[1]: moet een tabel"),
        ("[methods]\nbalint = 3\n", "methods.balint: moet een tabel zijn"),
        ("methods = 3\n", "methods: moet een tabel zijn"),
        ("[method.balint]\nname = 'B'\n", "method: onbekende sleutel (bedoelde je 'methods'?)"),
        ("[frame]\nopenen = []\n", "frame.openen: onbekende sleutel (bedoelde je 'opening'?)"),
        (
            '[[frame.closing]]\nname = "X"\nminutes = 5\nper_case = true\n',
            "frame.closing[1].per_case: is alleen mogelijk bij stappen van een methode",
        ),
        (
            """
[methods.balint]
name = "B"
cases_max = 2
[[methods.balint.steps]]
name = "A"
weight = 1
per_case = true
[[methods.balint.steps]]
name = "B"
minutes = 5
[[methods.balint.steps]]
name = "C"
weight = 1
per_case = true
""",
            "methods.balint.steps[2].per_case: de stappen met per_case = true moeten aaneengesloten staan",
        ),
        (
            '[methods.nieuw]\nname = "Nieuw"\naliases = ["Bálint"]\n[[methods.nieuw.steps]]\nname = "A"\nweight = 1\n',
            "methods.nieuw.aliases: 'Bálint' wordt ook gebruikt door methode 'balint'",
        ),
        (
            '[methods.nieuw]\nname = "Roddel-methode"\n[[methods.nieuw.steps]]\nname = "A"\nweight = 1\n',
            "methods.nieuw.name: 'Roddel-methode' wordt ook gebruikt door methode 'roddelmethode'",
        ),
    ],
)
def test_invalid_data_names_file_and_key_path(tmp_path: Path, text: str, where_msg: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(IntervisieError) as exc:
        load_library(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: {where_msg}"), msg
    assert "\n" not in msg


def test_invalid_example_from_the_docs(tmp_path: Path) -> None:
    path = write(tmp_path, method_with_step('name = "X"\nminutes = "tien"'))
    with pytest.raises(IntervisieError) as exc:
        load_library(path)
    assert str(exc.value) == f"{path}: methods.balint.steps[2].minutes: moet een geheel getal zijn"
    assert str(exc.value).endswith("methods.toml: methods.balint.steps[2].minutes: moet een geheel getal zijn")


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[methods.balint\nname = 'x'\n")
    with pytest.raises(IntervisieError, match="geen geldige TOML"):
        load_library(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "methods.toml"
    path.write_bytes('[methods.x]\nname = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(IntervisieError, match="UTF-8"):
        load_library(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IntervisieError, match="bestand niet gevonden"):
        load_library(tmp_path / "bestaat-niet.toml")


def test_empty_library(tmp_path: Path) -> None:
    with pytest.raises(IntervisieError, match="geen enkele methode"):
        load_library(write(tmp_path, "# leeg\n"), include_default=False)


# --------------------------------------------------------------------------- properties


@st.composite
def shipped_plans(draw: st.DrawFn) -> tuple[Method, int, int, dt.time]:
    m = LIB.methods[draw(st.sampled_from(SHIPPED))]
    n = draw(st.integers(m.cases_min, m.cases_max))
    duration = draw(st.integers(m.min_minutes // 5, 60).map(lambda k: k * 5))
    start = dt.time(draw(st.integers(0, 18)), draw(st.integers(0, 59)))
    return m, n, duration, start


@settings(max_examples=300, deadline=None)
@given(shipped_plans())
def test_property_shipped_methods(plan: tuple[Method, int, int, dt.time]) -> None:
    m, n, duration, start = plan
    needed = needed_minutes(LIB, m, n)
    if duration < max(m.min_minutes, needed):
        with pytest.raises(TimetableError, match="minstens"):
            timetable(LIB, m, start, duration, n)
        return
    slots = timetable(LIB, m, start, duration, n)
    assert_valid_plan(slots, LIB, m, start, duration, n)
    has_break = any(s.kind == "pauze" for s in slots)
    assert has_break == (duration > 150 and duration - needed >= BREAK_MINUTES)


@settings(max_examples=150, deadline=None)
@given(shipped_plans(), st.integers(1, 4))
def test_property_odd_durations(plan: tuple[Method, int, int, dt.time], extra: int) -> None:
    m, n, duration, start = plan
    duration += extra
    if duration < required_minutes(LIB, m, n):
        return
    slots = timetable(LIB, m, start, duration, n)
    assert_valid_plan(slots, LIB, m, start, duration, n)


@st.composite
def synthetic(draw: st.DrawFn) -> tuple[MethodLibrary, Method, int, int]:
    def steps(min_size: int, max_size: int, per_case: bool = False) -> list[Step]:
        out = []
        for i in range(draw(st.integers(min_size, max_size))):
            fixed = draw(st.booleans())
            minutes = draw(st.integers(1, 6)) * 5 if fixed else None
            weight = None if fixed else draw(st.sampled_from([0.5, 1, 1.5, 2, 3, 7.25]))
            out.append(Step(f"Stap {i}", "...", "groep", minutes, weight, per_case))
        return out

    before = steps(0, 2)
    block = steps(1, 4, per_case=True)
    after = steps(0, 2)
    cases_min = draw(st.integers(1, 2))
    cases_max = draw(st.integers(cases_min, 4))
    method = Method(
        key="x",
        name="X",
        description="",
        aliases=(),
        steps=tuple(before + block + after),
        cases_min=cases_min,
        cases_max=cases_max,
        minutes_per_case=45,
        min_minutes=draw(st.integers(1, 12)) * 5,
    )
    frame = Frame(tuple(steps(0, 2)), tuple(steps(0, 2)))
    lib = MethodLibrary({"x": method}, frame)
    n = draw(st.integers(cases_min, cases_max))
    duration = draw(st.integers(1, 60)) * 5
    return lib, method, n, duration


@settings(max_examples=300, deadline=None)
@given(synthetic())
def test_property_synthetic_methods(case: tuple[MethodLibrary, Method, int, int]) -> None:
    lib, m, n, duration = case
    start = dt.time(8, 0)
    try:
        slots = timetable(lib, m, start, duration, n)
    except TimetableError as exc:
        assert duration < required_minutes(lib, m, n), str(exc)
        return
    assert duration >= required_minutes(lib, m, n)
    assert_valid_plan(slots, lib, m, start, duration, n)
    # a heavier weighted step never gets less time than a lighter one
    body = [s for s in slots if s.kind != "pauze"]
    seq = expected_sequence(lib, m, n)
    weighted = [(step.weight, slot.minutes) for slot, (step, _, _) in zip(body, seq) if step.weight is not None]
    for wa, ma in weighted:
        for wb, mb in weighted:
            if wa > wb:
                assert ma >= mb


def test_suite_uses_only_shipped_keys() -> None:
    # guard against typos in SHIPPED
    assert set(SHIPPED) <= set(LIB.methods)
    assert all(re.fullmatch(r"[a-z_]+", k) for k in LIB.methods)

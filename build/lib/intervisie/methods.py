"""The intervisie method library (data in ``config/methods.toml``) and the timetable.

Everything here is pure: loading reads TOML files, nothing else touches the outside world.

Library
    :func:`load_library` reads the shipped method library (``intervisie/data/methods.toml``) and then any extra files
    in order. A method in a later file replaces the method with the same key as a whole; a
    new key adds a method (appended to the display order). A ``[frame]`` in a later file
    replaces the part(s) it defines (``opening`` and/or ``closing``). Invalid data raises
    :class:`~intervisie.errors.ConfigError` (an ``IntervisieError``) whose message names the
    file and the key path, e.g. ``methods.toml: methods.balint.steps[2].minutes: moet een
    geheel getal zijn``. Step indices in those paths count from 1 (the second
    ``[[...steps]]`` block is ``steps[2]``), as an operator counts blocks in the file.

Timetable
    :func:`timetable` lays out frame opening + method steps (``per_case`` steps repeated for
    every case) + frame closing so that they fill the meeting exactly:

    * every slot is a multiple of 5 minutes and at least 5 minutes;
    * steps with fixed ``minutes`` keep them; steps with a ``weight`` share the rest in
      proportion (at least 5 minutes each; rounding by largest remainder, ties to the
      earlier step). A method without any weighted step stretches/shrinks its own steps
      in proportion to their minutes instead (the frame keeps its minutes);
    * a meeting longer than 150 minutes gets one 15-minute ``Pauze`` at the step boundary
      closest to the middle (between two cases when there are several), provided there is
      room for it; if the pause would not fit it is left out rather than failing;
    * a duration that is not a multiple of 5 is planned on the 5-minute grid and the last
      slot (the closing) absorbs the 1-4 leftover minutes, so the sum is still exact;
    * clock times are consecutive from ``start``; a meeting may end exactly at midnight
      (end shown as 00:00) but one that runs past midnight raises ``TimetableError``.

    Too short a meeting (shorter than the method's ``min_minutes``, or than the fixed steps
    plus 5 minutes per weighted step) and a case count outside ``[cases_min, cases_max]``
    raise :class:`~intervisie.errors.TimetableError` with a Dutch message the coordinator
    can act on. :func:`required_minutes` gives that minimum up front.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import tomllib
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from .errors import ConfigError, TimetableError
from .resources import data_path

__all__ = [
    "BREAK_AFTER_MINUTES",
    "BREAK_MINUTES",
    "DEFAULT_METHODS_PATH",
    "GRID_MINUTES",
    "Frame",
    "Method",
    "MethodLibrary",
    "Slot",
    "Step",
    "cases_for_duration",
    "load_library",
    "normalize_name",
    "required_minutes",
    "timetable",
]

DEFAULT_METHODS_PATH = data_path("methods.toml")

GRID_MINUTES = 5
BREAK_MINUTES = 15
BREAK_AFTER_MINUTES = 150  # a meeting strictly longer than this gets a break
DEFAULT_MINUTES_PER_CASE = 45
DEFAULT_MIN_MINUTES = 60

KIND_OPENING = "opening"
KIND_STEP = "stap"
KIND_BREAK = "pauze"
KIND_CLOSING = "afsluiting"


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Step:
    name: str
    description: str
    who: str
    minutes: int | None
    weight: float | None
    per_case: bool


@dataclass(frozen=True)
class Method:
    key: str
    name: str
    description: str
    aliases: tuple[str, ...]
    steps: tuple[Step, ...]
    cases_min: int
    cases_max: int
    minutes_per_case: int
    min_minutes: int


@dataclass(frozen=True)
class Frame:
    opening: tuple[Step, ...]
    closing: tuple[Step, ...]


def normalize_name(text: str) -> str:
    """Fold a method name for matching: no case, accents, spaces, hyphens or punctuation.

    ``"Incident-methode (kort)"`` -> ``"incidentmethodekort"``; ``"Associëren"`` ->
    ``"associeren"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isalnum()).casefold()


@dataclass(frozen=True)
class MethodLibrary:
    methods: dict[str, Method]
    frame: Frame

    def find(self, name: str) -> Method | None:
        """The method whose key, display name or alias matches ``name``, tolerantly.

        Matching ignores case, accents, whitespace, hyphens and punctuation. Keys win over
        display names, display names over aliases. ``None`` when nothing matches.
        """
        wanted = normalize_name(name or "")
        if not wanted:
            return None
        methods = list(self.methods.values())
        for method in methods:
            if normalize_name(method.key) == wanted:
                return method
        for method in methods:
            if normalize_name(method.name) == wanted:
                return method
        for method in methods:
            if any(normalize_name(alias) == wanted for alias in method.aliases):
                return method
        return None

    def names(self) -> list[str]:
        """Display names in library order (shipped order, then added methods), for dropdowns."""
        return [method.name for method in self.methods.values()]


@dataclass(frozen=True)
class Slot:
    start: dt.time
    end: dt.time
    minutes: int
    name: str
    description: str
    who: str
    kind: str  # 'opening' | 'stap' | 'pauze' | 'afsluiting'
    case_index: int | None  # 1-based for per_case steps, else None


# --------------------------------------------------------------------------- loading

_TOP_KEYS = ("frame", "methods")
_FRAME_KEYS = ("opening", "closing")
_METHOD_KEYS = (
    "name",
    "description",
    "aliases",
    "cases_min",
    "cases_max",
    "minutes_per_case",
    "min_minutes",
    "steps",
)
_STEP_KEYS = ("name", "description", "who", "minutes", "weight", "per_case")


class _Source:
    """Raises ConfigError messages prefixed with the file label."""

    def __init__(self, label: str):
        self.label = label

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.label}: {where}: {message}")

    def check_keys(self, table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f" (bedoelde je '{hint[0]}'?)" if hint else ""
                raise self.fail(
                    _join(where, key),
                    f"onbekende sleutel{suggestion}; toegestaan: {', '.join(allowed)}",
                )

    def text(self, table: dict[str, Any], key: str, where: str, *, required: bool) -> str:
        if key not in table:
            if required:
                raise self.fail(_join(where, key), "ontbreekt")
            return ""
        value = table[key]
        if not isinstance(value, str):
            raise self.fail(_join(where, key), "moet een tekst zijn")
        value = value.strip()
        if required and not value:
            raise self.fail(_join(where, key), "mag niet leeg zijn")
        return value

    def integer(self, table: dict[str, Any], key: str, where: str, *, default: int, minimum: int) -> int:
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_join(where, key), "moet een geheel getal zijn")
        if value < minimum:
            raise self.fail(_join(where, key), f"moet minstens {minimum} zijn (nu {value})")
        return int(value)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{label}: bestand niet gevonden") from None
    except OSError as exc:
        raise ConfigError(f"{label}: kan het bestand niet lezen ({exc.strerror or exc})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: geen geldige UTF-8-tekst; sla het bestand op als UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: geen geldige TOML: {exc}") from None


def _parse_step(src: _Source, table: Any, where: str, *, allow_per_case: bool) -> Step:
    if not isinstance(table, dict):
        raise src.fail(where, "moet een tabel met name, description, who en minutes of weight zijn")
    src.check_keys(table, _STEP_KEYS, where)
    name = src.text(table, "name", where, required=True)
    description = src.text(table, "description", where, required=False)
    who = src.text(table, "who", where, required=False)

    has_minutes = "minutes" in table
    has_weight = "weight" in table
    if has_minutes and has_weight:
        raise src.fail(where, "geef 'minutes' (vaste tijd) óf 'weight' (aandeel), niet allebei")
    if not has_minutes and not has_weight:
        raise src.fail(where, "ontbreekt: geef 'minutes' (vaste tijd) of 'weight' (aandeel in de resterende tijd)")

    minutes: int | None = None
    weight: float | None = None
    if has_minutes:
        value = table["minutes"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise src.fail(_join(where, "minutes"), "moet een geheel getal zijn")
        if value < GRID_MINUTES or value % GRID_MINUTES:
            raise src.fail(
                _join(where, "minutes"),
                f"moet een veelvoud van {GRID_MINUTES} zijn en minstens {GRID_MINUTES} (nu {value})",
            )
        minutes = value
    else:
        value = table["weight"]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise src.fail(_join(where, "weight"), "moet een getal zijn")
        if not math.isfinite(value) or value <= 0:
            raise src.fail(_join(where, "weight"), f"moet een getal groter dan 0 zijn (nu {value})")
        weight = float(value)

    per_case = False
    if "per_case" in table:
        value = table["per_case"]
        if not isinstance(value, bool):
            raise src.fail(_join(where, "per_case"), "moet true of false zijn")
        if value and not allow_per_case:
            raise src.fail(_join(where, "per_case"), "is alleen mogelijk bij stappen van een methode")
        per_case = value
    return Step(name=name, description=description, who=who, minutes=minutes, weight=weight, per_case=per_case)


def _parse_steps(src: _Source, value: Any, where: str, *, allow_per_case: bool, required: bool) -> tuple[Step, ...]:
    if not isinstance(value, list):
        raise src.fail(where, f"moet een lijst van stappen zijn ([[{where}]])")
    if required and not value:
        raise src.fail(where, "moet minstens één stap bevatten")
    return tuple(
        _parse_step(src, item, f"{where}[{i}]", allow_per_case=allow_per_case) for i, item in enumerate(value, start=1)
    )


def _parse_method(src: _Source, key: str, table: Any) -> Method:
    where = f"methods.{key}"
    if not isinstance(table, dict):
        raise src.fail(where, f"moet een tabel zijn ([{where}])")
    if not normalize_name(key):
        raise src.fail(where, "de sleutel moet letters of cijfers bevatten")
    src.check_keys(table, _METHOD_KEYS, where)
    name = src.text(table, "name", where, required=True)
    description = src.text(table, "description", where, required=False)

    aliases: tuple[str, ...] = ()
    if "aliases" in table:
        raw = table["aliases"]
        if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
            raise src.fail(_join(where, "aliases"), "moet een lijst van teksten zijn")
        for alias in raw:
            if not normalize_name(alias):
                raise src.fail(_join(where, "aliases"), f"'{alias}' bevat geen letters of cijfers")
        aliases = tuple(a.strip() for a in raw)

    cases_min = src.integer(table, "cases_min", where, default=1, minimum=1)
    cases_max = src.integer(table, "cases_max", where, default=cases_min, minimum=1)
    if cases_max < cases_min:
        raise src.fail(
            _join(where, "cases_max"),
            f"moet minstens cases_min ({cases_min}) zijn (nu {cases_max})",
        )
    minutes_per_case = src.integer(
        table, "minutes_per_case", where, default=DEFAULT_MINUTES_PER_CASE, minimum=GRID_MINUTES
    )
    min_minutes = src.integer(table, "min_minutes", where, default=DEFAULT_MIN_MINUTES, minimum=GRID_MINUTES)

    if "steps" not in table:
        raise src.fail(_join(where, "steps"), f"ontbreekt: voeg stappen toe met [[{where}.steps]]")
    steps = _parse_steps(src, table["steps"], f"{where}.steps", allow_per_case=True, required=True)

    per_case_idx = [i for i, s in enumerate(steps) if s.per_case]
    if per_case_idx:
        for i in range(per_case_idx[0], per_case_idx[-1] + 1):
            if not steps[i].per_case:
                raise src.fail(
                    f"{where}.steps[{i + 1}].per_case",
                    "de stappen met per_case = true moeten aaneengesloten staan; "
                    "zet per_case = true ook hier of verplaats de stap",
                )
    elif cases_max > 1:
        raise src.fail(
            _join(where, "cases_max"),
            "de methode heeft geen stappen met per_case = true, dus er past maar 1 casus; "
            "zet cases_max = 1 of markeer de casusstappen met per_case = true",
        )

    return Method(
        key=key,
        name=name,
        description=description,
        aliases=aliases,
        steps=steps,
        cases_min=cases_min,
        cases_max=cases_max,
        minutes_per_case=minutes_per_case,
        min_minutes=min_minutes,
    )


def _parse_file(src: _Source, data: dict[str, Any]) -> tuple[dict[str, Method], dict[str, tuple[Step, ...]]]:
    src.check_keys(data, _TOP_KEYS, "")
    frame_parts: dict[str, tuple[Step, ...]] = {}
    if "frame" in data:
        frame = data["frame"]
        if not isinstance(frame, dict):
            raise src.fail("frame", "moet een tabel zijn ([frame])")
        src.check_keys(frame, _FRAME_KEYS, "frame")
        for part in _FRAME_KEYS:
            if part in frame:
                frame_parts[part] = _parse_steps(
                    src, frame[part], f"frame.{part}", allow_per_case=False, required=False
                )
    methods: dict[str, Method] = {}
    if "methods" in data:
        raw_methods = data["methods"]
        if not isinstance(raw_methods, dict):
            raise src.fail("methods", "moet een tabel zijn ([methods.sleutel])")
        for key, table in raw_methods.items():
            methods[key] = _parse_method(src, key, table)
    return methods, frame_parts


def _check_unique_names(src: _Source, merged: dict[str, Method], new: dict[str, Method]) -> None:
    """Every key, display name and alias must point at one method only."""
    owner: dict[str, str] = {}
    for method in merged.values():
        for token in (method.key, method.name, *method.aliases):
            owner.setdefault(normalize_name(token), method.key)
    for method in new.values():
        labelled = [
            (method.key, f"methods.{method.key}"),
            (method.name, f"methods.{method.key}.name"),
            *((alias, f"methods.{method.key}.aliases") for alias in method.aliases),
        ]
        for token, where in labelled:
            other = owner[normalize_name(token)]
            if other != method.key:
                raise src.fail(
                    where,
                    f"'{token}' wordt ook gebruikt door methode '{other}'; namen en aliassen moeten uniek zijn",
                )


def load_library(*paths: str | Path, include_default: bool = True) -> MethodLibrary:
    """Load the method library.

    With ``include_default`` (the default) the shipped method library (``intervisie/data/methods.toml``) is read
    first and ``paths`` extend or override it in order. Pass ``include_default=False`` to
    build a library from ``paths`` alone (the first then acts as the base).
    """
    files: list[Path] = []
    if include_default:
        files.append(DEFAULT_METHODS_PATH)
    files.extend(Path(p) for p in paths)
    if not files:
        raise ConfigError("methodebibliotheek: geen bestand opgegeven")

    merged: dict[str, Method] = {}
    opening: tuple[Step, ...] = ()
    closing: tuple[Step, ...] = ()
    seen: set[Path] = set()
    for path in files:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        src = _Source(str(path))
        methods, frame_parts = _parse_file(src, _read_toml(path, src.label))
        opening = frame_parts.get("opening", opening)
        closing = frame_parts.get("closing", closing)
        merged.update(methods)  # an existing key keeps its place in the order
        _check_unique_names(src, merged, methods)

    if not merged:
        raise ConfigError(
            f"{', '.join(str(f) for f in files)}: geen enkele methode gevonden; voeg er een toe met [methods.sleutel]"
        )
    return MethodLibrary(methods=merged, frame=Frame(opening=opening, closing=closing))


# --------------------------------------------------------------------------- timetable


@dataclass(frozen=True)
class _Item:
    step: Step
    kind: str
    case_index: int | None
    absorbs: bool  # shares the flexible time (by weight) instead of keeping fixed minutes

    @property
    def share(self) -> Fraction:
        value = self.step.weight if self.step.weight is not None else self.step.minutes
        return Fraction(value or 0)


def _expand_method(method: Method, n_cases: int) -> list[tuple[Step, int | None]]:
    idx = [i for i, s in enumerate(method.steps) if s.per_case]
    if not idx:
        return [(s, None) for s in method.steps]
    first, last = idx[0], idx[-1]
    block = method.steps[first : last + 1]
    out: list[tuple[Step, int | None]] = [(s, None) for s in method.steps[:first]]
    for case in range(1, n_cases + 1):
        out.extend((s, case) for s in block)
    out.extend((s, None) for s in method.steps[last + 1 :])
    return out


def _build_items(frame: Frame, method: Method, n_cases: int) -> list[_Item]:
    expanded = _expand_method(method, n_cases)
    any_weight = any(s.weight is not None for s in (*frame.opening, *method.steps, *frame.closing))
    items: list[_Item] = [_Item(s, KIND_OPENING, None, s.weight is not None) for s in frame.opening]
    # Without any weighted step, the method's own steps stretch in proportion to their minutes.
    items += [_Item(s, KIND_STEP, ci, s.weight is not None or not any_weight) for s, ci in expanded]
    items += [_Item(s, KIND_CLOSING, None, s.weight is not None) for s in frame.closing]
    return items


def _needed(items: list[_Item]) -> int:
    """Shortest plan on the grid: fixed steps at their minutes, flexible ones at 5."""
    return sum(GRID_MINUTES if it.absorbs else (it.step.minutes or 0) for it in items)


def _check_cases(method: Method, n_cases: int) -> None:
    if (
        isinstance(n_cases, bool)
        or not isinstance(n_cases, int)
        or not (method.cases_min <= n_cases <= method.cases_max)
    ):
        if method.cases_min == method.cases_max:
            allowed = f"{method.cases_min} {_casus(method.cases_min)}"
        else:
            allowed = f"{method.cases_min} tot {method.cases_max} casussen"
        raise TimetableError(
            f"De methode {method.name} behandelt {allowed} per bijeenkomst; gevraagd: {n_cases}. "
            "Kies een aantal casussen binnen dat bereik of een andere methode."
        )


def _casus(n: int) -> str:
    return "casus" if n == 1 else "casussen"


def required_minutes(library: MethodLibrary, method: Method, n_cases: int = 1) -> int:
    """The shortest meeting (in minutes) for which :func:`timetable` succeeds."""
    _check_cases(method, n_cases)
    return max(method.min_minutes, _needed(_build_items(library.frame, method, n_cases)))


def _distribute(units: int, shares: list[Fraction]) -> list[int]:
    """Split ``units`` over items in proportion to ``shares``: each gets >= 1, sum exact.

    Items whose proportional share is below 1 are pinned at 1 and the rest is re-split;
    then floors plus largest remainders (ties to the earlier item).
    """
    n = len(shares)
    if n == 0:
        return []
    if units < n:  # pragma: no cover - guarded by the feasibility check
        raise ValueError("not enough units")
    pinned: set[int] = set()
    while True:
        free = [i for i in range(n) if i not in pinned]
        budget = units - len(pinned)
        total = sum((shares[i] for i in free), Fraction(0))
        if total == 0:
            ideal = {i: Fraction(budget, len(free)) for i in free}
        else:
            ideal = {i: shares[i] * budget / total for i in free}
        small = [i for i in free if ideal[i] < 1]
        if not small:
            break
        pinned.update(small)
    alloc = [1] * n
    for i in free:
        alloc[i] = math.floor(ideal[i])
    rest = units - sum(alloc)
    by_remainder = sorted(free, key=lambda i: (-(ideal[i] - alloc[i]), i))
    for i in by_remainder[:rest]:
        alloc[i] += 1
    return alloc


def _break_position(items: list[_Item], minutes: list[int], n_cases: int) -> int:
    """Index before which the break goes: the boundary closest to the middle."""
    boundaries = list(range(1, len(items)))
    if n_cases > 1:
        between_cases = [
            b
            for b in boundaries
            if items[b - 1].case_index is not None
            and items[b].case_index is not None
            and items[b - 1].case_index != items[b].case_index
        ]
        boundaries = between_cases or boundaries
    total = sum(minutes)
    elapsed = [0]
    for m in minutes:
        elapsed.append(elapsed[-1] + m)
    return min(boundaries, key=lambda b: (abs(2 * elapsed[b] - total), b))


def timetable(
    library: MethodLibrary,
    method: Method,
    start: dt.time,
    duration_min: int,
    n_cases: int = 1,
) -> list[Slot]:
    """Plan a meeting of ``duration_min`` minutes from ``start`` (see the module docstring)."""
    _check_cases(method, n_cases)
    if isinstance(duration_min, bool) or not isinstance(duration_min, int) or duration_min <= 0:
        raise TimetableError(
            f"De duur van de bijeenkomst moet een positief aantal minuten zijn (nu: {duration_min!r})."
        )
    if not isinstance(start, dt.time):
        raise TimetableError(f"De begintijd moet een tijdstip zijn (nu: {start!r}).")

    items = _build_items(library.frame, method, n_cases)
    needed = _needed(items)
    minimum = max(method.min_minutes, needed)
    if duration_min < minimum:
        for_cases = f" voor {n_cases} casussen" if n_cases > 1 else ""
        advice = (
            "Verleng de Duur (min) van de groep, kies minder casussen of een kortere methode."
            if n_cases > method.cases_min
            else "Verleng de Duur (min) van de groep of kies een kortere methode."
        )
        raise TimetableError(
            f"De methode {method.name} heeft{for_cases} minstens {minimum} minuten nodig; "
            f"de bijeenkomst duurt {duration_min} minuten. {advice}"
        )

    grid_total = duration_min - duration_min % GRID_MINUTES
    leftover = duration_min - grid_total
    with_break = duration_min > BREAK_AFTER_MINUTES and grid_total - needed >= BREAK_MINUTES and len(items) > 1

    fixed = sum(it.step.minutes or 0 for it in items if not it.absorbs)
    flexible = grid_total - fixed - (BREAK_MINUTES if with_break else 0)
    absorbers = [i for i, it in enumerate(items) if it.absorbs]
    units = _distribute(flexible // GRID_MINUTES, [items[i].share for i in absorbers])
    minutes = [0 if it.absorbs else (it.step.minutes or 0) for it in items]
    for i, u in zip(absorbers, units):
        minutes[i] = u * GRID_MINUTES

    plan: list[tuple[int, str, str, str, str, int | None]] = []
    for it, m in zip(items, minutes):
        label = it.step.name
        if it.case_index is not None and n_cases > 1:
            label = f"Casus {it.case_index}: {label}"
        plan.append((m, label, it.step.description, it.step.who, it.kind, it.case_index))
    if with_break:
        pos = _break_position(items, minutes, n_cases)
        plan.insert(
            pos,
            (BREAK_MINUTES, "Pauze", "Even de benen strekken; koffie en thee.", "iedereen", KIND_BREAK, None),
        )
    if leftover:
        m, *rest = plan[-1]
        plan[-1] = (m + leftover, *rest)  # type: ignore[assignment]

    day = dt.date(2000, 1, 1)
    begin = dt.datetime.combine(day, start)
    finish = begin + dt.timedelta(minutes=duration_min)
    if finish > dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=start.tzinfo):
        raise TimetableError(
            f"De bijeenkomst van {start:%H:%M} duurt {duration_min} minuten en loopt over middernacht heen. "
            "Kies een eerdere begintijd of een kortere Duur (min)."
        )

    slots: list[Slot] = []
    clock = begin
    for m, label, description, who, kind, case_index in plan:
        end = clock + dt.timedelta(minutes=m)
        slots.append(
            Slot(
                start=clock.timetz(),
                end=end.timetz(),
                minutes=m,
                name=label,
                description=description,
                who=who,
                kind=kind,
                case_index=case_index,
            )
        )
        clock = end
    return slots


def cases_for_duration(method: Method, duration_min: int, frame: Frame | None = None) -> int:
    """Suggested number of cases: one per ``minutes_per_case`` of case time.

    Case time is the duration minus the fixed minutes of the method's non-case steps, the
    break (for meetings over 150 minutes) and, when ``frame`` is given, the frame's fixed
    minutes. The result is clamped to ``[cases_min, cases_max]`` and lowered (not below
    ``cases_min``) while the steps would not fit at all.
    """
    overhead = sum(s.minutes or 0 for s in method.steps if not s.per_case)
    if frame is not None:
        overhead += sum(s.minutes or 0 for s in (*frame.opening, *frame.closing))
    if duration_min > BREAK_AFTER_MINUTES:
        overhead += BREAK_MINUTES
    n = max(0, duration_min - overhead) // method.minutes_per_case
    n = min(max(n, method.cases_min), method.cases_max)
    used_frame = frame if frame is not None else Frame((), ())
    while n > method.cases_min and _needed(_build_items(used_frame, method, n)) > duration_min:
        n -= 1
    return n

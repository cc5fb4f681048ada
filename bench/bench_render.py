#!/usr/bin/env python3
"""Benchmark: render agendas via the project's fast path vs. naive docxtpl.

    .venv/bin/python bench/bench_render.py [--n 1000] [--naive-n N] [--keep DIR]

* project path: ``Renderer().get("agenda")`` once, then ``render(ctx, path)`` per document
  (template parsed/preprocessed/compiled once, per document only Jinja + zip assembly);
* naive path: ``docxtpl.DocxTemplate(path)`` + ``render(ctx, autoescape=True)`` +
  ``save(path)`` per document, as docxtpl's documentation does it.

Both write every document to disk.  Prints documents per second for each, the ratio
(target >= 5x) and memory after 100 vs. after all documents (RSS and tracemalloc) to
show memory stays flat.  A benchmark, not a test: nothing is asserted, the exit code is
0 unless something crashes.
"""

from __future__ import annotations

import argparse
import gc
import io
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from intervisie.documents import Renderer  # noqa: E402

TEMPLATE = ROOT / "templates" / "agenda.docx"

NAMES = [
    "Anna de Vries",
    "Bram Peters",
    "Carla Smit",
    "Dirk O'Neill",
    "Eva Bakker",
    "Fatima el Amrani",
    "Gert-Jan Mulder",
    "Hanna Visser",
]
STEPS = [
    ("Opening en check-in", "Hoe kom je binnen? Korte ronde.", "Voorzitter"),
    ("Terugblik", "Wat is er gebeurd met de casussen van vorige keer?", "Allen"),
    ("Casus kiezen", "Inbrengers lichten kort toe; de groep kiest.", "Voorzitter"),
    ("Casus vertellen", "De inbrenger vertelt, de groep luistert.", "Inbrenger"),
    ("Verhelderende vragen", "Alleen open vragen, nog geen adviezen.", "Groep"),
    ("Hulpvraag aanscherpen", "Inbrenger formuleert de hulpvraag opnieuw.", "Inbrenger"),
    ("Analyse", "Wat speelt er? Patronen, gevoelens, belangen.", "Groep"),
    ("Adviezen", "Iedereen geeft één advies, de inbrenger luistert.", "Groep"),
    ("Reactie inbrenger", "Wat neem je mee? Wat laat je liggen?", "Inbrenger"),
    ("Pauze", "", ""),
    ("Tweede casus", "Korte ronde met dezelfde stappen.", "Groep"),
    ("Evaluatie en afsluiting", "Wat ging goed, wat kan beter? Afspraken.", "Voorzitter"),
]


def context(i: int) -> dict:
    """A realistic agenda context: 3 cases (one confidential), 12 timetable rows."""
    minutes = [10, 10, 5, 15, 15, 5, 15, 15, 5, 10, 20, 10]
    t, rows = 19 * 60 + 30, []
    for (name, desc, who), m in zip(STEPS, minutes):
        rows.append(
            dict(
                start=f"{t // 60}:{t % 60:02d}",
                end=f"{(t + m) // 60}:{(t + m) % 60:02d}",
                minutes=m,
                name=name,
                description=desc,
                who=who,
            )
        )
        t += m
    n = len(NAMES)
    return dict(
        org="Jansen & Zn <B.V.>",
        group=f"Wijkteam Noord {i % 7 + 1}",
        meeting_nr=str(i % 5 + 1),
        date_long="dinsdag 12 januari 2027",
        start="19:30",
        end=rows[-1]["end"],
        location='Praktijk De Linde, zaal "Eik"',
        chair=NAMES[i % n],
        minute_taker=NAMES[(i + 1) % n],
        timekeeper=NAMES[(i + 2) % n] if i % 3 else "",
        theme="Grenzen stellen in de zorg",
        method_name="Incidentmethode",
        method_description=(
            "De inbrenger vertelt kort een concreet incident uit de eigen praktijk.\n"
            "De groep stelt eerst verhelderende vragen en geeft daarna adviezen."
        ),
        cases=[
            dict(
                nr="1",
                presenter=NAMES[(i + 3) % n],
                title="Cliënt komt steeds te laat",
                confidential=False,
                question="Hoe kan ik het gesprek aangaan zonder de relatie te schaden?",
                explanation="Al drie weken komt de cliënt twintig minuten te laat.\n"
                "Ik merk dat ik geïrriteerd raak en dat merkt de cliënt ook.",
            ),
            dict(
                nr="2",
                presenter=NAMES[(i + 4) % n],
                title="Samenwerking met de huisarts",
                confidential=True,
                question="",
                explanation="",
            ),
            dict(
                nr="3",
                presenter=NAMES[(i + 5) % n],
                title="Werkdruk in het team",
                confidential=False,
                question='Wat kan ik doen om vaker "nee" te zeggen?',
                explanation="",
            ),
        ],
        timetable=rows,
        code_of_conduct=(
            "Wat in de groep besproken wordt, blijft in de groep.\n"
            "We laten elkaar uitpraten en luisteren zonder oordeel.\n"
            "We geven geen ongevraagd advies.\n"
            "Telefoons staan op stil."
        ),
        next_date_long="dinsdag 9 februari 2027",
    )


def rss_kb() -> tuple[int, int]:
    """(current RSS, peak RSS) in KiB; current from /proc where available."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        peak //= 1024
    current = peak
    try:  # Linux: both from the same source, so current <= peak
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    except OSError:
        pass
    return current, peak


def run_fast(n: int, out: Path, checkpoints: set[int]) -> tuple[float, dict[int, tuple[int, int]]]:
    renderer = Renderer()
    tpl = renderer.get("agenda")  # parsed and compiled once
    mem: dict[int, tuple[int, int]] = {}
    t0 = time.perf_counter()
    for i in range(n):
        tpl.render(context(i), out / f"agenda_{i:05d}.docx")
        if i + 1 in checkpoints:
            mem[i + 1] = rss_kb()
    return time.perf_counter() - t0, mem


def run_naive(n: int, out: Path) -> float:
    from docxtpl import DocxTemplate

    t0 = time.perf_counter()
    for i in range(n):
        doc = DocxTemplate(TEMPLATE)
        doc.render(context(i), autoescape=True)
        doc.save(out / f"naive_{i:05d}.docx")
    return time.perf_counter() - t0


def traced(n: int, out: Path, checkpoints: set[int]) -> dict[int, tuple[int, int]]:
    """tracemalloc (current, peak) bytes at the checkpoints, fast path."""
    gc.collect()
    tracemalloc.start()
    tpl = Renderer().get("agenda")
    res = {}
    for i in range(n):
        tpl.render(context(i), out / f"traced_{i % 50:05d}.docx")
        if i + 1 in checkpoints:
            gc.collect()
            res[i + 1] = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return res


def same_text() -> bool:
    from docx import Document
    from docxtpl import DocxTemplate

    def text(doc) -> list[str]:
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        return [p.text for p in doc.paragraphs] + cells

    naive = DocxTemplate(TEMPLATE)
    naive.render(context(1), autoescape=True)
    buf = io.BytesIO()
    naive.save(buf)
    buf.seek(0)
    fast = Renderer().get("agenda").render_bytes(context(1))
    return text(Document(buf)) == text(Document(io.BytesIO(fast)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="documents per path (default 1000)")
    ap.add_argument("--naive-n", type=int, default=None, help="documents for the naive path (default: --n)")
    ap.add_argument(
        "--keep", type=Path, default=None, help="write the documents here and keep them (default: a temp dir)"
    )
    args = ap.parse_args(argv)
    n = max(1, args.n)
    naive_n = max(1, args.naive_n or n)
    first = min(100, n)
    checkpoints = {first, n}

    tmp = Path(tempfile.mkdtemp(prefix="bench_render_")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        print(f"template: {TEMPLATE.relative_to(ROOT)}; context: 3 cases, 12 timetable rows")
        print(f"same text as docxtpl: {'yes' if same_text() else 'NO'}")

        fast_s, mem = run_fast(n, tmp, checkpoints)
        fast_rate = n / fast_s
        print(f"\nproject path : {n:6d} docs in {fast_s:7.2f} s = {fast_rate:8.1f} docs/s")

        naive_s = run_naive(naive_n, tmp)
        naive_rate = naive_n / naive_s
        print(f"naive docxtpl: {naive_n:6d} docs in {naive_s:7.2f} s = {naive_rate:8.1f} docs/s")
        ratio = fast_rate / naive_rate
        print(f"ratio        : {ratio:.1f}x  (target >= 5x: {'ok' if ratio >= 5 else 'MISSED'})")

        print("\nmemory, project path (RSS current / peak, KiB):")
        for k in sorted(mem):
            cur, peak = mem[k]
            print(f"  after {k:6d} docs: {cur:8d} / {peak:8d}")
        tm = traced(n, tmp, checkpoints)
        print("memory, project path (tracemalloc current / peak, KiB):")
        for k in sorted(tm):
            cur, peak = tm[k]
            print(f"  after {k:6d} docs: {cur // 1024:8d} / {peak // 1024:8d}")
        if len(tm) == 2:
            (a, (ca, _)), (b, (cb, _)) = sorted(tm.items())
            print(f"  growth from {a} to {b} docs: {(cb - ca) / 1024:+.1f} KiB")
        size = (tmp / "agenda_00000.docx").stat().st_size
        print(f"\noutput size: {size:,} bytes per agenda")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

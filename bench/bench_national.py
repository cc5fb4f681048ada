"""The national bench (not a timed test): a generated national workbook of G groups of
8 people with two years of history, as Excel saves it (xlsxwriter), and on it, side by
side in one run, each in a fresh process:

* the first run ever on it, a week before the measured one (one-off: it writes the
  Accreditatie ledger of two years, the Stand van zaken of every meeting, and a proposal
  for the groups without a next meeting), against openpyxl's own load + save of the
  generated file;
* the weekly run a week later, on the workbook as the first run left it (steady state:
  a seventh of the groups have a confirmed meeting entering the invitation window, so
  documents, about 1,300 invitations to the outbox at 1,000 groups, attendance rows and
  Stand van zaken for those), with the time per step;
* a second weekly run with nothing to do;

against openpyxl's own full load + save of the same workbook (the baseline), printing
seconds, peak memory (max RSS of the run, and of its largest worker process) and the
ratios. The run uses the machine's cores as it does in production (documents and
messages are made in worker processes); `INTERVISIE_PROCESSES=1` measures it on one.

    .venv/bin/python bench/bench_national.py --groups 250 500 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from xlsx_fixtures import write_tabs  # noqa: E402

from intervisie import schema  # noqa: E402
from intervisie.values import make_big  # noqa: E402

TODAY = dt.date(2026, 11, 17)  # a Tuesday
REGISTERS = ["BIG", "SKJ", "NIP", "Registerplein", "V&VN", "Geen", "SKJ", "BIG"]


def _number(register: str, i: int) -> str:
    if register == "BIG":
        return make_big(f"{(i * 7919) % 10**9:09d}")
    if register == "SKJ":
        return f"1100{i:05d}"
    if register == "NIP":
        return f"NIP-{10000000 + i}"
    if register == "Registerplein":
        return f"4610{i:05d}"
    if register == "V&VN":
        return f"{7000000 + i}"
    return ""


def generate(path: Path, groups: int) -> dict[str, int]:
    """Write the national workbook; returns the number of rows per tab."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    data: dict[str, list[list[object]]] = {t.name: [] for t in schema.DATA_TABS}
    data["Instellingen"] = [[st.name, st.default] for st in schema.SETTINGS]
    data["Instellingen"][0][1] = "Landelijk netwerk intervisie"
    data["Instellingen"][1][1] = "Ingrid Smit"
    data["Instellingen"][2][1] = "coordinator@example.nl"
    candidates = [TODAY + dt.timedelta(weeks=w, days=7) for w in range(0, 14)]
    case_nr = 0
    for g in range(groups):
        name = f"Groep {g + 1:04d}"
        data["Groepen"].append(
            [
                name,
                "Incidentmethode",
                150,
                dt.time(19, 30),
                7,
                "Zaal A; Zaal B",
                "",
                4,
                8,
                "SKJ",
                f"SKJ-{g:05d}",
                1,
                "ja",
            ]
        )
        people = []
        for k in range(8):
            i = g * 8 + k
            reg = REGISTERS[k]
            person = f"Deelnemer {g + 1:04d}-{k + 1}"
            people.append(person)
            data["Deelnemers"].append(
                [
                    person,
                    f"d{g + 1:04d}.{k + 1}@example.nl",
                    name,
                    "deelnemer",
                    "Jeugdzorgwerker",
                    reg,
                    _number(reg, i),
                    "Organisatie & Zn",
                    "",
                    "ja",
                    "",
                ]
            )
            data["Beschikbaarheid"].append(
                [person, name, *(["ja", "ja", "misschien", "nee"][(i + j) % 4] for j in range(len(candidates)))]
            )
        # two years of history: a meeting every 7 weeks
        start = TODAY - dt.timedelta(weeks=7 * 14 + (g % 7))
        for n in range(14):
            d = start + dt.timedelta(weeks=7 * n)
            nr = f"{name}-{d.year}-{n + 1:02d}"
            case_nr += 1
            case = f"C-{case_nr:06d}"
            status = "geannuleerd" if n == 5 else "gehouden"
            data["Casussen"].append(
                [
                    case,
                    people[n % 8],
                    name,
                    d - dt.timedelta(days=20),
                    f"Casus {case} & meer",
                    "Hoe ga ik hiermee om?",
                    "",
                    "ja",
                    "",
                    "besproken" if status == "gehouden" else "nieuw",
                    nr if status == "gehouden" else "",
                ]
            )
            data["Bijeenkomsten"].append(
                [
                    nr,
                    name,
                    d,
                    dt.time(19, 30),
                    dt.time(22, 0),
                    "Zaal A",
                    "Incidentmethode",
                    people[(n + 1) % 8],
                    people[(n + 2) % 8],
                    case if status == "gehouden" else "",
                    "",
                    status,
                ]
            )
            if status != "gehouden":
                continue
            for k, person in enumerate(people):
                present = "ja" if (k + n) % 6 else "afgemeld"
                data["Aanwezigheid"].append([nr, person, present, None, None, "", ""])
                if present == "ja" and (k + n) % 2:
                    data["Evaluaties"].append(
                        [nr, person, 6 + (k + n) % 4, "Goed", "Tijd", "Doorvragen", d + dt.timedelta(days=2)]
                    )
        # the next meeting, as in a weekly run in steady state: a seventh of the groups
        # have a confirmed meeting entering the invitation window this week, three
        # sevenths one confirmed beyond it, two sevenths a proposal, one seventh none yet
        kind = g % 7
        if kind in (0, 1, 2, 3):
            d = TODAY + dt.timedelta(days=8 + g % 5) if kind == 0 else TODAY + dt.timedelta(days=15 + 7 * kind)
            nr = f"{name}-{d.year}-15"
            case_nr += 1
            data["Casussen"].append(
                [
                    f"C-{case_nr:06d}",
                    people[3],
                    name,
                    TODAY - dt.timedelta(days=9),
                    "Nieuwe casus",
                    "Vraag",
                    "",
                    "nee",
                    "",
                    "ingepland",
                    nr,
                ]
            )
            data["Bijeenkomsten"].append(
                [
                    nr,
                    name,
                    d,
                    dt.time(19, 30),
                    dt.time(22, 0),
                    "Zaal B",
                    "Incidentmethode",
                    people[4],
                    people[5],
                    f"C-{case_nr:06d}",
                    "",
                    "bevestigd",
                ]
            )
        elif kind in (4, 5):
            d = TODAY + dt.timedelta(weeks=5)
            data["Bijeenkomsten"].append(
                [
                    f"{name}-{d.year}-15",
                    name,
                    d,
                    dt.time(19, 30),
                    dt.time(22, 0),
                    "Zaal B",
                    "Incidentmethode",
                    people[6],
                    people[7],
                    "",
                    "",
                    "voorstel",
                ]
            )
        case_nr += 1
        data["Casussen"].append(
            [
                f"C-{case_nr:06d}",
                people[1],
                name,
                TODAY - dt.timedelta(days=3),
                "Open casus",
                "Vraag",
                "",
                "ja",
                "",
                "nieuw",
                "",
            ]
        )
    write_tabs(wb, data, candidates)
    wb.close()
    return {t: len(rows) for t, rows in data.items()}


BASELINE = """
import resource, sys, time, warnings
warnings.simplefilter("ignore")
from openpyxl import load_workbook
t = time.perf_counter()
wb = load_workbook(sys.argv[1])
wb.save(sys.argv[2])
print({"seconds": time.perf_counter() - t, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
"""

RUN = """
import resource, sys, time
from pathlib import Path
from intervisie import app
t = time.perf_counter()
run = app.make_run(sys.argv[1], None, sys.argv[2], False)
result = app.execute(run, "run")
print({"seconds": time.perf_counter() - t, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
       "workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
       "steps": result.timings, "messages": len(result.messages),
       "problems": len(result.problems)})
"""


def measure(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return eval(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, nargs="+", default=[250, 500, 1000])
    args = ap.parse_args()
    last_week = (TODAY - dt.timedelta(days=7)).isoformat()
    print(
        f"{'groups':>6} {'cells':>9} {'MB':>5} | {'first run':>9} {'ratio':>5} | {'openpyxl':>8} | "
        f"{'weekly':>6} {'ratio':>5} {'MB RSS':>6} | {'2nd run':>7} {'ratio':>5} | per step (weekly run)"
    )
    for g in args.groups:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            book = folder / "landelijk.xlsx"
            counts = generate(book, g)
            cells = sum(n * len(schema.tab(t).columns) for t, n in counts.items()) + counts["Beschikbaarheid"] * 14
            cfg = folder / "intervisie.toml"
            cfg.write_text('[workbook]\npath = "landelijk.xlsx"\n[mail]\ntransport = "outbox"\n', encoding="utf-8")
            base0 = measure(BASELINE, str(book), str(folder / "openpyxl-copy.xlsx"))
            first = measure(RUN, str(cfg), last_week)
            base = measure(BASELINE, str(book), str(folder / "openpyxl-copy.xlsx"))
            weekly = measure(RUN, str(cfg), TODAY.isoformat())
            second = measure(RUN, str(cfg), TODAY.isoformat())
            size = book.stat().st_size / 1e6
            steps = ", ".join(f"{n} {s:.1f}" for n, s in weekly["steps"])
            print(
                f"{g:>6} {cells:>9,} {size:>5.1f} | {first['seconds']:>8.1f}s {first['seconds'] / base0['seconds']:>5.2f} | "
                f"{base['seconds']:>7.1f}s | {weekly['seconds']:>5.1f}s {weekly['seconds'] / base['seconds']:>5.2f} "
                f"{weekly['rss_mb']:>6.0f} | {second['seconds']:>6.1f}s {second['seconds'] / base['seconds']:>5.2f} | {steps}"
            )
            print(
                f"{'':>6} openpyxl {base0['seconds']:.1f} s on the generated file, peak {base['rss_mb']:.0f} MB; "
                f"first run peak {first['rss_mb']:.0f} MB, steps: "
                + ", ".join(f"{n} {s:.1f}" for n, s in first["steps"])
            )
            print(
                f"{'':>6} weekly run: {weekly['messages']} messages, {weekly['problems']} problems, "
                f"largest worker process {weekly['workers_mb']:.0f} MB RSS (pages shared with the run counted in both); "
                f"2nd run peak {second['rss_mb']:.0f} MB, steps: "
                + ", ".join(f"{n} {s:.1f}" for n, s in second["steps"])
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Kill trials: `intervisie send` in a subprocess against a deliberately slow SMTP
server, killed with SIGKILL at a random moment (before, during or after DATA, or
between sending and write-back), then run again until it finishes. Shared by the test
suite (a few trials) and bench/bench_mail.py (many)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from smtp_server import Handler, port_of, start_server

# the addresses the demo's confirmed meeting invites (demo built around 2026-11-22)
EXPECTED = {
    "anouk.vanderberg@example.nl",
    "daan.devries@example.nl",
    "joost.bakker@example.nl",
    "lieke.tenbrink@example.nl",
    "sven.hoekstra@example.nl",
    "ozlem.yilmaz@example.nl",
    "f.elamrani@example.nl",
}


@dataclass
class Trial:
    killed_after: float
    deliveries: Counter[str]  # Message-ID -> times delivered
    invited: set[str]  # addresses that got the invitation
    uncertain: set[str]  # addresses named as uncertain in Meldingen
    runs: int

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.deliveries.values() if n > 1)


def one_trial(template: Path, folder: Path, today: str, expected: set[str], delay: float, rng: random.Random) -> Trial:
    folder.mkdir(parents=True)
    shutil.copy(template, folder / "intervisie.xlsx")
    handler = Handler(data_delay=delay)
    server = start_server(handler)
    try:
        (folder / "intervisie.toml").write_text(
            '[workbook]\npath = "intervisie.xlsx"\n[output]\ndir = "output"\nstate_dir = "state"\n'
            f'[mail]\nsender = "Intervisie <intervisie@example.org>"\ntransport = "smtp"\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {port_of(server)}\nsmtp_security = "none"\nbackoff_seconds = 0\n',
            encoding="utf-8",
        )
        cmd = [
            sys.executable,
            "-m",
            "intervisie",
            "send",
            "--config",
            str(folder / "intervisie.toml"),
            "--today",
            today,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        kill_at = rng.uniform(0.2, 1.2 + delay * (len(expected) + 3))
        time.sleep(kill_at)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        runs = 1
        for _ in range(6):
            runs += 1
            done = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
            if done.returncode in (0, 1):
                break
        ids = handler.message_ids()
        invited = {r.rcpt_tos[0].lower() for r in handler.received if "uitnodiging" in str(r.message["X-Intervisie"])}
        wb = load_workbook(folder / "intervisie.xlsx", read_only=True)
        texts = [str(row[4]) for row in wb["Meldingen"].iter_rows(min_row=2, values_only=True) if row and row[4]]
        wb.close()
        uncertain = {a for a in expected for t in texts if a in t.lower() and "mogelijk niet aangekomen" in t}
        return Trial(kill_at, Counter(ids), invited, uncertain, runs)
    finally:
        server.stop()

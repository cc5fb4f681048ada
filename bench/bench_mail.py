"""Mail throughput and the kill trials, in one run (not a timed test).

    .venv/bin/python bench/bench_mail.py --messages 1000 --kill-trials 50

1. Messages per second to a loopback SMTP server (aiosmtpd): the project's transport
   (one connection for the run) against a new connection per message (the baseline).
2. Kill trials: `intervisie send` killed with SIGKILL at a random moment, then run
   again until it finishes; duplicates and silent losses counted per Message-ID.
"""

from __future__ import annotations

import argparse
import random
import smtplib
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from killtrial import EXPECTED, one_trial  # noqa: E402
from smtp_server import Handler, port_of, start_server  # noqa: E402

from intervisie.init import create_workbook  # noqa: E402
from intervisie.mail.transport import Smtp  # noqa: E402


def message(i: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "intervisie@example.org"
    msg["To"] = f"deelnemer{i}@example.nl"
    msg["Subject"] = f"Uitnodiging {i}"
    msg["Message-ID"] = f"<bench.{i}@example.org>"
    msg.set_content("Beste deelnemer,\n\n" + "Tekst van de uitnodiging.\n" * 40)
    return msg


def throughput(n: int) -> tuple[float, float]:
    handler = Handler()
    server = start_server(handler)
    port = port_of(server)
    try:
        msgs = [message(i) for i in range(n)]
        t = Smtp("127.0.0.1", port, "none")
        t0 = time.perf_counter()
        t.open()
        for m in msgs:
            t.send(m, str(m["To"]))
        t.close()
        ours = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for m in msgs:
            with smtplib.SMTP("127.0.0.1", port) as s:
                s.send_message(m)
        baseline = n / (time.perf_counter() - t0)
        assert len(handler.received) == 2 * n
        return ours, baseline
    finally:
        server.stop()


def kills(trials: int, seed: int) -> None:
    import datetime as dt

    today = dt.date(2026, 11, 22)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "demo.xlsx"
        create_workbook(template, demo=True, today=today)
        dup = lost = uncertain = delivered = 0
        for i in range(trials):
            t = one_trial(template, Path(tmp) / f"t{i}", today.isoformat(), EXPECTED, 0.12, rng)
            dup += t.duplicates
            lost += len(EXPECTED - t.invited - t.uncertain)
            uncertain += len(t.uncertain)
            delivered += len(t.invited)
            print(
                f"  trial {i + 1:2}: killed after {t.killed_after:4.2f}s, {len(t.invited)} invited, "
                f"{len(t.uncertain)} uncertain, {t.duplicates} duplicates, {t.runs} runs"
            )
        print(
            f"kill trials: {trials}; invitations expected {trials * len(EXPECTED)}, delivered {delivered}, "
            f"named uncertain {uncertain}, duplicates {dup}, lost silently {lost}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--kill-trials", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    ours, baseline = throughput(args.messages)
    print(
        f"{args.messages} messages: one connection {ours:,.0f}/s, new connection per message {baseline:,.0f}/s "
        f"({ours / baseline:.1f}x)"
    )
    if args.kill_trials:
        kills(args.kill_trials, args.seed)


if __name__ == "__main__":
    main()

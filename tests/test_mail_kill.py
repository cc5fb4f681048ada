"""A run killed at any moment sends no message twice and loses none silently: every
expected invitation is delivered once, or named as uncertain in Meldingen."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import TODAY
from killtrial import EXPECTED, one_trial

from intervisie.mail.transport import eml_name


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_killed_send_never_duplicates_and_never_loses_silently(demo_template, tmp_path, seed):
    trial = one_trial(demo_template, tmp_path / "site", TODAY.isoformat(), EXPECTED, 0.12, random.Random(seed))
    assert trial.duplicates == 0, trial
    assert trial.invited | trial.uncertain >= EXPECTED, trial


KILL_AT_SEND = """
import os, sys
from intervisie.mail import transport
from intervisie.cli import main
limit, seen = int(os.environ["KILL_AFTER"]), []
write = transport.Outbox.send
def send(self, data, message_id, sender, recipient):
    if len(seen) == limit:
        os._exit(9)  # killed between two files of a batch: no journal line after it
    write(self, data, message_id, sender, recipient)
    seen.append(message_id)
transport.Outbox.send = send
sys.argv[0] = "intervisie"
main()
"""


@pytest.mark.parametrize("kill_after", [0, 1, 4, 8])  # 8: the mail is done, the summary not
def test_a_run_killed_inside_an_outbox_batch_settles_by_the_files(demo_template, tmp_path, kill_after):
    """The outbox journals a batch of intents in one commit, then writes the batch's
    files. Killed after some of them, the next run marks the ones whose file is there
    sent (never writing them again) and writes the others: each message once, none
    lost, none named uncertain."""
    import os
    import sqlite3
    import subprocess
    import sys

    from helpers import meldingen

    site = tmp_path / "site"
    site.mkdir()
    (site / "intervisie.xlsx").write_bytes(demo_template.read_bytes())
    (site / "intervisie.toml").write_text(
        '[workbook]\npath = "intervisie.xlsx"\n[output]\ndir = "output"\nstate_dir = "state"\n'
        '[mail]\nsender = "Intervisie <intervisie@example.org>"\noutbox = "outbox"\n',
        encoding="utf-8",
    )
    args = ["send", "--config", str(site / "intervisie.toml"), "--today", TODAY.isoformat()]
    env = {**os.environ, "KILL_AFTER": str(kill_after)}
    killed = subprocess.run([sys.executable, "-c", KILL_AT_SEND, *args], env=env, capture_output=True, timeout=120)
    assert killed.returncode == 9, killed.stderr.decode()
    outbox = site / "outbox"
    before = {p.name: p.stat().st_ino for p in outbox.glob("*.eml")} if outbox.exists() else {}
    assert len(before) == kill_after
    with sqlite3.connect(site / "state" / "journal.sqlite") as db:
        states = dict(db.execute("SELECT message_id, state FROM messages"))
    intents = {m for m, state in states.items() if state == "intent"}
    assert {eml_name(m) for m in states} >= set(before)  # every file was journalled first
    assert {eml_name(m) for m in intents} - set(before)  # the batch's unwritten ones too

    again = subprocess.run([sys.executable, "-m", "intervisie", *args], capture_output=True, timeout=120)
    assert again.returncode in (0, 1), again.stderr.decode()
    after = {p.name: p.stat().st_ino for p in outbox.glob("*.eml")}
    assert {n: after[n] for n in before} == before  # what was written stays, not written again
    with sqlite3.connect(site / "state" / "journal.sqlite") as db:
        states = dict(db.execute("SELECT message_id, state FROM messages"))
    assert set(states.values()) == {"sent"}
    # every intent is sent now; but a summary: it says what its run did, so the next
    # run's summary is another message (the killed one's intent, without a file, is dropped)
    assert {m for m in intents if not m.startswith("<samenvatting.")} <= set(states)
    invited = {m for m in states if m.startswith("<uitnodiging.")}
    assert len(invited) == len(EXPECTED)
    assert sorted(after) == sorted(eml_name(m) for m in states)
    assert not [p for p in meldingen(site / "intervisie.xlsx") if "mogelijk niet aangekomen" in p["Melding"]]


def test_an_intent_left_by_smtp_is_not_settled_by_the_outbox(demo_template, tmp_path):
    """The operator switches from SMTP to the outbox after a run was killed mid-send:
    the outbox cannot know what the mail server got, so that message is named as
    uncertain, not written again. A journal from before the transport was recorded
    is read, its intents settled as before."""
    import shutil
    import sqlite3

    from helpers import cli, meldingen

    def site(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(demo_template, folder / "intervisie.xlsx")
        (folder / "intervisie.toml").write_text(
            '[workbook]\npath = "intervisie.xlsx"\n[output]\ndir = "output"\nstate_dir = "state"\n'
            '[mail]\nsender = "Intervisie <intervisie@example.org>"\noutbox = "outbox"\n',
            encoding="utf-8",
        )
        return folder

    def send(folder: Path) -> None:
        result = cli("send", "--config", str(folder / "intervisie.toml"), "--today", TODAY.isoformat())
        assert result.exit_code in (0, 1), result.output

    first = site("first")
    send(first)
    ids = sorted(p.name for p in (first / "outbox").glob("uitnodiging.*.eml"))
    with sqlite3.connect(first / "state" / "journal.sqlite") as db:
        rows = {eml_name(r[0]): r for r in db.execute("SELECT * FROM messages")}
    smtp_mid, old_mid = rows[ids[0]][0], rows[ids[1]][0]

    second = site("second")
    (second / "state").mkdir()
    with sqlite3.connect(second / "state" / "journal.sqlite") as db:  # as a journal of 2026-11 held it
        db.execute(
            "CREATE TABLE messages (message_id TEXT PRIMARY KEY, meeting TEXT NOT NULL, kind TEXT NOT NULL, "
            "recipient TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', sequence INTEGER NOT NULL DEFAULT 0, "
            "signature TEXT NOT NULL DEFAULT '', content_hash TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, "
            "run_id TEXT NOT NULL, created TEXT NOT NULL, done TEXT, error TEXT NOT NULL DEFAULT '')"
        )
        for name in ids[:2]:  # the two invitations as a killed run left them: intents
            db.execute(
                "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,'intent',?,?,NULL,'')", rows[name][:8] + rows[name][9:11]
            )
    from intervisie.mail.journal import Journal

    with Journal(second / "state" / "journal.sqlite") as journal:  # the old journal gains the column
        assert {e.transport for e in journal.entries()} == {""}
        journal.db.execute(
            "UPDATE messages SET transport = 'smtp:mail.example.nl:587' WHERE message_id = ?", (smtp_mid,)
        )
    send(second)
    written = {p.name for p in (second / "outbox").glob("uitnodiging.*.eml")}
    assert eml_name(smtp_mid) not in written  # the mail server may have it: not again
    assert eml_name(old_mid) in written  # an outbox intent without its file: written now
    with sqlite3.connect(second / "state" / "journal.sqlite") as db:
        states = dict(db.execute("SELECT message_id, state FROM messages"))
    assert states[smtp_mid] == "uncertain" and states[old_mid] == "sent"
    assert any("mogelijk niet aangekomen" in p["Melding"] for p in meldingen(second / "intervisie.xlsx"))

"""The journal: the truth about what was sent. A sqlite database in the state folder
(WAL, synchronous=FULL: a row is on disk before the call returns).

Every message is written as an *intent* (its deterministic Message-ID, recipient, kind,
meeting, calendar sequence, content hash) before it is handed to the transport, and
marked *sent* after the server's 250 (or the outbox file's rename). A process killed in
between leaves an intent: the next run marks it *uncertain* and never sends it again
by itself; it is named in Meldingen with how to resend it. A batch commits one
message's *sent* together with the next one's intent (one disk sync per message instead
of two): that mark is still written before anything else is sent, and a kill before
it leaves the same intent as a kill before a mark of its own would. The workbook's 'verzonden'
columns are written from this journal, so a run killed between sending and write-back
writes back the next time.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INTENT, SENT, FAILED, UNCERTAIN = "intent", "sent", "failed", "uncertain"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    message_id   TEXT PRIMARY KEY,
    meeting      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    sequence     INTEGER NOT NULL DEFAULT 0,
    signature    TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    created      TEXT NOT NULL,
    done         TEXT,
    error        TEXT NOT NULL DEFAULT '',
    transport    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_meeting ON messages (meeting, kind);
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Entry:
    message_id: str
    meeting: str
    kind: str
    recipient: str
    name: str
    sequence: int
    signature: str
    content_hash: str
    state: str
    run_id: str
    created: str
    done: str | None
    error: str
    transport: str = ""  # where it went ("outbox:<folder>", "smtp:<host>:<port>"); "" before 2026-12

    @property
    def done_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.done) if self.done else None


#: a mark still to be written: (message_id, state, when, error)
Mark = tuple[str, str, dt.datetime, str]


class Journal:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(messages)")}
        if "transport" not in columns:  # a journal from before 2026-12
            self.db.execute("ALTER TABLE messages ADD COLUMN transport TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------

    def entries(self, meeting: str | None = None) -> list[Entry]:
        sql = "SELECT * FROM messages" + (" WHERE meeting = ?" if meeting is not None else "") + " ORDER BY created"
        cur = self.db.execute(sql, (meeting,) if meeting is not None else ())
        return [Entry(*row) for row in cur.fetchall()]

    def get(self, message_id: str) -> Entry | None:
        row = self.db.execute("SELECT * FROM messages WHERE message_id = ?", (message_id,)).fetchone()
        return Entry(*row) if row else None

    # -- writing: each statement is its own committed transaction ------------------------

    @contextmanager
    def _commit(self) -> Iterator[None]:
        """One transaction (the connection commits each statement by itself otherwise)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # a failed COMMIT (disk full) may leave it open
                self.db.execute("ROLLBACK")
            raise

    def intend(self, entries: Sequence[Entry], after: Sequence[Mark] = ()) -> None:
        """Write the intents, and the marks of what went before them, in one commit."""
        with self._commit():
            self._mark_all(after)
            self.db.executemany(
                "INSERT OR REPLACE INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        e.message_id,
                        e.meeting,
                        e.kind,
                        e.recipient,
                        e.name,
                        e.sequence,
                        e.signature,
                        e.content_hash,
                        INTENT,
                        e.run_id,
                        e.created,
                        None,
                        "",
                        e.transport,
                    )
                    for e in entries
                ],
            )

    def mark(self, message_id: str, state: str, when: dt.datetime, error: str = "") -> None:
        self.mark_all([(message_id, state, when, error)])

    def mark_all(self, marks: Sequence[Mark]) -> None:
        """Several marks in one commit."""
        with self._commit():
            self._mark_all(marks)

    def _mark_all(self, marks: Sequence[Mark]) -> None:
        self.db.executemany(
            "UPDATE messages SET state = ?, done = ?, error = ? WHERE message_id = ?",
            [(state, when.isoformat(timespec="seconds"), error, mid) for mid, state, when, error in marks],
        )

    def forget(self, message_ids: Sequence[str]) -> None:
        with self._commit():
            self.db.executemany("DELETE FROM messages WHERE message_id = ?", [(m,) for m in message_ids])

    def resend(self, meeting: str, kind: str) -> int:
        """Forget the uncertain and failed messages of one meeting and kind, so the next
        send delivers them (the operator checked that they did not arrive)."""
        cur = self.db.execute(
            "DELETE FROM messages WHERE meeting = ? AND kind = ? AND state IN (?, ?, ?)",
            (meeting, kind, UNCERTAIN, FAILED, INTENT),
        )
        return cur.rowcount

    # -- small facts (the coordinator's address for failure mail, ...) --------------------

    def fact(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM facts WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_fact(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO facts VALUES (?, ?)", (name, value))

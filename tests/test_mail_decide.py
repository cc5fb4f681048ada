"""The calendar conversation of one meeting, as a property: any sequence of changes
(date, time, place, cancel, back to bevestigd, a new member) gives a strictly rising
SEQUENCE per UID, never a REQUEST after a CANCEL without a change in between, and never
the same message twice."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from intervisie.mail.decide import AFZEGGING, CALENDAR_KINDS, UITNODIGING, WIJZIGING, decide
from intervisie.mail.journal import SENT, Entry
from intervisie.records import Group, Meeting, Participant, Records

TODAY = dt.date(2027, 3, 1)


def records() -> Records:
    rec = Records()
    rec.groups["G"] = Group(name="G")
    for i in range(4):
        rec.participants[f"P{i}"] = Participant(name=f"P{i}", email=f"p{i}@example.nl", group="G")
    rec.meetings["G-1"] = Meeting(
        nr="G-1",
        group="G",
        date=TODAY + dt.timedelta(days=7),
        start=dt.time(19, 30),
        end=dt.time(21, 30),
        location="Zaal 1",
        status="bevestigd",
    )
    return rec


ops = st.lists(
    st.sampled_from(["date", "time", "place", "cancel", "confirm", "join", "nothing"]), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_sequence_rises_and_no_request_follows_a_cancel_without_a_change(steps):
    rec = records()
    m = rec.meetings["G-1"]
    journal: list[Entry] = []
    seen_ids: set[str] = set()
    last_seq = -1
    last_method = ""
    changed_since_cancel = False
    for n, op in enumerate(steps):
        if op == "date":
            m.date = (m.date or TODAY) + dt.timedelta(days=1)
        elif op == "time":
            m.start = dt.time(18, 0) if m.start != dt.time(18, 0) else dt.time(19, 30)
        elif op == "place":
            m.location = "Zaal 2" if m.location != "Zaal 2" else "Zaal 1"
        elif op == "cancel":
            m.status = "geannuleerd"
        elif op == "confirm":
            m.status = "bevestigd"
        elif op == "join":
            i = len(rec.participants)
            rec.participants[f"P{i}"] = Participant(name=f"P{i}", email=f"p{i}@example.nl", group="G")
        if op in ("date", "time", "place", "confirm"):
            changed_since_cancel = True
        plan = decide(rec, journal, TODAY)
        cal = [o for o in plan.messages if o.kind in CALENDAR_KINDS]
        seqs = {o.sequence for o in cal}
        assert len(seqs) <= 1  # one run, one version of the invite
        if cal:
            seq = seqs.pop()
            kinds = {o.kind for o in cal}
            if kinds & {WIJZIGING, AFZEGGING} or (UITNODIGING in kinds and last_method == "CANCEL"):
                assert seq > last_seq
            else:
                assert seq >= last_seq  # a newcomer gets the invite as it stands
            method = "CANCEL" if AFZEGGING in kinds else "REQUEST"
            if method == "REQUEST" and last_method == "CANCEL":
                assert changed_since_cancel
            if method == "CANCEL":
                changed_since_cancel = False
            last_seq, last_method = max(last_seq, seq), method
        for o in plan.messages:
            mid = o.message_id("example.org")
            assert mid not in seen_ids
            seen_ids.add(mid)
            journal.append(
                Entry(
                    mid,
                    o.meeting,
                    o.kind,
                    o.email,
                    o.name,
                    o.sequence,
                    o.journal_signature,
                    "",
                    SENT,
                    "r",
                    f"2027-03-01T00:00:{n:02d}",
                    "2027-03-01T00:00:00",
                    "",
                )
            )
        # a run right after, with nothing changed, sends nothing
        assert decide(rec, journal, TODAY).messages == []

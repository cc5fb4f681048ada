"""Which messages a run owes, from the records and what the journal says was sent.
Pure: no files, no clock, no network.

Per meeting, the calendar invite is one conversation with a stable UID whose SEQUENCE
rises with every update: the first `uitnodiging` has SEQUENCE 0; a change of date, start
or end time or place after it is a `wijziging` (SEQUENCE+1, to everyone); `geannuleerd`
after it an `afzegging` (METHOD:CANCEL, SEQUENCE+1, to everyone who had it); set back to
`bevestigd` after that, a new `uitnodiging` (SEQUENCE+1). Someone who joins the group
after the invite gets the invite as it stands (the current SEQUENCE). Reminders and
evaluation forms go once per person."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..document_data import expected_people
from ..records import Meeting, Participant, Problem, Records
from ..schema import DEELNEMERS, MeetingStatus, Severity
from .journal import FAILED, Entry

UITNODIGING, CASUS, WIJZIGING, AFZEGGING = "uitnodiging", "casus", "wijziging", "afzegging"
HERINNERING, EVALUATIE, SAMENVATTING = "herinnering", "evaluatie", "samenvatting"
CALENDAR_KINDS = (UITNODIGING, WIJZIGING, AFZEGGING)
KINDS = (UITNODIGING, CASUS, WIJZIGING, AFZEGGING, HERINNERING, EVALUATIE, SAMENVATTING)
EVALUATION_GRACE_DAYS = 14  # evaluation forms still go out this long after they were due


@dataclass(frozen=True)
class Outgoing:
    meeting: str  # the meeting's Nr, '-' for none
    kind: str
    name: str
    email: str
    sequence: int = 0
    signature: str = ""  # date|start|end|place the message describes
    case: str = ""  # casus: the case's Nr

    @property
    def message_key(self) -> str:
        """What makes a message the same message: a retry has the same key (and so the
        same Message-ID); a wijziging has a higher sequence and so a new one."""
        return "\x1f".join((self.meeting, self.kind, self.email.casefold(), str(self.sequence), self.case))

    @property
    def journal_signature(self) -> str:
        return self.signature + (f"#{self.case}" if self.case else "")

    def message_id(self, domain: str) -> str:
        digest = hashlib.sha256(self.message_key.encode()).hexdigest()[:32]
        return f"<{self.kind}.{digest}@{domain}>"


@dataclass
class MailPlan:
    messages: list[Outgoing] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def signature(m: Meeting) -> str:
    return "|".join(
        (
            m.date.isoformat() if m.date else "",
            m.start.strftime("%H:%M") if m.start else "",
            m.end.strftime("%H:%M") if m.end else "",
            m.location.strip(),
        )
    )


@dataclass
class CalendarState:
    sequence: int = -1  # -1: never invited
    last_kind: str = ""
    last_signature: str = ""
    holders: set[str] = field(default_factory=set)  # addresses that have the live invite
    ever: set[str] = field(default_factory=set)  # addresses that ever had it

    @property
    def invited(self) -> bool:
        return self.sequence >= 0


def calendar_state(entries: Iterable[Entry], meeting: str) -> CalendarState:
    st = CalendarState()
    cal = sorted(
        (e for e in entries if e.meeting == meeting and e.kind in CALENDAR_KINDS and e.state != FAILED),
        key=lambda e: (e.sequence, e.created),
    )
    for e in cal:
        addr = e.recipient.casefold()
        if e.sequence > st.sequence:
            st.sequence, st.last_kind, st.last_signature = e.sequence, e.kind, e.signature
        if e.kind == AFZEGGING:
            st.holders.discard(addr)
        else:
            st.holders.add(addr)
            st.ever.add(addr)
    return st


def decide(rec: Records, entries: list[Entry], today: dt.date) -> MailPlan:
    out = MailPlan()
    done = {
        (e.meeting, e.kind, e.recipient.casefold(), e.sequence, e.signature.partition("#")[2])
        for e in entries
        if e.state != FAILED
    }
    by_meeting: dict[str, list[Entry]] = {}
    for e in entries:
        by_meeting.setdefault(e.meeting, []).append(e)
    for m in sorted(rec.meetings.values(), key=lambda x: (x.date or dt.date.max, x.nr)):
        if m.nr and m.date is not None and m.group in rec.groups:
            wanted = _for_meeting(rec, m, by_meeting.get(m.nr, []), today, out.problems)
            out.messages += [
                o for o in wanted if (o.meeting, o.kind, o.email.casefold(), o.sequence, o.case) not in done
            ]
    return out


def _for_meeting(
    rec: Records, m: Meeting, entries: list[Entry], today: dt.date, problems: list[Problem]
) -> list[Outgoing]:
    """Every message this meeting calls for today, sent before or not (`entries`: the
    journal's entries of this meeting)."""
    assert m.date is not None
    s = rec.settings
    cal = calendar_state(entries, m.nr)
    sig = signature(m)
    people = expected_people(rec, m)
    days_to = (m.date - today).days
    relevant = m.status == MeetingStatus.GEANNULEERD or (
        m.status in (MeetingStatus.BEVESTIGD, MeetingStatus.GEHOUDEN)
        and -(s.evaluation_days + EVALUATION_GRACE_DAYS) <= days_to <= s.invite_days
    )
    reachable = _reachable(people, m, problems) if relevant else []
    wanted: list[Outgoing] = []

    def add(kind: str, p: Participant, seq: int = 0, case: str = "") -> None:
        wanted.append(Outgoing(m.nr, kind, p.name, p.email, seq, sig, case))

    if m.status == MeetingStatus.BEVESTIGD and 0 <= days_to <= s.invite_days:
        addresses = {q.email.casefold() for q in reachable}
        if not cal.invited or cal.last_kind == AFZEGGING:
            seq, kind, to = cal.sequence + 1, UITNODIGING, reachable
        elif cal.last_signature != sig:
            seq, kind = cal.sequence + 1, WIJZIGING
            to = reachable + [p for p in _by_address(rec, cal.holders) if p.email.casefold() not in addresses]
        else:  # the invite as it stands, to whoever does not have it yet
            seq, kind = cal.sequence, UITNODIGING
            to = [p for p in reachable if p.email.casefold() not in cal.holders]
        for p in to:
            add(kind, p, seq)
        for c in rec.cases_of(m.cases):
            presenter = rec.participants.get(c.presenter)
            if presenter is not None and presenter in reachable:
                add(CASUS, presenter, 0, c.nr)
    elif m.status == MeetingStatus.GEANNULEERD and cal.invited and cal.last_kind != AFZEGGING:
        for p in _by_address(rec, cal.holders):
            add(AFZEGGING, p, cal.sequence + 1)

    if (
        m.status == MeetingStatus.BEVESTIGD
        and cal.invited
        and cal.last_kind != AFZEGGING
        and 0 <= days_to <= s.reminder_days
    ):
        excused = {a.name for a in rec.attendance_of(m.nr) if a.present == "afgemeld"}
        for p in reachable:
            if p.name not in excused:
                add(HERINNERING, p)

    since = -days_to  # days after the meeting
    if (
        m.status in (MeetingStatus.BEVESTIGD, MeetingStatus.GEHOUDEN)
        and s.evaluation_days <= since <= s.evaluation_days + EVALUATION_GRACE_DAYS
        and "Aanwezigheid" not in rec.unreadable  # who was there cannot be read: wait for the repair
    ):
        rows = [a for a in rec.attendance_of(m.nr) if a.present]
        present = {a.name for a in rows if a.present == "ja"}
        absent = {a.name for a in rows if a.present in ("nee", "afgemeld")}
        # those marked present; while nobody is, everyone expected who was not marked absent
        there = present or {p.name for p in people} - absent
        for p in reachable:
            if p.name in there:
                add(EVALUATIE, p)
    return wanted


def _reachable(people: list[Participant], m: Meeting, problems: list[Problem]) -> list[Participant]:
    ok = []
    for p in people:
        if p.email:
            ok.append(p)
            continue
        cell = p.origin.cell("E-mail") if p.origin else "Deelnemers"
        problems.append(
            Problem(
                Severity.FOUT,
                DEELNEMERS.name,
                cell,
                f"{p.name} heeft geen (geldig) e-mailadres en krijgt daardoor geen mail over bijeenkomst {m.nr}. "
                "Vul het e-mailadres in; de volgende run stuurt de mail alsnog.",
            )
        )
    return ok


def _by_address(rec: Records, addresses: set[str]) -> list[Participant]:
    """The people behind addresses that had the invite (someone who left the group, or
    whose address changed, still gets the update under the address that had it)."""
    known = {p.email.casefold(): p for p in rec.participants.values() if p.email}
    out = []
    for a in sorted(addresses):
        p = known.get(a)
        out.append(p if p is not None else Participant(name=a, email=a, group=""))
    return out

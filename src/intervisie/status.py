"""The 'Stand van zaken' of a meeting: one or two Dutch sentences next to its row on the
Bijeenkomsten tab saying why this date, what was made or sent, what is missing and what
the coordinator does next. Pure: the text depends only on the records, what was sent
(from the mail journal) and why documents could not be made, so a run that changes
nothing writes nothing."""

from __future__ import annotations

import datetime as dt

from .accreditation import present_at
from .records import Meeting, Records
from .schema import MeetingStatus, norm
from .values import dutch_date

#: mail kinds whose sending the text mentions, in the order of a meeting's life
SENT_WORDS = {
    "uitnodiging": "uitnodiging",
    "wijziging": "wijziging",
    "herinnering": "herinnering",
    "evaluatie": "evaluatieformulier",
    "afzegging": "afzegging",
}


def _day(d: dt.date) -> str:
    return d.strftime("%d-%m-%Y")


def meeting_status(
    rec: Records,
    m: Meeting,
    today: dt.date,
    sent: dict[str, dt.date],
    blocked: str = "",
    why_this_date: str = "",
    current: str = "",
) -> str:
    """`sent`: mail kind -> the day it first went out; `blocked`: why the documents
    could not be made; `why_this_date`: the planner's reason, in the run that proposed
    it; `current`: what the cell says now (a proposal keeps its reason)."""
    if m.date is None:
        return "Nog geen datum. Vul de datum in, of maak de rij leeg zodat de tool een datum voorstelt."
    when = dutch_date(m.date)
    invite_on = m.date - dt.timedelta(days=rec.settings.invite_days)
    did = [f"{SENT_WORDS[k]} verstuurd op {_day(d)}" for k, d in sent.items() if k in SENT_WORDS]
    done = (" " + "; ".join(did).capitalize() + ".") if did else ""
    if m.status == MeetingStatus.GEANNULEERD:
        return "Geannuleerd." + (done if "afzegging" in sent else " Er was nog geen uitnodiging verstuurd.")
    if m.status == MeetingStatus.VOORSTEL:
        head = f"Voorstel voor {when}"
        if why_this_date:
            head += f" ({why_this_date})"
        elif current.startswith(head):
            return current
        nxt = (
            f"dan gaan de uitnodigingen op {_day(invite_on)} de deur uit"
            if invite_on > today
            else "dan gaan de uitnodigingen bij de eerstvolgende run de deur uit"
        )
        return f"{head}. Zet de status op bevestigd, {nxt}."
    # present as the accreditation counts it: 'ja', and substitutes
    present = len({norm(name) for name, _a in present_at(rec, m.nr)})
    filled = any(a.present for a in rec.attendance_of(m.nr))
    if m.status == MeetingStatus.GEHOUDEN or (m.status == MeetingStatus.BEVESTIGD and m.date < today and filled):
        text = f"Gehouden op {when}" + (f": {present} aanwezig." if filled else ".") + done
        if not filled:
            text += " Vul de aanwezigheid in op tabblad Aanwezigheid; die telt voor de accreditatie."
        return text
    text = f"Bevestigd voor {when}."
    if blocked:
        return f"{text} Geen documenten en geen uitnodiging: {blocked}"
    if m.date < today:
        return f"{text}{done} Vul de aanwezigheid in op tabblad Aanwezigheid; daarna zet de tool de status op gehouden."
    if "uitnodiging" in sent:
        return text + done
    if invite_on > today:
        return f"{text} De agenda en de uitnodiging gaan op {_day(invite_on)} de deur uit."
    return f"{text} De agenda en de uitnodiging gaan bij de eerstvolgende run de deur uit."

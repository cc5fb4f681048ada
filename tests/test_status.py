"""'Stand van zaken': the sentence next to every meeting row, per state of its life."""

from __future__ import annotations

import datetime as dt

from helpers import cli
from helpers import tab_rows as rows

from intervisie.records import Attendance, Meeting, Records
from intervisie.status import meeting_status

TODAY = dt.date(2026, 11, 22)
T = dt.time


def rec_with(*attendance: Attendance) -> Records:
    rec = Records()
    rec.attendance = list(attendance)
    return rec


def test_every_state_says_what_is_next():
    rec = rec_with(Attendance("M4", "Ann", "ja"), Attendance("M4", "Bob", "afgemeld"))
    d = dt.date(2027, 1, 12)
    proposal = meeting_status(rec, Meeting("M1", "G", d, status="voorstel"), TODAY, {}, why_this_date="5 ja van 6")
    assert proposal == (
        "Voorstel voor dinsdag 12 januari 2027 (5 ja van 6). Zet de status op bevestigd, "
        "dan gaan de uitnodigingen op 29-12-2026 de deur uit."
    )
    # a later run keeps the reason the proposing run gave
    assert meeting_status(rec, Meeting("M1", "G", d, status="voorstel"), TODAY, {}, current=proposal) == proposal
    confirmed = meeting_status(rec, Meeting("M2", "G", d, status="bevestigd"), TODAY, {})
    assert confirmed.endswith("De agenda en de uitnodiging gaan op 29-12-2026 de deur uit.")
    soon = dt.date(2026, 12, 1)
    sent = meeting_status(rec, Meeting("M3", "G", soon, status="bevestigd"), TODAY, {"uitnodiging": TODAY})
    assert sent == "Bevestigd voor dinsdag 1 december 2026. Uitnodiging verstuurd op 22-11-2026."
    blocked = meeting_status(
        rec, Meeting("M3", "G", soon, status="bevestigd"), TODAY, {}, blocked="de methode past niet."
    )
    assert "Geen documenten en geen uitnodiging: de methode past niet." in blocked
    past = dt.date(2026, 11, 10)
    waiting = meeting_status(rec, Meeting("M5", "G", past, status="bevestigd"), TODAY, {"uitnodiging": past})
    assert "Vul de aanwezigheid in op tabblad Aanwezigheid; daarna zet de tool de status op gehouden." in waiting
    held = meeting_status(rec, Meeting("M4", "G", past, status="bevestigd"), TODAY, {"evaluatie": TODAY})
    assert held == "Gehouden op dinsdag 10 november 2026: 1 aanwezig. Evaluatieformulier verstuurd op 22-11-2026."
    cancelled = meeting_status(rec, Meeting("M6", "G", d, status="geannuleerd"), TODAY, {"afzegging": TODAY})
    assert cancelled == "Geannuleerd. Afzegging verstuurd op 22-11-2026."


def test_the_demo_rows_get_their_sentence_once(demo_xlsx):
    cli("run", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    status = {r["Nr"]: r["Stand van zaken"] for r in rows(demo_xlsx, "Bijeenkomsten")}
    assert status["Utrecht Jeugdzorg-2026-02"].startswith(
        "Bevestigd voor dinsdag 1 december 2026. Uitnodiging verstuurd"
    )
    assert status["Gent Psychologen-2027-01"].startswith("Voorstel voor donderdag 7 januari 2027 (4 ja en 1 misschien")
    assert "afgevallen: do 10 dec" in status["Gent Psychologen-2027-01"]
    r = cli("run", "--workbook", str(demo_xlsx), "--today", "2026-11-22")
    assert "Teruggeschreven: 0 cellen, 0 rijen." in r.output

"""The Google Sheets backend end to end: the real gspread and google-auth code against
the Sheets-API emulator on loopback. Request counts, faults, access problems, init."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from gsheets_harness import emulator
from helpers import cli
from openpyxl import load_workbook

from intervisie.errors import BackendError, WorkbookInvalid, WorkbookNotFound
from intervisie.workbook.gsheets import GoogleWorkbook, spreadsheet_key

TODAY = "2026-11-22"


def xlsx_to_tabs(path) -> dict[str, list[list]]:
    wb = load_workbook(path)
    tabs = {}
    for ws in wb.worksheets:
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        tabs[ws.title] = rows
    return tabs


@pytest.fixture
def gsheet(demo_template, tmp_path):
    emu = emulator()
    key_path = tmp_path / "sa.json"
    info = emu.create_service_account(
        key_path, email=f"intervisie-{tmp_path.name[-12:]}@proj.iam.gserviceaccount.com"[-60:]
    )
    sid = emu.create_spreadsheet("Intervisie", sheets=xlsx_to_tabs(demo_template), shared_with=[info["client_email"]])
    cfg = tmp_path / "intervisie.toml"
    cfg.write_text(
        "[workbook]\n"
        f"google_sheet = 'https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0'\n"
        f"credentials = '{key_path}'\n"
        f"api_endpoint = '{emu.base_url}'\n"
        "max_tries = 3\nbackoff_seconds = 0.01\n"
        "[output]\ndir = 'output'\nstate_dir = 'state'\n"
    )
    emu.reset_counts()
    yield emu, sid, cfg, key_path, info
    emu.clear_faults()
    emu.hook_before_request = None


def test_key_from_url_or_key():
    key = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
    assert spreadsheet_key(key) == key
    assert spreadsheet_key(f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=12") == key
    with pytest.raises(WorkbookInvalid):
        spreadsheet_key("niet een sleutel")


def test_check_on_google_sheet_is_clean_and_cheap(gsheet):
    emu, sid, cfg, *_ = gsheet
    r = cli("check", "--config", str(cfg), "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert "Geen meldingen" in r.output
    assert emu.count("values:batchGet") + emu.count("get") <= 4
    assert emu.count("values:batchUpdate") == 1


def test_weekly_run_on_google_sheet(gsheet):
    emu, sid, cfg, *_ = gsheet
    r = cli("run", "--config", str(cfg), "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert "Nieuw voorstel Gent Psychologen-2027-01" in r.output and "Documenten: 4 gemaakt" in r.output
    reads = emu.count("values:batchGet") + emu.count("get")
    writes = emu.count("values:batchUpdate") + emu.count(":batchUpdate")
    assert reads <= 4 and emu.count("values:batchUpdate") == 1 and writes == 1, emu.requests
    grid = emu.get_grid(sid, "Bijeenkomsten")
    gent = next(row for row in grid if row and row[0] == "Gent Psychologen-2027-01")
    assert gent[11] == "voorstel" and gent[7] == "Marieke Dhondt"
    assert isinstance(gent[2], (int, float))  # written as a real date (serial), not text
    utrecht = next(row for row in grid if row and row[0] == "Utrecht Jeugdzorg-2026-02")
    assert str(utrecht[12]).endswith("2026-12-01-agenda.docx")
    # running again: nothing new proposed, documents unchanged
    emu.reset_counts()
    r2 = cli("run", "--config", str(cfg), "--today", TODAY)
    assert "niets voor te stellen" in r2.output and "0 gemaakt, 4 ongewijzigd" in r2.output


def test_request_count_is_constant_in_the_number_of_rows(gsheet, tmp_path):
    emu, sid, cfg, *_ = gsheet
    rows = [
        [f"Extra {i}", f"extra{i}@example.nl", "Gent Psychologen", "gast", "", "Geen", "", "", "", "nee", ""]
        for i in range(3000)
    ]
    emu.set_cells(sid, "Deelnemers", rows, start="A20")
    emu.reset_counts()
    assert cli("run", "--config", str(cfg), "--today", TODAY).exit_code == 0
    assert emu.count("values:batchGet") + emu.count("get") <= 4
    assert emu.count("values:batchUpdate") == 1


def test_429_then_success_is_retried(gsheet):
    emu, sid, cfg, key_path, _ = gsheet
    emu.fail_next(429, times=2, path_contains="values:batchGet")
    sleeps: list[float] = []
    wb = GoogleWorkbook(sid, key_path, endpoint=emu.base_url, max_tries=5, backoff=0.5, sleep=sleeps.append)
    snap = wb.read()
    assert "Deelnemers" in snap.tabs
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] >= 0.5  # exponential backoff


def test_retry_after_is_honoured(gsheet):
    emu, sid, cfg, key_path, _ = gsheet
    emu.fail_next(503, times=1, retry_after=7)
    sleeps: list[float] = []
    GoogleWorkbook(sid, key_path, endpoint=emu.base_url, max_tries=3, sleep=sleeps.append).read()
    assert 7 <= sleeps[0] < 7.2


def test_429_forever_is_bounded_and_writes_nothing(gsheet):
    emu, sid, cfg, *_ = gsheet
    emu.fail_next(429, times=100, path_contains="values:batchUpdate")
    before = emu.get_grid(sid, "Bijeenkomsten")
    r = cli("run", "--config", str(cfg), "--today", TODAY)
    assert r.exit_code == 2
    assert "na 3 pogingen" in r.output and "niets geschreven" in r.output
    assert emu.get_grid(sid, "Bijeenkomsten") == before


def test_500_then_success(gsheet):
    emu, sid, cfg, *_ = gsheet
    emu.fail_next(500, times=1)
    assert cli("check", "--config", str(cfg), "--today", TODAY).exit_code == 0


def test_token_expiry_mid_run_refreshes(gsheet):
    emu, sid, cfg, *_ = gsheet
    state = {"reads": 0}

    def hook(method, path):
        if "values:batchGet" in path:
            state["reads"] += 1
            if state["reads"] == 1:
                emu.expire_tokens()  # expires after the first read: the write path gets a 401

    emu.hook_before_request = hook
    try:
        r = cli("run", "--config", str(cfg), "--today", TODAY)
    finally:
        emu.hook_before_request = None
    assert r.exit_code == 0, r.output
    assert emu.count("token") >= 2


def test_rows_sorted_between_read_and_write_lose_nothing(gsheet):
    emu, sid, cfg, *_ = gsheet
    state = {"n": 0}

    def hook(method, path):
        if "values:batchGet" in path:
            state["n"] += 1
            if state["n"] == 2:  # the re-read before writing: the coordinator sorted first
                emu.hook_before_request = None
                emu.sort_rows(sid, "Bijeenkomsten", 0, descending=True)
                emu.sort_rows(sid, "Casussen", 1, descending=True)

    emu.hook_before_request = hook
    r = cli("run", "--config", str(cfg), "--today", TODAY)
    emu.hook_before_request = None
    assert r.exit_code == 0, r.output
    grid = emu.get_grid(sid, "Bijeenkomsten")
    utrecht = next(row for row in grid if row and row[0] == "Utrecht Jeugdzorg-2026-02")
    assert str(utrecht[12]).endswith("agenda.docx")
    past = next(row for row in grid if row and row[0] == "Utrecht Jeugdzorg-2026-01")
    assert len(past) < 13 or past[12] in ("", None)
    cases = {row[0]: row for row in emu.get_grid(sid, "Casussen")[1:]}
    assert cases["C-005"][9] == "ingepland" and cases["C-005"][10] == "Gent Psychologen-2027-01"


def test_not_shared_names_the_service_account(gsheet):
    emu, sid, cfg, key_path, info = gsheet
    emu.unshare(sid, info["client_email"])
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 2 and info["client_email"] in r.output.replace("\n", "")


def test_missing_sheet_is_one_line(gsheet, tmp_path):
    emu, sid, cfg, key_path, _ = gsheet
    with pytest.raises(WorkbookNotFound):
        GoogleWorkbook("1" + "x" * 43, key_path, endpoint=emu.base_url).read()
    cfg.write_text(cfg.read_text().replace(sid, "1" + "y" * 43))
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 2 and "niet gevonden" in r.output


def test_bad_key_file(tmp_path, gsheet):
    emu, sid, *_ = gsheet
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "authorized_user"}))
    with pytest.raises(BackendError, match="geen service-account-sleutel"):
        GoogleWorkbook(sid, bad, endpoint=emu.base_url)
    bad.write_text("{niet json")
    with pytest.raises(BackendError, match="geen geldig JSON"):
        GoogleWorkbook(sid, bad, endpoint=emu.base_url)
    with pytest.raises(BackendError, match="niet gevonden"):
        GoogleWorkbook(sid, tmp_path / "weg.json", endpoint=emu.base_url)


def test_missing_tab_is_one_line(gsheet):
    emu, sid, cfg, *_ = gsheet
    emu.delete_sheet(sid, "Groepen")
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 2 and "Tabblad 'Groepen' ontbreekt" in r.output


def test_formula_typed_text_stays_text(gsheet):
    emu, sid, cfg, *_ = gsheet
    from intervisie import schema
    from intervisie.workbook.base import CellChange, ChangeSet, key_of

    wb = GoogleWorkbook(sid, gsheet[3], endpoint=emu.base_url)
    wb.read()
    wb.write(
        ChangeSet(
            cells=[
                CellChange(
                    "Bijeenkomsten",
                    key_of(schema.BIJEENKOMSTEN, "Utrecht Jeugdzorg-2026-02"),
                    "Agenda",
                    '=IMPORTXML("http://x","//a")',
                    None,
                )
            ]
        )
    )
    assert emu.get_grid(sid, "Bijeenkomsten", render="FORMULA")[2][12] == '=IMPORTXML("http://x","//a")'
    assert emu.cell(sid, "Bijeenkomsten", "M3").value == '=IMPORTXML("http://x","//a")'
    assert type(emu.cell(sid, "Bijeenkomsten", "M3").value).__name__ != "Formula"


def test_init_google_sets_up_an_empty_sheet_in_one_batch_update(tmp_path):
    emu = emulator()
    key_path = tmp_path / "sa.json"
    info = emu.create_service_account(key_path, email="init-test@proj.iam.gserviceaccount.com")
    sid = emu.create_spreadsheet("Leeg", shared_with=[info["client_email"]])
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[workbook]\ncredentials = '{key_path}'\napi_endpoint = '{emu.base_url}'\n")
    emu.reset_counts()
    r = cli("init", "--google", sid, "--config", str(cfg))
    assert r.exit_code == 0, r.output
    assert emu.count(":batchUpdate") == 1 and emu.count("values:batchUpdate") == 0
    from intervisie import schema

    assert emu.sheet_titles(sid) == [t.name for t in schema.TABS]
    assert emu.frozen_rows(sid, "Deelnemers") == 1
    header = emu.get_grid(sid, "Deelnemers")[0]
    assert header == [c.name for c in schema.DEELNEMERS.columns]
    rules = emu.data_validations(sid, "Deelnemers")
    assert any("ONE_OF_RANGE" in json.dumps(r) and "Groepen" in json.dumps(r) for r in rules)
    assert any("cliënt" in json.dumps(r, ensure_ascii=False) for r in rules)
    # text where leading zeros matter, Dutch date and time patterns (issue 9)
    assert emu.cell(sid, "Deelnemers", "G2").number_format == {"type": "TEXT"}
    assert emu.cell(sid, "Deelnemers", "I50").number_format == {"type": "TEXT"}
    cell = emu.cell(sid, "Bijeenkomsten", "A2")  # Nr: the tool writes it, so not text-formatted
    assert cell is None or cell.number_format is None
    assert emu.cell(sid, "Bijeenkomsten", "C2").number_format == {"type": "DATE", "pattern": "dd-mm-yyyy"}
    assert emu.cell(sid, "Bijeenkomsten", "D2").number_format == {"type": "TIME", "pattern": "hh:mm"}
    assert emu.count(":batchUpdate") == 1
    # and the new sheet passes `check` at once
    cfg.write_text(cfg.read_text() + f"google_sheet = '{sid}'\n")
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 0, r.output
    # a date and a time the tool writes there show the Dutch way
    from intervisie.tables import ChangeSet, RowAppend

    wbk = GoogleWorkbook(sid, key_path, endpoint=emu.base_url)
    wbk.read()
    wbk.write(
        ChangeSet(
            appends=[
                RowAppend(
                    "Bijeenkomsten",
                    {"Nr": "G-2027-01", "Groep": "G", "Datum": dt.date(2027, 3, 30), "Begintijd": dt.time(14)},
                )
            ]
        )
    )
    shown = emu.get_grid(sid, "Bijeenkomsten", render="FORMATTED_VALUE")[1]
    assert shown[:4] == ["G-2027-01", "G", "30-03-2027", "14:00"]


@pytest.mark.parametrize("locale", ["en_US", "de_DE"])
def test_dates_read_unambiguously_in_any_locale(demo_template, tmp_path, locale):
    emu = emulator()
    key_path = tmp_path / "sa.json"
    info = emu.create_service_account(key_path, email=f"locale-{locale.lower()}@proj.iam.gserviceaccount.com")
    sid = emu.create_spreadsheet(
        "Intervisie", sheets=xlsx_to_tabs(demo_template), shared_with=[info["client_email"]], locale=locale
    )
    from intervisie.validate import validate

    rec = validate(GoogleWorkbook(sid, key_path, endpoint=emu.base_url).read())
    assert rec.problems == []
    m = rec.meetings["Utrecht Jeugdzorg-2026-02"]
    assert m.date == dt.date(2026, 12, 1) and m.start == dt.time(19, 30)
    assert dt.date(2026, 12, 8) in rec.candidate_dates


def test_server_unreachable_is_exit_2_with_a_reason(gsheet, tmp_path):
    import socket

    emu, sid, cfg, key_path, _ = gsheet
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg.write_text(cfg.read_text().replace(emu.base_url, f"http://127.0.0.1:{port}"))
    # the token endpoint is down too: google-auth fails before any Sheets request
    key_path.write_text(key_path.read_text().replace(emu.base_url, f"http://127.0.0.1:{port}"))
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 2, r.output
    assert "geen verbinding" in r.output and "na 3 pogingen" in r.output


def test_key_the_token_endpoint_rejects_is_exit_2(gsheet, tmp_path):
    emu, sid, cfg, key_path, _ = gsheet
    other = tmp_path / "other.json"
    emu.create_service_account(other, email="other@proj.iam.gserviceaccount.com")
    info = json.loads(key_path.read_text())
    info["private_key"] = json.loads(other.read_text())["private_key"]  # signed with the wrong key
    key_path.write_text(json.dumps(info))
    r = cli("check", "--config", str(cfg))
    assert r.exit_code == 2, r.output
    assert "Google weigert het sleutelbestand" in r.output


def test_missing_system_tabs_and_a_full_grid_cost_one_extra_request(gsheet):
    from sheets_emulator import routed_gspread_client

    emu, sid, cfg, key_path, _ = gsheet
    emu.delete_sheet(sid, "Meldingen")
    emu.delete_sheet(sid, "Logboek")
    rows = len(emu.get_grid(sid, "Bijeenkomsten"))
    routed_gspread_client(emu, key_path).open_by_key(sid).batch_update(
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": emu.sheet_id(sid, "Bijeenkomsten"),
                            "gridProperties": {"rowCount": rows},
                        },
                        "fields": "gridProperties.rowCount",
                    }
                }
            ]
        }
    )
    emu.reset_counts()
    r = cli("plan", "--config", str(cfg), "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert (
        emu.count(":batchUpdate") == 1 and emu.count("values:batchUpdate") == 1
    )  # addSheet + appendDimension, then values
    assert {"Meldingen", "Logboek"} <= set(emu.sheet_titles(sid))
    assert (
        emu.get_grid(sid, "Logboek")[0][:2] == ["Tijdstip", "Actie"]
        and emu.get_grid(sid, "Logboek")[1][1] == "planning"
    )
    assert emu.frozen_rows(sid, "Logboek") == 1
    grid = emu.get_grid(sid, "Bijeenkomsten")
    assert len(grid) == rows + 1 and grid[-1][0] == "Gent Psychologen-2027-01"

"""Tests for the Google Sheets API emulator (tests/sheets_emulator.py): the parts the
Google backend and its tests use, and the 501 for what it does not emulate.

The end-to-end tests drive the emulator with the real client stack
(gspread 6 + google-auth service-account credentials + AuthorizedSession),
routed to 127.0.0.1 by ``routed_gspread_client``; nothing leaves loopback.
"""

from __future__ import annotations

import json

import pytest
import requests
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError, SpreadsheetNotFound
from sheets_emulator import (
    Bounds,
    SheetsEmulator,
    col_index,
    col_letters,
    parse_a1,
    routed_gspread_client,
    routed_session,
)

EMAIL = "intervisie@test-project.iam.gserviceaccount.com"
UNFORMATTED = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}


@pytest.fixture
def emulator():
    emu = SheetsEmulator()
    emu.start()
    yield emu
    emu.stop()
    assert emu.server_errors == []


@pytest.fixture
def key_path(emulator, tmp_path):
    path = tmp_path / "service-account.json"
    emulator.create_service_account(path)
    return path


@pytest.fixture
def gc(emulator, key_path):
    return routed_gspread_client(emulator, key_path)


@pytest.fixture
def sid(emulator):
    return emulator.create_spreadsheet(
        "Intervisie 2027",
        {
            "Lees mij": [["Welkom bij intervisie"]],
            "Groepen": [
                ["Naam", "Datum", "Cijfer", "Aanwezig"],
                ["Ann", "12-1-2027", "7,5", "TRUE"],
                ["Bob", "2027-02-03", 8, False],
            ],
            "It's": [[1, 2, 3]],
        },
    )


def api(gc) -> requests.Session:
    """The AuthorizedSession inside a routed gspread client, for raw calls."""
    return gc.http_client.session


SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"


# ---------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "bounds", "single"),
    [
        ("'Lees mij'!A1:Z", "Lees mij", Bounds(0, None, 0, 26), False),
        ("'It''s'!A:C", "It's", Bounds(0, None, 0, 3), False),
        ("Groepen", "Groepen", None, False),
        ("Groepen!A1:C10", "Groepen", Bounds(0, 10, 0, 3), False),
        ("Groepen!B2", "Groepen", Bounds(1, 2, 1, 2), True),
        ("Groepen!$A$2:$C$3", "Groepen", Bounds(1, 3, 0, 3), False),
        ("Groepen!2:4", "Groepen", Bounds(1, 4, 0, None), False),
        ("Groepen!C3:A1", "Groepen", Bounds(0, 3, 0, 3), False),
        ("A1:B2", None, Bounds(0, 2, 0, 2), False),
        ("'Lees mij'", "Lees mij", None, False),
    ],
)
def test_parse_a1(text, title, bounds, single):
    parsed = parse_a1(text, ["Lees mij", "It's", "Groepen"])
    assert (parsed.sheet_title, parsed.bounds, parsed.single_cell) == (title, bounds, single)


@pytest.mark.parametrize("text", ["'Lees mij", "Groepen!", "Groepen!A1:B2:C3", "Groepen!1A", "Nope", "'x'A1"])
def test_parse_a1_rejects(text):
    with pytest.raises(Exception, match="Unable to parse range"):
        parse_a1(text, ["Groepen"])


def test_column_letters_round_trip():
    for i in (0, 25, 26, 51, 701, 702, 18277):
        assert col_index(col_letters(i)) == i
    assert col_letters(26) == "AA"


# ---------------------------------------------------------------------------
# Auth flow, routing, metadata
# ---------------------------------------------------------------------------


def test_open_by_key_uses_token_endpoint_and_lists_worksheets(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    assert sh.title == "Intervisie 2027"
    assert sh.locale == "nl_NL"
    worksheets = sh.worksheets()
    assert [w.title for w in worksheets] == ["Lees mij", "Groepen", "It's"]
    assert worksheets[0].id == 0
    assert worksheets[1].row_count == 1000 and worksheets[1].col_count == 26
    # google-auth with scopes= and no always_use_jwt_access performs the
    # JWT-bearer grant against the token endpoint once, then reuses the token.
    assert emulator.count("token") == 1
    assert emulator.count("get") == 2
    assert all(path.startswith("/v4/spreadsheets/") for _, path in emulator.requests)


def test_allowed_locations_lookup_is_served(emulator, gc, sid):
    """Some google-auth versions ask for the service account's allowed locations in
    the background, others do not: the emulator answers it when asked, and the product
    relies only on the token grant and the spreadsheet calls, asserted here."""
    gc.open_by_key(sid)
    assert emulator.count("token") == 1
    assert emulator.count("get") == 1
    # asked directly, as an older google-auth does in a background thread
    token = gc.http_client.session.credentials.token
    url = emulator.base_url + "/v1/projects/-/serviceAccounts/x@example.iam.gserviceaccount.com/allowedLocations"
    answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["encodedLocations"] == "0x0"
    assert requests.get(url, timeout=5).status_code == 403  # no credentials: as Google answers


def test_routing_refuses_other_hosts(emulator):
    with pytest.raises(requests.ConnectionError, match="refusing"):
        routed_session(emulator).get("https://example.com/")


def test_metadata_shape_and_fields_mask(emulator, gc, sid):
    session = api(gc)
    meta = session.get(f"{SHEETS}/{sid}", params={"includeGridData": "false"}).json()
    assert meta["spreadsheetId"] == sid
    assert meta["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    props = meta["sheets"][1]["properties"]
    assert props == {
        "sheetId": props["sheetId"],
        "title": "Groepen",
        "index": 1,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26},
    }
    masked = session.get(
        f"{SHEETS}/{sid}", params={"fields": "sheets.properties.title,sheets.properties.sheetId"}
    ).json()
    assert masked == {
        "sheets": [
            {"properties": {"title": t, "sheetId": emulator.sheet_id(sid, t)}} for t in ["Lees mij", "Groepen", "It's"]
        ]
    }
    product = session.get(
        f"{SHEETS}/{sid}", params={"includeGridData": "false", "fields": "properties.title,sheets.properties"}
    ).json()
    assert product["properties"] == {"title": "Intervisie 2027"}
    assert [s["properties"]["title"] for s in product["sheets"]] == ["Lees mij", "Groepen", "It's"]


# ---------------------------------------------------------------------------
# Reading values
# ---------------------------------------------------------------------------


def test_batch_get_unformatted_serial_numbers(gc, sid):
    sh = gc.open_by_key(sid)
    result = sh.values_batch_get(
        ["'Lees mij'!A1:Z", "Groepen", "Groepen!A1:C10", "'It''s'!A:C"], params=dict(UNFORMATTED)
    )
    ranges = result["valueRanges"]
    assert result["spreadsheetId"] == sid
    assert [r["range"] for r in ranges] == [
        "'Lees mij'!A1:Z1000",
        "Groepen!A1:Z1000",
        "Groepen!A1:C10",
        "'It''s'!A1:C1000",
    ]
    assert ranges[1]["values"] == [
        ["Naam", "Datum", "Cijfer", "Aanwezig"],
        ["Ann", 46399, 7.5, True],
        ["Bob", 46421, 8, False],
    ]
    assert ranges[2]["values"][1] == ["Ann", 46399, 7.5]
    assert ranges[3] == {"range": "'It''s'!A1:C1000", "majorDimension": "ROWS", "values": [[1, 2, 3]]}
    assert isinstance(ranges[1]["values"][2][2], int)


def test_render_options(emulator, gc, sid):
    emulator.set_cells(sid, "Groepen", [["=SUM(C2:C3)", "14:30", "2027-01-12 09:05", "50%", "1.234,5"]], start="A5")
    sh = gc.open_by_key(sid)

    def row5(**params):
        return sh.values_get("Groepen!A5:E5", params=params)["values"][0]

    assert row5() == ["#NAME?", "14:30:00", "2027-01-12 9:05:00", "50%", "1234,5"]
    assert row5(valueRenderOption="UNFORMATTED_VALUE") == [
        "#NAME?",
        pytest.approx(14.5 / 24),
        pytest.approx(46399 + (9 * 60 + 5) / 1440),
        0.5,
        1234.5,
    ]
    assert row5(valueRenderOption="FORMULA")[0] == "=SUM(C2:C3)"
    assert sh.values_get("Groepen!B2:C2")["values"] == [["12-1-2027", "7,5"]]


def test_trimming_and_empty_ranges(emulator, gc, sid):
    emulator.set_cells(sid, "Groepen", [["x", None, None], [], [None, "y"]], start="B10")
    sh = gc.open_by_key(sid)
    got = sh.values_get("Groepen!A10:F20")
    assert got == {"range": "Groepen!A10:F20", "majorDimension": "ROWS", "values": [["", "x"], [], ["", "", "y"]]}
    empty = sh.values_get("Groepen!H1:J5")
    assert empty == {"range": "Groepen!H1:J5", "majorDimension": "ROWS"}
    assert sh.values_get("Groepen!B2:B3")["values"] == [["12-1-2027"], ["2027-02-03"]]  # shown as typed
    assert sh.values_get("Groepen!A1")["range"] == "Groepen!A1"


def test_read_beyond_grid_is_clamped(gc, sid):
    got = gc.open_by_key(sid).values_get("Groepen!A1:AZ5000", params=dict(UNFORMATTED))
    assert got["range"] == "Groepen!A1:Z1000"


# ---------------------------------------------------------------------------
# Writing values
# ---------------------------------------------------------------------------


def test_values_batch_update_user_entered(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    reply = sh.values_batch_update(
        {
            "valueInputOption": "USER_ENTERED",
            "data": [
                {"range": "Groepen!A6:F6", "values": [["=1+1", "12", "2027-01-12", "'=x", "007", "3.5"]]},
                {"range": "'Lees mij'!B1", "values": [["TRUE"]]},
            ],
        }
    )
    assert reply == {
        "spreadsheetId": sid,
        "totalUpdatedRows": 2,
        "totalUpdatedColumns": 7,
        "totalUpdatedCells": 7,
        "totalUpdatedSheets": 2,
        "responses": [
            {
                "spreadsheetId": sid,
                "updatedRange": "Groepen!A6:F6",
                "updatedRows": 1,
                "updatedColumns": 6,
                "updatedCells": 6,
            },
            {
                "spreadsheetId": sid,
                "updatedRange": "'Lees mij'!B1",
                "updatedRows": 1,
                "updatedColumns": 1,
                "updatedCells": 1,
            },
        ],
    }
    assert emulator.get_grid(sid, "Groepen")[5] == ["#NAME?", 12, 46399, "=x", 7, "3.5"]
    assert emulator.get_grid(sid, "Groepen", render="FORMULA")[5][0] == "=1+1"
    assert emulator.cell(sid, "Groepen", "C6").number_format == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    assert emulator.cell(sid, "Groepen", "B6").number_format is None
    assert emulator.get_grid(sid, "Lees mij") == [["Welkom bij intervisie", True]]


def test_typed_dates_and_times_display_as_the_real_api_shows_them(emulator, gc, sid):
    """As recorded from the real API: an ISO date typed into a plain cell shows as typed
    (not as the locale's 1/1/2020), a 24-hour time with seconds, a date typed the local
    way in the locale's pattern; a cell that has a format keeps it."""
    sh = gc.open_by_key(sid)
    sh.values_batch_update(
        {
            "valueInputOption": "USER_ENTERED",
            "data": [{"range": "Groepen!A7:D7", "values": [["2020-01-01", "2020-01-01 14:00", "14:00", "12-1-2027"]]}],
        }
    )
    shown = sh.values_get("Groepen!A7:D7")["values"][0]
    assert shown[:3] == ["2020-01-01", "2020-01-01 14:00:00", "14:00:00"], shown
    assert emulator.cell(sid, "Groepen", "D7").number_format == {"type": "DATE"}
    # a cell formatted the way init --google formats date columns keeps its format
    sh.batch_update(
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": sh.worksheet("Groepen").id,
                            "startRowIndex": 7,
                            "endRowIndex": 8,
                            "startColumnIndex": 0,
                            "endColumnIndex": 1,
                        },
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "dd-mm-yyyy"}}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            ]
        }
    )
    sh.values_update("Groepen!A8", params={"valueInputOption": "USER_ENTERED"}, body={"values": [["2027-03-30"]]})
    assert sh.values_get("Groepen!A8")["values"] == [["30-03-2027"]]


def test_null_keeps_and_empty_string_clears(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    sh.values_update("Groepen!A2:C2", params={"valueInputOption": "USER_ENTERED"}, body={"values": [[None, "", "8"]]})
    assert emulator.get_grid(sid, "Groepen")[1] == ["Ann", "", 8, True]


def test_write_errors(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as exc:
        sh.values_update("Groepen!A1:B1", params={"valueInputOption": "USER_ENTERED"}, body={"values": [[1, 2, 3]]})
    assert exc.value.code == 400
    assert (
        exc.value.error["message"]
        == "Requested writing within range ['Groepen'!A1:B1], but tried writing to column [C]"
    )
    with pytest.raises(APIError, match="exceeds grid limits. Max rows: 1000, max columns: 26"):
        sh.values_update("Groepen!Z1", params={"valueInputOption": "USER_ENTERED"}, body={"values": [[1, 2]]})
    with pytest.raises(APIError, match="'valueInputOption' is required but not specified"):
        sh.values_batch_update({"data": [{"range": "Groepen!A1", "values": [[1]]}]})
    # atomic: the first (valid) range of a failing batch is not applied
    with pytest.raises(APIError, match="Unable to parse range: Nope!A1"):
        sh.values_batch_update(
            {
                "valueInputOption": "USER_ENTERED",
                "data": [{"range": "Groepen!A1", "values": [["changed"]]}, {"range": "Nope!A1", "values": [[1]]}],
            }
        )
    assert emulator.get_grid(sid, "Groepen")[0][0] == "Naam"


# ---------------------------------------------------------------------------
# spreadsheets.batchUpdate
# ---------------------------------------------------------------------------


def test_add_sheet_cells_validation_and_freeze(emulator, gc, sid):
    """The request kinds `init --google` sends, and updateSheetProperties."""
    sh = gc.open_by_key(sid)
    reply = sh.batch_update(
        {
            "requests": [
                {
                    "addSheet": {
                        "properties": {"title": "Planning", "gridProperties": {"rowCount": 50, "columnCount": 5}}
                    }
                },
            ]
        }
    )
    props = reply["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "Planning" and props["index"] == 3
    assert props["gridProperties"] == {"rowCount": 50, "columnCount": 5}
    new_id = props["sheetId"]
    rule = {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "ja"}, {"userEnteredValue": "nee"}]},
        "strict": True,
        "showCustomUi": True,
    }
    reply = sh.batch_update(
        {
            "requests": [
                {
                    "setDataValidation": {
                        "range": {"sheetId": new_id, "startRowIndex": 1, "startColumnIndex": 2, "endColumnIndex": 3},
                        "rule": rule,
                    }
                },
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": new_id, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount",
                    }
                },
                {
                    "repeatCell": {
                        "range": {"sheetId": new_id, "startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "dd-mm-yyyy"}}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                },
                {
                    "updateCells": {
                        "start": {"sheetId": new_id, "rowIndex": 0, "columnIndex": 0},
                        "rows": [
                            {
                                "values": [
                                    {
                                        "userEnteredValue": {"stringValue": "Naam"},
                                        "userEnteredFormat": {"textFormat": {"bold": True}},
                                    },
                                    {"userEnteredValue": {"numberValue": 3}},
                                ]
                            }
                        ],
                        "fields": "userEnteredValue,userEnteredFormat.textFormat",
                    }
                },
            ]
        }
    )
    assert reply == {"spreadsheetId": sid, "replies": [{}, {}, {}, {}]}
    assert emulator.sheet_titles(sid) == ["Lees mij", "Groepen", "It's", "Planning"]
    assert emulator.frozen_rows(sid, "Planning") == 1
    assert emulator.data_validations(sid, "Planning") == [
        {
            "range": {
                "sheetId": new_id,
                "startRowIndex": 1,
                "endRowIndex": 50,
                "startColumnIndex": 2,
                "endColumnIndex": 3,
            },
            "rule": rule,
        }
    ]
    # the DATE pattern applies to values typed later
    emulator.set_cells(sid, "Planning", [[None, "2027-01-12"]], start="A2")
    assert emulator.get_grid(sid, "Planning", render="FORMATTED_VALUE") == [["Naam", "3"], ["", "12-01-2027"]]
    ws = sh.worksheet("Planning")
    assert ws.frozen_row_count == 1
    # a full grid grows by appendDimension, and a size set by updateSheetProperties
    sh.batch_update(
        {
            "requests": [
                {"appendDimension": {"sheetId": new_id, "dimension": "ROWS", "length": 10}},
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": new_id, "gridProperties": {"columnCount": 3}},
                        "fields": "gridProperties.columnCount",
                    }
                },
            ]
        }
    )
    assert sh.worksheet("Planning").row_count == 60 and sh.worksheet("Planning").col_count == 3
    assert emulator.data_validations(sid, "Planning")[0]["range"]["endColumnIndex"] == 3


def test_batch_update_errors_are_atomic(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as exc:
        sh.batch_update({"requests": [{"addSheet": {"properties": {"title": "Nieuw"}}}, {"fooBar": {}}]})
    assert exc.value.code == 400 and exc.value.error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "fooBar"' in exc.value.error["message"]
    assert "Nieuw" not in emulator.sheet_titles(sid)
    with pytest.raises(APIError, match='A sheet with the name "groepen" already exists'):
        sh.batch_update({"requests": [{"addSheet": {"properties": {"title": "groepen"}}}]})
    with pytest.raises(APIError, match="No grid with id: 999"):
        sh.batch_update(
            {
                "requests": [
                    {"appendDimension": {"sheetId": 999, "dimension": "ROWS", "length": 1}},
                ]
            }
        )


def test_ui_helpers_simulate_a_coordinator(emulator, gc, sid):
    """Rows inserted, typed into and sorted as in the UI: formats and validation
    move with their rows; an inserted row takes them from the row below it."""
    gid = emulator.sheet_id(sid, "Groepen")
    rule = {"condition": {"type": "BOOLEAN"}}
    gc.open_by_key(sid).batch_update(
        {
            "requests": [
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": gid,
                            "startRowIndex": 2,
                            "endRowIndex": 3,
                            "startColumnIndex": 3,
                            "endColumnIndex": 4,
                        },
                        "rule": rule,
                    }
                }
            ]
        }
    )
    emulator.insert_rows(sid, "Groepen", before_row=3)  # between Ann and Bob
    emulator.set_cells(sid, "Groepen", [["Zed", "", 1]], start="A3")
    assert emulator.cell(sid, "Groepen", "B3").number_format == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    emulator.sort_rows(sid, "Groepen", "A")
    assert emulator.get_grid(sid, "Groepen") == [
        ["Naam", "Datum", "Cijfer", "Aanwezig"],
        ["Ann", 46399, 7.5, True],
        ["Bob", 46421, 8, False],
        ["Zed", "", 1],
    ]
    assert emulator.data_validations(sid, "Groepen") == [
        {
            "range": {"sheetId": gid, "startRowIndex": 2, "endRowIndex": 4, "startColumnIndex": 3, "endColumnIndex": 4},
            "rule": rule,
        }
    ]
    emulator.sort_rows(sid, "Groepen", 2, descending=True)
    assert [r[0] for r in emulator.get_grid(sid, "Groepen")] == ["Naam", "Bob", "Ann", "Zed"]
    assert emulator.get_grid(sid, "Groepen", render="FORMATTED_VALUE")[1] == ["Bob", "2027-02-03", "8", "FALSE"]
    emulator.delete_sheet(sid, "Lees mij")
    assert emulator.sheet_titles(sid) == ["Groepen", "It's"]


# ---------------------------------------------------------------------------
# Errors, faults, auth failures
# ---------------------------------------------------------------------------


def test_not_found_and_permission_denied(emulator, gc, sid):
    with pytest.raises(SpreadsheetNotFound):
        gc.open_by_key("1" + "x" * 43)
    sh = gc.open_by_key(sid)
    emulator.unshare(sid, EMAIL)
    with pytest.raises(APIError) as exc:
        sh.values_get("Groepen")
    assert exc.value.code == 403
    assert exc.value.error == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }
    with pytest.raises(PermissionError):
        gc.open_by_key(sid)


def test_bad_range_and_bad_enum(gc, sid):
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as exc:
        sh.values_batch_get(["Groepen!A1", "Onbekend!A1:B2"])
    assert exc.value.code == 400
    assert exc.value.error == {
        "code": 400,
        "message": "Unable to parse range: Onbekend!A1:B2",
        "status": "INVALID_ARGUMENT",
    }
    with pytest.raises(APIError, match="ValueRenderOption"):
        sh.values_get("Groepen", params={"valueRenderOption": "PRETTY"})


def test_429_then_success(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    emulator.fail_next(429, times=2, retry_after=1, path_contains="values:batchGet")
    emulator.reset_counts()
    errors = []
    for _ in range(3):
        try:
            result = sh.values_batch_get(["Groepen!A1"])
            break
        except APIError as err:
            errors.append(err)
    assert [e.code for e in errors] == [429, 429]
    assert errors[0].error["status"] == "RESOURCE_EXHAUSTED"
    assert errors[0].error["message"].startswith("Quota exceeded for quota metric 'Read requests'")
    assert errors[0].response.headers["Retry-After"] == "1"
    assert result["valueRanges"][0]["values"] == [["Naam"]]
    assert emulator.count("values:batchGet") == 3


def test_server_errors_in_real_shape(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    emulator.fail_next(503)
    with pytest.raises(APIError) as exc:
        sh.fetch_sheet_metadata()
    assert exc.value.error == {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}
    emulator.fail_next(502)
    with pytest.raises(APIError) as exc:
        sh.fetch_sheet_metadata()
    assert exc.value.code == -1 and exc.value.response.status_code == 502  # Google's 502 is an HTML page


def test_expired_tokens_are_refreshed_by_google_auth(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    assert emulator.count("token") == 1
    emulator.expire_tokens()
    emulator.reset_counts()
    assert sh.values_get("Groepen!A1")["values"] == [["Naam"]]
    assert emulator.count("token") == 1  # AuthorizedSession refreshed after the 401 ...
    assert emulator.count("values.get") == 2  # ... and retried the request


def test_unauthenticated_shapes(emulator, sid):
    session = routed_session(emulator)
    url = f"{SHEETS}/{sid}/values/Groepen"
    missing = session.get(url)
    assert missing.status_code == 403
    assert missing.json()["error"]["message"] == "The request is missing a valid API key."
    bad = session.get(url, headers={"Authorization": "Bearer ya29.nonsense"})
    assert bad.status_code == 401
    assert bad.json()["error"]["status"] == "UNAUTHENTICATED"
    assert "invalid_token" in bad.headers["WWW-Authenticate"]


def test_jwt_signed_with_wrong_key_is_rejected(emulator, tmp_path, sid):
    good = tmp_path / "good.json"
    other = tmp_path / "other.json"
    emulator.create_service_account(good)
    emulator.create_service_account(other, email="someone-else@test-project.iam.gserviceaccount.com")
    forged = json.loads(good.read_text())
    forged["private_key"] = json.loads(other.read_text())["private_key"]
    forged_path = tmp_path / "forged.json"
    forged_path.write_text(json.dumps(forged))
    gc = routed_gspread_client(emulator, forged_path)
    with pytest.raises(RefreshError) as exc:
        gc.open_by_key(sid)
    assert "invalid_grant: Invalid JWT Signature." in str(exc.value)
    assert emulator.count("get") == 0  # never reached the Sheets API


def test_token_endpoint_rejects_unknown_account_and_bad_grant(emulator):
    session = routed_session(emulator)
    resp = session.post("https://oauth2.googleapis.com/token", data={"grant_type": "password"})
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"
    resp = session.post(
        emulator.token_uri,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "e30.eyJpc3MiOiJ4In0.c2ln"},
    )
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_hook_can_edit_between_read_and_write(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    seen = []

    def coordinator(method, path):
        seen.append(method)
        if "values:batchUpdate" in path:
            emulator.insert_rows(sid, "Groepen", before_row=2)
            emulator.hook_before_request = None

    emulator.hook_before_request = coordinator
    rows = sh.values_get("Groepen!A2:A3")["values"]
    assert rows == [["Ann"], ["Bob"]]
    sh.values_batch_update(
        {"valueInputOption": "USER_ENTERED", "data": [{"range": "Groepen!E2", "values": [["Ann's note"]]}]}
    )
    grid = emulator.get_grid(sid, "Groepen")
    assert grid[1] == ["", "", "", "", "Ann's note"] and grid[2][0] == "Ann"
    assert seen == ["GET", "POST"]


def test_requests_log_and_counts(emulator, gc, sid):
    ws = gc.open_by_key(sid).worksheet("Groepen")
    emulator.reset_counts()
    ws.batch_get(["A1:B2"], value_render_option="UNFORMATTED_VALUE")
    ws.batch_update([{"range": "A10", "values": [["x"]]}], raw=False)
    gc.open_by_key(sid).batch_update(
        {"requests": [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}}]}
    )
    assert emulator.count() == 4
    assert emulator.count("values:batchGet") == 1
    assert emulator.count("values:batchUpdate") == 1
    assert emulator.count(":batchUpdate") == 1
    assert emulator.count("get") == 1
    method, path = emulator.requests[0]
    assert method == "GET" and "ranges=%27Groepen%27%21A1%3AB2" in path


def test_what_is_not_emulated_is_refused_not_approximated(emulator, gc, sid):
    sh = gc.open_by_key(sid)
    attempts = {
        "RAW": lambda: sh.values_update("Groepen!A1", params={"valueInputOption": "RAW"}, body={"values": [["x"]]}),
        "COLUMNS": lambda: sh.values_get("Groepen!A1:B2", params={"majorDimension": "COLUMNS"}),
        "FORMATTED_STRING": lambda: sh.values_get(
            "Groepen!B2", params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING"}
        ),
        "grid data": lambda: sh.fetch_sheet_metadata(params={"includeGridData": "true"}),
        "field mask": lambda: sh.fetch_sheet_metadata(params={"fields": "sheets(properties)"}),
        "append": lambda: sh.values_append(
            "Groepen!A1", params={"valueInputOption": "USER_ENTERED"}, body={"values": [["x"]]}
        ),
        "sortRange": lambda: sh.batch_update(
            {"requests": [{"addSheet": {"properties": {"title": "Nieuw"}}}, {"sortRange": {"range": {"sheetId": 0}}}]}
        ),
    }
    for what, attempt in attempts.items():
        with pytest.raises(APIError) as exc:
            attempt()
        assert (exc.value.code, exc.value.error["status"]) == (501, "UNIMPLEMENTED"), what
    assert "Nieuw" not in emulator.sheet_titles(sid)  # atomic
    assert emulator.get_grid(sid, "Groepen")[0] == ["Naam", "Datum", "Cijfer", "Aanwezig"]
    assert api(gc).get("https://www.googleapis.com/drive/v3/files").status_code == 501  # no Drive

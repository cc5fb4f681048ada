"""The Google Sheets backend, with gspread and google-auth.

A whole run costs a handful of API calls whatever the size of the sheet:

* read: spreadsheet metadata (tab titles) + one ``values.batchGet`` of every tab, as
  unformatted values with dates as serial numbers (unambiguous in every locale);
* write: metadata + one ``values.batchGet`` re-read (rows are looked up by key right
  before writing, so a coordinator who sorted or inserted rows loses nothing), then one
  ``values.batchUpdate`` with every change, appends and Meldingen/Logboek included.
  Only a missing tab or a full grid costs one extra ``spreadsheets.batchUpdate``.

Text is sent USER_ENTERED behind an apostrophe, so `=IMPORTXML(...)` typed into a case
title stays text; dates, times and numbers are sent so Sheets stores them as such.

Faults: 429 and 5xx are retried with exponential backoff and jitter, honouring
Retry-After, a bounded number of times (``workbook.max_tries``); then a clear
:class:`BackendError` (exit 2) and nothing half-written, because the only write is one
batch request. gspread's BackOffHTTPClient is not used: in 6.2.1 it never gives up.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from .. import schema
from ..errors import BackendError, ConfigError, WorkbookInvalid, WorkbookNotFound
from ..schema import Kind
from ..tables import ChangeSet, RawTab, Snapshot
from ..values import is_blank

if TYPE_CHECKING:
    from ..config import Config
from .base import Workbook, WriteResult, apply_changes

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
GOOGLE_HOSTS = ("sheets.googleapis.com", "www.googleapis.com", "iamcredentials.googleapis.com", "oauth2.googleapis.com")
DEFAULT_ENDPOINT = "https://sheets.googleapis.com"
_KEY_IN_URL = re.compile(r"/spreadsheets/d/([a-zA-Z0-9_-]+)")


def spreadsheet_key(key_or_url: str) -> str:
    """The spreadsheet key from a key or a full URL."""
    text = key_or_url.strip()
    m = _KEY_IN_URL.search(text)
    if m:
        return m.group(1)
    if re.fullmatch(r"[a-zA-Z0-9_-]{10,}", text):
        return text
    raise WorkbookInvalid(f"'{key_or_url}' is geen sleutel of adres van een Google-spreadsheet")


def quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class RewriteAdapter(HTTPAdapter):
    """Sends requests for Google's API hosts to another endpoint (a proxy or an
    emulator), keeping the path and query."""

    # google-auth deep-copies its refresh transport; keep the routing through copies
    __attrs__ = HTTPAdapter.__attrs__ + ["scheme", "netloc", "prefix"]

    def __init__(self, endpoint: str, **kwargs: Any):
        super().__init__(**kwargs)
        parts = urlsplit(endpoint)
        self.scheme, self.netloc, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(str(request.url))
        if parts.hostname in GOOGLE_HOSTS:
            request.url = urlunsplit((self.scheme, self.netloc, self.prefix + parts.path, parts.query, parts.fragment))
            kwargs["proxies"] = {}  # the endpoint is the proxy (or the emulator) itself
        return super().send(request, *args, **kwargs)


def routed_session(endpoint: str) -> requests.Session:
    session = requests.Session()
    if endpoint.rstrip("/") != DEFAULT_ENDPOINT:
        session.trust_env = False
        adapter = RewriteAdapter(endpoint)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session


def load_credentials(path: Path) -> Any:
    from google.oauth2 import service_account

    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackendError(f"sleutelbestand niet gevonden: {path}") from None
    except (OSError, ValueError) as exc:
        raise BackendError(f"sleutelbestand {path} is geen geldig JSON-bestand: {exc}") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise BackendError(f"{path} is geen service-account-sleutel (type moet 'service_account' zijn)")
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
    except (ValueError, KeyError) as exc:
        raise BackendError(f"sleutelbestand {path} is ongeldig: {exc}") from None


class Retrying:
    """Bounded exponential backoff with jitter, honouring Retry-After."""

    def __init__(self, max_tries: int = 6, backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep):
        self.max_tries, self.backoff, self.sleep = max_tries, backoff, sleep
        self.retries = 0

    def call(self, what: str, fn: Callable[[], Any], describe_403: str = "") -> Any:
        import gspread
        from google.auth import exceptions as auth_errors

        last = ""
        for attempt in range(1, self.max_tries + 1):
            try:
                return fn()
            except gspread.exceptions.APIError as exc:
                code = exc.response.status_code
                status, message = _error_parts(exc.response)
                if code == 404:
                    raise WorkbookNotFound(f"Google-spreadsheet niet gevonden ({what}): {message}") from None
                if code == 403:
                    raise BackendError(describe_403 or f"geen toegang tot de Google-spreadsheet: {message}") from None
                if code == 401:
                    raise BackendError(f"Google weigert de inloggegevens (401 {status}): {message}") from None
                if code == 400:
                    raise BackendError(f"Google Sheets weigert het verzoek ({what}): {message}") from None
                if code not in (429, 500, 502, 503, 504):
                    raise BackendError(f"Google Sheets gaf fout {code} {status} ({what}): {message}") from None
                last = f"{code} {status}"
                wait = _retry_after(exc.response)
            except auth_errors.RefreshError as exc:
                if not getattr(exc, "retryable", False):
                    raise BackendError(
                        f"Google weigert het sleutelbestand bij het inloggen ({_first_line(exc)}); "
                        "maak een nieuwe sleutel voor de service-account (zie de README)"
                    ) from None
                last, wait = f"inloggen mislukt ({_first_line(exc)})", None
            except (requests.exceptions.ConnectionError, auth_errors.TransportError) as exc:
                # the token endpoint unreachable surfaces as google-auth's TransportError
                last, wait = f"geen verbinding ({exc.__class__.__name__})", None
            if attempt == self.max_tries:
                break
            delay = wait if wait is not None else self.backoff * (2 ** (attempt - 1))
            delay = min(delay, 60.0) + random.uniform(0, self.backoff / 2 if wait is None else 0.1)
            self.retries += 1
            self.sleep(delay)
        raise BackendError(
            f"Google Sheets antwoordt niet ({what}: {last}) na {self.max_tries} pogingen; er is niets geschreven. Probeer het later opnieuw."
        )


def _first_line(exc: BaseException, n: int = 120) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text if len(text) <= n else text[: n - 1] + "…"


def _error_parts(response: Any) -> tuple[str, str]:
    try:
        err = response.json().get("error", {})
        if isinstance(err, dict):
            return str(err.get("status", "")), str(err.get("message", ""))
        return str(err), str(response.json().get("error_description", ""))
    except ValueError:
        return "", response.text[:200]


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class GoogleWorkbook(Workbook):
    def __init__(
        self,
        key: str,
        credentials_path: Path,
        endpoint: str = DEFAULT_ENDPOINT,
        max_tries: int = 6,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        import gspread
        from google.auth.transport.requests import AuthorizedSession, Request

        self.key = spreadsheet_key(key)
        self.credentials_path = Path(credentials_path)
        self.creds = load_credentials(self.credentials_path)
        self.email = getattr(self.creds, "service_account_email", "de service-account")
        base = routed_session(endpoint)
        refresh = routed_session(endpoint)
        self.session = AuthorizedSession(self.creds, auth_request=Request(refresh))  # type: ignore[no-untyped-call]
        self.session.trust_env = base.trust_env
        for prefix, adapter in base.adapters.items():
            self.session.mount(prefix, adapter)
        self.client = gspread.Client(auth=self.creds, session=self.session)
        self.http = self.client.http_client
        self.retry = Retrying(max_tries, backoff, sleep)

    @classmethod
    def from_config(cls, config: Config, key: str | None = None) -> GoogleWorkbook:
        """The sheet the config names, or `key` (for `init --google`)."""
        wc = config.workbook
        credentials = config.resolve(wc.credentials)
        if credentials is None:
            raise ConfigError("workbook.credentials: a Google Sheet needs a service-account key file")
        sheet = key or wc.google_sheet
        if not sheet:
            raise ConfigError("workbook.google_sheet: the key or URL of the Google Sheet is missing")
        return cls(sheet, credentials, wc.api_endpoint, wc.max_tries, wc.backoff_seconds)

    def describe(self) -> str:
        return f"Google-spreadsheet {self.key}"

    def _no_access(self) -> str:
        return (
            f"geen toegang tot Google-spreadsheet {self.key}: deel de spreadsheet (Delen, rol Bewerker) "
            f"met {self.email}"
        )

    # ------------------------------------------------------------- requests
    def _metadata(self) -> dict[str, Any]:
        params: dict[str, Any] = {"includeGridData": "false", "fields": "properties.title,sheets.properties"}
        meta: dict[str, Any] = self.retry.call(
            "metadata", lambda: self.http.fetch_sheet_metadata(self.key, params=params), self._no_access()
        )
        return meta

    def _batch_get(self, titles: list[str]) -> dict[str, list[list[Any]]]:
        if not titles:
            return {}
        params: dict[str, Any] = {
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS",
        }
        ranges = [quote(t) for t in titles]
        data = self.retry.call(
            "values.batchGet", lambda: self.http.values_batch_get(self.key, ranges, params=params), self._no_access()
        )
        out: dict[str, list[list[Any]]] = {}
        for title, vr in zip(titles, data.get("valueRanges", [])):
            out[title] = vr.get("values", [])
        return out

    # ------------------------------------------------------------- read
    def read(self) -> Snapshot:
        meta = self._metadata()
        titles = [s["properties"]["title"] for s in meta.get("sheets", [])]
        wanted: dict[str, str] = {}
        for title in titles:
            tab = schema.find_tab(title)
            if tab is not None and tab is not schema.LEES_MIJ and tab.name not in wanted:
                wanted[tab.name] = title
        grids = self._batch_get(list(wanted.values()))
        tabs: dict[str, RawTab] = {}
        for name, title in wanted.items():
            rows = grids.get(title, [])
            header = list(rows[0]) if rows else []
            body = [(i, list(r)) for i, r in enumerate(rows[1:], start=2) if not all(is_blank(v) for v in r)]
            tabs[name] = RawTab(title=title, header=header, rows=body)
        return Snapshot(tabs=tabs, source=self.describe())

    # ------------------------------------------------------------- write
    def write(self, changes: ChangeSet) -> WriteResult:
        if not changes:
            return WriteResult()
        meta = self._metadata()
        sheets = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
        touched = {c.tab for c in changes.cells} | {a.tab for a in changes.appends} | {r.tab for r in changes.replaces}
        if changes.log:
            touched.add(schema.LOGBOEK.name)
        titles = [t for t in sheets if (found := schema.find_tab(t)) is not None and found.name in touched]
        grid = _MemoryGrid(self._batch_get(titles), list(sheets))
        result = apply_changes(grid, changes)
        if not grid.changed:
            return result
        structural: list[dict[str, Any]] = []
        next_id = max((p.get("sheetId", 0) for p in sheets.values()), default=0) + 1
        for title in grid.new_tabs:
            rows, cols = grid.extent(title)
            structural.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": next_id,
                            "title": title,
                            "gridProperties": {
                                "rowCount": max(rows + 100, 1000),
                                "columnCount": max(cols, 26),
                                "frozenRowCount": 1,
                            },
                        }
                    }
                }
            )
            next_id += 1
        for title, props in sheets.items():
            if title not in grid.grids:
                continue
            rows, cols = grid.extent(title)
            gp = props.get("gridProperties", {})
            if rows > gp.get("rowCount", 1000):
                structural.append(
                    {
                        "appendDimension": {
                            "sheetId": props["sheetId"],
                            "dimension": "ROWS",
                            "length": rows - gp.get("rowCount", 1000) + 100,
                        }
                    }
                )
            if cols > gp.get("columnCount", 26):
                structural.append(
                    {
                        "appendDimension": {
                            "sheetId": props["sheetId"],
                            "dimension": "COLUMNS",
                            "length": cols - gp.get("columnCount", 26),
                        }
                    }
                )
        if structural:
            self.retry.call(
                "spreadsheets.batchUpdate",
                lambda: self.http.batch_update(self.key, {"requests": structural}),
                self._no_access(),
            )
        body = {"valueInputOption": "USER_ENTERED", "data": grid.value_ranges()}
        self.retry.call(
            "values.batchUpdate", lambda: self.http.values_batch_update(self.key, body=body), self._no_access()
        )
        return result

    # ------------------------------------------------------------- init
    def initialise(self) -> list[str]:
        """Set up every tab (headers, frozen header row, dropdowns, the 'Lees mij' text
        and default settings) in one spreadsheets.batchUpdate. Tabs that exist are left
        as they are; returns the titles added."""
        from ..init import LEES_MIJ_TEXT

        meta = self._metadata()
        existing = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
        present = {found.name: p for t, p in existing.items() if (found := schema.find_tab(t)) is not None}
        next_id = max((p.get("sheetId", 0) for p in existing.values()), default=0) + 1
        requests_: list[dict[str, Any]] = []
        ids: dict[str, int] = {}
        added: list[str] = []
        for tab in schema.TABS:
            if tab.name in present:
                ids[tab.name] = present[tab.name]["sheetId"]
                continue
            ids[tab.name] = next_id
            next_id += 1
            added.append(tab.name)
            requests_.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": ids[tab.name],
                            "title": tab.name,
                            "index": len(added) - 1,
                            "gridProperties": {
                                "rowCount": 1000,
                                "columnCount": max(26, len(tab.columns) + 2),
                                "frozenRowCount": 0 if tab is schema.LEES_MIJ else 1,
                            },
                        }
                    }
                }
            )
            rows: list[list[Any]] = []
            if tab is schema.LEES_MIJ:
                rows = [[text] for text, _ in LEES_MIJ_TEXT]
            else:
                rows = [[c.name for c in tab.columns]]
                if tab is schema.INSTELLINGEN:
                    rows += schema.default_setting_rows()
            requests_.append(
                {
                    "updateCells": {
                        "start": {"sheetId": ids[tab.name], "rowIndex": 0, "columnIndex": 0},
                        "rows": [
                            {"values": [_cell(v, bold=(i == 0 and tab is not schema.LEES_MIJ)) for v in row]}
                            for i, row in enumerate(rows)
                        ],
                        "fields": "userEnteredValue,userEnteredFormat.textFormat",
                    }
                }
            )
            for i, col in enumerate(tab.columns):
                fmt = _number_format(col)
                if fmt is not None:
                    # text columns keep leading zeros; dates and times show the Dutch way
                    requests_.append(
                        {
                            "repeatCell": {
                                "range": _data_rows(ids[tab.name], i),
                                "cell": {"userEnteredFormat": {"numberFormat": fmt}},
                                "fields": "userEnteredFormat.numberFormat",
                            }
                        }
                    )
                rule = _validation_rule(col)
                if rule is None or tab.system:
                    continue
                requests_.append(
                    {
                        "setDataValidation": {
                            "range": _data_rows(ids[tab.name], i),
                            "rule": rule,
                        }
                    }
                )
        for title in existing:
            if title in ("Sheet1", "Blad1") and schema.find_tab(title) is None and len(existing) == 1 and added:
                requests_.append({"deleteSheet": {"sheetId": existing[title]["sheetId"]}})
        if requests_:
            self.retry.call(
                "spreadsheets.batchUpdate",
                lambda: self.http.batch_update(self.key, {"requests": requests_}),
                self._no_access(),
            )
        return added


def _cell(value: Any, bold: bool = False) -> dict[str, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out: dict[str, Any] = {"userEnteredValue": {"numberValue": value}}
    else:
        out = {"userEnteredValue": {"stringValue": "" if value is None else str(value)}}
    if bold:
        out["userEnteredFormat"] = {"textFormat": {"bold": True}}
    return out


def _number_format(col: schema.Column) -> dict[str, str] | None:
    """How a new sheet formats the column: text where a coordinator types numbers whose
    leading zeros matter (a BIG number typed as 09333333330), Dutch date and time
    patterns where the tool writes them."""
    if col.text_cell and not col.owned:
        # not on a column the tool writes: text sent behind an apostrophe into a cell
        # formatted as text keeps the apostrophe in Google Sheets
        return {"type": "TEXT"}
    return {
        Kind.DATE: {"type": "DATE", "pattern": "dd-mm-yyyy"},
        Kind.TIME: {"type": "TIME", "pattern": "hh:mm"},
        Kind.DATETIME: {"type": "DATE_TIME", "pattern": "dd-mm-yyyy hh:mm"},
    }.get(col.kind)


def _data_rows(sheet_id: int, col: int) -> dict[str, int]:
    """The rows under the header of one column (0-based), as init formats them."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "endRowIndex": 1000,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }


def _validation_rule(col: schema.Column) -> dict[str, Any] | None:
    if col.kind == Kind.ENUM and col.choices:
        return {
            "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in col.choices]},
            "showCustomUi": True,
            "strict": True,
        }
    if col.kind == Kind.REF and col.ref:
        ref = f"={quote(col.ref)}!A2:A"
        return {
            "condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": ref}]},
            "showCustomUi": True,
            "strict": False,
        }
    if col.kind == Kind.DATE:
        return {"condition": {"type": "DATE_IS_VALID"}, "strict": True}
    return None


def to_sheets(value: Any) -> Any:
    """A value as sent with USER_ENTERED: text behind an apostrophe (never a formula,
    never reinterpreted), dates and times as ISO text Sheets parses in every locale."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    text = str(value).replace("\r\n", "\n")
    return "'" + text if text else ""


class _MemoryGrid:
    """A re-read copy of the touched tabs; records which cells change."""

    def __init__(self, grids: dict[str, list[list[Any]]], titles: list[str]):
        self.grids = {t: [list(r) for r in rows] for t, rows in grids.items()}
        self._titles = titles
        self.dirty: dict[str, set[tuple[int, int]]] = {}
        self.new_tabs: list[str] = []

    @property
    def changed(self) -> bool:
        return any(self.dirty.values())

    def titles(self) -> list[str]:
        return self._titles

    def add_tab(self, title: str) -> None:
        self._titles.append(title)
        self.grids[title] = []
        self.new_tabs.append(title)

    def _rows(self, title: str) -> list[list[Any]]:
        return self.grids.setdefault(title, [])

    def max_row(self, title: str) -> int:
        return len(self._rows(title))

    def max_col(self, title: str) -> int:
        rows = self._rows(title)
        header = rows[0] if rows else []
        n = len(header)
        while n and is_blank(header[n - 1]):
            n -= 1
        return n

    def get(self, title: str, row: int, col: int, exact: bool = False) -> Any:
        rows = self._rows(title)
        if row > len(rows) or col > len(rows[row - 1]):
            return None
        v = rows[row - 1][col - 1]
        return None if v == "" else v

    def blocked(self, title: str, row: int, col: int) -> str | None:
        return None

    def set(self, title: str, row: int, col: int, value: Any, kind: Kind) -> None:
        rows = self._rows(title)
        while len(rows) < row:
            rows.append([])
        r = rows[row - 1]
        while len(r) < col:
            r.append(None)
        r[col - 1] = value
        self.dirty.setdefault(title, set()).add((row, col))

    def set_row(self, title: str, row: int, cells: list[tuple[int, Any, Kind]]) -> None:
        for col, value, kind in cells:
            self.set(title, row, col, value, kind)

    def link(self, title: str, row: int, col: int, target: str | None) -> None:
        """A path on the machine that runs the tool opens nothing from a Google Sheet:
        the path is shown as text."""

    def clear_below(self, title: str, row: int) -> None:
        rows = self._rows(title)
        for r in range(row, len(rows) + 1):
            for c in range(1, len(rows[r - 1]) + 1):
                if not is_blank(rows[r - 1][c - 1]):
                    rows[r - 1][c - 1] = None
                    self.dirty.setdefault(title, set()).add((r, c))

    def extent(self, title: str) -> tuple[int, int]:
        rows = self._rows(title)
        return len(rows), max((len(r) for r in rows), default=0)

    def value_ranges(self) -> list[dict[str, Any]]:
        """Changed cells as A1 ranges, consecutive cells of a row joined into one range."""
        out: list[dict[str, Any]] = []
        for title, cells in self.dirty.items():
            by_row: dict[int, list[int]] = {}
            for r, c in cells:
                by_row.setdefault(r, []).append(c)
            for r in sorted(by_row):
                cols = sorted(by_row[r])
                start = prev = cols[0]
                run = [cols[0]]
                tail: list[int | None] = [*cols[1:], None]
                for nxt in tail:
                    if nxt is not None and nxt == prev + 1:
                        run.append(nxt)
                        prev = nxt
                        continue
                    values = [to_sheets(self.grids[title][r - 1][x - 1]) for x in run]
                    a1 = f"{quote(title)}!{schema.col_letter(start)}{r}:{schema.col_letter(prev)}{r}"
                    out.append({"range": a1, "majorDimension": "ROWS", "values": [values]})
                    if nxt is not None:
                        start = prev = nxt
                        run = [nxt]
        return out

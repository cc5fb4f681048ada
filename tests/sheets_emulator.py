"""An in-process emulator of the parts of the Google Sheets API v4 (plus the OAuth
token endpoint and IAM's ``allowedLocations`` lookup) that intervisie's Google backend
and its tests use.

Nothing here talks to Google.  The emulator is a stdlib ``ThreadingHTTPServer``
on 127.0.0.1; the only third-party import is ``cryptography``, which is
already a dependency of google-auth (used for RS256 key generation and
signature checks).

Typical use::

    emu = SheetsEmulator()
    emu.start()
    emu.create_service_account(tmp_path / "sa.json")
    sid = emu.create_spreadsheet("Intervisie", {"Groepen": [["Naam", "Datum"]]})
    gc = routed_gspread_client(emu, tmp_path / "sa.json")
    gc.open_by_key(sid).worksheet("Groepen").row_values(1)
    emu.stop()

What it serves:

* ``POST /token``: the service-account JWT-bearer grant; IAM ``allowedLocations``;
* ``spreadsheets.get`` (metadata, ``fields`` masks of dotted paths);
* ``values.get`` / ``values:batchGet`` (``majorDimension=ROWS``, every
  ``valueRenderOption``, ``dateTimeRenderOption=SERIAL_NUMBER``);
* ``values.update`` / ``values:batchUpdate`` with ``USER_ENTERED``;
* ``spreadsheets.batchUpdate`` with ``addSheet``, ``deleteSheet``,
  ``updateSheetProperties`` (title, grid size, frozen rows/columns),
  ``appendDimension``, ``updateCells`` (with ``start``), ``repeatCell`` and
  ``setDataValidation``.

Anything else the real API knows (other request kinds, ``RAW`` input,
``COLUMNS``, ``FORMATTED_STRING``, grid data, Drive) is answered with a 501
naming it, never with a silent approximation; an unknown request kind gets the
real 400.

Faithfulness notes (where the emulator knowingly differs from Google):

* Formulas are stored, never evaluated: ``=42`` / ``="x"`` / ``=TRUE`` yield
  their literal, anything else evaluates to the error ``#NAME?``.  ``FORMULA``
  rendering returns the formula text like the real API.
* Writes beyond the grid fail with the real "exceeds grid limits" error;
  ``set_cells`` (the simulated UI) grows the grid.  Reads are clamped to the grid.
* A typed ISO date shows as typed (``2020-01-01``), a 24-hour time with seconds
  (``14:00:00``), a date typed the local way in the locale's pattern (nl_NL:
  ``12-1-2027``), as recorded from the real API; a cell that has a number format
  keeps it.  Date patterns know numeric day, month, year, hour, minute, second
  and am/pm; month and day names are not implemented.
* Locale parsing for USER_ENTERED is a documented approximation: nl_NL
  accepts ``3,5`` and ``1.234,5``; ``3.5`` stays text.  Locales other than
  nl_NL parse and display as en_US.  Booleans render as ``TRUE``/``FALSE``.
* Data validation rules are stored per cell (so they move with inserted and
  sorted rows) but are not enforced on writes.  Text formatting
  (``userEnteredFormat`` other than ``numberFormat``) is accepted and not stored.
* A request without any Authorization header gets the real 403
  "The request is missing a valid API key."; invalid/expired tokens get 401.
* ``fail_next`` faults apply to Sheets requests, never to ``/token``.
* Every request counts in ``requests``/``count()``, including ones that were
  answered with an injected fault or a 401.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import json
import random
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "SheetsEmulator",
    "EmulatorRoutingAdapter",
    "routed_session",
    "routed_gspread_client",
    "parse_a1",
    "Bounds",
    "col_letters",
    "col_index",
    "DEFAULT_SCOPES",
]

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELL_CHARS = 50_000
SERIAL_EPOCH = dt.datetime(1899, 12, 30)
TOKEN_LIFETIME = 3599  # seconds, as Google issues them
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
# Audiences Google's token endpoint accepts in a JWT-bearer assertion.
_ACCEPTED_TOKEN_AUDIENCES = {
    GOOGLE_TOKEN_URL,
    "https://accounts.google.com/o/oauth2/token",
    "https://www.googleapis.com/oauth2/v4/token",
}
_TOKEN_PATHS = {"/token", "/oauth2/v4/token", "/o/oauth2/token"}
_SCOPE = "https://www.googleapis.com/auth/"
DEFAULT_SCOPES = [_SCOPE + "spreadsheets"]
_SHEETS_READ_SCOPES = {
    _SCOPE + s for s in ("spreadsheets", "spreadsheets.readonly", "drive", "drive.readonly", "drive.file")
}
_SHEETS_WRITE_SCOPES = {_SCOPE + s for s in ("spreadsheets", "drive", "drive.file")}

_UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: _UNAUTHENTICATED_MESSAGE,
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    500: "Internal error encountered.",
    501: "Operation is not implemented, or supported, or enabled.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}
# What Google's front end sends for a 502: HTML, not JSON.
_HTML_502 = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    "  <title>Error 502 (Server Error)!!1</title>\n"
    "  <p><b>502.</b> <ins>That\u2019s an error.</ins>\n"
    "  <p>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>\n"
)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class ApiError(Exception):
    """An error the emulator answers in Google's JSON error shape."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        details: list | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message if message is not None else _DEFAULT_MESSAGES.get(code, "Unknown error.")
        self.status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details
        self.headers = headers or {}

    def payload(self) -> dict:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def _bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def _unparsable(range_text: str) -> ApiError:
    return _bad_request(f"Unable to parse range: {range_text}")


def _not_implemented(what: str) -> ApiError:
    """Something the real API does that the emulator deliberately does not."""
    return ApiError(501, f"Sheets emulator: {what} is not implemented.")


class _OAuthError(Exception):
    """An error of the token endpoint, answered in the OAuth 2 shape."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


# ---------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------


def col_letters(index: int) -> str:
    """0-based column index -> letters (0 -> 'A', 26 -> 'AA')."""
    n = index + 1
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """Column letters -> 0-based index ('A' -> 0)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass(frozen=True)
class Bounds:
    """A half-open rectangle; ``None`` ends are unbounded (to the grid edge)."""

    r0: int
    r1: int | None
    c0: int
    c1: int | None


@dataclass(frozen=True)
class ParsedRange:
    sheet_title: str | None  # None: no sheet given (means the first sheet)
    bounds: Bounds | None  # None: the whole sheet
    single_cell: bool = False


_ENDPOINT_RE = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?\Z")
_PLAIN_TITLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_REFLIKE_RE = re.compile(r"(?i)([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|TRUE|FALSE)\Z")


def _parse_endpoint(text: str) -> tuple[int | None, int | None] | None:
    m = _ENDPOINT_RE.match(text)
    if not text or not m or (m.group(1) is None and m.group(2) is None):
        return None
    col = col_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        return None
    return col, row


def parse_cells(text: str) -> tuple[Bounds, bool] | None:
    """Parse the part after ``!``: ``A1``, ``A1:C3``, ``A:C``, ``2:5``, ``A2:C``."""
    parts = text.split(":")
    if len(parts) == 1:
        ep = _parse_endpoint(parts[0])
        if not ep or ep[0] is None or ep[1] is None:
            return None
        c, r = ep
        return Bounds(r, r + 1, c, c + 1), True
    if len(parts) != 2:
        return None
    a, b = _parse_endpoint(parts[0]), _parse_endpoint(parts[1])
    if not a or not b:
        return None
    (ca, ra), (cb, rb) = a, b
    if ca is None and cb is None:  # 2:5 -- whole rows
        r0, r1 = sorted((ra, rb))  # type: ignore[type-var]
        return Bounds(r0, r1 + 1, 0, None), False
    if ca is not None and ra is not None and cb is None and rb is not None:  # A1:1 -- from a cell to the row's end
        r0, r1 = sorted((ra, rb))
        return Bounds(r0, r1 + 1, ca, None), False
    if ca is None or cb is None:
        return None
    c0, c1 = sorted((ca, cb))
    if ra is None and rb is None:  # A:C -- whole columns
        return Bounds(0, None, c0, c1 + 1), False
    if rb is None:  # A2:C -- open-ended downwards
        return Bounds(ra or 0, None, c0, c1 + 1), False
    r0, r1 = sorted((ra or 0, rb))
    return Bounds(r0, r1 + 1, c0, c1 + 1), False


def parse_a1(text: str, sheet_titles: list[str] | None = None) -> ParsedRange:
    """Parse an A1 range as the Sheets API does.  Raises ``ApiError`` (400)."""
    if text.startswith("'"):
        i, name = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1 : i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(ch)
            i += 1
        else:
            raise _unparsable(text)
        title, rest = "".join(name), text[i + 1 :]
        if not title:
            raise _unparsable(text)
        if rest == "":
            return ParsedRange(title, None)
        if not rest.startswith("!"):
            raise _unparsable(text)
        cells = parse_cells(rest[1:])
        if cells is None:
            raise _unparsable(text)
        return ParsedRange(title, *cells)
    if "!" in text:
        title, cells_text = text.rsplit("!", 1)
        cells = parse_cells(cells_text)
        if not title or cells is None:
            raise _unparsable(text)
        return ParsedRange(title, *cells)
    if sheet_titles is not None and _match_title(text, sheet_titles) is not None:
        return ParsedRange(text, None)
    cells = parse_cells(text)
    if cells is None:
        if sheet_titles is None and text:
            return ParsedRange(text, None)
        raise _unparsable(text)
    return ParsedRange(None, *cells)


def _match_title(title: str, titles: list[str]) -> str | None:
    if title in titles:
        return title
    folded = title.casefold()
    for t in titles:
        if t.casefold() == folded:
            return t
    return None


def quote_title(title: str, always: bool = False) -> str:
    if not always and _PLAIN_TITLE_RE.match(title) and not _REFLIKE_RE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_rect(r0: int, r1: int, c0: int, c1: int) -> str:
    """Half-open rectangle -> ``A1:C3`` (or ``A1`` for a single cell)."""
    start = f"{col_letters(c0)}{r0 + 1}"
    if r1 - r0 == 1 and c1 - c0 == 1:
        return start
    return f"{start}:{col_letters(c1 - 1)}{r1}"


# ---------------------------------------------------------------------------
# Field masks: dotted paths joined by commas ("properties.title,sheets.properties")
# ---------------------------------------------------------------------------

_MASK_NAME_RE = re.compile(r"[A-Za-z0-9_*@]+\Z")


def parse_field_mask(text: str) -> dict:
    """Parse a field mask into a tree: ``{name: None (everything) | subtree}``.
    The parenthesised form (``sheets(properties(title))``) is not implemented."""
    if "(" in text or ")" in text:
        raise _not_implemented(f"the field mask {text!r} (only dotted paths are)")
    tree: dict = {}
    for path in text.split(","):
        parts = [p.strip() for p in path.split(".")]
        if not all(_MASK_NAME_RE.match(p) for p in parts):
            raise _bad_request(f"Invalid field selection {text}")
        node = tree
        for part in parts[:-1]:
            if part in node and node[part] is None:
                break  # a parent path already selects everything below
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = None
    return tree


def apply_field_mask(obj: Any, tree: dict | None) -> Any:
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [apply_field_mask(o, tree) for o in obj]
    if isinstance(obj, dict):
        return {k: apply_field_mask(obj[k], sub) for k, sub in tree.items() if k in obj}
    return obj


def mask_leaf_paths(tree: dict, prefix: str = "") -> list[str]:
    out = []
    for k, sub in tree.items():
        path = f"{prefix}{k}"
        out.extend([path] if sub is None else mask_leaf_paths(sub, path + "."))
    return out


def _mask_covers(paths: list[str], target: str) -> bool:
    """Does an update mask (leaf paths) cover ``target`` (or a parent/child of it)?"""
    return any(p == target or target.startswith(p + ".") or p.startswith(target + ".") for p in paths)


def _cell_mask(fields: Any, where: str, allowed: tuple[str, ...]) -> list[str]:
    """The leaf paths of a CellData update mask, each under one of ``allowed``."""
    if not fields:
        raise _bad_request(f"Invalid {where}: At least one field must be specified in 'fields'.")
    paths = mask_leaf_paths(parse_field_mask(fields))
    for path in paths:
        if path.split(".")[0] not in allowed:
            raise _not_implemented(f"{where.split('.')[-1]} of the field {path!r}")
    return paths


# ---------------------------------------------------------------------------
# Cell values, locales, parsing and rendering
# ---------------------------------------------------------------------------


class Formula(str):
    """A formula as typed, including the leading ``=``."""


@dataclass(frozen=True)
class CellError:
    code: str  # "#NAME?"


@dataclass
class Cell:
    value: Any = None  # None | bool | int | float | str | Formula
    number_format: dict | None = None  # {"type": "DATE", "pattern": "..."}
    validation: dict | None = None  # a DataValidationRule

    def is_blank(self) -> bool:
        return self.value is None and self.number_format is None and self.validation is None


@dataclass(frozen=True)
class LocaleRules:
    decimal: str
    group: str
    date_order: str  # "DMY" | "MDY"
    date_pattern: str
    time_pattern: str
    datetime_pattern: str
    sheet_prefix: str
    true_words: frozenset
    false_words: frozenset


LOCALES = {
    "nl_NL": LocaleRules(
        ",",
        ".",
        "DMY",
        "d-m-yyyy",
        "H:mm:ss",
        "d-m-yyyy H:mm:ss",
        "Blad",
        frozenset({"TRUE", "WAAR"}),
        frozenset({"FALSE", "ONWAAR"}),
    ),
    "en_US": LocaleRules(
        ".",
        ",",
        "MDY",
        "M/d/yyyy",
        "h:mm:ss am/pm",
        "M/d/yyyy H:mm:ss",
        "Sheet",
        frozenset({"TRUE"}),
        frozenset({"FALSE"}),
    ),
}


def locale_rules(locale: str) -> LocaleRules:
    return LOCALES.get(locale, LOCALES["en_US"])


def serial_from_datetime(value: dt.date | dt.datetime | dt.time) -> float:
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - SERIAL_EPOCH
    return delta.days + delta.seconds / 86400


def datetime_from_serial(serial: float) -> dt.datetime:
    total = round(serial * 86400)
    return SERIAL_EPOCH + dt.timedelta(seconds=total)


def _json_number(v: int | float) -> int | float:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class ValueCodec:
    """Turns typed input into stored values and stored values into rendered ones."""

    _ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\Z")
    _LOCAL_DATE_RE = re.compile(r"(\d{1,2})([-/])(\d{1,2})\2(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?\Z")
    _TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\Z")
    _DT_TOKEN_RE = re.compile(r'yyyy|mm|m|dd|d|hh|h|ss|s|am/pm|"[^"]*"|\\.|.', re.I)

    def __init__(self, locale: str):
        self.locale = locale
        self.rules = locale_rules(locale)
        d, g = re.escape(self.rules.decimal), re.escape(self.rules.group)
        self._number_re = re.compile(rf"([+-])?(\d{{1,3}}(?:{g}\d{{3}})+|\d*)(?:{d}(\d+))?(?:[eE]([+-]?\d+))?\Z")

    # -- input ----------------------------------------------------------------

    def parse_user_entered(self, text: str, current_format: dict | None) -> tuple[Any, dict | None]:
        """Interpret a string the way a user typing it would be.  Returns
        (value, detected number format or None)."""
        if text == "":
            return None, None
        if current_format and current_format.get("type") == "TEXT":
            return text, None
        if text.startswith("'"):
            return text[1:], None
        if text.startswith("=") and len(text) > 1:
            return Formula(text), None
        s = text.strip()
        if s.upper() in self.rules.true_words:
            return True, None
        if s.upper() in self.rules.false_words:
            return False, None
        number = self._parse_number(s)
        if number is not None:
            return number
        when = self._parse_datetime(s)
        if when is not None:
            return when
        return text, None

    def _parse_number(self, s: str) -> tuple[int | float, dict | None] | None:
        percent = s.endswith("%")
        if percent:
            s = s[:-1].rstrip()
        m = self._number_re.match(s)
        if not m or not (m.group(2) or m.group(3)):
            return None
        sign, whole, frac, exp = m.groups()
        literal = (whole or "0").replace(self.rules.group, "")
        if frac:
            literal += "." + frac
        if exp:
            literal += "e" + exp
        value: int | float = float(literal) if (frac or exp) else int(literal)
        if sign == "-":
            value = -value
        if isinstance(value, int) and abs(value) >= 10**15:
            value = float(value)
        if percent:
            return value / 100, {"type": "PERCENT", "pattern": "0.00%" if frac else "0%"}
        if exp:
            return value, {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
        return value, None

    def _parse_datetime(self, s: str) -> tuple[float, dict] | None:
        """A typed date or time, with the format Sheets gives it: the pattern of the
        input for ISO dates (`2020-01-01` shows as typed, as recorded from the real API,
        not as the locale's `1/1/2020`) and for 24-hour times (`14:00` shows
        `14:00:00`); the locale's own pattern for a date typed the local way."""
        try:
            iso = False
            m = self._ISO_RE.match(s)
            if m:
                iso = True
                y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
                clock = m.group(4, 5, 6)
            else:
                m = self._LOCAL_DATE_RE.match(s)
                if not m or (m.group(2) == "-" and self.rules.date_order == "MDY"):
                    m = None
                if m:
                    a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
                    d, mo = (a, b) if self.rules.date_order == "DMY" else (b, a)
                    clock = m.group(5, 6, 7)
            if m:
                when = dt.datetime(y, mo, d)
                if clock[0] is not None:
                    h, mi, sec = int(clock[0]), int(clock[1]), int(clock[2] or 0)
                    when = when.replace(hour=h, minute=mi, second=sec)
                    fmt = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd H:mm:ss"} if iso else {"type": "DATE_TIME"}
                    return serial_from_datetime(when), fmt
                return serial_from_datetime(when), (
                    {"type": "DATE", "pattern": "yyyy-mm-dd"} if iso else {"type": "DATE"}
                )
            m = self._TIME_RE.match(s)
            if m:
                h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
                if h < 24 and mi < 60 and sec < 60:
                    return serial_from_datetime(dt.time(h, mi, sec)), {"type": "TIME", "pattern": "H:mm:ss"}
        except ValueError:
            return None
        return None

    # -- output ---------------------------------------------------------------

    def render(self, cell: Cell | None, value_render: str) -> Any:
        """A stored value as values.get shows it (dates as serial numbers)."""
        if cell is None or cell.value is None:
            return ""
        v = cell.value
        if isinstance(v, Formula):
            if value_render == "FORMULA":
                return str(v)
            v = evaluate_formula(v)
        if isinstance(v, CellError):
            return v.code
        if value_render in ("UNFORMATTED_VALUE", "FORMULA"):
            return _json_number(v) if _is_number(v) else v
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if _is_number(v):
            return self.format_number(v, cell.number_format)
        return v

    def format_number(self, v: float, fmt: dict | None) -> str:
        kind = (fmt or {}).get("type")
        pattern = (fmt or {}).get("pattern")
        if kind in ("DATE", "TIME", "DATE_TIME"):
            default = {
                "DATE": self.rules.date_pattern,
                "TIME": self.rules.time_pattern,
                "DATE_TIME": self.rules.datetime_pattern,
            }[kind]
            return self.format_datetime(v, pattern or default)
        if kind in ("NUMBER", "PERCENT", "SCIENTIFIC"):
            default = {"NUMBER": "#,##0.00", "PERCENT": "0.00%", "SCIENTIFIC": "0.00E+00"}[kind]
            return self.format_with_number_pattern(v, pattern or default)
        return self.auto_format(v)

    def auto_format(self, v: float) -> str:
        if isinstance(v, int) or (v.is_integer() and abs(v) < 1e15):
            return str(int(v))
        if abs(v) >= 1e15 or abs(v) < 1e-9:
            mantissa, exp = f"{v:.2E}".split("E")
            return (
                mantissa.replace(".", self.rules.decimal)
                + "E"
                + ("+" if int(exp) >= 0 else "-")
                + f"{abs(int(exp)):02d}"
            )
        text = f"{v:.10f}".rstrip("0").rstrip(".")
        return text.replace(".", self.rules.decimal)

    def format_with_number_pattern(self, v: float, pattern: str) -> str:
        section = pattern.split(";")[0]
        m = re.search(r"[0#?][0#?,.]*(?:[eE][+-][0#]+)?", section)
        if not m:
            return self.auto_format(v)
        prefix, core, suffix = section[: m.start()], m.group(), section[m.end() :]
        if "%" in section:
            v = v * 100
        exp_m = re.search(r"[eE][+-]", core)
        mant = core[: exp_m.start()] if exp_m else core
        int_part, _, frac_part = mant.partition(".")
        min_dec = frac_part.count("0")
        max_dec = sum(frac_part.count(ch) for ch in "0#?")
        if exp_m:
            text = f"{abs(v):.{max_dec}E}"
            mantissa, exp = text.split("E")
            text = (
                mantissa.replace(".", self.rules.decimal)
                + "E"
                + ("+" if int(exp) >= 0 else "-")
                + f"{abs(int(exp)):02d}"
            )
        else:
            text = f"{abs(v):,.{max_dec}f}"
            if max_dec > min_dec and "." in text:
                whole, frac = text.split(".")
                frac = frac.rstrip("0")
                frac = frac + "0" * max(0, min_dec - len(frac))
                text = whole + ("." + frac if frac else "")
            if "," not in int_part:
                text = text.replace(",", "")
            text = text.replace(",", "\0").replace(".", self.rules.decimal).replace("\0", self.rules.group)
        if v < 0 and re.search(r"[1-9]", text):
            text = "-" + text

        def literal(part: str) -> str:
            return re.sub(r'"([^"]*)"|\\(.)', lambda mm: mm.group(1) or mm.group(2) or "", part)

        return literal(prefix) + text + literal(suffix)

    def format_datetime(self, serial: float, pattern: str) -> str:
        when = datetime_from_serial(serial)
        tokens = self._DT_TOKEN_RE.findall(pattern)
        kinds = [t.lower() for t in tokens]
        meaningful = [i for i, k in enumerate(kinds) if k[0] in "ymdhsa" and not k.startswith('"')]
        twelve_hour = "am/pm" in kinds
        out = []
        for i, (tok, k) in enumerate(zip(tokens, kinds)):
            if k in ("m", "mm"):  # minutes next to hours or seconds, else the month
                pos = meaningful.index(i)
                prev = kinds[meaningful[pos - 1]] if pos > 0 else ""
                nxt = kinds[meaningful[pos + 1]] if pos + 1 < len(meaningful) else ""
                if prev.startswith("h") or nxt.startswith("s"):
                    out.append(f"{when.minute:0{len(k)}d}")
                else:
                    out.append(f"{when.month:0{len(k)}d}")
            elif k == "yyyy":
                out.append(f"{when.year:04d}")
            elif k in ("d", "dd"):
                out.append(f"{when.day:0{len(k)}d}")
            elif k in ("h", "hh"):
                hour = when.hour
                if twelve_hour:
                    hour = hour % 12 or 12
                out.append(f"{hour:0{len(k)}d}")
            elif k in ("s", "ss"):
                out.append(f"{when.second:0{len(k)}d}")
            elif k == "am/pm":
                out.append("AM" if when.hour < 12 else "PM")
            elif tok.startswith('"'):
                out.append(tok[1:-1])
            elif tok.startswith("\\"):
                out.append(tok[1:])
            else:
                out.append(tok)
        return "".join(out)


@functools.cache
def _codec_for(locale: str) -> ValueCodec:
    return ValueCodec(locale)


def evaluate_formula(formula: str) -> Any:
    """Evaluate only literal formulas (``=42``, ``="x"``, ``=TRUE``); anything else is #NAME?."""
    body = formula[1:].strip()
    m = re.fullmatch(r'"((?:[^"]|"")*)"', body)
    if m:
        return m.group(1).replace('""', '"')
    if body.upper() in ("TRUE", "FALSE"):
        return body.upper() == "TRUE"
    try:
        number = float(body)
    except ValueError:
        return CellError("#NAME?")
    return int(number) if number.is_integer() and "." not in body and "e" not in body.lower() else number


# ---------------------------------------------------------------------------
# The grid model
# ---------------------------------------------------------------------------


class Sheet:
    """One tab: its properties and a sparse grid of cells keyed by (row, col)."""

    def __init__(self, sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLS):
        self.sheet_id = sheet_id
        self.title = title
        self.index = index
        self.row_count = rows
        self.column_count = cols
        self.frozen_rows = 0
        self.frozen_cols = 0
        self.cells: dict[tuple[int, int], Cell] = {}

    def properties(self) -> dict:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }

    def get(self, r: int, c: int) -> Cell | None:
        return self.cells.get((r, c))

    def ensure(self, r: int, c: int) -> Cell:
        cell = self.cells.get((r, c))
        if cell is None:
            cell = self.cells[(r, c)] = Cell()
        return cell

    def prune(self, r: int, c: int) -> None:
        cell = self.cells.get((r, c))
        if cell is not None and cell.is_blank():
            del self.cells[(r, c)]

    def value_extent(self) -> tuple[int, int]:
        """(rows, cols) needed to hold every non-empty value."""
        rows = cols = 0
        for (r, c), cell in self.cells.items():
            if cell.value is not None:
                rows, cols = max(rows, r + 1), max(cols, c + 1)
        return rows, cols

    def grow(self, rows: int, cols: int) -> None:
        self.row_count = max(self.row_count, rows)
        self.column_count = max(self.column_count, cols)

    def resize(self, rows: int, cols: int) -> None:
        self.row_count, self.column_count = rows, cols
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < cols}

    def insert_rows(self, start: int, count: int) -> None:
        """Insert ``count`` empty rows at 0-based ``start``; they take the number
        formats and validation of the row after them, as the UI's "insert above"."""
        self.cells = {(r + count if r >= start else r, c): cell for (r, c), cell in self.cells.items()}
        self.row_count += count
        if start < self.frozen_rows:
            self.frozen_rows += count
        source = start + count
        if source >= self.row_count:
            return
        for (r, c), cell in list(self.cells.items()):
            if r != source or (cell.number_format is None and cell.validation is None):
                continue
            for i in range(start, start + count):
                new = self.ensure(i, c)
                new.number_format = copy.deepcopy(cell.number_format)
                new.validation = copy.deepcopy(cell.validation)


class Spreadsheet:
    def __init__(self, spreadsheet_id: str, title: str, locale: str, time_zone: str):
        self.id = spreadsheet_id
        self.title = title
        self.locale = locale
        self.time_zone = time_zone
        self.sheets: list[Sheet] = []
        self.shared: set[str] = set()  # emails of the service accounts it is shared with
        self.share_with_everyone = False  # every registered service account may write

    @property
    def codec(self) -> ValueCodec:
        return _codec_for(self.locale)

    def titles(self) -> list[str]:
        return [s.title for s in self.sheets]

    def sheet_by_title(self, title: str) -> Sheet | None:
        match = _match_title(title, self.titles())
        return next((s for s in self.sheets if s.title == match), None) if match is not None else None

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def reindex(self) -> None:
        for i, s in enumerate(self.sheets):
            s.index = i

    def resolve(self, range_text: str) -> tuple[Sheet, Bounds | None, bool]:
        parsed = parse_a1(range_text, self.titles())
        if parsed.sheet_title is None:
            sheet = self.sheets[0]
        else:
            sheet = self.sheet_by_title(parsed.sheet_title)
            if sheet is None:
                raise _unparsable(range_text)
        return sheet, parsed.bounds, parsed.single_cell

    def properties(self) -> dict:
        return {
            "title": self.title,
            "locale": self.locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": self.time_zone,
            "defaultFormat": {
                "backgroundColor": {"red": 1, "green": 1, "blue": 1},
                "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
                "verticalAlignment": "BOTTOM",
                "wrapStrategy": "OVERFLOW_CELL",
                "textFormat": {
                    "fontFamily": "arial,sans,sans-serif",
                    "fontSize": 10,
                    "bold": False,
                    "italic": False,
                    "strikethrough": False,
                    "underline": False,
                },
            },
        }


@dataclass
class ServiceAccount:
    email: str
    key_id: str
    public_key: Any
    private_key_pem: str
    project_id: str
    client_id: str


@dataclass
class AccessToken:
    email: str
    scopes: frozenset
    expires_at: float
    revoked: bool = False


@dataclass
class _Fault:
    status: int
    remaining: int
    retry_after: float | None
    path_contains: str | None


# Generating RSA keys is the slowest thing the emulator does; share a pool
# across emulators within one test process (each account in one emulator
# still gets its own key).
_KEY_POOL: list[rsa.RSAPrivateKey] = []
_KEY_POOL_LOCK = threading.Lock()


def _pooled_key(n: int) -> rsa.RSAPrivateKey:
    with _KEY_POOL_LOCK:
        while len(_KEY_POOL) <= n:
            _KEY_POOL.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _KEY_POOL[n]


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
_VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
_DIMENSIONS = ("ROWS", "COLUMNS")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")

# Every request kind the real API knows (Request is a oneof): an unknown one is the
# real 400, a known one without a ``_req_<kind>`` handler below is a 501.
_KNOWN_REQUEST_KINDS = frozenset(
    """
    updateSpreadsheetProperties updateSheetProperties updateDimensionProperties updateNamedRange
    repeatCell addNamedRange deleteNamedRange addSheet deleteSheet autoFill cutPaste copyPaste
    mergeCells unmergeCells updateBorders updateCells addFilterView appendCells clearBasicFilter
    deleteDimension deleteEmbeddedObject deleteFilterView duplicateFilterView duplicateSheet
    findReplace insertDimension insertRange moveDimension updateEmbeddedObjectPosition pasteData
    textToColumns updateFilterView deleteRange appendDimension addConditionalFormatRule
    updateConditionalFormatRule deleteConditionalFormatRule sortRange setDataValidation
    setBasicFilter addProtectedRange updateProtectedRange deleteProtectedRange autoResizeDimensions
    addChart updateChartSpec updateBanding addBanding deleteBanding createDeveloperMetadata
    updateDeveloperMetadata deleteDeveloperMetadata randomizeRange addDimensionGroup
    deleteDimensionGroup updateDimensionGroup trimWhitespace deleteDuplicates
    updateEmbeddedObjectBorder addSlicer updateSlicer addDataSource updateDataSource
    deleteDataSource refreshDataSource cancelDataSourceRefresh addTable updateTable deleteTable
    """.split()  # noqa: SIM905 (a word list reads better than 69 quoted lines)
)
_CONDITION_TYPES = frozenset(
    """
    NUMBER_GREATER NUMBER_GREATER_THAN_EQ NUMBER_LESS NUMBER_LESS_THAN_EQ NUMBER_EQ NUMBER_NOT_EQ
    NUMBER_BETWEEN NUMBER_NOT_BETWEEN TEXT_CONTAINS TEXT_NOT_CONTAINS TEXT_STARTS_WITH TEXT_ENDS_WITH
    TEXT_EQ TEXT_IS_EMAIL TEXT_IS_URL DATE_EQ DATE_BEFORE DATE_AFTER DATE_ON_OR_BEFORE DATE_ON_OR_AFTER
    DATE_BETWEEN DATE_NOT_BETWEEN DATE_IS_VALID ONE_OF_RANGE ONE_OF_LIST BLANK NOT_BLANK CUSTOM_FORMULA
    BOOLEAN TEXT_NOT_EQ DATE_NOT_EQ FILTER_EXPRESSION
    """.split()  # noqa: SIM905
)


# ---------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------


class SheetsEmulator:
    """Google Sheets API v4 emulator.  See the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.token_uri = ""
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._accounts: dict[str, ServiceAccount] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._faults: list[_Fault] = []
        self._token_requests = 0
        self._location_requests = 0
        self._rng = random.Random()
        #: (METHOD, path-with-query) of every API request (not /token or allowedLocations).
        self.requests: list[tuple[str, str]] = []
        #: Called as hook(method, path) before each API request is handled.
        self.hook_before_request: Callable[[str, str], None] | None = None
        #: Unexpected exceptions raised while serving (including from the hook).
        self.server_errors: list[BaseException] = []

    # -- lifecycle -------------------------------------------------------

    def start(self) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.token_uri = self.base_url + "/token"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="sheets-emulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- accounts and sharing -------------------------------------------

    def create_service_account(
        self, path: str | Path, email: str = "intervisie@test-project.iam.gserviceaccount.com"
    ) -> dict:
        """Write a real service-account key file whose public key the token
        endpoint knows.  Returns the JSON content as a dict."""
        with self._lock:
            key = _pooled_key(len(self._accounts))
            project_id = email.split("@", 1)[1].split(".", 1)[0] if "@" in email else "test-project"
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
            account = ServiceAccount(
                email=email,
                key_id=secrets.token_hex(20),
                public_key=key.public_key(),
                private_key_pem=pem,
                project_id=project_id,
                client_id=str(self._rng.randrange(10**20, 10**21)),
            )
            self._accounts[email] = account
        info = {
            "type": "service_account",
            "project_id": account.project_id,
            "private_key_id": account.key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": account.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri or GOOGLE_TOKEN_URL,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        }
        Path(path).write_text(json.dumps(info, indent=2))
        return info

    def unshare(self, spreadsheet_id: str, email: str) -> None:
        with self._lock:
            ss = self._spreadsheet(spreadsheet_id)
            if ss.share_with_everyone:
                ss.share_with_everyone = False
                ss.shared |= set(self._accounts)
            ss.shared.discard(email)

    # -- tokens and faults ---------------------------------------------------

    def expire_tokens(self) -> None:
        """Invalidate every access token issued so far."""
        with self._lock:
            for token in self._tokens.values():
                token.revoked = True

    def fail_next(
        self, status: int, times: int = 1, retry_after: float | None = None, path_contains: str | None = None
    ) -> None:
        """Make the next ``times`` matching API requests fail with ``status``
        (in the real error shape; 429 is the quota error, 502 Google's HTML page)."""
        with self._lock:
            self._faults.append(_Fault(status, times, retry_after, path_contains))

    def clear_faults(self) -> None:
        """Drop queued faults (between tests sharing one emulator)."""
        with self._lock:
            self._faults.clear()

    def count(self, kind: str | None = None) -> int:
        """Number of API requests of a kind: "get", "values.get", "values.update",
        "values:batchGet", "values:batchUpdate", ":batchUpdate", or
        "token"/"allowedLocations".  Any other string counts requests whose path contains it."""
        with self._lock:
            if kind is None:
                return len(self.requests)
            if kind == "token":
                return self._token_requests
            if kind == "allowedLocations":
                return self._location_requests
            return sum(
                1 for m, p in self.requests if _request_kind(m, p) == kind or (kind not in _REQUEST_KINDS and kind in p)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self._token_requests = 0
            self._location_requests = 0

    # -- spreadsheets (test side) ---------------------------------------------

    def create_spreadsheet(
        self,
        title: str = "Intervisie",
        sheets: dict[str, list[list]] | None = None,
        shared_with: list[str] | None = None,
        *,
        locale: str = "nl_NL",
        time_zone: str = "Europe/Amsterdam",
    ) -> str:
        """Create a spreadsheet, its cells typed as by a person (see ``set_cells``).
        ``shared_with=None`` shares it with every service account, including ones
        registered later."""
        with self._lock:
            sid = "1" + "".join(self._rng.choice(_ID_ALPHABET) for _ in range(43))
            ss = Spreadsheet(sid, title, locale, time_zone)
            if shared_with is None:
                ss.share_with_everyone = True
            else:
                ss.shared = set(shared_with)
            for i, (name, rows) in enumerate((sheets or {f"{locale_rules(locale).sheet_prefix}1": []}).items()):
                ss.sheets.append(Sheet(0 if i == 0 else self._new_sheet_id(ss), name, i))
                if rows:
                    self._set_cells(ss, ss.sheets[-1], rows, 0, 0)
            self._spreadsheets[sid] = ss
            return sid

    def set_cells(self, spreadsheet_id: str, sheet_title: str, rows: list[list], start: str = "A1") -> None:
        """Simulate a person typing into the UI (grows the grid as needed).
        ``None`` leaves a cell alone, ``""`` clears it; text is parsed as typed;
        date/datetime/time objects become date-formatted serial numbers."""
        with self._lock:
            ss = self._spreadsheet(spreadsheet_id)
            sheet = self._sheet(ss, sheet_title)
            cells = parse_cells(start)
            if cells is None:
                raise ValueError(f"bad start cell {start!r}")
            self._set_cells(ss, sheet, rows, cells[0].r0, cells[0].c0)

    def get_grid(self, spreadsheet_id: str, sheet_title: str, render: str = "UNFORMATTED_VALUE") -> list[list]:
        """The sheet's values as values.get renders them (dates as serial numbers),
        trimmed like the API trims them."""
        with self._lock:
            ss = self._spreadsheet(spreadsheet_id)
            sheet = self._sheet(ss, sheet_title)
            return self._read(ss, sheet, (0, sheet.row_count, 0, sheet.column_count), render)

    def cell(self, spreadsheet_id: str, sheet_title: str, a1: str) -> Cell | None:
        """The stored cell (value, number_format, validation) or None."""
        with self._lock:
            sheet = self._sheet(self._spreadsheet(spreadsheet_id), sheet_title)
            cells = parse_cells(a1)
            if cells is None:
                raise ValueError(a1)
            found = sheet.get(cells[0].r0, cells[0].c0)
            return copy.deepcopy(found)

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        with self._lock:
            return self._spreadsheet(spreadsheet_id).titles()

    def sheet_id(self, spreadsheet_id: str, sheet_title: str) -> int:
        with self._lock:
            return self._sheet(self._spreadsheet(spreadsheet_id), sheet_title).sheet_id

    def frozen_rows(self, spreadsheet_id: str, sheet_title: str) -> int:
        with self._lock:
            return self._sheet(self._spreadsheet(spreadsheet_id), sheet_title).frozen_rows

    def data_validations(self, spreadsheet_id: str, sheet_title: str) -> list[dict]:
        """Validation rules as ``[{"range": GridRange, "rule": rule}]``, with
        cells sharing a rule merged into rectangles."""
        with self._lock:
            sheet = self._sheet(self._spreadsheet(spreadsheet_id), sheet_title)
            by_rule: dict[str, set[tuple[int, int]]] = {}
            rules: dict[str, dict] = {}
            for key, cell in sheet.cells.items():
                if cell.validation is not None:
                    rk = json.dumps(cell.validation, sort_keys=True)
                    by_rule.setdefault(rk, set()).add(key)
                    rules[rk] = cell.validation
            out = []
            for rk, positions in by_rule.items():
                for r0, r1, c0, c1 in _rectangles(positions):
                    out.append(
                        {
                            "range": {
                                "sheetId": sheet.sheet_id,
                                "startRowIndex": r0,
                                "endRowIndex": r1,
                                "startColumnIndex": c0,
                                "endColumnIndex": c1,
                            },
                            "rule": copy.deepcopy(rules[rk]),
                        }
                    )
            out.sort(key=lambda d: (d["range"]["startColumnIndex"], d["range"]["startRowIndex"]))
            return out

    # UI-style structural edits, as a coordinator would make them.

    def delete_sheet(self, spreadsheet_id: str, title: str) -> None:
        with self._lock:
            ss = self._spreadsheet(spreadsheet_id)
            self._req_deleteSheet(ss, {"sheetId": self._sheet(ss, title).sheet_id}, "deleteSheet")

    def insert_rows(self, spreadsheet_id: str, sheet_title: str, before_row: int, count: int = 1) -> None:
        """Insert ``count`` empty rows above 1-based row ``before_row``."""
        with self._lock:
            self._sheet(self._spreadsheet(spreadsheet_id), sheet_title).insert_rows(before_row - 1, count)

    def sort_rows(
        self, spreadsheet_id: str, sheet_title: str, column: str | int, *, first_row: int = 2, descending: bool = False
    ) -> None:
        """Sort rows ``first_row``.. by a column (letter or 0-based index), as the UI's
        "sort range" does: blanks last, numbers before text before booleans."""
        with self._lock:
            sheet = self._sheet(self._spreadsheet(spreadsheet_id), sheet_title)
            col = col_index(column) if isinstance(column, str) else column
            self._sort(sheet, first_row - 1, sheet.row_count, 0, sheet.column_count, col, descending)

    # -- internals: lookup -------------------------------------------------------

    def _spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        try:
            return self._spreadsheets[spreadsheet_id]
        except KeyError:
            raise KeyError(f"no spreadsheet {spreadsheet_id!r}") from None

    @staticmethod
    def _sheet(ss: Spreadsheet, title: str) -> Sheet:
        sheet = ss.sheet_by_title(title)
        if sheet is None:
            raise KeyError(f"no sheet {title!r} in {ss.titles()}")
        return sheet

    def _new_sheet_id(self, ss: Spreadsheet) -> int:
        while True:
            candidate = self._rng.randrange(1, 2**31 - 1)
            if ss.sheet_by_id(candidate) is None:
                return candidate

    # -- internals: values ---------------------------------------------------------

    def _set_cells(self, ss: Spreadsheet, sheet: Sheet, rows: list[list], r0: int, c0: int) -> None:
        codec = ss.codec
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None:
                    continue
                r, c = r0 + i, c0 + j
                sheet.grow(r + 1, c + 1)
                cell = sheet.ensure(r, c)
                if isinstance(v, (dt.date, dt.datetime, dt.time)):
                    kind = "DATE_TIME" if isinstance(v, dt.datetime) else "TIME" if isinstance(v, dt.time) else "DATE"
                    cell.value = _json_number(serial_from_datetime(v))
                    cell.number_format = cell.number_format or {"type": kind}
                elif isinstance(v, str):
                    value, fmt = codec.parse_user_entered(v, cell.number_format)
                    cell.value = value
                    if fmt and cell.number_format is None:
                        cell.number_format = fmt
                else:
                    cell.value = v
                sheet.prune(r, c)

    def _read(self, ss: Spreadsheet, sheet: Sheet, rect: tuple[int, int, int, int], render: str) -> list[list]:
        r0, r1, c0, c1 = rect
        ext_r, ext_c = sheet.value_extent()
        r1, c1 = min(r1, ext_r), min(c1, ext_c)
        codec = ss.codec
        lines = [[codec.render(sheet.get(r, c), render) for c in range(c0, c1)] for r in range(r0, r1)]
        for line in lines:
            while line and line[-1] == "":
                line.pop()
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def _read_rect(self, sheet: Sheet, bounds: Bounds | None, range_text: str) -> tuple[int, int, int, int]:
        if bounds is None:
            return 0, sheet.row_count, 0, sheet.column_count
        if bounds.r0 >= sheet.row_count or bounds.c0 >= sheet.column_count:
            raise self._grid_limit_error(sheet, range_text)
        r1 = sheet.row_count if bounds.r1 is None else min(bounds.r1, sheet.row_count)
        c1 = sheet.column_count if bounds.c1 is None else min(bounds.c1, sheet.column_count)
        return bounds.r0, r1, bounds.c0, c1

    @staticmethod
    def _grid_limit_error(sheet: Sheet, range_text: str) -> ApiError:
        rng = range_text if "!" in range_text else f"{quote_title(sheet.title, True)}!{range_text}"
        return _bad_request(
            f"Range ({rng}) exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
        )

    def _value_range(self, ss: Spreadsheet, range_text: str, render: str) -> dict:
        sheet, bounds, _ = ss.resolve(range_text)
        rect = self._read_rect(sheet, bounds, range_text)
        out: dict[str, Any] = {"range": f"{quote_title(sheet.title)}!{a1_rect(*_rc(rect))}", "majorDimension": "ROWS"}
        values = self._read(ss, sheet, rect, render)
        if values:
            out["values"] = values
        return out

    @staticmethod
    def _convert_input(codec: ValueCodec, v: Any, cell: Cell | None, where: str) -> tuple[Any, dict | None]:
        """A value sent with USER_ENTERED -> (stored value, detected number format)."""
        if isinstance(v, bool):
            return v, None
        if isinstance(v, (int, float)):
            if v != v or v in (float("inf"), float("-inf")):
                raise _bad_request(f"Invalid {where}: number_value must be finite")
            return v, None
        if isinstance(v, str):
            if len(v) > MAX_CELL_CHARS:
                raise _bad_request(
                    f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters in a single cell."
                )
            return codec.parse_user_entered(v, cell.number_format if cell else None)
        kind = "list_value" if isinstance(v, list) else "struct_value"
        raise _bad_request(f"Invalid {where}: {kind} {json.dumps(v)}")

    def _write(
        self, ss: Spreadsheet, range_text: str, values: Any, major: Any, value_where: str = "values"
    ) -> tuple[dict, Sheet | None]:
        """values.update semantics (USER_ENTERED, ROWS).  Returns
        (UpdateValuesResponse, sheet or None if nothing written)."""
        _check_major_dimension(major)
        sheet, bounds, single = ss.resolve(range_text)
        if values is None:
            values = []
        if not isinstance(values, list) or any(not isinstance(row, list) for row in values):
            raise _bad_request(f"Invalid {value_where}: expected a list of lists")
        r0, c0 = (bounds.r0, bounds.c0) if bounds else (0, 0)
        cells: list[tuple[int, int, Any, str]] = []
        for i, line in enumerate(values):
            for j, v in enumerate(line):
                if v is not None:
                    cells.append((r0 + i, c0 + j, v, f"{value_where}[{i}][{j}]"))
        if bounds is not None and not single:
            shown = f"[{quote_title(sheet.title, True)}!{range_text.split('!')[-1]}]"
            for r, c, _, _ in cells:
                if bounds.c1 is not None and c >= bounds.c1:
                    raise _bad_request(
                        f"Requested writing within range {shown}, but tried writing to column [{col_letters(c)}]"
                    )
                if bounds.r1 is not None and r >= bounds.r1:
                    raise _bad_request(f"Requested writing within range {shown}, but tried writing to row [{r + 1}]")
        if not cells:
            return {
                "spreadsheetId": ss.id,
                "updatedRange": f"{quote_title(sheet.title)}!{a1_rect(r0, r0 + 1, c0, c0 + 1)}",
            }, None
        need_r = max(r for r, _, _, _ in cells) + 1
        need_c = max(c for _, c, _, _ in cells) + 1
        if need_r > sheet.row_count or need_c > sheet.column_count:
            written = f"{quote_title(sheet.title, True)}!{a1_rect(r0, max(need_r, r0 + 1), c0, max(need_c, c0 + 1))}"
            raise self._grid_limit_error(sheet, written)
        codec = ss.codec
        converted = [(r, c, *self._convert_input(codec, v, sheet.get(r, c), where)) for r, c, v, where in cells]
        for r, c, value, fmt in converted:
            cell = sheet.ensure(r, c)
            cell.value = value
            if fmt and cell.number_format is None:
                cell.number_format = fmt
            sheet.prune(r, c)
        height = len(values)
        width = max(len(line) for line in values)
        rect = (r0, r0 + max(height, 1), c0, c0 + max(width, 1))
        response: dict[str, Any] = {
            "spreadsheetId": ss.id,
            "updatedRange": f"{quote_title(sheet.title)}!{a1_rect(*rect)}",
            "updatedRows": len({r for r, _, _, _ in cells}),
            "updatedColumns": len({c for _, c, _, _ in cells}),
            "updatedCells": len(cells),
        }
        return response, sheet

    # -- internals: HTTP dispatch --------------------------------------------------

    def _dispatch(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        if path in _TOKEN_PATHS:
            return self._token_endpoint(method, body)
        if path.startswith("/v1/projects/-/serviceAccounts/") and path.endswith("/allowedLocations"):
            return self._allowed_locations(headers)
        with self._lock:
            self.requests.append((method, raw_path))
        try:
            hook = self.hook_before_request
            if hook is not None:
                hook(method, raw_path)
            fault = self._take_fault(raw_path)
            if fault is not None:
                return self._fault_response(fault, method)
            with self._lock:
                result = self._route(method, path, query, headers, body)
            return 200, {}, _json_bytes(result)
        except ApiError as err:
            return err.code, err.headers, _json_bytes(err.payload())
        except Exception as exc:  # a bug in the emulator or an exception in the hook
            self.server_errors.append(exc)
            err = ApiError(500, f"Emulator error: {type(exc).__name__}: {exc}")
            return 500, {}, _json_bytes(err.payload())

    def _take_fault(self, raw_path: str) -> _Fault | None:
        decoded = unquote(raw_path)
        with self._lock:
            for fault in self._faults:
                if fault.path_contains is None or fault.path_contains in raw_path or fault.path_contains in decoded:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _fault_response(self, fault: _Fault, method: str) -> tuple[int, dict[str, str], bytes]:
        headers = {}
        if fault.retry_after is not None:
            retry = fault.retry_after
            headers["Retry-After"] = str(int(retry)) if float(retry).is_integer() else str(retry)
        if fault.status == 502:
            headers["Content-Type"] = "text/html; charset=UTF-8"
            return 502, headers, _HTML_502.encode()
        if fault.status == 429:
            err = _quota_error("read" if method == "GET" else "write")
        elif fault.status == 401:
            err = _unauthenticated("ACCESS_TOKEN_EXPIRED")
        else:
            err = ApiError(fault.status)
        err.headers.update(headers)
        return err.code, err.headers, _json_bytes(err.payload())

    def _route(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> dict:
        m = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", path)
        if not m:
            raise _not_implemented(f"{method} {path}")
        sid, rest = m.group(1), m.group(2)
        write = method not in ("GET", "HEAD")
        email = self._authenticate(headers, _SHEETS_WRITE_SCOPES if write else _SHEETS_READ_SCOPES)
        ss = self._spreadsheets.get(sid)
        if ss is None:
            raise ApiError(404)
        if not (ss.share_with_everyone or email in ss.shared):
            raise ApiError(403)
        payload = _json_body(body) if write else {}
        if rest == "" and method == "GET":
            return self._op_get(ss, query)
        if rest == ":batchUpdate" and method == "POST":
            return self._op_batch_update(ss, payload)
        if rest == "/values:batchGet" and method == "GET":
            render = _read_render_option(query)
            result: dict[str, Any] = {"spreadsheetId": ss.id}
            if query.get("ranges"):
                result["valueRanges"] = [self._value_range(ss, r, render) for r in query["ranges"]]
            return result
        if rest == "/values:batchUpdate" and method == "POST":
            return self._op_values_batch_update(ss, payload)
        if rest.startswith("/values/") and method == "GET":
            return self._value_range(ss, unquote(rest[len("/values/") :]), _read_render_option(query))
        if rest.startswith("/values/") and method == "PUT":
            return self._op_values_update(ss, unquote(rest[len("/values/") :]), query, payload)
        raise _not_implemented(f"{method} {rest or '/'}")

    # -- auth ----------------------------------------------------------------------

    def _authenticate(self, headers: Any, scopes: set[str]) -> str:
        auth = headers.get("Authorization") if headers is not None else None
        if not auth:
            raise ApiError(
                403,
                "The request is missing a valid API key.",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "sheets.googleapis.com"},
                    }
                ],
            )
        scheme, _, token = auth.partition(" ")
        info = self._tokens.get(token.strip())
        if scheme.lower() != "bearer" or info is None:
            raise _unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED")
        if info.revoked or info.expires_at <= time.time():
            raise _unauthenticated("ACCESS_TOKEN_EXPIRED")
        if scopes and not (info.scopes & scopes):
            raise ApiError(
                403,
                "Request had insufficient authentication scopes.",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                        "domain": "googleapis.com",
                        "metadata": {"service": "sheets.googleapis.com"},
                    }
                ],
            )
        return info.email

    def _verify_jwt_signature(self, assertion: str) -> tuple[dict, dict, ServiceAccount]:
        try:
            head_b64, claims_b64, sig_b64 = assertion.split(".")
            header = json.loads(_b64url_decode(head_b64))
            claims = json.loads(_b64url_decode(claims_b64))
            signature = _b64url_decode(sig_b64)
        except Exception:
            raise _OAuthError("invalid_request", "Invalid JWT: malformed.") from None
        if header.get("alg") != "RS256":
            raise _OAuthError("invalid_grant", "Invalid JWT Signature.")
        account = self._accounts.get(claims.get("iss", ""))
        if account is None:
            raise _OAuthError("invalid_grant", "Invalid grant: account not found")
        if "kid" in header and header["kid"] != account.key_id:
            raise _OAuthError("invalid_grant", "Invalid JWT Signature.")
        try:
            account.public_key.verify(
                signature, f"{head_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise _OAuthError("invalid_grant", "Invalid JWT Signature.") from None
        return header, claims, account

    def _token_endpoint(self, method: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self._token_requests += 1
        try:
            if method != "POST":
                raise _OAuthError("invalid_request", "Only POST is supported.")
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            grant = form.get("grant_type", "")
            if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                raise _OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant}")
            assertion = form.get("assertion", "")
            with self._lock:
                _, claims, account = self._verify_jwt_signature(assertion)
                aud = claims.get("aud")
                if aud not in _ACCEPTED_TOKEN_AUDIENCES and aud != self.token_uri:
                    raise _OAuthError(
                        "invalid_grant",
                        f"Invalid JWT: Failed audience check. The expected value was {GOOGLE_TOKEN_URL}",
                    )
                now = time.time()
                iat, exp = claims.get("iat"), claims.get("exp")
                if (
                    not isinstance(iat, (int, float))
                    or not isinstance(exp, (int, float))
                    or exp <= now
                    or iat > now + 300
                    or exp - iat > 3600
                ):
                    raise _OAuthError(
                        "invalid_grant",
                        "Invalid JWT: Token must be a short-lived token (60 minutes) "
                        "and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
                    )
                scopes = str(claims.get("scope", "")).split()
                if not scopes:
                    raise _OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
                token = "ya29.c." + secrets.token_urlsafe(48)
                self._tokens[token] = AccessToken(account.email, frozenset(scopes), now + TOKEN_LIFETIME)
            body_out = {"access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}
            return 200, {}, _json_bytes(body_out)
        except _OAuthError as err:
            return err.status, {}, _json_bytes(err.body)

    def _allowed_locations(self, headers: Any) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self._location_requests += 1
            try:
                self._authenticate(headers, set())
            except ApiError as err:
                return err.code, err.headers, _json_bytes(err.payload())
        return 200, {}, _json_bytes({"locations": [], "encodedLocations": "0x0"})

    # -- operations: spreadsheets.get and values -----------------------------------

    def _op_get(self, ss: Spreadsheet, query: dict[str, list[str]]) -> dict:
        if _bool_param(query, "includeGridData", "include_grid_data", False) or query.get("ranges"):
            raise _not_implemented("spreadsheets.get with grid data or ranges")
        result = {
            "spreadsheetId": ss.id,
            "properties": ss.properties(),
            "sheets": [{"properties": sheet.properties()} for sheet in ss.sheets],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit",
        }
        fields = query.get("fields", [None])[0]
        if fields:
            return apply_field_mask(result, parse_field_mask(fields))
        return result

    def _op_values_update(self, ss: Spreadsheet, range_text: str, query: dict[str, list[str]], payload: dict) -> dict:
        _input_option(query.get("valueInputOption", [None])[0])
        if _bool_param(query, "includeValuesInResponse", "include_values_in_response", False):
            raise _not_implemented("includeValuesInResponse")
        response, _ = self._atomic(
            ss, lambda: self._write(ss, range_text, payload.get("values"), payload.get("majorDimension") or "ROWS")
        )
        return _drop_zeros(response)

    def _op_values_batch_update(self, ss: Spreadsheet, payload: dict) -> dict:
        _input_option(payload.get("valueInputOption"))
        if payload.get("includeValuesInResponse"):
            raise _not_implemented("includeValuesInResponse")
        data = payload.get("data") or []

        def run() -> dict:
            responses, sheets = [], set()
            totals = {"rows": 0, "cols": 0, "cells": 0}
            for i, vr in enumerate(data):
                if "range" not in vr:
                    raise _bad_request(f"Invalid data[{i}]: range is required")
                major = vr.get("majorDimension") or "ROWS"
                resp, sheet = self._write(ss, vr["range"], vr.get("values"), major, f"data[{i}].values")
                responses.append(_drop_zeros(resp))
                if sheet is not None:
                    sheets.add(sheet.sheet_id)
                totals["rows"] += resp.get("updatedRows", 0)
                totals["cols"] += resp.get("updatedColumns", 0)
                totals["cells"] += resp.get("updatedCells", 0)
            return _drop_zeros(
                {
                    "spreadsheetId": ss.id,
                    "totalUpdatedRows": totals["rows"],
                    "totalUpdatedColumns": totals["cols"],
                    "totalUpdatedCells": totals["cells"],
                    "totalUpdatedSheets": len(sheets),
                    "responses": responses,
                }
            )

        return self._atomic(ss, run)

    def _atomic(self, ss: Spreadsheet, action: Callable[[], Any]) -> Any:
        """Run ``action``; if it fails, restore the spreadsheet (Sheets requests are atomic)."""
        snapshot = copy.deepcopy(ss.__dict__)
        try:
            return action()
        except BaseException:
            ss.__dict__.clear()
            ss.__dict__.update(snapshot)
            raise

    # -- operations: spreadsheets.batchUpdate -----------------------------------

    def _op_batch_update(self, ss: Spreadsheet, payload: dict) -> dict:
        requests = payload.get("requests")
        if not isinstance(requests, list):
            requests = []
        if payload.get("includeSpreadsheetInResponse"):
            raise _not_implemented("includeSpreadsheetInResponse")

        def run() -> dict:
            replies = []
            for i, req in enumerate(requests):
                if not isinstance(req, dict) or not req:
                    raise _bad_request(f"Invalid requests[{i}]: No request set.")
                unknown = [k for k in req if k not in _KNOWN_REQUEST_KINDS]
                if unknown:
                    raise _bad_request(
                        f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at 'requests[{i}]': Cannot find field."
                    )
                if len(req) > 1:
                    raise _bad_request(
                        f"Invalid requests[{i}]: oneof field 'kind' is already set. Cannot set '{list(req)[1]}'"
                    )
                ((kind, body),) = req.items()
                handler = getattr(self, f"_req_{kind}", None)
                if handler is None:
                    raise _not_implemented(f"the request kind '{kind}'")
                replies.append(handler(ss, body or {}, f"requests[{i}].{kind}"))
            return {"spreadsheetId": ss.id, "replies": replies}

        return self._atomic(ss, run)

    def _grid_range(self, ss: Spreadsheet, gr: dict | None, where: str) -> tuple[Sheet, int, int, int, int]:
        gr = gr or {}
        sheet_id = gr.get("sheetId", 0)
        sheet = ss.sheet_by_id(sheet_id)
        if sheet is None:
            raise _bad_request(f"Invalid {where}: No grid with id: {sheet_id}")
        r0 = gr.get("startRowIndex", 0)
        r1 = gr.get("endRowIndex", sheet.row_count)
        c0 = gr.get("startColumnIndex", 0)
        c1 = gr.get("endColumnIndex", sheet.column_count)
        if min(r0, r1, c0, c1) < 0 or r0 > r1 or c0 > c1:
            raise _bad_request(f"Invalid {where}: invalid GridRange {json.dumps(gr)}")
        if r1 > sheet.row_count or c1 > sheet.column_count:
            raise _bad_request(
                f"Invalid {where}: Range ({quote_title(sheet.title, True)}!{a1_rect(r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))}) "
                f"exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
            )
        return sheet, r0, r1, c0, c1

    def _check_title(self, ss: Spreadsheet, title: Any, where: str, current: Sheet | None = None) -> None:
        if not isinstance(title, str) or not title.strip():
            raise _bad_request(f"Invalid {where}: Sheet name cannot be empty.")
        existing = ss.sheet_by_title(title)
        if existing is not None and existing is not current:
            raise _bad_request(
                f'Invalid {where}: A sheet with the name "{title}" already exists. Please enter another name.'
            )

    @staticmethod
    def _check_frozen(sheet: Sheet, where: str) -> None:
        if sheet.frozen_rows >= sheet.row_count:
            raise _bad_request(f"Invalid {where}: You can't freeze all visible rows on the sheet.")
        if sheet.frozen_cols >= sheet.column_count:
            raise _bad_request(f"Invalid {where}: You can't freeze all visible columns on the sheet.")

    def _req_addSheet(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        props = body.get("properties") or {}
        grid = props.get("gridProperties") or {}
        extra = sorted(set(props) - {"sheetId", "title", "index", "gridProperties"}) + sorted(
            set(grid) - {"rowCount", "columnCount", "frozenRowCount", "frozenColumnCount"}
        )
        if extra:
            raise _not_implemented(f"addSheet with the property {extra[0]!r}")
        title = props.get("title")
        if title is None:
            prefix, n = locale_rules(ss.locale).sheet_prefix, len(ss.sheets) + 1
            while ss.sheet_by_title(f"{prefix}{n}") is not None:
                n += 1
            title = f"{prefix}{n}"
        self._check_title(ss, title, where)
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_sheet_id(ss)
        elif ss.sheet_by_id(sheet_id) is not None:
            raise _bad_request(f"Invalid {where}: Sheet with id {sheet_id} already exists.")
        sheet = Sheet(sheet_id, title, 0, grid.get("rowCount", DEFAULT_ROWS), grid.get("columnCount", DEFAULT_COLS))
        sheet.frozen_rows = grid.get("frozenRowCount", 0)
        sheet.frozen_cols = grid.get("frozenColumnCount", 0)
        self._check_frozen(sheet, where)
        index = props.get("index", len(ss.sheets))
        ss.sheets.insert(max(0, min(index, len(ss.sheets))), sheet)
        ss.reindex()
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_deleteSheet(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        sheet = ss.sheet_by_id(body.get("sheetId", 0))
        if sheet is None:
            raise _bad_request(f"Invalid {where}: No sheet with id: {body.get('sheetId', 0)}")
        if len(ss.sheets) == 1:
            raise _bad_request(f"Invalid {where}: You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.reindex()
        return {}

    def _req_updateSheetProperties(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        """The title, the grid size and the frozen rows and columns."""
        props = body.get("properties") or {}
        fields = body.get("fields")
        if not fields:
            raise _bad_request(f"Invalid {where}: At least one field must be specified in 'fields'.")
        sheet = ss.sheet_by_id(props.get("sheetId", 0))
        if sheet is None:
            raise _bad_request(f"Invalid {where}: No grid with id: {props.get('sheetId', 0)}")
        grid = props.get("gridProperties") or {}
        rows, cols = sheet.row_count, sheet.column_count
        for path in mask_leaf_paths(parse_field_mask(fields)):
            if path == "title":
                self._check_title(ss, props.get("title"), where, sheet)
                sheet.title = props["title"]
            elif path == "gridProperties.rowCount":
                rows = grid.get("rowCount", 0)
            elif path == "gridProperties.columnCount":
                cols = grid.get("columnCount", 0)
            elif path == "gridProperties.frozenRowCount":
                sheet.frozen_rows = grid.get("frozenRowCount", 0)
            elif path == "gridProperties.frozenColumnCount":
                sheet.frozen_cols = grid.get("frozenColumnCount", 0)
            elif path != "sheetId":
                raise _not_implemented(f"updateSheetProperties of the field {path!r}")
        if rows < 1 or cols < 1:
            raise _bad_request(
                f"Invalid {where}: You can't delete all the rows on the sheet."
                if rows < 1
                else f"Invalid {where}: You can't delete all the columns on the sheet."
            )
        if (rows, cols) != (sheet.row_count, sheet.column_count):
            sheet.resize(rows, cols)
        self._check_frozen(sheet, where)
        return {}

    def _req_appendDimension(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        sheet = ss.sheet_by_id(body.get("sheetId", 0))
        if sheet is None:
            raise _bad_request(f"Invalid {where}: No grid with id: {body.get('sheetId', 0)}")
        length = body.get("length", 0)
        if length < 1:
            raise _bad_request(f"Invalid {where}: length must be greater than 0")
        if body.get("dimension") == "COLUMNS":
            sheet.column_count += length
        elif body.get("dimension") == "ROWS":
            sheet.row_count += length
        else:
            raise _bad_request(f"Invalid {where}: dimension must be ROWS or COLUMNS")
        return {}

    def _req_setDataValidation(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        sheet, r0, r1, c0, c1 = self._grid_range(ss, body.get("range"), where)
        rule = body.get("rule")
        if rule is not None:
            condition = rule.get("condition") or {}
            if condition.get("type") not in _CONDITION_TYPES:
                raise _bad_request(
                    f"Invalid {where}: Invalid data validation rule: condition type "
                    f"{condition.get('type')!r} is not valid."
                )
            if condition["type"] in ("ONE_OF_LIST", "ONE_OF_RANGE") and not condition.get("values"):
                raise _bad_request(
                    f"Invalid {where}: Invalid ConditionValue for {condition['type']}: at least one value is required."
                )
        for r in range(r0, r1):
            for c in range(c0, c1):
                if rule is None:
                    cell = sheet.get(r, c)
                    if cell is not None:
                        cell.validation = None
                        sheet.prune(r, c)
                else:
                    sheet.ensure(r, c).validation = copy.deepcopy(rule)
        return {}

    def _req_repeatCell(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        """Formats only: the number format is stored, other formatting accepted and ignored."""
        sheet, r0, r1, c0, c1 = self._grid_range(ss, body.get("range"), where)
        paths = _cell_mask(body.get("fields"), where, ("userEnteredFormat",))
        if not _mask_covers(paths, "userEnteredFormat.numberFormat"):
            return {}
        number_format = ((body.get("cell") or {}).get("userEnteredFormat") or {}).get("numberFormat")
        for r in range(r0, r1):
            for c in range(c0, c1):
                sheet.ensure(r, c).number_format = copy.deepcopy(number_format)
                sheet.prune(r, c)
        return {}

    def _req_updateCells(self, ss: Spreadsheet, body: dict, where: str) -> dict:
        """updateCells with `start` (rows of CellData from a start cell); values and
        number formats are honoured, other formatting is accepted and ignored."""
        paths = _cell_mask(body.get("fields"), where, ("userEnteredValue", "userEnteredFormat"))
        if "range" in body:
            raise _not_implemented("updateCells with 'range' (use 'start')")
        start = body.get("start") or {}
        sheet = ss.sheet_by_id(start.get("sheetId", 0))
        if sheet is None:
            raise _bad_request(f"Invalid {where}: No grid with id: {start.get('sheetId', 0)}")
        set_value = _mask_covers(paths, "userEnteredValue")
        set_format = _mask_covers(paths, "userEnteredFormat.numberFormat")
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        rows = body.get("rows") or []
        need_r = r0 + len(rows)
        need_c = c0 + max((len(r.get("values") or []) for r in rows), default=0)
        if need_r > sheet.row_count or need_c > sheet.column_count:
            raise _bad_request(
                f"Invalid {where}: Range exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
            )
        for i, row in enumerate(rows):
            for j, data in enumerate(row.get("values") or []):
                cell = sheet.ensure(r0 + i, c0 + j)
                if set_value:
                    cell.value = _from_extended_value((data or {}).get("userEnteredValue"))
                if set_format:
                    cell.number_format = copy.deepcopy(
                        ((data or {}).get("userEnteredFormat") or {}).get("numberFormat")
                    )
                sheet.prune(r0 + i, c0 + j)
        return {}

    @staticmethod
    def _sort(sheet: Sheet, r0: int, r1: int, c0: int, c1: int, col: int, descending: bool) -> None:
        rows = [{c: sheet.cells.get((r, c)) for c in range(c0, c1)} for r in range(r0, r1)]

        def key(cell: Cell | None) -> tuple | None:
            if cell is None or cell.value is None:
                return None
            v = evaluate_formula(cell.value) if isinstance(cell.value, Formula) else cell.value
            if isinstance(v, bool):
                return (2, v)
            if _is_number(v):
                return (0, v)
            if isinstance(v, CellError):
                return (3, v.code)
            if v == "":
                return None
            return (1, str(v).casefold())

        def compare(a: dict, b: dict) -> int:
            ka, kb = key(a[col]), key(b[col])
            if ka == kb:
                return 0
            if ka is None:
                return 1
            if kb is None:
                return -1
            result = -1 if ka < kb else 1
            return -result if descending else result

        rows.sort(key=functools.cmp_to_key(compare))
        for r in range(r0, r1):
            for c in range(c0, c1):
                sheet.cells.pop((r, c), None)
        for i, row in enumerate(rows):
            for c, cell in row.items():
                if cell is not None:
                    sheet.cells[(r0 + i, c)] = cell


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


_REQUEST_KINDS = ("get", "values.get", "values.update", "values:batchGet", "values:batchUpdate", ":batchUpdate")


def _request_kind(method: str, raw_path: str) -> str:
    m = re.match(r"^/v4/spreadsheets/[^/:]+(.*)$", urlsplit(raw_path).path)
    if not m:
        return "other"
    rest = m.group(1)
    if rest == "":
        return "get"
    if rest == ":batchUpdate":
        return ":batchUpdate"
    if rest.startswith("/values:"):
        return rest[1:]
    if rest.startswith("/values/") and method in ("GET", "PUT"):
        return "values.get" if method == "GET" else "values.update"
    return "other"


def _rc(rect: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    r0, r1, c0, c1 = rect
    return r0, max(r1, r0 + 1), c0, max(c1, c0 + 1)


def _rectangles(positions: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover a set of cells with rectangles: row runs per column, then merge
    adjacent columns having identical runs."""
    by_col: dict[int, list[int]] = {}
    for r, c in positions:
        by_col.setdefault(c, []).append(r)
    runs_by_col: dict[int, tuple[tuple[int, int], ...]] = {}
    for c, rows in by_col.items():
        rows.sort()
        runs, start, prev = [], rows[0], rows[0]
        for r in rows[1:]:
            if r != prev + 1:
                runs.append((start, prev + 1))
                start = r
            prev = r
        runs.append((start, prev + 1))
        runs_by_col[c] = tuple(runs)
    out = []
    cols = sorted(runs_by_col)
    i = 0
    while i < len(cols):
        j = i
        while j + 1 < len(cols) and cols[j + 1] == cols[j] + 1 and runs_by_col[cols[j + 1]] == runs_by_col[cols[i]]:
            j += 1
        for r0, r1 in runs_by_col[cols[i]]:
            out.append((r0, r1, cols[i], cols[j] + 1))
        i = j + 1
    return out


def _from_extended_value(ev: dict | None) -> Any:
    if not ev:
        return None
    if "formulaValue" in ev:
        return Formula(ev["formulaValue"])
    for key in ("numberValue", "stringValue", "boolValue"):
        if key in ev:
            return ev[key]
    return None


def _drop_zeros(d: dict) -> dict:
    """proto3 JSON leaves out zero-valued numbers."""
    return {k: v for k, v in d.items() if not (isinstance(v, int) and not isinstance(v, bool) and v == 0)}


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


def _json_body(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise _bad_request(f"Invalid JSON payload received. {exc}") from None
    if not isinstance(parsed, dict):
        raise _bad_request("Invalid JSON payload received. Expected an object.")
    return parsed


def _enum_error(snake: str, enum_name: str, value: Any) -> ApiError:
    return _bad_request(
        f"Invalid value at '{snake}' (type.googleapis.com/google.apps.sheets.v4.{enum_name}), \"{value}\""
    )


def _enum_param(query: dict, name: str, snake: str, enum_name: str, allowed: tuple, default: str) -> str:
    value = query.get(name, [None])[0]
    if value is None or value == "":
        return default
    if value not in allowed:
        raise _enum_error(snake, enum_name, value)
    return value


def _bool_param(query: dict, name: str, snake: str, default: bool) -> bool:
    value = query.get(name, [None])[0]
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0", ""):
        return False
    raise _bad_request(f"Invalid value at '{snake}' (TYPE_BOOL), \"{value}\"")


def _check_major_dimension(major: Any) -> None:
    if major not in _DIMENSIONS:
        raise _enum_error("major_dimension", "Dimension", major)
    if major != "ROWS":
        raise _not_implemented(f"majorDimension={major}")


def _read_render_option(query: dict) -> str:
    """The valueRenderOption of a values read (ROWS; dates as serial numbers)."""
    _check_major_dimension(_enum_param(query, "majorDimension", "major_dimension", "Dimension", _DIMENSIONS, "ROWS"))
    render = _enum_param(
        query, "valueRenderOption", "value_render_option", "ValueRenderOption", _VALUE_RENDER, "FORMATTED_VALUE"
    )
    date_render = _enum_param(
        query, "dateTimeRenderOption", "date_time_render_option", "DateTimeRenderOption", _DATE_RENDER, "SERIAL_NUMBER"
    )
    if date_render != "SERIAL_NUMBER" and render != "FORMATTED_VALUE":  # FORMATTED_VALUE ignores it
        raise _not_implemented(f"dateTimeRenderOption={date_render}")
    return render


def _input_option(value: str | None) -> None:
    if not value or value == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise _bad_request("'valueInputOption' is required but not specified")
    if value not in _INPUT_OPTIONS:
        raise _enum_error("value_input_option", "ValueInputOption", value)
    if value != "USER_ENTERED":
        raise _not_implemented(f"valueInputOption={value}")


def _unauthenticated(reason: str) -> ApiError:
    return ApiError(
        401,
        _UNAUTHENTICATED_MESSAGE,
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "sheets.googleapis.com"},
            }
        ],
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def _quota_error(kind: str) -> ApiError:
    label = "Read" if kind == "read" else "Write"
    return ApiError(
        429,
        f"Quota exceeded for quota metric '{label} requests' and limit '{label} requests per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_metric": f"sheets.googleapis.com/{kind}_requests",
                    "quota_limit": f"{label}RequestsPerMinutePerUser",
                    "quota_limit_value": "60",
                    "quota_location": "global",
                    "consumer": "projects/123456789012",
                    "service": "sheets.googleapis.com",
                },
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                    }
                ],
            },
        ],
    )


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms stalls
    server_version = "ESF"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        emulator: SheetsEmulator = self.server.emulator  # type: ignore[attr-defined]
        status, headers, payload = emulator._dispatch(self.command, self.path, self.headers, body)
        self.send_response(status)
        headers = dict(headers)
        headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


# ---------------------------------------------------------------------------
# Routing the Google client libraries to the emulator
# ---------------------------------------------------------------------------

ROUTED_HOSTS = frozenset(
    {
        "sheets.googleapis.com",
        "www.googleapis.com",
        "iamcredentials.googleapis.com",
        "oauth2.googleapis.com",
    }
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

try:  # requests is a test dependency; the emulator itself does not need it
    import requests as _requests
    from requests.adapters import HTTPAdapter as _HTTPAdapter
except ImportError:  # pragma: no cover
    _requests = None
    _HTTPAdapter = object  # type: ignore[assignment,misc]


class EmulatorRoutingAdapter(_HTTPAdapter):  # type: ignore[misc,valid-type]
    """A requests adapter that sends Google API hosts to the emulator (path
    and query kept) and refuses every other non-loopback host."""

    # HTTPAdapter pickles (and so deep-copies) only the names in __attrs__;
    # google-auth deep-copies the refresh transport for its background
    # allowedLocations lookup, so the routing settings must survive that.
    __attrs__ = [*getattr(_HTTPAdapter, "__attrs__", []), "base_url", "hosts"]

    def __init__(self, base_url: str, hosts: frozenset[str] = ROUTED_HOSTS):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.hosts = hosts

    def send(self, request: Any, **kwargs: Any) -> Any:
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        if host in self.hosts:
            request.url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        elif host not in _LOOPBACK:
            raise _requests.ConnectionError(f"sheets emulator routing: refusing to contact {host!r}")
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


def routed_session(emulator: SheetsEmulator) -> Any:
    """A plain requests.Session whose traffic goes to the emulator."""
    session = _requests.Session()
    session.trust_env = False
    adapter = EmulatorRoutingAdapter(emulator.base_url)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def routed_gspread_client(emulator: SheetsEmulator, key_path: str | Path, scopes: list[str] | None = None) -> Any:
    """A gspread.Client built exactly as production does it, but routed to the emulator:
    service-account credentials, an AuthorizedSession whose token refreshes
    go through the same routing adapter."""
    import gspread
    from google.auth.transport.requests import AuthorizedSession, Request
    from google.oauth2.service_account import Credentials

    creds = Credentials.from_service_account_file(str(key_path), scopes=scopes or DEFAULT_SCOPES)
    authed = AuthorizedSession(creds, auth_request=Request(routed_session(emulator)))
    authed.trust_env = False
    adapter = EmulatorRoutingAdapter(emulator.base_url)
    authed.mount("https://", adapter)
    authed.mount("http://", adapter)
    return gspread.Client(auth=creds, session=authed)

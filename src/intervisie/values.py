"""Pure parsing of cell values: Dutch text dates and times, spreadsheet serial numbers,
e-mail addresses and registration numbers. No I/O here."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

from babel.dates import format_date

EPOCH = dt.datetime(1899, 12, 30)  # serial day 0 in Excel (1900 system) and Google Sheets

MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "maart": 3,
    "mrt": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augustus": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_WEEKDAYS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo"
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$")
_TEXT_DATE = re.compile(rf"^(?:(?:{_WEEKDAYS})\.?,?\s+)?(\d{{1,2}})\s+([a-z]+)\.?\s+(\d{{4}})$")
_TIME = re.compile(r"^(\d{1,2})\s*(?:[:.uh]\s*(\d{2}))?\s*(?:u(?:ur)?)?$")


@functools.lru_cache(maxsize=4096)
def dutch_date(d: dt.date, fmt: str = "EEEE d MMMM y") -> str:
    """`dinsdag 12 januari 2027` (babel's CLDR data, so every month and weekday is right)."""
    return format_date(d, fmt, locale="nl_NL")


class ParseError(ValueError):
    pass


def _clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).strip().casefold()
    return re.sub(r"\s+", " ", t)


def from_serial(number: float) -> dt.datetime:
    return EPOCH + dt.timedelta(days=float(number))


def to_serial(value: dt.date | dt.datetime | dt.time) -> float:
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - EPOCH
    return delta.days + delta.seconds / 86400


def parse_date(value: object) -> dt.date:
    """A date cell, a serial number, or Dutch/ISO text (`12-1-2027`, `12 januari 2027`)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ParseError(str(value))
    if isinstance(value, (int, float)):
        if 1 <= value < 2958466:
            return from_serial(value).date()
        raise ParseError(str(value))
    text = _clean(str(value))
    try:
        m = _NUMERIC_DATE.match(text)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            if y < 100:
                y += 2000
            return dt.date(y, mo, d)
        m = _ISO_DATE.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return dt.date(y, mo, d)
        m = _TEXT_DATE.match(text)
        if m and m.group(2) in MONTHS:
            return dt.date(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
    except ValueError as exc:  # 31-2-2027
        raise ParseError(str(value)) from exc
    raise ParseError(str(value))


def parse_time(value: object) -> dt.time:
    """A time cell, a day fraction, or text (`19:30`, `19.30`, `19u30`, `19 uur`)."""
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, bool):
        raise ParseError(str(value))
    if isinstance(value, (int, float)):
        if 0 <= value < 1:
            minutes = round(value * 1440)
            if minutes == 1440:
                raise ParseError(str(value))
            return dt.time(minutes // 60, minutes % 60)
        raise ParseError(str(value))
    text = _clean(str(value))
    m = _TIME.match(text)
    if not m:
        raise ParseError(str(value))
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if h > 23 or mi > 59:
        raise ParseError(str(value))
    return dt.time(h, mi)


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ParseError(str(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ParseError(str(value))
    text = _clean(str(value))
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+[.,]0+", text):
        return int(re.split(r"[.,]", text)[0])
    raise ParseError(str(value))


def parse_number(value: object) -> float:
    if isinstance(value, bool):
        raise ParseError(str(value))
    if isinstance(value, (int, float)):
        return float(value)
    text = _clean(str(value)).replace(",", ".")
    try:
        return float(text)
    except ValueError as exc:
        raise ParseError(str(value)) from exc


def is_blank(value: object) -> bool:
    """An empty cell: nothing, or only white space."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def as_text(value: object) -> str:
    """Cell value as text, without a spurious `.0` on whole numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text.strip()))


def big_check_digit(number: str) -> int | None:
    """The check digit a BIG number must start with: the BIG register's weighted
    modulo-11 test over digits 3-11 (weights 6,3,7,9,10,5,8,4,2; the fixed second
    digit 9 counts as 9). None when the number is not 11 digits with a 9 second."""
    if not re.fullmatch(r"\d9\d{9}", number):
        return None
    total = 9 + sum(w * int(d) for w, d in zip((6, 3, 7, 9, 10, 5, 8, 4, 2), number[2:]))
    check = 11 - total % 11
    return {11: 0, 10: 1}.get(check, check)


def big_check_ok(number: str) -> bool:
    return big_check_digit(number) == int(number[0]) if number[:1].isdigit() else False


def make_big(body: str) -> str:
    """A BIG number with a valid check digit for a 9-digit body (demo data, tests)."""
    probe = "09" + body
    return f"{big_check_digit(probe)}9{body}"


def normalise_nip(number: str) -> str | None:
    """`NIP-12345678` form of a NIP number, or None when it is not one."""
    m = re.fullmatch(r"(?:nip)?[\s\-:.]*(\d{4,10})", number.strip(), re.IGNORECASE)
    return f"NIP-{m.group(1)}" if m else None

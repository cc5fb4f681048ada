"""Unit tests for `values`: how a cell as a coordinator typed it (in Excel, Calc or a
Google Sheet) becomes a date, a time, a number or text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervisie import values
from intervisie.values import ParseError


@pytest.mark.parametrize(
    "raw,expected",
    [
        (dt.date(2027, 1, 12), dt.date(2027, 1, 12)),
        (dt.datetime(2027, 1, 12, 19, 30), dt.date(2027, 1, 12)),
        (46399, dt.date(2027, 1, 12)),  # a serial day number
        (46399.8125, dt.date(2027, 1, 12)),
        ("12-1-2027", dt.date(2027, 1, 12)),
        ("12/01/27", dt.date(2027, 1, 12)),
        ("12.1.2027", dt.date(2027, 1, 12)),
        (" 12 januari 2027 ", dt.date(2027, 1, 12)),
        ("12 jan. 2027", dt.date(2027, 1, 12)),
        ("dinsdag 12 januari 2027", dt.date(2027, 1, 12)),
        ("Di, 12 Januari 2027", dt.date(2027, 1, 12)),
        ("2027-01-12", dt.date(2027, 1, 12)),
        ("2027-01-12 19:30", dt.date(2027, 1, 12)),
        ("2027-01-12T19:30:00", dt.date(2027, 1, 12)),
        ("１２-１-２０２７", dt.date(2027, 1, 12)),  # full-width digits (NFKC)
    ],
)
def test_dates_as_coordinators_type_them(raw, expected):
    assert values.parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["31-2-2027", "12 smarch 2027", "morgen", "", "12-13-2027", True, 0, -5, 2958466, "2027/01/12"]
)
def test_what_is_no_date(raw):
    with pytest.raises(ParseError):
        values.parse_date(raw)


@pytest.mark.parametrize(
    "raw,expected",
    [
        (dt.time(19, 30, 45), dt.time(19, 30)),
        (dt.datetime(2027, 1, 12, 19, 30), dt.time(19, 30)),
        (0.8125, dt.time(19, 30)),  # a day fraction
        (0, dt.time(0, 0)),
        ("19:30", dt.time(19, 30)),
        ("19.30", dt.time(19, 30)),
        ("19u30", dt.time(19, 30)),
        ("19 uur", dt.time(19, 0)),
        ("9", dt.time(9, 0)),
        ("7:05", dt.time(7, 5)),
    ],
)
def test_times_as_coordinators_type_them(raw, expected):
    assert values.parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["24:00", "19:60", "half acht", "", 1, 1.5, -0.1, 0.9999999, False])
def test_what_is_no_time(raw):
    with pytest.raises(ParseError):
        values.parse_time(raw)


@pytest.mark.parametrize("raw,expected", [(120, 120), (120.0, 120), ("120", 120), (" +7 ", 7), ("-3", -3), ("8,0", 8)])
def test_whole_numbers(raw, expected):
    assert values.parse_int(raw) == expected


@pytest.mark.parametrize("raw", [1.5, "1,5", "twaalf", "", True, "12 min"])
def test_what_is_no_whole_number(raw):
    with pytest.raises(ParseError):
        values.parse_int(raw)


@pytest.mark.parametrize("raw,expected", [(1, 1.0), (1.5, 1.5), ("1,5", 1.5), ("1.5", 1.5), (" 2 ", 2.0)])
def test_numbers_with_a_decimal_comma(raw, expected):
    assert values.parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["anderhalf", "", False, "1,5,2"])
def test_what_is_no_number(raw):
    with pytest.raises(ParseError):
        values.parse_number(raw)


@pytest.mark.parametrize(
    "raw,expected",
    [
        (None, ""),
        (12.0, "12"),
        (12.5, "12.5"),
        (dt.datetime(2027, 1, 12, 19, 30), "2027-01-12 19:30"),
        (dt.date(2027, 1, 12), "2027-01-12"),
        (dt.time(19, 30), "19:30"),
        ("  tekst & <meer>  ", "tekst & <meer>"),
        ("09333333330", "09333333330"),  # a leading zero stays
    ],
)
def test_as_text(raw, expected):
    assert values.as_text(raw) == expected


@pytest.mark.parametrize("raw,blank", [(None, True), ("", True), ("  \n", True), (0, False), ("x", False)])
def test_is_blank(raw, blank):
    assert values.is_blank(raw) is blank


@pytest.mark.parametrize(
    "text,ok",
    [
        ("anouk@example.nl", True),
        (" Anouk.vd.Berg+intervisie@sub.example.co.uk ", True),
        ("anouk@example", False),
        ("anouk example.nl", False),
        ("Anouk <anouk@example.nl>", False),
        ("anouk@@example.nl", False),
        ("anouk@-example.nl", False),
    ],
)
def test_email_addresses(text, ok):
    assert values.is_email(text) is ok


def test_big_numbers_check_digit():
    number = values.make_big("912345678")
    assert len(number) == 11 and number[1] == "9"
    assert values.big_check_ok(number)
    wrong = str((int(number[0]) + 1) % 10) + number[1:]
    assert not values.big_check_ok(wrong)
    assert values.big_check_digit("12345") is None
    assert not values.big_check_ok("")


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("NIP-12345678", "NIP-12345678"),
        ("nip 12345678", "NIP-12345678"),
        ("12345678", "NIP-12345678"),
        ("NIP-12", None),
    ],
)
def test_nip_numbers(raw, expected):
    assert values.normalise_nip(raw) == expected


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_a_date_survives_serial_numbers_and_dutch_text(d):
    assert values.parse_date(values.to_serial(d)) == d
    assert values.parse_date(f"{d.day}-{d.month}-{d.year}") == d
    assert values.parse_date(values.dutch_date(d)) == d
    assert values.parse_date(values.dutch_date(d, "d MMMM y")) == d


@given(st.times())
def test_a_time_survives_a_day_fraction(t):
    expected = t.replace(second=0, microsecond=0)
    got = values.parse_time(values.to_serial(expected))
    assert got == expected
    assert values.parse_time(values.as_text(t)) == expected

"""Shared fixtures. A guard fails any test that tries to reach beyond loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores a fixed set of examples (reproducible); local runs explore new ones
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

TODAY = dt.date(2026, 11, 22)

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _check_address(address) -> None:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return
    host = address[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise RuntimeError(f"test tried to reach {host!r}: only loopback is allowed") from None
    if not ip.is_loopback:
        raise RuntimeError(f"test tried to reach {host}: only loopback is allowed")


def _guarded_connect(self, address):
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_address(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "127.0.0.1", "::1") and not str(host).startswith("127."):
        raise RuntimeError(f"test tried to resolve {host!r}: only loopback is allowed")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def loopback_only():
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo  # type: ignore[assignment]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from intervisie.init import create_workbook

    """The demo workbook without last year's history: most tests address its rows by
    cell (the next free row of Bijeenkomsten is row 4)."""
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    create_workbook(path, demo=True, today=TODAY, history=False)
    return path


@pytest.fixture(scope="session")
def demo_history_template(tmp_path_factory) -> Path:
    """The demo workbook as `init --demo` makes it: with last year's held meetings."""
    from intervisie.init import create_workbook

    path = tmp_path_factory.mktemp("demo-history") / "demo.xlsx"
    create_workbook(path, demo=True, today=TODAY)
    return path


@pytest.fixture
def demo_xlsx(demo_template, tmp_path) -> Path:
    """A fresh copy of the demo workbook per test."""
    target = tmp_path / "intervisie.xlsx"
    target.write_bytes(demo_template.read_bytes())
    return target

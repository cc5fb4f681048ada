"""The lock agrees with pyproject.toml, the exported requirement files agree with the
lock, and this environment is the locked set: a version changed in one place and not
the others (instead of through scripts/upgrade-deps) fails here."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
PACKAGES = {canonicalize_name(p["name"]): p for p in LOCK["package"]}


def _declared() -> set[tuple[str, str, str]]:
    out = set()
    for spec in PYPROJECT["project"]["dependencies"]:
        r = Requirement(spec)
        out.add((canonicalize_name(r.name), str(r.specifier), ""))
    for extra, specs in PYPROJECT["project"].get("optional-dependencies", {}).items():
        for spec in specs:
            r = Requirement(spec)
            out.add((canonicalize_name(r.name), str(r.specifier), extra))
    return out


def _locked_requirements() -> set[tuple[str, str, str]]:
    root = PACKAGES["intervisie"]
    out = set()
    for d in root["metadata"]["requires-dist"]:
        m = re.search(r"extra == '([^']+)'", d.get("marker", ""))
        out.add(
            (
                canonicalize_name(d["name"]),
                str(Requirement(d["name"] + d.get("specifier", "")).specifier),
                m.group(1) if m else "",
            )
        )
    return out


def test_lock_matches_pyproject():
    declared, locked = _declared(), _locked_requirements()
    assert declared - locked == set(), "in pyproject.toml but not in uv.lock: run scripts/lock"
    assert locked - declared == set(), "in uv.lock but not in pyproject.toml: run scripts/lock"
    assert PACKAGES["intervisie"]["version"] == PYPROJECT["project"]["version"]


def _parse_requirements(path: Path) -> dict[str, tuple[str, set[str], str]]:
    """name -> (version, hashes, marker) from a hashed requirements file."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;\s*([^-]+?))?\s+(--hash.*)$", line)
        assert m, f"{path.name}: not a pinned, hashed requirement: {line[:80]}"
        hashes = set(re.findall(r"--hash=(sha256:[0-9a-f]{64})", m.group(4)))
        out[canonicalize_name(m.group(1))] = (m.group(2), hashes, (m.group(3) or "").strip())
    return out


def _lock_hashes(pkg: dict) -> set[str]:
    files = list(pkg.get("wheels", [])) + ([pkg["sdist"]] if "sdist" in pkg else [])
    return {f["hash"] for f in files}


@pytest.mark.parametrize("name", ["test.txt", "run.txt"])
def test_exports_match_the_lock(name):
    reqs = _parse_requirements(ROOT / "requirements" / name)
    assert reqs, name
    for pkg, (version, hashes, _) in reqs.items():
        assert pkg in PACKAGES, f"{name}: {pkg} is not in uv.lock: run scripts/lock"
        locked = PACKAGES[pkg]
        assert locked["version"] == version, f"{name}: {pkg}=={version} but uv.lock has {locked['version']}"
        assert hashes and hashes <= _lock_hashes(locked), f"{name}: {pkg}'s hashes differ from uv.lock"


def test_lock_files_belong_to_their_versions():
    """A version edited by hand keeps the old files and hashes: their names betray it."""
    for name, pkg in PACKAGES.items():
        if name == "intervisie":
            continue
        files = list(pkg.get("wheels", [])) + ([pkg["sdist"]] if "sdist" in pkg else [])
        assert files, name
        for f in files:
            filename = f["url"].rsplit("/", 1)[-1]
            norm = re.sub(r"[-_.]+", "-", filename.lower())
            assert f"-{re.sub(r'[-_.]+', '-', pkg['version'].lower())}-" in norm + "-", (
                f"uv.lock: {name} {pkg['version']} lists {filename}: edited by hand? use scripts/upgrade-deps"
            )


def test_runtime_set_is_inside_the_test_set():
    run, test = (_parse_requirements(ROOT / "requirements" / n) for n in ("run.txt", "test.txt"))
    for pkg, (version, _, _) in run.items():
        assert test[pkg][0] == version


def test_this_environment_is_the_locked_set():
    """scripts/test installs from the lock; a stale .venv shows here."""
    for pkg, (version, _, marker) in _parse_requirements(ROOT / "requirements" / "test.txt").items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{pkg} is locked but not installed: run scripts/test to reinstall")
        assert canonicalize_name(installed) == canonicalize_name(version) or installed == version, (
            f"{pkg}: installed {installed}, locked {version}"
        )

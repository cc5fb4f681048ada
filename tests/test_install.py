"""A real, non-editable install: the wheel built from this checkout, installed into a
fresh virtual environment outside the checkout, runs `init --demo` and `run` from
another folder. The package data (methods, Word and email templates) must come with it."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from intervisie.resources import data_path

ROOT = Path(__file__).resolve().parents[1]


def test_top_level_copies_equal_the_package_data():
    """config/methods.toml, templates/*.docx and templates/email/ are the operator's
    starting copies of what the package ships."""
    assert filecmp.cmp(ROOT / "config" / "methods.toml", data_path("methods.toml"), shallow=False)
    for shipped, copy in (
        (data_path("templates"), ROOT / "templates"),
        (data_path("email"), ROOT / "templates" / "email"),
    ):
        names = sorted(p.name for p in shipped.iterdir() if p.is_file())
        assert names == sorted(p.name for p in copy.iterdir() if p.is_file()), copy
        for name in names:
            assert filecmp.cmp(shipped / name, copy / name, shallow=False), copy / name


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    # build from a copy: an in-tree build would leave build/ in the checkout
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("intervisie-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "intervisie/data/methods.toml" in names
    assert "intervisie/data/templates/agenda.docx" in names
    assert "intervisie/data/email/uitnodiging.html.j2" in names
    # a fresh venv; the dependencies come from this environment's site-packages through
    # a .pth line (which does not activate this checkout's editable install)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run(
        [str(py), "-c", "import intervisie; print(intervisie.__file__, intervisie.__version__)"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    assert where.startswith(site), where  # the wheel, not the checkout
    assert "0+unknown" not in where

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(py), "-m", "intervisie", *args], cwd=elsewhere, capture_output=True, text=True, env=env, timeout=120
        )

    made = cli("init", "werkmap.xlsx", "--demo", "--today", "2027-01-04")
    assert made.returncode == 0, made.stderr
    ran = cli("run", "--workbook", "werkmap.xlsx", "--today", "2027-01-04")
    assert ran.returncode in (0, 1), ran.stdout + ran.stderr
    assert "niet gevonden" not in ran.stdout + ran.stderr
    assert list((elsewhere / "output").rglob("*.docx")), ran.stdout
    help_text = cli("--help")
    assert "run" in help_text.stdout

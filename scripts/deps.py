"""The dependency lock: `uv.lock` is the one resolution (every supported Python,
3.11 to 3.13, in one universal file); `requirements/test.txt` (tests, demo, CI) and
`requirements/run.txt` (a server install) are exported from it with hashes, so that
plain pip installs exactly the tested set.

    python scripts/deps.py lock      # re-resolve after a pyproject.toml change, export
    python scripts/deps.py upgrade   # newest versions within the ranges, run the suite
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "uv.lock"
EXPORTS = {
    ROOT / "requirements" / "test.txt": ["--extra", "test"],
    ROOT / "requirements" / "run.txt": [],
}


def uv(*args: str) -> None:
    exe = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    subprocess.run([exe, *args], cwd=ROOT, check=True)


def export() -> None:
    for target, extra in EXPORTS.items():
        target.parent.mkdir(exist_ok=True)
        uv(
            "export",
            "--quiet",
            "--frozen",
            "--no-emit-project",
            "--no-header",
            "--format",
            "requirements-txt",
            *extra,
            "-o",
            str(target.relative_to(ROOT)),
        )


def versions() -> dict[str, str]:
    data = tomllib.loads(LOCK.read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in data["package"] if p["name"] != "intervisie"}


def install() -> None:
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--require-hashes", "-r", "requirements/test.txt"], cwd=ROOT, check=True)
    subprocess.run([*pip, "--no-deps", "-e", "."], cwd=ROOT, check=True)


def suite(*extra: str) -> bool:
    return subprocess.run([str(ROOT / "scripts" / "test"), *extra], cwd=ROOT).returncode == 0


def lock() -> int:
    uv("lock", "--quiet")
    export()
    print("uv.lock and requirements/*.txt are up to date; commit them.")
    return 0


def upgrade() -> int:
    saved = {p: p.read_bytes() for p in [LOCK, *EXPORTS]}
    before = versions()
    uv("lock", "--quiet", "--upgrade")
    export()
    after = versions()
    changed = sorted(n for n in after if before.get(n) != after[n])
    if not changed:
        print("Every dependency is already at its newest version within the ranges.")
        return 0
    for n in changed:
        print(f"  {n}: {before.get(n, '(new)')} -> {after[n]}")
    install()
    if suite():
        print(
            f"\nThe suite passes on the upgraded set ({len(changed)} packages). Commit uv.lock and "
            "requirements/*.txt with a CHANGELOG line."
        )
        return 0
    print("\nThe suite fails on the upgraded set; trying each upgrade alone on the failed tests:")
    culprits = []
    for name in changed:
        for p, content in saved.items():
            p.write_bytes(content)
        uv("lock", "--quiet", "--upgrade-package", name)
        export()
        install()
        if not suite("--last-failed"):
            culprits.append(name)
            print(f"  {name} {before.get(name, '(new)')} -> {after[name]}: breaks the suite")
    for p, content in saved.items():
        p.write_bytes(content)
    install()
    if culprits:
        print(
            "\nThe lock is back as it was. Fix the code for "
            + ", ".join(culprits)
            + ", or cap its range in pyproject.toml, then run scripts/upgrade-deps again."
        )
    else:
        print("\nNo single upgrade breaks the suite alone; a combination does. The lock is back as it was.")
    return 1


if __name__ == "__main__":
    commands = {"lock": lock, "upgrade": upgrade}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]]())

# Sourced by scripts/demo and scripts/test: create .venv if missing and install the
# locked dependency set (requirements/test.txt, exported from uv.lock, with hashes) and
# the project itself, again whenever the lock or pyproject.toml changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY="$cand"; break; fi
  done
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $PY" >&2
  "$PY" -m venv .venv
fi
STAMP=.venv/.intervisie-installed
WANT="$(cat pyproject.toml requirements/test.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "Installing the locked dependencies (requirements/test.txt) and intervisie into .venv" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements/test.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$WANT" > "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"

#!/usr/bin/env bash
# Runs the README's testing recipes (pytest fixtures, a Vitest global setup) against the
# built revdir, exactly as a user would copy them: REVDIR_BIN points at the binary.
#
#   sdk-tests/recipes/run.sh            # builds revdir (debug) unless REVDIR_BIN is set
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ -z "${REVDIR_BIN:-}" ]]; then
    (cd "$root" && cargo build -q -p revdir-cli)
    REVDIR_BIN="$root/target/debug/revdir"
fi
export REVDIR_BIN

echo "# === recipe: pytest"
venv="$here/python/.venv"
if [[ ! -x "$venv/bin/pytest" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
fi
(cd "$here/python" && "$venv/bin/pytest" -q -p no:cacheprovider)

echo "# === recipe: vitest"
if [[ ! -d "$here/vitest/node_modules" ]]; then
    (cd "$here/vitest" && npm ci --silent --no-audit --no-fund)
fi
(cd "$here/vitest" && npx vitest run)

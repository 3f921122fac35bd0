#!/usr/bin/env bash
# Drives a fresh revdir with DevRev's published SDKs and reports wire incompatibilities.
#
#   sdk-tests/run.sh
#
# 1. builds revdir (`cargo build -p revdir-cli`; a no-op when up to date) unless REVDIR_BIN is set;
# 2. starts `revdir serve` on a throw-away SQLite file, listening on 127.0.0.1:0, and waits
#    (bounded poll) for its `revdir listening on` line;
# 3. runs ts/smoke.mjs (@devrev/typescript-sdk; `npm ci` first when node_modules is missing)
#    straight against revdir;
# 4. runs python/smoke.py (devrev-python-sdk, in python/.venv, created on first use) through
#    proxy.py terminating TLS with a throw-away self-signed certificate, because that SDK
#    refuses http:// base URLs (see README.md);
# 5. stops everything it started and exits non-zero if any check failed.
#
# Environment:
#   REVDIR_BIN=path   use this binary instead of building target/debug/revdir
#   SDK_TRACE=1       the TS runner prints every request as it went on the wire
#   SDK_WIRE_LOG=path also route the TS SDK through proxy.py and append its JSON log to path
#   SKIP_TS=1 / SKIP_PYTHON=1   leave one runner out
#   KEEP_TMP=1        keep the temp dir (server log, database, Python wire log)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/revdir-sdk-tests.XXXXXX")"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        echo "# kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# wait_for_line FILE PREFIX PID: polls FILE (at most 60 s) until a line starts with PREFIX,
# failing early if PID exits; prints the rest of that line.
wait_for_line() {
    local file=$1 prefix=$2 pid=$3 i line
    for ((i = 0; i < 600; i++)); do
        line="$(grep -m1 "^$prefix" "$file" 2>/dev/null || true)"
        if [[ -n "$line" ]]; then
            printf '%s\n' "${line#"$prefix"}"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "process $pid exited before printing '$prefix'" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "timed out waiting for '$prefix' in $file" >&2
    return 1
}

# start_proxy LOG [TLS_CERT TLS_KEY]: starts proxy.py in front of $base_url and sets
# $proxy_url (not a subshell, so that the proxy's pid reaches the cleanup list).
start_proxy() {
    local log=$1 out pid
    out="$(mktemp "$tmp/proxy.XXXXXX")"
    local args=(--upstream "$base_url" --listen 127.0.0.1:0 --log "$log")
    if [[ $# -ge 3 ]]; then args+=(--tls-cert "$2" --tls-key "$3"); fi
    python3 "$here/proxy.py" "${args[@]}" >"$out" 2>"$out.err" &
    pid=$!
    pids+=("$pid")
    proxy_url="$(wait_for_line "$out" "proxy listening on " "$pid")" || { cat "$out.err" >&2; return 1; }
}

# --- revdir -----------------------------------------------------------------------------
if [[ -n "${REVDIR_BIN:-}" ]]; then
    bin="$REVDIR_BIN"
else
    echo "# building revdir"
    (cd "$root" && cargo build --quiet -p revdir-cli)
    bin="$root/target/debug/revdir"
fi

"$bin" serve --db "$tmp/r.db" --listen 127.0.0.1:0 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
pids+=("$server_pid")
if ! base_url="$(wait_for_line "$tmp/server.out" "revdir listening on " "$server_pid")"; then
    echo "revdir did not start; its stderr:" >&2
    tail -n 40 "$tmp/server.err" >&2
    exit 1
fi
# The bootstrap prints the admin token on its second line; `token create` is the fallback.
token="$(sed -n 2p "$tmp/server.out")"
if [[ -z "$token" || "$token" == "revdir listening on "* ]]; then
    token="$("$bin" token create --db "$tmp/r.db")"
fi
echo "# revdir at $base_url (db $tmp/r.db)"

export DEVREV_API_TOKEN="$token"
status=0
total_passed=0
total_failed=0

# tally LOG: adds the runner's closing `N passed, M failed` line to the totals.
tally() {
    local line
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n1 || true)"
    if [[ -n "$line" ]]; then
        total_passed=$((total_passed + $(cut -d' ' -f1 <<<"$line")))
        total_failed=$((total_failed + $(cut -d' ' -f3 <<<"$line")))
    fi
}

# --- TypeScript SDK ---------------------------------------------------------------------
if [[ "${SKIP_TS:-}" != 1 ]]; then
    echo "# === TypeScript: @devrev/typescript-sdk"
    if [[ ! -d "$here/ts/node_modules" ]]; then
        (cd "$here/ts" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    ts_url="$base_url"
    if [[ -n "${SDK_WIRE_LOG:-}" ]]; then
        start_proxy "$SDK_WIRE_LOG"
        ts_url="$proxy_url"
        echo "# TS requests logged to $SDK_WIRE_LOG via $ts_url"
    fi
    ts_status=0
    (cd "$here/ts" && DEVREV_BASE_URL="$ts_url" node smoke.mjs) 2>&1 | tee "$tmp/ts.log" || ts_status=$?
    tally "$tmp/ts.log"
    if [[ $ts_status -ne 0 ]]; then status=1; fi
fi

# --- Python SDK (through a TLS-terminating proxy) ---------------------------------------
if [[ "${SKIP_PYTHON:-}" != 1 ]]; then
    echo "# === Python: devrev-python-sdk (via TLS proxy)"
    command -v openssl >/dev/null || { echo "openssl is needed for the Python run's TLS proxy" >&2; exit 1; }
    venv="$here/python/.venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
    fi
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1" \
        -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
    start_proxy "$tmp/python-wire.jsonl" "$tmp/tls.crt" "$tmp/tls.key"
    https_url="$proxy_url"
    echo "# python requests logged to $tmp/python-wire.jsonl (KEEP_TMP=1 keeps it)"
    py_status=0
    (cd "$here/python" && env DEVREV_BASE_URL="$https_url" SSL_CERT_FILE="$tmp/tls.crt" \
        "$venv/bin/python" smoke.py) 2>&1 | tee "$tmp/py.log" || py_status=$?
    tally "$tmp/py.log"
    if [[ $py_status -ne 0 ]]; then status=1; fi
fi

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "revdir exited during the run; its stderr:" >&2
    tail -n 40 "$tmp/server.err" >&2
    status=1
fi
echo "# total"
echo "sdk: $total_passed passed, $total_failed failed"
exit "$status"

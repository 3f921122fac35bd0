#!/usr/bin/env bash
# Drives a fresh revdir with DevRev's published SDKs and reports wire incompatibilities.
#
#   sdk-tests/run.sh
#
# 1. builds revdir (`cargo build -p revdir-cli`; a no-op when up to date) unless REVDIR_BIN is set;
# 2. starts `revdir serve --tls` on a throw-away SQLite file, listening on 127.0.0.1:0, and
#    waits (bounded poll) for its `revdir listening on https://` line; revdir makes its local
#    CA in the temp dir on that first start;
# 3. runs `revdir env`, whose `export` lines (DEVREV_BASE_URL, DEVREV_API_TOKEN and the CA
#    bundle variables) are the only configuration each runner gets: each runs under `env -i`
#    with just PATH and HOME besides them;
# 4. runs ts/smoke.mjs (@devrev/typescript-sdk; `npm ci` first when node_modules is missing)
#    over HTTPS (Node trusts the CA through NODE_EXTRA_CA_CERTS), then ts/bulk.mjs (scan and
#    export), then ts/webhooks.mjs, which points webhooks at a receiver of its own on loopback,
#    then ts/contacts.mjs (memberships, merges and personal-data jobs);
# 5. runs python/smoke.py (devrev-python-sdk, in python/.venv, created on first use) over
#    HTTPS (httpx trusts the CA through SSL_CERT_FILE); that SDK refuses http:// base URLs;
# 6. stops everything it started and exits non-zero if any check failed.
#
# Environment:
#   REVDIR_BIN=path   use this binary instead of building target/debug/revdir
#   SDK_TRACE=1       the TS runner prints every request as it went on the wire
#   SDK_WIRE_LOG=path route the TS SDK over plain HTTP through proxy.py (in front of a second,
#                     plain-http revdir on the same database) and append its JSON log to path
#   SKIP_TS=1 / SKIP_PYTHON=1   leave one runner out
#   KEEP_TMP=1        keep the temp dir (server log, database, CA)
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

"$bin" serve --tls --db "$tmp/r.db" --listen 127.0.0.1:0 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
pids+=("$server_pid")
if ! base_url="$(wait_for_line "$tmp/server.out" "revdir listening on " "$server_pid")"; then
    echo "revdir did not start; its stderr:" >&2
    tail -n 40 "$tmp/server.err" >&2
    exit 1
fi
echo "# revdir at $base_url (db $tmp/r.db, CA $tmp/tls/ca.pem)"
# What a user would `eval`: the base URL, a fresh admin token and the CA bundle variables.
client_env="$("$bin" env --db "$tmp/r.db" --listen "${base_url#https://}" 2>"$tmp/env.err")"

# with_client_env CMD...: runs CMD with only PATH, HOME and what `revdir env` printed.
with_client_env() {
    env -i PATH="$PATH" HOME="$HOME" SDK_TRACE="${SDK_TRACE:-}" bash -c 'eval "$1"; shift; exec "$@"' with_client_env "$client_env" "$@"
}

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
    ts_status=0
    if [[ -n "${SDK_WIRE_LOG:-}" ]]; then
        # proxy.py speaks plain HTTP upstream: give it a second, plain revdir on the same data.
        "$bin" serve --db "$tmp/r.db" --listen 127.0.0.1:0 >"$tmp/plain.out" 2>"$tmp/plain.err" &
        pids+=("$!")
        plain_url="$(wait_for_line "$tmp/plain.out" "revdir listening on " "$!")"
        base_url="$plain_url" start_proxy "$SDK_WIRE_LOG"
        echo "# TS requests logged to $SDK_WIRE_LOG via $proxy_url"
        (cd "$here/ts" && with_client_env env DEVREV_BASE_URL="$proxy_url" node smoke.mjs) 2>&1 | tee "$tmp/ts.log" \
            || ts_status=$?
    else
        (cd "$here/ts" && with_client_env node smoke.mjs) 2>&1 | tee "$tmp/ts.log" || ts_status=$?
    fi
    tally "$tmp/ts.log"
    if [[ $ts_status -ne 0 ]]; then status=1; fi
    echo "# === TypeScript: bulk reads (rev-users.scan, accounts.export)"
    bulk_status=0
    (cd "$here/ts" && with_client_env node bulk.mjs) 2>&1 | tee "$tmp/ts-bulk.log" || bulk_status=$?
    tally "$tmp/ts-bulk.log"
    if [[ $bulk_status -ne 0 ]]; then status=1; fi
    echo "# === TypeScript: webhooks to a receiver on loopback (waits for DevRev's 30 s retry)"
    hooks_status=0
    (cd "$here/ts" && with_client_env node webhooks.mjs) 2>&1 | tee "$tmp/ts-webhooks.log" || hooks_status=$?
    tally "$tmp/ts-webhooks.log"
    if [[ $hooks_status -ne 0 ]]; then status=1; fi
    echo "# === TypeScript: memberships, merges and personal-data jobs"
    contacts_status=0
    (cd "$here/ts" && with_client_env node contacts.mjs) 2>&1 | tee "$tmp/ts-contacts.log" || contacts_status=$?
    tally "$tmp/ts-contacts.log"
    if [[ $contacts_status -ne 0 ]]; then status=1; fi
fi

# --- Python SDK (over revdir's own HTTPS) ----------------------------------------------
if [[ "${SKIP_PYTHON:-}" != 1 ]]; then
    echo "# === Python: devrev-python-sdk (HTTPS, configured by revdir env alone)"
    venv="$here/python/.venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
    fi
    py_status=0
    (cd "$here/python" && with_client_env "$venv/bin/python" smoke.py) 2>&1 | tee "$tmp/py.log" || py_status=$?
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

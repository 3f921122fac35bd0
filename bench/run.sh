#!/usr/bin/env bash
# revdir benchmark (issue 7): POST /rev-users.update on revdir (SQLite, PostgreSQL) against a
# storage-free axum ceiling and Stoplight Prism mocking the same spec, plus start-up time, RSS, 10^3 vs 10^6 contacts (update,
# list by email, a scan page from a random depth),
# and pgbench for the PostgreSQL target. See README.md, "Benchmarks".
#
#   bench/run.sh            full run (~20 minutes on a 2-core machine after the build; more when busy)
#   QUICK=1 bench/run.sh    smoke run (~2 minutes)
#
# Settings (environment):
#   ROUNDS=3        rounds; the targets run interleaved inside each round
#   DURATION=10     seconds per measured wrk/pgbench run
#   WARMUP=3        seconds of warm-up before each measured server
#   USERS=10000     contacts stored for the main comparison
#   SEED_SMALL=1000 SEED_BIG=1000000   contacts stored for the scale comparison
#   TARGETS="sqlite pg ceiling prism"  add sqlite-relaxed (synchronous=NORMAL, not durable)
#                                      for information; prism is Stoplight Prism mocking the
#                                      same spec (bench/prism; needs node and npm, skipped
#                                      without them), what a developer would otherwise run
#   PG_URL=postgres://postgres@127.0.0.1:5432/test   a fresh schema is made and dropped there
#   SERVER_CPU=0 CLIENT_CPU=1          CPUs the server and the load generator are pinned to
#   QUIET_WAIT=5    before each measured run, wait up to this many seconds for the machine to
#                   be nearly idle; each run also reports foreign CPU use
#   SKIP_BUILD=1    use the binaries already in target/release
#   EXTRAS=0        only the main comparison (no start-up, scale or list-by-email runs)
#   FLOORS=0        no database floors (revdir's update statement without revdir: `floor sqlite`
#                   in a tight loop, and pgbench running them on PostgreSQL)
#   WRK_DEBUG=1     print the first non-2xx answers of each wrk run
#   KEEP_WORK=1     keep the temporary directory (server logs, databases) for inspection
#   RESULTS=bench/results/<date>-<HHMM>.md   where the report is saved (UTC)
#
# Needs: cargo, wrk (Debian package `wrk`; installed with apt-get when missing and root),
# taskset (util-linux), curl; psql and pgbench (Debian package postgresql-client) and a
# reachable PostgreSQL for the PostgreSQL targets, which are skipped otherwise; node and npm
# (with the npm registry reachable on the first run) for the prism target, skipped otherwise.
# Every server listens on 127.0.0.1 only, and every load run is bounded in time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  ROUNDS=${ROUNDS:-1}
  DURATION=${DURATION:-3}
  WARMUP=${WARMUP:-1}
  SEED_BIG=${SEED_BIG:-100000}
  QUIET_WAIT=${QUIET_WAIT:-5}
else
  ROUNDS=${ROUNDS:-3}
  DURATION=${DURATION:-10}
  WARMUP=${WARMUP:-3}
  SEED_BIG=${SEED_BIG:-1000000}
  QUIET_WAIT=${QUIET_WAIT:-5}
fi
USERS=${USERS:-10000}
SEED_SMALL=${SEED_SMALL:-1000}
TARGETS=${TARGETS:-"sqlite pg ceiling prism"}
FLOORS=${FLOORS:-1}
PG_URL=${PG_URL:-${REVDIR_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
# Date and time, so that a second run on the same day does not overwrite the first.
STAMP=$(date -u +%Y-%m-%d-%H%M)
if [[ $QUICK == 1 ]]; then STAMP=$STAMP-quick; fi
RESULTS=${RESULTS:-$BENCH/results/$STAMP.md}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ----------------------------------------------------------------------------------------
# Tools

need_apt() { # need_apt COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || return 1
    sudo=(sudo -n)
  fi
  command -v apt-get >/dev/null 2>&1 || return 1
  log "installing $2 (apt-get)"
  "${sudo[@]}" apt-get install -y "$2" >&2 || { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y "$2" >&2; } || true
  command -v "$1" >/dev/null 2>&1
}

need_apt wrk wrk || die "wrk is missing: install the Debian package wrk"
command -v taskset >/dev/null 2>&1 || die "taskset is missing: install util-linux"
command -v curl >/dev/null 2>&1 || need_apt curl curl || die "curl is missing"
[[ $(nproc) -ge 2 ]] || log "warning: fewer than 2 CPUs; server and wrk will share one"

PG_OK=0
if [[ " $TARGETS " == *" pg "* ]]; then
  need_apt psql postgresql-client || true
  need_apt pgbench postgresql-client || true
  if command -v psql >/dev/null && command -v pgbench >/dev/null &&
    timeout 10 psql "$PG_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    PG_OK=1
  else
    log "PostgreSQL at $PG_URL (or psql/pgbench) unavailable: skipping the PostgreSQL targets"
    TARGETS=${TARGETS//pg/}
  fi
fi

if [[ " $TARGETS " == *" prism "* ]]; then
  # Prism, pinned in bench/prism/package-lock.json, from the npm registry; its install
  # scripts (a usage reporter) are not run.
  if [[ ! -x $BENCH/prism/node_modules/.bin/prism ]] && command -v npm >/dev/null 2>&1; then
    log "installing Stoplight Prism (npm ci in bench/prism)"
    (cd "$BENCH/prism" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund >&2) || true
  fi
  if ! command -v node >/dev/null 2>&1 || [[ ! -x $BENCH/prism/node_modules/.bin/prism ]]; then
    log "node or Prism unavailable: skipping the prism target"
    TARGETS=${TARGETS//prism/}
  elif [[ ! -f ${PRISM_SPEC:-$ROOT/../shared/reference/devrev-identity-openapi.yaml} ]]; then
    log "the OpenAPI spec (../shared/reference) is missing: skipping the prism target"
    TARGETS=${TARGETS//prism/}
  fi
fi

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building release binaries"
  (cd "$ROOT" && cargo build --release -p revdir-cli -p revdir-bench-ceiling >&2)
fi
for b in revdir ceiling first-2xx floor; do [[ -x $BIN/$b ]] || die "$BIN/$b is missing"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/revdir-bench.XXXXXX")
# Private copies, so that a rebuild during the run cannot change what is measured.
mkdir "$WORK/bin"
cp "$BIN/revdir" "$BIN/ceiling" "$BIN/first-2xx" "$BIN/floor" "$WORK/bin/"
BIN=$WORK/bin
: >"$WORK/restarts"
SERVER_PID= SERVER_NAME= SERVER_URL=
SERVER_CMD=()
SCHEMAS=()
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  if [[ $PG_OK == 1 ]]; then
    for s in "${SCHEMAS[@]}"; do
      psql_q "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
    done
  fi
  if [[ ${KEEP_WORK:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------------------------------
# Helpers

psql_q() { # one quiet psql command against PG_URL, bounded in time
  PGOPTIONS='-c client_min_messages=warning' timeout 30 psql "$PG_URL" -qAtc "$1"
}

pg_url_for() { # the PG_URL with search_path set to schema $1
  local sep='?'
  [[ $PG_URL == *\?* ]] && sep='&'
  printf '%s%soptions[search_path]=%s' "$PG_URL" "$sep" "$1"
}

new_schema() { # creates a fresh schema, prints its name
  local s="revdir_bench_$$_$1"
  psql_q "DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s" >/dev/null
  SCHEMAS+=("$s")
  printf '%s' "$s"
}

drop_schema() {
  psql_q "DROP SCHEMA IF EXISTS $1 CASCADE" >/dev/null 2>&1 || true
}

seed() { # seed DB N: prints the seeding line of revdir seed on stderr
  timeout 900 "$BIN/revdir" seed --db "$1" --rev-users "$2" 2>>"$WORK/revdir.log" | sed 's/^/  /' >&2
}

token_for() { timeout 60 "$BIN/revdir" token create --db "$1" 2>>"$WORK/revdir.log"; }

# start_server NAME CMD...: starts CMD pinned to SERVER_CPU with --listen 127.0.0.1:0 and
# waits (START_WAIT seconds, default 30, at most) for its "listening on http://ADDR" line;
# sets SERVER_PID, SERVER_URL, and SERVER_START_MS (spawn to that line).
start_server() {
  local name=$1
  shift
  SERVER_NAME=$name
  SERVER_CMD=("$@")
  local out=$WORK/$name.out
  : >"$out"
  local t0
  t0=$(date +%s%N)
  taskset -c "$SERVER_CPU" "$@" --listen 127.0.0.1:0 >"$out" 2>>"$WORK/$name.err" &
  SERVER_PID=$!
  local i
  for ((i = 0; i < ${START_WAIT:-30} * 10; i++)); do
    if grep -q 'listening on http://' "$out"; then
      SERVER_URL=$(grep -o 'listening on http://[0-9.:]*' "$out" | head -1 | sed 's/^listening on //')
      SERVER_START_MS=$((($(date +%s%N) - t0) / 1000000))
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$name.err" >&2 || true
  die "$name did not start"
}

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# healthy_or_restart: one update through curl must answer 200, or the server is restarted on
# the same store (at most 3 times) and the restart is counted. Any restart is a bug worth
# chasing: wrk's end of run closes connections with requests in flight, and this probe is
# what caught SQLite's group writer losing track of its batch when a request was dropped
# during COMMIT (fixed; see `uncancelled` in crates/revdir-store/src/sqlite/group.rs).
healthy_or_restart() {
  local i code
  for ((i = 0; i < 4; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$SERVER_URL/rev-users.update" \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d '{"id":"REVU-1","display_name":"probe"}' || true)
    [[ $code == 200 ]] && return 0
    ((i == 3)) && break
    log "  $SERVER_NAME answered $code to a probe update: restarting it on the same store"
    echo "$SERVER_NAME $code" >>"$WORK/restarts"
    local cmd=("${SERVER_CMD[@]}")
    stop_server
    start_server "$SERVER_NAME" "${cmd[@]}"
  done
  die "$SERVER_NAME keeps failing (last answer $code)"
}

# cpu_jiffies N: busy jiffies of CPU N (all CPUs when N is empty) and its total jiffies.
cpu_jiffies() {
  awk -v c="cpu$1" '$1 == c {b = $2 + $3 + $4 + $9; print b, b + $5 + $6 + $7 + $8}' /proc/stat
}
# proc_jiffies PID: user + system jiffies of a process (0 when gone).
proc_jiffies() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# wait_quiet: waits (QUIET_WAIT seconds at most) until the machine is nearly idle (under 10%
# busy over one second) before a measured run, since other work skews the numbers.
wait_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) b0 t0 b1 t1 busy
  while :; do
    read -r b0 t0 < <(cpu_jiffies "")
    sleep 1
    read -r b1 t1 < <(cpu_jiffies "")
    busy=$(((b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
    ((busy < 10)) && return 0
    if ((SECONDS >= deadline)); then
      log "  machine still ${busy}% busy after ${QUIET_WAIT}s of waiting; measuring anyway"
      return 0
    fi
  done
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# wrk_run SCRIPT CONNS SECONDS TOKEN USERS [PATH]: one wrk run pinned to CLIENT_CPU; prints
# the RESULT line of the Lua done() with foreign=<%> appended: the share of the server's CPU
# used by anything but the server during the run (other work on the machine; PostgreSQL's own
# processes for the pg target). While it runs, samples the server's VmRSS every 0.25 s and
# leaves the peak (kB) in $WORK/rss_peak.
wrk_run() {
  local script=$1 conns=$2 secs=$3 token=$4 users=$5 path=${6:-/rev-users.update}
  local out=$WORK/wrk.out cb0 ct0 cb1 ct1 p0 p1
  read -r cb0 ct0 < <(cpu_jiffies "$SERVER_CPU")
  p0=$(proc_jiffies "$SERVER_PID")
  TOKEN=$token USERS=$users timeout $((secs + 60)) taskset -c "$CLIENT_CPU" \
    wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency -s "$BENCH/$script" "$SERVER_URL$path" >"$out" 2>&1 &
  local wpid=$! peak=0 r i
  for ((i = 0; i < (secs + 60) * 4; i++)); do
    kill -0 "$wpid" 2>/dev/null || break
    r=$(rss_kb "$SERVER_PID")
    ((r > peak)) && peak=$r
    sleep 0.25
  done
  wait "$wpid" || { cat "$out" >&2; die "wrk failed"; }
  read -r cb1 ct1 < <(cpu_jiffies "$SERVER_CPU")
  p1=$(proc_jiffies "$SERVER_PID")
  echo "$peak" >"$WORK/rss_peak"
  if [[ -n ${WRK_DEBUG:-} ]]; then grep '^non-2xx' "$out" >&2 || true; fi
  local result
  result=$(grep '^RESULT' "$out") || { cat "$out" >&2; die "wrk printed no RESULT line"; }
  local foreign=$(((cb1 - cb0 - (p1 - p0)) * 100 / (ct1 - ct0 > 0 ? ct1 - ct0 : 1)))
  ((foreign < 0)) && foreign=0
  echo "$result foreign=$foreign"
}

field() { # field NAME LINE
  sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"
}

median() { # median of the numbers on stdin (one a line; empty lines ignored)
  grep -v '^$' | sort -g | awk '{a[NR] = $1} END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ----------------------------------------------------------------------------------------
# The targets of the main comparison. Each sets up its store, starts its server, and leaves
# TOKEN set; teardown_target stops it again.

PG_SCHEMA=
setup_target() { # setup_target TARGET ROUND
  local t=$1 r=$2
  case $t in
    sqlite | sqlite-relaxed)
      local db=$WORK/$t-r$r.db
      rm -f "$db" "$db"-*
      seed "$db" "$USERS"
      TOKEN=$(token_for "$db")
      local relaxed=()
      [[ $t == sqlite-relaxed ]] && relaxed=(--sqlite-relaxed-sync)
      start_server "$t" env -u REVDIR_SQLITE_RELAXED_SYNC "$BIN/revdir" serve --db "$db" "${relaxed[@]}"
      ;;
    pg)
      PG_SCHEMA=$(new_schema "r$r")
      local url
      url=$(pg_url_for "$PG_SCHEMA")
      seed "$url" "$USERS"
      TOKEN=$(token_for "$url")
      start_server pg "$BIN/revdir" serve --db "$url"
      ;;
    ceiling)
      TOKEN=none
      start_server ceiling "$BIN/ceiling"
      ;;
    prism)
      # Prism checks only that a bearer token is present.
      TOKEN=bench
      START_WAIT=600 start_server prism "$BENCH/prism/serve.sh"
      echo "$SERVER_START_MS" >>"$WORK/prism_start_ms"
      log "  Prism listening after $SERVER_START_MS ms"
      ;;
    *) die "unknown target $t" ;;
  esac
}

teardown_target() {
  stop_server
  if [[ $1 == pg && -n $PG_SCHEMA ]]; then
    drop_schema "$PG_SCHEMA"
    PG_SCHEMA=
  fi
  rm -f "$WORK"/*.db "$WORK"/*.db-*
}

# pgbench: a one-row UPDATE of revdir's own `users` table (same columns and indexes),
# seeded with $USERS contacts by revdir seed, changing the same four fields.
PGB_SCHEMA=
PGB_SCRIPT=$WORK/pgbench_update.sql
# The PostgreSQL floor: revdir's own statement (the UPDATE … RETURNING that checks the
# token's record), as printed by `floor pgbench-script`, on the same schema.
PGF_SCRIPT=$WORK/pgbench_floor.sql
setup_pgbench() {
  PGB_SCHEMA=$(new_schema pgbench)
  seed "$(pg_url_for "$PGB_SCHEMA")" "$USERS"
  local org
  org=$(psql_q "SELECT id FROM $PGB_SCHEMA.dev_orgs LIMIT 1")
  if [[ $FLOORS == 1 ]]; then
    token_for "$(pg_url_for "$PGB_SCHEMA")" >/dev/null
    local jti kind id
    IFS='|' read -r jti kind id < <(psql_q "SELECT jti, subject_kind, subject_id FROM $PGB_SCHEMA.auth_tokens ORDER BY issued_at DESC LIMIT 1")
    "$BIN/floor" pgbench-script --org "$org" --jti "$jti" --actor-kind "$kind" --actor-id "$id" --users "$USERS" >"$PGF_SCRIPT"
  fi
  cat >"$PGB_SCRIPT" <<SQL
\\set n random(1, $USERS)
\\set r random(0, 999999)
UPDATE users SET display_name = 'Bench User ' || :n || ' ' || :r, email = 'user' || :n || '.' || :r || '@example.com', email_lower = 'user' || :n || '.' || :r || '@example.com', phone_numbers = '["+14155550100"]', description = 'updated by pgbench ' || :r, modified_date = modified_date + 1 WHERE dev_org_id = '$org' AND kind = 'revu' AND id = :n;
SQL
}

# pgbench_run CONNS SECONDS [SCRIPT]: prints "RESULT rps=… p50_ms=… p99_ms=…" from pgbench's
# tps line and its per-transaction log.
pgbench_run() {
  local conns=$1 secs=$2 script=${3:-$PGB_SCRIPT}
  rm -f "$WORK"/pgblog*
  # Same transport as revdir: without an sslmode in PG_URL, revdir reaches a loopback
  # server without TLS, so pgbench does too.
  local sslmode=${PGSSLMODE:-prefer}
  [[ $PG_URL != *sslmode=* && $PG_URL =~ @(127\.0\.0\.1|localhost|\[::1\])[:/] ]] && sslmode=${PGSSLMODE:-disable}
  PGSSLMODE=$sslmode PGOPTIONS="-c search_path=$PGB_SCHEMA" timeout $((secs + 60)) taskset -c "$CLIENT_CPU" \
    pgbench -n -M prepared -c "$conns" -j 1 -T "$secs" -f "$script" \
    --log --log-prefix="$WORK/pgblog" "$PG_URL" >"$WORK/pgbench.out" 2>&1 ||
    { cat "$WORK/pgbench.out" >&2; die "pgbench failed"; }
  local tps p50 p99
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out" | head -1)
  # log lines: client_id transaction_no time(us) script_no time_epoch time_us
  read -r p50 p99 < <(cat "$WORK"/pgblog* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {
    printf "%.3f %.3f\n", a[int(NR * 0.50) + 1] / 1000, a[int(NR * 0.99) + 1] / 1000 }')
  echo "RESULT rps=$tps p50_ms=$p50 p99_ms=$p99 non2xx=0 errors=0"
}

# sqlite_floor_run BATCH SECONDS: `floor sqlite` pinned to SERVER_CPU on a fresh store of
# $USERS contacts; prints its RESULT line.
sqlite_floor_run() {
  local db=$WORK/floor.db
  rm -f "$db" "$db"-*
  seed "$db" "$USERS" 2>/dev/null
  token_for "$db" >/dev/null
  timeout $(($2 + 60)) taskset -c "$SERVER_CPU" "$BIN/floor" sqlite --db "$db" --users "$USERS" \
    --batch "$1" --seconds "$2" || die "floor sqlite failed"
  rm -f "$db" "$db"-*
}

# ----------------------------------------------------------------------------------------
# Main comparison: rounds, targets interleaved (the order rotates each round).

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
RES=$WORK/results.tsv # round target conns rps p50 p99 non2xx errors rss_idle_kb rss_load_kb foreign%
: >"$RES"
read -r -a TLIST <<<"$TARGETS"
[[ $PG_OK == 1 ]] && setup_pgbench
log "settings: rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s users=$USERS targets=${TLIST[*]}$([[ $PG_OK == 1 ]] && echo ' +pgbench')"

for ((r = 1; r <= ROUNDS; r++)); do
  order=("${TLIST[@]}")
  [[ $PG_OK == 1 ]] && order+=(pgbench)
  [[ $FLOORS == 1 && " ${TLIST[*]} " == *" sqlite "* ]] && order+=(sqlite-floor)
  [[ $FLOORS == 1 && $PG_OK == 1 ]] && order+=(pg-floor)
  n=${#order[@]}
  for ((k = 0; k < n; k++)); do
    t=${order[$(((k + r - 1) % n))]}
    if [[ $t == sqlite-floor ]]; then
      log "round $r: sqlite-floor"
      for c in 32 1; do
        wait_quiet
        line=$(sqlite_floor_run "$c" "$DURATION")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t0\t0\t0\t0\t-\n' "$r" sqlite-floor "$c" "$(field rps "$line")" \
          "$(field p50_ms "$line")" "$(field p99_ms "$line")" >>"$RES"
        log "  batch $c: $line"
      done
      continue
    fi
    if [[ $t == pg-floor ]]; then
      log "round $r: pg-floor"
      pgbench_run 32 "$WARMUP" "$PGF_SCRIPT" >/dev/null
      for c in 32 1; do
        wait_quiet
        line=$(pgbench_run "$c" "$DURATION" "$PGF_SCRIPT")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t0\t0\t0\t0\t-\n' "$r" pg-floor "$c" "$(field rps "$line")" \
          "$(field p50_ms "$line")" "$(field p99_ms "$line")" >>"$RES"
        log "  -c$c: $line"
      done
      continue
    fi
    if [[ $t == pgbench ]]; then
      log "round $r: pgbench"
      pgbench_run 32 "$WARMUP" >/dev/null
      for c in 32 1; do
        wait_quiet
        line=$(pgbench_run "$c" "$DURATION")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t0\t0\t0\t0\t-\n' "$r" pgbench "$c" "$(field rps "$line")" \
          "$(field p50_ms "$line")" "$(field p99_ms "$line")" >>"$RES"
      done
      continue
    fi
    log "round $r: $t"
    setup_target "$t" "$r"
    sleep 0.5
    idle=$(rss_kb "$SERVER_PID")
    wrk_run update.lua 32 "$WARMUP" "$TOKEN" "$USERS" >/dev/null
    for c in 32 1; do
      healthy_or_restart
      wait_quiet
      line=$(wrk_run update.lua "$c" "$DURATION" "$TOKEN" "$USERS")
      load=$(cat "$WORK/rss_peak")
      [[ $c == 1 ]] && load=0
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$c" "$(field rps "$line")" \
        "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field non2xx "$line")" \
        "$(field errors "$line")" "$idle" "$load" "$(field foreign "$line")" >>"$RES"
      log "  -c$c: $line"
    done
    teardown_target "$t"
  done
done
[[ $PG_OK == 1 ]] && drop_schema "$PGB_SCHEMA"

# ----------------------------------------------------------------------------------------
# Start-up: spawn to first 2xx on an empty SQLite store (5 tries).

EXTRAS=${EXTRAS:-1}
STARTUP=$WORK/startup.txt SCALE=$WORK/scale.tsv SEEDLOG=$WORK/seed.txt
: >"$STARTUP"
: >"$SCALE"
: >"$SEEDLOG"
: >"$WORK/seedtimes"
START_MS=nan LISTEN_MS=nan EMPTY_RSS=0
if [[ $EXTRAS == 1 ]]; then
log "start-up to first 2xx (empty SQLite store)"
for i in 1 2 3 4 5; do
  db=$WORK/empty-$i.db
  line=$("$BIN/first-2xx" --timeout-ms 10000 -- taskset -c "$SERVER_CPU" \
    env -u REVDIR_SQLITE_RELAXED_SYNC "$BIN/revdir" serve --db "$db" --listen 127.0.0.1:0)
  echo "$line" >>"$STARTUP"
  log "  $line"
  rm -f "$db" "$db"-*
done
START_MS=$(sed -n 's/.*first_2xx_ms=\([0-9.]*\).*/\1/p' "$STARTUP" | median)
LISTEN_MS=$(sed -n 's/.*listening_ms=\([0-9.]*\).*/\1/p' "$STARTUP" | median)
# Idle RSS of a just-started server on an empty store.
db=$WORK/empty-rss.db
start_server empty "$BIN/revdir" serve --db "$db"
sleep 1
EMPTY_RSS=$(rss_kb "$SERVER_PID")
stop_server
rm -f "$db" "$db"-*

# ----------------------------------------------------------------------------------------
# Scale: update, list-by-email and a scan page with SEED_SMALL vs SEED_BIG contacts stored (SQLite).

# scale.tsv: contacts op conns rps p50 p99 non2xx errors foreign round. Both stores are
# seeded first; then each round measures both, in an order that alternates, since single
# -c1 latencies on this kind of machine vary by more than the effect measured. Each round
# starts from a copy of the freshly seeded file and looks emails up before updating: the
# updates change emails, and at 10^3 contacts they soon change every one, after which a
# lookup would find nothing and cost less than one that finds its contact.
declare -A SCALE_TOKEN
for size in "$SEED_SMALL" "$SEED_BIG"; do
  db=$WORK/scale-$size.db
  log "scale: seeding $size contacts"
  t0=$(date +%s.%N)
  timeout 900 "$BIN/revdir" seed --db "$db" --rev-users "$size" 2>>"$WORK/revdir.log" >>"$SEEDLOG"
  t1=$(date +%s.%N)
  tail -1 "$SEEDLOG" | sed 's/^/  /' >&2
  printf 'seed %s %.2f\n' "$size" "$(echo "$t1 - $t0" | bc -l 2>/dev/null || awk "BEGIN{print $t1 - $t0}")" >>"$WORK/seedtimes"
  SCALE_TOKEN[$size]=$(token_for "$db")
  # The token may still be in the write-ahead log: it moves along, under the name SQLite
  # expects next to the new file name.
  mv "$db" "$db.seeded"
  if [[ -f $db-wal ]]; then mv "$db-wal" "$db.seeded-wal"; fi
  rm -f "$db"-*
done
for ((r = 1; r <= ROUNDS; r++)); do
  sizes=("$SEED_SMALL" "$SEED_BIG")
  ((r % 2 == 0)) && sizes=("$SEED_BIG" "$SEED_SMALL")
  for size in "${sizes[@]}"; do
    db=$WORK/scale-$size.db
    TOKEN=${SCALE_TOKEN[$size]}
    log "scale round $r: $size contacts"
    rm -f "$db" "$db"-*
    cp "$db.seeded" "$db"
    if [[ -f $db.seeded-wal ]]; then cp "$db.seeded-wal" "$db-wal"; fi
    start_server scale "$BIN/revdir" serve --db "$db"
    # The reads first: the updates change emails (not ids, which the scan pages by).
    for op in list scan update; do
      script=update.lua path=/rev-users.update
      [[ $op == list ]] && script=list_by_email.lua path=/rev-users.list
      [[ $op == scan ]] && script=scan_page.lua path=/rev-users.scan
      wrk_run "$script" 32 "$WARMUP" "$TOKEN" "$size" "$path" >/dev/null
      for c in 1 32; do
        healthy_or_restart
        wait_quiet
        line=$(wrk_run "$script" "$c" "$DURATION" "$TOKEN" "$size" "$path")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$op" "$c" "$(field rps "$line")" \
          "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field non2xx "$line")" \
          "$(field errors "$line")" "$(field foreign "$line")" "$r" >>"$SCALE"
        log "  $size $op -c$c: $line"
      done
    done
    stop_server
    if [[ $FLOORS == 1 ]]; then
      # The same store through the SQLite floor: how much of the growth is SQLite's own.
      for c in 32 1; do
        wait_quiet
        line=$(timeout $((DURATION + 60)) taskset -c "$SERVER_CPU" "$BIN/floor" sqlite --db "$db" --users "$size" \
          --batch "$c" --seconds "$DURATION") || die "floor sqlite failed"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t0\t0\t-\t%s\n' "$size" floor "$c" "$(field rps "$line")" \
          "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$r" >>"$SCALE"
        log "  $size floor batch $c: $line"
      done
    fi
  done
done
for size in "$SEED_SMALL" "$SEED_BIG"; do
  db=$WORK/scale-$size.db
  echo "dbsize $size $(du -m "$db.seeded" | awk '{print $1}')" >>"$WORK/seedtimes"
  rm -f "$db" "$db"-* "$db.seeded" "$db.seeded-wal"
done
fi

# ----------------------------------------------------------------------------------------
# Report

get() { # get TARGET CONNS COLUMN(4=rps 5=p50 6=p99 7=non2xx 8=errors 9=idle 10=load 11=foreign) ROUND|all
  awk -F'\t' -v t="$1" -v c="$2" -v col="$3" -v r="$4" \
    '$2 == t && $3 == c && (r == "all" || $1 == r) {print $col}' "$RES"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.3f", a / b }'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "–"; else if (x + 0 >= 100) printf "%.0f", x; else printf "%.2f", x }'; }
verdict() { if awk -v ok="$1" 'BEGIN { exit !(ok + 0) }'; then echo met; else echo "**missed**"; fi; }

REPORT=$WORK/report.md
{
  echo "# revdir benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
  echo "- server pinned to CPU $SERVER_CPU, load generator to CPU $CLIENT_CPU; PostgreSQL itself unpinned"
  echo "- rounds=$ROUNDS, ${DURATION}s per measured run after ${WARMUP}s of warm-up, $USERS contacts, QUICK=$QUICK"
  echo "- \`POST /rev-users.update\` of a random contact, changing display_name, email, phone_numbers, description (\`bench/update.lua\`)"
  echo "- revdir $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), release build, default settings (SQLite: WAL, synchronous=FULL)"
  echo "- load average before the runs: $LOAD_START; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes numbers noisy)"
  if [[ -s $WORK/restarts ]]; then
    echo "- **servers restarted after a probe update failed**: $(awk '{n[$1 " (" $2 ")"]++} END {for (k in n) printf "%s × %d; ", k, n[k]}' "$WORK/restarts")each is a bug: see the server logs (KEEP_WORK=1)"
  else
    echo "- no server needed a restart (every probe update before a measured run answered 200)"
  fi
  echo
  echo "## Per round"
  echo
  echo "| round | target | c32 req/s | c32 p50 ms | c32 p99 ms | c32 × ceiling | c1 req/s | c1 p50 ms | c1 p99 ms | c1 p50 − ceiling's | RSS idle / c32 MB | non-2xx, errors | foreign CPU % c32 / c1 |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for ((r = 1; r <= ROUNDS; r++)); do
    crps=$(get ceiling 32 4 "$r")
    cp50=$(get ceiling 1 5 "$r")
    for t in "${TLIST[@]}" $([[ $PG_OK == 1 ]] && echo pgbench) sqlite-floor pg-floor; do
      rps32=$(get "$t" 32 4 "$r")
      [[ -n $rps32 ]] || continue
      rss="$(mb "$(get "$t" 32 9 "$r")") / $(mb "$(get "$t" 32 10 "$r")")"
      [[ $t == pgbench || $t == *-floor ]] && rss="–"
      echo "| $r | $t | $(fmt "$rps32") | $(get "$t" 32 5 "$r") | $(get "$t" 32 6 "$r") | $(ratio "$rps32" "${crps:-0}") | $(fmt "$(get "$t" 1 4 "$r")") | $(get "$t" 1 5 "$r") | $(get "$t" 1 6 "$r") | $(delta "$(get "$t" 1 5 "$r")" "${cp50:-0}") | $rss | $(($(get "$t" 32 7 "$r") + $(get "$t" 1 7 "$r"))), $(($(get "$t" 32 8 "$r") + $(get "$t" 1 8 "$r"))) | $(get "$t" 32 11 "$r") / $(get "$t" 1 11 "$r") |"
    done
  done
  echo
  echo "## Medians across rounds"
  echo
  echo "Ratios and differences are taken within each round, then their median is shown."
  echo
  echo "| target | c32 req/s | c32 p50 ms | c32 p99 ms | c32 × ceiling | c1 req/s | c1 p50 ms | c1 p99 ms | c1 p50 − ceiling's (ms) | RSS idle MB | RSS peak under c32 MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  declare -gA MED
  for t in "${TLIST[@]}" $([[ $PG_OK == 1 ]] && echo pgbench) sqlite-floor pg-floor; do
    [[ -n $(get "$t" 32 4 all) ]] || continue
    ratios=() deltas=()
    for ((r = 1; r <= ROUNDS; r++)); do
      ratios+=("$(ratio "$(get "$t" 32 4 "$r")" "$(get ceiling 32 4 "$r")")")
      deltas+=("$(delta "$(get "$t" 1 5 "$r")" "$(get ceiling 1 5 "$r")")")
    done
    MED[$t.ratio]=$(printf '%s\n' "${ratios[@]}" | grep -v nan | median)
    MED[$t.delta]=$(printf '%s\n' "${deltas[@]}" | median)
    MED[$t.rps32]=$(get "$t" 32 4 all | median)
    MED[$t.p99]=$(get "$t" 32 6 all | median)
    MED[$t.rps1]=$(get "$t" 1 4 all | median)
    MED[$t.p50c1]=$(get "$t" 1 5 all | median)
    MED[$t.idle]=$(get "$t" 32 9 all | median)
    MED[$t.load]=$(get "$t" 32 10 all | median)
    rss_i=$(mb "${MED[$t.idle]}") rss_l=$(mb "${MED[$t.load]}")
    [[ $t == pgbench || $t == *-floor ]] && rss_i="–" rss_l="–"
    echo "| $t | $(fmt "${MED[$t.rps32]}") | $(get "$t" 32 5 all | median) | ${MED[$t.p99]} | ${MED[$t.ratio]} | $(fmt "${MED[$t.rps1]}") | ${MED[$t.p50c1]} | $(get "$t" 1 6 all | median) | ${MED[$t.delta]} | $rss_i | $rss_l |"
  done
  if [[ $PG_OK == 1 ]]; then
    pr32=() pr1=()
    for ((r = 1; r <= ROUNDS; r++)); do
      pr32+=("$(ratio "$(get pg 32 4 "$r")" "$(get pgbench 32 4 "$r")")")
      pr1+=("$(ratio "$(get pg 1 4 "$r")" "$(get pgbench 1 4 "$r")")")
    done
    MED[pg.pgb32]=$(printf '%s\n' "${pr32[@]}" | grep -v nan | median)
    MED[pg.pgb1]=$(printf '%s\n' "${pr1[@]}" | grep -v nan | median)
    echo
    echo "revdir on PostgreSQL ÷ pgbench (one-row UPDATE of the same \`users\` table, \`-M prepared -j1\`, same client count), median of per-round ratios: -c32 **${MED[pg.pgb32]}**, -c1 **${MED[pg.pgb1]}**."
  fi
  if [[ -n ${MED[prism.rps32]:-} ]]; then
    echo
    echo "## Against Stoplight Prism mocking the same spec"
    echo
    echo "Prism $(node -p 'require(process.argv[1]).version' "$BENCH/prism/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null || echo '?') (\`prism mock\` with its defaults, on the same CPU) answers every update with the spec's example body and stores nothing. revdir ÷ Prism, median of per-round ratios:"
    echo
    echo "| target | c32 req/s ÷ Prism's | c1 req/s ÷ Prism's | c1 p50: Prism's ÷ target's |"
    echo "|---|---|---|---|"
    for t in sqlite pg; do
      [[ -n ${MED[$t.rps32]:-} ]] || continue
      x32=() x1=() l1=()
      for ((r = 1; r <= ROUNDS; r++)); do
        x32+=("$(ratio "$(get "$t" 32 4 "$r")" "$(get prism 32 4 "$r")")")
        x1+=("$(ratio "$(get "$t" 1 4 "$r")" "$(get prism 1 4 "$r")")")
        l1+=("$(ratio "$(get prism 1 5 "$r")" "$(get "$t" 1 5 "$r")")")
      done
      MED[$t.prism32]=$(printf '%s\n' "${x32[@]}" | grep -v nan | median)
      echo "| revdir on $t | ${MED[$t.prism32]} | $(printf '%s\n' "${x1[@]}" | grep -v nan | median) | $(printf '%s\n' "${l1[@]}" | grep -v nan | median) |"
    done
    echo
    echo "Prism's spawn → \"listening\" line, median of the rounds: $(median <"$WORK/prism_start_ms") ms (it parses the whole spec first); revdir's is in \"Start-up and memory\"."
  fi
  if [[ -n ${MED[sqlite-floor.rps32]:-} || -n ${MED[pg-floor.rps32]:-} ]]; then
    echo
    echo "## Floors: the database work alone"
    echo
    echo "A floor runs revdir's own statement for one update (the one-statement UPDATE … RETURNING that also checks the caller's token record, its SQL text taken from \`revdir-store\`) with nothing of revdir around it: \`floor sqlite\` in a tight loop on one thread pinned to the server's CPU, 32 updates per durable COMMIT for the c32 column and 1 for c1 (its p50/p99 are those of a whole batch); \`pg-floor\` is pgbench running that statement (\`floor pgbench-script\`). No server can beat its floor on this machine, so a floor below a target means the target is out of reach for any server that runs this statement."
    echo
    echo "| floor | c32 req/s | c1 req/s | c32 floor × ceiling | revdir c32 ÷ floor | revdir c1 ÷ floor | c32 floor ÷ pgbench | c1 floor ÷ pgbench |"
    echo "|---|---|---|---|---|---|---|---|"
    for f in sqlite pg; do
      [[ -n ${MED[$f-floor.rps32]:-} ]] || continue
      fr32=() fr1=() fc=() fb32=() fb1=()
      for ((r = 1; r <= ROUNDS; r++)); do
        fc+=("$(ratio "$(get "$f-floor" 32 4 "$r")" "$(get ceiling 32 4 "$r")")")
        fr32+=("$(ratio "$(get "$f" 32 4 "$r")" "$(get "$f-floor" 32 4 "$r")")")
        fr1+=("$(ratio "$(get "$f" 1 4 "$r")" "$(get "$f-floor" 1 4 "$r")")")
        fb32+=("$(ratio "$(get "$f-floor" 32 4 "$r")" "$(get pgbench 32 4 "$r")")")
        fb1+=("$(ratio "$(get "$f-floor" 1 4 "$r")" "$(get pgbench 1 4 "$r")")")
      done
      MED[$f-floor.ceiling]=$(printf '%s\n' "${fc[@]}" | grep -v nan | median)
      MED[$f-floor.pgb32]=$(printf '%s\n' "${fb32[@]}" | grep -v nan | median)
      MED[$f-floor.pgb1]=$(printf '%s\n' "${fb1[@]}" | grep -v nan | median)
      pgb32="–" pgb1="–"
      [[ $f == pg ]] && pgb32=${MED[$f-floor.pgb32]} pgb1=${MED[$f-floor.pgb1]}
      echo "| $f-floor | $(fmt "${MED[$f-floor.rps32]}") | $(fmt "${MED[$f-floor.rps1]}") | ${MED[$f-floor.ceiling]} | $(printf '%s\n' "${fr32[@]}" | grep -v nan | median) | $(printf '%s\n' "${fr1[@]}" | grep -v nan | median) | $pgb32 | $pgb1 |"
    done
  fi
  if [[ $EXTRAS == 1 ]]; then
  echo
  echo "## Start-up and memory"
  echo
  echo "- spawn → first 2xx (\`GET /dev-users.self\`), empty SQLite store, median of 5: **$START_MS ms** (spawn → \"listening\" line: $LISTEN_MS ms)"
  echo "- RSS just after start on an empty store: $(mb "$EMPTY_RSS") MB"
  echo
  echo "## Scale: $SEED_SMALL vs $SEED_BIG contacts stored (SQLite)"
  echo
  echo "Medians of $ROUNDS rounds; each round measures both stores, in alternating order."
  echo
  echo "Seeding with \`revdir seed\`: $(awk '/^seed/ {printf "%s contacts in %s s; ", $2, $3}' "$WORK/seedtimes")database file $(awk '/^dbsize/ {printf "%s MB at %s; ", $3, $2}' "$WORK/seedtimes")"
  echo
  echo "| operation | contacts | c1 req/s | c1 p50 ms | c1 p99 ms | c32 req/s | c32 p50 ms | c32 p99 ms | non-2xx | foreign CPU % c1 / c32 |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  # sget SIZE OP CONNS COLUMN: the median across rounds (non-2xx: the sum).
  sget() {
    local vals
    vals=$(awk -F'\t' -v s="$1" -v o="$2" -v c="$3" -v col="$4" '$1 == s && $2 == o && $3 == c {print $col}' "$SCALE")
    if [[ $4 == 7 ]]; then awk '{n += $1} END {print n + 0}' <<<"$vals"; else median <<<"$vals"; fi
  }
  for op in update list scan; do
    for size in "$SEED_SMALL" "$SEED_BIG"; do
      echo "| $op | $size | $(fmt "$(sget "$size" $op 1 4)") | $(sget "$size" $op 1 5) | $(sget "$size" $op 1 6) | $(fmt "$(sget "$size" $op 32 4)") | $(sget "$size" $op 32 5) | $(sget "$size" $op 32 6) | $(($(sget "$size" $op 1 7) + $(sget "$size" $op 32 7))) | $(sget "$size" $op 1 9) / $(sget "$size" $op 32 9) |"
    done
    MED[$op.p50growth]=$(ratio "$(sget "$SEED_BIG" $op 1 5)" "$(sget "$SEED_SMALL" $op 1 5)")
    MED[$op.rpsgrowth]=$(ratio "$(sget "$SEED_SMALL" $op 32 4)" "$(sget "$SEED_BIG" $op 32 4)")
  done
  if [[ $FLOORS == 1 ]]; then
    for size in "$SEED_SMALL" "$SEED_BIG"; do
      echo "| update, SQLite floor | $size | $(fmt "$(sget "$size" floor 1 4)") | batch $(sget "$size" floor 1 5) | batch $(sget "$size" floor 1 6) | $(fmt "$(sget "$size" floor 32 4)") | batch $(sget "$size" floor 32 5) | batch $(sget "$size" floor 32 6) | – | – |"
    done
    MED[floor.rpsgrowth]=$(ratio "$(sget "$SEED_SMALL" floor 32 4)" "$(sget "$SEED_BIG" floor 32 4)")
    MED[floor.c1growth]=$(ratio "$(sget "$SEED_SMALL" floor 1 4)" "$(sget "$SEED_BIG" floor 1 4)")
  fi
  echo
  echo "Cost growth from $SEED_SMALL to $SEED_BIG: update c1 p50 ×${MED[update.p50growth]}, update c32 time/request ×${MED[update.rpsgrowth]}; list by email c1 p50 ×${MED[list.p50growth]}, c32 time/request ×${MED[list.rpsgrowth]}; scan page (100 contacts from a random depth) c1 p50 ×${MED[scan.p50growth]}, c32 time/request ×${MED[scan.rpsgrowth]}."
  if [[ $FLOORS == 1 ]]; then
    echo
    echo "The SQLite floor (\`floor sqlite\`, revdir's update statement alone, on the same stores after the server): time/request ×${MED[floor.rpsgrowth]} at 32 updates per COMMIT, ×${MED[floor.c1growth]} at 1. At $SEED_SMALL contacts the 32 updates of a batch rewrite the same few pages; at $SEED_BIG nearly every update dirties pages of its own (the row, and the old and new places in the email and modified-date indexes), all written to the log, synced and checkpointed."
  fi
  fi
  echo
  echo "## Issue 7 targets"
  echo
  echo "| target | measured | verdict |"
  echo "|---|---|---|"
  if [[ -n ${MED[sqlite.ratio]:-} ]]; then
    echo "| SQLite durable, -c32: ≥ 0.30 × ceiling req/s | ${MED[sqlite.ratio]} ×$([[ -n ${MED[sqlite-floor.ceiling]:-} ]] && echo " (the SQLite floor itself: ${MED[sqlite-floor.ceiling]} ×)") | $(verdict "$(awk -v x="${MED[sqlite.ratio]}" 'BEGIN{print (x >= 0.30)}')") |"
    echo "| SQLite durable, -c32: p99 ≤ 10 ms | ${MED[sqlite.p99]} ms | $(verdict "$(awk -v x="${MED[sqlite.p99]}" 'BEGIN{print (x <= 10)}')") |"
    echo "| SQLite, -c1: p50 within 1 ms of the ceiling's | ${MED[sqlite.delta]} ms | $(verdict "$(awk -v x="${MED[sqlite.delta]}" 'BEGIN{print (x <= 1)}')") |"
    echo "| RSS < 50 MB under the -c32 load (SQLite) | $(mb "${MED[sqlite.load]}") MB | $(verdict "$(awk -v x="${MED[sqlite.load]}" 'BEGIN{print (x < 51200)}')") |"
  fi
  if [[ -n ${MED[pg.ratio]:-} ]]; then
    echo "| PostgreSQL, -c1: p50 within 1 ms of the ceiling's | ${MED[pg.delta]} ms | $(verdict "$(awk -v x="${MED[pg.delta]}" 'BEGIN{print (x <= 1)}')") |"
    echo "| RSS < 50 MB under the -c32 load (PostgreSQL) | $(mb "${MED[pg.load]}") MB | $(verdict "$(awk -v x="${MED[pg.load]}" 'BEGIN{print (x < 51200)}')") |"
    echo "| PostgreSQL -c32: ≥ 0.5 × pgbench | ${MED[pg.pgb32]} ×$([[ -n ${MED[pg-floor.pgb32]:-} ]] && echo " (the PostgreSQL floor itself: ${MED[pg-floor.pgb32]} ×)") | $(verdict "$(awk -v x="${MED[pg.pgb32]}" 'BEGIN{print (x >= 0.5)}')") |"
    echo "| PostgreSQL -c1: ≥ 0.5 × pgbench | ${MED[pg.pgb1]} ×$([[ -n ${MED[pg-floor.pgb1]:-} ]] && echo " (the PostgreSQL floor itself: ${MED[pg-floor.pgb1]} ×)") | $(verdict "$(awk -v x="${MED[pg.pgb1]}" 'BEGIN{print (x >= 0.5)}')") |"
  fi
  if [[ $EXTRAS == 1 ]]; then
  echo "| start-up to first 2xx < 100 ms (empty SQLite) | $START_MS ms | $(verdict "$(awk -v x="$START_MS" 'BEGIN{print (x < 100)}')") |"
  for op in update list scan; do
    g1=${MED[$op.p50growth]} g2=${MED[$op.rpsgrowth]}
    name=$op
    [[ $op == list ]] && name="list by email"
    [[ $op == scan ]] && name="scan page"
    floor_note=
    [[ $op == update && -n ${MED[floor.rpsgrowth]:-} ]] && floor_note=" (the SQLite floor itself: c32 ×${MED[floor.rpsgrowth]})"
    echo "| $name cost flat (≤ 1.5×) from $SEED_SMALL to $SEED_BIG | c1 p50 ×$g1, c32 ×$g2$floor_note | $(verdict "$(awk -v a="$g1" -v b="$g2" 'BEGIN{print (a <= 1.5 && b <= 1.5)}')") |"
  done
  fi
} >"$REPORT"

mkdir -p "$(dirname "$RESULTS")"
cp "$REPORT" "$RESULTS"
{
  echo
  echo "## Raw results"
  echo
  echo '```text'
  echo "# round target conns rps p50_ms p99_ms non2xx errors rss_idle_kb rss_load_kb foreign_cpu_pct"
  cat "$RES"
  echo "# contacts op conns rps p50_ms p99_ms non2xx errors foreign_cpu_pct round"
  cat "$SCALE"
  cat "$STARTUP"
  echo '```'
} >>"$RESULTS"
cat "$REPORT"
log "saved to $RESULTS"

#!/usr/bin/env bash
# Starts Stoplight Prism mocking DevRev's identity spec, the way bench/run.sh starts every
# target: `serve.sh --listen 127.0.0.1:0`. Prism takes a fixed port, so a free one is picked
# first; Prism then prints "Prism is listening on http://127.0.0.1:PORT", the line run.sh
# waits for. Prism runs with its defaults (one process, request logging at info), as an
# integration developer would run it; `exec` keeps this script's PID, so run.sh measures
# Prism's own CPU and memory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
spec=${PRISM_SPEC:-$here/../../../shared/reference/devrev-identity-openapi.yaml}
listen=127.0.0.1:0
while [[ $# -gt 0 ]]; do
  case $1 in
    --listen) listen=$2; shift 2 ;;
    *) echo "serve.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
host=${listen%:*} port=${listen##*:}
if [[ $port == 0 ]]; then
  port=$(node -e 'const s = require("net").createServer(); s.listen(0, process.argv[1], () => { console.log(s.address().port); s.close(); });' "$host")
fi
exec "$here/node_modules/.bin/prism" mock "$spec" --host "$host" --port "$port"

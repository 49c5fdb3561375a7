#!/usr/bin/env bash
# Run the foreign OKX clients (okx-api, python-okx, ccxt) against `okxws sim`, unmodified.
# Each driver gets its own simulator (port 0), so their accounts and pushes do not mix.
# Needs `bash interop/setup.sh` first. Env: OKXWS (the okxws command; default: the repo's
# .venv/bin/okxws, else okxws on PATH), INTEROP_IDLE (seconds of idle WS time to prove the
# heartbeats keep connections past the simulator's 30-s idle close; default 35, 0 skips).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
DEPS="$HERE/.deps"
PY="$DEPS/venv/bin/python"
IDLE="${INTEROP_IDLE:-35}"
if [ -z "${OKXWS:-}" ]; then
  if [ -x "$REPO/.venv/bin/okxws" ]; then OKXWS="$REPO/.venv/bin/okxws"; else OKXWS="okxws"; fi
fi
if [ ! -d "$DEPS/node/node_modules/okx-api" ] || [ ! -x "$PY" ]; then
  echo "interop deps missing: run 'bash interop/setup.sh' first" >&2
  exit 2
fi

WORK="$(mktemp -d -t okxws-interop.XXXXXX)"
SIM_PIDS=()
cleanup() {
  for pid in "${SIM_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${SIM_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_sim NAME [--tls]: starts a simulator, waits for its JSON line into $WORK/NAME.json
start_sim() {
  local name="$1"; shift
  "$OKXWS" sim --host 127.0.0.1 --port 0 "$@" >"$WORK/$name.json" 2>"$WORK/$name.sim.err" &
  SIM_PIDS+=("$!")
  for _ in $(seq 1 100); do
    if [ -s "$WORK/$name.json" ] && head -1 "$WORK/$name.json" | grep -q '}'; then
      return 0
    fi
    sleep 0.1
  done
  echo "simulator $name did not start:" >&2
  cat "$WORK/$name.sim.err" >&2
  return 1
}
field() { "$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }

start_sim node || exit 1
start_sim node-demo || exit 1
start_sim ccxt || exit 1
# python-okx's WS factory always passes an SSL context, which `websockets` refuses for ws://
# (docs/dev/foreign-clients.md 2.1): it runs against the --tls simulator, trusting its CA.
start_sim pyokx --tls || exit 1
echo "simulators: $(for n in node node-demo ccxt pyokx; do printf '%s=%s ' "$n" "$(field "$WORK/$n.json" ws_base_url)"; done)"

NAMES=(okx-api okx-api-demo ccxt python-okx)
node "$HERE/okx_api_node.mjs" "$(head -1 "$WORK/node.json")" "--idle=$IDLE" >"$WORK/okx-api.log" 2>&1 &
P1=$!
node "$HERE/okx_api_node.mjs" "$(head -1 "$WORK/node-demo.json")" --demo >"$WORK/okx-api-demo.log" 2>&1 &
P2=$!
"$PY" "$HERE/pyokx_ccxt.py" --client ccxt --idle "$IDLE" "$(head -1 "$WORK/ccxt.json")" >"$WORK/ccxt.log" 2>&1 &
P3=$!
SSL_CERT_FILE="$(field "$WORK/pyokx.json" ca_file)" \
  "$PY" "$HERE/pyokx_ccxt.py" --client pyokx --idle "$IDLE" "$(head -1 "$WORK/pyokx.json")" \
  >"$WORK/python-okx.log" 2>&1 &
P4=$!
RCS=()
for pid in $P1 $P2 $P3 $P4; do wait "$pid"; RCS+=("$?"); done

status=0
for i in "${!NAMES[@]}"; do
  n="${NAMES[$i]}"
  echo
  echo "=================== $n (exit ${RCS[$i]})"
  cut -c1-400 "$WORK/$n.log"
  [ "${RCS[$i]}" -eq 0 ] || status=1
done
echo
echo "=================== summary"
for i in "${!NAMES[@]}"; do
  n="${NAMES[$i]}"
  line="$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$WORK/$n.log" | tail -1)"
  printf '%-14s %-6s %s\n' "$n" "$([ "${RCS[$i]}" -eq 0 ] && echo OK || echo FAILED)" "${line:-no summary (crashed?)}"
done
exit $status

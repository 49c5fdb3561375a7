#!/usr/bin/env bash
# Installs the peer OKX clients into bench/.peers/ (gitignored; NOT project dependencies):
#   bench/.peers/node/node_modules/okx-api   the Node SDK (npm)
#   bench/.peers/venv                        ccxt + python-okx (PyPI), plus orjson for the drivers
# Usage: bash bench/peers/setup.sh        (idempotent; re-run to upgrade)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.peers"
mkdir -p "$root/node"
cd "$root/node"
[ -f package.json ] || printf '{ "name": "okxws-bench-peers", "private": true }\n' > package.json
npm install --no-audit --no-fund --loglevel=error okx-api
python_bin="${PYTHON:-python3}"
[ -x "$root/venv/bin/python" ] || "$python_bin" -m venv "$root/venv"
"$root/venv/bin/pip" install --quiet --upgrade pip
"$root/venv/bin/pip" install --quiet ccxt python-okx orjson uvloop
echo "peers installed in $root"
"$root/venv/bin/python" -c "import ccxt, okx; print('ccxt', ccxt.__version__)"
node -e "console.log('okx-api', require('$root/node/node_modules/okx-api/package.json').version)"

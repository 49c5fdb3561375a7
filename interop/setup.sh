#!/usr/bin/env bash
# Install the foreign OKX clients used by the interop drivers into interop/.deps/
# (outside okxws's own dependencies). Safe to re-run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEPS="$HERE/.deps"
mkdir -p "$DEPS/node"

echo "== npm: okx-api -> $DEPS/node"
( cd "$DEPS/node"
  [ -f package.json ] || echo '{"name":"okxws-interop-deps","private":true}' > package.json
  npm install --no-audit --no-fund okx-api )

echo "== venv: python-okx, ccxt -> $DEPS/venv"
PY="${PYTHON:-python3}"
[ -x "$DEPS/venv/bin/python" ] || "$PY" -m venv "$DEPS/venv"
"$DEPS/venv/bin/pip" install -q --upgrade pip
"$DEPS/venv/bin/pip" install -q python-okx ccxt

echo "== installed versions"
node -e "console.log('okx-api', require('$DEPS/node/node_modules/okx-api/package.json').version)"
"$DEPS/venv/bin/python" - <<'PY'
from importlib.metadata import version
for d in ("python-okx", "ccxt", "websockets", "httpx"):
    print(d, version(d))
PY

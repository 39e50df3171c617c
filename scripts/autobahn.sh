#!/usr/bin/env bash
# Autobahn|Testsuite conformance run against `switchboard autobahn-echo`, an
# echo endpoint with the exact WebSocket configuration of `/ws`.
#
# Compares every case's behavior with autobahn/expected.json and exits
# non-zero on ANY difference (a case getting better fails too: update the
# file, as tokio-tungstenite's CI does). Cases 12.* and 13.* (permessage-
# deflate) are excluded: the server does not negotiate compression.
#
#   scripts/autobahn.sh           run and compare
#   scripts/autobahn.sh --update  run and rewrite autobahn/expected.json
#
# Needs Python 2.7 (wstest is Python 2 only): taken from pyenv, installed
# with `pyenv install -s 2.7.18` when missing. Without it the script skips,
# except under CI=true where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYVER=2.7.18
VENV=${AUTOBAHN_VENV:-$ROOT/target/autobahn-venv}
WORK=$ROOT/target/autobahn
UPDATE=0
[[ ${1:-} == --update ]] && UPDATE=1

missing() {
  if [[ ${CI:-} == true ]]; then
    echo "autobahn: FAIL: $1 (required when CI=true)" >&2
    exit 1
  fi
  echo "autobahn: SKIPPED: $1" >&2
  exit 0
}

# --- Python 2.7 and wstest -------------------------------------------------
python27() {
  local pyenv=${PYENV_ROOT:-$HOME/.pyenv}/bin/pyenv
  command -v pyenv >/dev/null && pyenv=$(command -v pyenv)
  if [[ -x $pyenv ]]; then
    local root
    root=$("$pyenv" root)
    [[ -x $root/versions/$PYVER/bin/python ]] || "$pyenv" install -s "$PYVER" >&2 || return 1
    echo "$root/versions/$PYVER/bin/python"
  elif command -v python2.7 >/dev/null; then
    command -v python2.7
  else
    return 1
  fi
}

if [[ ! -x $VENV/bin/wstest ]] || ! cmp -s autobahn/requirements.txt "$VENV/requirements.txt"; then
  PY=$(python27) || missing "Python $PYVER cannot be found or installed (pyenv)"
  "$PY" -m virtualenv --version >/dev/null 2>&1 \
    || "$PY" -m pip install -q "virtualenv==20.15.1" \
    || missing "virtualenv for Python 2.7 cannot be installed"
  rm -rf "$VENV"
  "$PY" -m virtualenv -q "$VENV" || missing "cannot create a Python 2.7 virtualenv"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r autobahn/requirements.txt 2>&1 \
    | grep -v DEPRECATION >&2 || true
  [[ -x $VENV/bin/wstest ]] || missing "wstest (autobahntestsuite) did not install"
  cp autobahn/requirements.txt "$VENV/requirements.txt"
fi

# --- the echo server -------------------------------------------------------
# The debug build: `cargo test --workspace` has already built it in CI.
cargo build -q -p switchboard-server --bin switchboard
PORT=${AUTOBAHN_PORT:-9001}
rm -rf "$WORK" && mkdir -p "$WORK"
target/debug/switchboard autobahn-echo --listen "127.0.0.1:$PORT" 2>"$WORK/echo.log" &
ECHO_PID=$!
trap 'kill "$ECHO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$ECHO_PID" 2>/dev/null || { cat "$WORK/echo.log" >&2; echo "autobahn: echo server died" >&2; exit 1; }
  sleep 0.1
done

# --- the run ---------------------------------------------------------------
sed "s/PORT/$PORT/" autobahn/fuzzingclient.json > "$WORK/fuzzingclient.json"
(cd "$WORK" && timeout 900 "$VENV/bin/wstest" -m fuzzingclient -s fuzzingclient.json >wstest.log 2>&1) || {
  tail -n 30 "$WORK/wstest.log" >&2
  echo "autobahn: wstest failed" >&2
  exit 1
}
kill "$ECHO_PID" 2>/dev/null || true

if [[ $UPDATE == 1 ]]; then
  python3 autobahn/compare.py --write "$WORK/reports/servers/index.json" autobahn/expected.json
else
  python3 autobahn/compare.py "$WORK/reports/servers/index.json" autobahn/expected.json
fi

#!/usr/bin/env bash
# Runs the S3 state backend's integration tests (tests/remote_state.rs) against moto's server,
# an S3 implementation independent of the emulator that honours If-None-Match and If-Match.
# Uses the moto virtual environment emulator/tests/boto3/moto.sh installs (target/moto-venv),
# installing the same pin if it is missing. Binds to 127.0.0.1 only and stops the server on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${LOCKWARD_MOTO_VENV:-$PWD/target/moto-venv}"
if [ ! -x "$venv/bin/moto_server" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==5.2.5"
fi

port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
env -u AWS_ENDPOINT_URL "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
cleanup() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$url/moto-api/')" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "error: moto_server exited; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

echo "the S3 state backend's tests against moto at $url" >&2
# The race test drives the emulator's S3 only (its call log checks the lock discipline).
# Built as .ci/run's `cargo test --workspace --all-features` built it, so nothing is compiled again.
LOCKWARD_TEST_MOTO_S3="$url" cargo test --workspace --all-features --test main remote_state:: -- --skip eight_processes --nocapture

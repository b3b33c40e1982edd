#!/usr/bin/env bash
# Compares the emulator's AWS Backup, S3 and Organizations (with AssumeRole) answers with moto's,
# call by call (compare_moto.py).
# Installs the pinned moto[server] and freezegun into a virtual environment under target/,
# starts the emulator binary on a free port, runs moto in-process beside it, and exits non-zero
# when an answer differs where moto is right, or when the emulator departs from the AWS
# documentation where moto is known to be wrong.
#
# Environment: LOCKWARD_MOTO_VENV (venv directory), LOCKWARD_EMULATOR_BIN (a prebuilt binary),
# PYTHON (the interpreter that creates the venv; default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${LOCKWARD_MOTO_VENV:-$target/moto-venv}"
python="${PYTHON:-python3}"
moto_pin="moto[server]==5.2.5"
freezegun_pin="freezegun==1.5.5"

if [ ! -x "$venv/bin/python" ]; then
  echo "creating a virtual environment in $venv" >&2
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import moto, freezegun, flask; assert moto.__version__ == '5.2.5'" 2>/dev/null; then
  echo "installing $moto_pin and $freezegun_pin into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$moto_pin" "$freezegun_pin"
fi

if [ -n "${LOCKWARD_EMULATOR_BIN:-}" ]; then
  bin="$LOCKWARD_EMULATOR_BIN"
else
  (cd "$root" && cargo build --quiet -p lockward-emulator)
  bin="$target/debug/lockward-emulator"
fi

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" --port 0 --frozen-clock >"$work/stdout" 2>"$work/stderr" &
emulator_pid=$!

url=""
for _ in $(seq 1 100); do
  line="$(head -n 1 "$work/stdout" 2>/dev/null || true)"
  if [[ "$line" == "listening on "* ]]; then
    url="${line#listening on }"
    break
  fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "error: the emulator did not start; its stderr:" >&2
  cat "$work/stderr" >&2
  exit 1
fi

echo "moto comparison against $url" >&2
env -u AWS_PROFILE -u AWS_ENDPOINT_URL -u AWS_SESSION_TOKEN -u AWS_CONFIG_FILE \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  "$venv/bin/python" "$here/compare_moto.py" "$url"

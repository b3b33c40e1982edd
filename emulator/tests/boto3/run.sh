#!/usr/bin/env bash
# Cross-checks the emulator's wire format with boto3, whose botocore reads the official AWS
# service models (the ones the AWS CLI uses). Installs boto3 into a virtual environment under
# target/, builds and starts the emulator binary on a free port, runs check.py (Glacier, Recycle
# Bin, Snowball, STS), check_backup.py, check_s3.py, check_ec2.py (EC2 snapshots and snapshot
# locks) and check_organizations.py (Organizations and AssumeRole into its accounts) against it, and exits non-zero on any failure. moto.sh beside it compares the emulator with moto.
#
# Environment: LOCKWARD_BOTO3_VENV (venv directory), LOCKWARD_EMULATOR_BIN (a prebuilt binary),
# PYTHON (the interpreter that creates the venv; default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${LOCKWARD_BOTO3_VENV:-$target/boto3-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "creating a virtual environment in $venv" >&2
  "$python" -m venv "$venv"
fi
# Pinned, so a new botocore model never changes what CI checks without a commit that says so.
boto3_version="1.44.18"
if ! "$venv/bin/python" -c "import boto3; assert boto3.__version__ == '$boto3_version'" 2>/dev/null; then
  echo "installing boto3==$boto3_version into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "boto3==$boto3_version"
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

"$bin" --port 0 >"$work/stdout" 2>"$work/stderr" &
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

echo "boto3 cross-check against $url" >&2
# No real credentials or endpoints from the environment may leak into the check.
status=0
for script in check.py check_backup.py check_s3.py check_ec2.py check_organizations.py; do
  env -u AWS_PROFILE -u AWS_ENDPOINT_URL -u AWS_SESSION_TOKEN -u AWS_CONFIG_FILE \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    "$venv/bin/python" "$here/$script" "$url" || status=1
done
exit "$status"

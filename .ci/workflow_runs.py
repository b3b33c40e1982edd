"""Shellchecks every `run:` script of a GitHub Actions workflow.

Usage: python workflow_runs.py SHELLCHECK WORKFLOW.yml...

Each step's `run:` is written to a file of its own and given to shellcheck as the bash script
GitHub runs (`bash -e {0}`, the default shell of a Linux runner). A `${{ }}` expression inside
a script is refused outright: GitHub pastes its value into the script text before bash reads
it, so a branch name or a comment could become shell; values go through `env:` instead.
Exits non-zero, naming the job and step, on any finding.
"""

import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{")


def scripts(path):
    with open(path, encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    defaults = (workflow.get("defaults") or {}).get("run", {}).get("shell")
    for job_name, job in (workflow.get("jobs") or {}).items():
        job_shell = (job.get("defaults") or {}).get("run", {}).get("shell", defaults)
        for index, step in enumerate(job.get("steps") or []):
            if "run" not in step:
                continue
            name = step.get("name") or f"step {index + 1}"
            yield job_name, name, step.get("shell", job_shell), step["run"]


def main():
    shellcheck, paths = sys.argv[1], sys.argv[2:]
    failures = 0
    count = 0
    with tempfile.TemporaryDirectory() as work:
        for path in paths:
            for job, step, shell, script in scripts(path):
                count += 1
                where = f"{path}: job {job!r}, step {step!r}"
                if shell not in (None, "bash"):
                    print(f"{where}: shell {shell!r} is not checked here; use bash", file=sys.stderr)
                    failures += 1
                    continue
                if EXPRESSION.search(script):
                    print(
                        f"{where}: a ${{{{ }}}} expression inside run: is pasted into the script "
                        "before bash reads it; pass the value through env: instead",
                        file=sys.stderr,
                    )
                    failures += 1
                    continue
                file = os.path.join(work, f"run-{count}.sh")
                with open(file, "w", encoding="utf-8") as f:
                    f.write("#!/usr/bin/env bash\nset -e\n" + script)
                result = subprocess.run(
                    [shellcheck, "--shell=bash", "--severity=style", "--format=gcc", file],
                    capture_output=True,
                    text=True,
                )
                if result.returncode != 0:
                    print(f"{where}:", file=sys.stderr)
                    # Line numbers are the script's own (two lines were added before it).
                    for line in result.stdout.splitlines():
                        m = re.match(r"[^:]+:(\d+):(\d+): (.*)", line)
                        if m:
                            print(f"  line {int(m.group(1)) - 2}:{m.group(2)}: {m.group(3)}", file=sys.stderr)
                        else:
                            print(f"  {line}", file=sys.stderr)
                    failures += 1
    if count == 0:
        print("no run: scripts found", file=sys.stderr)
        return 1
    print(f"shellcheck: {count} run: scripts, {failures} with findings")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Renders lockward's HTML compliance report in a real headless browser (Debian's `chromium`)
# to a PDF and a PNG screenshot, and fails unless both come out well-formed, the PDF has the
# pages this report prints to, and the DOM the browser built holds every verdict the scenario
# set up (and the locks nobody declared).
#
#   tests/html/render.sh [OUT_DIR]      # default: target/report-html
#
# Needs the debug builds of `lockward` and `lockward-emulator` (CI runs it after the tests).
# The report is made the way a team makes one: an emulated account with locks of all six kinds,
# one reviewed apply (so the journal has history), then a delivered unlock code goes missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
out=${1:-$root/target/report-html}
bin=$root/target/debug
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d)
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

policy='{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Principal":"*","Effect":"Deny","Action":"glacier:DeleteArchive","Resource":"arn:aws:glacier:us-east-1:123456789012:vaults/*"}]}'
other='{"Version":"2012-10-17","Statement":[{"Sid":"deny-all","Principal":"*","Effect":"Deny","Action":"glacier:*","Resource":"*"}]}'
esc() { printf '%s' "$1" | sed 's/"/\\"/g'; }

cat > "$work/seed.json" <<EOF
{"glacier": [
   {"region": "us-east-1", "vault": "audit-logs"},
   {"region": "us-east-1", "vault": "legal-hold", "lock": {"state": "Locked", "policy": "$(esc "$other")", "lock_id": "L1", "created": "2026-10-01T00:00:00Z"}},
   {"region": "us-east-1", "vault": "stray-archive", "lock": {"state": "Locked", "policy": "$(esc "$other")", "lock_id": "L2", "created": "2026-06-01T00:00:00Z"}}],
 "rbin": [
   {"region": "us-east-1", "identifier": "a1B2c3D4e5F", "resource_type": "EBS_SNAPSHOT", "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [], "lock_state": null},
   {"region": "us-east-1", "identifier": "Z9y8X7w6V5u", "resource_type": "EBS_SNAPSHOT", "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [], "lock_state": null},
   {"region": "us-east-1", "identifier": "AMIrule0001", "resource_type": "EC2_IMAGE", "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [], "lock_state": "locked", "unlock_delay_days": 10}],
 "snowball": [
   {"region": "us-east-1", "job_id": "JID9f8e7d6c-5b4a-4321-8fed-cba987654321", "state": "WithCustomer", "created": "2026-11-01T00:00:00Z", "unlock_code": "12345-abcde-56789-fghij-01234"}],
 "backup": [
   {"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT", "recovery_points": 0}],
 "s3": [
   {"region": "us-east-1", "bucket": "acme-records-2026", "versioning": "Enabled", "object_lock": {"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}}}],
 "ec2": [
   {"region": "us-east-1", "snapshot_id": "snap-0123456789abcdef0", "state": "completed", "tags": [{"key": "legal-hold", "value": "true"}]}],
 "organizations": {"id": "o-renderorg1", "management_account": "123456789012",
   "ous": [{"id": "ou-ab12-members1", "name": "members"}],
   "accounts": [{"id": "123456789012", "name": "management"},
                {"id": "111111111111", "name": "member-one", "parent": "ou-ab12-members1"},
                {"id": "222222222222", "name": "member-two", "parent": "ou-ab12-members1"}]}}
EOF
# Each member account's Backup vault in both regions: the organisation part of the report.
python3 - "$work/seed.json" <<'PY'
import json, sys
path = sys.argv[1]
seed = json.load(open(path))
for account in ["111111111111", "222222222222"]:
    for region in ["us-east-1", "eu-west-1"]:
        seed["backup"].append({"account_id": account, "region": region, "vault": "org-backups",
                               "vault_type": "BACKUP_VAULT", "recovery_points": 0})
json.dump(seed, open(path, "w"))
PY

"$bin/lockward-emulator" --port 0 --seed "$work/seed.json" > "$work/emulator.out" 2> "$work/emulator.err" &
emulator_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n '1s/^listening on //p' "$work/emulator.out")
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "error: the emulator did not start" >&2
  cat "$work/emulator.err" >&2
  exit 1
fi

project=$work/project
mkdir -p "$project/policies"
printf '%s\n' "$policy" > "$project/policies/audit.json"
cat > "$project/lockward.yaml" <<EOF
version: 1
accounts:
  members:
    organization: { provider: default, parents: [ou-ab12-members1] }
providers:
  default:
    region: us-east-1
    endpoint_url: $url
  members:
    for_each: { accounts: members, regions: [us-east-1, eu-west-1] }
    endpoint_url: $url
    assume_role: "arn:aws:iam::\${account}:role/lockward"
glacier_vault_lock:
  audit:
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
  legal:
    vault: legal-hold
    policy_file: policies/audit.json
    state: locked
rbin_rule_lock:
  ami:
    rule_id: Z9y8X7w6V5u
    state: locked
    unlock_delay_days: 14
  ebs:
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 7
snowball_unlock_code:
  site_b:
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/site-b.code
backup_vault_lock:
  prod:
    vault: prod-backups
    mode: governance
    min_retention_days: 7
  org:
    provider: members
    vault: org-backups
    mode: governance
    min_retention_days: 7
s3_object_lock:
  records:
    bucket: acme-records-2026
    object_lock: enabled
    default_retention: { mode: governance, days: 30 }
ebs_snapshot_lock:
  hold:
    select: { tags: { legal-hold: "true" } }
    mode: governance
    duration_days: 30
  quarantine:
    select: { tags: { quarantine: "true" } }
    mode: governance
    duration_days: 30
EOF

lockward() {
  (cd "$project" && env -i PATH="$PATH" HOME="$work" NO_COLOR=1 \
    AWS_ACCESS_KEY_ID=AKIDLOCKWARDRENDER AWS_SECRET_ACCESS_KEY=render AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE="$work/absent" AWS_SHARED_CREDENTIALS_FILE="$work/absent" \
    "$bin/lockward" "$@")
}

mkdir -m 700 "$project/secrets"
targets=(--target glacier_vault_lock.audit --target snowball_unlock_code.site_b --target backup_vault_lock.prod
         --target 'backup_vault_lock.org[111111111111/*]')
digest=$(lockward plan --format json "${targets[@]}" | sed -n 's/^  "digest": "\(sha256:[0-9a-f]*\)",$/\1/p')
[ -n "$digest" ] || { echo "error: no plan digest" >&2; exit 1; }
lockward apply --approve "$digest" "${targets[@]}" > /dev/null 2>&1
# The delivered code file goes missing: drift.
rm "$project/secrets/site-b.code"

lockward report --format html > "$out/report.html"
grep -q '<h1>lockward compliance report</h1>' "$out/report.html"

browser() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-extensions \
    --user-data-dir="$(mktemp -d -p "$work")" "$@" 2> "$work/chromium.err"
}
rm -f "$out/report.pdf" "$out/report.png" "$out/report.dom.html"
browser --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "file://$out/report.html" || true
browser --hide-scrollbars --window-size=1100,2600 --screenshot="$out/report.png" "file://$out/report.html" || true
browser --dump-dom "file://$out/report.html" > "$out/report.dom.html" || true

fail=0
if [ ! -s "$out/report.pdf" ] || [ "$(head -c 5 "$out/report.pdf")" != "%PDF-" ]; then
  echo "error: chromium did not print the report to a PDF" >&2
  fail=1
fi
if [ ! -s "$out/report.png" ] || [ "$(head -c 8 "$out/report.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
  echo "error: chromium did not take a screenshot of the report" >&2
  fail=1
fi
if [ "$fail" -ne 0 ]; then
  cat "$work/chromium.err" >&2
  exit 1
fi

# The page count, from the PDF's page tree (its root /Pages node counts every page), and the
# page objects themselves: both must agree and be what this report prints to on A4/Letter.
expected_pages=8
flat=$(LC_ALL=C tr -c '[:print:]' ' ' < "$out/report.pdf")
count=$(printf '%s' "$flat" | grep -o '/Type /Pages[^>]*' | grep -o '/Count [0-9]*' | sed 's/[^0-9]//g' | sort -n | tail -1 || true)
objects=$(printf '%s' "$flat" | grep -o '/Type /Page[^s]' | wc -l || true)
if [ -z "$count" ] || [ "$count" != "$objects" ] || [ "$count" != "$expected_pages" ]; then
  echo "error: the PDF has ${count:-no} page(s) in its page tree and $objects page object(s); this report prints to $expected_pages (update expected_pages in $0 if the report's layout changed on purpose)" >&2
  fail=1
fi

# The DOM chromium built from the page (not the file's text): each declared resource's row
# with its account, region and verdict badge, and the locks nobody declared.
dom=$out/report.dom.html
if ! grep -q '<h1>lockward compliance report</h1>' "$dom"; then
  echo "error: chromium's DOM of the report has no report heading" >&2
  fail=1
fi
# Every kind: Glacier, Recycle Bin, Snowball, Backup, S3 and EBS snapshots (and every verdict
# but unknown and undeclared, which need an unreadable resource or a removed one).
for row in glacier_vault_lock.audit:compliant glacier_vault_lock.legal:violation \
           rbin_rule_lock.ami:pending rbin_rule_lock.ebs:pending snowball_unlock_code.site_b:drift \
           backup_vault_lock.prod:compliant s3_object_lock.records:compliant \
           'ebs_snapshot_lock.hold[snap-0123456789abcdef0]:pending' ebs_snapshot_lock.quarantine:empty; do
  address=${row%%:*}
  verdict=${row#*:}
  if ! grep -qF "<tr><td><a href=\"#$address\"><code>$address</code></a></td><td><code>123456789012</code></td><td><code>us-east-1</code></td><td><span class=\"badge $verdict\">$verdict</span>" "$dom"; then
    echo "error: the rendered report does not show $address as $verdict" >&2
    grep -o "<tr><td><a href=\"#$address\">.\{0,160\}" "$dom" | head -1 >&2 || true
    fail=1
  fi
done
for lock in 'vault <code>stray-archive</code>' 'rule <code>AMIrule0001</code>'; do
  if ! grep -qF "badge unmanaged\">unmanaged</span> $lock" "$dom"; then
    echo "error: the rendered report does not list the undeclared $lock as unmanaged" >&2
    fail=1
  fi
done
# The organisation: each instance in its own account and region, the applied account's
# compliant, the other's pending (the plan reaches it).
for row in '111111111111/us-east-1:compliant' '111111111111/eu-west-1:compliant' \
           '222222222222/us-east-1:pending' '222222222222/eu-west-1:pending'; do
  key=${row%%:*}
  verdict=${row#*:}
  address="backup_vault_lock.org[$key]"
  if ! grep -qF "<tr><td><a href=\"#$address\"><code>$address</code></a></td><td><code>${key%%/*}</code></td><td><code>${key#*/}</code></td><td><span class=\"badge $verdict\">$verdict</span>" "$dom"; then
    echo "error: the rendered report does not show $address in its account and region as $verdict" >&2
    grep -F "<tr><td><a href=\"#$address\">" "$dom" | head -c 300 >&2 || true
    fail=1
  fi
done
if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "rendered $out/report.html: $out/report.pdf ($(wc -c < "$out/report.pdf") bytes, $count pages, every verdict in the DOM), $out/report.png"

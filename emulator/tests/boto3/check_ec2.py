"""Cross-checks the emulator's EC2 snapshot subset against boto3 (botocore reads the official
`ec2/2016-11-15` model; moto has no snapshot lock, so the model and the EC2 API reference are the
references): DescribeSnapshots, DescribeLockedSnapshots, LockSnapshot, UnlockSnapshot and
DeleteSnapshot with their errors, on a frozen virtual clock so cool-offs and expiries are exact.
Usage: check_ec2.py http://127.0.0.1:PORT
"""

import datetime
import json
import sys
import urllib.parse

from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from support import (DAY, NO_RETRIES, T0, T0_EPOCH, check, client, control, expect_error, raw,
                     run, signed, tests_of, url_arg)

URL = url_arg()
HOUR = 3600
SNAP = "snap-0123456789abcdef0"
OTHER = "snap-0123456789abcdef1"


def ec2(**creds):
    return client(URL, "ec2", **creds)


def at(secs):
    return datetime.datetime.fromtimestamp(T0_EPOCH + secs, tz=datetime.timezone.utc)


def seed(*snapshots):
    control(URL, "POST", "seed", {"ec2": list(snapshots)})


def snap(snapshot_id, tags=None, **extra):
    return {"snapshot_id": snapshot_id, "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
            **extra}


def advance(secs):
    control(URL, "POST", "clock", {"advance_secs": secs})


def locked(e, snapshot_id=SNAP):
    found = e.describe_locked_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    check(len(found) == 1, found)
    return found[0]


def raw_ec2(params):
    """A signed EC2 Query call with parameters boto3 would refuse to send: (code, status)."""
    body = urllib.parse.urlencode({**params, "Version": "2016-11-15"}).encode()
    status, _, text = raw(URL, "POST", "/", {**signed("ec2"),
                                             "Content-Type": "application/x-www-form-urlencoded"}, body)
    text = text.decode()
    code = text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in text else None
    check("<Response><Errors><Error>" in text and "<RequestID>" in text, text)
    return code, status


def test_describe_snapshots_ids_owner_and_not_found():
    e = ec2()
    seed(snap(SNAP, {"legal-hold": "true"}, created="2026-11-01T00:00:00Z"),
         snap(OTHER, state="pending", description="nightly"))
    r = e.describe_snapshots(OwnerIds=["self"])
    got = [(s["SnapshotId"], s["State"], s["OwnerId"]) for s in r["Snapshots"]]
    check(got == [(SNAP, "completed", "123456789012"), (OTHER, "pending", "123456789012")], got)
    first = r["Snapshots"][0]
    check(first["Tags"] == [{"Key": "legal-hold", "Value": "true"}], first)
    check(first["StartTime"] == datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc), first)
    check(r["Snapshots"][1]["Description"] == "nightly", r)
    check([s["SnapshotId"] for s in e.describe_snapshots(SnapshotIds=[OTHER])["Snapshots"]] == [OTHER], "by id")
    check(e.describe_snapshots(OwnerIds=["123456789012"])["Snapshots"] != [], "own account id")
    check(e.describe_snapshots(OwnerIds=["amazon"])["Snapshots"] == [], "nobody else's")
    err = expect_error("InvalidSnapshot.NotFound", 400, e.describe_snapshots,
                       SnapshotIds=[SNAP, "snap-0000000000000dead"])
    check("snap-0000000000000dead" in str(err), err)
    expect_error("InvalidSnapshotID.Malformed", 400, e.describe_snapshots, SnapshotIds=["snap-nope"])
    expect_error("InvalidParameterCombination", 400, e.describe_snapshots, SnapshotIds=[SNAP],
                 MaxResults=5)
    # Another region of the same account holds nothing.
    check(client(URL, "ec2", region="eu-west-1").describe_snapshots()["Snapshots"] == [], "per region")


def test_describe_snapshots_tag_filters_and_wildcards():
    e = ec2()
    seed(snap("snap-00000001", {"legal-hold": "true", "team": "a"}),
         snap("snap-00000002", {"legal-hold": "True"}),
         snap("snap-00000003", {"legal-hold": "t*e"}),
         snap("snap-00000004", {"legal-hold": "tree", "team": "b"}),
         snap("snap-00000005", {"other": "true"}))

    def ids(*filters):
        r = e.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": n, "Values": v} for n, v in filters])
        return [s["SnapshotId"][-1] for s in r["Snapshots"]]

    check(ids(("tag:legal-hold", ["true"])) == ["1"], "exact and case-sensitive")
    check(ids(("tag:legal-hold", ["t*e"])) == ["1", "3", "4"], "* is any run")
    check(ids(("tag:legal-hold", ["t??e"])) == ["1", "4"], "? is one character")
    check(ids(("tag:legal-hold", ["t\\*e"])) == ["3"], "escaped * is literal")
    check(ids(("tag:legal-hold", ["true", "True"])) == ["1", "2"], "values are alternatives")
    check(ids(("tag:legal-hold", ["t*"]), ("tag:team", ["a", "b"])) == ["1", "4"], "filters all apply")
    check(ids(("tag-key", ["oth*"])) == ["5"], "tag-key")
    check(ids(("status", ["completed"])) == ["1", "2", "3", "4", "5"], "status")
    expect_error("InvalidParameterValue", 400, e.describe_snapshots,
                 Filters=[{"Name": "volume-size", "Values": ["8"]}])


def test_describe_snapshots_pages():
    e = ec2()
    seed(*[snap(f"snap-0000000{i}", {"k": "v"}) for i in range(1, 8)])
    first = e.describe_snapshots(OwnerIds=["self"], MaxResults=5)
    check(len(first["Snapshots"]) == 5 and "NextToken" in first, first)
    pages = list(e.get_paginator("describe_snapshots").paginate(
        OwnerIds=["self"], Filters=[{"Name": "tag:k", "Values": ["v"]}], PaginationConfig={"PageSize": 5}))
    check([len(p["Snapshots"]) for p in pages] == [5, 2], pages)
    check("NextToken" not in pages[-1], pages[-1])
    expect_error("InvalidParameterValue", 400, e.describe_snapshots, MaxResults=4)
    expect_error("InvalidParameterValue", 400, e.describe_snapshots, MaxResults=1001)
    expect_error("InvalidPaginationToken", 400, e.describe_snapshots, MaxResults=5, NextToken="garbage")


def test_governance_lock_changed_shortened_unlocked():
    e = ec2()
    seed(snap(SNAP))
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="governance", LockDuration=30)
    check((r["SnapshotId"], r["LockState"], r["LockDuration"]) == (SNAP, "governance", 30), r)
    check(r["LockCreatedOn"] == at(0) and r["LockDurationStartTime"] == at(0), r)
    check(r["LockExpiresOn"] == at(30 * DAY), r)
    check("CoolOffPeriod" not in r and "CoolOffPeriodExpiresOn" not in r, r)
    info = locked(e)
    check((info["LockState"], info["OwnerId"], info["LockExpiresOn"]) == ("governance", "123456789012", at(30 * DAY)), info)
    expect_error("IncorrectState", 400, e.delete_snapshot, SnapshotId=SNAP)
    advance(HOUR)
    # Shortened, by a date: the creation and the start of the duration stay.
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="governance", ExpirationDate=at(10 * DAY))
    check((r["LockState"], r["LockExpiresOn"], r["LockCreatedOn"]) == ("governance", at(10 * DAY), at(0)), r)
    check("LockDuration" not in r, r)
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="governance", LockDuration=2)
    check(r["LockExpiresOn"] == at(2 * DAY), r)
    advance(DAY)
    # Counted from LockDurationStartTime, one day has already ended.
    expect_error("InvalidParameterValue", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 LockDuration=1)
    check(e.unlock_snapshot(SnapshotId=SNAP)["SnapshotId"] == SNAP, "unlocked")
    check(e.describe_locked_snapshots()["Snapshots"] == [], "no lock left")
    expect_error("IncorrectState", 400, e.unlock_snapshot, SnapshotId=SNAP)
    e.delete_snapshot(SnapshotId=SNAP)
    expect_error("InvalidSnapshot.NotFound", 400, e.delete_snapshot, SnapshotId=SNAP)
    expect_error("InvalidSnapshot.NotFound", 400, e.lock_snapshot, SnapshotId=SNAP,
                 LockMode="governance", LockDuration=1)
    expect_error("InvalidSnapshot.NotFound", 400, e.unlock_snapshot, SnapshotId=SNAP)


def test_compliance_cool_off_then_only_extension():
    e = ec2()
    seed(snap(SNAP))
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", CoolOffPeriod=24, LockDuration=30)
    check((r["LockState"], r["CoolOffPeriod"], r["CoolOffPeriodExpiresOn"]) == ("compliance-cooloff", 24, at(DAY)), r)
    expect_error("IncorrectState", 400, e.delete_snapshot, SnapshotId=SNAP)
    advance(12 * HOUR)
    # During the cool-off: shorten, change the cool-off (it counts from LockCreatedOn), even unlock.
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", CoolOffPeriod=48, LockDuration=7)
    check((r["LockState"], r["CoolOffPeriodExpiresOn"], r["LockExpiresOn"]) == ("compliance-cooloff", at(2 * DAY), at(7 * DAY)), r)
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", CoolOffPeriod=6, LockDuration=7)
    check(r["LockState"] == "compliance" and r["CoolOffPeriodExpiresOn"] == at(6 * HOUR), r)
    expect_error("IncorrectState", 400, e.unlock_snapshot, SnapshotId=SNAP)
    expect_error("IncorrectState", 400, e.delete_snapshot, SnapshotId=SNAP)
    # After the cool-off: shorter, governance or a CoolOffPeriod are refused; longer is accepted.
    expect_error("IncorrectState", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="compliance", LockDuration=6)
    expect_error("IncorrectState", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="compliance",
                 ExpirationDate=at(7 * DAY - 1))
    expect_error("IncorrectState", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance", LockDuration=30)
    expect_error("IncorrectState", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="compliance",
                 CoolOffPeriod=24, LockDuration=30)
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", LockDuration=8)
    check((r["LockState"], r["LockExpiresOn"], r["CoolOffPeriod"]) == ("compliance", at(8 * DAY), 6), r)
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", ExpirationDate=at(9 * DAY))
    check(r["LockExpiresOn"] == at(9 * DAY), r)
    info = locked(e)
    check((info["LockState"], info["LockExpiresOn"], info["LockCreatedOn"]) == ("compliance", at(9 * DAY), at(0)), info)


def test_unlock_during_cool_off():
    e = ec2()
    seed(snap(SNAP))
    e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", CoolOffPeriod=1, LockDuration=30)
    advance(HOUR - 1)
    e.unlock_snapshot(SnapshotId=SNAP)
    e.delete_snapshot(SnapshotId=SNAP)


def test_compliance_without_cool_off_is_final_at_once():
    e = ec2()
    seed(snap(SNAP))
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", LockDuration=1)
    check(r["LockState"] == "compliance" and "CoolOffPeriodExpiresOn" not in r, r)
    expect_error("IncorrectState", 400, e.unlock_snapshot, SnapshotId=SNAP)
    expect_error("IncorrectState", 400, e.delete_snapshot, SnapshotId=SNAP)


def test_expired_lock_protects_nothing_and_can_be_relocked():
    e = ec2()
    seed(snap(SNAP), snap(OTHER))
    e.lock_snapshot(SnapshotId=SNAP, LockMode="compliance", LockDuration=1)
    e.lock_snapshot(SnapshotId=OTHER, LockMode="governance", LockDuration=1)
    advance(DAY)
    got = [(s["SnapshotId"], s["LockState"]) for s in e.describe_locked_snapshots()["Snapshots"]]
    check(got == [(SNAP, "expired"), (OTHER, "expired")], got)
    expect_error("IncorrectState", 400, e.unlock_snapshot, SnapshotId=SNAP)
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="governance", LockDuration=3)
    check((r["LockState"], r["LockCreatedOn"], r["LockExpiresOn"]) == ("governance", at(DAY), at(4 * DAY)), r)
    e.delete_snapshot(SnapshotId=OTHER)


def test_pending_snapshot_lock_has_no_expiry_yet():
    e = ec2()
    seed(snap(SNAP, state="pending"))
    r = e.lock_snapshot(SnapshotId=SNAP, LockMode="governance", LockDuration=5)
    check("LockExpiresOn" not in r and "LockDurationStartTime" not in r, r)
    advance(400 * DAY)
    check(locked(e)["LockState"] == "governance", "never expires while pending")


def test_lock_snapshot_parameters():
    e = ec2()
    seed(snap(SNAP))
    expect_error("InvalidParameterCombination", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 LockDuration=1, ExpirationDate=at(DAY))
    expect_error("MissingParameter", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance")
    expect_error("InvalidParameterCombination", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 CoolOffPeriod=1, LockDuration=1)
    expect_error("InvalidParameterValue", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="compliance",
                 CoolOffPeriod=73, LockDuration=1)
    expect_error("InvalidParameterValue", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 LockDuration=36501)
    expect_error("InvalidParameterValue", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 ExpirationDate=at(0))
    expect_error("InvalidParameterValue", 400, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 ExpirationDate=at(36501 * DAY))
    expect_error("InvalidSnapshotID.Malformed", 400, e.lock_snapshot, SnapshotId="snap-x",
                 LockMode="governance", LockDuration=1)
    # What botocore refuses to send (below the model's minimum or outside its enum) goes raw.
    check(raw_ec2({"Action": "LockSnapshot", "SnapshotId": SNAP, "LockMode": "governance",
                   "LockDuration": "0"}) == ("InvalidParameterValue", 400), "LockDuration 0")
    check(raw_ec2({"Action": "LockSnapshot", "SnapshotId": SNAP, "LockMode": "legal",
                   "LockDuration": "1"}) == ("InvalidParameterValue", 400), "LockMode")
    check(raw_ec2({"Action": "LockSnapshot", "SnapshotId": SNAP, "LockMode": "compliance",
                   "CoolOffPeriod": "0", "LockDuration": "1"}) == ("InvalidParameterValue", 400), "CoolOffPeriod 0")
    check(raw_ec2({"Action": "LockSnapshot", "LockMode": "governance", "LockDuration": "1"})
          == ("MissingParameter", 400), "SnapshotId")
    check(raw_ec2({"Action": "NoSuchAction"}) == ("InvalidAction", 400), "action")
    check(e.describe_locked_snapshots()["Snapshots"] == [], "nothing was locked")


def test_describe_locked_snapshots_filters_and_pages():
    e = ec2()
    ids = [f"snap-0000000{i}" for i in range(1, 9)]
    seed(*[snap(i) for i in ids])
    for i in ids[:3]:
        e.lock_snapshot(SnapshotId=i, LockMode="governance", LockDuration=10)
    for i in ids[3:5]:
        e.lock_snapshot(SnapshotId=i, LockMode="compliance", CoolOffPeriod=72, LockDuration=10)
    e.lock_snapshot(SnapshotId=ids[5], LockMode="compliance", LockDuration=10)
    e.lock_snapshot(SnapshotId=ids[6], LockMode="governance", LockDuration=1)
    advance(DAY)  # ids[6] expires; ids[7] was never locked

    def states(**kwargs):
        return [(s["SnapshotId"][-1], s["LockState"]) for s in e.describe_locked_snapshots(**kwargs)["Snapshots"]]

    everything = states()
    check(everything == [("1", "governance"), ("2", "governance"), ("3", "governance"),
                         ("4", "compliance-cooloff"), ("5", "compliance-cooloff"), ("6", "compliance"),
                         ("7", "expired")], everything)
    lock_state = lambda *v: [{"Name": "lock-state", "Values": list(v)}]  # noqa: E731
    check(states(Filters=lock_state("compliance", "expired")) == [("6", "compliance"), ("7", "expired")], "filter")
    check(states(Filters=lock_state("compliance-cooloff"), SnapshotIds=[ids[0], ids[3]]) == [("4", "compliance-cooloff")], "ids")
    check(states(SnapshotIds=[ids[7]]) == [], "an unlocked snapshot is not listed")
    expect_error("InvalidSnapshot.NotFound", 400, e.describe_locked_snapshots, SnapshotIds=["snap-0000000a"])
    expect_error("InvalidParameterValue", 400, e.describe_locked_snapshots, Filters=lock_state("locked"))
    expect_error("InvalidParameterValue", 400, e.describe_locked_snapshots,
                 Filters=[{"Name": "snapshot-id", "Values": [ids[0]]}])
    first = e.describe_locked_snapshots(MaxResults=5)
    check(len(first["Snapshots"]) == 5 and first["NextToken"], first)
    second = e.describe_locked_snapshots(MaxResults=5, NextToken=first["NextToken"])
    check([s["SnapshotId"] for s in second["Snapshots"]] == ids[5:7] and "NextToken" not in second, second)
    expect_error("InvalidParameterValue", 400, e.describe_locked_snapshots, MaxResults=1001)
    check(raw_ec2({"Action": "DescribeLockedSnapshots", "MaxResults": "4"}) == ("InvalidParameterValue", 400), "4")


def test_seed_state_and_assumed_role_account():
    doc = {"ec2": [{"region": "us-east-1", "account_id": "111111111111", "snapshot_id": SNAP,
                    "state": "completed", "tags": [{"key": "legal-hold", "value": "true"}],
                    "lock": {"mode": "compliance", "created": "2026-11-22T18:00:00Z", "duration_days": 30,
                             "cool_off_hours": 24}}]}
    control(URL, "POST", "seed", doc)
    state = control(URL, "GET", "state")["ec2"]
    check(len(state) == 1 and state[0]["lock"] == {**doc["ec2"][0]["lock"], "duration_start": "2026-11-22T18:00:00Z"}, state)
    check(ec2().describe_snapshots()["Snapshots"] == [], "another account's snapshot is not the caller's")
    creds = client(URL, "sts").assume_role(RoleArn="arn:aws:iam::111111111111:role/lockward",
                                           RoleSessionName="lockward",
                                           DurationSeconds=43200)["Credentials"]
    as_role = ec2(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
    info = locked(as_role)
    check((info["OwnerId"], info["LockState"], info["CoolOffPeriodExpiresOn"]) == ("111111111111", "compliance-cooloff", at(6 * HOUR)), info)
    advance(6 * HOUR)
    check(locked(as_role)["LockState"] == "compliance", "cool-off over on the virtual clock")
    expect_error("IncorrectState", 400, as_role.delete_snapshot, SnapshotId=SNAP)
    advance(6 * HOUR)  # the role's 12-hour session ends
    expect_error("RequestExpired", 400, as_role.describe_snapshots)


def test_dry_run_unsigned_and_malformed_seeds():
    e = ec2()
    seed(snap(SNAP))
    expect_error("DryRunOperation", 412, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance",
                 LockDuration=1, DryRun=True)
    check(e.describe_locked_snapshots()["Snapshots"] == [], "a dry run changes nothing")
    unsigned = client(URL, "ec2", config=NO_RETRIES.merge(Config(signature_version=UNSIGNED)))
    expect_error("MissingAuthenticationToken", 401, unsigned.describe_snapshots)
    for bad in [snap("snap-XYZ"), snap(SNAP, state="error"),
                snap(SNAP, lock={"mode": "governance", "created": T0, "duration_days": 1, "cool_off_hours": 1}),
                snap(SNAP, lock={"mode": "compliance", "created": T0})]:
        status, _, _ = raw(URL, "POST", "/_emulator/seed", {}, json.dumps({"ec2": [bad]}).encode())
        check(status == 400, bad)


def test_call_log_and_faults():
    e = ec2()
    seed(snap(SNAP))
    control(URL, "POST", "faults", {"rules": [{"operation": "LockSnapshot", "kind": "throttle", "times": 1}]})
    expect_error("RequestLimitExceeded", 503, e.lock_snapshot, SnapshotId=SNAP, LockMode="governance", LockDuration=1)
    control(URL, "POST", "faults", {"rules": [{"operation": "DescribeSnapshots", "kind": "error", "status": 500,
                                               "times": 1}]})
    expect_error("InternalError", 500, e.describe_snapshots)
    control(URL, "POST", "faults", {"rules": [{"operation": "LockSnapshot", "kind": "drop_after_apply", "times": 1}]})
    dropped = False
    try:
        e.lock_snapshot(SnapshotId=SNAP, LockMode="governance", LockDuration=1)
    except ClientError:
        raise
    except Exception:  # noqa: BLE001 - botocore reports a closed connection as a non-client error
        dropped = True
    check(dropped, "expected a dropped connection")
    check(locked(e)["LockState"] == "governance", "applied before the drop")
    e.unlock_snapshot(SnapshotId=SNAP)
    e.delete_snapshot(SnapshotId=SNAP)
    calls = [c for c in control(URL, "GET", "calls") if c["service"] == "ec2"]
    got = [(c["operation"], c["mutating"]) for c in calls]
    check(got == [("LockSnapshot", True), ("DescribeSnapshots", False), ("LockSnapshot", True),
                  ("DescribeLockedSnapshots", False), ("UnlockSnapshot", True), ("DeleteSnapshot", True)], got)
    check(calls[2]["params"] == {"SnapshotId": SNAP, "LockMode": "governance", "LockDuration": "1"}, calls[2])
    check(calls[3]["params"] == {"SnapshotId.1": SNAP}, calls[3])


def before_each():
    control(URL, "POST", "reset")
    control(URL, "POST", "faults", {"rules": []})
    control(URL, "POST", "clock", {"set": T0, "frozen": True})


if __name__ == "__main__":
    sys.exit(run(tests_of(globals()), before_each, "EC2 snapshots"))

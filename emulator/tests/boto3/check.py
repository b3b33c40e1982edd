"""Cross-checks the lockward emulator's wire format against boto3.

boto3 (botocore) serializes requests and parses responses from the official AWS service models,
the same models the AWS CLI uses, so every operation and error exercised here proves the emulator
speaks what those models say. Usage: check.py http://127.0.0.1:PORT
"""

import copy
import datetime
import json
import os
import sys
import tempfile
import traceback
import urllib.request

import boto3
import botocore
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1].rstrip("/")
REGION = "us-east-1"
ACCOUNT = "123456789012"
POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "deny-delete", "Effect": "Deny", "Principal": "*",
                   "Action": "glacier:DeleteArchive", "Resource": "*"}],
})
JOB = "JID123e4567-e89b-12d3-a456-426655440000"
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def control(method, what, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{URL}/_emulator/{what}", data=data, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def client(service, config=NO_RETRIES, session=None, **creds):
    session = session or boto3.session.Session()
    creds = creds or {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
    return session.client(service, region_name=REGION, endpoint_url=URL, config=config, **creds)


def expect_error(code, status, fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), f"expected {(code, status)}, got {got}: {e}"
        return e
    raise AssertionError(f"expected {code} ({status}), got success: {result}")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


# ---- Glacier ---------------------------------------------------------------------------------

def test_glacier_vaults():
    g = client("glacier")
    r = g.create_vault(accountId="-", vaultName="audit-logs")
    check(r["location"] == f"/{ACCOUNT}/vaults/audit-logs", r)
    d = g.describe_vault(accountId="-", vaultName="audit-logs")
    check(d["VaultARN"] == f"arn:aws:glacier:{REGION}:{ACCOUNT}:vaults/audit-logs", d)
    check(d["NumberOfArchives"] == 0, d)
    for name in ["b-vault", "c-vault"]:
        g.create_vault(accountId=ACCOUNT, vaultName=name)
    page = g.list_vaults(accountId="-", limit="2")
    check(len(page["VaultList"]) == 2 and "Marker" in page, page)
    rest = g.list_vaults(accountId="-", marker=page["Marker"])
    check([v["VaultName"] for v in rest["VaultList"]] == ["c-vault"], rest)
    g.delete_vault(accountId="-", vaultName="c-vault")
    expect_error("ResourceNotFoundException", 404, g.describe_vault, accountId="-", vaultName="c-vault")
    expect_error("AccessDeniedException", 403, g.describe_vault, accountId="999999999999", vaultName="audit-logs")
    expect_error("InvalidParameterValueException", 400, g.list_vaults, accountId="-", limit="0")


def test_glacier_vault_lock():
    g = client("glacier")
    g.create_vault(accountId="-", vaultName="locked")
    expect_error("ResourceNotFoundException", 404, g.get_vault_lock, accountId="-", vaultName="locked")
    expect_error("ResourceNotFoundException", 404, g.initiate_vault_lock, accountId="-", vaultName="nope",
                 policy={"Policy": POLICY})
    expect_error("MissingParameterValueException", 400, g.initiate_vault_lock, accountId="-", vaultName="locked")
    big = json.dumps({"Version": "2012-10-17", "Pad": "x" * (20 * 1024)})
    expect_error("InvalidParameterValueException", 400, g.initiate_vault_lock, accountId="-",
                 vaultName="locked", policy={"Policy": big})
    g.abort_vault_lock(accountId="-", vaultName="locked")

    lock_id = g.initiate_vault_lock(accountId="-", vaultName="locked", policy={"Policy": POLICY})["lockId"]
    check(len(lock_id) == 24, lock_id)
    got = g.get_vault_lock(accountId="-", vaultName="locked")
    check(got["State"] == "InProgress" and got["Policy"] == POLICY, got)
    check(got["CreationDate"].endswith("Z") and got["ExpirationDate"].endswith("Z"), got)
    expect_error("AccessDeniedException", 403, g.initiate_vault_lock, accountId="-", vaultName="locked",
                 policy={"Policy": POLICY})
    expect_error("InvalidParameterValueException", 400, g.complete_vault_lock, accountId="-",
                 vaultName="locked", lockId="WRONGWRONGWRONGWRONGWRON")
    g.abort_vault_lock(accountId="-", vaultName="locked")
    expect_error("ResourceNotFoundException", 404, g.get_vault_lock, accountId="-", vaultName="locked")

    # An InProgress lock vanishes 24 h after initiation.
    g.initiate_vault_lock(accountId="-", vaultName="locked", policy={"Policy": POLICY})
    control("POST", "clock", {"advance_secs": 24 * 3600 + 1})
    expect_error("ResourceNotFoundException", 404, g.get_vault_lock, accountId="-", vaultName="locked")

    lock_id = g.initiate_vault_lock(accountId="-", vaultName="locked", policy={"Policy": POLICY})["lockId"]
    g.complete_vault_lock(accountId="-", vaultName="locked", lockId=lock_id)
    g.complete_vault_lock(accountId="-", vaultName="locked", lockId=lock_id)
    check(g.get_vault_lock(accountId="-", vaultName="locked")["State"] == "Locked", "Locked")
    expect_error("AccessDeniedException", 403, g.complete_vault_lock, accountId="-", vaultName="locked",
                 lockId="WRONGWRONGWRONGWRONGWRON")
    expect_error("AccessDeniedException", 403, g.abort_vault_lock, accountId="-", vaultName="locked")
    expect_error("AccessDeniedException", 403, g.initiate_vault_lock, accountId="-", vaultName="locked",
                 policy={"Policy": POLICY})


# ---- Recycle Bin -----------------------------------------------------------------------------

def lock_config(days):
    return {"UnlockDelay": {"UnlockDelayValue": days, "UnlockDelayUnit": "DAYS"}}


def test_rbin_rule_lock():
    r = client("rbin")
    rp = {"RetentionPeriodValue": 30, "RetentionPeriodUnit": "DAYS"}
    created = r.create_rule(ResourceType="EBS_SNAPSHOT", RetentionPeriod=rp, Description="snapshots")
    check(created["ResponseMetadata"]["HTTPStatusCode"] == 201, created)
    rid = created["Identifier"]
    check(len(rid) == 11 and "LockState" not in created, created)
    got = r.get_rule(Identifier=rid)
    check(got["RetentionPeriod"] == rp and got["RuleArn"].endswith(f":{ACCOUNT}:rule/{rid}"), got)
    check(any(x["Identifier"] == rid for x in r.list_rules(ResourceType="EBS_SNAPSHOT")["Rules"]), "listed")
    updated = r.update_rule(Identifier=rid, Description="updated")
    check(updated["Description"] == "updated" and updated["Identifier"] == rid, updated)
    check(r.get_rule(Identifier=rid)["Description"] == "updated", "update kept")

    locked = r.lock_rule(Identifier=rid, LockConfiguration=lock_config(7))
    check(locked["LockState"] == "locked", locked)
    check(r.list_rules(ResourceType="EBS_SNAPSHOT", LockState="locked")["Rules"][0]["Identifier"] == rid, "filter")
    e = expect_error("ConflictException", 409, r.update_rule, Identifier=rid, Description="no")
    check(e.response.get("Reason") == "INVALID_RULE_STATE", e.response)
    expect_error("ConflictException", 409, r.delete_rule, Identifier=rid)
    expect_error("ValidationException", 400, r.lock_rule, Identifier=rid, LockConfiguration=lock_config(8))

    # Frozen, so the unlock ends exactly the 7-day delay after the call.
    now = control("GET", "clock")["now"]
    control("POST", "clock", {"set": now, "frozen": True})
    unlocking = r.unlock_rule(Identifier=rid)
    check(unlocking["LockState"] == "pending_unlock", unlocking)
    end = unlocking["LockEndTime"]
    started = datetime.datetime.fromisoformat(now.replace("Z", "+00:00"))
    check(end == started + datetime.timedelta(days=7), (end, now))
    check(r.get_rule(Identifier=rid)["LockEndTime"] == end, "the same end on GetRule")
    expect_error("ConflictException", 409, r.delete_rule, Identifier=rid)
    expect_error("ConflictException", 409, r.unlock_rule, Identifier=rid)
    r.lock_rule(Identifier=rid, LockConfiguration=lock_config(7))  # re-lock during the delay
    r.unlock_rule(Identifier=rid)
    control("POST", "clock", {"advance_secs": 7 * 86400 + 1})
    got = r.get_rule(Identifier=rid)
    check(got["LockState"] == "unlocked" and "LockEndTime" not in got, got)
    control("POST", "clock", {"frozen": False})
    r.delete_rule(Identifier=rid)
    e = expect_error("ResourceNotFoundException", 404, r.get_rule, Identifier=rid)
    check(e.response.get("Reason") == "RULE_NOT_FOUND", e.response)

    tagged = r.create_rule(ResourceType="EC2_IMAGE", RetentionPeriod=rp,
                           ResourceTags=[{"ResourceTagKey": "team", "ResourceTagValue": "audit"}])
    expect_error("ValidationException", 400, r.lock_rule, Identifier=tagged["Identifier"],
                 LockConfiguration=lock_config(7))
    excluding = r.create_rule(ResourceType="EC2_IMAGE", RetentionPeriod=rp,
                              ExcludeResourceTags=[{"ResourceTagKey": "scratch", "ResourceTagValue": "yes"}])
    expect_error("ValidationException", 400, r.lock_rule, Identifier=excluding["Identifier"],
                 LockConfiguration=lock_config(7))


# ---- Snowball --------------------------------------------------------------------------------

def snowball_checks(s):
    job = s.create_job(JobType="IMPORT", Description="site a")["JobId"]
    check(job.startswith("JID") and len(job) == 39, job)
    meta = s.describe_job(JobId=job)["JobMetadata"]
    check(meta["JobState"] == "New" and meta["Description"] == "site a", meta)
    check(hasattr(meta["CreationDate"], "year"), meta)
    check(any(e["JobId"] == job for e in s.list_jobs()["JobListEntries"]), "listed")
    expect_error("InvalidJobStateException", 400, s.get_job_unlock_code, JobId=job)
    s.update_job(JobId=job, Description="site a, dock 2")
    s.cancel_job(JobId=job)
    check(s.describe_job(JobId=job)["JobMetadata"]["JobState"] == "Cancelled", "cancelled")
    expect_error("InvalidJobStateException", 400, s.cancel_job, JobId=job)
    expect_error("InvalidJobStateException", 400, s.update_job, JobId=job, Description="x")
    expect_error("InvalidResourceException", 400, s.describe_job, JobId="JID00000000-0000-0000-0000-000000000000")
    expect_error("InvalidResourceException", 400, s.get_job_unlock_code,
                 JobId="JID00000000-0000-0000-0000-000000000000")

    now = control("POST", "clock", {"advance_secs": 0})["now"]
    control("POST", "seed", {"snowball": [{"job_id": JOB, "state": "WithCustomer", "created": now,
                                           "unlock_code": "12345-abcde-56789-fghij-01234"}]})
    check(s.get_job_unlock_code(JobId=JOB)["UnlockCode"] == "12345-abcde-56789-fghij-01234", "code")
    control("POST", "seed", {"snowball": [{"job_id": JOB, "state": "InTransitToAWS", "created": now}]})
    expect_error("InvalidJobStateException", 400, s.get_job_unlock_code, JobId=JOB)
    control("POST", "seed", {"snowball": [{"job_id": JOB, "state": "WithCustomer", "created": now}]})
    code = s.get_job_unlock_code(JobId=JOB)["UnlockCode"]
    check(len(code) == 29 and all(len(g) == 5 and g.isalnum() for g in code.split("-")), code)
    check(s.get_job_unlock_code(JobId=JOB)["UnlockCode"] == code, "fixed per job")
    control("POST", "clock", {"advance_secs": 361 * 86400})
    expect_error("InvalidJobStateException", 400, s.get_job_unlock_code, JobId=JOB)


def test_snowball_rpc_v2_cbor():
    s = client("snowball")
    check(s.meta.service_model.protocol == "smithy-rpc-v2-cbor", s.meta.service_model.protocol)
    snowball_checks(s)


def test_snowball_aws_json_1_1():
    # The same model, restricted to awsJson1.1 (what older SDKs and CLIs speak).
    base = botocore.session.get_session()
    model = copy.deepcopy(base.get_component("data_loader").load_service_model("snowball", "service-2"))
    version = model["metadata"]["apiVersion"]
    model["metadata"]["protocol"] = "json"
    model["metadata"]["protocols"] = ["json"]
    with tempfile.TemporaryDirectory() as data:
        os.makedirs(os.path.join(data, "snowball", version))
        with open(os.path.join(data, "snowball", version, "service-2.json"), "w") as f:
            json.dump(model, f)
        session = botocore.session.get_session()
        session.get_component("data_loader").search_paths.insert(0, data)
        s = client("snowball", session=boto3.session.Session(botocore_session=session))
        check(s.meta.service_model.protocol == "json", s.meta.service_model.protocol)
        snowball_checks(s)


# ---- STS -------------------------------------------------------------------------------------

def test_sts():
    sts = client("sts")
    me = sts.get_caller_identity()
    check(me["Account"] == ACCOUNT and me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/AKIDEXAMPLE", me)
    role = sts.assume_role(RoleArn="arn:aws:iam::210987654321:role/deployer", RoleSessionName="lockward",
                           DurationSeconds=900)
    creds = role["Credentials"]
    check(creds["AccessKeyId"].startswith("ASIA") and hasattr(creds["Expiration"], "year"), creds)
    check(role["AssumedRoleUser"]["Arn"] == "arn:aws:sts::210987654321:assumed-role/deployer/lockward", role)
    as_role = client("sts", aws_access_key_id=creds["AccessKeyId"],
                     aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    who = as_role.get_caller_identity()
    check(who["Account"] == "210987654321" and ":assumed-role/deployer/lockward" in who["Arn"], who)
    control("POST", "clock", {"advance_secs": 901})
    expect_error("ExpiredToken", 400, as_role.get_caller_identity)
    expect_error("ValidationError", 400, sts.assume_role, RoleArn="arn:aws:s3:::not-a-role-at-all", RoleSessionName="x1")


def test_unsigned_requests_are_refused():
    unsigned = Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1})
    expect_error("MissingAuthenticationTokenException", 403, client("glacier", config=unsigned).list_vaults,
                 accountId="-")
    expect_error("MissingAuthenticationTokenException", 403, client("rbin", config=unsigned).get_rule,
                 Identifier="a1B2c3D4e5F")
    expect_error("MissingAuthenticationToken", 403, client("sts", config=unsigned).get_caller_identity)


# ---- faults ----------------------------------------------------------------------------------

def test_faults():
    g = client("glacier")
    g.create_vault(accountId="-", vaultName="faulty")
    control("POST", "faults", {"rules": [{"operation": "InitiateVaultLock", "kind": "drop_after_apply",
                                          "times": 1}]})
    try:
        g.initiate_vault_lock(accountId="-", vaultName="faulty", policy={"Policy": POLICY})
        raise AssertionError("expected a dropped connection")
    except ClientError as e:
        raise AssertionError(f"expected a transport error, got an HTTP response: {e}")
    except botocore.exceptions.BotoCoreError:
        pass
    check(g.get_vault_lock(accountId="-", vaultName="faulty")["State"] == "InProgress", "applied")

    control("POST", "faults", {"rules": [{"operation": "DescribeVault", "kind": "drop_before_apply",
                                          "times": 1}]})
    try:
        g.describe_vault(accountId="-", vaultName="faulty")
        raise AssertionError("expected a dropped connection")
    except botocore.exceptions.BotoCoreError:
        pass

    control("POST", "faults", {"rules": [{"operation": "GetVaultLock", "kind": "throttle", "times": 2}]})
    retrying = client("glacier", config=Config(retries={"total_max_attempts": 3, "mode": "standard"}))
    got = retrying.get_vault_lock(accountId="-", vaultName="faulty")
    check(got["State"] == "InProgress" and got["ResponseMetadata"]["RetryAttempts"] == 2, got)
    control("POST", "faults", {"rules": [{"operation": "*", "kind": "throttle", "times": 1}]})
    expect_error("ThrottlingException", 400, g.get_vault_lock, accountId="-", vaultName="faulty")

    control("POST", "faults", {"rules": [{"operation": "AbortVaultLock", "kind": "error", "times": 1,
                                          "status": 500, "code": "ServiceUnavailableException"}]})
    expect_error("ServiceUnavailableException", 500, g.abort_vault_lock, accountId="-", vaultName="faulty")
    g.abort_vault_lock(accountId="-", vaultName="faulty")

    calls = control("GET", "calls")
    ops = [c["operation"] for c in calls]
    # One read after the drop, three by the retrying client (two throttled), one throttled.
    check(ops.count("GetVaultLock") == 5, ops)
    base = {"seq", "service", "operation", "region", "account", "mutating", "access_key", "params"}
    # A call a fault refused or dropped before it took effect has no status and no place in
    # the order of effect; every other call has both.
    check(all(set(c) in (base, base | {"status", "applied"}) for c in calls), calls[0])
    applied = [c["applied"] for c in calls if "applied" in c]
    check(applied == sorted(applied) and len(set(applied)) == len(applied), applied)
    check(all(c["access_key"] == calls[0]["access_key"] for c in calls), calls[0])
    dropped = [c for c in calls if c["operation"] == "DescribeVault" and "status" not in c]
    check(len(dropped) == 1, calls)


def main():
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    passed = failed = 0
    for test in tests:
        control("POST", "reset")
        control("POST", "faults", {"rules": []})
        try:
            test()
            passed += 1
            print(f"ok   {test.__name__}")
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {test.__name__}")
            traceback.print_exc()
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

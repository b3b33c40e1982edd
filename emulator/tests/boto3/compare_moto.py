"""Compares the emulator's AWS Backup, S3 and AWS Organizations (with STS AssumeRole into the
organisation's accounts) answers with moto's (the Python AWS mock), call by call, for the
operations moto implements correctly. The organisation is built in moto through its API (moto
draws its own ids) and the emulator is seeded with the same tree, read back from moto. moto runs in-process (ThreadedMotoServer on
127.0.0.1) under freezegun, so its clock and the emulator's frozen virtual clock stand at the
same instant and move together, and lock dates can be passed on both.

Where moto departs from the AWS documentation, the step names the departure: the emulator must
then answer what AWS documents, and the script prints what moto answered instead.
Usage: compare_moto.py http://127.0.0.1:PORT   (the emulator's URL)
"""

import datetime
import hashlib
import logging
import sys
import traceback

from botocore.exceptions import ClientError
from freezegun import freeze_time
from moto import __version__ as moto_version
from moto.server import ThreadedMotoServer

from botocore.config import Config

from support import DAY, NO_RETRIES, T0, client, control, s3_client, url_arg

EMULATOR = url_arg()


class Target:
    def __init__(self, name, url, advance):
        self.name = name
        self.url = url
        self.backup = client(url, "backup")
        self.s3 = s3_client(url)
        self.org = client(url, "organizations")
        # MaxResults out of the model's range is refused by botocore before sending.
        self.org_unvalidated = client(url, "organizations",
                                      config=NO_RETRIES.merge(Config(parameter_validation=False)))
        self.sts = client(url, "sts")
        self.advance = advance
        self.sessions = {}

    def as_role(self, role, **kwargs):
        """Organizations and STS clients acting as the role (assumed once, then kept)."""
        if role not in self.sessions:
            creds = self.sts.assume_role(RoleArn=role, RoleSessionName="cmp", **kwargs)["Credentials"]
            keys = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                    "aws_session_token": creds["SessionToken"]}
            self.sessions[role] = (client(self.url, "organizations", **keys), client(self.url, "sts", **keys))
        return self.sessions[role]


def outcome(fn, target):
    try:
        return ("ok", fn(target))
    except ClientError as e:
        return ("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    except Exception as e:  # noqa: BLE001 - an implementation's crash is an answer too
        return ("crash", type(e).__name__)


def etag(body):
    return '"' + hashlib.md5(body).hexdigest() + '"'


def lock_conf(mode, **period):
    return {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": mode, **period}}}


def describe(t, name):
    d = t.backup.describe_backup_vault(BackupVaultName=name)
    return {k: d.get(k) for k in ["BackupVaultName", "BackupVaultArn", "Locked", "MinRetentionDays",
                                  "MaxRetentionDays"]} | {
        "LockDate": d["LockDate"].timestamp() if "LockDate" in d else None}


def put_lock(name, **kwargs):
    def call(t):
        t.backup.put_backup_vault_lock_configuration(BackupVaultName=name, **kwargs)
        return "put"
    return call


def versioning(t, bucket):
    return t.s3.get_bucket_versioning(Bucket=bucket).get("Status")


def step(name, call, aws=None, moto_wrong=None):
    return {"name": name, "call": call, "aws": aws, "moto_wrong": moto_wrong}


def advance(days):
    def call(t):
        t.advance(days)
        return "advanced"
    return call


T0_EPOCH = datetime.datetime.fromisoformat(T0.replace("Z", "+00:00")).timestamp()
ERR = lambda code, status: ("error", code, status)  # noqa: E731

BACKUP = [
    step("CreateBackupVault", lambda t: t.backup.create_backup_vault(BackupVaultName="cmp")["BackupVaultArn"]),
    step("CreateBackupVault again", lambda t: t.backup.create_backup_vault(BackupVaultName="cmp")),
    step("DescribeBackupVault", lambda t: describe(t, "cmp")),
    step("DescribeBackupVault VaultType", lambda t: t.backup.describe_backup_vault(BackupVaultName="cmp").get("VaultType"),
         aws=("ok", "BACKUP_VAULT"), moto_wrong="moto never returns VaultType"),
    step("DescribeBackupVault NumberOfRecoveryPoints", lambda t: t.backup.describe_backup_vault(BackupVaultName="cmp").get("NumberOfRecoveryPoints"),
         aws=("ok", 0), moto_wrong="moto's DescribeBackupVault omits NumberOfRecoveryPoints"),
    step("DescribeBackupVault missing", lambda t: describe(t, "missing")),
    step("Put governance lock", put_lock("cmp", MinRetentionDays=7, MaxRetentionDays=30)),
    step("Describe governance lock", lambda t: describe(t, "cmp")),
    step("Put compliance lock, 3 days of grace", put_lock("cmp", MinRetentionDays=7, MaxRetentionDays=30, ChangeableForDays=3)),
    step("Describe compliance lock: LockDate = now + 3 days", lambda t: describe(t, "cmp"),
         aws=("ok", {"BackupVaultName": "cmp", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:cmp",
                     "Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 30,
                     "LockDate": T0_EPOCH + 3 * DAY})),
    step("Put MinRetentionDays=0", put_lock("cmp", MinRetentionDays=0)),
    step("Put MaxRetentionDays=36501", put_lock("cmp", MaxRetentionDays=36501)),
    step("Put Min > Max", put_lock("cmp", MinRetentionDays=10, MaxRetentionDays=9)),
    step("Put ChangeableForDays=2", put_lock("cmp", MinRetentionDays=7, ChangeableForDays=2)),
    step("CreateBackupVault for range checks", lambda t: t.backup.create_backup_vault(BackupVaultName="cmp-range")["BackupVaultName"]),
    step("Put ChangeableForDays=40000", put_lock("cmp-range", MinRetentionDays=7, ChangeableForDays=40000),
         aws=ERR("InvalidParameterValueException", 400),
         moto_wrong="moto accepts ChangeableForDays above the documented 36500"),
    step("In grace: put without ChangeableForDays", put_lock("cmp", MinRetentionDays=10, MaxRetentionDays=30)),
    step("In grace: the lock date is kept", lambda t: describe(t, "cmp")["LockDate"]),
    step("In grace: delete the lock", lambda t: t.backup.delete_backup_vault_lock_configuration(BackupVaultName="cmp") and "deleted"),
    step("Describe after delete", lambda t: describe(t, "cmp")),
    step("Put compliance lock again", put_lock("cmp", MinRetentionDays=7, ChangeableForDays=3)),
    step("Clocks move 3 days, to the lock date", advance(3)),
    step("After the lock date: put", put_lock("cmp", MinRetentionDays=1)),
    step("After the lock date: delete the lock", lambda t: t.backup.delete_backup_vault_lock_configuration(BackupVaultName="cmp")),
    step("After the lock date: still locked", lambda t: describe(t, "cmp")),
    step("ListBackupVaults", lambda t: sorted(v["BackupVaultName"] for v in t.backup.list_backup_vaults()["BackupVaultList"])),
    step("ListBackupVaults MaxResults=1", lambda t: (lambda r: (len(r["BackupVaultList"]), "NextToken" in r))(t.backup.list_backup_vaults(MaxResults=1)),
         aws=("ok", (1, True)), moto_wrong="moto ignores MaxResults: ListBackupVaults never pages"),
    step("CreateLogicallyAirGappedBackupVault", lambda t: t.backup.create_logically_air_gapped_backup_vault(
        BackupVaultName="cmp-lag", MinRetentionDays=7, MaxRetentionDays=35)["VaultState"],
         aws=("ok", "CREATING"), moto_wrong="moto does not implement logically air-gapped vaults"),
    step("DeleteBackupVault missing", lambda t: t.backup.delete_backup_vault(BackupVaultName="missing"),
         aws=ERR("ResourceNotFoundException", 400),
         moto_wrong="moto's DeleteBackupVault succeeds on a vault that does not exist"),
    step("DeleteBackupVault, empty with an immutable lock (AWS allows an empty vault to go)",
         lambda t: t.backup.delete_backup_vault(BackupVaultName="cmp") and "deleted"),
]


def put_object(bucket, key, body, **kwargs):
    return lambda t: t.s3.put_object(Bucket=bucket, Key=key, Body=body, **kwargs)["ETag"]


def list_all(t, bucket):
    keys, token = [], None
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        page = t.s3.list_objects_v2(Bucket=bucket, Prefix="prod/", MaxKeys=2, **kwargs)
        keys.append([o["Key"] for o in page.get("Contents", [])])
        token = page.get("NextContinuationToken")
        if not token:
            return keys


S3 = [
    step("CreateBucket", lambda t: t.s3.create_bucket(Bucket="cmp-bucket")["Location"]),
    step("HeadBucket region", lambda t: t.s3.head_bucket(Bucket="cmp-bucket")["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"]),
    step("HeadBucket missing", lambda t: t.s3.head_bucket(Bucket="cmp-missing")),
    step("GetBucketVersioning, new bucket", lambda t: versioning(t, "cmp-bucket")),
    step("GetObjectLockConfiguration, not enabled", lambda t: t.s3.get_object_lock_configuration(Bucket="cmp-bucket")),
    step("PutObjectLockConfiguration, unversioned", lambda t: t.s3.put_object_lock_configuration(
        Bucket="cmp-bucket", ObjectLockConfiguration=lock_conf("GOVERNANCE", Days=1)),
         aws=ERR("InvalidBucketState", 409),
         moto_wrong="moto answers InvalidBucketState with status 400; S3's error table gives 409 Conflict"),
    step("PutBucketVersioning Enabled", lambda t: t.s3.put_bucket_versioning(
        Bucket="cmp-bucket", VersioningConfiguration={"Status": "Enabled"}) and versioning(t, "cmp-bucket")),
    step("PutObject into the versioned bucket", put_object("cmp-bucket", "a", b"a")),
    step("PutObjectLockConfiguration on a bucket that holds objects", lambda t: t.s3.put_object_lock_configuration(
        Bucket="cmp-bucket", ObjectLockConfiguration=lock_conf("GOVERNANCE", Days=1)) and "enabled",
         aws=("ok", "enabled"),
         moto_wrong="moto refuses Object Lock on a bucket that holds objects (AWS allows it since 2023)"),
    step("CreateBucket with Object Lock", lambda t: t.s3.create_bucket(Bucket="cmp-locked", ObjectLockEnabledForBucket=True)["Location"]),
    step("Versioning comes with Object Lock", lambda t: versioning(t, "cmp-locked")),
    step("GetObjectLockConfiguration, enabled, no default", lambda t: t.s3.get_object_lock_configuration(Bucket="cmp-locked")["ObjectLockConfiguration"]),
    step("Put a COMPLIANCE default", lambda t: t.s3.put_object_lock_configuration(
        Bucket="cmp-locked", ObjectLockConfiguration=lock_conf("COMPLIANCE", Days=10)) and "put"),
    step("Get the COMPLIANCE default", lambda t: t.s3.get_object_lock_configuration(Bucket="cmp-locked")["ObjectLockConfiguration"],
         aws=("ok", lock_conf("COMPLIANCE", Days=10)),
         moto_wrong="moto reports the unset period as 0 beside the set one; S3 gives exactly one of Days or Years"),
    step("Change the default to GOVERNANCE 7 years", lambda t: t.s3.put_object_lock_configuration(
        Bucket="cmp-locked", ObjectLockConfiguration=lock_conf("GOVERNANCE", Years=7)) and "put"),
    step("Get the new default", lambda t: t.s3.get_object_lock_configuration(Bucket="cmp-locked")["ObjectLockConfiguration"],
         aws=("ok", lock_conf("GOVERNANCE", Years=7)),
         moto_wrong="moto reports the unset period as 0 beside the set one; S3 gives exactly one of Days or Years"),
    step("Suspending versioning under Object Lock", lambda t: t.s3.put_bucket_versioning(
        Bucket="cmp-locked", VersioningConfiguration={"Status": "Suspended"}) and versioning(t, "cmp-locked"),
         aws=ERR("InvalidBucketState", 409),
         moto_wrong="moto lets versioning be suspended on a bucket with Object Lock"),
    step("CreateBucket for the state", lambda t: t.s3.create_bucket(Bucket="cmp-state")["Location"]),
    step("PutObject If-None-Match: * (take the lock)", put_object("cmp-state", "prod/x.lock", b"holder-1", IfNoneMatch="*"),
         aws=("ok", etag(b"holder-1"))),
    step("PutObject If-None-Match: * again", put_object("cmp-state", "prod/x.lock", b"holder-2", IfNoneMatch="*")),
    step("PutObject If-Match on the ETag read", put_object("cmp-state", "prod/x.lock", b"v2", IfMatch=etag(b"holder-1"))),
    step("PutObject If-Match on a stale ETag", put_object("cmp-state", "prod/x.lock", b"v3", IfMatch=etag(b"holder-1"))),
    step("PutObject If-Match on a missing key", put_object("cmp-state", "prod/absent", b"v3", IfMatch=etag(b"v2"))),
    step("GetObject", lambda t: (lambda r: (r["Body"].read(), r["ETag"]))(t.s3.get_object(Bucket="cmp-state", Key="prod/x.lock"))),
    step("HeadObject", lambda t: (lambda r: (r["ContentLength"], r["ETag"]))(t.s3.head_object(Bucket="cmp-state", Key="prod/x.lock"))),
    step("GetObject missing", lambda t: t.s3.get_object(Bucket="cmp-state", Key="prod/absent")),
    step("DeleteObject If-Match on a stale ETag", lambda t: t.s3.delete_object(Bucket="cmp-state", Key="prod/x.lock", IfMatch=etag(b"holder-1"))),
    step("DeleteObject If-Match on its ETag", lambda t: t.s3.delete_object(Bucket="cmp-state", Key="prod/x.lock", IfMatch=etag(b"v2"))["ResponseMetadata"]["HTTPStatusCode"]),
    step("DeleteObject If-Match, already gone", lambda t: t.s3.delete_object(Bucket="cmp-state", Key="prod/x.lock", IfMatch=etag(b"v2"))),
    step("DeleteObject without condition, missing", lambda t: t.s3.delete_object(Bucket="cmp-state", Key="prod/x.lock")["ResponseMetadata"]["HTTPStatusCode"]),
    step("PutObject five keys", lambda t: [t.s3.put_object(Bucket="cmp-state", Key=f"prod/{k}", Body=k.encode())["ETag"]
                                           for k in ["a", "b", "c", "d", "e"]]),
    step("ListObjectsV2 in pages of 2", lambda t: list_all(t, "cmp-state")),
    step("ListObjectsV2 missing bucket", lambda t: t.s3.list_objects_v2(Bucket="cmp-missing")),
    step("ListBuckets", lambda t: sorted(b["Name"] for b in t.s3.list_buckets()["Buckets"])),
]


def build_organization(moto):
    """Creates an organisation in moto through its API (two OUs, one nested, three accounts,
    one moved into each OU) and returns the emulator's seed for the same tree."""
    o = moto.org
    org = o.create_organization(FeatureSet="ALL")["Organization"]
    root = o.list_roots()["Roots"][0]["Id"]
    prod = o.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    prod_eu = o.create_organizational_unit(ParentId=prod, Name="prod-eu")["OrganizationalUnit"]["Id"]
    made = {}
    for name, parent in [("prod-a", prod), ("prod-b", prod), ("prod-eu-a", prod_eu), ("loose", root)]:
        status = o.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        made[name] = status["AccountId"]
        if parent != root:
            o.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=parent)
    accounts = []
    for parent in [root, prod, prod_eu]:
        for a in o.list_accounts_for_parent(ParentId=parent)["Accounts"]:
            accounts.append({"id": a["Id"], "name": a["Name"], "email": a["Email"], "parent": parent,
                             "state": a["State"], "joined_method": a["JoinedMethod"],
                             "joined_timestamp": a["JoinedTimestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")})
    seed = {"organizations": {"id": org["Id"], "management_account": org["MasterAccountId"], "root": root,
                              "feature_set": org["FeatureSet"],
                              "ous": [{"id": prod, "parent": root, "name": "prod"},
                                      {"id": prod_eu, "parent": prod, "name": "prod-eu"}],
                              "accounts": accounts},
            "roles": [{"arn": f"arn:aws:iam::{made['prod-a']}:role/lockward", "external_id": "lockward-prod"}]}
    return seed, {"root": root, "prod": prod, "prod_eu": prod_eu, **made}


def every_page(call, key, **kwargs):
    """Every entry of a listing, page by page to the end, in id order (the order of a listing is
    not documented)."""
    entries, token = [], None
    for _ in range(50):
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        entries += page[key]
        token = page.get("NextToken")
        if not token:
            return sorted(entries, key=lambda e: e["Id"])
    raise AssertionError("the listing never ends")


def organizations_steps(ids):
    role = f"arn:aws:iam::{ids['prod-a']}:role/lockward"
    other = "arn:aws:iam::999999999999:role/cmp"

    def member(t):
        return t.as_role(role, ExternalId="lockward-prod")[0]

    def page_one(t, **kwargs):
        page = t.org.list_accounts(**kwargs)
        return (len(page["Accounts"]), "NextToken" in page)

    return [
        step("DescribeOrganization", lambda t: t.org.describe_organization()["Organization"]),
        step("ListRoots", lambda t: t.org.list_roots()["Roots"]),
        step("ListAccounts, every page", lambda t: every_page(t.org.list_accounts, "Accounts")),
        step("ListAccounts MaxResults=1, every page: the whole listing",
             lambda t: every_page(t.org.list_accounts, "Accounts", MaxResults=1) == every_page(t.org.list_accounts, "Accounts"),
             aws=("ok", True),
             moto_wrong="moto's ListAccounts pages never end when accounts joined at the same instant "
                        "(its NextToken names a JoinedTimestamp)"),
        step("ListAccounts MaxResults=1: the first page", lambda t: page_one(t, MaxResults=1),
             aws=("ok", (0, True)),
             moto_wrong="moto never answers an empty page with a NextToken, as the model says AWS may "
                        "(the emulator does so on the first page of every listing that does not fit)"),
        step("ListAccountsForParent root", lambda t: every_page(t.org.list_accounts_for_parent, "Accounts", ParentId=ids["root"])),
        step("ListAccountsForParent prod, MaxResults=1", lambda t: every_page(
            t.org.list_accounts_for_parent, "Accounts", ParentId=ids["prod"], MaxResults=1)),
        step("ListAccountsForParent nested OU", lambda t: every_page(t.org.list_accounts_for_parent, "Accounts", ParentId=ids["prod_eu"])),
        step("ListOrganizationalUnitsForParent root", lambda t: every_page(
            t.org.list_organizational_units_for_parent, "OrganizationalUnits", ParentId=ids["root"])),
        step("ListOrganizationalUnitsForParent prod, MaxResults=1", lambda t: every_page(
            t.org.list_organizational_units_for_parent, "OrganizationalUnits", ParentId=ids["prod"], MaxResults=1)),
        step("ListOrganizationalUnitsForParent missing OU", lambda t: t.org.list_organizational_units_for_parent(
            ParentId=ids["prod"][:-8] + "00000000")),
        step("ListAccountsForParent missing OU", lambda t: t.org.list_accounts_for_parent(
            ParentId=ids["prod"][:-8] + "00000000")),
        step("ListAccounts MaxResults=0", lambda t: t.org_unvalidated.list_accounts(MaxResults=0)["Accounts"],
             aws=ERR("ValidationException", 400), moto_wrong="moto takes MaxResults=0 for its default page size"),
        step("ListAccounts MaxResults=21", lambda t: t.org_unvalidated.list_accounts(MaxResults=21)["Accounts"],
             aws=ERR("ValidationException", 400), moto_wrong="moto accepts MaxResults above the model's 20"),
        step("AssumeRole into a member account with its external id",
             lambda t: member(t) and "assumed"),
        step("A member account: DescribeOrganization", lambda t: member(t).describe_organization()["Organization"]),
        step("A member account: ListAccounts", lambda t: member(t).list_accounts()["Accounts"],
             aws=ERR("AccessDeniedException", 400),
             moto_wrong="moto lets a member account call ListAccounts (it answers an empty list); only the "
                        "management account (or a delegated administrator) may"),
        step("A member account: ListRoots", lambda t: member(t).list_roots()["Roots"],
             aws=ERR("AccessDeniedException", 400),
             moto_wrong="moto answers ListRoots to a member account with the management account's roots"),
        step("An account outside the organisation: DescribeOrganization",
             lambda t: t.as_role(other)[0].describe_organization()),
        step("AssumeRole with a wrong external id", lambda t: t.sts.assume_role(
            RoleArn=role, RoleSessionName="cmp", ExternalId="lockward-dev")["AssumedRoleUser"]["Arn"],
             aws=ERR("AccessDenied", 403), moto_wrong="moto does not check a role's external id"),
        step("AssumeRole without the external id", lambda t: t.sts.assume_role(
            RoleArn=role, RoleSessionName="cmp")["AssumedRoleUser"]["Arn"],
             aws=ERR("AccessDenied", 403), moto_wrong="moto does not check a role's external id"),
        step("AssumeRole with a malformed external id", lambda t: t.sts.assume_role(
            RoleArn=role, RoleSessionName="cmp", ExternalId="lockward prod")["AssumedRoleUser"]["Arn"],
             aws=ERR("ValidationError", 400), moto_wrong="moto does not check ExternalId's pattern"),
        step("GetCallerIdentity as the member", lambda t: t.as_role(role)[1].get_caller_identity()["Account"]),
        step("Clocks move a day, past the sessions' expiry", advance(1)),
        step("An expired session: GetCallerIdentity", lambda t: t.as_role(role)[1].get_caller_identity()["Account"],
             aws=ERR("ExpiredToken", 400), moto_wrong="moto does not expire the credentials it issues"),
    ]


def compare(targets, steps, label):
    emulator, moto = targets
    same = known = failed = 0
    for s in steps:
        answers = [outcome(s["call"], t) for t in targets]
        got, moto_got = answers
        if s["moto_wrong"]:
            ok = got == s["aws"]
            known += ok
            note = "moto now agrees" if moto_got == got else f"moto answered {str(moto_got)[:160]}"
            print(f"{'ok  ' if ok else 'FAIL'} {label}: {s['name']}: emulator {got} as AWS documents; "
                  f"moto departs from AWS ({s['moto_wrong']}): {note}")
        else:
            ok = got == moto_got and (s["aws"] is None or got == s["aws"])
            same += ok
            print(f"{'ok  ' if ok else 'FAIL'} {label}: {s['name']}: emulator {got}, moto {moto_got}"
                  + ("" if s["aws"] is None or got == s["aws"] else f", AWS documents {s['aws']}"))
        failed += not ok
    return same, known, failed


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with freeze_time(T0, tick=False) as frozen:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        control(EMULATOR, "POST", "reset")
        control(EMULATOR, "POST", "faults", {"rules": []})
        control(EMULATOR, "POST", "clock", {"set": T0, "frozen": True})

        def advance_emulator(days):
            control(EMULATOR, "POST", "clock", {"advance_secs": days * DAY})

        def advance_moto(days):
            frozen.tick(datetime.timedelta(days=days))

        targets = [Target("emulator", EMULATOR, advance_emulator),
                   Target("moto", f"http://{host}:{port}", advance_moto)]
        try:
            results = [compare(targets, BACKUP, "backup"), compare(targets, S3, "s3")]
            seed, ids = build_organization(targets[1])
            control(EMULATOR, "POST", "seed", seed)
            results.append(compare(targets, organizations_steps(ids), "organizations"))
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            return 1
        finally:
            server.stop()
    same = sum(r[0] for r in results)
    known = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    print("not compared: DeleteBackupVault refused while recovery points exist (moto cannot make "
          "recovery points), per-object retention (the emulator does not implement "
          "PutObjectRetention, where moto lets a COMPLIANCE retention be shortened)")
    print(f"moto {moto_version}: {same} answers equal to moto's, {known} where moto departs from AWS "
          "and the emulator follows the AWS documentation")
    print(f"{same + known} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

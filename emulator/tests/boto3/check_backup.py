"""Cross-checks the emulator's AWS Backup service against boto3 (botocore reads the official
`backup/2018-11-15` model): every operation and error, on a frozen virtual clock so lock dates
are exact. Usage: check_backup.py http://127.0.0.1:PORT
"""

import sys

import botocore.exceptions

from support import (DAY, T0, T0_EPOCH, check, client, control, expect_error, raw, run,
                     signed, tests_of, url_arg)

URL = url_arg()


def backup():
    return client(URL, "backup")


def lock_date(b, name):
    return b.describe_backup_vault(BackupVaultName=name)["LockDate"].timestamp()


def test_vaults_create_describe_list_delete():
    b = backup()
    r = b.create_backup_vault(BackupVaultName="prod-backups", CreatorRequestId="req-1")
    check(r["BackupVaultArn"] == "arn:aws:backup:us-east-1:123456789012:backup-vault:prod-backups", r)
    check(r["CreationDate"].timestamp() == T0_EPOCH, r)
    expect_error("AlreadyExistsException", 400, b.create_backup_vault, BackupVaultName="prod-backups")
    expect_error("InvalidParameterValueException", 400, b.create_backup_vault, BackupVaultName="a b")
    d = b.describe_backup_vault(BackupVaultName="prod-backups")
    check((d["VaultType"], d["VaultState"], d["Locked"], d["NumberOfRecoveryPoints"])
          == ("BACKUP_VAULT", "AVAILABLE", False, 0), d)
    check("LockDate" not in d and "MinRetentionDays" not in d, d)
    check(d["CreatorRequestId"] == "req-1", d)
    expect_error("ResourceNotFoundException", 400, b.describe_backup_vault, BackupVaultName="missing")
    for name in ["v-b", "v-c", "v-d", "v-e"]:
        b.create_backup_vault(BackupVaultName=name)
    first = b.list_backup_vaults(MaxResults=2)
    check([v["BackupVaultName"] for v in first["BackupVaultList"]] == ["prod-backups", "v-b"], first)
    pages = list(b.get_paginator("list_backup_vaults").paginate(PaginationConfig={"PageSize": 2}))
    check(len(pages) == 3, pages)
    names = [v["BackupVaultName"] for p in pages for v in p["BackupVaultList"]]
    check(names == ["prod-backups", "v-b", "v-c", "v-d", "v-e"], names)
    expect_error("InvalidParameterValueException", 400, raw_list_with, "maxResults=0")
    b.delete_backup_vault(BackupVaultName="v-e")
    expect_error("ResourceNotFoundException", 400, b.delete_backup_vault, BackupVaultName="v-e")
    control(URL, "POST", "seed", {"backup": [{"vault": "full", "recovery_points": 3}]})
    expect_error("InvalidRequestException", 400, b.delete_backup_vault, BackupVaultName="full")
    check(b.describe_backup_vault(BackupVaultName="full")["NumberOfRecoveryPoints"] == 3, "kept")


def raw_list_with(query):
    # botocore validates MaxResults >= 1 itself, so the out-of-range value goes raw.
    status, headers, body = raw(URL, "GET", f"/backup-vaults/?{query}", signed("backup"))
    from botocore.exceptions import ClientError
    import json
    err = json.loads(body)
    raise ClientError({"Error": {"Code": headers.get("x-amzn-ErrorType") or headers.get("x-amzn-errortype"),
                                 "Message": err.get("Message")},
                       "ResponseMetadata": {"HTTPStatusCode": status}}, "ListBackupVaults")


def test_governance_lock():
    b = backup()
    b.create_backup_vault(BackupVaultName="gov")
    b.put_backup_vault_lock_configuration(BackupVaultName="gov", MinRetentionDays=7, MaxRetentionDays=30)
    d = b.describe_backup_vault(BackupVaultName="gov")
    check((d["Locked"], d["MinRetentionDays"], d["MaxRetentionDays"]) == (True, 7, 30), d)
    check("LockDate" not in d, d)
    control(URL, "POST", "clock", {"advance_secs": 400 * DAY})
    b.put_backup_vault_lock_configuration(BackupVaultName="gov", MinRetentionDays=14)
    d = b.describe_backup_vault(BackupVaultName="gov")
    check(d["MinRetentionDays"] == 14 and "MaxRetentionDays" not in d, d)
    b.delete_backup_vault_lock_configuration(BackupVaultName="gov")
    check(b.describe_backup_vault(BackupVaultName="gov")["Locked"] is False, "unlocked")


def test_compliance_lock_grace_and_lock_date():
    b = backup()
    b.create_backup_vault(BackupVaultName="prod")
    b.put_backup_vault_lock_configuration(BackupVaultName="prod", MinRetentionDays=35,
                                          MaxRetentionDays=365, ChangeableForDays=3)
    check(lock_date(b, "prod") == T0_EPOCH + 3 * DAY, lock_date(b, "prod"))
    check(control(URL, "GET", "state")["backup"][0]["lock"]["lock_date"] == "2026-11-26T12:00:00Z", "state")
    control(URL, "POST", "clock", {"advance_secs": DAY})
    b.put_backup_vault_lock_configuration(BackupVaultName="prod", MinRetentionDays=30, MaxRetentionDays=365)
    check(lock_date(b, "prod") == T0_EPOCH + 3 * DAY, "a put without ChangeableForDays keeps the date")
    b.put_backup_vault_lock_configuration(BackupVaultName="prod", MinRetentionDays=30,
                                          MaxRetentionDays=365, ChangeableForDays=5)
    check(lock_date(b, "prod") == T0_EPOCH + 6 * DAY, "a new grace starts")
    control(URL, "POST", "clock", {"set": "2026-11-29T11:59:59Z"})
    b.delete_backup_vault_lock_configuration(BackupVaultName="prod")
    b.put_backup_vault_lock_configuration(BackupVaultName="prod", MinRetentionDays=35, ChangeableForDays=3)
    control(URL, "POST", "clock", {"advance_secs": 3 * DAY})
    expect_error("InvalidRequestException", 400, b.put_backup_vault_lock_configuration,
                 BackupVaultName="prod", MinRetentionDays=1)
    expect_error("InvalidRequestException", 400, b.delete_backup_vault_lock_configuration,
                 BackupVaultName="prod")
    d = b.describe_backup_vault(BackupVaultName="prod")
    check((d["Locked"], d["MinRetentionDays"]) == (True, 35), d)


def test_out_of_range_values():
    b = backup()
    b.create_backup_vault(BackupVaultName="v1")
    for kwargs in [{"MinRetentionDays": 0}, {"MaxRetentionDays": 36501},
                   {"MinRetentionDays": 10, "MaxRetentionDays": 9},
                   {"ChangeableForDays": 2}, {"ChangeableForDays": 36501},
                   {"ChangeableForDays": 40000}]:
        expect_error("InvalidParameterValueException", 400, b.put_backup_vault_lock_configuration,
                     BackupVaultName="v1", **kwargs)
    check(b.describe_backup_vault(BackupVaultName="v1")["Locked"] is False, "nothing was put")
    b.put_backup_vault_lock_configuration(BackupVaultName="v1", MinRetentionDays=1,
                                          MaxRetentionDays=36500, ChangeableForDays=36500)
    expect_error("ResourceNotFoundException", 400, b.put_backup_vault_lock_configuration,
                 BackupVaultName="missing", MinRetentionDays=1)
    expect_error("ResourceNotFoundException", 400, b.delete_backup_vault_lock_configuration,
                 BackupVaultName="missing")


def test_logically_air_gapped_vault():
    b = backup()
    r = b.create_logically_air_gapped_backup_vault(BackupVaultName="lag", MinRetentionDays=7,
                                                   MaxRetentionDays=35)
    check(r["VaultState"] == "CREATING", r)
    d = b.describe_backup_vault(BackupVaultName="lag")
    check((d["VaultType"], d["Locked"], d["MinRetentionDays"], d["MaxRetentionDays"])
          == ("LOGICALLY_AIR_GAPPED_BACKUP_VAULT", True, 7, 35), d)
    expect_error("InvalidRequestException", 400, b.put_backup_vault_lock_configuration,
                 BackupVaultName="lag", MinRetentionDays=7)
    expect_error("InvalidRequestException", 400, b.delete_backup_vault_lock_configuration,
                 BackupVaultName="lag")
    expect_error("InvalidParameterValueException", 400, b.create_logically_air_gapped_backup_vault,
                 BackupVaultName="lag2", MinRetentionDays=6, MaxRetentionDays=35)
    b.create_backup_vault(BackupVaultName="plain")
    only = b.list_backup_vaults(ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT")["BackupVaultList"]
    check([v["BackupVaultName"] for v in only] == ["lag"], only)


def test_faults_and_call_log():
    b = backup()
    b.create_backup_vault(BackupVaultName="v1")
    control(URL, "POST", "faults", {"rules": [{"operation": "PutBackupVaultLockConfiguration",
                                               "kind": "drop_after_apply", "times": 1}]})
    try:
        b.put_backup_vault_lock_configuration(BackupVaultName="v1", MinRetentionDays=7, ChangeableForDays=3)
        raise AssertionError("expected a dropped connection")
    except botocore.exceptions.BotoCoreError:
        pass
    check(b.describe_backup_vault(BackupVaultName="v1")["Locked"] is True, "applied before the drop")
    control(URL, "POST", "faults", {"rules": [{"operation": "DeleteBackupVaultLockConfiguration",
                                               "kind": "error", "status": 503, "times": 1}]})
    expect_error("ServiceUnavailableException", 503, b.delete_backup_vault_lock_configuration,
                 BackupVaultName="v1")
    check(b.describe_backup_vault(BackupVaultName="v1")["Locked"] is True, "not applied")
    calls = [c for c in control(URL, "GET", "calls") if c["service"] == "backup"]
    got = [(c["operation"], c["mutating"]) for c in calls]
    check(got == [("CreateBackupVault", True), ("PutBackupVaultLockConfiguration", True),
                  ("DescribeBackupVault", False), ("DeleteBackupVaultLockConfiguration", True),
                  ("DescribeBackupVault", False)], got)
    check(calls[1]["params"] == {"BackupVaultName": "v1", "MinRetentionDays": 7,
                                 "ChangeableForDays": 3}, calls[1])


def before_each():
    control(URL, "POST", "reset")
    control(URL, "POST", "faults", {"rules": []})
    control(URL, "POST", "clock", {"set": T0, "frozen": True})


if __name__ == "__main__":
    sys.exit(run(tests_of(globals()), before_each, "AWS Backup"))

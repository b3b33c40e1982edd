//! Drives every emulated AWS Backup operation and error through the AWS SDK for Rust
//! (`aws-sdk-backup`, the crate lockward uses), on a frozen virtual clock so lock dates are exact.

mod common;

use aws_sdk_backup::types::{VaultState, VaultType};
use aws_smithy_types::retry::RetryConfig;
use common::{calls_of, code, control, emulator, http, signed, static_credentials, t0, REGION};
use lockward_emulator::Emulator;
use serde_json::{json, Value};

fn client(emu: &Emulator) -> aws_sdk_backup::Client {
    aws_sdk_backup::Client::from_conf(
        aws_sdk_backup::Config::builder()
            .behavior_version(aws_sdk_backup::config::BehaviorVersion::latest())
            .region(aws_sdk_backup::config::Region::new(REGION))
            .endpoint_url(emu.url())
            .credentials_provider(static_credentials())
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

async fn new_vault(b: &aws_sdk_backup::Client, name: &str) {
    b.create_backup_vault()
        .backup_vault_name(name)
        .send()
        .await
        .unwrap();
}

async fn describe(
    b: &aws_sdk_backup::Client,
    name: &str,
) -> aws_sdk_backup::operation::describe_backup_vault::DescribeBackupVaultOutput {
    b.describe_backup_vault()
        .backup_vault_name(name)
        .send()
        .await
        .unwrap()
}

/// PutBackupVaultLockConfiguration with the given values.
async fn put_lock(
    b: &aws_sdk_backup::Client,
    name: &str,
    min: Option<i64>,
    max: Option<i64>,
    changeable: Option<i64>,
) -> Result<
    aws_sdk_backup::operation::put_backup_vault_lock_configuration::PutBackupVaultLockConfigurationOutput,
    aws_sdk_backup::error::SdkError<
        aws_sdk_backup::operation::put_backup_vault_lock_configuration::PutBackupVaultLockConfigurationError,
    >,
>{
    b.put_backup_vault_lock_configuration()
        .backup_vault_name(name)
        .set_min_retention_days(min)
        .set_max_retention_days(max)
        .set_changeable_for_days(changeable)
        .send()
        .await
}

fn secs(t: jiff::Timestamp) -> i64 {
    t.as_second()
}

#[tokio::test]
async fn vaults_create_describe_list_delete() {
    let emu = emulator().await;
    let b = client(&emu);
    let created = b
        .create_backup_vault()
        .backup_vault_name("prod-backups")
        .creator_request_id("req-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.backup_vault_arn(),
        Some("arn:aws:backup:us-east-1:123456789012:backup-vault:prod-backups")
    );
    assert_eq!(created.creation_date().unwrap().secs(), secs(t0()));
    let err = b
        .create_backup_vault()
        .backup_vault_name("prod-backups")
        .send()
        .await;
    assert_eq!(code(err), "AlreadyExistsException");
    for bad in ["x", "has space", &"n".repeat(51)] {
        assert_eq!(
            code(b.create_backup_vault().backup_vault_name(bad).send().await),
            "InvalidParameterValueException",
            "{bad}"
        );
    }

    let d = describe(&b, "prod-backups").await;
    assert_eq!(d.backup_vault_name(), Some("prod-backups"));
    assert_eq!(d.vault_type(), Some(&VaultType::BackupVault));
    assert_eq!(d.vault_state(), Some(&VaultState::Available));
    assert_eq!(d.locked(), Some(false));
    assert_eq!(d.number_of_recovery_points(), 0);
    assert_eq!(d.creator_request_id(), Some("req-1"));
    assert!(d.lock_date().is_none() && d.min_retention_days().is_none());
    assert_eq!(
        code(
            b.describe_backup_vault()
                .backup_vault_name("missing")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );

    // Pagination: five vaults, pages of two, in name order.
    for name in ["v-b", "v-c", "v-d", "v-e"] {
        new_vault(&b, name).await;
    }
    let mut names = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = b
            .list_backup_vaults()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.backup_vault_list().len() <= 2);
        names.extend(
            page.backup_vault_list()
                .iter()
                .map(|v| v.backup_vault_name().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["prod-backups", "v-b", "v-c", "v-d", "v-e"]);
    assert_eq!(
        code(b.list_backup_vaults().max_results(0).send().await),
        "InvalidParameterValueException"
    );

    b.delete_backup_vault()
        .backup_vault_name("v-e")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            b.delete_backup_vault()
                .backup_vault_name("v-e")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );

    // A vault holding recovery points cannot be deleted, locked or not.
    emu.seed(json!({"backup": [{"vault": "full", "recovery_points": 2}]}))
        .unwrap();
    assert_eq!(
        code(
            b.delete_backup_vault()
                .backup_vault_name("full")
                .send()
                .await
        ),
        "InvalidRequestException"
    );
    assert_eq!(describe(&b, "full").await.number_of_recovery_points(), 2);
}

#[tokio::test]
async fn governance_lock_put_changed_and_deleted() {
    let emu = emulator().await;
    let b = client(&emu);
    new_vault(&b, "gov").await;
    put_lock(&b, "gov", Some(7), Some(30), None).await.unwrap();
    let d = describe(&b, "gov").await;
    assert_eq!(d.locked(), Some(true));
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(7), Some(30))
    );
    assert!(
        d.lock_date().is_none(),
        "a governance lock has no lock date"
    );

    // Changed at any time, even long after.
    emu.advance_clock(400 * 86_400);
    put_lock(&b, "gov", Some(14), None, None).await.unwrap();
    let d = describe(&b, "gov").await;
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(14), None)
    );
    b.delete_backup_vault_lock_configuration()
        .backup_vault_name("gov")
        .send()
        .await
        .unwrap();
    let d = describe(&b, "gov").await;
    assert_eq!(d.locked(), Some(false));
    assert!(d.min_retention_days().is_none());
    assert_eq!(emu.state()["backup"][0].get("lock"), None);
}

#[tokio::test]
async fn compliance_lock_grace_then_immutable_on_the_lock_date() {
    let emu = emulator().await;
    let b = client(&emu);
    new_vault(&b, "prod").await;
    put_lock(&b, "prod", Some(35), Some(365), Some(3))
        .await
        .unwrap();
    let d = describe(&b, "prod").await;
    let lock_date = crate::common::t0() + jiff::SignedDuration::from_hours(72);
    assert_eq!(d.lock_date().unwrap().secs(), secs(lock_date));
    assert_eq!(
        emu.state()["backup"][0]["lock"],
        json!({"min_retention_days": 35, "max_retention_days": 365, "lock_date": "2026-11-26T12:00:00Z"})
    );

    // In grace: a put without ChangeableForDays changes the retention and keeps the lock date.
    emu.advance_clock(86_400);
    put_lock(&b, "prod", Some(30), Some(365), None)
        .await
        .unwrap();
    let d = describe(&b, "prod").await;
    assert_eq!(d.min_retention_days(), Some(30));
    assert_eq!(d.lock_date().unwrap().secs(), secs(lock_date));
    // A put with ChangeableForDays starts a new grace from now.
    put_lock(&b, "prod", Some(30), Some(365), Some(5))
        .await
        .unwrap();
    let new_date = t0() + jiff::SignedDuration::from_hours(24 + 5 * 24);
    assert_eq!(
        describe(&b, "prod").await.lock_date().unwrap().secs(),
        secs(new_date)
    );
    // Still deletable in grace, one second before the lock date.
    emu.set_clock(new_date - jiff::SignedDuration::from_secs(1));
    b.delete_backup_vault_lock_configuration()
        .backup_vault_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(describe(&b, "prod").await.locked(), Some(false));

    // Locked again; exactly at the lock date it is immutable.
    put_lock(&b, "prod", Some(35), None, Some(3)).await.unwrap();
    emu.advance_clock(3 * 86_400);
    assert_eq!(
        code(put_lock(&b, "prod", Some(1), None, None).await),
        "InvalidRequestException"
    );
    assert_eq!(
        code(
            b.delete_backup_vault_lock_configuration()
                .backup_vault_name("prod")
                .send()
                .await
        ),
        "InvalidRequestException"
    );
    let d = describe(&b, "prod").await;
    assert_eq!((d.locked(), d.min_retention_days()), (Some(true), Some(35)));
    // An empty vault can still be deleted, even with an immutable lock (as AWS documents).
    b.delete_backup_vault()
        .backup_vault_name("prod")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn out_of_range_lock_values_are_refused() {
    let emu = emulator().await;
    let b = client(&emu);
    new_vault(&b, "v1").await;
    for (min, max, changeable) in [
        (Some(0), None, None),
        (None, Some(36_501), None),
        (Some(10), Some(9), None),
        (Some(1), None, Some(2)),
        (Some(1), None, Some(36_501)),
        (Some(1), None, Some(40_000)),
    ] {
        assert_eq!(
            code(put_lock(&b, "v1", min, max, changeable).await),
            "InvalidParameterValueException",
            "{min:?} {max:?} {changeable:?}"
        );
    }
    assert_eq!(describe(&b, "v1").await.locked(), Some(false));
    // The bounds themselves are accepted.
    put_lock(&b, "v1", Some(1), Some(36_500), Some(36_500))
        .await
        .unwrap();
    put_lock(&b, "v1", Some(1), Some(1), Some(3)).await.unwrap();
    assert_eq!(
        code(put_lock(&b, "missing", Some(1), None, None).await),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn logically_air_gapped_vault_is_born_locked() {
    let emu = emulator().await;
    let b = client(&emu);
    let out = b
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag")
        .min_retention_days(7)
        .max_retention_days(35)
        .send()
        .await
        .unwrap();
    assert_eq!(out.vault_state(), Some(&VaultState::Creating));
    let d = describe(&b, "lag").await;
    assert_eq!(
        d.vault_type(),
        Some(&VaultType::LogicallyAirGappedBackupVault)
    );
    assert_eq!(d.vault_state(), Some(&VaultState::Available));
    assert_eq!(d.locked(), Some(true));
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(7), Some(35))
    );
    assert_eq!(d.lock_date().unwrap().secs(), secs(t0()));
    assert_eq!(
        code(put_lock(&b, "lag", Some(7), Some(40), None).await),
        "InvalidRequestException"
    );
    assert_eq!(
        code(
            b.delete_backup_vault_lock_configuration()
                .backup_vault_name("lag")
                .send()
                .await
        ),
        "InvalidRequestException"
    );
    assert_eq!(
        code(
            b.create_logically_air_gapped_backup_vault()
                .backup_vault_name("lag2")
                .min_retention_days(6)
                .max_retention_days(35)
                .send()
                .await
        ),
        "InvalidParameterValueException"
    );
    assert_eq!(
        code(
            b.create_logically_air_gapped_backup_vault()
                .backup_vault_name("lag")
                .min_retention_days(7)
                .max_retention_days(35)
                .send()
                .await
        ),
        "AlreadyExistsException"
    );
    // The model requires both retention members; a body without them is refused.
    let (status, head, _) = http(
        &emu,
        "PUT",
        "/logically-air-gapped-backup-vaults/lag3",
        &[("Authorization", &signed("backup"))],
        b"{\"MinRetentionDays\": 7}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        head.contains("x-amzn-errortype: missingparametervalueexception"),
        "{head}"
    );

    // ListBackupVaults filters by type.
    new_vault(&b, "plain").await;
    let only = b
        .list_backup_vaults()
        .by_vault_type(VaultType::LogicallyAirGappedBackupVault)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = only
        .backup_vault_list()
        .iter()
        .map(|v| v.backup_vault_name().unwrap())
        .collect();
    assert_eq!(names, ["lag"]);
    assert_eq!(
        only.backup_vault_list()[0].vault_type(),
        Some(&VaultType::LogicallyAirGappedBackupVault)
    );
}

#[tokio::test]
async fn seeded_vaults_keep_the_design_shape() {
    let emu = emulator().await;
    let b = client(&emu);
    let seed = json!({"backup": [{"region": "us-east-1", "vault": "prod-backups",
        "vault_type": "BACKUP_VAULT", "recovery_points": 0,
        "lock": {"min_retention_days": 35, "max_retention_days": 365,
                 "lock_date": "2026-12-04T00:00:00Z"}},
        {"region": "eu-west-1", "vault": "elsewhere"}]});
    assert_eq!(control(&emu, "POST", "seed", seed).await.0, 200);
    let d = describe(&b, "prod-backups").await;
    assert_eq!(d.lock_date().unwrap().secs(), 1_796_342_400);
    assert_eq!(d.max_retention_days(), Some(365));
    // State is per region.
    assert_eq!(
        code(
            b.describe_backup_vault()
                .backup_vault_name("elsewhere")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    let (_, state) = control(&emu, "GET", "state", Value::Null).await;
    assert_eq!(state["backup"][1]["vault"], "prod-backups");
    assert_eq!(state["backup"][0]["region"], "eu-west-1");
    // Past the seeded lock date the lock is immutable.
    emu.set_clock("2026-12-04T00:00:00Z".parse().unwrap());
    assert_eq!(
        code(put_lock(&b, "prod-backups", Some(35), Some(365), None).await),
        "InvalidRequestException"
    );
}

#[tokio::test]
async fn errors_have_the_rest_json_shape() {
    let emu = emulator().await;
    let (status, head, body) = http(
        &emu,
        "GET",
        "/backup-vaults/missing",
        &[("Authorization", &signed("backup"))],
        b"",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        head.contains("x-amzn-errortype: resourcenotfoundexception"),
        "{head}"
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["__type"], "ResourceNotFoundException");
    assert_eq!(body["Code"], "ResourceNotFoundException");
    assert!(body["Message"].as_str().unwrap().contains("missing"));
    // Unsigned requests are refused, in the same shape.
    let (status, head, _) = http(&emu, "GET", "/backup-vaults/", &[], b"").await;
    assert_eq!(status, 403);
    assert!(
        head.contains("x-amzn-errortype: missingauthenticationtokenexception"),
        "{head}"
    );
}

#[tokio::test]
async fn faults_and_the_call_log_cover_backup() {
    let emu = emulator().await;
    let b = client(&emu);
    new_vault(&b, "v1").await;
    emu.set_faults(
        json!({"rules": [{"operation": "PutBackupVaultLockConfiguration",
        "kind": "drop_after_apply", "times": 1}]}),
    )
    .unwrap();
    let err = put_lock(&b, "v1", Some(7), None, Some(3))
        .await
        .unwrap_err();
    assert!(
        err.raw_response().is_none(),
        "expected a transport error, got {err:?}"
    );
    // The lock was put: the client never heard of it.
    assert_eq!(describe(&b, "v1").await.locked(), Some(true));

    emu.set_faults(
        json!({"rules": [{"operation": "DeleteBackupVaultLockConfiguration",
        "kind": "drop_before_apply", "times": 1}]}),
    )
    .unwrap();
    b.delete_backup_vault_lock_configuration()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(describe(&b, "v1").await.locked(), Some(true));

    emu.set_faults(
        json!({"rules": [{"operation": "DescribeBackupVault", "kind": "throttle", "times": 1},
        {"operation": "ListBackupVaults", "kind": "error", "status": 503, "times": 1}]}),
    )
    .unwrap();
    assert_eq!(
        code(
            b.describe_backup_vault()
                .backup_vault_name("v1")
                .send()
                .await
        ),
        "ThrottlingException"
    );
    assert_eq!(
        code(b.list_backup_vaults().send().await),
        "ServiceUnavailableException"
    );

    assert_eq!(
        calls_of(&emu, "backup"),
        [
            ("CreateBackupVault".to_string(), true),
            ("PutBackupVaultLockConfiguration".to_string(), true),
            ("DescribeBackupVault".to_string(), false),
            ("DeleteBackupVaultLockConfiguration".to_string(), true),
            ("DescribeBackupVault".to_string(), false),
            ("DescribeBackupVault".to_string(), false),
            ("ListBackupVaults".to_string(), false),
        ]
    );
    let put = &emu.calls()[1];
    assert_eq!(
        put["params"],
        json!({"BackupVaultName": "v1", "MinRetentionDays": 7, "ChangeableForDays": 3})
    );
    assert_eq!(put["region"], "us-east-1");
}

#[tokio::test]
async fn frozen_clock_through_the_control_api() {
    let emu = lockward_emulator::start(Default::default()).await.unwrap();
    assert!(!emu.clock_is_frozen());
    let (status, body) = control(
        &emu,
        "POST",
        "clock",
        json!({"set": "2026-11-20T10:00:00Z", "frozen": true}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"now": "2026-11-20T10:00:00Z", "frozen": true}));
    assert_eq!(emu.now(), "2026-11-20T10:00:00Z".parse().unwrap());
    let (_, body) = control(&emu, "POST", "clock", json!({"advance_secs": 3 * 86_400})).await;
    assert_eq!(body, json!({"now": "2026-11-23T10:00:00Z", "frozen": true}));
    // A lock put now has a lock date that is exactly now + N days.
    let b = client(&emu);
    new_vault(&b, "v1").await;
    put_lock(&b, "v1", Some(1), None, Some(3)).await.unwrap();
    assert_eq!(
        emu.state()["backup"][0]["lock"]["lock_date"],
        "2026-11-26T10:00:00Z"
    );
    let (_, body) = control(&emu, "GET", "clock", Value::Null).await;
    assert_eq!(body, json!({"now": "2026-11-23T10:00:00Z", "frozen": true}));
    let (_, body) = control(&emu, "POST", "clock", json!({"frozen": false})).await;
    assert_eq!(body["frozen"], false);
    assert!(!emu.clock_is_frozen());
    let (status, _) = control(&emu, "POST", "clock", json!({"frozen": "yes"})).await;
    assert_eq!(status, 400);
}

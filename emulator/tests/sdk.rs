//! Drives every emulated operation through the AWS SDK for Rust (the crates lockward uses) and
//! checks the documented successes and errors, the virtual clock, the faults and the control API.

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use lockward_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

const REGION: &str = "us-east-1";
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}"#;
const JOB_WITH_CUSTOMER: &str = "JID123e4567-e89b-12d3-a456-426655440000";

fn static_credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "secret", None, None, "test")
}

macro_rules! client {
    ($krate:ident, $url:expr, $creds:expr, $retry:expr, $region:expr) => {
        $krate::Client::from_conf(
            $krate::Config::builder()
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new($region))
                .endpoint_url($url)
                .credentials_provider($creds)
                .retry_config($retry)
                .build(),
        )
    };
}

struct Clients {
    glacier: aws_sdk_glacier::Client,
    rbin: aws_sdk_rbin::Client,
    snowball: aws_sdk_snowball::Client,
    sts: aws_sdk_sts::Client,
}

fn clients_with(
    emu: &Emulator,
    creds: Credentials,
    retry: RetryConfig,
    region: &'static str,
) -> Clients {
    let url = emu.url();
    Clients {
        glacier: client!(aws_sdk_glacier, &url, creds.clone(), retry.clone(), region),
        rbin: client!(aws_sdk_rbin, &url, creds.clone(), retry.clone(), region),
        snowball: client!(aws_sdk_snowball, &url, creds.clone(), retry.clone(), region),
        sts: client!(aws_sdk_sts, &url, creds, retry, region),
    }
}

fn clients(emu: &Emulator) -> Clients {
    clients_with(emu, static_credentials(), RetryConfig::disabled(), REGION)
}

async fn emulator() -> Emulator {
    lockward_emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts")
}

/// The error code of a failed SDK call, or a panic naming what came back instead.
/// Creates vault `name` in the caller's account.
async fn new_vault(g: &aws_sdk_glacier::Client, name: &str) {
    g.create_vault()
        .account_id("-")
        .vault_name(name)
        .send()
        .await
        .unwrap();
}

/// InitiateVaultLock on vault `name` of the caller's account.
async fn initiate(
    g: &aws_sdk_glacier::Client,
    name: &str,
    policy: aws_sdk_glacier::types::VaultLockPolicy,
) -> Result<
    aws_sdk_glacier::operation::initiate_vault_lock::InitiateVaultLockOutput,
    aws_sdk_glacier::error::SdkError<
        aws_sdk_glacier::operation::initiate_vault_lock::InitiateVaultLockError,
    >,
> {
    g.initiate_vault_lock()
        .account_id("-")
        .vault_name(name)
        .policy(policy)
        .send()
        .await
}

fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(r: Result<T, E>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("error without a code: {e:?}"))
            .to_string(),
    }
}

/// A plain HTTP/1.1 exchange, for the control API and for requests no SDK would send.
async fn http(
    emu: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        emu.addr(),
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), out[split + 4..].to_vec())
}

async fn control(emu: &Emulator, method: &str, what: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = http(
        emu,
        method,
        &format!("/_emulator/{what}"),
        &[],
        body.to_string().as_bytes(),
    )
    .await;
    (status, serde_json::from_slice(&body).unwrap())
}

const SIGNED: (&str, &str) = (
    "Authorization",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/snowball/aws4_request, SignedHeaders=host, Signature=0",
);

// ---- Glacier ---------------------------------------------------------------------------------

#[tokio::test]
async fn glacier_vaults_create_describe_list_delete() {
    let emu = emulator().await;
    let c = clients(&emu);
    let created = c
        .glacier
        .create_vault()
        .account_id("-")
        .vault_name("audit-logs")
        .send()
        .await
        .unwrap();
    assert_eq!(created.location(), Some("/123456789012/vaults/audit-logs"));
    // Creating an existing vault is idempotent, as in AWS.
    new_vault(&c.glacier, "audit-logs").await;

    let d = c
        .glacier
        .describe_vault()
        .account_id("-")
        .vault_name("audit-logs")
        .send()
        .await
        .unwrap();
    assert_eq!(d.vault_name(), Some("audit-logs"));
    assert_eq!(
        d.vault_arn(),
        Some("arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs")
    );
    assert!(d.creation_date().unwrap().ends_with('Z'));
    assert_eq!(d.number_of_archives(), 0);

    for name in ["b-vault", "c-vault", "d-vault"] {
        c.glacier
            .create_vault()
            .account_id("123456789012")
            .vault_name(name)
            .send()
            .await
            .unwrap();
    }
    let page = c
        .glacier
        .list_vaults()
        .account_id("-")
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.vault_list().len(), 2);
    let marker = page
        .marker()
        .expect("a marker for the next page")
        .to_string();
    let rest = c
        .glacier
        .list_vaults()
        .account_id("-")
        .marker(marker)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.vault_list().len(), 2);
    assert_eq!(rest.marker(), None);
    assert_eq!(rest.vault_list()[1].vault_name(), Some("d-vault"));
    assert_eq!(
        code(
            c.glacier
                .list_vaults()
                .account_id("-")
                .limit(0)
                .send()
                .await
        ),
        "InvalidParameterValueException"
    );

    c.glacier
        .delete_vault()
        .account_id("-")
        .vault_name("d-vault")
        .send()
        .await
        .unwrap();
    let err = c
        .glacier
        .describe_vault()
        .account_id("-")
        .vault_name("d-vault")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 404);
    assert_eq!(
        code(
            c.glacier
                .delete_vault()
                .account_id("-")
                .vault_name("d-vault")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            c.glacier
                .describe_vault()
                .account_id("-")
                .vault_name("bad name!")
                .send()
                .await
        ),
        "InvalidParameterValueException"
    );
    // Another account's vaults are not the caller's.
    let err = c
        .glacier
        .describe_vault()
        .account_id("999999999999")
        .vault_name("audit-logs")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);

    // State is per region.
    let eu = clients_with(
        &emu,
        static_credentials(),
        RetryConfig::disabled(),
        "eu-west-1",
    );
    assert!(eu
        .glacier
        .list_vaults()
        .account_id("-")
        .send()
        .await
        .unwrap()
        .vault_list()
        .is_empty());
    new_vault(&eu.glacier, "eu-vault").await;
    let state = emu.state();
    assert!(state["glacier"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["region"] == "eu-west-1" && v["vault"] == "eu-vault"));
}

#[tokio::test]
async fn glacier_vault_lock_lifecycle() {
    let emu = emulator().await;
    let c = clients(&emu);
    let g = &c.glacier;
    new_vault(g, "audit").await;
    let policy = aws_sdk_glacier::types::VaultLockPolicy::builder()
        .policy(POLICY)
        .build();

    // No lock yet.
    assert_eq!(
        code(
            g.get_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    // Abort with no lock succeeds.
    g.abort_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .send()
        .await
        .unwrap();
    // Unknown vault.
    assert_eq!(
        code(initiate(g, "nope", policy.clone()).await),
        "ResourceNotFoundException"
    );
    // Missing and oversized policies.
    assert_eq!(
        code(
            g.initiate_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "MissingParameterValueException"
    );
    let huge = format!(
        r#"{{"Version":"2012-10-17","Pad":"{}"}}"#,
        "x".repeat(20 * 1024)
    );
    let huge = aws_sdk_glacier::types::VaultLockPolicy::builder()
        .policy(huge)
        .build();
    assert_eq!(
        code(initiate(g, "audit", huge).await),
        "InvalidParameterValueException"
    );

    // Initiate: InProgress for 24 h.
    let lock_id = initiate(g, "audit", policy.clone())
        .await
        .unwrap()
        .lock_id()
        .expect("x-amz-lock-id")
        .to_string();
    assert_eq!(lock_id.len(), 24);
    let got = g
        .get_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .send()
        .await
        .unwrap();
    assert_eq!(got.state(), Some("InProgress"));
    assert_eq!(got.policy(), Some(POLICY));
    let created: jiff::Timestamp = got.creation_date().unwrap().parse().unwrap();
    let expires: jiff::Timestamp = got.expiration_date().unwrap().parse().unwrap();
    assert_eq!(
        expires.duration_since(created),
        jiff::SignedDuration::from_hours(24)
    );

    // Initiate while InProgress, complete with a wrong id.
    let err = initiate(g, "audit", policy.clone()).await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    assert_eq!(
        code(
            g.complete_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .lock_id("WRONGWRONGWRONGWRONGWRON")
                .send()
                .await
        ),
        "InvalidParameterValueException"
    );

    // Abort while InProgress succeeds and removes it.
    g.abort_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            g.get_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );

    // An InProgress lock vanishes after 24 h of virtual time.
    initiate(g, "audit", policy.clone()).await.unwrap();
    emu.advance_clock(24 * 3600 - 60);
    assert_eq!(
        g.get_vault_lock()
            .account_id("-")
            .vault_name("audit")
            .send()
            .await
            .unwrap()
            .state(),
        Some("InProgress")
    );
    emu.advance_clock(61);
    assert_eq!(
        code(
            g.get_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert!(emu.state()["glacier"][0].get("lock").is_none());

    // Complete with the right id: Locked, idempotent; then nothing can change it.
    let lock_id = initiate(g, "audit", policy.clone())
        .await
        .unwrap()
        .lock_id()
        .unwrap()
        .to_string();
    g.complete_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .lock_id(&lock_id)
        .send()
        .await
        .unwrap();
    g.complete_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .lock_id(&lock_id)
        .send()
        .await
        .unwrap();
    let got = g
        .get_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .send()
        .await
        .unwrap();
    assert_eq!(got.state(), Some("Locked"));
    emu.advance_clock(48 * 3600);
    assert_eq!(
        g.get_vault_lock()
            .account_id("-")
            .vault_name("audit")
            .send()
            .await
            .unwrap()
            .state(),
        Some("Locked")
    );
    assert_eq!(
        code(
            g.complete_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .lock_id("WRONGWRONGWRONGWRONGWRON")
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    assert_eq!(
        code(
            g.abort_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    assert_eq!(
        code(initiate(g, "audit", policy).await),
        "AccessDeniedException"
    );
    let state = emu.state();
    assert_eq!(state["glacier"][0]["lock"]["state"], "Locked");
    assert_eq!(state["glacier"][0]["lock"]["lock_id"], lock_id.as_str());
}

// ---- Recycle Bin -----------------------------------------------------------------------------

fn retention(days: i32) -> aws_sdk_rbin::types::RetentionPeriod {
    aws_sdk_rbin::types::RetentionPeriod::builder()
        .retention_period_value(days)
        .retention_period_unit(aws_sdk_rbin::types::RetentionPeriodUnit::Days)
        .build()
        .unwrap()
}

fn lock_config(days: i32) -> aws_sdk_rbin::types::LockConfiguration {
    aws_sdk_rbin::types::LockConfiguration::builder()
        .unlock_delay(
            aws_sdk_rbin::types::UnlockDelay::builder()
                .unlock_delay_value(days)
                .unlock_delay_unit(aws_sdk_rbin::types::UnlockDelayUnit::Days)
                .build()
                .unwrap(),
        )
        .build()
}

fn tag(k: &str, v: &str) -> aws_sdk_rbin::types::ResourceTag {
    aws_sdk_rbin::types::ResourceTag::builder()
        .resource_tag_key(k)
        .resource_tag_value(v)
        .build()
        .unwrap()
}

#[tokio::test]
async fn rbin_rule_lock_lifecycle() {
    use aws_sdk_rbin::types::{LockState, ResourceType};
    let emu = emulator().await;
    let c = clients(&emu);
    let r = &c.rbin;

    let created = r
        .create_rule()
        .resource_type(ResourceType::EbsSnapshot)
        .retention_period(retention(30))
        .description("keep snapshots")
        .send()
        .await
        .unwrap();
    let id = created.identifier().unwrap().to_string();
    assert_eq!(id.len(), 11);
    assert_eq!(created.lock_state(), None);
    assert_eq!(
        created.rule_arn(),
        Some(format!("arn:aws:rbin:us-east-1:123456789012:rule/{id}").as_str())
    );

    let got = r.get_rule().identifier(&id).send().await.unwrap();
    assert_eq!(got.retention_period().unwrap().retention_period_value(), 30);
    assert_eq!(got.lock_state(), None);
    let listed = r
        .list_rules()
        .resource_type(ResourceType::EbsSnapshot)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.rules().len(), 1);
    assert!(r
        .list_rules()
        .resource_type(ResourceType::Ec2Image)
        .send()
        .await
        .unwrap()
        .rules()
        .is_empty());

    let updated = r
        .update_rule()
        .identifier(&id)
        .retention_period(retention(10))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.retention_period().unwrap().retention_period_value(),
        10
    );

    // Lock, and then neither update nor delete.
    let locked = r
        .lock_rule()
        .identifier(&id)
        .lock_configuration(lock_config(7))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.lock_state(), Some(&LockState::Locked));
    let got = r.get_rule().identifier(&id).send().await.unwrap();
    assert_eq!(
        got.lock_configuration()
            .unwrap()
            .unlock_delay()
            .unwrap()
            .unlock_delay_value(),
        7
    );
    let err = r
        .update_rule()
        .identifier(&id)
        .retention_period(retention(11))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 409);
    assert_eq!(
        code(r.delete_rule().identifier(&id).send().await),
        "ConflictException"
    );
    // The delay cannot change.
    let err = r
        .lock_rule()
        .identifier(&id)
        .lock_configuration(lock_config(8))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let listed = r
        .list_rules()
        .resource_type(ResourceType::EbsSnapshot)
        .lock_state(LockState::Locked)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.rules().len(), 1);

    // Unlock: pending_unlock until now + delay.
    let before = emu.now();
    let unlocking = r.unlock_rule().identifier(&id).send().await.unwrap();
    assert_eq!(unlocking.lock_state(), Some(&LockState::PendingUnlock));
    let end = unlocking.lock_end_time().unwrap().secs();
    let expected = before.as_second() + 7 * 86_400;
    assert!(
        (end - expected).abs() <= 2,
        "LockEndTime {end} vs {expected}"
    );
    assert_eq!(
        code(
            r.update_rule()
                .identifier(&id)
                .retention_period(retention(11))
                .send()
                .await
        ),
        "ConflictException"
    );
    assert_eq!(
        code(r.delete_rule().identifier(&id).send().await),
        "ConflictException"
    );
    assert_eq!(
        code(r.unlock_rule().identifier(&id).send().await),
        "ConflictException"
    );

    // Re-locking during the delay is allowed; unlock again and let the delay pass.
    r.lock_rule()
        .identifier(&id)
        .lock_configuration(lock_config(7))
        .send()
        .await
        .unwrap();
    r.unlock_rule().identifier(&id).send().await.unwrap();
    emu.advance_clock(7 * 86_400 - 120);
    assert_eq!(
        r.get_rule()
            .identifier(&id)
            .send()
            .await
            .unwrap()
            .lock_state(),
        Some(&LockState::PendingUnlock)
    );
    emu.advance_clock(180);
    let got = r.get_rule().identifier(&id).send().await.unwrap();
    assert_eq!(got.lock_state(), Some(&LockState::Unlocked));
    assert_eq!(got.lock_end_time(), None);
    // The first lock's delay still binds.
    assert_eq!(
        code(
            r.lock_rule()
                .identifier(&id)
                .lock_configuration(lock_config(30))
                .send()
                .await
        ),
        "ValidationException"
    );
    r.update_rule()
        .identifier(&id)
        .description("unlocked now")
        .send()
        .await
        .unwrap();
    r.lock_rule()
        .identifier(&id)
        .lock_configuration(lock_config(7))
        .send()
        .await
        .unwrap();
    r.unlock_rule().identifier(&id).send().await.unwrap();
    emu.advance_clock(8 * 86_400);
    r.delete_rule().identifier(&id).send().await.unwrap();
    let err = r.get_rule().identifier(&id).send().await.unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 404);
    assert_eq!(
        code(
            r.lock_rule()
                .identifier("a1B2c3D4e5F")
                .lock_configuration(lock_config(7))
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn rbin_rules_that_cannot_be_locked() {
    use aws_sdk_rbin::types::ResourceType;
    let emu = emulator().await;
    let c = clients(&emu);
    let r = &c.rbin;
    let tagged = r
        .create_rule()
        .resource_type(ResourceType::EbsSnapshot)
        .retention_period(retention(7))
        .resource_tags(tag("team", "audit"))
        .send()
        .await
        .unwrap();
    let err = r
        .lock_rule()
        .identifier(tagged.identifier().unwrap())
        .lock_configuration(lock_config(7))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let excluding = r
        .create_rule()
        .resource_type(ResourceType::Ec2Image)
        .retention_period(retention(7))
        .exclude_resource_tags(tag("scratch", "yes"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            r.lock_rule()
                .identifier(excluding.identifier().unwrap())
                .lock_configuration(lock_config(7))
                .send()
                .await
        ),
        "ValidationException"
    );
    // Out-of-range delay, and a lock configuration given at creation.
    let plain = r
        .create_rule()
        .resource_type(ResourceType::EbsVolume)
        .retention_period(retention(7))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            r.lock_rule()
                .identifier(plain.identifier().unwrap())
                .lock_configuration(lock_config(31))
                .send()
                .await
        ),
        "ValidationException"
    );
    let locked = r
        .create_rule()
        .resource_type(ResourceType::EbsVolume)
        .retention_period(retention(7))
        .lock_configuration(lock_config(10))
        .send()
        .await
        .unwrap();
    assert_eq!(
        locked.lock_state(),
        Some(&aws_sdk_rbin::types::LockState::Locked)
    );
    assert_eq!(
        code(
            r.create_rule()
                .resource_type(ResourceType::EbsVolume)
                .retention_period(retention(7))
                .resource_tags(tag("a", "b"))
                .lock_configuration(lock_config(10))
                .send()
                .await
        ),
        "ValidationException"
    );
    // Seeded rules in every lock state read back as seeded.
    emu.seed(json!({"rbin": [
        {"identifier": "Pending0001", "lock_state": "pending_unlock", "unlock_delay_days": 7,
         "lock_end_time": "2099-01-01T00:00:00Z"},
        {"identifier": "NeverLocked", "retention_days": 30}]}))
        .unwrap();
    let got = r.get_rule().identifier("Pending0001").send().await.unwrap();
    assert_eq!(
        got.lock_state(),
        Some(&aws_sdk_rbin::types::LockState::PendingUnlock)
    );
    assert_eq!(got.lock_end_time().unwrap().secs(), 4_070_908_800);
    assert_eq!(
        r.get_rule()
            .identifier("NeverLocked")
            .send()
            .await
            .unwrap()
            .lock_state(),
        None
    );
}

// ---- Snowball --------------------------------------------------------------------------------

#[tokio::test]
async fn snowball_jobs_over_rpc_v2_cbor() {
    use aws_sdk_snowball::types::{JobState, JobType};
    let emu = emulator().await;
    let c = clients(&emu);
    let s = &c.snowball;

    let job_id = s
        .create_job()
        .job_type(JobType::Import)
        .description("site a")
        .send()
        .await
        .unwrap()
        .job_id()
        .unwrap()
        .to_string();
    assert!(job_id.starts_with("JID") && job_id.len() == 39, "{job_id}");
    let meta = s.describe_job().job_id(&job_id).send().await.unwrap();
    let meta = meta.job_metadata().unwrap();
    assert_eq!(meta.job_state(), Some(&JobState::New));
    assert_eq!(meta.description(), Some("site a"));
    let created = meta.creation_date().unwrap().secs();
    assert!((created - emu.now().as_second()).abs() <= 2);
    let listed = s.list_jobs().send().await.unwrap();
    assert_eq!(listed.job_list_entries().len(), 1);
    assert_eq!(listed.job_list_entries()[0].job_id(), Some(job_id.as_str()));

    let err = s
        .get_job_unlock_code()
        .job_id(&job_id)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_invalid_job_state_exception());
    s.update_job()
        .job_id(&job_id)
        .description("site a, dock 2")
        .send()
        .await
        .unwrap();
    s.cancel_job().job_id(&job_id).send().await.unwrap();
    let meta = s.describe_job().job_id(&job_id).send().await.unwrap();
    assert_eq!(
        meta.job_metadata().unwrap().job_state(),
        Some(&JobState::Cancelled)
    );
    assert_eq!(
        code(s.cancel_job().job_id(&job_id).send().await),
        "InvalidJobStateException"
    );
    assert_eq!(
        code(s.update_job().job_id(&job_id).description("x").send().await),
        "InvalidJobStateException"
    );

    let err = s
        .describe_job()
        .job_id("JID00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_invalid_resource_exception());
    assert_eq!(
        code(
            s.get_job_unlock_code()
                .job_id("JID00000000-0000-0000-0000-000000000000")
                .send()
                .await
        ),
        "InvalidResourceException"
    );

    // Every one of the 13 job states; the code comes out only WithCustomer and is fixed per job.
    let states = [
        "New",
        "PreparingAppliance",
        "PreparingShipment",
        "InTransitToCustomer",
        "WithCustomer",
        "InTransitToAWS",
        "WithAWSSortingFacility",
        "WithAWS",
        "InProgress",
        "Complete",
        "Cancelled",
        "Listing",
        "Pending",
    ];
    let jobs: Vec<Value> = states
        .iter()
        .enumerate()
        .map(|(i, st)| {
            json!({
        "job_id": format!("JID00000000-0000-0000-0000-{i:012}"), "state": st,
        "created": "2026-10-01T00:00:00Z"})
        })
        .collect();
    emu.set_clock("2026-11-23T00:00:00Z".parse().unwrap());
    emu.seed(json!({"snowball": jobs})).unwrap();
    for (i, st) in states.iter().enumerate() {
        let id = format!("JID00000000-0000-0000-0000-{i:012}");
        let meta = s.describe_job().job_id(&id).send().await.unwrap();
        let state = meta.job_metadata().unwrap().job_state().unwrap().clone();
        assert_eq!(state.as_str(), *st);
        assert!(
            JobState::values().contains(&state.as_str()),
            "{st} is a modelled state"
        );
        let got = s.get_job_unlock_code().job_id(&id).send().await;
        if *st == "WithCustomer" {
            let code1 = got.unwrap().unlock_code().unwrap().to_string();
            assert_eq!(code1.len(), 29);
            assert!(code1
                .split('-')
                .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_alphanumeric())));
            let code2 = s
                .get_job_unlock_code()
                .job_id(&id)
                .send()
                .await
                .unwrap()
                .unlock_code()
                .unwrap()
                .to_string();
            assert_eq!(code1, code2);
        } else {
            assert_eq!(code(got), "InvalidJobStateException", "{st}");
        }
    }

    // The code is no longer available 360 days after the job was created.
    emu.seed(
        json!({"snowball": [{"job_id": JOB_WITH_CUSTOMER, "state": "WithCustomer",
        "created": "2026-10-01T00:00:00Z", "unlock_code": "12345-abcde-56789-fghij-01234"}]}),
    )
    .unwrap();
    let got = s
        .get_job_unlock_code()
        .job_id(JOB_WITH_CUSTOMER)
        .send()
        .await
        .unwrap();
    assert_eq!(got.unlock_code(), Some("12345-abcde-56789-fghij-01234"));
    emu.set_clock("2027-09-26T00:00:01Z".parse().unwrap());
    assert_eq!(
        code(
            s.get_job_unlock_code()
                .job_id(JOB_WITH_CUSTOMER)
                .send()
                .await
        ),
        "InvalidJobStateException"
    );

    let page = s.list_jobs().max_results(5).send().await.unwrap();
    assert_eq!(page.job_list_entries().len(), 5);
    let next = s
        .list_jobs()
        .max_results(100)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.job_list_entries().len(), 15 - 5);
}

#[tokio::test]
async fn snowball_aws_json_1_1_is_served_too() {
    let emu = emulator().await;
    emu.seed(
        json!({"snowball": [{"job_id": JOB_WITH_CUSTOMER, "state": "WithCustomer",
        "created": "2026-10-01T00:00:00Z", "unlock_code": "12345-abcde-56789-fghij-01234"}]}),
    )
    .unwrap();
    emu.set_clock("2026-11-23T00:00:00Z".parse().unwrap());
    let target = (
        "X-Amz-Target",
        "AWSIESnowballJobManagementService.DescribeJob",
    );
    let ct = ("Content-Type", "application/x-amz-json-1.1");
    let body = json!({"JobId": JOB_WITH_CUSTOMER}).to_string();
    let (status, head, out) = http(&emu, "POST", "/", &[SIGNED, target, ct], body.as_bytes()).await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/x-amz-json-1.1"));
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["JobMetadata"]["JobState"], "WithCustomer");
    assert_eq!(out["JobMetadata"]["CreationDate"], json!(1_790_812_800.0));

    let target = (
        "X-Amz-Target",
        "AWSIESnowballJobManagementService.GetJobUnlockCode",
    );
    let (status, _, out) = http(&emu, "POST", "/", &[SIGNED, target, ct], body.as_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["UnlockCode"],
        "12345-abcde-56789-fghij-01234"
    );

    let missing = json!({"JobId": "JID00000000-0000-0000-0000-000000000000"}).to_string();
    let (status, _, out) = http(&emu, "POST", "/", &[SIGNED, target, ct], missing.as_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["__type"],
        "InvalidResourceException"
    );
}

// ---- STS -------------------------------------------------------------------------------------

#[tokio::test]
async fn sts_caller_identity_and_assumed_role_credentials() {
    let emu = emulator().await;
    let c = clients(&emu);
    let me = c.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/AKIDEXAMPLE"));
    assert_eq!(me.user_id(), Some("AKIDEXAMPLE"));

    let assumed = c
        .sts
        .assume_role()
        .role_arn("arn:aws:iam::210987654321:role/ops/deployer")
        .role_session_name("lockward")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = assumed.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    let expiration = creds.expiration().secs();
    assert!((expiration - (emu.now().as_second() + 900)).abs() <= 2);
    assert_eq!(
        assumed.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::210987654321:assumed-role/deployer/lockward"
    );

    let temp = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        None,
        "assumed",
    );
    let as_role = clients_with(&emu, temp, RetryConfig::disabled(), REGION);
    let who = as_role.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(who.account(), Some("210987654321"));
    assert_eq!(
        who.arn(),
        Some("arn:aws:sts::210987654321:assumed-role/deployer/lockward")
    );
    // The role acts in its own account's state.
    new_vault(&as_role.glacier, "role-vault").await;
    let state = emu.state();
    assert_eq!(state["glacier"][0]["account_id"], "210987654321");
    assert!(c
        .glacier
        .list_vaults()
        .account_id("-")
        .send()
        .await
        .unwrap()
        .vault_list()
        .is_empty());

    // The credentials expire on the virtual clock.
    emu.advance_clock(901);
    assert_eq!(
        code(as_role.sts.get_caller_identity().send().await),
        "ExpiredToken"
    );
    assert_eq!(
        code(as_role.glacier.list_vaults().account_id("-").send().await),
        "ExpiredTokenException"
    );

    assert_eq!(
        code(
            c.sts
                .assume_role()
                .role_arn("not-an-arn")
                .role_session_name("x1")
                .send()
                .await
        ),
        "ValidationError"
    );
    assert_eq!(
        code(
            c.sts
                .assume_role()
                .role_arn("arn:aws:iam::210987654321:role/r")
                .role_session_name("lockward")
                .duration_seconds(60)
                .send()
                .await
        ),
        "ValidationError"
    );
}

// ---- faults ----------------------------------------------------------------------------------

#[tokio::test]
async fn drop_after_apply_performs_initiate_but_the_client_sees_no_response() {
    let emu = emulator().await;
    let c = clients(&emu);
    new_vault(&c.glacier, "audit").await;
    emu.set_faults(json!({"rules": [{"operation": "InitiateVaultLock", "kind": "drop_after_apply", "times": 1}]})).unwrap();
    let policy = aws_sdk_glacier::types::VaultLockPolicy::builder()
        .policy(POLICY)
        .build();
    let err = initiate(&c.glacier, "audit", policy).await.unwrap_err();
    assert!(
        err.raw_response().is_none(),
        "expected a transport error, got {err:?}"
    );
    assert!(err.as_service_error().is_none());
    // The lock exists on the emulator: the client lost its id.
    let got = c
        .glacier
        .get_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .send()
        .await
        .unwrap();
    assert_eq!(got.state(), Some("InProgress"));
    assert_eq!(emu.state()["glacier"][0]["lock"]["state"], "InProgress");
}

#[tokio::test]
async fn drop_before_apply_performs_nothing() {
    let emu = emulator().await;
    let c = clients(&emu);
    new_vault(&c.glacier, "audit").await;
    emu.set_faults(json!({"rules": [{"operation": "InitiateVaultLock", "kind": "drop_before_apply", "times": 1}]})).unwrap();
    let policy = aws_sdk_glacier::types::VaultLockPolicy::builder()
        .policy(POLICY)
        .build();
    let err = initiate(&c.glacier, "audit", policy).await.unwrap_err();
    assert!(
        err.raw_response().is_none(),
        "expected a transport error, got {err:?}"
    );
    assert_eq!(
        code(
            c.glacier
                .get_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk() {
    let emu = emulator().await;
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(5));
    let c = clients_with(&emu, static_credentials(), retry, REGION);
    new_vault(&c.glacier, "audit").await;
    emu.set_faults(
        json!({"rules": [{"operation": "DescribeVault", "kind": "throttle", "times": 2}]}),
    )
    .unwrap();
    c.glacier
        .describe_vault()
        .account_id("-")
        .vault_name("audit")
        .send()
        .await
        .unwrap();
    let calls = emu.calls();
    let describes = calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == "DescribeVault")
        .count();
    assert_eq!(describes, 3);

    // Without retries the throttle reaches the caller, in each protocol.
    let c = clients(&emu);
    emu.set_faults(json!({"rules": [{"operation": "*", "kind": "throttle", "times": 4}]}))
        .unwrap();
    assert_eq!(
        code(
            c.glacier
                .describe_vault()
                .account_id("-")
                .vault_name("audit")
                .send()
                .await
        ),
        "ThrottlingException"
    );
    assert_eq!(
        code(c.rbin.get_rule().identifier("a1B2c3D4e5F").send().await),
        "ThrottlingException"
    );
    assert_eq!(
        code(c.snowball.list_jobs().send().await),
        "ThrottlingException"
    );
    assert_eq!(code(c.sts.get_caller_identity().send().await), "Throttling");
}

#[tokio::test]
async fn error_fault_answers_the_given_status_and_code() {
    let emu = emulator().await;
    let c = clients(&emu);
    new_vault(&c.glacier, "audit").await;
    emu.set_faults(
        json!({"rules": [{"operation": "CompleteVaultLock", "kind": "error", "times": 1,
        "status": 500, "code": "ServiceUnavailableException"}]}),
    )
    .unwrap();
    let err = c
        .glacier
        .complete_vault_lock()
        .account_id("-")
        .vault_name("audit")
        .lock_id("x")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_service_unavailable_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 500);
    // `times` is used up: the next call reaches the vault (and fails for its own reason).
    assert_eq!(
        code(
            c.glacier
                .complete_vault_lock()
                .account_id("-")
                .vault_name("audit")
                .lock_id("x")
                .send()
                .await
        ),
        "InvalidParameterValueException"
    );

    emu.set_faults(json!({"rules": [{"operation": "GetRule", "kind": "error", "status": 500}]}))
        .unwrap();
    let err = c
        .rbin
        .get_rule()
        .identifier("a1B2c3D4e5F")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_internal_server_exception());
}

#[tokio::test]
async fn latency_delays_calls() {
    let emu = lockward_emulator::start(EmulatorConfig {
        latency_ms: 50,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let c = clients(&emu);
    emu.set_faults(json!({"rules": [{"operation": "ListVaults", "kind": "latency", "ms": 150}]}))
        .unwrap();
    let started = Instant::now();
    c.glacier
        .list_vaults()
        .account_id("-")
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
}

// ---- control API, call log, authentication ---------------------------------------------------

#[tokio::test]
async fn control_api_seed_state_reset_clock_faults_calls() {
    let emu = emulator().await;
    let seed = json!({"account_id": "123456789012",
        "glacier": [{"region": "us-east-1", "vault": "audit-logs",
            "lock": {"state": "InProgress", "policy": POLICY, "lock_id": "AE863rKkWZU53SLW5be4DUcW",
                     "created": "2026-11-20T10:00:00Z"}}],
        "rbin": [{"region": "us-east-1", "identifier": "a1B2c3D4e5F", "resource_type": "EBS_SNAPSHOT",
            "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [],
            "lock_state": "pending_unlock", "unlock_delay_days": 7, "lock_end_time": "2026-11-25T00:00:00Z"}],
        "snowball": [{"region": "us-east-1", "job_id": JOB_WITH_CUSTOMER, "state": "WithCustomer",
            "created": "2026-10-01T00:00:00Z", "unlock_code": "12345-abcde-56789-fghij-01234"}]});
    let (status, now) = control(
        &emu,
        "POST",
        "clock",
        json!({"set": "2026-11-20T12:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(now["now"], "2026-11-20T12:00:00Z");
    assert_eq!(control(&emu, "POST", "seed", seed).await.0, 200);
    let (_, state) = control(&emu, "GET", "state", json!(null)).await;
    assert_eq!(
        state["glacier"][0]["lock"]["lock_id"],
        "AE863rKkWZU53SLW5be4DUcW"
    );
    assert_eq!(
        state["glacier"][0]["lock"]["created"],
        "2026-11-20T10:00:00Z"
    );
    assert_eq!(state["rbin"][0]["lock_state"], "pending_unlock");
    assert_eq!(
        state["snowball"][0]["unlock_code"],
        "12345-abcde-56789-fghij-01234"
    );

    // The clock drives expiry and the unlock delay.
    let (_, now) = control(&emu, "POST", "clock", json!({"advance_secs": 5 * 86_400})).await;
    assert_eq!(now["now"], "2026-11-25T12:00:00Z");
    let (_, state) = control(&emu, "GET", "state", json!(null)).await;
    assert!(state["glacier"][0].get("lock").is_none());
    assert_eq!(state["rbin"][0]["lock_state"], "unlocked");

    // Bad documents are refused with a reason and change nothing.
    let (status, body) = control(
        &emu,
        "POST",
        "seed",
        json!({"glacier": [{"vault": "x", "color": "red"}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("color"));
    let (status, _) = control(
        &emu,
        "POST",
        "faults",
        json!({"rules": [{"operation": "*", "kind": "explode"}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        control(&emu, "POST", "faults", json!({"rules": [], "seed": 7}))
            .await
            .0,
        200
    );

    // The call log.
    let c = clients(&emu);
    c.glacier
        .get_vault_lock()
        .account_id("-")
        .vault_name("audit-logs")
        .send()
        .await
        .unwrap_err();
    c.rbin
        .lock_rule()
        .identifier("a1B2c3D4e5F")
        .lock_configuration(lock_config(7))
        .send()
        .await
        .unwrap();
    c.snowball
        .get_job_unlock_code()
        .job_id(JOB_WITH_CUSTOMER)
        .send()
        .await
        .unwrap();
    c.sts.get_caller_identity().send().await.unwrap();
    let (_, calls) = control(&emu, "GET", "calls", json!(null)).await;
    assert_eq!(calls, emu.calls());
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 4);
    // Who called, how it ended and in which order calls took effect come beside the request.
    let mut first = calls[0].clone();
    let fields = first.as_object_mut().unwrap();
    let access_key = fields.remove("access_key");
    assert!(access_key.is_some_and(|k| k.is_string()));
    // The vault has no lock: GetVaultLock answered 404.
    assert_eq!(fields.remove("status"), Some(json!(404)));
    assert_eq!(fields.remove("applied"), Some(json!(1)));
    assert_eq!(calls[3]["applied"], json!(4));
    assert_eq!(
        first,
        json!({"seq": 1, "service": "glacier", "operation": "GetVaultLock", "region": "us-east-1",
        "account": "123456789012", "mutating": false,
        "params": {"accountId": "-", "vaultName": "audit-logs"}})
    );
    assert_eq!(calls[1]["operation"], "LockRule");
    assert_eq!(calls[1]["mutating"], true);
    assert_eq!(calls[1]["params"]["Identifier"], "a1B2c3D4e5F");
    assert_eq!(
        calls[1]["params"]["LockConfiguration"]["UnlockDelay"]["UnlockDelayValue"],
        7
    );
    assert_eq!(calls[2]["service"], "snowball");
    assert_eq!(calls[2]["params"], json!({"JobId": JOB_WITH_CUSTOMER}));
    assert_eq!(calls[3]["operation"], "GetCallerIdentity");

    // Reset empties state, faults and calls.
    emu.set_faults(json!({"rules": [{"operation": "*", "kind": "error"}]}))
        .unwrap();
    assert_eq!(control(&emu, "POST", "reset", json!(null)).await.0, 200);
    let (_, state) = control(&emu, "GET", "state", json!(null)).await;
    assert_eq!(
        state,
        json!({"account_id": "123456789012", "glacier": [], "rbin": [], "snowball": [],
               "backup": [], "s3": [], "ec2": [], "organizations": null, "roles": []})
    );
    assert_eq!(emu.calls(), json!([]));
    c.sts.get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn requests_without_authorization_are_refused() {
    let emu = emulator().await;
    let glacier = ("x-amz-glacier-version", "2012-06-01");
    let (status, head, body) = http(&emu, "GET", "/-/vaults", &[glacier], b"").await;
    assert_eq!(status, 403);
    assert!(head.contains("x-amzn-requestid"));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["code"],
        "MissingAuthenticationTokenException"
    );
    let (status, head, _) = http(&emu, "GET", "/rules/a1B2c3D4e5F", &[], b"").await;
    assert_eq!(status, 403);
    assert!(head.contains("x-amzn-errortype: missingauthenticationtokenexception"));
    let (status, _, body) = http(
        &emu,
        "POST",
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("<Code>MissingAuthenticationToken</Code>"));
    let (status, _, _) = http(
        &emu,
        "POST",
        "/service/AWSIESnowballJobManagementService/operation/ListJobs",
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(emu.calls(), json!([]));
}

#[test]
fn spawn_serves_synchronous_callers_and_stops_when_dropped() {
    let emu = lockward_emulator::spawn(EmulatorConfig {
        seed: Some(json!({"glacier": [{"vault": "seeded"}]})),
        ..EmulatorConfig::default()
    })
    .unwrap();
    let addr = emu.addr();
    assert!(emu.url().starts_with("http://127.0.0.1:"));
    assert_eq!(emu.state()["glacier"][0]["vault"], "seeded");
    let t: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    emu.set_clock(t);
    assert!(emu.now().duration_since(t) < jiff::SignedDuration::from_secs(5));
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(emu);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// What the SDK actually puts on the wire, captured by a bare listener: the request line and
/// headers the emulator routes on.
async fn first_request_head(send: impl FnOnce(String) -> tokio::task::JoinHandle<()>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let call = send(url);
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let n = stream.read(&mut buf).await.unwrap();
    stream
        .write_all(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    drop(stream);
    call.abort();
    String::from_utf8_lossy(&buf[..n]).to_lowercase()
}

#[tokio::test]
async fn the_sdk_wire_formats_the_router_relies_on() {
    let creds = static_credentials;
    let head = first_request_head(|url| {
        tokio::spawn(async move {
            let s = client!(
                aws_sdk_snowball,
                &url,
                creds(),
                RetryConfig::disabled(),
                REGION
            );
            let _ = s
                .get_job_unlock_code()
                .job_id(JOB_WITH_CUSTOMER)
                .send()
                .await;
        })
    })
    .await;
    assert!(
        head.starts_with(
            "post /service/awsiesnowballjobmanagementservice/operation/getjobunlockcode "
        ),
        "{head}"
    );
    assert!(head.contains("content-type: application/cbor"), "{head}");
    assert!(head.contains("smithy-protocol: rpc-v2-cbor"), "{head}");
    assert!(
        head.contains("credential=akidexample/")
            && head.contains("/us-east-1/snowball/aws4_request"),
        "{head}"
    );

    let head = first_request_head(|url| {
        tokio::spawn(async move {
            let g = client!(
                aws_sdk_glacier,
                &url,
                creds(),
                RetryConfig::disabled(),
                REGION
            );
            let _ = g
                .get_vault_lock()
                .account_id("-")
                .vault_name("v")
                .send()
                .await;
        })
    })
    .await;
    assert!(head.starts_with("get /-/vaults/v/lock-policy "), "{head}");
    assert!(head.contains("x-amz-glacier-version: 2012-06-01"), "{head}");

    let head = first_request_head(|url| {
        tokio::spawn(async move {
            let r = client!(aws_sdk_rbin, &url, creds(), RetryConfig::disabled(), REGION);
            let _ = r
                .lock_rule()
                .identifier("a1B2c3D4e5F")
                .lock_configuration(lock_config(7))
                .send()
                .await;
        })
    })
    .await;
    assert!(head.starts_with("patch /rules/a1b2c3d4e5f/lock "), "{head}");

    let head = first_request_head(|url| {
        tokio::spawn(async move {
            let s = client!(aws_sdk_sts, &url, creds(), RetryConfig::disabled(), REGION);
            let _ = s.get_caller_identity().send().await;
        })
    })
    .await;
    assert!(head.starts_with("post / "), "{head}");
    assert!(
        head.contains("content-type: application/x-www-form-urlencoded"),
        "{head}"
    );
    assert!(
        head.contains("action=getcalleridentity&version=2011-06-15"),
        "{head}"
    );
}

//! The emulated account state (vaults, Recycle Bin rules, Snowball jobs, AWS Backup vaults, S3
//! buckets, STS sessions) and its JSON form, which is both the seed document and what
//! `GET /_emulator/state` returns.
//!
//! State is kept per account and region, except S3 buckets: their names are global, so they are
//! kept in one namespace and each bucket records its account and region. Time-driven transitions (a vault lock expiring 24 h after
//! initiation, a rule leaving `pending_unlock` when its delay ends) are applied by [`Store::settle`]
//! before anything reads the state, so every reader sees the state as of the virtual "now".

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How long an InProgress vault lock lives before it vanishes.
pub const VAULT_LOCK_TTL: SignedDuration = SignedDuration::from_hours(24);

/// The 13 values of the Snowball model's `JobState`.
pub const JOB_STATES: [&str; 13] = [
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

/// A Glacier vault.
#[derive(Debug, Clone)]
pub struct Vault {
    pub name: String,
    pub created: Timestamp,
    pub lock: Option<VaultLock>,
}

/// The state of a vault lock as GetVaultLock reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VaultLockState {
    InProgress,
    Locked,
}

impl VaultLockState {
    pub fn as_str(self) -> &'static str {
        match self {
            VaultLockState::InProgress => "InProgress",
            VaultLockState::Locked => "Locked",
        }
    }
}

/// A vault lock policy, in progress or complete.
#[derive(Debug, Clone)]
pub struct VaultLock {
    pub state: VaultLockState,
    pub policy: String,
    pub lock_id: String,
    pub created: Timestamp,
}

impl VaultLock {
    /// When an InProgress lock vanishes.
    pub fn expires(&self) -> Timestamp {
        crate::clock::shift(self.created, VAULT_LOCK_TTL)
    }
}

/// The `LockState` of a Recycle Bin rule (absent when the rule was never locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleLockState {
    Locked,
    PendingUnlock,
    Unlocked,
}

impl RuleLockState {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleLockState::Locked => "locked",
            RuleLockState::PendingUnlock => "pending_unlock",
            RuleLockState::Unlocked => "unlocked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "locked" => Some(RuleLockState::Locked),
            "pending_unlock" => Some(RuleLockState::PendingUnlock),
            "unlocked" => Some(RuleLockState::Unlocked),
            _ => None,
        }
    }
}

/// A resource tag as the seed document writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// A Recycle Bin retention rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub identifier: String,
    pub description: String,
    pub resource_type: String,
    pub retention_days: u32,
    pub tags: Vec<Tag>,
    pub resource_tags: Vec<Tag>,
    pub exclude_resource_tags: Vec<Tag>,
    pub lock_state: Option<RuleLockState>,
    /// The unlock delay of the rule's first lock; it never changes afterwards.
    pub unlock_delay_days: Option<u32>,
    pub lock_end_time: Option<Timestamp>,
}

/// A Snowball job.
#[derive(Debug, Clone)]
pub struct Job {
    pub job_id: String,
    pub state: String,
    pub created: Timestamp,
    pub unlock_code: String,
    pub job_type: String,
    pub snowball_type: String,
    pub description: Option<String>,
}

/// The `VaultType`s of the AWS Backup model.
pub const BACKUP_VAULT_TYPES: [&str; 3] = [
    "BACKUP_VAULT",
    "LOGICALLY_AIR_GAPPED_BACKUP_VAULT",
    "RESTORE_ACCESS_BACKUP_VAULT",
];

/// The type of a logically air-gapped vault, which is compliance-locked from its creation.
pub const AIR_GAPPED: &str = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";

/// The bounds AWS Backup puts on lock values (days).
pub const MAX_RETENTION_DAYS: i64 = 36_500;
pub const MIN_CHANGEABLE_FOR_DAYS: i64 = 3;

/// An AWS Backup vault.
#[derive(Debug, Clone)]
pub struct BackupVault {
    pub name: String,
    pub vault_type: String,
    pub created: Timestamp,
    /// Recovery points are not modelled one by one; only their number matters (DeleteBackupVault).
    pub recovery_points: u64,
    pub lock: Option<BackupLock>,
    pub creator_request_id: Option<String>,
    pub encryption_key_arn: Option<String>,
}

impl BackupVault {
    /// Whether the vault's lock can no longer be changed or deleted: a compliance lock on or
    /// after its lock date, and any lock of a logically air-gapped vault.
    pub fn lock_is_immutable(&self, now: Timestamp) -> bool {
        self.lock.as_ref().is_some_and(|lock| {
            self.vault_type == AIR_GAPPED || lock.lock_date.is_some_and(|d| d <= now)
        })
    }
}

/// A Backup Vault Lock. Without a lock date it is a governance lock; with one it is a
/// compliance lock, changeable until that date and immutable from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupLock {
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    pub lock_date: Option<Timestamp>,
}

/// Checks retention bounds as AWS Backup does; the message names the offending value.
pub fn check_retention(min: Option<i64>, max: Option<i64>) -> Result<(), String> {
    if let Some(min) = min {
        if !(1..=MAX_RETENTION_DAYS).contains(&min) {
            return Err(format!(
                "MinRetentionDays {min} is not within 1..={MAX_RETENTION_DAYS}"
            ));
        }
    }
    if let Some(max) = max {
        if !(1..=MAX_RETENTION_DAYS).contains(&max) {
            return Err(format!(
                "MaxRetentionDays {max} is not within 1..={MAX_RETENTION_DAYS}"
            ));
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Err(format!(
                "MinRetentionDays {min} is greater than MaxRetentionDays {max}"
            ));
        }
    }
    Ok(())
}

/// 2 to 50 of `[A-Za-z0-9_-]`, as AWS Backup requires.
pub fn valid_backup_vault_name(name: &str) -> bool {
    (2..=50).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// The versioning state of an S3 bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    Unversioned,
    Enabled,
    Suspended,
}

/// An Object Lock retention period: exactly one of days or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Years(u32),
}

/// An S3 Object Lock mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetentionMode {
    #[serde(rename = "GOVERNANCE")]
    Governance,
    #[serde(rename = "COMPLIANCE")]
    Compliance,
}

impl RetentionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionMode::Governance => "GOVERNANCE",
            RetentionMode::Compliance => "COMPLIANCE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GOVERNANCE" => Some(RetentionMode::Governance),
            "COMPLIANCE" => Some(RetentionMode::Compliance),
            _ => None,
        }
    }
}

/// A bucket's default retention, applied to object versions written while it is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRetention {
    pub mode: RetentionMode,
    pub period: Period,
    /// `DefaultEventHold` (in the S3 model since 2026): kept and reported, not enforced.
    pub event_hold: Option<Period>,
}

/// An object as S3 keeps it (only the current version; see the README).
#[derive(Debug, Clone)]
pub struct S3Object {
    pub body: bytes::Bytes,
    /// The quoted MD5 hex of the body, as S3 reports it for a single-part upload.
    pub etag: String,
    pub last_modified: Timestamp,
    pub content_type: Option<String>,
    /// Set when the object was written while versioning was enabled.
    pub version_id: Option<String>,
}

impl S3Object {
    pub fn new(body: bytes::Bytes, now: Timestamp, content_type: Option<String>) -> Self {
        use md5::Digest;
        let digest = md5::Md5::digest(&body);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        S3Object {
            body,
            etag: format!("\"{hex}\""),
            last_modified: now,
            content_type,
            version_id: None,
        }
    }
}

/// An S3 bucket. `object_lock` is `Some` once Object Lock is enabled, which can never be undone.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub name: String,
    pub account: String,
    pub region: String,
    pub created: Timestamp,
    pub versioning: Versioning,
    pub object_lock: Option<Option<DefaultRetention>>,
    pub objects: BTreeMap<String, S3Object>,
}

/// S3's bucket naming rules (general purpose buckets): 3-63 of `[a-z0-9.-]`, starting and ending
/// with a letter or digit, no `..`, not shaped like an IP address.
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

/// Everything in one account and region.
#[derive(Debug, Default, Clone)]
pub struct RegionState {
    pub vaults: BTreeMap<String, Vault>,
    pub rules: BTreeMap<String, Rule>,
    pub jobs: BTreeMap<String, Job>,
    pub backup_vaults: BTreeMap<String, BackupVault>,
}

/// Temporary credentials issued by AssumeRole.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_key_id: String,
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub session_name: String,
    pub expires: Timestamp,
}

/// The whole emulated world.
#[derive(Debug, Clone)]
pub struct Store {
    /// The caller's account when no emulator-issued session says otherwise.
    pub account_id: String,
    /// Keyed by (account id, region).
    pub regions: BTreeMap<(String, String), RegionState>,
    /// Keyed by session token.
    pub sessions: HashMap<String, Session>,
    /// S3 buckets, keyed by name: one namespace across accounts and regions.
    pub buckets: BTreeMap<String, Bucket>,
}

impl Store {
    pub fn new(account_id: String) -> Self {
        Store {
            account_id,
            regions: BTreeMap::new(),
            sessions: HashMap::new(),
            buckets: BTreeMap::new(),
        }
    }

    /// Empties the state (the configured account stays).
    pub fn clear(&mut self) {
        self.regions.clear();
        self.sessions.clear();
        self.buckets.clear();
    }

    pub fn region_mut(&mut self, account: &str, region: &str) -> &mut RegionState {
        self.regions
            .entry((account.to_string(), region.to_string()))
            .or_default()
    }

    /// Applies every transition that the passage of time has caused up to `now`.
    pub fn settle(&mut self, now: Timestamp) {
        for region in self.regions.values_mut() {
            for vault in region.vaults.values_mut() {
                let expired = vault.lock.as_ref().is_some_and(|lock| {
                    lock.state == VaultLockState::InProgress && lock.expires() <= now
                });
                if expired {
                    vault.lock = None;
                }
            }
            for rule in region.rules.values_mut() {
                if rule.lock_state == Some(RuleLockState::PendingUnlock)
                    && rule.lock_end_time.is_none_or(|end| end <= now)
                {
                    rule.lock_state = Some(RuleLockState::Unlocked);
                    rule.lock_end_time = None;
                }
            }
        }
    }

    /// Adds (or replaces, by key) everything in a seed document.
    pub fn seed(&mut self, doc: serde_json::Value, now: Timestamp) -> Result<(), String> {
        let doc: SeedDoc =
            serde_json::from_value(doc).map_err(|e| format!("invalid seed document: {e}"))?;
        let default_account = doc.account_id.unwrap_or_else(|| self.account_id.clone());
        let mut rng = rand::rng();
        // Validate everything before changing anything, so a bad document changes nothing.
        let mut staged = self.clone();
        for v in doc.glacier {
            let account = v.account_id.unwrap_or_else(|| default_account.clone());
            if !valid_vault_name(&v.vault) {
                return Err(format!("invalid vault name {:?}", v.vault));
            }
            let lock = v.lock.map(|l| VaultLock {
                state: l.state,
                policy: l.policy,
                lock_id: l.lock_id.unwrap_or_else(|| new_lock_id(&mut rng)),
                created: l.created.unwrap_or(now),
            });
            staged.region_mut(&account, &v.region).vaults.insert(
                v.vault.clone(),
                Vault {
                    name: v.vault,
                    created: v.created.unwrap_or(now),
                    lock,
                },
            );
        }
        for r in doc.rbin {
            let account = r.account_id.unwrap_or_else(|| default_account.clone());
            if r.identifier.len() != 11 || !r.identifier.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(format!(
                    "invalid rule identifier {:?}: expected 11 letters or digits",
                    r.identifier
                ));
            }
            if !RESOURCE_TYPES.contains(&r.resource_type.as_str()) {
                return Err(format!("invalid resource_type {:?}", r.resource_type));
            }
            if let Some(d) = r.unlock_delay_days {
                if !(7..=30).contains(&d) {
                    return Err(format!("unlock_delay_days {d} is not within 7..=30"));
                }
            }
            if r.lock_state.is_some() && r.unlock_delay_days.is_none() {
                return Err(format!(
                    "rule {}: a lock_state needs unlock_delay_days",
                    r.identifier
                ));
            }
            let lock_end_time = match r.lock_state {
                Some(RuleLockState::PendingUnlock) => Some(r.lock_end_time.unwrap_or_else(|| {
                    crate::clock::plus_days(now, i64::from(r.unlock_delay_days.unwrap_or(7)))
                })),
                _ => None,
            };
            staged.region_mut(&account, &r.region).rules.insert(
                r.identifier.clone(),
                Rule {
                    identifier: r.identifier,
                    description: r.description,
                    resource_type: r.resource_type,
                    retention_days: r.retention_days,
                    tags: Vec::new(),
                    resource_tags: r.resource_tags,
                    exclude_resource_tags: r.exclude_resource_tags,
                    lock_state: r.lock_state,
                    unlock_delay_days: r.unlock_delay_days,
                    lock_end_time,
                },
            );
        }
        for j in doc.snowball {
            let account = j.account_id.unwrap_or_else(|| default_account.clone());
            if !valid_job_id(&j.job_id) {
                return Err(format!("invalid job_id {:?}", j.job_id));
            }
            if !JOB_STATES.contains(&j.state.as_str()) {
                return Err(format!(
                    "invalid job state {:?}: expected one of {}",
                    j.state,
                    JOB_STATES.join(", ")
                ));
            }
            staged.region_mut(&account, &j.region).jobs.insert(
                j.job_id.clone(),
                Job {
                    job_id: j.job_id,
                    state: j.state,
                    created: j.created.unwrap_or(now),
                    unlock_code: j.unlock_code.unwrap_or_else(|| new_unlock_code(&mut rng)),
                    job_type: j.job_type,
                    snowball_type: j.snowball_type,
                    description: j.description,
                },
            );
        }
        for v in doc.backup {
            let account = v.account_id.unwrap_or_else(|| default_account.clone());
            if !valid_backup_vault_name(&v.vault) {
                return Err(format!("invalid Backup vault name {:?}", v.vault));
            }
            if !BACKUP_VAULT_TYPES.contains(&v.vault_type.as_str()) {
                return Err(format!(
                    "invalid vault_type {:?}: expected one of {}",
                    v.vault_type,
                    BACKUP_VAULT_TYPES.join(", ")
                ));
            }
            if let Some(l) = &v.lock {
                check_retention(l.min_retention_days, l.max_retention_days)
                    .map_err(|e| format!("Backup vault {}: {e}", v.vault))?;
            }
            let air_gapped_without_retention = v.vault_type == AIR_GAPPED
                && v.lock.as_ref().is_none_or(|l| {
                    l.min_retention_days.is_none() || l.max_retention_days.is_none()
                });
            if air_gapped_without_retention {
                return Err(format!(
                    "Backup vault {}: a logically air-gapped vault is born locked and needs a lock \
                     with min_retention_days and max_retention_days",
                    v.vault
                ));
            }
            staged.region_mut(&account, &v.region).backup_vaults.insert(
                v.vault.clone(),
                BackupVault {
                    name: v.vault,
                    vault_type: v.vault_type,
                    created: v.created.unwrap_or(now),
                    recovery_points: v.recovery_points,
                    lock: v.lock.map(|l| BackupLock {
                        min_retention_days: l.min_retention_days,
                        max_retention_days: l.max_retention_days,
                        lock_date: l.lock_date,
                    }),
                    creator_request_id: None,
                    encryption_key_arn: None,
                },
            );
        }
        for b in doc.s3 {
            let account = b
                .account_id
                .clone()
                .unwrap_or_else(|| default_account.clone());
            staged.seed_bucket(b, account, now)?;
        }
        *self = staged;
        Ok(())
    }

    fn seed_bucket(
        &mut self,
        b: SeedBucket,
        account: String,
        now: Timestamp,
    ) -> Result<(), String> {
        if !valid_bucket_name(&b.bucket) {
            return Err(format!("invalid bucket name {:?}", b.bucket));
        }
        let lock_enabled = b.object_lock.as_ref().is_some_and(|l| l.enabled);
        let versioning = b.versioning.unwrap_or(if lock_enabled {
            Versioning::Enabled
        } else {
            Versioning::Unversioned
        });
        if lock_enabled && versioning != Versioning::Enabled {
            return Err(format!(
                "bucket {}: Object Lock needs versioning Enabled, not {versioning:?}",
                b.bucket
            ));
        }
        let object_lock = match b.object_lock {
            Some(l) if l.enabled => Some(match l.default_retention {
                None => None,
                Some(r) => Some(DefaultRetention {
                    mode: r.mode,
                    period: seed_period(r.days, r.years)
                        .map_err(|e| format!("bucket {}: default_retention: {e}", b.bucket))?,
                    event_hold: r
                        .default_event_hold
                        .map(|h| seed_period(h.days, h.years))
                        .transpose()
                        .map_err(|e| format!("bucket {}: default_event_hold: {e}", b.bucket))?,
                }),
            }),
            Some(l) if l.default_retention.is_some() => {
                return Err(format!(
                    "bucket {}: a default_retention needs Object Lock enabled",
                    b.bucket
                ))
            }
            _ => None,
        };
        let mut objects = BTreeMap::new();
        let mut rng = rand::rng();
        for o in b.objects {
            let body = match (o.body, o.body_base64) {
                (Some(text), None) => bytes::Bytes::from(text.into_bytes()),
                (None, Some(b64)) => {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD
                        .decode(b64.as_bytes())
                        .map(bytes::Bytes::from)
                        .map_err(|e| format!("object {:?}: body_base64: {e}", o.key))?
                }
                (None, None) => bytes::Bytes::new(),
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "object {:?}: give `body` or `body_base64`, not both",
                        o.key
                    ))
                }
            };
            if o.key.is_empty() || o.key.len() > 1024 {
                return Err(format!("invalid object key {:?}", o.key));
            }
            let mut object = S3Object::new(body, o.last_modified.unwrap_or(now), o.content_type);
            if versioning == Versioning::Enabled {
                object.version_id = Some(new_version_id(&mut rng));
            }
            objects.insert(o.key, object);
        }
        if let Some(existing) = self.buckets.get(&b.bucket) {
            if existing.account != account {
                return Err(format!(
                    "bucket {} already exists in account {}; bucket names are global",
                    b.bucket, existing.account
                ));
            }
        }
        self.buckets.insert(
            b.bucket.clone(),
            Bucket {
                name: b.bucket,
                account,
                region: b.region,
                created: b.created.unwrap_or(now),
                versioning,
                object_lock,
                objects,
            },
        );
        Ok(())
    }

    /// The whole state in the seed document's shape.
    pub fn to_json(&self) -> serde_json::Value {
        let mut doc = SeedDoc {
            account_id: Some(self.account_id.clone()),
            ..SeedDoc::default()
        };
        let other_account =
            |account: &String| (account != &self.account_id).then(|| account.clone());
        for ((account, region), rs) in &self.regions {
            for v in rs.vaults.values() {
                doc.glacier.push(SeedVault {
                    account_id: other_account(account),
                    region: region.clone(),
                    vault: v.name.clone(),
                    created: Some(v.created),
                    lock: v.lock.as_ref().map(|l| SeedVaultLock {
                        state: l.state,
                        policy: l.policy.clone(),
                        lock_id: Some(l.lock_id.clone()),
                        created: Some(l.created),
                    }),
                });
            }
            for r in rs.rules.values() {
                doc.rbin.push(SeedRule {
                    account_id: other_account(account),
                    region: region.clone(),
                    identifier: r.identifier.clone(),
                    description: r.description.clone(),
                    resource_type: r.resource_type.clone(),
                    retention_days: r.retention_days,
                    resource_tags: r.resource_tags.clone(),
                    exclude_resource_tags: r.exclude_resource_tags.clone(),
                    lock_state: r.lock_state,
                    unlock_delay_days: r.unlock_delay_days,
                    lock_end_time: r.lock_end_time,
                });
            }
            for j in rs.jobs.values() {
                doc.snowball.push(SeedJob {
                    account_id: other_account(account),
                    region: region.clone(),
                    job_id: j.job_id.clone(),
                    state: j.state.clone(),
                    created: Some(j.created),
                    unlock_code: Some(j.unlock_code.clone()),
                    job_type: j.job_type.clone(),
                    snowball_type: j.snowball_type.clone(),
                    description: j.description.clone(),
                });
            }
            for v in rs.backup_vaults.values() {
                doc.backup.push(SeedBackupVault {
                    account_id: other_account(account),
                    region: region.clone(),
                    vault: v.name.clone(),
                    vault_type: v.vault_type.clone(),
                    recovery_points: v.recovery_points,
                    created: Some(v.created),
                    lock: v.lock.as_ref().map(|l| SeedBackupLock {
                        min_retention_days: l.min_retention_days,
                        max_retention_days: l.max_retention_days,
                        lock_date: l.lock_date,
                    }),
                });
            }
        }
        for b in self.buckets.values() {
            doc.s3.push(SeedBucket {
                account_id: other_account(&b.account),
                region: b.region.clone(),
                bucket: b.name.clone(),
                created: Some(b.created),
                versioning: Some(b.versioning),
                object_lock: b.object_lock.map(|default| SeedObjectLock {
                    enabled: true,
                    default_retention: default.map(|r| {
                        let (days, years) = period_fields(r.period);
                        SeedDefaultRetention {
                            mode: r.mode,
                            days,
                            years,
                            default_event_hold: r.event_hold.map(|h| {
                                let (days, years) = period_fields(h);
                                SeedPeriod { days, years }
                            }),
                        }
                    }),
                }),
                objects: b
                    .objects
                    .iter()
                    .map(|(key, o)| {
                        let (body, body_base64) = match std::str::from_utf8(&o.body) {
                            Ok(text) => (Some(text.to_string()), None),
                            Err(_) => {
                                use base64::Engine;
                                let b64 = base64::engine::general_purpose::STANDARD.encode(&o.body);
                                (None, Some(b64))
                            }
                        };
                        SeedObject {
                            key: key.clone(),
                            body,
                            body_base64,
                            content_type: o.content_type.clone(),
                            last_modified: Some(o.last_modified),
                        }
                    })
                    .collect(),
            });
        }
        serde_json::to_value(doc).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
    }
}

pub const RESOURCE_TYPES: [&str; 3] = ["EBS_SNAPSHOT", "EC2_IMAGE", "EBS_VOLUME"];

/// 1 to 255 of `[A-Za-z0-9_.-]`, as Glacier requires.
pub fn valid_vault_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `(M|J)ID` followed by a lowercase UUID, 39 characters.
pub fn valid_job_id(id: &str) -> bool {
    let Some(uuid) = id.strip_prefix("JID").or_else(|| id.strip_prefix("MID")) else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

fn random_from(rng: &mut impl Rng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// A Glacier lock id: 24 letters and digits.
pub fn new_lock_id(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 24)
}

/// A Recycle Bin rule identifier: 11 letters and digits.
pub fn new_rule_id(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 11)
}

/// A Snowball job id: `JID` and a lowercase UUID.
pub fn new_job_id(rng: &mut impl Rng) -> String {
    let g = [8, 4, 4, 4, 12].map(|n| random_from(rng, HEX, n));
    format!("JID{}", g.join("-"))
}

/// A Snowball unlock code: 29 characters, five groups of five letters or digits joined by hyphens.
pub fn new_unlock_code(rng: &mut impl Rng) -> String {
    let g = [5; 5].map(|n| random_from(rng, LOWER_ALNUM, n));
    g.join("-")
}

/// An access key id for temporary credentials (`ASIA...`, 20 characters).
pub fn new_temp_access_key(rng: &mut impl Rng) -> String {
    format!("ASIA{}", random_from(rng, UPPER_ALNUM, 16))
}

/// A role id (`AROA...`, 21 characters).
pub fn new_role_id(rng: &mut impl Rng) -> String {
    format!("AROA{}", random_from(rng, UPPER_ALNUM, 17))
}

/// A secret access key (40 characters).
pub fn new_secret(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 40)
}

/// A session token.
pub fn new_session_token(rng: &mut impl Rng) -> String {
    format!("FwoGZXIvYXdzE{}", random_from(rng, ALNUM, 180))
}

/// An S3 version id: 32 URL-safe characters.
pub fn new_version_id(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 32)
}

/// A request id, UUID-shaped.
pub fn new_request_id(rng: &mut impl Rng) -> String {
    let g = [8, 4, 4, 4, 12].map(|n| random_from(rng, HEX, n));
    g.join("-")
}

// ---- the seed / state document -------------------------------------------------------------

fn default_region() -> String {
    "us-east-1".to_string()
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default)]
    glacier: Vec<SeedVault>,
    #[serde(default)]
    rbin: Vec<SeedRule>,
    #[serde(default)]
    snowball: Vec<SeedJob>,
    #[serde(default)]
    backup: Vec<SeedBackupVault>,
    #[serde(default)]
    s3: Vec<SeedBucket>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedVault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    vault: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<SeedVaultLock>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedVaultLock {
    state: VaultLockState,
    policy: String,
    #[serde(default)]
    lock_id: Option<String>,
    #[serde(default)]
    created: Option<Timestamp>,
}

fn default_resource_type() -> String {
    "EBS_SNAPSHOT".to_string()
}

fn default_retention_days() -> u32 {
    7
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    identifier: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_resource_type")]
    resource_type: String,
    #[serde(default = "default_retention_days")]
    retention_days: u32,
    #[serde(default)]
    resource_tags: Vec<Tag>,
    #[serde(default)]
    exclude_resource_tags: Vec<Tag>,
    #[serde(default)]
    lock_state: Option<RuleLockState>,
    #[serde(default)]
    unlock_delay_days: Option<u32>,
    #[serde(default)]
    lock_end_time: Option<Timestamp>,
}

fn default_job_state() -> String {
    "New".to_string()
}

fn default_job_type() -> String {
    "IMPORT".to_string()
}

fn default_snowball_type() -> String {
    "EDGE".to_string()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedJob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    job_id: String,
    #[serde(default = "default_job_state")]
    state: String,
    #[serde(default)]
    created: Option<Timestamp>,
    #[serde(default)]
    unlock_code: Option<String>,
    #[serde(default = "default_job_type")]
    job_type: String,
    #[serde(default = "default_snowball_type")]
    snowball_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn default_backup_vault_type() -> String {
    "BACKUP_VAULT".to_string()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBackupVault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    vault: String,
    #[serde(default = "default_backup_vault_type")]
    vault_type: String,
    #[serde(default)]
    recovery_points: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<SeedBackupLock>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBackupLock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_retention_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_retention_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock_date: Option<Timestamp>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBucket {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    /// Defaults to `Enabled` when Object Lock is enabled, else `Unversioned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    versioning: Option<Versioning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_lock: Option<SeedObjectLock>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    objects: Vec<SeedObject>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedObjectLock {
    enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_retention: Option<SeedDefaultRetention>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedDefaultRetention {
    mode: RetentionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    years: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_event_hold: Option<SeedPeriod>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedPeriod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    years: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedObject {
    key: String,
    /// The body as text; `body_base64` carries a body that is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<Timestamp>,
}

/// Exactly one of days or years, positive.
fn seed_period(days: Option<u32>, years: Option<u32>) -> Result<Period, String> {
    match (days, years) {
        (Some(d), None) if d > 0 => Ok(Period::Days(d)),
        (None, Some(y)) if y > 0 => Ok(Period::Years(y)),
        (Some(_), Some(_)) => Err("give `days` or `years`, not both".to_string()),
        (None, None) => Err("give `days` or `years`".to_string()),
        _ => Err("the period must be positive".to_string()),
    }
}

fn period_fields(p: Period) -> (Option<u32>, Option<u32>) {
    match p {
        Period::Days(d) => (Some(d), None),
        Period::Years(y) => (None, Some(y)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-11-23T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn seed_of_design_example_round_trips_through_state() {
        let doc = json!({"account_id": "123456789012",
            "glacier": [{"region": "us-east-1", "vault": "audit-logs",
                "lock": {"state": "InProgress", "policy": "{}", "lock_id": "AE863rKkWZU53SLW5be4DUcW",
                         "created": "2026-11-22T10:00:00Z"}}],
            "rbin": [{"region": "us-east-1", "identifier": "a1B2c3D4e5F", "resource_type": "EBS_SNAPSHOT",
                "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [],
                "lock_state": "pending_unlock", "unlock_delay_days": 7,
                "lock_end_time": "2026-11-25T00:00:00Z"}],
            "snowball": [{"region": "us-east-1", "job_id": "JID123e4567-e89b-12d3-a456-426655440000",
                "state": "WithCustomer", "created": "2026-10-01T00:00:00Z",
                "unlock_code": "12345-abcde-56789-fghij-01234"}]});
        let mut store = Store::new("123456789012".into());
        store.seed(doc, now()).unwrap();
        let state = store.to_json();
        let mut again = Store::new("123456789012".into());
        again.seed(state.clone(), now()).unwrap();
        assert_eq!(again.to_json(), state);
        assert_eq!(state["rbin"][0]["lock_state"], "pending_unlock");
        assert_eq!(
            state["glacier"][0]["lock"]["lock_id"],
            "AE863rKkWZU53SLW5be4DUcW"
        );
    }

    #[test]
    fn backup_and_s3_seed_of_design_example_round_trips_through_state() {
        let doc = json!({"account_id": "123456789012",
            "backup": [{"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
                "recovery_points": 0,
                "lock": {"min_retention_days": 35, "max_retention_days": 365,
                         "lock_date": "2026-12-04T00:00:00Z"}}],
            "s3": [{"region": "us-east-1", "bucket": "acme-records-2026", "versioning": "Enabled",
                    "object_lock": {"enabled": true, "default_retention": {"mode": "COMPLIANCE", "days": 2555}}},
                   {"region": "us-east-1", "bucket": "acme-lockward-state", "versioning": "Enabled",
                    "objects": [{"key": "prod/lockward.state.json", "body": "{}"}]}]});
        let mut store = Store::new("123456789012".into());
        store.seed(doc, now()).unwrap();
        let state = store.to_json();
        let mut again = Store::new("123456789012".into());
        again.seed(state.clone(), now()).unwrap();
        assert_eq!(again.to_json(), state);
        assert_eq!(
            state["backup"][0]["lock"]["lock_date"],
            "2026-12-04T00:00:00Z"
        );
        assert_eq!(state["backup"][0]["vault_type"], "BACKUP_VAULT");
        // Buckets are listed by name.
        assert_eq!(
            state["s3"][1]["object_lock"],
            json!({"enabled": true, "default_retention": {"mode": "COMPLIANCE", "days": 2555}})
        );
        assert_eq!(state["s3"][0]["objects"][0]["body"], "{}");
        let bucket = &store.buckets["acme-lockward-state"];
        assert_eq!(
            bucket.objects["prod/lockward.state.json"].etag,
            "\"99914b932bd37a50b983c5e7c90ae93b\""
        );
    }

    #[test]
    fn bad_backup_and_s3_seeds_are_refused() {
        let mut store = Store::new("123456789012".into());
        for (doc, needle) in [
            (json!({"backup": [{"vault": "x"}]}), "name"),
            (
                json!({"backup": [{"vault": "vv", "vault_type": "OTHER"}]}),
                "vault_type",
            ),
            (
                json!({"backup": [{"vault": "vv", "lock": {"max_retention_days": 36501}}]}),
                "36501",
            ),
            (
                json!({"backup": [{"vault": "vv", "lock": {"min_retention_days": 9, "max_retention_days": 8}}]}),
                "greater",
            ),
            (
                json!({"backup": [{"vault": "vv", "vault_type": "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"}]}),
                "air-gapped",
            ),
            (json!({"s3": [{"bucket": "Upper"}]}), "bucket name"),
            (
                json!({"s3": [{"bucket": "b-1", "versioning": "Suspended", "object_lock": {"enabled": true}}]}),
                "versioning",
            ),
            (
                json!({"s3": [{"bucket": "b-1", "object_lock": {"enabled": true, "default_retention": {"mode": "COMPLIANCE", "days": 1, "years": 1}}}]}),
                "not both",
            ),
        ] {
            let err = store.seed(doc, now()).unwrap_err();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
        assert!(store.buckets.is_empty() && store.regions.is_empty());
        store
            .seed(
                json!({"account_id": "111111111111", "s3": [{"bucket": "taken"}]}),
                now(),
            )
            .unwrap();
        let err = store
            .seed(json!({"s3": [{"bucket": "taken"}]}), now())
            .unwrap_err();
        assert!(err.contains("global"), "{err}");
    }

    #[test]
    fn bad_seed_changes_nothing() {
        let mut store = Store::new("123456789012".into());
        let err = store
            .seed(
                json!({"glacier": [{"vault": "ok"}], "snowball": [{"job_id": "nope"}]}),
                now(),
            )
            .unwrap_err();
        assert!(err.contains("job_id"), "{err}");
        assert!(store.regions.is_empty());
    }

    #[test]
    fn settle_expires_in_progress_lock_after_24h_and_ends_unlock_delay() {
        let mut store = Store::new("123456789012".into());
        store
            .seed(
                json!({"glacier": [{"vault": "v", "lock": {"state": "InProgress", "policy": "{}",
                         "created": "2026-11-22T00:00:01Z"}}],
                       "rbin": [{"identifier": "a1B2c3D4e5F", "lock_state": "pending_unlock",
                         "unlock_delay_days": 7, "lock_end_time": "2026-11-23T00:00:00Z"}]}),
                now(),
            )
            .unwrap();
        store.settle(now());
        let rs = store.region_mut("123456789012", "us-east-1");
        assert!(rs.vaults["v"].lock.is_some());
        assert_eq!(
            rs.rules["a1B2c3D4e5F"].lock_state,
            Some(RuleLockState::Unlocked)
        );
        store.settle("2026-11-23T00:00:01Z".parse().unwrap());
        assert!(store.region_mut("123456789012", "us-east-1").vaults["v"]
            .lock
            .is_none());
    }

    #[test]
    fn generated_ids_have_the_documented_shapes() {
        let mut rng = rand::rng();
        let code = new_unlock_code(&mut rng);
        assert_eq!(code.len(), 29);
        assert_eq!(code.split('-').count(), 5);
        assert!(valid_job_id(&new_job_id(&mut rng)));
        assert_eq!(new_rule_id(&mut rng).len(), 11);
        assert_eq!(new_lock_id(&mut rng).len(), 24);
    }
}

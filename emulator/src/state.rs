//! The emulated account state (vaults, Recycle Bin rules, Snowball jobs, STS sessions) and its
//! JSON form, which is both the seed document and what `GET /_emulator/state` returns.
//!
//! State is kept per account and region. Time-driven transitions (a vault lock expiring 24 h after
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

/// Everything in one account and region.
#[derive(Debug, Default, Clone)]
pub struct RegionState {
    pub vaults: BTreeMap<String, Vault>,
    pub rules: BTreeMap<String, Rule>,
    pub jobs: BTreeMap<String, Job>,
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
}

impl Store {
    pub fn new(account_id: String) -> Self {
        Store {
            account_id,
            regions: BTreeMap::new(),
            sessions: HashMap::new(),
        }
    }

    /// Empties the state (the configured account stays).
    pub fn clear(&mut self) {
        self.regions.clear();
        self.sessions.clear();
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
        *self = staged;
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

//! The state file: what lockward remembers between runs that AWS will not tell it again
//! (above all the Glacier lock id, which only InitiateVaultLock returns).
//!
//! Never holds a secret or a credential: the Snowball unlock code appears only as its
//! SHA-256 fingerprint.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kinds::Address;
use crate::plan::Target;

/// The state file format this build reads and writes.
pub const STATE_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    pub format_version: u32,
    /// A UUID made on the first write and kept for the life of the state.
    pub lineage: String,
    /// Bumped on every write.
    pub serial: u64,
    /// Keyed by address text, sorted.
    pub resources: BTreeMap<String, Record>,
}

impl StateFile {
    /// A state that has never been written: no lineage yet, serial 0.
    pub fn empty() -> StateFile {
        StateFile {
            format_version: STATE_FORMAT_VERSION,
            lineage: String::new(),
            serial: 0,
            resources: BTreeMap::new(),
        }
    }

    pub fn get(&self, address: &Address) -> Option<&Record> {
        self.resources.get(&address.to_string())
    }

    pub fn glacier(&self, address: &Address) -> Option<&GlacierRecord> {
        match self.get(address) {
            Some(Record::GlacierVaultLock(r)) => Some(r),
            _ => None,
        }
    }

    pub fn rbin(&self, address: &Address) -> Option<&RbinRecord> {
        match self.get(address) {
            Some(Record::RbinRuleLock(r)) => Some(r),
            _ => None,
        }
    }

    pub fn snowball(&self, address: &Address) -> Option<&SnowballRecord> {
        match self.get(address) {
            Some(Record::SnowballUnlockCode(r)) => Some(r),
            _ => None,
        }
    }

    pub fn set(&mut self, address: &Address, record: Record) {
        self.resources.insert(address.to_string(), record);
    }
}

impl Record {
    /// Where the record was made, when the state file says.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Record::GlacierVaultLock(r) => r.target.as_ref(),
            Record::RbinRuleLock(r) => r.target.as_ref(),
            Record::SnowballUnlockCode(r) => r.target.as_ref(),
        }
    }

    /// The physical key of the resource, when the state file says.
    pub fn physical_key(&self) -> Option<&str> {
        match self {
            Record::GlacierVaultLock(r) => r.physical_key.as_deref(),
            Record::RbinRuleLock(r) => r.physical_key.as_deref(),
            Record::SnowballUnlockCode(r) => r.physical_key.as_deref(),
        }
    }

    /// Stamps the record with where it was made.
    pub fn locate(&mut self, target: &Target, physical_key: &str) {
        let (t, k) = match self {
            Record::GlacierVaultLock(r) => (&mut r.target, &mut r.physical_key),
            Record::RbinRuleLock(r) => (&mut r.target, &mut r.physical_key),
            Record::SnowballUnlockCode(r) => (&mut r.target, &mut r.physical_key),
        };
        *t = Some(target.clone());
        *k = Some(physical_key.to_string());
    }
}

/// What lockward remembers about one resource. Tagged by kind so the file reads on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    GlacierVaultLock(GlacierRecord),
    RbinRuleLock(RbinRecord),
    SnowballUnlockCode(SnowballRecord),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlacierRecord {
    pub vault: String,
    /// The id InitiateVaultLock returned; needed to complete the lock.
    pub lock_id: String,
    /// The lock's CreationDate as AWS reported it right after initiation (never the local
    /// clock): with `policy_digest`, how lockward recognises its own lock.
    pub initiated_at: Option<Timestamp>,
    /// `sha256:…` of the canonical policy that was initiated.
    pub policy_digest: String,
    pub completed_at: Option<Timestamp>,
    /// Where the record was made (DESIGN.md section 1): a record never vouches for a resource
    /// in another account, region or endpoint. `None` in state files older than targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The physical key of the resource the record is about, so a record found under another
    /// address is recognised as moved. `None` in state files older than physical keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RbinRecord {
    pub rule_id: String,
    /// The unlock delay lockward locked the rule with.
    pub unlock_delay_days: Option<u16>,
    pub locked_at: Option<Timestamp>,
    pub unlock_requested_at: Option<Timestamp>,
    /// Where the record was made (DESIGN.md section 1): a record never vouches for a resource
    /// in another account, region or endpoint. `None` in state files older than targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The physical key of the resource the record is about, so a record found under another
    /// address is recognised as moved. `None` in state files older than physical keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnowballRecord {
    pub job_id: String,
    /// `sha256:…` of the unlock code as written to `deliver_to`. Never the code itself.
    pub fingerprint: String,
    pub deliver_to: PathBuf,
    pub delivered_at: Timestamp,
    /// Where the record was made (DESIGN.md section 1): a record never vouches for a resource
    /// in another account, region or endpoint. `None` in state files older than targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The physical key of the resource the record is about, so a record found under another
    /// address is recognised as moved. `None` in state files older than physical keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_key: Option<String>,
}

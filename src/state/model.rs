//! The state file: what lockward remembers between runs that AWS will not tell it again
//! (above all the Glacier lock id, which only InitiateVaultLock returns).
//!
//! Never holds a secret or a credential: the Snowball unlock code appears only as its
//! SHA-256 fingerprint.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::kinds::Record;
use crate::vocabulary::Address;

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
    /// How many times a run took the lock and wrote the state (DESIGN.md section 5.10):
    /// each run's first write raises it by one, conditionally, so a run whose lock was taken
    /// over finds the state moved on.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub epoch: u64,
    /// The lock id of the run that wrote this version (absent before any run wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_id: Option<String>,
    /// Every run that wrote a journal for this state: a journal listed here and missing is
    /// noticed (its attempts are not forgotten by being deleted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunEntry>,
    /// Attempts of irreversible actions saved before their call (DESIGN.md section 5.9): a
    /// pending attempt stays here until its outcome is in the journal, so it counts as
    /// `unknown` even when the journal is lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<PendingAttempt>,
    /// Journal lines (or whole journals) that could not be read and were set aside by
    /// `lockward state quarantine` (DESIGN.md section 5.9): they no longer refuse, and every
    /// irreversible action of the addresses they may concern counts as attempted with an
    /// unknown effect, so each such decision needs an approval of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quarantined: Vec<Quarantined>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One run that wrote a journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunEntry {
    /// The run's lock id.
    pub lock_id: String,
    /// When the run took the lock.
    pub started: jiff::Timestamp,
    /// Its journal: the S3 object's key, or the local journal's file name.
    pub journal: String,
}

/// An attempt of an irreversible action recorded before its call, whose outcome is not yet
/// settled in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingAttempt {
    /// Names the attempt; its journal `intent` carries it as `detail.attempt`.
    pub id: String,
    pub address: Address,
    pub action: crate::plan::ActionKind,
    /// The digest of the plan whose approval the attempt runs under.
    pub plan_digest: String,
    /// When it was recorded.
    pub at: jiff::Timestamp,
    /// Where the call goes.
    pub target: crate::plan::Target,
    /// The lock id of the run making it.
    pub run: String,
}

/// An unreadable journal line, or a missing journal, set aside by `lockward state quarantine`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quarantined {
    /// The journal: the local journal's file name, or the S3 object's key.
    pub journal: String,
    /// The line set aside (1-based); absent when the journal as a whole was missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// SHA-256 of the line's bytes, `sha256:<hex>`: the same line with other bytes refuses again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When it was set aside.
    pub at: jiff::Timestamp,
    /// The addresses whose attempts it may have recorded: each of their irreversible actions
    /// counts as attempted, effect unknown.
    pub addresses: Vec<Address>,
}

impl StateFile {
    /// A state that has never been written: no lineage yet, serial 0.
    pub fn empty() -> StateFile {
        StateFile {
            format_version: STATE_FORMAT_VERSION,
            lineage: String::new(),
            serial: 0,
            resources: BTreeMap::new(),
            epoch: 0,
            lock_id: None,
            runs: Vec::new(),
            attempts: Vec::new(),
            quarantined: Vec::new(),
        }
    }

    pub fn get(&self, address: &Address) -> Option<&Record> {
        self.resources.get(&address.to_string())
    }

    pub fn set(&mut self, address: &Address, record: Record) {
        self.resources.insert(address.to_string(), record);
    }
}

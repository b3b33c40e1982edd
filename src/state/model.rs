//! The state file: what lockward remembers between runs that AWS will not tell it again
//! (above all the Glacier lock id, which only InitiateVaultLock returns).
//!
//! Never holds a secret or a credential: the Snowball unlock code appears only as its
//! SHA-256 fingerprint.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::kinds::Address;
pub use crate::kinds::Record;

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

    pub fn set(&mut self, address: &Address, record: Record) {
        self.resources.insert(address.to_string(), record);
    }
}

//! What an `ebs_snapshot_lock` block asks for, after validation: for one snapshot (an
//! instance), or for the snapshots a `select` finds at plan time.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The lock the snapshots should have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EbsMode {
    /// After its cool-off (if any) nobody can unlock, shorten it or delete the snapshot until
    /// it expires.
    Compliance,
    /// Whoever may call `ec2:UnlockSnapshot` can unlock or shorten it.
    Governance,
    /// No lock.
    None,
}

/// One snapshot's desired lock (`snapshot_id` set), or a selection's before it is read
/// (`snapshot_id` absent, `select_tags` set). `duration_days` and `until` exclude each other;
/// both are absent exactly for `mode: none`; `cool_off_hours` only with compliance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EbsDesired {
    /// The snapshot this instance locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^snap-([0-9a-f]{8}|[0-9a-f]{17})$"))]
    pub snapshot_id: Option<String>,
    /// The tags of the `select` the snapshot was found by (every snapshot the account owns in
    /// the region with all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_tags: Option<BTreeMap<String, String>>,
    pub mode: EbsMode,
    /// 1..=36500: counted from the lock's creation (from the snapshot's completion if it was
    /// pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 36500))]
    pub duration_days: Option<u32>,
    /// The instant the lock expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub until: Option<Timestamp>,
    /// 1..=72, compliance only: how long after the lock is put it can still be unlocked or
    /// changed. Absent: a compliance lock is final at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 72))]
    pub cool_off_hours: Option<u32>,
}

impl EbsDesired {
    /// The same lock on the snapshot `id`: an instance of this resource.
    pub fn instance(&self, id: &str) -> EbsDesired {
        EbsDesired {
            snapshot_id: Some(id.to_string()),
            ..self.clone()
        }
    }
}

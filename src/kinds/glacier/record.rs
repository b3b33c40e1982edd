//! What the state file remembers about a Glacier vault lock.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocabulary::Target;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlacierRecord {
    pub vault: String,
    /// The id InitiateVaultLock returned; needed to complete the lock.
    pub lock_id: String,
    /// The lock's CreationDate as AWS reported it right after initiation (never the local
    /// clock): with `policy_digest`, how lockward recognises its own lock.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub initiated_at: Option<Timestamp>,
    /// `sha256:…` of the canonical policy that was initiated.
    pub policy_digest: String,
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
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

impl GlacierRecord {
    /// The record as `(field, value)` pairs in a fixed order, for the state view; absent
    /// times read "never".
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let when =
            |t: Option<jiff::Timestamp>| t.map_or_else(|| "never".to_string(), crate::words::when);
        vec![
            ("vault", self.vault.clone()),
            ("lock id", self.lock_id.clone()),
            ("initiated", when(self.initiated_at)),
            ("policy", self.policy_digest.clone()),
            ("completed", when(self.completed_at)),
        ]
    }
}

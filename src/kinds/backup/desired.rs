//! What a `backup_vault_lock` block asks for, after validation.

use serde::{Deserialize, Serialize};

/// The kind of lock the vault should have. AWS has no mode field: governance is a lock put
/// without `ChangeableForDays`, compliance one put with it (DESIGN.md section 3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupLockMode {
    /// Immutable from its lock date on, even for the root user.
    Compliance,
    /// Can be changed or removed at any time by whoever may call the API.
    Governance,
    /// No lock.
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupDesired {
    #[schemars(regex(pattern = r"^[A-Za-z0-9_\-]{2,50}$"))]
    pub vault: String,
    pub mode: BackupLockMode,
    /// 1..=36500; always `Some` unless `mode` is `None`.
    #[schemars(range(min = 1, max = 36500))]
    pub min_retention_days: Option<u32>,
    /// `min_retention_days..=36500` when set.
    #[schemars(range(min = 1, max = 36500))]
    pub max_retention_days: Option<u32>,
    /// The grace period of a compliance lock lockward puts, 3..=36500; `Some` exactly when
    /// `mode` is `Compliance`. Never compared with a live lock (AWS never reports it).
    #[schemars(range(min = 3, max = 36500))]
    pub changeable_for_days: Option<u32>,
}

impl BackupDesired {
    /// The retention the lock should have: `(min, max)`.
    pub fn retention(&self) -> (Option<u32>, Option<u32>) {
        (self.min_retention_days, self.max_retention_days)
    }
}

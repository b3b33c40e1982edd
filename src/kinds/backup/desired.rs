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

/// A vault's desired lock. A compliance lock always has its grace period and no other lock
/// has one; a lock has a minimum retention, a maximum or both (AWS needs neither alone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "Fields", into = "Fields")]
#[schemars(with = "Fields")]
pub struct BackupDesired {
    pub vault: String,
    pub lock: BackupLock,
}

/// No lock, a governance lock, or a compliance lock with its grace period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupLock {
    None,
    Governance {
        retention: Retention,
    },
    Compliance {
        retention: Retention,
        /// The grace period of a compliance lock lockward puts, 3..=36500 days. Never compared
        /// with a live lock (AWS never reports it).
        changeable_for_days: u32,
    },
}

/// Minimum and maximum retention in days. Same retention means equal min and equal max.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

impl std::fmt::Display for Retention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = |d: Option<u32>| d.map_or_else(|| "none".to_string(), |d| format!("{d} days"));
        write!(f, "min {}, max {}", days(self.min), days(self.max))
    }
}

impl BackupDesired {
    /// The mode the block asks for.
    pub fn mode(&self) -> BackupLockMode {
        match self.lock {
            BackupLock::None => BackupLockMode::None,
            BackupLock::Governance { .. } => BackupLockMode::Governance,
            BackupLock::Compliance { .. } => BackupLockMode::Compliance,
        }
    }

    /// The retention the lock should have (none for no lock).
    pub fn retention(&self) -> Retention {
        match self.lock {
            BackupLock::None => Retention::default(),
            BackupLock::Governance { retention } | BackupLock::Compliance { retention, .. } => {
                retention
            }
        }
    }

    /// A compliance lock's grace period.
    pub fn changeable_for_days(&self) -> Option<u32> {
        match self.lock {
            BackupLock::Compliance {
                changeable_for_days,
                ..
            } => Some(changeable_for_days),
            BackupLock::None | BackupLock::Governance { .. } => None,
        }
    }
}

/// The desired value as the plan JSON writes it (its schema and its digest are this shape's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "BackupDesired")]
struct Fields {
    #[schemars(regex(pattern = r"^[A-Za-z0-9_\-]{2,50}$"))]
    vault: String,
    mode: BackupLockMode,
    /// 1..=36500; `None` for no lock, or a lock with only a maximum.
    #[schemars(range(min = 1, max = 36500))]
    min_retention_days: Option<u32>,
    /// `min_retention_days..=36500` when set.
    #[schemars(range(min = 1, max = 36500))]
    max_retention_days: Option<u32>,
    /// The grace period of a compliance lock lockward puts, 3..=36500; `Some` exactly when
    /// `mode` is `Compliance`. Never compared with a live lock (AWS never reports it).
    #[schemars(range(min = 3, max = 36500))]
    changeable_for_days: Option<u32>,
}

impl TryFrom<Fields> for BackupDesired {
    type Error = &'static str;
    fn try_from(f: Fields) -> Result<Self, Self::Error> {
        let retention = Retention {
            min: f.min_retention_days,
            max: f.max_retention_days,
        };
        if f.mode != BackupLockMode::None && retention == Retention::default() {
            return Err("a lock needs a minimum retention, a maximum or both");
        }
        let lock = match (f.mode, f.changeable_for_days) {
            (BackupLockMode::None, None) if retention == Retention::default() => BackupLock::None,
            (BackupLockMode::None, _) => {
                return Err("no lock has no retention and no grace period")
            }
            (BackupLockMode::Governance, None) => BackupLock::Governance { retention },
            (BackupLockMode::Governance, Some(_)) => {
                return Err("a governance lock has no grace period")
            }
            (BackupLockMode::Compliance, Some(changeable_for_days)) => BackupLock::Compliance {
                retention,
                changeable_for_days,
            },
            (BackupLockMode::Compliance, None) => {
                return Err("a compliance lock needs its changeable_for_days")
            }
        };
        Ok(BackupDesired {
            vault: f.vault,
            lock,
        })
    }
}

impl From<BackupDesired> for Fields {
    fn from(d: BackupDesired) -> Self {
        let Retention { min, max } = d.retention();
        Fields {
            mode: d.mode(),
            min_retention_days: min,
            max_retention_days: max,
            changeable_for_days: d.changeable_for_days(),
            vault: d.vault,
        }
    }
}

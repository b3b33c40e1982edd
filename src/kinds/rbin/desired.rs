//! What an `rbin_rule_lock` block asks for, after validation.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleLockState {
    Locked,
    Unlocked,
}

/// A rule's desired lock. A locked rule always has its unlock delay: the type has no locked
/// value without one, so neither the planner nor a step can meet it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "Fields", into = "Fields")]
#[schemars(with = "Fields")]
pub struct RbinDesired {
    pub rule_id: String,
    pub lock: RbinLock,
}

/// Locked with its delay, or unlocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RbinLock {
    /// Locked; unlocking takes `unlock_delay_days` (AWS fixes it at the first lock).
    Locked { unlock_delay_days: u16 },
    /// Not locked. A delay the block still names is the one the rule was (or is to be)
    /// locked with: a rule locked with another delay is a conflict.
    Unlocked { unlock_delay_days: Option<u16> },
}

impl RbinDesired {
    /// Whether the block asks for the rule locked.
    pub fn state(&self) -> RuleLockState {
        match self.lock {
            RbinLock::Locked { .. } => RuleLockState::Locked,
            RbinLock::Unlocked { .. } => RuleLockState::Unlocked,
        }
    }

    /// The unlock delay the block names, if any (always one when locked).
    pub fn unlock_delay_days(&self) -> Option<u16> {
        match self.lock {
            RbinLock::Locked { unlock_delay_days } => Some(unlock_delay_days),
            RbinLock::Unlocked { unlock_delay_days } => unlock_delay_days,
        }
    }
}

/// The desired value as the plan JSON writes it (its schema and its digest are this shape's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RbinDesired")]
struct Fields {
    #[schemars(regex(pattern = r"^[0-9a-zA-Z]{11}$"))]
    rule_id: String,
    state: RuleLockState,
    /// 7..=30; always `Some` when `state` is `Locked`.
    #[schemars(range(min = 7, max = 30))]
    unlock_delay_days: Option<u16>,
}

impl TryFrom<Fields> for RbinDesired {
    type Error = &'static str;
    fn try_from(f: Fields) -> Result<Self, Self::Error> {
        let lock = match (f.state, f.unlock_delay_days) {
            (RuleLockState::Locked, Some(unlock_delay_days)) => {
                RbinLock::Locked { unlock_delay_days }
            }
            (RuleLockState::Locked, None) => {
                return Err("a locked rule needs its unlock_delay_days")
            }
            (RuleLockState::Unlocked, unlock_delay_days) => {
                RbinLock::Unlocked { unlock_delay_days }
            }
        };
        Ok(RbinDesired {
            rule_id: f.rule_id,
            lock,
        })
    }
}

impl From<RbinDesired> for Fields {
    fn from(d: RbinDesired) -> Self {
        Fields {
            state: d.state(),
            unlock_delay_days: d.unlock_delay_days(),
            rule_id: d.rule_id,
        }
    }
}

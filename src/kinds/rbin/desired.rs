//! What an `rbin_rule_lock` block asks for, after validation.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleLockState {
    Locked,
    Unlocked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RbinDesired {
    #[schemars(regex(pattern = r"^[0-9a-zA-Z]{11}$"))]
    pub rule_id: String,
    pub state: RuleLockState,
    /// 7..=30; always `Some` when `state` is `Locked`.
    #[schemars(range(min = 7, max = 30))]
    pub unlock_delay_days: Option<u16>,
}

//! What the state file remembers about a Recycle Bin rule lock.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocabulary::Target;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RbinRecord {
    pub rule_id: String,
    /// The unlock delay lockward locked the rule with.
    pub unlock_delay_days: Option<u16>,
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub locked_at: Option<Timestamp>,
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
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

impl RbinRecord {
    /// The record as `(field, value)` pairs in a fixed order, for the state view; absent
    /// times read "never".
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let when =
            |t: Option<jiff::Timestamp>| t.map_or_else(|| "never".to_string(), crate::words::when);
        vec![
            ("rule", self.rule_id.clone()),
            (
                "unlock delay",
                self.unlock_delay_days
                    .map_or_else(|| "none".to_string(), |d| format!("{d} days")),
            ),
            ("locked", when(self.locked_at)),
            ("unlock requested", when(self.unlock_requested_at)),
        ]
    }
}

//! What the state file remembers about a Snowball unlock code delivery (never the code).

use std::path::PathBuf;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocabulary::Target;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnowballRecord {
    pub job_id: String,
    /// `sha256:…` of the unlock code as written to `deliver_to`. Never the code itself.
    pub fingerprint: String,
    pub deliver_to: PathBuf,
    #[schemars(with = "String", extend("format" = "date-time"))]
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

impl SnowballRecord {
    /// The record as `(field, value)` pairs in a fixed order, for the state view; absent
    /// times read "never".
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("job", self.job_id.clone()),
            ("delivered to", self.deliver_to.display().to_string()),
            ("code fingerprint", self.fingerprint.clone()),
            ("delivered", crate::words::when(self.delivered_at)),
        ]
    }
}

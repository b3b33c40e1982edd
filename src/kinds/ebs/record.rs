//! What the state file remembers about a snapshot's lock.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocabulary::Target;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EbsRecord {
    pub snapshot_id: String,
    /// The mode lockward last locked the snapshot in (`governance`, `compliance`); `None`
    /// after it unlocked it.
    pub mode: Option<String>,
    /// LockExpiresOn as AWS answered the lock.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub expires: Option<Timestamp>,
    /// CoolOffPeriodExpiresOn as AWS answered the lock (compliance with a cool-off).
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub cool_off_ends: Option<Timestamp>,
    /// When lockward last locked it.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub locked_at: Option<Timestamp>,
    /// When lockward last unlocked it.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub unlocked_at: Option<Timestamp>,
    /// Where the record was made (DESIGN.md section 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The physical key of the resource the record is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_key: Option<String>,
}

impl EbsRecord {
    /// A record of `snapshot_id` with nothing done yet.
    pub(crate) fn of(snapshot_id: &str) -> EbsRecord {
        EbsRecord {
            snapshot_id: snapshot_id.to_string(),
            mode: None,
            expires: None,
            cool_off_ends: None,
            locked_at: None,
            unlocked_at: None,
            target: None,
            physical_key: None,
        }
    }

    /// The record as `(field, value)` pairs in a fixed order, for the state view.
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let when =
            |t: Option<jiff::Timestamp>| t.map_or_else(|| "never".to_string(), crate::words::when);
        vec![
            ("snapshot", self.snapshot_id.clone()),
            (
                "mode",
                self.mode.clone().unwrap_or_else(|| "no lock".to_string()),
            ),
            ("expires", when(self.expires)),
            ("cool-off ends", when(self.cool_off_ends)),
            ("locked", when(self.locked_at)),
            ("unlocked", when(self.unlocked_at)),
        ]
    }
}

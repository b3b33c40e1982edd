//! What the state file remembers about an AWS Backup vault lock.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocabulary::Target;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupRecord {
    pub vault: String,
    /// The retention lockward last put, `None` after it deleted the lock.
    pub min_retention_days: Option<u32>,
    pub max_retention_days: Option<u32>,
    /// The grace period of the compliance lock lockward last put.
    pub changeable_for_days: Option<u32>,
    /// When lockward last put the lock.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub put_at: Option<Timestamp>,
    /// The lock date AWS reported after that put (compliance only).
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub lock_date: Option<Timestamp>,
    /// When lockward last deleted the lock.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub deleted_at: Option<Timestamp>,
    /// Where the record was made (DESIGN.md section 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The physical key of the resource the record is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_key: Option<String>,
}

impl BackupRecord {
    /// The record as `(field, value)` pairs in a fixed order, for the state view; absent
    /// times read "never".
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let when =
            |t: Option<jiff::Timestamp>| t.map_or_else(|| "never".to_string(), crate::words::when);
        vec![
            ("backup vault", self.vault.clone()),
            (
                "retention",
                match (self.min_retention_days, self.max_retention_days) {
                    (Some(min), Some(max)) => format!("{min} to {max} days"),
                    (Some(min), None) => format!("at least {min} days"),
                    _ => "no lock".to_string(),
                },
            ),
            ("lock date", when(self.lock_date)),
            ("lock put", when(self.put_at)),
            ("lock removed", when(self.deleted_at)),
        ]
    }
}

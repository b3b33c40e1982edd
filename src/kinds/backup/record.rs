//! What the state file remembers about an AWS Backup vault lock.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::Target;

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

//! What the state file remembers about a bucket's Object Lock.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocabulary::Target;

use super::DefaultRetention;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Record {
    pub bucket: String,
    /// When lockward enabled versioning on the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub versioning_enabled_at: Option<Timestamp>,
    /// When lockward enabled Object Lock on the bucket: it can never be disabled since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub object_lock_enabled_at: Option<Timestamp>,
    /// The default retention lockward last put; `None` when it removed it (or never put one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_retention: Option<DefaultRetention>,
    /// When lockward last put or removed the default retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub retention_changed_at: Option<Timestamp>,
    /// Where the record was made (DESIGN.md section 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The physical key of the resource the record is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_key: Option<String>,
}

impl S3Record {
    /// A record of `bucket` with nothing done yet.
    pub fn new(bucket: &str) -> S3Record {
        S3Record {
            bucket: bucket.to_string(),
            versioning_enabled_at: None,
            object_lock_enabled_at: None,
            default_retention: None,
            retention_changed_at: None,
            target: None,
            physical_key: None,
        }
    }
}

impl S3Record {
    /// The record as `(field, value)` pairs in a fixed order, for the state view; absent
    /// times read "never".
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let when =
            |t: Option<jiff::Timestamp>| t.map_or_else(|| "never".to_string(), crate::words::when);
        vec![
            ("bucket", self.bucket.clone()),
            ("versioning enabled", when(self.versioning_enabled_at)),
            ("Object Lock enabled", when(self.object_lock_enabled_at)),
            (
                "default retention",
                self.default_retention
                    .map_or_else(|| "none".to_string(), |d| d.to_string()),
            ),
            ("default retention set", when(self.retention_changed_at)),
        ]
    }
}

//! What an `s3_object_lock` block asks for, after validation.

use serde::{Deserialize, Serialize};

/// Whether Object Lock is to be on for the bucket. Once on, it can never be turned off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectLockState {
    Enabled,
    Disabled,
}

/// The retention mode of a bucket's default retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionMode {
    /// No one, the root user included, can shorten or remove the retention of a version
    /// written under it.
    Compliance,
    /// Users with `s3:BypassGovernanceRetention` can shorten or remove it.
    Governance,
}

/// A default retention period, in the unit it was written with: `years: 7` and `days: 2555`
/// are different defaults (DESIGN.md section 3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionPeriod {
    Days(u32),
    Years(u32),
}

impl RetentionPeriod {
    /// The period in days, counting a year as 365 days: for comparing lengths only, never
    /// for deciding whether two defaults are the same.
    pub fn approximate_days(self) -> u64 {
        match self {
            RetentionPeriod::Days(n) => u64::from(n),
            RetentionPeriod::Years(n) => u64::from(n) * 365,
        }
    }
}

impl std::fmt::Display for RetentionPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetentionPeriod::Days(1) => f.write_str("1 day"),
            RetentionPeriod::Days(n) => write!(f, "{n} days"),
            RetentionPeriod::Years(1) => f.write_str("1 year"),
            RetentionPeriod::Years(n) => write!(f, "{n} years"),
        }
    }
}

/// A bucket's default retention: what every object version written while it is in force gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DefaultRetention {
    pub mode: RetentionMode,
    #[serde(flatten)]
    pub period: RetentionPeriod,
}

impl std::fmt::Display for DefaultRetention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.mode {
            RetentionMode::Compliance => "COMPLIANCE",
            RetentionMode::Governance => "GOVERNANCE",
        };
        write!(f, "{mode} for {}", self.period)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Desired {
    /// The bucket's name; bucket names are global, so it is the resource's id on its own.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))]
    pub bucket: String,
    pub object_lock: ObjectLockState,
    /// `None`: no default retention.
    pub default_retention: Option<DefaultRetention>,
}

//! The Recycle Bin calls lockward makes.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::aws::AwsError;

/// A Recycle Bin rule as GetRule reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub resource_type: String,
    /// `locked`, `pending_unlock`, `unlocked`, or `None` for a rule never locked.
    pub lock_state: Option<String>,
    pub unlock_delay_days: Option<u16>,
    pub lock_end_time: Option<Timestamp>,
    pub resource_tags: usize,
    pub exclude_resource_tags: usize,
}

/// A Recycle Bin rule as ListRules summarises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSummary {
    pub identifier: String,
    /// `locked`, `pending_unlock`, `unlocked`, or `None` for a rule never locked.
    pub lock_state: Option<String>,
}

#[async_trait]
pub trait RbinApi: Send + Sync {
    /// Every retention rule for `resource_type` (one of the Recycle Bin model's resource types,
    /// e.g. `EBS_SNAPSHOT`, `EBS_VOLUME`, `EC2_IMAGE`) in this region, all pages. Read-only; for discovering locks the config does not declare.
    async fn list_rules(&self, resource_type: &str) -> Result<Vec<RuleSummary>, AwsError>;
    /// The rule, or `None` when it does not exist.
    async fn get_rule(&self, rule_id: &str) -> Result<Option<RuleInfo>, AwsError>;
    async fn lock_rule(&self, rule_id: &str, unlock_delay_days: u16) -> Result<(), AwsError>;
    async fn unlock_rule(&self, rule_id: &str) -> Result<(), AwsError>;
}

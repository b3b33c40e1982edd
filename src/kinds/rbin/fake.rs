//! Recycle Bin in the in-memory fake.

use async_trait::async_trait;
use jiff::SignedDuration;

use crate::aws::fake::{apply, rejected, FakeAws};
use crate::aws::AwsError;

use super::aws::{RbinApi, RuleInfo, RuleSummary};

/// The operations of the service that change something.
pub(crate) const MUTATING: &[&str] = &["LockRule", "UnlockRule"];

#[async_trait]
impl RbinApi for FakeAws {
    async fn list_rules(&self, resource_type: &str) -> Result<Vec<RuleSummary>, AwsError> {
        let (s, failure) = self.enter("ListRules", resource_type);
        apply(failure, || {
            Ok(s.locks
                .rules
                .iter()
                .filter(|(_, r)| r.resource_type == resource_type)
                .map(|(id, r)| RuleSummary {
                    identifier: id.clone(),
                    lock_state: r.lock_state.clone(),
                })
                .collect())
        })
    }

    async fn get_rule(&self, rule_id: &str) -> Result<Option<RuleInfo>, AwsError> {
        let (s, failure) = self.enter("GetRule", rule_id);
        let now = s.now;
        apply(failure, || {
            Ok(s.locks.rules.get(rule_id).cloned().map(|mut r| {
                if r.lock_state.as_deref() == Some("pending_unlock")
                    && r.lock_end_time.is_some_and(|t| t <= now)
                {
                    r.lock_state = Some("unlocked".to_string());
                }
                r
            }))
        })
    }

    async fn lock_rule(&self, rule_id: &str, unlock_delay_days: u16) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("LockRule", rule_id);
        apply(failure, || {
            let r = s
                .locks
                .rules
                .get_mut(rule_id)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such rule"))?;
            if r.unlock_delay_days.is_some_and(|d| d != unlock_delay_days) {
                return Err(rejected(
                    "ValidationException",
                    "the unlock delay cannot change",
                ));
            }
            r.lock_state = Some("locked".to_string());
            r.unlock_delay_days = Some(unlock_delay_days);
            r.lock_end_time = None;
            Ok(())
        })
    }

    async fn unlock_rule(&self, rule_id: &str) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("UnlockRule", rule_id);
        let now = s.now;
        apply(failure, || {
            let r = s
                .locks
                .rules
                .get_mut(rule_id)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such rule"))?;
            let days = i64::from(r.unlock_delay_days.unwrap_or(7));
            r.lock_state = Some("pending_unlock".to_string());
            r.lock_end_time = Some(now + SignedDuration::from_hours(24 * days));
            Ok(())
        })
    }
}

//! Reading a rule (GetRule).

use crate::aws::{AwsError, ProviderClients};

use super::{RbinDesired, RbinLive, RbinRule, RuleLock};

pub async fn read_rbin(
    desired: &RbinDesired,
    clients: &ProviderClients,
) -> Result<RbinLive, AwsError> {
    let Some(rule) = clients.rbin.get_rule(&desired.rule_id).await? else {
        return Ok(RbinLive::RuleMissing);
    };
    let lock_state = match rule
        .lock_state
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("locked") => Some(RuleLock::Locked),
        Some("pending_unlock") => Some(RuleLock::PendingUnlock),
        Some("unlocked") => Some(RuleLock::Unlocked),
        _ => None,
    };
    Ok(RbinLive::Present(RbinRule {
        resource_type: rule.resource_type,
        lock_state,
        unlock_delay_days: rule.unlock_delay_days,
        lock_end_time: rule.lock_end_time,
        resource_tags: rule.resource_tags,
        exclude_resource_tags: rule.exclude_resource_tags,
    }))
}

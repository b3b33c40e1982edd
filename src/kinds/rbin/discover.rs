//! Discovery of Recycle Bin rule locks: ListRules for every resource type the service model
//! lists, then GetRule of every undeclared rule that is locked or pending unlock.

use jiff::Timestamp;

use crate::aws::ProviderClients;
use crate::report::discover::{suggest_name, DiscoveryError, Found, Scope, UnmanagedLock};
use crate::vocabulary::{Address, Kind};
use crate::words::Phrase;

/// Every resource type a Recycle Bin rule can retain, as the Recycle Bin service model lists
/// them (EBS_SNAPSHOT, EBS_VOLUME, EC2_IMAGE, and any the model adds later); ListRules takes
/// one at a time, so discovery asks for each.
pub const RULE_RESOURCE_TYPES: &[&str] = aws_sdk_rbin::types::ResourceType::values();

/// Every locked (or unlocking) rule in the scope that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    _parallelism: usize,
    _now: jiff::Timestamp,
) -> Result<Found, DiscoveryError> {
    let mut found = Found::default();
    for &resource_type in RULE_RESOURCE_TYPES {
        let rules = c
            .rbin
            .list_rules(resource_type)
            .await
            .map_err(scope.failed("ListRules"))?;
        tracing::debug!(region = %scope.region, resource_type, rules = rules.len(), "listed rules");
        found.listed += rules.len();
        for rule in rules {
            let locked = matches!(
                rule.lock_state
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("locked" | "pending_unlock")
            );
            if !locked || scope.declares(Kind::RbinRuleLock, &rule.identifier) {
                continue;
            }
            // The summary lacks the lock configuration; a rule deleted since is simply gone.
            let Some(info) = c
                .rbin
                .get_rule(&rule.identifier)
                .await
                .map_err(scope.failed("GetRule"))?
            else {
                continue;
            };
            let lock_state = info
                .lock_state
                .or(rule.lock_state)
                .unwrap_or_default()
                .to_ascii_lowercase();
            found.locks.push(unmanaged(
                scope,
                &rule.identifier,
                resource_type,
                &lock_state,
                &info.unlock_delay_days,
                &info.lock_end_time,
            ));
        }
    }
    Ok(found)
}

fn unmanaged(
    scope: &Scope,
    identifier: &str,
    resource_type: &str,
    lock_state: &str,
    unlock_delay_days: &Option<u16>,
    lock_end_time: &Option<Timestamp>,
) -> UnmanagedLock {
    let providers = scope.providers.clone();
    let region = scope.region.clone();
    let provider_line = scope.provider_line();
    let suggested = Address::new(Kind::RbinRuleLock, suggest_name(identifier));
    let delay = unlock_delay_days
        .map(|d| format!(", unlock_delay_days: {d}"))
        .unwrap_or_default();
    let next_step = format!(
        "Declare it as `{suggested}` (rule_id: {identifier}{provider_line}, state: locked{delay}) and run `lockward import {suggested}` to manage it."
    );
    let found = UnmanagedLock::new(
        Kind::RbinRuleLock,
        providers,
        region,
        identifier,
        lock_state,
        suggested,
        next_step,
    )
    .detail(
        "resource_type",
        resource_type,
        Phrase::of_text(" rule for ").value(resource_type),
    );
    let found = match unlock_delay_days {
        Some(days) => found.detail(
            "unlock_delay_days",
            days,
            Phrase::of_text(format!(", unlock delay {days} days")),
        ),
        None => found,
    };
    match lock_end_time {
        Some(end) => found.detail(
            "lock_end_time",
            end,
            Phrase::of_text(", unlocks at ").value(end.to_string()),
        ),
        None => found,
    }
}

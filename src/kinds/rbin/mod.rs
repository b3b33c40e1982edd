//! `rbin_rule_lock`: a Recycle Bin retention rule lock (GetRule, LockRule, UnlockRule).
//! Locking and unlocking are `delayed`: an unlock only takes effect after the rule's unlock
//! delay, which AWS fixes at the rule's first lock.

pub mod aws;
pub(crate) mod config;
pub(crate) mod demo;
pub mod desired;
pub(crate) mod discover;
pub mod fake;
pub mod read;
pub mod record;
pub(crate) mod report;
pub(crate) mod sdk;
mod step;
pub(crate) mod words;

pub use aws::{RbinApi, RuleInfo, RuleSummary};
pub use desired::{RbinDesired, RbinLock, RuleLockState};
pub use read::read_rbin;
pub use record::RbinRecord;
pub(crate) use sdk::SdkRbin;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, ActionKind};

use super::Decision;

/// A rule's lock state as GetRule reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleLock {
    Locked,
    PendingUnlock,
    Unlocked,
}

/// The rule as GetRule reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum RbinLive {
    RuleMissing,
    Present(RbinRule),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RbinRule {
    pub resource_type: String,
    /// `None` for a rule that was never locked.
    pub lock_state: Option<RuleLock>,
    /// The unlock delay of the rule's lock configuration (fixed at its first lock).
    pub unlock_delay_days: Option<u16>,
    /// When a pending unlock takes effect.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub lock_end_time: Option<Timestamp>,
    /// How many resource tags the rule selects by (a tag-level rule cannot be locked).
    pub resource_tags: usize,
    /// How many exclusion tags a region-level rule has (such a rule cannot be locked).
    pub exclude_resource_tags: usize,
}

/// The transition table of DESIGN.md section 3 for one rule.
pub fn decide(desired: &RbinDesired, live: &RbinLive, now: Timestamp) -> Decision {
    let mut d = Decision::default();
    let id = &desired.rule_id;
    let rule = match live {
        RbinLive::RuleMissing => {
            d.conflict(format!(
                "Recycle Bin rule `{id}` does not exist in this account and region"
            ));
            return d;
        }
        RbinLive::Present(rule) => rule,
    };
    // Whatever the desired and the live lock state: the delay is fixed at the first lock.
    if let (Some(live_days), Some(want)) = (rule.unlock_delay_days, desired.unlock_delay_days()) {
        if rule.lock_state.is_some() && live_days != want {
            d.conflict(format!(
                "rule `{id}` was first locked with an unlock delay of {live_days} days; AWS never lets it change (wanted {want}); create a new rule for a different delay"
            ));
            return d;
        }
    }
    match desired.lock {
        RbinLock::Locked { unlock_delay_days } => {
            if rule.resource_tags > 0 {
                d.conflict(format!(
                    "rule `{id}` is a tag-level rule (it selects resources by tag); AWS can lock only region-level rules"
                ));
                return d;
            }
            if rule.exclude_resource_tags > 0 {
                d.conflict(format!(
                    "rule `{id}` has exclusion tags; AWS cannot lock a region-level rule with ExcludeResourceTags"
                ));
                return d;
            }
            let days = unlock_delay_days;
            match rule.lock_state {
                Some(RuleLock::Locked) => {}
                Some(RuleLock::PendingUnlock) => d.actions.push(Action::ready(
                    ActionKind::LOCK_RULE,
                    "re-lock the rule before its pending unlock takes effect",
                )),
                Some(RuleLock::Unlocked) | None => d.actions.push(Action::ready(
                    ActionKind::LOCK_RULE,
                    format!("lock the rule; unlocking it later takes {days} days"),
                )),
            }
        }
        RbinLock::Unlocked { .. } => match rule.lock_state {
            Some(RuleLock::Locked) => {
                let days = rule
                    .unlock_delay_days
                    .map(|n| format!("{n} days"))
                    .unwrap_or_else(|| "its unlock delay".into());
                // Once the delay ends, the rule can be changed or deleted (and what it keeps
                // let go): it lowers protection, however long the delay.
                d.actions.push(
                    Action::ready(
                        ActionKind::UNLOCK_RULE,
                        format!("start unlocking the rule; it stays locked for {days}, and can be re-locked meanwhile"),
                    )
                    .lowering_protection(true),
                );
            }
            Some(RuleLock::PendingUnlock) => {
                if let Some(t) = rule.lock_end_time.filter(|t| *t > now) {
                    d.valid_until(t);
                }
                let when = match rule.lock_end_time {
                    Some(t) if t > now => format!("at {}", crate::words::when(t)),
                    Some(_) => "now".to_string(),
                    None => "when the unlock delay ends".to_string(),
                };
                d.note(format!(
                    "the rule is unlocking: the unlock delay ends {when}"
                ));
            }
            Some(RuleLock::Unlocked) | None => {}
        },
    }
    d
}

/// `rbin_rule_lock`: a Recycle Bin rule lock.
pub struct Rbin;

crate::kinds::kind_actions! {
    /// Recycle Bin's actions on a retention rule's lock. The name of each is what plans and journals say; the class is the least the
    /// plan may give it (`decide` may raise it for a resource).
    RbinAction in RbinRuleLock {
        LockRule = "lock_rule", Delayed, LOCK_RULE, ["rbin:LockRule"];
        UnlockRule = "unlock_rule", Delayed, UNLOCK_RULE, ["rbin:UnlockRule"];
    }
}

impl super::LockKind for Rbin {
    const KIND: super::Kind = super::Kind::RbinRuleLock;
    const SERVICE: &'static str = "rbin";
    type Action = RbinAction;
    const ACTIONS: &'static [ActionKind] = &[ActionKind::LOCK_RULE, ActionKind::UNLOCK_RULE];
    const LISTED: crate::words::Counted = crate::words::Counted {
        one: "Recycle Bin rule",
        many: "Recycle Bin rules",
        note: " (every Recycle Bin resource type)",
    };
    const NOUN: &'static str = "rule";
    /// GetRule.
    const READ_DEPTH: usize = 1;
    const DISCOVER_PERMISSIONS: &'static [&'static str] = &["rbin:ListRules", "rbin:GetRule"];
    const IDENTITY_FIELDS: &'static [&'static str] = &["rule_id"];
    const READ_PERMISSIONS: &'static [&'static str] = &["rbin:GetRule"];
    type Desired = RbinDesired;
    type Live = RbinLive;
    type Record = RbinRecord;

    fn physical_id<'a>(
        desired: &'a RbinDesired,
        target: &'a crate::vocabulary::Target,
    ) -> (Option<&'a str>, &'a str) {
        (Some(&target.account), &desired.rule_id)
    }

    async fn read(
        desired: &RbinDesired,
        _config_dir: &std::path::Path,
        _target: &crate::vocabulary::Target,
        clients: &crate::aws::ProviderClients,
        _now: jiff::Timestamp,
    ) -> Result<RbinLive, crate::aws::AwsError> {
        read_rbin(desired, clients).await
    }

    fn decide(
        desired: &RbinDesired,
        live: &RbinLive,
        _target: &crate::vocabulary::Target,
        _record: Option<&RbinRecord>,
        _attempts: &[&crate::plan::Attempt],
        now: Timestamp,
    ) -> Decision {
        decide(desired, live, now)
    }

    fn describe(r: &crate::plan::ResourcePlan) -> Option<crate::words::ResourceWords> {
        words::describe(r)
    }

    fn consequence(action: ActionKind, class: crate::plan::Reversibility) -> Option<&'static str> {
        words::consequence(action, class)
    }

    async fn step(
        action: RbinAction,
        desired: &RbinDesired,
        step: &crate::apply::step::Step<'_, '_>,
        clients: &crate::aws::ProviderClients,
    ) -> Result<String, crate::apply::step::StepError> {
        match action {
            RbinAction::LockRule => self::step::lock_rule(step, desired, clients).await,
            RbinAction::UnlockRule => self::step::unlock_rule(step, desired, clients).await,
        }
    }
}

#[cfg(test)]
mod tests;

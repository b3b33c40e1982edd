//! The words for humans about a rule and its lock state: what the plan's live and desired values
//! say. The plan's values are read back into the kind's own types, so a word can only restate a
//! field the plan holds.

use crate::plan::{ActionKind, ResourcePlan, Reversibility};
use crate::words::{days, Phrase, ResourceWords};

use super::{RbinDesired, RbinLive, RbinLock, RuleLock};

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let live: RbinLive = serde_json::from_value(r.live.clone()).ok()?;
    let desired: RbinDesired = serde_json::from_value(r.desired.clone()).ok()?;
    let mut subject = Phrase::of_text("rule ").value(desired.rule_id);
    let live_words = match live {
        RbinLive::RuleMissing => Phrase::of_text("the rule does not exist"),
        RbinLive::Present(rule) => {
            subject = subject.text(" (").value(rule.resource_type).text(")");
            let delay = rule.unlock_delay_days.map(u64::from);
            let mut p = match rule.lock_state {
                None => Phrase::of_text("never locked"),
                Some(RuleLock::Locked) => match delay {
                    Some(d) => Phrase::of_text(format!("locked, unlock delay {}", days(d))),
                    None => Phrase::of_text("locked"),
                },
                Some(RuleLock::PendingUnlock) => {
                    let p = Phrase::of_text("unlock pending");
                    match rule.lock_end_time {
                        Some(end) => p.text(" until ").value(crate::words::when(end)),
                        None => p,
                    }
                }
                Some(RuleLock::Unlocked) => match delay {
                    Some(d) => Phrase::of_text(format!("unlocked (unlock delay {})", days(d))),
                    None => Phrase::of_text("unlocked"),
                },
            };
            match rule.resource_tags {
                0 => {}
                1 => p = p.text(", tag-level rule (1 resource tag)"),
                n => p = p.text(format!(", tag-level rule ({n} resource tags)")),
            }
            match rule.exclude_resource_tags {
                0 => {}
                1 => p = p.text(", excludes resources by 1 tag"),
                n => p = p.text(format!(", excludes resources by {n} tags")),
            }
            p
        }
    };
    let desired_words = match desired.lock {
        RbinLock::Locked { unlock_delay_days } => Phrase::of_text(format!(
            "locked, unlock delay {}",
            days(u64::from(unlock_delay_days))
        )),
        RbinLock::Unlocked { .. } => Phrase::of_text("unlocked"),
    };
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
        in_full: None,
        diff_of: None,
    })
}

/// What the action's class means for this action, in a reviewer's terms; `None` for an action
/// of another kind.
pub(crate) fn consequence(action: ActionKind, _class: Reversibility) -> Option<&'static str> {
    Some(match action {
        ActionKind::LOCK_RULE => "unlocking the rule later takes its unlock delay",
        ActionKind::UNLOCK_RULE => {
            "takes effect only after the unlock delay; the rule can be locked again meanwhile"
        }
        _ => return None,
    })
}

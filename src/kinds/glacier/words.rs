//! The words for humans about a vault and its lock: what the plan's live and desired values say.
//! The plan's values are read back into the kind's own types, so a word can only restate a
//! field the plan holds.

use crate::config::format_duration;
use crate::config::Policy;
use crate::plan::{ActionKind, ResourcePlan, Reversibility};
use crate::words::{InFull, Phrase, ResourceWords};

use super::{GlacierDesired, GlacierLive, VaultLockState};

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let live: GlacierLive = serde_json::from_value(r.live.clone()).ok()?;
    let desired: GlacierDesired = serde_json::from_value(r.desired.clone()).ok()?;
    let mut subject = Phrase::of_text("vault ").value(desired.vault);
    if desired.account_id != "-" {
        subject = subject.text(" in account ").value(desired.account_id);
    }
    let has_policy = matches!(
        live,
        GlacierLive::InProgress { .. } | GlacierLive::Locked { .. }
    );
    let mut live_words = match live {
        GlacierLive::VaultMissing => Phrase::of_text("the vault does not exist"),
        GlacierLive::NoLock => Phrase::of_text("no lock"),
        GlacierLive::InProgress {
            created, expires, ..
        } => Phrase::of_text("lock in progress since ")
            .value(crate::words::when(created))
            .text(", expires ")
            .value(crate::words::when(expires)),
        GlacierLive::Locked { created, .. } => {
            Phrase::of_text("locked since ").value(crate::words::when(created))
        }
    };
    if r.text_diff.is_some() && has_policy {
        live_words = live_words.text(", with a different policy");
    }
    let desired_words = match desired.state {
        VaultLockState::Locked => {
            let p = Phrase::of_text("locked");
            match desired.min_test_period {
                Some(period) => p
                    .text(" after testing the lock for ")
                    .value(format_duration(period)),
                None => p,
            }
        }
        VaultLockState::InProgress => Phrase::of_text("lock in progress (policy under test)"),
        VaultLockState::Unlocked => Phrase::of_text("no lock"),
    };
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
        in_full: policy_to_set(r, &desired.policy),
        diff_of: Some("policy"),
    })
}

/// The policy `initiate_lock` sets, in full (what completing the lock makes permanent), under
/// a phrase that names the two actions as values; `None` when no action of `r` sets a policy.
fn policy_to_set(r: &ResourcePlan, policy: &Policy) -> Option<InFull> {
    let has = |action: ActionKind| r.actions.iter().any(|a| a.action == action);
    if !has(ActionKind::INITIATE_LOCK) {
        return None;
    }
    let phrase = Phrase::of_text("the policy that ")
        .value(ActionKind::INITIATE_LOCK.as_str())
        .text(" sets");
    let phrase = if has(ActionKind::COMPLETE_LOCK) {
        phrase
            .text(" and ")
            .value(ActionKind::COMPLETE_LOCK.as_str())
            .text(" makes permanent")
    } else {
        phrase.text(" (permanent once the lock is completed)")
    };
    Some(InFull {
        phrase,
        lang: "json",
        text: policy.pretty(),
    })
}

/// What the action's class means for this action, in a reviewer's terms; `None` for an action
/// of another kind.
pub(crate) fn consequence(action: ActionKind, _class: Reversibility) -> Option<&'static str> {
    Some(match action {
        ActionKind::INITIATE_LOCK => "can be aborted until the lock is completed",
        ActionKind::ABORT_LOCK => "the lock can be initiated again",
        ActionKind::COMPLETE_LOCK => "the vault's lock policy can never be changed or removed",
        _ => return None,
    })
}

//! The words for humans about a vault and its lock: what the plan's live and desired values say.

use crate::plan::ResourcePlan;
use crate::render::describe::{str_field, Phrase, ResourceWords};

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let (live, desired) = (&r.live, &r.desired);
    let mut subject = Phrase::of_text("vault ").value(str_field(desired, "vault")?);
    match str_field(desired, "account_id") {
        Some("-") | None => {}
        Some(account) => subject = subject.text(" in account ").value(account),
    }
    let mut live_words = match str_field(live, "state")? {
        "vault_missing" => Phrase::of_text("the vault does not exist"),
        "none" => Phrase::of_text("no lock"),
        "in_progress" => {
            let mut p = Phrase::of_text("lock in progress");
            if let Some(created) = str_field(live, "created") {
                p = p.text(" since ").value(created);
            }
            if let Some(expires) = str_field(live, "expires") {
                p = p.text(", expires ").value(expires);
            }
            p
        }
        "locked" => {
            let mut p = Phrase::of_text("locked");
            if let Some(created) = str_field(live, "created") {
                p = p.text(" since ").value(created);
            }
            p
        }
        _ => return None,
    };
    if r.policy_diff.is_some() && live.get("policy").is_some() {
        live_words = live_words.text(", with a different policy");
    }
    let desired_words = match str_field(desired, "state")? {
        "locked" => {
            let p = Phrase::of_text("locked");
            match str_field(desired, "min_test_period") {
                Some(period) => p.text(" after testing the lock for ").value(period),
                None => p,
            }
        }
        "in_progress" => Phrase::of_text("lock in progress (policy under test)"),
        "unlocked" => Phrase::of_text("no lock"),
        _ => return None,
    };
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
    })
}

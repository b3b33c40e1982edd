//! The words for humans about a rule and its lock state: what the plan's live and desired values say.

use serde_json::Value;

use crate::plan::ResourcePlan;
use crate::render::describe::{days, str_field, u64_field, Phrase, ResourceWords};

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let (live, desired) = (&r.live, &r.desired);
    let mut subject = Phrase::of_text("rule ").value(str_field(desired, "rule_id")?);
    if let Some(resource_type) = str_field(live, "resource_type") {
        subject = subject.text(" (").value(resource_type).text(")");
    }
    let live_words = match str_field(live, "state")? {
        "rule_missing" => Phrase::of_text("the rule does not exist"),
        "present" => {
            let delay = u64_field(live, "unlock_delay_days");
            let mut p = match live.get("lock_state")? {
                Value::Null => Phrase::of_text("never locked"),
                Value::String(s) => match s.as_str() {
                    "locked" => match delay {
                        Some(d) => Phrase::of_text(format!("locked, unlock delay {}", days(d))),
                        None => Phrase::of_text("locked"),
                    },
                    "pending_unlock" => {
                        let p = Phrase::of_text("unlock pending");
                        match str_field(live, "lock_end_time") {
                            Some(end) => p.text(" until ").value(end),
                            None => p,
                        }
                    }
                    "unlocked" => match delay {
                        Some(d) => Phrase::of_text(format!("unlocked (unlock delay {})", days(d))),
                        None => Phrase::of_text("unlocked"),
                    },
                    _ => return None,
                },
                _ => return None,
            };
            match u64_field(live, "resource_tags") {
                Some(0) | None => {}
                Some(1) => p = p.text(", tag-level rule (1 resource tag)"),
                Some(n) => p = p.text(format!(", tag-level rule ({n} resource tags)")),
            }
            match u64_field(live, "exclude_resource_tags") {
                Some(0) | None => {}
                Some(1) => p = p.text(", excludes resources by 1 tag"),
                Some(n) => p = p.text(format!(", excludes resources by {n} tags")),
            }
            p
        }
        _ => return None,
    };
    let desired_words = match str_field(desired, "state")? {
        "locked" => match u64_field(desired, "unlock_delay_days") {
            Some(d) => Phrase::of_text(format!("locked, unlock delay {}", days(d))),
            None => Phrase::of_text("locked"),
        },
        "unlocked" => Phrase::of_text("unlocked"),
        _ => return None,
    };
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
    })
}

//! The words for humans about a backup vault and its lock: what the plan's live and desired
//! values say. The lock date is always shown.

use serde_json::Value;

use crate::plan::ResourcePlan;
use crate::render::describe::{days, str_field, u64_field, Phrase, ResourceWords};

fn retention(v: &Value) -> String {
    match (
        u64_field(v, "min_retention_days"),
        u64_field(v, "max_retention_days"),
    ) {
        (Some(min), Some(max)) => format!("retention {} to {}", days(min), days(max)),
        (Some(min), None) => format!("retention at least {}", days(min)),
        (None, Some(max)) => format!("retention at most {}", days(max)),
        (None, None) => "no retention limits".to_string(),
    }
}

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let (live, desired) = (&r.live, &r.desired);
    let mut subject = Phrase::of_text("backup vault ").value(str_field(desired, "vault")?);
    if let Some(t) = str_field(live, "vault_type").filter(|t| *t != super::BACKUP_VAULT) {
        subject = subject.text(" (").value(t).text(")");
    }
    let live_words = match str_field(live, "state")? {
        "vault_missing" => Phrase::of_text("the vault does not exist"),
        "none" => Phrase::of_text("no lock"),
        "governance" => Phrase::of_text(format!("governance lock, {}", retention(live))),
        "compliance_grace" => Phrase::of_text(format!(
            "compliance lock in its grace period, {}; immutable from ",
            retention(live)
        ))
        .value(str_field(live, "lock_date")?),
        "compliance_locked" => {
            let p = Phrase::of_text(format!("compliance lock, immutable, {}", retention(live)));
            match str_field(live, "lock_date") {
                Some(t) => p.text("; lock date ").value(t),
                None => p,
            }
        }
        _ => return None,
    };
    let desired_words = match str_field(desired, "mode")? {
        "none" => Phrase::of_text("no lock"),
        "governance" => Phrase::of_text(format!("governance lock, {}", retention(desired))),
        "compliance" => {
            let p = Phrase::of_text(format!("compliance lock, {}", retention(desired)));
            match u64_field(desired, "changeable_for_days") {
                Some(n) => p.text(format!(", changeable for {} after it is put", days(n))),
                None => p,
            }
        }
        _ => return None,
    };
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
    })
}

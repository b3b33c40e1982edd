//! The words for humans about a backup vault and its lock: what the plan's live and desired
//! values say. The lock date is always shown. The plan's values are read back into the kind's
//! own types, so a word can only restate a field the plan holds.

use crate::plan::{ActionKind, ResourcePlan, Reversibility};
use crate::words::{days, Phrase, ResourceWords};

use super::{BackupDesired, BackupLive, BackupLock, BACKUP_VAULT};

fn retention(min: Option<u32>, max: Option<u32>) -> String {
    match (min.map(u64::from), max.map(u64::from)) {
        (Some(min), Some(max)) => format!("retention {} to {}", days(min), days(max)),
        (Some(min), None) => format!("retention at least {}", days(min)),
        (None, Some(max)) => format!("retention at most {}", days(max)),
        (None, None) => "no retention limits".to_string(),
    }
}

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let live: BackupLive = serde_json::from_value(r.live.clone()).ok()?;
    let desired: BackupDesired = serde_json::from_value(r.desired.clone()).ok()?;
    let mut subject = Phrase::of_text("backup vault ").value(desired.vault.clone());
    if let Some(t) = live.vault_type().filter(|t| *t != BACKUP_VAULT) {
        subject = subject.text(" (").value(t).text(")");
    }
    let live_words = match live {
        BackupLive::VaultMissing => Phrase::of_text("the vault does not exist"),
        BackupLive::None { .. } => Phrase::of_text("no lock"),
        BackupLive::Governance {
            min_retention_days,
            max_retention_days,
            ..
        } => Phrase::of_text(format!(
            "governance lock, {}",
            retention(min_retention_days, max_retention_days)
        )),
        BackupLive::ComplianceGrace {
            min_retention_days,
            max_retention_days,
            lock_date,
            ..
        } => Phrase::of_text(format!(
            "compliance lock in its grace period, {}; immutable from ",
            retention(min_retention_days, max_retention_days)
        ))
        .value(crate::words::when(lock_date)),
        BackupLive::ComplianceLocked {
            min_retention_days,
            max_retention_days,
            lock_date,
            ..
        } => {
            let p = Phrase::of_text(format!(
                "compliance lock, immutable, {}",
                retention(min_retention_days, max_retention_days)
            ));
            match lock_date {
                Some(t) => p.text("; lock date ").value(crate::words::when(t)),
                None => p,
            }
        }
    };
    let wanted = desired.retention();
    let wanted = retention(wanted.min, wanted.max);
    let desired_words = match desired.lock {
        BackupLock::None => Phrase::of_text("no lock"),
        BackupLock::Governance { .. } => Phrase::of_text(format!("governance lock, {wanted}")),
        BackupLock::Compliance {
            changeable_for_days,
            ..
        } => Phrase::of_text(format!("compliance lock, {wanted}")).text(format!(
            ", changeable for {} after it is put",
            days(u64::from(changeable_for_days))
        )),
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
/// of another kind. The class is the one the plan gives it for this vault: a lock put means one
/// thing in governance mode and another in compliance mode.
pub(crate) fn consequence(action: ActionKind, class: Reversibility) -> Option<&'static str> {
    Some(match action {
        ActionKind::PUT_VAULT_LOCK if class == Reversibility::Irreversible => {
            "a compliance lock can be changed or removed only until its lock date, never after"
        }
        ActionKind::PUT_VAULT_LOCK => "a governance lock can be changed or removed at any time",
        ActionKind::DELETE_VAULT_LOCK => "the lock can be put again",
        _ => return None,
    })
}

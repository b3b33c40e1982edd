//! What the compliance report says about a backup resource beyond the plan: how the live value
//! moved away from what the state file records lockward did (drift), and what importing it
//! records.

use serde_json::json;

use crate::import::{object, Adoption, DeliveredFile};
use crate::state::Record;

use super::{BackupDesired, BackupLive, BackupRecord};

/// How `live` moved away from what the record says lockward reached, or `None`.
pub(crate) fn drift(
    live: &crate::kinds::backup::BackupLive,
    r: &crate::kinds::backup::BackupRecord,
) -> Option<String> {
    use crate::kinds::backup::BackupLive;
    let vault = &r.vault;
    let (min, max) = match live {
        BackupLive::VaultMissing => {
            return Some(format!(
                "the state file records backup vault `{vault}`, but it no longer exists"
            ))
        }
        BackupLive::None { .. } => (None, None),
        BackupLive::Governance {
            min_retention_days,
            max_retention_days,
            ..
        }
        | BackupLive::ComplianceGrace {
            min_retention_days,
            max_retention_days,
            ..
        }
        | BackupLive::ComplianceLocked {
            min_retention_days,
            max_retention_days,
            ..
        } => (*min_retention_days, *max_retention_days),
    };
    if (min, max) == (r.min_retention_days, r.max_retention_days) {
        return None;
    }
    let days = |d: Option<u32>| d.map_or_else(|| "none".to_string(), |d| format!("{d} days"));
    Some(match r.min_retention_days {
        Some(_) => format!(
            "the state file records a lock on backup vault `{vault}` with min retention {}, max {}, but AWS reports min {}, max {}",
            days(r.min_retention_days),
            days(r.max_retention_days),
            days(min),
            days(max)
        ),
        None => format!(
            "the state file records that lockward removed the lock of backup vault `{vault}`, but it has a lock again (min retention {}, max {})",
            days(min),
            days(max)
        ),
    })
}

/// What importing the resource records, from its live state (and for Snowball what sits at
/// `deliver_to`). `Err` says why it cannot be imported and what to do instead. Pure.
pub(crate) fn adopt(
    d: &BackupDesired,
    live: &BackupLive,
    _delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    let vault = &d.vault;
    // What AWS reports is adopted as it is: `changeable_for_days` is never reported,
    // so it is never compared, and an immutable compliance lock that matches imports
    // as a no-op (unlike terraform-provider-aws #46876).
    let (state, min, max, lock_date) = match live {
        BackupLive::VaultMissing => {
            return Err(format!(
                "backup vault `{vault}` does not exist in this account and region"
            ))
        }
        BackupLive::None { .. } => {
            return Err(format!(
                "backup vault `{vault}` has no lock, so there is nothing to import\nhint: `lockward plan` shows how lockward would lock it"
            ))
        }
        BackupLive::Governance { min_retention_days, max_retention_days, .. } => {
            ("governance", *min_retention_days, *max_retention_days, None)
        }
        BackupLive::ComplianceGrace { min_retention_days, max_retention_days, lock_date, .. } => {
            ("compliance_grace", *min_retention_days, *max_retention_days, Some(*lock_date))
        }
        BackupLive::ComplianceLocked { min_retention_days, max_retention_days, lock_date, .. } => {
            ("compliance_locked", *min_retention_days, *max_retention_days, *lock_date)
        }
    };
    let days = |d: Option<u32>| d.map_or_else(|| "none".to_string(), |d| format!("{d} days"));
    let when = match (state, lock_date) {
        ("compliance_grace", Some(t)) => format!(", immutable from {}", crate::words::when(t)),
        ("compliance_locked", Some(t)) => format!(", immutable since {}", crate::words::when(t)),
        ("compliance_locked", None) => ", immutable".to_string(),
        _ => String::new(),
    };
    Ok(Adoption {
        record: Record::BackupVaultLock(BackupRecord {
            vault: vault.clone(),
            min_retention_days: min,
            max_retention_days: max,
            changeable_for_days: None,
            put_at: None,
            lock_date,
            deleted_at: None,
            target: None,
            physical_key: None,
        }),
        detail: object(json!({
            "vault": vault,
            "lock_state": state,
            "min_retention_days": min,
            "max_retention_days": max,
            "lock_date": lock_date.map(|t| t.to_string()),
        })),
        summary: format!(
            "backup vault `{vault}`: {state} lock, min retention {}, max retention {}{when}",
            days(min),
            days(max)
        ),
    })
}

/// What the report says about the vault beyond the plan: a compliance lock in its grace period
/// is not final until its lock date, the point of no return.
pub(crate) fn facts(d: &BackupDesired, live: &BackupLive) -> crate::report::KindFacts {
    use super::desired::BackupLockMode;
    let mut facts = crate::report::KindFacts::default();
    if let BackupLive::ComplianceGrace { lock_date, .. } = live {
        if d.mode() == BackupLockMode::Compliance {
            facts.immutable_from = Some(*lock_date);
        }
        facts.moments.push((
            *lock_date,
            format!(
                "the compliance lock of backup vault `{}` becomes immutable (point of no return)",
                d.vault
            ),
            true,
        ));
    }
    facts
}

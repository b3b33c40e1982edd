//! AWS Backup's actions: PutBackupVaultLockConfiguration, DeleteBackupVaultLockConfiguration.

use serde_json::json;

use crate::apply::step::{Phase, Recheck, Step, StepError};
use crate::aws::ProviderClients;
use crate::plan::ActionKind;
use crate::state::Record;

use super::{BackupDesired, BackupLock, BackupRecord, LockConfiguration, Retention, AIR_GAPPED};

fn empty_record(d: &BackupDesired) -> BackupRecord {
    BackupRecord {
        vault: d.vault.clone(),
        min_retention_days: None,
        max_retention_days: None,
        changeable_for_days: None,
        put_at: None,
        lock_date: None,
        deleted_at: None,
        target: None,
        physical_key: None,
    }
}

pub(crate) async fn put_vault_lock(
    step: &Step<'_, '_>,
    d: &BackupDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::PUT_VAULT_LOCK;
    // The plan puts a lock only for a desired governance or compliance lock; a plan's actions
    // are names read back from a saved plan, so which desired value one meets is checked here.
    if d.lock == BackupLock::None {
        return Err(StepError(
            "internal error: put_vault_lock for a vault whose desired lock is none; this is a bug in lockward"
                .into(),
        ));
    }
    let Retention { min, max } = d.retention();
    let lock = LockConfiguration {
        min_retention_days: min,
        max_retention_days: max,
        changeable_for_days: d.changeable_for_days(),
    };
    // The lock date the vault had right before a compliance put: only a later one, which
    // nothing but a put with ChangeableForDays sets, proves a put whose answer was lost.
    let mut lock_date_before = None;
    if lock.changeable_for_days.is_some() {
        // A compliance put starts a grace that ends by itself: look at the vault once more
        // right before it, so that a lock made immutable meanwhile is never touched.
        let now = step.now();
        match c.backup.describe_vault(&d.vault).await {
            Ok(Some(v))
                if v.vault_type == AIR_GAPPED || v.lock_date.is_some_and(|t| t <= now) =>
            {
                return Err(StepError(format!(
                    "backup vault `{}` has become immutable since the plan (lock date {}); nothing was sent\nhint: plan again",
                    d.vault,
                    v.lock_date.map_or_else(|| "none".to_string(), |t| t.to_string())
                )));
            }
            Ok(Some(v)) => lock_date_before = v.lock_date,
            Ok(None) => {
                return Err(StepError(format!(
                    "backup vault `{}` no longer exists; nothing was sent\nhint: plan again",
                    d.vault
                )))
            }
            Err(e) => {
                return Err(StepError(format!(
                    "could not re-read backup vault `{}` before putting its compliance lock: {e}; nothing was sent\nhint: run apply again",
                    d.vault
                )))
            }
        }
    }
    let detail = json!({"vault": d.vault, "min_retention_days": lock.min_retention_days,
           "max_retention_days": lock.max_retention_days,
           "changeable_for_days": lock.changeable_for_days});
    let result = if lock.changeable_for_days.is_some() {
        // A compliance put sent again would move its lock date: one wire attempt per
        // intent, repeated only after a throttling answer; a lost answer is settled by
        // reading the vault, below.
        step.once_per_intent(action, detail, || c.backup.put_lock(&d.vault, lock))
            .await?
    } else {
        step.journal(action, Phase::Intent, detail).await?;
        c.backup.put_lock(&d.vault, lock).await
    };
    step.settle(
        action,
        result,
        Recheck {
            also_on: None,
            found: if lock.changeable_for_days.is_some() {
                "the vault has the lock, with a lock date later than the one it had before"
            } else {
                "the vault has the lock"
            },
            hint: "run `lockward plan`: it shows the vault as it is now, and the attempt",
            // A governance put is planned only where the vault has no lock or another
            // retention, so that retention proves it. A compliance put may be planned over
            // a governance lock of the same retention: only a lock date later than any the
            // vault had (none, for a governance lock) proves it (DESIGN.md 5.12).
            took_effect: || async {
                matches!(c.backup.describe_vault(&d.vault).await, Ok(Some(v))
                if v.locked
                    && v.min_retention_days == min.map(i64::from)
                    && v.max_retention_days == lock.max_retention_days.map(i64::from)
                    && (lock.changeable_for_days.is_none()
                        || v.lock_date.is_some_and(|t| lock_date_before.is_none_or(|b| t > b))))
            },
        },
    )
    .await?;
    let now = step.now();
    // The lock date is AWS's: read it back rather than computing it.
    let lock_date = match c.backup.describe_vault(&d.vault).await {
        Ok(Some(v)) => v.lock_date,
        _ => None,
    };
    let record = BackupRecord {
        min_retention_days: min,
        max_retention_days: lock.max_retention_days,
        changeable_for_days: lock.changeable_for_days,
        put_at: Some(now),
        lock_date,
        ..empty_record(d)
    };
    step.save(|s| s.set(step.address(), Record::BackupVaultLock(record)))
        .await?;
    step.journal(
        action,
        Phase::Done,
        json!({"vault": d.vault, "lock_date": lock_date.map(|t| t.to_string())}),
    )
    .await?;
    Ok(match (lock.changeable_for_days, lock_date) {
        (Some(_), Some(t)) => format!(
            "compliance lock put; it can be changed or removed until its lock date {}, and is immutable from then on",
            crate::words::when(t)
        ),
        (Some(n), None) => format!(
            "compliance lock put; it becomes immutable {n} days from now (its lock date could not be read back)"
        ),
        (None, _) => "governance lock put".to_string(),
    })
}

pub(crate) async fn delete_vault_lock(
    step: &Step<'_, '_>,
    d: &BackupDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::DELETE_VAULT_LOCK;
    step.journal(action, Phase::Intent, json!({"vault": d.vault}))
        .await?;
    let result = c.backup.delete_lock(&d.vault).await;
    step.settle(
        action,
        result,
        Recheck {
            also_on: None,
            found: "the vault has no lock",
            hint: "run apply again",
            took_effect: || async {
                matches!(c.backup.describe_vault(&d.vault).await, Ok(Some(v)) if !v.locked)
            },
        },
    )
    .await?;
    let now = step.now();
    step.save(|s| {
        let record = BackupRecord {
            deleted_at: Some(now),
            ..empty_record(d)
        };
        s.set(step.address(), Record::BackupVaultLock(record));
    })
    .await?;
    step.journal(action, Phase::Done, json!({"vault": d.vault}))
        .await?;
    Ok("vault lock removed".into())
}

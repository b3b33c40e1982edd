//! `backup_vault_lock`: an AWS Backup Vault Lock (DescribeBackupVault,
//! PutBackupVaultLockConfiguration, DeleteBackupVaultLockConfiguration; ListBackupVaults for
//! discovery). A governance lock can be changed or removed at any time; a compliance lock can be
//! changed or removed only until its lock date, and is immutable from then on (DESIGN.md
//! section 3.4).

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

pub use aws::{BackupApi, BackupVaultInfo, LockConfiguration};
pub use desired::{BackupDesired, BackupLock, BackupLockMode, Retention};
pub use read::read_backup;
pub use record::BackupRecord;
pub(crate) use sdk::SdkBackup;

use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, ActionKind, PermanentAfter, Reversibility};
use crate::words::when;

use super::Decision;

/// The vault type whose lock lockward may change; every other type is read-only.
pub const BACKUP_VAULT: &str = "BACKUP_VAULT";
/// A logically air-gapped vault: compliance-locked from its creation, whatever its LockDate.
pub const AIR_GAPPED: &str = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";

/// The vault's lock as DescribeBackupVault reports it, classified against the time it was
/// read (section 3.4): DescribeBackupVault never reports a mode or `ChangeableForDays`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BackupLive {
    VaultMissing,
    /// The vault has no lock.
    None {
        vault_type: String,
    },
    /// A lock without a lock date: it can be changed or deleted at any time.
    Governance {
        vault_type: String,
        min_retention_days: Option<u32>,
        max_retention_days: Option<u32>,
    },
    /// A compliance lock before its lock date: it can still be changed or deleted.
    ComplianceGrace {
        vault_type: String,
        min_retention_days: Option<u32>,
        max_retention_days: Option<u32>,
        #[schemars(with = "String", extend("format" = "date-time"))]
        lock_date: Timestamp,
    },
    /// A compliance lock on or after its lock date (or a logically air-gapped vault's):
    /// immutable.
    ComplianceLocked {
        vault_type: String,
        min_retention_days: Option<u32>,
        max_retention_days: Option<u32>,
        #[schemars(with = "Option<String>", extend("format" = "date-time"))]
        lock_date: Option<Timestamp>,
    },
}

/// The live lock, with a grace whose lock date has passed by `now` seen as immutable.
enum Lock {
    None,
    Governance(Retention),
    Grace(Retention, Timestamp),
    Locked(Retention, Option<Timestamp>),
}

impl BackupLive {
    /// The vault type, `None` when the vault does not exist.
    pub fn vault_type(&self) -> Option<&str> {
        match self {
            BackupLive::VaultMissing => None,
            BackupLive::None { vault_type }
            | BackupLive::Governance { vault_type, .. }
            | BackupLive::ComplianceGrace { vault_type, .. }
            | BackupLive::ComplianceLocked { vault_type, .. } => Some(vault_type),
        }
    }

    /// Classifies a vault as read at `now` (section 3.4).
    pub fn of(vault: &BackupVaultInfo, now: Timestamp) -> BackupLive {
        let vault_type = vault.vault_type.clone();
        let days = |d: Option<i64>| d.and_then(|d| u32::try_from(d).ok());
        let (min_retention_days, max_retention_days) = (
            days(vault.min_retention_days),
            days(vault.max_retention_days),
        );
        if vault.vault_type == AIR_GAPPED {
            return BackupLive::ComplianceLocked {
                vault_type,
                min_retention_days,
                max_retention_days,
                lock_date: vault.lock_date,
            };
        }
        if !vault.locked {
            return BackupLive::None { vault_type };
        }
        match vault.lock_date {
            None => BackupLive::Governance {
                vault_type,
                min_retention_days,
                max_retention_days,
            },
            Some(lock_date) if now < lock_date => BackupLive::ComplianceGrace {
                vault_type,
                min_retention_days,
                max_retention_days,
                lock_date,
            },
            Some(lock_date) => BackupLive::ComplianceLocked {
                vault_type,
                min_retention_days,
                max_retention_days,
                lock_date: Some(lock_date),
            },
        }
    }

    fn lock(&self, now: Timestamp) -> Option<Lock> {
        Some(match self {
            BackupLive::VaultMissing => return None,
            BackupLive::None { .. } => Lock::None,
            BackupLive::Governance {
                min_retention_days,
                max_retention_days,
                ..
            } => Lock::Governance(Retention {
                min: *min_retention_days,
                max: *max_retention_days,
            }),
            BackupLive::ComplianceGrace {
                min_retention_days,
                max_retention_days,
                lock_date,
                ..
            } => {
                let r = Retention {
                    min: *min_retention_days,
                    max: *max_retention_days,
                };
                // Read before its lock date, decided after it: the lock is immutable now.
                if *lock_date <= now {
                    Lock::Locked(r, Some(*lock_date))
                } else {
                    Lock::Grace(r, *lock_date)
                }
            }
            BackupLive::ComplianceLocked {
                min_retention_days,
                max_retention_days,
                lock_date,
                ..
            } => Lock::Locked(
                Retention {
                    min: *min_retention_days,
                    max: *max_retention_days,
                },
                *lock_date,
            ),
        })
    }
}

fn since(lock_date: Option<Timestamp>) -> String {
    lock_date.map_or_else(
        || "since the vault was created (a logically air-gapped vault)".to_string(),
        |t| format!("since its lock date {}", when(t)),
    )
}

/// The transition table of DESIGN.md section 3.4 for one vault.
pub fn decide(desired: &BackupDesired, live: &BackupLive, now: Timestamp) -> Decision {
    let vault = &desired.vault;
    let Some(lock) = live.lock(now) else {
        let mut d = Decision::default();
        d.conflict(format!(
            "backup vault `{vault}` does not exist in this account and region"
        ));
        return d;
    };
    let mut d = table(desired, &lock, now);
    let vault_type = live.vault_type().unwrap_or(BACKUP_VAULT);
    if vault_type != BACKUP_VAULT && !d.actions.is_empty() {
        // Only a BACKUP_VAULT's lock is lockward's to change: any other type is reported.
        d = Decision::default();
        d.conflict(format!(
            "backup vault `{vault}` is a {vault_type}, whose lock lockward reads and never changes; its lock differs from the desired one"
        ));
    }
    d
}

fn table(desired: &BackupDesired, lock: &Lock, now: Timestamp) -> Decision {
    let mut d = Decision::default();
    let want = desired.retention();
    if let Lock::Grace(_, lock_date) = lock {
        d.valid_until(*lock_date);
    }
    // Removing a lock allows whatever it refused: it always lowers protection.
    let delete = || {
        Action::ready(ActionKind::DELETE_VAULT_LOCK, "remove the vault lock")
            .lowering_protection(true)
    };
    // Each put is judged against the lock it replaces: the live one, or none after a delete.
    let governance_put = |why: &str, before: &Lock| {
        Action::ready(
            ActionKind::PUT_VAULT_LOCK,
            format!("{why}: governance mode ({want})"),
        )
        .with_reversibility(Reversibility::Reversible)
        .lowering_protection(put_lowers_protection(before, want))
    };
    let compliance_put = |why: &str, before: &Lock, n: u32| {
        let lock_date = now + SignedDuration::from_hours(24 * i64::from(n));
        let put = Action::ready(
            ActionKind::PUT_VAULT_LOCK,
            format!(
                "{why}: compliance mode ({want}); it can be changed or removed for {n} days, and is immutable from {} on unless removed before",
                when(lock_date)
            ),
        )
        .lowering_protection(put_lowers_protection(before, want));
        match PermanentAfter::days(n) {
            Some(grace) => put.permanent_after(grace),
            // No grace at all: immutable from the call on.
            None => put.with_reversibility(Reversibility::Irreversible),
        }
    };
    let mode = desired.mode();
    // A compliance lock's grace period (the arms that put one are compliance's).
    let n = desired.changeable_for_days().unwrap_or_default();
    match (mode, lock) {
        (BackupLockMode::None, Lock::None) => {}
        (BackupLockMode::None, Lock::Governance(_)) => d.actions.push(delete()),
        (BackupLockMode::None, Lock::Grace(_, lock_date)) => {
            d.actions.push(delete());
            d.warn(format!(
                "the compliance lock can be removed only until its lock date {}; after it, it is immutable",
                when(*lock_date)
            ));
        }
        (BackupLockMode::Governance | BackupLockMode::None, Lock::Locked(live, lock_date)) => {
            d.conflict(format!(
                "the vault has a compliance lock ({live}), immutable {}: it can never be changed or removed",
                since(*lock_date)
            ));
        }
        (BackupLockMode::Governance, Lock::None) => {
            d.actions.push(governance_put("put a lock", lock));
        }
        (BackupLockMode::Governance, Lock::Governance(live)) => {
            if *live != want {
                d.actions.push(governance_put(
                    &format!("change the lock from {live}"),
                    lock,
                ));
            }
        }
        (BackupLockMode::Governance, Lock::Grace(_, lock_date)) => {
            // A put without ChangeableForDays keeps the lock date: the grace would still end.
            d.actions.push(
                Action::ready(
                    ActionKind::DELETE_VAULT_LOCK,
                    format!("remove the compliance lock before its lock date {} (a put without ChangeableForDays would not end its grace period)", when(*lock_date)),
                )
                .lowering_protection(true),
            );
            d.actions
                .push(governance_put("then put a lock", &Lock::None));
        }
        (BackupLockMode::Compliance, Lock::None) => {
            d.actions.push(compliance_put("put a lock", lock, n));
        }
        (BackupLockMode::Compliance, Lock::Governance(live)) => {
            d.actions.push(compliance_put(
                &format!("turn the governance lock ({live}) into a lock"),
                lock,
                n,
            ));
        }
        (BackupLockMode::Compliance, Lock::Grace(live, lock_date)) => {
            if *live == want {
                d.note(format!(
                    "the compliance lock is in its grace period: it becomes immutable at {}",
                    when(*lock_date)
                ));
                if lock_date.duration_since(now) < SignedDuration::from_hours(24) {
                    d.warn(format!(
                        "the compliance lock becomes immutable in less than 24 hours, at {}; remove it before then if it is wrong",
                        when(*lock_date)
                    ));
                }
            } else {
                d.actions.push(compliance_put(
                    &format!(
                        "change the lock from {live} (a new grace period starts, replacing the one ending {})",
                        when(*lock_date)
                    ),
                    lock,
                    n,
                ));
                d.note(format!(
                    "changing the retention restarts the grace period: the lock date moves from {} to {n} days after the apply",
                    when(*lock_date)
                ));
            }
        }
        (BackupLockMode::Compliance, Lock::Locked(live, lock_date)) => {
            if *live == want {
                d.note(format!(
                    "the compliance lock is immutable {}",
                    since(*lock_date)
                ));
            } else {
                d.conflict(format!(
                    "the vault's compliance lock is immutable {} and has {live}; the desired lock has {want}: AWS never lets it change",
                    since(*lock_date)
                ));
            }
        }
    }
    d
}

/// Whether putting a lock (of either mode) with retention `want` on a vault whose lock is `before`
/// lowers protection: after it, something is allowed at some moment that was refused before
/// (DESIGN.md section 1).
///
/// - No lock before: nothing was refused, so nothing is allowed anew.
/// - A compliance lock in its grace period before: always. A governance put makes the mode
///   weaker (removable at any time, where the compliance lock would be immutable from its lock
///   date); a compliance put starts a new grace at the call, so its lock date may be later
///   than the one it replaces (a longer window to undo). The plan cannot know when apply
///   calls, so it takes the reading that leaves the most time to undo.
/// - Otherwise, when the retention widens ([`retention_widens`]). A governance lock turned into
///   a compliance one is a stronger mode, but a smaller minimum still lowers protection.
fn put_lowers_protection(before: &Lock, want: Retention) -> bool {
    match before {
        Lock::None => false,
        // Never planned on an immutable lock (a conflict or a noop); safest to say so anyway.
        Lock::Grace(..) | Lock::Locked(..) => true,
        Lock::Governance(had) => retention_widens(*had, want),
    }
}

/// Whether a vault lock with retention `want` allows a recovery point something that `had`
/// refused:
/// - the minimum refuses deleting a recovery point (or shortening its lifecycle) before it is
///   that many days old, so a smaller minimum, or none, allows an earlier deletion;
/// - the maximum refuses backup and copy jobs whose retention is longer, so a larger maximum,
///   or none, allows keeping recovery points past a ceiling the lock enforced (the limit a
///   data-retention rule sets). A smaller maximum refuses more and allows nothing anew: it
///   never deletes a recovery point earlier, so it does not lower protection.
pub(crate) fn retention_widens(had: Retention, want: Retention) -> bool {
    let smaller_min = match (had.min, want.min) {
        (Some(had), Some(want)) => want < had,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let larger_max = match (had.max, want.max) {
        (Some(had), Some(want)) => want > had,
        (Some(_), None) => true,
        (None, _) => false,
    };
    smaller_min || larger_max
}

/// `backup_vault_lock`: an AWS Backup Vault Lock.
pub struct Backup;

crate::kinds::kind_actions! {
    /// AWS Backup's actions on a vault's lock. The name of each is what plans and journals say; the class is the least the
    /// plan may give it (`decide` may raise it for a resource).
    BackupAction in BackupVaultLock {
        PutVaultLock = "put_vault_lock", Reversible, PUT_VAULT_LOCK, ["backup:PutBackupVaultLockConfiguration"];
        DeleteVaultLock = "delete_vault_lock", Reversible, DELETE_VAULT_LOCK, ["backup:DeleteBackupVaultLockConfiguration"];
    }
}

impl super::LockKind for Backup {
    const KIND: super::Kind = super::Kind::BackupVaultLock;
    const SERVICE: &'static str = "backup";
    type Action = BackupAction;
    const ACTIONS: &'static [ActionKind] =
        &[ActionKind::PUT_VAULT_LOCK, ActionKind::DELETE_VAULT_LOCK];
    const LISTED: crate::words::Counted = crate::words::Counted {
        one: "backup vault",
        many: "backup vaults",
        note: "",
    };
    const NOUN: &'static str = "backup vault";
    /// DescribeBackupVault.
    const READ_DEPTH: usize = 1;
    const DISCOVER_PERMISSIONS: &'static [&'static str] = &["backup:ListBackupVaults"];
    const IDENTITY_FIELDS: &'static [&'static str] = &["vault"];
    const READ_PERMISSIONS: &'static [&'static str] = &["backup:DescribeBackupVault"];
    type Desired = BackupDesired;
    type Live = BackupLive;
    type Record = BackupRecord;

    fn physical_id<'a>(
        desired: &'a BackupDesired,
        target: &'a crate::vocabulary::Target,
    ) -> (Option<&'a str>, &'a str) {
        (Some(&target.account), &desired.vault)
    }

    async fn read(
        desired: &BackupDesired,
        _config_dir: &std::path::Path,
        _target: &crate::vocabulary::Target,
        clients: &crate::aws::ProviderClients,
        now: jiff::Timestamp,
    ) -> Result<BackupLive, crate::aws::AwsError> {
        read_backup(desired, clients, now).await
    }

    fn decide(
        desired: &BackupDesired,
        live: &BackupLive,
        _target: &crate::vocabulary::Target,
        _record: Option<&BackupRecord>,
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
        action: BackupAction,
        desired: &BackupDesired,
        step: &crate::apply::step::Step<'_, '_>,
        clients: &crate::aws::ProviderClients,
    ) -> Result<String, crate::apply::step::StepError> {
        match action {
            BackupAction::PutVaultLock => self::step::put_vault_lock(step, desired, clients).await,
            BackupAction::DeleteVaultLock => {
                self::step::delete_vault_lock(step, desired, clients).await
            }
        }
    }
}

#[cfg(test)]
mod tests;

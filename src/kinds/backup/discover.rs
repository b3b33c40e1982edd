//! Discovery of AWS Backup vault locks: ListBackupVaults (every page) reports each vault's
//! lock, so one listing is enough; a vault without a lock is nothing to report.

use crate::aws::ProviderClients;
use crate::report::discover::{suggest_name, DiscoveryError, Found, Scope, UnmanagedLock};
use crate::vocabulary::{Address, Kind};
use crate::words::Phrase;

use super::BackupLive;

/// Every backup vault in the scope with a lock that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    _parallelism: usize,
    now: jiff::Timestamp,
) -> Result<Found, DiscoveryError> {
    let vaults = c
        .backup
        .list_vaults()
        .await
        .map_err(scope.failed("ListBackupVaults"))?;
    let locks = vaults
        .iter()
        .filter(|v| !scope.declares(Kind::BackupVaultLock, &v.name))
        .map(|v| (v, BackupLive::of(v, now)))
        .filter(|(_, live)| !matches!(live, BackupLive::None { .. }))
        .map(|(v, live)| unmanaged(scope, &v.name, &live))
        .collect();
    Ok(Found {
        listed: vaults.len(),
        locks,
    })
}

fn unmanaged(scope: &Scope, name: &str, live: &BackupLive) -> UnmanagedLock {
    let providers = scope.providers.clone();
    let region = scope.region.clone();
    let provider_line = scope.provider_line();
    let suggested = Address::new(Kind::BackupVaultLock, suggest_name(name));
    let (state, min, max, lock_date) = match live {
        BackupLive::VaultMissing | BackupLive::None { .. } => ("none", None, None, None),
        BackupLive::Governance {
            min_retention_days,
            max_retention_days,
            ..
        } => ("governance", *min_retention_days, *max_retention_days, None),
        BackupLive::ComplianceGrace {
            min_retention_days,
            max_retention_days,
            lock_date,
            ..
        } => (
            "compliance_grace",
            *min_retention_days,
            *max_retention_days,
            Some(*lock_date),
        ),
        BackupLive::ComplianceLocked {
            min_retention_days,
            max_retention_days,
            lock_date,
            ..
        } => (
            "compliance_locked",
            *min_retention_days,
            *max_retention_days,
            *lock_date,
        ),
    };
    let mode = if state == "governance" {
        "governance"
    } else {
        "compliance"
    };
    let retention = min
        .map(|d| format!(", min_retention_days: {d}"))
        .unwrap_or_default()
        + &max
            .map(|d| format!(", max_retention_days: {d}"))
            .unwrap_or_default();
    let grace = if mode == "compliance" {
        ", changeable_for_days: 3"
    } else {
        ""
    };
    let next_step = format!(
        "Declare it as `{suggested}` (vault: {name}{provider_line}, mode: {mode}{retention}{grace}) and run `lockward import {suggested}` to manage it."
    );
    let mut found = UnmanagedLock::new(
        Kind::BackupVaultLock,
        providers,
        region,
        name,
        state,
        suggested,
        next_step,
    );
    if let Some(vault_type) = live
        .vault_type()
        .filter(|t| *t != crate::kinds::backup::BACKUP_VAULT)
    {
        found = found.detail(
            "resource_type",
            vault_type,
            Phrase::of_text(" lock on a ").value(vault_type),
        );
    }
    // The retention bounds in words go with the last bound AWS reports.
    match (min, max) {
        (Some(min), Some(max)) => {
            found = found
                .detail("min_retention_days", min, Phrase::default())
                .detail(
                    "max_retention_days",
                    max,
                    Phrase::of_text(format!(", retention {min} to {max} days")),
                );
        }
        (Some(min), None) => {
            found = found.detail(
                "min_retention_days",
                min,
                Phrase::of_text(format!(", retention at least {min} days")),
            );
        }
        (None, Some(max)) => found = found.detail("max_retention_days", max, Phrase::default()),
        (None, None) => {}
    }
    match lock_date {
        Some(t) => found.detail(
            "lock_date",
            t,
            Phrase::of_text(", lock date ").value(t.to_string()),
        ),
        None => found,
    }
}

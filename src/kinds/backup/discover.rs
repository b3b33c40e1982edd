//! Discovery of AWS Backup vault locks: ListBackupVaults (every page) reports each vault's
//! lock, so one listing is enough; a vault without a lock is nothing to report.

use crate::aws::ProviderClients;
use crate::report::build::suggest_name;
use crate::report::discover::{DiscoveryError, Found, Scope};
use crate::report::model::UnmanagedLock;
use crate::vocabulary::{Address, Kind};

use super::BackupLive;

/// Every backup vault in the scope with a lock that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    _parallelism: usize,
) -> Result<Found, DiscoveryError> {
    let vaults = c
        .backup
        .list_vaults()
        .await
        .map_err(scope.failed("ListBackupVaults"))?;
    let now = crate::environment::now().unwrap_or_else(|_| crate::environment::wall_clock());
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
    UnmanagedLock {
        kind: Kind::BackupVaultLock,
        providers,
        region,
        name: name.to_string(),
        resource_type: live
            .vault_type()
            .filter(|t| *t != crate::kinds::backup::BACKUP_VAULT)
            .map(str::to_string),
        lock_state: state.to_string(),
        created: None,
        expires: None,
        policy_digest: None,
        unlock_delay_days: None,
        default_retention: None,
        lock_end_time: None,
        min_retention_days: min,
        max_retention_days: max,
        lock_date,
        suggested_address: suggested,
        next_step,
    }
}

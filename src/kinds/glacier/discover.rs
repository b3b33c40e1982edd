//! Discovery of Glacier vault locks: ListVaults, then GetVaultLock of every undeclared vault.

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::ProviderClients;
use crate::config::Policy;
use crate::digest;
use crate::report::build::suggest_name;
use crate::report::discover::{DiscoveryError, Found, Scope};
use crate::report::model::UnmanagedLock;
use crate::vocabulary::{Address, Kind};

use super::VaultLock;

/// The account Glacier lists: the credentials' own.
const OWN_ACCOUNT: &str = "-";

/// Every vault in the scope with a lock that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    parallelism: usize,
) -> Result<Found, DiscoveryError> {
    let vaults = c
        .glacier
        .list_vaults(OWN_ACCOUNT)
        .await
        .map_err(scope.failed("ListVaults"))?;
    let undeclared: Vec<&String> = vaults
        .iter()
        .filter(|v| !scope.declares(Kind::GlacierVaultLock, v))
        .collect();
    let locks = stream::iter(undeclared)
        .map(|name| async move {
            let lock = c
                .glacier
                .get_vault_lock(OWN_ACCOUNT, name)
                .await
                .map_err(scope.failed("GetVaultLock"))?;
            Ok::<_, DiscoveryError>(lock.map(|lock| unmanaged(scope, name, &lock)))
        })
        .buffered(parallelism)
        .try_filter_map(|found| async move { Ok(found) })
        .try_collect()
        .await?;
    Ok(Found {
        listed: vaults.len(),
        locks,
    })
}

fn unmanaged(scope: &Scope, name: &str, lock: &VaultLock) -> UnmanagedLock {
    let providers = scope.providers.clone();
    let region = scope.region.clone();
    let provider_line = scope.provider_line();
    let suggested = Address::new(Kind::GlacierVaultLock, suggest_name(name));
    let policy_digest = match Policy::parse(&lock.policy) {
        Ok(p) => p.digest(),
        Err(_) => digest::sha256(lock.policy.as_bytes()),
    };
    let in_progress = lock.state != "Locked";
    let next_step = if in_progress {
        format!(
            "An InProgress lock cannot be imported: its lock id is returned only to whoever initiated it. It expires at {} unless they complete it; once it is Locked, declare it as `{suggested}` (vault: {name}{provider_line}, state: locked, its policy) and run `lockward import {suggested}`.",
            lock.expires.map(|t| t.to_string()).unwrap_or_else(|| "24 h after its creation".to_string())
        )
    } else {
        format!(
            "Declare it as `{suggested}` (vault: {name}{provider_line}, state: locked, the policy it holds) and run `lockward import {suggested}` to manage it."
        )
    };
    UnmanagedLock {
        kind: Kind::GlacierVaultLock,
        providers,
        region,
        name: name.to_string(),
        resource_type: None,
        lock_state: lock.state.clone(),
        created: Some(lock.created),
        expires: if in_progress { lock.expires } else { None },
        policy_digest: Some(policy_digest),
        unlock_delay_days: None,
        default_retention: None,
        lock_end_time: None,
        min_retention_days: None,
        max_retention_days: None,
        lock_date: None,
        suggested_address: suggested,
        next_step,
    }
}

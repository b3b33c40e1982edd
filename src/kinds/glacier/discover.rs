//! Discovery of Glacier vault locks: ListVaults, then GetVaultLock of every undeclared vault.

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::ProviderClients;
use crate::config::Policy;
use crate::digest;
use crate::report::discover::{suggest_name, DiscoveryError, Found, Scope, UnmanagedLock};
use crate::vocabulary::{Address, Kind};
use crate::words::Phrase;

use super::VaultLock;

/// The account Glacier lists: the credentials' own.
const OWN_ACCOUNT: &str = "-";

/// Every vault in the scope with a lock that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    parallelism: usize,
    _now: jiff::Timestamp,
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
    let found = UnmanagedLock::new(
        Kind::GlacierVaultLock,
        providers,
        region,
        name,
        &lock.state,
        suggested,
        next_step,
    )
    .detail(
        "created",
        lock.created,
        Phrase::of_text(" since ").value(lock.created.to_string()),
    );
    let found = match lock.expires.filter(|_| in_progress) {
        Some(expires) => found.detail(
            "expires",
            expires,
            Phrase::of_text(", expires ").value(expires.to_string()),
        ),
        None => found,
    };
    found.detail(
        "policy_digest",
        &policy_digest,
        Phrase::of_text(", policy ").value(policy_digest.clone()),
    )
}

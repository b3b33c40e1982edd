//! Reading a vault's lock (GetVaultLock, DescribeVault).

use serde_json::Value;

use crate::aws::{AwsError, ProviderClients};

use super::{GlacierDesired, GlacierLive, IN_PROGRESS_LIFETIME};
use crate::config::Policy;

pub async fn read_glacier(
    desired: &GlacierDesired,
    clients: &ProviderClients,
) -> Result<GlacierLive, AwsError> {
    let lock = clients
        .glacier
        .get_vault_lock(&desired.account_id, &desired.vault)
        .await?;
    let Some(lock) = lock else {
        // GetVaultLock answers ResourceNotFound both for "no lock" and "no vault".
        return Ok(
            if clients
                .glacier
                .vault_exists(&desired.account_id, &desired.vault)
                .await?
            {
                GlacierLive::NoLock
            } else {
                GlacierLive::VaultMissing
            },
        );
    };
    // A policy AWS holds that is not JSON still compares (as a string) and never equals intent.
    let policy = Policy::parse(&lock.policy)
        .unwrap_or_else(|_| Policy::from_value(Value::String(lock.policy.clone())));
    Ok(if lock.state == "Locked" {
        GlacierLive::Locked {
            policy,
            created: lock.created,
        }
    } else {
        let expires = lock.expires.unwrap_or(lock.created + IN_PROGRESS_LIFETIME);
        GlacierLive::InProgress {
            policy,
            created: lock.created,
            expires,
        }
    })
}

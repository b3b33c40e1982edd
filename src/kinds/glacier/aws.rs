//! The Glacier calls lockward makes.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::aws::AwsError;

/// A vault's lock as GetVaultLock reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultLock {
    /// `InProgress` or `Locked`.
    pub state: String,
    pub policy: String,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
}

#[async_trait]
pub trait GlacierApi: Send + Sync {
    /// The names of every vault in `account_id` (`-`: the credentials' own) in this region,
    /// all pages. Read-only; for discovering locks the config does not declare.
    async fn list_vaults(&self, account_id: &str) -> Result<Vec<String>, AwsError>;
    /// The vault's lock, or `None` when the vault has no lock (or does not exist: see
    /// [`GlacierApi::vault_exists`]).
    async fn get_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
    ) -> Result<Option<VaultLock>, AwsError>;
    async fn vault_exists(&self, account_id: &str, vault: &str) -> Result<bool, AwsError>;
    /// Returns the lock id. Never retried automatically: a retry after a lost response would
    /// start a second lock; the caller re-reads the vault instead.
    async fn initiate_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
        policy: &str,
    ) -> Result<String, AwsError>;
    /// Idempotent with the right lock id.
    async fn complete_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
        lock_id: &str,
    ) -> Result<(), AwsError>;
    async fn abort_vault_lock(&self, account_id: &str, vault: &str) -> Result<(), AwsError>;
}

//! The AWS Backup calls lockward makes.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::aws::AwsError;

/// A backup vault as DescribeBackupVault (or ListBackupVaults) reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupVaultInfo {
    pub name: String,
    /// `BACKUP_VAULT`, `LOGICALLY_AIR_GAPPED_BACKUP_VAULT`, `RESTORE_ACCESS_BACKUP_VAULT`, …
    pub vault_type: String,
    pub locked: bool,
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    pub lock_date: Option<Timestamp>,
}

/// What a PutBackupVaultLockConfiguration sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockConfiguration {
    pub min_retention_days: Option<u32>,
    pub max_retention_days: Option<u32>,
    /// `Some` for a compliance lock: the grace period in days.
    pub changeable_for_days: Option<u32>,
}

#[async_trait]
pub trait BackupApi: Send + Sync {
    /// Every backup vault in this region, all pages of ListBackupVaults. Read-only.
    async fn list_vaults(&self) -> Result<Vec<BackupVaultInfo>, AwsError>;
    /// The vault, or `None` when it does not exist.
    async fn describe_vault(&self, vault: &str) -> Result<Option<BackupVaultInfo>, AwsError>;
    async fn put_lock(&self, vault: &str, lock: LockConfiguration) -> Result<(), AwsError>;
    async fn delete_lock(&self, vault: &str) -> Result<(), AwsError>;
}

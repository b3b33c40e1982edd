//! AWS Backup in the in-memory fake.

use async_trait::async_trait;
use jiff::SignedDuration;

use crate::aws::fake::{apply, rejected, FakeAws};
use crate::aws::AwsError;

use super::aws::{BackupApi, BackupVaultInfo, LockConfiguration};

/// The operations of the service that change something.
pub(crate) const MUTATING: &[&str] = &[
    "PutBackupVaultLockConfiguration",
    "DeleteBackupVaultLockConfiguration",
];

#[async_trait]
impl BackupApi for FakeAws {
    async fn list_vaults(&self) -> Result<Vec<BackupVaultInfo>, AwsError> {
        let (s, failure) = self.enter("ListBackupVaults", "");
        apply(failure, || {
            Ok(s.locks.backup_vaults.values().cloned().collect())
        })
    }

    async fn describe_vault(&self, vault: &str) -> Result<Option<BackupVaultInfo>, AwsError> {
        let (s, failure) = self.enter("DescribeBackupVault", vault);
        apply(failure, || Ok(s.locks.backup_vaults.get(vault).cloned()))
    }

    async fn put_lock(&self, vault: &str, lock: LockConfiguration) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("PutBackupVaultLockConfiguration", vault);
        let now = s.now;
        apply(failure, || {
            let v = s
                .locks
                .backup_vaults
                .get_mut(vault)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such vault"))?;
            if v.lock_date.is_some_and(|t| t <= now) {
                return Err(rejected(
                    "InvalidRequestException",
                    "the vault lock is immutable",
                ));
            }
            v.locked = true;
            v.min_retention_days = lock.min_retention_days.map(i64::from);
            v.max_retention_days = lock.max_retention_days.map(i64::from);
            if let Some(days) = lock.changeable_for_days {
                v.lock_date = Some(now + SignedDuration::from_hours(24 * i64::from(days)));
            }
            Ok(())
        })
    }

    async fn delete_lock(&self, vault: &str) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("DeleteBackupVaultLockConfiguration", vault);
        let now = s.now;
        apply(failure, || {
            let v = s
                .locks
                .backup_vaults
                .get_mut(vault)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such vault"))?;
            if v.lock_date.is_some_and(|t| t <= now) {
                return Err(rejected(
                    "InvalidRequestException",
                    "the vault lock is immutable",
                ));
            }
            v.locked = false;
            v.min_retention_days = None;
            v.max_retention_days = None;
            v.lock_date = None;
            Ok(())
        })
    }
}

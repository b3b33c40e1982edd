//! AWS Backup through the AWS SDK.

use async_trait::async_trait;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::request_id::Noted;
use crate::aws::sdk::{classify, timestamp_from_smithy};
use crate::aws::AwsError;

use super::aws::{BackupApi, BackupVaultInfo, LockConfiguration};

pub(crate) struct SdkBackup(pub(crate) crate::aws::sdk::Lazy<aws_sdk_backup::Client>);

/// A lock date as AWS sends it (epoch seconds with milliseconds), without the binary float's
/// noise below the millisecond.
fn lock_date(t: &aws_smithy_types::DateTime) -> Option<jiff::Timestamp> {
    let t = timestamp_from_smithy(t)?;
    Some(t.round(jiff::Unit::Millisecond).unwrap_or(t))
}

#[async_trait]
impl BackupApi for SdkBackup {
    async fn list_vaults(&self) -> Result<Vec<BackupVaultInfo>, AwsError> {
        let mut pages = self.0.list_backup_vaults().into_paginator().send();
        let mut vaults = Vec::new();
        while let Some(page) = pages.try_next().await.map_err(classify)? {
            vaults.extend(page.backup_vault_list().iter().filter_map(|v| {
                Some(BackupVaultInfo {
                    name: v.backup_vault_name()?.to_string(),
                    vault_type: v
                        .vault_type()
                        .map_or("BACKUP_VAULT", |t| t.as_str())
                        .to_string(),
                    locked: v.locked().unwrap_or(false),
                    min_retention_days: v.min_retention_days(),
                    max_retention_days: v.max_retention_days(),
                    lock_date: v.lock_date().and_then(lock_date),
                })
            }));
        }
        Ok(vaults)
    }

    async fn describe_vault(&self, vault: &str) -> Result<Option<BackupVaultInfo>, AwsError> {
        let out = match self
            .0
            .describe_backup_vault()
            .backup_vault_name(vault)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(classify(e)),
        };
        Ok(Some(BackupVaultInfo {
            name: out.backup_vault_name().unwrap_or(vault).to_string(),
            vault_type: out
                .vault_type()
                .map_or("BACKUP_VAULT", |t| t.as_str())
                .to_string(),
            locked: out.locked().unwrap_or(false),
            min_retention_days: out.min_retention_days(),
            max_retention_days: out.max_retention_days(),
            lock_date: out.lock_date().and_then(lock_date),
        }))
    }

    async fn put_lock(&self, vault: &str, lock: LockConfiguration) -> Result<(), AwsError> {
        let put = self
            .0
            .put_backup_vault_lock_configuration()
            .backup_vault_name(vault)
            .set_min_retention_days(lock.min_retention_days.map(i64::from))
            .set_max_retention_days(lock.max_retention_days.map(i64::from))
            .set_changeable_for_days(lock.changeable_for_days.map(i64::from));
        let sent = if lock.changeable_for_days.is_some() {
            // A compliance put starts the grace period again, so the SDK never repeats it:
            // one wire attempt per intent (see `Step::once_per_intent`).
            put.customize()
                .config_override(
                    aws_sdk_backup::config::Builder::default()
                        .retry_config(aws_smithy_types::retry::RetryConfig::disabled()),
                )
                .send()
                .await
                .noted()
        } else {
            put.send().await.noted()
        };
        sent.map(|_| ()).map_err(classify)
    }

    async fn delete_lock(&self, vault: &str) -> Result<(), AwsError> {
        self.0
            .delete_backup_vault_lock_configuration()
            .backup_vault_name(vault)
            .send()
            .await
            .noted()
            .map(|_| ())
            .map_err(classify)
    }
}

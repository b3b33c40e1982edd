//! Reading a vault (DescribeBackupVault).

use crate::aws::{AwsError, ProviderClients};

use super::{BackupDesired, BackupLive};

/// The vault's lock, classified against the time lockward plans at (`LOCKWARD_NOW` or the
/// system clock): DescribeBackupVault reports a lock date, and whether it has passed is what
/// tells a lock in its grace period from an immutable one.
pub async fn read_backup(
    desired: &BackupDesired,
    clients: &ProviderClients,
    now: jiff::Timestamp,
) -> Result<BackupLive, AwsError> {
    let Some(vault) = clients.backup.describe_vault(&desired.vault).await? else {
        return Ok(BackupLive::VaultMissing);
    };
    Ok(BackupLive::of(&vault, now))
}

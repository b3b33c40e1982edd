//! Glacier in the in-memory fake.

use async_trait::async_trait;
use jiff::SignedDuration;

use crate::aws::fake::{apply, rejected, FakeAws, FakeState};
use crate::aws::AwsError;
use jiff::Timestamp;

use super::aws::{GlacierApi, VaultLock};

/// The operations of the service that change something.
pub(crate) const MUTATING: &[&str] = &["InitiateVaultLock", "CompleteVaultLock", "AbortVaultLock"];

#[derive(Clone, Debug, Default)]
pub struct FakeVault {
    pub lock: Option<FakeLock>,
}

#[derive(Clone, Debug)]
pub struct FakeLock {
    pub locked: bool,
    pub policy: String,
    pub lock_id: String,
    pub created: Timestamp,
}

/// Drops InProgress locks older than 24 h, as AWS does.
fn expire(s: &mut FakeState) {
    let now = s.now;
    for vault in s.locks.vaults.values_mut() {
        if vault
            .lock
            .as_ref()
            .is_some_and(|l| !l.locked && l.created + SignedDuration::from_hours(24) <= now)
        {
            vault.lock = None;
        }
    }
}

#[async_trait]
impl GlacierApi for FakeAws {
    async fn list_vaults(&self, _account_id: &str) -> Result<Vec<String>, AwsError> {
        let (s, failure) = self.enter("ListVaults", "");
        apply(failure, || Ok(s.locks.vaults.keys().cloned().collect()))
    }

    async fn get_vault_lock(
        &self,
        _account_id: &str,
        vault: &str,
    ) -> Result<Option<VaultLock>, AwsError> {
        let (mut s, failure) = self.enter("GetVaultLock", vault);
        expire(&mut s);
        apply(failure, || {
            let Some(v) = s.locks.vaults.get(vault) else {
                return Ok(None);
            };
            Ok(v.lock.as_ref().map(|l| VaultLock {
                state: if l.locked { "Locked" } else { "InProgress" }.to_string(),
                policy: l.policy.clone(),
                created: l.created,
                expires: (!l.locked).then(|| l.created + SignedDuration::from_hours(24)),
            }))
        })
    }

    async fn vault_exists(&self, _account_id: &str, vault: &str) -> Result<bool, AwsError> {
        let (s, failure) = self.enter("DescribeVault", vault);
        apply(failure, || Ok(s.locks.vaults.contains_key(vault)))
    }

    async fn initiate_vault_lock(
        &self,
        _account_id: &str,
        vault: &str,
        policy: &str,
    ) -> Result<String, AwsError> {
        let (mut s, failure) = self.enter("InitiateVaultLock", vault);
        expire(&mut s);
        let now = s.now;
        s.locks.next_lock += 1;
        let lock_id = format!("LOCK{:04}", s.locks.next_lock);
        apply(failure, || {
            let v = s
                .locks
                .vaults
                .get_mut(vault)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such vault"))?;
            if v.lock.is_some() {
                return Err(rejected(
                    "AccessDeniedException",
                    "the vault already has a lock",
                ));
            }
            v.lock = Some(FakeLock {
                locked: false,
                policy: policy.to_string(),
                lock_id: lock_id.clone(),
                created: now,
            });
            Ok(lock_id.clone())
        })
    }

    async fn complete_vault_lock(
        &self,
        _account_id: &str,
        vault: &str,
        lock_id: &str,
    ) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("CompleteVaultLock", vault);
        expire(&mut s);
        apply(failure, || {
            let v = s
                .locks
                .vaults
                .get_mut(vault)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such vault"))?;
            match v.lock.as_mut() {
                Some(l) if l.lock_id == lock_id => {
                    l.locked = true;
                    Ok(())
                }
                Some(l) if l.locked => {
                    Err(rejected("AccessDeniedException", "the vault is locked"))
                }
                _ => Err(rejected("InvalidParameterValueException", "wrong lock id")),
            }
        })
    }

    async fn abort_vault_lock(&self, _account_id: &str, vault: &str) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("AbortVaultLock", vault);
        expire(&mut s);
        apply(failure, || {
            let v = s
                .locks
                .vaults
                .get_mut(vault)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such vault"))?;
            if v.lock.as_ref().is_some_and(|l| l.locked) {
                return Err(rejected("AccessDeniedException", "the vault is locked"));
            }
            v.lock = None;
            Ok(())
        })
    }
}

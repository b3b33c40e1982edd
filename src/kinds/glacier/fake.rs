//! Glacier in the in-memory fake.

use async_trait::async_trait;
use jiff::SignedDuration;

use crate::aws::fake::{apply, rejected, FakeAws, FakeLock};
use crate::aws::AwsError;

use super::aws::{GlacierApi, VaultLock};

#[async_trait]
impl GlacierApi for FakeAws {
    async fn list_vaults(&self, _account_id: &str) -> Result<Vec<String>, AwsError> {
        let (s, failure) = self.enter("ListVaults", "");
        apply(failure, || Ok(s.vaults.keys().cloned().collect()))
    }

    async fn get_vault_lock(
        &self,
        _account_id: &str,
        vault: &str,
    ) -> Result<Option<VaultLock>, AwsError> {
        let (mut s, failure) = self.enter("GetVaultLock", vault);
        s.expire();
        apply(failure, || {
            let Some(v) = s.vaults.get(vault) else {
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
        apply(failure, || Ok(s.vaults.contains_key(vault)))
    }

    async fn initiate_vault_lock(
        &self,
        _account_id: &str,
        vault: &str,
        policy: &str,
    ) -> Result<String, AwsError> {
        let (mut s, failure) = self.enter("InitiateVaultLock", vault);
        s.expire();
        let now = s.now;
        s.next_lock += 1;
        let lock_id = format!("LOCK{:04}", s.next_lock);
        apply(failure, || {
            let v = s
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
        s.expire();
        apply(failure, || {
            let v = s
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
        s.expire();
        apply(failure, || {
            let v = s
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

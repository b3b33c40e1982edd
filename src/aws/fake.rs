//! An in-memory AWS for unit tests: the three services' lock state machines, a call log, and
//! injected failures. Integration tests use the emulator over real HTTP instead.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;

use super::{
    AwsError, CallerIdentity, ErrorClass, GlacierApi, JobInfo, ProviderClients, RbinApi, RuleInfo,
    RuleSummary, SnowballApi, StsApi, VaultLock,
};

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

#[derive(Clone, Debug, Default)]
pub struct FakeState {
    pub now: Timestamp,
    pub vaults: BTreeMap<String, FakeVault>,
    pub rules: BTreeMap<String, RuleInfo>,
    pub jobs: BTreeMap<String, (JobInfo, String)>,
    /// Every call, as `Operation target`.
    pub calls: Vec<String>,
    /// Failures to answer with, per operation name, in order.
    pub failures: BTreeMap<String, VecDeque<Failure>>,
    next_lock: u32,
}

/// An injected failure. `after_apply` performs the call and then fails ambiguously, like a
/// connection dropped after AWS acted.
#[derive(Clone, Debug)]
pub struct Failure {
    pub error: AwsError,
    pub after_apply: bool,
}

/// A fake AWS account and region, shareable across the service traits.
#[derive(Clone, Debug, Default)]
pub struct FakeAws(Arc<Mutex<FakeState>>);

impl FakeAws {
    pub fn new(now: Timestamp) -> FakeAws {
        FakeAws(Arc::new(Mutex::new(FakeState {
            now,
            ..FakeState::default()
        })))
    }

    /// The state, for setting up and inspecting.
    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// All four service traits served by this fake.
    pub fn clients(&self) -> ProviderClients {
        ProviderClients {
            glacier: Arc::new(self.clone()),
            rbin: Arc::new(self.clone()),
            snowball: Arc::new(self.clone()),
            sts: Arc::new(self.clone()),
        }
    }

    pub fn fail(&self, operation: &str, error: AwsError, after_apply: bool) {
        self.state()
            .failures
            .entry(operation.to_string())
            .or_default()
            .push_back(Failure { error, after_apply });
    }

    /// Calls whose operation mutates state, in order.
    pub fn mutating_calls(&self) -> Vec<String> {
        const MUTATING: [&str; 6] = [
            "InitiateVaultLock",
            "CompleteVaultLock",
            "AbortVaultLock",
            "LockRule",
            "UnlockRule",
            "GetJobUnlockCode",
        ];
        self.state()
            .calls
            .iter()
            .filter(|c| MUTATING.iter().any(|m| c.starts_with(m)))
            .cloned()
            .collect()
    }

    /// Logs the call and takes its next injected failure, if any.
    fn enter(&self, operation: &str, target: &str) -> (MutexGuard<'_, FakeState>, Option<Failure>) {
        let mut state = self.state();
        state.calls.push(format!("{operation} {target}"));
        let failure = state
            .failures
            .get_mut(operation)
            .and_then(VecDeque::pop_front);
        (state, failure)
    }
}

fn rejected(code: &str, message: impl Into<String>) -> AwsError {
    AwsError {
        class: ErrorClass::Rejected,
        code: Some(code.to_string()),
        message: message.into(),
    }
}

/// Runs `op` unless a failure is injected before it; fails after it when asked to.
fn apply<T>(
    failure: Option<Failure>,
    op: impl FnOnce() -> Result<T, AwsError>,
) -> Result<T, AwsError> {
    match failure {
        Some(f) if !f.after_apply => Err(f.error),
        Some(f) => op().and(Err(f.error)),
        None => op(),
    }
}

impl FakeState {
    /// Drops InProgress locks older than 24 h, as AWS does.
    fn expire(&mut self) {
        let now = self.now;
        for vault in self.vaults.values_mut() {
            if vault
                .lock
                .as_ref()
                .is_some_and(|l| !l.locked && l.created + SignedDuration::from_hours(24) <= now)
            {
                vault.lock = None;
            }
        }
    }
}

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

#[async_trait]
impl RbinApi for FakeAws {
    async fn list_rules(&self, resource_type: &str) -> Result<Vec<RuleSummary>, AwsError> {
        let (s, failure) = self.enter("ListRules", resource_type);
        apply(failure, || {
            Ok(s.rules
                .iter()
                .filter(|(_, r)| r.resource_type == resource_type)
                .map(|(id, r)| RuleSummary {
                    identifier: id.clone(),
                    lock_state: r.lock_state.clone(),
                })
                .collect())
        })
    }

    async fn get_rule(&self, rule_id: &str) -> Result<Option<RuleInfo>, AwsError> {
        let (s, failure) = self.enter("GetRule", rule_id);
        let now = s.now;
        apply(failure, || {
            Ok(s.rules.get(rule_id).cloned().map(|mut r| {
                if r.lock_state.as_deref() == Some("pending_unlock")
                    && r.lock_end_time.is_some_and(|t| t <= now)
                {
                    r.lock_state = Some("unlocked".to_string());
                }
                r
            }))
        })
    }

    async fn lock_rule(&self, rule_id: &str, unlock_delay_days: u16) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("LockRule", rule_id);
        apply(failure, || {
            let r = s
                .rules
                .get_mut(rule_id)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such rule"))?;
            if r.unlock_delay_days.is_some_and(|d| d != unlock_delay_days) {
                return Err(rejected(
                    "ValidationException",
                    "the unlock delay cannot change",
                ));
            }
            r.lock_state = Some("locked".to_string());
            r.unlock_delay_days = Some(unlock_delay_days);
            r.lock_end_time = None;
            Ok(())
        })
    }

    async fn unlock_rule(&self, rule_id: &str) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("UnlockRule", rule_id);
        let now = s.now;
        apply(failure, || {
            let r = s
                .rules
                .get_mut(rule_id)
                .ok_or_else(|| rejected("ResourceNotFoundException", "no such rule"))?;
            let days = i64::from(r.unlock_delay_days.unwrap_or(7));
            r.lock_state = Some("pending_unlock".to_string());
            r.lock_end_time = Some(now + SignedDuration::from_hours(24 * days));
            Ok(())
        })
    }
}

#[async_trait]
impl SnowballApi for FakeAws {
    async fn describe_job(&self, job_id: &str) -> Result<Option<JobInfo>, AwsError> {
        let (s, failure) = self.enter("DescribeJob", job_id);
        apply(failure, || {
            Ok(s.jobs.get(job_id).map(|(info, _)| info.clone()))
        })
    }

    async fn get_job_unlock_code(&self, job_id: &str) -> Result<SecretString, AwsError> {
        let (s, failure) = self.enter("GetJobUnlockCode", job_id);
        apply(failure, || {
            let (info, code) = s
                .jobs
                .get(job_id)
                .ok_or_else(|| rejected("InvalidResourceException", "no such job"))?;
            if info.state != "WithCustomer" {
                return Err(rejected(
                    "InvalidJobStateException",
                    "the job is not with the customer",
                ));
            }
            Ok(SecretString::from(code.clone()))
        })
    }
}

#[async_trait]
impl StsApi for FakeAws {
    async fn caller_identity(&self) -> Result<CallerIdentity, AwsError> {
        let (_s, failure) = self.enter("GetCallerIdentity", "");
        apply(failure, || {
            Ok(CallerIdentity {
                account: "123456789012".to_string(),
                arn: "arn:aws:iam::123456789012:user/fake".to_string(),
            })
        })
    }
}

//! An in-memory AWS for unit tests: the three services' lock state machines, a call log, and
//! injected failures. Integration tests use the emulator over real HTTP instead.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use super::{AwsError, CallerIdentity, ErrorClass, ProviderClients, StsApi};
use crate::kinds::rbin::RuleInfo;
use crate::kinds::snowball::JobInfo;

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
    pub buckets: BTreeMap<String, crate::kinds::s3::fake::FakeBucket>,
    pub backup_vaults: BTreeMap<String, crate::kinds::backup::BackupVaultInfo>,
    /// Every call, as `Operation target`.
    pub calls: Vec<String>,
    /// Failures to answer with, per operation name, in order.
    pub failures: BTreeMap<String, VecDeque<Failure>>,
    pub(crate) next_lock: u32,
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

    /// Every service trait served by this fake.
    pub fn clients(&self) -> ProviderClients {
        ProviderClients::every(self.clone())
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
        const MUTATING: [&str; 8] = [
            "PutBackupVaultLockConfiguration",
            "DeleteBackupVaultLockConfiguration",
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
    pub(crate) fn enter(
        &self,
        operation: &str,
        target: &str,
    ) -> (MutexGuard<'_, FakeState>, Option<Failure>) {
        let mut state = self.state();
        state.calls.push(format!("{operation} {target}"));
        let failure = state
            .failures
            .get_mut(operation)
            .and_then(VecDeque::pop_front);
        (state, failure)
    }
}

pub(crate) fn rejected(code: &str, message: impl Into<String>) -> AwsError {
    AwsError {
        class: ErrorClass::Rejected,
        code: Some(code.to_string()),
        message: message.into(),
    }
}

/// Runs `op` unless a failure is injected before it; fails after it when asked to.
pub(crate) fn apply<T>(
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
    pub(crate) fn expire(&mut self) {
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

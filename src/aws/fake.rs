//! An in-memory AWS for unit tests: each kind's service (its state in [`FakeLocks`], its
//! behaviour in the kind's `fake.rs`), a call log, and injected failures. Integration tests use the emulator over real HTTP instead.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use jiff::Timestamp;

use super::{AwsError, CallerIdentity, ErrorClass, ProviderClients, StsApi};
use crate::kinds::FakeLocks;

#[derive(Clone, Debug, Default)]
pub struct FakeState {
    pub now: Timestamp,
    /// Each kind's resources.
    pub locks: FakeLocks,
    /// Every call, as `Operation target`.
    pub calls: Vec<String>,
    /// Failures to answer with, per operation name, in order.
    pub failures: BTreeMap<String, VecDeque<Failure>>,
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

    /// Calls whose operation mutates state (or discloses a secret), in order.
    pub fn mutating_calls(&self) -> Vec<String> {
        let mutating = FakeLocks::MUTATING;
        self.state()
            .calls
            .iter()
            .filter(|c| {
                let operation = c.split(' ').next().unwrap_or_default();
                mutating.iter().any(|ops| ops.contains(&operation))
            })
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

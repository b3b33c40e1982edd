//! AWS access: one small trait per service with exactly the calls lockward makes, the AWS SDK
//! implementation (`sdk`), and an in-memory fake for unit tests (`fake`).

use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::SecretString;

pub mod fake;
pub mod sdk;

pub use sdk::{ClientOptions, ProviderClients};

/// A vault's lock as GetVaultLock reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultLock {
    /// `InProgress` or `Locked`.
    pub state: String,
    pub policy: String,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
}

/// A Recycle Bin rule as GetRule reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub resource_type: String,
    /// `locked`, `pending_unlock`, `unlocked`, or `None` for a rule never locked.
    pub lock_state: Option<String>,
    pub unlock_delay_days: Option<u16>,
    pub lock_end_time: Option<Timestamp>,
    pub resource_tags: usize,
    pub exclude_resource_tags: usize,
}

/// A Snowball job as DescribeJob reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    pub state: String,
    pub created: Timestamp,
}

/// Who the credentials belong to (STS GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// A Recycle Bin rule as ListRules summarises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSummary {
    pub identifier: String,
    /// `locked`, `pending_unlock`, `unlocked`, or `None` for a rule never locked.
    pub lock_state: Option<String>,
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

#[async_trait]
pub trait RbinApi: Send + Sync {
    /// Every retention rule for `resource_type` (one of the Recycle Bin model's resource types,
    /// e.g. `EBS_SNAPSHOT`, `EBS_VOLUME`, `EC2_IMAGE`) in this region, all pages. Read-only; for discovering locks the config does not declare.
    async fn list_rules(&self, resource_type: &str) -> Result<Vec<RuleSummary>, AwsError>;
    /// The rule, or `None` when it does not exist.
    async fn get_rule(&self, rule_id: &str) -> Result<Option<RuleInfo>, AwsError>;
    async fn lock_rule(&self, rule_id: &str, unlock_delay_days: u16) -> Result<(), AwsError>;
    async fn unlock_rule(&self, rule_id: &str) -> Result<(), AwsError>;
}

#[async_trait]
pub trait SnowballApi: Send + Sync {
    /// The job, or `None` when it does not exist.
    async fn describe_job(&self, job_id: &str) -> Result<Option<JobInfo>, AwsError>;
    /// The unlock code: a secret. Never log, print, or store it; only its fingerprint.
    async fn get_job_unlock_code(&self, job_id: &str) -> Result<SecretString, AwsError>;
}

#[async_trait]
pub trait StsApi: Send + Sync {
    async fn caller_identity(&self) -> Result<CallerIdentity, AwsError>;
}

/// How an AWS call failed, classified for the decisions lockward makes on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub class: ErrorClass,
    /// The AWS error code, e.g. `AccessDeniedException`, when there was one.
    pub code: Option<String>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// AWS answered with an error: the call was not performed.
    Rejected,
    /// The outcome is unknown: a timeout, a dropped connection, an unreadable answer or a 5xx.
    /// The call may or may not have taken effect: re-read before deciding anything.
    Ambiguous,
    /// The request could not be built or sent at all (e.g. no credentials): nothing happened.
    NotSent,
}

impl AwsError {
    pub fn is_ambiguous(&self) -> bool {
        self.class == ErrorClass::Ambiguous
    }

    /// Whether AWS refused the call because of its request rate: the call was not performed.
    pub fn is_throttling(&self) -> bool {
        const THROTTLING: [&str; 8] = [
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "SlowDown",
        ];
        self.class == ErrorClass::Rejected
            && self
                .code
                .as_deref()
                .is_some_and(|c| THROTTLING.contains(&c))
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if self.class == ErrorClass::Ambiguous {
            write!(
                f,
                " (the outcome is unknown: the call may have taken effect)"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

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

/// An endpoint URL as targets compare it: lowercase scheme and host, no default port, no
/// trailing slash (DESIGN.md section 1). Text that is not a URL is kept, lowercased and trimmed.
pub fn normalize_endpoint(text: &str) -> String {
    let trimmed = text.trim();
    match url::Url::parse(trimmed) {
        Ok(url) => {
            // `url` lowercases the scheme and host and drops a default port already.
            let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
            if let Some(port) = url.port() {
                out.push_str(&format!(":{port}"));
            }
            out.push_str(url.path().trim_end_matches('/'));
            out
        }
        Err(_) => trimmed.trim_end_matches('/').to_ascii_lowercase(),
    }
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

    /// Whether AWS's answer proves the call did nothing (DESIGN.md section 5.4): it was never
    /// sent, or AWS refused it for its rate, its parameters, its permissions or a missing
    /// resource. Any other failure leaves the effect unknown.
    pub fn proves_no_effect(&self) -> bool {
        match self.class {
            ErrorClass::NotSent => true,
            ErrorClass::Ambiguous => false,
            ErrorClass::Rejected => {
                self.is_throttling()
                    || self.code.as_deref().is_some_and(|c| {
                        c == "ValidationException"
                            || c.starts_with("InvalidParameter")
                            || c.starts_with("AccessDenied")
                            || c.starts_with("ResourceNotFound")
                    })
            }
        }
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whether the outcome is unknown matters only for a mutating call: the executor says
        // so there, never for a read.
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for AwsError {}

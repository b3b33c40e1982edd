//! The Snowball calls lockward makes.

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::SecretString;

use crate::aws::AwsError;

/// A Snowball job as DescribeJob reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    pub state: String,
    pub created: Timestamp,
}

#[async_trait]
pub trait SnowballApi: Send + Sync {
    /// The job, or `None` when it does not exist.
    async fn describe_job(&self, job_id: &str) -> Result<Option<JobInfo>, AwsError>;
    /// The unlock code: a secret. Never log, print, or store it; only its fingerprint.
    async fn get_job_unlock_code(&self, job_id: &str) -> Result<SecretString, AwsError>;
}

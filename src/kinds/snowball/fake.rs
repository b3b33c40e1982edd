//! Snowball in the in-memory fake.

use async_trait::async_trait;
use secrecy::SecretString;

use crate::aws::fake::{apply, rejected, FakeAws};
use crate::aws::AwsError;

use super::aws::{JobInfo, SnowballApi};

/// The operations of the service that change something or disclose a secret.
pub(crate) const MUTATING: &[&str] = &["GetJobUnlockCode"];

#[async_trait]
impl SnowballApi for FakeAws {
    async fn describe_job(&self, job_id: &str) -> Result<Option<JobInfo>, AwsError> {
        let (s, failure) = self.enter("DescribeJob", job_id);
        apply(failure, || {
            Ok(s.locks.jobs.get(job_id).map(|(info, _)| info.clone()))
        })
    }

    async fn get_job_unlock_code(&self, job_id: &str) -> Result<SecretString, AwsError> {
        let (s, failure) = self.enter("GetJobUnlockCode", job_id);
        apply(failure, || {
            let (info, code) = s
                .locks
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

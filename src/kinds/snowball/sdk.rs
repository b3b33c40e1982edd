//! Snowball through the AWS SDK.

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use secrecy::SecretString;

use crate::aws::request_id::Noted;
use crate::aws::sdk::{classify, timestamp_from_smithy};
use crate::aws::{AwsError, ErrorClass};

use super::aws::{JobInfo, SnowballApi};

pub(crate) struct SdkSnowball(pub(crate) crate::aws::sdk::Lazy<aws_sdk_snowball::Client>);

#[async_trait]
impl SnowballApi for SdkSnowball {
    async fn describe_job(&self, job_id: &str) -> Result<Option<JobInfo>, AwsError> {
        let out = match self.0.describe_job().job_id(job_id).send().await {
            Ok(out) => out,
            Err(e) if e.code() == Some("InvalidResourceException") => return Ok(None),
            Err(e) => return Err(classify(e)),
        };
        let meta = out.job_metadata().ok_or_else(|| AwsError {
            class: ErrorClass::Rejected,
            code: None,
            message: format!("DescribeJob for `{job_id}` returned no job metadata"),
        })?;
        let created = meta
            .creation_date()
            .and_then(timestamp_from_smithy)
            .ok_or_else(|| AwsError {
                class: ErrorClass::Rejected,
                code: None,
                message: format!("DescribeJob for `{job_id}` returned no creation date"),
            })?;
        Ok(Some(JobInfo {
            state: meta
                .job_state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            created,
        }))
    }

    /// One wire attempt: never retried here (a retry after an answer that was lost on the way
    /// would disclose the code a second time). The executor repeats it, under a new journal
    /// intent, only after an answer that proves AWS did nothing.
    async fn get_job_unlock_code(&self, job_id: &str) -> Result<SecretString, AwsError> {
        let out = {
            self.0
                .get_job_unlock_code()
                .job_id(job_id)
                .customize()
                .config_override(
                    aws_sdk_snowball::config::Builder::default()
                        .retry_config(RetryConfig::disabled()),
                )
                .send()
                .await
                .noted()
                .map_err(classify)?
        };
        out.unlock_code
            .map(SecretString::from)
            .ok_or_else(|| AwsError {
                class: ErrorClass::Rejected,
                code: None,
                message: format!("GetJobUnlockCode for `{job_id}` returned no code"),
            })
    }
}

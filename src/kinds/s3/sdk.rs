//! S3 through the AWS SDK (`aws-sdk-s3`).

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ChecksumAlgorithm, EventHoldDuration, ObjectLockEnabled,
    ObjectLockRetentionMode, ObjectLockRule, VersioningConfiguration,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::request_id::Noted;
use crate::aws::sdk::classify;
use crate::aws::{AwsError, ErrorClass};

use super::aws::{BucketHead, ObjectLockConfig, S3Api, Versioning};
use super::{DefaultRetention, RetentionMode, RetentionPeriod};

/// The S3 client. Against an endpoint (an emulator at an IP address) it must address buckets
/// path-style: build it with [`SdkS3::client`].
pub struct SdkS3(pub(crate) crate::aws::sdk::Lazy<aws_sdk_s3::Client>);

impl SdkS3 {
    /// The client for `config`, path-style when an endpoint is set.
    pub fn client(config: &aws_config::SdkConfig) -> SdkS3 {
        SdkS3(crate::aws::sdk::Lazy::new(config, |config| {
            // Path-style whenever the calls go to an endpoint of the user's (an emulator's
            // host has no bucket subdomains), however it was set: `AWS_ENDPOINT_URL_S3` or a
            // profile's `services` section too, not only the shared endpoint.
            let custom = crate::aws::sdk::endpoint_of(config, "s3").is_some();
            let builder = aws_sdk_s3::config::Builder::from(config).force_path_style(custom);
            aws_sdk_s3::Client::from_conf(builder.build())
        }))
    }
}

fn unreadable(what: impl Into<String>) -> AwsError {
    AwsError {
        class: ErrorClass::Rejected,
        code: None,
        message: what.into(),
    }
}

/// A retention period from S3's `Days` and `Years`, which exclude each other. Read leniently
/// where the meaning is plain: a zero beside the other field (some S3 implementations answer
/// `Days: 0` beside `Years: 7`) is taken as absent, and said so in the log; anything else
/// that is not exactly one positive field is unreadable.
fn period(days: Option<i32>, years: Option<i32>, what: &str) -> Result<RetentionPeriod, AwsError> {
    let positive = |n: i32| u32::try_from(n).ok().filter(|n| *n > 0);
    let lenient = |kept: &str| {
        tracing::warn!(
            "S3 answered a {what} with both Days ({days:?}) and Years ({years:?}); lockward reads \
             the zero as absent and keeps {kept}"
        );
    };
    match (days.map(positive), years.map(positive)) {
        (Some(Some(d)), None) => Ok(RetentionPeriod::Days(d)),
        (None, Some(Some(y))) => Ok(RetentionPeriod::Years(y)),
        (Some(Some(d)), Some(None)) if years == Some(0) => {
            lenient("the days");
            Ok(RetentionPeriod::Days(d))
        }
        (Some(None), Some(Some(y))) if days == Some(0) => {
            lenient("the years");
            Ok(RetentionPeriod::Years(y))
        }
        _ => Err(unreadable(format!(
            "S3 returned a {what} lockward cannot read (days {days:?}, years {years:?})"
        ))),
    }
}

fn parse_config(
    config: Option<&aws_sdk_s3::types::ObjectLockConfiguration>,
) -> Result<ObjectLockConfig, AwsError> {
    let Some(retention) = config
        .and_then(|c| c.rule())
        .and_then(|r| r.default_retention())
    else {
        return Ok(ObjectLockConfig::default());
    };
    let mode = match retention.mode() {
        Some(ObjectLockRetentionMode::Compliance) => RetentionMode::Compliance,
        Some(ObjectLockRetentionMode::Governance) => RetentionMode::Governance,
        other => {
            return Err(unreadable(format!(
                "S3 returned a default retention mode lockward does not know: {other:?}"
            )))
        }
    };
    let default_event_hold = retention
        .default_event_hold()
        .map(|h| period(h.days(), h.years(), "DefaultEventHold"))
        .transpose()?;
    Ok(ObjectLockConfig {
        default_retention: Some(DefaultRetention {
            mode,
            period: period(retention.days(), retention.years(), "default retention")?,
        }),
        default_event_hold,
    })
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn rule_of(config: &ObjectLockConfig) -> Option<ObjectLockRule> {
    let r = config.default_retention?;
    let mut retention = aws_sdk_s3::types::DefaultRetention::builder().mode(match r.mode {
        RetentionMode::Compliance => ObjectLockRetentionMode::Compliance,
        RetentionMode::Governance => ObjectLockRetentionMode::Governance,
    });
    retention = match r.period {
        RetentionPeriod::Days(d) => retention.days(to_i32(d)),
        RetentionPeriod::Years(y) => retention.years(to_i32(y)),
    };
    if let Some(hold) = config.default_event_hold {
        let h = match hold {
            RetentionPeriod::Days(d) => EventHoldDuration::builder().days(to_i32(d)),
            RetentionPeriod::Years(y) => EventHoldDuration::builder().years(to_i32(y)),
        };
        retention = retention.default_event_hold(h.build());
    }
    Some(
        ObjectLockRule::builder()
            .default_retention(retention.build())
            .build(),
    )
}

#[async_trait]
impl S3Api for SdkS3 {
    async fn list_buckets(&self, region: &str) -> Result<Vec<String>, AwsError> {
        let mut names = Vec::new();
        let mut pages = self
            .0
            .list_buckets()
            .bucket_region(region)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(classify)?;
            names.extend(
                page.buckets()
                    .iter()
                    .filter_map(|b| b.name().map(str::to_string)),
            );
        }
        Ok(names)
    }

    async fn head_bucket(&self, bucket: &str, owner: &str) -> Result<BucketHead, AwsError> {
        match self
            .0
            .head_bucket()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .send()
            .await
        {
            Ok(out) => Ok(BucketHead::In {
                region: out.bucket_region().unwrap_or_default().to_string(),
            }),
            Err(e) => {
                let raw = e.raw_response();
                let status = raw.map(|r| r.status().as_u16());
                let region = raw
                    .and_then(|r| r.headers().get("x-amz-bucket-region"))
                    .map(str::to_string);
                match (status, region) {
                    (Some(404), _) => Ok(BucketHead::Missing),
                    // A bucket in another region answers 301 PermanentRedirect naming it.
                    (Some(301), Some(region)) => Ok(BucketHead::In { region }),
                    // HeadBucket's answers have no body: a 403 carries no code or message.
                    (Some(403), _) => Err(AwsError {
                        class: ErrorClass::Rejected,
                        code: Some("AccessDenied".to_string()),
                        message: format!(
                            "S3 refused HeadBucket on bucket `{bucket}` (403 Forbidden): either the bucket belongs to another account than {owner}, the expected bucket owner, or the caller may not read it"
                        ),
                    }),
                    _ => Err(classify(e)),
                }
            }
        }
    }

    async fn get_bucket_versioning(
        &self,
        bucket: &str,
        owner: &str,
    ) -> Result<Versioning, AwsError> {
        let out = self
            .0
            .get_bucket_versioning()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .send()
            .await
            .map_err(classify)?;
        match out.status() {
            None => Ok(Versioning::Unversioned),
            Some(BucketVersioningStatus::Enabled) => Ok(Versioning::Enabled),
            Some(BucketVersioningStatus::Suspended) => Ok(Versioning::Suspended),
            Some(other) => Err(unreadable(format!(
                "S3 returned a versioning status lockward does not know: {other:?}"
            ))),
        }
    }

    async fn get_object_lock_configuration(
        &self,
        bucket: &str,
        owner: &str,
    ) -> Result<Option<ObjectLockConfig>, AwsError> {
        match self
            .0
            .get_object_lock_configuration()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .send()
            .await
        {
            Ok(out) => {
                let config = out.object_lock_configuration();
                if config.and_then(|c| c.object_lock_enabled()) != Some(&ObjectLockEnabled::Enabled)
                {
                    return Ok(None);
                }
                parse_config(config).map(Some)
            }
            Err(e) if e.code() == Some("ObjectLockConfigurationNotFoundError") => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    async fn enable_versioning(&self, bucket: &str, owner: &str) -> Result<(), AwsError> {
        self.0
            .put_bucket_versioning()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .noted()
            .map_err(classify)?;
        Ok(())
    }

    async fn put_object_lock_configuration(
        &self,
        bucket: &str,
        owner: &str,
        config: &ObjectLockConfig,
    ) -> Result<(), AwsError> {
        let configuration = aws_sdk_s3::types::ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .set_rule(rule_of(config))
            .build();
        self.0
            .put_object_lock_configuration()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .object_lock_configuration(configuration)
            .send()
            .await
            .noted()
            .map_err(classify)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_beside_the_other_field_reads_as_absent_and_nothing_else_is_guessed() {
        let read = |d, y| period(d, y, "default retention").ok();
        assert_eq!(read(Some(30), None), Some(RetentionPeriod::Days(30)));
        assert_eq!(read(None, Some(7)), Some(RetentionPeriod::Years(7)));
        assert_eq!(read(Some(0), Some(7)), Some(RetentionPeriod::Years(7)));
        assert_eq!(read(Some(30), Some(0)), Some(RetentionPeriod::Days(30)));
        for (d, y) in [
            (Some(30), Some(7)),
            (Some(0), Some(0)),
            (None, None),
            (Some(-1), None),
            (Some(0), None),
            (None, Some(0)),
            (Some(-1), Some(7)),
        ] {
            assert_eq!(read(d, y), None, "days {d:?}, years {y:?}");
        }
    }
}

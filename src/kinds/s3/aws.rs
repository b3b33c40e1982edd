//! The S3 calls lockward makes for Object Lock. Every call names the expected bucket owner (the
//! target's account): S3 then refuses to act on a bucket of another account with the same name.

use async_trait::async_trait;

use crate::aws::AwsError;

use super::{DefaultRetention, RetentionPeriod};

/// Where a bucket is, as HeadBucket says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BucketHead {
    /// No such bucket (404).
    Missing,
    /// The bucket and its region (`x-amz-bucket-region`, also on a 301 PermanentRedirect).
    In { region: String },
}

/// A bucket's versioning status as GetBucketVersioning reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Versioning {
    /// Never enabled: GetBucketVersioning has no Status.
    Unversioned,
    Enabled,
    Suspended,
}

/// A bucket's Object Lock configuration (Object Lock is enabled when there is one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectLockConfig {
    /// The rule's default retention, `None` without a rule.
    pub default_retention: Option<DefaultRetention>,
    /// The rule's `DefaultEventHold`, which lockward carries unchanged in every put.
    pub default_event_hold: Option<RetentionPeriod>,
}

#[async_trait]
pub trait S3Api: Send + Sync {
    /// ListBuckets (every page) of the buckets in `region`, by name. Read-only.
    async fn list_buckets(&self, region: &str) -> Result<Vec<String>, AwsError>;
    /// HeadBucket. Read-only.
    async fn head_bucket(&self, bucket: &str, owner: &str) -> Result<BucketHead, AwsError>;
    /// GetBucketVersioning. Read-only.
    async fn get_bucket_versioning(
        &self,
        bucket: &str,
        owner: &str,
    ) -> Result<Versioning, AwsError>;
    /// GetObjectLockConfiguration; `None` when Object Lock is not enabled (404
    /// ObjectLockConfigurationNotFoundError). Read-only.
    async fn get_object_lock_configuration(
        &self,
        bucket: &str,
        owner: &str,
    ) -> Result<Option<ObjectLockConfig>, AwsError>;
    /// PutBucketVersioning with Status Enabled, with a checksum. Idempotent.
    async fn enable_versioning(&self, bucket: &str, owner: &str) -> Result<(), AwsError>;
    /// PutObjectLockConfiguration with ObjectLockEnabled and `config`'s rule (none when it
    /// has no default retention), with a checksum. Idempotent.
    async fn put_object_lock_configuration(
        &self,
        bucket: &str,
        owner: &str,
        config: &ObjectLockConfig,
    ) -> Result<(), AwsError>;
}

//! S3 Object Lock in the in-memory fake: S3's rules for versioning and Object Lock (Object Lock
//! needs versioning Enabled; versioning cannot be suspended once Object Lock is on), and the
//! expected bucket owner checked on every call.

use async_trait::async_trait;

use crate::aws::fake::{apply, rejected, FakeAws};
use crate::aws::AwsError;

use super::aws::{BucketHead, ObjectLockConfig, S3Api, Versioning};

/// The account the fake's buckets belong to.
pub const FAKE_OWNER: &str = "123456789012";

/// A bucket in the fake.
#[derive(Clone, Debug)]
pub struct FakeBucket {
    pub region: String,
    pub versioning: Versioning,
    /// `Some` once Object Lock is enabled.
    pub object_lock: Option<ObjectLockConfig>,
}

impl FakeBucket {
    /// A bucket in `us-east-1`, unversioned, without Object Lock.
    pub fn new() -> FakeBucket {
        FakeBucket {
            region: "us-east-1".to_string(),
            versioning: Versioning::Unversioned,
            object_lock: None,
        }
    }
}

impl Default for FakeBucket {
    fn default() -> Self {
        FakeBucket::new()
    }
}

fn owned(owner: &str) -> Result<(), AwsError> {
    if owner == FAKE_OWNER {
        Ok(())
    } else {
        Err(rejected("AccessDenied", "Access Denied"))
    }
}

fn no_such_bucket() -> AwsError {
    rejected("NoSuchBucket", "The specified bucket does not exist")
}

/// The operations of the service that change something.
pub(crate) const MUTATING: &[&str] = &["PutBucketVersioning", "PutObjectLockConfiguration"];

#[async_trait]
impl S3Api for FakeAws {
    async fn list_buckets(&self, region: &str) -> Result<Vec<String>, AwsError> {
        let (s, failure) = self.enter("ListBuckets", region);
        apply(failure, || {
            Ok(s.locks
                .buckets
                .iter()
                .filter(|(_, b)| b.region == region)
                .map(|(name, _)| name.clone())
                .collect())
        })
    }

    async fn head_bucket(&self, bucket: &str, owner: &str) -> Result<BucketHead, AwsError> {
        let (s, failure) = self.enter("HeadBucket", bucket);
        apply(failure, || match s.locks.buckets.get(bucket) {
            None => Ok(BucketHead::Missing),
            Some(b) => owned(owner).map(|()| BucketHead::In {
                region: b.region.clone(),
            }),
        })
    }

    async fn get_bucket_versioning(
        &self,
        bucket: &str,
        owner: &str,
    ) -> Result<Versioning, AwsError> {
        let (s, failure) = self.enter("GetBucketVersioning", bucket);
        apply(failure, || {
            owned(owner)?;
            s.locks
                .buckets
                .get(bucket)
                .map(|b| b.versioning)
                .ok_or_else(no_such_bucket)
        })
    }

    async fn get_object_lock_configuration(
        &self,
        bucket: &str,
        owner: &str,
    ) -> Result<Option<ObjectLockConfig>, AwsError> {
        let (s, failure) = self.enter("GetObjectLockConfiguration", bucket);
        apply(failure, || {
            owned(owner)?;
            s.locks
                .buckets
                .get(bucket)
                .map(|b| b.object_lock)
                .ok_or_else(no_such_bucket)
        })
    }

    async fn enable_versioning(&self, bucket: &str, owner: &str) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("PutBucketVersioning", bucket);
        apply(failure, || {
            owned(owner)?;
            let b = s.locks.buckets.get_mut(bucket).ok_or_else(no_such_bucket)?;
            b.versioning = Versioning::Enabled;
            Ok(())
        })
    }

    async fn put_object_lock_configuration(
        &self,
        bucket: &str,
        owner: &str,
        config: &ObjectLockConfig,
    ) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("PutObjectLockConfiguration", bucket);
        apply(failure, || {
            owned(owner)?;
            let b = s.locks.buckets.get_mut(bucket).ok_or_else(no_such_bucket)?;
            if b.versioning != Versioning::Enabled {
                return Err(rejected(
                    "InvalidBucketState",
                    "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                ));
            }
            b.object_lock = Some(*config);
            Ok(())
        })
    }
}

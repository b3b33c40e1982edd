//! Reading a bucket's Object Lock (HeadBucket, GetObjectLockConfiguration, and
//! GetBucketVersioning when Object Lock is off).

use crate::aws::AwsError;

use super::aws::{BucketHead, S3Api, Versioning};
use super::S3Live;

/// The bucket's live state, every call naming `owner` as the expected bucket owner. HeadBucket
/// and GetObjectLockConfiguration go out together (one round trip for a bucket with Object
/// Lock); GetBucketVersioning follows only when Object Lock is off. A bucket whose region is
/// not `provider_region` is read no further: it is a conflict, whatever the other answer was.
pub async fn read_s3(
    api: &dyn S3Api,
    bucket: &str,
    owner: &str,
    provider_region: &str,
) -> Result<S3Live, AwsError> {
    // Sent together: the lock configuration's answer counts only for a bucket that is there,
    // in this region (elsewhere it is an error that says nothing more).
    let (head, lock) = futures::join!(
        api.head_bucket(bucket, owner),
        api.get_object_lock_configuration(bucket, owner)
    );
    match head? {
        BucketHead::Missing => return Ok(S3Live::BucketMissing),
        BucketHead::In { region } if !region.is_empty() && region != provider_region => {
            return Ok(S3Live::OtherRegion {
                bucket_region: region,
                provider_region: provider_region.to_string(),
            })
        }
        BucketHead::In { .. } => {}
    }
    if let Some(config) = lock? {
        return Ok(S3Live::Enabled {
            default_retention: config.default_retention,
            default_event_hold: config.default_event_hold,
        });
    }
    Ok(match api.get_bucket_versioning(bucket, owner).await? {
        Versioning::Unversioned => S3Live::Unversioned,
        Versioning::Suspended => S3Live::VersioningSuspended,
        Versioning::Enabled => S3Live::Disabled,
    })
}

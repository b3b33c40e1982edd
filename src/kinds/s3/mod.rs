//! `s3_object_lock`: S3 Object Lock on a bucket and its default retention
//! (GetBucketVersioning, PutBucketVersioning, GetObjectLockConfiguration,
//! PutObjectLockConfiguration). Enabling Object Lock can never be undone.

pub mod desired;

pub use desired::{DefaultRetention, ObjectLockState, RetentionMode, RetentionPeriod, S3Desired};

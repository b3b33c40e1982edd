//! What the compliance report says about a bucket beyond the plan: how the live bucket moved
//! away from what the state file records lockward did (drift), and what importing a bucket
//! lockward did not lock records.

use serde_json::json;

use crate::import::{object, Adoption, DeliveredFile};
use crate::state::Record;

use super::{DefaultRetention, S3Desired, S3Live, S3Record};

fn default_words(d: Option<DefaultRetention>) -> String {
    d.map_or_else(|| "no default retention".to_string(), |d| d.to_string())
}

/// How `live` moved away from what `r` records, or `None`.
pub(crate) fn drift(live: &S3Live, r: &S3Record) -> Option<String> {
    let bucket = &r.bucket;
    match live {
        S3Live::BucketMissing => Some(format!(
            "the state file records bucket `{bucket}`, but it no longer exists for this account"
        )),
        S3Live::OtherRegion { bucket_region, .. } => Some(format!(
            "the state file records bucket `{bucket}`, but a bucket of that name is now in {bucket_region}"
        )),
        S3Live::Unversioned | S3Live::VersioningSuspended | S3Live::Disabled => {
            r.object_lock_enabled_at.map(|t| format!(
                "the state file records that lockward enabled Object Lock on bucket `{bucket}` at {}, but the bucket has no Object Lock now (it was deleted and made again?)",
                crate::words::when(t)
            ))
        }
        S3Live::Enabled {
            default_retention, ..
        } => {
            if r.versioning_enabled_at.is_some() && r.object_lock_enabled_at.is_none() {
                // lockward recorded only the versioning it enabled: it claims no default.
                return None;
            }
            let when = r
                .retention_changed_at
                .map(|t| format!(" at {}", crate::words::when(t)))
                .unwrap_or_default();
            (*default_retention != r.default_retention).then(|| format!(
                "the state file records {} on bucket `{bucket}`{when}, but S3 reports {}",
                default_words(r.default_retention),
                default_words(*default_retention)
            ))
        }
    }
}

/// What importing the bucket records: a bucket with Object Lock, as S3 reports it. `Err` says
/// why there is nothing to import.
pub(crate) fn adopt(
    d: &S3Desired,
    live: &S3Live,
    _delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    let bucket = &d.bucket;
    match live {
        S3Live::BucketMissing => Err(format!(
            "bucket `{bucket}` does not exist for this account"
        )),
        S3Live::OtherRegion {
            bucket_region,
            provider_region,
        } => Err(format!(
            "bucket `{bucket}` is in {bucket_region}, not in its provider's region {provider_region}\nhint: name a provider in {bucket_region}"
        )),
        S3Live::Unversioned | S3Live::VersioningSuspended | S3Live::Disabled => Err(format!(
            "bucket `{bucket}` has no Object Lock, so there is nothing to import\nhint: `lockward plan` shows how lockward would enable it"
        )),
        S3Live::Enabled {
            default_retention,
            default_event_hold,
        } => Ok(Adoption {
            record: Record::S3ObjectLock(S3Record {
                // When it was enabled is not something S3 reports.
                default_retention: *default_retention,
                ..S3Record::new(bucket)
            }),
            detail: object(json!({
                "bucket": bucket,
                "object_lock": "enabled",
                "default_retention": default_retention,
                "default_event_hold": default_event_hold,
            })),
            summary: format!(
                "bucket `{bucket}`: Object Lock enabled, {}",
                default_words(*default_retention)
            ),
        }),
    }
}

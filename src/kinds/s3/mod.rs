//! `s3_object_lock`: S3 Object Lock on a bucket and its default retention
//! (GetBucketVersioning, PutBucketVersioning, GetObjectLockConfiguration,
//! PutObjectLockConfiguration). Enabling Object Lock can never be undone, and a COMPLIANCE
//! default retention can never be shortened for what is written under it.
//!
//! Bucket names are global, so a bucket's physical key is `s3_object_lock:<bucket>`; every call
//! names the target's account as the expected bucket owner, and a bucket in another region than
//! its provider's is a conflict (DESIGN.md section 3.5).

pub mod aws;
pub(crate) mod config;
pub(crate) mod demo;
pub mod desired;
pub(crate) mod discover;
pub mod fake;
pub mod read;
pub mod record;
pub(crate) mod report;
pub mod sdk;
pub mod step;
pub(crate) mod words;

pub use aws::{BucketHead, ObjectLockConfig, S3Api, Versioning};
pub use desired::{DefaultRetention, ObjectLockState, RetentionMode, RetentionPeriod, S3Desired};
pub use read::read_s3;
pub use record::S3Record;
pub use sdk::SdkS3;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, ActionKind, Reversibility};

use super::Decision;

/// A COMPLIANCE default retention longer than this gets a warning in the plan: what is written
/// under it cannot be shortened by anyone.
pub const LONG_COMPLIANCE_DAYS: u64 = 3650;

/// A bucket's Object Lock as HeadBucket, GetBucketVersioning and GetObjectLockConfiguration
/// report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum S3Live {
    /// The bucket does not exist (or not for the expected owner).
    BucketMissing,
    /// The bucket is in another region than the provider's (HeadBucket's
    /// `x-amz-bucket-region`, or a 301 PermanentRedirect).
    OtherRegion {
        bucket_region: String,
        provider_region: String,
    },
    /// Versioning was never enabled; no Object Lock.
    Unversioned,
    /// Versioning is suspended; no Object Lock.
    VersioningSuspended,
    /// Versioning is enabled, Object Lock is not.
    Disabled,
    /// Object Lock is on: it can never be turned off.
    Enabled {
        /// `None`: no default retention.
        default_retention: Option<DefaultRetention>,
        /// The rule's `DefaultEventHold`, which lockward does not manage: carried unchanged in
        /// every put it makes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default_event_hold: Option<RetentionPeriod>,
    },
}

/// The transition table of DESIGN.md section 3.5 for one bucket. Pure. Two defaults are the
/// same only if their mode, unit and number are equal: `years: 7` is not `days: 2555`.
pub fn decide(desired: &S3Desired, live: &S3Live) -> Decision {
    let mut d = Decision::default();
    let bucket = &desired.bucket;
    let wanted = desired.default_retention;
    match (desired.object_lock, live) {
        (_, S3Live::BucketMissing) => d.conflict(format!(
            "bucket `{bucket}` does not exist for this account; lockward locks buckets but does not create them"
        )),
        (
            _,
            S3Live::OtherRegion {
                bucket_region,
                provider_region,
            },
        ) => d.conflict(format!(
            "bucket `{bucket}` is in region {bucket_region}, but its provider says {provider_region}: name a provider in {bucket_region}"
        )),
        (
            ObjectLockState::Disabled,
            S3Live::Unversioned | S3Live::VersioningSuspended | S3Live::Disabled,
        ) => {}
        (ObjectLockState::Disabled, S3Live::Enabled { .. }) => d.conflict(format!(
            "Object Lock is enabled on bucket `{bucket}` and can never be disabled (nor its versioning suspended); set `object_lock: enabled` to adopt it"
        )),
        (ObjectLockState::Enabled, S3Live::Unversioned | S3Live::VersioningSuspended) => {
            d.actions.push(enable_versioning(bucket));
            d.actions.push(enable_object_lock(bucket));
            if let Some(r) = wanted {
                put_default_retention(&mut d, bucket, r, None);
            }
        }
        (ObjectLockState::Enabled, S3Live::Disabled) => {
            d.actions.push(enable_object_lock(bucket));
            if let Some(r) = wanted {
                put_default_retention(&mut d, bucket, r, None);
            }
        }
        (
            ObjectLockState::Enabled,
            S3Live::Enabled {
                default_retention,
                default_event_hold,
            },
        ) => {
            if let Some(hold) = default_event_hold {
                d.note(format!(
                    "the bucket's DefaultEventHold ({hold}) is not managed by lockward and is kept unchanged"
                ));
            }
            match (wanted, default_retention) {
                (w, l) if w == *l => {}
                (None, None) => {}
                (Some(r), live) => put_default_retention(&mut d, bucket, r, *live),
                (None, Some(l)) => {
                    if let Some(hold) = default_event_hold {
                        d.warn(format!(
                            "removing the default retention also removes the DefaultEventHold ({hold}): S3 keeps it only inside a default retention rule"
                        ));
                    }
                    // Versions written afterwards can be deleted at once: always lower.
                    d.actions.push(
                        Action::ready(
                            ActionKind::REMOVE_DEFAULT_RETENTION,
                            format!(
                                "remove the default retention ({l}) of bucket `{bucket}`: object versions written afterwards get no retention unless asked for; versions already written keep theirs"
                            ),
                        )
                        .lowering_protection(true),
                    );
                }
            }
        }
    }
    d
}

fn enable_versioning(bucket: &str) -> Action {
    Action::ready(
        ActionKind::ENABLE_VERSIONING,
        format!(
            "enable versioning on bucket `{bucket}`, which Object Lock needs (it can still be suspended until Object Lock is on)"
        ),
    )
}

fn enable_object_lock(bucket: &str) -> Action {
    Action::ready(
        ActionKind::ENABLE_OBJECT_LOCK,
        format!(
            "enable Object Lock on bucket `{bucket}`: it can never be disabled, nor versioning suspended again; from then on every object version written can be locked against deletion"
        ),
    )
    .with_reversibility(Reversibility::Irreversible)
}

/// Plans putting the default `r` on a bucket whose default is `before` (`None`: none, or
/// Object Lock not on yet).
fn put_default_retention(
    d: &mut Decision,
    bucket: &str,
    r: DefaultRetention,
    before: Option<DefaultRetention>,
) {
    let (reversibility, meaning) = match r.mode {
        RetentionMode::Compliance => (
            Reversibility::Irreversible,
            format!(
                "every object version written afterwards can be deleted or overwritten by no one, the root user included, until {} after it was written; that can never be shortened",
                r.period
            ),
        ),
        RetentionMode::Governance => (
            Reversibility::Reversible,
            format!(
                "every object version written afterwards is protected for {}, unless a user allowed s3:BypassGovernanceRetention lifts it",
                r.period
            ),
        ),
    };
    if r.mode == RetentionMode::Compliance && r.period.approximate_days() > LONG_COMPLIANCE_DAYS {
        d.warn(format!(
            "a COMPLIANCE default of {} is longer than 10 years: what is written under it cannot be deleted or shortened for that long, by anyone",
            r.period
        ));
    }
    d.actions.push(
        Action::ready(
            ActionKind::PUT_DEFAULT_RETENTION,
            format!("set the default retention of bucket `{bucket}` to {r}: {meaning}"),
        )
        .with_reversibility(reversibility)
        .lowering_protection(before.is_some_and(|before| default_lowers_protection(before, r))),
    );
}

/// Whether replacing the default retention `before` with `after` lowers protection: an
/// object version written afterwards may then be deleted or overwritten at some moment when
/// one written under `before` could not (DESIGN.md section 1). That is so when the mode goes
/// from COMPLIANCE to GOVERNANCE (users allowed s3:BypassGovernanceRetention may lift it), or
/// when the period may be shorter ([`may_be_shorter`]). Removing a default always lowers
/// protection; putting one where there was none never does.
pub fn default_lowers_protection(before: DefaultRetention, after: DefaultRetention) -> bool {
    let weaker_mode =
        before.mode == RetentionMode::Compliance && after.mode == RetentionMode::Governance;
    weaker_mode || may_be_shorter(after.period, before.period)
}

/// Whether retention for `after` can end earlier than retention for `before`, for a version
/// written at some moment. In one unit the numbers decide. Across units a year is 365 or 366
/// days depending on the leap days it spans, so the comparison takes the reading that calls
/// more periods shorter: `y` years last at least `365 y` days and at most `365 y + ⌈y/4⌉`.
pub fn may_be_shorter(after: RetentionPeriod, before: RetentionPeriod) -> bool {
    use RetentionPeriod::{Days, Years};
    let (shortest_years, longest_years) = (
        |y: u32| u64::from(y) * 365,
        |y: u32| u64::from(y) * 365 + u64::from(y).div_ceil(4),
    );
    match (after, before) {
        (Days(a), Days(b)) | (Years(a), Years(b)) => a < b,
        (Days(a), Years(b)) => u64::from(a) < longest_years(b),
        (Years(a), Days(b)) => shortest_years(a) < u64::from(b),
    }
}

/// `s3_object_lock`: S3 Object Lock on a bucket and its default retention.
pub struct S3;

crate::kinds::kind_actions! {
    /// S3's actions on a bucket's versioning and Object Lock. The name of each is what plans and journals say; the class is the least the
    /// plan may give it (`decide` may raise it for a resource).
    S3Action in S3ObjectLock {
        EnableVersioning = "enable_versioning", Reversible, ENABLE_VERSIONING, ["s3:PutBucketVersioning"];
        EnableObjectLock = "enable_object_lock", Irreversible, ENABLE_OBJECT_LOCK, ["s3:PutBucketObjectLockConfiguration"];
        PutDefaultRetention = "put_default_retention", Reversible, PUT_DEFAULT_RETENTION, ["s3:PutBucketObjectLockConfiguration"];
        RemoveDefaultRetention = "remove_default_retention", Reversible, REMOVE_DEFAULT_RETENTION, ["s3:PutBucketObjectLockConfiguration"];
    }
}

impl super::LockKind for S3 {
    const KIND: super::Kind = super::Kind::S3ObjectLock;
    const SERVICE: &'static str = "s3";
    type Action = S3Action;
    const ACTIONS: &'static [ActionKind] = &[
        ActionKind::ENABLE_VERSIONING,
        ActionKind::ENABLE_OBJECT_LOCK,
        ActionKind::PUT_DEFAULT_RETENTION,
        ActionKind::REMOVE_DEFAULT_RETENTION,
    ];
    const LISTED: crate::words::Counted = crate::words::Counted {
        one: "bucket",
        many: "buckets",
        note: "",
    };
    const NOUN: &'static str = "bucket";
    /// HeadBucket with GetObjectLockConfiguration, then GetBucketVersioning when Object Lock
    /// is off.
    const READ_DEPTH: usize = 2;
    /// Every S3 call names the expected bucket owner.
    const READ_NEEDS_ACCOUNT: bool = true;
    const DISCOVER_PERMISSIONS: &'static [&'static str] =
        &["s3:ListAllMyBuckets", "s3:GetBucketObjectLockConfiguration"];
    const IDENTITY_FIELDS: &'static [&'static str] = &["bucket"];
    const READ_PERMISSIONS: &'static [&'static str] = &[
        "s3:ListBucket",
        "s3:GetBucketVersioning",
        "s3:GetBucketObjectLockConfiguration",
    ];
    type Desired = S3Desired;
    type Live = S3Live;
    type Record = S3Record;

    fn physical_id<'a>(
        desired: &'a S3Desired,
        _target: &'a crate::vocabulary::Target,
    ) -> (Option<&'a str>, &'a str) {
        // Bucket names are global: the name alone is the bucket, whatever the account.
        (None, &desired.bucket)
    }

    async fn read(
        desired: &S3Desired,
        _config_dir: &std::path::Path,
        target: &crate::vocabulary::Target,
        clients: &crate::aws::ProviderClients,
        _now: jiff::Timestamp,
    ) -> Result<S3Live, crate::aws::AwsError> {
        read_s3(
            clients.s3.as_ref(),
            &desired.bucket,
            &target.account,
            &target.region,
        )
        .await
    }

    fn decide(
        desired: &S3Desired,
        live: &S3Live,
        _target: &crate::vocabulary::Target,
        _record: Option<&S3Record>,
        _attempts: &[&crate::plan::Attempt],
        _now: jiff::Timestamp,
    ) -> Decision {
        decide(desired, live)
    }

    fn describe(r: &crate::plan::ResourcePlan) -> Option<crate::words::ResourceWords> {
        words::describe(r)
    }

    fn consequence(action: ActionKind, class: crate::plan::Reversibility) -> Option<&'static str> {
        words::consequence(action, class)
    }

    async fn step(
        action: S3Action,
        desired: &S3Desired,
        step: &crate::apply::step::Step<'_, '_>,
        clients: &crate::aws::ProviderClients,
    ) -> Result<String, crate::apply::step::StepError> {
        self::step::s3_action(step, action.into(), desired, clients).await
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod emulated;

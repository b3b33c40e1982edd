//! The words for humans about a bucket's Object Lock: what the plan's live and desired values
//! say. The plan's values are read back into the kind's own types, so a word can only restate
//! a field the plan holds.

use crate::plan::{ActionKind, ResourcePlan, Reversibility};
use crate::words::{Phrase, ResourceWords};

use super::{DefaultRetention, ObjectLockState, S3Desired, S3Live};

fn default_words(d: Option<DefaultRetention>) -> String {
    match d {
        None => "no default retention".to_string(),
        Some(d) => format!("default retention {d}"),
    }
}

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let live: S3Live = serde_json::from_value(r.live.clone()).ok()?;
    let desired: S3Desired = serde_json::from_value(r.desired.clone()).ok()?;
    let subject = Phrase::of_text("bucket ").value(desired.bucket);
    let live_words = match live {
        S3Live::BucketMissing => Phrase::of_text("the bucket does not exist for this account"),
        S3Live::OtherRegion {
            bucket_region,
            provider_region,
        } => Phrase::of_text("the bucket is in ")
            .value(bucket_region)
            .text(", not in the provider's ")
            .value(provider_region),
        S3Live::Unversioned => Phrase::of_text("unversioned, no Object Lock"),
        S3Live::VersioningSuspended => Phrase::of_text("versioning suspended, no Object Lock"),
        S3Live::Disabled => Phrase::of_text("versioned, no Object Lock"),
        S3Live::Enabled {
            default_retention,
            default_event_hold,
        } => {
            let mut words = format!(
                "Object Lock enabled (for good), {}",
                default_words(default_retention)
            );
            if let Some(hold) = default_event_hold {
                words.push_str(&format!(", DefaultEventHold {hold} (kept as it is)"));
            }
            Phrase::of_text(words)
        }
    };
    let desired_words = match desired.object_lock {
        ObjectLockState::Enabled => Phrase::of_text(format!(
            "Object Lock enabled, {}",
            default_words(desired.default_retention)
        )),
        ObjectLockState::Disabled => Phrase::of_text("no Object Lock"),
    };
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
        in_full: None,
        diff_of: None,
    })
}

/// What the action's class means for this action, in a reviewer's terms; `None` for an action
/// of another kind. The class is the one the plan gives it for this resource: a default
/// retention means one thing in governance mode and another in compliance mode.
pub(crate) fn consequence(action: ActionKind, class: Reversibility) -> Option<&'static str> {
    let irreversible = class == Reversibility::Irreversible;
    Some(match action {
        ActionKind::ENABLE_VERSIONING => "versioning can be suspended until Object Lock is on",
        ActionKind::ENABLE_OBJECT_LOCK => {
            "Object Lock can never be disabled, nor the bucket's versioning suspended"
        }
        ActionKind::PUT_DEFAULT_RETENTION if irreversible => {
            "no one can shorten the COMPLIANCE retention of a version written under this default"
        }
        ActionKind::PUT_DEFAULT_RETENTION => {
            "a GOVERNANCE default can be changed or removed, and lifted by users allowed to bypass it"
        }
        ActionKind::REMOVE_DEFAULT_RETENTION => {
            "a default can be set again; versions already written keep their retention"
        }
        _ => return None,
    })
}

//! The words for humans about a snapshot and its lock: what the plan's live and desired values
//! say. The plan's values are read back into the kind's own types, so a word can only restate a
//! field the plan holds.

use crate::plan::{ActionKind, ResourcePlan, Reversibility};
use crate::words::{days, when, Phrase, ResourceWords};

use super::{EbsDesired, EbsLive, EbsMode, LiveLock};

fn until(l: &LiveLock) -> Phrase {
    match (l.expires, l.duration_days) {
        (Some(t), _) => Phrase::of_text(" until ").value(when(t)),
        (None, Some(d)) => Phrase::of_text(format!(
            " for {} from the snapshot's completion",
            days(u64::from(d))
        )),
        (None, None) => Phrase::default(),
    }
}

fn join(mut a: Phrase, b: Phrase) -> Phrase {
    a.0.extend(b.0);
    a
}

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let live: EbsLive = serde_json::from_value(r.live.clone()).ok()?;
    let desired: EbsDesired = serde_json::from_value(r.desired.clone()).ok()?;
    let subject = match (&desired.snapshot_id, &desired.select_tags) {
        (Some(id), _) => Phrase::of_text("snapshot ").value(id.clone()),
        (None, Some(tags)) => {
            let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Phrase::of_text("snapshots tagged ").value(tags.join(", "))
        }
        (None, None) => Phrase::of_text("snapshots"),
    };
    let live_words = match &live {
        EbsLive::SnapshotMissing => Phrase::of_text("the snapshot does not exist"),
        EbsLive::NoMatch => Phrase::of_text("no snapshot has these tags"),
        EbsLive::None { expired: Some(t) } => Phrase::of_text("no lock (the last one expired at ")
            .value(when(*t))
            .text(")"),
        EbsLive::None { expired: None } => Phrase::of_text("no lock"),
        EbsLive::Governance { lock } => join(Phrase::of_text("governance lock"), until(lock)),
        EbsLive::ComplianceCooloff {
            lock,
            cool_off_ends,
        } => join(Phrase::of_text("compliance lock"), until(lock))
            .text(", in its cool-off until ")
            .value(when(*cool_off_ends)),
        EbsLive::Compliance { lock } => {
            join(Phrase::of_text("compliance lock"), until(lock)).text(", past its cool-off")
        }
    };
    let expiry = match (desired.until, desired.duration_days) {
        (Some(t), _) => Phrase::of_text(" until ").value(when(t)),
        (None, Some(d)) => Phrase::of_text(format!(" for {}", days(u64::from(d)))),
        (None, None) => Phrase::default(),
    };
    let desired_words = match desired.mode {
        EbsMode::None => Phrase::of_text("no lock"),
        EbsMode::Governance => join(Phrase::of_text("governance lock"), expiry),
        EbsMode::Compliance => {
            let p = join(Phrase::of_text("compliance lock"), expiry);
            match desired.cool_off_hours {
                Some(h) => p.text(format!(", with a {h}-hour cool-off")),
                None => p.text(", final at once (no cool-off)"),
            }
        }
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
/// of another kind.
pub(crate) fn consequence(action: ActionKind, class: Reversibility) -> Option<&'static str> {
    Some(match action {
        ActionKind::LOCK_SNAPSHOT if class == Reversibility::Irreversible => {
            "after its cool-off (at once without one) nobody, AWS included, can unlock or shorten a compliance lock or delete the snapshot until it expires"
        }
        ActionKind::LOCK_SNAPSHOT => "a governance lock can be unlocked or shortened at any time",
        ActionKind::UNLOCK_SNAPSHOT => "the snapshot can be locked again",
        _ => return None,
    })
}

//! The words for humans about a job and its code's delivery: what the plan's live and desired
//! values say. The plan's values are read back into the kind's own types, so a word can only
//! restate a field the plan holds.

use crate::plan::{ActionKind, ResourcePlan, Reversibility};
use crate::words::{Phrase, ResourceWords};

use super::{DeliveryTarget, SnowballDesired, SnowballLive};

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let live: SnowballLive = serde_json::from_value(r.live.clone()).ok()?;
    let desired: SnowballDesired = serde_json::from_value(r.desired.clone()).ok()?;
    let subject = Phrase::of_text("job ").value(desired.job_id);
    let live_words = match live {
        SnowballLive::JobMissing { .. } => Phrase::of_text("the job does not exist"),
        SnowballLive::Present(job) => {
            let p = Phrase::default()
                .value(job.job_state)
                .text(" (created ")
                .value(crate::words::when(job.created))
                .text(")");
            match job.delivery {
                DeliveryTarget::File { fingerprint } => p
                    .text(", a file with fingerprint ")
                    .value(fingerprint)
                    .text(" at the delivery path"),
                DeliveryTarget::Refused { reason } => p.text(", delivery refused: ").value(reason),
                DeliveryTarget::Absent { .. } => p.text(", code not delivered"),
            }
        }
    };
    let desired_words =
        Phrase::of_text("code delivered to ").value(desired.deliver_to.display().to_string());
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
pub(crate) fn consequence(action: ActionKind, _class: Reversibility) -> Option<&'static str> {
    Some(match action {
        ActionKind::RETRIEVE_UNLOCK_CODE => "a disclosed unlock code stays disclosed",
        ActionKind::COMPLETE_DELIVERY => {
            "no AWS call: the code already retrieved is linked into place, and the file can be moved away"
        }
        _ => return None,
    })
}

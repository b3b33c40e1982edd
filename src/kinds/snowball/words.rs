//! The words for humans about a job and its code's delivery: what the plan's live and desired values say.

use serde_json::Value;

use crate::plan::ResourcePlan;
use crate::render::describe::{str_field, Phrase, ResourceWords};

/// Describes the resource's live and desired values; `None` for a shape this build does not
/// know (the caller then shows the JSON).
pub(crate) fn describe(r: &ResourcePlan) -> Option<ResourceWords> {
    let (live, desired) = (&r.live, &r.desired);
    let subject = Phrase::of_text("job ").value(str_field(desired, "job_id")?);
    let live_words = match str_field(live, "state")? {
        "job_missing" => Phrase::of_text("the job does not exist"),
        "present" => {
            let mut p = Phrase::default().value(str_field(live, "job_state")?);
            if let Some(created) = str_field(live, "created") {
                p = p.text(" (created ").value(created).text(")");
            }
            let delivery = live.get("delivery").unwrap_or(&Value::Null);
            match str_field(delivery, "state") {
                Some("file") => p
                    .text(", a file with fingerprint ")
                    .value(str_field(delivery, "fingerprint").unwrap_or_default())
                    .text(" at the delivery path"),
                Some("refused") => p
                    .text(", delivery refused: ")
                    .value(str_field(delivery, "reason").unwrap_or_default()),
                _ => p.text(", code not delivered"),
            }
        }
        _ => return None,
    };
    let desired_words =
        Phrase::of_text("code delivered to ").value(str_field(desired, "deliver_to")?);
    Some(ResourceWords {
        subject,
        live: live_words,
        desired: desired_words,
    })
}

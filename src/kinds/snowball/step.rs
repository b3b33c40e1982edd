//! Snowball's action: GetJobUnlockCode, delivered to its file.

use serde_json::json;

use super::deliver;
use crate::apply::step::{Phase, Step, StepError};
use crate::aws::ProviderClients;
use crate::plan::ActionKind;
use crate::state::Record;

use super::{SnowballDesired, SnowballLive, SnowballRecord};

pub(crate) async fn retrieve(
    step: &Step<'_, '_>,
    d: &SnowballDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::RETRIEVE_UNLOCK_CODE;
    // Prepare the file before the code exists, so a code once disclosed is not lost to a
    // file that cannot be written.
    let pending = deliver::Pending::prepare(&d.deliver_to, step.config_dir())
        .map_err(|e| StepError(format!("retrieve_unlock_code not attempted: {e}")))?;
    // Never repeated after an answer that may hide a disclosure: every call discloses the
    // code again.
    let sent = step
        .once_per_intent(
            action,
            json!({"job_id": d.job_id, "deliver_to": d.deliver_to}),
            || c.snowball.get_job_unlock_code(&d.job_id),
        )
        .await?;
    let code = match sent {
        Ok(code) => code,
        // AWS may have disclosed the code without it reaching lockward. Say so; never
        // call again on our own.
        Err(e) if e.is_ambiguous() => {
            let detail = json!({"error": e.to_string(), "code": e.code, "note": "outcome unknown: the code may have been disclosed without reaching lockward"});
            step.journal(action, Phase::Failed, detail).await?;
            return Err(StepError(format!(
                "retrieve_unlock_code's outcome is unknown ({e}): AWS may have disclosed the unlock code, but it never reached lockward, so nothing was written to `{}`\nhint: lockward does not retry this call on its own; the next apply retrieves the code again only after you approve it again",
                d.deliver_to.display()
            )));
        }
        Err(e) => return Err(step.failed(action, &e, "fix the cause above; the next apply asks for confirmation again before retrieving the code").await),
    };
    let fingerprint = match pending.commit(&code) {
        Ok(fingerprint) => fingerprint,
        Err(deliver::NotDelivered {
            error,
            kept: Some((temp, fingerprint)),
        }) => {
            // The code is in its temp file, the only copy: keep it, record its fingerprint,
            // and let the next plan complete the delivery.
            let kept = deliver::display(&temp, step.config_dir());
            let message = format!(
                "the unlock code was retrieved but could not be linked to `{}`: {error}; it is kept in `{kept}` (mode 0600)",
                d.deliver_to.display()
            );
            step.journal(
                action,
                Phase::Failed,
                json!({"error": message, "fingerprint": fingerprint, "kept": kept}),
            )
            .await?;
            return Err(StepError(format!(
                "{message}\nhint: run `lockward plan`: it shows complete_delivery (no AWS call) once `{}` is free, or a conflict naming both files while it is not",
                d.deliver_to.display()
            )));
        }
        Err(deliver::NotDelivered { error, kept: None }) => {
            let message = format!(
                "the unlock code was retrieved but could not be written to `{}`: {error}",
                d.deliver_to.display()
            );
            step.journal(action, Phase::Failed, json!({"error": message}))
                .await?;
            return Err(StepError(format!(
                "{message}\nhint: fix the file system problem and apply again (the code will be retrieved again)"
            )));
        }
    };
    record_delivery(step, d, &fingerprint).await?;
    step.journal(
        action,
        Phase::Done,
        json!({"job_id": d.job_id, "fingerprint": fingerprint}),
    )
    .await?;
    Ok(format!(
        "delivered to {} (fingerprint {})",
        d.deliver_to.display(),
        short(&fingerprint)
    ))
}

/// Links the code kept in a temp file (the one the approved plan found) into `deliver_to`;
/// no AWS call. The state records the delivery as a retrieval would have.
pub(crate) async fn complete_delivery(
    step: &Step<'_, '_>,
    d: &SnowballDesired,
) -> Result<String, StepError> {
    let action = ActionKind::COMPLETE_DELIVERY;
    // The plan completes a delivery only when the live value it was decided from holds a kept
    // code; that value travels in the plan as JSON (possibly a saved plan file), so no type
    // carries the code's path from the decision to here.
    let live: Option<SnowballLive> = serde_json::from_value(step.live().clone()).ok();
    let Some(kept) = live.as_ref().and_then(|l| l.kept().first()).cloned() else {
        return Err(StepError(format!(
            "internal error: the plan completes the delivery of {} without a kept code; this is a bug in lockward",
            step.address()
        )));
    };
    let detail = json!({"job_id": d.job_id, "deliver_to": d.deliver_to, "kept": kept.path, "fingerprint": kept.fingerprint});
    step.journal(action, Phase::Intent, detail.clone()).await?;
    if let Err(e) = deliver::complete(&kept, &d.deliver_to, step.config_dir()) {
        step.journal(action, Phase::Failed, json!({"error": e.to_string()}))
            .await?;
        return Err(StepError(format!(
            "complete_delivery failed: {e}\nhint: nothing was deleted; fix the cause, plan again and apply"
        )));
    }
    record_delivery(step, d, &kept.fingerprint).await?;
    step.journal(action, Phase::Done, detail).await?;
    Ok(format!(
        "delivered to {} from {} (fingerprint {})",
        d.deliver_to.display(),
        kept.path.display(),
        short(&kept.fingerprint)
    ))
}

/// Saves the state recording that the code with `fingerprint` is now at `deliver_to`.
async fn record_delivery(
    step: &Step<'_, '_>,
    d: &SnowballDesired,
    fingerprint: &str,
) -> Result<(), StepError> {
    let record = SnowballRecord {
        job_id: d.job_id.clone(),
        fingerprint: fingerprint.to_string(),
        deliver_to: d.deliver_to.clone(),
        delivered_at: step.now(),
        target: None,
        physical_key: None,
    };
    step.save(|s| s.set(step.address(), Record::SnowballUnlockCode(record)))
        .await?;
    Ok(())
}

fn short(fingerprint: &str) -> &str {
    let hex = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
    &hex[..hex.len().min(12)]
}

//! What the compliance report says about a snowball resource beyond the plan: how the live value
//! moved away from what the state file records lockward did (drift), and what importing it
//! records.

use serde_json::{json, Value};

use crate::import::{object, Adoption, DeliveredFile};
use crate::state::Record;

use super::{SnowballDesired, SnowballLive, SnowballRecord};

/// How `live` moved away from what the record says lockward reached, or `None`.
pub(crate) fn drift(live: &SnowballLive, r: &SnowballRecord, desired: &Value) -> Option<String> {
    let SnowballLive::Present(job) = live else {
        return None;
    };
    let same_target = desired.get("job_id").and_then(Value::as_str) == Some(r.job_id.as_str())
        && desired.get("deliver_to").and_then(Value::as_str) == r.deliver_to.to_str();
    if !same_target {
        return None;
    }
    match job.delivery.fingerprint() {
        None => Some(format!(
            "the state file records that lockward delivered the unlock code to `{}` at {}, but the file is gone",
            r.deliver_to.display(),
            crate::words::when(r.delivered_at)
        )),
        Some(fp) if fp != r.fingerprint => Some(format!(
            "`{}` no longer holds the code lockward delivered at {} (its fingerprint changed)",
            r.deliver_to.display(),
            crate::words::when(r.delivered_at)
        )),
        Some(_) => None,
    }
}

/// What importing the resource records, from its live state (and for Snowball what sits at
/// `deliver_to`). `Err` says why it cannot be imported and what to do instead. Pure.
pub(crate) fn adopt(
    d: &SnowballDesired,
    live: &SnowballLive,
    delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    let path = d.deliver_to.display();
    if let SnowballLive::JobMissing { .. } = live {
        return Err(format!(
            "Snowball job `{}` does not exist in this account and region",
            d.job_id
        ));
    }
    match delivered {
        DeliveredFile::Missing => Err(format!(
            "`{path}` does not exist, so there is no delivery to import\nhint: `lockward plan` shows when lockward can retrieve the code"
        )),
        DeliveredFile::Unusable(why) => Err(format!("`{path}` {why}; lockward will not adopt it")),
        DeliveredFile::File { looks_like_code: false, .. } => Err(format!(
            "`{path}` does not hold something shaped like an unlock code (29 characters: five groups of five letters or digits joined by `-`); lockward will not adopt it\nhint: check the file, or move it away and let `lockward apply` deliver the code"
        )),
        DeliveredFile::File { fingerprint, modified, looks_like_code: true } => Ok(Adoption {
            record: Record::SnowballUnlockCode(SnowballRecord {
                job_id: d.job_id.clone(),
                fingerprint: fingerprint.clone(),
                deliver_to: d.deliver_to.clone(),
                delivered_at: *modified,
                target: None,
                physical_key: None,
            }),
            detail: object(json!({"job_id": d.job_id, "deliver_to": d.deliver_to, "fingerprint": fingerprint, "file_modified": modified.to_string()})),
            summary: format!(
                "job `{}`: the code at `{path}` (fingerprint {fingerprint}); lockward cannot check it is this job's code without retrieving the code again, so it trusts the file",
                d.job_id
            ),
        }),
    }
}

/// What the report says about the job beyond the plan: the last moment AWS gives out its
/// unlock code (360 days after the job was created).
pub(crate) fn facts(d: &SnowballDesired, live: &SnowballLive) -> crate::report::KindFacts {
    let mut facts = crate::report::KindFacts::default();
    if let Some(end) = match live {
        SnowballLive::Present(job) => job.created.checked_add(super::CODE_LIFETIME).ok(),
        SnowballLive::JobMissing { .. } => None,
    } {
        facts.moments.push((
            end,
            format!(
                "the unlock code of Snowball job `{}` can no longer be retrieved (360 days after the job was created)",
                d.job_id
            ),
            false,
        ));
    }
    facts
}

//! `snowball_unlock_code`: delivering a Snowball job's unlock code to a file
//! (DescribeJob, GetJobUnlockCode). Retrieving the code is `irreversible`: a secret once
//! disclosed stays disclosed. Only the code's SHA-256 fingerprint is ever recorded or shown.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::config::SnowballDesired;
use crate::plan::{Action, ActionKind};
use crate::state::SnowballRecord;

use super::Decision;

/// AWS hands out a job's unlock code only this long after the job was created.
pub const CODE_LIFETIME: SignedDuration = SignedDuration::from_hours(360 * 24);

/// Job states before the device reaches the customer: the code is not available yet.
pub const BEFORE_CUSTOMER: [&str; 6] = [
    "New",
    "PreparingAppliance",
    "PreparingShipment",
    "InTransitToCustomer",
    "Pending",
    "Listing",
];

/// Job states after the customer sent the device back: the code will never be available.
pub const AFTER_CUSTOMER: [&str; 6] = [
    "InTransitToAWS",
    "WithAWSSortingFacility",
    "WithAWS",
    "InProgress",
    "Complete",
    "Cancelled",
];

/// The job (DescribeJob) and what sits at `deliver_to` now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SnowballLive {
    /// DescribeJob does not know the job (never created, or purged since).
    JobMissing {
        /// `sha256:…` of the file at `deliver_to`, or `None` when there is no file.
        delivered_fingerprint: Option<String>,
    },
    Present(SnowballJob),
}

impl SnowballLive {
    /// What sits at `deliver_to` now.
    pub fn delivered_fingerprint(&self) -> Option<&str> {
        match self {
            SnowballLive::JobMissing {
                delivered_fingerprint,
            } => delivered_fingerprint.as_deref(),
            SnowballLive::Present(job) => job.delivered_fingerprint.as_deref(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnowballJob {
    pub job_state: String,
    pub created: Timestamp,
    /// `sha256:…` of the file at `deliver_to`, or `None` when there is no file.
    pub delivered_fingerprint: Option<String>,
}

/// The outcomes of DESIGN.md section 3 for one job.
pub fn decide(
    desired: &SnowballDesired,
    live: &SnowballLive,
    record: Option<&SnowballRecord>,
    now: Timestamp,
) -> Decision {
    let mut d = Decision::default();
    let job_id = &desired.job_id;
    let path = desired.deliver_to.display();
    // Only a delivery of this job's code to this path counts: a record of another job's code
    // must never make the file at `deliver_to` pass for this one.
    let recorded = record
        .filter(|r| r.job_id == desired.job_id && r.deliver_to == desired.deliver_to)
        .map(|r| r.fingerprint.as_str());
    // Delivered, and the file still holds that code: nothing to do, whatever became of the job
    // since (even one AWS no longer knows).
    match (live.delivered_fingerprint(), recorded) {
        (Some(on_disk), Some(rec)) if on_disk == rec => return d,
        (Some(_), Some(_)) => {
            d.conflict(format!(
                "`{path}` no longer holds the unlock code lockward delivered (its fingerprint changed); lockward will not overwrite it: restore it, or move it away to deliver the code again"
            ));
            return d;
        }
        (Some(_), None) => {
            d.conflict(format!(
                "`{path}` already exists and lockward has no record of delivering it; lockward never overwrites a file: move it away, or import the delivery"
            ));
            return d;
        }
        (None, _) => {}
    }
    let job = match live {
        SnowballLive::JobMissing { .. } => {
            d.conflict(format!(
                "Snowball job `{job_id}` does not exist in this account and region"
            ));
            return d;
        }
        SnowballLive::Present(job) => job,
    };
    if recorded.is_some() {
        d.messages.push(format!(
            "the unlock code was delivered before, but `{path}` is gone: it will be retrieved again"
        ));
    }
    let state = job.job_state.as_str();
    let retrieve_reason = format!("retrieve the unlock code and write it to `{path}` (mode 0600)");
    if now > job.created + CODE_LIFETIME {
        // Before the other states: such a job's code can never be retrieved, whatever it waits for.
        d.conflict(format!(
            "the job was created at {}, more than 360 days ago: AWS no longer gives out its unlock code",
            job.created
        ));
    } else if BEFORE_CUSTOMER.contains(&state) {
        d.actions.push(Action::deferred(
            ActionKind::RetrieveUnlockCode,
            None,
            format!("the job is {state}; its unlock code can be retrieved once it is WithCustomer"),
        ));
        d.messages.push(format!(
            "waiting for the device to reach the customer: job is {state}"
        ));
    } else if AFTER_CUSTOMER.contains(&state) {
        d.conflict(format!(
            "the job is {state}: the device has left the customer, and AWS no longer gives out its unlock code"
        ));
    } else if state == "WithCustomer" {
        d.actions.push(Action::ready(
            ActionKind::RetrieveUnlockCode,
            retrieve_reason,
        ));
    } else {
        d.conflict(format!("the job is in state `{state}`, which lockward does not know; it will not retrieve the code"));
    }
    d
}

#[cfg(test)]
mod tests;

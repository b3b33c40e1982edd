//! `snowball_unlock_code`: delivering a Snowball job's unlock code to a file
//! (DescribeJob, GetJobUnlockCode). Retrieving the code is `irreversible`: a secret once
//! disclosed stays disclosed. Only the code's SHA-256 fingerprint is ever recorded or shown.

pub mod aws;
pub(crate) mod config;
pub mod deliver;
pub(crate) mod demo;
pub mod desired;
pub mod fake;
pub mod read;
pub mod record;
pub(crate) mod report;
pub(crate) mod sdk;
mod step;
pub(crate) mod words;

pub use aws::{JobInfo, SnowballApi};
pub use deliver::KeptCode;
pub use desired::SnowballDesired;
pub use read::read_snowball;
pub use record::SnowballRecord;
pub(crate) use sdk::SdkSnowball;

use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, ActionKind, Attempt, Effect};

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

/// What sits at a `deliver_to` path now, and whether apply could deliver there. Read at plan
/// time (so a delivery apply would refuse is a conflict before anyone approves it) and again
/// by apply right before the code is retrieved. Never holds the code: only its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeliveryTarget {
    /// Nothing there: apply can deliver. `creates_dir` when apply first creates the missing
    /// directory (mode 0700; only inside the config file's directory).
    Absent { creates_dir: bool },
    /// A regular file, with the fingerprint of what it holds (never the code itself).
    File {
        #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
        fingerprint: String,
    },
    /// Apply would refuse to deliver here, for this reason.
    Refused { reason: String },
}

impl DeliveryTarget {
    /// The fingerprint of the file there, if a regular file is there.
    pub fn fingerprint(&self) -> Option<&str> {
        match self {
            DeliveryTarget::File { fingerprint } => Some(fingerprint),
            _ => None,
        }
    }
}

/// The job (DescribeJob) and what sits at `deliver_to` now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum SnowballLive {
    /// DescribeJob does not know the job (never created, or purged since).
    JobMissing {
        delivery: DeliveryTarget,
        /// Temp files beside `deliver_to` that hold a code whose delivery did not complete.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        kept: Vec<KeptCode>,
    },
    Present(SnowballJob),
}

impl SnowballLive {
    /// What sits at `deliver_to` now.
    pub fn delivery(&self) -> &DeliveryTarget {
        match self {
            SnowballLive::JobMissing { delivery, .. } => delivery,
            SnowballLive::Present(job) => &job.delivery,
        }
    }

    /// The temp files beside `deliver_to` that hold a code whose delivery did not complete.
    pub fn kept(&self) -> &[KeptCode] {
        match self {
            SnowballLive::JobMissing { kept, .. } => kept,
            SnowballLive::Present(job) => &job.kept,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnowballJob {
    pub job_state: String,
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub created: Timestamp,
    /// What sits at `deliver_to` now.
    pub delivery: DeliveryTarget,
    /// Temp files beside `deliver_to` that hold a code whose delivery did not complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<KeptCode>,
}

/// The outcomes of DESIGN.md section 3 for one job. `attempts` are the journal's earlier
/// attempts at this resource: a retrieval whose outcome is unknown is a different decision
/// from a first retrieval, and the plan says so.
pub fn decide(
    desired: &SnowballDesired,
    live: &SnowballLive,
    record: Option<&SnowballRecord>,
    attempts: &[&Attempt],
    now: Timestamp,
) -> Decision {
    let mut d = Decision::default();
    let job_id = &desired.job_id;
    let path = desired.shown();
    // Only a delivery of this job's code to this path counts: a record of another job's code
    // must never make the file at `deliver_to` pass for this one.
    let this_job = record.filter(|r| r.job_id == desired.job_id);
    let delivered_here = this_job.filter(|r| r.deliver_to == desired.deliver_to);
    let recorded = delivered_here.map(|r| r.fingerprint.as_str());
    // This job's code, delivered to another path (the config's `deliver_to` changed since):
    // retrieving it for the new path is a second disclosure, never a first one.
    let delivered_elsewhere = this_job.filter(|r| r.deliver_to != desired.deliver_to);
    let retrievals: Vec<&&Attempt> = attempts
        .iter()
        .filter(|a| a.action == ActionKind::RETRIEVE_UNLOCK_CODE)
        .collect();
    // A code retrieved before waits in a temp file: deliver it (no AWS call), never retrieve
    // it again.
    if kept_code(&mut d, desired, live, recorded, &retrievals) {
        return d;
    }
    // Delivered, and the file still holds that code: nothing to do, whatever became of the job
    // since (even one AWS no longer knows).
    let creates_dir = match (live.delivery(), recorded) {
        (DeliveryTarget::File { fingerprint }, Some(rec)) if fingerprint == rec => return d,
        (DeliveryTarget::File { .. }, Some(_)) => {
            d.conflict(format!(
                "`{path}` no longer holds the unlock code lockward delivered (its fingerprint changed); lockward will not overwrite it: restore it, or move it away to deliver the code again"
            ));
            return d;
        }
        (DeliveryTarget::File { .. }, None) => {
            d.conflict(format!(
                "`{path}` already exists and lockward has no record of delivering it; lockward never overwrites a file: move it away, or import the delivery"
            ));
            return d;
        }
        (DeliveryTarget::Refused { reason }, _) => {
            d.conflict(format!("the unlock code cannot be delivered: {reason}"));
            return d;
        }
        (DeliveryTarget::Absent { creates_dir }, _) => *creates_dir,
    };
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
        d.warn(format!(
            "the unlock code was delivered before, but `{path}` is gone: it will be retrieved again if this plan is approved, and AWS records a second disclosure"
        ));
    }
    if let Some(r) = delivered_elsewhere {
        d.warn(format!(
            "the unlock code of job `{job_id}` was delivered to `{}` at {}: approving this plan retrieves it again for `{path}`, and AWS records a second disclosure",
            r.deliver_to.display(),
            crate::words::when(r.delivered_at)
        ));
    }
    let unknown = retrievals.iter().find(|a| a.effect == Effect::Unknown);
    for unknown in retrievals.iter().filter(|a| a.effect == Effect::Unknown) {
        d.warn(format!(
            "an earlier retrieval at {} has an unknown outcome: AWS may have disclosed the code without it reaching lockward; approving this plan retrieves it again",
            crate::words::when(unknown.at)
        ));
    }
    let state = job.job_state.as_str();
    let again = format!(
        "retrieve the unlock code again and write it to `{path}` (mode 0600); retrieve again: "
    );
    let mut retrieve_reason = match (delivered_here.or(delivered_elsewhere), unknown) {
        (Some(r), _) if recorded.is_some() => format!(
            "{again}delivered to `{}` at {}, and that file is gone",
            r.deliver_to.display(),
            crate::words::when(r.delivered_at)
        ),
        (Some(r), _) => format!(
            "{again}delivered to `{}` at {}",
            r.deliver_to.display(),
            crate::words::when(r.delivered_at)
        ),
        (None, Some(a)) => format!(
            "{again}an earlier retrieval at {} has an unknown outcome",
            crate::words::when(a.at)
        ),
        (None, None) => format!("retrieve the unlock code and write it to `{path}` (mode 0600)"),
    };
    if creates_dir {
        retrieve_reason.push_str("; its directory is created first (mode 0700)");
    }
    let lifetime_ends = job.created + CODE_LIFETIME;
    if now > lifetime_ends {
        // Before the other states: such a job's code can never be retrieved, whatever it waits for.
        d.conflict(format!(
            "the job was created at {}, more than 360 days ago: AWS no longer gives out its unlock code",
            crate::words::when(job.created)
        ));
    } else if BEFORE_CUSTOMER.contains(&state) {
        d.valid_until(lifetime_ends);
        d.actions.push(Action::deferred(
            ActionKind::RETRIEVE_UNLOCK_CODE,
            None,
            format!("the job is {state}; its unlock code can be retrieved once it is WithCustomer"),
        ));
        d.note(format!(
            "waiting for the device to reach the customer: job is {state}"
        ));
    } else if AFTER_CUSTOMER.contains(&state) {
        d.conflict(format!(
            "the job is {state}: the device has left the customer, and AWS no longer gives out its unlock code"
        ));
    } else if state == "WithCustomer" {
        d.valid_until(lifetime_ends);
        // A retrieval changes nothing AWS allows or refuses (whoever may call
        // GetJobUnlockCode may do so before and after it): it does not lower protection. It
        // discloses a secret, so it is irreversible, and confirmed like one.
        d.actions.push(
            Action::ready(ActionKind::RETRIEVE_UNLOCK_CODE, retrieve_reason)
                .lowering_protection(false),
        );
    } else {
        d.conflict(format!("the job is in state `{state}`, which lockward does not know; it will not retrieve the code"));
    }
    d
}

/// The decision when temp files beside `deliver_to` hold a code whose delivery did not
/// complete (DESIGN.md section 5.11): `complete_delivery` links the first one into place; a
/// `deliver_to` now occupied by a file lockward did not deliver is a conflict naming both.
/// Where a fingerprint was recorded (a delivery, or the retrieval that kept the file), only a
/// temp file holding that code counts. False (decided nothing) when no temp file holds one.
fn kept_code(
    d: &mut Decision,
    desired: &SnowballDesired,
    live: &SnowballLive,
    recorded: Option<&str>,
    retrievals: &[&&Attempt],
) -> bool {
    let kept = live.kept();
    if kept.is_empty() {
        return false;
    }
    let path = desired.deliver_to.display();
    let expected = recorded.or_else(|| {
        retrievals
            .iter()
            .rev()
            .find_map(|a| a.detail_str("fingerprint"))
    });
    let matching: Vec<&KeptCode> = kept
        .iter()
        .filter(|k| expected.is_none_or(|f| k.fingerprint == f))
        .collect();
    let names = |ks: &[&KeptCode]| {
        ks.iter()
            .map(|k| format!("`{}`", k.path.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(first) = matching.first() else {
        let all: Vec<&KeptCode> = kept.iter().collect();
        d.warn(format!(
            "{} beside `{path}` hold(s) a code that is not the one lockward recorded; lockward leaves them alone",
            names(&all)
        ));
        return false;
    };
    if matching.iter().any(|k| k.fingerprint != first.fingerprint) {
        d.conflict(format!(
            "{} hold different codes; lockward cannot tell which to deliver to `{path}`: keep the right one and move the others away",
            names(&matching)
        ));
        return true;
    }
    let kept_in = first.path.display();
    match live.delivery() {
        DeliveryTarget::File { fingerprint } if Some(fingerprint.as_str()) == recorded => {
            // Delivered; the temp file is a copy left by a delivery stopped after its link.
            d.warn(format!(
                "`{kept_in}` holds a copy of the unlock code delivered to `{path}`; delete it once you no longer need it"
            ));
        }
        DeliveryTarget::File { .. } => d.conflict(format!(
            "`{path}` exists and lockward did not deliver it, while the unlock code retrieved earlier is kept in `{kept_in}`: move `{path}` away to complete the delivery (lockward never overwrites a file)"
        )),
        DeliveryTarget::Refused { reason } => d.conflict(format!(
            "the unlock code retrieved earlier is kept in `{kept_in}` but cannot be delivered: {reason}"
        )),
        DeliveryTarget::Absent { .. } => d.actions.push(Action::ready(
            ActionKind::COMPLETE_DELIVERY,
            format!(
                "link the unlock code kept in `{kept_in}` (fingerprint {}) into `{path}`; no AWS call",
                first.fingerprint
            ),
        )),
    }
    true
}

/// `snowball_unlock_code`: a Snowball job's unlock code.
pub struct Snowball;

crate::kinds::kind_actions! {
    /// The actions that deliver a Snowball job's unlock code. The name of each is what plans and journals say; the class is the least the
    /// plan may give it (`decide` may raise it for a resource).
    SnowballAction in SnowballUnlockCode {
        RetrieveUnlockCode = "retrieve_unlock_code", Irreversible, RETRIEVE_UNLOCK_CODE, ["snowball:GetJobUnlockCode"];
        /// Links a code kept in a temp file into `deliver_to`: local, no AWS call.
        CompleteDelivery = "complete_delivery", Reversible, COMPLETE_DELIVERY, [];
    }
}

impl super::LockKind for Snowball {
    const KIND: super::Kind = super::Kind::SnowballUnlockCode;
    const SERVICE: &'static str = "snowball";
    type Action = SnowballAction;
    const ACTIONS: &'static [ActionKind] = &[
        ActionKind::RETRIEVE_UNLOCK_CODE,
        ActionKind::COMPLETE_DELIVERY,
    ];
    // Not discovered (a Snowball job is not a lock): never listed.
    const LISTED: crate::words::Counted = crate::words::Counted {
        one: "job",
        many: "jobs",
        note: "",
    };
    const NOUN: &'static str = "job";
    /// DescribeJob.
    const READ_DEPTH: usize = 1;
    const IDENTITY_FIELDS: &'static [&'static str] = &["job_id", "deliver_to", "manifest_path"];
    const READ_PERMISSIONS: &'static [&'static str] = &["snowball:DescribeJob"];
    type Desired = SnowballDesired;
    type Live = SnowballLive;
    type Record = SnowballRecord;

    fn physical_id<'a>(
        desired: &'a SnowballDesired,
        target: &'a crate::vocabulary::Target,
    ) -> (Option<&'a str>, &'a str) {
        (Some(&target.account), &desired.job_id)
    }

    async fn read(
        desired: &SnowballDesired,
        config_dir: &std::path::Path,
        _target: &crate::vocabulary::Target,
        clients: &crate::aws::ProviderClients,
        _now: jiff::Timestamp,
    ) -> Result<SnowballLive, crate::aws::AwsError> {
        read_snowball(desired, config_dir, clients).await
    }

    fn decide(
        desired: &SnowballDesired,
        live: &SnowballLive,
        _target: &crate::vocabulary::Target,
        record: Option<&SnowballRecord>,
        attempts: &[&crate::plan::Attempt],
        now: Timestamp,
    ) -> Decision {
        decide(desired, live, record, attempts, now)
    }

    fn describe(r: &crate::plan::ResourcePlan) -> Option<crate::words::ResourceWords> {
        words::describe(r)
    }

    fn consequence(action: ActionKind, class: crate::plan::Reversibility) -> Option<&'static str> {
        words::consequence(action, class)
    }

    async fn step(
        action: SnowballAction,
        desired: &SnowballDesired,
        step: &crate::apply::step::Step<'_, '_>,
        clients: &crate::aws::ProviderClients,
    ) -> Result<String, crate::apply::step::StepError> {
        match action {
            SnowballAction::RetrieveUnlockCode => {
                self::step::retrieve(step, desired, clients).await
            }
            SnowballAction::CompleteDelivery => self::step::complete_delivery(step, desired).await,
        }
    }
}

#[cfg(test)]
mod tests;

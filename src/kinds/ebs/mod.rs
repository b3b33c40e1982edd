//! `ebs_snapshot_lock`: EBS snapshot locks (LockSnapshot, UnlockSnapshot,
//! DescribeLockedSnapshots; DescribeSnapshots to find the snapshots a `select` names). A
//! governance lock can be changed or removed by whoever may call the API; a compliance lock
//! can be changed or removed during its cool-off, and after it only extended, until it expires
//! (DESIGN.md section 3.6).
//!
//! Each snapshot is an instance of its declared resource: `snapshots:` lists them in the config
//! (`ebs_snapshot_lock.legal_hold[snap-…]`, one resource each), `select:` finds them at plan
//! time ([`LockKind::instances`]), so the plan, and its digest, name each one.

pub mod aws;
pub(crate) mod config;
pub(crate) mod demo;
pub mod desired;
pub(crate) mod discover;
pub mod fake;
pub(crate) mod query;
pub mod read;
pub mod record;
pub(crate) mod report;
mod step;
pub(crate) mod words;

pub use aws::{Ec2Api, LockInfo, LockMode, LockRequest, SnapshotInfo};
pub use desired::{EbsDesired, EbsMode};
pub use record::EbsRecord;

use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, ActionKind, PermanentAfter, Reversibility};
use crate::words::when;

use super::Decision;

/// A lock as AWS reports it, with the instants that matter to a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveLock {
    /// LockExpiresOn; `None` for a duration on a snapshot still pending (it counts from its
    /// completion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub expires: Option<Timestamp>,
    /// LockDurationStartTime: what `duration_days` counts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub duration_start: Option<Timestamp>,
    /// LockDuration, when the lock was put with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<u32>,
    /// LockCreatedOn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub created: Option<Timestamp>,
}

/// A snapshot's lock as DescribeLockedSnapshots reports it (DESIGN.md section 3.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EbsLive {
    /// The snapshot does not exist in this account and region.
    SnapshotMissing,
    /// A `select` matched no snapshot: there is nothing to lock.
    NoMatch,
    /// Never locked, or its lock expired (then it protects nothing).
    None {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<String>", extend("format" = "date-time"))]
        expired: Option<Timestamp>,
    },
    /// Anyone allowed `ec2:UnlockSnapshot` may unlock or shorten it.
    Governance {
        #[serde(flatten)]
        lock: LiveLock,
    },
    /// Compliance, still in its cool-off: it can be unlocked or changed until `cool_off_ends`.
    ComplianceCooloff {
        #[serde(flatten)]
        lock: LiveLock,
        #[schemars(with = "String", extend("format" = "date-time"))]
        cool_off_ends: Timestamp,
    },
    /// Compliance after its cool-off: it can only be extended until it expires.
    Compliance {
        #[serde(flatten)]
        lock: LiveLock,
    },
}

impl EbsLive {
    /// Classifies what DescribeLockedSnapshots said of one snapshot (`None`: not listed, so
    /// never locked) as of `now`.
    pub fn of(lock: Option<&LockInfo>, now: Timestamp) -> EbsLive {
        let Some(l) = lock else {
            return EbsLive::None { expired: None };
        };
        let live = LiveLock {
            expires: l.expires,
            duration_start: l.duration_start,
            duration_days: l.duration_days,
            created: l.created,
        };
        if l.state == "expired" || l.expires.is_some_and(|e| e <= now) {
            return EbsLive::None { expired: l.expires };
        }
        match (l.state.as_str(), l.cool_off_ends) {
            ("governance", _) => EbsLive::Governance { lock: live },
            ("compliance-cooloff", Some(end)) if now < end => EbsLive::ComplianceCooloff {
                lock: live,
                cool_off_ends: end,
            },
            // A cool-off that has ended by `now`, or a state this build does not know: the
            // strongest reading.
            _ => EbsLive::Compliance { lock: live },
        }
    }

    /// The live lock as of `now`: a cool-off that ended since the read is compliance, a lock
    /// that expired since is none.
    fn at(&self, now: Timestamp) -> Lock<'_> {
        let expired = |l: &LiveLock| l.expires.is_some_and(|e| e <= now);
        match self {
            EbsLive::SnapshotMissing => Lock::Missing,
            EbsLive::NoMatch => Lock::NoMatch,
            EbsLive::None { .. } => Lock::None,
            EbsLive::Governance { lock }
            | EbsLive::ComplianceCooloff { lock, .. }
            | EbsLive::Compliance { lock }
                if expired(lock) =>
            {
                Lock::None
            }
            EbsLive::Governance { lock } => Lock::Governance(lock),
            EbsLive::ComplianceCooloff {
                lock,
                cool_off_ends,
            } if now < *cool_off_ends => Lock::Cooloff(lock, *cool_off_ends),
            EbsLive::ComplianceCooloff { lock, .. } | EbsLive::Compliance { lock } => {
                Lock::Compliance(lock)
            }
        }
    }
}

enum Lock<'a> {
    Missing,
    NoMatch,
    None,
    Governance(&'a LiveLock),
    Cooloff(&'a LiveLock, Timestamp),
    Compliance(&'a LiveLock),
}

/// `t` in whole seconds: instants compare so (DESIGN.md section 3.6).
fn secs(t: Timestamp) -> i64 {
    t.as_second()
}

/// `start` plus `days` days.
pub(crate) fn plus_days(start: Timestamp, days: u32) -> Timestamp {
    start + SignedDuration::from_hours(24 * i64::from(days))
}

impl EbsDesired {
    /// The instant the desired lock expires at on the existing lock `live`: `until` as
    /// written, or `duration_days` counted from the lock's duration start; `None` while that
    /// start is unknown (a pending snapshot), when locks compare by duration.
    pub fn expiry_on(&self, live: &LiveLock) -> Option<Timestamp> {
        match (self.until, self.duration_days) {
            (Some(t), _) => Some(t),
            (None, Some(days)) => live.duration_start.map(|s| plus_days(s, days)),
            (None, None) => None,
        }
    }

    /// Whether the live lock expires when the desired one would.
    fn same_expiry(&self, live: &LiveLock) -> bool {
        match self.expiry_on(live) {
            Some(want) => live.expires.map(secs) == Some(secs(want)),
            None => self.until.is_none() && self.duration_days == live.duration_days,
        }
    }

    /// Whether the desired lock would expire before the live one (it allows deleting the
    /// snapshot earlier).
    fn shorter_than(&self, live: &LiveLock) -> bool {
        match (self.expiry_on(live), live.expires) {
            (Some(want), Some(had)) => secs(want) < secs(had),
            (None, None) => self.duration_days < live.duration_days,
            // Not comparable: take the reading that warns.
            _ => true,
        }
    }

    /// The desired expiry in words, for the plan.
    fn expiry_words(&self, live: Option<&LiveLock>) -> String {
        match (
            live.and_then(|l| self.expiry_on(l)),
            self.until,
            self.duration_days,
        ) {
            (Some(t), _, _) => format!("until {}", when(t)),
            (None, Some(t), _) => format!("until {}", when(t)),
            (None, None, Some(days)) => format!("for {}", crate::words::days(u64::from(days))),
            (None, None, None) => String::new(),
        }
    }
}

fn expiry_of(l: &LiveLock) -> String {
    match (l.expires, l.duration_days) {
        (Some(t), _) => when(t),
        (None, Some(days)) => format!(
            "{} after the snapshot completes",
            crate::words::days(u64::from(days))
        ),
        (None, None) => "an unknown date".to_string(),
    }
}

/// The transition table of DESIGN.md section 3.6 for one snapshot.
pub fn decide(desired: &EbsDesired, live: &EbsLive, now: Timestamp) -> Decision {
    let mut d = Decision::default();
    let snapshot = desired.snapshot_id.as_deref().unwrap_or("?");
    let lock = live.at(now);
    if let Lock::Cooloff(_, end) = lock {
        d.valid_until(end);
    }
    if let Lock::Governance(l) | Lock::Cooloff(l, _) | Lock::Compliance(l) = lock {
        if let Some(e) = l.expires {
            d.valid_until(e);
        }
    }
    let unlock = |why: String| {
        Action::ready(ActionKind::UNLOCK_SNAPSHOT, why)
            .with_reversibility(Reversibility::Reversible)
            .lowering_protection(true)
    };
    let put = |why: String, lowers: bool| {
        let action = Action::ready(ActionKind::LOCK_SNAPSHOT, why).lowering_protection(lowers);
        match (desired.mode, desired.cool_off_hours) {
            (EbsMode::Compliance, Some(c)) => match PermanentAfter::hours(c) {
                Some(p) => action.permanent_after(p),
                None => action.with_reversibility(Reversibility::Irreversible),
            },
            (EbsMode::Compliance, None) => action.with_reversibility(Reversibility::Irreversible),
            _ => action.with_reversibility(Reversibility::Reversible),
        }
    };
    let cool_off_words = match desired.cool_off_hours {
        Some(c) => format!(
            "; it can be unlocked or changed for {} (its cool-off), and from then on only extended until it expires",
            hours(c)
        ),
        None => "; with no cool-off it can never be unlocked, shortened or the snapshot deleted until it expires".to_string(),
    };
    match (desired.mode, lock) {
        // Found by a selection, then deleted before it was read: it left the selection, and
        // the rest of the plan goes on.
        (_, Lock::Missing) if desired.select_tags.is_some() => d.warn(format!(
            "snapshot `{snapshot}` was deleted while lockward read it: there is nothing to lock"
        )),
        (_, Lock::Missing) => d.conflict(format!(
            "snapshot `{snapshot}` does not exist in this account and region"
        )),
        (_, Lock::NoMatch) => d.warn(
            "no snapshot in this account and region has the selected tags: there is nothing to lock",
        ),
        (EbsMode::None, Lock::None) => {}
        (EbsMode::None, Lock::Governance(l)) => d.actions.push(unlock(format!(
            "unlock the governance lock (until {})",
            expiry_of(l)
        ))),
        (EbsMode::None, Lock::Cooloff(l, end)) => {
            let end = when(end);
            d.actions.push(unlock(format!(
                "unlock the compliance lock in its cool-off (until {})",
                expiry_of(l)
            )));
            d.warn(format!(
                "the compliance lock can be unlocked only until its cool-off ends at {end}; after it, it stays until {}",
                expiry_of(l)
            ));
        }
        (EbsMode::None | EbsMode::Governance, Lock::Compliance(l)) => d.conflict(format!(
            "snapshot `{snapshot}` has a compliance lock past its cool-off: nobody can unlock, shorten or weaken it until it expires at {}",
            expiry_of(l)
        )),
        (EbsMode::Governance, Lock::None) => d.actions.push(put(
            format!("lock in governance mode {}", desired.expiry_words(None)),
            false,
        )),
        (EbsMode::Governance, Lock::Governance(l)) => {
            if !desired.same_expiry(l) {
                d.actions.push(put(
                    format!(
                        "change the governance lock's expiry from {} to {}",
                        expiry_of(l),
                        desired.expiry_words(Some(l))
                    ),
                    desired.shorter_than(l),
                ));
            }
        }
        (EbsMode::Governance, Lock::Cooloff(l, end)) => {
            let end = when(end);
            d.actions.push(put(
                format!(
                    "turn the compliance lock in its cool-off (ending {end}) into a governance lock {}",
                    desired.expiry_words(Some(l))
                ),
                true,
            ));
            d.warn(format!(
                "the compliance lock can be changed only until its cool-off ends at {end}"
            ));
        }
        (EbsMode::Compliance, Lock::None) => d.actions.push(put(
            format!(
                "lock in compliance mode {}{cool_off_words}",
                desired.expiry_words(None)
            ),
            false,
        )),
        (EbsMode::Compliance, Lock::Governance(l)) => d.actions.push(put(
            format!(
                "turn the governance lock (until {}) into a compliance lock {}{cool_off_words}",
                expiry_of(l),
                desired.expiry_words(Some(l))
            ),
            desired.shorter_than(l),
        )),
        (EbsMode::Compliance, Lock::Cooloff(l, end)) => {
            let soon = end.duration_since(now) < SignedDuration::from_hours(1);
            let end = when(end);
            if desired.same_expiry(l) {
                d.note(format!(
                    "the compliance lock is in its cool-off: from {end} on it can only be extended, until it expires at {}",
                    expiry_of(l)
                ));
                if soon {
                    d.warn(format!(
                        "the compliance lock's cool-off ends in less than an hour, at {end}; unlock it before then if it is wrong"
                    ));
                }
            } else {
                let action = Action::ready(
                    ActionKind::LOCK_SNAPSHOT,
                    format!(
                        "change the compliance lock in its cool-off (ending {end}) from {} to {}{cool_off_words}",
                        expiry_of(l),
                        desired.expiry_words(Some(l))
                    ),
                )
                .lowering_protection(desired.shorter_than(l));
                // A change during the cool-off counts its new cool-off from the lock's
                // creation: it may end at once, so it is irreversible from the call on.
                d.actions
                    .push(action.with_reversibility(Reversibility::Irreversible));
            }
        }
        (EbsMode::Compliance, Lock::Compliance(l)) => {
            if desired.same_expiry(l) {
                d.note(format!(
                    "the compliance lock is past its cool-off: it can only be extended, until it expires at {}",
                    expiry_of(l)
                ));
            } else if desired.shorter_than(l) {
                d.warn(format!(
                    "snapshot `{snapshot}` is locked longer than declared, until {}: a compliance lock past its cool-off can never be shortened",
                    expiry_of(l)
                ));
            } else {
                d.actions.push(
                    Action::ready(
                        ActionKind::LOCK_SNAPSHOT,
                        format!(
                            "extend the compliance lock from {} to {} (sent without a cool-off, as AWS requires after it)",
                            expiry_of(l),
                            desired.expiry_words(Some(l))
                        ),
                    )
                    .with_reversibility(Reversibility::Irreversible),
                );
            }
        }
    }
    d
}

fn hours(n: u32) -> String {
    if n == 1 {
        "1 hour".to_string()
    } else {
        format!("{n} hours")
    }
}

/// `ebs_snapshot_lock`: an EBS snapshot lock.
pub struct Ebs;

crate::kinds::kind_actions! {
    /// EC2's actions on a snapshot's lock. The name of each is what plans and journals say; the
    /// class is the least the plan may give it (`decide` raises it for a compliance lock).
    EbsAction in EbsSnapshotLock {
        LockSnapshot = "lock_snapshot", Reversible, LOCK_SNAPSHOT, ["ec2:LockSnapshot"];
        UnlockSnapshot = "unlock_snapshot", Reversible, UNLOCK_SNAPSHOT, ["ec2:UnlockSnapshot"];
    }
}

impl super::LockKind for Ebs {
    const KIND: super::Kind = super::Kind::EbsSnapshotLock;
    const SERVICE: &'static str = "ec2";
    type Action = EbsAction;
    const ACTIONS: &'static [ActionKind] =
        &[ActionKind::LOCK_SNAPSHOT, ActionKind::UNLOCK_SNAPSHOT];
    const LISTED: crate::words::Counted = crate::words::Counted {
        one: "locked snapshot",
        many: "locked snapshots",
        note: "",
    };
    const NOUN: &'static str = "snapshot";
    /// DescribeLockedSnapshots, then DescribeSnapshots when the snapshot has no lock.
    const READ_DEPTH: usize = 2;
    const DISCOVER_PERMISSIONS: &'static [&'static str] = &["ec2:DescribeLockedSnapshots"];
    const IDENTITY_FIELDS: &'static [&'static str] = &["snapshots", "select"];
    const TEMPLATE_REFUSES: &'static [(&'static str, &'static str)] = &[(
        "snapshots",
        "snapshot ids are per account and region: under a provider with for_each, choose them with `select: { tags: { ... } }`",
    )];
    const READ_PERMISSIONS: &'static [&'static str] =
        &["ec2:DescribeLockedSnapshots", "ec2:DescribeSnapshots"];
    type Desired = EbsDesired;
    type Live = EbsLive;
    type Record = EbsRecord;

    fn physical_id<'a>(
        desired: &'a EbsDesired,
        target: &'a crate::vocabulary::Target,
    ) -> (Option<&'a str>, &'a str) {
        (
            Some(&target.account),
            desired.snapshot_id.as_deref().unwrap_or_default(),
        )
    }

    async fn read(
        desired: &EbsDesired,
        _config_dir: &std::path::Path,
        _target: &crate::vocabulary::Target,
        clients: &crate::aws::ProviderClients,
        now: jiff::Timestamp,
    ) -> Result<EbsLive, crate::aws::AwsError> {
        read::read_ebs(desired, clients, now).await
    }

    async fn instances(
        desired: &EbsDesired,
        clients: &crate::aws::ProviderClients,
    ) -> Result<crate::kinds::Instances<EbsDesired>, crate::aws::AwsError> {
        read::instances(desired, clients).await
    }

    /// A `select` stands for the snapshots it finds; a listed id is one of them already.
    fn finds_instances(desired: &EbsDesired) -> bool {
        desired.snapshot_id.is_none()
    }

    fn decide(
        desired: &EbsDesired,
        live: &EbsLive,
        _target: &crate::vocabulary::Target,
        _record: Option<&EbsRecord>,
        _attempts: &[&crate::plan::Attempt],
        now: Timestamp,
    ) -> Decision {
        decide(desired, live, now)
    }

    fn describe(r: &crate::plan::ResourcePlan) -> Option<crate::words::ResourceWords> {
        words::describe(r)
    }

    fn consequence(action: ActionKind, class: Reversibility) -> Option<&'static str> {
        words::consequence(action, class)
    }

    async fn step(
        action: EbsAction,
        desired: &EbsDesired,
        step: &crate::apply::step::Step<'_, '_>,
        clients: &crate::aws::ProviderClients,
    ) -> Result<String, crate::apply::step::StepError> {
        match action {
            EbsAction::LockSnapshot => self::step::lock_snapshot(step, desired, clients).await,
            EbsAction::UnlockSnapshot => self::step::unlock_snapshot(step, desired, clients).await,
        }
    }
}

#[cfg(test)]
mod tests;

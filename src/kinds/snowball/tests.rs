//! The Snowball unlock code outcomes of DESIGN.md section 3, one by one.

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};

use super::SnowballRecord;
use super::*;
use crate::kinds::snowball::SnowballDesired;
use crate::plan::{ActionKind, ActionStatus, Outcome, Reversibility};

const JOB: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const OTHER_JOB: &str = "JID99999999-e89b-12d3-a456-426655440000";
const CODE_FP: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const OTHER_FP: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn deliver_to() -> PathBuf {
    PathBuf::from("/srv/lockward/secrets/site-a.code")
}

fn want() -> SnowballDesired {
    SnowballDesired {
        job_id: JOB.into(),
        deliver_to: deliver_to(),
        manifest_path: Some(PathBuf::from("/srv/lockward/manifests/site-a.bin")),
        base: PathBuf::from("/srv/lockward"),
    }
}

/// A job created 30 days before `now`, with nothing at `deliver_to`.
fn job(state: &str) -> SnowballJob {
    SnowballJob {
        kept: Vec::new(),
        job_state: state.into(),
        created: now() - days(30),
        delivery: DeliveryTarget::Absent { creates_dir: false },
    }
}

fn live(job: SnowballJob) -> SnowballLive {
    SnowballLive::Present(job)
}

fn with_file(mut job: SnowballJob, fingerprint: &str) -> SnowballJob {
    job.delivery = DeliveryTarget::File {
        fingerprint: fingerprint.into(),
    };
    job
}

fn delivered(fingerprint: &str) -> SnowballRecord {
    SnowballRecord {
        target: None,
        physical_key: None,
        job_id: JOB.into(),
        fingerprint: fingerprint.into(),
        deliver_to: deliver_to(),
        delivered_at: now() - days(2),
    }
}

fn actions(d: &Decision) -> Vec<ActionKind> {
    d.actions.iter().map(|a| a.action).collect()
}

fn says(d: &Decision, text: &str) -> bool {
    d.messages.iter().any(|m| m.contains(text))
}

#[test]
fn the_state_lists_are_the_designs() {
    assert_eq!(
        BEFORE_CUSTOMER,
        [
            "New",
            "PreparingAppliance",
            "PreparingShipment",
            "InTransitToCustomer",
            "Pending",
            "Listing"
        ]
    );
    assert_eq!(
        AFTER_CUSTOMER,
        [
            "InTransitToAWS",
            "WithAWSSortingFacility",
            "WithAWS",
            "InProgress",
            "Complete",
            "Cancelled"
        ]
    );
    assert_eq!(CODE_LIFETIME, days(360));
}

#[test]
fn a_missing_job_is_a_conflict() {
    let d = decide(
        &want(),
        &SnowballLive::JobMissing {
            kept: Vec::new(),
            delivery: DeliveryTarget::Absent { creates_dir: false },
        },
        None,
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
    assert!(says(&d, JOB), "{:?}", d.messages);
}

#[test]
fn with_customer_retrieves_the_code_irreversibly() {
    let d = decide(&want(), &live(job("WithCustomer")), None, &[], now());
    assert_eq!(d.outcome(), Outcome::Change);
    assert_eq!(actions(&d), vec![ActionKind::RETRIEVE_UNLOCK_CODE]);
    let a = &d.actions[0];
    assert_eq!(a.reversibility, Reversibility::Irreversible);
    assert_eq!(a.status, ActionStatus::Ready);
    assert_eq!(a.not_before, None);
    assert!(a.reason.contains("site-a.code"), "{}", a.reason);
}

#[test]
fn each_state_before_the_customer_is_blocked_naming_the_state() {
    for state in [
        "New",
        "Pending",
        "Listing",
        "PreparingAppliance",
        "PreparingShipment",
        "InTransitToCustomer",
    ] {
        let d = decide(&want(), &live(job(state)), None, &[], now());
        assert_eq!(d.outcome(), Outcome::Blocked, "{state}");
        assert!(!d.conflict, "{state}");
        assert!(says(&d, state), "{state}: {:?}", d.messages);
        // What it waits for is the irreversible retrieval, which has no time to wait for.
        assert_eq!(
            actions(&d),
            vec![ActionKind::RETRIEVE_UNLOCK_CODE],
            "{state}"
        );
        assert_eq!(d.actions[0].status, ActionStatus::Deferred, "{state}");
        assert_eq!(d.actions[0].not_before, None, "{state}");
    }
}

#[test]
fn each_state_after_the_customer_is_a_conflict_naming_the_state() {
    for state in [
        "InTransitToAWS",
        "WithAWSSortingFacility",
        "WithAWS",
        "InProgress",
        "Complete",
        "Cancelled",
    ] {
        let d = decide(&want(), &live(job(state)), None, &[], now());
        assert_eq!(d.outcome(), Outcome::Conflict, "{state}");
        assert!(d.actions.is_empty(), "{state}");
        assert!(says(&d, state), "{state}: {:?}", d.messages);
    }
}

#[test]
fn an_unknown_job_state_is_a_conflict() {
    let d = decide(&want(), &live(job("SomethingNew")), None, &[], now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(says(&d, "SomethingNew"));
}

#[test]
fn the_code_is_retrievable_up_to_exactly_360_days_after_creation() {
    let mut j = job("WithCustomer");
    j.created = now() - days(360);
    let d = decide(&want(), &live(j.clone()), None, &[], now());
    assert_eq!(actions(&d), vec![ActionKind::RETRIEVE_UNLOCK_CODE]);
    assert_eq!(d.outcome(), Outcome::Change);

    j.created = now() - days(360) - SignedDuration::from_secs(1);
    let d = decide(&want(), &live(j), None, &[], now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
    assert!(says(&d, "360 days"), "{:?}", d.messages);
}

#[test]
fn regression_a_job_older_than_360_days_is_a_conflict_even_before_reaching_the_customer() {
    // Its code can never be retrieved, so waiting (blocked) would wait forever.
    for state in BEFORE_CUSTOMER {
        let mut j = job(state);
        j.created = now() - days(361);
        let d = decide(&want(), &live(j), None, &[], now());
        assert_eq!(d.outcome(), Outcome::Conflict, "{state}");
        assert!(d.actions.is_empty(), "{state}");
        assert!(says(&d, "360 days"), "{state}: {:?}", d.messages);
    }
}

#[test]
fn delivered_with_the_recorded_fingerprint_is_a_noop_even_if_the_job_moved_on() {
    let rec = delivered(CODE_FP);
    let mut states = vec!["WithCustomer", "SomethingNew"];
    states.extend(AFTER_CUSTOMER);
    for state in states {
        let d = decide(
            &want(),
            &live(with_file(job(state), CODE_FP)),
            Some(&rec),
            &[],
            now(),
        );
        assert_eq!(d.outcome(), Outcome::Noop, "{state}: {d:#?}");
        assert!(d.actions.is_empty(), "{state}");
        assert!(!d.conflict, "{state}");
    }
    // Nor does the 360-day limit matter once the code is delivered.
    let mut old = with_file(job("Complete"), CODE_FP);
    old.created = now() - days(400);
    let d = decide(&want(), &live(old), Some(&rec), &[], now());
    assert_eq!(d.outcome(), Outcome::Noop);
}

#[test]
fn a_delivered_file_that_went_missing_is_retrieved_again() {
    let rec = delivered(CODE_FP);
    let d = decide(&want(), &live(job("WithCustomer")), Some(&rec), &[], now());
    assert_eq!(d.outcome(), Outcome::Change);
    assert_eq!(actions(&d), vec![ActionKind::RETRIEVE_UNLOCK_CODE]);
    assert!(says(&d, "retrieved again"), "{:?}", d.messages);
}

#[test]
fn a_delivered_file_that_went_missing_after_the_job_moved_on_is_a_conflict() {
    let rec = delivered(CODE_FP);
    let d = decide(&want(), &live(job("Complete")), Some(&rec), &[], now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
}

#[test]
fn a_file_with_other_content_than_recorded_is_a_conflict_and_never_overwritten() {
    let rec = delivered(CODE_FP);
    let d = decide(
        &want(),
        &live(with_file(job("WithCustomer"), OTHER_FP)),
        Some(&rec),
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
    assert!(says(&d, "fingerprint changed"), "{:?}", d.messages);
}

#[test]
fn a_file_lockward_has_no_record_of_is_a_conflict_and_never_overwritten() {
    let d = decide(
        &want(),
        &live(with_file(job("WithCustomer"), CODE_FP)),
        None,
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
    assert!(says(&d, "no record"), "{:?}", d.messages);

    // A record of a delivery to another path is no record of this file.
    let mut elsewhere = delivered(CODE_FP);
    elsewhere.deliver_to = PathBuf::from("/srv/lockward/secrets/old.code");
    let d = decide(
        &want(),
        &live(with_file(job("WithCustomer"), CODE_FP)),
        Some(&elsewhere),
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
}

#[test]
fn regression_a_delivery_recorded_for_another_job_is_not_this_jobs_code() {
    // The config moved `site_a` to a new job but kept `deliver_to`; the file still holds the old
    // job's code. Calling that a noop would leave the new job's code undelivered while the plan
    // says everything is in place; overwriting it would destroy the old code.
    let mut old_job = delivered(CODE_FP);
    old_job.job_id = OTHER_JOB.into();
    let d = decide(
        &want(),
        &live(with_file(job("WithCustomer"), CODE_FP)),
        Some(&old_job),
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict, "{d:#?}");
    assert!(d.actions.is_empty());

    // With the old file moved away, the new job's code is retrieved, with no claim of a
    // previous delivery.
    let d = decide(
        &want(),
        &live(job("WithCustomer")),
        Some(&old_job),
        &[],
        now(),
    );
    assert_eq!(actions(&d), vec![ActionKind::RETRIEVE_UNLOCK_CODE]);
    assert!(!says(&d, "delivered before"), "{:?}", d.messages);
}

/// Regression: a job AWS no longer knows (purged after it was returned) made a delivered code a
/// permanent conflict, although DESIGN puts "delivered and the file still holds the recorded
/// code -> noop" before "job not found -> conflict".
#[test]
fn regression_a_delivered_code_stays_a_noop_after_the_job_is_purged() {
    let gone = |fp: Option<&str>| SnowballLive::JobMissing {
        kept: Vec::new(),
        delivery: fp.map_or(DeliveryTarget::Absent { creates_dir: false }, |f| {
            DeliveryTarget::File {
                fingerprint: f.to_string(),
            }
        }),
    };
    let d = decide(
        &want(),
        &gone(Some(CODE_FP)),
        Some(&delivered(CODE_FP)),
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Noop);
    // Without the delivered file, a missing job is still a conflict.
    let d = decide(&want(), &gone(None), Some(&delivered(CODE_FP)), &[], now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    // A file that is not the delivered code is never overwritten.
    let d = decide(
        &want(),
        &gone(Some(OTHER_FP)),
        Some(&delivered(CODE_FP)),
        &[],
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
}

/// The report's drift for this kind, through the dispatch the report uses.
mod drift {
    use jiff::Timestamp;

    use crate::kinds::drift;
    use crate::kinds::snowball::{SnowballJob, SnowballLive, SnowballRecord};
    use crate::plan::Live;
    use crate::state::Record;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_delivered_code_file_that_is_gone_is_drift() {
        let record = Record::SnowballUnlockCode(SnowballRecord {
            target: None,
            physical_key: None,
            job_id: "JID1".into(),
            fingerprint: "sha256:aa".into(),
            deliver_to: "secrets/a.code".into(),
            delivered_at: ts("2026-11-20T10:00:00Z"),
        });
        let desired = serde_json::json!({"job_id": "JID1", "deliver_to": "secrets/a.code"});
        let live = |fp: Option<&str>| {
            Live::SnowballUnlockCode(SnowballLive::Present(SnowballJob {
                kept: Vec::new(),
                job_state: "WithCustomer".into(),
                created: ts("2026-11-01T00:00:00Z"),
                delivery: fp.map_or(
                    crate::kinds::snowball::DeliveryTarget::Absent { creates_dir: false },
                    |f| crate::kinds::snowball::DeliveryTarget::File {
                        fingerprint: f.to_string(),
                    },
                ),
            }))
        };
        assert!(drift(&live(None), &record, &desired)
            .unwrap()
            .contains("the file is gone"));
        assert_eq!(drift(&live(Some("sha256:aa")), &record, &desired), None);
        // A record of another job never makes a drift claim about this one.
        let other = serde_json::json!({"job_id": "JID2", "deliver_to": "secrets/a.code"});
        assert_eq!(drift(&live(None), &record, &other), None);
    }
}

/// Import of this kind, through the entry point `lockward import` uses.
mod import {
    use jiff::Timestamp;

    use crate::config::{Desired, Resource};
    use crate::import::{adopt, DeliveredFile};
    use crate::plan::Live;
    use crate::vocabulary::{Address, Kind};
    use std::fs;

    use crate::import::inspect_delivery;
    use crate::kinds::snowball::SnowballDesired;
    use crate::kinds::snowball::{SnowballJob, SnowballLive};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_delivery_is_adopted_only_when_the_file_looks_like_a_code_and_no_message_shows_it() {
        let resource = Resource {
            address: Address::new(Kind::SnowballUnlockCode, "site_a"),
            provider: "default".into(),
            desired: Desired::SnowballUnlockCode(SnowballDesired {
                job_id: "JID1".into(),
                deliver_to: "secrets/a.code".into(),
                manifest_path: None,
                base: std::path::PathBuf::new(),
            }),
        };
        let live = Live::SnowballUnlockCode(SnowballLive::Present(SnowballJob {
            kept: Vec::new(),
            job_state: "WithCustomer".into(),
            created: ts("2026-11-01T00:00:00Z"),
            delivery: crate::kinds::snowball::DeliveryTarget::File {
                fingerprint: "sha256:aa".into(),
            },
        }));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.code");
        fs::write(&path, "12345-abcde-56789-fghij-01234\n").unwrap();
        let file = inspect_delivery(&path);
        let DeliveredFile::File {
            looks_like_code: true,
            ..
        } = &file
        else {
            panic!("{file:?}")
        };
        let a = adopt(&resource, &live, None, &file).unwrap();
        let text = format!("{} {:?}", a.summary, a.detail);
        assert!(!text.contains("12345-abcde"), "{text}");

        fs::write(&path, "not a code").unwrap();
        let err = adopt(&resource, &live, None, &inspect_delivery(&path)).unwrap_err();
        assert!(err.contains("shaped like an unlock code"), "{err}");
        assert!(!err.contains("not a code"), "{err}");
        assert_eq!(
            inspect_delivery(&dir.path().join("absent")),
            DeliveredFile::Missing
        );
    }
}

/// The field checks of the kind's config block.
mod config {
    use crate::config::validate::Check;
    use crate::kinds::snowball::config::*;

    fn hint<T: std::fmt::Debug>(r: Check<T>) -> String {
        r.unwrap_err().hint.unwrap_or_default()
    }

    #[test]
    fn job_ids() {
        assert!(check_job_id("JID123e4567-e89b-12d3-a456-426655440000").is_ok());
        assert!(check_job_id("MID123e4567-e89b-12d3-a456-426655440000").is_ok());
        assert!(
            hint(check_job_id("JID123E4567-E89B-12D3-A456-426655440000"))
                .contains("JID123e4567-e89b")
        );
        assert!(hint(check_job_id("123e4567-e89b-12d3-a456-426655440000"))
            .starts_with("job ids start with JID"));
        assert!(check_job_id("JID123e4567-e89b-12d3-a456-42665544000").is_err());
        assert!(check_job_id("CID123e4567-e89b-12d3-a456-426655440000").is_err());
        assert!(check_job_id("").is_err());
        assert!(check_job_id("é").is_err());
    }
}

/// DESIGN.md section 1: a retrieval changes nothing AWS allows or refuses, so it never lowers
/// protection (it is irreversible, and confirmed like one), whether first, again, or waiting.
#[test]
fn no_retrieval_lowers_protection() {
    let rec = delivered(CODE_FP);
    for d in [
        decide(&want(), &live(job("WithCustomer")), None, &[], now()),
        decide(&want(), &live(job("WithCustomer")), Some(&rec), &[], now()),
        decide(&want(), &live(job("InTransitToCustomer")), None, &[], now()),
    ] {
        assert_eq!(actions(&d), vec![ActionKind::RETRIEVE_UNLOCK_CODE]);
        assert!(!d.actions[0].lowers_protection, "{d:?}");
        assert!(d.actions[0].needs_typed_confirmation());
    }
}

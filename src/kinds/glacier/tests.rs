//! The Glacier vault lock table of DESIGN.md section 3, cell by cell, and the rules in its prose.

use jiff::{SignedDuration, Timestamp};

use super::GlacierRecord;
use super::*;
use crate::config::Policy;
use crate::kinds::glacier::{GlacierDesired, VaultLockState};
use crate::plan::{ActionKind, ActionStatus, Outcome, Reversibility};

const ABORT: ActionKind = ActionKind::ABORT_LOCK;
const COMPLETE: ActionKind = ActionKind::COMPLETE_LOCK;
const INITIATE: ActionKind = ActionKind::INITIATE_LOCK;
use VaultLockState::{
    InProgress as WantInProgress, Locked as WantLocked, Unlocked as WantUnlocked,
};

const POLICY_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs"}]}"#;
/// POLICY_A with its keys in another order and other whitespace: the same policy.
const POLICY_A_REFORMATTED: &str = "{\n  \"Statement\": [ {\n    \"Resource\": \"arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs\",\n    \"Action\": \"glacier:DeleteArchive\", \"Principal\": \"*\",\n    \"Effect\": \"Deny\", \"Sid\": \"deny-delete\" } ],\n  \"Version\": \"2012-10-17\"\n}\n";
/// A different policy: also denies DeleteVault.
const POLICY_B: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":["glacier:DeleteArchive","glacier:DeleteVault"],"Resource":"arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs"}]}"#;

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

/// When the live lock in these tests was initiated.
fn created() -> Timestamp {
    ts("2026-11-20T10:00:00Z")
}

fn policy(text: &str) -> Policy {
    Policy::parse(text).unwrap()
}

fn desired(state: VaultLockState) -> GlacierDesired {
    GlacierDesired {
        vault: "audit-logs".into(),
        account_id: "-".into(),
        policy: policy(POLICY_A),
        state,
        min_test_period: None,
    }
}

fn with_period(mut d: GlacierDesired, period: SignedDuration) -> GlacierDesired {
    d.min_test_period = Some(period);
    d
}

fn in_progress(text: &str) -> GlacierLive {
    GlacierLive::InProgress {
        policy: policy(text),
        created: created(),
        expires: created() + IN_PROGRESS_LIFETIME,
    }
}

fn locked(text: &str) -> GlacierLive {
    GlacierLive::Locked {
        policy: policy(text),
        created: created(),
    }
}

/// The record lockward writes right after initiating `text` at `initiated_at`.
fn record(text: &str, initiated_at: Timestamp) -> GlacierRecord {
    GlacierRecord {
        target: None,
        physical_key: None,
        vault: "audit-logs".into(),
        lock_id: "AE863rKkWZU53SLW5be4DUcW".into(),
        initiated_at: Some(initiated_at),
        policy_digest: policy(text).digest(),
        completed_at: None,
    }
}

fn actions(d: &Decision) -> Vec<ActionKind> {
    d.actions.iter().map(|a| a.action).collect()
}

fn has_warning(d: &Decision) -> bool {
    d.messages
        .iter()
        .any(|m| m.severity == crate::plan::Severity::Warning && m.contains("expires"))
}

/// One hour after initiation: far from expiry, so no warning interferes.
fn early() -> Timestamp {
    created() + hours(1)
}

/// The live columns of the table; the in_progress "other policy or unknown lock id" column is
/// reached three ways.
#[derive(Clone, Copy, Debug)]
enum Column {
    NoLock,
    InProgressSameKnown,
    InProgressOtherPolicy,
    InProgressSameUnknownId,
    InProgressOtherPolicyUnknownId,
    LockedSame,
    LockedOther,
}

const COLUMNS: [Column; 7] = [
    Column::NoLock,
    Column::InProgressSameKnown,
    Column::InProgressOtherPolicy,
    Column::InProgressSameUnknownId,
    Column::InProgressOtherPolicyUnknownId,
    Column::LockedSame,
    Column::LockedOther,
];

impl Column {
    fn live(self) -> GlacierLive {
        match self {
            Column::NoLock => GlacierLive::NoLock,
            Column::InProgressSameKnown | Column::InProgressSameUnknownId => in_progress(POLICY_A),
            Column::InProgressOtherPolicy | Column::InProgressOtherPolicyUnknownId => {
                in_progress(POLICY_B)
            }
            Column::LockedSame => locked(POLICY_A),
            Column::LockedOther => locked(POLICY_B),
        }
    }

    /// The state file's record: for "known" columns, a record of exactly the live lock.
    fn record(self) -> Option<GlacierRecord> {
        match self {
            Column::InProgressSameKnown => Some(record(POLICY_A, created())),
            Column::InProgressOtherPolicy => Some(record(POLICY_B, created())),
            Column::NoLock
            | Column::InProgressSameUnknownId
            | Column::InProgressOtherPolicyUnknownId => None,
            Column::LockedSame | Column::LockedOther => Some(record(POLICY_A, created())),
        }
    }

    fn policies_differ(self) -> bool {
        matches!(
            self,
            Column::InProgressOtherPolicy
                | Column::InProgressOtherPolicyUnknownId
                | Column::LockedOther
        )
    }
}

fn expected(state: VaultLockState, column: Column) -> (Outcome, Vec<ActionKind>) {
    use Column::*;
    use Outcome::{Change, Conflict, Noop};
    match (state, column) {
        (WantUnlocked, NoLock) => (Noop, vec![]),
        (WantUnlocked, InProgressSameKnown) => (Change, vec![ABORT]),
        (
            WantUnlocked,
            InProgressOtherPolicy | InProgressSameUnknownId | InProgressOtherPolicyUnknownId,
        ) => (Change, vec![ABORT]),
        (WantUnlocked, LockedSame | LockedOther) => (Conflict, vec![]),

        (WantInProgress, NoLock) => (Change, vec![INITIATE]),
        (WantInProgress, InProgressSameKnown) => (Noop, vec![]),
        (
            WantInProgress,
            InProgressOtherPolicy | InProgressSameUnknownId | InProgressOtherPolicyUnknownId,
        ) => (Change, vec![ABORT, INITIATE]),
        (WantInProgress, LockedSame | LockedOther) => (Conflict, vec![]),

        (WantLocked, NoLock) => (Change, vec![INITIATE, COMPLETE]),
        (WantLocked, InProgressSameKnown) => (Change, vec![COMPLETE]),
        (
            WantLocked,
            InProgressOtherPolicy | InProgressSameUnknownId | InProgressOtherPolicyUnknownId,
        ) => (Change, vec![ABORT, INITIATE, COMPLETE]),
        (WantLocked, LockedSame) => (Noop, vec![]),
        (WantLocked, LockedOther) => (Conflict, vec![]),
    }
}

#[test]
fn every_cell_of_the_table_without_min_test_period() {
    for state in [WantUnlocked, WantInProgress, WantLocked] {
        for column in COLUMNS {
            let rec = column.record();
            let d = decide(&desired(state), &column.live(), rec.as_ref(), &[], early());
            let (outcome, kinds) = expected(state, column);
            let cell = format!("desired {state:?}, live {column:?}");
            assert_eq!(d.outcome(), outcome, "{cell}: {d:#?}");
            assert_eq!(actions(&d), kinds, "{cell}");
            assert_eq!(d.conflict, outcome == Outcome::Conflict, "{cell}");
            assert!(
                d.actions
                    .iter()
                    .all(|a| a.status == ActionStatus::Ready && a.not_before.is_none()),
                "{cell}"
            );
            if outcome == Outcome::Conflict {
                assert!(!d.messages.is_empty(), "{cell}: a conflict says why");
            }
        }
    }
}

#[test]
fn actions_carry_their_fixed_reversibility() {
    let d = decide(
        &desired(WantLocked),
        &in_progress(POLICY_B),
        None,
        &[],
        early(),
    );
    let got: Vec<(ActionKind, Reversibility)> = d
        .actions
        .iter()
        .map(|a| (a.action, a.reversibility))
        .collect();
    assert_eq!(
        got,
        vec![
            (ABORT, Reversibility::Reversible),
            (INITIATE, Reversibility::Reversible),
            (COMPLETE, Reversibility::Irreversible),
        ]
    );
}

#[test]
fn a_missing_vault_is_a_conflict_whatever_the_desired_state() {
    for state in [WantUnlocked, WantInProgress, WantLocked] {
        let d = decide(
            &desired(state),
            &GlacierLive::VaultMissing,
            None,
            &[],
            early(),
        );
        assert_eq!(d.outcome(), Outcome::Conflict, "{state:?}");
        assert!(d.actions.is_empty());
        assert!(d.text_diff.is_none());
        assert!(
            d.messages
                .iter()
                .any(|m| m.contains("audit-logs") && m.contains("does not exist")),
            "{:?}",
            d.messages
        );
    }
}

#[test]
fn policy_diff_is_present_exactly_when_the_policies_differ() {
    for state in [WantUnlocked, WantInProgress, WantLocked] {
        for column in COLUMNS {
            let rec = column.record();
            let d = decide(&desired(state), &column.live(), rec.as_ref(), &[], early());
            assert_eq!(
                d.text_diff.is_some(),
                column.policies_differ(),
                "desired {state:?}, live {column:?}"
            );
        }
    }
}

#[test]
fn policy_diff_is_a_unified_diff_of_the_pretty_canonical_forms_live_first() {
    let d = decide(&desired(WantLocked), &locked(POLICY_B), None, &[], early());
    let diff = d.text_diff.expect("policies differ");
    assert!(diff.contains("--- live policy"), "{diff}");
    assert!(diff.contains("+++ desired policy"), "{diff}");
    assert!(
        diff.contains("\n-") && diff.contains("glacier:DeleteVault"),
        "{diff}"
    );
    // The live policy has the array of two actions; the desired one has a single string.
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("\"Action\": \"glacier:DeleteArchive\"")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("\"glacier:DeleteVault\"")),
        "{diff}"
    );
}

#[test]
fn policies_compare_canonically_key_order_and_whitespace_do_not_matter() {
    let mut want = desired(WantLocked);
    want.policy = policy(POLICY_A_REFORMATTED);
    let d = decide(&want, &locked(POLICY_A), None, &[], early());
    assert_eq!(d.outcome(), Outcome::Noop);
    assert!(d.text_diff.is_none());

    // The record's digest was taken from the reformatted text: still the same lock.
    let rec = record(POLICY_A_REFORMATTED, created());
    let d = decide(&want, &in_progress(POLICY_A), Some(&rec), &[], early());
    assert_eq!(actions(&d), vec![COMPLETE]);
    assert!(d.text_diff.is_none());
}

#[test]
fn lock_id_is_known_only_when_initiation_time_and_policy_digest_both_match() {
    let live = policy(POLICY_A);
    assert!(lock_id_known(
        Some(&record(POLICY_A, created())),
        &live,
        created()
    ));
    assert!(lock_id_known(
        Some(&record(POLICY_A_REFORMATTED, created())),
        &live,
        created()
    ));
    assert!(!lock_id_known(None, &live, created()), "no record");
    assert!(
        !lock_id_known(
            Some(&record(POLICY_A, created() + SignedDuration::from_secs(1))),
            &live,
            created()
        ),
        "initiated one second apart: someone else's lock"
    );
    assert!(
        !lock_id_known(Some(&record(POLICY_B, created())), &live, created()),
        "other policy initiated"
    );
    let mut no_time = record(POLICY_A, created());
    no_time.initiated_at = None;
    assert!(
        !lock_id_known(Some(&no_time), &live, created()),
        "no initiation time recorded"
    );
}

#[test]
fn a_lock_initiated_elsewhere_with_the_desired_policy_is_never_completed() {
    // Same policy, but the record is of an earlier lock (another CreationDate): its id is not
    // this lock's, so lockward aborts and starts its own.
    let stale = record(POLICY_A, created() - hours(30));
    for rec in [None, Some(&stale)] {
        let d = decide(
            &desired(WantLocked),
            &in_progress(POLICY_A),
            rec,
            &[],
            early(),
        );
        assert_eq!(
            actions(&d),
            vec![ABORT, INITIATE, COMPLETE],
            "record {rec:?}"
        );
        assert!(d.text_diff.is_none(), "same policy: no diff");
        assert!(
            d.actions[0].reason.contains("does not know this lock's id"),
            "{}",
            d.actions[0].reason
        );
    }
}

#[test]
fn a_recorded_lock_whose_policy_digest_differs_from_the_live_policy_is_not_known() {
    // The record says lockward initiated policy B at this very time, but AWS holds policy A:
    // the record is not of this lock, so the lock is not completed.
    let rec = record(POLICY_B, created());
    let d = decide(
        &desired(WantLocked),
        &in_progress(POLICY_A),
        Some(&rec),
        &[],
        early(),
    );
    assert_eq!(actions(&d), vec![ABORT, INITIATE, COMPLETE]);
    let d = decide(
        &desired(WantInProgress),
        &in_progress(POLICY_A),
        Some(&rec),
        &[],
        early(),
    );
    assert_eq!(actions(&d), vec![ABORT, INITIATE]);
}

#[test]
fn min_test_period_defers_complete_until_created_plus_period_and_blocks() {
    let want = with_period(desired(WantLocked), hours(2));
    let rec = record(POLICY_A, created());
    let d = decide(
        &want,
        &in_progress(POLICY_A),
        Some(&rec),
        &[],
        created() + hours(1),
    );
    assert_eq!(actions(&d), vec![COMPLETE]);
    assert_eq!(d.actions[0].status, ActionStatus::Deferred);
    assert_eq!(d.actions[0].not_before, Some(created() + hours(2)));
    assert_eq!(d.actions[0].reversibility, Reversibility::Irreversible);
    assert_eq!(d.outcome(), Outcome::Blocked);
}

#[test]
fn min_test_period_complete_is_ready_once_the_period_has_passed() {
    let want = with_period(desired(WantLocked), hours(2));
    let rec = record(POLICY_A, created());
    // Exactly at the end of the period, and after it.
    for now in [created() + hours(2), created() + hours(3)] {
        let d = decide(&want, &in_progress(POLICY_A), Some(&rec), &[], now);
        assert_eq!(actions(&d), vec![COMPLETE], "{now}");
        assert_eq!(d.actions[0].status, ActionStatus::Ready, "{now}");
        assert_eq!(d.actions[0].not_before, None, "{now}");
        assert_eq!(d.outcome(), Outcome::Change, "{now}");
    }
    // One second before the end it still waits.
    let d = decide(
        &want,
        &in_progress(POLICY_A),
        Some(&rec),
        &[],
        created() + hours(2) - SignedDuration::from_secs(1),
    );
    assert_eq!(d.outcome(), Outcome::Blocked);
}

#[test]
fn min_test_period_ending_after_expiry_is_called_out() {
    // The lock expires 24 h after initiation; a 24 h period can never be met by this lock.
    let want = with_period(desired(WantLocked), hours(24));
    let rec = record(POLICY_A, created());
    let d = decide(&want, &in_progress(POLICY_A), Some(&rec), &[], early());
    assert_eq!(d.outcome(), Outcome::Blocked);
    assert!(
        d.messages
            .iter()
            .any(|m| m.contains("shorten min_test_period")),
        "{:?}",
        d.messages
    );
}

#[test]
fn complete_after_a_fresh_initiate_is_deferred_without_not_before_when_min_test_period_is_set() {
    let want = with_period(desired(WantLocked), hours(2));
    for (live, rec, expect) in [
        (GlacierLive::NoLock, None, vec![INITIATE, COMPLETE]),
        (in_progress(POLICY_B), None, vec![ABORT, INITIATE, COMPLETE]),
        (in_progress(POLICY_A), None, vec![ABORT, INITIATE, COMPLETE]),
    ] {
        let d = decide(&want, &live, rec, &[], early());
        assert_eq!(actions(&d), expect, "{live:?}");
        let complete = d.actions.last().unwrap();
        assert_eq!(complete.status, ActionStatus::Deferred, "{live:?}");
        assert_eq!(
            complete.not_before, None,
            "{live:?}: the initiation time is not known yet"
        );
        assert!(d.actions[..d.actions.len() - 1]
            .iter()
            .all(|a| a.status == ActionStatus::Ready));
        assert_eq!(
            d.outcome(),
            Outcome::Change,
            "{live:?}: the initiate is ready"
        );
    }
}

#[test]
fn complete_after_a_fresh_initiate_is_ready_without_min_test_period() {
    for period in [None, Some(SignedDuration::ZERO)] {
        let mut want = desired(WantLocked);
        want.min_test_period = period;
        let d = decide(&want, &GlacierLive::NoLock, None, &[], early());
        assert_eq!(actions(&d), vec![INITIATE, COMPLETE], "{period:?}");
        assert!(
            d.actions
                .iter()
                .all(|a| a.status == ActionStatus::Ready && a.not_before.is_none()),
            "{period:?}"
        );
    }
}

#[test]
fn in_progress_noop_warns_when_less_than_six_hours_to_expiry() {
    let rec = record(POLICY_A, created());
    let expires = created() + IN_PROGRESS_LIFETIME;
    for (now, warn) in [
        (early(), false),
        (expires - hours(7), false),
        (expires - hours(6), false),
        (expires - hours(6) + SignedDuration::from_secs(60), true),
        (expires - SignedDuration::from_mins(5), true),
    ] {
        let d = decide(
            &desired(WantInProgress),
            &in_progress(POLICY_A),
            Some(&rec),
            &[],
            now,
        );
        assert_eq!(d.outcome(), Outcome::Noop, "{now}");
        assert_eq!(has_warning(&d), warn, "{now}: {:?}", d.messages);
    }
}

#[test]
fn expiry_warning_names_the_expiry_time_and_time_left() {
    let rec = record(POLICY_A, created());
    let expires = created() + IN_PROGRESS_LIFETIME;
    let d = decide(
        &desired(WantInProgress),
        &in_progress(POLICY_A),
        Some(&rec),
        &[],
        expires - SignedDuration::from_mins(90),
    );
    let warning = d
        .messages
        .iter()
        .find(|m| m.severity == crate::plan::Severity::Warning)
        .expect("a warning");
    assert!(warning.contains(&expires.to_string()), "{warning}");
    assert!(warning.contains("1h30m"), "{warning}");
}

#[test]
fn a_ready_complete_also_warns_near_expiry() {
    let rec = record(POLICY_A, created());
    let now = created() + IN_PROGRESS_LIFETIME - hours(1);
    let d = decide(
        &desired(WantLocked),
        &in_progress(POLICY_A),
        Some(&rec),
        &[],
        now,
    );
    assert_eq!(actions(&d), vec![COMPLETE]);
    assert!(has_warning(&d), "{:?}", d.messages);
}

#[test]
fn locked_vault_conflicts_say_the_lock_is_permanent() {
    for state in [WantUnlocked, WantInProgress] {
        let d = decide(&desired(state), &locked(POLICY_A), None, &[], early());
        assert_eq!(d.outcome(), Outcome::Conflict);
        assert!(
            d.messages.iter().any(|m| m.contains("permanent")),
            "{:?}",
            d.messages
        );
    }
    let d = decide(&desired(WantLocked), &locked(POLICY_B), None, &[], early());
    assert!(
        d.messages.iter().any(|m| m.contains("different policy")),
        "{:?}",
        d.messages
    );
}

#[test]
fn a_decision_never_completes_a_lock_whose_live_policy_differs_from_the_intent() {
    // Whatever the record says and whenever it is, a complete_lock on the existing lock is
    // planned only when the live policy is the desired one; otherwise a fresh initiate with
    // the desired policy always precedes it.
    let records = [
        None,
        Some(record(POLICY_A, created())),
        Some(record(POLICY_B, created())),
    ];
    for period in [None, Some(hours(2))] {
        for rec in &records {
            for now in [early(), created() + hours(5), created() + hours(23)] {
                let mut want = desired(WantLocked);
                want.min_test_period = period;
                let d = decide(&want, &in_progress(POLICY_B), rec.as_ref(), &[], now);
                let kinds = actions(&d);
                let complete = kinds.iter().position(|k| *k == COMPLETE).unwrap();
                let initiate = kinds
                    .iter()
                    .position(|k| *k == INITIATE)
                    .expect("initiates the desired policy first");
                assert!(initiate < complete);
            }
        }
    }
}

/// The report's drift for this kind, through the dispatch the report uses.
mod drift {
    use jiff::Timestamp;
    use serde_json::Value;

    use crate::config::Policy;
    use crate::kinds::drift;
    use crate::kinds::glacier::{GlacierLive, GlacierRecord};
    use crate::plan::Live;
    use crate::state::Record;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn policy() -> Policy {
        Policy::parse(r#"{"Version":"2012-10-17"}"#).unwrap()
    }

    fn glacier_record(completed: bool) -> Record {
        Record::GlacierVaultLock(GlacierRecord {
            target: None,
            physical_key: None,
            vault: "audit-logs".into(),
            lock_id: "L1".into(),
            initiated_at: Some(ts("2026-11-20T10:00:00Z")),
            policy_digest: policy().digest(),
            completed_at: completed.then(|| ts("2026-11-21T10:00:00Z")),
        })
    }

    #[test]
    fn a_glacier_lock_that_is_still_ours_is_not_drift() {
        let locked = Live::GlacierVaultLock(GlacierLive::Locked {
            policy: policy(),
            created: ts("2026-11-20T10:00:00Z"),
        });
        assert_eq!(drift(&locked, &glacier_record(true), &Value::Null), None);
        assert_eq!(drift(&locked, &glacier_record(false), &Value::Null), None);
    }

    #[test]
    fn a_vanished_or_replaced_glacier_lock_is_drift() {
        let none = Live::GlacierVaultLock(GlacierLive::NoLock);
        let text = drift(&none, &glacier_record(false), &Value::Null).unwrap();
        assert!(text.contains("expired after 24 h or was aborted"), "{text}");
        let other = Live::GlacierVaultLock(GlacierLive::InProgress {
            policy: policy(),
            created: ts("2026-11-22T10:00:00Z"),
            expires: ts("2026-11-23T10:00:00Z"),
        });
        let text = drift(&other, &glacier_record(false), &Value::Null).unwrap();
        assert!(
            text.contains("another lock in progress, created at 2026-11-22T10:00:00Z"),
            "{text}"
        );
    }
}

/// Import of this kind, through the entry point `lockward import` uses.
mod import {
    use jiff::Timestamp;

    use crate::config::Policy;
    use crate::config::{Desired, Resource};
    use crate::import::{adopt, DeliveredFile};
    use crate::kinds::glacier::GlacierLive;
    use crate::kinds::glacier::{GlacierDesired, VaultLockState};
    use crate::plan::Live;
    use crate::state::Record;
    use crate::vocabulary::{Address, Kind};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn glacier() -> Resource {
        Resource {
            address: Address::new(Kind::GlacierVaultLock, "audit"),
            provider: "default".into(),
            desired: Desired::GlacierVaultLock(GlacierDesired {
                vault: "audit-logs".into(),
                account_id: "-".into(),
                policy: Policy::parse("{}").unwrap(),
                state: VaultLockState::Locked,
                min_test_period: None,
            }),
        }
    }

    #[test]
    fn a_locked_vault_is_adopted_with_its_creation_date_and_policy_digest() {
        let policy = Policy::parse(r#"{"b":1,"a":2}"#).unwrap();
        let live = Live::GlacierVaultLock(GlacierLive::Locked {
            policy: policy.clone(),
            created: ts("2026-01-01T00:00:00Z"),
        });
        let a = adopt(&glacier(), &live, None, &DeliveredFile::Missing).unwrap();
        let Record::GlacierVaultLock(r) = &a.record else {
            panic!("{a:?}")
        };
        assert_eq!(r.initiated_at, Some(ts("2026-01-01T00:00:00Z")));
        assert_eq!(r.policy_digest, policy.digest());
        assert_eq!(r.lock_id, "");
        assert_eq!(a.detail["lock_state"], "Locked");
    }

    #[test]
    fn an_in_progress_lock_is_refused_because_its_id_is_unknowable() {
        let live = Live::GlacierVaultLock(GlacierLive::InProgress {
            policy: Policy::parse("{}").unwrap(),
            created: ts("2026-01-01T00:00:00Z"),
            expires: ts("2026-01-02T00:00:00Z"),
        });
        let err = adopt(&glacier(), &live, None, &DeliveredFile::Missing).unwrap_err();
        assert!(
            err.contains("its lock id is returned only by InitiateVaultLock"),
            "{err}"
        );
        assert!(err.contains("\nhint: "), "{err}");
    }

    #[test]
    fn something_already_recorded_is_not_imported_again() {
        let live = Live::GlacierVaultLock(GlacierLive::Locked {
            policy: Policy::parse("{}").unwrap(),
            created: ts("2026-01-01T00:00:00Z"),
        });
        let first = adopt(&glacier(), &live, None, &DeliveredFile::Missing).unwrap();
        assert!(adopt(
            &glacier(),
            &live,
            Some(&first.record),
            &DeliveredFile::Missing
        )
        .unwrap_err()
        .contains("already in the state file"));
    }
}

/// The field checks of the kind's config block.
mod config {
    use serde_json::Value;

    use crate::config::validate::Check;
    use crate::config::Policy;
    use crate::kinds::glacier::config::*;

    fn hint<T: std::fmt::Debug>(r: Check<T>) -> String {
        r.unwrap_err().hint.unwrap_or_default()
    }

    #[test]
    fn vaults() {
        assert!(check_vault("audit-logs_2.x").is_ok());
        assert!(check_vault(&"v".repeat(255)).is_ok());
        assert!(check_vault(&"v".repeat(256)).is_err());
        assert!(check_vault("").is_err());
        assert!(check_vault("audit logs")
            .unwrap_err()
            .message
            .contains("' '"));
    }

    #[test]
    fn account_ids() {
        assert!(check_account_id("-").is_ok());
        assert!(check_account_id("012345678901").is_ok());
        assert!(hint(check_account_id("12345678901")).contains("has 11"));
        assert!(hint(check_account_id("1234-5678-9012")).contains("\"123456789012\""));
        assert!(check_account_id("").is_err());
    }

    #[test]
    fn min_test_periods() {
        assert!(check_min_test_period("0m").is_err());
        assert!(check_min_test_period("23h59m").is_ok());
        // A lock in progress expires at 24 h: a test period that long could never end first.
        assert!(check_min_test_period("24h").is_err());
        assert!(check_min_test_period("1d").is_err());
        assert!(check_min_test_period("1d1s").is_err());
    }

    #[test]
    fn policies() {
        let check = |v: Value| check_policy(Policy::from_value(v));
        let ok = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny"}]});
        assert!(check(ok).is_ok());
        assert!(check(serde_json::json!({"Statement": []})).is_err());
        assert!(check(serde_json::json!({"Version": "x"}))
            .unwrap_err()
            .message
            .contains("no `Statement`"));
        assert!(check(serde_json::json!([1])).is_err());
        let big = serde_json::json!({"Statement": [{"Sid": "x".repeat(MAX_POLICY_BYTES)}]});
        assert!(check(big).unwrap_err().message.contains("canonical"));
        // Exactly at the limit is accepted: the canonical form is what is measured.
        let overhead = r#"{"Statement":[{"Sid":""}]}"#.len();
        let at_limit =
            serde_json::json!({"Statement": [{"Sid": "x".repeat(MAX_POLICY_BYTES - overhead)}]});
        assert!(check(at_limit).is_ok());
    }
}

/// Policy files and inline policies through the real loader: `config.yaml` and its `policies/audit.json` in a new directory.
mod loaded {
    use std::fs;
    use std::path::Path;

    use jiff::Timestamp;

    use crate::config::{load, Config, ConfigError, Desired, Policy};
    use crate::kinds::glacier::GlacierLive;
    use crate::plan::{plan, Live, LiveSnapshot, Plan};
    use crate::state::StateFile;

    const CONFIG: &str = "version: 1\nproviders:\n  default: { region: us-east-1 }\nglacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n";

    fn load_with_policy(dir: &Path, policy: &[u8]) -> Result<Config, ConfigError> {
        fs::create_dir_all(dir.join("policies")).unwrap();
        fs::write(dir.join("policies/audit.json"), policy).unwrap();
        fs::write(dir.join("lockward.yaml"), CONFIG).unwrap();
        load(&dir.join("lockward.yaml"))
    }

    fn policy_of(config: &Config) -> &Policy {
        match &config.resources[0].desired {
            Desired::GlacierVaultLock(d) => &d.policy,
            other => panic!("not a glacier resource: {other:?}"),
        }
    }

    /// The plan for a vault without a lock, as `plan` would make it.
    fn plan_of(config: &Config) -> Plan {
        let mut live = LiveSnapshot::default();
        live.resources.insert(
            config.resources[0].address.clone(),
            crate::plan::Observed {
                target: crate::vocabulary::Target::for_tests(),
                live: Live::GlacierVaultLock(GlacierLive::NoLock),
            },
        );
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        plan(
            config,
            &live,
            crate::plan::planner::recorded(&StateFile::empty()),
            now,
        )
    }

    const WRITTEN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*","Condition":{"NumericLessThan":{"glacier:ArchiveAgeInDays":1e2,"x:Big":12345678901234567890123,"x:Float":1.0}}}]}"#;
    const CANONICAL: &str = r#"{"Statement":[{"Action":"glacier:DeleteArchive","Condition":{"NumericLessThan":{"glacier:ArchiveAgeInDays":1e2,"x:Big":12345678901234567890123,"x:Float":1.0}},"Effect":"Deny","Principal":"*","Resource":"*"}],"Version":"2012-10-17"}"#;

    #[test]
    fn numbers_reach_the_plan_and_what_is_sent_exactly_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        let config = load_with_policy(tmp.path(), WRITTEN.as_bytes()).unwrap();
        // What the executor sends to InitiateVaultLock.
        assert_eq!(policy_of(&config).canonical(), CANONICAL);
        // What the plan carries, digests and shows.
        let plan = plan_of(&config);
        assert_eq!(plan.resources[0].desired["policy"], CANONICAL);
        let text = serde_json::to_string(&plan).unwrap();
        assert!(text.contains("12345678901234567890123"), "{text}");
        assert!(!text.contains("e+22") && !text.contains("100.0"), "{text}");
    }

    #[test]
    fn policies_written_differently_with_one_content_plan_the_same_digest() {
        let reformatted = "\u{feff}{\n  \"Statement\" : [ {\n    \"Resource\": \"*\", \"Principal\": \"*\",\n    \"Condition\": {\"NumericLessThan\": {\"x:Float\": 1.0, \"x:Big\": 12345678901234567890123, \"glacier:ArchiveAgeInDays\": 1e2}},\n    \"Effect\": \"Deny\", \"Action\": \"glacier:DeleteArchive\" } ],\n  \"Version\": \"2012-10-17\"\n}\n";
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = load_with_policy(a.path(), WRITTEN.as_bytes()).unwrap();
        let b = load_with_policy(b.path(), reformatted.as_bytes()).unwrap();
        assert_eq!(policy_of(&a).canonical(), policy_of(&b).canonical());
        assert_eq!(a.digest(), b.digest());
        assert_eq!(plan_of(&a).digest, plan_of(&b).digest);

        // A number written another way is another policy, and another approval.
        let c = tempfile::tempdir().unwrap();
        let c = load_with_policy(c.path(), WRITTEN.replace("1e2", "100").as_bytes()).unwrap();
        assert_ne!(a.digest(), c.digest());
        assert_ne!(plan_of(&a).digest, plan_of(&c).digest);
        let d = tempfile::tempdir().unwrap();
        let d = load_with_policy(
            d.path(),
            WRITTEN
                .replace("12345678901234567890123", "12345678901234567890124")
                .as_bytes(),
        )
        .unwrap();
        assert_ne!(plan_of(&a).digest, plan_of(&d).digest);
    }

    #[test]
    fn a_duplicate_key_in_a_policy_file_is_an_error_at_its_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        let text = "{\"Version\": \"2012-10-17\", \"Statement\": [{\n  \"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"glacier:DeleteArchive\", \"Resource\": \"*\",\n  \"Effect\": \"Allow\"}]}";
        let err = load_with_policy(tmp.path(), text.as_bytes()).unwrap_err();
        let d = &err.diagnostics()[0];
        assert!(d.message.contains("duplicate key `Effect`"), "{err}");
        let at = d.location.as_ref().unwrap();
        assert_eq!(
            (at.file.as_path(), at.line, at.column),
            (tmp.path().join("policies/audit.json").as_path(), 3, 3),
            "{err}"
        );
        assert_eq!((d.related[0].line, d.related[0].column), (2, 3), "{err}");
    }

    #[test]
    fn trailing_data_in_a_policy_file_is_an_error_at_its_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        let text =
            "{\"Statement\": {\"Effect\": \"Deny\"}}\n  {\"Statement\": {\"Effect\": \"Allow\"}}\n";
        let err = load_with_policy(tmp.path(), text.as_bytes()).unwrap_err();
        let at = err.diagnostics()[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (2, 3), "{err}");
        assert!(err.to_string().contains("trailing characters"), "{err}");
    }

    #[test]
    fn a_policy_file_that_is_not_utf8_is_an_error_at_its_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        let err = load_with_policy(tmp.path(), b"{\"Statement\": {\n \"Sid\": \"caf\xe9\"}}")
            .unwrap_err();
        let at = err.diagnostics()[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (2, 13), "{err}");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }

    #[test]
    fn a_policy_file_with_a_byte_order_mark_loads() {
        let tmp = tempfile::tempdir().unwrap();
        let mut text = "\u{feff}".as_bytes().to_vec();
        text.extend_from_slice(WRITTEN.as_bytes());
        let config = load_with_policy(tmp.path(), &text).unwrap();
        assert_eq!(policy_of(&config).canonical(), CANONICAL);
    }

    fn load_inline(policy: &str) -> Result<Config, ConfigError> {
        let text = format!("version: 1\nproviders:\n  default: {{ region: us-east-1 }}\nglacier_vault_lock:\n  audit:\n    vault: audit-logs\n    state: locked\n    policy:{policy}");
        crate::config::load_str(&text, Path::new("/nonexistent/lockward.yaml"))
    }

    #[test]
    fn an_inline_yaml_mapping_keeps_numbers_as_written() {
        let config = load_inline("\n      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Deny\n          Principal: \"*\"\n          Action: glacier:DeleteArchive\n          Resource: \"*\"\n          Condition:\n            NumericLessThan:\n              glacier:ArchiveAgeInDays: 1e2\n              x:Big: 12345678901234567890123\n              x:Float: 1.0\n").unwrap();
        assert_eq!(policy_of(&config).canonical(), CANONICAL);
    }

    #[test]
    fn an_inline_json_text_keeps_numbers_and_refuses_duplicates_at_their_place() {
        let config = load_inline(&format!(" '{WRITTEN}'\n")).unwrap();
        assert_eq!(policy_of(&config).canonical(), CANONICAL);

        let err = load_inline(" |\n      {\"Statement\": [{\n        \"Effect\": \"Deny\",\n        \"Effect\": \"Allow\"}]}\n").unwrap_err();
        let d = &err.diagnostics()[0];
        assert!(d.message.contains("duplicate key `Effect`"), "{err}");
        let at = d.location.as_ref().unwrap();
        // The second `"Effect"` of the block, in the config file.
        assert_eq!((at.line, at.column), (11, 9), "{err}");
    }
}

/// DESIGN.md section 1: `abort_lock` lowers protection (an InProgress lock's policy is in
/// force while it is tested); `initiate_lock` and `complete_lock` never do. Every cell.
#[test]
fn every_cell_says_whether_its_actions_lower_protection() {
    for state in [WantUnlocked, WantInProgress, WantLocked] {
        for column in COLUMNS {
            let rec = column.record();
            let d = decide(&desired(state), &column.live(), rec.as_ref(), &[], early());
            let got: Vec<(ActionKind, bool)> = d
                .actions
                .iter()
                .map(|a| (a.action, a.lowers_protection))
                .collect();
            let want: Vec<(ActionKind, bool)> = expected(state, column)
                .1
                .into_iter()
                .map(|a| (a, a == ABORT))
                .collect();
            assert_eq!(got, want, "desired {state:?}, live {column:?}");
        }
    }
    // A deferred completion lowers nothing either.
    let d = decide(
        &with_period(desired(WantLocked), hours(12)),
        &GlacierLive::NoLock,
        None,
        &[],
        early(),
    );
    assert!(d.actions.iter().all(|a| !a.lowers_protection), "{d:?}");
}

// ---- what the policy names (DESIGN.md section 3.1; issue class: a permanent policy that
// names another vault) --------------------------------------------------------------------------

const THIS_VAULT: &str = "arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs";

/// A policy denying DeleteArchive on `resource` (JSON: a string or an array).
fn naming(resource: &str) -> Policy {
    policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":{resource}}}]}}"#
    ))
}

/// The full decision, as the planner makes it, in account 123456789012, us-east-1.
fn decide_in_target(desired: &GlacierDesired, live: &GlacierLive) -> Decision {
    <Glacier as crate::kinds::LockKind>::decide(
        desired,
        live,
        &crate::vocabulary::Target::for_tests(),
        None,
        &[],
        early(),
    )
}

fn want(state: VaultLockState, policy: Policy) -> GlacierDesired {
    GlacierDesired {
        policy,
        ..desired(state)
    }
}

fn warnings(d: &Decision) -> Vec<&str> {
    d.messages
        .iter()
        .filter(|m| m.severity == crate::plan::Severity::Warning)
        .map(|m| m.text.as_str())
        .collect()
}

#[test]
fn a_policy_naming_this_vault_or_star_gets_no_word() {
    for resource in [
        format!("\"{THIS_VAULT}\""),
        "\"*\"".to_string(),
        "\"arn:aws:glacier:*:*:vaults/*\"".to_string(),
        "\"arn:aws:glacier:us-east-1:123456789012:vaults/audit-*\"".to_string(),
        format!("[\"{THIS_VAULT}\", \"*\"]"),
    ] {
        for state in [WantInProgress, WantLocked] {
            let d = decide_in_target(&want(state, naming(&resource)), &GlacierLive::NoLock);
            assert_eq!(d.outcome(), Outcome::Change, "{resource}: {d:?}");
            assert!(warnings(&d).is_empty(), "{resource}: {d:?}");
        }
    }
}

#[test]
fn a_locked_policy_naming_only_another_vault_account_or_region_is_a_conflict() {
    for other in [
        "arn:aws:glacier:us-east-1:123456789012:vaults/other-vault",
        "arn:aws:glacier:us-east-1:210987654321:vaults/audit-logs",
        "arn:aws:glacier:eu-west-1:123456789012:vaults/audit-logs",
        "arn:aws-cn:glacier:us-east-1:123456789012:vaults/audit-logs",
        "arn:aws:glacier:us-east-1:123456789012:vaults/Audit-Logs",
        "arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs-*",
        "arn:aws:s3:::audit-logs/*",
        "arn:aws:glacier:us-east-?:*:vaults/legal-hold",
    ] {
        let resource = format!("\"{other}\"");
        for live in [
            GlacierLive::NoLock,
            in_progress(POLICY_A),
            GlacierLive::InProgress {
                policy: naming(&resource),
                created: created(),
                expires: created() + IN_PROGRESS_LIFETIME,
            },
        ] {
            let d = decide_in_target(&want(WantLocked, naming(&resource)), &live);
            assert_eq!(d.outcome(), Outcome::Conflict, "{other} / {live:?}: {d:?}");
            let text = d
                .messages
                .iter()
                .map(|m| m.text.as_str())
                .collect::<String>();
            assert!(
                text.contains(other) && text.contains(THIS_VAULT),
                "{other}: {text}"
            );
        }
        // Testing it for 24 h is what `in_progress` is for: a warning, no conflict.
        let d = decide_in_target(
            &want(WantInProgress, naming(&resource)),
            &GlacierLive::NoLock,
        );
        assert_eq!(d.outcome(), Outcome::Change, "{other}");
        assert_eq!(warnings(&d).len(), 1, "{other}: {d:?}");
        assert!(warnings(&d)[0].contains(other), "{d:?}");
        // Unlocked never puts the policy.
        let d = decide_in_target(
            &want(WantUnlocked, naming(&resource)),
            &in_progress(POLICY_A),
        );
        assert!(warnings(&d).is_empty() && !d.conflict, "{other}: {d:?}");
    }
}

#[test]
fn a_policy_naming_this_vault_and_another_warns_about_the_other() {
    let other = "arn:aws:glacier:us-east-1:123456789012:vaults/legal-hold";
    let d = decide_in_target(
        &want(
            WantLocked,
            naming(&format!("[\"{THIS_VAULT}\", \"{other}\"]")),
        ),
        &GlacierLive::NoLock,
    );
    assert_eq!(d.outcome(), Outcome::Change, "{d:?}");
    assert_eq!(warnings(&d).len(), 1, "{d:?}");
    assert!(warnings(&d)[0].contains(other) && !warnings(&d)[0].contains("vaults/audit-logs`"));
}

#[test]
fn a_completed_lock_naming_another_vault_is_warned_about_not_refused() {
    let other = naming("\"arn:aws:glacier:us-east-1:123456789012:vaults/legal-hold\"");
    let d = decide_in_target(
        &want(WantLocked, other.clone()),
        &GlacierLive::Locked {
            policy: other,
            created: created(),
        },
    );
    assert_eq!(d.outcome(), Outcome::Noop, "{d:?}");
    assert_eq!(warnings(&d).len(), 1, "{d:?}");
}

#[test]
fn the_vault_is_named_in_its_own_account_when_account_id_names_one() {
    let owner = "arn:aws:glacier:us-east-1:111122223333:vaults/audit-logs";
    let mut d = want(WantLocked, naming(&format!("\"{owner}\"")));
    d.account_id = "111122223333".into();
    let decided = decide_in_target(&d, &GlacierLive::NoLock);
    assert_eq!(decided.outcome(), Outcome::Change, "{decided:?}");
    assert!(warnings(&decided).is_empty());
    // ...and this account's ARN is then another vault.
    d.policy = naming(&format!("\"{THIS_VAULT}\""));
    assert_eq!(
        decide_in_target(&d, &GlacierLive::NoLock).outcome(),
        Outcome::Conflict
    );
}

#[test]
fn a_not_resource_that_excludes_this_vault_never_applies_to_it() {
    let excluding = policy(&format!(
        r#"{{"Statement":[{{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","NotResource":"{THIS_VAULT}"}}]}}"#
    ));
    let d = decide_in_target(&want(WantLocked, excluding), &GlacierLive::NoLock);
    assert_eq!(d.outcome(), Outcome::Conflict, "{d:?}");
    let other = policy(
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","NotResource":"arn:aws:glacier:us-east-1:123456789012:vaults/other"}]}"#,
    );
    let d = decide_in_target(&want(WantLocked, other), &GlacierLive::NoLock);
    assert_eq!(d.outcome(), Outcome::Change, "{d:?}");
    assert!(warnings(&d).is_empty(), "{d:?}");
}

#[test]
fn arn_patterns_match_segment_by_segment() {
    use super::scope::{matches_arn, vault_arn};
    assert_eq!(
        vault_arn("us-east-1", "123456789012", "v"),
        "arn:aws:glacier:us-east-1:123456789012:vaults/v"
    );
    assert_eq!(
        vault_arn("cn-north-1", "1", "v"),
        "arn:aws-cn:glacier:cn-north-1:1:vaults/v"
    );
    assert_eq!(
        vault_arn("us-gov-west-1", "1", "v"),
        "arn:aws-us-gov:glacier:us-gov-west-1:1:vaults/v"
    );
    assert_eq!(
        vault_arn("us-iso-east-1", "1", "v"),
        "arn:aws-iso:glacier:us-iso-east-1:1:vaults/v"
    );
    assert_eq!(
        vault_arn("us-isob-east-1", "1", "v"),
        "arn:aws-iso-b:glacier:us-isob-east-1:1:vaults/v"
    );
    assert!(matches_arn("*", THIS_VAULT));
    assert!(matches_arn(THIS_VAULT, THIS_VAULT));
    assert!(matches_arn("arn:aws:glacier:*:*:*", THIS_VAULT));
    assert!(matches_arn(
        "arn:*:glacier:us-east-?:123456789012:vaults/*",
        THIS_VAULT
    ));
    // A wildcard never stands for a colon: `arn:*` is not `*`.
    assert!(!matches_arn("arn:*", THIS_VAULT));
    assert!(!matches_arn("arn:aws:glacier:us-east-1:*", THIS_VAULT));
    assert!(!matches_arn(
        "arn:aws:glacier:us-east-1:123456789012:vaults/audit-log",
        THIS_VAULT
    ));
    assert!(!matches_arn(
        "arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs ",
        THIS_VAULT
    ));
    assert!(!matches_arn("", THIS_VAULT));
}

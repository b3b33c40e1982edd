//! The Recycle Bin rule lock table of DESIGN.md section 3, cell by cell, and the rules in its
//! prose.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::kinds::rbin::{RbinDesired, RbinLock};
use crate::plan::{ActionKind, ActionStatus, Outcome, Reversibility};

fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn want_locked(days: u16) -> RbinDesired {
    RbinDesired {
        rule_id: "a1B2c3D4e5F".into(),
        lock: RbinLock::Locked {
            unlock_delay_days: days,
        },
    }
}

fn want_unlocked() -> RbinDesired {
    RbinDesired {
        rule_id: "a1B2c3D4e5F".into(),
        lock: RbinLock::Unlocked {
            unlock_delay_days: None,
        },
    }
}

/// A region-level rule with no exclusion tags.
fn rule(lock_state: Option<RuleLock>) -> RbinRule {
    RbinRule {
        resource_type: "EBS_SNAPSHOT".into(),
        lock_state,
        // GetRule reports a lock configuration once the rule has been locked.
        unlock_delay_days: lock_state.map(|_| 7),
        lock_end_time: (lock_state == Some(RuleLock::PendingUnlock))
            .then(|| now() + SignedDuration::from_hours(48)),
        resource_tags: 0,
        exclude_resource_tags: 0,
    }
}

fn live(rule: RbinRule) -> RbinLive {
    RbinLive::Present(rule)
}

fn actions(d: &Decision) -> Vec<ActionKind> {
    d.actions.iter().map(|a| a.action).collect()
}

#[test]
fn every_cell_of_the_table() {
    const LOCK_RULE: ActionKind = ActionKind::LOCK_RULE;
    const UNLOCK_RULE: ActionKind = ActionKind::UNLOCK_RULE;
    use Outcome::{Change, Noop};
    let cells: [(RbinDesired, Option<RuleLock>, Outcome, Vec<ActionKind>); 8] = [
        (want_locked(7), None, Change, vec![LOCK_RULE]),
        (want_locked(7), Some(RuleLock::Locked), Noop, vec![]),
        (
            want_locked(7),
            Some(RuleLock::PendingUnlock),
            Change,
            vec![LOCK_RULE],
        ),
        (
            want_locked(7),
            Some(RuleLock::Unlocked),
            Change,
            vec![LOCK_RULE],
        ),
        (want_unlocked(), None, Noop, vec![]),
        (
            want_unlocked(),
            Some(RuleLock::Locked),
            Change,
            vec![UNLOCK_RULE],
        ),
        (want_unlocked(), Some(RuleLock::PendingUnlock), Noop, vec![]),
        (want_unlocked(), Some(RuleLock::Unlocked), Noop, vec![]),
    ];
    for (want, lock_state, outcome, kinds) in cells {
        let d = decide(&want, &live(rule(lock_state)), now());
        let cell = format!("desired {:?}, live {lock_state:?}", want.state());
        assert_eq!(d.outcome(), outcome, "{cell}: {d:#?}");
        assert_eq!(actions(&d), kinds, "{cell}");
        assert!(!d.conflict, "{cell}");
        assert!(d.text_diff.is_none(), "{cell}");
        for a in &d.actions {
            assert_eq!(a.reversibility, Reversibility::Delayed, "{cell}");
            assert_eq!(a.status, ActionStatus::Ready, "{cell}");
            assert_eq!(a.not_before, None, "{cell}");
        }
    }
}

#[test]
fn lock_rule_says_how_long_an_unlock_will_take() {
    let d = decide(&want_locked(10), &live(rule(None)), now());
    assert!(
        d.actions[0].reason.contains("10 days"),
        "{}",
        d.actions[0].reason
    );
}

#[test]
fn unlock_rule_says_the_live_unlock_delay() {
    let d = decide(&want_unlocked(), &live(rule(Some(RuleLock::Locked))), now());
    assert!(
        d.actions[0].reason.contains("7 days"),
        "{}",
        d.actions[0].reason
    );
}

#[test]
fn relocking_during_a_pending_unlock_is_planned() {
    let d = decide(
        &want_locked(7),
        &live(rule(Some(RuleLock::PendingUnlock))),
        now(),
    );
    assert_eq!(actions(&d), vec![ActionKind::LOCK_RULE]);
    assert!(
        d.actions[0].reason.contains("re-lock"),
        "{}",
        d.actions[0].reason
    );
}

#[test]
fn pending_unlock_noop_says_when_the_delay_ends() {
    let end = now() + SignedDuration::from_hours(48);
    let mut r = rule(Some(RuleLock::PendingUnlock));
    for (lock_end_time, says) in [
        (Some(end), format!("at {end}")),
        (Some(now()), "ends now".to_string()),
        (
            Some(now() - SignedDuration::from_hours(1)),
            "ends now".to_string(),
        ),
        (None, "when the unlock delay ends".to_string()),
    ] {
        r.lock_end_time = lock_end_time;
        let d = decide(&want_unlocked(), &live(r.clone()), now());
        assert_eq!(d.outcome(), Outcome::Noop);
        assert!(
            d.messages.iter().any(|m| m.contains(&says)),
            "{lock_end_time:?}: {:?}",
            d.messages
        );
    }
}

#[test]
fn a_missing_rule_is_a_conflict_whatever_the_desired_state() {
    for want in [want_locked(7), want_unlocked()] {
        let d = decide(&want, &RbinLive::RuleMissing, now());
        assert_eq!(d.outcome(), Outcome::Conflict, "{:?}", want.state());
        assert!(d.actions.is_empty());
        assert!(
            d.messages
                .iter()
                .any(|m| m.contains("a1B2c3D4e5F") && m.contains("does not exist")),
            "{:?}",
            d.messages
        );
    }
}

#[test]
fn a_tag_level_rule_cannot_be_locked() {
    let mut r = rule(None);
    r.resource_tags = 1;
    let d = decide(&want_locked(7), &live(r), now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
    assert!(
        d.messages.iter().any(|m| m.contains("tag-level")),
        "{:?}",
        d.messages
    );
}

#[test]
fn a_region_level_rule_with_exclusion_tags_cannot_be_locked() {
    let mut r = rule(None);
    r.exclude_resource_tags = 2;
    let d = decide(&want_locked(7), &live(r), now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(d.actions.is_empty());
    assert!(
        d.messages.iter().any(|m| m.contains("ExcludeResourceTags")),
        "{:?}",
        d.messages
    );
}

#[test]
fn a_rule_that_cannot_be_locked_is_already_unlocked() {
    // Wanting it unlocked is reached already: nothing to do, nothing to refuse.
    for (tags, excludes) in [(1, 0), (0, 1)] {
        let mut r = rule(None);
        r.resource_tags = tags;
        r.exclude_resource_tags = excludes;
        let d = decide(&want_unlocked(), &live(r), now());
        assert_eq!(d.outcome(), Outcome::Noop);
    }
}

#[test]
fn unlock_delay_differing_from_the_first_lock_is_a_conflict_whatever_the_lock_state() {
    for lock_state in [
        Some(RuleLock::Locked),
        Some(RuleLock::PendingUnlock),
        Some(RuleLock::Unlocked),
    ] {
        let d = decide(&want_locked(14), &live(rule(lock_state)), now());
        assert_eq!(d.outcome(), Outcome::Conflict, "{lock_state:?}");
        assert!(d.actions.is_empty(), "{lock_state:?}");
        assert!(
            d.messages
                .iter()
                .any(|m| m.contains("7 days") && m.contains("wanted 14") && m.contains("new rule")),
            "{lock_state:?}: {:?}",
            d.messages
        );
    }
}

#[test]
fn a_never_locked_rule_takes_any_unlock_delay() {
    let d = decide(&want_locked(30), &live(rule(None)), now());
    assert_eq!(actions(&d), vec![ActionKind::LOCK_RULE]);
}

#[test]
fn regression_desired_unlock_delay_differing_from_the_first_lock_conflicts_when_unlocked_is_wanted()
{
    // DESIGN.md: a desired unlock_delay_days that differs from the rule's lock configuration
    // is a conflict whatever the lock state. Planning an unlock_rule here would let the user
    // believe the rule stays protected for 14 days when AWS releases it after 7.
    let mut want = want_unlocked();
    want.lock = RbinLock::Unlocked {
        unlock_delay_days: Some(14),
    };
    for lock_state in [
        Some(RuleLock::Locked),
        Some(RuleLock::PendingUnlock),
        Some(RuleLock::Unlocked),
    ] {
        let d = decide(&want, &live(rule(lock_state)), now());
        assert_eq!(d.outcome(), Outcome::Conflict, "{lock_state:?}");
        assert!(d.actions.is_empty(), "{lock_state:?}");
    }
    // The same delay, or none stated, unlocks as the table says.
    want.lock = RbinLock::Unlocked {
        unlock_delay_days: Some(7),
    };
    let d = decide(&want, &live(rule(Some(RuleLock::Locked))), now());
    assert_eq!(actions(&d), vec![ActionKind::UNLOCK_RULE]);
}

/// The report's drift for this kind, through the dispatch the report uses.
mod drift {
    use jiff::Timestamp;
    use serde_json::Value;

    use crate::kinds::drift;
    use crate::kinds::rbin::{RbinLive, RbinRecord, RbinRule, RuleLock};
    use crate::plan::Live;
    use crate::state::Record;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn rule(lock_state: Option<RuleLock>) -> Live {
        Live::RbinRuleLock(RbinLive::Present(RbinRule {
            resource_type: "EBS_SNAPSHOT".into(),
            lock_state,
            unlock_delay_days: Some(7),
            lock_end_time: None,
            resource_tags: 0,
            exclude_resource_tags: 0,
        }))
    }

    fn rbin_record(unlock_requested: bool) -> Record {
        Record::RbinRuleLock(RbinRecord {
            target: None,
            physical_key: None,
            rule_id: "a1B2c3D4e5F".into(),
            unlock_delay_days: Some(7),
            locked_at: Some(ts("2026-11-20T10:00:00Z")),
            unlock_requested_at: unlock_requested.then(|| ts("2026-11-21T10:00:00Z")),
        })
    }

    #[test]
    fn a_rule_lockward_locked_that_is_unlocking_is_drift_and_the_reverse_too() {
        assert_eq!(
            drift(
                &rule(Some(RuleLock::Locked)),
                &rbin_record(false),
                &Value::Null
            ),
            None
        );
        let text = drift(
            &rule(Some(RuleLock::PendingUnlock)),
            &rbin_record(false),
            &Value::Null,
        )
        .unwrap();
        assert!(
            text.contains("was locked at 2026-11-20T10:00:00Z, but it is now unlocking"),
            "{text}"
        );
        assert!(drift(
            &rule(Some(RuleLock::Locked)),
            &rbin_record(true),
            &Value::Null
        )
        .is_some());
        assert_eq!(
            drift(
                &rule(Some(RuleLock::Unlocked)),
                &rbin_record(true),
                &Value::Null
            ),
            None
        );
    }
}

/// Import of this kind, through the entry point `lockward import` uses.
mod import {
    use jiff::Timestamp;

    use crate::config::{Desired, Resource};
    use crate::import::{adopt, DeliveredFile};
    use crate::kinds::rbin::{RbinDesired, RbinLock};
    use crate::kinds::rbin::{RbinLive, RbinRecord, RbinRule, RuleLock};
    use crate::plan::Live;
    use crate::state::Record;
    use crate::vocabulary::{Address, Kind};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn rule(lock_state: Option<RuleLock>, end: Option<&str>) -> Live {
        Live::RbinRuleLock(RbinLive::Present(RbinRule {
            resource_type: "EBS_SNAPSHOT".into(),
            lock_state,
            unlock_delay_days: lock_state.map(|_| 10),
            lock_end_time: end.map(ts),
            resource_tags: 0,
            exclude_resource_tags: 0,
        }))
    }

    fn rbin() -> Resource {
        Resource {
            address: Address::new(Kind::RbinRuleLock, "ebs"),
            provider: "default".into(),
            desired: Desired::RbinRuleLock(RbinDesired {
                rule_id: "a1B2c3D4e5F".into(),
                lock: RbinLock::Locked {
                    unlock_delay_days: 10,
                },
            }),
        }
    }

    #[test]
    fn a_rule_lock_is_adopted_with_its_configuration_and_a_pending_unlock_with_its_request_time() {
        let a = adopt(
            &rbin(),
            &rule(Some(RuleLock::Locked), None),
            None,
            &DeliveredFile::Missing,
        )
        .unwrap();
        assert_eq!(
            a.record,
            Record::RbinRuleLock(RbinRecord {
                rule_id: "a1B2c3D4e5F".into(),
                unlock_delay_days: Some(10),
                locked_at: None,
                unlock_requested_at: None,
                target: None,
                physical_key: None,
            })
        );
        let a = adopt(
            &rbin(),
            &rule(Some(RuleLock::PendingUnlock), Some("2026-12-01T00:00:00Z")),
            None,
            &DeliveredFile::Missing,
        )
        .unwrap();
        let Record::RbinRuleLock(r) = a.record else {
            panic!()
        };
        assert_eq!(r.unlock_requested_at, Some(ts("2026-11-21T00:00:00Z")));
        assert!(
            adopt(&rbin(), &rule(None, None), None, &DeliveredFile::Missing)
                .unwrap_err()
                .contains("not locked")
        );
    }
}

/// The field checks of the kind's config block.
mod config {
    use crate::kinds::rbin::config::*;

    #[test]
    fn rule_ids() {
        assert!(check_rule_id("a1B2c3D4e5F").is_ok());
        assert!(check_rule_id("a1B2c3D4e5").is_err());
        assert!(check_rule_id("a1B2c3D4e5-").is_err());
    }

    #[test]
    fn unlock_delays() {
        assert_eq!(check_unlock_delay(7), Ok(7));
        assert_eq!(check_unlock_delay(30), Ok(30));
        assert!(check_unlock_delay(6).is_err());
        assert!(check_unlock_delay(31).is_err());
        assert!(check_unlock_delay(-1).is_err());
    }
}

/// DESIGN.md section 1: `unlock_rule` lowers protection (once its delay ends, the rule can be
/// changed or deleted); `lock_rule`, also during a pending unlock, never does.
#[test]
fn every_cell_says_whether_its_action_lowers_protection() {
    const LOCK_RULE: ActionKind = ActionKind::LOCK_RULE;
    const UNLOCK_RULE: ActionKind = ActionKind::UNLOCK_RULE;
    let cells = [
        (want_locked(7), None, vec![(LOCK_RULE, false)]),
        (want_locked(7), Some(RuleLock::Locked), vec![]),
        (
            want_locked(7),
            Some(RuleLock::PendingUnlock),
            vec![(LOCK_RULE, false)],
        ),
        (
            want_locked(7),
            Some(RuleLock::Unlocked),
            vec![(LOCK_RULE, false)],
        ),
        (want_unlocked(), None, vec![]),
        (
            want_unlocked(),
            Some(RuleLock::Locked),
            vec![(UNLOCK_RULE, true)],
        ),
        (want_unlocked(), Some(RuleLock::PendingUnlock), vec![]),
        (want_unlocked(), Some(RuleLock::Unlocked), vec![]),
    ];
    for (want, lock_state, expected) in cells {
        let d = decide(&want, &live(rule(lock_state)), now());
        let got: Vec<(ActionKind, bool)> = d
            .actions
            .iter()
            .map(|a| (a.action, a.lowers_protection))
            .collect();
        assert_eq!(
            got,
            expected,
            "desired {:?}, live {lock_state:?}",
            want.state()
        );
    }
}

#[test]
fn a_locked_rule_without_its_delay_cannot_be_read_back_and_the_json_keeps_its_shape() {
    let json =
        serde_json::json!({"rule_id": "a1B2c3D4e5F", "state": "locked", "unlock_delay_days": null});
    assert!(serde_json::from_value::<RbinDesired>(json).is_err());
    for (want, json) in [
        (
            want_locked(7),
            serde_json::json!({"rule_id": "a1B2c3D4e5F", "state": "locked", "unlock_delay_days": 7}),
        ),
        (
            want_unlocked(),
            serde_json::json!({"rule_id": "a1B2c3D4e5F", "state": "unlocked", "unlock_delay_days": null}),
        ),
    ] {
        assert_eq!(serde_json::to_value(&want).unwrap(), json);
        assert_eq!(serde_json::from_value::<RbinDesired>(json).unwrap(), want);
    }
}

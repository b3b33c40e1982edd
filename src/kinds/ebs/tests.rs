//! The transition table of DESIGN.md section 3.6, cell by cell.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::plan::{ActionStatus, Outcome};

fn now() -> Timestamp {
    "2026-12-07T12:00:00Z".parse().unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn desired(mode: EbsMode, days: Option<u32>, cool_off: Option<u32>) -> EbsDesired {
    EbsDesired {
        snapshot_id: Some("snap-0123456789abcdef0".into()),
        select_tags: None,
        mode,
        duration_days: days,
        until: None,
        cool_off_hours: cool_off,
    }
}

/// A lock started `started_hours_ago`, lasting `days`.
fn lock(started_hours_ago: i64, days: u32) -> LiveLock {
    let start = now() - hours(started_hours_ago);
    LiveLock {
        expires: Some(plus_days(start, days)),
        duration_start: Some(start),
        duration_days: Some(days),
        created: Some(start),
    }
}

fn none() -> EbsLive {
    EbsLive::None { expired: None }
}

fn governance(days: u32) -> EbsLive {
    EbsLive::Governance {
        lock: lock(1, days),
    }
}

fn cooloff(days: u32) -> EbsLive {
    EbsLive::ComplianceCooloff {
        lock: lock(1, days),
        cool_off_ends: now() + hours(23),
    }
}

fn compliance(days: u32) -> EbsLive {
    EbsLive::Compliance {
        lock: lock(48, days),
    }
}

/// The one action's name, class and whether it lowers protection; `None` for no action.
fn one(d: &Decision) -> Option<(ActionKind, Reversibility, bool)> {
    assert!(d.actions.len() <= 1, "{:?}", d.actions);
    d.actions
        .first()
        .map(|a| (a.action, a.reversibility, a.lowers_protection))
}

#[test]
fn no_lock_wanted() {
    let d = desired(EbsMode::None, None, None);
    assert_eq!(one(&decide(&d, &none(), now())), None);
    assert_eq!(
        one(&decide(&d, &governance(30), now())),
        Some((ActionKind::UNLOCK_SNAPSHOT, Reversibility::Reversible, true))
    );
    let in_cooloff = decide(&d, &cooloff(30), now());
    assert_eq!(
        one(&in_cooloff),
        Some((ActionKind::UNLOCK_SNAPSHOT, Reversibility::Reversible, true))
    );
    assert_eq!(in_cooloff.valid_until, Some(now() + hours(23)));
    let after = decide(&d, &compliance(30), now());
    assert_eq!(after.outcome(), Outcome::Conflict);
    assert!(after.messages[0].text.contains("expires"));
}

#[test]
fn governance_wanted() {
    let d = desired(EbsMode::Governance, Some(30), None);
    assert_eq!(
        one(&decide(&d, &none(), now())),
        Some((ActionKind::LOCK_SNAPSHOT, Reversibility::Reversible, false))
    );
    // The same expiry (30 days from the lock's start) is a noop; shorter lowers protection,
    // longer does not.
    assert_eq!(one(&decide(&d, &governance(30), now())), None);
    assert_eq!(
        one(&decide(&d, &governance(40), now())),
        Some((ActionKind::LOCK_SNAPSHOT, Reversibility::Reversible, true))
    );
    assert_eq!(
        one(&decide(&d, &governance(20), now())),
        Some((ActionKind::LOCK_SNAPSHOT, Reversibility::Reversible, false))
    );
    assert_eq!(
        one(&decide(&d, &cooloff(30), now())),
        Some((ActionKind::LOCK_SNAPSHOT, Reversibility::Reversible, true))
    );
    assert_eq!(
        decide(&d, &compliance(30), now()).outcome(),
        Outcome::Conflict
    );
}

#[test]
fn compliance_wanted() {
    let with_cool_off = desired(EbsMode::Compliance, Some(30), Some(24));
    let put = decide(&with_cool_off, &none(), now());
    let a = &put.actions[0];
    assert_eq!(a.reversibility, Reversibility::Irreversible);
    assert_eq!(
        a.permanent_after.map(|p| p.to_string()).as_deref(),
        Some("PT24H")
    );
    assert_eq!(a.status, ActionStatus::Ready);
    // Without a cool-off: irreversible at once.
    let at_once = desired(EbsMode::Compliance, Some(30), None);
    let put = decide(&at_once, &none(), now());
    assert_eq!(put.actions[0].reversibility, Reversibility::Irreversible);
    assert_eq!(put.actions[0].permanent_after, None);
    // From governance: irreversible; shorter than the governance lock lowers protection.
    assert_eq!(
        one(&decide(&with_cool_off, &governance(30), now())).map(|a| a.1),
        Some(Reversibility::Irreversible)
    );
    assert_eq!(
        one(&decide(&with_cool_off, &governance(60), now())).map(|a| a.2),
        Some(true)
    );
    // In its cool-off: the same is a noop that says when the cool-off ends; another expiry
    // is an irreversible change.
    let same = decide(&with_cool_off, &cooloff(30), now());
    assert_eq!(one(&same), None);
    assert!(same.messages.iter().any(|m| m.text.contains("cool-off")));
    assert_eq!(
        one(&decide(&with_cool_off, &cooloff(40), now())),
        Some((ActionKind::LOCK_SNAPSHOT, Reversibility::Irreversible, true))
    );
    // Past its cool-off: the same is a noop, a later expiry an extension, an earlier one a
    // noop with a warning.
    assert_eq!(one(&decide(&with_cool_off, &compliance(30), now())), None);
    let extend = decide(&with_cool_off, &compliance(20), now());
    assert_eq!(
        one(&extend),
        Some((
            ActionKind::LOCK_SNAPSHOT,
            Reversibility::Irreversible,
            false
        ))
    );
    assert!(extend.actions[0].reason.contains("without a cool-off"));
    let longer = decide(&with_cool_off, &compliance(60), now());
    assert_eq!(one(&longer), None);
    assert!(longer
        .messages
        .iter()
        .any(|m| m.text.contains("locked longer than declared")));
}

#[test]
fn a_cool_off_that_ends_within_the_hour_is_a_warning() {
    let d = desired(EbsMode::Compliance, Some(30), Some(24));
    let live = EbsLive::ComplianceCooloff {
        lock: lock(23, 30),
        cool_off_ends: now() + SignedDuration::from_mins(30),
    };
    let decision = decide(&d, &live, now());
    assert!(decision
        .messages
        .iter()
        .any(|m| m.text.contains("less than an hour")));
}

#[test]
fn time_moves_a_read_lock_on() {
    // Read in its cool-off, decided after it ended: compliance, so a shorter intent is no
    // change and `none` is a conflict.
    let read = cooloff(30);
    let later = now() + hours(24);
    let d = desired(EbsMode::None, None, None);
    assert_eq!(decide(&d, &read, later).outcome(), Outcome::Conflict);
    // A lock that expired since it was read protects nothing: it is locked again.
    let expired_later = now() + hours(24 * 31);
    let g = desired(EbsMode::Governance, Some(30), None);
    assert_eq!(
        one(&decide(&g, &governance(30), expired_later)).map(|a| a.0),
        Some(ActionKind::LOCK_SNAPSHOT)
    );
}

#[test]
fn missing_snapshot_is_a_conflict_and_an_empty_selection_a_warning() {
    let d = desired(EbsMode::Governance, Some(30), None);
    assert_eq!(
        decide(&d, &EbsLive::SnapshotMissing, now()).outcome(),
        Outcome::Conflict
    );
    // Found by a selection and deleted before it was read: a warning, not a conflict.
    let selected = EbsDesired {
        select_tags: Some([("legal-hold".to_string(), "true".to_string())].into()),
        ..d.clone()
    };
    let gone = decide(&selected, &EbsLive::SnapshotMissing, now());
    assert_eq!(gone.outcome(), Outcome::Noop);
    assert!(gone.messages[0].text.contains("deleted"));
    let empty = decide(&d, &EbsLive::NoMatch, now());
    assert_eq!(empty.outcome(), Outcome::Noop);
    assert!(!empty.messages.is_empty());
}

#[test]
fn until_compares_in_whole_seconds() {
    let mut d = desired(EbsMode::Governance, None, None);
    let l = lock(1, 30);
    d.until = Some(l.expires.unwrap() + SignedDuration::from_millis(400));
    assert_eq!(
        one(&decide(&d, &EbsLive::Governance { lock: l }, now())),
        None
    );
}

#[test]
fn a_read_lock_is_classified_as_of_now() {
    let info = LockInfo {
        snapshot_id: "snap-0123456789abcdef0".into(),
        state: "compliance-cooloff".into(),
        cool_off_ends: Some(now() - hours(1)),
        expires: Some(now() + hours(100)),
        ..LockInfo::default()
    };
    assert!(matches!(
        EbsLive::of(Some(&info), now()),
        EbsLive::Compliance { .. }
    ));
    let expired = LockInfo {
        state: "expired".into(),
        ..info.clone()
    };
    assert!(matches!(
        EbsLive::of(Some(&expired), now()),
        EbsLive::None { .. }
    ));
    assert_eq!(EbsLive::of(None, now()), EbsLive::None { expired: None });
}

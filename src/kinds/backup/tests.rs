//! The AWS Backup vault lock table of DESIGN.md section 3.4, cell by cell, and the rules in
//! its prose.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::plan::{ActionKind, Outcome, Reversibility};

fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

fn want(mode: BackupLockMode, min: u32, max: Option<u32>) -> BackupDesired {
    let retention = Retention {
        min: Some(min),
        max,
    };
    BackupDesired {
        vault: "prod-backups".into(),
        lock: match mode {
            BackupLockMode::None => BackupLock::None,
            BackupLockMode::Governance => BackupLock::Governance { retention },
            BackupLockMode::Compliance => BackupLock::Compliance {
                retention,
                changeable_for_days: 3,
            },
        },
    }
}

fn none() -> BackupDesired {
    want(BackupLockMode::None, 0, None)
}
fn governance(min: u32, max: Option<u32>) -> BackupDesired {
    want(BackupLockMode::Governance, min, max)
}
fn compliance(min: u32, max: Option<u32>) -> BackupDesired {
    want(BackupLockMode::Compliance, min, max)
}

fn live_none() -> BackupLive {
    BackupLive::None {
        vault_type: BACKUP_VAULT.into(),
    }
}
fn live_governance(min: u32, max: Option<u32>) -> BackupLive {
    BackupLive::Governance {
        vault_type: BACKUP_VAULT.into(),
        min_retention_days: Some(min),
        max_retention_days: max,
    }
}
fn live_grace(min: u32, max: Option<u32>, lock_date: Timestamp) -> BackupLive {
    BackupLive::ComplianceGrace {
        vault_type: BACKUP_VAULT.into(),
        min_retention_days: Some(min),
        max_retention_days: max,
        lock_date,
    }
}
fn live_locked(min: u32, max: Option<u32>) -> BackupLive {
    BackupLive::ComplianceLocked {
        vault_type: BACKUP_VAULT.into(),
        min_retention_days: Some(min),
        max_retention_days: max,
        lock_date: Some(now() - hours(24 * 30)),
    }
}

fn actions(d: &Decision) -> Vec<(ActionKind, Reversibility, Option<u32>)> {
    d.actions
        .iter()
        .map(|a| (a.action, a.reversibility, a.permanent_after.map(days)))
        .collect()
}

/// The days of a Backup grace, which is always `P<n>D`.
fn days(p: crate::plan::PermanentAfter) -> u32 {
    let text = p.iso8601();
    let n = text.strip_prefix('P').and_then(|t| t.strip_suffix('D'));
    n.and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a Backup grace is counted in days: {text}"))
}

/// Each planned action with whether it lowers protection.
fn lowering(d: &Decision) -> Vec<(ActionKind, bool)> {
    d.actions
        .iter()
        .map(|a| (a.action, a.lowers_protection))
        .collect()
}

fn text(d: &Decision) -> String {
    d.messages
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

fn warnings(d: &Decision) -> usize {
    d.messages
        .iter()
        .filter(|m| m.severity == crate::plan::Severity::Warning)
        .count()
}

/// One cell: the desired value, the live value, the outcome and the actions.
type Cell = (
    BackupDesired,
    BackupLive,
    Outcome,
    Vec<(ActionKind, Reversibility, Option<u32>)>,
);

const PUT: ActionKind = ActionKind::PUT_VAULT_LOCK;
const DELETE: ActionKind = ActionKind::DELETE_VAULT_LOCK;
const R: Reversibility = Reversibility::Reversible;
const I: Reversibility = Reversibility::Irreversible;

#[test]
fn every_cell_of_the_table() {
    let grace = live_grace(35, Some(365), now() + hours(48));
    let cells: Vec<Cell> = vec![
        // desired none
        (none(), live_none(), Outcome::Noop, vec![]),
        (
            none(),
            live_governance(35, None),
            Outcome::Change,
            vec![(DELETE, R, None)],
        ),
        (
            none(),
            grace.clone(),
            Outcome::Change,
            vec![(DELETE, R, None)],
        ),
        (none(), live_locked(35, None), Outcome::Conflict, vec![]),
        // desired governance
        (
            governance(35, None),
            live_none(),
            Outcome::Change,
            vec![(PUT, R, None)],
        ),
        (
            governance(35, None),
            live_governance(35, None),
            Outcome::Noop,
            vec![],
        ),
        (
            governance(35, None),
            live_governance(7, None),
            Outcome::Change,
            vec![(PUT, R, None)],
        ),
        (
            governance(35, Some(365)),
            grace.clone(),
            Outcome::Change,
            vec![(DELETE, R, None), (PUT, R, None)],
        ),
        (
            governance(35, None),
            live_locked(35, None),
            Outcome::Conflict,
            vec![],
        ),
        // desired compliance
        (
            compliance(35, Some(365)),
            live_none(),
            Outcome::Change,
            vec![(PUT, I, Some(3))],
        ),
        (
            compliance(35, Some(365)),
            live_governance(35, Some(365)),
            Outcome::Change,
            vec![(PUT, I, Some(3))],
        ),
        (
            compliance(35, Some(365)),
            grace.clone(),
            Outcome::Noop,
            vec![],
        ),
        (
            compliance(35, None),
            grace.clone(),
            Outcome::Change,
            vec![(PUT, I, Some(3))],
        ),
        (
            compliance(35, Some(365)),
            live_locked(35, Some(365)),
            Outcome::Noop,
            vec![],
        ),
        (
            compliance(35, Some(400)),
            live_locked(35, Some(365)),
            Outcome::Conflict,
            vec![],
        ),
    ];
    for (desired, live, outcome, want_actions) in cells {
        let d = decide(&desired, &live, now());
        assert_eq!(d.outcome(), outcome, "{:?} / {live:?}: {d:?}", desired.lock);
        assert_eq!(actions(&d), want_actions, "{:?} / {live:?}", desired.lock);
    }
}

#[test]
fn a_missing_vault_is_a_conflict() {
    let d = decide(&governance(35, None), &BackupLive::VaultMissing, now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(text(&d).contains("does not exist in this account and region"));
}

#[test]
fn a_noop_in_grace_says_when_it_becomes_immutable_and_is_valid_until_then() {
    let lock_date = now() + hours(48);
    let d = decide(
        &compliance(35, Some(365)),
        &live_grace(35, Some(365), lock_date),
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Noop);
    assert!(
        text(&d).contains(&format!("becomes immutable at {lock_date}")),
        "{}",
        text(&d)
    );
    assert_eq!(warnings(&d), 0);
    assert_eq!(d.valid_until, Some(lock_date));
}

#[test]
fn a_noop_in_grace_warns_inside_the_last_24_hours() {
    let lock_date = now() + hours(23);
    let d = decide(
        &compliance(35, Some(365)),
        &live_grace(35, Some(365), lock_date),
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Noop);
    assert_eq!(warnings(&d), 1);
    assert!(text(&d).contains("less than 24 hours"));
}

#[test]
fn changing_retention_in_grace_restarts_the_grace_and_says_so() {
    let lock_date = now() + hours(48);
    let d = decide(
        &compliance(40, Some(365)),
        &live_grace(35, Some(365), lock_date),
        now(),
    );
    assert_eq!(actions(&d), vec![(PUT, I, Some(3))]);
    assert!(
        text(&d).contains("restarts the grace period"),
        "{}",
        text(&d)
    );
    assert!(d.actions[0].reason.contains("new grace period"));
    assert_eq!(d.valid_until, Some(lock_date));
}

#[test]
fn removing_a_lock_in_grace_warns_it_is_possible_only_until_the_lock_date() {
    let lock_date = now() + hours(48);
    let d = decide(&none(), &live_grace(35, None, lock_date), now());
    assert_eq!(warnings(&d), 1);
    assert!(text(&d).contains(&lock_date.to_string()));
    assert_eq!(d.valid_until, Some(lock_date));
}

#[test]
fn an_immutable_lock_with_other_retention_is_a_conflict_showing_the_difference() {
    let d = decide(
        &compliance(35, Some(400)),
        &live_locked(35, Some(365)),
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
    let t = text(&d);
    assert!(
        t.contains("max 365 days") && t.contains("max 400 days"),
        "{t}"
    );
}

#[test]
fn changeable_for_days_is_never_compared_with_a_live_lock() {
    let mut desired = compliance(35, Some(365));
    desired.lock = BackupLock::Compliance {
        retention: desired.retention(),
        changeable_for_days: 36500,
    };
    let d = decide(&desired, &live_locked(35, Some(365)), now());
    assert_eq!(d.outcome(), Outcome::Noop);
    let d = decide(
        &desired,
        &live_grace(35, Some(365), now() + hours(48)),
        now(),
    );
    assert_eq!(d.outcome(), Outcome::Noop);
}

#[test]
fn a_grace_read_before_its_lock_date_and_decided_after_it_is_immutable() {
    let live = live_grace(35, None, now() - hours(1));
    let d = decide(&none(), &live, now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(text(&d).contains("immutable"));
    let d = decide(&governance(35, None), &live, now());
    assert_eq!(d.outcome(), Outcome::Conflict);
}

#[test]
fn the_decision_before_and_after_the_lock_date_differs() {
    let lock_date = now() + hours(48);
    let live = live_grace(35, None, lock_date);
    let before = decide(&none(), &live, now());
    let after = decide(&none(), &live, lock_date);
    assert_eq!(before.outcome(), Outcome::Change);
    assert_eq!(after.outcome(), Outcome::Conflict);
}

#[test]
fn an_air_gapped_vault_is_compliance_locked_whatever_its_lock_date() {
    let info = BackupVaultInfo {
        name: "ag".into(),
        vault_type: AIR_GAPPED.into(),
        locked: true,
        min_retention_days: Some(7),
        max_retention_days: Some(30),
        lock_date: Some(now() + hours(100)),
    };
    let live = BackupLive::of(&info, now());
    assert!(matches!(live, BackupLive::ComplianceLocked { .. }));
    assert_eq!(
        decide(&compliance(7, Some(30)), &live, now()).outcome(),
        Outcome::Noop
    );
    assert_eq!(decide(&none(), &live, now()).outcome(), Outcome::Conflict);
}

#[test]
fn other_vault_types_are_read_only() {
    let live = BackupLive::None {
        vault_type: "RESTORE_ACCESS_BACKUP_VAULT".into(),
    };
    assert_eq!(decide(&none(), &live, now()).outcome(), Outcome::Noop);
    let d = decide(&governance(35, None), &live, now());
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(text(&d).contains("RESTORE_ACCESS_BACKUP_VAULT"));
    assert!(d.actions.is_empty());
}

#[test]
fn live_is_classified_by_lock_date() {
    let mut info = BackupVaultInfo {
        name: "v".into(),
        vault_type: BACKUP_VAULT.into(),
        locked: false,
        min_retention_days: None,
        max_retention_days: None,
        lock_date: None,
    };
    assert!(matches!(
        BackupLive::of(&info, now()),
        BackupLive::None { .. }
    ));
    info.locked = true;
    info.min_retention_days = Some(1);
    assert!(matches!(
        BackupLive::of(&info, now()),
        BackupLive::Governance { .. }
    ));
    info.lock_date = Some(now() + hours(1));
    assert!(matches!(
        BackupLive::of(&info, now()),
        BackupLive::ComplianceGrace { .. }
    ));
    info.lock_date = Some(now());
    assert!(matches!(
        BackupLive::of(&info, now()),
        BackupLive::ComplianceLocked { .. }
    ));
}

#[test]
fn live_json_names_its_state_in_snake_case() {
    let v = serde_json::to_value(live_grace(35, None, now())).unwrap();
    assert_eq!(v["state"], "compliance_grace");
    assert_eq!(v["lock_date"], "2026-11-23T12:00:00Z");
    let v = serde_json::to_value(BackupLive::VaultMissing).unwrap();
    assert_eq!(v["state"], "vault_missing");
}

/// DESIGN.md section 1: an action lowers protection when, after it, something is allowed at
/// some moment that was refused before. Every cell of the table with an action, and the
/// retention changes within a cell.
#[test]
fn every_cell_says_whether_its_actions_lower_protection() {
    let grace = live_grace(35, Some(365), now() + hours(48));
    let cells: Vec<LoweringCell> = vec![
        // Removing a lock, governance or compliance in its grace, allows everything it refused.
        (none(), live_governance(35, None), vec![(DELETE, true)]),
        (none(), grace.clone(), vec![(DELETE, true)]),
        // A first lock refuses more than no lock did.
        (governance(35, None), live_none(), vec![(PUT, false)]),
        (compliance(35, Some(365)), live_none(), vec![(PUT, false)]),
        // Governance to governance: a smaller minimum allows an earlier deletion...
        (
            governance(7, None),
            live_governance(35, None),
            vec![(PUT, true)],
        ),
        // ...a larger one does not,
        (
            governance(35, None),
            live_governance(7, None),
            vec![(PUT, false)],
        ),
        // nor does a smaller maximum, which refuses more and deletes nothing earlier;
        (
            governance(35, Some(100)),
            live_governance(35, Some(365)),
            vec![(PUT, false)],
        ),
        // a larger maximum, or none, allows keeping recovery points past the old ceiling.
        (
            governance(35, Some(400)),
            live_governance(35, Some(365)),
            vec![(PUT, true)],
        ),
        (
            governance(35, None),
            live_governance(35, Some(365)),
            vec![(PUT, true)],
        ),
        // Compliance in its grace to governance: the delete lowers protection; the put after
        // it starts from no lock.
        (
            governance(35, Some(365)),
            grace.clone(),
            vec![(DELETE, true), (PUT, false)],
        ),
        // Governance to compliance: a stronger mode, the same retention...
        (
            compliance(35, Some(365)),
            live_governance(35, Some(365)),
            vec![(PUT, false)],
        ),
        // ...or a smaller minimum, which still allows an earlier deletion.
        (
            compliance(7, Some(365)),
            live_governance(35, Some(365)),
            vec![(PUT, true)],
        ),
        // Replacing a compliance lock in its grace starts a new grace: a longer window to
        // undo, whatever the retention.
        (compliance(40, Some(365)), grace.clone(), vec![(PUT, true)]),
        (compliance(35, None), grace.clone(), vec![(PUT, true)]),
    ];
    for (desired, live, want) in cells {
        let d = decide(&desired, &live, now());
        assert_eq!(lowering(&d), want, "{:?} / {live:?}", desired.lock);
    }
}

#[test]
fn a_retention_widens_when_its_minimum_falls_or_its_maximum_rises() {
    let r = |min: Option<u32>, max: Option<u32>| Retention { min, max };
    assert!(retention_widens(r(Some(35), None), r(Some(7), None)));
    assert!(retention_widens(r(Some(35), None), r(None, None)));
    assert!(!retention_widens(r(Some(7), None), r(Some(35), None)));
    assert!(!retention_widens(r(None, None), r(Some(35), None)));
    assert!(retention_widens(r(None, Some(365)), r(None, Some(366))));
    assert!(retention_widens(r(None, Some(365)), r(None, None)));
    assert!(!retention_widens(r(None, Some(365)), r(None, Some(30))));
    assert!(!retention_widens(r(None, None), r(None, Some(30))));
    assert!(!retention_widens(
        r(Some(7), Some(30)),
        r(Some(7), Some(30))
    ));
}

/// One cell: the desired value, the live value, each action with whether it lowers protection.
type LoweringCell = (BackupDesired, BackupLive, Vec<(ActionKind, bool)>);

#[test]
fn a_desired_lock_reads_back_only_in_a_shape_its_mode_allows_and_keeps_its_json() {
    use serde_json::json;
    let read = |v: serde_json::Value| serde_json::from_value::<BackupDesired>(v);
    let base =
        json!({"vault": "prod-backups", "min_retention_days": null, "max_retention_days": 30});
    let with = |mode: &str, changeable: Option<u32>| {
        let mut v = base.clone();
        v["mode"] = json!(mode);
        v["changeable_for_days"] = json!(changeable);
        v
    };
    assert!(read(with("compliance", None)).is_err());
    assert!(read(with("governance", Some(3))).is_err());
    assert!(
        read(with("none", None)).is_err(),
        "no lock has no retention"
    );
    let neither = |mut v: serde_json::Value| {
        v["max_retention_days"] = serde_json::Value::Null;
        v
    };
    assert!(read(neither(with("governance", None))).is_err());
    assert!(read(neither(with("compliance", Some(3)))).is_err());
    for v in [with("governance", None), with("compliance", Some(3))] {
        let desired = read(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&desired).unwrap(), v);
    }
    let none = json!({"vault": "prod-backups", "mode": "none", "min_retention_days": null,
                      "max_retention_days": null, "changeable_for_days": null});
    assert_eq!(read(none.clone()).unwrap().lock, BackupLock::None);
}

//! Every cell of the transition table of DESIGN.md section 3.5.

use super::*;
use crate::plan::{Outcome, Severity};

const ENABLE_OBJECT_LOCK: ActionKind = ActionKind::ENABLE_OBJECT_LOCK;
const ENABLE_VERSIONING: ActionKind = ActionKind::ENABLE_VERSIONING;
const PUT_DEFAULT_RETENTION: ActionKind = ActionKind::PUT_DEFAULT_RETENTION;
const REMOVE_DEFAULT_RETENTION: ActionKind = ActionKind::REMOVE_DEFAULT_RETENTION;
use Reversibility::{Irreversible, Reversible};

fn desired(object_lock: ObjectLockState, default_retention: Option<DefaultRetention>) -> S3Desired {
    S3Desired {
        bucket: "acme-records-2026".to_string(),
        object_lock,
        default_retention,
    }
}

fn compliance(period: RetentionPeriod) -> DefaultRetention {
    DefaultRetention {
        mode: RetentionMode::Compliance,
        period,
    }
}

fn governance(period: RetentionPeriod) -> DefaultRetention {
    DefaultRetention {
        mode: RetentionMode::Governance,
        period,
    }
}

fn enabled(default_retention: Option<DefaultRetention>) -> S3Live {
    S3Live::Enabled {
        default_retention,
        default_event_hold: None,
    }
}

const SEVEN_YEARS: RetentionPeriod = RetentionPeriod::Years(7);
const THIRTY_DAYS: RetentionPeriod = RetentionPeriod::Days(30);

/// The decision's actions, each with its class.
fn actions(d: &Decision) -> Vec<(ActionKind, Reversibility)> {
    d.actions
        .iter()
        .map(|a| (a.action, a.reversibility))
        .collect()
}

fn errors(d: &Decision) -> Vec<&str> {
    d.messages
        .iter()
        .filter(|m| m.severity == Severity::Error)
        .map(|m| m.text.as_str())
        .collect()
}

#[test]
fn enabled_with_a_compliance_default_on_an_unversioned_bucket_enables_versioning_first() {
    for live in [S3Live::Unversioned, S3Live::VersioningSuspended] {
        let d = decide(
            &desired(ObjectLockState::Enabled, Some(compliance(SEVEN_YEARS))),
            &live,
        );
        assert_eq!(
            actions(&d),
            [
                (ENABLE_VERSIONING, Reversible),
                (ENABLE_OBJECT_LOCK, Irreversible),
                (PUT_DEFAULT_RETENTION, Irreversible)
            ],
            "{live:?}"
        );
        assert_eq!(d.outcome(), Outcome::Change);
    }
}

#[test]
fn a_governance_default_is_reversible() {
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(governance(THIRTY_DAYS))),
        &S3Live::Unversioned,
    );
    assert_eq!(
        actions(&d),
        [
            (ENABLE_VERSIONING, Reversible),
            (ENABLE_OBJECT_LOCK, Irreversible),
            (PUT_DEFAULT_RETENTION, Reversible)
        ]
    );
}

#[test]
fn enabled_without_a_default_on_an_unversioned_bucket() {
    for live in [S3Live::Unversioned, S3Live::VersioningSuspended] {
        let d = decide(&desired(ObjectLockState::Enabled, None), &live);
        assert_eq!(
            actions(&d),
            [
                (ENABLE_VERSIONING, Reversible),
                (ENABLE_OBJECT_LOCK, Irreversible)
            ]
        );
    }
}

#[test]
fn enabled_on_a_versioned_bucket_needs_no_versioning_step() {
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(compliance(SEVEN_YEARS))),
        &S3Live::Disabled,
    );
    assert_eq!(
        actions(&d),
        [
            (ENABLE_OBJECT_LOCK, Irreversible),
            (PUT_DEFAULT_RETENTION, Irreversible)
        ]
    );
    let d = decide(&desired(ObjectLockState::Enabled, None), &S3Live::Disabled);
    assert_eq!(actions(&d), [(ENABLE_OBJECT_LOCK, Irreversible)]);
}

#[test]
fn the_same_default_is_a_noop() {
    for r in [
        None,
        Some(compliance(SEVEN_YEARS)),
        Some(governance(THIRTY_DAYS)),
    ] {
        let d = decide(&desired(ObjectLockState::Enabled, r), &enabled(r));
        assert_eq!(d.outcome(), Outcome::Noop, "{r:?}");
        assert!(d.messages.is_empty(), "{r:?}");
    }
}

#[test]
fn years_7_is_not_days_2555() {
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(compliance(SEVEN_YEARS))),
        &enabled(Some(compliance(RetentionPeriod::Days(2555)))),
    );
    assert_eq!(actions(&d), [(PUT_DEFAULT_RETENTION, Irreversible)]);
}

#[test]
fn another_default_is_put_with_the_class_of_the_desired_mode() {
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(compliance(SEVEN_YEARS))),
        &enabled(Some(governance(SEVEN_YEARS))),
    );
    assert_eq!(actions(&d), [(PUT_DEFAULT_RETENTION, Irreversible)]);
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(governance(SEVEN_YEARS))),
        &enabled(Some(compliance(SEVEN_YEARS))),
    );
    assert_eq!(actions(&d), [(PUT_DEFAULT_RETENTION, Reversible)]);
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(governance(THIRTY_DAYS))),
        &enabled(None),
    );
    assert_eq!(actions(&d), [(PUT_DEFAULT_RETENTION, Reversible)]);
}

#[test]
fn no_default_wanted_removes_the_live_one_reversibly() {
    let d = decide(
        &desired(ObjectLockState::Enabled, None),
        &enabled(Some(compliance(SEVEN_YEARS))),
    );
    assert_eq!(actions(&d), [(REMOVE_DEFAULT_RETENTION, Reversible)]);
    assert!(d.actions[0].reason.contains("keep theirs"));
}

#[test]
fn disabled_is_a_noop_without_object_lock() {
    for live in [
        S3Live::Unversioned,
        S3Live::VersioningSuspended,
        S3Live::Disabled,
    ] {
        let d = decide(&desired(ObjectLockState::Disabled, None), &live);
        assert_eq!(d.outcome(), Outcome::Noop, "{live:?}");
    }
}

#[test]
fn disabled_on_an_enabled_bucket_is_a_conflict_that_says_it_can_never_be_disabled() {
    for r in [None, Some(compliance(SEVEN_YEARS))] {
        let d = decide(&desired(ObjectLockState::Disabled, None), &enabled(r));
        assert_eq!(d.outcome(), Outcome::Conflict);
        assert!(d.actions.is_empty());
        assert!(errors(&d)[0].contains("can never be disabled"), "{d:?}");
    }
}

#[test]
fn a_missing_bucket_is_a_conflict() {
    let d = decide(
        &desired(ObjectLockState::Enabled, None),
        &S3Live::BucketMissing,
    );
    assert_eq!(d.outcome(), Outcome::Conflict);
    assert!(errors(&d)[0].contains("does not exist"));
}

#[test]
fn a_bucket_in_another_region_is_a_conflict_naming_both() {
    let live = S3Live::OtherRegion {
        bucket_region: "eu-west-1".to_string(),
        provider_region: "us-east-1".to_string(),
    };
    for object_lock in [ObjectLockState::Enabled, ObjectLockState::Disabled] {
        let d = decide(&desired(object_lock, None), &live);
        assert_eq!(d.outcome(), Outcome::Conflict);
        let error = errors(&d)[0];
        assert!(
            error.contains("eu-west-1") && error.contains("us-east-1"),
            "{error}"
        );
    }
}

#[test]
fn a_compliance_default_longer_than_ten_years_is_warned_about() {
    for (period, warned) in [
        (RetentionPeriod::Years(10), false),
        (RetentionPeriod::Years(11), true),
        (RetentionPeriod::Days(3650), false),
        (RetentionPeriod::Days(3651), true),
    ] {
        let d = decide(
            &desired(ObjectLockState::Enabled, Some(compliance(period))),
            &S3Live::Disabled,
        );
        let warning = d.messages.iter().any(|m| m.severity == Severity::Warning);
        assert_eq!(warning, warned, "{period}");
    }
    let d = decide(
        &desired(
            ObjectLockState::Enabled,
            Some(governance(RetentionPeriod::Years(50))),
        ),
        &S3Live::Disabled,
    );
    assert!(d.messages.is_empty());
}

#[test]
fn the_words_say_what_each_irreversible_step_means_for_objects_written_afterwards() {
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(compliance(SEVEN_YEARS))),
        &S3Live::Disabled,
    );
    assert!(d.actions[0].reason.contains("can never be disabled"));
    let put = &d.actions[1].reason;
    assert!(put.contains("COMPLIANCE for 7 years"), "{put}");
    assert!(put.contains("written afterwards"), "{put}");
    assert!(put.contains("root user"), "{put}");
}

#[test]
fn a_live_default_event_hold_is_shown_and_its_removal_warned_about() {
    let live = S3Live::Enabled {
        default_retention: Some(governance(THIRTY_DAYS)),
        default_event_hold: Some(RetentionPeriod::Days(5)),
    };
    let d = decide(
        &desired(ObjectLockState::Enabled, Some(governance(THIRTY_DAYS))),
        &live,
    );
    assert_eq!(d.outcome(), Outcome::Noop);
    assert!(d.messages[0].text.contains("DefaultEventHold (5 days)"));
    let d = decide(&desired(ObjectLockState::Enabled, None), &live);
    assert!(d
        .messages
        .iter()
        .any(|m| m.severity == Severity::Warning && m.text.contains("DefaultEventHold")));
}

#[test]
fn the_live_value_serializes_with_its_state_name() {
    let live = enabled(Some(compliance(SEVEN_YEARS)));
    let json = serde_json::to_value(&live).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"state": "enabled",
            "default_retention": {"mode": "compliance", "years": 7}})
    );
    assert_eq!(serde_json::from_value::<S3Live>(json).unwrap(), live);
    assert_eq!(
        serde_json::to_value(S3Live::VersioningSuspended).unwrap(),
        serde_json::json!({"state": "versioning_suspended"})
    );
}

#[tokio::test]
async fn the_fake_reads_like_s3_and_keeps_its_rules() {
    use crate::aws::fake::FakeAws;
    use fake::{FakeBucket, FAKE_OWNER};

    let aws = FakeAws::new(jiff::Timestamp::UNIX_EPOCH);
    aws.state()
        .locks
        .buckets
        .insert("plain".to_string(), FakeBucket::new());
    aws.state().locks.buckets.insert(
        "far-away".to_string(),
        FakeBucket {
            region: "eu-west-1".to_string(),
            ..FakeBucket::new()
        },
    );
    let read = |bucket: &'static str| read_s3(&aws, bucket, FAKE_OWNER, "us-east-1");
    assert_eq!(read("nowhere").await.unwrap(), S3Live::BucketMissing);
    assert_eq!(read("plain").await.unwrap(), S3Live::Unversioned);
    assert!(matches!(
        read("far-away").await.unwrap(),
        S3Live::OtherRegion { .. }
    ));
    assert!(read_s3(&aws, "plain", "111111111111", "us-east-1")
        .await
        .is_err());
    let config = ObjectLockConfig {
        default_retention: Some(DefaultRetention {
            mode: RetentionMode::Governance,
            period: RetentionPeriod::Days(30),
        }),
        default_event_hold: None,
    };
    let err = aws
        .put_object_lock_configuration("plain", FAKE_OWNER, &config)
        .await
        .unwrap_err();
    assert!(err.has_code("InvalidBucketState"), "{err:?}");
    aws.enable_versioning("plain", FAKE_OWNER).await.unwrap();
    assert_eq!(read("plain").await.unwrap(), S3Live::Disabled);
    aws.put_object_lock_configuration("plain", FAKE_OWNER, &config)
        .await
        .unwrap();
    assert_eq!(
        read("plain").await.unwrap(),
        S3Live::Enabled {
            default_retention: config.default_retention,
            default_event_hold: None
        }
    );
    // Two reads once Object Lock is on: HeadBucket and GetObjectLockConfiguration.
    let calls = aws.state().calls.clone();
    assert_eq!(
        &calls[calls.len() - 2..],
        ["HeadBucket plain", "GetObjectLockConfiguration plain"]
    );
}

fn record(default_retention: Option<DefaultRetention>) -> S3Record {
    S3Record {
        object_lock_enabled_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        default_retention,
        retention_changed_at: Some("2026-11-20T10:00:01Z".parse().unwrap()),
        ..S3Record::new("acme-records-2026")
    }
}

#[test]
fn drift_is_a_default_other_than_the_recorded_one_or_a_bucket_gone() {
    let seven = Some(compliance(RetentionPeriod::Years(7)));
    assert_eq!(report::drift(&enabled(seven), &record(seven)), None);
    let text = report::drift(
        &enabled(Some(governance(RetentionPeriod::Days(1)))),
        &record(seven),
    )
    .unwrap();
    assert!(
        text.contains("COMPLIANCE for 7 years") && text.contains("GOVERNANCE for 1 day"),
        "{text}"
    );
    assert!(report::drift(&S3Live::BucketMissing, &record(seven))
        .unwrap()
        .contains("no longer exists"));
    // Object Lock off on a bucket lockward enabled it on: made again under the same name.
    assert!(report::drift(&S3Live::Unversioned, &record(seven))
        .unwrap()
        .contains("no Object Lock now"));
    // A record of versioning only claims no default.
    let versioning_only = S3Record {
        versioning_enabled_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        ..S3Record::new("acme-records-2026")
    };
    assert_eq!(report::drift(&enabled(seven), &versioning_only), None);
}

/// The field checks of the kind's config block.
mod config {
    use crate::kinds::s3::config::*;
    use crate::kinds::s3::RetentionPeriod;

    #[test]
    fn a_retention_rule_has_exactly_one_positive_period() {
        let rule = |days, years| RawRetentionRule {
            mode: RawRetentionMode::Compliance,
            days,
            years,
        };
        assert_eq!(
            check_retention_rule(&rule(Some(2555), None))
                .unwrap()
                .period,
            RetentionPeriod::Days(2555)
        );
        assert_eq!(
            check_retention_rule(&rule(None, Some(7))).unwrap().period,
            RetentionPeriod::Years(7)
        );
        assert!(check_retention_rule(&rule(Some(1), Some(1))).is_err());
        assert!(check_retention_rule(&rule(None, None)).is_err());
        assert!(check_retention_rule(&rule(Some(0), None)).is_err());
        assert!(check_retention_rule(&rule(None, Some(-1))).is_err());
        assert!(check_retention_rule(&rule(Some(36501), None)).is_err());
        assert!(check_retention_rule(&rule(None, Some(101))).is_err());
    }
}

/// Each planned action with whether it lowers protection (DESIGN.md section 1).
fn lowering(d: &Decision) -> Vec<(ActionKind, bool)> {
    d.actions
        .iter()
        .map(|a| (a.action, a.lowers_protection))
        .collect()
}

#[test]
fn every_cell_says_whether_its_actions_lower_protection() {
    use RetentionPeriod::{Days, Years};
    let enabled_with = |r: Option<DefaultRetention>| desired(ObjectLockState::Enabled, r);
    let cells: Vec<LoweringCell> = vec![
        // Turning Object Lock on, with or without a default, lowers nothing.
        (
            enabled_with(Some(compliance(SEVEN_YEARS))),
            S3Live::Unversioned,
            vec![
                (ENABLE_VERSIONING, false),
                (ENABLE_OBJECT_LOCK, false),
                (PUT_DEFAULT_RETENTION, false),
            ],
        ),
        (
            enabled_with(Some(governance(THIRTY_DAYS))),
            S3Live::VersioningSuspended,
            vec![
                (ENABLE_VERSIONING, false),
                (ENABLE_OBJECT_LOCK, false),
                (PUT_DEFAULT_RETENTION, false),
            ],
        ),
        (
            enabled_with(Some(governance(THIRTY_DAYS))),
            S3Live::Disabled,
            vec![(ENABLE_OBJECT_LOCK, false), (PUT_DEFAULT_RETENTION, false)],
        ),
        (
            enabled_with(None),
            S3Live::Disabled,
            vec![(ENABLE_OBJECT_LOCK, false)],
        ),
        // A first default where there was none.
        (
            enabled_with(Some(governance(THIRTY_DAYS))),
            enabled(None),
            vec![(PUT_DEFAULT_RETENTION, false)],
        ),
        // A removed default: versions written afterwards can be deleted at once.
        (
            enabled_with(None),
            enabled(Some(governance(THIRTY_DAYS))),
            vec![(REMOVE_DEFAULT_RETENTION, true)],
        ),
        (
            enabled_with(None),
            enabled(Some(compliance(SEVEN_YEARS))),
            vec![(REMOVE_DEFAULT_RETENTION, true)],
        ),
        // COMPLIANCE to GOVERNANCE, even for longer: a weaker mode.
        (
            enabled_with(Some(governance(Years(10)))),
            enabled(Some(compliance(SEVEN_YEARS))),
            vec![(PUT_DEFAULT_RETENTION, true)],
        ),
        // GOVERNANCE to COMPLIANCE for as long or longer: stronger.
        (
            enabled_with(Some(compliance(THIRTY_DAYS))),
            enabled(Some(governance(THIRTY_DAYS))),
            vec![(PUT_DEFAULT_RETENTION, false)],
        ),
        // ...but for less time: a shorter retention.
        (
            enabled_with(Some(compliance(Days(7)))),
            enabled(Some(governance(THIRTY_DAYS))),
            vec![(PUT_DEFAULT_RETENTION, true)],
        ),
        // Same mode, shorter or longer.
        (
            enabled_with(Some(compliance(Years(5)))),
            enabled(Some(compliance(SEVEN_YEARS))),
            vec![(PUT_DEFAULT_RETENTION, true)],
        ),
        (
            enabled_with(Some(compliance(Years(9)))),
            enabled(Some(compliance(SEVEN_YEARS))),
            vec![(PUT_DEFAULT_RETENTION, false)],
        ),
        (
            enabled_with(Some(governance(Days(29)))),
            enabled(Some(governance(THIRTY_DAYS))),
            vec![(PUT_DEFAULT_RETENTION, true)],
        ),
        // `years: 7` to `days: 2555`: seven years may hold a leap day or two, so 2555 days
        // can end earlier.
        (
            enabled_with(Some(compliance(Days(2555)))),
            enabled(Some(compliance(SEVEN_YEARS))),
            vec![(PUT_DEFAULT_RETENTION, true)],
        ),
        (
            enabled_with(Some(compliance(Days(2557)))),
            enabled(Some(compliance(SEVEN_YEARS))),
            vec![(PUT_DEFAULT_RETENTION, false)],
        ),
        // `days: 2555` to `years: 7`: never shorter.
        (
            enabled_with(Some(compliance(SEVEN_YEARS))),
            enabled(Some(compliance(Days(2555)))),
            vec![(PUT_DEFAULT_RETENTION, false)],
        ),
        (
            enabled_with(Some(compliance(Years(1)))),
            enabled(Some(compliance(Days(366)))),
            vec![(PUT_DEFAULT_RETENTION, true)],
        ),
    ];
    for (want, live, expected) in cells {
        let d = decide(&want, &live);
        assert_eq!(
            lowering(&d),
            expected,
            "{:?} / {live:?}",
            want.default_retention
        );
    }
}

#[test]
fn a_period_may_be_shorter_by_the_reading_that_leaves_the_least_retention() {
    use RetentionPeriod::{Days, Years};
    assert!(may_be_shorter(Days(29), Days(30)));
    assert!(!may_be_shorter(Days(30), Days(30)));
    assert!(may_be_shorter(Years(1), Years(2)));
    assert!(!may_be_shorter(Years(2), Years(2)));
    // One year spans 365 or 366 days.
    assert!(may_be_shorter(Days(365), Years(1)));
    assert!(!may_be_shorter(Days(366), Years(1)));
    assert!(may_be_shorter(Years(1), Days(366)));
    assert!(!may_be_shorter(Years(1), Days(365)));
    // Four years hold at most one leap day; five, two.
    assert!(may_be_shorter(Days(1460), Years(4)));
    assert!(!may_be_shorter(Days(1461), Years(4)));
    assert!(may_be_shorter(Days(1826), Years(5)));
    assert!(!may_be_shorter(Days(1827), Years(5)));
}

/// One cell: the desired value, the live value, each action with whether it lowers protection.
type LoweringCell = (S3Desired, S3Live, Vec<(ActionKind, bool)>);

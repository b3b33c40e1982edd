//! Properties of the planner over generated desired/live/recorded triples of all three kinds.
//!
//! The properties are the safety contract of `plan` (issue 8): it never panics; a plan never
//! holds an irreversible action the intent does not require; it never completes a lock whose
//! policy differs from the intent unless it initiates a fresh one first; carrying out a plan's
//! ready actions (on a small pure model of what AWS does, the state machines the emulator
//! implements) and planning again gives a no-op or a wait, never the same change again; and the
//! digest depends only on what was decided.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use crate::support::{recorded, test_target};
use lockward::config::{Config, Desired, Policy, Provider, Resource};
use lockward::digest;
use lockward::kinds::backup::{
    BackupDesired, BackupLive, BackupLock, BackupLockMode, BackupRecord, Retention,
};
use lockward::kinds::ebs::{EbsDesired, EbsLive, EbsMode, EbsRecord, LiveLock};
use lockward::kinds::glacier::GlacierRecord;
use lockward::kinds::glacier::{lock_id_known, GlacierLive, IN_PROGRESS_LIFETIME};
use lockward::kinds::glacier::{GlacierDesired, VaultLockState};
use lockward::kinds::rbin::RbinRecord;
use lockward::kinds::rbin::{RbinDesired, RbinLock};
use lockward::kinds::rbin::{RbinLive, RbinRule, RuleLock};
use lockward::kinds::s3::{
    DefaultRetention, ObjectLockState, RetentionMode, RetentionPeriod, S3Desired, S3Live, S3Record,
};
use lockward::kinds::snowball::SnowballDesired;
use lockward::kinds::snowball::SnowballRecord;
use lockward::kinds::snowball::{
    DeliveryTarget, SnowballJob, SnowballLive, AFTER_CUSTOMER, BEFORE_CUSTOMER,
};
use lockward::plan::planner::{plan, Live, LiveSnapshot, Observed, Recorded};
use lockward::plan::{
    ActionKind, ActionStatus, Attempt, Effect, History, Outcome, PermanentAfter, Plan,
    Reversibility,
};
use lockward::state::{Record, StateFile};
use lockward::vocabulary::{Address, Kind};

const POLICY_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}"#;
/// POLICY_A with other key order and whitespace: the same policy.
const POLICY_A_REORDERED: &str = "{ \"Statement\": [ {\"Resource\": \"*\", \"Action\": \"glacier:DeleteArchive\",\n \"Principal\": \"*\", \"Effect\": \"Deny\", \"Sid\": \"deny-delete\"} ], \"Version\": \"2012-10-17\" }";
const POLICY_B: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":["glacier:DeleteArchive","glacier:DeleteVault"],"Resource":"*"}]}"#;

const JOBS: [&str; 2] = [
    "JID123e4567-e89b-12d3-a456-426655440000",
    "JID999e4567-e89b-12d3-a456-426655440999",
];
const DELIVER_TO: [&str; 2] = [
    "/srv/lockward/secrets/a.code",
    "/srv/lockward/secrets/b.code",
];
/// Fingerprints of two different codes; the model's AWS always hands out the first.
fn code_fingerprint(i: usize) -> String {
    digest::sha256(
        [
            "12345-abcde-56789-fghij-01234",
            "99999-zzzzz-88888-yyyyy-77777",
        ][i]
            .as_bytes(),
    )
}

/// The instant every generated time is relative to; `now` is a little after it.
fn base() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn policy(i: u8) -> Policy {
    Policy::parse([POLICY_A, POLICY_A_REORDERED, POLICY_B][usize::from(i)]).unwrap()
}

fn policy_choice() -> impl Strategy<Value = u8> {
    0u8..3
}

/// POLICY_A as the real config loader reads it from two policy files written differently (one
/// compact, one indented with its keys in another order, a byte order mark and CRLF line ends),
/// loaded once.
fn loaded_policies() -> &'static (Policy, Policy) {
    static LOADED: std::sync::OnceLock<(Policy, Policy)> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let reformatted = format!("\u{feff}{}\r\n", POLICY_A_REORDERED.replace('\n', "\r\n  "));
        std::fs::write(dir.path().join("compact.json"), POLICY_A).unwrap();
        std::fs::write(dir.path().join("reformatted.json"), &reformatted).unwrap();
        assert_ne!(POLICY_A, reformatted.as_str());
        let load = |file: &str| {
            let text = format!(
                "version: 1\nproviders:\n  default:\n    region: us-east-1\nglacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: {file}\n    state: locked\n"
            );
            let config = lockward::config::load_str(&text, &dir.path().join("lockward.yaml"))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            match &config.resources[0].desired {
                Desired::GlacierVaultLock(d) => d.policy.clone(),
                other => panic!("{file}: loaded as {other:?}"),
            }
        };
        let loaded = (load("compact.json"), load("reformatted.json"));
        // The loader reads the policy, not the text: both are POLICY_A.
        assert_eq!(loaded.0, policy(0));
        assert_eq!(loaded.1, policy(0));
        loaded
    })
}

/// One resource: its desired state, what AWS reports, and what the state file records.
#[derive(Clone, Debug)]
enum Triple {
    Glacier(GlacierDesired, GlacierLive, Option<GlacierRecord>),
    Rbin(RbinDesired, RbinLive, Option<RbinRecord>),
    Snowball(SnowballDesired, SnowballLive, Option<SnowballRecord>),
    Backup(BackupDesired, BackupLive, Option<BackupRecord>),
    S3(S3Desired, S3Live, Option<S3Record>),
    Ebs(EbsDesired, EbsLive, Option<EbsRecord>),
}

impl Triple {
    fn kind(&self) -> Kind {
        match self {
            Triple::Glacier(..) => Kind::GlacierVaultLock,
            Triple::Rbin(..) => Kind::RbinRuleLock,
            Triple::Snowball(..) => Kind::SnowballUnlockCode,
            Triple::Backup(..) => Kind::BackupVaultLock,
            Triple::S3(..) => Kind::S3ObjectLock,
            Triple::Ebs(..) => Kind::EbsSnapshotLock,
        }
    }
}

/// The cells of Glacier triples the safety properties are about, each generated on purpose
/// (a uniform draw reaches the first in about 1 of 324 triples):
/// - `OtherPolicyIdKnown`: locked wanted, the live lock InProgress with another policy, and a
///   record that knows that lock's id (completing it would make the wrong policy permanent);
/// - `SamePolicyIdUnknown`: locked wanted, the live lock InProgress with the desired policy,
///   but no record of its id (someone else's lock, or one whose initiation was lost);
/// - `SamePolicyIdKnown`: the one case where `complete_lock` alone is right;
/// - `NotWantedIdKnown`: the desired policy InProgress with a known id, but `in_progress` or
///   `unlocked` wanted (completing it is not what the intent asks for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum DangerousCell {
    OtherPolicyIdKnown,
    SamePolicyIdUnknown,
    SamePolicyIdKnown,
    NotWantedIdKnown,
}

impl DangerousCell {
    const ALL: [DangerousCell; 4] = [
        DangerousCell::OtherPolicyIdKnown,
        DangerousCell::SamePolicyIdUnknown,
        DangerousCell::SamePolicyIdKnown,
        DangerousCell::NotWantedIdKnown,
    ];

    /// The cell a triple falls in, if any.
    fn of(triple: &Triple) -> Option<DangerousCell> {
        let Triple::Glacier(
            d,
            GlacierLive::InProgress {
                policy, created, ..
            },
            record,
        ) = triple
        else {
            return None;
        };
        let known = lock_id_known(record.as_ref(), policy, *created);
        let same = *policy == d.policy;
        match (d.state, same, known) {
            (VaultLockState::Locked, false, true) => Some(DangerousCell::OtherPolicyIdKnown),
            (VaultLockState::Locked, true, false) => Some(DangerousCell::SamePolicyIdUnknown),
            (VaultLockState::Locked, true, true) => Some(DangerousCell::SamePolicyIdKnown),
            (_, true, true) => Some(DangerousCell::NotWantedIdKnown),
            _ => None,
        }
    }
}

/// A Glacier triple in one of the [`DangerousCell`]s, whatever else varies.
fn dangerous_glacier_triple() -> impl Strategy<Value = Triple> {
    let period = prop_oneof![Just(None), (1i64..=24 * 60).prop_map(|m| Some(mins(m)))];
    (
        proptest::sample::select(DangerousCell::ALL.to_vec()),
        policy_choice(),
        period,
        0i64..24 * 60,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(cell, want, period, age, flag, completed)| {
            // The other policy is POLICY_B unless the desired one is, then POLICY_A.
            let other = if want == 2 { 0 } else { 2 };
            let (state, have, known) = match cell {
                DangerousCell::OtherPolicyIdKnown => (VaultLockState::Locked, other, true),
                DangerousCell::SamePolicyIdUnknown => (VaultLockState::Locked, want, false),
                DangerousCell::SamePolicyIdKnown => (VaultLockState::Locked, want, true),
                DangerousCell::NotWantedIdKnown => (
                    if flag {
                        VaultLockState::InProgress
                    } else {
                        VaultLockState::Unlocked
                    },
                    want,
                    true,
                ),
            };
            let created = base() - mins(age);
            let live = GlacierLive::InProgress {
                policy: policy(have),
                created,
                expires: created + IN_PROGRESS_LIFETIME,
            };
            // Unknown: no record, or one made for another initiation (other time or policy).
            let record = if known {
                Some((Some(created), have))
            } else if flag {
                Some((Some(created - mins(17)), have))
            } else if completed {
                Some((Some(created), other))
            } else {
                None
            };
            let record = record.map(|(initiated_at, recorded)| GlacierRecord {
                target: None,
                physical_key: None,
                vault: "audit-logs".into(),
                lock_id: "AE863rKkWZU53SLW5be4DUcW".into(),
                initiated_at,
                policy_digest: policy(recorded).digest(),
                completed_at: None,
            });
            let desired = GlacierDesired {
                vault: "audit-logs".into(),
                account_id: "-".into(),
                policy: policy(want),
                state,
                min_test_period: period,
            };
            let triple = Triple::Glacier(desired, live, record);
            debug_assert_eq!(DangerousCell::of(&triple), Some(cell));
            triple
        })
}

fn glacier_triple() -> impl Strategy<Value = Triple> {
    prop_oneof![3 => uniform_glacier_triple(), 2 => dangerous_glacier_triple()]
}

fn uniform_glacier_triple() -> impl Strategy<Value = Triple> {
    let state = prop_oneof![
        Just(VaultLockState::Locked),
        Just(VaultLockState::InProgress),
        Just(VaultLockState::Unlocked)
    ];
    let period = prop_oneof![Just(None), (1i64..=24 * 60).prop_map(|m| Some(mins(m)))];
    // 0: vault missing, 1: no lock, 2: InProgress, 3: Locked; with its policy and age.
    let live = (0u8..4, policy_choice(), 0i64..24 * 60);
    // initiated_at: 0 the live lock's CreationDate, 1 another time, 2 none.
    let record = proptest::option::of((0u8..3, policy_choice(), any::<bool>()));
    (state, policy_choice(), period, live, record).prop_map(
        |(state, want, period, (shape, have, age), record)| {
            let desired = GlacierDesired {
                vault: "audit-logs".into(),
                account_id: "-".into(),
                policy: policy(want),
                state,
                min_test_period: period,
            };
            let created = base() - mins(age);
            let live = match shape {
                0 => GlacierLive::VaultMissing,
                1 => GlacierLive::NoLock,
                2 => GlacierLive::InProgress {
                    policy: policy(have),
                    created,
                    expires: created + IN_PROGRESS_LIFETIME,
                },
                _ => GlacierLive::Locked {
                    policy: policy(have),
                    created,
                },
            };
            let record = record.map(|(initiated, recorded, completed)| GlacierRecord {
                target: None,
                physical_key: None,
                vault: "audit-logs".into(),
                lock_id: "AE863rKkWZU53SLW5be4DUcW".into(),
                initiated_at: match initiated {
                    0 => Some(created),
                    1 => Some(created - mins(17)),
                    _ => None,
                },
                policy_digest: policy(recorded).digest(),
                completed_at: completed.then_some(created + mins(5)),
            });
            Triple::Glacier(desired, live, record)
        },
    )
}

fn rbin_triple() -> impl Strategy<Value = Triple> {
    // Few distinct delays, so that equal and different ones both come up often.
    let days = prop_oneof![Just(7u16), Just(8u16), Just(30u16)];
    let desired =
        (any::<bool>(), days.clone(), any::<bool>()).prop_map(|(locked, days, with_days)| {
            RbinDesired {
                rule_id: "a1B2c3D4e5F".into(),
                lock: if locked {
                    RbinLock::Locked {
                        unlock_delay_days: days,
                    }
                } else {
                    RbinLock::Unlocked {
                        unlock_delay_days: with_days.then_some(days),
                    }
                },
            }
        });
    let lock_state = prop_oneof![
        Just(None),
        Just(Some(RuleLock::Locked)),
        Just(Some(RuleLock::PendingUnlock)),
        Just(Some(RuleLock::Unlocked)),
    ];
    let rule = (
        lock_state,
        days,
        -48i64..48 * 24,
        0usize..2,
        0usize..2,
        any::<bool>(),
    )
        .prop_map(|(lock_state, days, end_hours, tags, excluded, tag_free)| {
            // Most rules are region-level without exclusions: the only ones AWS can lock.
            let (tags, excluded) = if tag_free { (0, 0) } else { (tags, excluded) };
            RbinLive::Present(RbinRule {
                resource_type: "EBS_SNAPSHOT".into(),
                lock_state,
                // A rule never locked has no lock configuration.
                unlock_delay_days: lock_state.map(|_| days),
                lock_end_time: (lock_state == Some(RuleLock::PendingUnlock))
                    .then(|| base() + mins(end_hours * 60)),
                resource_tags: tags,
                exclude_resource_tags: excluded,
            })
        });
    let live = prop_oneof![1 => Just(RbinLive::RuleMissing), 6 => rule];
    let record = proptest::option::of(days_record());
    (desired, live, record).prop_map(|(d, l, r)| Triple::Rbin(d, l, r))
}

fn days_record() -> impl Strategy<Value = RbinRecord> {
    (7u16..=30, any::<bool>()).prop_map(|(days, unlocking)| RbinRecord {
        target: None,
        physical_key: None,
        rule_id: "a1B2c3D4e5F".into(),
        unlock_delay_days: Some(days),
        locked_at: Some(base() - mins(60 * 24 * 3)),
        unlock_requested_at: unlocking.then(|| base() - mins(60)),
    })
}

fn snowball_triple() -> impl Strategy<Value = Triple> {
    let desired = (0usize..2, 0usize..2).prop_map(|(job, path)| SnowballDesired {
        job_id: JOBS[job].into(),
        deliver_to: PathBuf::from(DELIVER_TO[path]),
        manifest_path: None,
        base: PathBuf::new(),
    });
    let states: Vec<&'static str> = BEFORE_CUSTOMER
        .iter()
        .chain(AFTER_CUSTOMER.iter())
        .copied()
        .chain([
            "WithCustomer",
            "WithCustomer",
            "WithCustomer",
            "SomethingNew",
        ])
        .collect();
    // Ages around the 360-day limit come up often.
    let age_hours = prop_oneof![0i64..400 * 24, 360i64 * 24 - 3..360 * 24 + 3];
    let on_disk = proptest::option::of(0usize..2);
    let job =
        (proptest::sample::select(states), age_hours, on_disk).prop_map(|(state, age, on_disk)| {
            SnowballLive::Present(SnowballJob {
                kept: Vec::new(),
                job_state: state.into(),
                created: base() - mins(age * 60),
                delivery: on_disk.map_or(DeliveryTarget::Absent { creates_dir: false }, |c| {
                    DeliveryTarget::File {
                        fingerprint: code_fingerprint(c),
                    }
                }),
            })
        });
    let live = prop_oneof![1 => Just(SnowballLive::JobMissing { delivery: DeliveryTarget::Absent { creates_dir: false }, kept: Vec::new() }), 6 => job];
    let record = proptest::option::of((0usize..2, 0usize..2, 0usize..2)).prop_map(|r| {
        r.map(|(job, path, code)| SnowballRecord {
            target: None,
            physical_key: None,
            job_id: JOBS[job].into(),
            fingerprint: code_fingerprint(code),
            deliver_to: PathBuf::from(DELIVER_TO[path]),
            delivered_at: base() - mins(60 * 24),
        })
    });
    (desired, live, record).prop_map(|(d, l, r)| Triple::Snowball(d, l, r))
}

fn backup_triple() -> impl Strategy<Value = Triple> {
    // Few distinct retentions, so that equal and different ones both come up often.
    // A minimum, a maximum or both (a lock with only a maximum, as AWS allows).
    let retention = prop_oneof![
        Just((Some(7u32), None)),
        Just((Some(7u32), Some(365u32))),
        Just((Some(35u32), None)),
        Just((Some(35u32), Some(365u32))),
        Just((None, Some(365u32))),
    ];
    let mode = prop_oneof![
        Just(BackupLockMode::None),
        Just(BackupLockMode::Governance),
        Just(BackupLockMode::Compliance)
    ];
    let desired = (mode, retention.clone(), 3u32..=5).prop_map(|(mode, (min, max), days)| {
        let retention = Retention { min, max };
        BackupDesired {
            vault: "prod-backups".into(),
            lock: match mode {
                BackupLockMode::None => BackupLock::None,
                BackupLockMode::Governance => BackupLock::Governance { retention },
                BackupLockMode::Compliance => BackupLock::Compliance {
                    retention,
                    changeable_for_days: days,
                },
            },
        }
    });
    // Lock dates around the planning times (base .. base + 5 h) come up often.
    let lock_date =
        prop_oneof![1i64..6 * 60, 6i64 * 60..5 * 24 * 60].prop_map(|m| base() + mins(m));
    let vault_type =
        prop_oneof![6 => Just("BACKUP_VAULT"), 1 => Just("RESTORE_ACCESS_BACKUP_VAULT")];
    let live =
        (0u8..5, vault_type, retention, lock_date).prop_map(|(shape, t, (min, max), lock_date)| {
            let vault_type = t.to_string();
            let (min_retention_days, max_retention_days) = (min, max);
            match shape {
                0 => BackupLive::VaultMissing,
                1 => BackupLive::None { vault_type },
                2 => BackupLive::Governance {
                    vault_type,
                    min_retention_days,
                    max_retention_days,
                },
                3 => BackupLive::ComplianceGrace {
                    vault_type,
                    min_retention_days,
                    max_retention_days,
                    lock_date,
                },
                _ => BackupLive::ComplianceLocked {
                    vault_type,
                    min_retention_days,
                    max_retention_days,
                    lock_date: Some(base() - mins(24 * 60)),
                },
            }
        });
    let record = proptest::option::of(Just(BackupRecord {
        vault: "prod-backups".into(),
        min_retention_days: Some(35),
        max_retention_days: None,
        changeable_for_days: None,
        put_at: Some(base() - mins(60)),
        lock_date: None,
        deleted_at: None,
        target: None,
        physical_key: None,
    }));
    (desired, live, record).prop_map(|(d, l, r)| Triple::Backup(d, l, r))
}

fn s3_triple() -> impl Strategy<Value = Triple> {
    // Few distinct defaults, so that equal ones come up often, and `years: 1` beside
    // `days: 365` (not the same default).
    let retention = prop_oneof![
        1 => Just(None),
        3 => (
            prop_oneof![Just(RetentionMode::Compliance), Just(RetentionMode::Governance)],
            prop_oneof![
                Just(RetentionPeriod::Days(365)),
                Just(RetentionPeriod::Years(1)),
                Just(RetentionPeriod::Years(11))
            ],
        )
            .prop_map(|(mode, period)| Some(DefaultRetention { mode, period })),
    ];
    let desired =
        (any::<bool>(), retention.clone()).prop_map(|(enabled, default_retention)| S3Desired {
            bucket: "acme-records".into(),
            object_lock: if enabled {
                ObjectLockState::Enabled
            } else {
                ObjectLockState::Disabled
            },
            default_retention: default_retention.filter(|_| enabled),
        });
    let hold = prop_oneof![3 => Just(None), 1 => Just(Some(RetentionPeriod::Days(5)))];
    let live = (0u8..7, retention, hold).prop_map(|(shape, default_retention, hold)| match shape {
        0 => S3Live::BucketMissing,
        1 => S3Live::OtherRegion {
            bucket_region: "eu-west-1".into(),
            provider_region: "us-east-1".into(),
        },
        2 => S3Live::Unversioned,
        3 => S3Live::VersioningSuspended,
        4 => S3Live::Disabled,
        _ => S3Live::Enabled {
            default_retention,
            default_event_hold: hold.filter(|_| default_retention.is_some()),
        },
    });
    let record = proptest::option::of(Just(S3Record {
        object_lock_enabled_at: Some(base() - mins(60)),
        ..S3Record::new("acme-records")
    }));
    (desired, live, record).prop_map(|(d, l, r)| Triple::S3(d, l, r))
}

fn ebs_triple() -> impl Strategy<Value = Triple> {
    let mode = prop_oneof![
        Just(EbsMode::None),
        Just(EbsMode::Governance),
        Just(EbsMode::Compliance)
    ];
    // Few durations, so that equal expiries come up often; a cool-off or none.
    let desired = (
        mode,
        prop_oneof![Just(30u32), Just(60u32)],
        prop_oneof![Just(None), Just(Some(24u32))],
    )
        .prop_map(|(mode, days, cool_off)| EbsDesired {
            snapshot_id: Some("snap-0123456789abcdef0".into()),
            select_tags: None,
            mode,
            duration_days: (mode != EbsMode::None).then_some(days),
            until: None,
            cool_off_hours: (mode == EbsMode::Compliance).then_some(cool_off).flatten(),
        });
    // A lock started a day ago (so 30 or 60 days from its start), its cool-off ending around
    // the planning times (base .. base + 5 h) or long gone.
    let started = base() - mins(24 * 60);
    let lock = prop_oneof![Just(30u32), Just(60u32)].prop_map(move |days| LiveLock {
        expires: Some(started + SignedDuration::from_hours(24 * i64::from(days))),
        duration_start: Some(started),
        duration_days: Some(days),
        created: Some(started),
    });
    let cool_off_end = prop_oneof![1i64..6 * 60].prop_map(|m| base() + mins(m));
    let live = (0u8..5, lock, cool_off_end).prop_map(|(shape, lock, cool_off_ends)| match shape {
        0 => EbsLive::SnapshotMissing,
        1 => EbsLive::None { expired: None },
        2 => EbsLive::Governance { lock },
        3 => EbsLive::ComplianceCooloff {
            lock,
            cool_off_ends,
        },
        _ => EbsLive::Compliance { lock },
    });
    let record = proptest::option::of(Just(EbsRecord {
        snapshot_id: "snap-0123456789abcdef0".into(),
        mode: Some("governance".into()),
        expires: None,
        cool_off_ends: None,
        locked_at: Some(base() - mins(60)),
        unlocked_at: None,
        target: None,
        physical_key: None,
    }));
    (desired, live, record).prop_map(|(d, l, r)| Triple::Ebs(d, l, r))
}

fn any_triple() -> impl Strategy<Value = Triple> {
    // Glacier holds the most dangerous cells: it comes up a little more often than the rest.
    prop_oneof![
        3 => glacier_triple(),
        2 => rbin_triple(),
        2 => snowball_triple(),
        2 => backup_triple(),
        2 => s3_triple(),
        2 => ebs_triple()
    ]
}

/// A generated configuration: up to four resources of any kinds, and when to plan.
#[derive(Clone, Debug)]
struct World {
    triples: Vec<Triple>,
    now: Timestamp,
}

fn world() -> impl Strategy<Value = World> {
    (proptest::collection::vec(any_triple(), 1..=4), 0i64..=120).prop_map(|(triples, after)| {
        World {
            triples,
            now: base() + mins(after),
        }
    })
}

fn address(i: usize, triple: &Triple) -> Address {
    Address::new(triple.kind(), format!("r{i}"))
}

fn config(triples: &[Triple]) -> Config {
    let provider = Provider {
        name: "default".into(),
        region: "us-east-1".into(),
        profile: None,
        endpoint_url: None,
        assume_role: None,
        instance_of: None,
    };
    let mut resources: Vec<Resource> = triples
        .iter()
        .enumerate()
        .map(|(i, t)| Resource {
            address: address(i, t),
            provider: "default".into(),
            desired: match t {
                Triple::Glacier(d, ..) => Desired::GlacierVaultLock(d.clone()),
                Triple::Rbin(d, ..) => Desired::RbinRuleLock(d.clone()),
                Triple::Snowball(d, ..) => Desired::SnowballUnlockCode(d.clone()),
                Triple::Backup(d, ..) => Desired::BackupVaultLock(d.clone()),
                Triple::S3(d, ..) => Desired::S3ObjectLock(d.clone()),
                Triple::Ebs(d, ..) => Desired::EbsSnapshotLock(d.clone()),
            },
        })
        .collect();
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    Config {
        path: PathBuf::from("/srv/lockward/lockward.yaml"),
        dir: PathBuf::from("/srv/lockward"),
        providers: BTreeMap::from([("default".to_string(), provider)]),
        resources,
        backend: None,
        sources: Default::default(),
        ..Default::default()
    }
}

fn live(triples: &[Triple]) -> LiveSnapshot {
    let resources = triples
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let live = match t {
                Triple::Glacier(_, l, _) => Live::GlacierVaultLock(l.clone()),
                Triple::Rbin(_, l, _) => Live::RbinRuleLock(l.clone()),
                Triple::Snowball(_, l, _) => Live::SnowballUnlockCode(l.clone()),
                Triple::Backup(_, l, _) => Live::BackupVaultLock(l.clone()),
                Triple::S3(_, l, _) => Live::S3ObjectLock(l.clone()),
                Triple::Ebs(_, l, _) => Live::EbsSnapshotLock(l.clone()),
            };
            (
                address(i, t),
                Observed {
                    target: test_target(),
                    live,
                },
            )
        })
        .collect();
    LiveSnapshot {
        resources,
        ..LiveSnapshot::default()
    }
}

fn state(triples: &[Triple]) -> StateFile {
    let mut state = StateFile::empty();
    state.lineage = "4f1c2a4e-0000-4000-8000-000000000000".into();
    state.serial = 3;
    for (i, t) in triples.iter().enumerate() {
        let record = match t {
            Triple::Glacier(_, _, r) => r.clone().map(Record::GlacierVaultLock),
            Triple::Rbin(_, _, r) => r.clone().map(Record::RbinRuleLock),
            Triple::Snowball(_, _, r) => r.clone().map(Record::SnowballUnlockCode),
            Triple::Backup(_, _, r) => r.clone().map(Record::BackupVaultLock),
            Triple::S3(_, _, r) => r.clone().map(Record::S3ObjectLock),
            Triple::Ebs(_, _, r) => r.clone().map(Record::EbsSnapshotLock),
        };
        if let Some(record) = record {
            state.set(&address(i, t), record);
        }
    }
    state
}

fn plan_world(triples: &[Triple], now: Timestamp) -> Plan {
    plan(
        &config(triples),
        &live(triples),
        recorded(&state(triples)),
        now,
    )
}

/// What AWS refused in the model: the plan asked for a call that cannot succeed.
type Refused = String;

/// Carries out one action on the model of AWS (DESIGN.md section 3, as the emulator does),
/// updating the live value and the record the executor would write.
fn carry_out(triple: &mut Triple, action: ActionKind, now: Timestamp) -> Result<(), Refused> {
    match (triple, action) {
        (Triple::Glacier(d, live, record), ActionKind::INITIATE_LOCK) => {
            if *live != GlacierLive::NoLock {
                return Err(format!("InitiateVaultLock on a vault that shows {live:?}"));
            }
            *live = GlacierLive::InProgress {
                policy: d.policy.clone(),
                created: now,
                expires: now + IN_PROGRESS_LIFETIME,
            };
            *record = Some(GlacierRecord {
                target: None,
                physical_key: None,
                vault: d.vault.clone(),
                lock_id: "NEWLOCKID".into(),
                initiated_at: Some(now),
                policy_digest: d.policy.digest(),
                completed_at: None,
            });
        }
        (Triple::Glacier(d, live, record), ActionKind::COMPLETE_LOCK) => {
            let GlacierLive::InProgress {
                policy, created, ..
            } = live.clone()
            else {
                return Err(format!("CompleteVaultLock on a vault that shows {live:?}"));
            };
            if policy != d.policy {
                return Err(
                    "CompleteVaultLock of a lock whose policy is not the desired one".into(),
                );
            }
            if !lock_id_known(record.as_ref(), &policy, created) {
                return Err("CompleteVaultLock without the lock id".into());
            }
            *live = GlacierLive::Locked { policy, created };
            if let Some(r) = record {
                r.completed_at = Some(now);
            }
        }
        (Triple::Glacier(_, live, record), ActionKind::ABORT_LOCK) => {
            if !matches!(live, GlacierLive::InProgress { .. }) {
                return Err(format!("AbortVaultLock on a vault that shows {live:?}"));
            }
            *live = GlacierLive::NoLock;
            *record = None;
        }
        (Triple::Rbin(d, live, record), ActionKind::LOCK_RULE) => {
            let RbinLive::Present(rule) = live else {
                return Err("LockRule on a missing rule".into());
            };
            let days = d
                .unlock_delay_days()
                .ok_or("LockRule without an unlock delay")?;
            if rule.resource_tags > 0 || rule.exclude_resource_tags > 0 {
                return Err("LockRule on a rule AWS cannot lock".into());
            }
            if rule.lock_state.is_some() && rule.unlock_delay_days != Some(days) {
                return Err(
                    "LockRule with a delay other than the rule's first one (ValidationException)"
                        .into(),
                );
            }
            rule.lock_state = Some(RuleLock::Locked);
            rule.unlock_delay_days = Some(days);
            rule.lock_end_time = None;
            *record = Some(RbinRecord {
                target: None,
                physical_key: None,
                rule_id: d.rule_id.clone(),
                unlock_delay_days: Some(days),
                locked_at: Some(now),
                unlock_requested_at: None,
            });
        }
        (Triple::Rbin(_, live, record), ActionKind::UNLOCK_RULE) => {
            let RbinLive::Present(rule) = live else {
                return Err("UnlockRule on a missing rule".into());
            };
            if rule.lock_state != Some(RuleLock::Locked) {
                return Err(format!(
                    "UnlockRule on a rule that is {:?}",
                    rule.lock_state
                ));
            }
            let days = rule
                .unlock_delay_days
                .ok_or("a locked rule without a delay")?;
            rule.lock_state = Some(RuleLock::PendingUnlock);
            rule.lock_end_time = Some(now + SignedDuration::from_hours(24 * i64::from(days)));
            if let Some(r) = record {
                r.unlock_requested_at = Some(now);
            }
        }
        (Triple::Snowball(d, live, record), ActionKind::RETRIEVE_UNLOCK_CODE) => {
            let SnowballLive::Present(job) = live else {
                return Err("GetJobUnlockCode on a missing job".into());
            };
            if job.job_state != "WithCustomer" {
                return Err(format!(
                    "GetJobUnlockCode on a job that is {}",
                    job.job_state
                ));
            }
            if now > job.created + lockward::kinds::snowball::CODE_LIFETIME {
                return Err("GetJobUnlockCode more than 360 days after the job was created".into());
            }
            if job.delivery.fingerprint().is_some() {
                return Err("the code would overwrite an existing file".into());
            }
            job.delivery = DeliveryTarget::File {
                fingerprint: code_fingerprint(0),
            };
            *record = Some(SnowballRecord {
                target: None,
                physical_key: None,
                job_id: d.job_id.clone(),
                fingerprint: code_fingerprint(0),
                deliver_to: d.deliver_to.clone(),
                delivered_at: now,
            });
        }
        (Triple::Backup(d, live, record), ActionKind::PUT_VAULT_LOCK) => {
            let (vault_type, kept_lock_date) = match live {
                BackupLive::VaultMissing => {
                    return Err("PutBackupVaultLockConfiguration on a missing vault".into())
                }
                BackupLive::ComplianceLocked { .. } => {
                    return Err("PutBackupVaultLockConfiguration on an immutable lock".into())
                }
                BackupLive::ComplianceGrace { lock_date, .. } if *lock_date <= now => {
                    return Err("PutBackupVaultLockConfiguration after the lock date".into())
                }
                BackupLive::ComplianceGrace {
                    vault_type,
                    lock_date,
                    ..
                } => (vault_type.clone(), Some(*lock_date)),
                BackupLive::None { vault_type } | BackupLive::Governance { vault_type, .. } => {
                    (vault_type.clone(), None)
                }
            };
            if vault_type != "BACKUP_VAULT" {
                return Err(format!("PutBackupVaultLockConfiguration on a {vault_type}"));
            }
            if d.lock == BackupLock::None {
                return Err("a put for a vault whose desired lock is none".into());
            }
            let Retention {
                min: min_retention_days,
                max: max_retention_days,
            } = d.retention();
            let changeable = d.changeable_for_days();
            // A put without ChangeableForDays keeps an existing lock date (as AWS and moto do).
            let lock_date = changeable
                .map(|n| now + SignedDuration::from_hours(24 * i64::from(n)))
                .or(kept_lock_date);
            *live = match lock_date {
                Some(lock_date) => BackupLive::ComplianceGrace {
                    vault_type,
                    min_retention_days,
                    max_retention_days,
                    lock_date,
                },
                None => BackupLive::Governance {
                    vault_type,
                    min_retention_days,
                    max_retention_days,
                },
            };
            *record = Some(BackupRecord {
                vault: d.vault.clone(),
                min_retention_days,
                max_retention_days,
                changeable_for_days: changeable,
                put_at: Some(now),
                lock_date,
                deleted_at: None,
                target: None,
                physical_key: None,
            });
        }
        (Triple::Backup(d, live, record), ActionKind::DELETE_VAULT_LOCK) => {
            let vault_type = match live {
                BackupLive::VaultMissing => {
                    return Err("DeleteBackupVaultLockConfiguration on a missing vault".into())
                }
                BackupLive::ComplianceLocked { .. } => {
                    return Err("DeleteBackupVaultLockConfiguration on an immutable lock".into())
                }
                BackupLive::ComplianceGrace { lock_date, .. } if *lock_date <= now => {
                    return Err("DeleteBackupVaultLockConfiguration after the lock date".into())
                }
                BackupLive::None { .. } => {
                    return Err("DeleteBackupVaultLockConfiguration without a lock".into())
                }
                BackupLive::ComplianceGrace { vault_type, .. }
                | BackupLive::Governance { vault_type, .. } => vault_type.clone(),
            };
            if vault_type != "BACKUP_VAULT" {
                return Err(format!(
                    "DeleteBackupVaultLockConfiguration on a {vault_type}"
                ));
            }
            *live = BackupLive::None { vault_type };
            *record = Some(BackupRecord {
                vault: d.vault.clone(),
                min_retention_days: None,
                max_retention_days: None,
                changeable_for_days: None,
                put_at: None,
                lock_date: None,
                deleted_at: Some(now),
                target: None,
                physical_key: None,
            });
        }
        (Triple::Ebs(d, live, record), ActionKind::LOCK_SNAPSHOT) => {
            let days = d.duration_days.ok_or("LockSnapshot without a duration")?;
            let mode = d.mode;
            let (start, created, old) = match &*live {
                EbsLive::SnapshotMissing | EbsLive::NoMatch => {
                    return Err("LockSnapshot on a missing snapshot".into())
                }
                EbsLive::None { .. } => (now, now, None),
                EbsLive::Governance { lock } => (
                    lock.duration_start.unwrap_or(now),
                    lock.created.unwrap_or(now),
                    None,
                ),
                EbsLive::ComplianceCooloff {
                    lock,
                    cool_off_ends,
                } if *cool_off_ends > now => (
                    lock.duration_start.unwrap_or(now),
                    lock.created.unwrap_or(now),
                    None,
                ),
                EbsLive::ComplianceCooloff { lock, .. } | EbsLive::Compliance { lock } => (
                    lock.duration_start.unwrap_or(now),
                    lock.created.unwrap_or(now),
                    Some(lock.clone()),
                ),
            };
            let expires = start + SignedDuration::from_hours(24 * i64::from(days));
            if let Some(old) = &old {
                // After its cool-off a compliance lock can only be extended.
                if mode != EbsMode::Compliance || old.expires.is_some_and(|e| expires < e) {
                    return Err(
                        "LockSnapshot that weakens a compliance lock past its cool-off".into(),
                    );
                }
            }
            let lock = LiveLock {
                expires: Some(expires),
                duration_start: Some(start),
                duration_days: Some(days),
                created: Some(created),
            };
            *live = match (mode, d.cool_off_hours, old) {
                (EbsMode::Governance, _, _) => EbsLive::Governance { lock },
                (EbsMode::Compliance, Some(c), None)
                    if created + SignedDuration::from_hours(i64::from(c)) > now =>
                {
                    EbsLive::ComplianceCooloff {
                        lock,
                        cool_off_ends: created + SignedDuration::from_hours(i64::from(c)),
                    }
                }
                (EbsMode::Compliance, _, _) => EbsLive::Compliance { lock },
                (EbsMode::None, ..) => return Err("LockSnapshot for no lock".into()),
            };
            *record = Some(EbsRecord {
                snapshot_id: "snap-0123456789abcdef0".into(),
                mode: Some(
                    if mode == EbsMode::Governance {
                        "governance"
                    } else {
                        "compliance"
                    }
                    .into(),
                ),
                expires: Some(expires),
                cool_off_ends: None,
                locked_at: Some(now),
                unlocked_at: None,
                target: None,
                physical_key: None,
            });
        }
        (Triple::Ebs(_, live, record), ActionKind::UNLOCK_SNAPSHOT) => {
            match &*live {
                EbsLive::Governance { .. } => {}
                EbsLive::ComplianceCooloff { cool_off_ends, .. } if *cool_off_ends > now => {}
                other => return Err(format!("UnlockSnapshot on {other:?}")),
            }
            *live = EbsLive::None { expired: None };
            if let Some(r) = record {
                r.mode = None;
                r.unlocked_at = Some(now);
            }
        }
        (Triple::S3(d, live, record), action @ ActionKind::ENABLE_VERSIONING) => {
            match live {
                S3Live::Unversioned | S3Live::VersioningSuspended => *live = S3Live::Disabled,
                other => return Err(format!("{} on a bucket that is {other:?}", action.as_str())),
            }
            record
                .get_or_insert_with(|| S3Record::new(&d.bucket))
                .versioning_enabled_at = Some(now);
        }
        (Triple::S3(d, live, record), action @ ActionKind::ENABLE_OBJECT_LOCK) => {
            // S3 refuses Object Lock unless versioning is Enabled (InvalidBucketState).
            if *live != S3Live::Disabled {
                return Err(format!("{} on a bucket that is {live:?}", action.as_str()));
            }
            *live = S3Live::Enabled {
                default_retention: None,
                default_event_hold: None,
            };
            record
                .get_or_insert_with(|| S3Record::new(&d.bucket))
                .object_lock_enabled_at = Some(now);
        }
        (
            Triple::S3(d, live, record),
            action @ (ActionKind::PUT_DEFAULT_RETENTION | ActionKind::REMOVE_DEFAULT_RETENTION),
        ) => {
            let S3Live::Enabled {
                default_retention,
                default_event_hold,
            } = live
            else {
                return Err(format!("{} on a bucket that is {live:?}", action.as_str()));
            };
            // COMPLIANCE retention can never be shortened for what it locked; the model does
            // not hold objects, so only the bucket's rule changes.
            *default_retention = if action == ActionKind::PUT_DEFAULT_RETENTION {
                Some(
                    d.default_retention
                        .ok_or("a put without a default retention")?,
                )
            } else {
                None
            };
            if default_retention.is_none() {
                *default_event_hold = None;
            }
            let r = record.get_or_insert_with(|| S3Record::new(&d.bucket));
            r.default_retention = *default_retention;
            r.retention_changed_at = Some(now);
        }
        (triple, action) => {
            return Err(format!(
                "{} planned for a {}",
                action.as_str(),
                triple.kind()
            ))
        }
    }
    Ok(())
}

/// Carries out every ready action of `plan`, in order per resource, as apply does.
fn carry_out_plan(triples: &mut [Triple], plan: &Plan, now: Timestamp) -> Result<(), Refused> {
    for (i, triple) in triples.iter_mut().enumerate() {
        let address = address(i, triple);
        let Some(rp) = plan.resources.iter().find(|r| r.address == address) else {
            return Err(format!("{address} is missing from the plan"));
        };
        for action in rp
            .actions
            .iter()
            .filter(|a| a.status == ActionStatus::Ready)
        {
            carry_out(triple, action.action, now).map_err(|e| format!("{address}: {e}"))?;
        }
    }
    Ok(())
}

/// Lets time pass on the model: an InProgress lock disappears 24 h after its initiation.
fn let_time_pass(triples: &mut [Triple], now: Timestamp) {
    for triple in triples {
        if let Triple::Glacier(_, live, _) = triple {
            if matches!(live, GlacierLive::InProgress { expires, .. } if *expires <= now) {
                *live = GlacierLive::NoLock;
            }
        }
    }
}

/// Per resource: the outcome and the actions without their free-text reasons; exactly what the
/// digest is meant to cover besides the (time-independent) desired and live values.
type DecisionKey = Vec<(
    String,
    Outcome,
    Vec<(ActionKind, Reversibility, ActionStatus, Option<Timestamp>)>,
)>;

fn decision(plan: &Plan) -> DecisionKey {
    plan.resources
        .iter()
        .map(|r| {
            let actions = r
                .actions
                .iter()
                .map(|a| (a.action, a.reversibility, a.status, a.not_before))
                .collect();
            (r.address.to_string(), r.outcome, actions)
        })
        .collect()
}

fn ready_actions(plan: &Plan, address: &Address) -> Vec<ActionKind> {
    plan.resources
        .iter()
        .filter(|r| &r.address == address)
        .flat_map(|r| {
            r.actions
                .iter()
                .filter(|a| a.status == ActionStatus::Ready)
                .map(|a| a.action)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every resource is planned, its actions carry the reversibility fixed for them, and a
    /// conflict never carries an action.
    #[test]
    fn plans_every_resource_and_never_understates_reversibility(w in world()) {
        let plan = plan_world(&w.triples, w.now);
        prop_assert_eq!(plan.resources.len(), w.triples.len());
        let mut irreversible = 0;
        for r in &plan.resources {
            if r.outcome == Outcome::Conflict {
                prop_assert!(r.actions.is_empty(), "{} is a conflict with actions", r.address);
            }
            for a in &r.actions {
                // The kind may raise an action's class for the resource, never lower it.
                prop_assert!(a.reversibility >= a.action.reversibility(), "{} lowers the class of {}", r.address, a.action.as_str());
                if a.status == ActionStatus::Ready && a.reversibility == Reversibility::Irreversible {
                    irreversible += 1;
                }
            }
        }
        prop_assert_eq!(plan.summary.irreversible, irreversible);
    }

    /// `complete_lock` only when the intent is a locked vault; `retrieve_unlock_code` only for
    /// a code not yet delivered, and never over an existing file.
    #[test]
    fn irreversible_actions_only_where_the_intent_requires_them(w in world()) {
        let plan = plan_world(&w.triples, w.now);
        for (i, triple) in w.triples.iter().enumerate() {
            let address = address(i, triple);
            let rp = plan.resources.iter().find(|r| r.address == address).unwrap();
            for a in rp.actions.iter().filter(|a| a.reversibility == Reversibility::Irreversible) {
                match (triple, a.action) {
                    (Triple::Glacier(d, ..), ActionKind::COMPLETE_LOCK) => {
                        prop_assert_eq!(d.state, VaultLockState::Locked, "{} completes a lock the intent does not want", address);
                    }
                    (Triple::Snowball(d, SnowballLive::Present(job), record), ActionKind::RETRIEVE_UNLOCK_CODE) => {
                        prop_assert!(job.delivery.fingerprint().is_none(), "{} retrieves a code over an existing file", address);
                        let delivered = record.as_ref().is_some_and(|r| {
                            r.job_id == d.job_id
                                && r.deliver_to == d.deliver_to
                                && job.delivery.fingerprint() == Some(r.fingerprint.as_str())
                        });
                        prop_assert!(!delivered, "{} retrieves a code already delivered", address);
                    }
                    (Triple::S3(d, live, _), ActionKind::ENABLE_OBJECT_LOCK) => {
                        prop_assert_eq!(d.object_lock, ObjectLockState::Enabled, "{} enables Object Lock the intent does not want", address);
                        prop_assert!(!matches!(live, S3Live::Enabled { .. }), "{} enables Object Lock that is on", address);
                    }
                    (Triple::S3(d, ..), ActionKind::PUT_DEFAULT_RETENTION) => {
                        prop_assert!(d.default_retention.is_some_and(|r| r.mode == RetentionMode::Compliance), "{} makes a default irreversible that is not COMPLIANCE", address);
                    }
                    (Triple::Ebs(d, live, _), ActionKind::LOCK_SNAPSHOT) => {
                        prop_assert_eq!(d.mode, EbsMode::Compliance, "{} puts an irreversible snapshot lock the intent does not want", address);
                        if matches!(live, EbsLive::None { .. } | EbsLive::Governance { .. }) {
                            prop_assert_eq!(a.permanent_after, d.cool_off_hours.and_then(PermanentAfter::hours), "{} does not say when the lock becomes permanent", address);
                        }
                    }
                    (Triple::Backup(d, ..), ActionKind::PUT_VAULT_LOCK) => {
                        prop_assert_eq!(d.mode(), BackupLockMode::Compliance, "{} puts an irreversible lock the intent does not want", address);
                        prop_assert_eq!(a.permanent_after, d.changeable_for_days().and_then(PermanentAfter::days), "{} does not say when the lock becomes permanent", address);
                    }
                    (triple, action) => {
                        prop_assert!(false, "{} plans irreversible {} for {:?}", address, action.as_str(), triple);
                    }
                }
            }
        }
    }

    /// A `complete_lock` with no `initiate_lock` before it completes the live InProgress lock:
    /// that lock must hold the desired policy and be one whose id lockward recorded.
    #[test]
    fn never_completes_a_lock_with_another_policy(w in world()) {
        let plan = plan_world(&w.triples, w.now);
        for (i, triple) in w.triples.iter().enumerate() {
            let Triple::Glacier(d, live, record) = triple else { continue };
            let address = address(i, triple);
            let rp = plan.resources.iter().find(|r| r.address == address).unwrap();
            let mut initiated = false;
            for a in &rp.actions {
                match a.action {
                    ActionKind::INITIATE_LOCK => initiated = true,
                    ActionKind::COMPLETE_LOCK if !initiated => match live {
                        GlacierLive::InProgress { policy, created, .. } => {
                            prop_assert!(policy == &d.policy, "{} completes a live lock whose policy differs", address);
                            prop_assert!(lock_id_known(record.as_ref(), policy, *created), "{} completes a lock whose id it does not know", address);
                        }
                        other => prop_assert!(false, "{} completes a lock that is {:?}", address, other),
                    },
                    _ => {}
                }
            }
        }
    }

    /// Carrying out the ready actions and planning again at the same time gives only no-ops
    /// and waits; a little later, never the same change again.
    #[test]
    fn applying_a_plan_converges(w in world(), later in 0i64..=180) {
        let first = plan_world(&w.triples, w.now);
        let mut after = w.triples.clone();
        if let Err(refused) = carry_out_plan(&mut after, &first, w.now) {
            prop_assert!(false, "the plan asked AWS for what it refuses: {}", refused);
        }
        let second = plan_world(&after, w.now);
        for (r1, r2) in first.resources.iter().zip(&second.resources) {
            prop_assert_eq!(&r1.address, &r2.address);
            if r1.outcome == Outcome::Change {
                prop_assert!(
                    matches!(r2.outcome, Outcome::Noop | Outcome::Blocked),
                    "{} plans {:?} again after its change was applied: {:?}", r2.address, r2.outcome, r2.actions
                );
            } else {
                prop_assert_eq!(r1.outcome, r2.outcome, "{} changed though nothing was applied", &r1.address);
            }
        }
        let when = w.now + mins(later);
        let_time_pass(&mut after, when);
        let third = plan_world(&after, when);
        for r in first.resources.iter().filter(|r| r.outcome == Outcome::Change) {
            let again = ready_actions(&third, &r.address);
            prop_assert!(again.is_empty() || again != ready_actions(&first, &r.address),
                "{} plans the same change again {} minutes later: {:?}", r.address, later, again);
        }
    }

    /// The digest is a function of the decision: the same inputs give the same digest, the same
    /// policy written differently gives the same digest, and planning at another time gives the
    /// same digest exactly when it decides the same.
    #[test]
    fn the_digest_covers_the_decision_and_not_the_clock(w in world(), later in 0i64..=24 * 60) {
        let plan1 = plan_world(&w.triples, w.now);
        prop_assert_eq!(&plan1.digest, &plan_world(&w.triples, w.now).digest);
        prop_assert_eq!(&plan1.digest, &digest::sha256(digest::canonical_json(&plan1.digest_input()).as_bytes()));

        // The same policy, read by the real loader from two files written differently: the
        // digest of a plan of either is the digest of the other.
        let (compact, reformatted) = loaded_policies();
        let with_policy = |loaded: &Policy| -> Vec<Triple> {
            w.triples.iter().cloned().map(|t| match t {
                Triple::Glacier(mut d, mut l, r) => {
                    let swap = |p: &mut Policy| if *p == policy(0) { *p = loaded.clone() };
                    swap(&mut d.policy);
                    if let GlacierLive::InProgress { policy, .. } | GlacierLive::Locked { policy, .. } = &mut l {
                        swap(policy);
                    }
                    Triple::Glacier(d, l, r)
                }
                other => other,
            }).collect()
        };
        let from_compact = plan_world(&with_policy(compact), w.now);
        prop_assert_eq!(&plan1.digest, &from_compact.digest);
        prop_assert_eq!(&from_compact.digest, &plan_world(&with_policy(reformatted), w.now).digest);

        let plan2 = plan_world(&w.triples, w.now + mins(later));
        if decision(&plan1) == decision(&plan2) {
            prop_assert_eq!(&plan1.digest, &plan2.digest, "same decision, different digest");
        } else {
            prop_assert_ne!(&plan1.digest, &plan2.digest, "different decision, same digest");
        }
    }

    /// A plan for the same resources in another account, region or endpoint never has the
    /// digest of the plan that was reviewed.
    #[test]
    fn the_digest_covers_every_resource_target(w in world(), which in any::<proptest::sample::Index>(), field in 0u8..3) {
        let plan1 = plan_world(&w.triples, w.now);
        let i = which.index(w.triples.len());
        let mut snapshot = live(&w.triples);
        let address = address(i, &w.triples[i]);
        let target = &mut snapshot.resources.get_mut(&address).unwrap().target;
        match field {
            0 => target.account = "210987654321".into(),
            1 => target.region = "eu-west-1".into(),
            _ => target.endpoint = Some("http://127.0.0.1:4566".into()),
        }
        let moved = plan(&config(&w.triples), &snapshot, recorded(&state(&w.triples)), w.now);
        prop_assert_ne!(&plan1.digest, &moved.digest, "{} in another target (field {}), same digest", address, field);
    }

    /// An earlier attempt of an irreversible action whose effect is unknown is part of what a
    /// plan was decided from: a plan that knows of it never has the digest of one that knows
    /// only of an attempt proved to have done nothing.
    #[test]
    fn the_digest_covers_the_recorded_history_of_irreversible_actions(w in world(), which in any::<proptest::sample::Index>()) {
        let i = which.index(w.triples.len());
        let address = address(i, &w.triples[i]);
        let action = match &w.triples[i] {
            Triple::Glacier(..) => ActionKind::COMPLETE_LOCK,
            Triple::Snowball(..) => ActionKind::RETRIEVE_UNLOCK_CODE,
            // A compliance put is irreversible with a grace period.
            Triple::Backup(..) => ActionKind::PUT_VAULT_LOCK,
            Triple::S3(..) => ActionKind::ENABLE_OBJECT_LOCK,
            Triple::Ebs(..) => ActionKind::LOCK_SNAPSHOT,
            // A Recycle Bin rule has no irreversible action.
            Triple::Rbin(..) => return Ok(()),
        };
        let history_with = |effect: Effect| History {
            attempts: BTreeMap::from([(address.clone(), vec![Attempt {
                action,
                reversibility: Reversibility::Irreversible,
                effect,
                plan_digest: Some(digest::sha256(b"the plan that was approved")),
                at: base() - mins(30),
                target: Some(test_target()),
                detail: serde_json::Map::new(),
            }])]),
            ..History::default()
        };
        let state = state(&w.triples);
        let plan_with = |history: &History| plan(
            &config(&w.triples),
            &live(&w.triples),
            Recorded { state: &state, history },
            w.now,
        );
        let none = plan_with(&history_with(Effect::None));
        let unknown = plan_with(&history_with(Effect::Unknown));
        prop_assert_ne!(&none.digest, &unknown.digest, "{}: an attempt of {} with unknown effect does not change the digest", address, action.as_str());
    }
}

/// The generators reach the cases the properties are about; without this a generator bug could
/// make every property hold vacuously.
#[test]
fn generators_reach_every_outcome_and_irreversible_action() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = world();
    let mut outcomes = std::collections::BTreeSet::new();
    let mut actions = std::collections::BTreeSet::new();
    let mut cells: BTreeMap<DangerousCell, usize> = BTreeMap::new();
    for _ in 0..2_000 {
        let w = strategy.new_tree(&mut runner).unwrap().current();
        for cell in w.triples.iter().filter_map(DangerousCell::of) {
            *cells.entry(cell).or_default() += 1;
        }
        let plan = plan_world(&w.triples, w.now);
        for r in &plan.resources {
            outcomes.insert((r.kind, r.outcome));
            for a in &r.actions {
                actions.insert((a.action.as_str(), a.status == ActionStatus::Ready));
            }
        }
    }
    // Each property runs 512 worlds: every dangerous cell must come up in every run, many times.
    // Per 2,000 worlds (about 1,700 Glacier triples) each cell is expected about 170 times.
    for cell in DangerousCell::ALL {
        let n = cells.get(&cell).copied().unwrap_or(0);
        assert!(
            n >= 100,
            "generated {cell:?} only {n} times in 2,000 worlds"
        );
    }
    for kind in Kind::ALL {
        for outcome in [
            Outcome::Noop,
            Outcome::Change,
            Outcome::Blocked,
            Outcome::Conflict,
        ] {
            // A Recycle Bin rule never waits on anything lockward plans.
            if matches!(
                kind,
                Kind::RbinRuleLock
                    | Kind::BackupVaultLock
                    | Kind::S3ObjectLock
                    | Kind::EbsSnapshotLock
            ) && outcome == Outcome::Blocked
            {
                continue;
            }
            assert!(
                outcomes.contains(&(kind, outcome)),
                "never generated {kind} {outcome:?}"
            );
        }
    }
    for action in [
        "initiate_lock",
        "complete_lock",
        "abort_lock",
        "lock_rule",
        "unlock_rule",
        "retrieve_unlock_code",
        "put_vault_lock",
        "delete_vault_lock",
        "enable_versioning",
        "enable_object_lock",
        "put_default_retention",
        "remove_default_retention",
        "lock_snapshot",
        "unlock_snapshot",
    ] {
        assert!(
            actions.contains(&(action, true)),
            "never generated a ready {action}"
        );
    }
    assert!(
        actions.contains(&("complete_lock", false)),
        "never generated a deferred complete_lock"
    );
    assert!(
        actions.contains(&("retrieve_unlock_code", false)),
        "never generated a deferred retrieve_unlock_code"
    );
}

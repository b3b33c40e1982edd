//! The planner as a whole: ordering, summary, conflicts, narrowing and the digest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};

use crate::support::{recorded, test_target};
use lockward::config::{Config, Desired, Policy, Provider, Resource};
use lockward::kinds::glacier::GlacierRecord;
use lockward::kinds::glacier::{GlacierDesired, VaultLockState};
use lockward::kinds::glacier::{GlacierLive, IN_PROGRESS_LIFETIME};
use lockward::kinds::rbin::{RbinDesired, RbinLock, RuleLockState};
use lockward::kinds::rbin::{RbinLive, RbinRule, RuleLock};
use lockward::kinds::snowball::SnowballDesired;
use lockward::kinds::snowball::{DeliveryTarget, SnowballJob, SnowballLive};
use lockward::plan::planner::{plan, Live, LiveSnapshot, Observed};
use lockward::plan::{ActionKind, ActionStatus, Outcome, Plan, Summary};
use lockward::state::{Record, StateFile};
use lockward::vocabulary::{Address, Kind};

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}"#;

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

/// When the InProgress locks in these tests were initiated.
fn created() -> Timestamp {
    ts("2026-11-20T10:00:00Z")
}

fn addr(text: &str) -> Address {
    text.parse().unwrap()
}

fn glacier(state: VaultLockState) -> Desired {
    Desired::GlacierVaultLock(GlacierDesired {
        vault: "audit-logs".into(),
        account_id: "-".into(),
        policy: Policy::parse(POLICY).unwrap(),
        state,
        min_test_period: None,
    })
}

fn glacier_tested(period: SignedDuration) -> Desired {
    match glacier(VaultLockState::Locked) {
        Desired::GlacierVaultLock(mut d) => {
            d.min_test_period = Some(period);
            Desired::GlacierVaultLock(d)
        }
        _ => unreachable!(),
    }
}

fn rbin(state: RuleLockState) -> Desired {
    Desired::RbinRuleLock(RbinDesired {
        rule_id: "a1B2c3D4e5F".into(),
        lock: match state {
            RuleLockState::Locked => RbinLock::Locked {
                unlock_delay_days: 7,
            },
            RuleLockState::Unlocked => RbinLock::Unlocked {
                unlock_delay_days: None,
            },
        },
    })
}

fn snowball() -> Desired {
    Desired::SnowballUnlockCode(SnowballDesired {
        job_id: "JID123e4567-e89b-12d3-a456-426655440000".into(),
        deliver_to: PathBuf::from("/srv/lockward/secrets/site-a.code"),
        manifest_path: None,
        base: PathBuf::from("/srv/lockward"),
    })
}

/// The same desired state, naming a physical resource of its own for `address` (two
/// addresses naming one resource are a conflict).
fn distinct(address: &str, desired: Desired) -> Desired {
    let name = address.split_once('.').map_or(address, |(_, n)| n);
    match desired {
        Desired::GlacierVaultLock(mut d) => {
            d.vault = format!("{}-{}", d.vault, name.replace('_', "-"));
            Desired::GlacierVaultLock(d)
        }
        Desired::RbinRuleLock(mut d) => {
            let suffix: String = name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(5)
                .collect();
            d.rule_id = format!("{}{suffix}", &d.rule_id[..11 - suffix.len()]);
            Desired::RbinRuleLock(d)
        }
        Desired::SnowballUnlockCode(mut d) => {
            d.job_id = format!("{}-{name}", d.job_id);
            Desired::SnowballUnlockCode(d)
        }
        Desired::S3ObjectLock(mut d) => {
            d.bucket = format!("{}-{}", d.bucket, name.replace('_', "-"));
            Desired::S3ObjectLock(d)
        }
        Desired::BackupVaultLock(mut d) => {
            d.vault = format!("{}-{}", d.vault, name.replace('_', "-"));
            Desired::BackupVaultLock(d)
        }
        Desired::EbsSnapshotLock(mut d) => {
            let hex: String = name.bytes().map(|b| format!("{:x}", b % 16)).collect();
            d.snapshot_id = Some(format!("snap-{:0>17}", &hex[..hex.len().min(17)]));
            Desired::EbsSnapshotLock(d)
        }
    }
}

fn config(resources: &[(&str, Desired)]) -> Config {
    let provider = Provider {
        name: "default".into(),
        region: "us-east-1".into(),
        profile: None,
        endpoint_url: None,
        assume_role: None,
        instance_of: None,
    };
    let mut resources: Vec<Resource> = resources
        .iter()
        .map(|(a, desired)| Resource {
            address: addr(a),
            provider: "default".into(),
            desired: distinct(a, desired.clone()),
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

fn snapshot(resources: Vec<(&str, Live)>) -> LiveSnapshot {
    LiveSnapshot {
        resources: resources
            .into_iter()
            .map(|(a, live)| {
                (
                    addr(a),
                    Observed {
                        target: test_target(),
                        live,
                    },
                )
            })
            .collect(),
        ..LiveSnapshot::default()
    }
}

fn vault(live: GlacierLive) -> Live {
    Live::GlacierVaultLock(live)
}

fn in_progress() -> Live {
    vault(GlacierLive::InProgress {
        policy: Policy::parse(POLICY).unwrap(),
        created: created(),
        expires: created() + IN_PROGRESS_LIFETIME,
    })
}

fn locked() -> Live {
    vault(GlacierLive::Locked {
        policy: Policy::parse(POLICY).unwrap(),
        created: created(),
    })
}

fn rule(lock_state: Option<RuleLock>) -> Live {
    Live::RbinRuleLock(RbinLive::Present(RbinRule {
        resource_type: "EBS_SNAPSHOT".into(),
        lock_state,
        unlock_delay_days: lock_state.map(|_| 7),
        lock_end_time: (lock_state == Some(RuleLock::PendingUnlock)).then(|| created() + hours(20)),
        resource_tags: 0,
        exclude_resource_tags: 0,
    }))
}

fn job(state: &str) -> Live {
    Live::SnowballUnlockCode(SnowballLive::Present(SnowballJob {
        kept: Vec::new(),
        job_state: state.into(),
        created: created() - SignedDuration::from_hours(24 * 30),
        delivery: DeliveryTarget::Absent { creates_dir: false },
    }))
}

/// A state file that knows the InProgress lock of `address` (see [`in_progress`]).
fn knowing(address: &str) -> StateFile {
    let mut state = StateFile::empty();
    state.lineage = "4f1c2a4e-0000-4000-8000-000000000000".into();
    state.serial = 3;
    state.set(
        &addr(address),
        Record::GlacierVaultLock(GlacierRecord {
            target: None,
            physical_key: None,
            vault: "audit-logs".into(),
            lock_id: "AE863rKkWZU53SLW5be4DUcW".into(),
            initiated_at: Some(created()),
            policy_digest: Policy::parse(POLICY).unwrap().digest(),
            completed_at: None,
        }),
    );
    state
}

fn addresses(plan: &Plan) -> Vec<String> {
    plan.resources
        .iter()
        .map(|r| r.address.to_string())
        .collect()
}

fn outcome_of(plan: &Plan, address: &str) -> Outcome {
    plan.resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap()
        .outcome
}

fn actions_of(plan: &Plan, address: &str) -> Vec<ActionKind> {
    let r = plan
        .resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap();
    r.actions.iter().map(|a| a.action).collect()
}

/// Seven resources, one or more of every outcome and reversibility.
fn mixed() -> (Config, LiveSnapshot) {
    let config = config(&[
        ("snowball_unlock_code.site_b", snowball()),
        (
            "glacier_vault_lock.new_vault",
            glacier(VaultLockState::Locked),
        ),
        ("rbin_rule_lock.snapshots", rbin(RuleLockState::Locked)),
        ("glacier_vault_lock.audit", glacier(VaultLockState::Locked)),
        ("snowball_unlock_code.site_a", snowball()),
        ("rbin_rule_lock.amis", rbin(RuleLockState::Unlocked)),
        ("glacier_vault_lock.gone", glacier(VaultLockState::Locked)),
    ]);
    let live = snapshot(vec![
        ("snowball_unlock_code.site_b", job("InTransitToCustomer")),
        ("glacier_vault_lock.new_vault", vault(GlacierLive::NoLock)),
        ("rbin_rule_lock.snapshots", rule(None)),
        ("glacier_vault_lock.audit", locked()),
        ("snowball_unlock_code.site_a", job("WithCustomer")),
        ("rbin_rule_lock.amis", rule(None)),
        ("glacier_vault_lock.gone", vault(GlacierLive::VaultMissing)),
    ]);
    (config, live)
}

#[test]
fn resources_are_sorted_by_address() {
    let (config, live) = mixed();
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    assert_eq!(
        addresses(&plan),
        [
            "glacier_vault_lock.audit",
            "glacier_vault_lock.gone",
            "glacier_vault_lock.new_vault",
            "rbin_rule_lock.amis",
            "rbin_rule_lock.snapshots",
            "snowball_unlock_code.site_a",
            "snowball_unlock_code.site_b",
        ]
    );
    assert!(plan.resources.iter().all(|r| r.kind == r.address.kind));
}

#[test]
fn summary_counts_outcomes_and_reversibility() {
    let (config, live) = mixed();
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    assert_eq!(outcome_of(&plan, "glacier_vault_lock.audit"), Outcome::Noop);
    assert_eq!(
        outcome_of(&plan, "glacier_vault_lock.gone"),
        Outcome::Conflict
    );
    assert_eq!(
        outcome_of(&plan, "glacier_vault_lock.new_vault"),
        Outcome::Change
    );
    assert_eq!(outcome_of(&plan, "rbin_rule_lock.amis"), Outcome::Noop);
    assert_eq!(
        outcome_of(&plan, "rbin_rule_lock.snapshots"),
        Outcome::Change
    );
    assert_eq!(
        outcome_of(&plan, "snowball_unlock_code.site_a"),
        Outcome::Change
    );
    assert_eq!(
        outcome_of(&plan, "snowball_unlock_code.site_b"),
        Outcome::Blocked
    );
    assert_eq!(
        plan.summary,
        Summary {
            change: 3,
            noop: 2,
            blocked: 1,
            conflict: 1,
            unknown: 0,
            // complete_lock and the ready retrieve_unlock_code; the deferred retrieve of the
            // blocked job is not counted until it is ready.
            irreversible: 2,
            delayed: 1,
            lowers_protection: 0,
        }
    );
    assert!(plan.has_conflict());
    assert!(plan.has_changes());
    assert_eq!(plan.format_version, "3");
}

#[test]
fn conflicts_carry_no_actions() {
    let (config, live) = mixed();
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    let conflicts: Vec<_> = plan
        .resources
        .iter()
        .filter(|r| r.outcome == Outcome::Conflict)
        .collect();
    assert!(!conflicts.is_empty());
    for r in conflicts {
        assert!(r.actions.is_empty(), "{}", r.address);
        assert!(!r.messages.is_empty(), "{}: a conflict says why", r.address);
    }
    assert!(plan
        .ready_actions()
        .all(|(r, _)| r.outcome != Outcome::Conflict));
}

#[test]
fn live_of_the_wrong_kind_is_a_conflict_that_says_it_is_a_bug() {
    let config = config(&[("glacier_vault_lock.audit", glacier(VaultLockState::Locked))]);
    let live = snapshot(vec![("glacier_vault_lock.audit", job("WithCustomer"))]);
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    let r = &plan.resources[0];
    assert_eq!(r.outcome, Outcome::Conflict);
    assert!(r.actions.is_empty());
    assert!(
        r.messages.iter().any(|m| m.contains("bug")),
        "{:?}",
        r.messages
    );
}

#[test]
fn only_resources_in_the_live_snapshot_are_planned() {
    // `--target glacier_vault_lock.audit`: refresh read only that resource.
    let (config, _) = mixed();
    let live = snapshot(vec![("glacier_vault_lock.audit", locked())]);
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    assert_eq!(addresses(&plan), ["glacier_vault_lock.audit"]);
    assert_eq!(
        plan.summary,
        Summary {
            noop: 1,
            ..Summary::default()
        }
    );
    // The config digest is still that of the whole configuration.
    assert_eq!(plan.config_digest, config.digest());
}

#[test]
fn live_resources_not_declared_in_the_config_are_not_planned() {
    let config = config(&[("glacier_vault_lock.audit", glacier(VaultLockState::Locked))]);
    let live = snapshot(vec![
        ("glacier_vault_lock.audit", locked()),
        ("glacier_vault_lock.other", locked()),
    ]);
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    assert_eq!(addresses(&plan), ["glacier_vault_lock.audit"]);
}

#[test]
fn the_record_of_the_resources_own_address_is_used() {
    let config = config(&[("glacier_vault_lock.audit", glacier(VaultLockState::Locked))]);
    let live = snapshot(vec![("glacier_vault_lock.audit", in_progress())]);
    let now = created() + hours(1);
    let known = plan(
        &config,
        &live,
        recorded(&knowing("glacier_vault_lock.audit")),
        now,
    );
    assert_eq!(
        actions_of(&known, "glacier_vault_lock.audit"),
        [ActionKind::COMPLETE_LOCK]
    );
    let elsewhere = plan(
        &config,
        &live,
        recorded(&knowing("glacier_vault_lock.other")),
        now,
    );
    assert_eq!(
        actions_of(&elsewhere, "glacier_vault_lock.audit"),
        [
            ActionKind::ABORT_LOCK,
            ActionKind::INITIATE_LOCK,
            ActionKind::COMPLETE_LOCK
        ]
    );
}

#[test]
fn state_reference_names_the_lineage_once_there_is_one() {
    let config = config(&[("glacier_vault_lock.audit", glacier(VaultLockState::Locked))]);
    let live = snapshot(vec![("glacier_vault_lock.audit", locked())]);
    let fresh = plan(&config, &live, recorded(&StateFile::empty()), created());
    assert_eq!(fresh.state.lineage, None);
    assert_eq!(fresh.state.serial, 0);
    let later = plan(
        &config,
        &live,
        recorded(&knowing("glacier_vault_lock.audit")),
        created(),
    );
    assert_eq!(
        later.state.lineage.as_deref(),
        Some("4f1c2a4e-0000-4000-8000-000000000000")
    );
    assert_eq!(later.state.serial, 3);
}

#[test]
fn digest_is_stable_across_runs() {
    let (config, live) = mixed();
    let a = plan(&config, &live, recorded(&StateFile::empty()), created());
    let b = plan(&config, &live, recorded(&StateFile::empty()), created());
    assert_eq!(a.digest, b.digest);
    let hex = a.digest.strip_prefix("sha256:").expect("sha256: prefix");
    assert_eq!(hex.len(), 64);
    assert!(hex
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(a.short_digest(), &hex[..12]);
}

/// An InProgress lock that is kept as it is, and a rule whose unlock is pending: decisions that
/// do not change with time, with messages that do.
fn unchanging() -> (Config, LiveSnapshot, StateFile) {
    let config = config(&[
        (
            "glacier_vault_lock.audit",
            glacier(VaultLockState::InProgress),
        ),
        ("rbin_rule_lock.snapshots", rbin(RuleLockState::Unlocked)),
    ]);
    let live = snapshot(vec![
        ("glacier_vault_lock.audit", in_progress()),
        (
            "rbin_rule_lock.snapshots",
            rule(Some(RuleLock::PendingUnlock)),
        ),
    ]);
    (config, live, knowing("glacier_vault_lock.audit"))
}

#[test]
fn digest_does_not_change_with_the_mere_passage_of_time() {
    let (config, live, state) = unchanging();
    // 6 h before expiry, then 5 h: the second plan warns, the first does not.
    let morning = plan(&config, &live, recorded(&state), created() + hours(18));
    let later = plan(&config, &live, recorded(&state), created() + hours(19));
    assert_ne!(
        morning.resources[0].messages, later.resources[0].messages,
        "the expiry warning appears"
    );
    assert_eq!(morning.summary, later.summary);
    assert_eq!(morning.digest, later.digest);
    // And once the rule's unlock delay is over, the message changes; the decision does not.
    let after_delay = plan(&config, &live, recorded(&state), created() + hours(21));
    assert_ne!(
        morning.resources[1].messages,
        after_delay.resources[1].messages
    );
    assert_eq!(morning.digest, after_delay.digest);
}

#[test]
fn digest_ignores_the_state_serial() {
    let (config, live, state) = unchanging();
    let mut bumped = state.clone();
    bumped.serial += 1;
    let now = created() + hours(1);
    assert_eq!(
        plan(&config, &live, recorded(&state), now).digest,
        plan(&config, &live, recorded(&bumped), now).digest
    );
}

#[test]
fn digest_changes_when_a_decision_changes_with_time() {
    // min_test_period ends at created + 2h: blocked before, change after.
    let config = config(&[("glacier_vault_lock.audit", glacier_tested(hours(2)))]);
    let live = snapshot(vec![("glacier_vault_lock.audit", in_progress())]);
    let state = knowing("glacier_vault_lock.audit");
    let before = plan(&config, &live, recorded(&state), created() + hours(1));
    let after = plan(&config, &live, recorded(&state), created() + hours(3));
    assert_eq!(before.resources[0].outcome, Outcome::Blocked);
    assert_eq!(
        before.resources[0].actions[0].status,
        ActionStatus::Deferred
    );
    assert_eq!(
        before.resources[0].actions[0].not_before,
        Some(created() + hours(2))
    );
    assert_eq!(after.resources[0].outcome, Outcome::Change);
    assert_ne!(before.digest, after.digest);
}

#[test]
fn digest_changes_when_the_record_changes_the_decision() {
    let config = config(&[("glacier_vault_lock.audit", glacier(VaultLockState::Locked))]);
    let live = snapshot(vec![("glacier_vault_lock.audit", in_progress())]);
    let now = created() + hours(1);
    let known = plan(
        &config,
        &live,
        recorded(&knowing("glacier_vault_lock.audit")),
        now,
    );
    let unknown = plan(&config, &live, recorded(&StateFile::empty()), now);
    assert_ne!(known.digest, unknown.digest);
}

#[test]
fn digest_changes_when_intent_or_live_state_changes() {
    let (config, live, state) = unchanging();
    let now = created() + hours(1);
    let base = plan(&config, &live, recorded(&state), now).digest;

    let mut other_intent = config.clone();
    other_intent.resources[0].desired = glacier(VaultLockState::Unlocked);
    assert_ne!(
        plan(&other_intent, &live, recorded(&state), now).digest,
        base
    );

    let mut other_live = live.clone();
    other_live.resources.insert(
        addr("rbin_rule_lock.snapshots"),
        Observed {
            target: test_target(),
            live: rule(Some(RuleLock::Unlocked)),
        },
    );
    let changed = plan(&config, &other_live, recorded(&state), now);
    assert_eq!(
        changed.resources[1].outcome,
        Outcome::Noop,
        "the decision is still noop"
    );
    assert_ne!(
        changed.digest, base,
        "but it was decided from another live value"
    );
}

#[test]
fn plan_records_the_desired_and_live_values_it_decided_from() {
    let config = config(&[("rbin_rule_lock.snapshots", rbin(RuleLockState::Locked))]);
    let live = snapshot(vec![("rbin_rule_lock.snapshots", rule(None))]);
    let plan = plan(&config, &live, recorded(&StateFile::empty()), created());
    let r = &plan.resources[0];
    assert_eq!(r.kind, Kind::RbinRuleLock);
    assert_eq!(r.desired["rule_id"], "a1B2c3snaps");
    assert_eq!(r.desired["unlock_delay_days"], 7);
    assert_eq!(r.live["state"], "present");
    assert_eq!(r.live["lock_state"], serde_json::Value::Null);
}

/// Regression: the plan showed `deliver_to` resolved against the config's directory, so a plan
/// approved in a pull request's checkout had another digest in the apply job's checkout. The
/// same config loaded in two places plans one digest, and keeps the path as written.
#[test]
fn regression_the_digest_does_not_depend_on_where_the_project_is_checked_out() {
    let yaml =
        "version: 1\nproviders:\n  default: { region: us-east-1 }\nsnowball_unlock_code:\n  \
                site_a:\n    job_id: JID123e4567-e89b-12d3-a456-426655440000\n    \
                deliver_to: secrets/site-a.code\n    manifest_path: ./manifests/a.bin\n";
    let at = |_: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkout/repo/lockward.yaml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, yaml).unwrap();
        let config = lockward::config::load(&path).unwrap();
        (dir, config)
    };
    let (_a, here_config) = at("pr");
    let (_b, there_config) = at("apply");
    assert_ne!(here_config.dir, there_config.dir);
    let live = snapshot(vec![("snowball_unlock_code.site_a", job("WithCustomer"))]);
    let here = plan(
        &here_config,
        &live,
        recorded(&StateFile::empty()),
        created(),
    );
    let there = plan(
        &there_config,
        &live,
        recorded(&StateFile::empty()),
        created(),
    );
    assert_eq!(here.digest, there.digest);
    assert_eq!(here.config_digest, there.config_digest);
    assert_eq!(
        here.resources[0].desired["deliver_to"],
        "secrets/site-a.code"
    );
    assert_eq!(
        here.resources[0].desired["manifest_path"],
        "manifests/a.bin"
    );
}

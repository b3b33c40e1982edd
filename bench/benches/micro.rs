//! Micro-benchmarks of the pure parts: loading a 10,000-resource config, and planning it.
//! Run: `cargo bench -p lockward-bench --bench micro`.

use criterion::{criterion_group, criterion_main, Criterion};
use jiff::Timestamp;
use lockward::config;
use lockward::kinds::glacier::GlacierLive;
use lockward::kinds::glacier::GlacierRecord;
use lockward::kinds::rbin::{RbinLive, RbinRule};
use lockward::kinds::snowball::{DeliveryTarget, SnowballJob, SnowballLive};
use lockward::plan::{self, Live, LiveSnapshot};
use lockward::state::{Record, StateFile, StateStore};
use lockward_bench::{config_text, project, Mix, POLICY};

const N: usize = 10_000;

fn fixture() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.json"), POLICY).expect("policy");
    let (body, _) = project(N, Mix::AllKinds);
    (dir, config_text(&body, "http://127.0.0.1:4566"))
}

fn load(c: &mut Criterion) {
    let (dir, text) = fixture();
    let path = dir.path().join("lockward.yaml");
    c.bench_function("config::load_str, 10,000 resources", |b| {
        b.iter(|| config::load_str(&text, &path).expect("valid config"))
    });
}

fn planner(c: &mut Criterion) {
    let (dir, text) = fixture();
    let config = config::load_str(&text, &dir.path().join("lockward.yaml")).expect("valid config");
    let now: Timestamp = "2026-11-23T12:00:00Z".parse().expect("time");
    let live = live_for(&config, now);
    let state = StateFile::empty();
    let history = plan::History::default();
    let recorded = plan::Recorded {
        state: &state,
        history: &history,
    };
    c.bench_function("plan::plan, 10,000 resources", |b| {
        b.iter(|| plan::plan(&config, &live, recorded, now))
    });
}

/// A live snapshot in which every vault has no lock, every rule was never locked, every job is
/// with the customer, every bucket is unversioned: every resource plans a change.
fn live_for(config: &config::Config, now: Timestamp) -> LiveSnapshot {
    let mut snapshot = LiveSnapshot::default();
    for r in &config.resources {
        let live = match &r.desired {
            config::Desired::GlacierVaultLock(_) => Live::GlacierVaultLock(GlacierLive::NoLock),
            config::Desired::RbinRuleLock(_) => Live::RbinRuleLock(RbinLive::Present(RbinRule {
                resource_type: "EBS_SNAPSHOT".into(),
                lock_state: None,
                unlock_delay_days: None,
                lock_end_time: None,
                resource_tags: 0,
                exclude_resource_tags: 0,
            })),
            config::Desired::SnowballUnlockCode(_) => {
                Live::SnowballUnlockCode(SnowballLive::Present(SnowballJob {
                    kept: Vec::new(),
                    job_state: "WithCustomer".into(),
                    created: now,
                    delivery: DeliveryTarget::Absent { creates_dir: false },
                }))
            }
            config::Desired::BackupVaultLock(_) => {
                Live::BackupVaultLock(lockward::kinds::backup::BackupLive::None {
                    vault_type: "BACKUP_VAULT".into(),
                })
            }
            config::Desired::S3ObjectLock(_) => {
                Live::S3ObjectLock(lockward::kinds::s3::S3Live::Unversioned)
            }
            config::Desired::EbsSnapshotLock(_) => {
                Live::EbsSnapshotLock(lockward::kinds::ebs::EbsLive::None { expired: None })
            }
        };
        let target = plan::Target {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            endpoint: None,
            identity_endpoint: None,
        };
        snapshot
            .resources
            .insert(r.address.clone(), plan::Observed { target, live });
    }
    snapshot
}

/// One state save (temp file, fsync, backup, rename, directory fsync) of a state holding 1,000
/// records: what apply pays per durable write, which group commit shares among concurrent steps.
fn state_save(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::new(dir.path().join("lockward.state.json"));
    let mut state = StateFile::empty();
    for i in 0..1000 {
        let address = format!("glacier_vault_lock.v{i}").parse().expect("address");
        state.set(
            &address,
            Record::GlacierVaultLock(GlacierRecord {
                vault: format!("vault-{i}"),
                lock_id: "AE863rKkWZU53SLW5be4DUcWAE863rKkWZU53SLW5be4DUcW".into(),
                initiated_at: Some("2026-11-23T12:00:00Z".parse().expect("time")),
                policy_digest: format!("sha256:{:064x}", i),
                completed_at: None,
                target: None,
                physical_key: None,
            }),
        );
    }
    c.bench_function("StateStore::save, 1,000 records", |b| {
        b.iter(|| store.save(&mut state).expect("save"))
    });
}

criterion_group!(benches, load, planner, state_save);
criterion_main!(benches);

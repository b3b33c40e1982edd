//! The executor (`apply::executor`) driven through real kinds' steps (Glacier's and Snowball's,
//! which is why these tests live beside the kinds, not in the engine), over the in-memory fake
//! AWS and a local state in a temp dir: the plan comes
//! from the real planner, and each test reads what a crash would leave behind — the journal
//! file's records, the state file, and the calls the fake received — never the executor's own
//! bookkeeping. The run's clock is fixed; nothing waits on the wall clock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use serde_json::Value;

use crate::apply::executor::{ActionOutcome, ApplyReport, Executor, FatalError, LOCK_LOST};
use crate::apply::interrupt::Interrupt;
use crate::aws::fake::FakeAws;
use crate::aws::{AwsError, ErrorClass};
use crate::config::Config;
use crate::kinds::glacier::fake::{FakeLock, FakeVault};
use crate::kinds::glacier::{GlacierApi, VaultLock};
use crate::kinds::snowball::JobInfo;
use crate::plan::{ActionKind, Plan, Recorded};
use crate::refresh::{self, Clients};
use crate::state::{StateBackend, StateFile, StateStore};

const NOW: &str = "2026-11-23T12:00:00Z";
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}"#;
const JOB: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const CODE: &str = "7f3c2a1b-unlock-code";
const STATE: &str = "lockward.state.json";
const JOURNAL: &str = "lockward.state.json.journal.jsonl";
/// Where a test keeps the last good state while the state file cannot be written.
const ASIDE: &str = "last-good.state.json";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn glacier(name: &str) -> String {
    format!("glacier_vault_lock.{name}")
}

fn snowball(name: &str) -> String {
    format!("snowball_unlock_code.{name}")
}

/// A project in a temp dir: a config, its state and journal beside it, and the fake AWS its
/// one provider reaches.
struct Project {
    dir: tempfile::TempDir,
    config: Config,
    aws: FakeAws,
}

impl Project {
    /// Glacier vaults `vault-<name>` (no lock yet) to be locked, and Snowball jobs
    /// (WithCustomer) whose code goes to `<name>.code`.
    fn new(vaults: &[&str], jobs: &[&str]) -> Project {
        Project::with_vault_state(vaults, "locked", jobs)
    }

    /// [`Project::new`], with the vaults' desired `state`.
    fn with_vault_state(vaults: &[&str], state: &str, jobs: &[&str]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = String::from("version: 1\nproviders:\n  default: { region: us-east-1 }\n");
        if !vaults.is_empty() {
            yaml.push_str("glacier_vault_lock:\n");
            for name in vaults {
                yaml.push_str(&format!(
                    "  {name}:\n    vault: vault-{name}\n    policy: '{POLICY}'\n    state: {state}\n"
                ));
            }
        }
        if !jobs.is_empty() {
            yaml.push_str("snowball_unlock_code:\n");
            for (i, name) in jobs.iter().enumerate() {
                yaml.push_str(&format!(
                    "  {name}:\n    job_id: {}\n    deliver_to: {name}.code\n",
                    job_id(i)
                ));
            }
        }
        let path = dir.path().join("lockward.yaml");
        std::fs::write(&path, &yaml).unwrap();
        let config = crate::config::load(&path).unwrap();
        let aws = FakeAws::new(now());
        {
            let mut s = aws.state();
            for name in vaults {
                s.locks
                    .vaults
                    .insert(format!("vault-{name}"), FakeVault::default());
            }
            for i in 0..jobs.len() {
                let info = JobInfo {
                    state: "WithCustomer".into(),
                    created: now(),
                };
                s.locks
                    .jobs
                    .insert(job_id(i), (info, format!("{CODE}-{i}")));
            }
        }
        Project { dir, config, aws }
    }

    /// A project whose config is `version: 1`, one default provider and `resources` (YAML),
    /// over a fake AWS that holds nothing yet.
    fn from_yaml(resources: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), resources);
        Project {
            dir,
            config,
            aws: FakeAws::new(now()),
        }
    }

    /// The same project (its files and its fake AWS) with its config replaced by `resources`.
    fn configure(self, resources: &str) -> Project {
        let config = write_config(self.dir.path(), resources);
        Project { config, ..self }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Plans with the real planner from what the fake holds now and the state on disk; the
    /// fake's call log is cleared after, so it holds the apply's calls only.
    async fn plan(&self) -> Plan {
        let backend = StateBackend::Local(self.path(STATE));
        let state = backend.load().unwrap();
        let history = backend
            .read_journal()
            .unwrap()
            .history()
            .with_pending(&state);
        let clients = Clients::uniform(&self.config, self.aws.clients());
        let resources: Vec<_> = self.config.resources.iter().collect();
        let live = refresh::refresh(&self.config, &resources, &clients, 1, now()).await;
        assert!(live.not_read.is_empty(), "{live:?}");
        let plan = crate::plan::plan(
            &self.config,
            &live,
            Recorded {
                state: &state,
                history: &history,
            },
            now(),
        );
        assert!(!plan.has_conflict(), "{plan:#?}");
        self.aws.state().calls.clear();
        plan
    }

    /// Runs `plan` as `lockward apply` does, under the state lock, one resource at a time
    /// (so which step comes first is the plan's order), Glacier served through `glacier`.
    async fn run(
        &self,
        plan: &Plan,
        glacier: Option<Spy>,
    ) -> Result<(ApplyReport, StateFile), FatalError> {
        let mut clients = self.aws.clients();
        if let Some(spy) = glacier {
            clients.glacier = Arc::new(spy);
        }
        let clients = Clients::uniform(&self.config, clients);
        let backend = StateBackend::Local(self.path(STATE));
        let held = backend
            .lock("apply", Duration::from_secs(5), &|id| id.to_string())
            .unwrap();
        let writer = held.writer();
        let journal = held.journal();
        let mut state = backend.load().unwrap();
        if state.lineage.is_empty() {
            writer.create(&mut state).unwrap();
        }
        let clock = now;
        let executor = Executor {
            config: &self.config,
            clients: &clients,
            store: &writer,
            journal: &journal,
            parallelism: 1,
            identities: &BTreeMap::new(),
            clock: &clock,
            on_event: &|_| {},
            interrupt: &Interrupt::default(),
            approval: None,
            reason: None,
        };
        executor.run(plan, state).await
    }

    async fn apply(&self) -> Result<(ApplyReport, StateFile), FatalError> {
        let plan = self.plan().await;
        self.run(&plan, None).await
    }

    /// A spy in front of the fake's Glacier, looking at this project's files.
    fn spy(&self) -> Spy {
        Spy {
            aws: self.aws.clone(),
            dir: self.dir.path().to_path_buf(),
            seen: Arc::default(),
            after: None,
        }
    }

    fn journal(&self) -> Vec<Value> {
        journal_in(self.dir.path())
    }

    /// `(action, phase, effect)` of every journal record of `address`, in file order.
    fn phases(&self, address: &str) -> Vec<(String, String, Option<String>)> {
        phases(&self.journal(), address)
    }

    fn state(&self) -> StateFile {
        StateStore::new(self.path(STATE)).load().unwrap()
    }

    fn mutating_calls(&self) -> Vec<String> {
        self.aws.mutating_calls()
    }
}

fn job_id(i: usize) -> String {
    let mut id = JOB.to_string();
    id.pop();
    format!("{id}{i}")
}

fn journal_in(dir: &Path) -> Vec<Value> {
    match std::fs::read_to_string(dir.join(JOURNAL)) {
        Ok(text) => text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("{e}"),
    }
}

fn phases(records: &[Value], address: &str) -> Vec<(String, String, Option<String>)> {
    records
        .iter()
        .filter(|r| r["address"] == address)
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["phase"].as_str().unwrap().to_string(),
                r["effect"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn entry(action: &str, phase: &str, effect: Option<&str>) -> (String, String, Option<String>) {
    (
        action.to_string(),
        phase.to_string(),
        effect.map(str::to_string),
    )
}

fn outcomes(report: &ApplyReport) -> Vec<(String, ActionKind, ActionOutcome)> {
    report
        .results
        .iter()
        .map(|(a, k, o)| (a.to_string(), *k, o.clone()))
        .collect()
}

fn ambiguous() -> AwsError {
    AwsError {
        class: ErrorClass::Ambiguous,
        code: None,
        message: "503 Service Unavailable: the connection was closed before the answer".into(),
    }
}

fn throttled() -> AwsError {
    AwsError {
        class: ErrorClass::Rejected,
        code: Some("ThrottlingException".into()),
        message: "Rate exceeded".into(),
    }
}

/// What the spy found on disk when a mutating Glacier call reached it.
#[derive(Clone, Debug)]
struct Seen {
    operation: &'static str,
    journal: Vec<Value>,
    state: Value,
}

/// The fake's Glacier, with a look at the journal and the state file on disk at the moment
/// each mutating call arrives (before the fake acts), and optionally something broken right
/// after one operation returns.
#[derive(Clone)]
struct Spy {
    aws: FakeAws,
    dir: PathBuf,
    seen: Arc<Mutex<Vec<Seen>>>,
    after: Option<(&'static str, Mishap)>,
}

/// What goes wrong mid-run.
#[derive(Clone, Copy, Debug)]
enum Mishap {
    /// A directory where the state file was: every later save fails (a disk that fails). The
    /// last good state is kept aside, in `ASIDE`.
    StateUnwritable,
    /// Another file in the state lock's place (someone deleted the lock and another run took
    /// it): this run's lock is not its own any more.
    LockTakenOver,
}

impl Spy {
    fn arrive(&self, operation: &'static str) {
        // `null` once the state file is broken.
        let state = std::fs::read_to_string(self.dir.join(STATE))
            .map(|text| serde_json::from_str(&text).unwrap())
            .unwrap_or(Value::Null);
        self.seen.lock().unwrap().push(Seen {
            operation,
            journal: journal_in(&self.dir),
            state,
        });
    }

    fn leave(&self, operation: &'static str) {
        let state = self.dir.join(STATE);
        match self.after {
            Some((after, Mishap::StateUnwritable)) if after == operation && state.is_file() => {
                std::fs::rename(&state, self.dir.join(ASIDE)).unwrap();
                std::fs::create_dir(&state).unwrap();
            }
            Some((after, Mishap::LockTakenOver)) if after == operation => {
                // Renamed over the held one, which stays open: never the same inode.
                let lock = crate::state::lock::lock_path(&state);
                let other = self.dir.join("other.lock");
                std::fs::write(&other, "").unwrap();
                std::fs::rename(&other, &lock).unwrap();
            }
            _ => {}
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl GlacierApi for Spy {
    async fn list_vaults(&self, account_id: &str) -> Result<Vec<String>, AwsError> {
        self.aws.list_vaults(account_id).await
    }

    async fn get_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
    ) -> Result<Option<VaultLock>, AwsError> {
        self.aws.get_vault_lock(account_id, vault).await
    }

    async fn vault_exists(&self, account_id: &str, vault: &str) -> Result<bool, AwsError> {
        self.aws.vault_exists(account_id, vault).await
    }

    async fn initiate_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
        policy: &str,
    ) -> Result<String, AwsError> {
        self.arrive("InitiateVaultLock");
        let answer = self
            .aws
            .initiate_vault_lock(account_id, vault, policy)
            .await;
        self.leave("InitiateVaultLock");
        answer
    }

    async fn complete_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
        lock_id: &str,
    ) -> Result<(), AwsError> {
        self.arrive("CompleteVaultLock");
        let answer = self
            .aws
            .complete_vault_lock(account_id, vault, lock_id)
            .await;
        self.leave("CompleteVaultLock");
        answer
    }

    async fn abort_vault_lock(&self, account_id: &str, vault: &str) -> Result<(), AwsError> {
        self.arrive("AbortVaultLock");
        let answer = self.aws.abort_vault_lock(account_id, vault).await;
        self.leave("AbortVaultLock");
        answer
    }
}

/// The lock id the fake gave vault-`name`'s lock.
fn lock_id(aws: &FakeAws, name: &str) -> String {
    let s = aws.state();
    let lock = s.locks.vaults[&format!("vault-{name}")].lock.as_ref();
    lock.unwrap().lock_id.clone()
}

fn is_locked(aws: &FakeAws, name: &str) -> bool {
    let s = aws.state();
    let lock = s.locks.vaults[&format!("vault-{name}")].lock.as_ref();
    lock.is_some_and(|l| l.locked)
}

#[tokio::test]
async fn every_mutating_call_finds_its_intent_in_the_journal_file() {
    let p = Project::new(&["a"], &[]);
    let plan = p.plan().await;
    let spy = p.spy();
    let (report, _) = p.run(&plan, Some(spy.clone())).await.unwrap();
    assert!(!report.failed(), "{report:?}");
    let seen = spy.seen();
    let operations: Vec<_> = seen.iter().map(|s| s.operation).collect();
    assert_eq!(operations, ["InitiateVaultLock", "CompleteVaultLock"]);
    let address = glacier("a");
    for (seen, action) in seen.iter().zip(["initiate_lock", "complete_lock"]) {
        // The last record on disk when the call arrived is its intent.
        let last = phases(&seen.journal, &address).pop();
        assert_eq!(
            last,
            Some(entry(action, "intent", None)),
            "{}: {:#?}",
            seen.operation,
            seen.journal
        );
    }
    // CompleteVaultLock (irreversible) finds the lock id InitiateVaultLock returned, and its
    // own attempt pending, in the state file already.
    let complete = &seen[1];
    let lock = lock_id(&p.aws, "a");
    assert_eq!(
        complete.state["resources"][&address]["lock_id"],
        lock.as_str()
    );
    let pending = complete.state["attempts"].as_array().cloned();
    let pending = pending.unwrap_or_default();
    assert_eq!(pending.len(), 1, "{:#?}", complete.state);
    assert_eq!(pending[0]["address"], address.as_str());
    assert_eq!(pending[0]["action"], "complete_lock");
    // Every record carries the run's clock, not the wall clock.
    assert!(
        p.journal().iter().all(|r| r["ts"] == NOW),
        "{:#?}",
        p.journal()
    );
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_stops_the_run_before_any_call() {
    let p = Project::new(&["a", "b"], &[]);
    let plan = p.plan().await;
    // A directory where the journal file goes: no record can be appended.
    std::fs::create_dir(p.path(JOURNAL)).unwrap();
    let Err(fatal) = p.run(&plan, None).await else {
        panic!("the run went on without its journal");
    };
    assert!(fatal.0.contains("could not write the journal"), "{fatal}");
    assert_eq!(p.mutating_calls(), Vec::<String>::new());
    assert!(p.aws.state().locks.vaults["vault-a"].lock.is_none());
}

#[tokio::test]
async fn a_state_that_cannot_be_saved_after_initiate_stops_the_run_and_the_lock_id_is_journaled() {
    // `in_progress`: the next step (b's initiation) is a call with no save before it.
    for state in ["locked", "in_progress"] {
        a_state_that_cannot_be_saved_after_initiate(state).await;
    }
}

async fn a_state_that_cannot_be_saved_after_initiate(state: &str) {
    let p = Project::with_vault_state(&["a", "b"], state, &[]);
    let plan = p.plan().await;
    let mut spy = p.spy();
    spy.after = Some(("InitiateVaultLock", Mishap::StateUnwritable));
    let Err(fatal) = p.run(&plan, Some(spy)).await else {
        panic!("the run went on after its state could not be saved");
    };
    assert!(
        fatal.0.contains("could not save the state file"),
        "{state}: {fatal}"
    );
    // Nothing further was called: not a's completion, nothing of b.
    assert_eq!(p.mutating_calls(), ["InitiateVaultLock vault-a"], "{state}");
    assert_eq!(
        p.phases(&glacier("a")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "done", None)
        ]
    );
    // The lock id, which AWS returns only once, has its second home in the journal.
    let lock = lock_id(&p.aws, "a");
    let done = p.journal().into_iter().last().unwrap();
    assert_eq!(done["detail"]["lock_id"], lock.as_str());
    assert_eq!(p.phases(&glacier("b")), []);
}

#[tokio::test]
async fn a_call_whose_outcome_could_not_be_saved_has_no_done_record() {
    let p = Project::new(&["a", "b"], &[]);
    let plan = p.plan().await;
    let mut spy = p.spy();
    spy.after = Some(("CompleteVaultLock", Mishap::StateUnwritable));
    let Err(fatal) = p.run(&plan, Some(spy)).await else {
        panic!("the run went on after its state could not be saved");
    };
    assert!(fatal.0.contains("could not save the state file"), "{fatal}");
    assert!(is_locked(&p.aws, "a"));
    // The completion took effect, but `done` follows the save that records it: with no save,
    // the intent stays unsettled and the next plan reads the vault again.
    assert_eq!(
        p.phases(&glacier("a")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "done", None),
            entry("complete_lock", "intent", None),
        ]
    );
    assert_eq!(
        p.mutating_calls(),
        ["InitiateVaultLock vault-a", "CompleteVaultLock vault-a"]
    );
    assert_eq!(p.phases(&glacier("b")), []);
}

#[tokio::test]
async fn apply_again_after_an_unsaved_completion_records_it_without_a_call() {
    let p = Project::new(&["a", "b"], &[]);
    let plan = p.plan().await;
    let mut spy = p.spy();
    spy.after = Some(("CompleteVaultLock", Mishap::StateUnwritable));
    assert!(p.run(&plan, Some(spy)).await.is_err());
    // The disk is fixed; the state is the last version saved.
    std::fs::remove_dir(p.path(STATE)).unwrap();
    std::fs::rename(p.path(ASIDE), p.path(STATE)).unwrap();
    let plan = p.plan().await;
    let (report, _) = p.run(&plan, None).await.unwrap();
    assert!(!report.failed(), "{report:?}");
    assert_eq!(
        report.recovered,
        [glacier("a").parse::<crate::vocabulary::Address>().unwrap()]
    );
    // a's completion is recorded from what AWS shows, without calling again; b goes on.
    assert_eq!(
        p.mutating_calls(),
        ["InitiateVaultLock vault-b", "CompleteVaultLock vault-b"]
    );
    assert_eq!(
        p.phases(&glacier("a")).last(),
        Some(&entry("recover", "recovered", None))
    );
    let state = p.state();
    let record = state.get(&glacier("a").parse().unwrap()).unwrap();
    let record = record.glacier().unwrap();
    assert_eq!(record.lock_id, lock_id(&p.aws, "a"));
    assert_eq!(record.completed_at, Some(now()));
    assert!(is_locked(&p.aws, "b"));
}

#[tokio::test]
async fn a_run_whose_lock_was_taken_over_makes_no_irreversible_call_and_starts_nothing_more() {
    let p = Project::new(&["a", "b"], &[]);
    let plan = p.plan().await;
    let mut spy = p.spy();
    spy.after = Some(("InitiateVaultLock", Mishap::LockTakenOver));
    let Err(fatal) = p.run(&plan, Some(spy)).await else {
        panic!("the run went on without its lock");
    };
    assert_eq!(fatal.0, LOCK_LOST);
    assert_eq!(p.mutating_calls(), ["InitiateVaultLock vault-a"]);
    // What it did is in the journal; the completion was never announced, let alone sent.
    assert_eq!(
        p.phases(&glacier("a")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "done", None)
        ]
    );
    assert_eq!(p.phases(&glacier("b")), []);
    assert!(!is_locked(&p.aws, "a"));
}

#[tokio::test]
async fn after_a_failed_step_no_new_step_starts_and_what_succeeded_is_kept() {
    let p = Project::new(&["a", "b", "c"], &[]);
    let plan = p.plan().await;
    // Between plan and apply someone else starts a lock on vault-b: its initiation is refused.
    p.aws.state().locks.vaults.get_mut("vault-b").unwrap().lock = Some(FakeLock {
        locked: false,
        policy: POLICY.into(),
        lock_id: "SOMEONE-ELSES".into(),
        created: now(),
    });
    let (report, state) = p.run(&plan, None).await.unwrap();
    let failed = |o: &ActionOutcome| matches!(o, ActionOutcome::Failed(_));
    let results = outcomes(&report);
    assert_eq!(results.len(), 6, "{results:#?}");
    assert_eq!(
        results[0],
        (glacier("a"), ActionKind::INITIATE_LOCK, ActionOutcome::Done)
    );
    assert_eq!(
        results[1],
        (glacier("a"), ActionKind::COMPLETE_LOCK, ActionOutcome::Done)
    );
    assert_eq!(
        (&results[2].0, results[2].1),
        (&glacier("b"), ActionKind::INITIATE_LOCK)
    );
    assert!(failed(&results[2].2), "{results:#?}");
    for (address, action, outcome) in &results[3..] {
        assert_eq!(outcome, &ActionOutcome::Skipped, "{address} {action:?}");
    }
    assert_eq!(
        p.mutating_calls(),
        [
            "InitiateVaultLock vault-a",
            "CompleteVaultLock vault-a",
            "InitiateVaultLock vault-b"
        ]
    );
    assert_eq!(
        p.phases(&glacier("b")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "failed", Some("none"))
        ]
    );
    assert_eq!(p.phases(&glacier("c")), []);
    // What succeeded is kept, on disk and in AWS.
    assert!(is_locked(&p.aws, "a"));
    let on_disk = p.state();
    assert_eq!(on_disk.serial, state.serial);
    let record = on_disk.get(&glacier("a").parse().unwrap()).unwrap();
    let record = record.glacier().unwrap();
    assert_eq!(record.lock_id, lock_id(&p.aws, "a"));
    assert_eq!(record.completed_at, Some(now()));
    assert!(on_disk.get(&glacier("c").parse().unwrap()).is_none());
    assert!(on_disk.attempts.is_empty(), "{:?}", on_disk.attempts);
}

#[tokio::test]
async fn a_throttled_initiation_is_journaled_as_no_effect_and_sent_once_more_under_a_new_intent() {
    let p = Project::new(&["a"], &[]);
    p.aws.fail("InitiateVaultLock", throttled(), false);
    let (report, _) = p.apply().await.unwrap();
    assert!(!report.failed(), "{report:?}");
    assert_eq!(
        p.mutating_calls(),
        [
            "InitiateVaultLock vault-a",
            "InitiateVaultLock vault-a",
            "CompleteVaultLock vault-a"
        ]
    );
    assert_eq!(
        p.phases(&glacier("a")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "failed", Some("none")),
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "done", None),
            entry("complete_lock", "intent", None),
            entry("complete_lock", "done", None),
        ]
    );
    assert!(is_locked(&p.aws, "a"));
}

#[tokio::test]
async fn a_throttled_unlock_code_request_is_sent_once_more_and_the_code_delivered_once() {
    let p = Project::new(&[], &["site"]);
    p.aws.fail("GetJobUnlockCode", throttled(), false);
    let (report, _) = p.apply().await.unwrap();
    assert!(!report.failed(), "{report:?}");
    let call = format!("GetJobUnlockCode {}", job_id(0));
    assert_eq!(p.mutating_calls(), [call.clone(), call]);
    assert_eq!(
        p.phases(&snowball("site")),
        [
            entry("retrieve_unlock_code", "intent", None),
            entry("retrieve_unlock_code", "failed", Some("none")),
            entry("retrieve_unlock_code", "intent", None),
            entry("retrieve_unlock_code", "done", None),
        ]
    );
    let delivered = std::fs::read_to_string(p.path("site.code")).unwrap();
    assert_eq!(delivered.trim_end(), format!("{CODE}-0"));
}

#[tokio::test]
async fn throttling_that_does_not_end_stops_after_a_bounded_number_of_attempts() {
    let p = Project::new(&["a"], &[]);
    for _ in 0..10 {
        p.aws.fail("InitiateVaultLock", throttled(), false);
    }
    let (report, _) = p.apply().await.unwrap();
    assert!(report.failed());
    let calls = p.mutating_calls();
    assert_eq!(calls.len(), 6, "{calls:?}");
    let phases = p.phases(&glacier("a"));
    // Each call had its own intent, and every answer proved it did nothing.
    let intents = phases.iter().filter(|p| p.1 == "intent").count();
    assert_eq!(intents, 6, "{phases:#?}");
    assert!(phases
        .iter()
        .filter(|p| p.1 == "failed")
        .all(|p| p.2.as_deref() == Some("none")));
    assert_eq!(phases.last().unwrap().1, "failed");
}

#[tokio::test]
async fn an_unknown_outcome_of_get_job_unlock_code_is_never_sent_again() {
    for after_apply in [false, true] {
        let p = Project::new(&[], &["site", "tail"]);
        p.aws.fail("GetJobUnlockCode", ambiguous(), after_apply);
        let (report, _) = p.apply().await.unwrap();
        assert_eq!(
            p.mutating_calls(),
            [format!("GetJobUnlockCode {}", job_id(0))],
            "after_apply: {after_apply}"
        );
        assert_eq!(
            p.phases(&snowball("site")),
            [
                entry("retrieve_unlock_code", "intent", None),
                entry("retrieve_unlock_code", "failed", Some("unknown")),
            ]
        );
        let results = outcomes(&report);
        assert!(
            matches!(results[0].2, ActionOutcome::Failed(_)),
            "{results:#?}"
        );
        assert_eq!(results[1].2, ActionOutcome::Skipped);
        assert!(!p.path("site.code").exists());
        assert_eq!(p.phases(&snowball("tail")), []);
    }
}

#[tokio::test]
async fn an_unknown_outcome_that_took_effect_is_recovered_and_counts_as_done() {
    let p = Project::new(&["a", "b"], &[]);
    // AWS completes the lock, and the answer is lost.
    p.aws.fail("CompleteVaultLock", ambiguous(), true);
    let (report, _) = p.apply().await.unwrap();
    assert!(!report.failed(), "{report:?}");
    assert!(outcomes(&report)
        .iter()
        .all(|(_, _, o)| *o == ActionOutcome::Done));
    assert_eq!(
        p.phases(&glacier("a")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "done", None),
            entry("complete_lock", "intent", None),
            entry("complete_lock", "recovered", None),
            entry("complete_lock", "done", None),
        ]
    );
    // The run went on to b.
    assert_eq!(p.mutating_calls().len(), 4);
    let state = p.state();
    let record = state.get(&glacier("a").parse().unwrap()).unwrap();
    assert_eq!(record.glacier().unwrap().completed_at, Some(now()));
    assert!(state.attempts.is_empty(), "{:?}", state.attempts);
}

#[tokio::test]
async fn an_unknown_outcome_that_did_not_take_effect_is_failed_unknown_and_stops() {
    let p = Project::new(&["a", "b"], &[]);
    // The answer is lost and AWS did nothing: the re-read shows the lock still InProgress.
    p.aws.fail("CompleteVaultLock", ambiguous(), false);
    let (report, _) = p.apply().await.unwrap();
    let results = outcomes(&report);
    assert_eq!(results[0].2, ActionOutcome::Done);
    let ActionOutcome::Failed(message) = &results[1].2 else {
        panic!("{results:#?}");
    };
    assert!(message.contains("the outcome is unknown"), "{message}");
    assert!(results[2..].iter().all(|r| r.2 == ActionOutcome::Skipped));
    assert_eq!(
        p.phases(&glacier("a")),
        [
            entry("initiate_lock", "intent", None),
            entry("initiate_lock", "done", None),
            entry("complete_lock", "intent", None),
            entry("complete_lock", "failed", Some("unknown")),
        ]
    );
    assert!(!is_locked(&p.aws, "a"));
    assert_eq!(
        p.mutating_calls(),
        ["InitiateVaultLock vault-a", "CompleteVaultLock vault-a"]
    );
    // The record keeps the lock id and no completion.
    let state = p.state();
    let record = state.get(&glacier("a").parse().unwrap()).unwrap();
    assert_eq!(record.glacier().unwrap().completed_at, None);
    assert_eq!(p.phases(&glacier("b")), []);
}

/// Writes `lockward.yaml` in `dir` (`version: 1`, one default provider, `resources`) and
/// loads it.
fn write_config(dir: &Path, resources: &str) -> Config {
    let yaml = format!("version: 1\nproviders:\n  default: {{ region: us-east-1 }}\n{resources}");
    let path = dir.join("lockward.yaml");
    std::fs::write(&path, yaml).unwrap();
    crate::config::load(&path).unwrap()
}

/// The operations of the calls that changed something, in order.
fn mutating_calls(aws: &FakeAws) -> Vec<String> {
    let calls = aws.mutating_calls();
    calls
        .iter()
        .map(|c| c.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn backup_recycle_bin_and_glacier_steps_put_and_take_back_their_locks_each_after_its_intent()
{
    let locked = "backup_vault_lock:\n  b:\n    vault: vault-b\n    mode: governance\n    \
                  min_retention_days: 7\n    max_retention_days: 30\n\
                  rbin_rule_lock:\n  r:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
                  unlock_delay_days: 7\n";
    let p = Project::from_yaml(locked);
    {
        let mut s = p.aws.state();
        let vault = crate::kinds::backup::BackupVaultInfo {
            name: "vault-b".into(),
            vault_type: "BACKUP_VAULT".into(),
            locked: false,
            min_retention_days: None,
            max_retention_days: None,
            lock_date: None,
        };
        s.locks.backup_vaults.insert("vault-b".into(), vault);
        let rule = crate::kinds::rbin::RuleInfo {
            resource_type: "EBS_SNAPSHOT".into(),
            lock_state: None,
            unlock_delay_days: None,
            lock_end_time: None,
            resource_tags: 0,
            exclude_resource_tags: 0,
        };
        s.locks.rules.insert("a1B2c3D4e5F".into(), rule);
        s.locks.vaults.insert(
            "vault-g".into(),
            FakeVault {
                lock: Some(FakeLock {
                    locked: false,
                    policy: POLICY.into(),
                    lock_id: "lock-g".into(),
                    created: now(),
                }),
            },
        );
    }
    let (report, _) = p.apply().await.unwrap();
    assert!(!report.failed(), "{report:?}");
    assert_eq!(
        mutating_calls(&p.aws),
        ["PutBackupVaultLockConfiguration", "LockRule"]
    );
    {
        let s = p.aws.state();
        let vault = &s.locks.backup_vaults["vault-b"];
        assert!(vault.locked);
        assert_eq!(
            (vault.min_retention_days, vault.max_retention_days),
            (Some(7), Some(30))
        );
        assert_eq!(
            s.locks.rules["a1B2c3D4e5F"].lock_state.as_deref(),
            Some("locked")
        );
    }
    assert_eq!(
        p.phases("backup_vault_lock.b"),
        [
            entry("put_vault_lock", "intent", None),
            entry("put_vault_lock", "done", None)
        ]
    );
    assert_eq!(
        p.phases("rbin_rule_lock.r"),
        [
            entry("lock_rule", "intent", None),
            entry("lock_rule", "done", None)
        ]
    );

    // Taken back: the governance lock removed, the rule's unlock started, and the
    // InProgress Glacier lock (its policy in force while tested) aborted.
    let p = p.configure(&format!(
        "backup_vault_lock:\n  b:\n    vault: vault-b\n    mode: none\n\
         rbin_rule_lock:\n  r:\n    rule_id: a1B2c3D4e5F\n    state: unlocked\n\
         glacier_vault_lock:\n  g:\n    vault: vault-g\n    state: unlocked\n    policy: '{POLICY}'\n"
    ));
    p.aws.state().calls.clear();
    let (report, _) = p.apply().await.unwrap();
    assert!(!report.failed(), "{report:?}");
    let mut calls = mutating_calls(&p.aws);
    calls.sort();
    assert_eq!(
        calls,
        [
            "AbortVaultLock",
            "DeleteBackupVaultLockConfiguration",
            "UnlockRule"
        ]
    );
    let s = p.aws.state();
    assert!(!s.locks.backup_vaults["vault-b"].locked);
    assert_eq!(
        s.locks.rules["a1B2c3D4e5F"].lock_state.as_deref(),
        Some("pending_unlock")
    );
    assert!(s.locks.vaults["vault-g"].lock.is_none());
    drop(s);
    for (address, action) in [
        ("backup_vault_lock.b", "delete_vault_lock"),
        ("rbin_rule_lock.r", "unlock_rule"),
        ("glacier_vault_lock.g", "abort_lock"),
    ] {
        let phases = p.phases(address);
        assert_eq!(
            phases[phases.len() - 2..],
            [entry(action, "intent", None), entry(action, "done", None)],
            "{address}"
        );
    }
}

//! A recorded attempt is never forgotten, and exclusion is proven (DESIGN.md sections 5.9 and
//! 5.10), attacked through the real binary: a journal record rewritten as a newer lockward
//! would write it, a journal deleted, a run killed with its attempt pending, a lock
//! force-unlocked while its run is alive.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};

use serde_json::{json, Value};

use crate::support::{finish, job, rule, signal, wait_until, Env, SAMPLE_JOB};

const CODE: &str = "12345-abcde-56789-fghij-01234";
const SITE_A: &str = "snowball_unlock_code.site_a";
const BUCKET: &str = "lockward-state";
const KEY: &str = "prod/lockward.state.json";
const JOURNAL: &str = "lockward.state.json.journal.jsonl";

/// Where the project keeps its state.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Store {
    Local,
    S3,
}

/// A Snowball job whose code `site_a` retrieves, and an Recycle Bin rule to lock (a delayed
/// action), with the state in `store`.
fn project(store: Store) -> Env {
    let env = Env::new();
    env.seed(json!({
        "rbin": [rule("a1B2c3D4e5F", Value::Null, None)],
        "snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)],
        "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled"}],
    }));
    let backend = match store {
        Store::Local => String::new(),
        Store::S3 => {
            format!(
                "backend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n    provider: default\n"
            )
        }
    };
    env.config(&format!(
        "{backend}rbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
         unlock_delay_days: 7\nsnowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    \
         deliver_to: secrets/site-a.code\n"
    ));
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();
    env
}

fn digest_of(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .expect("a Digest line")
        .trim()
        .to_string()
}

fn plan_digest(env: &Env, target: &str) -> String {
    digest_of(&env.lockward(&["plan", "--target", target]).stdout)
}

fn retrievals(env: &Env) -> usize {
    env.calls()
        .iter()
        .filter(|c| c["operation"] == "GetJobUnlockCode")
        .count()
}

/// The emulator's S3, as the test's own client reads and writes it.
struct Bucket(crate::support::s3::S3Objects);

impl std::ops::Deref for Bucket {
    type Target = crate::support::s3::S3Objects;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Bucket {
    fn of(env: &Env) -> Bucket {
        Bucket(crate::support::s3::S3Objects::connect(
            &env.emulator.url(),
            BUCKET,
        ))
    }

    /// Every run's journal object.
    fn journals(&self) -> Vec<String> {
        self.keys(&format!("{KEY}.journal/"))
    }
}

/// The state as it is kept in `store`.
fn state_of(env: &Env, store: Store) -> Value {
    match store {
        Store::Local => env.state(),
        Store::S3 => serde_json::from_str(&Bucket::of(env).get(KEY).unwrap()).unwrap(),
    }
}

/// Rewrites every journal line (each run's journal object, for S3) with `edit`.
fn edit_journals(env: &Env, store: Store, edit: impl Fn(&mut Value)) {
    let rewrite = |text: &str| -> String {
        text.lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                edit(&mut v);
                format!("{}\n", serde_json::to_string(&v).unwrap())
            })
            .collect()
    };
    match store {
        Store::Local => {
            let text = env.read(JOURNAL);
            fs::write(env.path(JOURNAL), rewrite(&text)).unwrap();
        }
        Store::S3 => {
            let bucket = Bucket::of(env);
            for key in bucket.journals() {
                let text = bucket.get(&key).unwrap();
                bucket.put(&key, &rewrite(&text));
            }
        }
    }
}

fn delete_journals(env: &Env, store: Store) {
    match store {
        Store::Local => fs::remove_file(env.path(JOURNAL)).unwrap(),
        Store::S3 => {
            let bucket = Bucket::of(env);
            let keys = bucket.journals();
            assert!(!keys.is_empty(), "the run wrote a journal");
            for key in keys {
                bucket.delete(&key);
            }
        }
    }
}

/// Approves retrieving site_a's code, and applies it with GetJobUnlockCode's answer lost: an
/// attempt of unknown outcome under that approval. Returns the approval.
fn lose_an_answer(env: &Env) -> String {
    let approved = plan_digest(env, SITE_A);
    env.faults(
        json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "drop_after_apply", "times": 1}]}),
    );
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1)
        .stderr_has("outcome is unknown");
    env.faults(json!({"rules": []}));
    assert_eq!(retrievals(env), 1);
    approved
}

/// What plan says about site_a: exit 1, its retrieval `refused` with the reason; the same
/// approval is refused and AWS is not asked again.
fn assert_refused(env: &Env, approved: &str, why: &str) {
    let human = env.lockward(&["plan", "--target", SITE_A]);
    human.code(1).stdout_has("refused: ").stdout_has(why);
    let json = env.lockward(&["plan", "--target", SITE_A, "--format", "json"]);
    json.code(1);
    let plan: Value = serde_json::from_str(&json.stdout).unwrap();
    let action = &plan["resources"][0]["actions"][0];
    assert_eq!(action["action"], "retrieve_unlock_code", "{plan:#}");
    assert_eq!(action["status"], "refused", "{plan:#}");
    assert!(action["reason"].as_str().unwrap().contains(why), "{plan:#}");
    assert_eq!(plan["resources"][0]["outcome"], "conflict", "{plan:#}");
    env.lockward(&["apply", "--target", SITE_A, "--approve", approved])
        .code(1);
    let digest = digest_of(&human.stdout);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &digest])
        .code(1)
        .stderr_has("conflict");
    assert_eq!(retrievals(env), 1, "the code was retrieved again");
    assert!(!env.path("secrets/site-a.code").exists());
}

fn unknown_field_refuses(store: Store) {
    let env = project(store);
    let approved = lose_an_answer(&env);
    // What a newer lockward writes: one field this one does not know.
    edit_journals(&env, store, |r| {
        r["written_by_a_newer_lockward"] = json!(true);
    });
    assert_refused(
        &env,
        &approved,
        "not a journal record this lockward can read",
    );
}

#[test]
fn a_journal_record_with_an_unknown_field_refuses_the_retrieval_it_may_hide_locally() {
    unknown_field_refuses(Store::Local);
}

#[test]
fn a_journal_record_with_an_unknown_field_refuses_the_retrieval_it_may_hide_in_s3() {
    unknown_field_refuses(Store::S3);
}

/// A record another tool mangled into an unknown action or phase names no attempt lockward
/// can read either; a line that is not JSON at all concerns every resource.
#[test]
fn an_edited_or_garbled_journal_line_refuses_every_retrieval_it_may_concern() {
    let env = project(Store::Local);
    let approved = lose_an_answer(&env);
    edit_journals(&env, Store::Local, |r| {
        if r["phase"] == "intent" {
            r["phase"] = json!("intent_v2");
        }
    });
    assert_refused(&env, &approved, "not a journal record");
    // Garbage in the middle, with the records restored: it names no address.
    edit_journals(&env, Store::Local, |r| {
        if r["phase"] == "intent_v2" {
            r["phase"] = json!("intent");
        }
    });
    let text = env.read(JOURNAL);
    fs::write(env.path(JOURNAL), format!("not json at all\n{text}")).unwrap();
    assert_refused(&env, &approved, "journal line 1");
    // A torn last line (a crash mid-write) is not such a line: it refuses nothing.
    fs::write(env.path(JOURNAL), format!("{text}{{\"ts\":\"2026-11-")).unwrap();
    let plan = env.lockward(&["plan", "--target", SITE_A, "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(
        plan["resources"][0]["actions"][0]["status"], "ready",
        "{plan:#}"
    );
}

fn deleted_journal_refuses(store: Store) {
    let env = project(store);
    let approved = lose_an_answer(&env);
    let state = state_of(&env, store);
    assert_eq!(
        state["runs"].as_array().map(Vec::len),
        Some(1),
        "the state lists the run: {state:#}"
    );
    delete_journals(&env, store);
    assert_refused(&env, &approved, "which the state lists, is missing");
}

#[test]
fn a_deleted_journal_refuses_the_retrieval_it_recorded_locally() {
    deleted_journal_refuses(Store::Local);
}

#[test]
fn a_deleted_journal_refuses_the_retrieval_it_recorded_in_s3() {
    deleted_journal_refuses(Store::S3);
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    env.command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lockward")
}

/// The attempt is in the state before the call: a run killed during GetJobUnlockCode, whose
/// journal is then deleted, still leaves the attempt `unknown`, and the approval used.
fn pending_outlives_the_journal(store: Store) {
    let env = project(store);
    let approved = plan_digest(&env, SITE_A);
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "hold", "times": 1}]}));
    let child = spawn(&env, &["apply", "--target", SITE_A, "--approve", &approved]);
    wait_until("GetJobUnlockCode arrives", || retrievals(&env) == 1);
    let state = state_of(&env, store);
    let pending = &state["attempts"][0];
    assert_eq!(pending["action"], "retrieve_unlock_code", "{state:#}");
    assert_eq!(pending["address"], SITE_A, "{state:#}");
    signal(&child, "-KILL");
    finish(child);
    env.faults(json!({"rules": []}));
    delete_journals(&env, store);
    if store == Store::S3 {
        // The dead run's lock: released by hand, as the hint says.
        let bucket = Bucket::of(&env);
        bucket.delete(&format!("{KEY}.lock"));
    }
    let plan = env.lockward(&["plan", "--target", SITE_A, "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let attempts = &plan["resources"][0]["recorded"]["attempts"];
    assert_eq!(attempts[0]["effect"], "unknown", "{plan:#}");
    assert_eq!(
        attempts[0]["plan_digest"]
            .as_str()
            .map(|d| d.contains(approved.trim_start_matches("sha256:"))),
        Some(true),
        "{plan:#}"
    );
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1);
    assert_eq!(retrievals(&env), 1, "the approval was used once");
}

#[test]
fn a_pending_attempt_outlives_a_killed_run_and_its_deleted_journal_locally() {
    pending_outlives_the_journal(Store::Local);
}

#[test]
fn a_pending_attempt_outlives_a_killed_run_and_its_deleted_journal_in_s3() {
    pending_outlives_the_journal(Store::S3);
}

/// Force-unlocking a live run and another run taking the lock: the first run's next
/// irreversible call needs proof that the lock is still its own, finds it is not, and starts
/// nothing more.
#[test]
fn a_run_whose_lock_was_taken_over_starts_no_irreversible_call() {
    let env = project(Store::S3);
    let approved = digest_of(&env.lockward(&["plan"]).stdout);
    // One at a time, in address order: the rule's lock_rule (held), then the retrieval.
    env.faults(json!({"rules": [{"operation": "LockRule", "kind": "hold", "times": 1}]}));
    let first = spawn(
        &env,
        &["apply", "--approve", &approved, "--parallelism", "1"],
    );
    wait_until("LockRule arrives", || {
        env.calls().iter().any(|c| c["operation"] == "LockRule")
    });
    let bucket = Bucket::of(&env);
    let lock: Value = serde_json::from_str(&bucket.get(&format!("{KEY}.lock")).unwrap()).unwrap();
    env.lockward(&["force-unlock", lock["id"].as_str().unwrap()])
        .success();
    // Another run takes the lock (here: its lock object, as that run would write it).
    let mut other = lock.clone();
    other["id"] = json!("0e6f3a4c-0000-4000-8000-000000000000");
    bucket.put(&format!("{KEY}.lock"), &other.to_string());
    env.faults(json!({"rules": []}));
    let run = finish(first);
    run.code(1).stderr_has("no longer this run's");
    assert_eq!(retrievals(&env), 0, "{}", run.stderr);
    assert!(!env.path("secrets/site-a.code").exists());
    // The other run's lock is left alone.
    let now: Value = serde_json::from_str(&bucket.get(&format!("{KEY}.lock")).unwrap()).unwrap();
    assert_eq!(now["id"], other["id"]);
    bucket.delete(&format!("{KEY}.lock"));
    // The approval is not run again by another apply either.
    env.lockward(&["apply", "--approve", &approved]).code(1);
    assert_eq!(retrievals(&env), 0);
}

/// Locally the proof is the lock file itself: a run whose `<state>.lock` was removed (so that
/// another run could lock a new file under that name) starts no irreversible call.
#[test]
fn a_run_whose_local_lock_file_was_replaced_starts_no_irreversible_call() {
    let env = project(Store::Local);
    let approved = digest_of(&env.lockward(&["plan"]).stdout);
    // One at a time, in address order: the rule's lock_rule (held), then the retrieval.
    env.faults(json!({"rules": [{"operation": "LockRule", "kind": "hold", "times": 1}]}));
    let first = spawn(
        &env,
        &["apply", "--approve", &approved, "--parallelism", "1"],
    );
    wait_until("LockRule arrives", || {
        env.calls().iter().any(|c| c["operation"] == "LockRule")
    });
    let lock = env.path("lockward.state.json.lock");
    fs::remove_file(&lock).unwrap();
    fs::write(&lock, "").unwrap();
    env.faults(json!({"rules": []}));
    let run = finish(first);
    run.code(1).stderr_has("no longer this run's");
    assert_eq!(retrievals(&env), 0, "{}", run.stderr);
    assert!(!env.path("secrets/site-a.code").exists());
}

/// The attack of the issue: force-unlock a live run held on its retrieval, start a second
/// apply with the same approval: the code is retrieved at most once.
#[test]
fn a_force_unlocked_live_run_and_a_second_apply_retrieve_the_code_at_most_once() {
    let env = project(Store::S3);
    let approved = plan_digest(&env, SITE_A);
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "hold", "times": 1}]}));
    let first = spawn(&env, &["apply", "--target", SITE_A, "--approve", &approved]);
    wait_until("GetJobUnlockCode arrives", || retrievals(&env) == 1);
    let bucket = Bucket::of(&env);
    let lock: Value = serde_json::from_str(&bucket.get(&format!("{KEY}.lock")).unwrap()).unwrap();
    let id = lock["id"].as_str().unwrap();
    // While it runs, plan says where the attempt is.
    env.lockward(&["plan", "--target", SITE_A])
        .stdout_has(&format!("in flight in run {id}"));
    env.lockward(&["force-unlock", id]).success();
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1);
    env.faults(json!({"rules": []}));
    finish(first);
    assert_eq!(retrievals(&env), 1);
}

/// Taking the lock leaves a mark: the run's first state write names its lock and raises the
/// epoch; the state lists the run and its journal.
#[test]
fn each_run_marks_the_state_with_its_lock_and_a_higher_epoch() {
    let env = project(Store::Local);
    let approved = plan_digest(&env, SITE_A);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .success();
    let state = env.state();
    assert_eq!(state["epoch"], 1, "{state:#}");
    let first = state["lock_id"].as_str().unwrap().to_string();
    assert_eq!(state["runs"][0]["lock_id"], first.as_str());
    assert_eq!(state["runs"][0]["journal"], JOURNAL);
    assert!(
        state.get("attempts").is_none(),
        "a settled attempt leaves the state: {state:#}"
    );
    let digest = plan_digest(&env, "rbin_rule_lock.snapshots");
    env.lockward(&[
        "apply",
        "--target",
        "rbin_rule_lock.snapshots",
        "--approve",
        &digest,
    ])
    .success();
    let state = env.state();
    assert_eq!(state["epoch"], 2, "{state:#}");
    assert_ne!(state["lock_id"], first.as_str());
}

/// A vault to initiate a lock on, with the state in S3. The store exists already, so the first
/// state write is the one after the call (a store that does not exist yet is created before
/// any call).
fn glacier_with_an_s3_state() -> Env {
    let env = Env::new();
    env.seed(json!({
        "glacier": [crate::support::vault("audit-logs")],
        "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
                "objects": [{"key": KEY, "body": json!({
                    "format_version": 1,
                    "lineage": "6f1c1c7e-8d3e-4b8a-9a51-0f3f2d0c9b11",
                    "serial": 1,
                    "resources": {}
                }).to_string()}]}],
    }));
    env.config(&format!(
        "backend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n    provider: default\n\
         glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\n"
    ));
    env
}

/// The lock id's second home is written with the state write, never queued behind it: a run
/// killed while its S3 state write is held right after InitiateVaultLock leaves the lock id in
/// its journal object, and the next apply recovers it instead of initiating again.
#[test]
fn a_run_killed_while_its_state_write_hangs_after_initiate_leaves_the_lock_id_in_s3() {
    let env = glacier_with_an_s3_state();
    env.faults(
        json!({"rules": [{"operation": "PutObject", "key": KEY, "kind": "hold", "times": 1}]}),
    );
    let child = spawn(&env, &["apply", "--auto-approve"]);
    let bucket = Bucket::of(&env);
    let lock_id = || {
        env.aws_state()["glacier"][0]["lock"]["lock_id"]
            .as_str()
            .map(str::to_string)
    };
    wait_until("the state write is held after InitiateVaultLock", || {
        lock_id().is_some()
            && env
                .calls()
                .iter()
                .any(|c| c["operation"] == "PutObject" && c["params"]["Key"] == KEY)
    });
    let id = lock_id().unwrap();
    wait_until("the lock id is in an object", || {
        bucket
            .journals()
            .iter()
            .any(|k| bucket.get(k).is_some_and(|t| t.contains(&id)))
    });
    signal(&child, "-KILL");
    finish(child);
    env.faults(json!({"rules": []}));
    bucket.delete(&format!("{KEY}.lock"));
    let initiated = || {
        env.calls()
            .iter()
            .filter(|c| c["operation"] == "InitiateVaultLock")
            .count()
    };
    assert_eq!(initiated(), 1);
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(
        initiated(),
        1,
        "the lock id was recovered, not initiated again"
    );
    let state: Value = serde_json::from_str(&bucket.get(KEY).unwrap()).unwrap();
    assert_eq!(
        state["resources"]["glacier_vault_lock.audit"]["lock_id"],
        id.as_str()
    );
}

/// The journal a store keeps its runs' records in, as `state quarantine` takes it.
fn journal_name(env: &Env, store: Store) -> String {
    match store {
        Store::Local => JOURNAL.to_string(),
        Store::S3 => {
            let keys = Bucket::of(env).journals();
            assert_eq!(keys.len(), 1, "one run, one journal: {keys:?}");
            keys[0].clone()
        }
    }
}

/// `state quarantine` is the one way past an unreadable record: it sets exactly those bytes
/// aside, and the retrieval they may have recorded counts as attempted with an unknown effect,
/// so the old approval never runs it and a new plan (with its own digest) must be approved.
/// The same line with other bytes refuses again; a journal that reads well is not touched.
fn quarantine_needs_a_new_approval(store: Store) {
    let env = project(store);
    let approved = lose_an_answer(&env);
    let journal = journal_name(&env, store);
    env.lockward(&["state", "quarantine", &journal])
        .code(1)
        .stderr_has("nothing to set aside");
    edit_journals(&env, store, |r| {
        r["written_by_a_newer_lockward"] = json!(true);
    });
    assert_refused(
        &env,
        &approved,
        "not a journal record this lockward can read",
    );
    env.lockward(&["state", "quarantine", &journal])
        .success()
        .stderr_has("Set aside 2 unreadable line(s)")
        .stderr_has(SITE_A);
    let quarantined = &state_of(&env, store)["quarantined"];
    assert_eq!(
        quarantined.as_array().map(Vec::len),
        Some(2),
        "{quarantined:#}"
    );
    let plan = env.lockward(&["plan", "--target", SITE_A, "--format", "json"]);
    plan.code(0);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let action = &plan["resources"][0]["actions"][0];
    assert_eq!(action["status"], "ready", "{plan:#}");
    assert_eq!(
        plan["resources"][0]["recorded"]["attempts"][0]["effect"], "unknown",
        "the retrieval counts as attempted: {plan:#}"
    );
    let digest = plan["digest"].as_str().unwrap().to_string();
    assert_ne!(digest, approved);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1);
    assert_eq!(retrievals(&env), 1, "the old approval retrieved again");
    // Other bytes on a line that was set aside refuse again.
    edit_journals(&env, store, |r| {
        r["written_by_a_newer_lockward"] = json!("again");
    });
    assert_refused(&env, &digest, "not a journal record this lockward can read");
}

#[test]
fn quarantine_sets_an_unreadable_line_aside_and_its_retrieval_needs_a_new_approval_locally() {
    quarantine_needs_a_new_approval(Store::Local);
}

#[test]
fn quarantine_sets_an_unreadable_line_aside_and_its_retrieval_needs_a_new_approval_in_s3() {
    quarantine_needs_a_new_approval(Store::S3);
}

/// A run journal the state lists that is gone is set aside as a whole: every address counts
/// as attempted, and the new plan needs its own approval, which then runs.
#[test]
fn quarantine_sets_a_missing_journal_aside_and_a_new_approval_runs() {
    let store = Store::S3;
    let env = project(store);
    let approved = lose_an_answer(&env);
    let journal = journal_name(&env, store);
    delete_journals(&env, store);
    assert_refused(&env, &approved, "which the state lists, is missing");
    env.lockward(&["state", "quarantine", "not-a-journal.jsonl"])
        .code(1)
        .stderr_has("is not a journal of");
    env.lockward(&["state", "quarantine", &journal])
        .success()
        .stderr_has("Set aside the missing journal");
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1);
    assert_eq!(retrievals(&env), 1);
    let digest = plan_digest(&env, SITE_A);
    assert_ne!(digest, approved);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &digest])
        .success();
    assert_eq!(retrievals(&env), 2);
    assert_eq!(env.read("secrets/site-a.code"), CODE);
}

/// Nowhere to write, right after InitiateVaultLock (a full disk, a store that refuses every
/// write): the state write and the journal record both fail. The initiation is reported as
/// done but not recorded — never as failed — with its lock id, which the errored state file
/// beside the config keeps; plan refuses until it is pushed, and pushing it converges without
/// a second initiation.
#[test]
fn a_lock_id_that_neither_the_state_nor_the_journal_could_take_is_reported_and_kept() {
    let env = glacier_with_an_s3_state();
    env.faults(json!({"rules": [{"operation": "InitiateVaultLock", "kind": "hold", "times": 1}]}));
    let child = spawn(&env, &["apply", "--auto-approve"]);
    let bucket = Bucket::of(&env);
    wait_until("InitiateVaultLock is in flight", || {
        env.calls()
            .iter()
            .any(|c| c["operation"] == "InitiateVaultLock")
    });
    let journal = bucket.journals();
    assert_eq!(journal.len(), 1, "the intent is in the run's journal");
    // From now on every write of the state and of the journal fails; AWS answers the call.
    let refuse = |key: &str| json!({"operation": "PutObject", "key": key, "kind": "error", "status": 500, "code": "InternalError"});
    env.faults(json!({"rules": [refuse(KEY), refuse(&journal[0])]}));
    let run = finish(child);
    env.faults(json!({"rules": []}));
    let lock_id = env.aws_state()["glacier"][0]["lock"]["lock_id"]
        .as_str()
        .expect("AWS initiated the lock")
        .to_string();
    run.code(1)
        .stderr_has("initiate_lock done: initiated but not recorded")
        .stderr_has(&lock_id);
    assert!(
        !run.stderr.contains("initiate_lock FAILED"),
        "{}",
        run.stderr
    );
    let errored: Vec<_> = fs::read_dir(env.dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("lockward.errored."))
                && p.extension().is_some_and(|e| e == "json")
        })
        .collect();
    assert_eq!(errored.len(), 1, "{errored:?}\n{}", run.stderr);
    assert!(fs::read_to_string(&errored[0]).unwrap().contains(&lock_id));
    env.lockward(&["plan"]).code(1).stderr_has("state push");
    env.lockward(&["state", "push", &errored[0].to_string_lossy()])
        .success();
    env.lockward(&["apply", "--auto-approve"]).success();
    let initiated = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "InitiateVaultLock")
        .count();
    assert_eq!(initiated, 1, "the lock id was kept, not initiated again");
}

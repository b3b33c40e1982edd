//! The S3 state backend (DESIGN.md section 8), attacked through the real binary: a second
//! process while the lock is held, another writer between a call and its state write, a
//! state write whose answers are lost, a lock left by a crash, and eight processes at once.
//!
//! Each backend test runs against the emulator's S3 and, when `LOCKWARD_TEST_MOTO_S3` names
//! the URL of a moto server (`.ci/run` starts one), against moto too: an independent S3 with
//! `If-None-Match` and `If-Match`. The Glacier side is always the emulator.

use std::process::{Child, Stdio};

use serde_json::{json, Value};

use crate::support::{finish, signal, vault, wait_until, Env};

const KEY: &str = "prod/lockward.state.json";

/// Where the state bucket is: the emulator's S3, or moto's.
struct Remote {
    objects: crate::support::s3::S3Objects,
    endpoint: String,
    /// The emulator serves the bucket: its call log sees the backend's calls.
    emulated: bool,
}

impl std::ops::Deref for Remote {
    type Target = crate::support::s3::S3Objects;
    fn deref(&self) -> &Self::Target {
        &self.objects
    }
}

impl Remote {
    fn connect(endpoint: &str, bucket: &str, emulated: bool) -> Remote {
        Remote {
            objects: crate::support::s3::S3Objects::connect(endpoint, bucket),
            endpoint: endpoint.to_string(),
            emulated,
        }
    }

    /// The emulator's S3, with a versioned state bucket.
    fn emulator(env: &Env) -> Remote {
        env.seed(
            json!({"s3": [{"region": "us-east-1", "bucket": "lockward-state",
                                "versioning": "Enabled"}]}),
        );
        Remote::connect(&env.emulator.url(), "lockward-state", true)
    }

    /// moto's S3, with a bucket of this test's own, when `LOCKWARD_TEST_MOTO_S3` is set.
    fn moto(test: &str) -> Option<Remote> {
        let Ok(endpoint) = std::env::var("LOCKWARD_TEST_MOTO_S3") else {
            eprintln!(
                "note: {test} against moto skipped: LOCKWARD_TEST_MOTO_S3 is not set (.ci/run sets it)"
            );
            return None;
        };
        let bucket = format!("lockward-{}", uuid::Uuid::new_v4().simple());
        let remote = Remote::connect(&endpoint, &bucket, false);
        remote.create_bucket();
        Some(remote)
    }

    /// The state object, parsed.
    fn state(&self) -> Value {
        let text = self.get(KEY).expect("the state object exists");
        serde_json::from_str(&text).expect("the state object is JSON")
    }

    fn lock(&self) -> Option<Value> {
        self.get(&format!("{KEY}.lock"))
            .map(|t| serde_json::from_str(&t).expect("the lock body is JSON"))
    }

    /// Every journal record of every run.
    fn journal(&self) -> Vec<Value> {
        self.keys(&format!("{KEY}.journal/"))
            .iter()
            .flat_map(|k| {
                self.get(k)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Runs `body` against the emulator's S3, then (in a fresh project and emulator) against
/// moto's when `LOCKWARD_TEST_MOTO_S3` is set.
fn each_backend(test: &str, body: impl Fn(&Env, &Remote)) {
    let env = Env::new();
    let remote = Remote::emulator(&env);
    body(&env, &remote);
    if let Some(remote) = Remote::moto(test) {
        let env = Env::new();
        body(&env, &remote);
    }
}

/// How many writes of the state object took effect (the emulator's call log).
fn state_writes(env: &Env) -> usize {
    env.calls()
        .iter()
        .filter(|c| {
            c["operation"] == "PutObject" && c["params"]["Key"] == KEY && c["status"] == 200
        })
        .count()
}

fn errored_files(env: &Env) -> Vec<String> {
    std::fs::read_dir(env.dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("lockward.errored."))
        .collect()
}

/// `lockward.yaml`: the emulator for Glacier, `remote` for the state, and `vaults` declared
/// `in_progress` (initiate_lock is reversible: `--auto-approve` applies it).
fn config(env: &Env, remote: &Remote, vaults: &[String]) {
    let mut text = format!(
        "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n  \
         state:\n    region: us-east-1\n    endpoint_url: {}\nbackend:\n  s3:\n    bucket: {}\n    \
         key: {KEY}\n    provider: state\nglacier_vault_lock:\n",
        env.emulator.url(),
        remote.endpoint,
        remote.bucket
    );
    for v in vaults {
        text.push_str(&format!(
            "  {v}:\n    vault: {}\n    policy_file: policies/audit.json\n    state: in_progress\n",
            v.replace('_', "-")
        ));
    }
    env.write("lockward.yaml", &text);
}

fn seed_vaults(env: &Env, vaults: &[String]) {
    let seeded: Vec<Value> = vaults.iter().map(|v| vault(&v.replace('_', "-"))).collect();
    env.seed(json!({ "glacier": seeded }));
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn spawn(env: &Env, args: &[&str], access_key: &str) -> Child {
    env.command(args)
        .env("AWS_ACCESS_KEY_ID", access_key)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lockward")
}

fn calls_by(env: &Env, operation: &str, access_key: &str) -> usize {
    env.calls()
        .iter()
        .filter(|c| c["operation"] == operation && c["access_key"] == access_key)
        .count()
}

fn records(state: &Value) -> Vec<String> {
    state["resources"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// A first apply's Glacier call is held by the emulator, unanswered, until the test releases
/// it ([`release`]): the process holds the state lock mid-apply for exactly as long as the
/// test needs, with no margin of time to guess.
fn hold_initiate(env: &Env) {
    env.faults(json!({"rules": [{"operation": "InitiateVaultLock", "kind": "hold", "times": 1}]}));
}

/// Lets a held call go on (the emulator answers it at once).
fn release(env: &Env) {
    env.faults(json!({"rules": []}));
}

#[test]
fn a_second_process_fails_at_once_naming_the_holder_and_a_third_waits_for_the_lock() {
    each_backend("lock contention", |env, remote| {
        let vaults = names("v", 2);
        seed_vaults(env, &vaults);
        config(env, remote, &vaults);
        hold_initiate(env);

        let first = spawn(
            env,
            &[
                "apply",
                "--auto-approve",
                "--target",
                "glacier_vault_lock.v0",
            ],
            "AKIDFIRST",
        );
        // Stopped once its call is in flight: it holds the lock for as long as the test likes.
        wait_until("the first apply's InitiateVaultLock arrives", || {
            calls_by(env, "InitiateVaultLock", "AKIDFIRST") == 1
        });
        signal(&first, "-STOP");
        let holder = remote.lock().expect("the first apply holds the lock");
        assert_eq!(holder["pid"], json!(first.id()));

        let second = env.lockward(&[
            "apply",
            "--auto-approve",
            "--target",
            "glacier_vault_lock.v1",
        ]);
        second
            .code(1)
            .stderr_has("the state is locked")
            .stderr_has(&format!("pid {}", first.id()))
            .stderr_has(&format!(
                "lockward force-unlock {}",
                holder["id"].as_str().unwrap()
            ));
        assert_eq!(
            calls_by(env, "InitiateVaultLock", "AKIDLOCKWARDTEST"),
            0,
            "the refused apply called nothing"
        );

        let third = spawn(
            env,
            &[
                "apply",
                "--auto-approve",
                "--target",
                "glacier_vault_lock.v1",
                "--lock-timeout",
                "2m",
            ],
            "AKIDTHIRD",
        );
        if remote.emulated {
            wait_until("the third apply finds the lock taken", || {
                env.calls().iter().any(|c| {
                    c["access_key"] == "AKIDTHIRD"
                        && c["operation"] == "PutObject"
                        && c["params"]["Key"] == format!("{KEY}.lock")
                        && c["status"] == 412
                })
            });
        }
        release(env);
        signal(&first, "-CONT");
        finish(first).success();
        finish(third).success();

        let state = remote.state();
        assert_eq!(
            records(&state),
            ["glacier_vault_lock.v0", "glacier_vault_lock.v1"]
        );
        // An initiate_lock saves twice (the lock id at once, then its creation date), after
        // the first apply created the state.
        assert_eq!(
            state["serial"], 5,
            "two writes each and the creation, none lost"
        );
        assert!(remote.lock().is_none(), "both released the lock");
        assert_eq!(calls_by(env, "InitiateVaultLock", "AKIDFIRST"), 1);
        assert_eq!(calls_by(env, "InitiateVaultLock", "AKIDTHIRD"), 1);
        env.lockward(&["plan", "--detailed-exitcode"]).success();
    });
}

#[test]
fn another_writer_between_the_call_and_the_state_write_stops_the_apply_with_nothing_lost() {
    each_backend("412 on the state write", |env, remote| {
        let vaults = names("w", 2);
        seed_vaults(env, &vaults);
        config(env, remote, &vaults);
        // A first state, so the stalled apply's write is an If-Match one.
        env.lockward(&[
            "apply",
            "--auto-approve",
            "--target",
            "glacier_vault_lock.w1",
        ])
        .success();
        let base = remote.state();
        assert_eq!(base["serial"], 3, "created, then two writes");
        hold_initiate(env);
        // w1 is done; make w0's apply a stalled one.
        let stalled = spawn(
            env,
            &[
                "apply",
                "--auto-approve",
                "--target",
                "glacier_vault_lock.w0",
            ],
            "AKIDSTALLED",
        );
        wait_until("the stalled apply's InitiateVaultLock arrives", || {
            calls_by(env, "InitiateVaultLock", "AKIDSTALLED") == 1
        });
        signal(&stalled, "-STOP");
        // Someone decides the run is dead, releases its lock and writes the state.
        let lock_id = remote.lock().unwrap()["id"].as_str().unwrap().to_string();
        env.lockward(&["force-unlock", &lock_id])
            .success()
            .stderr_has(&format!("Released lock {lock_id}"));
        let mut theirs = base.clone();
        theirs["serial"] = json!(4);
        theirs["resources"]["glacier_vault_lock.w1"]["lock_id"] = json!("WRITTEN-BY-SOMEONE-ELSE");
        remote.put(KEY, &serde_json::to_string_pretty(&theirs).unwrap());
        release(env);
        signal(&stalled, "-CONT");

        let run = finish(stalled);
        run.code(1)
            .stderr_has("did not overwrite it")
            .stderr_has("state push");
        // Their write stands.
        let now = remote.state();
        assert_eq!(now, theirs, "the other writer's state was not overwritten");
        // Nothing the stalled run learnt is lost: the lock id is in the errored state file.
        let errored = env.path(&format!("lockward.errored.{lock_id}.state.json"));
        let kept: Value = serde_json::from_str(&std::fs::read_to_string(&errored).unwrap())
            .expect("the errored state is a state file");
        assert_eq!(
            kept["serial"], 4,
            "the write it could not make, based on serial 3 (the first apply created the state)"
        );
        assert!(kept["resources"]["glacier_vault_lock.w0"]["lock_id"].is_string());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&errored).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // The state moved on without it: pushing would lose the other write, so it is refused.
        env.lockward(&["plan"]).code(1).stderr_has("could not save");
        env.lockward(&["state", "push", errored.to_str().unwrap()])
            .code(1)
            .stderr_has("pushing would lose their update");
        assert_eq!(remote.state(), theirs);
        assert!(errored.exists(), "a refused push keeps the file");
    });
}

#[test]
fn a_state_write_lost_after_a_mutating_call_leaves_the_errored_state_and_state_push_converges() {
    let env = Env::new();
    let remote = Remote::emulator(&env);
    let vaults = names("d", 1);
    seed_vaults(&env, &vaults);
    config(&env, &remote, &vaults);
    // The state exists (a store that does not is created before any call).
    remote.put(
        KEY,
        r#"{"format_version": 1, "lineage": "7f1c0a8e-0000-4000-8000-0000000000d1", "serial": 1, "resources": {}}"#,
    );
    // Every state write is cut off before it lands; the lock and journal writes go through.
    env.faults(json!({"rules": [{"operation": "PutObject", "key": KEY,
                                 "kind": "drop_before_apply"}]}));
    let run = env.lockward(&["apply", "--auto-approve"]);
    run.code(1)
        .stderr_has("could not save the state")
        .stderr_has("lockward state push");
    assert_eq!(
        env.mutating_calls()
            .iter()
            .filter(|c| *c == "InitiateVaultLock")
            .count(),
        1
    );
    assert_eq!(remote.state()["serial"], 1, "no state write landed");
    let lock = remote.lock().expect("the lock is kept");
    let lock_id = lock["id"].as_str().unwrap().to_string();
    let errored = env.path(&format!("lockward.errored.{lock_id}.state.json"));
    let journal_copy = env.path(&format!("lockward.errored.{lock_id}.journal.jsonl"));
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&errored).unwrap()).unwrap();
    let vault_lock = env.aws_state()["glacier"][0]["lock"]["lock_id"].clone();
    assert_eq!(
        kept["resources"]["glacier_vault_lock.d0"]["lock_id"], vault_lock,
        "the lock id AWS returned is kept"
    );
    assert!(std::fs::read_to_string(&journal_copy)
        .unwrap()
        .contains("\"intent\""));

    // Nothing goes on before it is pushed: not a plan, not an apply, not another runner.
    env.faults(json!({"rules": []}));
    env.lockward(&["plan"])
        .code(1)
        .stderr_has("could not save")
        .stderr_has("lockward state push");
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert_eq!(
        remote.lock(),
        Some(lock.clone()),
        "the lock is still that run's"
    );

    // An errored file is never overwritten, and a file in the way is not pushed.
    let bogus = env.path("lockward.errored.not-the-lock.state.json");
    std::fs::write(&bogus, std::fs::read(&errored).unwrap()).unwrap();
    env.lockward(&["state", "push", bogus.to_str().unwrap()])
        .code(1)
        .stderr_has("nothing was pushed");
    std::fs::remove_file(&bogus).unwrap();

    env.lockward(&["state", "push", errored.to_str().unwrap()])
        .success()
        .stderr_has("Pushed");
    assert!(!errored.exists() && !journal_copy.exists());
    assert!(remote.lock().is_none(), "the kept lock is released");
    let state = remote.state();
    assert_eq!(state["serial"], 2);
    assert_eq!(
        state["resources"]["glacier_vault_lock.d0"]["lock_id"],
        vault_lock
    );
    assert!(
        remote.journal().iter().any(|r| r["phase"] == "intent"),
        "the run's journal is in S3"
    );
    // Converged: a plan is a no-op, and another apply calls nothing.
    env.lockward(&["plan", "--detailed-exitcode"]).success();
    let before = env.mutating_calls().len();
    env.lockward(&["apply", "--auto-approve"]).success();
    let after: Vec<String> = env.mutating_calls()[before..].to_vec();
    assert!(
        !after.iter().any(|c| c == "InitiateVaultLock"),
        "nothing was called twice: {after:?}"
    );
}

#[test]
fn lost_answers_to_the_lock_and_state_writes_are_read_back_and_the_apply_goes_on() {
    let env = Env::new();
    let remote = Remote::emulator(&env);
    let vaults = names("l", 3);
    seed_vaults(&env, &vaults);
    config(&env, &remote, &vaults);
    // The first state write lands, but its answer is lost.
    env.faults(json!({"rules": [
        {"operation": "PutObject", "key": KEY, "kind": "drop_after_apply", "times": 1}]}));
    env.lockward(&[
        "apply",
        "--auto-approve",
        "--target",
        "glacier_vault_lock.l0",
    ])
    .success();
    assert_eq!(remote.state()["serial"], 3, "created, then two writes");
    assert_eq!(state_writes(&env), 3, "the landed write was not made twice");
    // The next one meets a concurrent conditional write (409): it did not land; sent again.
    env.faults(json!({"rules": [
        {"operation": "PutObject", "key": KEY, "kind": "error", "status": 409,
         "code": "ConditionalRequestConflict", "times": 1}]}));
    env.lockward(&[
        "apply",
        "--auto-approve",
        "--target",
        "glacier_vault_lock.l1",
    ])
    .success();
    let state = remote.state();
    assert_eq!(
        records(&state),
        ["glacier_vault_lock.l0", "glacier_vault_lock.l1"]
    );
    assert_eq!(state["serial"], 5, "created, then four writes");
    assert_eq!(state_writes(&env), 5);
    assert!(remote.lock().is_none());
    // The lock's create lands but its answer is lost, and its release keeps failing: the run
    // knows the lock is its own, applies, and says how to release what it could not.
    env.faults(json!({"rules": [
        {"operation": "PutObject", "key": format!("{KEY}.lock"), "kind": "drop_after_apply", "times": 1},
        {"operation": "DeleteObject", "key": format!("{KEY}.lock"), "kind": "error", "status": 500,
         "code": "InternalError", "times": 20}]}));
    let run = env.lockward(&[
        "apply",
        "--auto-approve",
        "--target",
        "glacier_vault_lock.l2",
    ]);
    run.success()
        .stderr_has("warning: ")
        .stderr_has("lockward force-unlock ");
    env.faults(json!({"rules": []}));
    let left = remote.lock().expect("the lock it could not release");
    assert!(
        run.stderr.contains(left["id"].as_str().unwrap()),
        "{}",
        run.stderr
    );
    assert_eq!(remote.state()["serial"], 7);
    env.lockward(&["force-unlock", left["id"].as_str().unwrap()])
        .success();
    assert!(remote.lock().is_none());
    // `show` reads the same state from the bucket.
    env.lockward(&["show", "--format", "json"])
        .success()
        .stdout_has("glacier_vault_lock.l1");
    assert!(errored_files(&env).is_empty());
}

#[test]
fn force_unlock_releases_only_the_lock_it_names() {
    each_backend("force-unlock", |env, remote| {
        let vaults = names("f", 1);
        seed_vaults(env, &vaults);
        config(env, remote, &vaults);
        // A lock a crashed runner left.
        let dead = json!({"id": "3d5e1f00-0000-4000-8000-00000000dead", "pid": 4242,
                          "host": "runner-7", "started": "2026-11-23T11:00:00Z",
                          "caller": "arn:aws:iam::123456789012:user/ci", "operation": "apply"});
        remote.put(&format!("{KEY}.lock"), &dead.to_string());

        // Named with -c from elsewhere, the hint's command repeats it.
        let mut elsewhere = env.command(&["apply", "--auto-approve", "-c", "policies/team.yaml"]);
        let text = env.read("lockward.yaml");
        env.write(
            "policies/team.yaml",
            &text.replace("policies/audit.json", "audit.json"),
        );
        env.run(&mut elsewhere).code(1).stderr_has(
            "`lockward force-unlock -c policies/team.yaml 3d5e1f00-0000-4000-8000-00000000dead`",
        );
        env.lockward(&["apply", "--auto-approve"])
            .code(1)
            .stderr_has("pid 4242 on host runner-7")
            .stderr_has("arn:aws:iam::123456789012:user/ci")
            .stderr_has("lockward force-unlock 3d5e1f00-0000-4000-8000-00000000dead");
        env.lockward(&["force-unlock", "not-that-lock"])
            .code(1)
            .stderr_has("nothing was released");
        assert_eq!(remote.lock(), Some(dead.clone()));
        env.lockward(&["force-unlock", "3d5e1f00-0000-4000-8000-00000000dead"])
            .success();
        assert!(remote.lock().is_none());
        env.lockward(&["force-unlock", "3d5e1f00-0000-4000-8000-00000000dead"])
            .code(1)
            .stderr_has("not locked");
        env.lockward(&["apply", "--auto-approve"]).success();
        assert_eq!(records(&remote.state()), ["glacier_vault_lock.f0"]);
    });
}

#[test]
fn a_saved_plan_is_stale_against_another_state_backend() {
    let env = Env::new();
    let remote = Remote::emulator(&env);
    let vaults = names("p", 1);
    seed_vaults(&env, &vaults);
    config(&env, &remote, &vaults);
    env.lockward(&["plan", "--out", "saved.plan"]).success();
    // The same config, the state now under another key.
    let text = env
        .read("lockward.yaml")
        .replace(KEY, "other/lockward.state.json");
    env.write("lockward.yaml", &text);
    env.lockward(&["apply", "saved.plan", "--auto-approve"])
        .code(1)
        .stderr_has("the plan is stale")
        .stderr_has("the state is kept elsewhere");
    assert!(!env
        .mutating_calls()
        .iter()
        .any(|c| c == "InitiateVaultLock"));
}

#[test]
fn import_and_report_use_the_s3_state_and_its_journals() {
    let env = Env::new();
    let remote = Remote::emulator(&env);
    env.seed(json!({"glacier": [crate::support::vault_locked(
        "i0", "Locked", crate::support::POLICY, "2026-11-01T00:00:00Z")]}));
    let text = format!(
        "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n\
         backend:\n  s3: {{ bucket: {bucket}, key: {KEY} }}\nglacier_vault_lock:\n  i0:\n    \
         vault: i0\n    policy_file: policies/audit.json\n    state: locked\n",
        url = env.emulator.url(),
        bucket = remote.bucket
    );
    env.write("lockward.yaml", &text);
    env.lockward(&["import", "glacier_vault_lock.i0"])
        .success()
        .stderr_has(&format!("s3://lockward-state/{KEY}"));
    assert_eq!(records(&remote.state()), ["glacier_vault_lock.i0"]);
    assert!(remote.lock().is_none(), "import released the lock");
    let journal = remote.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["action"], "import");
    assert!(
        !env.path("lockward.state.json").exists(),
        "nothing is written locally"
    );
    let report = env.lockward(&["report", "--format", "json"]);
    report.success();
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(
        report["state"]["path"],
        format!("s3://lockward-state/{KEY}")
    );
    assert_eq!(report["journal"]["records"], 1);
    env.lockward(&["plan", "--detailed-exitcode"]).success();
    // A config with a backend refuses a local --state: it would plan against another state.
    env.lockward(&["plan", "--state", "other.json"])
        .code(1)
        .stderr_has("keeps the state in S3");
}

#[test]
fn an_approval_replayed_from_another_runner_is_refused_from_the_shared_journal() {
    let env = Env::new();
    let remote = Remote::emulator(&env);
    seed_vaults(&env, &["x0".to_string()]);
    let text = format!(
        "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n\
         backend:\n  s3: {{ bucket: {bucket}, key: {KEY} }}\nglacier_vault_lock:\n  x0:\n    \
         vault: x0\n    policy_file: policies/audit.json\n    state: locked\n",
        url = env.emulator.url(),
        bucket = remote.bucket
    );
    env.write("lockward.yaml", &text);
    let digest = crate::support::plan_digest(&env);
    // The irreversible call's answers are all lost: its effect is unknown.
    env.faults(json!({"rules": [{"operation": "CompleteVaultLock", "kind": "drop_before_apply"}]}));
    env.lockward(&["apply", "--approve", &digest]).code(1);
    env.faults(json!({"rules": []}));
    let attempts = |env: &Env| {
        env.calls()
            .iter()
            .filter(|c| c["operation"] == "CompleteVaultLock")
            .count()
    };
    let sent = attempts(&env);
    assert!(sent >= 1);

    // Another runner: a fresh checkout of the same config, nothing local but the files in git.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("lockward.yaml"), &text).unwrap();
    std::fs::create_dir(other.path().join("policies")).unwrap();
    std::fs::copy(
        env.path("policies/audit.json"),
        other.path().join("policies/audit.json"),
    )
    .unwrap();
    let in_other = |args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.current_dir(other.path());
        env.run(&mut cmd)
    };
    let replay = in_other(&["apply", "--approve", &digest]);
    replay.code(1);
    assert_eq!(attempts(&env), sent, "the replayed approval called nothing");
    // It knows why: the attempt is in the shared journal, so its plan shows it.
    let plan = in_other(&["plan", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_ne!(
        plan["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:"),
        digest
    );
    let recorded = &plan["resources"][0]["recorded"];
    assert!(
        recorded["attempts"]
            .as_array()
            .is_some_and(|a| a.iter().any(|t| t["action"] == "complete_lock" && t["effect"] == "unknown")),
        "the attempt whose effect is unknown is part of what the other runner plans from: {recorded}"
    );
}

#[test]
fn the_example_workflow_offers_the_s3_backend_and_keeps_a_state_that_could_not_be_saved() {
    let text = include_str!("../examples/github/lockward.yml");
    let workflow: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    let steps = workflow["jobs"]["apply"]["steps"].as_sequence().unwrap();
    assert!(steps.iter().any(|s| s["run"]
        .as_str()
        .is_some_and(|r| r.contains("lockward apply --approve") && r.contains("--lock-timeout"))));
    assert!(steps
        .iter()
        .any(|s| s["uses"] == "actions/upload-artifact@v4"
            && s["if"] == "failure()"
            && s["with"]["path"]
                .as_str()
                .is_some_and(|p| p.contains("lockward.errored."))));
    let commit = steps
        .iter()
        .find(|s| {
            s["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Commit the state"))
        })
        .unwrap();
    assert!(
        commit["if"]
            .as_str()
            .unwrap()
            .contains("hashFiles('lockward.state.json')"),
        "the state is committed back only when it is kept in git"
    );
    let doc = include_str!("../docs/pull-requests.md");
    assert!(doc.contains("backend:\n  s3: { bucket:"));
    assert!(doc.contains("lockward state push") && doc.contains("lockward force-unlock"));
}

/// Eight processes apply disjoint targets through one S3 state at once, 20 rounds. Every round
/// ends with one valid state holding every record any process made (serial strictly
/// increasing); the call log shows no process wrote or called while another held the lock.
#[test]
fn eight_processes_racing_for_one_state_lose_nothing() {
    const PROCESSES: usize = 8;
    const ROUNDS: usize = 20;
    let env = Env::new();
    let remote = Remote::emulator(&env);
    let mut all = Vec::new();
    let mut last_serial = 0;
    for round in 0..ROUNDS {
        let batch: Vec<String> = (0..PROCESSES).map(|p| format!("r{round}_p{p}")).collect();
        seed_vaults(&env, &batch);
        all.extend(batch.iter().cloned());
        config(&env, &remote, &all);
        let children: Vec<Child> = batch
            .iter()
            .enumerate()
            .map(|(p, name)| {
                let target = format!("glacier_vault_lock.{name}");
                spawn(
                    &env,
                    &[
                        "apply",
                        "--auto-approve",
                        "--target",
                        &target,
                        "--lock-timeout",
                        "5m",
                    ],
                    &format!("AKIDRACE{p}"),
                )
            })
            .collect();
        for child in children {
            finish(child).success();
        }
        let state = remote.state();
        let mut want: Vec<String> = all
            .iter()
            .map(|n| format!("glacier_vault_lock.{n}"))
            .collect();
        want.sort();
        assert_eq!(records(&state), want, "round {round}: every record is kept");
        let serial = state["serial"].as_u64().unwrap();
        assert_eq!(
            serial,
            last_serial + 2 * PROCESSES as u64 + u64::from(round == 0),
            "round {round}: two writes per process (and the creation), serial strictly increasing"
        );
        last_serial = serial;
        assert!(
            remote.lock().is_none(),
            "round {round}: the lock was released"
        );
    }
    assert_lock_discipline(&env);
    env.lockward(&["plan", "--detailed-exitcode"]).success();
}

/// Walks the call log in the order calls took effect: a lock is created only when none is
/// held, deleted only by its holder, and every Glacier call and every write of the state or a
/// journal is made by the process holding the lock.
fn assert_lock_discipline(env: &Env) {
    let mut calls: Vec<Value> = env
        .calls()
        .into_iter()
        .filter(|c| c["applied"].is_u64())
        .collect();
    calls.sort_by_key(|c| c["applied"].as_u64());
    let lock_key = format!("{KEY}.lock");
    let mut holder: Option<String> = None;
    let mut acquisitions = 0;
    for c in &calls {
        let who = c["access_key"].as_str().unwrap_or_default().to_string();
        let op = c["operation"].as_str().unwrap_or_default();
        let key = c["params"]["Key"].as_str().unwrap_or_default();
        let ok = c["status"].as_u64().is_some_and(|s| s < 300);
        match (op, key == lock_key) {
            ("PutObject", true) if ok => {
                assert_eq!(holder, None, "{who} took a held lock: {c}");
                holder = Some(who);
                acquisitions += 1;
            }
            ("DeleteObject", true) if ok => {
                assert_eq!(holder.as_deref(), Some(who.as_str()), "{c}");
                holder = None;
            }
            ("InitiateVaultLock", _) | ("PutObject", false) | ("DeleteObject", false) => {
                assert_eq!(
                    holder.as_deref(),
                    Some(who.as_str()),
                    "{op} by a process without the lock: {c}"
                );
            }
            _ => {}
        }
    }
    assert_eq!(acquisitions, 8 * 20);
    assert_eq!(holder, None);
}

//! One project, one identity (DESIGN.md section 5.8 and section 8), and the one writing rule
//! (section 5, "Files lockward writes never destroy others"), attacked through the binary:
//! two paths to one config, an approval carried to another state store, an errored state file
//! pushed into another project's backend, a store created behind the apply's back, and
//! commands pointed at files they must not write or must not wait on.

use std::fs;
use std::path::Path;
use std::process::Stdio;

use lockward_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

use crate::support::{finish, job, vault, wait_until, Env, SAMPLE_JOB, T0};

const KEY: &str = "prod/lockward.state.json";
const BUCKET: &str = "lockward-state";
const CODE: &str = "12345-abcde-56789-fghij-01234";

fn count(env: &Env, operation: &str) -> usize {
    env.mutating_calls()
        .iter()
        .filter(|c| *c == operation)
        .count()
}

fn digest_of(run: &crate::support::Run) -> String {
    let plan: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    plan["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string()
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// `-c a/lockward.yaml` and `-c b/lockward.yaml`, both symlinks to one config: one project,
/// one state, one journal, one delivery of the code.
#[test]
fn two_symlinks_to_one_config_are_one_project_with_one_state_and_one_delivery() {
    let env = Env::new();
    env.seed(json!({"snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)]}));
    env.write(
        "real/lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n\
             snowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    deliver_to: site-a.code\n",
            env.emulator.url()
        ),
    );
    for side in ["a", "b"] {
        fs::create_dir(env.path(side)).unwrap();
        std::os::unix::fs::symlink(
            "../real/lockward.yaml",
            env.path(&format!("{side}/lockward.yaml")),
        )
        .unwrap();
    }
    let plan_a = env.lockward(&["plan", "-c", "a/lockward.yaml", "--format", "json"]);
    let plan_b = env.lockward(&["plan", "-c", "b/lockward.yaml", "--format", "json"]);
    let digest = digest_of(&plan_a);
    assert_eq!(digest, digest_of(&plan_b), "one project, one plan");
    let plan: Value = serde_json::from_str(&plan_a.stdout).unwrap();
    assert_eq!(
        plan["state_store"],
        json!({"backend": "local", "path": "lockward.state.json", "lineage": null})
    );

    env.lockward(&["apply", "-c", "a/lockward.yaml", "--approve", &digest])
        .success();
    assert_eq!(env.read("real/site-a.code"), CODE);
    assert!(env.path("real/lockward.state.json").exists());
    for stray in [
        "a/lockward.state.json",
        "b/lockward.state.json",
        "a/site-a.code",
        "b/site-a.code",
    ] {
        assert!(!env.path(stray).exists(), "{stray} was written");
    }
    // The same approval through the other name is the same project's: the code is delivered.
    env.lockward(&["apply", "-c", "b/lockward.yaml", "--approve", &digest])
        .success()
        .stderr_has("Nothing to apply");
    assert_eq!(
        count(&env, "GetJobUnlockCode"),
        1,
        "one code, one retrieval"
    );
    assert!(!env.path("b/lockward.state.json").exists());
}

/// A second S3 at the same address the config gives (the backend's provider leaves its
/// endpoint to the environment) is another state store: an approval made against one never
/// runs against the other.
#[test]
fn an_approval_never_runs_against_another_s3_state_store_chosen_by_the_environment() {
    let env = Env::new();
    let other = lockward_emulator::spawn(EmulatorConfig {
        frozen_clock: true,
        clock_start: Some(T0.parse().unwrap()),
        ..EmulatorConfig::default()
    })
    .unwrap();
    for s3 in [&env.emulator, &other] {
        s3.seed(
            json!({"s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled"}]}),
        )
        .unwrap();
    }
    env.seed(json!({"glacier": [vault("v0")]}));
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n  \
             state:\n    region: us-east-1\nbackend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n    \
             provider: state\nglacier_vault_lock:\n  v0:\n    vault: v0\n    policy_file: \
             policies/audit.json\n    state: in_progress\n",
            env.emulator.url()
        ),
    );
    let with = |args: &[&str], s3: Option<&Emulator>| {
        let mut cmd = env.command(args);
        cmd.env("AWS_ENDPOINT_URL", env.emulator.url());
        if let Some(s3) = s3 {
            cmd.env("AWS_ENDPOINT_URL_S3", s3.url());
        }
        env.run(&mut cmd)
    };
    let planned = with(&["plan", "--format", "json"], None);
    let digest = digest_of(&planned);
    let plan: Value = serde_json::from_str(&planned.stdout).unwrap();
    assert_eq!(plan["state_store"]["backend"], "s3");
    assert_eq!(plan["state_store"]["bucket"], BUCKET);
    assert_eq!(plan["state_store"]["lineage"], Value::Null);

    with(&["apply", "--approve", &digest], Some(&other))
        .code(1)
        .stderr_has("apply refused");
    assert_eq!(count(&env, "InitiateVaultLock"), 0, "nothing ran");
    assert!(
        other.state()["s3"][0]["objects"]
            .as_array()
            .is_none_or(|o| o
                .iter()
                .all(|o| !o["key"].as_str().unwrap().ends_with(".json"))),
        "no state was written to the other S3: {}",
        other.state()
    );
    // The approval is good where it was made.
    with(&["apply", "--approve", &digest], None).success();
    assert_eq!(count(&env, "InitiateVaultLock"), 1);
}

/// The state store did not exist when the plan was made, and someone creates it while the
/// apply reads the live state: the apply's exclusive creation finds it, refuses the plan as
/// stale before any mutating call, and leaves what it found alone. Locally and in S3.
#[test]
fn a_state_store_created_behind_the_apply_makes_the_plan_stale_before_any_call() {
    for s3 in [false, true] {
        let env = Env::new();
        env.seed(json!({"glacier": [vault("v0")]}));
        let backend = if s3 {
            env.seed(
                json!({"s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled"}]}),
            );
            format!("backend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n")
        } else {
            String::new()
        };
        env.config(&format!(
            "{backend}glacier_vault_lock:\n  v0:\n    vault: v0\n    policy_file: policies/audit.json\n    \
             state: in_progress\n"
        ));
        env.faults(json!({"rules": [{"operation": "GetVaultLock", "kind": "hold", "times": 1}]}));
        let child = env
            .command(&["apply", "--auto-approve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_until("the apply reads the vault", || {
            env.calls().iter().any(|c| c["operation"] == "GetVaultLock")
        });
        let theirs = json!({"format_version": 1, "lineage": "7f1c0a8e-0000-4000-8000-00000000beef",
                            "serial": 4, "resources": {}})
        .to_string();
        if s3 {
            env.seed(
                json!({"s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
                                    "objects": [{"key": KEY, "body": theirs}]}]}),
            );
        } else {
            env.write("lockward.state.json", &theirs);
        }
        env.faults(json!({"rules": []}));
        finish(child)
            .code(1)
            .stderr_has("the plan is stale, so nothing was applied");
        assert_eq!(count(&env, "InitiateVaultLock"), 0, "s3: {s3}");
        if !s3 {
            assert_eq!(env.read("lockward.state.json"), theirs, "left alone");
        }
    }
}

/// A valid S3 state body with `lineage`, for seeding.
fn state_body(lineage: &str, serial: u64) -> String {
    json!({"format_version": 1, "lineage": lineage, "serial": serial, "resources": {}}).to_string()
}

fn s3_project(env: &Env, dir: &str, key: &str, vaults: &[&str]) {
    let mut text = format!(
        "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n\
         backend:\n  s3:\n    bucket: {BUCKET}\n    key: {key}\nglacier_vault_lock:\n",
        env.emulator.url()
    );
    for v in vaults {
        text.push_str(&format!(
            "  {v}:\n    vault: {v}\n    policy_file: policies/audit.json\n    state: in_progress\n"
        ));
    }
    env.write(&format!("{dir}lockward.yaml"), &text);
    if !dir.is_empty() {
        env.write(&format!("{dir}policies/audit.json"), crate::support::POLICY);
    }
}

/// An errored state file names the backend and the lock it came from, and `state push`
/// refuses it anywhere else: pushed into another project's backend, it would be taken for
/// that state and deleted.
#[test]
fn state_push_refuses_an_errored_file_from_another_backend_and_keeps_it() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("v0")],
                    "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
                            "objects": [{"key": KEY, "body": state_body("7f1c0a8e-0000-4000-8000-0000000000a1", 1)}]}]}));
    s3_project(&env, "", KEY, &["v0"]);
    // Another project, whose state is another key in the same bucket, not created yet.
    s3_project(&env, "other/", "other/lockward.state.json", &["v0"]);
    env.faults(
        json!({"rules": [{"operation": "PutObject", "key": KEY, "kind": "drop_before_apply"}]}),
    );
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("lockward state push");
    env.faults(json!({"rules": []}));
    let errored: Vec<_> = fs::read_dir(env.dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("lockward.errored.") && n.ends_with(".state.json"))
        .collect();
    let [name] = errored.as_slice() else {
        panic!("one errored state file: {errored:?}")
    };
    let path = env.path(name);
    let text = fs::read_to_string(&path).unwrap();
    let kept: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(kept["errored_from"]["bucket"], BUCKET);
    assert_eq!(kept["errored_from"]["key"], KEY);
    assert!(name.contains(kept["errored_from"]["lock_id"].as_str().unwrap()));

    env.lockward(&[
        "state",
        "push",
        "-c",
        "other/lockward.yaml",
        path.to_str().unwrap(),
    ])
    .code(1)
    .stderr_has("nothing was pushed");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text,
        "the file is kept as it was"
    );
    let keys: Vec<String> = env.aws_state()["s3"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap().to_string())
        .collect();
    assert!(
        keys.iter().all(|k| !k.starts_with("other/")),
        "nothing was written to the other state: {keys:?}"
    );
    // A file that does not say where it came from is not pushed either.
    let mut stripped = kept.clone();
    stripped.as_object_mut().unwrap().remove("errored_from");
    let anonymous = env.path(&name.replace(".state.json", "x.state.json"));
    fs::write(&anonymous, stripped.to_string()).unwrap();
    env.lockward(&["state", "push", anonymous.to_str().unwrap()])
        .code(1)
        .stderr_has("does not name the backend it came from");
    fs::remove_file(&anonymous).unwrap();
    // Where it came from, it is pushed.
    env.lockward(&["state", "push", path.to_str().unwrap()])
        .success();
    assert!(!path.exists());
}

/// The origin an errored file names is checked even where the other backend holds a copy of
/// the same state (same lineage and serial: a state copied to a new key), which the check of
/// lineage and serial alone would take for the file's own.
#[test]
fn state_push_refuses_an_errored_file_even_into_a_copy_of_its_state() {
    let env = Env::new();
    let body = state_body("7f1c0a8e-0000-4000-8000-0000000000a1", 1);
    let copy = "other/lockward.state.json";
    env.seed(json!({"glacier": [vault("v0")],
                    "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
                            "objects": [{"key": KEY, "body": body}, {"key": copy, "body": body}]}]}));
    s3_project(&env, "", KEY, &["v0"]);
    s3_project(&env, "other/", copy, &["v0"]);
    env.faults(
        json!({"rules": [{"operation": "PutObject", "key": KEY, "kind": "drop_before_apply"}]}),
    );
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("lockward state push");
    env.faults(json!({"rules": []}));
    let name = fs::read_dir(env.dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.starts_with("lockward.errored.") && n.ends_with(".state.json"))
        .expect("an errored state file");
    let path = env.path(&name);
    let text = fs::read_to_string(&path).unwrap();
    let object = |key: &str| {
        env.aws_state()["s3"][0]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key"] == key)
            .cloned()
    };
    let before = object(copy);
    env.lockward(&[
        "state",
        "push",
        "-c",
        "other/lockward.yaml",
        path.to_str().unwrap(),
    ])
    .code(1)
    .stderr_has("nothing was pushed");
    assert_eq!(fs::read_to_string(&path).unwrap(), text, "the file is kept");
    assert_eq!(object(copy), before, "the copy was not written");
}

/// A state key that is another state's lock, backup or journal is a located config error.
#[test]
fn a_backend_key_that_names_another_states_objects_is_refused() {
    for key in [
        "prod/a.json.lock",
        "prod/a.json.backup",
        "prod/a.json.journal/x.jsonl",
    ] {
        let env = Env::new();
        env.config(&format!(
            "backend:\n  s3:\n    bucket: {BUCKET}\n    key: {key}\n"
        ));
        let run = env.lockward(&["validate"]);
        assert_ne!(run.code, 0, "{key}: {}", run.stderr);
        run.stderr_has("lockward.yaml:")
            .stderr_has("could be another state's");
        assert!(env.calls().is_empty());
    }
}

/// Every call of the S3 backend names the bucket's expected owner: the backend provider's
/// account by default, `backend.s3.expected_owner` when given (a bucket of that name owned by
/// another account is refused by S3).
#[test]
fn every_backend_call_names_the_expected_bucket_owner() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("v0")],
                    "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled"}]}));
    s3_project(&env, "", KEY, &["v0"]);
    env.lockward(&["apply", "--auto-approve"]).success();
    env.lockward(&["plan"]).success();
    let backend_calls: Vec<Value> = env
        .calls()
        .into_iter()
        .filter(|c| c["params"]["Bucket"] == BUCKET)
        .collect();
    assert!(backend_calls.len() > 5);
    for call in &backend_calls {
        assert_eq!(
            call["params"]["ExpectedBucketOwner"], "123456789012",
            "{call}"
        );
    }
    let text = env.read("lockward.yaml").replace(
        &format!("key: {KEY}\n"),
        &format!("key: {KEY}\n    expected_owner: \"999999999999\"\n"),
    );
    env.write("lockward.yaml", &text);
    env.lockward(&["plan"])
        .code(1)
        .stderr_has("belongs to account 999999999999");
}

/// `LOCKWARD_NOW` is refused before the state backend is called, not after it was read.
#[test]
fn lockward_now_is_checked_before_the_first_backend_call() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("v0")],
                    "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled"}]}));
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n  \
             state:\n    region: us-east-1\nbackend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n    \
             provider: state\nglacier_vault_lock:\n  v0:\n    vault: v0\n    policy_file: \
             policies/audit.json\n    state: in_progress\n",
            env.emulator.url()
        ),
    );
    for command in [&["plan"][..], &["apply", "--auto-approve"], &["show"]] {
        let mut cmd = env.command(command);
        // The backend's S3 and STS calls reach the emulator; its other services would not.
        cmd.env("AWS_ENDPOINT_URL_S3", env.emulator.url())
            .env("AWS_ENDPOINT_URL_STS", env.emulator.url());
        env.run(&mut cmd).code(1).stderr_has("LOCKWARD_NOW is set");
        assert!(env.calls().is_empty(), "{command:?}: {:?}", env.calls());
    }
}

/// A config that gives the state bucket Object Lock is a conflict; a state bucket without
/// versioning, or with Object Lock set by others, is a warning.
#[test]
fn the_state_bucket_is_never_given_object_lock_and_its_risks_are_warned() {
    let env = Env::new();
    env.seed(json!({"s3": [{"region": "us-east-1", "bucket": BUCKET}]}));
    env.config(&format!(
        "backend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\ns3_object_lock:\n  state:\n    \
         bucket: {BUCKET}\n    object_lock: enabled\n    default_retention: none\n"
    ));
    let run = env.lockward(&["plan"]);
    assert!(
        run.stdout
            .contains("the bucket that keeps lockward's own state"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    run.code(1).stderr_has("does not have versioning enabled");
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(env
        .mutating_calls()
        .iter()
        .all(|c| c != "PutObjectLockConfiguration" && c != "PutBucketVersioning"));
    // Object Lock set by someone else: a warning.
    let env = Env::new();
    env.seed(json!({"glacier": [vault("v0")],
                    "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
                            "object_lock": {"enabled": true}}]}));
    s3_project(&env, "", KEY, &["v0"]);
    env.lockward(&["plan"])
        .success()
        .stderr_has("has Object Lock enabled (set outside lockward)");
}

/// A lock object lockward did not write (no lockward body): the hint names a command that
/// releases exactly that object, and it works as typed.
#[test]
fn the_hint_for_a_lock_lockward_did_not_write_works_as_typed() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("v0")],
                    "s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
                            "objects": [{"key": format!("{KEY}.lock"), "body": "held by a script"}]}]}));
    s3_project(&env, "", KEY, &["v0"]);
    let run = env.lockward(&["apply", "--auto-approve"]);
    run.code(1).stderr_has("not said who it is");
    let hint = run
        .stderr
        .split('`')
        .find(|part| part.starts_with("lockward force-unlock"))
        .unwrap_or_else(|| panic!("no command in the hint: {}", run.stderr))
        .to_string();
    assert!(!hint.contains("LOCK_ID"), "{hint}");
    // Run exactly what was printed, through a shell, with the binary as `lockward` and the
    // environment every test run has.
    let bin = Path::new(env!("CARGO_BIN_EXE_lockward")).parent().unwrap();
    let template = env.command(&[]);
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c").arg(&hint).current_dir(env.dir()).env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    sh.env(
        "PATH",
        format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    );
    env.run(&mut sh).success();
    env.lockward(&["apply", "--auto-approve"]).success();
}

/// `demo --dir .` in a real project refuses before writing anything; a demo directory can be
/// used again.
#[test]
fn demo_never_writes_into_a_real_project_and_runs_twice_in_its_own_directory() {
    let env = crate::support::project_of_every_kind(CODE);
    env.write("lockward.state.json", "{\"kept\": true}");
    let before: Vec<(String, String)> = [
        "lockward.yaml",
        "lockward.state.json",
        "policies/audit.json",
    ]
    .iter()
    .map(|f| (f.to_string(), env.read(f)))
    .collect();
    env.lockward(&["demo", "--dir", "."])
        .code(1)
        .stderr_has("refusing to run the demo");
    for (f, text) in before {
        assert_eq!(env.read(&f), text, "{f} was changed");
    }
    for _ in 0..2 {
        env.lockward(&["demo", "--dir", "demo"]).success();
    }
    assert!(env.path("demo/lockward.state.json").exists());
    env.write("demo/mine.txt", "not the demo's");
    env.lockward(&["demo", "--dir", "demo"])
        .code(1)
        .stderr_has("mine.txt");
    assert_eq!(env.read("demo/mine.txt"), "not the demo's");
}

/// A FIFO where lockward reads or writes a file is refused at once, never waited on.
#[test]
fn a_fifo_is_refused_never_waited_on() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("v0")]}));
    env.config(
        "glacier_vault_lock:\n  v0:\n    vault: v0\n    policy_file: policies/audit.json\n    \
         state: in_progress\n",
    );
    mkfifo(&env.path("plan.fifo"));
    env.lockward(&["plan", "--out", "plan.fifo"])
        .code(1)
        .stderr_has("not a regular file");
    mkfifo(&env.path("config.fifo"));
    env.lockward(&["plan", "-c", "config.fifo"])
        .code(1)
        .stderr_has("a FIFO");
    fs::remove_file(env.path("policies/audit.json")).unwrap();
    mkfifo(&env.path("policies/audit.json"));
    env.lockward(&["plan"]).code(1).stderr_has("a FIFO");
}

/// `man --dir` replaces only its own pages: another file of that name is refused and kept.
#[test]
fn man_dir_writes_only_its_own_pages() {
    let env = Env::new();
    env.lockward(&["man", "--dir", "man"]).success();
    env.lockward(&["man", "--dir", "man"]).success();
    assert!(env.read("man/lockward-plan.1").contains(".TH"));
    env.write("man/lockward-apply.1", "my notes");
    env.lockward(&["man", "--dir", "man"])
        .code(1)
        .stderr_has("not a lockward manual page");
    assert_eq!(env.read("man/lockward-apply.1"), "my notes");
    fs::remove_file(env.path("man/lockward-show.1")).unwrap();
    std::os::unix::fs::symlink(env.path("elsewhere"), env.path("man/lockward-show.1")).unwrap();
    fs::remove_file(env.path("man/lockward-apply.1")).unwrap();
    env.lockward(&["man", "--dir", "man"])
        .code(1)
        .stderr_has("symbolic link");
    assert!(!env.path("elsewhere").exists());
}

/// A plan with an irreversible action against a local state says the guarantee is per copy
/// of the file, and warns when git tracks the state file.
#[test]
fn a_local_state_plan_says_the_guarantee_is_per_copy_and_warns_when_git_tracks_it() {
    let env = crate::support::project_of_every_kind(CODE);
    let run = env.lockward(&["plan"]);
    run.success().stdout_has("holds per copy of this file");
    assert!(!run.stderr.contains("tracked by git"), "{}", run.stderr);
    env.lockward(&["plan", "--format", "markdown"])
        .success()
        .stdout_has("holds per copy of this file");
    env.write(
        "lockward.state.json",
        &state_body("7f1c0a8e-0000-4000-8000-0000000000a2", 1),
    );
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(env.dir())
            .env("HOME", env.dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "lockward.state.json"]);
    env.lockward(&["plan"])
        .success()
        .stderr_has("is tracked by git");
}

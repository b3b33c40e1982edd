//! `lockward apply` through the real binary against the emulator: the safety protocol of
//! DESIGN.md section 5 (issue 5's "Done when").
//!
//! Every apply here is approved the way CI approves one, with `--approve DIGEST` taken from a
//! plan the test read first, so an irreversible call can be traced to the approval that allowed
//! it. Emulator faults stand in for AWS misbehaving; a killed child process for a crash.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use lockward::state::lock::StateLock;
use lockward::state::StateStore;
use serde_json::{json, Value};

use crate::support::{job, rule, vault, vault_locked, Env, Run, OTHER_POLICY, POLICY};

// ---- configs and seeds ------------------------------------------------------------------------

/// Every dash-separated group is distinctive (not a run of digits or hex, which account ids,
/// digests and lineages are made of), so that a fragment found anywhere can only be the code.
const CODE: &str = "Q7XKM-P9LRZ-T4WNB-H3DVY-C6FJU";
const JOB: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const RULE: &str = "a1B2c3D4e5F";
const AUDIT: &str = "glacier_vault_lock.audit";
const SITE_A: &str = "snowball_unlock_code.site_a";

fn glacier(state: &str, extra: &str) -> String {
    format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: {state}\n{extra}"
    )
}

fn rbin(state: &str) -> String {
    let delay = if state == "locked" {
        "    unlock_delay_days: 7\n"
    } else {
        ""
    };
    format!("rbin_rule_lock:\n  ebs:\n    rule_id: {RULE}\n    state: {state}\n{delay}")
}

fn snowball() -> String {
    format!("snowball_unlock_code:\n  site_a:\n    job_id: {JOB}\n    deliver_to: secrets/site-a.code\n")
}

/// A project with a Snowball job WithCustomer and a private `secrets/` directory to deliver to.
fn snowball_env() -> Env {
    let env = Env::new();
    env.seed(json!({"snowball": [job(JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)]}));
    env.config(&snowball());
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();
    env
}

// ---- plans, approvals, calls ------------------------------------------------------------------

/// `lockward plan --format json` (plus `extra`), which must succeed (exit 0, or 2 with
/// `--detailed-exitcode`); the plan JSON.
#[track_caller]
fn plan_json(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--format", "json"];
    args.extend_from_slice(extra);
    let run = env.lockward(&args);
    assert!(run.code == 0 || run.code == 2, "plan failed: {run:?}");
    serde_json::from_str(&run.stdout).expect("plan --format json prints JSON")
}

fn digest(plan: &Value) -> String {
    plan["digest"]
        .as_str()
        .expect("a plan has a digest")
        .to_string()
}

/// `(address, action)` of every ready action.
fn ready(plan: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in plan["resources"].as_array().unwrap() {
        for a in r["actions"].as_array().unwrap() {
            if a["status"] == "ready" {
                out.push((
                    r["address"].as_str().unwrap().to_string(),
                    a["action"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

fn outcome<'a>(plan: &'a Value, address: &str) -> &'a str {
    plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .expect("address in plan")["outcome"]
        .as_str()
        .unwrap()
}

/// Plans (`--out p.lwplan`) and applies exactly that plan with its digest.
fn plan_and_apply(env: &Env) -> (Value, Run) {
    let plan = plan_json(env, &["--out", "p.lwplan"]);
    let run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    (plan, run)
}

/// Plans and applies (approving each fresh plan) until nothing is ready, at most five rounds;
/// returns the last plan, which has no ready action and no conflict. Each round's approved plan
/// is kept in `approved`.
#[track_caller]
fn converge(env: &Env, approved: &mut Vec<Value>) -> Value {
    for _ in 0..5 {
        let plan = plan_json(env, &[]);
        assert_eq!(
            plan["summary"]["conflict"], 0,
            "the plan has a conflict: {plan:#}"
        );
        if ready(&plan).is_empty() {
            return plan;
        }
        env.lockward(&["apply", "--approve", &digest(&plan)])
            .success();
        approved.push(plan);
    }
    panic!("five approved applies did not converge: {:#?}", env.calls());
}

/// The operations of every call to `operation` in the call log.
fn calls_of(env: &Env, operation: &str) -> Vec<Value> {
    env.calls()
        .into_iter()
        .filter(|c| c["operation"] == operation)
        .collect()
}

/// Journal records of `action` in `phase`.
fn journal_records(env: &Env, action: &str, phase: &str) -> Vec<Value> {
    env.journal()
        .into_iter()
        .filter(|r| r["action"] == action && r["phase"] == phase)
        .collect()
}

fn emulator_vault(env: &Env) -> Value {
    env.aws_state()["glacier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vault"] == "audit-logs")
        .cloned()
        .unwrap()
}

fn emulator_rule(env: &Env) -> Value {
    env.aws_state()["rbin"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["identifier"] == RULE)
        .cloned()
        .unwrap()
}

/// Asserts a refused apply: exit 1, `message` on stderr, and no mutating call at all.
#[track_caller]
fn assert_refused(env: &Env, run: &Run, message: &str) {
    run.code(1).stderr_has(message);
    assert!(
        env.mutating_calls().is_empty(),
        "a refused apply made mutating calls: {:?}",
        env.mutating_calls()
    );
}

// ---- end to end -------------------------------------------------------------------------------

#[test]
fn saved_plan_approved_by_digest_locks_the_vault_and_records_the_lock_id() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", ""));
    let (plan, run) = plan_and_apply(&env);
    assert_eq!(
        ready(&plan),
        [
            (AUDIT.to_string(), "initiate_lock".into()),
            (AUDIT.to_string(), "complete_lock".into())
        ]
    );
    run.success().stderr_has("complete_lock done");

    let live = emulator_vault(&env);
    assert_eq!(live["lock"]["state"], "Locked");
    let record = &env.state()["resources"][AUDIT];
    assert_eq!(
        record["lock_id"], live["lock"]["lock_id"],
        "the state file holds the emulator's lock id"
    );
    assert!(record["completed_at"].is_string());
    assert_eq!(
        env.mutating_calls(),
        ["InitiateVaultLock", "CompleteVaultLock"]
    );
    let complete = &calls_of(&env, "CompleteVaultLock")[0];
    assert_eq!(complete["params"]["lockId"], live["lock"]["lock_id"]);
    // Every mutating call has its intent before and its done after.
    let phases: Vec<(String, String)> = env
        .journal()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("initiate_lock", "intent"),
        ("initiate_lock", "done"),
        ("complete_lock", "intent"),
        ("complete_lock", "done"),
    ];
    assert_eq!(
        phases,
        expected.map(|(a, p)| (a.to_string(), p.to_string()))
    );
    assert!(env
        .journal()
        .iter()
        .all(|r| r["plan_digest"] == plan["digest"]));
    assert_eq!(
        fs::metadata(env.path("lockward.state.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
    assert_eq!(
        env.mutating_calls().len(),
        2,
        "planning again called nothing mutating"
    );
}

#[test]
fn approve_without_a_plan_file_plans_afresh_and_accepts_the_12_digit_prefix() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    let plan = plan_json(&env, &[]);
    let full = digest(&plan);
    let short = &full["sha256:".len().."sha256:".len() + 12];
    env.lockward(&["apply", "--approve", short]).success();
    assert_eq!(emulator_vault(&env)["lock"]["state"], "InProgress");
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn two_phase_lock_completes_only_after_min_test_period_in_a_later_apply() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", "    min_test_period: 2h\n"));

    // First apply: initiate; complete waits.
    let (first, run) = plan_and_apply(&env);
    assert_eq!(ready(&first), [(AUDIT.to_string(), "initiate_lock".into())]);
    run.success();
    assert_eq!(env.mutating_calls(), ["InitiateVaultLock"]);
    let live = emulator_vault(&env);
    assert_eq!(live["lock"]["state"], "InProgress");
    let record = env.state()["resources"][AUDIT].clone();
    assert_eq!(record["lock_id"], live["lock"]["lock_id"]);
    assert!(
        record["initiated_at"].is_string(),
        "the CreationDate is recorded: {record}"
    );
    assert!(record["completed_at"].is_null());

    // An hour later: complete is deferred until 2 h after the CreationDate; nothing to do.
    env.advance_clock(3600);
    let waiting = plan_json(&env, &[]);
    assert_eq!(outcome(&waiting, AUDIT), "blocked");
    let complete = &waiting["resources"][0]["actions"][0];
    assert_eq!(
        (complete["action"].as_str(), complete["status"].as_str()),
        (Some("complete_lock"), Some("deferred"))
    );
    assert!(complete["not_before"].is_string());
    env.lockward(&["apply", "--approve", &digest(&waiting)])
        .success()
        .stderr_has("Nothing to apply");
    assert_eq!(env.mutating_calls(), ["InitiateVaultLock"]);
    assert_eq!(emulator_vault(&env)["lock"]["state"], "InProgress");

    // Past 2 h: the third apply completes the lock lockward initiated.
    env.advance_clock(3601);
    let (third, run) = plan_and_apply(&env);
    assert_eq!(ready(&third), [(AUDIT.to_string(), "complete_lock".into())]);
    run.success();
    assert_eq!(
        env.mutating_calls(),
        ["InitiateVaultLock", "CompleteVaultLock"]
    );
    let live = emulator_vault(&env);
    assert_eq!(live["lock"]["state"], "Locked");
    assert_eq!(
        calls_of(&env, "CompleteVaultLock")[0]["params"]["lockId"],
        live["lock"]["lock_id"]
    );
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn rbin_rule_locks_unlocks_and_relocks_during_the_unlock_delay() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, Value::Null, None)]}));

    env.config(&rbin("locked"));
    plan_and_apply(&env).1.success();
    let live = emulator_rule(&env);
    assert_eq!(
        (
            live["lock_state"].as_str(),
            live["unlock_delay_days"].as_u64()
        ),
        (Some("locked"), Some(7))
    );
    let record = &env.state()["resources"]["rbin_rule_lock.ebs"];
    assert_eq!(record["unlock_delay_days"], 7);

    env.config(&rbin("unlocked"));
    let (plan, run) = plan_and_apply(&env);
    assert_eq!(
        ready(&plan),
        [("rbin_rule_lock.ebs".to_string(), "unlock_rule".into())]
    );
    run.success();
    assert_eq!(emulator_rule(&env)["lock_state"], "pending_unlock");
    assert!(env.state()["resources"]["rbin_rule_lock.ebs"]["unlock_requested_at"].is_string());
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);

    // A day into the 7-day delay, the configuration wants it locked again.
    env.advance_clock(24 * 3600);
    env.config(&rbin("locked"));
    let (plan, run) = plan_and_apply(&env);
    assert_eq!(
        ready(&plan),
        [("rbin_rule_lock.ebs".to_string(), "lock_rule".into())]
    );
    run.success();
    assert_eq!(emulator_rule(&env)["lock_state"], "locked");
    assert_eq!(env.mutating_calls(), ["LockRule", "UnlockRule", "LockRule"]);
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

/// Every file under `dir`, recursively, except `skip`.
fn files_under(dir: &Path, skip: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, skip, out);
        } else if path != skip {
            out.push(path);
        }
    }
}

#[test]
fn snowball_code_reaches_only_its_file() {
    let env = snowball_env();
    let mut seen = String::new();
    let plan_run = env.lockward(&["plan", "--out", "p.lwplan"]);
    plan_run.success();
    let json_run = env.lockward(&["plan", "--format", "json"]);
    let markdown_run = env.lockward(&["plan", "--format", "markdown"]);
    let plan: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(
        ready(&plan),
        [(SITE_A.to_string(), "retrieve_unlock_code".into())]
    );
    let apply_run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    apply_run.success().stderr_has("retrieve_unlock_code done");
    let after = env.lockward(&["plan", "--detailed-exitcode"]);
    after.code(0);
    let show_plan = env.lockward(&["show", "p.lwplan"]);
    let show_state = env.lockward(&["show"]);
    for run in [
        &plan_run,
        &json_run,
        &markdown_run,
        &apply_run,
        &after,
        &show_plan,
        &show_state,
    ] {
        seen.push_str(&run.stdout);
        seen.push_str(&run.stderr);
    }

    let delivered = env.path("secrets/site-a.code");
    assert_eq!(fs::read_to_string(&delivered).unwrap(), CODE);
    assert_eq!(
        fs::metadata(&delivered).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let record = &env.state()["resources"][SITE_A];
    assert_eq!(
        record["fingerprint"],
        lockward::digest::sha256(CODE.as_bytes())
    );
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 1);

    // Nowhere else: not in any output, nor in any other file lockward wrote (the plan, the
    // state and its backup, the journal, the lock file), nor in a file left behind.
    let mut files = Vec::new();
    files_under(env.dir(), &delivered, &mut files);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "p.lwplan",
        "lockward.state.json",
        "lockward.state.json.journal.jsonl",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    for file in &files {
        seen.push_str(&String::from_utf8_lossy(&fs::read(file).unwrap()));
    }
    assert!(
        seen.contains("retrieve_unlock_code"),
        "the scan read the outputs"
    );
    // Also no fragment of it: each dash-separated group of the code.
    assert!(!seen.contains(CODE), "the unlock code leaked");
    for group in CODE.split('-') {
        if let Some(at) = seen.find(group) {
            let from = seen[..at]
                .char_indices()
                .rev()
                .nth(60)
                .map_or(0, |(i, _)| i);
            let to = (at + 60).min(seen.len());
            panic!(
                "a fragment of the unlock code leaked: {group} in …{}…",
                seen.get(from..to).unwrap_or("")
            );
        }
    }
    assert_eq!(
        names.iter().filter(|n| n.contains("site-a")).count(),
        0,
        "no temp file left: {names:?}"
    );
}

#[test]
fn snowball_deliver_to_that_exists_is_refused_and_left_alone() {
    let env = snowball_env();
    env.write("secrets/site-a.code", "someone else's file");
    let plan = plan_run_any(&env);
    assert_eq!(outcome(&plan, SITE_A), "conflict");
    let run = env.lockward(&["apply", "--approve", &digest(&plan)]);
    run.code(1)
        .stdout_has("`secrets/site-a.code` already exists")
        .stderr_has("conflicts, so nothing was applied");
    assert!(
        calls_of(&env, "GetJobUnlockCode").is_empty(),
        "the code was retrieved: {:?}",
        env.calls()
    );
    assert!(env.mutating_calls().is_empty());
    assert_eq!(env.read("secrets/site-a.code"), "someone else's file");
}

/// `plan --format json` whatever its exit code (a conflict exits 1 but still prints the plan).
fn plan_run_any(env: &Env) -> Value {
    let run = env.lockward(&["plan", "--format", "json"]);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("plan JSON ({e}): {run:?}"))
}

// ---- refusals: exit 1, a clear message, no mutating call -------------------------------------

#[test]
fn no_terminal_and_no_approval_is_refused() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    let plan = plan_json(&env, &[]);
    let run = env.lockward(&["apply"]);
    assert_refused(
        &env,
        &run,
        "no terminal to confirm on, and no approval given",
    );
    run.stderr_has(&format!("--approve {}", &digest(&plan)[7..19]));
}

#[test]
fn wrong_digest_is_refused() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", ""));
    let plan = plan_json(&env, &["--out", "p.lwplan"]);
    let wrong = format!("sha256:{}", "0".repeat(64));
    assert_ne!(wrong, digest(&plan));
    let run = env.lockward(&["apply", "--approve", &wrong, "p.lwplan"]);
    assert_refused(&env, &run, "does not match this plan's digest");
    let run = env.lockward(&["apply", "--approve", "0123456789ab"]);
    assert_refused(&env, &run, "does not match this plan's digest");
    let run = env.lockward(&["apply", "--approve", "01234"]);
    assert_refused(&env, &run, "at least the first 12 hex digits");
}

#[test]
fn auto_approve_is_refused_on_irreversible_and_delayed_plans() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")], "rbin": [rule(RULE, Value::Null, None)]}));
    env.config(&glacier("locked", ""));
    let run = env.lockward(&["apply", "--auto-approve"]);
    assert_refused(
        &env,
        &run,
        "--auto-approve approves only plans whose actions are all reversible",
    );
    run.stderr_has("glacier_vault_lock.audit (complete_lock)");
    env.config(&rbin("locked"));
    let run = env.lockward(&["apply", "--auto-approve"]);
    assert_refused(
        &env,
        &run,
        "1 delayed action(s): rbin_rule_lock.ebs (lock_rule)",
    );
}

#[test]
fn auto_approve_is_accepted_on_an_all_reversible_plan() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(env.mutating_calls(), ["InitiateVaultLock"]);
    assert_eq!(emulator_vault(&env)["lock"]["state"], "InProgress");
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn stale_plan_after_a_config_change_is_refused() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    let plan = plan_json(&env, &["--out", "p.lwplan"]);
    env.config(&glacier("locked", ""));
    let run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    assert_refused(&env, &run, "stale");
}

/// The configuration the plan was reviewed with is part of the approval even where a change
/// leaves the plan's own decisions alone (here: a provider added): only the config digest
/// tells, and the plan is stale.
#[test]
fn stale_plan_after_a_config_change_that_leaves_its_decisions_alone_is_refused() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    let plan = plan_json(&env, &["--out", "p.lwplan"]);
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n  \
             other:\n    region: eu-west-1\n    endpoint_url: {url}\n{}",
            glacier("in_progress", "")
        ),
    );
    assert_eq!(
        digest(&plan_json(&env, &[])),
        digest(&plan),
        "the decision is the same"
    );
    let run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    assert_refused(&env, &run, "the configuration changed");
}

#[test]
fn stale_plan_after_a_live_change_is_refused() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", ""));
    let plan = plan_json(&env, &["--out", "p.lwplan"]);
    // Someone else initiates a lock with another policy in the meantime.
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", OTHER_POLICY, "2026-11-23T11:00:00Z")]}));
    let run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    assert_refused(&env, &run, "stale");
    run.stderr_has(AUDIT);
}

#[test]
fn stale_plan_after_a_state_file_change_is_refused() {
    let env = Env::new();
    env.seed(
        json!({"glacier": [vault("audit-logs")], "rbin": [rule(RULE, json!("locked"), Some(7))]}),
    );
    env.config(&format!("{}{}", glacier("in_progress", ""), rbin("locked")));
    // A first apply writes the state file.
    plan_and_apply(&env).1.success();
    env.config(&format!("{}{}", glacier("locked", ""), rbin("locked")));
    let plan = plan_json(&env, &["--out", "p.lwplan"]);
    assert_eq!(ready(&plan), [(AUDIT.to_string(), "complete_lock".into())]);
    // Another apply (or a person) wrote the state file since.
    let mut state = env.state();
    state["serial"] = json!(state["serial"].as_u64().unwrap() + 1);
    env.write(
        "lockward.state.json",
        &serde_json::to_string_pretty(&state).unwrap(),
    );
    let before = env.mutating_calls();
    let run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    run.code(1).stderr_has("stale");
    assert_eq!(
        env.mutating_calls(),
        before,
        "a stale plan made a mutating call"
    );
    assert_eq!(emulator_vault(&env)["lock"]["state"], "InProgress");
}

#[test]
fn held_state_lock_is_refused_at_once_naming_the_holder() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    let plan = plan_json(&env, &[]);
    let held =
        StateLock::acquire(&env.path("lockward.state.json"), "apply", Duration::ZERO).unwrap();
    let run = env.lockward(&["apply", "--approve", &digest(&plan)]);
    assert_refused(&env, &run, "the state is locked");
    run.stderr_has(&format!("pid {}", std::process::id()))
        .stderr_has(&held.holder().host);
    run.stderr_has(&held.holder().started_at.to_string());
    // Without --lock-timeout it gives up at once: the refusal says how long it waited when it
    // waited at all.
    assert!(
        !run.stderr.contains("after waiting"),
        "apply waited for the state lock:\n{}",
        run.stderr
    );
    drop(held);
    env.lockward(&["apply", "--approve", &digest(&plan)])
        .success();
}

#[test]
fn corrupt_state_file_is_refused_and_left_byte_identical() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", ""));
    let corrupt = b"{\"format_version\": 1, \"lineage\": \"x\", \"serial\": 3, \"resources\": {";
    fs::write(env.path("lockward.state.json"), corrupt).unwrap();
    let run = env.lockward(&["apply", "--auto-approve"]);
    assert_refused(&env, &run, "unreadable");
    assert_eq!(fs::read(env.path("lockward.state.json")).unwrap(), corrupt);
    assert!(!env.path("lockward.state.json.backup").exists());
}

#[test]
fn plan_with_a_conflict_is_never_applied() {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault_locked("audit-logs", "Locked", OTHER_POLICY, "2026-11-01T00:00:00Z")],
        "rbin": [rule(RULE, Value::Null, None)],
    }));
    env.config(&format!("{}{}", glacier("locked", ""), rbin("locked")));
    let plan = plan_run_any(&env);
    assert_eq!(outcome(&plan, AUDIT), "conflict");
    assert_eq!(outcome(&plan, "rbin_rule_lock.ebs"), "change");
    env.lockward(&["plan", "--out", "p.lwplan"]).code(1);
    assert!(
        !env.path("p.lwplan").exists(),
        "a plan with a conflict is not saved"
    );
    let run = env.lockward(&["apply", "--approve", &digest(&plan)]);
    assert_refused(&env, &run, "conflict");
}

// ---- faults: each mutating operation, each fault ----------------------------------------------

/// One fault scenario: a project whose first apply makes `operation`, and what converged means.
struct Scenario {
    operation: &'static str,
    setup: fn() -> Env,
    converged: fn(&Env),
}

fn glacier_from_none() -> Env {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", ""));
    env
}

/// Someone else's lock in progress, with another policy: abort, initiate, complete.
fn glacier_from_foreign_lock() -> Env {
    let env = Env::new();
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", OTHER_POLICY, "2026-11-23T11:00:00Z")]}));
    env.config(&glacier("locked", ""));
    env
}

fn rbin_never_locked() -> Env {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, Value::Null, None)]}));
    env.config(&rbin("locked"));
    env
}

fn rbin_locked_to_unlock() -> Env {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, json!("locked"), Some(7))]}));
    env.config(&rbin("unlocked"));
    env
}

/// The vault is Locked with the desired policy, by the lock whose id the state file records.
fn vault_locked_with_recorded_id(env: &Env) {
    let live = emulator_vault(env);
    assert_eq!(live["lock"]["state"], "Locked");
    assert_eq!(
        live["lock"]["policy"]
            .as_str()
            .map(|p| serde_json::from_str::<Value>(p).unwrap()),
        Some(serde_json::from_str(POLICY).unwrap())
    );
    assert_eq!(
        env.state()["resources"][AUDIT]["lock_id"],
        live["lock"]["lock_id"]
    );
}

fn rule_locked(env: &Env) {
    assert_eq!(emulator_rule(env)["lock_state"], "locked");
    assert_eq!(
        env.state()["resources"]["rbin_rule_lock.ebs"]["unlock_delay_days"],
        7
    );
}

fn rule_pending_unlock(env: &Env) {
    assert_eq!(emulator_rule(env)["lock_state"], "pending_unlock");
}

fn code_delivered(env: &Env) {
    assert_eq!(env.read("secrets/site-a.code"), CODE);
    assert_eq!(
        env.state()["resources"][SITE_A]["fingerprint"],
        lockward::digest::sha256(CODE.as_bytes())
    );
}

/// The faults each mutating operation meets, by name (`times: 1`: the first call only).
fn faults() -> [(&'static str, Value); 3] {
    [
        (
            "drop_after_apply",
            json!({"kind": "drop_after_apply", "times": 1}),
        ),
        (
            "error 500",
            json!({"kind": "error", "status": 500, "times": 1}),
        ),
        ("throttle", json!({"kind": "throttle", "times": 1})),
    ]
}

/// For each fault: the first apply meets it, then plan/apply converges, the state file stays
/// valid JSON, and no irreversible call is made twice or without an approval naming it.
fn run_faults(scenario: &Scenario) {
    for (name, mut rule) in faults() {
        let env = (scenario.setup)();
        rule["operation"] = json!(scenario.operation);
        env.faults(json!({"rules": [rule]}));
        let first = plan_json(&env, &[]);
        let run = env.lockward(&["apply", "--approve", &digest(&first)]);
        let context = format!("{} with {name}: {run:?}", scenario.operation);
        assert!(run.code == 0 || run.code == 1, "{context}");
        if run.code == 1 {
            assert!(
                run.stderr.contains("hint:"),
                "a failure says what to do next: {context}"
            );
        }
        assert!(
            !calls_of(&env, scenario.operation).is_empty(),
            "the fault was never met: {context}"
        );
        env.faults(json!({"rules": []}));
        if let Err(e) = StateStore::new(env.path("lockward.state.json")).load() {
            panic!("the state after the fault is not valid: {e}: {context}");
        }

        let mut approved = vec![first];
        let last = converge(&env, &mut approved);
        assert_eq!(last["summary"]["change"], 0, "{context}");
        (scenario.converged)(&env);
        // A throttled call was refused by AWS, not performed: it discloses nothing.
        let refused = usize::from(name == "throttle");
        assert_irreversible_calls_were_approved_once(&env, &approved, refused, &context);
    }
}

/// Each irreversible action lockward carried out (journal `intent`) was in a plan approved for
/// that apply, once per approved plan at most; every CompleteVaultLock named the lock id the
/// state file records; and GetJobUnlockCode was performed at most once per approving apply
/// (`refused` counts the calls a throttle fault refused without performing them).
fn assert_irreversible_calls_were_approved_once(
    env: &Env,
    approved: &[Value],
    refused: usize,
    context: &str,
) {
    for action in ["complete_lock", "retrieve_unlock_code"] {
        let approvals = approved
            .iter()
            .filter(|p| ready(p).iter().any(|(_, a)| a == action))
            .count();
        let intents = journal_records(env, action, "intent");
        // An attempt AWS refused for its rate did nothing (`failed` with `effect: none`): only
        // the others may have taken effect, at most once per approval.
        let did_nothing = journal_records(env, action, "failed")
            .iter()
            .filter(|r| r["effect"] == "none")
            .count();
        assert!(
            intents.len() - did_nothing <= approvals,
            "{action}: {} intents ({did_nothing} refused by AWS) for {approvals} approvals: {context}",
            intents.len()
        );
        for intent in &intents {
            let plan = intent["plan_digest"].as_str().unwrap();
            assert!(
                approved
                    .iter()
                    .any(|p| p["digest"] == plan && ready(p).iter().any(|(_, a)| a == action)),
                "{action} was carried out under plan {plan}, which no approval covered: {context}"
            );
        }
    }
    let completes = calls_of(env, "CompleteVaultLock");
    if !completes.is_empty() {
        let recorded = env.state()["resources"][AUDIT]["lock_id"].clone();
        assert!(
            completes.iter().all(|c| c["params"]["lockId"] == recorded),
            "CompleteVaultLock with another id: {context}"
        );
        assert_eq!(
            journal_records(env, "complete_lock", "intent").len(),
            1,
            "complete_lock decided once: {context}"
        );
    }
    let retrievals = calls_of(env, "GetJobUnlockCode")
        .len()
        .saturating_sub(refused);
    let approvals = approved
        .iter()
        .filter(|p| ready(p).iter().any(|(_, a)| a == "retrieve_unlock_code"))
        .count();
    assert!(
        retrievals <= approvals,
        "GetJobUnlockCode made {retrievals} times for {approvals} approvals: {context}"
    );
}

#[test]
fn faults_on_initiate_vault_lock_converge() {
    run_faults(&Scenario {
        operation: "InitiateVaultLock",
        setup: glacier_from_none,
        converged: vault_locked_with_recorded_id,
    });
}

#[test]
fn faults_on_complete_vault_lock_converge() {
    run_faults(&Scenario {
        operation: "CompleteVaultLock",
        setup: glacier_from_none,
        converged: vault_locked_with_recorded_id,
    });
}

#[test]
fn faults_on_abort_vault_lock_converge() {
    run_faults(&Scenario {
        operation: "AbortVaultLock",
        setup: glacier_from_foreign_lock,
        converged: vault_locked_with_recorded_id,
    });
}

#[test]
fn faults_on_lock_rule_converge() {
    run_faults(&Scenario {
        operation: "LockRule",
        setup: rbin_never_locked,
        converged: rule_locked,
    });
}

#[test]
fn faults_on_unlock_rule_converge() {
    run_faults(&Scenario {
        operation: "UnlockRule",
        setup: rbin_locked_to_unlock,
        converged: rule_pending_unlock,
    });
}

#[test]
fn faults_on_get_job_unlock_code_converge() {
    run_faults(&Scenario {
        operation: "GetJobUnlockCode",
        setup: snowball_env,
        converged: code_delivered,
    });
}

#[test]
fn snowball_deliver_to_created_after_planning_makes_the_plan_stale() {
    let env = snowball_env();
    let plan = plan_json(&env, &["--out", "p.lwplan"]);
    env.write("secrets/site-a.code", "someone else's file");
    let run = env.lockward(&["apply", "--approve", &digest(&plan), "p.lwplan"]);
    assert_refused(&env, &run, "stale");
    assert_eq!(env.read("secrets/site-a.code"), "someone else's file");
}

// ---- regressions ------------------------------------------------------------------------------

/// The SDK retried GetJobUnlockCode after its answer was lost, disclosing the code twice in one
/// apply. Now the call is never retried, and the unknown outcome is reported.
#[test]
fn regression_unlock_code_is_not_retrieved_again_after_a_dropped_answer() {
    let env = snowball_env();
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "drop_after_apply", "times": 1}]}));
    let first = plan_json(&env, &[]);
    let run = env.lockward(&["apply", "--approve", &digest(&first)]);
    run.code(1)
        .stderr_has("outcome is unknown")
        .stderr_has("only after you approve it again");
    assert_eq!(
        calls_of(&env, "GetJobUnlockCode").len(),
        1,
        "retried on its own"
    );
    assert!(!env.path("secrets/site-a.code").exists());
    assert!(env.state()["resources"].get(SITE_A).is_none());
    let failed = journal_records(&env, "retrieve_unlock_code", "failed");
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["detail"]["note"]
        .as_str()
        .unwrap()
        .contains("outcome unknown"));

    // The next retrieval needs an approval again: without one nothing is called.
    let again = plan_json(&env, &[]);
    assert_eq!(
        ready(&again),
        [(SITE_A.to_string(), "retrieve_unlock_code".into())]
    );
    env.lockward(&["apply"])
        .code(1)
        .stderr_has("no approval given");
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 1);
    env.lockward(&["apply", "--approve", &digest(&again)])
        .success();
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 2);
    code_delivered(&env);
}

/// UnlockRule's answer was lost, the SDK retried, and the retry met ConflictException (the rule
/// was already pending unlock): the apply failed and the journal said `failed` for an unlock
/// that had happened. Now the rule is re-read and the unlock recorded.
#[test]
fn regression_unlock_rule_whose_answer_was_lost_is_recorded_as_done() {
    let env = rbin_locked_to_unlock();
    env.faults(
        json!({"rules": [{"operation": "UnlockRule", "kind": "drop_after_apply", "times": 1}]}),
    );
    let plan = plan_json(&env, &[]);
    env.lockward(&["apply", "--approve", &digest(&plan)])
        .success()
        .stderr_has("unlock_rule done");
    rule_pending_unlock(&env);
    assert!(env.state()["resources"]["rbin_rule_lock.ebs"]["unlock_requested_at"].is_string());
    assert_eq!(journal_records(&env, "unlock_rule", "recovered").len(), 1);
    assert_eq!(journal_records(&env, "unlock_rule", "done").len(), 1);
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

// ---- a crash between the call and the state write ---------------------------------------------

/// Spawns `lockward apply --approve DIGEST`, waits (bounded) until `reached` holds on the
/// emulator, then kills it with SIGKILL.
fn kill_apply_when(env: &Env, digest: &str, reached: impl Fn(&Env) -> bool) {
    let mut child = env
        .command(&["apply", "--approve", digest])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn lockward");
    let mut seen = false;
    for _ in 0..3000 {
        if reached(env) {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL lockward");
    let status = child.wait().unwrap();
    assert!(
        seen,
        "the emulator never reached the awaited state; lockward exited with {status}"
    );
    assert!(
        status.code().is_none(),
        "lockward was killed, not finished: {status}"
    );
}

#[test]
fn sigkill_after_initiate_took_effect_converges_by_abort_and_initiate_again() {
    let env = glacier_from_none();
    let plan = plan_json(&env, &[]);
    env.faults(json!({"rules": [{"operation": "InitiateVaultLock", "kind": "latency_after_apply", "ms": 60000, "times": 1}]}));
    kill_apply_when(&env, &digest(&plan), |env| {
        emulator_vault(env).get("lock").is_some()
    });
    env.faults(json!({"rules": []}));

    let lost = emulator_vault(&env)["lock"].clone();
    assert_eq!(lost["state"], "InProgress");
    // The state file is valid (the helper parses it) and never learnt the lost id.
    assert!(env.state()["resources"].get(AUDIT).is_none());
    let journal = env.journal();
    let last = journal.last().expect("the journal has the intent");
    assert_eq!(
        (last["action"].as_str(), last["phase"].as_str()),
        (Some("initiate_lock"), Some("intent"))
    );

    // The lock's id is unknown: only abort + initiate + complete, after an approval.
    let next = plan_json(&env, &[]);
    let expected = ["abort_lock", "initiate_lock", "complete_lock"]
        .map(|a| (AUDIT.to_string(), a.to_string()));
    assert_eq!(ready(&next), expected);
    env.lockward(&["apply", "--approve", &digest(&next)])
        .success();
    vault_locked_with_recorded_id(&env);
    let completes = calls_of(&env, "CompleteVaultLock");
    assert_eq!(completes.len(), 1);
    assert_ne!(
        completes[0]["params"]["lockId"], lost["lock_id"],
        "completed the lock whose id was lost"
    );
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn sigkill_while_the_unlock_code_is_in_flight_writes_nothing_and_asks_again() {
    let env = snowball_env();
    let plan = plan_json(&env, &[]);
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "latency_after_apply", "ms": 60000, "times": 1}]}));
    kill_apply_when(&env, &digest(&plan), |env| {
        !calls_of(env, "GetJobUnlockCode").is_empty()
    });
    env.faults(json!({"rules": []}));

    assert!(!env.path("secrets/site-a.code").exists());
    assert!(env.state()["resources"].get(SITE_A).is_none());
    let last = env
        .journal()
        .last()
        .cloned()
        .expect("the journal has the intent");
    assert_eq!(
        (last["action"].as_str(), last["phase"].as_str()),
        (Some("retrieve_unlock_code"), Some("intent"))
    );

    let next = plan_json(&env, &[]);
    assert_eq!(
        ready(&next),
        [(SITE_A.to_string(), "retrieve_unlock_code".into())]
    );
    env.lockward(&["apply", "--approve", &digest(&next)])
        .success();
    code_delivered(&env);
    assert_eq!(
        calls_of(&env, "GetJobUnlockCode").len(),
        2,
        "once per approved apply"
    );
    let mut files = Vec::new();
    files_under(env.dir(), &env.path("secrets/site-a.code"), &mut files);
    for file in files {
        assert!(
            !String::from_utf8_lossy(&fs::read(&file).unwrap()).contains(CODE),
            "the code is in {}",
            file.display()
        );
    }
}

/// Regression: with the SDK's retries off for InitiateVaultLock and GetJobUnlockCode (a retry
/// after a lost answer could start a second lock or disclose a code twice), a mere throttle
/// failed the apply, although AWS performs no throttled call. Throttling alone is now retried.
#[test]
fn regression_throttled_initiate_and_unlock_code_calls_are_retried_and_performed_once() {
    for (env, operation) in [
        (glacier_from_none(), "InitiateVaultLock"),
        (snowball_env(), "GetJobUnlockCode"),
    ] {
        env.faults(json!({"rules": [{"operation": operation, "kind": "throttle", "times": 2}]}));
        let planned = plan_json(&env, &[]);
        env.lockward(&["apply", "--approve", &digest(&planned)])
            .success();
        assert_eq!(
            calls_of(&env, operation).len(),
            3,
            "two throttled attempts, then the one AWS performed: {operation}"
        );
        // What the retried call was for happened: the vault is locked, the code delivered.
        match operation {
            "InitiateVaultLock" => {
                assert_eq!(
                    emulator_vault(&env)["lock"]["state"],
                    "Locked",
                    "{operation}"
                );
                assert_eq!(calls_of(&env, "CompleteVaultLock").len(), 1, "{operation}");
            }
            _ => assert_eq!(
                fs::read_to_string(env.path("secrets/site-a.code")).unwrap_or_default(),
                CODE,
                "{operation}"
            ),
        }
        let done: Vec<String> = env
            .journal()
            .into_iter()
            .filter(|r| r["phase"] == "done")
            .map(|r| r["action"].as_str().unwrap_or_default().to_string())
            .collect();
        let expected: &[&str] = match operation {
            "InitiateVaultLock" => &["initiate_lock", "complete_lock"],
            _ => &["retrieve_unlock_code"],
        };
        assert_eq!(done, expected, "{operation}");
    }
}

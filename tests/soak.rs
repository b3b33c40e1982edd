//! Soak: 200 plan/apply cycles through the real binary against the emulator, with random
//! faults (throttling, 500 errors, connections dropped after AWS acted) on 10% of calls, while
//! the intent keeps changing for all three kinds: a Recycle Bin rule locked and unlocked in
//! turn, Glacier vaults going from `in_progress` to `locked`, Snowball jobs reaching the
//! customer. Every cycle must end with a state file and journal that lockward can read; once the
//! faults stop, one apply converges and the next plan is a no-op.
//!
//! Bounded: three resources at a time, two runs of the binary a cycle, fixed fault seeds.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use std::collections::{BTreeMap, BTreeSet};

use lockward::state::{Record, StateFile, StateStore};
use serde_json::{json, Value};

use crate::support::*;

const CYCLES: usize = 200;
/// Cycles a Glacier vault and a Snowball job stay in play before new ones replace them.
const PHASE: usize = 10;

fn job_id(phase: usize) -> String {
    format!("JID123e4567-e89b-12d3-a456-4266554{phase:05}")
}

fn code(phase: usize) -> String {
    format!("SOAK{:01}-ABCDE-56789-FGHIJ-{phase:05}", phase % 10)
}

/// The intent at `cycle`: the rule alternates; the phase's vault is `in_progress` for the first
/// half of the phase and `locked` after; the phase's job is delivered to its own file.
fn config_body(cycle: usize) -> String {
    let phase = cycle / PHASE;
    let rule_state = if cycle.is_multiple_of(2) {
        "locked\n    unlock_delay_days: 7"
    } else {
        "unlocked"
    };
    let vault_state = if cycle % PHASE < PHASE / 2 {
        "in_progress"
    } else {
        "locked"
    };
    format!(
        "glacier_vault_lock:\n  vault_{phase}:\n    vault: soak-{phase}\n    policy_file: policies/audit.json\n    state: {vault_state}\n\
         rbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: {rule_state}\n\
         snowball_unlock_code:\n  site_{phase}:\n    job_id: {}\n    deliver_to: secrets/site-{phase}.code\n",
        job_id(phase)
    )
}

/// What AWS does between cycles: a new vault and a new job (still on its way) at the start of
/// a phase; the job reaches the customer three cycles in.
fn seed_for(env: &Env, cycle: usize) {
    let phase = cycle / PHASE;
    match cycle % PHASE {
        0 => env.seed(json!({
            "glacier": [vault(&format!("soak-{phase}"))],
            "snowball": [job(&job_id(phase), "InTransitToCustomer", "2026-11-01T00:00:00Z", &code(phase))],
        })),
        3 => env.seed(json!({
            "snowball": [job(&job_id(phase), "WithCustomer", "2026-11-01T00:00:00Z", &code(phase))],
        })),
        _ => {}
    }
}

/// Operations of lockward's reads and reversible calls: these take every fault.
const FAULTED_ALWAYS: &[&str] = &[
    "GetCallerIdentity",
    "ListVaults",
    "DescribeVault",
    "GetVaultLock",
    "AbortVaultLock",
    "ListRules",
    "GetRule",
    "LockRule",
    "UnlockRule",
    "ListJobs",
    "DescribeJob",
];

/// The calls lockward sends with retries off (InitiateVaultLock, GetJobUnlockCode) take every
/// fault but throttling, the one answer after which lockward may send them again under the same
/// approval, and CompleteVaultLock, which the SDK may retry after any lost answer, takes none:
/// so a second irreversible call for one target within one apply is lockward repeating it,
/// and a second InitiateVaultLock is the executor's one recovery of a lost answer (the lock
/// found InProgress without its id is aborted first).
const NOT_RETRIED: &[&str] = &["InitiateVaultLock", "GetJobUnlockCode"];

/// The irreversible calls, each at most once a target per apply: one approval, one attempt.
const ONCE_PER_APPLY: &[&str] = &["CompleteVaultLock", "GetJobUnlockCode"];

fn faults(seed: u64) -> Value {
    let rule = |operation: &str, kind: &str| {
        let mut r = json!({"operation": operation, "kind": kind, "rate": 0.034});
        if kind == "error" {
            r["status"] = json!(500);
            r["code"] = json!("InternalServerError");
        }
        r
    };
    let mut rules = Vec::new();
    for op in FAULTED_ALWAYS {
        rules.push(rule(op, "throttle"));
    }
    for op in FAULTED_ALWAYS.iter().chain(NOT_RETRIED) {
        rules.push(rule(op, "error"));
        rules.push(rule(op, "drop_after_apply"));
    }
    json!({"rules": rules, "seed": seed})
}

/// Reads the plan lockward would make now; `None` when planning failed (a fault hit refresh).
/// A plan with a conflict exits 1 but still prints its JSON: that is never a fault, and fails
/// the soak.
#[track_caller]
fn plan_json(env: &Env, cycle: usize) -> Option<Value> {
    let run = env.lockward(&["plan", "--format", "json"]);
    let parsed = serde_json::from_str::<Value>(&run.stdout).ok();
    match (run.code, parsed) {
        (0, Some(plan)) => {
            assert_eq!(plan["summary"]["conflict"], 0, "cycle {cycle}: {plan:#}");
            Some(plan)
        }
        (1, Some(plan)) => panic!(
            "cycle {cycle}: plan exited 1 with a plan (a conflict?):\n{plan:#}\n{}",
            run.stderr
        ),
        (1, None) => {
            assert!(
                run.stdout.trim().is_empty(),
                "cycle {cycle}: plan exited 1 printing something that is not JSON:\n{}",
                run.stdout
            );
            None
        }
        (other, _) => panic!("cycle {cycle}: plan exited {other}:\n{}", run.stderr),
    }
}

/// The state file, its backup and the journal are all readable by lockward; the state as
/// lockward's own reader loads it.
#[track_caller]
fn assert_files_valid(env: &Env, cycle: usize) -> StateFile {
    let state = match StateStore::new(env.path("lockward.state.json")).load() {
        Ok(state) => state,
        Err(e) => panic!("cycle {cycle}: the state file is not valid: {e}"),
    };
    let backup = env.path("lockward.state.json.backup");
    if backup.exists() {
        if let Err(e) = StateStore::new(&backup).load() {
            panic!("cycle {cycle}: the state backup is not valid: {e}");
        }
    }
    // Every journal line is one JSON object (a torn line would not parse).
    for line in env.read("lockward.state.json.journal.jsonl").lines() {
        let record: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("cycle {cycle}: journal line {line:?}: {e}"));
        assert!(
            record["address"].is_string() && record["phase"].is_string(),
            "cycle {cycle}: journal line {line}"
        );
    }
    state
}

/// The live lock (state and id) of every vault, by name.
fn live_locks(env: &Env) -> BTreeMap<String, (String, String)> {
    env.aws_state()["glacier"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|v| v["lock"].is_object())
        .map(|v| {
            (
                v["vault"].as_str().unwrap().to_string(),
                (
                    v["lock"]["state"].as_str().unwrap().to_string(),
                    v["lock"]["lock_id"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// The jobs whose unlock code is in its file.
fn delivered(env: &Env, cycle: usize) -> BTreeSet<String> {
    (0..=cycle / PHASE)
        .filter(|p| env.path(&format!("secrets/site-{p}.code")).exists())
        .map(job_id)
        .collect()
}

/// The lock id lockward recorded for each vault is the id of the vault's live lock.
#[track_caller]
fn assert_recorded_lock_ids(env: &Env, cycle: usize, state: &StateFile) -> usize {
    let live = live_locks(env);
    let mut checked = 0;
    for (address, record) in &state.resources {
        if let Record::GlacierVaultLock(r) = record {
            if r.lock_id.is_empty() {
                continue;
            }
            let (_, live_id) = live.get(&r.vault).unwrap_or_else(|| {
                panic!(
                    "cycle {cycle}: {address} records lock {} of vault {} that has no lock",
                    r.lock_id, r.vault
                )
            });
            assert_eq!(
                &r.lock_id, live_id,
                "cycle {cycle}: {address} records another lock id than the live one"
            );
            checked += 1;
        }
    }
    checked
}

/// The target of a call (the vault or the job), if it has one.
fn call_target(call: &Value) -> String {
    let params = &call["params"];
    ["vaultName", "jobId", "JobId"]
        .iter()
        .find_map(|k| params[*k].as_str())
        .unwrap_or_default()
        .to_string()
}

/// What the emulator's call log says about the calls of one apply (`calls`), made at `cycle`
/// under one approval, from the live locks before it (`before`): CompleteVaultLock only on a
/// vault the config wants `locked`, with the live InProgress lock's id, and never on a vault
/// already Locked; no irreversible or not idempotent call twice for one target; no unlock code
/// retrieved again once it was delivered.
#[track_caller]
fn assert_apply_calls(
    cycle: usize,
    calls: &[Value],
    before: &BTreeMap<String, (String, String)>,
    delivered_before: &BTreeSet<String>,
) {
    let phase = cycle / PHASE;
    let wants_locked = cycle % PHASE >= PHASE / 2;
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for call in calls {
        let op = call["operation"].as_str().unwrap_or_default();
        let target = call_target(call);
        if op == "CompleteVaultLock" {
            assert!(
                wants_locked && target == format!("soak-{phase}"),
                "cycle {cycle}: CompleteVaultLock on {target} while the config wants vault \
                 soak-{phase} {}: {call}",
                if wants_locked {
                    "locked"
                } else {
                    "in_progress"
                }
            );
            match before.get(&target) {
                Some((state, id)) if state == "InProgress" => assert_eq!(
                    call["params"]["lockId"].as_str(),
                    Some(id.as_str()),
                    "cycle {cycle}: CompleteVaultLock with another lock id than the live one"
                ),
                other => panic!(
                    "cycle {cycle}: CompleteVaultLock on {target} whose lock was {other:?}: {call}"
                ),
            }
        }
        if op == "GetJobUnlockCode" {
            assert!(
                !delivered_before.contains(&target),
                "cycle {cycle}: GetJobUnlockCode for {target} although its code was delivered"
            );
        }
        if op == "InitiateVaultLock" {
            let n = seen.entry((op.to_string(), target.clone())).or_insert(0);
            *n += 1;
            assert!(
                *n <= 2,
                "cycle {cycle}: InitiateVaultLock sent {n} times for {target}"
            );
            if *n == 2 {
                // The executor's one recovery of an initiation whose answer proved nothing:
                // it reads the vault again first (and aborts a lock it finds without its id).
                let first = calls
                    .iter()
                    .position(|c| c["operation"] == "InitiateVaultLock" && call_target(c) == target)
                    .unwrap();
                let reread = calls[first..]
                    .iter()
                    .take_while(|c| c["seq"] != call["seq"])
                    .any(|c| c["operation"] == "GetVaultLock" && call_target(c) == target);
                assert!(
                    reread,
                    "cycle {cycle}: InitiateVaultLock again for {target} without reading the vault first"
                );
            }
        }
        if ONCE_PER_APPLY.contains(&op) {
            let n = seen.entry((op.to_string(), target.clone())).or_insert(0);
            *n += 1;
            assert_eq!(
                *n,
                1,
                "cycle {cycle}: {op} sent twice for {target} under one approval:\n{}",
                calls
                    .iter()
                    .map(|c| format!("{} {} {}", c["seq"], c["operation"], call_target(c)))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn two_hundred_faulty_cycles_leave_valid_files_and_converge() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule("a1B2c3D4e5F", Value::Null, None)]}));
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();

    let (mut applied, mut failed, mut unplanned, mut lock_ids_checked) = (0, 0, 0, 0);
    for cycle in 0..CYCLES {
        seed_for(&env, cycle);
        env.config(&config_body(cycle));
        env.faults(faults(cycle as u64));
        match plan_json(&env, cycle) {
            None => unplanned += 1,
            Some(plan) if plan["summary"]["change"] == 0 => {}
            Some(plan) => {
                let digest = plan["digest"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("sha256:")
                    .to_string();
                let before = live_locks(&env);
                let delivered_before = delivered(&env, cycle);
                let first = env.calls().len();
                let run = env.lockward(&["apply", "--approve", &digest]);
                match run.code {
                    0 => applied += 1,
                    1 => failed += 1,
                    other => panic!("cycle {cycle}: apply exited {other}:\n{}", run.stderr),
                }
                assert_apply_calls(cycle, &env.calls()[first..], &before, &delivered_before);
            }
        }
        let state = assert_files_valid(&env, cycle);
        lock_ids_checked += assert_recorded_lock_ids(&env, cycle, &state);
        // An hour a cycle: InProgress locks stay well inside their 24 h.
        env.advance_clock(3600);
    }
    // The faults bit, and did not stop everything.
    assert!(
        failed + unplanned > 0,
        "no fault ever made a run fail: the soak tested nothing"
    );
    assert!(
        applied > CYCLES / 4,
        "only {applied} of {CYCLES} cycles applied ({failed} failed, {unplanned} unplanned)"
    );
    assert!(
        lock_ids_checked > CYCLES / 2,
        "only {lock_ids_checked} recorded lock ids were compared with the live ones"
    );

    // Without faults, one apply converges and the plan after it is a no-op.
    env.faults(json!({"rules": []}));
    let plan = plan_json(&env, CYCLES).expect("plan without faults");
    if plan["summary"]["change"] != 0 {
        let digest = plan["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
            .to_string();
        let before = live_locks(&env);
        let delivered_before = delivered(&env, CYCLES - 1);
        let first = env.calls().len();
        env.lockward(&["apply", "--approve", &digest]).success();
        assert_apply_calls(
            CYCLES - 1,
            &env.calls()[first..],
            &before,
            &delivered_before,
        );
    }
    let run = env.lockward(&["plan", "--detailed-exitcode"]);
    run.code(0);
    let last = plan_json(&env, CYCLES).unwrap();
    assert_eq!(last["summary"]["change"], 0, "{last:#}");
    let state = assert_files_valid(&env, CYCLES);
    assert!(assert_recorded_lock_ids(&env, CYCLES, &state) > 0);

    // What the last phase asked for is what AWS holds, and each delivered code is the job's.
    let phase = (CYCLES - 1) / PHASE;
    assert_eq!(env.read(&format!("secrets/site-{phase}.code")), code(phase));
    let aws = env.aws_state();
    let vault = aws["glacier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vault"] == format!("soak-{phase}"))
        .unwrap();
    assert_eq!(vault["lock"]["state"], "Locked", "{vault:#}");
}

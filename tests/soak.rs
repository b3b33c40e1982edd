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

use lockward::state::StateStore;
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

fn faults(seed: u64) -> Value {
    let rule = |kind: &str| {
        let mut r = json!({"operation": "*", "kind": kind, "rate": 0.034});
        if kind == "error" {
            r["status"] = json!(500);
            r["code"] = json!("InternalServerError");
        }
        r
    };
    json!({"rules": [rule("throttle"), rule("error"), rule("drop_after_apply")], "seed": seed})
}

/// Reads the plan lockward would make now; `None` when planning failed (a fault hit refresh).
fn plan_json(env: &Env) -> Option<Value> {
    let run = env.lockward(&["plan", "--format", "json"]);
    match run.code {
        0 => Some(serde_json::from_str(&run.stdout).expect("plan --format json prints JSON")),
        1 => None,
        other => panic!("plan exited {other}:\n{}", run.stderr),
    }
}

/// The state file, its backup and the journal are all readable by lockward.
#[track_caller]
fn assert_files_valid(env: &Env, cycle: usize) {
    let state = env.path("lockward.state.json");
    if let Err(e) = StateStore::new(&state).load() {
        panic!("cycle {cycle}: the state file is not valid: {e}");
    }
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
}

#[test]
fn two_hundred_faulty_cycles_leave_valid_files_and_converge() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule("a1B2c3D4e5F", Value::Null, None)]}));
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();

    let (mut applied, mut failed, mut unplanned) = (0, 0, 0);
    for cycle in 0..CYCLES {
        seed_for(&env, cycle);
        env.config(&config_body(cycle));
        env.faults(faults(cycle as u64));
        match plan_json(&env) {
            None => unplanned += 1,
            Some(plan) if plan["summary"]["conflict"] != 0 => {
                panic!("cycle {cycle}: the plan has a conflict:\n{plan:#}")
            }
            Some(plan) if plan["summary"]["change"] == 0 => {}
            Some(plan) => {
                let digest = plan["digest"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("sha256:")
                    .to_string();
                let run = env.lockward(&["apply", "--approve", &digest]);
                match run.code {
                    0 => applied += 1,
                    1 => failed += 1,
                    other => panic!("cycle {cycle}: apply exited {other}:\n{}", run.stderr),
                }
            }
        }
        assert_files_valid(&env, cycle);
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

    // Without faults, one apply converges and the plan after it is a no-op.
    env.faults(json!({"rules": []}));
    let plan = plan_json(&env).expect("plan without faults");
    assert_eq!(plan["summary"]["conflict"], 0, "{plan:#}");
    if plan["summary"]["change"] != 0 {
        let digest = plan["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
            .to_string();
        env.lockward(&["apply", "--approve", &digest]).success();
    }
    let run = env.lockward(&["plan", "--detailed-exitcode"]);
    run.code(0);
    let last = plan_json(&env).unwrap();
    assert_eq!(last["summary"]["change"], 0, "{last:#}");
    assert_eq!(last["summary"]["conflict"], 0, "{last:#}");
    assert_files_valid(&env, CYCLES);

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

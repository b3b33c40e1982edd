//! The moment of confirmation (DESIGN.md section 5 item 3): on a terminal, only what a person
//! types after a question appears answers it, and what runs is planned again after the last
//! answer — a change made in AWS while the question waited stops the apply instead of being
//! overwritten by the plan made before it. Each test drives a real pseudo-terminal.

use serde_json::{json, Value};

use crate::support::{has_script, on_a_terminal, Env};

const ADDRESS: &str = "s3_object_lock.records";
const BUCKET: &str = "acme-records-2026";

fn bucket(default_retention: Value) -> Value {
    let mut lock = json!({"enabled": true});
    if !default_retention.is_null() {
        lock["default_retention"] = default_retention;
    }
    json!({"s3": [{"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled", "object_lock": lock}]})
}

fn default_retention(env: &Env) -> Value {
    env.aws_state()["s3"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["bucket"] == BUCKET))
        .map(|b| b["object_lock"]["default_retention"].clone())
        .expect("the bucket")
}

fn project(config_retention: &str) -> Env {
    let env = Env::new();
    env.seed(bucket(Value::Null));
    env.config(&format!(
        "s3_object_lock:\n  records:\n    bucket: {BUCKET}\n    object_lock: enabled\n    default_retention: {config_retention}\n"
    ));
    env
}

/// The reviewed plan puts a GOVERNANCE 30-day default; while `yes` waits, someone sets a
/// COMPLIANCE default in AWS. The answer confirms the plan made before the change, so apply
/// plans again, finds another digest, and calls nothing: the COMPLIANCE default stays.
#[test]
fn a_change_in_aws_while_the_question_waits_stops_the_apply_instead_of_being_overwritten() {
    if !has_script() {
        return;
    }
    let env = project("{ mode: governance, days: 30 }");
    let compliance = json!({"mode": "COMPLIANCE", "days": 365});
    let run = on_a_terminal(&env, "apply", "", "yes\n", |_| {
        env.seed(bucket(compliance.clone()));
    });
    run.code(1);
    assert!(
        run.stdout
            .contains("something changed while the question waited"),
        "{}",
        run.stdout
    );
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    assert_eq!(default_retention(&env), compliance);
}

/// The same confirmation with nothing changed meanwhile goes on (so the re-plan does not
/// refuse every terminal apply), and plans the resource twice: once shown, once after `yes`.
#[test]
fn with_nothing_changed_while_the_question_waits_the_confirmed_plan_runs() {
    if !has_script() {
        return;
    }
    let env = project("{ mode: governance, days: 30 }");
    let run = on_a_terminal(&env, "apply", "", "yes\n", |_| {});
    run.code(0);
    assert_eq!(env.mutating_calls(), ["PutObjectLockConfiguration"]);
    assert_eq!(
        default_retention(&env),
        json!({"mode": "GOVERNANCE", "days": 30})
    );
    let reads = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "GetObjectLockConfiguration")
        .count();
    assert_eq!(
        reads, 3,
        "read when planned to be shown, when planned again after the answer, and by the step itself just before its call"
    );
}

/// Text typed before the question appears (type-ahead, a paste meant for another window)
/// never answers it: the address typed ahead is thrown away, and the `no` typed after the
/// question refuses. Without the discard, the typed-ahead address would confirm the
/// COMPLIANCE default.
#[test]
fn text_typed_before_a_question_appears_does_not_answer_it() {
    if !has_script() {
        return;
    }
    let env = project("{ mode: compliance, days: 365 }");
    // Held until the type-ahead is surely in the terminal's queue: the question cannot have
    // been shown while the plan still waits for this read.
    env.faults(
        json!({"rules": [{"operation": "GetObjectLockConfiguration", "kind": "hold", "times": 1}]}),
    );
    let typed_ahead = format!("{ADDRESS}\n{ADDRESS}\n");
    let release = std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            crate::support::wait_until("the plan's read is held", || {
                env.calls()
                    .iter()
                    .any(|c| c["operation"] == "GetObjectLockConfiguration")
            });
            env.faults(json!({"rules": []}));
        });
        let run = on_a_terminal(&env, "apply", &typed_ahead, "no\n", |_| {});
        waiter.join().unwrap();
        run
    });
    release.code(1);
    assert!(
        release.stdout.contains("`no` does not confirm"),
        "the answer typed after the question is the one read: {}",
        release.stdout
    );
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    assert_eq!(default_retention(&env), Value::Null);
}

/// The questions are asked on the terminal itself: with stderr sent to a file, apply still
/// asks (and the log holds the plan and the progress, not the questions), and each question
/// says how many remain.
#[test]
fn with_stderr_sent_to_a_file_apply_still_asks_on_the_terminal() {
    if !has_script() {
        return;
    }
    let env = project("{ mode: compliance, days: 365 }");
    let run = on_a_terminal(
        &env,
        "apply 2>apply.log",
        "",
        &format!("{ADDRESS}\n"),
        |_| {},
    );
    run.code(0);
    assert!(
        run.stdout
            .contains("Type the address `s3_object_lock.records` to confirm"),
        "the question is on the terminal: {}",
        run.stdout
    );
    assert_eq!(env.mutating_calls(), ["PutObjectLockConfiguration"]);
    let log = env.read("apply.log");
    assert!(!log.contains("Type the address"), "{log}");
    assert!(log.contains("put_default_retention"), "{log}");
}

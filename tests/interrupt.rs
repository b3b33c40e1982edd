//! Signals and the moment a Snowball code is disclosed (DESIGN.md sections 3.3 and 5.11):
//! SIGINT or SIGTERM while GetJobUnlockCode is in flight never loses the code AWS disclosed,
//! and a temp file that holds a code is never deleted — the next plan completes the delivery.
//!
//! The call is held by the emulator's `hold` fault until the test replaces the fault rules, so
//! each signal lands while the call is in flight, with no timing to guess.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::support::{finish, job, plan_digest, wait_until, Env, Run};

const CODE: &str = "Q7XKM-P9LRZ-T4WNB-H3DVY-C6FJU";
const CODE_B: &str = "B4WNT-H3DVY-C6FJU-Q7XKM-P9LRZ";
const JOB_A: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const JOB_B: &str = "JID223e4567-e89b-12d3-a456-426655440000";
const SITE_A: &str = "snowball_unlock_code.site_a";
const SITE_B: &str = "snowball_unlock_code.site_b";

/// Two jobs with the customer, delivered to `secrets/site-a.code` and `secrets/site-b.code`.
fn two_jobs() -> Env {
    let env = Env::new();
    env.seed(json!({"snowball": [
        job(JOB_A, "WithCustomer", "2026-11-01T00:00:00Z", CODE),
        job(JOB_B, "WithCustomer", "2026-11-01T00:00:00Z", CODE_B),
    ]}));
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {JOB_A}\n    deliver_to: secrets/site-a.code\n  \
         site_b:\n    job_id: {JOB_B}\n    deliver_to: secrets/site-b.code\n"
    ));
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();
    env
}

/// A lockward running in the background, its stderr collected as it comes.
struct Background {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Background {
    fn spawn(env: &Env, args: &[&str]) -> Background {
        let mut child = env
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lockward");
        let mut pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Background {
            child,
            stderr,
            reader,
        }
    }

    fn signal(&self, name: &str) {
        crate::support::signal(&self.child, &format!("-{name}"));
    }

    #[track_caller]
    fn wait_for_stderr(&self, text: &str) {
        wait_until(&format!("lockward says `{text}`"), || {
            self.stderr.lock().unwrap().contains(text)
        });
    }

    fn finish(self) -> Run {
        let mut run = finish(self.child);
        self.reader.join().unwrap();
        run.stderr = self.stderr.lock().unwrap().clone();
        run
    }
}

fn calls_of(env: &Env, operation: &str) -> usize {
    env.calls()
        .iter()
        .filter(|c| c["operation"] == operation)
        .count()
}

fn records(env: &Env, address: &str, phase: &str) -> Vec<Value> {
    env.journal()
        .into_iter()
        .filter(|r| r["address"] == address && r["phase"] == phase)
        .collect()
}

/// Holds site_a's GetJobUnlockCode, sends `signals` in turn (each one seen by lockward before
/// the next), then lets AWS answer. site_b, which waits for site_a (`--parallelism 1`), never
/// starts.
fn signals_while_the_code_is_in_flight(signals: &[&str]) -> (Env, Run) {
    let env = two_jobs();
    let digest = plan_digest(&env);
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "hold", "times": 1}]}));
    let apply = Background::spawn(&env, &["apply", "--approve", &digest, "--parallelism", "1"]);
    wait_until("GetJobUnlockCode is in flight", || {
        calls_of(&env, "GetJobUnlockCode") == 1
    });
    for (i, signal) in signals.iter().enumerate() {
        apply.signal(signal);
        let seen = if i == 0 {
            format!("SIG{signal}: no new step starts")
        } else {
            format!("SIG{signal}: stopping as soon as")
        };
        apply.wait_for_stderr(&seen);
    }
    // AWS answers now: the code was disclosed after the signal.
    env.faults(json!({"rules": []}));
    (env, apply.finish())
}

/// Asserts site_a's code is in its file (mode 0600) and recorded, and site_b was never asked for.
#[track_caller]
fn delivered_site_a_only(env: &Env, run: &Run) {
    assert_eq!(env.read("secrets/site-a.code"), CODE, "{}", run.stderr);
    assert_eq!(
        fs::metadata(env.path("secrets/site-a.code"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        env.state()["resources"][SITE_A]["fingerprint"],
        lockward::digest::sha256(CODE.as_bytes())
    );
    let done = records(env, SITE_A, "done");
    assert_eq!(done.len(), 1, "{:?}", env.journal());
    assert_eq!(done[0]["action"], "retrieve_unlock_code");
    assert_eq!(
        calls_of(env, "GetJobUnlockCode"),
        1,
        "site_b was never started"
    );
    assert!(!env.path("secrets/site-b.code").exists());
    assert!(records(env, SITE_B, "intent").is_empty());
    assert!(
        !run.stderr.contains(CODE) && !run.stdout.contains(CODE),
        "the code never reaches the output"
    );
    // Every file beside the delivered one is free of the code (no temp copy is left).
    for entry in fs::read_dir(env.path("secrets")).unwrap() {
        let path = entry.unwrap().path();
        if path != env.path("secrets/site-a.code") {
            assert!(!fs::read_to_string(&path).unwrap_or_default().contains(CODE));
        }
    }
}

#[test]
fn sigint_while_the_unlock_code_is_in_flight_delivers_it_records_it_and_exits_130() {
    let (env, run) = signals_while_the_code_is_in_flight(&["INT"]);
    run.code(130)
        .stderr_has("Apply interrupted by SIGINT: 1 done, 0 failed, 1 not attempted")
        .stderr_has(&format!("not done: {SITE_B}: retrieve_unlock_code"));
    delivered_site_a_only(&env, &run);
    // The lock was released (the state was saved): the next plan runs, and shows only site_b.
    let plan = env.plan_json();
    let ready: Vec<&str> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "change")
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(ready, [SITE_B]);
    // The lock was released (an apply takes it again) and applying again converges.
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    assert_eq!(env.read("secrets/site-b.code"), CODE_B);
    assert_eq!(calls_of(&env, "GetJobUnlockCode"), 2);
}

#[test]
fn sigterm_while_the_unlock_code_is_in_flight_delivers_it_records_it_and_exits_143() {
    let (env, run) = signals_while_the_code_is_in_flight(&["TERM"]);
    run.code(143)
        .stderr_has("Apply interrupted by SIGTERM")
        .stderr_has(&format!("not done: {SITE_B}: retrieve_unlock_code"));
    delivered_site_a_only(&env, &run);
}

/// CI cancels with SIGINT, then SIGTERM 7.5 s later: the second signal never cuts the call in
/// flight short of its journal record, so the code disclosed after both still reaches its file.
#[test]
fn a_second_signal_while_the_unlock_code_is_in_flight_still_ends_with_its_journal_record() {
    let (env, run) = signals_while_the_code_is_in_flight(&["INT", "TERM"]);
    run.code(130).stderr_has("Apply interrupted by SIGINT");
    delivered_site_a_only(&env, &run);
}

/// A file that appears at `deliver_to` while GetJobUnlockCode is in flight makes the link
/// fail: the temp file holding the only copy of the disclosed code is kept and named, the next
/// plan is a conflict naming both files, and once the other file is moved away the plan shows
/// complete_delivery, which an approval carries out with no second AWS call.
#[test]
fn a_file_that_appears_at_deliver_to_during_the_call_keeps_the_code_and_the_next_plan_completes_it()
{
    let env = two_jobs();
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {JOB_A}\n    deliver_to: secrets/site-a.code\n"
    ));
    let digest = plan_digest(&env);
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "hold", "times": 1}]}));
    let apply = Background::spawn(&env, &["apply", "--approve", &digest]);
    wait_until("GetJobUnlockCode is in flight", || {
        calls_of(&env, "GetJobUnlockCode") == 1
    });
    fs::write(env.path("secrets/site-a.code"), "someone else's file").unwrap();
    env.faults(json!({"rules": []}));
    let run = apply.finish();
    run.code(1)
        .stderr_has("is kept in `secrets/.site-a.code.lockward-");
    assert!(!run.stderr.contains(CODE) && !run.stdout.contains(CODE));
    assert_eq!(env.read("secrets/site-a.code"), "someone else's file");
    let kept: Vec<_> = fs::read_dir(env.path("secrets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| fs::read_to_string(p).unwrap_or_default() == CODE)
        .collect();
    assert_eq!(kept.len(), 1, "the code is kept in its temp file");
    let failed = records(&env, SITE_A, "failed");
    assert_eq!(
        failed[0]["detail"]["fingerprint"],
        lockward::digest::sha256(CODE.as_bytes())
    );
    assert!(!env.journal().iter().any(|r| r.to_string().contains(CODE)));

    // The next plan names both files and calls nothing; a plan later still keeps the file.
    let plan = env.plan_json();
    let site = &plan["resources"][0];
    assert_eq!(site["outcome"], "conflict", "{site}");
    let words = site["messages"].to_string();
    assert!(
        words.contains("secrets/site-a.code") && words.contains("secrets/.site-a.code.lockward-"),
        "{words}"
    );
    assert!(kept[0].exists());

    // Moved away: the plan completes the delivery, reversible, with no AWS call.
    fs::rename(env.path("secrets/site-a.code"), env.path("theirs.txt")).unwrap();
    let plan = env.plan_json();
    let action = &plan["resources"][0]["actions"][0];
    assert_eq!(action["action"], "complete_delivery", "{plan}");
    assert_eq!(action["reversibility"], "reversible");
    assert!(!plan.to_string().contains(CODE));
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(env.read("secrets/site-a.code"), CODE);
    assert!(!kept[0].exists(), "the temp file is removed once linked");
    assert_eq!(
        calls_of(&env, "GetJobUnlockCode"),
        1,
        "never retrieved again"
    );
    assert_eq!(
        env.state()["resources"][SITE_A]["fingerprint"],
        lockward::digest::sha256(CODE.as_bytes())
    );
    env.lockward(&["plan", "--detailed-exitcode"]).code(0);
}

/// A temp file holding a code (a delivery killed between its write and its link) survives the
/// next apply; an empty one (killed before the code came) is cleaned up.
#[test]
fn a_temp_file_holding_a_code_survives_the_next_plan_and_apply_and_is_delivered() {
    let env = two_jobs();
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {JOB_A}\n    deliver_to: secrets/site-a.code\n"
    ));
    let temp = env.path("secrets/.site-a.code.lockward-0123456789abcdef0123456789abcdef");
    fs::write(&temp, CODE).unwrap();
    let plan = env.plan_json();
    assert_eq!(
        plan["resources"][0]["actions"][0]["action"], "complete_delivery",
        "{plan}"
    );
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success()
        .stderr_has("complete_delivery done");
    assert_eq!(env.read("secrets/site-a.code"), CODE);
    assert!(!temp.exists());
    assert_eq!(calls_of(&env, "GetJobUnlockCode"), 0);
}

//! `ebs_snapshot_lock` through the real binary and the emulator's EC2 (DESIGN.md section 3.6):
//! a governance lock put, shortened (lowering protection: never auto-approved) and unlocked; a
//! compliance lock with a cool-off put with its approval, changed in the cool-off, refused to
//! weaken after it and extended without `CoolOffPeriod`; a compliance lock without a cool-off
//! irreversible at once; an expired lock locked again; a selection that grows between review
//! and apply; a lost LockSnapshot answer settled by reading the lock; an import; discovery; an
//! approval bound to its region.

use serde_json::{json, Value};

use crate::support::{apply_on_a_terminal, has_script, plan_digest, Env};

const SNAP: &str = "snap-0123456789abcdef0";
const SNAP_B: &str = "snap-0aaaaaaaaaaaaaaa1";
const SNAP_C: &str = "snap-0aaaaaaaaaaaaaaa2";

fn address(id: &str) -> String {
    format!("ebs_snapshot_lock.hold[{id}]")
}

fn snapshot(id: &str, tags: Value, lock: Option<Value>) -> Value {
    let mut s =
        json!({"region": "us-east-1", "snapshot_id": id, "state": "completed", "tags": tags});
    if let Some(lock) = lock {
        s["lock"] = lock;
    }
    s
}

fn listed(mode: &str, extra: &str) -> String {
    format!("ebs_snapshot_lock:\n  hold:\n    snapshots: [{SNAP}]\n    mode: {mode}\n{extra}")
}

fn selected(mode: &str, extra: &str) -> String {
    format!(
        "ebs_snapshot_lock:\n  hold:\n    select: {{ tags: {{ legal-hold: \"true\" }} }}\n    mode: {mode}\n{extra}"
    )
}

/// The snapshot's lock in the emulator (`Value::Null` when none).
fn aws_lock(env: &Env, id: &str) -> Value {
    env.aws_state()["ec2"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["snapshot_id"] == id))
        .map(|s| s.get("lock").cloned().unwrap_or(Value::Null))
        .expect("the snapshot")
}

/// The parameters of every LockSnapshot call, in order.
fn lock_calls(env: &Env) -> Vec<Value> {
    env.calls()
        .into_iter()
        .filter(|c| c["operation"] == "LockSnapshot")
        .map(|c| c["params"].clone())
        .collect()
}

/// The only resource's one action: (name, reversibility, lowers_protection, permanent_after).
fn action(plan: &Value) -> (String, String, bool, Value) {
    let a = &plan["resources"][0]["actions"][0];
    (
        a["action"].as_str().unwrap_or_default().to_string(),
        a["reversibility"].as_str().unwrap_or_default().to_string(),
        a["lowers_protection"].as_bool().unwrap_or_default(),
        a["permanent_after"].clone(),
    )
}

#[test]
fn a_governance_lock_is_put_shortened_only_with_an_approval_and_unlocked() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&listed("governance", "    duration_days: 30\n"));
    let plan = env.plan_json();
    assert_eq!(plan["resources"][0]["address"], address(SNAP));
    assert_eq!(
        action(&plan),
        (
            "lock_snapshot".into(),
            "reversible".into(),
            false,
            Value::Null
        )
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(env.mutating_calls(), vec!["LockSnapshot"]);
    assert_eq!(lock_calls(&env)[0]["LockDuration"], "30");
    assert_eq!(aws_lock(&env, SNAP)["mode"], "governance");
    assert_eq!(
        env.state()["resources"][address(SNAP)]["mode"],
        "governance"
    );
    env.lockward(&["plan"]).success().stdout_has("No changes");

    // Shorter: it lowers protection, so --auto-approve refuses and only the digest approves.
    env.config(&listed("governance", "    duration_days: 10\n"));
    let plan = env.plan_json();
    assert_eq!(
        action(&plan),
        (
            "lock_snapshot".into(),
            "reversible".into(),
            true,
            Value::Null
        )
    );
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("(lock_snapshot, lowers protection)");
    assert_eq!(env.mutating_calls().len(), 1, "nothing was sent");
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    // A change to an existing lock sends the instant it should expire at.
    let sent = &lock_calls(&env)[1];
    assert!(sent.get("LockDuration").is_none(), "{sent}");
    let expected = (env.now() + jiff::SignedDuration::from_hours(24 * 10))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert_eq!(sent["ExpirationDate"], expected);

    // No lock: an unlock, which lowers protection too.
    env.config(&listed("none", ""));
    let plan = env.plan_json();
    assert_eq!(
        action(&plan),
        (
            "unlock_snapshot".into(),
            "reversible".into(),
            true,
            Value::Null
        )
    );
    env.lockward(&["apply", "--auto-approve"]).code(1);
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(aws_lock(&env, SNAP), Value::Null);
    assert!(env.state()["resources"][address(SNAP)]["unlocked_at"].is_string());
}

#[test]
fn a_compliance_lock_with_a_cool_off_is_changed_in_it_and_only_extended_after_it() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&listed(
        "compliance",
        "    duration_days: 30\n    cool_off_hours: 24\n",
    ));
    let plan = env.plan_json();
    assert_eq!(
        action(&plan),
        (
            "lock_snapshot".into(),
            "irreversible".into(),
            false,
            json!("PT24H")
        )
    );
    // Irreversible: never auto-approved.
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(env.mutating_calls().is_empty());
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest])
        .success()
        .stderr_has("cool-off ends");
    let sent = &lock_calls(&env)[0];
    assert_eq!(sent["LockMode"], "compliance");
    assert_eq!(sent["CoolOffPeriod"], "24");
    assert_eq!(sent["LockDuration"], "30");
    let state = env.state();
    let record = &state["resources"][address(SNAP)];
    assert!(record["cool_off_ends"].is_string(), "{record}");
    env.lockward(&["plan"])
        .success()
        .stdout_has("in its cool-off until");

    // In the cool-off it may still change (longer here), with an approval.
    env.advance_clock(3600);
    env.config(&listed(
        "compliance",
        "    duration_days: 40\n    cool_off_hours: 24\n",
    ));
    let plan = env.plan_json();
    assert_eq!(action(&plan).1, "irreversible");
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(lock_calls(&env).len(), 2);
    assert_eq!(lock_calls(&env)[1]["CoolOffPeriod"], "24");

    // After the cool-off: weakening it is a conflict, a shorter intent a warning, a longer
    // one an extension sent without CoolOffPeriod.
    env.advance_clock(24 * 3600);
    env.config(&listed("governance", "    duration_days: 40\n"));
    env.lockward(&["plan"])
        .code(1)
        .stdout_has("past its cool-off");
    env.config(&listed("none", ""));
    env.lockward(&["plan"]).code(1);
    env.config(&listed(
        "compliance",
        "    duration_days: 20\n    cool_off_hours: 24\n",
    ));
    env.lockward(&["plan"])
        .success()
        .stdout_has("locked longer than declared");
    env.config(&listed(
        "compliance",
        "    duration_days: 60\n    cool_off_hours: 24\n",
    ));
    let plan = env.plan_json();
    assert_eq!(action(&plan).0, "lock_snapshot");
    assert_eq!(action(&plan).1, "irreversible");
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let extension = &lock_calls(&env)[2];
    assert!(extension.get("CoolOffPeriod").is_none(), "{extension}");
    assert!(extension["ExpirationDate"].is_string(), "{extension}");
    env.lockward(&["plan"]).success().stdout_has("No changes");
}

#[test]
fn a_compliance_lock_without_a_cool_off_is_irreversible_at_once() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&listed("compliance", "    duration_days: 7\n"));
    let plan = env.plan_json();
    assert_eq!(
        action(&plan),
        (
            "lock_snapshot".into(),
            "irreversible".into(),
            false,
            Value::Null
        )
    );
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert!(lock_calls(&env)[0].get("CoolOffPeriod").is_none());
    // Final at once: removing it is a conflict from the next plan on.
    env.config(&listed("none", ""));
    env.lockward(&["plan"])
        .code(1)
        .stdout_has("past its cool-off");
}

#[test]
fn an_expired_lock_is_locked_again() {
    let env = Env::new();
    let long_ago = (env.now() - jiff::SignedDuration::from_hours(24 * 10)).to_string();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), Some(json!({
        "mode": "compliance", "created": long_ago, "duration_days": 2})))]}));
    env.config(&listed("governance", "    duration_days: 30\n"));
    env.lockward(&["plan"])
        .success()
        .stdout_has("the last one expired at");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(lock_calls(&env)[0]["LockDuration"], "30");
    assert_eq!(aws_lock(&env, SNAP)["mode"], "governance");
}

#[test]
fn a_selection_that_grows_after_the_review_is_not_locked_by_that_approval() {
    let env = Env::new();
    let tagged = json!([{"key": "legal-hold", "value": "true"}]);
    env.seed(json!({"ec2": [snapshot(SNAP_B, tagged.clone(), None)]}));
    env.config(&selected("governance", "    duration_days: 30\n"));
    let plan = env.plan_json();
    let addresses: Vec<&str> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, vec![address(SNAP_B)]);
    let approved = plan_digest(&env);
    env.lockward(&["plan", "--out", "reviewed.plan"]).code(0);

    // A snapshot tagged after the review.
    env.seed(json!({"ec2": [snapshot(SNAP_C, tagged, None)]}));
    env.lockward(&["apply", "--approve", &approved])
        .code(1)
        .stderr_has("refused");
    assert!(
        env.mutating_calls().is_empty(),
        "the approval locked nothing"
    );
    // The saved plan applies exactly its instances and names the newcomer.
    env.lockward(&["apply", "--auto-approve", "reviewed.plan"])
        .success()
        .stderr_has(&format!(
            "not in this plan, so not applied: {}",
            address(SNAP_C)
        ));
    let locked: Vec<String> = lock_calls(&env)
        .iter()
        .map(|p| p["SnapshotId"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(locked, vec![SNAP_B.to_string()]);
    assert_eq!(aws_lock(&env, SNAP_C), Value::Null);
    // The next plan has the newcomer; a target narrows to one instance.
    let plan = env.plan_json();
    assert_eq!(plan["summary"]["change"], 1);
    assert_eq!(plan["resources"][1]["address"], address(SNAP_C));
    let narrowed = env.lockward(&["plan", "--format", "json", "--target", &address(SNAP_B)]);
    let narrowed: Value = serde_json::from_str(&narrowed.stdout).unwrap();
    assert_eq!(narrowed["resources"].as_array().unwrap().len(), 1);
    assert_eq!(narrowed["resources"][0]["address"], address(SNAP_B));
}

#[test]
fn a_selection_that_finds_nothing_is_a_warning_not_an_error() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&selected("governance", "    duration_days: 30\n"));
    env.lockward(&["plan"])
        .success()
        .stdout_has("no snapshot in this account and region has the selected tags");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn a_tag_value_is_matched_exactly_not_as_a_pattern() {
    let env = Env::new();
    let tagged = json!([{"key": "legal-hold", "value": "true"}]);
    env.seed(json!({"ec2": [snapshot(SNAP_B, tagged, None)]}));
    env.config(
        "ebs_snapshot_lock:\n  hold:\n    select: { tags: { legal-hold: \"*\" } }\n    mode: governance\n    duration_days: 30\n",
    );
    env.lockward(&["plan"])
        .success()
        .stdout_has("no snapshot in this account and region has the selected tags");
    let search = env
        .calls()
        .into_iter()
        .find(|c| c["operation"] == "DescribeSnapshots")
        .expect("the selection was searched");
    assert_eq!(search["params"]["Filter.1.Value.1"], "\\*", "{search}");
}

#[test]
fn a_lost_lock_answer_is_settled_by_reading_the_lock() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&listed(
        "compliance",
        "    duration_days: 30\n    cool_off_hours: 24\n",
    ));
    let digest = plan_digest(&env);
    env.faults(
        json!({"rules": [{"operation": "LockSnapshot", "kind": "drop_after_apply", "times": 1}]}),
    );
    env.lockward(&["apply", "--approve", &digest]).success();
    // One call: the lost answer was settled by reading, never by sending it again.
    assert_eq!(lock_calls(&env).len(), 1);
    let phases: Vec<String> = env
        .journal()
        .iter()
        .filter(|r| r["action"] == "lock_snapshot")
        .map(|r| r["phase"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(phases, vec!["intent", "recovered", "done"]);
    assert_eq!(aws_lock(&env, SNAP)["mode"], "compliance");
}

#[test]
fn a_call_that_never_took_effect_is_not_mistaken_for_the_lock_already_there() {
    // The snapshot has a governance lock with the expiry the intent names; the compliance
    // lock's call is lost before EC2 acts. Reading the lock finds the same expiry: only a
    // lock this call could have made proves it, so the step fails and says so.
    let env = Env::new();
    let created = env.now().to_string();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), Some(json!({
        "mode": "governance", "created": created, "duration_days": 30})))]}));
    env.config(&listed("compliance", "    duration_days: 30\n"));
    let digest = plan_digest(&env);
    env.faults(
        json!({"rules": [{"operation": "LockSnapshot", "kind": "drop_before_apply", "times": 1}]}),
    );
    env.lockward(&["apply", "--approve", &digest])
        .code(1)
        .stderr_has("the outcome is unknown");
    assert_eq!(aws_lock(&env, SNAP)["mode"], "governance");
    let journal = env.journal();
    let failed: Vec<&Value> = journal
        .iter()
        .filter(|r| r["action"] == "lock_snapshot" && r["phase"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["effect"], "unknown");
}

#[test]
fn a_lock_that_moved_since_the_plan_is_not_touched() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&listed("governance", "    duration_days: 30\n"));
    env.lockward(&["plan", "--out", "reviewed.plan"]).code(0);
    // Someone else locks it for 90 days meanwhile: the plan's 30 days would shorten it.
    let created = env.now().to_string();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), Some(json!({
        "mode": "governance", "created": created, "duration_days": 90})))]}));
    env.lockward(&["apply", "--auto-approve", "reviewed.plan"])
        .code(1)
        .stderr_has("stale");
    assert!(lock_calls(&env).is_empty());
    assert_eq!(aws_lock(&env, SNAP)["duration_days"], 90);
    // Planned while there was no lock; the interloper's lock appears while apply runs, after
    // its plan and before its step: the step reads the lock again right before its call and
    // refuses (held calls order the world's change between the two reads).
    env.seed(json!({"ec2": [snapshot(SNAP_B, json!([]), None)]}));
    env.config(&format!(
        "ebs_snapshot_lock:\n  hold:\n    snapshots: [{SNAP_B}]\n    mode: governance\n    duration_days: 30\n"
    ));
    let reads = |env: &Env| {
        env.calls()
            .iter()
            .filter(|c| c["operation"] == "DescribeLockedSnapshots")
            .count()
    };
    let before = reads(&env);
    let hold = json!({"rules": [{"operation": "DescribeLockedSnapshots", "kind": "hold"}]});
    env.faults(hold.clone());
    let child = env
        .command(&["apply", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::support::wait_until("the plan's read is held", || reads(&env) == before + 1);
    env.faults(hold);
    crate::support::wait_until("the step's read is held", || reads(&env) == before + 2);
    env.seed(json!({"ec2": [snapshot(SNAP_B, json!([]), Some(json!({
        "mode": "governance", "created": created, "duration_days": 90})))]}));
    env.faults(json!({"rules": []}));
    let run = crate::support::finish(child);
    run.code(1).stderr_has("changed since the plan");
    assert!(lock_calls(&env).is_empty(), "{run:?}");
    assert_eq!(aws_lock(&env, SNAP_B)["duration_days"], 90);
}

#[test]
fn an_existing_compliance_lock_is_imported_as_a_noop() {
    let env = Env::new();
    let created = (env.now() - jiff::SignedDuration::from_hours(48)).to_string();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), Some(json!({
        "mode": "compliance", "created": created, "duration_days": 365, "cool_off_hours": 24})))]}));
    env.config(&listed(
        "compliance",
        "    duration_days: 365\n    cool_off_hours: 24\n",
    ));
    env.lockward(&["import", &address(SNAP)]).success();
    assert!(env.mutating_calls().is_empty());
    let state = env.state();
    assert_eq!(state["resources"][address(SNAP)]["mode"], "compliance");
    env.lockward(&["plan"]).success().stdout_has("No changes");
    let journal = env.journal();
    assert_eq!(journal.last().unwrap()["action"], "import");
}

#[test]
fn the_report_discovers_a_locked_snapshot_nobody_declared() {
    let env = Env::new();
    let created = env.now().to_string();
    env.seed(json!({"ec2": [
        snapshot(SNAP, json!([]), None),
        snapshot(SNAP_B, json!([]), Some(json!({"mode": "compliance", "created": created,
            "duration_days": 30, "cool_off_hours": 12})))]}));
    env.config(&listed("governance", "    duration_days: 30\n"));
    let run = env.lockward(&["report", "--format", "json", "--fail-on", "unmanaged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains(SNAP_B), "{text}");
    assert!(text.contains("compliance_cooloff"), "{text}");
    assert!(text.contains("cool_off_ends"), "{text}");
    // The declared snapshot is not reported as unmanaged; the undeclared one is.
    let unmanaged: Vec<String> = report["unmanaged"]
        .as_array()
        .expect("the report lists unmanaged locks")
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(unmanaged, vec![SNAP_B.to_string()], "{report}");
}

#[test]
fn an_approval_is_bound_to_its_region() {
    let env = Env::new();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None),
        {"region": "eu-west-1", "snapshot_id": SNAP, "state": "completed"}]}));
    env.config(&listed("compliance", "    duration_days: 7\n"));
    let approved = plan_digest(&env);
    env.config_in("eu-west-1", &listed("compliance", "    duration_days: 7\n"));
    assert_ne!(plan_digest(&env), approved, "the digest covers the region");
    env.lockward(&["apply", "--approve", &approved]).code(1);
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn a_bad_block_is_located_and_nothing_is_called() {
    let env = Env::new();
    env.config(
        "ebs_snapshot_lock:\n  hold:\n    snapshots: [snap-123, snap-0123456789abcdef0]\n    mode: governance\n    cool_off_hours: 5\n",
    );
    let run = env.lockward(&["plan"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("lockward.yaml:8"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`snap-123` is not an EBS snapshot id"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("needs `duration_days` or `until`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("has no `cool_off_hours`"),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty());
}

#[test]
fn on_a_terminal_the_snapshots_of_one_selection_are_confirmed_by_typing_its_name_once() {
    if !has_script() {
        eprintln!("skipped: no `script` to give lockward a terminal");
        return;
    }
    let env = Env::new();
    let tagged = json!([{"key": "legal-hold", "value": "true"}]);
    env.seed(
        json!({"ec2": [snapshot(SNAP_B, tagged.clone(), None), snapshot(SNAP_C, tagged, None)]}),
    );
    env.config(&selected(
        "compliance",
        "    duration_days: 30\n    cool_off_hours: 24\n",
    ));
    let run = apply_on_a_terminal(&env, "ebs_snapshot_lock.hold 2\n");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(shown.matches("to confirm").count(), 1, "{shown}");
    assert!(
        shown.contains("Type its name and how many instances `ebs_snapshot_lock.hold 2`"),
        "{shown}"
    );
    assert!(
        shown.contains("ebs_snapshot_lock.hold, 2 instances in account"),
        "{shown}"
    );
    assert!(shown.contains("(2 instances in account"), "{shown}");
    assert_eq!(lock_calls(&env).len(), 2);
    assert_eq!(aws_lock(&env, SNAP_C)["mode"], "compliance");
}

#[test]
fn a_person_reads_the_locks_times_in_whole_seconds() {
    let env = Env::new();
    env.set_clock("2026-11-23T12:00:00.250Z".parse().unwrap());
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), None)]}));
    env.config(&listed(
        "compliance",
        "    duration_days: 30\n    cool_off_hours: 24\n",
    ));
    let digest = plan_digest(&env);
    let run = env.lockward(&["apply", "--approve", &digest]);
    run.success();
    assert!(
        run.stderr.contains("cool-off ends at 2026-11-24T12:00:00Z"),
        "{}",
        run.stderr
    );
    let plan = env.lockward(&["plan"]);
    plan.success()
        .stdout_has("in its cool-off until 2026-11-24T12:00:00Z");
    assert!(!plan.stdout.contains(".25"), "{}", plan.stdout);
}

#[test]
fn a_lost_unlock_answer_is_settled_by_reading_not_by_sending_it_again() {
    // Sent again, an unlock that took effect answers IncorrectState ("not locked"): only reading
    // the lock tells the truth.
    let env = Env::new();
    let created = env.now().to_string();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), Some(json!({
        "mode": "governance", "created": created, "duration_days": 30})))]}));
    env.config(&listed("none", ""));
    let digest = plan_digest(&env);
    env.faults(
        json!({"rules": [{"operation": "UnlockSnapshot", "kind": "drop_after_apply", "times": 1}]}),
    );
    let run = env.lockward(&["apply", "--approve", &digest]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let unlocks = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "UnlockSnapshot")
        .count();
    assert_eq!(unlocks, 1);
    let phases: Vec<String> = env
        .journal()
        .iter()
        .filter(|r| r["action"] == "unlock_snapshot")
        .map(|r| r["phase"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(phases, vec!["intent", "recovered", "done"]);
    assert_eq!(aws_lock(&env, SNAP), Value::Null);
}

#[test]
fn an_unlock_whose_cool_off_ends_before_its_call_is_not_sent() {
    // Planned in the cool-off; the cool-off ends while apply runs, between its plan and its
    // step: the step reads the lock again and sends nothing.
    let env = Env::new();
    let created = (env.now() - jiff::SignedDuration::from_hours(23)).to_string();
    env.seed(json!({"ec2": [snapshot(SNAP, json!([]), Some(json!({
        "mode": "compliance", "created": created, "duration_days": 30, "cool_off_hours": 24})))]}));
    env.config(&listed("none", ""));
    let digest = plan_digest(&env);
    let reads = |env: &Env| {
        env.calls()
            .iter()
            .filter(|c| c["operation"] == "DescribeLockedSnapshots")
            .count()
    };
    let before = reads(&env);
    let hold = json!({"rules": [{"operation": "DescribeLockedSnapshots", "kind": "hold"}]});
    env.faults(hold.clone());
    let child = env
        .command(&["apply", "--approve", &digest])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::support::wait_until("the plan's read is held", || reads(&env) == before + 1);
    env.faults(hold);
    crate::support::wait_until("the step's read is held", || reads(&env) == before + 2);
    env.advance_clock(2 * 3600);
    env.faults(json!({"rules": []}));
    let run = crate::support::finish(child);
    run.code(1).stderr_has("past its cool-off since the plan");
    let unlocks = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "UnlockSnapshot")
        .count();
    assert_eq!(unlocks, 0, "{run:?}");
    assert_eq!(aws_lock(&env, SNAP)["mode"], "compliance");
}

/// Excluding one snapshot a selection finds leaves out that snapshot and no other: the
/// selection is still searched, and the rest of what it finds is planned.
#[test]
fn excluding_one_found_snapshot_plans_the_others() {
    let env = Env::new();
    let tagged = json!([{"key": "legal-hold", "value": "true"}]);
    env.seed(
        json!({"ec2": [snapshot(SNAP_B, tagged.clone(), None), snapshot(SNAP_C, tagged, None)]}),
    );
    env.config(&selected("governance", "    duration_days: 30\n"));
    let run = env.lockward(&["plan", "--format", "json", "--exclude", &address(SNAP_B)]);
    run.success();
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let addresses: Vec<&str> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, vec![address(SNAP_C)]);
    env.lockward(&["apply", "--auto-approve", "--exclude", &address(SNAP_B)])
        .success();
    assert_eq!(aws_lock(&env, SNAP_B), Value::Null);
    assert_ne!(aws_lock(&env, SNAP_C), Value::Null);
}

//! `s3_object_lock` through the real binary and the emulator's S3 (DESIGN.md section 3.5):
//! the two-step enable of an unversioned bucket, one intent per action, a default retention
//! whose class follows its mode, the refusal to disable, a COMPLIANCE default confirmed by
//! typing the address, approvals bound to the default and the region, the DefaultEventHold
//! carried, a lost answer settled by reading the bucket again, the expected bucket owner,
//! import and discovery.

use serde_json::{json, Value};

use crate::support::{apply_on_a_terminal, finish, has_script, plan_digest, wait_until, Env};

const ADDRESS: &str = "s3_object_lock.records";
const BUCKET: &str = "acme-records-2026";

fn bucket_seed(extra: Value) -> Value {
    let mut v = json!({"region": "us-east-1", "bucket": BUCKET});
    if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    v
}

fn locked_seed(default_retention: Value) -> Value {
    let mut lock = json!({"enabled": true});
    if !default_retention.is_null() {
        lock["default_retention"] = default_retention;
    }
    bucket_seed(json!({"versioning": "Enabled", "object_lock": lock}))
}

fn body(object_lock: &str, default_retention: &str) -> String {
    format!(
        "s3_object_lock:\n  records:\n    bucket: {BUCKET}\n    object_lock: {object_lock}\n    default_retention: {default_retention}\n"
    )
}

fn aws_bucket(env: &Env) -> Value {
    env.aws_state()["s3"]
        .as_array()
        .and_then(|buckets| buckets.iter().find(|b| b["bucket"] == BUCKET))
        .cloned()
        .expect("the bucket")
}

fn actions(plan: &Value) -> Vec<(String, String)> {
    plan["resources"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["reversibility"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The journal's (action, phase) pairs, in order.
fn journaled(env: &Env) -> Vec<(String, String)> {
    env.journal()
        .iter()
        .filter(|r| r["address"] == ADDRESS)
        .map(|r| {
            (
                r["action"].as_str().unwrap_or_default().to_string(),
                r["phase"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_unversioned_bucket_is_enabled_in_two_steps_each_with_its_intent() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({}))]}));
    env.config(&body("enabled", "{ mode: governance, days: 30 }"));
    let plan = env.plan_json();
    assert_eq!(plan["resources"][0]["live"]["state"], "unversioned");
    assert_eq!(
        plan["resources"][0]["physical_key"],
        format!("s3_object_lock:{BUCKET}")
    );
    assert_eq!(
        actions(&plan),
        pairs(&[
            ("enable_versioning", "reversible"),
            ("enable_object_lock", "irreversible"),
            ("put_default_retention", "reversible"),
        ])
    );
    env.lockward(&["plan"])
        .code(0)
        .stdout_has("can never be disabled");
    // Enabling Object Lock is irreversible: a blanket approval is not enough.
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );

    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    assert_eq!(
        env.mutating_calls(),
        [
            "PutBucketVersioning",
            "PutObjectLockConfiguration",
            "PutObjectLockConfiguration"
        ]
    );
    let bucket = aws_bucket(&env);
    assert_eq!(bucket["versioning"], "Enabled");
    assert_eq!(
        bucket["object_lock"],
        json!({"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}})
    );
    // Every action has its intent before its call and its `done` after it.
    assert_eq!(
        journaled(&env),
        pairs(&[
            ("enable_versioning", "intent"),
            ("enable_versioning", "done"),
            ("enable_object_lock", "intent"),
            ("enable_object_lock", "done"),
            ("put_default_retention", "intent"),
            ("put_default_retention", "done"),
        ])
    );
    let record = &env.state()["resources"][ADDRESS];
    assert_eq!(record["kind"], "s3_object_lock");
    assert!(record["object_lock_enabled_at"].is_string(), "{record}");
    assert_eq!(
        record["default_retention"],
        json!({"mode": "governance", "days": 30})
    );
    // Every call named the account as the expected bucket owner.
    for call in env.calls().iter().filter(|c| c["service"] == "s3") {
        assert_eq!(
            call["params"]["ExpectedBucketOwner"],
            lockward_emulator::DEFAULT_ACCOUNT_ID,
            "{call}"
        );
    }
    let again = env.plan_json();
    assert_eq!(again["resources"][0]["outcome"], "noop");
    assert_eq!(
        again["resources"][0]["live"]["default_retention"],
        json!({"mode": "governance", "days": 30})
    );
}

#[test]
fn a_versioned_bucket_gets_object_lock_without_a_default() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({"versioning": "Enabled"}))]}));
    env.config(&body("enabled", "none"));
    let plan = env.plan_json();
    assert_eq!(
        actions(&plan),
        pairs(&[("enable_object_lock", "irreversible")])
    );
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    assert_eq!(env.mutating_calls(), ["PutObjectLockConfiguration"]);
    assert_eq!(aws_bucket(&env)["object_lock"], json!({"enabled": true}));
    assert_eq!(env.plan_json()["resources"][0]["outcome"], "noop");
}

#[test]
fn object_lock_can_never_be_disabled_and_nothing_is_sent() {
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!({"mode": "GOVERNANCE", "days": 30}))]}));
    env.config(&body("disabled", "none"));
    let run = env.lockward(&["plan", "--format", "json"]);
    run.code(1);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &plan["resources"][0];
    assert_eq!(r["outcome"], "conflict");
    assert!(r["actions"].as_array().unwrap().is_empty());
    assert!(r["messages"][0]["text"]
        .as_str()
        .unwrap()
        .contains("can never be disabled"));
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("conflict");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

#[test]
fn a_compliance_default_is_irreversible_and_a_long_one_is_warned_of() {
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!({"mode": "GOVERNANCE", "days": 30}))]}));
    env.config(&body("enabled", "{ mode: compliance, years: 11 }"));
    let plan = env.plan_json();
    assert_eq!(
        actions(&plan),
        pairs(&[("put_default_retention", "irreversible")])
    );
    assert!(plan["resources"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["severity"] == "warning"
            && m["text"].as_str().unwrap().contains("longer than 10 years")));
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(env.mutating_calls().is_empty());
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    assert_eq!(env.mutating_calls(), ["PutObjectLockConfiguration"]);
    assert_eq!(
        aws_bucket(&env)["object_lock"]["default_retention"],
        json!({"mode": "COMPLIANCE", "years": 11})
    );
}

#[test]
fn years_and_days_are_different_defaults_and_an_approval_is_bound_to_one() {
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!({"mode": "COMPLIANCE", "years": 7}))]}));
    // 2,555 days is about 7 years, but not the default S3 holds.
    env.config(&body("enabled", "{ mode: compliance, days: 2555 }"));
    let plan = env.plan_json();
    assert_eq!(
        actions(&plan),
        pairs(&[("put_default_retention", "irreversible")])
    );
    let approved = plan_digest(&env);
    env.config(&body("enabled", "{ mode: compliance, days: 2556 }"));
    assert_ne!(plan_digest(&env), approved);
    env.lockward(&["apply", "--approve", &approved])
        .code(1)
        .stderr_has("does not match");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    env.config(&body("enabled", "{ mode: compliance, years: 7 }"));
    assert_eq!(env.plan_json()["resources"][0]["outcome"], "noop");
}

#[test]
fn an_approval_for_one_region_never_locks_a_bucket_reached_from_another() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({"versioning": "Enabled"}))]}));
    env.config_in("us-east-1", &body("enabled", "none"));
    let approved = plan_digest(&env);
    env.config_in("us-west-2", &body("enabled", "none"));
    // Planned from us-west-2, the bucket is in another region than its provider's.
    let run = env.lockward(&["plan", "--format", "json"]);
    run.code(1);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &plan["resources"][0];
    assert_eq!(r["outcome"], "conflict");
    let text = r["messages"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("us-east-1") && text.contains("us-west-2"),
        "{text}"
    );
    env.lockward(&["apply", "--approve", &approved]).code(1);
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

#[test]
fn a_live_default_event_hold_is_shown_and_carried_unchanged() {
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!(
        {"mode": "GOVERNANCE", "days": 30, "default_event_hold": {"days": 5}}))]}));
    env.config(&body("enabled", "{ mode: governance, days: 60 }"));
    env.lockward(&["plan"])
        .code(0)
        .stdout_has("DefaultEventHold");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(
        aws_bucket(&env)["object_lock"]["default_retention"],
        json!({"mode": "GOVERNANCE", "days": 60, "default_event_hold": {"days": 5}})
    );
}

#[test]
fn removing_a_default_is_reversible_and_warns_when_an_event_hold_goes_with_it() {
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!(
        {"mode": "GOVERNANCE", "days": 30, "default_event_hold": {"days": 5}}))]}));
    env.config(&body("enabled", "none"));
    let plan = env.plan_json();
    assert_eq!(
        actions(&plan),
        pairs(&[("remove_default_retention", "reversible")])
    );
    assert!(plan["resources"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["severity"] == "warning"
            && m["text"].as_str().unwrap().contains("DefaultEventHold")));
    // Removing a default lowers protection: never auto-approved.
    env.lockward(&["apply", "--auto-approve"]).code(1);
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(aws_bucket(&env)["object_lock"], json!({"enabled": true}));
    assert_eq!(env.plan_json()["resources"][0]["outcome"], "noop");
}

#[test]
fn a_lost_put_answer_is_sent_again_by_the_sdk_and_the_approval_is_not_replayed() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({"versioning": "Enabled"}))]}));
    env.config(&body("enabled", "none"));
    // PutObjectLockConfiguration is idempotent: the SDK sends it again after a lost answer.
    env.faults(json!({"rules": [{"operation": "PutObjectLockConfiguration",
                                 "kind": "drop_after_apply", "times": 1}]}));
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let puts = env
        .mutating_calls()
        .iter()
        .filter(|c| *c == "PutObjectLockConfiguration")
        .count();
    assert_eq!(
        puts,
        2,
        "one lost, one answered: {:?}",
        env.mutating_calls()
    );
    assert_eq!(aws_bucket(&env)["object_lock"], json!({"enabled": true}));
    let phases: Vec<String> = journaled(&env).into_iter().map(|(_, p)| p).collect();
    assert!(phases.contains(&"intent".to_string()), "{phases:?}");
    assert_eq!(
        phases.last().map(String::as_str),
        Some("done"),
        "{phases:?}"
    );
    // The approval was used: the same digest never sends the put again.
    let calls = env.mutating_calls().len();
    env.lockward(&["apply", "--approve", &digest]);
    assert_eq!(env.mutating_calls().len(), calls);
}

#[test]
fn a_bucket_of_another_account_is_never_touched() {
    let env = Env::new();
    // The same name, owned by another account: the expected bucket owner refuses every call.
    env.seed(json!({"account_id": "111111111111", "s3": [bucket_seed(json!({"versioning": "Enabled"}))]}));
    env.config(&body("enabled", "none"));
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stderr_has(
            "AccessDenied: S3 refused HeadBucket on bucket `acme-records-2026` (403 Forbidden)",
        )
        .stderr_has("s3:ListBucket");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

#[test]
fn a_missing_bucket_is_a_conflict_lockward_does_not_create_buckets() {
    let env = Env::new();
    env.config(&body("enabled", "none"));
    let run = env.lockward(&["plan"]);
    run.code(1).stdout_has("does not exist");
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn an_enabled_bucket_is_imported_and_report_lists_undeclared_ones() {
    let env = Env::new();
    env.seed(json!({"s3": [
        locked_seed(json!({"mode": "COMPLIANCE", "years": 7})),
        {"region": "us-east-1", "bucket": "zz-undeclared", "versioning": "Enabled",
         "object_lock": {"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 9}}},
        {"region": "us-east-1", "bucket": "zz-plain"},
        {"region": "eu-west-1", "bucket": "zz-elsewhere", "versioning": "Enabled",
         "object_lock": {"enabled": true}}
    ]}));
    env.config(&body("enabled", "{ mode: compliance, years: 7 }"));
    env.lockward(&["import", ADDRESS]).success();
    assert_eq!(
        env.state()["resources"][ADDRESS]["default_retention"],
        json!({"mode": "compliance", "years": 7})
    );
    assert_eq!(env.plan_json()["resources"][0]["outcome"], "noop");
    let run = env.lockward(&["report", "--format", "json"]);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let r = &report["resources"][0];
    assert_eq!(r["verdict"], "compliant", "{r}");
    let buckets: Vec<&Value> = report["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "s3_object_lock")
        .collect();
    // Only the region's buckets are listed; a bucket without Object Lock is nothing to report.
    assert_eq!(buckets.len(), 1, "{buckets:?}");
    assert_eq!(buckets[0]["name"], "zz-undeclared");
    assert_eq!(
        buckets[0]["details"]["default_retention"],
        json!({"mode": "governance", "days": 9})
    );
    assert_eq!(report["discovery"][0]["listed"]["s3_object_lock"], 3);
    env.lockward(&["report"])
        .stdout_has("zz-undeclared")
        .stdout_has("lockward import s3_object_lock.zz_undeclared");
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn on_a_terminal_a_compliance_default_needs_the_address_typed_back() {
    if !has_script() {
        return;
    }
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!({"mode": "GOVERNANCE", "days": 30}))]}));
    env.config(&body("enabled", "{ mode: compliance, years: 7 }"));
    let run = apply_on_a_terminal(&env, "yes\n");
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains(ADDRESS),
        "the prompt names the address: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    let run = apply_on_a_terminal(&env, &format!("{ADDRESS}\n"));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(env.mutating_calls(), ["PutObjectLockConfiguration"]);
    assert_eq!(
        aws_bucket(&env)["object_lock"]["default_retention"],
        json!({"mode": "COMPLIANCE", "years": 7})
    );
}

#[test]
fn a_suspended_bucket_is_versioned_again_before_object_lock() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({"versioning": "Suspended"}))]}));
    env.config(&body("enabled", "none"));
    let plan = env.plan_json();
    assert_eq!(
        plan["resources"][0]["live"]["state"],
        "versioning_suspended"
    );
    assert_eq!(
        actions(&plan),
        pairs(&[
            ("enable_versioning", "reversible"),
            ("enable_object_lock", "irreversible"),
        ])
    );
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    assert_eq!(
        env.mutating_calls(),
        ["PutBucketVersioning", "PutObjectLockConfiguration"]
    );
    let bucket = aws_bucket(&env);
    assert_eq!(bucket["versioning"], "Enabled");
    assert_eq!(bucket["object_lock"], json!({"enabled": true}));
}

#[test]
fn a_changed_default_is_put_once_reported_compliant_and_drift_when_changed_outside() {
    let env = Env::new();
    env.seed(json!({"s3": [locked_seed(json!({"mode": "COMPLIANCE", "years": 7}))]}));
    env.config(&body("enabled", "{ mode: compliance, days: 2555 }"));
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    assert_eq!(env.mutating_calls(), ["PutObjectLockConfiguration"]);
    assert_eq!(
        aws_bucket(&env)["object_lock"]["default_retention"],
        json!({"mode": "COMPLIANCE", "days": 2555})
    );
    let run = env.lockward(&["report", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["resources"][0]["verdict"], "compliant");
    // The default changed outside lockward (the bucket as S3 now reports it): drift.
    env.emulator.reset();
    env.seed(json!({"s3": [locked_seed(json!({"mode": "GOVERNANCE", "days": 1}))]}));
    let run = env.lockward(&["report", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &report["resources"][0];
    assert_eq!(r["verdict"], "drift", "{r}");
    let findings = r["findings"][0].as_str().unwrap();
    assert!(
        findings.contains("COMPLIANCE for 2555 days") && findings.contains("GOVERNANCE for 1 day"),
        "{findings}"
    );
    assert!(env.mutating_calls().is_empty(), "a report changes nothing");
}

#[test]
fn a_lost_versioning_answer_is_settled_by_reading_the_bucket_and_the_apply_goes_on() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({}))]}));
    env.config(&body("enabled", "none"));
    // Every answer lost, the SDK's retries included: lockward reads the bucket to settle it.
    env.faults(json!({"rules": [{"operation": "PutBucketVersioning",
                                 "kind": "drop_after_apply", "times": 50}]}));
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .success();
    let bucket = aws_bucket(&env);
    assert_eq!(bucket["versioning"], "Enabled");
    assert_eq!(bucket["object_lock"], json!({"enabled": true}));
    let phases = journaled(&env);
    assert!(
        phases.contains(&("enable_versioning".to_string(), "recovered".to_string())),
        "the lost answer is settled by a re-read: {phases:?}"
    );
    assert_eq!(
        phases.last(),
        Some(&("enable_object_lock".to_string(), "done".to_string()))
    );
}

#[test]
fn a_refused_put_is_journaled_with_no_effect_and_nothing_else_runs() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({}))]}));
    env.config(&body("enabled", "{ mode: compliance, years: 7 }"));
    // S3 refuses the versioning change (its bucket policy, say): the Object Lock steps after it
    // in the plan are never sent.
    env.faults(
        json!({"rules": [{"operation": "PutBucketVersioning", "kind": "error",
                                 "status": 403, "code": "AccessDenied", "times": 1}]}),
    );
    env.lockward(&["apply", "--approve", &plan_digest(&env)])
        .code(1)
        .stderr_has("AccessDenied");
    assert!(
        !env.mutating_calls()
            .iter()
            .any(|c| c == "PutObjectLockConfiguration"),
        "{:?}",
        env.mutating_calls()
    );
    let failed: Vec<Value> = env
        .journal()
        .into_iter()
        .filter(|r| r["phase"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["action"], "enable_versioning");
    assert_eq!(failed[0]["effect"], "none");
    assert!(aws_bucket(&env)
        .get("object_lock")
        .is_none_or(Value::is_null));
}

#[test]
fn object_lock_enabled_by_someone_else_during_the_apply_is_never_overwritten() {
    // The approved plan enables versioning, then Object Lock, then a GOVERNANCE default.
    let env = Env::new();
    env.seed(json!({"s3": [bucket_seed(json!({}))]}));
    env.config(&body("enabled", "{ mode: governance, days: 30 }"));
    let digest = plan_digest(&env);

    // The apply's first call is held; meanwhile someone else turns Object Lock on, with a
    // COMPLIANCE default of their own.
    env.faults(
        json!({"rules": [{"operation": "PutBucketVersioning", "kind": "hold", "times": 1}]}),
    );
    let apply = env
        .command(&["apply", "--approve", &digest])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn lockward");
    wait_until("the apply's PutBucketVersioning arrives", || {
        env.calls()
            .iter()
            .any(|c| c["operation"] == "PutBucketVersioning")
    });
    let theirs = json!({"mode": "COMPLIANCE", "days": 1});
    env.seed(json!({"s3": [locked_seed(theirs.clone())]}));
    env.faults(json!({"rules": []}));

    // The put without a rule that enabling sends would remove their default: it is never
    // sent, and the apply stops there, saying so.
    let run = finish(apply);
    run.code(1)
        .stderr_has("has been enabled since the plan; nothing was sent");
    assert_eq!(env.mutating_calls(), ["PutBucketVersioning"]);
    assert_eq!(
        aws_bucket(&env)["object_lock"],
        json!({"enabled": true, "default_retention": theirs})
    );
    assert!(
        !journaled(&env).contains(&("enable_object_lock".to_string(), "intent".to_string())),
        "{:?}",
        journaled(&env)
    );
    // The next plan sees their default and asks for its own approval to change it.
    let next = env.plan_json();
    assert_eq!(
        next["resources"][0]["live"]["default_retention"],
        json!({"mode": "compliance", "days": 1})
    );
    assert_ne!(plan_digest(&env), digest);
}

//! `backup_vault_lock` through the real binary and the emulator's AWS Backup (DESIGN.md
//! section 3.4): a governance lock put and changed, a compliance lock put only with its
//! approval, shown in its grace period with its lock date, removed in grace, refused after the
//! lock date, a plan approved in grace gone stale at the lock date, approvals bound to their
//! region, and an immutable lock adopted without a change.

use serde_json::{json, Value};

use crate::support::{apply_on_a_terminal, has_script, plan_digest, Env};

const ADDRESS: &str = "backup_vault_lock.prod";

fn vault_seed(region: &str, lock: Option<Value>) -> Value {
    let mut v = json!({"region": region, "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
                       "recovery_points": 0});
    if let Some(lock) = lock {
        v["lock"] = lock;
    }
    v
}

fn lock_body(mode: &str, extra: &str) -> String {
    format!("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: {mode}\n{extra}")
}

fn governance(min: u32) -> String {
    lock_body("governance", &format!("    min_retention_days: {min}\n"))
}

fn compliance(min: u32, max: u32, changeable: u32) -> String {
    lock_body(
        "compliance",
        &format!(
            "    min_retention_days: {min}\n    max_retention_days: {max}\n    changeable_for_days: {changeable}\n"
        ),
    )
}

fn aws_lock(env: &Env) -> Value {
    env.aws_state()["backup"]
        .as_array()
        .and_then(|vaults| vaults.iter().find(|v| v["vault"] == "prod-backups"))
        .map(|v| v.get("lock").cloned().unwrap_or(Value::Null))
        .expect("the vault")
}

fn ops(env: &Env) -> Vec<String> {
    env.mutating_calls()
}

#[test]
fn a_governance_lock_is_put_and_changed_with_auto_approve() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", None)]}));
    env.config(&governance(7));
    let plan = env.plan_json();
    let action = &plan["resources"][0]["actions"][0];
    assert_eq!(action["action"], "put_vault_lock");
    assert_eq!(action["reversibility"], "reversible");
    assert_eq!(action["permanent_after"], Value::Null);
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(ops(&env), vec!["PutBackupVaultLockConfiguration"]);
    let lock = aws_lock(&env);
    assert_eq!(lock["min_retention_days"], 7);
    assert_eq!(
        lock.get("lock_date").cloned().unwrap_or(Value::Null),
        Value::Null
    );

    env.config(&governance(14));
    env.lockward(&["plan"])
        .success()
        .stdout_has("governance lock, retention at least 7 days");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(aws_lock(&env)["min_retention_days"], 14);
    env.lockward(&["plan"]).success().stdout_has("No changes");
    assert_eq!(env.state()["resources"][ADDRESS]["min_retention_days"], 14);
}

#[test]
fn a_compliance_lock_needs_its_digest_and_is_then_shown_in_grace_with_its_lock_date() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", None)]}));
    env.config(&compliance(35, 365, 3));
    let plan = env.plan_json();
    let action = &plan["resources"][0]["actions"][0];
    assert_eq!(action["action"], "put_vault_lock");
    assert_eq!(action["reversibility"], "irreversible");
    assert_eq!(action["permanent_after"], "P3D");

    env.lockward(&["apply", "--auto-approve"]).code(1);
    env.lockward(&["apply"]).code(1);
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));

    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(ops(&env), vec!["PutBackupVaultLockConfiguration"]);
    // Three days after the put, on the emulator's clock.
    // (As the SDK reads it: AWS Backup sends epoch seconds with millisecond precision.)
    let lock_date = env.state()["resources"][ADDRESS]["lock_date"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(lock_date.starts_with("2026-11-26T12:00:0"), "{lock_date}");
    assert!(aws_lock(&env)["lock_date"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-26T12:00:0"));

    let plan = env.plan_json();
    let r = &plan["resources"][0];
    assert_eq!(r["outcome"], "noop");
    assert_eq!(r["live"]["state"], "compliance_grace");
    assert_eq!(r["live"]["lock_date"], lock_date.as_str());
    assert_eq!(plan["valid_until"], lock_date.as_str());
    env.lockward(&["plan"])
        .success()
        .stdout_has(&format!("immutable from {lock_date}"));
    env.lockward(&["plan", "--format", "markdown"])
        .success()
        .stdout_has(&lock_date);
}

#[test]
fn a_compliance_lock_is_removed_during_its_grace_period() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", Some(json!(
        {"min_retention_days": 35, "max_retention_days": 365, "lock_date": "2026-11-26T12:00:00Z"})))]}));
    env.config(&lock_body("none", ""));
    let plan = env.plan_json();
    let r = &plan["resources"][0];
    assert_eq!(r["actions"][0]["action"], "delete_vault_lock");
    assert_eq!(r["actions"][0]["reversibility"], "reversible");
    assert!(r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["severity"] == "warning"
            && m["text"].as_str().unwrap().contains("2026-11-26T12:00:00Z")));
    // Removing it lowers protection: never auto-approved.
    assert_eq!(r["actions"][0]["lowers_protection"], true);
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(ops(&env), vec!["DeleteBackupVaultLockConfiguration"]);
    assert_eq!(aws_lock(&env), Value::Null);
}

#[test]
fn a_compliance_lock_is_refused_after_its_lock_date() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", Some(json!(
        {"min_retention_days": 35, "max_retention_days": 365, "lock_date": "2026-11-24T12:00:00Z"})))]}));
    env.advance_clock(2 * 86_400);
    env.config(&lock_body("none", ""));
    let plan = env.plan_json();
    let r = &plan["resources"][0];
    assert_eq!(r["outcome"], "conflict");
    assert_eq!(r["live"]["state"], "compliance_locked");
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("conflicts");
    env.config(&compliance(35, 400, 3));
    env.lockward(&["plan"])
        .stdout_has("max 365 days")
        .stdout_has("max 400 days");
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));
}

#[test]
fn a_plan_approved_in_grace_is_stale_once_the_lock_date_passes() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", Some(json!(
        {"min_retention_days": 35, "lock_date": "2026-11-23T13:00:00Z"})))]}));
    env.config(&lock_body("none", ""));
    let digest = plan_digest(&env);
    env.lockward(&["plan", "--out", "grace.plan"]).success();
    env.advance_clock(2 * 3600);
    env.lockward(&["apply", "grace.plan"])
        .code(1)
        .stderr_has("stale");
    env.lockward(&["apply", "--approve", &digest]).code(1);
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));
    assert!(aws_lock(&env).is_object());
}

#[test]
fn an_approval_for_one_region_never_puts_a_lock_in_another() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", None), vault_seed("us-west-2", None)]}));
    env.config_in("us-east-1", &compliance(35, 365, 3));
    let approved = plan_digest(&env);
    env.config_in("us-west-2", &compliance(35, 365, 3));
    assert_ne!(plan_digest(&env), approved, "the digest covers the region");
    env.lockward(&["apply", "--approve", &approved])
        .code(1)
        .stderr_has("does not match");
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));
}

#[test]
fn an_immutable_compliance_lock_is_imported_as_a_noop() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", Some(json!(
        {"min_retention_days": 35, "max_retention_days": 365, "lock_date": "2026-10-01T00:00:00Z"})))]}));
    // `changeable_for_days` is never reported by AWS, so it is never compared.
    env.config(&compliance(35, 365, 30));
    let run = env.lockward(&["import", ADDRESS]);
    run.success();
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("compliance_locked"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(env.state()["resources"][ADDRESS]["min_retention_days"], 35);
    let plan = env.plan_json();
    assert_eq!(plan["resources"][0]["outcome"], "noop");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));
}

#[test]
fn report_lists_undeclared_locked_backup_vaults_across_pages_as_unmanaged() {
    let env = Env::new();
    // More vaults than one ListBackupVaults page (1,000): the locked ones come last.
    let mut vaults: Vec<Value> = (0..1_001)
        .map(|i| json!({"region": "us-east-1", "vault": format!("plain-{i:04}")}))
        .collect();
    vaults.push(vault_seed(
        "us-east-1",
        Some(json!({"min_retention_days": 35})),
    ));
    vaults.push(json!({"region": "us-east-1", "vault": "zz-governed",
                       "lock": {"min_retention_days": 7, "max_retention_days": 30}}));
    vaults.push(json!({"region": "us-east-1", "vault": "zz-compliant",
                       "lock": {"min_retention_days": 35, "lock_date": "2026-11-26T12:00:00Z"}}));
    env.seed(json!({ "backup": vaults }));
    env.config(&governance(35));
    let run = env.lockward(&["report", "--format", "json"]);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let found: Vec<(String, String)> = report["unmanaged"]
        .as_array()
        .expect("an unmanaged list")
        .iter()
        .filter(|u| u["kind"] == "backup_vault_lock")
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_string(),
                u["lock_state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("zz-compliant".to_string(), "compliance_grace".to_string()),
            ("zz-governed".to_string(), "governance".to_string()),
        ]
    );
    let compliant = report["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "zz-compliant")
        .unwrap();
    assert!(compliant["details"]["lock_date"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-26T12:00:00"));
    env.lockward(&["report"])
        .stdout_has("zz-compliant")
        .stdout_has("lock date `2026-11-26T12:00:00Z`");
    assert!(ops(&env).is_empty());
}

#[test]
fn on_a_terminal_a_compliance_lock_needs_its_address_typed_back() {
    if !has_script() {
        return;
    }
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", None)]}));
    env.config(&compliance(35, 365, 3));
    // `yes` is not enough for an action that becomes permanent by itself.
    let run = apply_on_a_terminal(&env, "yes\n");
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains(ADDRESS),
        "the prompt names the address: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(ops(&env).is_empty(), "{:?}", ops(&env));
    let run = apply_on_a_terminal(&env, &format!("{ADDRESS}\n"));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(ops(&env), vec!["PutBackupVaultLockConfiguration"]);
}

#[test]
fn a_compliance_put_whose_answer_was_lost_is_sent_once_and_settled_by_reading_the_vault() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", None)]}));
    env.config(&compliance(35, 365, 3));
    let digest = plan_digest(&env);
    // AWS performs the put and the connection drops before its answer: sent again, the put
    // would start the grace period over (a later lock date than the one approved).
    env.faults(
        json!({"rules": [{"operation": "PutBackupVaultLockConfiguration",
                                 "kind": "drop_after_apply", "times": 1}]}),
    );
    env.lockward(&["apply", "--approve", &digest])
        .success()
        .stderr_has("put_vault_lock done");
    assert_eq!(ops(&env), vec!["PutBackupVaultLockConfiguration"]);
    let phases: Vec<String> = env
        .journal()
        .iter()
        .filter(|r| r["action"] == "put_vault_lock")
        .map(|r| r["phase"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(phases.first().map(String::as_str), Some("intent"));
    assert_eq!(phases.last().map(String::as_str), Some("done"));
    assert_eq!(
        phases.iter().filter(|p| *p == "intent").count(),
        1,
        "{phases:?}"
    );
    assert_eq!(env.plan_json()["resources"][0]["outcome"], "noop");
}

#[test]
fn a_throttled_compliance_put_is_sent_again_under_a_new_intent() {
    let env = Env::new();
    env.seed(json!({"backup": [vault_seed("us-east-1", None)]}));
    env.config(&compliance(35, 365, 3));
    let digest = plan_digest(&env);
    env.faults(
        json!({"rules": [{"operation": "PutBackupVaultLockConfiguration",
                                 "kind": "throttle", "times": 2}]}),
    );
    env.lockward(&["apply", "--approve", &digest]).success();
    let puts = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "PutBackupVaultLockConfiguration")
        .count();
    assert_eq!(puts, 3, "two throttled, then the one that took effect");
    assert_eq!(ops(&env).len(), 3);
    let intents = env
        .journal()
        .iter()
        .filter(|r| r["action"] == "put_vault_lock" && r["phase"] == "intent")
        .count();
    assert_eq!(intents, 3, "an intent before each wire attempt");
}

/// AWS takes a lock with only a maximum retention: lockward declares, puts and reports one,
/// and the declaration the report suggests for such a lock passes `validate`.
#[test]
fn a_lock_with_only_a_maximum_is_declared_put_and_suggested_as_aws_allows() {
    let env = Env::new();
    // A minimum, a maximum or both: a lock with neither is refused before any call.
    env.config(&lock_body("governance", ""));
    env.lockward(&["validate"])
        .code(1)
        .stderr_has("lockward.yaml")
        .stderr_has("needs `min_retention_days`, `max_retention_days` or both");
    let mut stray = vault_seed("us-east-1", Some(json!({"max_retention_days": 30})));
    stray["vault"] = json!("zz-max-only");
    env.seed(json!({"backup": [vault_seed("us-east-1", None), stray]}));
    env.config(&lock_body("governance", "    max_retention_days: 90\n"));
    env.lockward(&["validate"]).success();
    env.lockward(&["plan"])
        .success()
        .stdout_has("governance lock, retention at most 90 days");
    env.lockward(&["apply", "--auto-approve"]).success();
    let lock = aws_lock(&env);
    assert_eq!(lock["max_retention_days"], 90, "{lock}");
    assert_eq!(
        lock.get("min_retention_days")
            .cloned()
            .unwrap_or(Value::Null),
        Value::Null,
        "{lock}"
    );
    env.lockward(&["plan"]).success().stdout_has("No changes");

    let run = env.lockward(&["report", "--format", "json"]);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let stray = report["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "zz-max-only")
        .expect("the undeclared lock");
    let next = stray["next_step"].as_str().unwrap();
    assert!(
        next.contains("(vault: zz-max-only, mode: governance, max_retention_days: 30)"),
        "{next}"
    );
    // The declaration it suggests, as written, is a valid one.
    env.config(&format!(
        "{}  zz_max_only:\n    vault: zz-max-only\n    mode: governance\n    max_retention_days: 30\n",
        lock_body("governance", "    max_retention_days: 90\n")
    ));
    env.lockward(&["validate"]).success();
    env.lockward(&["plan"]).success().stdout_has("No changes");
}

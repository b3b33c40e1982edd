//! Actions that lower protection (DESIGN.md section 1), through the real binary and the
//! emulator: weakening a lock is the first step of the attack locks exist to stop, so
//! `--auto-approve` never approves one (it needs `--approve DIGEST` or typing on a terminal),
//! every form of the plan says "lowers protection", and the digest covers the flag. Also plan
//! format 3 (`permanent_after` as an ISO 8601 duration; format 2 files refused as stale) and a
//! Glacier lock policy that names another vault (DESIGN.md section 3.1).

use serde_json::{json, Value};

use crate::support::{apply_on_a_terminal, has_script, plan_digest, rule, Env, POLICY};

fn backup_vault(lock: Value) -> Value {
    json!({"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
           "recovery_points": 0, "lock": lock})
}

fn backup(mode: &str, extra: &str) -> String {
    format!("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: {mode}\n{extra}")
}

const BUCKET: &str = "acme-records-2026";

fn bucket_with_default(default_retention: Value) -> Value {
    json!({"region": "us-east-1", "bucket": BUCKET, "versioning": "Enabled",
           "object_lock": {"enabled": true, "default_retention": default_retention}})
}

fn s3(default_retention: &str) -> String {
    format!(
        "s3_object_lock:\n  records:\n    bucket: {BUCKET}\n    object_lock: enabled\n    default_retention: {default_retention}\n"
    )
}

fn glacier(vault: &str, state: &str) -> String {
    format!(
        "glacier_vault_lock:\n  audit:\n    vault: {vault}\n    policy_file: policies/audit.json\n    state: {state}\n"
    )
}

/// Each action of the only resource: (name, lowers_protection).
fn lowering(plan: &Value) -> Vec<(String, bool)> {
    plan["resources"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["lowers_protection"].as_bool().expect("always a boolean"),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(a, l)| (a.to_string(), *l)).collect()
}

/// `apply --auto-approve` refuses, naming the action as lowering protection, and calls
/// nothing; the reviewed digest then applies it.
fn auto_approve_refuses_then_the_digest_applies(env: &Env, action: &str) {
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("none lowers protection")
        .stderr_has(&format!("({action}, lowers protection)"));
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    let digest = plan_digest(env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert!(!env.mutating_calls().is_empty());
}

#[test]
fn auto_approve_never_deletes_a_governance_backup_lock() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault(json!({"min_retention_days": 35}))]}));
    env.config(&backup("none", ""));
    let plan = env.plan_json();
    assert_eq!(lowering(&plan), pairs(&[("delete_vault_lock", true)]));
    assert_eq!(plan["summary"]["lowers_protection"], 1);
    auto_approve_refuses_then_the_digest_applies(&env, "delete_vault_lock");
    assert_eq!(
        env.mutating_calls(),
        vec!["DeleteBackupVaultLockConfiguration"]
    );
}

#[test]
fn auto_approve_never_deletes_a_compliance_backup_lock_in_its_grace_period() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault(json!(
        {"min_retention_days": 35, "max_retention_days": 365, "lock_date": "2026-11-26T12:00:00Z"}))]}));
    // Removing it outright, and turning it into a governance lock (delete, then put).
    env.config(&backup(
        "governance",
        "    min_retention_days: 35\n    max_retention_days: 365\n",
    ));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("delete_vault_lock", true), ("put_vault_lock", false)])
    );
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("(delete_vault_lock, lowers protection)");
    assert!(env.mutating_calls().is_empty());
    env.config(&backup("none", ""));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("delete_vault_lock", true)])
    );
    auto_approve_refuses_then_the_digest_applies(&env, "delete_vault_lock");
}

#[test]
fn auto_approve_never_shortens_a_governance_backup_retention() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault(json!({"min_retention_days": 35}))]}));
    // A longer minimum is stronger: auto-approve may put it.
    env.config(&backup("governance", "    min_retention_days: 40\n"));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("put_vault_lock", false)])
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    // A shorter one allows an earlier deletion.
    env.config(&backup("governance", "    min_retention_days: 7\n"));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("put_vault_lock", true)])
    );
    let before = env.mutating_calls().len();
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("(put_vault_lock, lowers protection)");
    assert_eq!(env.mutating_calls().len(), before);
}

#[test]
fn auto_approve_never_removes_an_s3_compliance_default() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_with_default(json!({"mode": "COMPLIANCE", "years": 7}))]}));
    env.config(&s3("none"));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("remove_default_retention", true)])
    );
    auto_approve_refuses_then_the_digest_applies(&env, "remove_default_retention");
    assert_eq!(env.mutating_calls(), vec!["PutObjectLockConfiguration"]);
}

#[test]
fn auto_approve_never_turns_an_s3_compliance_default_into_governance_or_shortens_it() {
    let env = Env::new();
    env.seed(json!({"s3": [bucket_with_default(json!({"mode": "COMPLIANCE", "years": 7}))]}));
    // A GOVERNANCE default is "reversible", but weaker than the COMPLIANCE one it replaces.
    env.config(&s3("{ mode: governance, years: 10 }"));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("put_default_retention", true)])
    );
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("(put_default_retention, lowers protection)");
    assert!(env.mutating_calls().is_empty());

    let env = Env::new();
    env.seed(json!({"s3": [bucket_with_default(json!({"mode": "GOVERNANCE", "days": 30}))]}));
    env.config(&s3("{ mode: governance, days: 7 }"));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("put_default_retention", true)])
    );
    auto_approve_refuses_then_the_digest_applies(&env, "put_default_retention");
    // A longer GOVERNANCE default is not lowering: auto-approve puts it.
    env.config(&s3("{ mode: governance, days: 60 }"));
    assert_eq!(
        lowering(&env.plan_json()),
        pairs(&[("put_default_retention", false)])
    );
    env.lockward(&["apply", "--auto-approve"]).success();
}

#[test]
fn auto_approve_never_aborts_a_glacier_lock() {
    let env = Env::new();
    env.write("policies/audit.json", POLICY);
    env.seed(json!({"glacier": [{"region": "us-east-1", "vault": "audit-logs"}]}));
    env.config(&glacier("audit-logs", "in_progress"));
    // Starting a lock is reversible and lowers nothing.
    env.lockward(&["apply", "--auto-approve"]).success();
    env.config(&glacier("audit-logs", "unlocked"));
    let plan = env.plan_json();
    assert_eq!(lowering(&plan), pairs(&[("abort_lock", true)]));
    let before = env.mutating_calls().len();
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("(abort_lock, lowers protection)");
    assert_eq!(env.mutating_calls().len(), before);
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(env.mutating_calls().last().unwrap(), "AbortVaultLock");
}

#[test]
fn an_unlock_rule_lowers_protection() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule("a1B2c3D4e5F", json!("locked"), Some(7))]}));
    env.config("rbin_rule_lock:\n  ebs:\n    rule_id: a1B2c3D4e5F\n    state: unlocked\n");
    assert_eq!(lowering(&env.plan_json()), pairs(&[("unlock_rule", true)]));
    env.lockward(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("(unlock_rule, lowers protection)");
    assert!(env.mutating_calls().is_empty());
}

/// Every human and Markdown form says "lowers protection"; the summary counts it.
#[test]
fn every_form_of_the_plan_says_lowers_protection() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault(json!({"min_retention_days": 35}))]}));
    env.config(&backup("none", ""));
    env.lockward(&["plan"])
        .success()
        .stdout_has("delete_vault_lock  reversible, lowers protection:")
        .stdout_has("(0 irreversible, 0 delayed, 1 lowers protection)");
    env.lockward(&["plan", "--format", "markdown"])
        .success()
        .stdout_has("> [!CAUTION]")
        .stdout_has("reversible, **lowers protection** `delete_vault_lock`")
        .stdout_has("`delete_vault_lock` reversible, **lowers protection**");
    env.lockward(&["plan", "--out", "lowering.plan"]).success();
    env.lockward(&["show", "lowering.plan"])
        .success()
        .stdout_has("reversible, lowers protection:");
}

/// On a terminal a lowering action needs its address typed, like an irreversible one: `yes`
/// does not do.
#[test]
fn on_a_terminal_a_lowering_action_needs_its_address_typed() {
    if !has_script() {
        return;
    }
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault(json!({"min_retention_days": 35}))]}));
    env.config(&backup("none", ""));
    let run = apply_on_a_terminal(&env, "yes\n");
    assert_ne!(run.code, 0, "{run:?}");
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert!(
        shown.contains("delete_vault_lock is reversible, and lowers protection"),
        "{shown}"
    );
    assert!(env.mutating_calls().is_empty());
    let run = apply_on_a_terminal(&env, "backup_vault_lock.prod\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        env.mutating_calls(),
        vec!["DeleteBackupVaultLockConfiguration"]
    );
}

/// An attack of our own: a saved plan re-sealed (digest recomputed) after its lowering flag was
/// cleared, to be applied with `--auto-approve`. Planning again gives the true flag and another
/// digest, so the file is stale and nothing runs.
#[test]
fn a_plan_file_resealed_without_its_lowering_flag_is_stale() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault(json!({"min_retention_days": 35}))]}));
    env.config(&backup("none", ""));
    env.lockward(&["plan", "--out", "p.plan"]).success();
    let mut saved: Value = serde_json::from_str(&env.read("p.plan")).unwrap();
    saved["plan"]["resources"][0]["actions"][0]["lowers_protection"] = json!(false);
    saved["plan"]["summary"]["lowers_protection"] = json!(0);
    let plan: lockward::plan::Plan = serde_json::from_value(saved["plan"].clone()).unwrap();
    let resealed = lockward::plan::Plan::new(
        plan.config_digest.clone(),
        plan.state.clone(),
        plan.valid_until,
        plan.resources.clone(),
    )
    .with_state_store(plan.state_store.clone());
    assert_ne!(resealed.digest, saved["plan"]["digest"]);
    saved["plan"]["digest"] = json!(resealed.digest);
    env.write("p.plan", &serde_json::to_string_pretty(&saved).unwrap());
    env.lockward(&["apply", "p.plan", "--auto-approve"])
        .code(1)
        .stderr_has("stale");
    assert!(env.mutating_calls().is_empty());
}

/// Plan format 3: `permanent_after` is an ISO 8601 duration (`P3D` for a Backup grace), and a
/// plan file of format 2 is refused as stale.
#[test]
fn plan_format_3_says_permanent_after_in_iso_8601_and_refuses_format_2_files() {
    let env = Env::new();
    env.seed(
        json!({"backup": [{"region": "us-east-1", "vault": "prod-backups",
        "vault_type": "BACKUP_VAULT", "recovery_points": 0}]}),
    );
    env.config(&backup(
        "compliance",
        "    min_retention_days: 35\n    changeable_for_days: 3\n",
    ));
    let plan = env.plan_json();
    assert_eq!(plan["format_version"], "3");
    let action = &plan["resources"][0]["actions"][0];
    assert_eq!(action["permanent_after"], "P3D");
    assert_eq!(action["lowers_protection"], false);
    env.lockward(&["plan"])
        .success()
        .stdout_has("becomes permanent by itself 3 days after it runs");

    env.lockward(&["plan", "--out", "p.plan"]).success();
    let mut saved: Value = serde_json::from_str(&env.read("p.plan")).unwrap();
    saved["plan"]["format_version"] = json!("2");
    saved["plan"]["resources"][0]["actions"][0]["permanent_after"] = json!(3);
    env.write("p.plan", &serde_json::to_string_pretty(&saved).unwrap());
    for args in [
        ["apply", "p.plan", "--approve", &plan_digest(&env)],
        ["show", "p.plan", "--format", "json"],
    ] {
        env.lockward(&args)
            .code(1)
            .stderr_has("made by an older lockward; plan again");
    }
    assert!(env.mutating_calls().is_empty());
}

// ---- a Glacier policy that names another vault --------------------------------------------------

fn naming(resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"deny-delete","Principal":"*","Effect":"Deny","Action":"glacier:DeleteArchive","Resource":"{resource}"}}]}}"#
    )
}

#[test]
fn a_locked_policy_naming_another_vault_account_or_region_is_a_conflict() {
    for other in [
        "arn:aws:glacier:us-east-1:123456789012:vaults/other-vault",
        "arn:aws:glacier:us-east-1:999999999999:vaults/audit-logs",
        "arn:aws:glacier:eu-west-1:123456789012:vaults/audit-logs",
    ] {
        let env = Env::new();
        env.seed(json!({"glacier": [{"region": "us-east-1", "vault": "audit-logs"}]}));
        env.write("policies/audit.json", &naming(other));
        env.config(&glacier("audit-logs", "locked"));
        let run = env.lockward(&["plan", "--format", "json"]);
        run.code(1);
        let plan: Value = serde_json::from_str(&run.stdout).unwrap();
        let r = &plan["resources"][0];
        assert_eq!(r["outcome"], "conflict", "{other}");
        let text = r["messages"].to_string();
        assert!(
            text.contains(other)
                && text.contains("arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs"),
            "{text}"
        );
        env.lockward(&["apply", "--auto-approve"]).code(1);
        assert!(env.mutating_calls().is_empty());

        // In progress, the test window is where the mistake shows: a warning only.
        env.config(&glacier("audit-logs", "in_progress"));
        let plan = env.plan_json();
        let r = &plan["resources"][0];
        assert_eq!(r["outcome"], "change");
        assert!(r["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["severity"] == "warning" && m["text"].as_str().unwrap().contains(other)));
    }
}

#[test]
fn a_policy_naming_this_vault_or_star_plans_without_a_word() {
    for resource in [
        "arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs",
        "*",
    ] {
        let env = Env::new();
        env.seed(json!({"glacier": [{"region": "us-east-1", "vault": "audit-logs"}]}));
        env.write("policies/audit.json", &naming(resource));
        env.config(&glacier("audit-logs", "locked"));
        let plan = env.plan_json();
        let r = &plan["resources"][0];
        assert_eq!(r["outcome"], "change", "{resource}");
        assert_eq!(r["messages"], json!([]), "{resource}");
    }
}

/// The shipped demo locks three vaults; each policy names its own vault, so its plan has no
/// warning about another vault.
#[test]
fn the_demo_policies_name_their_own_vaults() {
    let env = Env::new();
    let mut cmd = env.command(&["demo", "--dir", "demo"]);
    // The demo runs its own emulator, on its own clock.
    cmd.env_remove("LOCKWARD_NOW");
    let run = env.run(&mut cmd);
    run.success();
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("glacier_vault_lock.legal_hold"), "{text}");
    assert!(!text.contains("which is not this vault"), "{text}");
    assert!(!text.contains("does not name this vault"), "{text}");
}

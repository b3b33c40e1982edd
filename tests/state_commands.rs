//! `lockward state list|rm|mv` (DESIGN.md section 4): records lockward keeps, edited by hand
//! under the state lock and journaled, never calling AWS; a record holding a lock id, or an
//! address with an attempt whose effect is unknown, is never forgotten or moved away from it.

use serde_json::{json, Value};

use crate::support::{job, plan_digest, rule, vault, Env, SAMPLE_JOB};

const CODE: &str = "12345-abcde-56789-fghij-01234";

/// A Recycle Bin rule locked and a Glacier lock initiated by one apply: a record each.
fn applied() -> Env {
    let env = Env::new();
    env.seed(json!({
        "rbin": [rule("a1B2c3D4e5F", Value::Null, None)],
        "glacier": [vault("audit-logs")],
        "snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)],
    }));
    env.write("policies/audit.json", crate::support::POLICY);
    std::fs::create_dir(env.path("secrets")).unwrap();
    std::fs::set_permissions(
        env.path("secrets"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    env.config(&format!(
        "rbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
         unlock_delay_days: 7\nglacier_vault_lock:\n  audit:\n    vault: audit-logs\n    \
         policy_file: policies/audit.json\n    state: in_progress\nsnowball_unlock_code:\n  \
         site_a:\n    job_id: {SAMPLE_JOB}\n    deliver_to: secrets/site-a.code\n"
    ));
    let digest = plan_digest(&env);
    // The retrieval's answer is lost: an attempt of unknown effect at site_a.
    env.faults(
        json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "drop_after_apply", "times": 1}]}),
    );
    env.lockward(&["apply", "--approve", &digest]).code(1);
    env.faults(json!({"rules": []}));
    let state = env.state();
    assert!(
        state["resources"]["rbin_rule_lock.snapshots"].is_object(),
        "{state:#}"
    );
    assert!(
        state["resources"]["glacier_vault_lock.audit"].is_object(),
        "{state:#}"
    );
    env
}

fn journal_actions(env: &Env) -> Vec<String> {
    env.journal()
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn state_list_shows_each_record_and_whether_it_is_still_declared() {
    let env = applied();
    let calls = env.calls().len();
    let run = env.lockward(&["state", "list"]);
    run.success()
        .stdout_has("rbin_rule_lock.snapshots in account 123456789012 in us-east-1")
        .stdout_has("glacier_vault_lock.audit in account")
        .stderr_has("record(s) in");
    assert!(!run.stdout.contains("(not declared)"), "{}", run.stdout);
    // Declared no more: said so.
    let config = env.read("lockward.yaml");
    let (head, rest) = config.split_once("rbin_rule_lock:").unwrap();
    let (_, tail) = rest.split_once("glacier_vault_lock:").unwrap();
    let without_rule = format!("{head}glacier_vault_lock:{tail}");
    env.write("lockward.yaml", &without_rule);
    env.lockward(&["state", "list"])
        .success()
        .stdout_has("rbin_rule_lock.snapshots (not declared)");
    assert!(
        env.calls()[calls..]
            .iter()
            .all(|c| c["mutating"] != Value::Bool(true)),
        "state list changed something in AWS"
    );
}

#[test]
fn state_rm_forgets_a_record_under_the_lock_journals_it_and_calls_nothing() {
    let env = applied();
    let serial = env.state()["serial"].as_u64().unwrap();
    let before = env.mutating_calls().len();
    env.lockward(&["state", "rm", "rbin_rule_lock.snapshots"])
        .success()
        .stderr_has("Removed the record(s) of rbin_rule_lock.snapshots");
    let state = env.state();
    assert!(
        state["resources"]["rbin_rule_lock.snapshots"].is_null(),
        "{state:#}"
    );
    assert!(state["serial"].as_u64().unwrap() > serial);
    assert_eq!(
        journal_actions(&env).last().map(String::as_str),
        Some("state_rm")
    );
    assert_eq!(env.mutating_calls().len(), before, "state rm called AWS");
    // No record: refused, nothing changed.
    env.lockward(&["state", "rm", "rbin_rule_lock.snapshots"])
        .code(1)
        .stderr_has("the state has no record of it");
}

/// A Glacier lock id is returned once: its record is never forgotten by hand (a refusal
/// changes nothing); it may move, and the id moves with it.
#[test]
fn state_rm_never_forgets_a_glacier_lock_id_and_mv_moves_it_with_its_record() {
    let env = applied();
    let before = env.read("lockward.state.json");
    let lock_id = env.state()["resources"]["glacier_vault_lock.audit"]["lock_id"].clone();
    assert!(lock_id.is_string(), "{lock_id}");
    env.lockward(&[
        "state",
        "rm",
        "rbin_rule_lock.snapshots",
        "glacier_vault_lock.audit",
    ])
    .code(1)
    .stderr_has("nothing was removed")
    .stderr_has("glacier_vault_lock.audit: it holds lock id")
    .stderr_has("not completed yet");
    assert_eq!(
        env.read("lockward.state.json"),
        before,
        "a refusal changed the state"
    );
    env.lockward(&[
        "state",
        "mv",
        "glacier_vault_lock.audit",
        "glacier_vault_lock.audit2",
    ])
    .success();
    let journal = env.journal();
    let moved = journal.last().unwrap();
    assert_eq!(moved["action"], "state_mv");
    assert_eq!(moved["address"], "glacier_vault_lock.audit2");
    assert_eq!(moved["detail"]["from"], "glacier_vault_lock.audit");
    env.lockward(&[
        "state",
        "mv",
        "glacier_vault_lock.audit2",
        "glacier_vault_lock.audit",
    ])
    .success();
    assert_eq!(
        env.state()["resources"]["glacier_vault_lock.audit"]["lock_id"],
        lock_id
    );
}

#[test]
fn state_mv_refuses_another_kind_the_same_address_a_missing_record_and_an_occupied_address() {
    let env = applied();
    let before = env.read("lockward.state.json");
    env.lockward(&[
        "state",
        "mv",
        "rbin_rule_lock.snapshots",
        "glacier_vault_lock.x",
    ])
    .code(1)
    .stderr_has("only to an address of its own kind");
    env.lockward(&[
        "state",
        "mv",
        "rbin_rule_lock.snapshots",
        "rbin_rule_lock.snapshots",
    ])
    .code(1)
    .stderr_has("nothing to move");
    env.lockward(&[
        "state",
        "mv",
        "rbin_rule_lock.nothing",
        "rbin_rule_lock.other",
    ])
    .code(1)
    .stderr_has("has no record of rbin_rule_lock.nothing");
    env.lockward(&[
        "state",
        "mv",
        "glacier_vault_lock.audit",
        "glacier_vault_lock.audit",
    ])
    .code(1);
    assert_eq!(
        env.read("lockward.state.json"),
        before,
        "a refusal changed the state"
    );
}

/// An attempt of unknown effect is what one approval, one attempt rests on: the record of an
/// address whose journal holds one is neither forgotten nor moved away from it, and no record
/// moves onto an address whose journal holds attempts that count.
#[test]
fn an_attempt_of_unknown_effect_pins_its_address() {
    let env = applied();
    // A new approval retrieves the code again: site_a now has a record, and its journal the
    // earlier attempt whose effect is unknown.
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(env.read("secrets/site-a.code"), CODE);
    let before = env.read("lockward.state.json");
    env.lockward(&["state", "rm", "snowball_unlock_code.site_a"])
        .code(1)
        .stderr_has("whose effect is unknown");
    env.lockward(&[
        "state",
        "mv",
        "snowball_unlock_code.site_a",
        "snowball_unlock_code.b",
    ])
    .code(1)
    .stderr_has("whose effect is unknown");
    assert_eq!(
        env.read("lockward.state.json"),
        before,
        "a refusal changed the state"
    );
}

#[test]
fn plan_names_the_records_the_config_no_longer_declares_and_how_to_move_or_forget_them() {
    let env = applied();
    env.lockward(&["plan"]).success();
    let quiet = env.lockward(&["plan"]);
    assert!(
        !quiet.stderr.contains("does not declare"),
        "{}",
        quiet.stderr
    );
    // The rule's block removed from the config: its record stays, and plan says so.
    let config = env.read("lockward.yaml");
    let (head, rest) = config.split_once("rbin_rule_lock:").unwrap();
    let (_, tail) = rest.split_once("glacier_vault_lock:").unwrap();
    env.write("lockward.yaml", &format!("{head}glacier_vault_lock:{tail}"));
    let run = env.lockward(&["plan"]);
    run.success()
        .stderr_has("the state keeps records of 1 address the config does not declare: rbin_rule_lock.snapshots")
        .stderr_has("lockward state mv rbin_rule_lock.snapshots NEW_ADDRESS")
        .stderr_has("lockward state rm rbin_rule_lock.snapshots");
    // Renamed rather than removed: the new address takes the record over as moved, and plan
    // warns of nothing.
    env.write(
        "lockward.yaml",
        &config.replace(
            "rbin_rule_lock:\n  snapshots:",
            "rbin_rule_lock:\n  ebs_snapshots:",
        ),
    );
    let run = env.lockward(&["plan"]);
    assert!(!run.stderr.contains("does not declare"), "{}", run.stderr);
}

#[test]
fn a_completed_locks_record_is_settled_and_may_be_forgotten() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.write("policies/audit.json", crate::support::POLICY);
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: locked\n",
    );
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let record = &env.state()["resources"]["glacier_vault_lock.audit"];
    assert!(
        record["lock_id"].is_string() && record["completed_at"].is_string(),
        "{record}"
    );
    let calls = env.calls().len();
    env.lockward(&["state", "rm", "glacier_vault_lock.audit"])
        .success()
        .stderr_has("Nothing changed in AWS");
    assert!(env.state()["resources"]["glacier_vault_lock.audit"].is_null());
    assert_eq!(env.calls().len(), calls, "state rm called AWS");
}

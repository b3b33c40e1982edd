//! A lost answer is never read as success (DESIGN.md section 5 item 12): after a mutating call
//! whose answer never came back, the step counts as done only when what AWS shows now could not
//! have been there before the call; otherwise the attempt is `unknown`, the apply stops, and the
//! next plan shows it. Each kind's steps are tried both ways: the connection dropped before AWS
//! acted (nothing happened: never `done`) and after (it happened: `recovered`, then `done`).

use serde_json::{json, Value};

use crate::support::{job, plan_digest, rule, vault, vault_locked, Env, OTHER_POLICY, POLICY};

// ---- the worlds -------------------------------------------------------------------------------

const RULE: &str = "a1B2c3D4e5F";
const JOB: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const CODE: &str = "Q7XKM-P9LRZ-T4WNB-H3DVY-C6FJU";
const BUCKET: &str = "acme-records-2026";

fn glacier(state: &str) -> String {
    format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: {state}\n"
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

fn backup_vault(lock: Value) -> Value {
    let mut v = json!({"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
                       "recovery_points": 0});
    if !lock.is_null() {
        v["lock"] = lock;
    }
    v
}

fn backup(mode: &str, retention: &str) -> String {
    format!("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: {mode}\n{retention}")
}

const COMPLIANCE_35_365: &str =
    "    min_retention_days: 35\n    max_retention_days: 365\n    changeable_for_days: 3\n";

fn bucket(extra: Value) -> Value {
    let mut v = json!({"region": "us-east-1", "bucket": BUCKET});
    if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    v
}

fn s3(default_retention: &str) -> String {
    format!(
        "s3_object_lock:\n  records:\n    bucket: {BUCKET}\n    object_lock: enabled\n    default_retention: {default_retention}\n"
    )
}

fn env_with(seed: Value, config: &str) -> Env {
    let env = Env::new();
    env.seed(seed);
    env.config(config);
    env
}

fn aws_vault(env: &Env) -> Value {
    env.aws_state()["glacier"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["vault"] == "audit-logs"))
        .cloned()
        .expect("the vault")
}

fn aws_rule(env: &Env) -> Value {
    env.aws_state()["rbin"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["identifier"] == RULE))
        .cloned()
        .expect("the rule")
}

fn aws_backup_lock(env: &Env) -> Value {
    env.aws_state()["backup"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["vault"] == "prod-backups"))
        .map(|v| v.get("lock").cloned().unwrap_or(Value::Null))
        .expect("the backup vault")
}

fn aws_bucket(env: &Env) -> Value {
    env.aws_state()["s3"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["bucket"] == BUCKET))
        .cloned()
        .expect("the bucket")
}

fn policy_is(lock: &Value, policy: &str) -> bool {
    lock["policy"]
        .as_str()
        .map(serde_json::from_str::<Value>)
        .and_then(Result::ok)
        == serde_json::from_str(policy).ok()
}

// ---- one step, its answer lost ----------------------------------------------------------------

/// One step of one kind whose answer is lost: the world before it, the call that carries it
/// out, and whether the world shows the step's effect.
struct Case {
    name: &'static str,
    setup: fn() -> Env,
    operation: &'static str,
    action: &'static str,
    took_effect: fn(&Env) -> bool,
}

/// The journal's records of `action`, as (phase, effect).
fn journaled(env: &Env, action: &str) -> Vec<(String, String)> {
    env.journal()
        .iter()
        .filter(|r| r["action"] == action)
        .map(|r| {
            (
                r["phase"].as_str().unwrap_or_default().to_string(),
                r["effect"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn phases(env: &Env, action: &str) -> Vec<String> {
    journaled(env, action).into_iter().map(|(p, _)| p).collect()
}

fn ready_actions(plan: &Value) -> Vec<String> {
    plan["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["actions"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["status"] == "ready")
        .map(|a| a["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn calls_of(env: &Env, operation: &str) -> usize {
    env.calls()
        .iter()
        .filter(|c| c["operation"] == operation)
        .count()
}

/// Every wire attempt of `operation` meets `kind` (so the SDK's own retries of an idempotent
/// call meet it too, and the answer lockward sees is lost).
fn lose_every_answer(env: &Env, operation: &str, kind: &str) {
    env.faults(json!({"rules": [{"operation": operation, "kind": kind}]}));
}

/// Dropped before AWS acted: the step never counts as done. The apply fails naming the unknown
/// outcome, the journal holds `failed` with `effect: unknown` and no `recovered` or `done`, the
/// world does not show the effect, and the next plan still proposes the step.
fn lost_before_aws_acted_is_never_done(case: &Case) {
    let env = (case.setup)();
    let digest = plan_digest(&env);
    assert!(
        ready_actions(&env.plan_json())
            .iter()
            .any(|a| a == case.action),
        "{}: the step is planned",
        case.name
    );
    lose_every_answer(&env, case.operation, "drop_before_apply");
    let run = env.lockward(&["apply", "--approve", &digest]);
    let context = format!("{}: {run:?}\njournal: {:?}", case.name, env.journal());
    assert_eq!(run.code, 1, "{context}");
    assert!(
        !run.stderr.contains(&format!("{} done", case.action)),
        "{context}"
    );
    assert!(calls_of(&env, case.operation) >= 1, "{context}");
    env.faults(json!({"rules": []}));
    assert!(!(case.took_effect)(&env), "{context}");
    let records = journaled(&env, case.action);
    assert!(
        records.contains(&("failed".to_string(), "unknown".to_string())),
        "{context}"
    );
    assert!(
        !records.iter().any(|(p, _)| p == "recovered" || p == "done"),
        "{context}"
    );
    // The same approval never runs the step again on its own: it stays proposed by a new plan.
    let calls = calls_of(&env, case.operation);
    let again = env.lockward(&["apply", "--approve", &digest]);
    if again.code == 0 {
        // Only a reversible step may run again under its approval, and only when the plan is
        // the same: then it is carried out this time.
        assert!((case.took_effect)(&env), "{}: {again:?}", case.name);
    } else {
        assert_eq!(
            calls_of(&env, case.operation),
            calls,
            "{}: {again:?}",
            case.name
        );
        assert!(
            ready_actions(&env.plan_json())
                .iter()
                .any(|a| a == case.action),
            "{}: the next plan shows the step again",
            case.name
        );
    }
}

/// Dropped after AWS acted: the re-read finds what could only be the step's effect, journals
/// `recovered` then `done`, and the next plan has nothing left of it.
fn lost_after_aws_acted_is_done(case: &Case) {
    let env = (case.setup)();
    let digest = plan_digest(&env);
    lose_every_answer(&env, case.operation, "drop_after_apply");
    let run = env.lockward(&["apply", "--approve", &digest]);
    let context = format!("{}: {run:?}\njournal: {:?}", case.name, env.journal());
    env.faults(json!({"rules": []}));
    assert_eq!(run.code, 0, "{context}");
    assert!(
        run.stderr.contains(&format!("{} done", case.action)),
        "{context}"
    );
    assert!((case.took_effect)(&env), "{context}");
    let phases = phases(&env, case.action);
    assert!(phases.contains(&"recovered".to_string()), "{context}");
    assert_eq!(phases.last().map(String::as_str), Some("done"), "{context}");
    assert!(
        !ready_actions(&env.plan_json())
            .iter()
            .any(|a| a == case.action),
        "{context}"
    );
}

fn both_ways(cases: &[Case]) {
    for case in cases {
        lost_before_aws_acted_is_never_done(case);
        lost_after_aws_acted_is_done(case);
    }
}

// ---- class 4: the case reported ---------------------------------------------------------------

/// A governance lock with the retention a compliance put asks for already satisfies "locked
/// with this retention": a re-read that looked only at that read a lost compliance put as done,
/// printed "compliance lock put", and used up the approval while the vault kept its governance
/// lock. Only a lock date the vault did not have proves the put.
#[test]
fn a_compliance_put_lost_before_aws_acted_on_a_governance_lock_of_the_same_retention_is_unknown() {
    let env = env_with(
        json!({"backup": [backup_vault(json!({"min_retention_days": 35, "max_retention_days": 365}))]}),
        &backup("compliance", COMPLIANCE_35_365),
    );
    let digest = plan_digest(&env);
    env.faults(
        json!({"rules": [{"operation": "PutBackupVaultLockConfiguration",
                                 "kind": "drop_before_apply", "times": 1}]}),
    );
    let run = env.lockward(&["apply", "--approve", &digest]);
    run.code(1).stderr_has("outcome is unknown");
    assert!(!run.stderr.contains("compliance lock put"), "{run:?}");
    assert!(!run.stdout.contains("compliance lock put"), "{run:?}");
    assert_eq!(aws_backup_lock(&env).get("lock_date"), None);
    assert_eq!(
        journaled(&env, "put_vault_lock")
            .iter()
            .map(|(p, e)| format!(
                "{p}{}",
                if e.is_empty() {
                    String::new()
                } else {
                    format!(":{e}")
                }
            ))
            .collect::<Vec<_>>(),
        ["intent", "failed:unknown"]
    );
    // The next plan shows the attempt and proposes the put again, under a new approval.
    let plan = env.plan_json();
    assert_eq!(ready_actions(&plan), ["put_vault_lock"]);
    let attempts = &plan["resources"][0]["recorded"]["attempts"];
    assert_eq!(attempts[0]["effect"], "unknown", "{plan:#}");
    env.lockward(&["apply", "--approve", &digest]).code(1);
    assert_eq!(calls_of(&env, "PutBackupVaultLockConfiguration"), 1);
    let second = plan_digest(&env);
    assert_ne!(second, digest);
    env.lockward(&["apply", "--approve", &second]).success();
    assert!(aws_backup_lock(&env)["lock_date"].is_string());
}

// ---- every kind, both ways ----------------------------------------------------------------------

#[test]
fn a_lost_backup_answer_is_done_only_when_the_vault_shows_what_was_not_there() {
    both_ways(&[
        Case {
            name: "compliance put over a governance lock of the same retention",
            setup: || {
                env_with(
                    json!({"backup": [backup_vault(json!({"min_retention_days": 35, "max_retention_days": 365}))]}),
                    &backup("compliance", COMPLIANCE_35_365),
                )
            },
            operation: "PutBackupVaultLockConfiguration",
            action: "put_vault_lock",
            took_effect: |env| aws_backup_lock(env)["lock_date"].is_string(),
        },
        Case {
            name: "compliance put in another compliance lock's grace",
            setup: || {
                env_with(
                    json!({"backup": [backup_vault(json!({"min_retention_days": 30, "max_retention_days": 365,
                                                           "lock_date": "2026-11-24T12:00:00Z"}))]}),
                    &backup("compliance", COMPLIANCE_35_365),
                )
            },
            operation: "PutBackupVaultLockConfiguration",
            action: "put_vault_lock",
            took_effect: |env| aws_backup_lock(env)["min_retention_days"] == 35,
        },
        Case {
            name: "governance put on a vault without a lock",
            setup: || {
                env_with(
                    json!({"backup": [backup_vault(Value::Null)]}),
                    &backup("governance", "    min_retention_days: 7\n"),
                )
            },
            operation: "PutBackupVaultLockConfiguration",
            action: "put_vault_lock",
            took_effect: |env| aws_backup_lock(env)["min_retention_days"] == 7,
        },
        Case {
            name: "delete of a governance lock",
            setup: || {
                env_with(
                    json!({"backup": [backup_vault(json!({"min_retention_days": 7}))]}),
                    &backup("none", ""),
                )
            },
            operation: "DeleteBackupVaultLockConfiguration",
            action: "delete_vault_lock",
            took_effect: |env| aws_backup_lock(env).is_null(),
        },
    ]);
}

#[test]
fn a_lost_glacier_answer_is_done_only_when_the_vault_shows_what_was_not_there() {
    both_ways(&[
        Case {
            name: "complete",
            setup: || {
                env_with(
                    json!({"glacier": [vault("audit-logs")]}),
                    &glacier("locked"),
                )
            },
            operation: "CompleteVaultLock",
            action: "complete_lock",
            took_effect: |env| aws_vault(env)["lock"]["state"] == "Locked",
        },
        Case {
            name: "abort",
            setup: || {
                env_with(
                    json!({"glacier": [vault_locked("audit-logs", "InProgress", OTHER_POLICY, "2026-11-23T11:00:00Z")]}),
                    &glacier("unlocked"),
                )
            },
            operation: "AbortVaultLock",
            action: "abort_lock",
            took_effect: |env| aws_vault(env).get("lock").is_none_or(Value::is_null),
        },
    ]);
}

/// InitiateVaultLock returns the lock id only in its answer. Lost before AWS acted, the vault
/// shows no lock (what it showed before): the initiation did nothing, and it is sent once more
/// (a lock in progress is reversible). Lost after, the lock in progress with the policy sent
/// is the initiation's own, created since the plan: it is aborted and initiated again, so its
/// id is known. Either way the state ends with the id of the lock AWS holds.
#[test]
fn a_lost_initiation_is_sent_again_only_after_the_vault_showed_it_did_nothing_or_was_aborted() {
    for kind in ["drop_before_apply", "drop_after_apply"] {
        let env = env_with(
            json!({"glacier": [vault("audit-logs")]}),
            &glacier("in_progress"),
        );
        let digest = plan_digest(&env);
        env.faults(
            json!({"rules": [{"operation": "InitiateVaultLock", "kind": kind, "times": 1}]}),
        );
        let run = env.lockward(&["apply", "--approve", &digest]);
        run.success();
        let aborts = usize::from(kind == "drop_after_apply");
        assert_eq!(calls_of(&env, "InitiateVaultLock"), 2, "{kind}: {run:?}");
        assert_eq!(calls_of(&env, "AbortVaultLock"), aborts, "{kind}: {run:?}");
        let live = aws_vault(&env)["lock"].clone();
        assert_eq!(live["state"], "InProgress", "{kind}");
        assert!(policy_is(&live, POLICY), "{kind}");
        assert_eq!(
            env.state()["resources"]["glacier_vault_lock.audit"]["lock_id"],
            live["lock_id"],
            "{kind}"
        );
        env.lockward(&["plan", "--detailed-exitcode"]).code(0);
    }
}

/// A lost initiation is sent again once, not again and again: when the second answer is lost
/// too, the step stops and says the outcome is unknown, and the next plan decides from what
/// the vault shows (a third initiation needs an approval of its own).
#[test]
fn a_lost_initiation_is_sent_again_once_and_a_second_loss_stops_the_step() {
    let env = env_with(
        json!({"glacier": [vault("audit-logs")]}),
        &glacier("in_progress"),
    );
    let digest = plan_digest(&env);
    env.faults(
        json!({"rules": [{"operation": "InitiateVaultLock", "kind": "drop_before_apply", "times": 2}]}),
    );
    let run = env.lockward(&["apply", "--approve", &digest]);
    run.code(1)
        .stderr_has("initiate_lock's outcome was unknown");
    assert_eq!(calls_of(&env, "InitiateVaultLock"), 2, "{run:?}");
    assert!(
        aws_vault(&env)["lock"].is_null(),
        "AWS never saw an initiation"
    );
    env.faults(json!({"rules": []}));
    env.lockward(&["apply", "--approve", &digest]).code(1);
    assert_eq!(
        calls_of(&env, "InitiateVaultLock"),
        2,
        "the used approval ran again"
    );
}

/// An InProgress lock found after a lost initiation is aborted only when it holds the policy
/// that was sent: a lock with another policy is not the initiation's, and is left alone.
#[test]
fn a_lock_with_another_policy_found_after_a_lost_initiation_is_never_aborted() {
    let env = env_with(
        json!({"glacier": [vault("audit-logs")]}),
        &glacier("in_progress"),
    );
    let digest = plan_digest(&env);
    // AWS never sees the initiation; someone else's lock appears meanwhile (held call).
    env.faults(json!({"rules": [{"operation": "InitiateVaultLock", "kind": "hold"},
                                {"operation": "InitiateVaultLock", "kind": "drop_before_apply", "times": 1}]}));
    let child = env
        .command(&["apply", "--approve", &digest])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::support::wait_until("the initiation is held", || {
        calls_of(&env, "InitiateVaultLock") == 1
    });
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", OTHER_POLICY, "2026-11-23T12:00:00Z")]}));
    env.faults(json!({"rules": []}));
    let run = crate::support::finish(child);
    run.code(1);
    assert_eq!(calls_of(&env, "AbortVaultLock"), 0, "{run:?}");
    assert!(policy_is(&aws_vault(&env)["lock"], OTHER_POLICY));
}

#[test]
fn a_lost_recycle_bin_answer_is_done_only_when_the_rule_shows_what_was_not_there() {
    both_ways(&[
        Case {
            name: "lock",
            setup: || {
                env_with(
                    json!({"rbin": [rule(RULE, Value::Null, None)]}),
                    &rbin("locked"),
                )
            },
            operation: "LockRule",
            action: "lock_rule",
            took_effect: |env| aws_rule(env)["lock_state"] == "locked",
        },
        Case {
            name: "unlock",
            setup: || {
                env_with(
                    json!({"rbin": [rule(RULE, json!("locked"), Some(7))]}),
                    &rbin("unlocked"),
                )
            },
            operation: "UnlockRule",
            action: "unlock_rule",
            took_effect: |env| aws_rule(env)["lock_state"] == "pending_unlock",
        },
    ]);
}

#[test]
fn a_lost_s3_answer_is_done_only_when_the_bucket_shows_what_was_not_there() {
    both_ways(&[
        Case {
            name: "enable versioning",
            setup: || env_with(json!({"s3": [bucket(json!({}))]}), &s3("none")),
            operation: "PutBucketVersioning",
            action: "enable_versioning",
            took_effect: |env| aws_bucket(env)["versioning"] == "Enabled",
        },
        Case {
            name: "enable Object Lock",
            setup: || {
                env_with(
                    json!({"s3": [bucket(json!({"versioning": "Enabled"}))]}),
                    &s3("none"),
                )
            },
            operation: "PutObjectLockConfiguration",
            action: "enable_object_lock",
            took_effect: |env| aws_bucket(env)["object_lock"]["enabled"] == true,
        },
        Case {
            name: "put a COMPLIANCE default",
            setup: || {
                env_with(
                    json!({"s3": [bucket(json!({"versioning": "Enabled", "object_lock":
                        {"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}}}))]}),
                    &s3("{ mode: compliance, years: 1 }"),
                )
            },
            operation: "PutObjectLockConfiguration",
            action: "put_default_retention",
            took_effect: |env| {
                aws_bucket(env)["object_lock"]["default_retention"]["mode"] == "COMPLIANCE"
            },
        },
        Case {
            name: "remove the default",
            setup: || {
                env_with(
                    json!({"s3": [bucket(json!({"versioning": "Enabled", "object_lock":
                        {"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}}}))]}),
                    &s3("none"),
                )
            },
            operation: "PutObjectLockConfiguration",
            action: "remove_default_retention",
            took_effect: |env| {
                aws_bucket(env)["object_lock"]
                    .get("default_retention")
                    .is_none_or(Value::is_null)
            },
        },
    ]);
}

/// GetJobUnlockCode's answer is the code: lost either way, nothing was delivered, the attempt
/// is unknown, and only a new approval retrieves again.
#[test]
fn a_lost_unlock_code_is_never_delivered_or_done_either_way() {
    for kind in ["drop_before_apply", "drop_after_apply"] {
        let env = env_with(
            json!({"snowball": [job(JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)]}),
            &format!("snowball_unlock_code:\n  site_a:\n    job_id: {JOB}\n    deliver_to: secrets/site-a.code\n"),
        );
        std::fs::create_dir(env.path("secrets")).unwrap();
        std::fs::set_permissions(
            env.path("secrets"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let digest = plan_digest(&env);
        env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": kind}]}));
        env.lockward(&["apply", "--approve", &digest])
            .code(1)
            .stderr_has("outcome is unknown");
        env.faults(json!({"rules": []}));
        assert_eq!(calls_of(&env, "GetJobUnlockCode"), 1, "{kind}");
        assert!(!env.path("secrets/site-a.code").exists(), "{kind}");
        let records = journaled(&env, "retrieve_unlock_code");
        assert!(
            records.contains(&("failed".to_string(), "unknown".to_string())),
            "{kind}: {records:?}"
        );
        assert!(
            !records.iter().any(|(p, _)| p == "done" || p == "recovered"),
            "{kind}"
        );
        env.lockward(&["apply", "--approve", &digest]).code(1);
        assert_eq!(calls_of(&env, "GetJobUnlockCode"), 1, "{kind}");
    }
}

// ---- guards that look at the world again mid-apply -------------------------------------------

/// How many GetCallerIdentity calls `plan` makes, as `run` runs it.
fn identity_calls_of_a_plan(env: &Env, run: impl FnOnce()) -> usize {
    let before = calls_of(env, "GetCallerIdentity");
    run();
    calls_of(env, "GetCallerIdentity") - before
}

/// Holds every GetCallerIdentity of an apply that plans with `planned` of them, releasing each
/// until the one after them (the preflight's, before the first mutating call) is held: the
/// world can then be changed between the plan apply made and its first call. Set before the
/// apply starts.
fn hold_every_identity_call(env: &Env) {
    env.faults(json!({"rules": [{"operation": "GetCallerIdentity", "kind": "hold"}]}));
}

fn wait_for_the_preflight(env: &Env, planned: usize) {
    let start = calls_of(env, "GetCallerIdentity");
    for n in 1..=planned + 1 {
        crate::support::wait_until("the next identity call is held", || {
            calls_of(env, "GetCallerIdentity") >= start + n
        });
        if n <= planned {
            // Releases the planning's call and holds the next one.
            hold_every_identity_call(env);
        }
    }
}

fn spawn_apply(env: &Env, digest: &str) -> std::process::Child {
    env.command(&["apply", "--approve", digest])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn lockward")
}

/// CompleteVaultLock makes the vault's policy permanent: right before it, the vault is read
/// again, and the call is made only if the lock in progress still holds the desired policy.
/// Here the lock is replaced, after apply planned and before the call, by one with another
/// policy under the same id and CreationDate (all that lockward recorded of its own lock):
/// without the re-read, CompleteVaultLock would make the other policy permanent.
#[test]
fn complete_lock_re_reads_the_vault_and_never_completes_a_lock_whose_policy_changed_since_the_plan()
{
    let env = env_with(
        json!({"glacier": [vault("audit-logs")]}),
        &glacier("in_progress"),
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    env.config(&glacier("locked"));
    let plan = env.plan_json();
    assert_eq!(ready_actions(&plan), ["complete_lock"]);
    let digest = plan_digest(&env);
    let planned = identity_calls_of_a_plan(&env, || {
        env.lockward(&["plan"]).success();
    });
    let ours = aws_vault(&env)["lock"].clone();

    hold_every_identity_call(&env);
    let child = spawn_apply(&env, &digest);
    wait_for_the_preflight(&env, planned);
    env.seed(
        json!({"glacier": [{"region": "us-east-1", "vault": "audit-logs", "lock": {
        "state": "InProgress", "policy": OTHER_POLICY, "lock_id": ours["lock_id"],
        "created": ours["created"]}}]}),
    );
    env.faults(json!({"rules": []}));
    let run = crate::support::finish(child);
    run.code(1).stderr_has("complete_lock refused");
    assert_eq!(calls_of(&env, "CompleteVaultLock"), 0, "{run:?}");
    let live = aws_vault(&env)["lock"].clone();
    assert_eq!(live["state"], "InProgress");
    assert!(policy_is(&live, OTHER_POLICY));
}

/// The re-read before CompleteVaultLock also checks that the InProgress lock is the one
/// lockward initiated: a lock with the desired policy but another CreationDate (aborted and
/// initiated again by someone else since the plan) is never completed.
#[test]
fn complete_lock_never_completes_a_lock_initiated_again_since_the_plan() {
    let env = env_with(
        json!({"glacier": [vault("audit-logs")]}),
        &glacier("in_progress"),
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    env.config(&glacier("locked"));
    let digest = plan_digest(&env);
    let planned = identity_calls_of_a_plan(&env, || {
        env.lockward(&["plan"]).success();
    });
    let ours = aws_vault(&env)["lock"].clone();
    let earlier = env.now() - jiff::SignedDuration::from_hours(1);

    hold_every_identity_call(&env);
    let child = spawn_apply(&env, &digest);
    wait_for_the_preflight(&env, planned);
    env.seed(
        json!({"glacier": [{"region": "us-east-1", "vault": "audit-logs", "lock": {
        "state": "InProgress", "policy": POLICY, "lock_id": ours["lock_id"],
        "created": earlier.to_string()}}]}),
    );
    env.faults(json!({"rules": []}));
    let run = crate::support::finish(child);
    run.code(1).stderr_has("complete_lock refused");
    assert_eq!(calls_of(&env, "CompleteVaultLock"), 0, "{run:?}");
    assert_eq!(aws_vault(&env)["lock"]["state"], "InProgress");
}

/// Before the first mutating call, apply asks STS again who its credentials act as: an
/// approval covers only the account it was reviewed in. Here the credentials' session ends
/// between the plan apply made and the preflight (the emulator forgets it), so the same
/// credentials now act in the emulator's own account: nothing may be called there.
#[test]
fn the_preflight_asks_again_who_the_credentials_act_as_and_refuses_another_account() {
    let env = Env::new();
    env.seed(json!({"account_id": "222222222222", "glacier": [vault("audit-logs")]}));
    env.write(
        "aws/config",
        "[profile other]\nrole_arn = arn:aws:iam::222222222222:role/lockward\nsource_profile = base\n\n\
         [profile base]\naws_access_key_id = AKIDOTHERBASE\naws_secret_access_key = other-secret\n",
    );
    env.config(&glacier("in_progress"));
    let other = |args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_CONFIG_FILE", env.path("aws/config"))
            .env("AWS_PROFILE", "other")
            .env("AWS_ENDPOINT_URL", env.emulator.url());
        cmd
    };
    let plan = env.run(&mut other(&["plan", "--format", "json"]));
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(plan["resources"][0]["target"]["account"], "222222222222");
    let digest = plan["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let planned = identity_calls_of_a_plan(&env, || {
        env.run(&mut other(&["plan"])).success();
    });

    hold_every_identity_call(&env);
    let child = other(&["apply", "--approve", &digest])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_the_preflight(&env, planned);
    // Forgets every session (and the vault, and the call log), and releases the held call.
    env.emulator.reset();
    let run = crate::support::finish(child);
    run.code(1)
        .stderr_has("account 222222222222")
        .stderr_has("account 123456789012")
        .stderr_has("nothing was called");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

/// A compliance put in another compliance lock's grace is planned while the lock can still be
/// changed; right before the put, the vault is read again, and a lock that has become
/// immutable meanwhile (its lock date reached) is never sent a put.
#[test]
fn a_compliance_put_is_never_sent_to_a_lock_that_became_immutable_after_the_plan() {
    let env = env_with(
        json!({"backup": [backup_vault(json!({"min_retention_days": 30, "max_retention_days": 365,
                                               "lock_date": "2026-11-24T12:00:00Z"}))]}),
        &backup("compliance", COMPLIANCE_35_365),
    );
    assert_eq!(ready_actions(&env.plan_json()), ["put_vault_lock"]);
    let digest = plan_digest(&env);
    let planned = identity_calls_of_a_plan(&env, || {
        env.lockward(&["plan"]).success();
    });
    hold_every_identity_call(&env);
    let child = spawn_apply(&env, &digest);
    wait_for_the_preflight(&env, planned);
    // The lock date is now: from this moment the lock is immutable.
    env.seed(
        json!({"backup": [backup_vault(json!({"min_retention_days": 30, "max_retention_days": 365,
                                                    "lock_date": env.now().to_string()}))]}),
    );
    env.faults(json!({"rules": []}));
    let run = crate::support::finish(child);
    run.code(1)
        .stderr_has("has become immutable since the plan");
    assert_eq!(
        calls_of(&env, "PutBackupVaultLockConfiguration"),
        0,
        "{run:?}"
    );
    assert_eq!(aws_backup_lock(&env)["min_retention_days"], 30);
}

/// The default an S3 put asks for, put by someone else after apply planned and before the put
/// whose answer is then lost, was there before the put: it proves nothing, and the attempt
/// is unknown rather than done.
#[test]
fn an_s3_default_someone_else_put_before_a_lost_put_is_not_read_as_its_effect() {
    let governance = json!({"s3": [bucket(json!({"versioning": "Enabled", "object_lock":
        {"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}}}))]});
    let env = env_with(governance, &s3("{ mode: compliance, years: 1 }"));
    assert_eq!(ready_actions(&env.plan_json()), ["put_default_retention"]);
    let digest = plan_digest(&env);
    let planned = identity_calls_of_a_plan(&env, || {
        env.lockward(&["plan"]).success();
    });
    hold_every_identity_call(&env);
    let child = spawn_apply(&env, &digest);
    wait_for_the_preflight(&env, planned);
    env.seed(
        json!({"s3": [bucket(json!({"versioning": "Enabled", "object_lock":
        {"enabled": true, "default_retention": {"mode": "COMPLIANCE", "years": 1}}}))]}),
    );
    lose_every_answer(&env, "PutObjectLockConfiguration", "drop_before_apply");
    let run = crate::support::finish(child);
    env.faults(json!({"rules": []}));
    run.code(1);
    assert!(calls_of(&env, "PutObjectLockConfiguration") >= 1, "{run:?}");
    let records = journaled(&env, "put_default_retention");
    assert!(
        records.contains(&("failed".to_string(), "unknown".to_string())),
        "{records:?}"
    );
    assert!(
        !records.iter().any(|(p, _)| p == "recovered" || p == "done"),
        "{records:?}"
    );
}

//! What a reviewer approved is exactly what runs, where it was reviewed, once (DESIGN.md top
//! and section 5), attacked through the real binary and the emulator: another region, another
//! account, a lost answer then the same approval, a replayed approval, a state directory that
//! cannot be written, two addresses for one resource, a delivery apply would refuse.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::{json, Value};

use crate::support::{plan_digest, project_of_every_kind, vault, Env, OTHER_POLICY, SAMPLE_JOB};

const CODE: &str = "12345-abcde-56789-fghij-01234";
const SITE_A: &str = "snowball_unlock_code.site_a";

fn calls_of(env: &Env, operation: &str) -> Vec<Value> {
    env.calls()
        .into_iter()
        .filter(|c| c["operation"] == operation)
        .collect()
}

/// `lockward.yaml` with one provider in `region` at the emulator and `body` below it.
fn config_in(env: &Env, region: &str, body: &str) {
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: {region}\n    endpoint_url: {}\n{body}",
            env.emulator.url()
        ),
    );
}

const VAULT_LOCKED: &str = "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    \
                            policy_file: policies/audit.json\n    state: locked\n";

/// The digest on the `Digest:` line of `plan`'s human output.
fn digest_of(run_stdout: &str) -> String {
    run_stdout
        .lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .expect("a Digest line")
        .trim()
        .to_string()
}

#[test]
fn an_approval_for_one_region_never_runs_in_another() {
    let env = Env::new();
    env.seed(json!({"glacier": [
        {"region": "us-east-1", "vault": "audit-logs"},
        {"region": "us-west-2", "vault": "audit-logs"},
    ]}));
    // A policy for whichever vault it is attached to (`Resource: "*"`): one naming the vault
    // in us-east-1 would be a conflict in us-west-2 before any approval is looked at.
    env.write("policies/audit.json", OTHER_POLICY);
    config_in(&env, "us-east-1", VAULT_LOCKED);
    let east = env.lockward(&["plan"]);
    east.success()
        .stdout_has("account 123456789012 in us-east-1");
    let approved = digest_of(&east.stdout);
    env.lockward(&["plan", "--out", "east.plan"]).success();

    // The provider now points at another region where a vault of the same name exists.
    config_in(&env, "us-west-2", VAULT_LOCKED);
    let west = env.lockward(&["plan"]);
    west.success();
    assert_ne!(
        digest_of(&west.stdout),
        approved,
        "the digest covers the region"
    );

    let before = env.calls().len();
    env.lockward(&["apply", "--approve", &approved])
        .code(1)
        .stderr_has("does not match");
    env.lockward(&["apply", "east.plan"])
        .code(1)
        .stderr_has("stale");
    let after: Vec<Value> = env.calls()[before..].to_vec();
    assert!(
        after.iter().all(|c| c["mutating"] == false),
        "an approval for us-east-1 made a call: {after:#?}"
    );
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn an_approval_for_one_account_never_runs_in_another() {
    let env = Env::new();
    // The same vault name in the harness's account and in the account a profile assumes into.
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.seed(json!({"account_id": "222222222222", "glacier": [vault("audit-logs")]}));
    env.write(
        "aws/config",
        "[profile other]\nrole_arn = arn:aws:iam::222222222222:role/lockward\nsource_profile = base\n\n\
         [profile base]\naws_access_key_id = AKIDOTHERBASE\naws_secret_access_key = other-secret\n",
    );
    // `Resource: "*"`: a policy naming the vault of account 123456789012 would be a conflict
    // in the other account before any approval is looked at.
    env.write("policies/audit.json", OTHER_POLICY);
    env.config(VAULT_LOCKED);
    let reviewed = env.lockward(&["plan", "--out", "reviewed.plan"]);
    reviewed.success().stdout_has("account 123456789012");
    let approved = digest_of(&reviewed.stdout);

    // The same files, applied with credentials that act in another account.
    let other = |args: &[&str]| {
        let mut cmd: Command = env.command(args);
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_CONFIG_FILE", env.path("aws/config"))
            .env("AWS_PROFILE", "other")
            .env("AWS_ENDPOINT_URL", env.emulator.url());
        env.run(&mut cmd)
    };
    other(&["plan"])
        .success()
        .stdout_has("account 222222222222");
    other(&["apply", "--approve", &approved])
        .code(1)
        .stderr_has("does not match");
    other(&["apply", "reviewed.plan"])
        .code(1)
        .stderr_has("stale")
        .stderr_has("account 123456789012")
        .stderr_has("account 222222222222");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

#[test]
fn a_lost_answer_never_lets_one_approval_disclose_the_code_twice() {
    let env = project_of_every_kind(CODE);
    let approved = plan_digest_of_target(&env, SITE_A);
    env.faults(json!({"rules": [
        {"operation": "GetJobUnlockCode", "kind": "drop_after_apply", "times": 1}
    ]}));
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1)
        .stderr_has("outcome is unknown");
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 1);
    env.faults(json!({"rules": []}));

    // The same approval again: refused, and AWS is not asked a second time.
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1)
        .stderr_has("does not match");
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 1);

    // The new plan says which case it is, and needs its own approval.
    let again = env.lockward(&["plan", "--target", SITE_A]);
    again
        .success()
        .stdout_has("unknown outcome")
        .stdout_has("retrieve the unlock code again");
    let json = env.lockward(&["plan", "--target", SITE_A, "--format", "json"]);
    let plan: Value = serde_json::from_str(&json.stdout).unwrap();
    let attempts = &plan["resources"][0]["recorded"]["attempts"];
    assert_eq!(attempts[0]["action"], "retrieve_unlock_code", "{plan:#}");
    assert_eq!(attempts[0]["effect"], "unknown", "{plan:#}");
    assert_eq!(
        attempts[0]["plan_digest"],
        json!(approved_full(&env, &approved))
    );
    let second = digest_of(&again.stdout);
    assert_ne!(second, approved);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &second])
        .success();
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 2);
    assert_eq!(env.read("secrets/site-a.code"), CODE);
}

/// The full digest the journal recorded for the approval whose first digits are `short`.
fn approved_full(env: &Env, short: &str) -> String {
    let short = short.strip_prefix("sha256:").unwrap_or(short);
    env.journal()
        .iter()
        .filter_map(|r| r["plan_digest"].as_str())
        .find(|d| d.trim_start_matches("sha256:").starts_with(short))
        .expect("the journal names the approval")
        .to_string()
}

fn plan_digest_of_target(env: &Env, address: &str) -> String {
    digest_of(&env.lockward(&["plan", "--target", address]).stdout)
}

#[test]
fn retrieving_again_after_the_file_moved_needs_an_approval_of_its_own() {
    let env = project_of_every_kind(CODE);
    let first = plan_digest_of_target(&env, SITE_A);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &first])
        .success();
    fs::rename(env.path("secrets/site-a.code"), env.path("moved.code")).unwrap();
    let again = env.lockward(&["plan", "--target", SITE_A]);
    again
        .success()
        .stdout_has("delivered before")
        .stdout_has("retrieve the unlock code again");
    assert_ne!(
        digest_of(&again.stdout),
        first,
        "a second disclosure is another decision"
    );
    env.lockward(&["apply", "--target", SITE_A, "--approve", &first])
        .code(1)
        .stderr_has("does not match");
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 1);
}

#[test]
fn a_replayed_approval_is_refused_even_when_its_attempt_was_journaled_elsewhere() {
    let env = project_of_every_kind(CODE);
    let json = env.lockward(&["plan", "--target", SITE_A, "--format", "json"]);
    let plan: Value = serde_json::from_str(&json.stdout).unwrap();
    let digest = plan["digest"].as_str().unwrap().to_string();
    // An attempt under this very approval, journaled for another region (so it is not part of
    // this resource's recorded history, and the digest stays the same).
    let intent = json!({
        "ts": "2026-11-23T11:00:00Z", "address": SITE_A, "action": "retrieve_unlock_code",
        "phase": "intent", "plan_digest": digest,
        "target": {"account": "123456789012", "region": "eu-west-1", "endpoint": null},
        "detail": {"job_id": SAMPLE_JOB, "reversibility": "irreversible"}
    });
    env.write(
        "lockward.state.json.journal.jsonl",
        &format!("{}\n", serde_json::to_string(&intent).unwrap()),
    );
    assert_eq!(plan_digest_of_target(&env, SITE_A), digest);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &digest])
        .code(1)
        .stderr_has("this approval was already used");
    assert!(calls_of(&env, "GetJobUnlockCode").is_empty());
}

/// An approved retrieval whose GetJobUnlockCode AWS answers once with `status` and `code`:
/// the project, the approved digest, and the journal's one `failed` record.
fn retrieval_failing_once(status: u16, code: &str) -> (Env, String, Value) {
    let env = project_of_every_kind(CODE);
    // The state exists before the plan: a plan made before it existed is approved for its
    // creation too, which the first apply carries out (DESIGN.md section 5.8).
    env.write(
        "lockward.state.json",
        r#"{"format_version": 1, "lineage": "7f1c0a8e-0000-4000-8000-0000000000c1", "serial": 1, "resources": {}}"#,
    );
    let approved = plan_digest_of_target(&env, SITE_A);
    env.faults(json!({"rules": [
        {"operation": "GetJobUnlockCode", "kind": "error", "status": status,
         "code": code, "times": 1}
    ]}));
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .code(1);
    let mut failed: Vec<Value> = env
        .journal()
        .into_iter()
        .filter(|r| r["phase"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    let failed = failed.remove(0);
    (env, approved, failed)
}

#[test]
fn an_irreversible_attempt_that_aws_proved_did_nothing_may_run_again_under_its_approval() {
    let (env, approved, failed) = retrieval_failing_once(400, "AccessDeniedException");
    assert_eq!(
        failed["effect"], "none",
        "AccessDenied proves nothing happened"
    );
    env.faults(json!({"rules": []}));
    // Nothing was disclosed, so the plan and its approval are the same, and may run.
    assert_eq!(plan_digest_of_target(&env, SITE_A), approved);
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .success();
    assert_eq!(env.read("secrets/site-a.code"), CODE);
}

#[test]
fn an_answer_that_proves_nothing_is_journaled_with_an_unknown_effect() {
    let (env, approved, failed) = retrieval_failing_once(500, "InternalFailure");
    assert_eq!(failed["effect"], "unknown");
    assert_eq!(failed["target"]["region"], "us-east-1");
    assert_eq!(
        calls_of(&env, "GetJobUnlockCode").len(),
        1,
        "sent once, never retried"
    );
    assert_ne!(plan_digest_of_target(&env, SITE_A), approved);
}

/// Runs `chattr` on `path`; the tests that need an immutable directory run as root on Linux.
fn chattr(flag: &str, path: &std::path::Path) {
    let status = Command::new("chattr")
        .arg(flag)
        .arg(path)
        .status()
        .expect("chattr (e2fsprogs) is installed");
    assert!(status.success(), "chattr {flag} {}", path.display());
}

#[test]
fn a_lock_id_is_never_lost_when_the_state_directory_cannot_be_written() {
    let env = Env::new();
    env.seed(
        json!({"rbin": [crate::support::rule("a1B2c3D4e5F", Value::Null, None)],
                    "glacier": [vault("audit-logs")]}),
    );
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\nrbin_rule_lock:\n  ebs:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
         unlock_delay_days: 7\n",
    );
    // A first apply leaves a state file and a journal.
    let first = plan_digest_of_target(&env, "rbin_rule_lock.ebs");
    env.lockward(&[
        "apply",
        "--target",
        "rbin_rule_lock.ebs",
        "--approve",
        &first,
    ])
    .success();
    let state_before = env.read("lockward.state.json");
    let digest = plan_digest(&env);
    chattr("+i", env.dir());
    let run = env.lockward(&["apply", "--approve", &digest]);
    chattr("-i", env.dir());
    run.code(1).stderr_has("cannot write beside the state file");
    assert!(
        calls_of(&env, "InitiateVaultLock").is_empty(),
        "a lock was initiated whose id could not be recorded"
    );
    assert_eq!(env.read("lockward.state.json"), state_before);
}

#[test]
fn a_lock_id_found_only_in_the_journal_is_recovered_and_recorded() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\n",
    );
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let lock_id = env.state()["resources"]["glacier_vault_lock.audit"]["lock_id"].clone();
    assert!(lock_id.is_string());
    // The state file loses the record (as when its write failed after InitiateVaultLock).
    let mut state = env.state();
    state["resources"] = json!({});
    env.write(
        "lockward.state.json",
        &serde_json::to_string_pretty(&state).unwrap(),
    );

    env.lockward(&["plan"])
        .success()
        .stdout_has("the journal does");
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_eq!(
        env.state()["resources"]["glacier_vault_lock.audit"]["lock_id"],
        lock_id
    );
    assert!(env
        .journal()
        .iter()
        .any(|r| r["action"] == "recover" && r["phase"] == "recovered"));
    assert_eq!(
        calls_of(&env, "InitiateVaultLock").len(),
        1,
        "never initiated again"
    );
    assert!(
        calls_of(&env, "AbortVaultLock").is_empty(),
        "the known lock is kept"
    );
}

#[test]
fn a_completion_that_a_killed_run_never_recorded_is_recorded_by_the_next_apply() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(VAULT_LOCKED);
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let mut state = env.state();
    state["resources"]["glacier_vault_lock.audit"]["completed_at"] = Value::Null;
    env.write(
        "lockward.state.json",
        &serde_json::to_string_pretty(&state).unwrap(),
    );
    env.lockward(&["plan"])
        .success()
        .stdout_has("recovered: the lock was completed by an earlier run");
    env.lockward(&["apply"]).success();
    assert!(env.state()["resources"]["glacier_vault_lock.audit"]["completed_at"].is_string());
    assert_eq!(calls_of(&env, "CompleteVaultLock").len(), 1);
}

#[test]
fn two_addresses_that_name_one_vault_are_a_conflict_on_both() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: locked\n  audit_again:\n    vault: audit-logs\n    account_id: \"123456789012\"\n    \
         policy_file: policies/audit.json\n    state: in_progress\n",
    );
    let run = env.lockward(&["plan", "--format", "json"]);
    run.code(1);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    for r in plan["resources"].as_array().unwrap() {
        assert_eq!(r["outcome"], "conflict", "{r:#}");
        assert!(
            r["messages"].to_string().contains("name the same resource"),
            "{r:#}"
        );
    }
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn two_addresses_for_one_job_never_retrieve_one_code_into_two_files() {
    let env = project_of_every_kind(CODE);
    // A second provider written differently (a trailing slash) reaches the same account, region
    // and endpoint: only the resolved, normalised targets show it is one job.
    let url = env.emulator.url();
    let config = env.read("lockward.yaml").replacen(
        "providers:\n",
        &format!("providers:\n  again:\n    region: us-east-1\n    endpoint_url: {url}/\n"),
        1,
    );
    env.write(
        "lockward.yaml",
        &format!(
            "{config}  site_a_copy:\n    job_id: {SAMPLE_JOB}\n    provider: again\n    deliver_to: secrets/copy.code\n"
        ),
    );
    let run = env.lockward(&["plan", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let plan: Value = serde_json::from_str(&run.stdout).expect("a plan, not a config error");
    for address in [SITE_A, "snowball_unlock_code.site_a_copy"] {
        let r = plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == address)
            .unwrap();
        assert_eq!(r["outcome"], "conflict", "{r:#}");
        assert!(
            r["messages"].to_string().contains("name the same resource"),
            "{r:#}"
        );
    }
    env.lockward(&["apply", "--approve", plan["digest"].as_str().unwrap()])
        .code(1);
    assert!(calls_of(&env, "GetJobUnlockCode").is_empty());
    assert!(!env.path("secrets/copy.code").exists());
}

#[test]
fn a_record_found_under_an_address_no_longer_declared_is_shown_as_moved_and_kept() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\n",
    );
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let lock_id = env.state()["resources"]["glacier_vault_lock.audit"]["lock_id"].clone();
    env.config(
        "glacier_vault_lock:\n  audit_logs:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\n",
    );
    env.lockward(&["plan"])
        .success()
        .stdout_has("moved from glacier_vault_lock.audit");
    env.lockward(&["apply"]).success();
    let resources = &env.state()["resources"];
    assert_eq!(
        resources["glacier_vault_lock.audit_logs"]["lock_id"],
        lock_id
    );
    assert!(
        resources.get("glacier_vault_lock.audit").is_none(),
        "{resources:#}"
    );
    assert_eq!(calls_of(&env, "InitiateVaultLock").len(), 1);
}

#[test]
fn a_delivery_apply_would_refuse_is_a_conflict_before_anyone_approves_it() {
    let env = project_of_every_kind(CODE);
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o777)).unwrap();
    env.lockward(&["plan", "--target", SITE_A])
        .code(1)
        .stdout_has("writable by everyone");
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();

    // A path through a symlinked directory.
    fs::create_dir(env.path("elsewhere")).unwrap();
    fs::set_permissions(env.path("elsewhere"), fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(env.path("elsewhere"), env.path("linked")).unwrap();
    let config = env
        .read("lockward.yaml")
        .replace("secrets/site-a.code", "linked/site-a.code");
    env.write("lockward.yaml", &config);
    let run = env.lockward(&["plan", "--target", SITE_A]);
    run.code(1).stdout_has("symbolic link");
    assert!(!run.stdout.contains("Debug"), "{}", run.stdout);
    assert!(calls_of(&env, "GetJobUnlockCode").is_empty());
}

#[test]
fn a_missing_delivery_directory_inside_the_project_is_created_private_and_the_plan_says_so() {
    let env = project_of_every_kind(CODE);
    let config = env
        .read("lockward.yaml")
        .replace("secrets/site-a.code", "new/codes/site-a.code");
    env.write("lockward.yaml", &config);
    let plan = env.lockward(&["plan", "--target", SITE_A]);
    plan.success()
        .stdout_has("its directory is created first (mode 0700)");
    env.lockward(&[
        "apply",
        "--target",
        SITE_A,
        "--approve",
        &digest_of(&plan.stdout),
    ])
    .success();
    assert_eq!(env.read("new/codes/site-a.code"), CODE);
    for dir in ["new", "new/codes"] {
        let mode = fs::metadata(env.path(dir)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{dir}");
    }

    // Outside the project, a missing directory is not created: a conflict at plan time.
    let config = env.read("lockward.yaml").replace(
        "new/codes/site-a.code",
        "/nonexistent-lockward-dir/site-a.code",
    );
    env.write("lockward.yaml", &config);
    fs::remove_file(env.path("new/codes/site-a.code")).unwrap();
    env.lockward(&["plan", "--target", SITE_A])
        .code(1)
        .stdout_has("does not exist");
}

#[test]
fn a_plan_says_until_when_it_is_valid_and_the_json_names_the_moment() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\n",
    );
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let json = env.lockward(&["plan", "--format", "json"]);
    let plan: Value = serde_json::from_str(&json.stdout).unwrap();
    let expires = plan["resources"][0]["live"]["expires"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(plan["valid_until"], json!(expires), "{plan:#}");
    env.lockward(&["plan"])
        .success()
        .stdout_has(&format!("This plan is valid until {}", &expires[..19]));
}

#[test]
fn the_hint_after_a_targeted_plan_approves_that_plan() {
    let env = project_of_every_kind(CODE);
    let run = env.lockward(&["plan", "--target", SITE_A]);
    run.success();
    let hint = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("To apply exactly this plan: "))
        .expect("an approving command")
        .to_string();
    assert!(hint.contains(&format!("--target {SITE_A}")), "{hint}");
    let words: Vec<&str> = hint.split_whitespace().skip(1).collect();
    env.lockward(&words).success();
    assert_eq!(env.read("secrets/site-a.code"), CODE);
    assert!(
        calls_of(&env, "LockRule").is_empty(),
        "only the targeted resource ran"
    );
}

#[test]
fn a_delivery_path_that_is_not_a_file_is_described_in_words() {
    let env = project_of_every_kind(CODE);
    fs::create_dir(env.path("secrets/site-a.code")).unwrap();
    let run = env.lockward(&["plan", "--target", SITE_A]);
    run.code(1)
        .stdout_has("is not a regular file (a directory)");
    for debug in ["FileType", "Metadata", "{ ", "not-a-regular-file:"] {
        assert!(
            !run.stdout.contains(debug),
            "Debug text `{debug}` in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_throttled_retrieval_is_sent_again_under_a_new_intent_only_after_aws_refused_it() {
    let env = project_of_every_kind(CODE);
    let approved = plan_digest_of_target(&env, SITE_A);
    env.faults(json!({"rules": [
        {"operation": "GetJobUnlockCode", "kind": "throttle", "times": 2}
    ]}));
    env.lockward(&["apply", "--target", SITE_A, "--approve", &approved])
        .success();
    let phases: Vec<(String, Value)> = env
        .journal()
        .iter()
        .filter(|r| r["action"] == "retrieve_unlock_code")
        .map(|r| {
            (
                r["phase"].as_str().unwrap().to_string(),
                r["effect"].clone(),
            )
        })
        .collect();
    assert_eq!(
        phases,
        [
            ("intent".to_string(), Value::Null),
            ("failed".to_string(), json!("none")),
            ("intent".to_string(), Value::Null),
            ("failed".to_string(), json!("none")),
            ("intent".to_string(), Value::Null),
            ("done".to_string(), Value::Null),
        ],
        "one wire attempt per intent"
    );
    assert_eq!(calls_of(&env, "GetJobUnlockCode").len(), 3);
    assert_eq!(env.read("secrets/site-a.code"), CODE);
}

#[test]
fn a_malformed_approval_is_refused_before_any_call() {
    let env = Env::new();
    env.seed(serde_json::json!({"glacier": [crate::support::vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: locked\n",
    );
    env.write("policies/audit.json", crate::support::POLICY);
    for bad in ["xyz", "sha256:1234", "0123456789abcdefg", "sha256:"] {
        env.lockward(&["apply", "--approve", bad])
            .code(1)
            .stderr_has("is not a plan digest");
    }
    assert!(env.calls().is_empty(), "{:#?}", env.calls());
}

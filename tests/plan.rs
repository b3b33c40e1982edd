//! `lockward plan` through the real binary against the emulator (issue 4, "Done when").
//!
//! Every scenario is planned in all three formats with `--detailed-exitcode` by [`plan_all`],
//! which checks on each run: the exit code, the JSON plan against `schema/plan.schema.json`,
//! one digest across human, JSON and Markdown, and an emulator call log holding reads only.
//! The tests then assert each resource's outcome and actions in the JSON plan.
//!
//! Snapshots of rich plans are `tests/snapshots/cli_plan_*.snap`; update them with
//! `INSTA_UPDATE=always cargo test -p lockward --test main plan::` and read the diff.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;

use lockward::config::Policy;
use serde_json::{json, Value};

use crate::render::assert_valid_plan_json;
use crate::support::{job, rule, vault, vault_locked, Env, Run, OTHER_POLICY, POLICY, T0};

// ---- configs and seeds ---------------------------------------------------------------------

const AUDIT: &str = "glacier_vault_lock.audit";
const EBS: &str = "rbin_rule_lock.ebs";
const SITE_A: &str = "snowball_unlock_code.site_a";

const RULE_ID: &str = "a1B2c3D4e5F";
const JOB_ID: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const CODE: &str = "12345-abcde-56789-fghij-01234";

/// `glacier_vault_lock.audit` on vault `audit-logs` with `policies/audit.json` ([`POLICY`]).
fn glacier(state: &str, min_test_period: Option<&str>) -> String {
    let mut yaml = format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: {state}\n"
    );
    if let Some(p) = min_test_period {
        yaml.push_str(&format!("    min_test_period: {p}\n"));
    }
    yaml
}

/// `rbin_rule_lock.ebs` on rule [`RULE_ID`].
fn rbin(state: &str, unlock_delay_days: Option<u16>) -> String {
    let mut yaml = format!("rbin_rule_lock:\n  ebs:\n    rule_id: {RULE_ID}\n    state: {state}\n");
    if let Some(days) = unlock_delay_days {
        yaml.push_str(&format!("    unlock_delay_days: {days}\n"));
    }
    yaml
}

/// `snowball_unlock_code.site_a` on job [`JOB_ID`], delivered to `secrets/site-a.code`.
fn snowball() -> String {
    format!("snowball_unlock_code:\n  site_a:\n    job_id: {JOB_ID}\n    deliver_to: secrets/site-a.code\n")
}

/// `T0` moved by `secs` (negative: earlier), as RFC 3339.
fn t0_plus(secs: i64) -> String {
    let t0: jiff::Timestamp = T0.parse().unwrap();
    (t0 + jiff::SignedDuration::from_secs(secs)).to_string()
}

/// Sets the emulator's frozen clock (and so `LOCKWARD_NOW`) to exactly `T0` moved by `secs`.
fn set_clock(env: &Env, secs: i64) {
    env.emulator.set_clock(t0_plus(secs).parse().unwrap());
}

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Seed: rule [`RULE_ID`] pending unlock until `until`, first locked with 7 days.
fn rule_pending_unlock(until: &str) -> Value {
    let mut r = rule(RULE_ID, json!("pending_unlock"), Some(7));
    r["lock_end_time"] = json!(until);
    r
}

/// Writes `lockward.state.json` (mode 0600) holding `resources` (address -> record).
fn write_state(env: &Env, resources: Value) {
    let state = json!({
        "format_version": 1,
        "lineage": "0b7c3f8e-2d41-4e6a-9c55-7a1f0e9d3b21",
        "serial": 4,
        "resources": resources,
    });
    env.write(
        "lockward.state.json",
        &serde_json::to_string_pretty(&state).unwrap(),
    );
    fs::set_permissions(
        env.path("lockward.state.json"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
}

/// The record lockward writes after initiating `policy` on vault `vault`, whose lock AWS
/// reports as created at `created`: with it, the state file knows the live lock's id.
fn glacier_record(vault: &str, policy: &str, created: &str) -> Value {
    json!({
        "kind": "glacier_vault_lock",
        "vault": vault,
        "lock_id": format!("LOCK{vault}"),
        "initiated_at": created,
        "policy_digest": Policy::parse(policy).unwrap().digest(),
        "completed_at": null,
    })
}

// ---- running plans -------------------------------------------------------------------------

/// The operations `plan` may make: reads only.
const READS: [&str; 5] = [
    "GetVaultLock",
    "DescribeVault",
    "GetRule",
    "DescribeJob",
    "GetCallerIdentity",
];

/// Asserts the emulator saw reads and nothing else.
#[track_caller]
fn assert_reads_only(env: &Env) {
    let calls = env.calls();
    assert!(!calls.is_empty(), "plan read nothing");
    assert!(
        env.mutating_calls().is_empty(),
        "plan made a mutating call: {calls:#?}"
    );
    for call in &calls {
        let op = call["operation"].as_str().unwrap_or_default();
        assert!(
            READS.contains(&op),
            "plan called {op}, which is not a read: {call}"
        );
    }
}

/// The `sha256:…` on the `Digest:` line of human or Markdown output.
#[track_caller]
fn digest_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.starts_with("Digest: "))
        .unwrap_or_else(|| panic!("no `Digest:` line in:\n{text}"));
    let start = line
        .find("sha256:")
        .unwrap_or_else(|| panic!("no sha256 in `{line}`"));
    let digest: String = line[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
        .collect();
    assert_eq!(digest.len(), "sha256:".len() + 64, "`{line}`");
    digest
}

/// Parses and schema-checks a JSON plan on stdout.
#[track_caller]
fn parse_plan(run: &Run) -> Value {
    let plan: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    assert_valid_plan_json(&plan);
    plan
}

/// Plans in JSON, human and Markdown with `--detailed-exitcode` and `extra` arguments; asserts
/// each exits `code`, the JSON is valid, all three print the same digest, and the emulator
/// saw only reads. Returns the JSON plan.
#[track_caller]
fn plan_all(env: &Env, extra: &[&str], code: i32) -> Value {
    let run_format = |format: &str| {
        let mut args = vec!["plan", "--detailed-exitcode", "--format", format];
        args.extend_from_slice(extra);
        let run = env.lockward(&args);
        run.code(code);
        run
    };
    let plan = parse_plan(&run_format("json"));
    let digest = plan["digest"].as_str().unwrap().to_string();
    for format in ["human", "markdown"] {
        let run = run_format(format);
        assert_eq!(
            digest_line(&run.stdout),
            digest,
            "{format} digest differs from json's"
        );
    }
    assert_reads_only(env);
    plan
}

/// The resource at `address` in a JSON plan.
#[track_caller]
fn resource<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan:\n{plan:#}"))
}

fn action_names(r: &Value) -> Vec<String> {
    r["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts the outcome and the action names of `address`, returning the resource.
#[track_caller]
fn expect<'a>(plan: &'a Value, address: &str, outcome: &str, actions: &[&str]) -> &'a Value {
    let r = resource(plan, address);
    assert_eq!(r["outcome"], outcome, "{address}:\n{r:#}");
    assert_eq!(action_names(r), actions, "{address}:\n{r:#}");
    r
}

/// All messages of a resource, joined.
fn messages(r: &Value) -> String {
    r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["severity"].as_str().unwrap(),
                m["text"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- glacier_vault_lock --------------------------------------------------------------------

#[test]
fn glacier_locked_with_the_desired_policy_is_noop() {
    let env = Env::new();
    env.seed(
        json!({"glacier": [vault_locked("audit-logs", "Locked", POLICY, "2026-11-01T00:00:00Z")]}),
    );
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 0);
    expect(&plan, AUDIT, "noop", &[]);
    assert_eq!(plan["summary"]["noop"], 1);
}

#[test]
fn glacier_vault_without_lock_desired_unlocked_is_noop() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("unlocked", None));
    let plan = plan_all(&env, &[], 0);
    let r = expect(&plan, AUDIT, "noop", &[]);
    assert_eq!(r["live"]["state"], "none");
    // Telling "no lock" from "no vault" takes DescribeVault.
    let ops: Vec<String> = env
        .calls()
        .iter()
        .map(|c| c["operation"].as_str().unwrap().to_string())
        .collect();
    assert!(ops.contains(&"DescribeVault".to_string()), "{ops:?}");
}

#[test]
fn glacier_without_lock_desired_locked_initiates_then_completes_irreversibly() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, AUDIT, "change", &["initiate_lock", "complete_lock"]);
    assert_eq!(r["actions"][0]["reversibility"], "reversible");
    assert_eq!(r["actions"][1]["reversibility"], "irreversible");
    assert_eq!(r["actions"][1]["status"], "ready");
    assert_eq!(plan["summary"]["irreversible"], 1);
}

#[test]
fn glacier_without_lock_desired_in_progress_only_initiates() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("in_progress", None));
    let plan = plan_all(&env, &[], 2);
    expect(&plan, AUDIT, "change", &["initiate_lock"]);
    assert_eq!(plan["summary"]["irreversible"], 0);
}

#[test]
fn glacier_in_progress_with_unknown_lock_id_is_aborted_and_started_again_never_completed() {
    // The live lock holds the desired policy, but the state file knows no lock id for it.
    let env = Env::new();
    env.seed(
        json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, &t0_plus(-HOUR))]}),
    );
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 2);
    let r = expect(
        &plan,
        AUDIT,
        "change",
        &["abort_lock", "initiate_lock", "complete_lock"],
    );
    assert!(
        r["actions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("does not know this lock's id"),
        "{r:#}"
    );
    assert!(
        r.get("policy_diff").is_none(),
        "same policy, no diff: {r:#}"
    );

    env.config(&glacier("in_progress", None));
    let plan = plan_all(&env, &[], 2);
    expect(&plan, AUDIT, "change", &["abort_lock", "initiate_lock"]);
}

#[test]
fn glacier_in_progress_recorded_for_an_earlier_initiation_is_an_unknown_lock_id() {
    // The state file records a lock of this vault initiated a day earlier: not this lock.
    let env = Env::new();
    let created = t0_plus(-HOUR);
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, &created)]}));
    write_state(
        &env,
        json!({AUDIT: glacier_record("audit-logs", POLICY, &t0_plus(-25 * HOUR))}),
    );
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 2);
    expect(
        &plan,
        AUDIT,
        "change",
        &["abort_lock", "initiate_lock", "complete_lock"],
    );
}

#[test]
fn glacier_in_progress_with_another_policy_is_restarted_and_shows_the_diff() {
    let env = Env::new();
    let created = t0_plus(-HOUR);
    env.seed(
        json!({"glacier": [vault_locked("audit-logs", "InProgress", OTHER_POLICY, &created)]}),
    );
    write_state(
        &env,
        json!({AUDIT: glacier_record("audit-logs", OTHER_POLICY, &created)}),
    );
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 2);
    let r = expect(
        &plan,
        AUDIT,
        "change",
        &["abort_lock", "initiate_lock", "complete_lock"],
    );
    let diff = r["policy_diff"].as_str().expect("policies differ: a diff");
    assert!(diff.contains("-      \"Sid\": \"deny-all\""), "{diff}");
    assert!(diff.contains("+      \"Sid\": \"deny-delete\""), "{diff}");
}

#[test]
fn glacier_in_progress_known_lock_completes() {
    let env = Env::new();
    let created = t0_plus(-HOUR);
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, &created)]}));
    write_state(
        &env,
        json!({AUDIT: glacier_record("audit-logs", POLICY, &created)}),
    );
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, AUDIT, "change", &["complete_lock"]);
    assert_eq!(r["actions"][0]["status"], "ready");
    assert_eq!(plan["state"]["serial"], 4);
    assert_eq!(
        plan["state"]["lineage"],
        "0b7c3f8e-2d41-4e6a-9c55-7a1f0e9d3b21"
    );
}

#[test]
fn glacier_in_progress_known_lock_desired_in_progress_is_noop_with_expiry_warning_near_the_end() {
    let env = Env::new();
    let created = t0_plus(-HOUR);
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, &created)]}));
    write_state(
        &env,
        json!({AUDIT: glacier_record("audit-logs", POLICY, &created)}),
    );
    env.config(&glacier("in_progress", None));
    let plan = plan_all(&env, &[], 0);
    let r = expect(&plan, AUDIT, "noop", &[]);
    assert!(
        !messages(r).contains("expires"),
        "23 h left: no warning yet: {r:#}"
    );

    // Exactly 5 h before expiry (the clock is frozen): less than 6 h, so the plan warns.
    set_clock(&env, 18 * HOUR);
    let plan = plan_all(&env, &[], 0);
    let r = expect(&plan, AUDIT, "noop", &[]);
    let text = messages(r);
    assert!(
        text.starts_with("warning:") && text.contains("(in 5h00m)"),
        "{text}"
    );
}

#[test]
fn glacier_in_progress_desired_unlocked_aborts() {
    let env = Env::new();
    env.seed(
        json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, &t0_plus(-HOUR))]}),
    );
    env.config(&glacier("unlocked", None));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, AUDIT, "change", &["abort_lock"]);
    assert_eq!(r["actions"][0]["reversibility"], "reversible");
}

#[test]
fn glacier_min_test_period_defers_complete_until_the_period_ends_on_the_emulator_clock() {
    let env = Env::new();
    let created = t0_plus(-HOUR);
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, &created)]}));
    write_state(
        &env,
        json!({AUDIT: glacier_record("audit-logs", POLICY, &created)}),
    );
    env.config(&glacier("locked", Some("2h")));

    // One hour into a two-hour test: complete_lock waits, so the resource is blocked (exit 0).
    let plan = plan_all(&env, &[], 0);
    let r = expect(&plan, AUDIT, "blocked", &["complete_lock"]);
    assert_eq!(r["actions"][0]["status"], "deferred");
    assert_eq!(r["actions"][0]["not_before"], t0_plus(HOUR));
    assert_eq!(
        plan["summary"]["irreversible"], 0,
        "a deferred action is not counted"
    );

    // A minute before the end it still waits.
    set_clock(&env, HOUR - 60);
    let plan = plan_all(&env, &[], 0);
    expect(&plan, AUDIT, "blocked", &["complete_lock"]);

    // At the end of the period it is ready.
    set_clock(&env, HOUR);
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, AUDIT, "change", &["complete_lock"]);
    assert_eq!(r["actions"][0]["status"], "ready");
    assert_eq!(r["actions"][0]["not_before"], Value::Null);
}

#[test]
fn glacier_min_test_period_after_a_new_initiation_defers_complete_without_guessing_a_time() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(&glacier("locked", Some("2h")));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, AUDIT, "change", &["initiate_lock", "complete_lock"]);
    assert_eq!(r["actions"][0]["status"], "ready");
    assert_eq!(r["actions"][1]["status"], "deferred");
    assert_eq!(r["actions"][1]["not_before"], Value::Null);
}

#[test]
fn glacier_missing_vault_is_a_conflict_whatever_the_desired_state() {
    for state in ["locked", "in_progress", "unlocked"] {
        let env = Env::new();
        env.config(&glacier(state, None));
        let plan = plan_all(&env, &[], 1);
        let r = expect(&plan, AUDIT, "conflict", &[]);
        assert_eq!(r["live"]["state"], "vault_missing", "{state}");
        assert!(
            messages(r).contains("`audit-logs` does not exist"),
            "{state}: {r:#}"
        );
    }
}

#[test]
fn glacier_locked_with_another_policy_is_a_conflict_with_the_policy_diff() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault_locked("audit-logs", "Locked", OTHER_POLICY, "2026-11-01T00:00:00Z")]}));
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, AUDIT, "conflict", &[]);
    assert!(
        messages(r).contains("locked with a different policy"),
        "{r:#}"
    );
    let diff = r["policy_diff"].as_str().expect("a diff");
    assert!(
        diff.starts_with("--- live policy\n+++ desired policy\n"),
        "{diff}"
    );
    assert!(diff.contains("-      \"Action\": \"glacier:*\","), "{diff}");
    assert!(
        diff.contains("+      \"Action\": \"glacier:DeleteArchive\","),
        "{diff}"
    );

    let human = env.lockward(&["plan"]);
    human.code(1).stdout_has("policy diff (live -> desired):");
    human.stdout_has("+      \"Action\": \"glacier:DeleteArchive\",");
    let md = env.lockward(&["plan", "--format", "markdown"]);
    md.code(1)
        .stdout_has("```diff\n--- live policy\n+++ desired policy\n");
}

#[test]
fn glacier_live_policy_compares_canonically_key_order_and_whitespace_do_not_matter() {
    let reformatted: Value = serde_json::from_str(POLICY).unwrap();
    // serde_json sorts keys and pretty-printing adds whitespace: a different text, the same policy.
    let text = serde_json::to_string_pretty(&reformatted).unwrap();
    assert_ne!(text, POLICY);
    let env = Env::new();
    env.seed(
        json!({"glacier": [vault_locked("audit-logs", "Locked", &text, "2026-11-01T00:00:00Z")]}),
    );
    env.config(&glacier("locked", None));
    let plan = plan_all(&env, &[], 0);
    let r = expect(&plan, AUDIT, "noop", &[]);
    assert!(r.get("policy_diff").is_none(), "{r:#}");
}

#[test]
fn glacier_locked_cannot_go_back_to_unlocked_or_in_progress() {
    for state in ["unlocked", "in_progress"] {
        let env = Env::new();
        env.seed(json!({"glacier": [vault_locked("audit-logs", "Locked", POLICY, "2026-11-01T00:00:00Z")]}));
        env.config(&glacier(state, None));
        let plan = plan_all(&env, &[], 1);
        let r = expect(&plan, AUDIT, "conflict", &[]);
        assert!(messages(r).contains("permanent"), "{state}: {r:#}");
    }
}

// ---- rbin_rule_lock ------------------------------------------------------------------------

#[test]
fn rbin_never_locked_desired_locked_locks_with_a_delayed_action() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE_ID, Value::Null, None)]}));
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, EBS, "change", &["lock_rule"]);
    assert_eq!(r["actions"][0]["reversibility"], "delayed");
    assert_eq!(plan["summary"]["delayed"], 1);
}

#[test]
fn rbin_locked_with_the_desired_delay_is_noop() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE_ID, json!("locked"), Some(7))]}));
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 0);
    expect(&plan, EBS, "noop", &[]);
}

#[test]
fn rbin_never_locked_desired_unlocked_is_noop() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE_ID, Value::Null, None)]}));
    env.config(&rbin("unlocked", None));
    let plan = plan_all(&env, &[], 0);
    expect(&plan, EBS, "noop", &[]);
}

#[test]
fn rbin_unlocked_desired_locked_locks_again() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE_ID, json!("unlocked"), Some(7))]}));
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 2);
    expect(&plan, EBS, "change", &["lock_rule"]);
}

#[test]
fn rbin_locked_desired_unlocked_starts_a_delayed_unlock() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE_ID, json!("locked"), Some(7))]}));
    env.config(&rbin("unlocked", None));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, EBS, "change", &["unlock_rule"]);
    assert_eq!(r["actions"][0]["reversibility"], "delayed");
    assert!(
        r["actions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("7 days"),
        "{r:#}"
    );
}

#[test]
fn rbin_pending_unlock_desired_locked_is_relocked() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule_pending_unlock(&t0_plus(3 * DAY))]}));
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, EBS, "change", &["lock_rule"]);
    assert!(
        r["actions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("re-lock"),
        "{r:#}"
    );
}

#[test]
fn rbin_pending_unlock_desired_unlocked_is_noop_saying_when_the_delay_ends() {
    let env = Env::new();
    let until = t0_plus(3 * DAY);
    env.seed(json!({"rbin": [rule_pending_unlock(&until)]}));
    env.config(&rbin("unlocked", None));
    let plan = plan_all(&env, &[], 0);
    let r = expect(&plan, EBS, "noop", &[]);
    assert!(
        messages(r).contains(&format!("the unlock delay ends at {until}")),
        "{r:#}"
    );
}

#[test]
fn rbin_tag_level_rule_cannot_be_locked() {
    let env = Env::new();
    let mut r = rule(RULE_ID, Value::Null, None);
    r["resource_tags"] = json!([{"key": "team", "value": "audit"}]);
    env.seed(json!({"rbin": [r]}));
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, EBS, "conflict", &[]);
    assert!(messages(r).contains("tag-level rule"), "{r:#}");
}

#[test]
fn rbin_region_level_rule_with_exclusion_tags_cannot_be_locked() {
    let env = Env::new();
    let mut r = rule(RULE_ID, Value::Null, None);
    r["exclude_resource_tags"] = json!([{"key": "scratch", "value": "true"}]);
    env.seed(json!({"rbin": [r]}));
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, EBS, "conflict", &[]);
    assert!(messages(r).contains("exclusion tags"), "{r:#}");
}

#[test]
fn rbin_unlock_delay_cannot_change_after_the_first_lock_in_any_lock_state() {
    for (lock_state, desired) in [
        ("locked", "locked"),
        ("unlocked", "locked"),
        ("pending_unlock", "locked"),
    ] {
        let env = Env::new();
        let mut r = rule(RULE_ID, json!(lock_state), Some(7));
        if lock_state == "pending_unlock" {
            r["lock_end_time"] = json!(t0_plus(3 * DAY));
        }
        env.seed(json!({"rbin": [r]}));
        env.config(&rbin(desired, Some(14)));
        let plan = plan_all(&env, &[], 1);
        let r = expect(&plan, EBS, "conflict", &[]);
        let text = messages(r);
        assert!(
            text.contains("unlock delay of 7 days") && text.contains("wanted 14"),
            "{lock_state}: {text}"
        );
    }
}

#[test]
fn rbin_missing_rule_is_a_conflict() {
    let env = Env::new();
    env.config(&rbin("locked", Some(7)));
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, EBS, "conflict", &[]);
    assert_eq!(r["live"]["state"], "rule_missing");
    assert!(messages(r).contains(RULE_ID), "{r:#}");
}

// ---- snowball_unlock_code ------------------------------------------------------------------

#[test]
fn snowball_with_customer_retrieves_the_code_irreversibly_and_the_plan_never_shows_it() {
    let env = Env::new();
    env.seed(json!({"snowball": [job(JOB_ID, "WithCustomer", &t0_plus(-20 * DAY), CODE)]}));
    env.config(&snowball());
    let plan = plan_all(&env, &[], 2);
    let r = expect(&plan, SITE_A, "change", &["retrieve_unlock_code"]);
    assert_eq!(r["actions"][0]["reversibility"], "irreversible");
    for format in ["json", "human", "markdown"] {
        let run = env.lockward(&["plan", "--format", format]);
        assert!(
            !run.stdout.contains(CODE) && !run.stderr.contains(CODE),
            "{format} shows the code"
        );
    }
    assert!(
        !env.path("secrets/site-a.code").exists(),
        "plan delivered the code"
    );
}

#[test]
fn snowball_before_the_customer_is_blocked_naming_the_job_state() {
    for state in [
        "New",
        "Pending",
        "Listing",
        "PreparingAppliance",
        "PreparingShipment",
        "InTransitToCustomer",
    ] {
        let env = Env::new();
        env.seed(json!({"snowball": [job(JOB_ID, state, &t0_plus(-2 * DAY), CODE)]}));
        env.config(&snowball());
        let plan = plan_all(&env, &[], 0);
        let r = expect(&plan, SITE_A, "blocked", &["retrieve_unlock_code"]);
        assert_eq!(r["actions"][0]["status"], "deferred", "{state}");
        assert!(
            messages(r).contains(&format!("job is {state}")),
            "{state}: {r:#}"
        );
        assert_eq!(plan["summary"]["blocked"], 1);
    }
}

#[test]
fn snowball_past_the_customer_is_a_conflict_naming_the_job_state() {
    for state in [
        "InTransitToAWS",
        "WithAWSSortingFacility",
        "WithAWS",
        "InProgress",
        "Complete",
        "Cancelled",
    ] {
        let env = Env::new();
        env.seed(json!({"snowball": [job(JOB_ID, state, &t0_plus(-20 * DAY), CODE)]}));
        env.config(&snowball());
        let plan = plan_all(&env, &[], 1);
        let r = expect(&plan, SITE_A, "conflict", &[]);
        assert!(
            messages(r).contains(&format!("the job is {state}")),
            "{state}: {r:#}"
        );
    }
}

#[test]
fn snowball_job_older_than_360_days_is_a_conflict_even_with_the_customer() {
    let env = Env::new();
    env.seed(json!({"snowball": [job(JOB_ID, "WithCustomer", &t0_plus(-360 * DAY + HOUR), CODE)]}));
    env.config(&snowball());
    // 359 days and 23 hours old: still retrievable.
    let plan = plan_all(&env, &[], 2);
    expect(&plan, SITE_A, "change", &["retrieve_unlock_code"]);

    // Two hours later it is past 360 days.
    set_clock(&env, 2 * HOUR);
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, SITE_A, "conflict", &[]);
    assert!(messages(r).contains("more than 360 days ago"), "{r:#}");
}

#[test]
fn snowball_code_already_delivered_is_noop_and_a_changed_file_is_a_conflict() {
    let env = Env::new();
    env.seed(json!({"snowball": [job(JOB_ID, "WithCustomer", &t0_plus(-20 * DAY), CODE)]}));
    env.config(&snowball());
    // Where the config resolves `deliver_to`, as the plan states it (the record must match it).
    let plan = parse_plan(&env.lockward(&["plan", "--format", "json"]));
    let deliver_to = resource(&plan, SITE_A)["desired"]["deliver_to"].clone();
    env.write("secrets/site-a.code", CODE);
    write_state(
        &env,
        json!({SITE_A: {"kind": "snowball_unlock_code", "job_id": JOB_ID,
            "fingerprint": lockward::digest::sha256(CODE.as_bytes()),
            "deliver_to": deliver_to, "delivered_at": t0_plus(-DAY)}}),
    );
    let plan = plan_all(&env, &[], 0);
    expect(&plan, SITE_A, "noop", &[]);

    env.write("secrets/site-a.code", "something else");
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, SITE_A, "conflict", &[]);
    assert!(
        messages(r).contains("no longer holds the unlock code"),
        "{r:#}"
    );
}

#[test]
fn snowball_missing_job_is_a_conflict() {
    let env = Env::new();
    env.config(&snowball());
    let plan = plan_all(&env, &[], 1);
    let r = expect(&plan, SITE_A, "conflict", &[]);
    assert_eq!(r["live"]["state"], "job_missing");
}

// ---- rich plans, pinned for reviewers ------------------------------------------------------

/// Every kind with changes, a deferral, a blocked job, an expiry warning and a no-op: what a
/// reviewer sees on a typical pull request. No conflict, so the plan can be applied.
fn seed_changes(env: &Env) {
    // Under test for 30 min of its 2 h min_test_period.
    let in_test = t0_plus(-30 * 60);
    // 24 h lifetime: exactly 4 h 30 min left at T0 (the clock is frozen), so the plan warns
    // about the expiry.
    let nearly_expired = t0_plus(-19 * HOUR - 30 * 60);
    env.seed(json!({
        "glacier": [
            vault("audit-logs"),
            vault_locked("staging-archive", "InProgress", POLICY, &in_test),
            vault_locked("tested-archive", "InProgress", POLICY, &nearly_expired),
            vault_locked("legal-hold", "Locked", POLICY, "2026-08-25T06:00:00Z"),
        ],
        "rbin": [
            rule(RULE_ID, Value::Null, None),
            rule_pending_unlock_id("Z9y8X7w6V5u", &t0_plus(3 * DAY)),
            rule("Q1w2E3r4T5y", json!("locked"), Some(14)),
        ],
        "snowball": [
            job(JOB_ID, "WithCustomer", &t0_plus(-20 * DAY), CODE),
            job("JID9f8e7d6c-5b4a-4321-8fed-cba987654321", "InTransitToCustomer", &t0_plus(-2 * DAY), "54321-edcba-98765-jihgf-43210"),
        ],
    }));
    write_state(
        env,
        json!({
            "glacier_vault_lock.staging": glacier_record("staging-archive", POLICY, &in_test),
            "glacier_vault_lock.tested": glacier_record("tested-archive", POLICY, &nearly_expired),
        }),
    );
    env.config(
        "glacier_vault_lock:
  audit:
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
    min_test_period: 2h
  legal_hold:
    vault: legal-hold
    policy_file: policies/audit.json
    state: locked
  staging:
    vault: staging-archive
    policy_file: policies/audit.json
    state: locked
    min_test_period: 2h
  tested:
    vault: tested-archive
    policy_file: policies/audit.json
    state: locked
rbin_rule_lock:
  ami_images:
    rule_id: Z9y8X7w6V5u
    state: locked
    unlock_delay_days: 7
  ebs:
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 7
  old_snapshots:
    rule_id: Q1w2E3r4T5y
    state: unlocked
snowball_unlock_code:
  site_a:
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    deliver_to: secrets/site-a.code
  site_b:
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/site-b.code
",
    );
}

/// Seed: rule `id` pending unlock until `until`, first locked with 7 days.
fn rule_pending_unlock_id(id: &str, until: &str) -> Value {
    let mut r = rule(id, json!("pending_unlock"), Some(7));
    r["lock_end_time"] = json!(until);
    r
}

/// Every conflict a reviewer must resolve, beside one change that cannot run because of them.
fn seed_conflicts(env: &Env) {
    let mut tagged = rule("T4g9e8d7c6B", Value::Null, None);
    tagged["resource_tags"] = json!([{"key": "team", "value": "audit|legal"}]);
    env.seed(json!({
        "glacier": [
            vault("audit-logs"),
            vault_locked("legal-hold", "Locked", OTHER_POLICY, "2026-08-25T06:00:00Z"),
        ],
        "rbin": [tagged, rule(RULE_ID, json!("locked"), Some(7))],
        "snowball": [
            job(JOB_ID, "WithAWS", &t0_plus(-20 * DAY), CODE),
            job("JID9f8e7d6c-5b4a-4321-8fed-cba987654321", "WithCustomer", &t0_plus(-400 * DAY), "54321-edcba-98765-jihgf-43210"),
        ],
    }));
    env.config(
        "glacier_vault_lock:
  audit:
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
  gone:
    vault: deleted-vault
    policy_file: policies/audit.json
    state: locked
  legal_hold:
    vault: legal-hold
    policy_file: policies/audit.json
    state: locked
rbin_rule_lock:
  ebs:
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 14
  tagged:
    rule_id: T4g9e8d7c6B
    state: locked
    unlock_delay_days: 7
snowball_unlock_code:
  returned:
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    deliver_to: secrets/returned.code
  too_old:
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/too-old.code
",
    );
}

/// `text` with every plan digest (`sha256:` and 64 hex digits, or the 12 after `--approve `)
/// replaced by `[DIGEST]`.
fn without_digests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [("sha256:", 64), ("--approve ", 12)]
            .into_iter()
            .filter_map(|(marker, len)| rest.find(marker).map(|i| (i, marker, len)))
            .min();
        let Some((i, marker, len)) = next else {
            out.push_str(rest);
            return out;
        };
        let start = i + marker.len();
        let hex = rest[start..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        out.push_str(&rest[..start]);
        if hex == len {
            out.push_str("[DIGEST]");
            rest = &rest[start + len..];
        } else {
            rest = &rest[start..];
        }
    }
}

/// Pins `text` as `tests/snapshots/<name>.snap`, whatever the module path. The digest covers
/// the target, whose endpoint is the emulator's port of this run: it is pinned as `[DIGEST]`
/// (other tests check that it is the same in every format and on every run).
fn assert_pinned(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    let text = without_digests(text);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn plan_output_of_changes_is_pinned_for_reviewers() {
    let env = Env::new();
    seed_changes(&env);
    let plan = plan_all(&env, &[], 2);
    expect(
        &plan,
        "glacier_vault_lock.audit",
        "change",
        &["initiate_lock", "complete_lock"],
    );
    expect(&plan, "glacier_vault_lock.legal_hold", "noop", &[]);
    expect(
        &plan,
        "glacier_vault_lock.staging",
        "blocked",
        &["complete_lock"],
    );
    let tested = expect(
        &plan,
        "glacier_vault_lock.tested",
        "change",
        &["complete_lock"],
    );
    assert!(messages(tested).contains("(in 4h30m)"), "{tested:#}");
    expect(&plan, "rbin_rule_lock.ami_images", "change", &["lock_rule"]);
    expect(&plan, "rbin_rule_lock.ebs", "change", &["lock_rule"]);
    expect(
        &plan,
        "rbin_rule_lock.old_snapshots",
        "change",
        &["unlock_rule"],
    );
    expect(&plan, SITE_A, "change", &["retrieve_unlock_code"]);
    expect(
        &plan,
        "snowball_unlock_code.site_b",
        "blocked",
        &["retrieve_unlock_code"],
    );
    assert_eq!(
        plan["summary"],
        json!({"change": 6, "noop": 1, "blocked": 2, "conflict": 0, "unknown": 0, "irreversible": 2, "delayed": 3, "lowers_protection": 1})
    );

    let human = env.lockward(&["plan"]);
    human.success();
    assert_pinned("cli_plan_changes_human", &env.normalize(&human.stdout));
    let markdown = env.lockward(&["plan", "--format", "markdown"]);
    markdown.success();
    assert_pinned(
        "cli_plan_changes_markdown",
        &env.normalize(&markdown.stdout),
    );
    assert_reads_only(&env);
}

#[test]
fn plan_output_of_conflicts_is_pinned_for_reviewers() {
    let env = Env::new();
    seed_conflicts(&env);
    let plan = plan_all(&env, &[], 1);
    expect(
        &plan,
        "glacier_vault_lock.audit",
        "change",
        &["initiate_lock", "complete_lock"],
    );
    expect(&plan, "glacier_vault_lock.gone", "conflict", &[]);
    expect(&plan, "glacier_vault_lock.legal_hold", "conflict", &[]);
    expect(&plan, "rbin_rule_lock.ebs", "conflict", &[]);
    expect(&plan, "rbin_rule_lock.tagged", "conflict", &[]);
    expect(&plan, "snowball_unlock_code.returned", "conflict", &[]);
    expect(&plan, "snowball_unlock_code.too_old", "conflict", &[]);
    assert_eq!(plan["summary"]["conflict"], 6);

    let human = env.lockward(&["plan"]);
    human.code(1);
    assert_pinned("cli_plan_conflicts_human", &env.normalize(&human.stdout));
    let markdown = env.lockward(&["plan", "--format", "markdown"]);
    markdown.code(1);
    assert_pinned(
        "cli_plan_conflicts_markdown",
        &env.normalize(&markdown.stdout),
    );
    assert_reads_only(&env);
}

// ---- determinism ---------------------------------------------------------------------------

/// The digests `plan` prints in every format, and `show PLANFILE` in every format, for the
/// current emulator state: `(format, digest)` pairs.
fn digests_everywhere(env: &Env, planfile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let saved = env.lockward(&["plan", "--out", planfile]);
    saved.success();
    out.push(("plan --out (human)".to_string(), digest_line(&saved.stdout)));
    for format in ["json", "markdown"] {
        let run = env.lockward(&["plan", "--format", format]);
        run.success();
        out.push((
            format!("plan --format {format}"),
            extract_digest(format, &run),
        ));
    }
    for format in ["human", "json", "markdown"] {
        let run = env.lockward(&["show", planfile, "--format", format]);
        run.success();
        out.push((
            format!("show --format {format}"),
            extract_digest(format, &run),
        ));
    }
    out
}

fn extract_digest(format: &str, run: &Run) -> String {
    if format == "json" {
        parse_plan(run)["digest"].as_str().unwrap().to_string()
    } else {
        digest_line(&run.stdout)
    }
}

#[test]
fn digest_is_the_same_on_every_run_in_every_format_and_in_show() {
    let env = Env::new();
    seed_changes(&env);
    let first = digests_everywhere(&env, "first.lwplan");
    let second = digests_everywhere(&env, "second.lwplan");
    let digest = &first[0].1;
    for (what, d) in first.iter().chain(&second) {
        assert_eq!(d, digest, "{what}: {first:#?}\n{second:#?}");
    }
    // The saved plans hold the same decisions; only when they were made may differ.
    let saved = |name: &str| -> Value { serde_json::from_str(&env.read(name)).unwrap() };
    assert_eq!(
        saved("first.lwplan")["plan"],
        saved("second.lwplan")["plan"]
    );
    assert_reads_only(&env);
}

#[test]
fn digest_is_unchanged_an_hour_later_when_nothing_decided_changes() {
    // The expiry warning's "in 4h30m" and the rule's pending unlock move with time; the
    // decisions do not, so neither does the digest.
    let env = Env::new();
    seed_changes(&env);
    let before = parse_plan(env.lockward(&["plan", "--format", "json"]).success());
    let human_before = env.lockward(&["plan"]);
    env.advance_clock(HOUR);
    let after = parse_plan(env.lockward(&["plan", "--format", "json"]).success());
    let human_after = env.lockward(&["plan"]);
    assert_eq!(before["digest"], after["digest"]);
    assert_eq!(
        digest_line(&human_before.stdout),
        digest_line(&human_after.stdout)
    );
    // Time did pass for lockward: the warning text moved by an hour.
    let warning = |p: &Value| messages(resource(p, "glacier_vault_lock.tested"));
    assert!(
        warning(&before).contains("(in 4h30m)"),
        "{}",
        warning(&before)
    );
    assert!(
        warning(&after).contains("(in 3h30m)"),
        "{}",
        warning(&after)
    );
    assert_reads_only(&env);
}

#[test]
fn digest_changes_when_a_decision_changes() {
    // min_test_period ends: complete_lock goes from deferred to ready.
    let env = Env::new();
    seed_changes(&env);
    let before = parse_plan(env.lockward(&["plan", "--format", "json"]).success());
    set_clock(&env, 2 * HOUR);
    let after = parse_plan(env.lockward(&["plan", "--format", "json"]).success());
    expect(
        &after,
        "glacier_vault_lock.staging",
        "change",
        &["complete_lock"],
    );
    assert_ne!(before["digest"], after["digest"]);
}

// ---- saved plans ---------------------------------------------------------------------------

#[test]
fn show_planfile_renders_every_format_without_calling_aws() {
    let env = Env::new();
    seed_changes(&env);
    let planned = env.lockward(&["plan", "--out", "reviewed.lwplan", "--format", "json"]);
    planned.success();
    let plan = parse_plan(&planned);
    let calls_after_plan = env.calls().len();
    assert!(calls_after_plan > 0);
    // The first 12 hex digits, after `sha256:`.
    let short = &plan["digest"].as_str().unwrap()[7..19];

    let json_show = env.lockward(&["show", "reviewed.lwplan", "--format", "json"]);
    json_show.success();
    assert_eq!(
        parse_plan(&json_show),
        plan,
        "show --format json is the plan's JSON"
    );
    let human = env.lockward(&["show", "reviewed.lwplan"]);
    // The approving command names the saved plan.
    human
        .success()
        .stdout_has("glacier_vault_lock.audit will change")
        .stdout_has(&format!("lockward apply --approve {short} reviewed.lwplan"));
    let markdown = env.lockward(&["show", "reviewed.lwplan", "--format", "markdown"]);
    markdown.success().stdout_has("<!-- lockward-plan -->");
    assert_eq!(
        env.calls().len(),
        calls_after_plan,
        "show called AWS: {:#?}",
        env.calls()
    );

    // With the emulator emptied, show still shows the plan as it was made, and calls nothing.
    env.emulator.reset();
    let again = env.lockward(&["show", "reviewed.lwplan", "--format", "json"]);
    assert_eq!(parse_plan(again.success()), plan);
    assert!(
        env.calls().is_empty(),
        "show called AWS: {:#?}",
        env.calls()
    );
}

/// The `To apply exactly this plan:` command of human output.
#[track_caller]
fn approving_command(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("To apply exactly this plan: "))
        .unwrap_or_else(|| panic!("no approving command in:\n{text}"))
        .to_string()
}

#[test]
fn show_planfile_repeats_the_named_config_in_the_approving_command_like_plan() {
    // Regression: `show -c FILE PLANFILE` dropped `-c FILE`, so the command it printed would
    // apply the plan against ./lockward.yaml instead of the config it was made from.
    let env = Env::new();
    seed_one_of_each(&env);
    let yaml = env.read("lockward.yaml");
    env.write(
        "prod/lockward.yaml",
        &yaml.replace("policies/", "../policies/"),
    );
    let planned = env.lockward(&["plan", "-c", "prod/lockward.yaml", "--out", "prod.lwplan"]);
    let expected = approving_command(&planned.success().stdout);
    assert!(
        expected.starts_with("lockward apply -c prod/lockward.yaml --approve "),
        "{expected}"
    );
    assert!(expected.ends_with(" prod.lwplan"), "{expected}");
    let shown = env.lockward(&["show", "-c", "prod/lockward.yaml", "prod.lwplan"]);
    assert_eq!(approving_command(&shown.success().stdout), expected);
    let md = env.lockward(&[
        "show",
        "-c",
        "prod/lockward.yaml",
        "prod.lwplan",
        "--format",
        "markdown",
    ]);
    md.success().stdout_has(&format!("```sh\n{expected}\n```"));
}

#[test]
fn plan_with_conflicts_is_not_saved_to_out() {
    let env = Env::new();
    seed_conflicts(&env);
    let run = env.lockward(&["plan", "--out", "conflicted.lwplan"]);
    run.code(1)
        .stderr_has("the plan has conflicts, so it was not saved");
    assert!(!env.path("conflicted.lwplan").exists());
}

// ---- --target and --parallelism ------------------------------------------------------------

/// One resource of each kind, all with changes.
fn seed_one_of_each(env: &Env) {
    env.seed(json!({
        "glacier": [vault("audit-logs")],
        "rbin": [rule(RULE_ID, Value::Null, None)],
        "snowball": [job(JOB_ID, "WithCustomer", &t0_plus(-20 * DAY), CODE)],
    }));
    env.config(&format!(
        "{}{}{}",
        glacier("locked", None),
        rbin("locked", Some(7)),
        snowball()
    ));
}

fn operations(env: &Env) -> BTreeSet<String> {
    env.calls()
        .iter()
        .map(|c| c["operation"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn target_narrows_the_plan_and_the_reads_to_the_named_resources() {
    let env = Env::new();
    seed_one_of_each(&env);
    let plan = plan_all(&env, &["--target", EBS], 2);
    let addresses: Vec<&str> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, [EBS]);
    assert_eq!(
        operations(&env),
        BTreeSet::from(["GetCallerIdentity".to_string(), "GetRule".to_string()])
    );

    let plan = plan_all(
        &env,
        &["--target", SITE_A, "--target", AUDIT, "--target", SITE_A],
        2,
    );
    let addresses: Vec<&str> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, [AUDIT, SITE_A], "sorted, each once");
}

#[test]
fn target_plan_has_its_own_digest_but_the_whole_configs_digest() {
    let env = Env::new();
    seed_one_of_each(&env);
    let all = parse_plan(env.lockward(&["plan", "--format", "json"]).success());
    let one = parse_plan(
        env.lockward(&["plan", "--format", "json", "--target", AUDIT])
            .success(),
    );
    assert_ne!(
        all["digest"], one["digest"],
        "a narrower plan approves less"
    );
    assert_eq!(all["config_digest"], one["config_digest"]);
}

#[test]
fn target_not_declared_is_an_error_listing_the_declared_addresses() {
    let env = Env::new();
    seed_one_of_each(&env);
    let run = env.lockward(&[
        "plan",
        "--detailed-exitcode",
        "--target",
        "glacier_vault_lock.nope",
    ]);
    run.code(1)
        .stderr_has("--target glacier_vault_lock.nope matches no resource lockward.yaml declares")
        .stderr_has(&format!("hint: the closest is `{AUDIT}`"));
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        env.calls().is_empty(),
        "an invalid plan read AWS: {:#?}",
        env.calls()
    );
}

#[test]
fn usage_errors_exit_1_not_2_which_detailed_exitcode_reserves_for_changes() {
    let env = Env::new();
    seed_one_of_each(&env);
    for args in [
        &[
            "plan",
            "--detailed-exitcode",
            "--target",
            "glacier_vault_lok.audit",
        ][..],
        &["plan", "--detailed-exitcode", "--parallelism", "0"],
        &["plan", "--detailed-exitcode", "--format", "yaml"],
        &["plan", "--detailed-exitcode", "--no-such-flag"],
    ] {
        let run = env.lockward(args);
        run.code(1).stderr_has("error:");
    }
    assert!(env.calls().is_empty());
    // Help and version are not errors.
    env.lockward(&["plan", "--help"])
        .success()
        .stdout_has("--detailed-exitcode");
    env.lockward(&["--version"])
        .success()
        .stdout_has("lockward");
}

#[test]
fn parallelism_one_reads_one_resource_at_a_time_and_plans_the_same() {
    let env = Env::new();
    seed_changes(&env);
    let wide = parse_plan(
        env.lockward(&["plan", "--format", "json", "--parallelism", "256"])
            .success(),
    );
    env.emulator.reset();
    seed_changes(&env);
    let narrow = parse_plan(
        env.lockward(&["plan", "--format", "json", "--parallelism", "1"])
            .success(),
    );
    assert_eq!(wide["digest"], narrow["digest"]);
    assert_reads_only(&env);
    // One at a time: a vault's GetVaultLock and DescribeVault are never split by another read.
    // (STS is asked once per provider while the first reads run: it is not a resource read.)
    let all = env.calls();
    assert_eq!(
        all.iter()
            .filter(|c| c["operation"] == "GetCallerIdentity")
            .count(),
        1
    );
    let calls: Vec<Value> = all
        .iter()
        .filter(|c| c["operation"] != "GetCallerIdentity")
        .cloned()
        .collect();
    for (i, call) in calls.iter().enumerate() {
        if call["operation"] == "DescribeVault" {
            let before = &calls[i - 1];
            assert_eq!(before["operation"], "GetVaultLock", "{calls:#?}");
            assert_eq!(
                before["params"]["vaultName"], call["params"]["vaultName"],
                "{calls:#?}"
            );
        }
    }
    assert_eq!(
        calls.len(),
        4 + 1 + 3 + 2,
        "one read per resource and one DescribeVault: {calls:#?}"
    );
}

#[test]
fn plan_of_every_kind_reads_only_as_the_emulator_control_api_reports() {
    let env = Env::new();
    seed_one_of_each(&env);
    plan_all(&env, &[], 2);
    // The call log as a workflow would read it, over HTTP.
    let calls: Value = reqwest::blocking::get(format!("{}/_emulator/calls", env.emulator.url()))
        .and_then(|r| r.json())
        .expect("GET /_emulator/calls");
    let calls = calls.as_array().expect("a list of calls");
    let services: BTreeSet<&str> = calls
        .iter()
        .map(|c| c["service"].as_str().unwrap())
        .collect();
    assert_eq!(
        services,
        BTreeSet::from(["glacier", "rbin", "snowball", "sts"]),
        "{calls:#?}"
    );
    assert!(calls.iter().all(|c| c["mutating"] == false), "{calls:#?}");
}

// ---- AWS failures --------------------------------------------------------------------------

#[test]
fn failed_read_makes_the_resource_unknown_naming_the_address_and_the_aws_error() {
    let env = Env::new();
    seed_one_of_each(&env);
    env.faults(
        json!({"rules": [{"operation": "GetVaultLock", "kind": "error", "status": 403,
        "code": "AccessDeniedException", "message": "not allowed to read vault locks"}]}),
    );
    let run = env.lockward(&["plan", "--detailed-exitcode", "--out", "never.lwplan"]);
    run.code(1)
        .stderr_has("could not read the live state from AWS")
        .stderr_has("reading: AccessDeniedException: not allowed to read vault locks")
        .stderr_has("affects glacier_vault_lock.audit\n")
        .stderr_has("hint: the credentials of provider `default` lack a read permission lockward needs (glacier:GetVaultLock");
    // The unreadable resource is `unknown`; the others are planned beside it.
    assert!(
        run.stdout
            .contains("# glacier_vault_lock.audit could not be read"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("could not be read\n").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        !env.path("never.lwplan").exists(),
        "a plan with an unknown resource was saved"
    );
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn failed_read_of_any_kind_makes_only_its_resource_unknown() {
    for (operation, address) in [
        ("DescribeVault", AUDIT),
        ("GetRule", EBS),
        ("DescribeJob", SITE_A),
    ] {
        let env = Env::new();
        seed_one_of_each(&env);
        env.faults(
            json!({"rules": [{"operation": operation, "kind": "error", "status": 403,
            "code": "AccessDeniedException", "message": "no read for you"}]}),
        );
        let run = env.lockward(&["plan", "--detailed-exitcode"]);
        run.code(1)
            .stderr_has("reading: AccessDeniedException: no read for you")
            .stderr_has(&format!("affects {address}\n"));
        assert!(
            run.stdout
                .contains(&format!("# {address} could not be read")),
            "{operation}: {}",
            run.stdout
        );
        assert_eq!(
            run.stdout.matches("could not be read\n").count(),
            1,
            "{operation}: only {address} is unknown:\n{}",
            run.stdout
        );
        assert!(env.mutating_calls().is_empty());
    }
}

#[test]
fn throttled_reads_are_retried_and_the_plan_succeeds() {
    let env = Env::new();
    seed_one_of_each(&env);
    env.faults(json!({"rules": [{"operation": "GetVaultLock", "kind": "throttle", "times": 2}]}));
    let plan = plan_all(&env, &[], 2);
    expect(&plan, AUDIT, "change", &["initiate_lock", "complete_lock"]);
    // Two throttled attempts and the one that succeeded, for the first of the three runs.
    let get_vault_lock = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "GetVaultLock")
        .count();
    assert_eq!(get_vault_lock, 3 + 1 + 1, "{:#?}", env.calls());
}

#[test]
fn throttled_reads_of_every_service_are_retried() {
    let env = Env::new();
    seed_one_of_each(&env);
    let rules: Vec<Value> = READS
        .iter()
        .map(|op| json!({"operation": op, "kind": "throttle", "times": 1}))
        .collect();
    env.faults(json!({"rules": rules}));
    let run = env.lockward(&["plan", "--format", "json", "--detailed-exitcode"]);
    run.code(2);
    let plan = parse_plan(&run);
    expect(&plan, AUDIT, "change", &["initiate_lock", "complete_lock"]);
    expect(&plan, EBS, "change", &["lock_rule"]);
    expect(&plan, SITE_A, "change", &["retrieve_unlock_code"]);
    for op in READS {
        let n = env.calls().iter().filter(|c| c["operation"] == op).count();
        assert_eq!(
            n,
            2,
            "{op}: one throttled attempt and one retry: {:#?}",
            env.calls()
        );
    }
}

// ---- endpoints -----------------------------------------------------------------------------

#[test]
fn aws_endpoint_url_is_honoured_when_the_provider_names_no_endpoint() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n{}",
            glacier("locked", None)
        ),
    );
    let out = env
        .command(&["plan", "--format", "json", "--detailed-exitcode"])
        .env("AWS_ENDPOINT_URL", env.emulator.url())
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    run.code(2);
    expect(
        &parse_plan(&run),
        AUDIT,
        "change",
        &["initiate_lock", "complete_lock"],
    );
    assert_reads_only(&env);
}

/// A provider's `assume_role` is used: the plan reads the role's account (the emulator keeps
/// state per account), not the account of the base credentials.
#[test]
fn assume_role_plans_against_the_roles_account() {
    let env = Env::new();
    let mut in_role_account = vault("audit-logs");
    in_role_account["account_id"] = json!("210987654321");
    env.seed(json!({"glacier": [in_role_account]}));
    let config = format!(
        "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n    \
         assume_role: arn:aws:iam::210987654321:role/lockward\nglacier_vault_lock:\n  audit:\n    \
         vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
        env.emulator.url()
    );
    env.write("lockward.yaml", &config);
    // The role account's vault, by its own ARN.
    env.write(
        "policies/audit.json",
        &crate::support::POLICY.replace("123456789012", "210987654321"),
    );
    // In the base account the vault does not exist (a conflict, exit 1); in the role's it has
    // no lock yet (a change, exit 2).
    env.lockward(&["plan", "--detailed-exitcode"])
        .code(2)
        .stdout_has("initiate_lock");
    let operations: Vec<Value> = env.calls().iter().map(|c| c["operation"].clone()).collect();
    assert!(operations.contains(&json!("AssumeRole")), "{operations:?}");
    assert!(env.mutating_calls().is_empty());
}

/// Regression: with no credentials the plan failed with the SDK's debug dump and said "the
/// outcome is unknown: the call may have taken effect", although nothing was ever sent.
#[test]
fn regression_missing_credentials_say_so_plainly_and_send_nothing() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    let out = env
        .command(&["plan"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
    assert!(
        stderr.contains("hint: lockward uses the standard AWS credential chain"),
        "{stderr}"
    );
    assert!(!stderr.contains("outcome is unknown"), "{stderr}");
    assert!(
        !stderr.contains("CredentialsNotLoaded {"),
        "no debug dump: {stderr}"
    );
    assert!(env.calls().is_empty(), "nothing reached AWS");
}

/// Every time a person reads in a plan is in whole seconds (`words::when`), whatever precision
/// AWS answered with; the JSON keeps the exact value.
#[test]
fn a_plan_shows_times_in_whole_seconds() {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault_locked("audit-logs", "Locked", POLICY, "2026-11-20T10:00:00.540Z")],
        "snowball": [job(crate::support::SAMPLE_JOB, "InTransitToCustomer", "2026-11-01T00:00:00.125Z", "code-1")],
    }));
    env.config(&format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n\
         snowball_unlock_code:\n  site_a:\n    job_id: {}\n    deliver_to: secrets/site-a.code\n",
        crate::support::SAMPLE_JOB
    ));
    let run = env.lockward(&["plan"]);
    run.stdout_has("locked since 2026-11-20T10:00:00Z")
        .stdout_has("created 2026-11-01T00:00:00Z");
    assert!(
        !run.stdout.contains(".54Z") && !run.stdout.contains(".125Z"),
        "{}",
        run.stdout
    );
    let json = env.plan_json();
    assert!(
        json.to_string().contains("2026-11-20T10:00:00.54Z"),
        "{json}"
    );

    // The decisions' notes too: a Backup lock date AWS sends with milliseconds.
    let env = Env::new();
    env.seed(
        json!({"backup": [{"region": "us-east-1", "vault": "prod-backups",
        "vault_type": "BACKUP_VAULT", "recovery_points": 0,
        "lock": {"min_retention_days": 35, "lock_date": "2026-11-25T12:00:00.750Z"}}]}),
    );
    env.config(
        "backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: compliance\n    min_retention_days: 35\n    changeable_for_days: 3\n",
    );
    let run = env.lockward(&["plan"]);
    run.stdout_has("it becomes immutable at 2026-11-25T12:00:00Z");
    assert!(!run.stdout.contains(".75Z"), "{}", run.stdout);
}

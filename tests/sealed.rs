//! What the reviewer reads is sealed (DESIGN.md section 5): a saved plan's words are made
//! again from its digested values, never taken from the file; text from the config, from AWS
//! or from a file reaches no reader with a control or bidirectional character in it; and such
//! characters in the config are located errors. Also DESIGN.md section 3.3: a retrieval to a
//! new `deliver_to` of a code already delivered is worded, and digested, as a retrieval again.

use std::fs;

use jiff::Timestamp;
use lockward::planfile::SavedPlan;
use serde_json::{json, Value};

use crate::support::{job, vault, vault_locked, Env, POLICY, T0};

const FORGED: &str = "FORGED";

/// Glacier: a lock in progress with another policy, so the plan holds three actions, a policy
/// diff and a `valid_until` (the lock's expiry).
fn glacier_project() -> Env {
    let env = Env::new();
    env.seed(json!({"glacier": [
        vault_locked("audit-logs", "InProgress", crate::support::OTHER_POLICY, "2026-11-23T10:00:00Z")
    ]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    env
}

fn saved_value(env: &Env, file: &str) -> Value {
    serde_json::from_str(&env.read(file)).expect("a saved plan is JSON")
}

/// Every word of the saved plan that its digest does not cover, replaced by a forgery.
fn forge_words(env: &Env, file: &str) {
    let mut value = saved_value(env, file);
    let resources = value["plan"]["resources"].as_array_mut().unwrap();
    for r in resources.iter_mut() {
        for a in r["actions"].as_array_mut().unwrap() {
            a["reason"] = json!(format!("{FORGED} reason: nothing permanent happens here"));
        }
        r["messages"] =
            json!([{"severity": "note", "text": format!("{FORGED} message: all reviewed")}]);
        r["policy_diff"] = json!(format!("--- live\n+++ desired\n+{FORGED} diff\n"));
    }
    value["plan"]["valid_until"] = json!("2099-01-01T00:00:00Z");
    fs::write(env.path(file), serde_json::to_vec_pretty(&value).unwrap()).unwrap();
}

fn digest_in(env: &Env, file: &str) -> String {
    saved_value(env, file)["plan"]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn forged_reasons_messages_policy_diff_and_valid_until_of_a_saved_plan_are_never_shown() {
    let env = glacier_project();
    let planned = env.lockward(&["plan", "--out", "plan.json"]);
    planned.success();
    let digest = digest_in(&env, "plan.json");
    forge_words(&env, "plan.json");
    // The forgery keeps the digest: only the words changed.
    assert_eq!(digest_in(&env, "plan.json"), digest);

    for format in ["human", "markdown", "json"] {
        let shown = env.lockward(&["show", "plan.json", "--format", format]);
        shown.success();
        assert!(
            !shown.stdout.contains(FORGED) && !shown.stdout.contains("2099"),
            "show --format {format} printed a forged word:\n{}",
            shown.stdout
        );
    }
    let shown = env.lockward(&["show", "plan.json"]);
    shown
        .stdout_has("start the lock again with the desired policy")
        .stdout_has("policy diff (live -> desired)")
        .stdout_has("This plan is valid until 2026-11-24T10:00:00Z")
        .stdout_has(&format!("as of {T0}"))
        .stdout_has("(not covered by the digest)");

    // Apply does what the digested values say, and shows none of the forgery.
    let short = digest.trim_start_matches("sha256:")[..12].to_string();
    let applied = env.lockward(&["apply", "--approve", &short, "plan.json"]);
    applied.success();
    assert!(!applied.stdout.contains(FORGED), "{}", applied.stdout);
    assert!(!applied.stderr.contains(FORGED), "{}", applied.stderr);
    assert_eq!(
        env.mutating_calls(),
        ["AbortVaultLock", "InitiateVaultLock", "CompleteVaultLock"]
    );
}

#[test]
fn show_of_a_saved_plan_says_what_plan_said() {
    // The words show makes again are the planner's words for the same values: one function
    // makes both.
    let env = glacier_project();
    let planned = env.lockward(&["plan", "--out", "plan.json"]);
    planned.success();
    forge_words(&env, "plan.json");
    let shown = env.lockward(&["show", "plan.json"]);
    shown.success();
    let body = shown
        .stdout
        .split_once("\n\n")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert_eq!(body, planned.stdout, "show:\n{}", shown.stdout);

    let planned_json = env.lockward(&["plan", "--format", "json"]);
    let shown_json = env.lockward(&["show", "plan.json", "--format", "json"]);
    assert_eq!(shown_json.stdout, planned_json.stdout);
}

#[test]
fn a_saved_plan_whose_decision_time_has_changed_says_so_and_apply_refuses_it() {
    let env = Env::new();
    let job_id = "JID123e4567-e89b-12d3-a456-426655440000";
    env.seed(json!({"snowball": [job(job_id, "WithCustomer", "2026-11-13T12:00:00Z", "12345-abcde-56789-fghij-01234")]}));
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {job_id}\n    deliver_to: secrets/site-a.code\n"
    ));
    fs::create_dir(env.path("secrets")).unwrap();
    env.lockward(&["plan", "--out", "plan.json"]).success();
    forge_words(&env, "plan.json");
    // 351 days on, the job is more than 360 days old: AWS no longer gives out its code.
    env.advance_clock(351 * 24 * 3600);
    let shown = env.lockward(&["show", "plan.json"]);
    shown
        .success()
        .stdout_has("this plan no longer holds")
        .stdout_has("decide a conflict")
        .stdout_has("more than 360 days ago");
    assert!(!shown.stdout.contains(FORGED), "{}", shown.stdout);
    assert!(!shown.stdout.contains("valid until"), "{}", shown.stdout);
    let digest = digest_in(&env, "plan.json");
    env.lockward(&["apply", "--approve", &digest, "plan.json"])
        .code(1)
        .stderr_has("stale");
    assert!(env.mutating_calls().is_empty());
}

/// The saved plan at `file`, with `edit` applied to its plan and its digest, summary and
/// fingerprints made again: a forgery no check of the file can tell from a plan lockward wrote.
fn reseal(env: &Env, file: &str, edit: impl Fn(&mut Value)) {
    let saved: SavedPlan = serde_json::from_str(&env.read(file)).unwrap();
    let mut plan = serde_json::to_value(&saved.plan).unwrap();
    edit(&mut plan);
    let plan: lockward::plan::Plan = serde_json::from_value(plan).unwrap();
    let plan = lockward::plan::Plan::new(
        plan.config_digest,
        plan.state,
        plan.valid_until,
        plan.resources,
    );
    let resealed = SavedPlan::new(plan, saved.created_at).with_backend(saved.backend);
    resealed.write(&env.path(file)).unwrap();
}

const HOSTILE: &str = "secrets/\u{1b}[2J\u{1b}[Hok|\n| `x` | **y** |\u{202e}edoc.txt";

#[test]
fn a_hostile_path_in_a_resealed_plan_neither_rewrites_the_terminal_nor_breaks_the_markdown_table() {
    let env = Env::new();
    let job_id = "JID123e4567-e89b-12d3-a456-426655440000";
    env.seed(json!({"snowball": [job(job_id, "WithCustomer", "2026-11-13T12:00:00Z", "12345-abcde-56789-fghij-01234")]}));
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {job_id}\n    deliver_to: secrets/site-a.code\n"
    ));
    fs::create_dir(env.path("secrets")).unwrap();
    env.lockward(&["plan", "--out", "plan.json"]).success();
    reseal(&env, "plan.json", |plan| {
        plan["resources"][0]["desired"]["deliver_to"] = json!(HOSTILE);
    });
    SavedPlan::read(&env.path("plan.json")).expect("the forgery passes every check of the file");
    for format in ["human", "markdown"] {
        let shown = env.lockward(&["show", "plan.json", "--format", format]);
        shown.success();
        assert_no_unsafe_characters(&shown.stdout);
        assert!(shown.stdout.contains("\\u{1b}[2J"), "{}", shown.stdout);
        assert!(shown.stdout.contains("\\u{202e}"), "{}", shown.stdout);
    }
    let markdown = env.lockward(&["show", "plan.json", "--format", "markdown"]);
    let rows: Vec<&str> = markdown
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("| Resource"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(
        rows.len(),
        3,
        "header, rule, one resource:\n{}",
        markdown.stdout
    );
    // Every cell border of the row is one of the table's: five columns, six borders.
    let borders = |row: &str| row.replace("\\|", "").matches('|').count();
    assert_eq!(borders(rows[2]), 6, "{}", rows[2]);
}

/// No control character but the newline, no bidirectional control.
#[track_caller]
fn assert_no_unsafe_characters(text: &str) {
    let bad = text
        .chars()
        .find(|&c| c != '\n' && lockward::render::escape::is_unsafe(c));
    assert!(bad.is_none(), "{bad:?} reached the reader:\n{text:?}");
}

/// A live policy from AWS with an escape sequence and a right-to-left override in its Sid.
const HOSTILE_POLICY: &str = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"allow\\u001b[8m\u{202e}yreve\",\"Principal\":\"*\",\"Effect\":\"Deny\",\"Action\":\"glacier:DeleteArchive\",\"Resource\":\"*\"}]}";

#[test]
fn text_from_aws_is_escaped_in_every_renderer() {
    let env = Env::new();
    env.seed(json!({"glacier": [
        vault_locked("audit-logs", "Locked", HOSTILE_POLICY, "2026-11-23T10:00:00Z"),
        vault("other-logs"),
    ]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    for format in ["human", "markdown"] {
        let run = env.lockward(&["plan", "--format", format]);
        run.code(1);
        assert_no_unsafe_characters(&run.stdout);
        assert!(run.stdout.contains("\\u{202e}"), "{}", run.stdout);
    }
    for format in ["markdown", "html"] {
        let run = env.lockward(&["report", "--format", format]);
        assert_no_unsafe_characters(&run.stdout);
    }
    let _ = POLICY;
}

#[test]
fn control_and_bidirectional_characters_in_the_config_are_located_errors() {
    let env = Env::new();
    let job_id = "JID123e4567-e89b-12d3-a456-426655440000";
    // An escape sequence and a newline, written as YAML escapes.
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {job_id}\n    deliver_to: \"secrets/\\e[2J\\nsite-a.code\"\n"
    ));
    let run = env.lockward(&["validate"]);
    run.code(1)
        .stderr_has("snowball_unlock_code.site_a: `deliver_to` holds the control character U+001B")
        .stderr_has("lockward.yaml:9:17")
        .stderr_has("hint: remove it");
    assert_no_unsafe_characters(&run.stderr);

    // A right-to-left override typed as it is, in a vault name.
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit\u{202e}sgol\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    let run = env.lockward(&["validate"]);
    run.code(1)
        .stderr_has("the Unicode bidirectional control U+202E")
        .stderr_has("lockward.yaml:8:17")
        .stderr_has("hint: remove it");
    assert_no_unsafe_characters(&run.stderr);

    // In a comment: the "Trojan Source" trick.
    env.config(
        "# lock the vault \u{2066}\u{2069}\nglacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    env.lockward(&["validate"])
        .code(1)
        .stderr_has("U+2066")
        .stderr_has("lockward.yaml:6:18");

    // In a policy file's Sid, written as a JSON escape.
    env.write(
        "policies/audit.json",
        "{\"Version\":\"2012-10-17\",\n \"Statement\":[{\"Sid\":\"deny\\u202edelete\",\"Principal\":\"*\",\"Effect\":\"Deny\",\"Action\":\"glacier:DeleteArchive\",\"Resource\":\"*\"}]}",
    );
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    let run = env.lockward(&["validate"]);
    run.code(1)
        .stderr_has("U+202E")
        .stderr_has("audit.json:2:22")
        .stderr_has("hint: remove it");
    assert_no_unsafe_characters(&run.stderr);

    // In an inline policy written as a YAML mapping.
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    state: locked\n    policy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Sid: \"deny\\u200Fall\"\n          Effect: Deny\n          Principal: \"*\"\n          Action: \"glacier:*\"\n          Resource: \"*\"\n",
    );
    env.lockward(&["validate"])
        .code(1)
        .stderr_has("U+200F")
        .stderr_has("lockward.yaml:13:16");
}

const SITE_A_JOB: &str = "JID123e4567-e89b-12d3-a456-426655440000";
const CODE: &str = "12345-abcde-56789-fghij-01234";

fn snowball_project(deliver_to: &str) -> Env {
    let env = Env::new();
    env.seed(json!({"snowball": [job(SITE_A_JOB, "WithCustomer", "2026-11-13T12:00:00Z", CODE)]}));
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {SITE_A_JOB}\n    deliver_to: {deliver_to}\n"
    ));
    fs::create_dir(env.path("secrets")).unwrap();
    env
}

fn plan_digest(env: &Env) -> String {
    env.plan_json()["digest"].as_str().unwrap().to_string()
}

#[test]
fn a_retrieval_to_a_new_deliver_to_of_a_code_delivered_elsewhere_is_worded_and_digested_as_a_retrieval_again(
) {
    let env = snowball_project("secrets/old.code");
    let first = plan_digest(&env);
    env.lockward(&["apply", "--approve", &first]).success();
    assert_eq!(env.read("secrets/old.code"), CODE);

    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {SITE_A_JOB}\n    deliver_to: secrets/new.code\n"
    ));
    let again = env.lockward(&["plan"]);
    again
        .success()
        .stdout_has("retrieve again: delivered to")
        .stdout_has("old.code")
        .stdout_has("retrieve the unlock code again and write it to `secrets/new.code`")
        .stdout_has("AWS records a second disclosure");
    let again_digest = plan_digest(&env);

    // The same config in a project that never delivered the code: a first retrieval.
    let fresh = snowball_project("secrets/new.code");
    let plan = fresh.lockward(&["plan"]);
    plan.success()
        .stdout_has("retrieve the unlock code and write it to `secrets/new.code`");
    assert!(!plan.stdout.contains("retrieve again"), "{}", plan.stdout);
    assert_ne!(plan_digest(&fresh), again_digest);

    // A saved plan of the retrieval again says so too when shown.
    env.lockward(&["plan", "--out", "plan.json"]).success();
    forge_words(&env, "plan.json");
    env.lockward(&["show", "plan.json"])
        .success()
        .stdout_has("retrieve again: delivered to");
    let _: Timestamp = T0.parse().unwrap();
}

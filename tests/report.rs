//! `lockward report`, `lockward import`, the pull-request workflow example and the CLI's finish
//! (completions, man page, --version, --quiet/--verbose), through the real binary against the
//! emulator (issue 6's "Done when").

use std::fs;
use std::os::unix::fs::PermissionsExt;

use serde_json::{json, Value};

use crate::support::{job, rule, vault, vault_locked, Env, OTHER_POLICY, POLICY, T0};

const RULE: &str = "a1B2c3D4e5F";
const AMI_RULE: &str = "Z9y8X7w6V5u";
const JOB_B: &str = "JID9f8e7d6c-5b4a-4321-8fed-cba987654321";
const CODE: &str = "12345-abcde-56789-fghij-01234";
/// When [`all_verdicts_env`] completes the `audit` lock it initiated at [`T0`].
const COMPLETED: &str = "2026-11-23T14:00:00Z";
/// When [`all_verdicts_env`] is reported on.
const REPORTED: &str = "2026-11-23T15:00:00Z";

/// One resource of each verdict: `audit` (will be applied: compliant), `legal` (locked with
/// another policy: violation), `ebs` (applied, then unlocked outside lockward: drift), `ami`
/// and `site_b` (not reached yet: pending).
const ALL_VERDICTS: &str = "glacier_vault_lock:
  audit:
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
  legal:
    vault: legal-hold
    policy_file: policies/audit.json
    state: locked
rbin_rule_lock:
  ami:
    rule_id: Z9y8X7w6V5u
    state: locked
    unlock_delay_days: 14
  ebs:
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 7
snowball_unlock_code:
  site_b:
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/site-b.code
";

fn ec2_rule(id: &str, lock_state: Value, unlock_delay_days: Option<u16>) -> Value {
    let mut r = rule(id, lock_state, unlock_delay_days);
    r["resource_type"] = json!("EC2_IMAGE");
    r
}

/// Locks nobody declares (a Locked vault, an InProgress vault, a locked EC2_IMAGE rule), and
/// things that are no locks (a vault without one, a rule unlocked again) which must not show.
fn undeclared_seed() -> Value {
    json!({
        "glacier": [
            vault_locked("stray-archive", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z"),
            vault_locked("trial-vault", "InProgress", POLICY, "2026-11-23T11:00:00Z"),
            vault("plain-vault"),
        ],
        "rbin": [
            ec2_rule("AMIrule0001", json!("locked"), Some(10)),
            rule("Unlocked001", json!("unlocked"), Some(7)),
        ],
    })
}

#[track_caller]
fn plan_json(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--format", "json"];
    args.extend_from_slice(extra);
    let run = env.lockward(&args);
    assert!(run.code == 0 || run.code == 2, "plan failed: {run:?}");
    serde_json::from_str(&run.stdout).expect("plan --format json prints JSON")
}

/// Approves and applies a fresh plan of `targets` (all resources when empty).
#[track_caller]
fn apply(env: &Env, targets: &[&str]) {
    let mut extra = Vec::new();
    for t in targets {
        extra.extend_from_slice(&["--target", t]);
    }
    let plan = plan_json(env, &extra);
    let digest = plan["digest"].as_str().unwrap().to_string();
    let mut args = vec!["apply", "--approve", digest.as_str()];
    args.extend_from_slice(&extra);
    env.lockward(&args).success();
}

#[track_caller]
fn report_json(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--format", "json"];
    args.extend_from_slice(extra);
    let run = env.lockward(&args);
    run.success();
    let report = serde_json::from_str(&run.stdout).expect("report --format json prints JSON");
    crate::render::assert_valid_report_json(&report);
    report
}

fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn resource<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .expect("address in report")
}

/// Pins `text` as `tests/snapshots/<name>.snap`, whichever module runs it.
fn assert_pinned(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The environment with every verdict: `audit` initiated and `ebs` locked at [`T0`], `audit`
/// completed two hours later ([`COMPLETED`]), then, an hour after that ([`REPORTED`]), the `ebs`
/// rule's lock released outside lockward. Each moment is distinct, so a report that shows one
/// where another belongs differs from its snapshot.
fn all_verdicts_env() -> Env {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault("audit-logs"), vault_locked("legal-hold", "Locked", OTHER_POLICY, "2026-10-01T00:00:00Z")],
        "rbin": [rule(RULE, Value::Null, None), rule(AMI_RULE, Value::Null, None)],
        "snowball": [job(JOB_B, "InTransitToCustomer", "2026-11-01T00:00:00Z", CODE)],
    }));
    env.seed(undeclared_seed());
    env.config(&ALL_VERDICTS.replacen("state: locked", "state: in_progress", 1));
    apply(&env, &["glacier_vault_lock.audit", "rbin_rule_lock.ebs"]);
    env.set_clock(COMPLETED.parse().unwrap());
    env.config(ALL_VERDICTS);
    apply(&env, &["glacier_vault_lock.audit"]);
    env.set_clock(REPORTED.parse().unwrap());
    // Someone starts unlocking the rule lockward locked.
    let mut drifted = rule(RULE, json!("pending_unlock"), Some(7));
    drifted["lock_end_time"] = json!("2026-11-30T12:00:00Z");
    env.seed(json!({"rbin": [drifted]}));
    env
}

/// Replaces what differs between runs: paths, the emulator's URL, the state lineage, the lock
/// id AWS made up, and the digests that cover them (`report` is the JSON report of the same
/// state). Times are not replaced: the emulator's clock is frozen, so each is exact.
fn normalized(env: &Env, report: &Value, text: &str) -> String {
    let state = env.state();
    let mut out = env.normalize(text);
    let mut digests = vec![
        (
            report["plan_digest"].as_str().unwrap().to_string(),
            "[PLAN_DIGEST]",
        ),
        (
            report["config_digest"].as_str().unwrap().to_string(),
            "[CONFIG_DIGEST]",
        ),
    ];
    for r in report["resources"].as_array().unwrap() {
        for h in r["history"].as_array().unwrap() {
            if let Some(d) = h["plan_digest"].as_str() {
                digests.push((d.to_string(), "[APPLIED_PLAN_DIGEST]"));
            }
            // AWS makes a request id up for each call.
            if let Some(id) = h["request_id"].as_str() {
                digests.push((id.to_string(), "[REQUEST_ID]"));
            }
        }
    }
    digests.push((
        report["lockward_version"].as_str().unwrap().to_string(),
        "[VERSION]",
    ));
    for (digest, label) in digests {
        out = out.replace(&digest, label);
    }
    if let Some(lineage) = state["lineage"].as_str() {
        out = out.replace(lineage, "[LINEAGE]");
    }
    // How many writes an apply takes depends on how its concurrent steps share them (group
    // commit), so the serial is not pinned: that the report shows the state's serial is.
    if let Some(serial) = state["serial"].as_u64() {
        out = out.replace(&format!("serial {serial}<"), "serial [SERIAL]<");
        out = out.replace(&format!("serial {serial} |"), "serial [SERIAL] |");
    }
    if let Some(lock_id) = state["resources"]["glacier_vault_lock.audit"]["lock_id"]
        .as_str()
        .filter(|s| !s.is_empty())
    {
        out = out.replace(lock_id, "[LOCK_ID]");
    }
    out
}

// ---- verdicts and discovery -------------------------------------------------------------------

#[test]
fn report_gives_each_verdict_lists_unmanaged_locks_and_changes_nothing() {
    let env = all_verdicts_env();
    let mutating_before = env.mutating_calls();

    let report = report_json(&env, &[]);
    assert_eq!(
        verdicts(&report),
        [
            ("glacier_vault_lock.audit", "compliant"),
            ("glacier_vault_lock.legal", "violation"),
            ("rbin_rule_lock.ami", "pending"),
            ("rbin_rule_lock.ebs", "drift"),
            ("snowball_unlock_code.site_b", "pending"),
        ]
        .map(|(a, v)| (a.to_string(), v.to_string()))
    );
    assert_eq!(
        report["summary"],
        json!({"compliant": 1, "pending": 2, "empty": 0, "undeclared": 0, "drift": 1, "violation": 1, "unknown": 0, "unmanaged": 3})
    );

    // Who applied what, when, under which plan: from the journal's done records.
    let audit = resource(&report, "glacier_vault_lock.audit");
    let history: Vec<&str> = audit["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["initiate_lock", "complete_lock"]);
    assert_eq!(audit["history"][0]["ts"], T0, "{audit:#}");
    let done = &audit["history"][1];
    assert_eq!(done["ts"], COMPLETED, "{done}");
    assert!(
        done["caller"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:iam::"),
        "{done}"
    );
    let journal = env.journal();
    let approved = journal
        .iter()
        .find(|r| r["action"] == "complete_lock" && r["phase"] == "done")
        .unwrap();
    assert_eq!(done["plan_digest"], approved["plan_digest"]);

    let ebs = resource(&report, "rbin_rule_lock.ebs");
    let finding = ebs["findings"][0].as_str().unwrap();
    assert!(
        finding.starts_with("Drift: the state file records that rule `a1B2c3D4e5F` was locked at"),
        "{finding}"
    );
    assert!(
        finding.contains("unlocking (pending until 2026-11-30T12:00:00Z)"),
        "{finding}"
    );
    assert!(resource(&report, "glacier_vault_lock.legal")["plan"]["policy_diff"].is_string());

    // Discovery: what exists but is not declared; never a vault without a lock or an unlocked rule.
    let unmanaged: Vec<(String, String, String)> = report["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["kind"].as_str().unwrap().into(),
                u["name"].as_str().unwrap().into(),
                u["lock_state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        unmanaged,
        [
            ("glacier_vault_lock", "stray-archive", "Locked"),
            ("glacier_vault_lock", "trial-vault", "InProgress"),
            ("rbin_rule_lock", "AMIrule0001", "locked"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(report["unmanaged"][2]["details"]["unlock_delay_days"], 10);
    assert_eq!(
        report["unmanaged"][2]["details"]["resource_type"],
        "EC2_IMAGE"
    );
    assert!(report["unmanaged"][1]["next_step"]
        .as_str()
        .unwrap()
        .contains("cannot be imported"));
    assert_eq!(
        report["discovery"],
        json!([{"account": "123456789012", "providers": ["default"], "region": "us-east-1", "listed": {"glacier_vault_lock": 5, "rbin_rule_lock": 4}}])
    );
    let listings: Vec<String> = env
        .calls()
        .iter()
        .filter(|c| {
            c["operation"]
                .as_str()
                .is_some_and(|o| o.starts_with("List"))
        })
        .map(|c| c["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        listings,
        // Kind by kind, in address order.
        ["ListVaults", "ListRules", "ListRules", "ListRules"],
        "one report lists vaults once and rules per resource type (EBS_SNAPSHOT, EBS_VOLUME, EC2_IMAGE); the config declares no Backup vault or bucket, so neither is listed"
    );

    // Markdown and HTML, pinned for a reviewer to read.
    let markdown = env.lockward(&["report"]);
    markdown.success();
    assert!(markdown.stdout.starts_with("<!-- lockward-report -->\n"));
    assert_pinned(
        "report_markdown",
        &normalized(&env, &report, &markdown.stdout),
    );
    let html = env.lockward(&["report", "--format", "html"]);
    html.success();
    assert!(
        !html.stdout.contains("<script"),
        "the HTML report runs no script"
    );
    assert!(
        !html.stdout.contains("src=") && !html.stdout.contains("<link"),
        "the HTML report loads nothing from elsewhere"
    );
    assert_pinned("report_html", &normalized(&env, &report, &html.stdout));
    for format in ["sarif", "junit"] {
        let run = env.lockward(&["report", "--format", format]);
        run.success();
        assert_pinned(
            &format!("report_{format}"),
            &normalized(&env, &report, &run.stdout),
        );
    }

    // A report reads; it never changes anything.
    assert_eq!(
        env.mutating_calls(),
        mutating_before,
        "report made a mutating call"
    );
}

#[test]
fn a_vault_lock_that_expired_after_lockward_initiated_it_is_drift() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config("glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: in_progress\n");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(
        verdicts(&report_json(&env, &[])),
        [(
            "glacier_vault_lock.audit".to_string(),
            "compliant".to_string()
        )]
    );

    env.advance_clock(25 * 3600);
    let report = report_json(&env, &[]);
    let audit = resource(&report, "glacier_vault_lock.audit");
    assert_eq!(audit["verdict"], "drift");
    let finding = audit["findings"][0].as_str().unwrap();
    assert!(
        finding.contains("expired after 24 h or was aborted outside lockward"),
        "{finding}"
    );
    assert!(
        audit["findings"][1]
            .as_str()
            .unwrap()
            .contains("initiate_lock (reversible)"),
        "{audit}"
    );
}

#[test]
fn a_delivered_unlock_code_whose_file_is_gone_is_drift() {
    let env = Env::new();
    env.seed(json!({"snowball": [job(JOB_B, "WithCustomer", "2026-11-01T00:00:00Z", CODE)]}));
    env.config(&format!("snowball_unlock_code:\n  site_b:\n    job_id: {JOB_B}\n    deliver_to: secrets/site-b.code\n"));
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();
    apply(&env, &[]);
    assert_eq!(
        resource(&report_json(&env, &[]), "snowball_unlock_code.site_b")["verdict"],
        "compliant"
    );
    fs::remove_file(env.path("secrets/site-b.code")).unwrap();
    let report = report_json(&env, &[]);
    let site = resource(&report, "snowball_unlock_code.site_b");
    assert_eq!(site["verdict"], "drift");
    assert!(
        site["findings"][0]
            .as_str()
            .unwrap()
            .contains("but the file is gone"),
        "{site}"
    );
    let text = serde_json::to_string(&report).unwrap();
    assert!(
        !text.contains(CODE),
        "the report never holds the unlock code"
    );
}

#[test]
fn fail_on_exits_1_only_when_a_verdict_reaches_it() {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault_locked("audit-logs", "Locked", POLICY, "2026-10-01T00:00:00Z")],
        "rbin": [rule(RULE, Value::Null, None)],
    }));
    env.config(&format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\nrbin_rule_lock:\n  ebs:\n    rule_id: {RULE}\n    state: locked\n    unlock_delay_days: 7\n"
    ));
    // compliant + pending: neither threshold is reached.
    for fail_on in ["drift", "violation"] {
        env.lockward(&["report", "--fail-on", fail_on]).success();
    }

    // drift: fails `--fail-on drift` only.
    apply(&env, &["rbin_rule_lock.ebs"]);
    env.seed(json!({"rbin": [rule(RULE, json!("unlocked"), Some(7))]}));
    env.lockward(&["report"]).success();
    env.lockward(&["report", "--fail-on", "violation"])
        .success();
    let run = env.lockward(&["report", "--fail-on", "drift", "--format", "json"]);
    run.code(1)
        .stderr_has("error: the report has 1 drift(s) and 0 violation(s) (--fail-on drift)")
        .stderr_has("\nhint: ");
    let report: Value = serde_json::from_str(&run.stdout).expect("the report is still printed");
    assert_eq!(report["summary"]["drift"], 1);

    // violation: fails both.
    env.seed(json!({"glacier": [vault_locked("audit-logs", "Locked", OTHER_POLICY, "2026-10-01T00:00:00Z")]}));
    env.lockward(&["report", "--fail-on", "violation"]).code(1);
    env.lockward(&["report", "--fail-on", "drift"]).code(1);
    env.lockward(&["report"]).success();
    env.lockward(&["report", "--fail-on", "pending"])
        .code(1)
        .stderr_has("expected drift, violation, unmanaged, undeclared or unknown");
}

#[test]
fn an_unreadable_discovery_fails_the_report_with_a_hint() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: unlocked\n",
    );
    env.faults(json!({"rules": [{"operation": "ListVaults", "kind": "error", "status": 400, "code": "AccessDeniedException", "times": 10}]}));
    env.lockward(&["report"])
        .code(1)
        .stderr_has("ListVaults failed")
        .stderr_has("hint: ")
        .stderr_has("glacier:ListVaults")
        .stderr_has("lockward iam-policy --for report");
}

// ---- import -----------------------------------------------------------------------------------

const IMPORTABLE: &str = "glacier_vault_lock:
  audit:
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
rbin_rule_lock:
  ebs:
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 7
snowball_unlock_code:
  site_b:
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/site-b.code
";

fn importable_env() -> Env {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault_locked("audit-logs", "Locked", POLICY, "2026-09-01T08:00:00Z")],
        "rbin": [rule(RULE, json!("locked"), Some(7))],
        "snowball": [job(JOB_B, "WithCustomer", "2026-11-01T00:00:00Z", CODE)],
    }));
    env.config(IMPORTABLE);
    env.write("secrets/site-b.code", CODE);
    fs::set_permissions(
        env.path("secrets/site-b.code"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    env
}

#[test]
fn import_adopts_existing_locks_without_a_mutating_call() {
    let env = importable_env();
    // Before: lockward refuses the code file it did not write.
    let before = env.lockward(&["plan", "--format", "json"]);
    before.code(1);
    let before: Value = serde_json::from_str(&before.stdout).unwrap();
    assert_eq!(before["summary"]["conflict"], 1);

    let run = env.lockward(&[
        "import",
        "glacier_vault_lock.audit",
        "rbin_rule_lock.ebs",
        "snowball_unlock_code.site_b",
    ]);
    run.success()
        .stderr_has("Imported glacier_vault_lock.audit: vault `audit-logs`: Locked since 2026-09-01T08:00:00Z")
        .stderr_has("No call changed anything in AWS.");
    assert!(
        env.mutating_calls().is_empty(),
        "import made a mutating call: {:?}",
        env.calls()
    );
    assert!(!run.stdout.contains(CODE) && !run.stderr.contains(CODE));

    let state = env.state();
    let audit = &state["resources"]["glacier_vault_lock.audit"];
    assert_eq!(audit["initiated_at"], "2026-09-01T08:00:00Z");
    assert!(audit["policy_digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(
        state["resources"]["rbin_rule_lock.ebs"]["unlock_delay_days"],
        7
    );
    let site = &state["resources"]["snowball_unlock_code.site_b"];
    assert_eq!(
        site["fingerprint"],
        lockward::digest::sha256(CODE.as_bytes())
    );
    assert!(!state.to_string().contains(CODE));

    let journal = env.journal();
    let imports: Vec<&Value> = journal.iter().filter(|r| r["action"] == "import").collect();
    assert_eq!(imports.len(), 3);
    assert!(
        imports
            .iter()
            .all(|r| r["phase"] == "done" && r["caller"]["arn"].is_string()),
        "{imports:?}"
    );

    // Now managed: nothing to do, everything compliant, with the import in the history.
    let plan = plan_json(&env, &["--detailed-exitcode"]);
    assert_eq!(plan["summary"]["noop"], 3, "{plan}");
    let report = report_json(&env, &[]);
    assert!(
        verdicts(&report).iter().all(|(_, v)| v == "compliant"),
        "{report}"
    );
    assert_eq!(
        resource(&report, "rbin_rule_lock.ebs")["history"][0]["action"],
        "import"
    );

    // Importing again is refused: it is already managed.
    env.lockward(&["import", "rbin_rule_lock.ebs"])
        .code(1)
        .stderr_has("already in the state file");
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn an_in_progress_vault_lock_cannot_be_imported_and_nothing_is_written() {
    let env = importable_env();
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", POLICY, "2026-11-23T10:00:00Z")]}));
    let run = env.lockward(&["import", "rbin_rule_lock.ebs", "glacier_vault_lock.audit"]);
    run.code(1)
        .stderr_has("nothing was imported")
        .stderr_has("its lock id is returned only by InitiateVaultLock")
        .stderr_has("\nhint: ");
    // All or nothing: the importable rule was not recorded either.
    assert_eq!(env.state(), Value::Null);
    assert!(env.journal().is_empty());
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn import_refuses_an_undeclared_address_and_a_file_that_is_no_unlock_code() {
    let env = importable_env();
    env.lockward(&["import", "glacier_vault_lock.nope"])
        .code(1)
        .stderr_has("is not declared");
    env.write("secrets/site-b.code", "hello");
    env.lockward(&["import", "snowball_unlock_code.site_b"])
        .code(1)
        .stderr_has("shaped like an unlock code");
    env.lockward(&["import"]).code(1);
    // A pattern that selects nothing imports nothing, even beside one that does.
    env.lockward(&["import", "rbin_rule_lock", "backup_vault_lock"])
        .code(1)
        .stderr_has("backup_vault_lock selects no resource");
    assert_eq!(env.state(), Value::Null);
}

#[test]
fn import_takes_patterns_as_plan_does() {
    let env = importable_env();
    env.lockward(&["import", "rbin_rule_lock", "*.audit"])
        .success();
    let state = env.state();
    let mut imported: Vec<&String> = state["resources"].as_object().unwrap().keys().collect();
    imported.sort();
    assert_eq!(imported, ["glacier_vault_lock.audit", "rbin_rule_lock.ebs"]);
    assert!(env.mutating_calls().is_empty());
}

// ---- the pull-request workflow ----------------------------------------------------------------

/// Real actions at their current major versions: nothing else may appear in the example.
const KNOWN_ACTIONS: [&str; 6] = [
    "actions/cache@v4",
    "actions/checkout@v4",
    "actions/github-script@v7",
    "actions/upload-artifact@v4",
    "actions/download-artifact@v4",
    "aws-actions/configure-aws-credentials@v4",
];

fn steps(job: &serde_yaml::Value) -> Vec<&serde_yaml::Value> {
    job["steps"]
        .as_sequence()
        .expect("a job has steps")
        .iter()
        .collect()
}

fn uses(step: &serde_yaml::Value) -> &str {
    step["uses"].as_str().unwrap_or_default()
}

fn run_text(step: &serde_yaml::Value) -> &str {
    step["run"].as_str().unwrap_or_default()
}

#[test]
fn example_workflow_comments_the_plan_once_and_applies_the_reviewed_digest() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/github/lockward.yml");
    let text = fs::read_to_string(path).expect("examples/github/lockward.yml exists");
    let workflow: serde_yaml::Value =
        serde_yaml::from_str(&text).expect("the workflow is valid YAML");
    assert!(
        workflow["on"]["pull_request"].is_mapping() || workflow["on"]["pull_request"].is_null()
    );
    assert!(
        workflow["on"].get("pull_request").is_some(),
        "runs on pull requests"
    );
    assert!(
        workflow["on"].get("push").is_some(),
        "runs on pushes (to apply after merge)"
    );

    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    for (name, job) in jobs {
        for step in steps(job) {
            let u = uses(step);
            assert!(
                u.is_empty() || KNOWN_ACTIONS.contains(&u),
                "job {name:?} uses unknown action {u}"
            );
        }
    }

    let plan = &workflow["jobs"]["plan"];
    assert!(
        plan["if"].as_str().unwrap().contains("pull_request"),
        "plan runs on pull requests"
    );
    assert_eq!(plan["permissions"]["pull-requests"], "write");
    let plan_steps = steps(plan);
    assert!(plan_steps.iter().any(|s| uses(s) == "actions/checkout@v4"));
    assert!(plan_steps
        .iter()
        .any(|s| run_text(s).contains("lockward plan --format markdown --out plan.lwplan")));
    let comment = plan_steps
        .iter()
        .find(|s| uses(s) == "actions/github-script@v7")
        .expect("a github-script step posts the comment");
    let script = comment["with"]["script"].as_str().unwrap();
    for needle in [
        lockward::render::MARKDOWN_MARKER,
        "updateComment",
        "createComment",
        "github-actions[bot]",
    ] {
        assert!(script.contains(needle), "the comment script lacks {needle}");
    }
    assert!(plan_steps
        .iter()
        .any(|s| uses(s) == "actions/upload-artifact@v4"
            && s["with"]["path"]
                .as_str()
                .unwrap_or_default()
                .contains("plan.lwplan")));

    let apply = &workflow["jobs"]["apply"];
    let condition = apply["if"].as_str().unwrap();
    assert!(
        condition.contains("push") && condition.contains("default_branch"),
        "apply runs only on the default branch: {condition}"
    );
    // GitHub keeps one pending run per concurrency group and cancels the older one: applies
    // queue on the state lock instead, and each one's state and journal are kept.
    assert!(
        apply.get("concurrency").is_none(),
        "a concurrency group would cancel a pending apply"
    );
    let apply_steps = steps(apply);
    assert!(apply_steps
        .iter()
        .any(|s| run_text(s).contains("lockward apply --approve")
            && run_text(s).contains("--lock-timeout")));
    assert!(
        apply_steps
            .iter()
            .any(|s| uses(s) == "actions/upload-artifact@v4"
                && s["if"] == "always()"
                && s["with"]["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("lockward.state.json.journal.jsonl"))),
        "every apply keeps its state and journal as an artifact"
    );
    for job in [plan, apply] {
        let install = steps(job)
            .into_iter()
            .find(|s| run_text(s).contains("cargo install"))
            .expect("each job installs lockward");
        assert!(
            run_text(install).contains("--locked lockward --version \"=${LOCKWARD_VERSION}\""),
            "an exact, pinned version: {}",
            run_text(install)
        );
        assert!(steps(job).iter().any(|s| uses(s) == "actions/cache@v4"
            && s["with"]["key"]
                .as_str()
                .is_some_and(|k| k.contains("env.LOCKWARD_VERSION"))));
    }
    let reviewed = apply_steps
        .iter()
        .find(|s| uses(s) == "actions/github-script@v7")
        .expect("a step finds the reviewed plan");
    let find = reviewed["with"]["script"].as_str().unwrap();
    assert!(
        find.contains(lockward::render::MARKDOWN_MARKER)
            && find.contains("Digest: `(sha256:[0-9a-f]{64})`"),
        "{find}"
    );
    let id = reviewed["id"].as_str().unwrap();
    assert!(
        apply_steps
            .iter()
            .any(|s| run_text(s).contains("lockward apply --approve")
                && s["env"]["DIGEST"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(&format!("steps.{id}.outputs.digest"))),
        "apply approves the digest of the reviewed plan"
    );

    // The digest line the workflow looks for is what the Markdown plan prints.
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config("glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n");
    let markdown = env.lockward(&["plan", "--format", "markdown", "--out", "plan.lwplan"]);
    markdown.success();
    assert!(markdown
        .stdout
        .starts_with(lockward::render::MARKDOWN_MARKER));
    let digest = plan_json(&env, &[])["digest"].as_str().unwrap().to_string();
    assert!(
        markdown
            .stdout
            .lines()
            .any(|l| l == format!("Digest: `{digest}`")),
        "{}",
        markdown.stdout
    );
}

// ---- the finish -------------------------------------------------------------------------------

#[test]
fn completions_man_page_and_version() {
    let env = Env::new();
    let bash = env.lockward(&["completions", "bash"]);
    bash.success()
        .stdout_has("_lockward()")
        .stdout_has("report")
        .stdout_has("import");
    env.lockward(&["completions", "zsh"])
        .success()
        .stdout_has("#compdef lockward");
    env.lockward(&["completions", "tcsh"]).code(1);
    let man = env.lockward(&["man"]);
    man.success()
        .stdout_has(".TH lockward 1")
        .stdout_has("report");
    let version = env.lockward(&["--version"]);
    version.success();
    assert_eq!(
        version.stdout.trim(),
        format!("lockward {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn quiet_keeps_only_errors_and_verbose_logs_on_stderr() {
    let env = importable_env();
    let quiet = env.lockward(&["--quiet", "import", "rbin_rule_lock.ebs"]);
    quiet.success();
    assert_eq!(quiet.stderr, "", "--quiet prints nothing on success");
    assert_eq!(quiet.stdout, "");
    let failed = env.lockward(&["import", "-q", "rbin_rule_lock.ebs"]);
    failed
        .code(1)
        .stderr_has("error: ")
        .stderr_has("already in the state file");

    let verbose = env.lockward(&["-v", "report", "--format", "json"]);
    verbose.success().stderr_has("planned for the report");
    let quiet_report = env.lockward(&["report", "--format", "json"]);
    assert!(!quiet_report.stderr.contains("planned for the report"));
    let without_time = |text: &str| {
        let mut v: Value = serde_json::from_str(text).expect("stdout is only the JSON report");
        v["generated_at"] = Value::Null;
        v
    };
    assert_eq!(
        without_time(&verbose.stdout),
        without_time(&quiet_report.stdout),
        "logs never reach stdout"
    );
    // No terminal: no spinner, no escape codes.
    assert!(!verbose.stderr.contains('\u{1b}'), "{:?}", verbose.stderr);
    env.lockward(&["-v", "-q", "report"]).code(1);
}

//! The report as evidence for an auditor (issue 26), through the binary and the emulator: who
//! approved a change and why, with the AWS request id of each call; a compliance lock in its
//! grace period is `pending` until its lock date; the horizon of dates ahead; accounts and
//! regions named and summed; a locked policy shown in full; `--fail-on unmanaged`.

use serde_json::{json, Value};

use crate::support::{vault, vault_locked, Env, OTHER_POLICY, POLICY};

const ROLE_ACCOUNT: &str = "210987654321";
const BASE_ACCOUNT: &str = "123456789012";

#[track_caller]
fn report(env: &Env, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["report", "--format", format];
    args.extend_from_slice(extra);
    let run = env.lockward(&args);
    run.success();
    run.stdout.clone()
}

#[track_caller]
fn report_json(env: &Env, extra: &[&str]) -> Value {
    let report: Value =
        serde_json::from_str(&report(env, "json", extra)).expect("report --format json is JSON");
    crate::render::assert_valid_report_json(&report);
    report
}

fn resource<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} in {report:#}"))
}

fn backup_vault(name: &str, lock_date: Option<&str>) -> Value {
    let mut v = json!({"region": "us-east-1", "vault": name, "vault_type": "BACKUP_VAULT",
                       "recovery_points": 0});
    if let Some(date) = lock_date {
        v["lock"] = json!({"min_retention_days": 35, "max_retention_days": 365, "lock_date": date});
    }
    v
}

fn compliance(name: &str, vault: &str) -> String {
    format!(
        "  {name}:\n    vault: {vault}\n    mode: compliance\n    min_retention_days: 35\n    max_retention_days: 365\n    changeable_for_days: 3\n"
    )
}

fn is_request_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

// ---- who, how and why --------------------------------------------------------------------------

#[test]
fn an_apply_with_a_reason_shows_it_with_its_approval_and_request_id_in_every_format() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault("prod-backups", None)]}));
    env.config("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    min_retention_days: 7\n");
    let digest = crate::support::plan_digest(&env);
    let reason = "CHG-4711: lock the backups <b>before</b> the audit";
    env.lockward(&["apply", "--approve", &digest, "--reason", reason])
        .success();

    // Every record of the run keeps the reason and the approval; the outcome keeps the id.
    let journal = env.journal();
    assert!(!journal.is_empty());
    for record in &journal {
        assert_eq!(record["reason"], reason, "{record}");
        assert_eq!(record["approval"], "digest", "{record}");
    }
    let done = journal
        .iter()
        .find(|r| r["phase"] == "done")
        .expect("a done record");
    let id = done["request_id"]
        .as_str()
        .expect("the done record's request id");
    assert!(is_request_id(id), "{id}");
    assert!(
        journal
            .iter()
            .filter(|r| r["phase"] == "intent")
            .all(|r| r.get("request_id").is_none()),
        "an intent is written before the call: {journal:?}"
    );

    let json = report_json(&env, &[]);
    let entry = &resource(&json, "backup_vault_lock.prod")["history"][0];
    assert_eq!(entry["reason"], reason);
    assert_eq!(entry["approval"], "digest");
    assert_eq!(entry["request_id"], id);

    let markdown = report(&env, "markdown", &[]);
    assert!(markdown.contains(&format!("`{id}`")), "{markdown}");
    assert!(markdown.contains("by digest (--approve)"), "{markdown}");
    assert!(
        markdown.contains("| CHG-4711: lock the backups &lt;b&gt;before&lt;/b&gt; the audit |"),
        "the reason, escaped: {markdown}"
    );
    let html = report(&env, "html", &[]);
    assert!(html.contains(id), "{html}");
    assert!(html.contains("by digest (--approve)"), "{html}");
    assert!(
        html.contains("CHG-4711: lock the backups &lt;b&gt;before&lt;/b&gt; the audit"),
        "{html}"
    );
}

#[test]
fn the_reason_comes_from_the_environment_and_an_auto_approval_says_so() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault("prod-backups", None)]}));
    env.config("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    min_retention_days: 7\n");
    let run = env.run(
        env.command(&["apply", "--auto-approve"])
            .env("LOCKWARD_REASON", "nightly convergence"),
    );
    run.success();
    for record in env.journal() {
        assert_eq!(record["reason"], "nightly convergence", "{record}");
        assert_eq!(record["approval"], "auto", "{record}");
    }
    let json = report_json(&env, &[]);
    let entry = &resource(&json, "backup_vault_lock.prod")["history"][0];
    assert_eq!(entry["approval"], "auto");
}

#[test]
fn a_reason_too_long_or_with_a_control_character_is_refused_before_any_call() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault("prod-backups", None)]}));
    env.config("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    min_retention_days: 7\n");
    let long = "x".repeat(1025);
    env.lockward(&["apply", "--auto-approve", "--reason", &long])
        .code(1)
        .stderr_has("1025 characters");
    // A terminal escape, and a bidirectional override that would make a reason read otherwise.
    for hostile in ["fix\u{1b}[2J", "ok\u{202e}kcatta", "two\nlines"] {
        env.lockward(&["apply", "--auto-approve", "--reason", hostile])
            .code(1)
            .stderr_has("control character");
    }
    let run = env.run(
        env.command(&["apply", "--auto-approve"])
            .env("LOCKWARD_REASON", "bell\u{7}"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("LOCKWARD_REASON"), "{run:?}");
    assert!(env.calls().is_empty(), "refused before any call");
    // The longest reason is accepted, counted in characters, not bytes.
    let longest = "é".repeat(1024);
    env.lockward(&["apply", "--auto-approve", "--reason", &longest])
        .success();
    assert_eq!(env.journal()[0]["reason"], longest);
}

/// A journal written before lockward kept the approval, the reason and the request id still
/// reads, and the report says they were not recorded.
#[test]
fn an_older_journal_without_approval_reason_or_request_id_still_reads() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault("prod-backups", None)]}));
    env.config("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    min_retention_days: 7\n");
    env.lockward(&["apply", "--auto-approve", "--reason", "r"])
        .success();
    let path = env.path("lockward.state.json.journal.jsonl");
    let old: String = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|line| {
            let mut record: Value = serde_json::from_str(line).unwrap();
            for field in ["approval", "reason", "request_id"] {
                record.as_object_mut().unwrap().remove(field);
            }
            format!("{record}\n")
        })
        .collect();
    std::fs::write(&path, old).unwrap();
    let json = report_json(&env, &[]);
    assert_eq!(json["journal"]["damaged_lines"], 0);
    let entry = &resource(&json, "backup_vault_lock.prod")["history"][0];
    assert_eq!(entry["approval"], Value::Null);
    assert_eq!(entry["reason"], Value::Null);
    let markdown = report(&env, "markdown", &[]);
    assert!(
        markdown.contains("| not recorded | none | none |"),
        "{markdown}"
    );
}

// ---- pending until final -----------------------------------------------------------------------

#[test]
fn a_compliance_lock_in_its_grace_period_is_pending_until_its_lock_date_then_compliant() {
    let env = Env::new();
    let lock_date = "2026-11-25T12:00:00Z";
    env.seed(json!({"backup": [backup_vault("prod-backups", Some(lock_date))]}));
    env.config(&format!(
        "backup_vault_lock:\n{}",
        compliance("prod", "prod-backups")
    ));

    let json = report_json(&env, &[]);
    let prod = resource(&json, "backup_vault_lock.prod");
    assert_eq!(prod["verdict"], "pending", "{prod:#}");
    assert_eq!(prod["immutable_from"], lock_date);
    assert!(
        prod["findings"][0]
            .as_str()
            .unwrap()
            .contains("until 2026-11-25T12:00:00Z"),
        "{prod:#}"
    );
    assert_eq!(json["summary"]["pending"], 1);
    let markdown = report(&env, "markdown", &[]);
    assert!(
        markdown.contains("until 2026-11-25T12:00:00Z, when it becomes immutable"),
        "{markdown}"
    );

    // The lock date passes: immutable now, so compliant.
    env.advance_clock(3 * 86_400);
    let json = report_json(&env, &[]);
    let prod = resource(&json, "backup_vault_lock.prod");
    assert_eq!(prod["verdict"], "compliant", "{prod:#}");
    assert_eq!(prod["immutable_from"], Value::Null);
    assert!(env.mutating_calls().is_empty());
}

/// A governance lock is never final: it is compliant as soon as it matches, with no date.
#[test]
fn a_matching_governance_lock_is_compliant_at_once() {
    let env = Env::new();
    let mut v = backup_vault("prod-backups", None);
    v["lock"] = json!({"min_retention_days": 7});
    env.seed(json!({"backup": [v]}));
    env.config("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    min_retention_days: 7\n");
    let json = report_json(&env, &[]);
    assert_eq!(
        resource(&json, "backup_vault_lock.prod")["verdict"],
        "compliant"
    );
}

// ---- the horizon -------------------------------------------------------------------------------

#[test]
fn the_horizon_lists_what_falls_within_its_days_soonest_first() {
    let env = Env::new();
    // Initiated 21 hours ago: AWS aborts it in 3 hours.
    env.seed(json!({
        "glacier": [vault_locked("audit-logs", "InProgress", POLICY, "2026-11-22T15:00:00Z")],
        "backup": [
            backup_vault("soon-backups", Some("2026-11-25T12:00:00Z")),
            backup_vault("later-backups", Some("2027-01-22T12:00:00Z")),
        ],
    }));
    env.config(&format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: in_progress\nbackup_vault_lock:\n{}{}",
        compliance("soon", "soon-backups"),
        compliance("later", "later-backups")
    ));
    env.write("policies/audit.json", POLICY);

    let json = report_json(&env, &[]);
    let listed: Vec<(&str, &str)> = json["horizon"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["at"].as_str().unwrap(), h["address"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("2026-11-23T15:00:00Z", "glacier_vault_lock.audit"),
            ("2026-11-25T12:00:00Z", "backup_vault_lock.soon"),
        ],
        "{json:#}"
    );
    assert_eq!(json["horizon_days"], 30);
    assert_eq!(json["horizon"][1]["point_of_no_return"], true);
    assert_eq!(json["horizon"][0]["point_of_no_return"], false);

    let markdown = report(&env, "markdown", &[]);
    let section = markdown
        .split("### Horizon: the next 30 days")
        .nth(1)
        .expect("a horizon section")
        .split("\n### ")
        .next()
        .unwrap();
    let soon = section
        .find("soon-backups")
        .expect("the lock date in 2 days");
    let expiry = section.find("audit-logs").expect("the InProgress expiry");
    assert!(expiry < soon, "soonest first: {section}");
    assert!(!section.contains("later-backups"), "{section}");
    let html = report(&env, "html", &[]);
    assert!(html.contains("Horizon: the next 30 days"), "{html}");
    assert!(html.contains("Point of no return: "), "{html}");

    // A longer horizon reaches the lock date in 60 days.
    let json = report_json(&env, &["--horizon", "90"]);
    assert_eq!(json["horizon"].as_array().unwrap().len(), 3, "{json:#}");
    assert_eq!(json["horizon"][2]["address"], "backup_vault_lock.later");
}

// ---- accounts and regions ----------------------------------------------------------------------

/// Two providers: `default` in the base account in us-east-1, `west` in the role's account in
/// us-west-2; a locked vault declared in each, and an undeclared one in the role's account.
fn two_accounts_env() -> Env {
    let env = Env::new();
    let mut west = vault_locked("audit-logs", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z");
    west["region"] = json!("us-west-2");
    west["account_id"] = json!(ROLE_ACCOUNT);
    let mut stray = vault_locked("stray", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z");
    stray["region"] = json!("us-west-2");
    stray["account_id"] = json!(ROLE_ACCOUNT);
    env.seed(json!({"glacier": [
        vault_locked("audit-logs", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z"),
        vault("plain"),
    ]}));
    env.seed(json!({"glacier": [west, stray]}));
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n  \
             west:\n    region: us-west-2\n    endpoint_url: {url}\n    assume_role: arn:aws:iam::{ROLE_ACCOUNT}:role/lockward\n\
             glacier_vault_lock:\n  east:\n    vault: audit-logs\n    policy_file: policies/all.json\n    state: locked\n  \
             west:\n    provider: west\n    vault: audit-logs\n    policy_file: policies/all.json\n    state: locked\n"
        ),
    );
    env.write("policies/all.json", OTHER_POLICY);
    env
}

#[test]
fn a_report_over_two_accounts_and_regions_names_and_sums_each() {
    let env = two_accounts_env();
    let json = report_json(&env, &[]);
    let east = resource(&json, "glacier_vault_lock.east");
    let west = resource(&json, "glacier_vault_lock.west");
    assert_eq!(
        (&east["account"], &east["region"]),
        (&json!(BASE_ACCOUNT), &json!("us-east-1"))
    );
    assert_eq!(
        (&west["account"], &west["region"]),
        (&json!(ROLE_ACCOUNT), &json!("us-west-2"))
    );
    assert_eq!(
        json["totals"],
        json!([
            {"account": BASE_ACCOUNT, "region": "us-east-1", "compliant": 1, "pending": 0,
             "empty": 0, "undeclared": 0, "drift": 0, "violation": 0, "unknown": 0,
             "unmanaged": 0},
            {"account": ROLE_ACCOUNT, "region": "us-west-2", "compliant": 1, "pending": 0,
             "empty": 0, "undeclared": 0, "drift": 0, "violation": 0, "unknown": 0,
             "unmanaged": 1},
        ]),
        "{json:#}"
    );
    assert_eq!(json["unmanaged"][0]["account"], ROLE_ACCOUNT);
    let callers: Vec<(&str, &str)> = json["callers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["account"].as_str().unwrap(), c["arn"].as_str().unwrap()))
        .collect();
    assert_eq!(callers.len(), 2, "{json:#}");
    assert_eq!(callers[0].0, BASE_ACCOUNT);
    assert_eq!(callers[1].0, ROLE_ACCOUNT);
    assert!(callers[1].1.contains(ROLE_ACCOUNT), "{callers:?}");
    assert_eq!(json["lockward_version"], env!("CARGO_PKG_VERSION"));

    let markdown = report(&env, "markdown", &[]);
    for line in [
        format!("| `{BASE_ACCOUNT}` | `us-east-1` | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"),
        format!("| `{ROLE_ACCOUNT}` | `us-west-2` | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 1 |"),
        format!("| lockward | `{}` |", env!("CARGO_PKG_VERSION")),
        format!("| Read as | account `{ROLE_ACCOUNT}`: `{}`", callers[1].1),
    ] {
        assert!(markdown.contains(&line), "no {line} in {markdown}");
    }
    let html = report(&env, "html", &[]);
    for text in [
        "Totals per account and region",
        ROLE_ACCOUNT,
        BASE_ACCOUNT,
        "us-west-2",
        callers[1].1,
        env!("CARGO_PKG_VERSION"),
    ] {
        assert!(html.contains(text), "no {text} in {html}");
    }
}

#[test]
fn a_locked_vault_shows_its_policy_text_in_every_format() {
    let env = two_accounts_env();
    let json = report_json(&env, &[]);
    let locked = &resource(&json, "glacier_vault_lock.east")["locked_text"];
    let text = locked["text"].as_str().expect("the policy text");
    assert!(
        text.contains("\"Sid\": \"deny-all\""),
        "pretty-printed: {text}"
    );
    assert!(locked["what"]
        .as_str()
        .unwrap()
        .contains("can never change"));
    let markdown = report(&env, "markdown", &[]);
    assert!(markdown.contains("\"Sid\": \"deny-all\""), "{markdown}");
    let html = report(&env, "html", &[]);
    assert!(
        html.contains("&quot;Sid&quot;: &quot;deny-all&quot;"),
        "escaped: {html}"
    );
}

// ---- --fail-on ---------------------------------------------------------------------------------

#[test]
fn fail_on_unmanaged_fails_on_an_undeclared_lock_and_fail_on_repeats() {
    let env = two_accounts_env();
    env.lockward(&["report", "--fail-on", "drift"]).success();
    env.lockward(&["report", "--fail-on", "unknown"]).success();
    env.lockward(&["report", "--fail-on", "unmanaged"])
        .code(1)
        .stderr_has("1 unmanaged lock(s) (--fail-on unmanaged)");
    env.lockward(&["report", "--fail-on", "drift", "--fail-on", "unmanaged"])
        .code(1)
        .stderr_has("--fail-on unmanaged");
    env.lockward(&["report", "--fail-on", "pending"])
        .code(1)
        .stderr_has("unknown verdict `pending`");
    assert!(env.mutating_calls().is_empty());
}

// ---- what lockward did, failures included ------------------------------------------------------

/// The history is every outcome the journal holds, not only the calls that were done: a call
/// AWS refused is in it with its effect and error, before the call that then succeeded.
#[test]
fn the_history_keeps_a_failed_call_with_its_effect_and_error_beside_the_one_that_succeeded() {
    let env = Env::new();
    env.seed(json!({"backup": [backup_vault("prod-backups", None)]}));
    env.config("backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    min_retention_days: 7\n");
    env.faults(
        json!({"rules": [{"operation": "PutBackupVaultLockConfiguration", "kind": "error",
                                 "status": 403, "code": "AccessDeniedException", "times": 1}]}),
    );
    env.lockward(&["apply", "--auto-approve", "--reason", "first try"])
        .code(1);
    env.faults(json!({"rules": []}));
    env.lockward(&["apply", "--auto-approve", "--reason", "second try"])
        .success();

    let json = report_json(&env, &[]);
    let history = resource(&json, "backup_vault_lock.prod")["history"]
        .as_array()
        .unwrap()
        .clone();
    let outcomes: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|h| {
            (
                h["outcome"].as_str().unwrap(),
                h["effect"].as_str().unwrap_or("-"),
                h["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("failed", "none", "first try"), ("done", "-", "second try")],
        "{json:#}"
    );
    let note = history[0]["note"]
        .as_str()
        .expect("the failed call's error");
    assert!(note.contains("AccessDenied"), "{note}");
    assert_eq!(history[1]["note"], Value::Null);

    let markdown = report(&env, "markdown", &[]);
    assert!(markdown.contains("| failed, no effect: "), "{markdown}");
    assert!(markdown.contains("| done |"), "{markdown}");
    let html = report(&env, "html", &[]);
    assert!(html.contains("failed, no effect: "), "{html}");
}

// ---- SARIF -------------------------------------------------------------------------------------

fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(include_str!("sarif/sarif-schema-2.1.0.json"))
            .expect("the SARIF schema is JSON");
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema is a valid draft-07 schema")
    })
}

/// `report --format sarif`, validated against the SARIF 2.1.0 schema.
#[track_caller]
fn report_sarif(env: &Env, extra: &[&str]) -> Value {
    let text = report(env, "sarif", extra);
    let log: Value = serde_json::from_str(&text).expect("report --format sarif is JSON");
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}\n\n{log:#}",
        errors.join("\n")
    );
    // What errata 01 of the schema adds: a region has its start line.
    for result in log["runs"][0]["results"].as_array().unwrap() {
        for location in result["locations"]
            .as_array()
            .unwrap()
            .iter()
            .chain(result["relatedLocations"].as_array().into_iter().flatten())
        {
            let region = &location["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1, "{result:#}");
            assert!(region["startColumn"].as_u64().unwrap() >= 1, "{result:#}");
        }
    }
    log
}

fn sarif_result<'a>(log: &'a Value, address: &str) -> &'a Value {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["address"] == address)
        .unwrap_or_else(|| panic!("no result for {address} in {log:#}"))
}

/// The 1-based line of the first line of `text` that is exactly `line`.
fn line_of(text: &str, line: &str) -> u64 {
    1 + text
        .lines()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no line {line:?} in {text}")) as u64
}

fn location(result: &Value) -> (&str, Option<&str>, u64, u64) {
    let physical = &result["locations"][0]["physicalLocation"];
    (
        physical["artifactLocation"]["uri"].as_str().unwrap(),
        physical["artifactLocation"]["uriBaseId"].as_str(),
        physical["region"]["startLine"].as_u64().unwrap(),
        physical["region"]["startColumn"].as_u64().unwrap(),
    )
}

/// A Backup lock in its grace period first, then Glacier locks declared out of address order:
/// one locked with another policy than its policy file's (a violation about that policy), one
/// compliant in the middle of the file, and an undeclared locked vault.
fn sarif_env() -> (Env, String) {
    let env = Env::new();
    env.seed(json!({
        "backup": [backup_vault("prod-backups", Some("2026-11-25T12:00:00Z"))],
        "glacier": [
            vault_locked("zeta-logs", "Locked", POLICY, "2026-06-01T00:00:00Z"),
            vault_locked("audit-logs", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z"),
            vault_locked("stray", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z"),
        ],
    }));
    env.config(&format!(
        "backup_vault_lock:\n{}glacier_vault_lock:\n  zeta:\n    vault: zeta-logs\n    policy_file: policies/audit.json\n    state: locked\n  \
         audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
        compliance("prod", "prod-backups")
    ));
    let text = env.read("lockward.yaml");
    (env, text)
}

#[test]
fn sarif_validates_and_locates_each_finding_at_its_key_in_the_config_or_in_the_policy_file() {
    let (env, config) = sarif_env();
    let log = report_sarif(&env, &[]);
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "lockward");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "lockward/compliant",
            "lockward/pending",
            "lockward/empty",
            "lockward/undeclared",
            "lockward/drift",
            "lockward/violation",
            "lockward/unknown",
            "lockward/unmanaged"
        ]
    );

    // The compliant vault declared in the middle of the file: at its key, line and column.
    let zeta = sarif_result(&log, "glacier_vault_lock.zeta");
    assert_eq!(zeta["ruleId"], "lockward/compliant");
    assert_eq!(
        (&zeta["kind"], &zeta["level"]),
        (&json!("pass"), &json!("none"))
    );
    assert_eq!(
        location(zeta),
        (
            "lockward.yaml",
            Some("%SRCROOT%"),
            line_of(&config, "  zeta:"),
            3
        )
    );
    assert_eq!(
        zeta["properties"]["instances"],
        json!([format!("{BASE_ACCOUNT}/us-east-1")])
    );
    assert_eq!(zeta["properties"]["instance_count"], 1);

    // The pending Backup lock: a note, at its key, with the date it becomes immutable.
    let prod = sarif_result(&log, "backup_vault_lock.prod");
    assert_eq!(
        (&prod["ruleId"], &prod["level"]),
        (&json!("lockward/pending"), &json!("note"))
    );
    assert_eq!(
        location(prod),
        (
            "lockward.yaml",
            Some("%SRCROOT%"),
            line_of(&config, "  prod:"),
            3
        )
    );
    assert_eq!(prod["properties"]["immutable_from"], "2026-11-25T12:00:00Z");

    // The vault locked with another policy: the finding is about the policy, so it points
    // into the policy file, and names the config key as a related location.
    let audit = sarif_result(&log, "glacier_vault_lock.audit");
    assert_eq!(
        (&audit["ruleId"], &audit["level"]),
        (&json!("lockward/violation"), &json!("error"))
    );
    assert_eq!(
        location(audit),
        ("policies/audit.json", Some("%SRCROOT%"), 1, 1)
    );
    let related = &audit["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "lockward.yaml");
    assert_eq!(related["region"]["startLine"], line_of(&config, "  audit:"));
    use sha2::Digest;
    assert_eq!(
        audit["partialFingerprints"]["lockward/v1"],
        hex::encode(sha2::Sha256::digest(
            b"glacier_vault_lock.audit\nlockward/violation"
        ))
    );
    assert_eq!(audit["ruleIndex"], 5);

    // The undeclared vault: at its kind's section.
    let unmanaged: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "lockward/unmanaged")
        .collect();
    assert_eq!(unmanaged.len(), 1, "{log:#}");
    assert_eq!(unmanaged[0]["properties"]["name"], "stray");
    assert_eq!(
        location(unmanaged[0]),
        (
            "lockward.yaml",
            Some("%SRCROOT%"),
            line_of(&config, "glacier_vault_lock:"),
            1
        )
    );
    assert_eq!(run["results"].as_array().unwrap().len(), 4, "{log:#}");
    assert!(env.mutating_calls().is_empty());
}

/// Locations are relative to the git top level of the config's directory (a `.git` file, as a
/// worktree has, counts), or to `--sarif-root`; a file outside the root is an absolute URI.
#[test]
fn sarif_uris_are_relative_to_the_git_top_level_or_to_sarif_root() {
    let (env, config) = sarif_env();
    std::fs::create_dir_all(env.path("infra")).unwrap();
    std::fs::rename(env.path("lockward.yaml"), env.path("infra/lockward.yaml")).unwrap();
    std::fs::rename(env.path("policies"), env.path("infra/policies")).unwrap();
    env.write(".git", "gitdir: /elsewhere/.git/worktrees/x\n");
    let at = |log: &Value, address: &str| {
        let (uri, base, line, _) = location(sarif_result(log, address));
        (uri.to_string(), base.map(str::to_string), line)
    };
    let zeta_line = line_of(&config, "  zeta:");

    let log = report_sarif(&env, &["-c", "infra/lockward.yaml"]);
    assert_eq!(
        at(&log, "glacier_vault_lock.zeta"),
        (
            "infra/lockward.yaml".into(),
            Some("%SRCROOT%".into()),
            zeta_line
        )
    );
    assert_eq!(
        at(&log, "glacier_vault_lock.audit").0,
        "infra/policies/audit.json"
    );

    // --sarif-root names the root; a symlink to the config is its real file.
    std::os::unix::fs::symlink("infra/lockward.yaml", env.path("link.yaml")).unwrap();
    let log = report_sarif(&env, &["-c", "link.yaml", "--sarif-root", "infra"]);
    assert_eq!(
        at(&log, "glacier_vault_lock.zeta"),
        ("lockward.yaml".into(), Some("%SRCROOT%".into()), zeta_line)
    );

    // Without a `.git` above it, the config's directory is the root; a policy file outside the
    // root is named by an absolute URI, with no base.
    std::fs::remove_file(env.path(".git")).unwrap();
    let log = report_sarif(&env, &["-c", "infra/lockward.yaml"]);
    assert_eq!(at(&log, "glacier_vault_lock.zeta").0, "lockward.yaml");
    let log = report_sarif(
        &env,
        &[
            "-c",
            "infra/lockward.yaml",
            "--sarif-root",
            "infra/policies",
        ],
    );
    let (uri, base, _) = at(&log, "glacier_vault_lock.zeta");
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/infra/lockward.yaml"),
        "{uri}"
    );
    assert_eq!(base, None);
    assert_eq!(at(&log, "glacier_vault_lock.audit").0, "audit.json");

    env.lockward(&[
        "report",
        "-c",
        "infra/lockward.yaml",
        "--format",
        "sarif",
        "--sarif-root",
        "nowhere",
    ])
    .code(1)
    .stderr_has("--sarif-root `nowhere`");
}

/// A hostile name in the config reaches SARIF as data: control characters made visible in the
/// message, the rest JSON-escaped.
#[test]
fn sarif_of_a_resource_with_a_hostile_vault_name_stays_valid() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault_locked("a-b", "Locked", POLICY, "2026-06-01T00:00:00Z")]}));
    env.config("glacier_vault_lock:\n  \"audit\":\n    vault: a-b\n    policy_file: \"policies/a \\\"b\\\" <c>.json\"\n    state: locked\n");
    env.write("policies/a \"b\" <c>.json", OTHER_POLICY);
    let log = report_sarif(&env, &[]);
    let audit = sarif_result(&log, "glacier_vault_lock.audit");
    assert_eq!(audit["ruleId"], "lockward/violation");
    assert_eq!(location(audit).0, "policies/a%20%22b%22%20%3Cc%3E.json");
    assert_eq!(location(audit).2, 1);
}

// ---- JUnit -------------------------------------------------------------------------------------

/// A test case as the JUnit XML says it: suite, classname, name, and `failure`, `skipped` or
/// nothing.
#[derive(Debug, PartialEq)]
struct Case {
    suite: String,
    classname: String,
    name: String,
    outcome: &'static str,
}

/// Parses JUnit XML, checking each count attribute against the test cases it holds.
fn junit_cases(xml: &str) -> Vec<Case> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> String {
        e.try_get_attribute(name)
            .unwrap()
            .unwrap_or_else(|| panic!("no {name} on {e:?}"))
            .unescape_value()
            .unwrap()
            .into_owned()
    };
    let mut cases: Vec<Case> = Vec::new();
    let mut suite = String::new();
    let mut declared: Vec<(String, [usize; 4])> = Vec::new();
    let mut open_case = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), b"testsuite" | b"testsuites") =>
            {
                let counts = ["tests", "failures", "errors", "skipped"]
                    .map(|a| attr(&e, a).parse::<usize>().unwrap());
                let name = attr(&e, "name");
                if e.name().as_ref() == b"testsuite" {
                    suite = name.clone();
                    declared.push((name, counts));
                } else {
                    declared.push(("*".into(), counts));
                }
            }
            Event::Start(e) if e.name().as_ref() == b"testcase" => {
                open_case = true;
                cases.push(Case {
                    suite: suite.clone(),
                    classname: attr(&e, "classname"),
                    name: attr(&e, "name"),
                    outcome: "passed",
                });
            }
            Event::Empty(e) if e.name().as_ref() == b"testcase" => cases.push(Case {
                suite: suite.clone(),
                classname: attr(&e, "classname"),
                name: attr(&e, "name"),
                outcome: "passed",
            }),
            Event::End(e) if e.name().as_ref() == b"testcase" => open_case = false,
            Event::Start(e) | Event::Empty(e) if open_case => {
                let last = cases.last_mut().unwrap();
                last.outcome = match e.name().as_ref() {
                    b"failure" => "failure",
                    b"skipped" => "skipped",
                    b"error" => "error",
                    other => panic!("unexpected <{}>", String::from_utf8_lossy(other)),
                };
                assert!(!attr(&e, "message").is_empty() || last.outcome == "error");
            }
            _ => {}
        }
    }
    for (name, [tests, failures, errors, skipped]) in &declared {
        let mine: Vec<&Case> = cases
            .iter()
            .filter(|c| name == "*" || &c.suite == name)
            .collect();
        let count = |o: &str| mine.iter().filter(|c| c.outcome == o).count();
        assert_eq!(
            [*tests, *failures, *errors, *skipped],
            [
                mine.len(),
                count("failure"),
                count("error"),
                count("skipped")
            ],
            "the counts of {name} in {xml}"
        );
    }
    assert!(declared.iter().any(|(n, _)| n == "*"), "{xml}");
    cases
}

#[test]
fn junit_has_one_case_per_resource_in_a_suite_per_account_and_region_and_counts_them() {
    let env = two_accounts_env();
    let xml = report(&env, "junit", &[]);
    let cases = junit_cases(&xml);
    let east = format!("{BASE_ACCOUNT}/us-east-1");
    let west = format!("{ROLE_ACCOUNT}/us-west-2");
    let case = |suite: &str, name: &str, outcome: &'static str| Case {
        suite: suite.to_string(),
        classname: "glacier_vault_lock".into(),
        name: name.to_string(),
        outcome,
    };
    assert_eq!(
        cases,
        [
            case(&east, "glacier_vault_lock.east", "passed"),
            case(&west, "glacier_vault_lock.west", "passed"),
            case(&west, "unmanaged glacier_vault_lock stray", "failure"),
        ],
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<property name=\"lockward.version\" value=\"{}\"/>",
            env!("CARGO_PKG_VERSION")
        )),
        "{xml}"
    );
    assert!(xml.contains("type=\"lockward/unmanaged\""), "{xml}");

    // Pending is skipped; a violation about a policy fails.
    let (env, _) = sarif_env();
    let xml = report(&env, "junit", &[]);
    let outcomes: Vec<(String, &str)> = junit_cases(&xml)
        .into_iter()
        .map(|c| (c.name, c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("backup_vault_lock.prod".to_string(), "skipped"),
            ("glacier_vault_lock.audit".to_string(), "failure"),
            ("glacier_vault_lock.zeta".to_string(), "passed"),
            ("unmanaged glacier_vault_lock stray".to_string(), "failure"),
        ],
        "{xml}"
    );
    assert!(xml.contains("<testsuites name=\"lockward compliance report\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\""), "{xml}");

    // With --fail-on, the failures are exactly what it names: here only the unmanaged lock.
    let run = env.lockward(&["report", "--format", "junit", "--fail-on", "unmanaged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let outcomes: Vec<(String, &str)> = junit_cases(&run.stdout)
        .into_iter()
        .map(|c| (c.name, c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("backup_vault_lock.prod".to_string(), "skipped"),
            ("glacier_vault_lock.audit".to_string(), "passed"),
            ("glacier_vault_lock.zeta".to_string(), "passed"),
            ("unmanaged glacier_vault_lock stray".to_string(), "failure"),
        ],
        "{}",
        run.stdout
    );
    let xml = report(&env, "junit", &["--fail-on", "unknown"]);
    assert!(xml.contains("tests=\"4\" failures=\"0\""), "{xml}");
}

// ---- undeclared records, empty selections, a narrowed report -----------------------------------

const RULE_ID: &str = "a1B2c3D4e5F";

fn vault_and_rule() -> String {
    format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\nrbin_rule_lock:\n  ebs:\n    rule_id: {RULE_ID}\n    state: locked\n    unlock_delay_days: 7\n"
    )
}

/// A locked vault the config declares (compliant) and a Recycle Bin rule that lockward locked.
fn vault_and_locked_rule() -> Env {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault_locked("audit-logs", "Locked", POLICY, "2026-10-01T00:00:00Z")],
        "rbin": [crate::support::rule(RULE_ID, Value::Null, None)],
    }));
    env.write("policies/audit.json", POLICY);
    env.config(&vault_and_rule());
    let digest = crate::support::plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    env
}

/// The config without its `rbin_rule_lock` block.
fn vault_only() -> String {
    "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n".to_string()
}

#[test]
fn a_record_the_config_no_longer_declares_is_undeclared_in_the_report_and_named_by_the_plan() {
    let env = vault_and_locked_rule();
    let before = crate::support::plan_digest(&env);
    env.config(&vault_only());
    let address = "rbin_rule_lock.ebs";

    // The report: verdict `undeclared`, with the protection its record last knew.
    let report = report_json(&env, &[]);
    let r = resource(&report, address);
    assert_eq!(r["verdict"], "undeclared", "{r:#}");
    assert_eq!(r["plan"], Value::Null, "nothing is planned for it");
    assert_eq!(r["recorded"]["rule_id"], RULE_ID, "{r:#}");
    assert_eq!(r["history"][0]["action"], "lock_rule", "{r:#}");
    assert_eq!(report["summary"]["undeclared"], 1);
    assert_eq!(
        resource(&report, "glacier_vault_lock.audit")["verdict"],
        "compliant"
    );
    let markdown = report_text(&env, "markdown", &[]);
    assert!(markdown.contains("UNDECLARED"), "{markdown}");
    assert!(
        markdown.contains("Last known protection (the state file's record): rule"),
        "{markdown}"
    );
    let html = report_text(&env, "html", &[]);
    assert!(html.contains("Last known protection"), "{html}");

    // `--fail-on undeclared` fails on it, and only it.
    env.lockward(&["report", "--fail-on", "undeclared"])
        .code(1)
        .stderr_has("1 undeclared record(s) (--fail-on undeclared)");
    env.lockward(&["report", "--fail-on", "drift", "--fail-on", "unknown"])
        .success();

    // The plan names it, digests its address, and it is no change.
    let plan = env.plan_json();
    assert_eq!(plan["undeclared"][0]["address"], address, "{plan:#}");
    assert_eq!(plan["undeclared"][0]["kind"], "rbin_rule_lock");
    assert_eq!(plan["summary"]["change"], 0);
    env.lockward(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has(&format!("Undeclared: the state keeps records of 1 address the configuration no longer declares ({address})"));
    env.lockward(&["plan", "--format", "markdown"])
        .success()
        .stdout_has("Undeclared: the state keeps records of 1 address");
    let with_record = crate::support::plan_digest(&env);
    assert_ne!(with_record, before);
    env.lockward(&["state", "rm", address]).success();
    let without = crate::support::plan_digest(&env);
    assert_ne!(
        with_record, without,
        "the digest covers the undeclared record's address"
    );
    let report = report_json(&env, &[]);
    assert_eq!(report["summary"]["undeclared"], 0);
    env.lockward(&["report", "--fail-on", "undeclared"])
        .success();
    assert_eq!(env.mutating_calls(), vec!["LockRule".to_string()]);
}

#[test]
fn a_narrowed_plan_or_report_lists_no_undeclared_record() {
    let env = vault_and_locked_rule();
    env.config(&format!(
        "{}rbin_rule_lock:\n  other:\n    rule_id: Z9y8X7w6V5u\n    state: unlocked\n",
        vault_only()
    ));
    env.seed(json!({"rbin": [crate::support::rule("Z9y8X7w6V5u", Value::Null, None)]}));
    // Whole: the renamed-away record is undeclared.
    assert_eq!(
        env.plan_json()["undeclared"][0]["address"],
        "rbin_rule_lock.ebs"
    );
    // Narrowed to one resource: a selection selects declared resources only.
    let run = env.lockward(&[
        "plan",
        "--format",
        "json",
        "--target",
        "glacier_vault_lock.audit",
    ]);
    run.success();
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan.get("undeclared"), None, "{plan:#}");
    let report = report_json(&env, &["--target", "glacier_vault_lock.audit"]);
    assert_eq!(report["summary"]["undeclared"], 0, "{report:#}");
    env.lockward(&[
        "report",
        "--exclude",
        "rbin_rule_lock.other",
        "--fail-on",
        "undeclared",
    ])
    .success();
}

#[test]
fn a_snapshot_that_lost_its_tag_is_undeclared_and_a_selection_that_finds_nothing_is_empty() {
    const SNAP: &str = "snap-0123456789abcdef0";
    let env = Env::new();
    let snapshot = |tags: Value| json!({"region": "us-east-1", "snapshot_id": SNAP, "state": "completed", "tags": tags});
    env.seed(json!({"ec2": [snapshot(json!([{"key": "legal-hold", "value": "true"}]))]}));
    env.config(
        "ebs_snapshot_lock:\n  hold:\n    select: { tags: { legal-hold: \"true\" } }\n    mode: governance\n    duration_days: 30\n",
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    let instance = format!("ebs_snapshot_lock.hold[{SNAP}]");
    let report = report_json(&env, &[]);
    assert_eq!(resource(&report, &instance)["verdict"], "compliant");

    // The tag is removed: the selection finds nothing, and the locked snapshot's record is
    // no longer declared.
    let mut untagged = snapshot(json!([]));
    untagged["lock"] = env.aws_state()["ec2"][0]["lock"].clone();
    env.seed(json!({"ec2": [untagged]}));
    let report = report_json(&env, &[]);
    let empty = resource(&report, "ebs_snapshot_lock.hold");
    assert_eq!(empty["verdict"], "empty", "{empty:#}");
    assert!(
        empty["findings"][0]
            .as_str()
            .unwrap()
            .contains("matches nothing"),
        "{empty:#}"
    );
    let gone = resource(&report, &instance);
    assert_eq!(gone["verdict"], "undeclared", "{gone:#}");
    assert_eq!(gone["recorded"]["mode"], "governance", "{gone:#}");
    assert_eq!(report["summary"]["empty"], 1);
    let markdown = report_text(&env, "markdown", &[]);
    assert!(markdown.contains("| empty |"), "{markdown}");
    assert_eq!(env.plan_json()["undeclared"][0]["address"], instance);
    env.lockward(&["report", "--fail-on", "undeclared"]).code(1);
}

#[test]
fn a_narrowed_report_reads_and_reports_only_what_it_selects_and_says_how_many_it_left_out() {
    let env = vault_and_locked_rule();
    let from = env.calls().len();
    let report = report_json(&env, &["--target", "glacier_vault_lock.audit"]);
    let addresses: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, vec!["glacier_vault_lock.audit"]);
    assert_eq!(report["not_selected"], 1);
    assert_eq!(
        report["selection"],
        json!(["--target", "glacier_vault_lock.audit"])
    );
    let operations: Vec<String> = env.calls()[from..]
        .iter()
        .map(|c| c["operation"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        !operations.iter().any(|o| o.contains("Rule")),
        "the unselected rule was read: {operations:?}"
    );
    assert!(
        operations.iter().any(|o| o == "GetVaultLock"),
        "{operations:?}"
    );
    let markdown = report_text(&env, "markdown", &["--exclude", "rbin_rule_lock.ebs"]);
    assert!(
        markdown.contains("1 declared resource(s) or instance(s) not selected"),
        "{markdown}"
    );
    assert!(!markdown.contains("rbin_rule_lock.ebs`:"), "{markdown}");
    // A pattern that matches nothing is an error before any call.
    let from = env.calls().len();
    env.lockward(&["report", "--target", "glacier_vault_lock.audti"])
        .code(1)
        .stderr_has("the closest is `glacier_vault_lock.audit`");
    assert_eq!(env.calls().len(), from);
}

#[track_caller]
fn report_text(env: &Env, format: &str, extra: &[&str]) -> String {
    report(env, format, extra)
}

// ---- times a person reads ----------------------------------------------------------------------

/// The Snowball and S3 kinds' notes and apply's progress lines show times in whole seconds,
/// as every other kind's words do; the JSON keeps the exact value.
#[test]
fn a_person_reads_snowball_s3_and_apply_times_in_whole_seconds() {
    const OLD_JOB: &str = "JID11111111-2222-4333-8444-555555555555";
    let sub_second = |text: &str| text.contains(".25Z") || text.contains(".125Z");
    let env = Env::new();
    env.set_clock("2026-11-23T12:00:00.250Z".parse().unwrap());
    env.seed(json!({
        "snowball": [
            crate::support::job(crate::support::SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00.125Z", "12345-abcde-56789-fghij-01234"),
            crate::support::job(OLD_JOB, "WithCustomer", "2025-11-01T00:00:00.125Z", "12345-abcde-56789-fghij-01234"),
        ],
        "backup": [backup_vault("prod-backups", None)],
        "s3": [{"region": "us-east-1", "bucket": "acme-records-2026"}],
    }));
    std::fs::create_dir(env.path("secrets")).unwrap();
    std::fs::set_permissions(
        env.path("secrets"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let config = format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {}\n    deliver_to: secrets/site-a.code\nbackup_vault_lock:\n{}s3_object_lock:\n  records:\n    bucket: acme-records-2026\n    object_lock: enabled\n    default_retention: {{ mode: governance, days: 30 }}\n",
        crate::support::SAMPLE_JOB,
        compliance("prod", "prod-backups")
    );
    env.config(&config);
    let digest = crate::support::plan_digest(&env);
    let run = env.lockward(&["apply", "--approve", &digest]);
    run.success()
        .stderr_has("until its lock date 2026-11-26T12:00:00Z");
    assert!(!sub_second(&run.stderr), "{}", run.stderr);

    // The delivered code's file goes missing: the plan and the report say when it was delivered.
    std::fs::remove_file(env.path("secrets/site-a.code")).unwrap();
    let run = env.lockward(&["plan"]);
    run.success()
        .stdout_has("at 2026-11-23T12:00:00Z, and that file is gone");
    assert!(!sub_second(&run.stdout), "{}", run.stdout);
    let markdown = report(&env, "markdown", &[]);
    assert!(markdown.contains("2026-11-23T12:00:00Z"), "{markdown}");
    assert!(!sub_second(&markdown), "{markdown}");
    let json = report_json(&env, &[]);
    assert!(
        json.to_string().contains("12:00:00.25Z"),
        "the JSON keeps the exact time: {json}"
    );

    // A job too old for its code to be given out: when it was created.
    env.config(&format!(
        "snowball_unlock_code:\n  old:\n    job_id: {OLD_JOB}\n    deliver_to: secrets/old.code\n"
    ));
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stdout_has("the job was created at 2025-11-01T00:00:00Z");
    assert!(!sub_second(&run.stdout), "{}", run.stdout);

    // A retrieval whose answer was lost: when it was attempted.
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {}\n    deliver_to: secrets/again.code\n",
        crate::support::SAMPLE_JOB
    ));
    env.faults(json!({"rules": [{"operation": "GetJobUnlockCode", "kind": "drop_after_apply", "times": 1}]}));
    let digest = crate::support::plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).code(1);
    let run = env.lockward(&["plan"]);
    run.success()
        .stdout_has("an earlier retrieval at 2026-11-23T12:00:00Z has an unknown outcome");
    assert!(!sub_second(&run.stdout), "{}", run.stdout);
}

/// Two snapshots locked by one selection, for the tests that then hide one.
fn two_locked_snapshots() -> (Env, [&'static str; 2]) {
    const SNAPS: [&str; 2] = ["snap-0aaaaaaaaaaaaaaa1", "snap-0aaaaaaaaaaaaaaa2"];
    let env = Env::new();
    let tagged = json!([{"key": "legal-hold", "value": "true"}]);
    env.seed(
        json!({"ec2": SNAPS.map(|id| json!({"region": "us-east-1", "snapshot_id": id,
        "state": "completed", "tags": tagged}))}),
    );
    env.config(
        "ebs_snapshot_lock:\n  hold:\n    select: { tags: { legal-hold: \"true\" } }\n    mode: governance\n    duration_days: 30\n",
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    (env, SNAPS)
}

#[test]
fn a_snapshot_left_out_by_the_selection_or_whose_search_failed_is_not_called_undeclared() {
    let (env, [a, b]) = two_locked_snapshots();
    let a_address = format!("ebs_snapshot_lock.hold[{a}]");
    // The other snapshot is left out by the selection, yet found: declared, not undeclared.
    let run = env.lockward(&["plan", "--format", "json", "--target", &a_address]);
    run.success();
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["resources"].as_array().unwrap().len(), 1, "{plan:#}");
    assert_eq!(plan.get("undeclared"), None, "{plan:#}");
    let report = report_json(&env, &["--target", &a_address]);
    assert_eq!(report["summary"]["undeclared"], 0, "{report:#}");
    assert_eq!(report["not_selected"], 1, "{report:#}");
    assert_eq!(resource(&report, &a_address)["verdict"], "compliant");
    assert!(
        !report.to_string().contains(b),
        "the snapshot left out is not reported: {report:#}"
    );

    // The search fails: nothing can be said of the snapshots, so neither is undeclared.
    env.faults(
        json!({"rules": [{"operation": "DescribeSnapshots", "kind": "error",
        "status": 503, "code": "ServiceUnavailable"}]}),
    );
    let run = env.lockward(&["report", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("the report is printed");
    assert_eq!(report["summary"]["undeclared"], 0, "{report:#}");
    assert_eq!(
        resource(&report, "ebs_snapshot_lock.hold")["verdict"],
        "unknown",
        "{report:#}"
    );
}

/// Every format names the lockward that made the report and, per account, who it read AWS as.
#[test]
fn every_format_names_the_lockward_version_and_the_caller_of_each_account() {
    let env = two_accounts_env();
    let json = report_json(&env, &[]);
    let arns: Vec<String> = json["callers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["arn"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(arns.len(), 2, "{json:#}");
    assert!(
        arns[0].contains(BASE_ACCOUNT) && arns[1].contains(ROLE_ACCOUNT),
        "{arns:?}"
    );
    let version = env!("CARGO_PKG_VERSION");
    for format in ["markdown", "html", "json", "sarif", "junit"] {
        let text = report(&env, format, &[]);
        assert!(text.contains(version), "{format} has no version: {text}");
        for arn in &arns {
            assert!(
                text.contains(arn.as_str()),
                "{format} does not name {arn}: {text}"
            );
        }
    }
    let sarif: Value = serde_json::from_str(&report(&env, "sarif", &[])).unwrap();
    let callers = &sarif["runs"][0]["properties"]["callers"];
    assert_eq!(callers[1]["account"], ROLE_ACCOUNT, "{sarif:#}");
    assert_eq!(callers[1]["arn"], arns[1].as_str(), "{sarif:#}");
    // JUnit: each account's suite names the caller lockward read that account as.
    let xml = report(&env, "junit", &[]);
    for (account, arn) in [(BASE_ACCOUNT, &arns[0]), (ROLE_ACCOUNT, &arns[1])] {
        let suite = xml
            .split("<testsuite ")
            .find(|s| s.contains(&format!("value=\"{account}\"")))
            .unwrap_or_else(|| panic!("no suite for {account}: {xml}"));
        assert!(
            suite.contains(&format!("<property name=\"caller\" value=\"{arn}\"/>")),
            "{suite}"
        );
    }
}

/// No report format shows a Rust name of lockward's own (an enum variant printed with `{:?}`):
/// a report over every kind, with `empty`, `undeclared`, `unknown` and unmanaged among its
/// verdicts, in each format.
#[test]
fn no_report_format_shows_an_internal_name() {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault("audit-logs"), vault_locked("stray", "Locked", OTHER_POLICY, "2026-06-01T00:00:00Z")],
        "rbin": [crate::support::rule(RULE_ID, Value::Null, None)],
        "snowball": [crate::support::job(crate::support::SAMPLE_JOB, "InTransitToCustomer", "2026-11-01T00:00:00Z", "12345-abcde-56789-fghij-01234")],
        "backup": [backup_vault("prod-backups", None)],
        "s3": [{"region": "us-east-1", "bucket": "acme-records-2026", "versioning": "Enabled",
                "object_lock": {"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}}}],
        "ec2": [{"region": "us-east-1", "snapshot_id": "snap-0123456789abcdef0", "state": "completed",
                 "tags": [{"key": "legal-hold", "value": "true"}]}],
    }));
    env.write("policies/audit.json", POLICY);
    let kinds = format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\nsnowball_unlock_code:\n  site_b:\n    job_id: {}\n    deliver_to: secrets/site-b.code\nbackup_vault_lock:\n{}s3_object_lock:\n  records:\n    bucket: acme-records-2026\n    object_lock: enabled\n    default_retention: {{ mode: governance, days: 30 }}\nebs_snapshot_lock:\n  hold:\n    select: {{ tags: {{ legal-hold: \"true\" }} }}\n    mode: compliance\n    duration_days: 30\n    cool_off_hours: 24\n  none_yet:\n    select: {{ tags: {{ quarantine: \"true\" }} }}\n    mode: governance\n    duration_days: 30\n",
        crate::support::SAMPLE_JOB,
        compliance("prod", "prod-backups")
    );
    env.config(&format!(
        "{kinds}rbin_rule_lock:\n  ebs:\n    rule_id: {RULE_ID}\n    state: locked\n    unlock_delay_days: 7\n"
    ));
    let digest = crate::support::plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    // The rule's block removed (undeclared); the job unreadable (unknown).
    env.config(&kinds);
    env.faults(
        json!({"rules": [{"operation": "DescribeJob", "kind": "error", "status": 400,
        "code": "AccessDeniedException"}]}),
    );
    let json = report(&env, "json", &[]);
    for verdict in ["\"empty\"", "\"undeclared\"", "\"unknown\"", "\"pending\""] {
        assert!(json.contains(verdict), "no {verdict} verdict: {json}");
    }
    let internal = [
        "GlacierVaultLock",
        "RbinRuleLock",
        "SnowballUnlockCode",
        "BackupVaultLock",
        "S3ObjectLock",
        "EbsSnapshotLock",
        "NoMatch",
        "SnapshotMissing",
        "ComplianceCooloff",
        "ComplianceGrace",
        "VersioningSuspended",
        "Unversioned",
        "Some(",
        "Verdict::",
        "Outcome::",
        "Effect::",
        "Approval::",
        "HistoryOutcome",
        "ActionKind",
        "Reversibility",
        "Undeclared {",
        "FailOn",
    ];
    for format in ["markdown", "html", "json", "sarif", "junit"] {
        let text = report(&env, format, &[]);
        for name in internal {
            assert!(!text.contains(name), "{format} shows `{name}`: {text}");
        }
        // A verdict's Rust name (SARIF's rule `name` is one by its schema's convention).
        if format != "sarif" {
            for name in ["Compliant", "Pending", "Empty", "Undeclared", "Unknown"] {
                assert!(!text.contains(name), "{format} shows `{name}`: {text}");
            }
        }
    }
}

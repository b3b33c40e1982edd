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
             "drift": 0, "violation": 0, "unknown": 0, "unmanaged": 0},
            {"account": ROLE_ACCOUNT, "region": "us-west-2", "compliant": 1, "pending": 0,
             "drift": 0, "violation": 0, "unknown": 0, "unmanaged": 1},
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
        format!("| `{BASE_ACCOUNT}` | `us-east-1` | 1 | 0 | 0 | 0 | 0 | 0 |"),
        format!("| `{ROLE_ACCOUNT}` | `us-west-2` | 1 | 0 | 0 | 0 | 0 | 1 |"),
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

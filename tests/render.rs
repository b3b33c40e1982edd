//! Renderers: plans built by hand, pinned as snapshot files in `tests/snapshots/` (human without
//! colour, Markdown, JSON), and the plan JSON checked against `schema/plan.schema.json`.
//!
//! Update the snapshots with `INSTA_UPDATE=always cargo test -p lockward render` and read the
//! diff before committing it.

use std::path::PathBuf;
use std::sync::OnceLock;

use jiff::Timestamp;
use lockward::config::Policy;
use lockward::digest;
use lockward::plan::{Action, ActionKind, Message, Outcome, Plan, ResourcePlan, StateRef, Target};
use lockward::render::{self, ApplyCommand, Format, RenderOptions, MARKDOWN_MARKER, PLAN_SCHEMA};
use lockward::vocabulary::Address;
use serde_json::{json, Value};

// ---- validating plan JSON ------------------------------------------------------------------

fn plan_schema_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(PLAN_SCHEMA).expect("schema/plan.schema.json is JSON");
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema/plan.schema.json is a valid draft 2020-12 schema")
    })
}

/// Every error `schema/plan.schema.json` finds in `plan`, one line each (`<path>: <error>`);
/// empty when it is valid. Formats (`date-time`) are checked too.
pub fn plan_json_errors(plan: &Value) -> Vec<String> {
    plan_schema_validator()
        .iter_errors(plan)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

/// Panics, listing every error, unless `report` validates against `schema/report.schema.json`.
pub fn assert_valid_report_json(report: &Value) {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(include_str!("../schema/report.schema.json"))
            .expect("schema/report.schema.json is JSON");
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema/report.schema.json is a valid draft 2020-12 schema")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "report JSON does not match schema/report.schema.json:\n{}\n\n{report:#}",
        errors.join("\n")
    );
}

/// Panics, listing every error, unless `plan` validates against `schema/plan.schema.json`.
/// Any test that produces plan JSON can call it.
pub fn assert_valid_plan_json(plan: &Value) {
    let errors = plan_json_errors(plan);
    assert!(
        errors.is_empty(),
        "plan JSON does not match schema/plan.schema.json:\n{}\n\n{plan:#}",
        errors.join("\n")
    );
}

// ---- building plans ------------------------------------------------------------------------

fn at(t: &str) -> Timestamp {
    t.parse().expect("test timestamps are RFC 3339")
}

fn resource(
    address: &str,
    outcome: Outcome,
    live: Value,
    desired: Value,
    actions: Vec<Action>,
    messages: &[&str],
) -> ResourcePlan {
    let address: Address = address.parse().expect("test addresses are valid");
    let messages = messages
        .iter()
        .map(|m| match m.strip_prefix("warning: ") {
            Some(text) => Message::warning(text),
            None if outcome == Outcome::Conflict => Message::error(*m),
            None => Message::note(*m),
        })
        .collect();
    ResourcePlan {
        kind: address.kind,
        physical_key: format!("{}:123456789012:us-east-1:{}", address.kind, address.name),
        address,
        outcome,
        target: Target {
            identity_endpoint: None,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            endpoint: None,
        },
        account: "123456789012".into(),
        region: "us-east-1".into(),
        key: None,
        live,
        desired,
        recorded: json!({"state": "none"}),
        actions,
        messages,
        text_diff: None,
        recovery: None,
    }
}

fn with_diff(mut r: ResourcePlan, diff: &str) -> ResourcePlan {
    r.text_diff = Some(diff.to_string());
    r
}

fn plan(resources: Vec<ResourcePlan>) -> Plan {
    Plan::new(
        digest::sha256(b"lockward.yaml as resolved"),
        StateRef {
            lineage: Some("6f1c2b0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b".into()),
            serial: 3,
        },
        None,
        resources,
    )
}

/// A policy as plans carry it (its canonical text): `effect` on deleting archives from `vault`,
/// the vault it is the lock policy of.
fn policy(effect: &str, vault: &str) -> Value {
    policy_with_sid(effect, vault, "deny-deletes")
}

fn policy_with_sid(effect: &str, vault: &str, sid: &str) -> Value {
    policy_text(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": sid,
            "Effect": effect,
            "Principal": "*",
            "Action": "glacier:DeleteArchive",
            "Resource": format!("arn:aws:glacier:us-east-1:123456789012:vaults/{vault}")
        }]
    }))
}

fn policy_text(document: Value) -> Value {
    Value::String(Policy::from_value(document).canonical().to_string())
}

/// The diff lockward shows between two of these policies, computed from the fixtures
/// themselves so that it can never contradict them.
fn diff_of(live: &Value, desired: &Value) -> String {
    let parse = |v: &Value| Policy::parse(v.as_str().unwrap()).unwrap();
    lockward::kinds::glacier::policy_diff(&parse(live), &parse(desired))
}

fn glacier_desired(vault: &str, state: &str, min_test_period: Option<&str>) -> Value {
    json!({"vault": vault, "account_id": "-", "policy": policy("Deny", vault), "state": state,
           "min_test_period": min_test_period})
}

/// The live policy of `legal-hold`: it allows deletes, and its Sid holds a fence (```) that
/// the Markdown diff must not let close its own.
fn legal_live() -> Value {
    policy_with_sid("Allow", "legal-hold", "deny-deletes ```")
}

/// Every outcome of every kind and every action kind, ready and deferred (with and without
/// `not_before`), a policy diff, and values with pipes, backticks and HTML in them.
fn conflicts_plan() -> Plan {
    let mut resources = changes_resources();
    resources.extend([
        with_diff(
            resource(
                "glacier_vault_lock.legal",
                Outcome::Conflict,
                json!({"state": "locked", "policy": legal_live(), "created": "2026-01-05T09:30:00Z"}),
                json!({"vault": "legal-hold", "account_id": "123456789012", "policy": policy("Deny", "legal-hold"),
                       "state": "locked", "min_test_period": null}),
                vec![],
                &["The vault is locked with a different policy. A completed vault lock can never change: \
                   put the data in a new vault with the desired lock, or make the configuration match the live policy."],
            ),
            &diff_of(&legal_live(), &policy("Deny", "legal-hold")),
        ),
        resource(
            "glacier_vault_lock.archive",
            Outcome::Conflict,
            json!({"state": "vault_missing"}),
            glacier_desired("archive-2019", "locked", None),
            vec![],
            &["Vault archive-2019 does not exist in us-east-1. Create it first; lockward manages locks, not vaults."],
        ),
        resource(
            "rbin_rule_lock.tagged",
            Outcome::Conflict,
            json!({"state": "present", "resource_type": "EBS_SNAPSHOT", "lock_state": null,
                   "unlock_delay_days": null, "lock_end_time": null, "resource_tags": 2,
                   "exclude_resource_tags": 0}),
            json!({"rule_id": "Zz9Yy8Xx7Ww", "state": "locked", "unlock_delay_days": 14}),
            vec![],
            &["Rule Zz9Yy8Xx7Ww is a tag-level rule (it has resource tags); AWS locks only region-level rules without exclusion tags."],
        ),
        resource(
            "snowball_unlock_code.site_z",
            Outcome::Conflict,
            json!({"state": "present", "job_state": "Complete", "created": "2025-09-01T00:00:00Z",
                   "delivery": {"state": "absent", "creates_dir": false}}),
            json!({"job_id": "JID00000000-0000-0000-0000-000000000009", "deliver_to": "/srv/secrets/site-z.code",
                   "manifest_path": null}),
            vec![],
            &["Job is Complete: its unlock code can no longer be retrieved."],
        ),
    ]);
    plan(resources)
}

/// Changes, blocked and unchanged resources, no conflict: a plan that can be approved.
fn changes_plan() -> Plan {
    plan(changes_resources())
}

fn changes_resources() -> Vec<ResourcePlan> {
    vec![
        resource(
            "glacier_vault_lock.audit",
            Outcome::Change,
            json!({"state": "none"}),
            glacier_desired("audit-logs", "locked", Some("2h")),
            vec![
                Action::ready(ActionKind::INITIATE_LOCK, "Start the vault lock with the configured policy."),
                Action::deferred(
                    ActionKind::COMPLETE_LOCK,
                    None,
                    "The lock must be in progress for 2h (min_test_period) before it is completed; \
                     it has not been initiated yet.",
                ),
            ],
            &[],
        ),
        resource(
            "glacier_vault_lock.backups",
            Outcome::Blocked,
            json!({"state": "in_progress", "policy": policy("Deny", "backups"), "created": "2026-11-21T10:00:00Z",
                   "expires": "2026-11-22T10:00:00Z"}),
            glacier_desired("backups", "locked", Some("2h")),
            vec![Action::deferred(
                ActionKind::COMPLETE_LOCK,
                Some(at("2026-11-21T12:00:00Z")),
                "The lock has been in progress since 2026-11-21T10:00:00Z; min_test_period is 2h.",
            )],
            &["The lock expires at 2026-11-22T10:00:00Z unless it is completed by then."],
        ),
        with_diff(
            resource(
                "glacier_vault_lock.staging",
                Outcome::Change,
                json!({"state": "in_progress", "policy": policy("Allow", "staging.audit_v2"), "created": "2026-11-21T08:00:00Z",
                       "expires": "2026-11-22T08:00:00Z"}),
                glacier_desired("staging.audit_v2", "in_progress", None),
                vec![
                    Action::ready(ActionKind::ABORT_LOCK, "The lock in progress has a different policy."),
                    Action::ready(ActionKind::INITIATE_LOCK, "Start the lock again with the configured policy."),
                ],
                &[],
            ),
            &diff_of(&policy("Allow", "staging.audit_v2"), &policy("Deny", "staging.audit_v2")),
        ),
        resource(
            "rbin_rule_lock.ebs_snapshots",
            Outcome::Change,
            json!({"state": "present", "resource_type": "EBS_SNAPSHOT", "lock_state": null,
                   "unlock_delay_days": null, "lock_end_time": null, "resource_tags": 0,
                   "exclude_resource_tags": 0}),
            json!({"rule_id": "a1B2c3D4e5F", "state": "locked", "unlock_delay_days": 7}),
            vec![Action::ready(ActionKind::LOCK_RULE, "Lock the rule with a 7-day unlock delay.")],
            &[],
        ),
        resource(
            "rbin_rule_lock.images",
            Outcome::Change,
            json!({"state": "present", "resource_type": "EC2_IMAGE", "lock_state": "locked",
                   "unlock_delay_days": 30, "lock_end_time": null, "resource_tags": 0,
                   "exclude_resource_tags": 0}),
            json!({"rule_id": "Q7w8E9r0T1y", "state": "unlocked", "unlock_delay_days": null}),
            vec![Action::ready(
                ActionKind::UNLOCK_RULE,
                "Unlock the rule; it stays locked for its 30-day unlock delay.",
            )],
            &[],
        ),
        resource(
            "rbin_rule_lock.amis",
            Outcome::Noop,
            json!({"state": "present", "resource_type": "EC2_IMAGE", "lock_state": "pending_unlock",
                   "unlock_delay_days": 7, "lock_end_time": "2026-11-25T00:00:00Z", "resource_tags": 0,
                   "exclude_resource_tags": 0}),
            json!({"rule_id": "m4N5b6V7c8X", "state": "unlocked", "unlock_delay_days": null}),
            vec![],
            &["The unlock takes effect at 2026-11-25T00:00:00Z, when the 7-day unlock delay ends."],
        ),
        resource(
            "snowball_unlock_code.site_a",
            Outcome::Change,
            json!({"state": "present", "job_state": "WithCustomer", "created": "2026-10-01T00:00:00Z",
                   "delivery": {"state": "absent", "creates_dir": false}}),
            json!({"job_id": "JID123e4567-e89b-12d3-a456-426655440000",
                   "deliver_to": "/srv/secrets/site|a `ops` <b>bold</b>.code",
                   "manifest_path": "/srv/manifests/site-a.bin"}),
            vec![Action::ready(
                ActionKind::RETRIEVE_UNLOCK_CODE,
                "Write the unlock code to /srv/secrets/site|a `ops` <b>bold</b>.code (mode 0600).",
            )],
            &["Pipes | and `backticks` and <script>alert(1)</script> in a message\nover two lines."],
        ),
        resource(
            "snowball_unlock_code.site_b",
            Outcome::Blocked,
            json!({"state": "present", "job_state": "InTransitToCustomer", "created": "2026-11-01T00:00:00Z",
                   "delivery": {"state": "absent", "creates_dir": false}}),
            json!({"job_id": "JID99999999-e89b-12d3-a456-426655440000", "deliver_to": "/srv/secrets/site-b.code",
                   "manifest_path": null}),
            vec![Action::deferred(
                ActionKind::RETRIEVE_UNLOCK_CODE,
                None,
                "The job is InTransitToCustomer; the code can be retrieved once it is WithCustomer.",
            )],
            &["Waiting for the device to reach the customer (job state InTransitToCustomer)."],
        ),
        resource(
            "snowball_unlock_code.site_c",
            Outcome::Noop,
            json!({"state": "present", "job_state": "WithCustomer", "created": "2026-10-01T00:00:00Z",
                   "delivery": {"state": "file", "fingerprint": format!("sha256:{}", "ab12".repeat(16))}}),
            json!({"job_id": "JID00000000-1111-2222-3333-444444444444", "deliver_to": "/srv/secrets/site-c.code",
                   "manifest_path": null}),
            vec![],
            &[],
        ),
    ]
}

/// Nothing to do: every resource matches, one of them with a warning.
fn no_changes_plan() -> Plan {
    plan(vec![
        resource(
            "glacier_vault_lock.audit",
            Outcome::Noop,
            json!({"state": "locked", "policy": policy("Deny", "audit-logs"), "created": "2026-06-01T00:00:00Z"}),
            glacier_desired("audit-logs", "locked", None),
            vec![],
            &[],
        ),
        resource(
            "glacier_vault_lock.trial",
            Outcome::Noop,
            json!({"state": "in_progress", "policy": policy("Deny", "trial"), "created": "2026-11-20T14:00:00Z",
                   "expires": "2026-11-21T14:00:00Z"}),
            glacier_desired("trial", "in_progress", None),
            vec![],
            &["The lock in progress expires in 5 h (at 2026-11-21T14:00:00Z); plan again to renew it after it expires."],
        ),
        resource(
            "rbin_rule_lock.ebs_snapshots",
            Outcome::Noop,
            json!({"state": "present", "resource_type": "EBS_SNAPSHOT", "lock_state": "locked",
                   "unlock_delay_days": 7, "lock_end_time": null, "resource_tags": 0,
                   "exclude_resource_tags": 0}),
            json!({"rule_id": "a1B2c3D4e5F", "state": "locked", "unlock_delay_days": 7}),
            vec![],
            &[],
        ),
    ])
}

/// Only waiting resources: nothing can be applied now.
fn only_blocked_plan() -> Plan {
    let resources = changes_resources()
        .into_iter()
        .filter(|r| r.outcome == Outcome::Blocked)
        .collect();
    plan(resources)
}

fn empty_plan() -> Plan {
    plan(vec![])
}

fn all_plans() -> Vec<(&'static str, Plan)> {
    vec![
        ("conflicts", conflicts_plan()),
        ("changes", changes_plan()),
        ("no_changes", no_changes_plan()),
        ("only_blocked", only_blocked_plan()),
        ("empty", empty_plan()),
        ("accounts", accounts_plan()),
    ]
}

/// A template in 2 accounts × 2 regions, a Glacier lock in 2 of them with the same policy
/// (each naming its own account), and a Recycle Bin rule in a third account.
fn accounts_plan() -> Plan {
    let mut resources = Vec::new();
    for i in 1..=2 {
        for region in ["us-east-1", "eu-west-1"] {
            resources.push(put_compliance_lock(&account(i), region));
        }
        let a = account(i);
        resources.push(archive_lock(
            &a,
            archive_policy(&a, "us-east-1", "deny-deletes"),
        ));
    }
    resources.push(resource(
        "rbin_rule_lock.ebs",
        Outcome::Change,
        json!({"state": "present", "resource_type": "EBS_SNAPSHOT", "lock_state": null,
               "unlock_delay_days": null, "lock_end_time": null, "resource_tags": 0,
               "exclude_resource_tags": 0}),
        json!({"rule_id": "a1B2c3D4e5F", "state": "locked", "unlock_delay_days": 7}),
        vec![Action::ready(ActionKind::LOCK_RULE, "Lock the rule.")],
        &[],
    ));
    plan(resources)
}

fn options() -> RenderOptions {
    RenderOptions {
        color: false,
        apply: ApplyCommand {
            config: None,
            state: None,
            plan_file: Some(PathBuf::from("plan.lwplan")),
        },
        sealed: None,
        markdown_in_full: false,
    }
}

fn rendered(plan: &Plan, format: Format, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    render::render(plan, format, options, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("renderers write UTF-8")
}

/// Pins `text` as `tests/snapshots/<name>.snap`. The name does not depend on the module path,
/// so the snapshots are the same files whichever test binary runs this file.
fn assert_pinned(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

// ---- snapshots -----------------------------------------------------------------------------

#[test]
fn human_snapshots() {
    for (name, plan) in all_plans() {
        assert_pinned(
            &format!("plan_human_{name}"),
            &rendered(&plan, Format::Human, &options()),
        );
    }
}

#[test]
fn markdown_snapshots() {
    for (name, plan) in all_plans() {
        assert_pinned(
            &format!("plan_markdown_{name}"),
            &rendered(&plan, Format::Markdown, &options()),
        );
    }
}

#[test]
fn json_snapshots() {
    for (name, plan) in all_plans() {
        assert_pinned(
            &format!("plan_json_{name}"),
            &rendered(&plan, Format::Json, &options()),
        );
    }
}

// ---- the policy a new lock makes permanent -------------------------------------------------

/// A vault without a lock, planned `initiate_lock` + `complete_lock`, whose policy has numbers
/// no float holds exactly.
fn new_lock_plan() -> Plan {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*","Condition":{"NumericLessThan":{"glacier:ArchiveAgeInDays":1e2,"x:Big":12345678901234567890123}}}]}"#;
    let policy = Policy::parse(text).expect("the test policy is strict JSON");
    plan(vec![resource(
        "glacier_vault_lock.audit",
        Outcome::Change,
        json!({"state": "none"}),
        json!({"vault": "audit-logs", "account_id": "-", "policy": policy.canonical(),
               "state": "locked", "min_test_period": null}),
        vec![
            Action::ready(
                ActionKind::INITIATE_LOCK,
                "Start the vault lock with the configured policy.",
            ),
            Action::ready(ActionKind::COMPLETE_LOCK, "Make the lock policy permanent."),
        ],
        &[],
    )])
}

/// The pretty canonical form, as the renderers must show it.
const NEW_LOCK_POLICY: &str = r#"{
  "Statement": [
    {
      "Action": "glacier:DeleteArchive",
      "Condition": {
        "NumericLessThan": {
          "glacier:ArchiveAgeInDays": 1e2,
          "x:Big": 12345678901234567890123
        }
      },
      "Effect": "Deny",
      "Principal": "*",
      "Resource": "*"
    }
  ],
  "Version": "2012-10-17"
}"#;

#[test]
fn the_human_plan_shows_in_full_the_policy_a_new_lock_makes_permanent() {
    let text = rendered(&new_lock_plan(), Format::Human, &options());
    let indented: String = NEW_LOCK_POLICY
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect();
    let shown = format!(
        "  the policy that initiate_lock sets and complete_lock makes permanent:\n{indented}"
    );
    assert!(text.contains(&shown), "{text}");
}

#[test]
fn the_markdown_plan_shows_in_full_the_policy_a_new_lock_makes_permanent() {
    let text = rendered(&new_lock_plan(), Format::Markdown, &options());
    let shown = format!(
        "<details>\n<summary>For <code>glacier_vault_lock.audit</code>: the policy that \
         <code>initiate_lock</code> sets and <code>complete_lock</code> makes permanent</summary>\n\n\
         ```json\n{NEW_LOCK_POLICY}\n```\n\n</details>\n"
    );
    assert!(text.contains(&shown), "{text}");
}

#[test]
fn a_plan_that_sets_no_policy_shows_none() {
    let mut plan = new_lock_plan();
    plan.resources[0].actions.remove(0);
    for format in [Format::Human, Format::Markdown] {
        let text = rendered(&plan, format, &options());
        assert!(!text.contains("initiate_lock sets"), "{text}");
        assert!(!text.contains("12345678901234567890123"), "{text}");
    }
}

// ---- JSON and its schema -------------------------------------------------------------------

#[test]
fn every_json_plan_validates_against_the_schema() {
    for (name, plan) in all_plans() {
        let value: Value = serde_json::from_str(&rendered(&plan, Format::Json, &options()))
            .unwrap_or_else(|e| panic!("{name}: plan JSON does not parse: {e}"));
        assert_valid_plan_json(&value);
    }
}

#[test]
fn plan_schema_is_valid_draft_2020_12() {
    let schema: Value = serde_json::from_str(PLAN_SCHEMA).expect("schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::draft202012::meta::validate(&schema)
        .expect("schema is valid against the 2020-12 meta-schema");
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/plan.schema.json"
    ))
    .expect("schema/plan.schema.json is readable");
    assert_eq!(
        on_disk, PLAN_SCHEMA,
        "render::PLAN_SCHEMA is the checked-in file"
    );
}

#[test]
fn the_checked_in_plan_schema_is_what_the_types_generate() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/plan.schema.json");
    let generated = digest::pretty_canonical_json(&lockward::plan::schema()) + "\n";
    if std::env::var_os("LOCKWARD_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema/plan.schema.json differs from what the plan types (src/plan/model.rs) generate.\n\
         Regenerate it with `LOCKWARD_UPDATE_SCHEMA=1 cargo test -p lockward --test main render::the_checked_in_plan_schema`, \
         review the diff, and commit it."
    );
}

#[test]
fn the_checked_in_report_schema_is_what_the_types_generate() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
    let generated = digest::pretty_canonical_json(&lockward::report::model::schema()) + "\n";
    if std::env::var_os("LOCKWARD_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema/report.schema.json differs from what the report types (src/report/model.rs) generate.\n\
         Regenerate it with `LOCKWARD_UPDATE_SCHEMA=1 cargo test -p lockward --test main render::the_checked_in_report_schema`, \
         review the diff, and commit it."
    );
}

/// A change that makes a valid plan JSON invalid.
type Breakage = Box<dyn Fn(&mut Value)>;

/// Each broken plan must be refused by the schema: it is precise, not merely well-formed.
#[test]
fn plan_schema_refuses_what_the_format_does_not_allow() {
    let good: Value =
        serde_json::from_str(&rendered(&changes_plan(), Format::Json, &options())).unwrap();
    assert_valid_plan_json(&good);
    let audit = "/resources/0";
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "short digest",
            Box::new(|p| p["digest"] = json!("sha256:3f2a9c1b7d4e")),
        ),
        (
            "uppercase digest",
            Box::new(|p| p["digest"] = json!(format!("sha256:{}", "AB".repeat(32)))),
        ),
        (
            "format version 1",
            Box::new(|p| p["format_version"] = json!("1")),
        ),
        (
            "unknown top-level key",
            Box::new(|p| p["generated_at"] = json!("2026-11-21T09:00:00Z")),
        ),
        (
            "missing summary key",
            Box::new(|p| {
                p["summary"].as_object_mut().unwrap().remove("delayed");
            }),
        ),
        (
            "bad address",
            Box::new(move |p| {
                p.pointer_mut(audit).unwrap()["address"] = json!("glacier_vault_lock.Audit")
            }),
        ),
        (
            "address of another kind",
            Box::new(move |p| {
                p.pointer_mut(audit).unwrap()["address"] = json!("rbin_rule_lock.audit")
            }),
        ),
        (
            "unknown outcome",
            Box::new(move |p| p.pointer_mut(audit).unwrap()["outcome"] = json!("pending")),
        ),
        (
            "unknown action",
            Box::new(move |p| {
                p.pointer_mut("/resources/0/actions/0").unwrap()["action"] = json!("delete_vault")
            }),
        ),
        (
            "action of another kind",
            Box::new(|p| {
                p.pointer_mut("/resources/0/actions/0").unwrap()["action"] = json!("lock_rule")
            }),
        ),
        (
            "irreversible called reversible",
            Box::new(|p| {
                p.pointer_mut("/resources/0/actions/1").unwrap()["reversibility"] =
                    json!("reversible")
            }),
        ),
        (
            "unknown status",
            Box::new(|p| {
                p.pointer_mut("/resources/0/actions/0").unwrap()["status"] = json!("waiting")
            }),
        ),
        (
            "ready with not_before",
            Box::new(|p| {
                p.pointer_mut("/resources/0/actions/0").unwrap()["not_before"] =
                    json!("2026-11-21T12:00:00Z")
            }),
        ),
        (
            "not_before not a time",
            Box::new(|p| {
                p.pointer_mut("/resources/0/actions/1").unwrap()["not_before"] = json!("tomorrow")
            }),
        ),
        (
            "change without a ready action",
            Box::new(|p| {
                p.pointer_mut("/resources/0/actions/0").unwrap()["status"] = json!("deferred")
            }),
        ),
        (
            "noop with actions",
            Box::new(move |p| p.pointer_mut(audit).unwrap()["outcome"] = json!("noop")),
        ),
        (
            "unknown live state",
            Box::new(move |p| p.pointer_mut(audit).unwrap()["live"] = json!({"state": "frozen"})),
        ),
        (
            "a secret in the live value",
            Box::new(|p| {
                p.pointer_mut("/resources/6/live").unwrap()["unlock_code"] =
                    json!("12345-abcde-56789-fghij-01234")
            }),
        ),
    ];
    let mut accepted = Vec::new();
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        if plan_json_errors(&broken).is_empty() {
            accepted.push(what);
        }
    }
    assert!(
        accepted.is_empty(),
        "the schema accepted a plan with: {accepted:?}"
    );
}

/// The desired values in a plan have the shape the config's types give them.
#[test]
fn plan_schema_refuses_desired_values_the_config_does_not_allow() {
    let good: Value =
        serde_json::from_str(&rendered(&changes_plan(), Format::Json, &options())).unwrap();
    assert_valid_plan_json(&good);
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "bad rule id",
            Box::new(|p| {
                p.pointer_mut("/resources/3/desired").unwrap()["rule_id"] = json!("short")
            }),
        ),
        (
            "unlock delay out of range",
            Box::new(|p| {
                p.pointer_mut("/resources/3/desired").unwrap()["unlock_delay_days"] = json!(3)
            }),
        ),
    ];
    let mut accepted = Vec::new();
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        if plan_json_errors(&broken).is_empty() {
            accepted.push(what);
        }
    }
    assert!(
        accepted.is_empty(),
        "the schema accepted a plan with: {accepted:?}"
    );
}

#[test]
fn json_keys_come_in_the_order_of_design_section_6() {
    let text = rendered(&conflicts_plan(), Format::Json, &options());
    let top = [
        "format_version",
        "digest",
        "config_digest",
        "state",
        "summary",
        "resources",
    ];
    assert_in_order(&text, &top.map(|k| format!("\n  \"{k}\":")));
    let summary = [
        "change",
        "noop",
        "blocked",
        "conflict",
        "irreversible",
        "delayed",
    ];
    assert_in_order(&text, &summary.map(|k| format!("\n    \"{k}\":")));
    let resource = [
        "address", "kind", "outcome", "live", "desired", "actions", "messages",
    ];
    assert_in_order(&text, &resource.map(|k| format!("\n      \"{k}\":")));
    let action = ["action", "reversibility", "status", "not_before", "reason"];
    assert_in_order(&text, &action.map(|k| format!("\n          \"{k}\":")));
}

fn assert_in_order(text: &str, keys: &[String]) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(k.as_str())
                .unwrap_or_else(|| panic!("{k:?} not in the JSON"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "keys out of order: {keys:?}"
    );
}

#[test]
fn json_reads_back_into_the_same_plan_with_the_same_digest() {
    for (name, plan) in all_plans() {
        let back: Plan = serde_json::from_str(&rendered(&plan, Format::Json, &options()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, plan, "{name}");
        let again = Plan::new(
            back.config_digest.clone(),
            back.state.clone(),
            back.valid_until,
            back.resources.clone(),
        );
        assert_eq!(
            again.digest, plan.digest,
            "{name}: the digest recomputed from the JSON differs"
        );
    }
}

// ---- the same plan in every format ---------------------------------------------------------

#[test]
fn digest_is_identical_in_every_format() {
    for (name, plan) in all_plans() {
        let json: Value = serde_json::from_str(&rendered(&plan, Format::Json, &options())).unwrap();
        let human = rendered(&plan, Format::Human, &options());
        let markdown = rendered(&plan, Format::Markdown, &options());
        let from_human = line_after(&human, "Digest: ");
        let from_markdown = line_after(&markdown, "Digest: ")
            .trim_matches('`')
            .to_string();
        assert_eq!(json["digest"], plan.digest, "{name}");
        assert_eq!(from_human, plan.digest, "{name}");
        assert_eq!(from_markdown, plan.digest, "{name}");
    }
}

fn line_after(text: &str, prefix: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
        .to_string()
}

#[test]
fn approve_command_names_the_short_digest_and_repeats_the_arguments() {
    let plan = changes_plan();
    let human = rendered(&plan, Format::Human, &options());
    assert!(human.contains(&format!(
        "To apply exactly this plan: lockward apply --approve {} plan.lwplan\n",
        plan.short_digest()
    )));

    let opts = RenderOptions {
        color: false,
        apply: ApplyCommand {
            config: Some("prod/lock ward.yaml".into()),
            state: Some("prod/state.json".into()),
            plan_file: None,
        },
        sealed: None,
        markdown_in_full: false,
    };
    // The plan says which patterns made it, and the command repeats them.
    let plan = plan.with_selection(
        lockward::select::Selection::new(&["glacier_vault_lock.audit".parse().unwrap()], &[])
            .plan_selection(2),
    );
    let expected = format!(
        "lockward apply -c 'prod/lock ward.yaml' --state prod/state.json --target glacier_vault_lock.audit --approve {}",
        plan.short_digest()
    );
    assert!(rendered(&plan, Format::Human, &opts)
        .contains(&format!("To apply exactly this plan: {expected}\n")));
    assert!(rendered(&plan, Format::Markdown, &opts).contains(&format!("```sh\n{expected}\n```\n")));
}

#[test]
fn plans_that_cannot_be_applied_offer_no_approve_command() {
    for plan in [
        conflicts_plan(),
        no_changes_plan(),
        only_blocked_plan(),
        empty_plan(),
    ] {
        for format in [Format::Human, Format::Markdown] {
            let text = rendered(&plan, format, &options());
            assert!(
                !text.contains("--approve"),
                "{format} offers to apply:\n{text}"
            );
        }
    }
    let human = rendered(&conflicts_plan(), Format::Human, &options());
    assert!(human.contains("This plan cannot be applied: 4 conflicts must be resolved first."));
    let human = rendered(&no_changes_plan(), Format::Human, &options());
    assert!(human.contains("\nNo changes. Live lock state matches the configuration.\n"));
}

#[test]
fn summary_line_counts_in_singular_and_plural() {
    use lockward::plan::Summary;
    let one = Summary {
        change: 1,
        noop: 1,
        blocked: 1,
        conflict: 1,
        unknown: 0,
        irreversible: 1,
        delayed: 1,
        lowers_protection: 0,
    };
    assert_eq!(
        render::summary_line(&one),
        "Plan: 1 change (1 irreversible, 1 delayed), 1 unchanged, 1 blocked, 1 conflict."
    );
    let lowering = |n| Summary {
        lowers_protection: n,
        ..one.clone()
    };
    assert_eq!(
        render::summary_line(&lowering(1)),
        "Plan: 1 change (1 irreversible, 1 delayed, 1 lowers protection), 1 unchanged, 1 blocked, 1 conflict."
    );
    assert_eq!(
        render::summary_line(&lowering(2)),
        "Plan: 1 change (1 irreversible, 1 delayed, 2 lower protection), 1 unchanged, 1 blocked, 1 conflict."
    );
    let many = Summary {
        change: 3,
        noop: 2,
        blocked: 1,
        conflict: 0,
        unknown: 0,
        irreversible: 1,
        delayed: 1,
        lowers_protection: 0,
    };
    assert_eq!(
        render::summary_line(&many),
        "Plan: 3 changes (1 irreversible, 1 delayed), 2 unchanged, 1 blocked, 0 conflicts."
    );
    let human = rendered(&changes_plan(), Format::Human, &options());
    assert!(human.contains(
        "\nPlan: 5 changes (1 irreversible, 2 delayed), 2 unchanged, 2 blocked, 0 conflicts.\n"
    ));
}

// ---- colour --------------------------------------------------------------------------------

#[test]
fn colour_appears_only_when_asked_for_and_changes_no_words() {
    let plan = conflicts_plan();
    let plain = rendered(&plan, Format::Human, &options());
    assert!(!plain.contains('\x1b'), "colour without asking:\n{plain}");

    let coloured_options = RenderOptions {
        color: true,
        ..options()
    };
    let coloured = rendered(&plan, Format::Human, &coloured_options);
    assert!(
        coloured.contains("\x1b[1m\x1b[31mIRREVERSIBLE\x1b[0m")
            || coloured.contains("\x1b[1;31mIRREVERSIBLE\x1b[0m"),
        "IRREVERSIBLE is not bold red:\n{coloured:?}"
    );
    assert!(
        coloured.contains("\x1b[33mdelayed\x1b[0m"),
        "delayed is not yellow:\n{coloured:?}"
    );
    assert_eq!(strip_ansi(&coloured), plain, "colour changed the words");

    for format in [Format::Json, Format::Markdown] {
        assert!(
            !rendered(&plan, format, &coloured_options).contains('\x1b'),
            "{format} has colour"
        );
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---- Markdown that cannot break a GitHub comment -------------------------------------------

#[test]
fn markdown_starts_with_its_marker_and_warns_first() {
    let md = rendered(&changes_plan(), Format::Markdown, &options());
    assert!(md.starts_with(&format!("{MARKDOWN_MARKER}\n## lockward plan: ")));
    let caution = md
        .find("> [!CAUTION]")
        .expect("irreversible actions are in a CAUTION alert");
    let table = md.find("| Resource |").expect("a table of resources");
    assert!(caution < table);
    // Irreversible before delayed inside the alert.
    let alert: Vec<&str> = md[caution..table]
        .lines()
        .filter(|l| l.starts_with("> - "))
        .collect();
    let first_delayed = alert
        .iter()
        .position(|l| l.contains("**delayed**"))
        .unwrap();
    assert!(alert[..first_delayed]
        .iter()
        .all(|l| l.contains("**IRREVERSIBLE**")));
    assert!(alert[first_delayed..]
        .iter()
        .all(|l| l.contains("**delayed**")));
    assert_eq!(alert.len(), 6);

    let delayed_only = plan(
        changes_resources()
            .into_iter()
            .filter(|r| r.address.kind == lockward::vocabulary::Kind::RbinRuleLock)
            .collect(),
    );
    let md = rendered(&delayed_only, Format::Markdown, &options());
    assert!(md.contains("> [!WARNING]") && !md.contains("> [!CAUTION]"));
}

#[test]
fn markdown_table_rows_keep_their_five_cells() {
    for (name, plan) in all_plans() {
        let md = rendered(&plan, Format::Markdown, &options());
        for line in md.lines().filter(|l| l.starts_with("| ")) {
            let bars = line
                .char_indices()
                .filter(|&(i, c)| c == '|' && !line[..i].ends_with('\\'))
                .count();
            assert_eq!(bars, 6, "{name}: a value broke a table row:\n{line}");
        }
    }
}

#[test]
fn markdown_escapes_html_and_code_in_values() {
    let md = rendered(&changes_plan(), Format::Markdown, &options());
    assert_only_our_html(&md);
    // The path with a pipe, backticks and HTML is one code span in the table.
    assert!(
        md.contains(r"``/srv/secrets/site\|a `ops` <b>bold</b>.code``"),
        "{md}"
    );
    // The message over two lines stays in its list item, escaped.
    assert!(md.contains(r"Pipes \| and \`backticks\` and &lt;script&gt;alert(1)&lt;/script&gt; in a message<br>over two lines."));
    // The diff's own ``` cannot close its fence.
    let md = rendered(&conflicts_plan(), Format::Markdown, &options());
    assert_only_our_html(&md);
    assert!(
        md.contains("<details>\n<summary>Policy diff for <code>glacier_vault_lock.legal</code>")
    );
    assert!(md.contains("````diff\n--- live policy\n"));
}

/// Outside code spans and fenced blocks, the only HTML is what the renderer writes itself.
fn assert_only_our_html(md: &str) {
    const OURS: [&str; 8] = [
        MARKDOWN_MARKER,
        "<br>",
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<code>",
        "</code>",
    ];
    let prose = outside_code(md);
    for (i, _) in prose.match_indices('<') {
        assert!(
            OURS.iter().any(|tag| prose[i..].starts_with(tag)),
            "raw HTML from a value: {:?}",
            &prose[i..prose.len().min(i + 40)]
        );
    }
}

/// `md` without its fenced code blocks and inline code spans.
fn outside_code(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match fence {
            Some(open) if ticks >= open && line[ticks..].trim().is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None => {
                out.push_str(&without_code_spans(line));
                out.push('\n');
            }
        }
    }
    out
}

/// `line` without its code spans: a run of N backticks up to the next run of exactly N
/// (CommonMark); a backslash-escaped backtick opens nothing.
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            out.push(chars[i]);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let open = run_at(i);
        let mut j = i + open;
        let close = loop {
            if j >= chars.len() {
                break None;
            }
            if chars[j] == '`' {
                let run = run_at(j);
                if run == open {
                    break Some(j + run);
                }
                j += run;
            } else {
                j += 1;
            }
        };
        match close {
            Some(end) => i = end,
            None => {
                out.extend(&chars[i..i + open]);
                i += open;
            }
        }
    }
    out
}

// ---- the state file, for `lockward show` without a PLANFILE ----------------------------------

fn sample_state() -> lockward::state::StateFile {
    use lockward::kinds::glacier::GlacierRecord;
    use lockward::kinds::rbin::RbinRecord;
    use lockward::kinds::snowball::SnowballRecord;
    use lockward::state::{Record, StateFile};
    let mut state = StateFile::empty();
    state.lineage = "6f1c2b0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b".into();
    state.serial = 7;
    let audit: Address = "glacier_vault_lock.audit".parse().unwrap();
    state.set(
        &audit,
        Record::GlacierVaultLock(GlacierRecord {
            target: None,
            physical_key: None,
            vault: "audit-logs".into(),
            lock_id: "AE863rKkWZU53SLW5be4DUcW".into(),
            initiated_at: Some(at("2026-11-20T10:00:00Z")),
            policy_digest: digest::sha256(b"policy"),
            completed_at: None,
        }),
    );
    let ebs: Address = "rbin_rule_lock.ebs_snapshots".parse().unwrap();
    state.set(
        &ebs,
        Record::RbinRuleLock(RbinRecord {
            target: None,
            physical_key: None,
            rule_id: "a1B2c3D4e5F".into(),
            unlock_delay_days: Some(7),
            locked_at: Some(at("2026-11-21T09:00:00Z")),
            unlock_requested_at: None,
        }),
    );
    let site: Address = "snowball_unlock_code.site_a".parse().unwrap();
    state.set(
        &site,
        Record::SnowballUnlockCode(SnowballRecord {
            target: None,
            physical_key: None,
            job_id: "JID123e4567-e89b-12d3-a456-426655440000".into(),
            fingerprint: digest::sha256(b"12345-abcde-56789-fghij-01234"),
            deliver_to: "/srv/secrets/site|a.code".into(),
            delivered_at: at("2026-11-21T09:05:00Z"),
        }),
    );
    state
}

fn rendered_state(state: &lockward::state::StateFile, format: Format) -> String {
    let mut out = Vec::new();
    render::state(
        state,
        std::path::Path::new("lockward.state.json"),
        format,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn state_snapshots() {
    let state = sample_state();
    assert_pinned("state_human", &rendered_state(&state, Format::Human));
    assert_pinned("state_markdown", &rendered_state(&state, Format::Markdown));
    let json = rendered_state(&state, Format::Json);
    let back: lockward::state::StateFile =
        serde_json::from_str(&json).expect("state JSON reads back");
    assert_eq!(back, state);
    let empty = lockward::state::StateFile::empty();
    for format in Format::ALL {
        let text = rendered_state(&empty, format);
        if format != Format::Json {
            assert!(text.contains("No state yet"), "{format}:\n{text}");
        }
    }
    let md = rendered_state(&state, Format::Markdown);
    assert_only_our_html(&md);
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        let bars = line
            .char_indices()
            .filter(|&(i, c)| c == '|' && !line[..i].ends_with('\\'))
            .count();
        assert_eq!(bars, 3, "a value broke a table row:\n{line}");
    }
}

/// `n` Backup vaults each getting a compliance lock (irreversible once its grace ends; the
/// plan marks it irreversible), named `backup_vault_lock.<prefix>NNNN`.
fn many_irreversible(n: usize, prefix: &str) -> Plan {
    let resources = (0..n)
        .map(|i| {
            let mut action = Action::ready(ActionKind::PUT_VAULT_LOCK, "Put the compliance lock.");
            action.reversibility = lockward::plan::Reversibility::Irreversible;
            resource(
                &format!("backup_vault_lock.{prefix}{i:04}"),
                Outcome::Change,
                json!({"state": "present", "lock": null}),
                json!({"vault": format!("vault-{i}"), "mode": "compliance", "min_retention_days": 35, "max_retention_days": 365, "changeable_for_days": 3}),
                vec![action],
                &[],
            )
        })
        .collect();
    Plan::new("sha256:config".into(), StateRef::default(), None, resources)
}

#[test]
fn a_markdown_plan_of_300_irreversible_locks_fits_one_comment_and_names_every_one() {
    let plan = many_irreversible(300, "prod_backups_");
    let text = rendered(&plan, Format::Markdown, &options());
    assert!(text.len() <= render::COMMENT_BUDGET, "{} bytes", text.len());
    assert!(!text.contains("INCOMPLETE"), "{}", &text[..500]);
    assert!(render::markdown_is_complete(&plan, &options()).unwrap());
    // The caution names each address the approval covers, however many were cut from the table.
    let caution_end = text.find("Digest:").unwrap_or(text.len());
    let caution = &text[..caution_end];
    for i in 0..300 {
        let address = format!("`backup_vault_lock.prod_backups_{i:04}`");
        assert!(caution.contains(&address), "{address} is not named");
    }
    assert!(!text.contains("each is marked in the table below"));
}

#[test]
fn a_markdown_plan_too_large_to_name_every_irreversible_action_says_so_first() {
    let long = "a_very_long_resource_name_that_fills_the_comment_quickly_x_";
    let plan = many_irreversible(1500, long);
    let text = rendered(&plan, Format::Markdown, &options());
    assert!(text.len() <= render::COMMENT_BUDGET, "{} bytes", text.len());
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(MARKDOWN_MARKER));
    let first = lines.next().unwrap();
    assert!(
        first.starts_with(
            "INCOMPLETE: the addresses of the 1500 irreversible and 0 delayed action(s) that are ready"
        ),
        "{first}"
    );
    assert!(
        first.contains("lockward show --format markdown PLANFILE"),
        "{first}"
    );
    assert!(!render::markdown_is_complete(&plan, &options()).unwrap());
}

// ---- plans at scale (DESIGN.md section 4) ----------------------------------------------------

/// 100 accounts, numbered from 100000000000.
fn account(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + i as u64)
}

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-south-1"];

/// The instance `<kind>.<name>[<account>/<region>]` of a template, in that account and region.
fn instance(
    declared: &str,
    account: &str,
    region: &str,
    outcome: Outcome,
    live: Value,
    desired: Value,
    actions: Vec<Action>,
) -> ResourcePlan {
    let key = format!("{account}/{region}");
    let mut r = resource(
        &format!("{declared}[{key}]"),
        outcome,
        live,
        desired,
        actions,
        &[],
    );
    r.physical_key = format!("{}:{account}:{region}:{}", r.kind, r.address.name);
    r.key = Some(key);
    r.account = account.to_string();
    r.region = region.to_string();
    r.target.account = account.to_string();
    r.target.region = region.to_string();
    r
}

/// A compliance lock put on `backups-<region>` (irreversible once its 3-day grace ends).
fn put_compliance_lock(account: &str, region: &str) -> ResourcePlan {
    let action = Action::ready(ActionKind::PUT_VAULT_LOCK, "Put the compliance lock.")
        .permanent_after(lockward::plan::PermanentAfter::days(3).unwrap());
    instance(
        "backup_vault_lock.prod_backups",
        account,
        region,
        Outcome::Change,
        json!({"state": "none", "vault_type": "BACKUP_VAULT"}),
        json!({"vault": format!("backups-{region}"), "mode": "compliance", "min_retention_days": 35,
               "max_retention_days": null, "changeable_for_days": 3}),
        vec![action],
    )
}

/// The Glacier policy a template states for `${account}`'s vault `archive`, with `sid`.
fn archive_policy(account: &str, region: &str, sid: &str) -> Value {
    policy_text(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": sid,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "glacier:DeleteArchive",
            "Resource": format!("arn:aws:glacier:{region}:{account}:vaults/archive")
        }]
    }))
}

/// A Glacier lock initiated and completed with `policy` on the vault `archive`.
fn archive_lock(account: &str, policy: Value) -> ResourcePlan {
    instance(
        "glacier_vault_lock.archive",
        account,
        "us-east-1",
        Outcome::Change,
        json!({"state": "none"}),
        json!({"vault": "archive", "account_id": "-", "policy": policy, "state": "locked",
               "min_test_period": null}),
        vec![
            Action::ready(ActionKind::INITIATE_LOCK, "Start the vault lock."),
            Action::ready(ActionKind::COMPLETE_LOCK, "Make the lock policy permanent."),
        ],
    )
}

/// 300 compliance locks (100 accounts × 3 regions of one template), 10 Glacier locks of which
/// 2 set a policy of their own, a Recycle Bin rule locked and an S3 bucket up to date.
fn organisation_plan(prod_backups: impl Fn(&str, &str) -> ResourcePlan) -> Plan {
    let mut resources = Vec::new();
    for i in 0..100 {
        for region in REGIONS {
            resources.push(prod_backups(&account(i), region));
        }
    }
    for i in 0..10 {
        let sid = if i < 8 {
            "deny-deletes"
        } else {
            "deny-deletes-legal"
        };
        let a = account(i);
        resources.push(archive_lock(&a, archive_policy(&a, "us-east-1", sid)));
    }
    resources.push(resource(
        "rbin_rule_lock.ebs",
        Outcome::Change,
        json!({"state": "present", "resource_type": "EBS_SNAPSHOT", "lock_state": null,
               "unlock_delay_days": null, "lock_end_time": null, "resource_tags": 0,
               "exclude_resource_tags": 0}),
        json!({"rule_id": "a1B2c3D4e5F", "state": "locked", "unlock_delay_days": 7}),
        vec![Action::ready(ActionKind::LOCK_RULE, "Lock the rule.")],
        &[],
    ));
    plan(resources)
}

/// The alert of a Markdown plan: from its start to the first table or folded text.
fn alert_of(md: &str) -> &str {
    let end = md.find("\n<details>").unwrap_or(md.len());
    let end = end.min(md.find("\n| Resource").unwrap_or(md.len()));
    &md[..end]
}

#[test]
fn an_organisation_plan_of_300_compliance_locks_fits_one_comment_and_names_every_instance() {
    let plan = organisation_plan(put_compliance_lock);
    let md = rendered(&plan, Format::Markdown, &options());
    assert!(md.len() <= 61_440, "{} bytes", md.len());
    assert_eq!(render::COMMENT_BUDGET, 61_440);
    assert!(render::markdown_is_complete(&plan, &options()).unwrap());
    let alert = alert_of(&md);
    // Every instance of the template, compressed; the Glacier locks that differ in their
    // policy on two lines, each address named.
    assert!(
        alert.contains("> - **IRREVERSIBLE** `put_vault_lock` on `backup_vault_lock.prod_backups[*]` (300 instances in 100 accounts × 3 regions): "),
        "{alert}"
    );
    for i in 0..10 {
        let address = format!("`glacier_vault_lock.archive[{}/us-east-1]`", account(i));
        assert_eq!(alert.matches(&address).count(), 1, "{address}:\n{alert}");
    }
    assert!(
        alert.contains("`complete_lock` on 8 instances in 8 accounts × us-east-1: "),
        "{alert}"
    );
    assert!(
        alert.contains("`complete_lock` on 2 instances in 2 accounts × us-east-1: "),
        "{alert}"
    );
    assert!(alert.contains("**delayed** `lock_rule` on `rbin_rule_lock.ebs`: "));
    // Each distinct policy once, under its SHA-256, with the instances it is set on; each
    // instance's own account and region as names.
    assert_eq!(md.matches("\"Sid\": \"deny-deletes\"").count(), 1, "{md}");
    assert_eq!(md.matches("\"Sid\": \"deny-deletes-legal\"").count(), 1);
    assert!(
        md.contains("arn:aws:glacier:${region}:${account}:vaults/archive"),
        "{md}"
    );
    let policy = md
        .lines()
        .find(|l| l.starts_with("<summary>") && l.contains("for 8 instances"))
        .expect("the policy of 8 instances is shown");
    assert!(policy.contains("<code>sha256:"), "{policy}");
    // The count line of each account and region.
    assert_eq!(md.matches("\n- account 1000000000").count(), 300, "{md}");
    assert!(md.contains(
        "- account 100000000000 in us-east-1: 2 resources, 2 changes (2 irreversible, 0 delayed), 0 unchanged, 0 blocked, 0 conflicts\n"
    ));
    assert_only_our_html(&md);
}

#[test]
fn the_human_plan_groups_by_account_and_region_and_shows_identical_actions_once() {
    let plan = organisation_plan(put_compliance_lock);
    let text = rendered(&plan, Format::Human, &options());
    let (groups, areas) = text
        .split_once("\n\n== ")
        .expect("identical actions, then the accounts and regions");
    assert!(
        groups.starts_with("Identical actions, each planned on several resources:\n  1. put_vault_lock  IRREVERSIBLE: "),
        "{groups}"
    );
    assert!(
        groups.contains("\n     on backup_vault_lock.prod_backups[*]: 300 instances in 100 accounts × 3 regions\n"),
        "{groups}"
    );
    assert!(
        groups.contains("becomes permanent by itself 3 days after it runs"),
        "{groups}"
    );
    // The policy the 8 Glacier locks share, once, with names for each one's own account and
    // region.
    assert_eq!(
        groups.matches("\"Sid\": \"deny-deletes\"").count(),
        1,
        "{groups}"
    );
    assert!(
        groups
            .contains("makes permanent (${account} and ${region} stand for each resource's own):"),
        "{groups}"
    );
    // One count line per account and region (100 × 3, the rule's account too), each
    // resource under its own.
    assert_eq!(text.matches("\n== account ").count(), 301, "{areas}");
    assert!(text.contains(
        "\n== account 100000000000 in us-east-1: 2 resources, 2 changes (2 irreversible, 0 delayed), 0 unchanged, 0 blocked, 0 conflicts ==\n\n# backup_vault_lock.prod_backups[100000000000/us-east-1] will change: put_vault_lock (identical action 1)\n\n# glacier_vault_lock.archive[100000000000/us-east-1] will change: initiate_lock (identical action 2), complete_lock (identical action 3)\n\n=="
    ), "{areas}");
    assert!(text.contains(
        "\n== account 123456789012 in us-east-1: 1 resource, 1 change (0 irreversible, 1 delayed), 0 unchanged, 0 blocked, 0 conflicts ==\n\n# rbin_rule_lock.ebs will change\n"
    ));
}

/// Five accounts of the template get another action: neither action's line claims every
/// instance, and each names its instances one by one.
#[test]
fn instances_of_one_resource_that_differ_are_each_named() {
    let differ = |a: &str| {
        [
            "100000000003",
            "100000000042",
            "100000000077",
            "100000000080",
            "100000000099",
        ]
        .contains(&a)
    };
    let plan = organisation_plan(|a, region| {
        if differ(a) && region == "eu-west-1" {
            let delete = Action::ready(ActionKind::DELETE_VAULT_LOCK, "Remove the lock.")
                .lowering_protection(true);
            instance(
                "backup_vault_lock.prod_backups",
                a,
                region,
                Outcome::Change,
                json!({"state": "governance", "vault_type": "BACKUP_VAULT",
                       "min_retention_days": 35, "max_retention_days": null}),
                json!({"vault": format!("backups-{region}"), "mode": "none"}),
                vec![delete],
            )
        } else {
            put_compliance_lock(a, region)
        }
    });
    let md = rendered(&plan, Format::Markdown, &options());
    assert!(md.len() <= 61_440, "{} bytes", md.len());
    assert!(render::markdown_is_complete(&plan, &options()).unwrap());
    let alert = alert_of(&md);
    assert!(!alert.contains("prod_backups[*]"), "{alert}");
    assert!(
        alert.contains(
            "`put_vault_lock` on 295 instances in 100 accounts, 3 regions (295 of the 300 pairs): "
        ),
        "{alert}"
    );
    assert!(
        alert.contains("> - reversible, **lowers protection** `delete_vault_lock` on 5 instances in 5 accounts × eu-west-1: "),
        "{alert}"
    );
    for i in 0..100 {
        for region in REGIONS {
            let address = format!("`backup_vault_lock.prod_backups[{}/{region}]`", account(i));
            assert_eq!(alert.matches(&address).count(), 1, "{address}");
        }
    }
    // The human view names the group's instances and where the odd ones are.
    let text = rendered(&plan, Format::Human, &options());
    assert!(text.contains("295 instances in 100 accounts, 3 regions (295 of the 300 pairs)"));
    assert!(text.contains("# backup_vault_lock.prod_backups[100000000042/eu-west-1] will change: delete_vault_lock (identical action 2)"), "{text}");
}

/// An instance whose policy names another account than its own is not the same intent as
/// the others': its text is shown apart, naming that account.
#[test]
fn a_policy_that_names_another_account_is_not_taken_for_the_template() {
    let plan = plan(vec![
        archive_lock(
            &account(1),
            archive_policy(&account(1), "us-east-1", "deny-deletes"),
        ),
        archive_lock(
            &account(2),
            archive_policy(&account(2), "us-east-1", "deny-deletes"),
        ),
        archive_lock(
            &account(3),
            archive_policy(&account(1), "us-east-1", "deny-deletes"),
        ),
    ]);
    // Large enough that only the comment's own form fits.
    let mut resources = plan.resources.clone();
    resources.extend(many_irreversible(400, "filler_").resources);
    let plan = self::plan(resources);
    let md = rendered(&plan, Format::Markdown, &options());
    assert!(md.len() <= 61_440, "{} bytes", md.len());
    assert!(
        md.contains("for 2 instances in 2 accounts × us-east-1</summary>"),
        "{md}"
    );
    assert!(md.contains("for 1 instance in account 100000000003 in us-east-1</summary>"));
    assert!(md.contains("arn:aws:glacier:${region}:100000000001:vaults/archive"));
}

/// `lockward show --format markdown` is where an INCOMPLETE comment sends its reader: the
/// whole plan, however long.
#[test]
fn the_markdown_plan_in_full_is_the_whole_plan() {
    let long = "a_very_long_resource_name_that_fills_the_comment_quickly_x_";
    let plan = many_irreversible(1500, long);
    let whole = RenderOptions {
        markdown_in_full: true,
        ..options()
    };
    let md = rendered(&plan, Format::Markdown, &whole);
    assert!(md.len() > 61_440);
    assert!(render::markdown_is_complete(&plan, &whole).unwrap());
    assert_eq!(md.matches("\n#### `backup_vault_lock.").count(), 1500);
}

/// An account or region as a hostile endpoint might name them reaches the count lines and
/// the "how many where" words of a grouped action escaped, in both views and both forms of
/// the Markdown plan.
#[test]
fn hostile_account_and_region_names_in_grouped_words_are_escaped() {
    let hostile = |i: usize| {
        let mut r = put_compliance_lock(&account(i), "us-east-1");
        r.account = format!("<img src=x>{i}|*");
        r.region = "eu-<b>west</b>-1\u{1b}[2J".to_string();
        r
    };
    let small = plan((0..3).map(hostile).collect());
    let mut many: Vec<ResourcePlan> = (0..3).map(hostile).collect();
    many.extend(many_irreversible(400, "filler_").resources);
    for plan in [small, self::plan(many)] {
        let md = rendered(&plan, Format::Markdown, &options());
        assert!(
            md.contains("3 accounts × eu-&lt;b&gt;west&lt;/b&gt;-1"),
            "{md}"
        );
        assert_only_our_html(&md);
        assert!(!md.contains('\u{1b}'));
        let text = rendered(&plan, Format::Human, &options());
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}

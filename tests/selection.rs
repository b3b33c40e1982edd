//! `--target` / `--exclude` patterns and the `unknown` outcome (DESIGN.md sections 2.1 and 6):
//! a resource whose live state cannot be read is planned `unknown` without hiding the others,
//! blocks an apply, and `--exclude` leaves it out so the rest can be planned and applied.

use serde_json::{json, Value};

use crate::support::{rule, vault, Env};

/// A Glacier vault to lock in progress, two Recycle Bin rules to lock, in two regions.
fn project() -> Env {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault("audit-logs")],
        "rbin": [rule("a1B2c3D4e5F", Value::Null, None), rule("Zq8Rt3Lm0Pw", Value::Null, None)],
    }));
    let mut eu = rule("Eu1Rt3Lm0Pw", Value::Null, None);
    eu["region"] = json!("eu-west-1");
    env.seed(json!({"rbin": [eu]}));
    env.write("policies/audit.json", crate::support::POLICY);
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n  \
             eu:\n    region: eu-west-1\n    endpoint_url: {url}\n\
             glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
             state: in_progress\nrbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
             unlock_delay_days: 7\n  amis:\n    rule_id: Zq8Rt3Lm0Pw\n    state: locked\n    \
             unlock_delay_days: 7\n  eu_snapshots:\n    provider: eu\n    rule_id: Eu1Rt3Lm0Pw\n    \
             state: locked\n    unlock_delay_days: 7\n"
        ),
    );
    env
}

fn addresses(plan: &Value) -> Vec<String> {
    plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn plan_json(env: &Env, args: &[&str]) -> (Value, crate::support::Run) {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    let run = env.lockward(&all);
    let plan = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("no plan JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    (plan, run)
}

#[test]
fn patterns_select_by_kind_name_wildcard_provider_and_region() {
    let env = project();
    for (args, expected) in [
        (
            vec!["--target", "rbin_rule_lock"],
            vec![
                "rbin_rule_lock.amis",
                "rbin_rule_lock.eu_snapshots",
                "rbin_rule_lock.snapshots",
            ],
        ),
        (
            vec!["--target", "*.audit"],
            vec!["glacier_vault_lock.audit"],
        ),
        (
            vec!["--target", "region:eu-west-1"],
            vec!["rbin_rule_lock.eu_snapshots"],
        ),
        (
            vec![
                "--target",
                "provider:default",
                "--exclude",
                "rbin_rule_lock.*",
            ],
            vec!["glacier_vault_lock.audit"],
        ),
        (
            vec![
                "--exclude",
                "rbin_rule_lock.amis",
                "--exclude",
                "region:eu-west-1",
            ],
            vec!["glacier_vault_lock.audit", "rbin_rule_lock.snapshots"],
        ),
    ] {
        let calls = env.calls().len();
        let (plan, run) = plan_json(&env, &args);
        run.success();
        assert_eq!(addresses(&plan), expected, "{args:?}");
        // Unselected resources are not read.
        let read: Vec<String> = env.calls()[calls..]
            .iter()
            .filter(|c| c["operation"] == "GetRule")
            .map(|c| {
                c["params"]["identifier"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(
            read.len(),
            expected.iter().filter(|a| a.starts_with("rbin")).count(),
            "{args:?}: {read:?}"
        );
    }
}

#[test]
fn a_pattern_that_matches_nothing_is_an_error_naming_the_closest_and_reading_nothing() {
    let env = project();
    for (args, closest) in [
        (
            vec!["--target", "rbin_rule_lock.snapshot"],
            "rbin_rule_lock.snapshots",
        ),
        (vec!["--exclude", "provider:eu-west"], "provider:eu"),
        (vec!["--target", "region:eu-west-2"], "region:eu-west-1"),
    ] {
        let mut all = vec!["plan"];
        all.extend_from_slice(&args);
        env.lockward(&all)
            .code(1)
            .stderr_has("matches no resource")
            .stderr_has(&format!("the closest is `{closest}`"));
    }
    env.lockward(&["plan", "--target", "account:123456789012"])
        .code(1)
        .stderr_has("account:123456789012");
    assert!(env.calls().is_empty(), "{:#?}", env.calls());
}

#[test]
fn an_unreadable_resource_is_unknown_the_others_plan_and_exclude_applies_the_rest() {
    let env = project();
    // Every read of one rule is refused; the other resources answer.
    env.faults(
        json!({"rules": [{"operation": "GetVaultLock", "kind": "error",
                                 "status": 403, "code": "AccessDeniedException", "times": 1000}]}),
    );
    let (plan, run) = plan_json(&env, &[]);
    run.code(1)
        .stderr_has("glacier_vault_lock.audit")
        .stderr_has("AccessDeniedException");
    assert_eq!(plan["summary"]["unknown"], 1, "{plan:#}");
    let outcome = |address: &str| {
        plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["outcome"].clone())
    };
    assert_eq!(outcome("glacier_vault_lock.audit"), Some(json!("unknown")));
    assert_eq!(outcome("rbin_rule_lock.snapshots"), Some(json!("change")));
    assert_eq!(outcome("rbin_rule_lock.amis"), Some(json!("change")));
    let audit = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "glacier_vault_lock.audit")
        .unwrap();
    assert_eq!(audit["live"]["state"], "unknown");
    assert_eq!(audit["live"]["error"]["code"], "AccessDeniedException");
    assert_eq!(audit["live"]["error"]["service"], "glacier");
    assert!(audit["actions"].as_array().unwrap().is_empty());

    // The human plan shows the others and says what to do.
    env.lockward(&["plan"])
        .code(1)
        .stdout_has("glacier_vault_lock.audit could not be read")
        .stdout_has("rbin_rule_lock.snapshots will change")
        .stdout_has("leave it out with --exclude");
    // Not saved, not applied.
    env.lockward(&["plan", "--out", "p.lwplan"])
        .code(1)
        .stderr_has("could not be read, so it was not saved");
    assert!(!env.path("p.lwplan").exists());
    let digest = plan["digest"].as_str().unwrap().to_string();
    env.lockward(&["apply", "--approve", &digest])
        .code(1)
        .stderr_has("glacier_vault_lock.audit could not be read, so nothing was applied")
        .stderr_has("lockward plan --exclude glacier_vault_lock.audit");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );

    // Left out, the rest is planned and applied; the hint carries the exclusion.
    let (rest, run) = plan_json(&env, &["--exclude", "glacier_vault_lock.audit"]);
    run.success();
    assert_eq!(rest["summary"]["unknown"], 0);
    assert!(!addresses(&rest).contains(&"glacier_vault_lock.audit".to_string()));
    env.lockward(&["plan", "--exclude", "glacier_vault_lock.audit"])
        .success()
        .stdout_has("--exclude glacier_vault_lock.audit --approve");
    let digest = rest["digest"].as_str().unwrap().to_string();
    // The approval of the plan without it is no approval of a plan with it.
    env.lockward(&["apply", "--approve", &digest]).code(1);
    env.lockward(&[
        "apply",
        "--exclude",
        "rbin_rule_lock.amis",
        "--approve",
        &digest,
    ])
    .code(1);
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    env.lockward(&[
        "apply",
        "--exclude",
        "glacier_vault_lock.audit",
        "--approve",
        &digest,
    ])
    .success();
    let mut mutating = env.mutating_calls();
    mutating.sort();
    assert_eq!(mutating, ["LockRule", "LockRule", "LockRule"]);
}

#[test]
fn a_provider_that_cannot_be_reached_makes_only_its_resources_unknown() {
    let env = project();
    // The eu provider's endpoint answers nothing: neither STS nor the Recycle Bin.
    let config = env.read("lockward.yaml");
    let url = env.emulator.url();
    let broken = config.replacen(
        &format!("eu:\n    region: eu-west-1\n    endpoint_url: {url}"),
        "eu:\n    region: eu-west-1\n    endpoint_url: http://127.0.0.1:9",
        1,
    );
    assert_ne!(broken, config);
    env.write("lockward.yaml", &broken);
    let (plan, run) = plan_json(&env, &[]);
    run.code(1).stderr_has("provider `eu`");
    let unknown: Vec<String> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "unknown")
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(unknown, ["rbin_rule_lock.eu_snapshots"], "{plan:#}");
    assert_eq!(plan["summary"]["change"], 3, "{plan:#}");
    env.lockward(&["plan"])
        .code(1)
        .stdout_has("rbin_rule_lock.eu_snapshots could not be read\n  in an account STS did not name, in eu-west-1");
    // `region:` leaves the whole region out.
    plan_json(&env, &["--exclude", "region:eu-west-1"])
        .1
        .success();
}

#[test]
fn a_report_gives_an_unreadable_resource_the_verdict_unknown_and_goes_on() {
    let env = project();
    env.faults(
        json!({"rules": [{"operation": "GetVaultLock", "kind": "error",
                                 "status": 403, "code": "AccessDeniedException", "times": 1000}]}),
    );
    let run = env.lockward(&["report", "--format", "json"]);
    run.success()
        .stderr_has("warning: could not read the live state from AWS");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let verdicts: Vec<(String, String)> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(verdicts.len(), 4, "{verdicts:?}");
    assert!(verdicts.contains(&("glacier_vault_lock.audit".into(), "unknown".into())));
    assert_eq!(report["summary"]["unknown"], 1);
    assert_eq!(report["summary"]["pending"], 3);
    // `--fail-on unknown` fails on it; the other verdicts do not count it.
    env.lockward(&["report", "--fail-on", "unknown"])
        .code(1)
        .stderr_has("1 unknown (--fail-on unknown)");
    env.lockward(&["report", "--fail-on", "violation"])
        .success();
    env.lockward(&["report"])
        .success()
        .stdout_has("**UNKNOWN**");
}

//! `lockward report`'s discovery through the real binary: every lock that exists in a configured
//! account and region is listed, whatever resource type its Recycle Bin rule retains.

use serde_json::{json, Value};

use crate::support::{rule, vault, vault_locked, Env, POLICY};

/// A locked rule of `resource_type` that the config does not declare.
fn locked_rule(id: &str, resource_type: &str) -> Value {
    let mut r = rule(id, json!("locked"), Some(9));
    r["resource_type"] = json!(resource_type);
    r
}

#[test]
fn report_lists_an_undeclared_lock_of_every_recycle_bin_resource_type() {
    let env = Env::new();
    env.seed(json!({"rbin": [
        locked_rule("SnapRule001", "EBS_SNAPSHOT"),
        locked_rule("AmiRule0001", "EC2_IMAGE"),
        locked_rule("VolRule0001", "EBS_VOLUME"),
        rule("Declared001", Value::Null, None),
    ]}));
    // Discovery searches the kinds the config uses.
    env.config("rbin_rule_lock:\n  kept:\n    rule_id: Declared001\n    state: unlocked\n");
    let run = env.lockward(&["report", "--format", "json"]);
    run.success();
    let report: Value = serde_json::from_str(&run.stdout).expect("report JSON");
    let mut found: Vec<(String, String)> = report["unmanaged"]
        .as_array()
        .expect("an unmanaged list")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap_or_default().to_string(),
                u["details"]["resource_type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("AmiRule0001", "EC2_IMAGE"),
            ("SnapRule001", "EBS_SNAPSHOT"),
            ("VolRule0001", "EBS_VOLUME"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string())),
        "{}",
        run.stdout
    );
    let listed: Vec<String> = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "ListRules")
        .map(|c| {
            c["params"]["ResourceType"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(listed.contains(&"EBS_VOLUME".to_string()), "{listed:?}");
}

/// More vaults than one ListVaults page (the emulator's default is 10) and more rules than one
/// ListRules page (1,000): discovery follows `Marker` and `NextToken` to the last page, and
/// every lock on every page is listed.
#[test]
fn report_lists_the_locks_on_every_page_of_vaults_and_rules() {
    let env = Env::new();
    const VAULTS: usize = 23;
    const RULES: usize = 1_003;
    // Locks on the first, a middle and the last page; the other vaults have none.
    let locked_vaults = [0usize, 1, 12, 21, 22];
    let vaults: Vec<Value> = (0..VAULTS)
        .map(|i| {
            let name = format!("page-vault-{i:02}");
            if locked_vaults.contains(&i) {
                vault_locked(&name, "Locked", POLICY, "2026-06-01T00:00:00Z")
            } else {
                vault(&name)
            }
        })
        .collect();
    // Rules sort by identifier; locked ones at both ends and across the page boundary.
    let locked_rules = [0usize, 999, 1_000, 1_002];
    let rules: Vec<Value> = (0..RULES)
        .map(|i| {
            let id = format!("R{i:010}");
            if locked_rules.contains(&i) {
                locked_rule(&id, "EBS_SNAPSHOT")
            } else {
                rule(&id, Value::Null, None)
            }
        })
        .collect();
    env.seed(json!({"glacier": vaults, "rbin": rules}));
    // Discovery searches the kinds the config uses: one unlocked vault and rule declared.
    env.config(&format!(
        "glacier_vault_lock:\n  kept:\n    vault: page-vault-02\n    state: unlocked\n    \
         policy: '{POLICY}'\nrbin_rule_lock:\n  kept:\n    rule_id: R0000000002\n    \
         state: unlocked\n"
    ));
    let run = env.lockward(&["report", "--format", "json"]);
    run.success();
    let report: Value = serde_json::from_str(&run.stdout).expect("report JSON");
    let mut found: Vec<String> = report["unmanaged"]
        .as_array()
        .expect("an unmanaged list")
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default().to_string())
        .collect();
    found.sort();
    let mut expected: Vec<String> = locked_vaults
        .iter()
        .map(|i| format!("page-vault-{i:02}"))
        .chain(locked_rules.iter().map(|i| format!("R{i:010}")))
        .collect();
    expected.sort();
    assert_eq!(found, expected, "{}", run.stdout);
    assert_eq!(
        report["discovery"][0]["listed"]["glacier_vault_lock"],
        json!(VAULTS),
        "{:#}",
        report["discovery"]
    );

    // The page calls: three ListVaults (10 + 10 + 3), each after the first with the marker
    // the one before it returned; two ListRules of EBS_SNAPSHOT, the second with a NextToken.
    let calls = env.calls();
    let vault_pages: Vec<&Value> = calls
        .iter()
        .filter(|c| c["operation"] == "ListVaults")
        .collect();
    assert_eq!(vault_pages.len(), 3, "{vault_pages:#?}");
    assert!(
        vault_pages[0]["params"]["marker"].is_null(),
        "{vault_pages:#?}"
    );
    for page in &vault_pages[1..] {
        assert!(
            page["params"]["marker"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "a later ListVaults page without a marker: {page:#}"
        );
    }
    let rule_pages: Vec<&Value> = calls
        .iter()
        .filter(|c| c["operation"] == "ListRules" && c["params"]["ResourceType"] == "EBS_SNAPSHOT")
        .collect();
    assert_eq!(rule_pages.len(), 2, "{rule_pages:#?}");
    assert!(rule_pages[0]["params"]["NextToken"].is_null());
    assert!(
        rule_pages[1]["params"]["NextToken"].is_string(),
        "{:#}",
        rule_pages[1]
    );
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn a_report_on_backup_and_s3_locks_asks_nothing_of_glacier_or_the_recycle_bin() {
    let env = Env::new();
    env.seed(json!({
        "glacier": [vault_locked("undeclared-vault", "Locked", POLICY, "2026-06-01T00:00:00Z")],
        "rbin": [locked_rule("Undeclared1", "EBS_SNAPSHOT")],
        "backup": [{"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
                    "recovery_points": 0},
                   {"region": "us-east-1", "vault": "other-backups", "vault_type": "BACKUP_VAULT",
                    "recovery_points": 0,
                    "lock": {"min_retention_days": 7, "max_retention_days": 30}}],
        "s3": [{"region": "us-east-1", "bucket": "trade-records"}],
    }));
    env.config(
        "backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: none\n\
         s3_object_lock:\n  trades:\n    bucket: trade-records\n    object_lock: disabled\n",
    );
    let run = env.lockward(&["report", "--format", "json"]);
    run.success();
    let services: std::collections::BTreeSet<String> = env
        .calls()
        .iter()
        .map(|c| c["service"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        !services.contains("glacier") && !services.contains("rbin"),
        "{services:?}"
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("report JSON");
    let unmanaged: Vec<&str> = report["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(unmanaged, ["other-backups"], "{}", run.stdout);
    assert_eq!(
        report["discovery"][0]["listed"],
        json!({"backup_vault_lock": 2, "s3_object_lock": 1}),
        "{:#}",
        report["discovery"]
    );
}

//! `lockward report`'s discovery through the real binary: every lock that exists in a configured
//! account and region is listed, whatever resource type its Recycle Bin rule retains.

use serde_json::{json, Value};

use crate::support::{rule, Env};

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
    ]}));
    env.config("");
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
                u["resource_type"].as_str().unwrap_or_default().to_string(),
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

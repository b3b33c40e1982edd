//! Fixtures shared by the end-to-end benchmark and the micro-benchmarks: a project of N
//! resources of all five kinds, as config text and as the emulator seed that matches it.

use std::fmt::Write;

use serde_json::{json, Value};

/// The vault lock policy every generated vault uses.
pub const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Principal":"*","Effect":"Deny","Action":"glacier:DeleteArchive","Resource":"*"}]}"#;

/// What the generated resources ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// A fifth of each kind, in a realistic spread of live states: some changes, mostly no-ops.
    AllKinds,
    /// Only Glacier vaults without a lock, desired `in_progress`: every action is a reversible
    /// `initiate_lock`.
    ReversibleInitiates,
}

/// The resources: their config body (after `version` and `providers`) and the emulator seed.
pub fn project(n: usize, mix: Mix) -> (String, Value) {
    let mut yaml = String::new();
    let (mut vaults, mut rules, mut jobs, mut backups, mut buckets) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (g, r, b, o) = match mix {
        Mix::AllKinds => (n.div_ceil(5), n / 5, n / 5, n / 5),
        Mix::ReversibleInitiates => (n, 0, 0, 0),
    };
    let s = n - g - r - b - o;
    yaml.push_str("glacier_vault_lock:\n");
    for i in 0..g {
        let state = if mix == Mix::ReversibleInitiates || i % 2 == 0 {
            "in_progress"
        } else {
            "locked"
        };
        let _ = write!(
            yaml,
            "  v{i}:\n    vault: vault-{i}\n    policy_file: policy.json\n    state: {state}\n"
        );
        let mut vault = json!({"region": "us-east-1", "vault": format!("vault-{i}")});
        if mix == Mix::AllKinds && i % 2 == 1 {
            vault["lock"] = json!({"state": "Locked", "policy": POLICY, "lock_id": format!("LOCK{i}"), "created": "2026-01-01T00:00:00Z"});
        }
        vaults.push(vault);
    }
    if r > 0 {
        yaml.push_str("rbin_rule_lock:\n");
    }
    for i in 0..r {
        let id = format!("r{i:010}");
        let _ = write!(
            yaml,
            "  r{i}:\n    rule_id: {id}\n    state: locked\n    unlock_delay_days: 7\n"
        );
        let lock_state = if i % 2 == 0 {
            Value::Null
        } else {
            json!("locked")
        };
        rules.push(json!({"region": "us-east-1", "identifier": id, "resource_type": "EBS_SNAPSHOT", "retention_days": 30,
            "resource_tags": [], "exclude_resource_tags": [], "lock_state": lock_state, "unlock_delay_days": 7}));
    }
    if b > 0 {
        yaml.push_str("backup_vault_lock:\n");
    }
    for i in 0..b {
        // Half governance locks already in place (no-ops), half compliance locks in their
        // grace period whose retention changes (an irreversible put).
        let (mode, min, extra) = if i % 2 == 0 {
            ("governance", 7, "")
        } else {
            ("compliance", 35, "    changeable_for_days: 3\n")
        };
        let _ = write!(
            yaml,
            "  b{i}:\n    vault: backup-{i}\n    mode: {mode}\n    min_retention_days: {min}\n{extra}"
        );
        let lock = if i % 2 == 0 {
            json!({"min_retention_days": 7})
        } else {
            json!({"min_retention_days": 30, "lock_date": "2099-01-01T00:00:00Z"})
        };
        backups.push(json!({"region": "us-east-1", "vault": format!("backup-{i}"), "lock": lock}));
    }
    if o > 0 {
        yaml.push_str("s3_object_lock:\n");
    }
    for i in 0..o {
        // Half locked with the desired default already (no-ops, two reads), half versioned
        // without Object Lock (an irreversible enable, three reads).
        let _ = write!(
            yaml,
            "  o{i}:\n    bucket: bucket-{i:05}\n    object_lock: enabled\n    default_retention: {{ mode: governance, days: 30 }}\n"
        );
        let mut bucket = json!({"region": "us-east-1", "bucket": format!("bucket-{i:05}"), "versioning": "Enabled"});
        if i % 2 == 0 {
            bucket["object_lock"] =
                json!({"enabled": true, "default_retention": {"mode": "GOVERNANCE", "days": 30}});
        }
        buckets.push(bucket);
    }
    if s > 0 {
        yaml.push_str("snowball_unlock_code:\n");
    }
    for i in 0..s {
        let id = format!("JID{:08x}-0000-4000-8000-{:012x}", i, i);
        let _ = write!(
            yaml,
            "  s{i}:\n    job_id: {id}\n    deliver_to: codes/s{i}.code\n"
        );
        let state = if i % 2 == 0 {
            "WithCustomer"
        } else {
            "InTransitToCustomer"
        };
        jobs.push(json!({"region": "us-east-1", "job_id": id, "state": state, "created": "2026-11-01T00:00:00Z",
            "unlock_code": format!("{:05}-abcde-{:05}-fghij-01234", i % 100_000, (i / 100_000) % 100_000)}));
    }
    (
        yaml,
        json!({"account_id": "123456789012", "glacier": vaults, "rbin": rules, "snowball": jobs, "backup": backups, "s3": buckets}),
    )
}

/// A whole config file pointing the default provider at `endpoint`.
pub fn config_text(body: &str, endpoint: &str) -> String {
    format!("version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {endpoint}\n{body}")
}

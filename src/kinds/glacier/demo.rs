//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::fs;
use std::path::Path;

use jiff::SignedDuration;
use jiff::Timestamp;
use serde_json::{json, Value};

/// The lock policy of demo vault `vault`: it denies deleting archives from that vault, named
/// by its own ARN (a policy naming another vault would protect nothing here).
fn demo_policy(vault: &str) -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "deny-archive-deletion",
      "Principal": "*",
      "Effect": "Deny",
      "Action": "glacier:DeleteArchive",
      "Resource": "arn:aws:glacier:us-east-1:123456789012:vaults/{vault}"
    }}
  ]
}}
"#
    )
}

/// Each demo vault and the file its policy is written to.
const VAULTS: [(&str, &str); 3] = [
    ("audit-logs", "policies/audit.json"),
    ("staging-archive", "policies/staging.json"),
    ("legal-hold", "policies/legal-hold.json"),
];

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"glacier_vault_lock:
  audit:                       # no lock yet: initiate and complete (irreversible)
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
  staging:                     # try a policy for up to 24 h before deciding
    vault: staging-archive
    policy_file: policies/staging.json
    state: in_progress
  legal_hold:                  # already locked with this policy: nothing to do
    vault: legal-hold
    policy_file: policies/legal-hold.json
    state: locked
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("policies"))?;
    for (vault, file) in VAULTS {
        fs::write(dir.join(file), demo_policy(vault))?;
    }
    Ok(())
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(now: Timestamp) -> Value {
    let policy: Value = serde_json::from_str(&demo_policy("legal-hold")).unwrap_or_default();
    let policy_text = crate::digest::canonical_json(&policy);
    let days_ago = |d: i64| (now - SignedDuration::from_hours(24 * d)).to_string();
    json!([
        {"region": "us-east-1", "vault": "audit-logs"},
        {"region": "us-east-1", "vault": "staging-archive"},
        {"region": "us-east-1", "vault": "legal-hold",
         "lock": {"state": "Locked", "policy": policy_text, "lock_id": "AE863rKkWZU53SLW5be4DUcW", "created": days_ago(90)}}
    ])
}

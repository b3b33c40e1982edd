//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::fs;
use std::path::Path;

use jiff::SignedDuration;
use jiff::Timestamp;
use serde_json::{json, Value};

/// The policy every demo vault is locked with.
const DEMO_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "deny-archive-deletion",
      "Principal": "*",
      "Effect": "Deny",
      "Action": "glacier:DeleteArchive",
      "Resource": "arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs"
    }
  ]
}
"#;

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"glacier_vault_lock:
  audit:                       # no lock yet: initiate and complete (irreversible)
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
  staging:                     # try a policy for up to 24 h before deciding
    vault: staging-archive
    policy_file: policies/audit.json
    state: in_progress
  legal_hold:                  # already locked with this policy: nothing to do
    vault: legal-hold
    policy_file: policies/audit.json
    state: locked
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("policies"))?;
    fs::write(dir.join("policies/audit.json"), DEMO_POLICY)
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(now: Timestamp) -> Value {
    let policy: Value = serde_json::from_str(DEMO_POLICY).unwrap_or_default();
    let policy_text = crate::digest::canonical_json(&policy);
    let days_ago = |d: i64| (now - SignedDuration::from_hours(24 * d)).to_string();
    json!([
        {"region": "us-east-1", "vault": "audit-logs"},
        {"region": "us-east-1", "vault": "staging-archive"},
        {"region": "us-east-1", "vault": "legal-hold",
         "lock": {"state": "Locked", "policy": policy_text, "lock_id": "AE863rKkWZU53SLW5be4DUcW", "created": days_ago(90)}}
    ])
}

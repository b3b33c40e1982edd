//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::path::Path;

use jiff::SignedDuration;
use jiff::Timestamp;
use serde_json::{json, Value};

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"rbin_rule_lock:
  ebs_snapshots:               # never locked: lock it (unlocking takes 7 days)
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 7
  ami_images:                  # an unlock is pending: re-lock it before it takes effect
    rule_id: Z9y8X7w6V5u
    state: locked
    unlock_delay_days: 14
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(now: Timestamp) -> Value {
    let days_ahead = |d: i64| (now + SignedDuration::from_hours(24 * d)).to_string();
    json!([
        {"region": "us-east-1", "identifier": "a1B2c3D4e5F", "resource_type": "EBS_SNAPSHOT", "retention_days": 30,
         "resource_tags": [], "exclude_resource_tags": [], "lock_state": null},
        {"region": "us-east-1", "identifier": "Z9y8X7w6V5u", "resource_type": "EC2_IMAGE", "retention_days": 90,
         "resource_tags": [], "exclude_resource_tags": [], "lock_state": "pending_unlock", "unlock_delay_days": 14,
         "lock_end_time": days_ahead(3)}
    ])
}

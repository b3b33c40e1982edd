//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::path::Path;

use jiff::Timestamp;
use serde_json::{json, Value};

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"ebs_snapshot_lock:
  legal_hold:                  # every snapshot tagged legal-hold=true, found when planning: compliance with a 24-hour cool-off
    select: { tags: { legal-hold: "true" } }
    mode: compliance
    duration_days: 2555
    cool_off_hours: 24
  nightly:                     # a listed snapshot: a governance lock (reversible)
    snapshots: [snap-0123456789abcdef0]
    mode: governance
    duration_days: 30
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(_now: Timestamp) -> Value {
    json!([
        {"region": "us-east-1", "snapshot_id": "snap-0123456789abcdef0", "state": "completed"},
        {"region": "us-east-1", "snapshot_id": "snap-0aaaaaaaaaaaaaaa1", "state": "completed",
         "tags": [{"key": "legal-hold", "value": "true"}]},
        {"region": "us-east-1", "snapshot_id": "snap-0aaaaaaaaaaaaaaa2", "state": "completed",
         "tags": [{"key": "legal-hold", "value": "true"}]}
    ])
}

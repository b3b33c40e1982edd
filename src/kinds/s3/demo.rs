//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::path::Path;

use jiff::Timestamp;
use serde_json::{json, Value};

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"s3_object_lock:
  records:                     # an unversioned bucket: versioning, then Object Lock (irreversible), then its default
    bucket: acme-records-2026
    object_lock: enabled
    default_retention: { mode: governance, days: 30 }
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(_now: Timestamp) -> Value {
    json!([
        {"region": "us-east-1", "bucket": "acme-records-2026"}
    ])
}

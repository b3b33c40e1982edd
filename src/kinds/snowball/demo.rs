//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::fs;
use std::path::Path;

use jiff::SignedDuration;
use jiff::Timestamp;
use serde_json::{json, Value};

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"snowball_unlock_code:
  site_a:                      # the device is with us: retrieve the code (irreversible)
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    deliver_to: secrets/site-a.code
    manifest_path: manifests/site-a.bin
  site_b:                      # still in transit: blocked until it arrives
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/site-b.code
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("secrets"))?;
    fs::create_dir_all(dir.join("manifests"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join("secrets"), fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(now: Timestamp) -> Value {
    let days_ago = |d: i64| (now - SignedDuration::from_hours(24 * d)).to_string();
    json!([
        {"region": "us-east-1", "job_id": "JID123e4567-e89b-12d3-a456-426655440000", "state": "WithCustomer",
         "created": days_ago(20), "unlock_code": "7k3p9-x2m4q-8v5n1-r6t0w-c9b2h"},
        {"region": "us-east-1", "job_id": "JID9f8e7d6c-5b4a-4321-8fed-cba987654321", "state": "InTransitToCustomer",
         "created": days_ago(2), "unlock_code": "q1w2e-r3t4y-u5i6o-p7a8s-d9f0g"}
    ])
}

//! What `lockward demo` declares of this kind, the files its resources need, and what the
//! emulator is seeded with for it.

use std::path::Path;

use jiff::SignedDuration;
use jiff::Timestamp;
use serde_json::{json, Value};

/// The kind's part of the demo configuration.
pub(crate) const CONFIG: &str = r#"backup_vault_lock:
  prod_backups:                # a compliance lock in its grace period: the plan says when it becomes immutable
    vault: prod-backups
    mode: compliance
    min_retention_days: 35
    max_retention_days: 365
    changeable_for_days: 3
  staging_backups:             # a governance lock whose retention changes (reversible)
    vault: staging-backups
    mode: governance
    min_retention_days: 14
  org_backups:                 # one lock in each production account and region of the organisation
    provider: org
    vault: "backups-${region}"
    mode: governance
    min_retention_days: 7
"#;

/// Writes the files the demo resources need into `dir`.
pub(crate) fn files(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The emulator's seed for the demo resources, as of `now`.
pub(crate) fn seed(now: Timestamp) -> Value {
    let days_ahead = |d: i64| (now + SignedDuration::from_hours(24 * d)).to_string();
    let mut vaults = vec![];
    for account in ["111111111111", "222222222222", "333333333333"] {
        for region in ["us-east-1", "eu-west-1"] {
            vaults.push(json!({"account_id": account, "region": region, "vault": format!("backups-{region}"),
                               "vault_type": "BACKUP_VAULT", "recovery_points": 0}));
        }
    }
    let mut out = json!([
        {"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT", "recovery_points": 0,
         "lock": {"min_retention_days": 35, "max_retention_days": 365, "lock_date": days_ahead(2)}},
        {"region": "us-east-1", "vault": "staging-backups", "vault_type": "BACKUP_VAULT", "recovery_points": 0,
         "lock": {"min_retention_days": 7}}
    ]);
    if let Some(list) = out.as_array_mut() {
        list.extend(vaults);
    }
    out
}

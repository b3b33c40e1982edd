//! The organisation scenario (DESIGN.md section 2.1): one Backup Vault Lock and one S3 bucket
//! per account and region, from one template, for `accounts` member accounts in one unit of
//! an organisation and `regions` regions. `plan` reads the unit from AWS Organizations, assumes
//! the member role once per account, and plans every instance; `report` reads them again and
//! discovers what the kinds in use hold; the Markdown plan must fit one GitHub comment.

use serde_json::{json, Value};

use super::Bed;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// A member account's id.
fn account(i: usize) -> String {
    format!("4{i:011}")
}

/// The bed: the organisation, each account's vaults and buckets, and the config.
pub fn bed(accounts: usize, regions: usize, latency_ms: u64) -> anyhow::Result<Bed> {
    let regions = &REGIONS[..regions.clamp(1, REGIONS.len())];
    let mut members = vec![json!({"id": "123456789012", "name": "management"})];
    let (mut vaults, mut buckets) = (Vec::new(), Vec::new());
    for i in 0..accounts {
        let id = account(i);
        members.push(json!({"id": id, "name": format!("prod-{i}"), "parent": "ou-ab12-benchprd"}));
        for region in regions {
            vaults.push(
                json!({"account_id": id, "region": region, "vault": format!("backups-{region}"),
                               "vault_type": "BACKUP_VAULT", "recovery_points": 0}),
            );
            buckets.push(json!({"account_id": id, "region": region,
                                "bucket": format!("records-{id}-{region}"), "versioning": "Enabled"}));
        }
    }
    let seed = json!({
        "organizations": {"id": "o-benchmark1", "management_account": "123456789012", "root": "r-ab12",
            "ous": [{"id": "ou-ab12-benchprd", "name": "prod"}], "accounts": members},
        "backup": vaults,
        "s3": buckets,
    });
    let bed = Bed::seeded(seed, latency_ms)?;
    let url = bed.emulator.url();
    let config = format!(
        "version: 1\naccounts:\n  prod:\n    organization:\n      provider: management\n      \
         parents: [ou-ab12-benchprd]\nproviders:\n  management:\n    region: us-east-1\n    \
         endpoint_url: {url}\n  prod:\n    for_each: {{ accounts: prod, regions: [{}] }}\n    \
         endpoint_url: {url}\n    assume_role: \"arn:aws:iam::${{account}}:role/lockward\"\n\
         backup_vault_lock:\n  prod_backups:\n    provider: prod\n    vault: \"backups-${{region}}\"\n    \
         mode: compliance\n    min_retention_days: 35\n    changeable_for_days: 3\n\
         s3_object_lock:\n  records:\n    provider: prod\n    bucket: \"records-${{account}}-${{region}}\"\n    \
         object_lock: enabled\n    default_retention: {{ mode: governance, days: 30 }}\n",
        regions.join(", ")
    );
    std::fs::write(bed.dir.path().join("lockward.yaml"), config)?;
    Ok(bed)
}

/// The byte length of the Markdown plan, and whether it says it is incomplete.
pub fn markdown_size(stdout: &str) -> (usize, bool) {
    (
        stdout.len(),
        stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("INCOMPLETE:")),
    )
}

/// The instances a JSON plan holds.
pub fn instances(stdout: &str) -> usize {
    serde_json::from_str::<Value>(stdout)
        .ok()
        .and_then(|v| v["resources"].as_array().map(Vec::len))
        .unwrap_or(0)
}

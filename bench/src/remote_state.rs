//! The S3 state backend scenario: apply of N reversible actions with the state, its lock and
//! the run's journal kept in the emulator's S3 (`backend: s3`). Every state and journal write
//! is a request the ideal counts, like the AWS calls.

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

use super::{Bed, Measured};

/// The bed of the reversible-apply scenario, with its state in a bucket of the emulator.
pub fn s3_bed(n: usize, latency_ms: u64) -> anyhow::Result<Bed> {
    let bed = Bed::new(n, lockward_bench::Mix::ReversibleInitiates, latency_ms)?;
    bed.emulator
        .seed(
            json!({"s3": [{"region": "us-east-1", "bucket": "lockward-bench-state",
                             "versioning": "Enabled"}]}),
        )
        .map_err(anyhow::Error::msg)?;
    let config = bed.dir.path().join("lockward.yaml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(
        "backend:\n  s3: { bucket: lockward-bench-state, key: bench/lockward.state.json }\n",
    );
    std::fs::write(&config, text)?;
    Ok(bed)
}

/// Plans, then applies the plan by its digest; returns the apply's measurement and requests.
pub fn apply_by_digest(
    bed: &Bed,
    bin: &Path,
    parallelism: u16,
) -> anyhow::Result<(Measured, usize)> {
    let p = parallelism.to_string();
    let (planned, _) = bed.run(bin, &["plan", "--parallelism", &p, "--format", "json"])?;
    let digest = serde_json::from_str::<Value>(&planned.stdout)
        .ok()
        .and_then(|v| v["digest"].as_str().map(str::to_string))
        .with_context(|| format!("the plan before apply failed: {}", planned.stderr))?;
    bed.run(bin, &["apply", "--approve", &digest, "--parallelism", &p])
}

//! The state file for `lockward show` without a PLANFILE: what lockward remembers, in each
//! format. The state never holds a secret (the Snowball code appears only as its
//! fingerprint), so neither does this.

use std::io::{self, Write};
use std::path::Path;

use super::markdown::{code, Place};
use super::Format;
use crate::state::{GlacierRecord, RbinRecord, Record, SnowballRecord, StateFile};

pub(super) fn render(
    state: &StateFile,
    path: &Path,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, state)?;
            out.write_all(b"\n")
        }
        Format::Human => human(state, path, out),
        Format::Markdown => markdown(state, path, out),
    }
}

fn never_written(state: &StateFile) -> bool {
    state.lineage.is_empty() && state.serial == 0 && state.resources.is_empty()
}

fn human(state: &StateFile, path: &Path, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "State file: {}", path.display())?;
    if never_written(state) {
        writeln!(
            out,
            "No state yet: nothing has been applied with this state file."
        )?;
        return Ok(());
    }
    writeln!(out, "Lineage: {}, serial {}", state.lineage, state.serial)?;
    if state.resources.is_empty() {
        writeln!(out, "No resources recorded.")?;
    }
    for (address, record) in &state.resources {
        writeln!(out)?;
        writeln!(out, "# {address}")?;
        for (field, value) in fields(record) {
            writeln!(out, "  {field}: {value}")?;
        }
    }
    Ok(())
}

fn markdown(state: &StateFile, path: &Path, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "## lockward state: {}",
        code(&path.display().to_string(), Place::Block)
    )?;
    writeln!(out)?;
    if never_written(state) {
        writeln!(
            out,
            "No state yet: nothing has been applied with this state file."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "Lineage {}, serial {}.",
        code(&state.lineage, Place::Block),
        state.serial
    )?;
    writeln!(out)?;
    if state.resources.is_empty() {
        writeln!(out, "No resources recorded.")?;
        return Ok(());
    }
    writeln!(out, "| Resource | Recorded |")?;
    writeln!(out, "|---|---|")?;
    for (address, record) in &state.resources {
        let recorded: Vec<String> = fields(record)
            .into_iter()
            .map(|(field, value)| format!("{field}: {}", code(&value, Place::Table)))
            .collect();
        writeln!(
            out,
            "| {} | {} |",
            code(address, Place::Table),
            recorded.join("<br>")
        )?;
    }
    Ok(())
}

/// A record as `(field, value)` pairs in a fixed order; absent times read "never".
pub(super) fn fields(record: &Record) -> Vec<(&'static str, String)> {
    let time =
        |t: Option<jiff::Timestamp>| t.map_or_else(|| "never".to_string(), super::describe::when);
    match record {
        Record::GlacierVaultLock(GlacierRecord {
            vault,
            lock_id,
            initiated_at,
            policy_digest,
            completed_at,
            ..
        }) => vec![
            ("vault", vault.clone()),
            ("lock id", lock_id.clone()),
            ("initiated", time(*initiated_at)),
            ("policy", policy_digest.clone()),
            ("completed", time(*completed_at)),
        ],
        Record::RbinRuleLock(RbinRecord {
            rule_id,
            unlock_delay_days,
            locked_at,
            unlock_requested_at,
            ..
        }) => vec![
            ("rule", rule_id.clone()),
            (
                "unlock delay",
                unlock_delay_days.map_or_else(|| "none".to_string(), |d| format!("{d} days")),
            ),
            ("locked", time(*locked_at)),
            ("unlock requested", time(*unlock_requested_at)),
        ],
        Record::SnowballUnlockCode(SnowballRecord {
            job_id,
            fingerprint,
            deliver_to,
            delivered_at,
            ..
        }) => vec![
            ("job", job_id.clone()),
            ("delivered to", deliver_to.display().to_string()),
            ("code fingerprint", fingerprint.clone()),
            ("delivered", super::describe::when(*delivered_at)),
        ],
        Record::BackupVaultLock(r) => vec![
            ("backup vault", r.vault.clone()),
            (
                "retention",
                match (r.min_retention_days, r.max_retention_days) {
                    (Some(min), Some(max)) => format!("{min} to {max} days"),
                    (Some(min), None) => format!("at least {min} days"),
                    _ => "no lock".to_string(),
                },
            ),
            ("lock date", time(r.lock_date)),
            ("lock put", time(r.put_at)),
            ("lock removed", time(r.deleted_at)),
        ],
        Record::S3ObjectLock(r) => vec![
            ("bucket", r.bucket.clone()),
            ("versioning enabled", time(r.versioning_enabled_at)),
            ("Object Lock enabled", time(r.object_lock_enabled_at)),
            (
                "default retention",
                r.default_retention
                    .map_or_else(|| "none".to_string(), |d| d.to_string()),
            ),
            ("default retention set", time(r.retention_changed_at)),
        ],
    }
}

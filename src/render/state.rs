//! The state file for `lockward show` without a PLANFILE: what lockward remembers, in each
//! format. The state never holds a secret (the Snowball code appears only as its
//! fingerprint), so neither does this.

use std::io::{self, Write};
use std::path::Path;

use super::markdown::{code, Place};
use super::Format;
use crate::state::{Record, StateFile};

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
        // A state file is as hostile as any other file: every text is escaped.
        Format::Human | Format::Markdown => {
            let mut document = Vec::new();
            if format == Format::Human {
                human(state, path, &mut document)?;
            } else {
                markdown(state, path, &mut document)?;
            }
            super::markdown::write_escaped(&document, out)
        }
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
    record.fields()
}

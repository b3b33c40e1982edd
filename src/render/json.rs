//! The JSON renderer: DESIGN.md section 6.
//!
//! Key order is the field order of the plan model (format_version, digest, config_digest,
//! state, summary, resources; per resource address, kind, outcome, live, desired, actions,
//! messages, then text_diff when there is one). Keys inside `live` and `desired` come out
//! in serde_json's map order, sorted in this build (no `preserve_order`). The digest is the
//! plan's own, the one every other format prints.

use std::io::{self, Write};

use crate::plan::Plan;

pub(super) fn render(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    out.write_all(b"\n")
}

//! `lockward import`: adopting locks that already exist into the state file, so a team can
//! start managing an account that already has locks. No call that changes anything in AWS:
//! the live state is read, and what AWS reports is recorded.
//!
//! What can be adopted, decided by the pure [`adopt`]:
//! - a Glacier vault whose lock is `Locked`: its CreationDate and policy digest (a completed
//!   lock needs no lock id). An `InProgress` lock cannot be: its id is returned only to whoever
//!   initiated it, so lockward could never complete it;
//! - a Recycle Bin rule that is locked or pending unlock: its lock configuration;
//! - a Snowball delivery whose `deliver_to` file exists and holds something shaped like an
//!   unlock code: the file's fingerprint. The code itself is never read into a message.

use std::fs;
use std::io::Read;
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::config::Resource;
use crate::digest;
use crate::kinds::Paired;
use crate::plan::Live;
use crate::state::Record;

/// What sits at a Snowball resource's `deliver_to`, read without ever showing its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveredFile {
    /// No file there.
    Missing,
    /// Something that is not a regular file (a directory, a symlink), or unreadable.
    Unusable(String),
    File {
        /// `sha256:…` of the file's bytes, as `refresh` fingerprints a delivery.
        fingerprint: String,
        /// When the file was last written: the best knowledge of when the code was delivered.
        modified: Timestamp,
        /// Whether the content has the shape of an unlock code (29 characters: five groups of
        /// five letters or digits joined by `-`, optionally followed by a newline).
        looks_like_code: bool,
    },
}

/// Reads the file at `path` (never following a symlink).
pub fn inspect_delivery(path: &Path) -> DeliveredFile {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return DeliveredFile::Missing,
        Err(e) => return DeliveredFile::Unusable(format!("cannot be inspected: {e}")),
    };
    if !meta.file_type().is_file() {
        return DeliveredFile::Unusable("is not a regular file".to_string());
    }
    let mut bytes = Vec::new();
    // A code is 29 bytes; reading a little more is enough to tell it is not one.
    let read = fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut bytes));
    if let Err(e) = read {
        return DeliveredFile::Unusable(format!("cannot be read: {e}"));
    }
    let fingerprint = match fs::read(path) {
        Ok(all) => digest::sha256(&all),
        Err(e) => return DeliveredFile::Unusable(format!("cannot be read: {e}")),
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    DeliveredFile::File {
        fingerprint,
        modified,
        looks_like_code: looks_like_unlock_code(&bytes),
    }
}

fn looks_like_unlock_code(bytes: &[u8]) -> bool {
    let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    text.len() == 29
        && text
            .split(|b| *b == b'-')
            .all(|group| group.len() == 5 && group.iter().all(u8::is_ascii_alphanumeric))
}

/// What importing one resource records.
#[derive(Clone, Debug, PartialEq)]
pub struct Adoption {
    pub record: Record,
    /// The `detail` of the `import` journal record: what was found. Never a secret.
    pub detail: Map<String, Value>,
    /// One line for the person who ran the import.
    pub summary: String,
}

/// Decides what importing `resource` records, from its live state, its current state-file
/// record and (for Snowball) what sits at `deliver_to`. `Err` says why it cannot be imported
/// and what to do instead. Pure.
pub fn adopt(
    resource: &Resource,
    live: &Live,
    existing: Option<&Record>,
    delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    if existing.is_some() {
        return Err("already in the state file, so lockward manages it; there is nothing to import\nhint: `lockward plan` shows where it stands".to_string());
    }
    match Paired::new(&resource.desired, live, None) {
        Some(paired) => paired.adopt(delivered),
        // Import reads each live value from the resource's desired one; only a caller that
        // pairs a resource with another resource's live value can get here.
        None => Err(
            "internal error: live state of the wrong kind; this is a bug in lockward".to_string(),
        ),
    }
}

pub(crate) fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

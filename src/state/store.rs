//! Reading and writing the state file.
//!
//! Guarantees callers may rely on:
//! - [`StateStore::load`] never changes anything on disk, and refuses (never "repairs") a file it
//!   cannot fully understand: corrupt, truncated, wrong-typed, written by a newer lockward, or a
//!   symlink.
//! - [`StateStore::save`] replaces the file atomically: a crash at any moment leaves at the state
//!   path either the previous file or the new one, each complete and valid, and the previous
//!   version as `<state>.backup`. Every file it writes is mode 0600.
//! - `save` refuses to overwrite a file that is not the one the caller's [`StateFile`] came from
//!   (another lineage or serial, or one it cannot read): nothing written by someone else is lost.
//!
//! The store does not lock: hold a [`StateLock`](crate::state::lock::StateLock) for the whole
//! apply.

use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::durable::{self, OpenFailure};
use super::model::{StateFile, STATE_FORMAT_VERSION};
use crate::files::{FileError, Own};
use crate::vocabulary::Address;

/// The suffix of the previous version of the state file: `<state>.backup`.
pub const BACKUP_SUFFIX: &str = ".backup";

/// Everything that can go wrong reading or writing the state file. Each message names the file
/// and ends with what to do next.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "the state file {} has other names (hard links: {others}), which lockward refuses: its \
         lock and its journal go by the name, so runs naming the file differently would see \
         neither each other's lock nor each other's attempts under one approval\n\
         hint: keep one name: remove the others (the state itself is unchanged by that)",
        path.display()
    )]
    OtherNames { path: PathBuf, others: String },

    #[error(
        "the state file {} is unreadable: {detail}\n\
         hint: lockward will not overwrite it. If {}{BACKUP_SUFFIX} is valid, it is the previous \
         version: inspect it, copy it over the state file, then run `lockward plan` to see where \
         things stand",
        path.display(), path.display()
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "the state file {} has format_version {found}, newer than the {supported} this lockward \
         understands\nhint: it was written by a newer lockward; upgrade lockward (it will not \
         overwrite the file)",
        path.display()
    )]
    NewerFormat {
        path: PathBuf,
        found: u64,
        supported: u32,
    },

    #[error(
        "the state file {} changed on disk since lockward read it: {detail}\n\
         hint: nothing was overwritten. Another lockward run or a person wrote it; make sure only \
         one apply runs at a time, then run `lockward plan` again",
        path.display()
    )]
    ChangedOnDisk { path: PathBuf, detail: String },

    /// The S3 backend could not read or write the state; the text names the object and says
    /// what to do.
    #[error("{0}")]
    Remote(String),

    #[error(transparent)]
    File(#[from] crate::files::FileError),
}

/// The state file at one path, with its backup beside it.
#[derive(Clone, Debug)]
pub struct StateStore {
    path: PathBuf,
}

impl StateStore {
    /// A store for the state file at `path` (`--state`, or `lockward.state.json` beside the
    /// config). Touches nothing on disk.
    pub fn new(path: impl Into<PathBuf>) -> StateStore {
        StateStore { path: path.into() }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous version is kept: `<state>.backup`.
    pub fn backup_path(&self) -> PathBuf {
        durable::with_suffix(&self.path, BACKUP_SUFFIX)
    }

    /// Reads the state. A missing file is the empty state ([`StateFile::empty`]: no lineage,
    /// serial 0). Anything else that is not a complete state file this lockward understands is
    /// an error, and the file is left untouched.
    pub fn load(&self) -> Result<StateFile, StateError> {
        match self.read_current(false)? {
            None => Ok(StateFile::empty()),
            Some(bytes) => parse(&self.path, &bytes),
        }
    }

    /// Writes `state` as the new state file. On the first write it assigns a lineage (a UUID
    /// v4); every write bumps `serial` by one. `state` is updated (lineage, serial,
    /// format_version) only when the write succeeded, so a failed save can simply be retried.
    ///
    /// Refused with [`StateError::ChangedOnDisk`] when the file on disk is not the version
    /// `state` was loaded from (or last saved as), and with the `load` errors when the file on
    /// disk is unreadable: in both cases nothing is written.
    pub fn save(&self, state: &mut StateFile) -> Result<(), StateError> {
        let previous = self.read_current(true)?;
        if let Some(bytes) = &previous {
            self.check_is_what_was_loaded(bytes, state)?;
        } else if !state.lineage.is_empty() {
            // The file was removed under us. Writing it again loses nothing and keeps what
            // this apply has done; the backup still holds the version before it, if any.
            tracing::warn!(
                path = %self.path.display(),
                "the state file disappeared during the run; writing it again"
            );
        }

        let mut next = state.clone();
        next.format_version = STATE_FORMAT_VERSION;
        if next.lineage.is_empty() {
            next.lineage = uuid::Uuid::new_v4().to_string();
        }
        next.serial = state
            .serial
            .checked_add(1)
            .ok_or_else(|| StateError::Corrupt {
                path: self.path.clone(),
                detail: "its serial cannot be incremented any further".to_string(),
            })?;
        let mut bytes = serde_json::to_vec_pretty(&next).map_err(|e| {
            StateError::File(FileError::io(
                Own::State,
                &self.path,
                "encode",
                io::Error::other(e),
            ))
        })?;
        bytes.push(b'\n');

        let io_err = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source: io::Error| {
                StateError::File(FileError::io(Own::State, &path, action, source))
            }
        };
        let temp = durable::write_temp_beside(&self.path, &bytes)
            .map_err(io_err("write a temporary file beside", &self.path))?;
        if let Some(previous) = &previous {
            self.keep_backup(previous)
                .map_err(io_err("write the backup", &self.backup_path()))?;
        }
        durable::persist(temp, &self.path).map_err(io_err("replace", &self.path))?;

        state.format_version = next.format_version;
        state.lineage = next.lineage;
        state.serial = next.serial;
        Ok(())
    }

    /// Creates the state file with `state` as its first version (a new lineage, the next
    /// serial), only where there is none: an existing file, whoever made it, is never replaced
    /// (the temp file is renamed into place without replacing, like `O_EXCL`). `state` is
    /// updated only when the file was created.
    pub fn create(&self, state: &mut StateFile) -> Result<(), StateError> {
        let mut next = state.clone();
        next.format_version = STATE_FORMAT_VERSION;
        next.lineage = uuid::Uuid::new_v4().to_string();
        next.serial = state.serial.saturating_add(1);
        let io_err = |action: &'static str| {
            let path = self.path.clone();
            move |source: io::Error| {
                StateError::File(FileError::io(Own::State, &path, action, source))
            }
        };
        let mut bytes =
            serde_json::to_vec_pretty(&next).map_err(|e| io_err("encode")(io::Error::other(e)))?;
        bytes.push(b'\n');
        let temp = durable::write_temp_beside(&self.path, &bytes)
            .map_err(io_err("write a temporary file beside"))?;
        match temp.persist_noclobber(&self.path) {
            Ok(_) => {}
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                return Err(StateError::ChangedOnDisk {
                    path: self.path.clone(),
                    detail: "there was no state file when the plan was made, and now there is one"
                        .to_string(),
                })
            }
            Err(e) => return Err(io_err("create")(e.error)),
        }
        durable::sync_dir(&self.path).map_err(io_err("sync the directory of"))?;
        state.format_version = next.format_version;
        state.lineage = next.lineage;
        state.serial = next.serial;
        Ok(())
    }

    /// The bytes of the current state file, `None` when there is none. With `narrow`, sets its
    /// mode to 0600 if someone widened it (when it is about to become the backup).
    fn read_current(&self, narrow: bool) -> Result<Option<Vec<u8>>, StateError> {
        let mut file = match durable::open_existing(&self.path, OpenOptions::new().read(true)) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(None),
            Err(failure) => return Err(self.open_error(failure)),
        };
        let meta = file.metadata().map_err(|source| {
            StateError::File(FileError::io(Own::State, &self.path, "inspect", source))
        })?;
        if meta.nlink() > 1 {
            self.refuse_other_names(&meta)?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|source| {
            StateError::File(FileError::io(Own::State, &self.path, "read", source))
        })?;
        if !narrow {
            return Ok(Some(bytes));
        }
        if let Err(source) = durable::make_private(&file) {
            tracing::warn!(path = %self.path.display(), %source, "could not set mode 0600");
        }
        Ok(Some(bytes))
    }

    /// One file, one name: the lock and the journal are found by the state file's name. The
    /// backup is made as a hard link of the state about to be replaced, so the backup's name
    /// (and its staged name, while it is being made) may share the file for a moment, or
    /// after a crash in between; any other name is refused.
    fn refuse_other_names(&self, meta: &std::fs::Metadata) -> Result<(), StateError> {
        let dir = durable::parent_dir(&self.path);
        let name = self.path.file_name().unwrap_or_default();
        let backup = self.backup_path();
        let backup = backup.file_name().unwrap_or_default().to_string_lossy();
        let staged_prefix = format!(".{backup}.");
        let mut found = 0;
        let mut others = Vec::new();
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let Ok(m) = fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if (m.dev(), m.ino()) != (meta.dev(), meta.ino()) {
                continue;
            }
            found += 1;
            let entry_name = entry.file_name();
            let text = entry_name.to_string_lossy();
            let allowed = entry_name == name
                || text == backup
                || (text.starts_with(&staged_prefix) && text.ends_with(".tmp"));
            if !allowed {
                others.push(entry.path().display().to_string());
            }
        }
        if u64::try_from(found).unwrap_or(u64::MAX) < meta.nlink() {
            others.push("one or more in another directory".to_string());
        }
        if others.is_empty() {
            return Ok(());
        }
        Err(StateError::OtherNames {
            path: self.path.clone(),
            others: others.join(", "),
        })
    }

    fn open_error(&self, failure: OpenFailure) -> StateError {
        let path = self.path.clone();
        StateError::File(FileError::open(Own::State, &path, failure))
    }

    /// The file on disk must be the version `state` came from: same lineage and serial.
    fn check_is_what_was_loaded(&self, bytes: &[u8], state: &StateFile) -> Result<(), StateError> {
        #[derive(Deserialize)]
        struct Header {
            format_version: u64,
            lineage: String,
            serial: u64,
        }
        // Parsing the header still checks the whole text is valid JSON.
        let header: Header = match serde_json::from_slice(bytes) {
            Ok(header) => header,
            Err(err) => {
                // The full parse gives the most useful message; whatever it says, the file is
                // not one this run may overwrite.
                return Err(parse(&self.path, bytes)
                    .err()
                    .unwrap_or(StateError::Corrupt {
                        path: self.path.clone(),
                        detail: err.to_string(),
                    }));
            }
        };
        if header.format_version > u64::from(STATE_FORMAT_VERSION) {
            return Err(StateError::NewerFormat {
                path: self.path.clone(),
                found: header.format_version,
                supported: STATE_FORMAT_VERSION,
            });
        }
        if state.lineage.is_empty() {
            return Err(StateError::ChangedOnDisk {
                path: self.path.clone(),
                detail: format!(
                    "there was no state file when this run started, and now there is one \
                     (lineage {}, serial {})",
                    header.lineage, header.serial
                ),
            });
        }
        if header.lineage != state.lineage || header.serial != state.serial {
            return Err(StateError::ChangedOnDisk {
                path: self.path.clone(),
                detail: format!(
                    "this run has lineage {} serial {}, the file has lineage {} serial {}",
                    state.lineage, state.serial, header.lineage, header.serial
                ),
            });
        }
        Ok(())
    }

    /// Makes `<state>.backup` the current state file, atomically. A hard link costs no copy
    /// and no extra fsync, and the current file is never written in place, so the link keeps
    /// exactly the previous version once the new file is renamed over the state path. Where
    /// the file system has no hard links, the bytes already read are written instead.
    fn keep_backup(&self, previous: &[u8]) -> io::Result<()> {
        let backup = self.backup_path();
        let mut staged_name = std::ffi::OsString::from(".");
        staged_name.push(backup.file_name().unwrap_or_default());
        staged_name.push(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        let staged = durable::parent_dir(&self.path).join(staged_name);
        match fs::hard_link(&self.path, &staged) {
            Ok(()) => {
                if let Err(err) = fs::rename(&staged, &backup) {
                    let _ = fs::remove_file(&staged);
                    return Err(err);
                }
                Ok(())
            }
            Err(err) => {
                tracing::debug!(%err, "no hard link for the state backup; copying instead");
                let temp = durable::write_temp_beside(&backup, previous)?;
                temp.persist(&backup).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// Parses and checks a state file's bytes; `path` is for messages only.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<StateFile, StateError> {
    let corrupt = |detail: String| StateError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(corrupt(
            "it is empty (lockward never writes an empty state file)".to_string(),
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            corrupt(format!(
                "it ends early at line {} column {}: the file looks truncated",
                e.line(),
                e.column()
            ))
        } else {
            corrupt(format!("it is not valid JSON: {e}"))
        }
    })?;
    let version = value
        .get("format_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            corrupt(
                "it has no numeric format_version, so it is not a lockward state file".to_string(),
            )
        })?;
    if version > u64::from(STATE_FORMAT_VERSION) {
        return Err(StateError::NewerFormat {
            path: path.to_path_buf(),
            found: version,
            supported: STATE_FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(corrupt(
            "format_version 0 was never written by lockward".to_string(),
        ));
    }
    // Decode from the text (not the value) so that errors carry a line and column.
    let state: StateFile = serde_json::from_slice(bytes)
        .map_err(|e| corrupt(format!("it does not have the shape of a state file: {e}")))?;
    if state.lineage.is_empty() || state.serial == 0 {
        return Err(corrupt(
            "it has no lineage or a serial of 0, which lockward never writes".to_string(),
        ));
    }
    for (key, record) in &state.resources {
        let address: Address = key
            .parse()
            .map_err(|e| corrupt(format!("resource key `{key}`: {e}")))?;
        let kind = record.kind();
        if address.kind != kind {
            return Err(corrupt(format!(
                "resource `{key}` holds a {kind} record, not a {} record",
                address.kind
            )));
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::kinds::sample;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn store_in(dir: &tempfile::TempDir) -> StateStore {
        StateStore::new(dir.path().join("lockward.state.json"))
    }

    #[test]
    fn a_state_file_with_another_name_is_refused_but_its_backup_link_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = store.load().unwrap();
        state.set(&sample::address("audit"), sample::record("AE863"));
        store.save(&mut state).unwrap();
        store.save(&mut state).unwrap();
        // A save leaves the state and its backup apart.
        assert!(store.load().is_ok());
        // The backup's name (and its staged name) on the state file: what a save makes for a
        // moment, and what a crash in between leaves.
        fs::remove_file(store.backup_path()).unwrap();
        fs::hard_link(store.path(), store.backup_path()).unwrap();
        let staged = dir.path().join(".lockward.state.json.backup.0123abcd.tmp");
        fs::hard_link(store.path(), &staged).unwrap();
        assert_eq!(store.load().unwrap(), state);
        fs::remove_file(&staged).unwrap();
        // Any other name: two runs could each take a lock and keep a journal of their own.
        let other = dir.path().join("alt.json");
        fs::hard_link(store.path(), &other).unwrap();
        let before = fs::read(store.path()).unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, StateError::OtherNames { .. }), "{err}");
        assert!(err.to_string().contains("alt.json"), "{err}");
        assert!(err.to_string().contains("\nhint: "), "{err}");
        assert!(store.save(&mut state).is_err());
        assert!(StateStore::new(other.clone()).load().is_err());
        assert_eq!(fs::read(store.path()).unwrap(), before);
        // A name in another directory counts too.
        fs::remove_file(&other).unwrap();
        let elsewhere = tempfile::tempdir_in(dir.path()).unwrap();
        fs::hard_link(store.path(), elsewhere.path().join("s.json")).unwrap();
        let err = store.load().unwrap_err();
        assert!(err.to_string().contains("another directory"), "{err}");
    }

    #[test]
    fn missing_file_is_the_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        assert_eq!(store.load().unwrap(), StateFile::empty());
        assert!(!store.path().exists(), "load must not create the file");
    }

    #[test]
    fn round_trip_assigns_lineage_once_and_bumps_serial() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = store.load().unwrap();
        state.set(
            &sample::address("audit"),
            sample::record("AE863rKkWZU53SLW5be4DUcW"),
        );
        store.save(&mut state).unwrap();
        assert_eq!(state.serial, 1);
        uuid::Uuid::parse_str(&state.lineage).unwrap();
        let lineage = state.lineage.clone();
        assert_eq!(store.load().unwrap(), state);

        state.set(
            &Address::new(sample::OTHER_KIND, "site_a"),
            sample::other_record(),
        );
        store.save(&mut state).unwrap();
        assert_eq!(state.serial, 2);
        assert_eq!(state.lineage, lineage);
        let loaded = store.load().unwrap();
        assert_eq!(loaded, state);
        assert_eq!(loaded.resources.len(), 2);
    }

    #[test]
    fn backup_holds_the_previous_version_and_every_file_is_0600() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = StateFile::empty();
        state.set(&sample::address("audit"), sample::record("first"));
        store.save(&mut state).unwrap();
        assert!(
            !store.backup_path().exists(),
            "no backup before there is a previous version"
        );
        let first = fs::read(store.path()).unwrap();

        state.set(&sample::address("audit"), sample::record("second"));
        store.save(&mut state).unwrap();
        assert_eq!(fs::read(store.backup_path()).unwrap(), first);
        let backup = parse(&store.backup_path(), &first).unwrap();
        assert_eq!(backup.serial, 1);

        let second = fs::read(store.path()).unwrap();
        store.save(&mut state).unwrap();
        assert_eq!(fs::read(store.backup_path()).unwrap(), second);
        assert_eq!(mode(store.path()), 0o600);
        assert_eq!(mode(&store.backup_path()), 0o600);
        // Only the state file and its backup: no temp file left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_state_file_someone_made_world_readable_is_saved_0600_and_so_is_its_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = StateFile::empty();
        store.save(&mut state).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        let mut state = store.load().unwrap();
        store.save(&mut state).unwrap();
        assert_eq!(mode(store.path()), 0o600);
        assert_eq!(mode(&store.backup_path()), 0o600);
    }

    #[test]
    fn backup_falls_back_to_a_copy_without_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        // The hard link fails when there is no state file to link, so keep_backup must fall
        // back to writing the bytes it was given.
        store.keep_backup(b"previous").unwrap();
        assert_eq!(fs::read(store.backup_path()).unwrap(), b"previous");
        assert_eq!(mode(&store.backup_path()), 0o600);
    }

    fn assert_refused_and_untouched(bytes: &[u8], expect: fn(&StateError) -> bool) {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::write(store.path(), bytes).unwrap();
        let err = store.load().unwrap_err();
        assert!(expect(&err), "unexpected error: {err}");
        let text = err.to_string();
        assert!(text.contains(&store.path().display().to_string()), "{text}");
        assert!(text.contains("\nhint: "), "{text}");
        // save must refuse too, whatever the caller holds.
        let mut state = StateFile::empty();
        assert!(store.save(&mut state).is_err());
        let mut state = StateFile {
            lineage: "7f1c0a8e-0000-4000-8000-000000000000".to_string(),
            serial: 1,
            ..StateFile::empty()
        };
        assert!(store.save(&mut state).is_err());
        assert_eq!(
            fs::read(store.path()).unwrap(),
            bytes,
            "the file must be left as it was"
        );
        assert!(!store.backup_path().exists());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    fn is_corrupt(err: &StateError) -> bool {
        matches!(err, StateError::Corrupt { .. })
    }

    #[test]
    fn corrupt_state_is_refused_and_left_byte_identical() {
        assert_refused_and_untouched(b"", is_corrupt);
        assert_refused_and_untouched(b"not json at all", is_corrupt);
        assert_refused_and_untouched(b"[1, 2]", is_corrupt);
        assert_refused_and_untouched(b"{\"resources\": {}}", is_corrupt);
    }

    #[test]
    fn truncated_state_is_refused_and_left_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = StateFile::empty();
        state.set(&sample::address("audit"), sample::record("AE863"));
        store.save(&mut state).unwrap();
        let full = fs::read(store.path()).unwrap();
        let truncated = &full[..full.len() / 2];
        assert_refused_and_untouched(
            truncated,
            |e| matches!(e, StateError::Corrupt { detail, .. } if detail.contains("truncated")),
        );
    }

    #[test]
    fn wrong_typed_state_is_refused() {
        let wrong_serial =
            br#"{"format_version": 1, "lineage": "x", "serial": "3", "resources": {}}"#;
        assert_refused_and_untouched(wrong_serial, is_corrupt);
        let unknown_field =
            br#"{"format_version": 1, "lineage": "x", "serial": 3, "resources": {}, "extra": 1}"#;
        assert_refused_and_untouched(unknown_field, is_corrupt);
        let with_resource = |address: &str| {
            let mut resources = serde_json::Map::new();
            resources.insert(
                address.to_string(),
                serde_json::to_value(sample::other_record()).unwrap(),
            );
            serde_json::to_vec(&serde_json::json!({"format_version": 1, "lineage": "x",
                "serial": 3, "resources": resources}))
            .unwrap()
        };
        assert_refused_and_untouched(&with_resource("nonsense"), is_corrupt);
        // A record of one kind under the address of another.
        let kind_mismatch = with_resource(&sample::address("a").to_string());
        assert_refused_and_untouched(&kind_mismatch, is_corrupt);
    }

    #[test]
    fn newer_format_is_refused_and_left_byte_identical() {
        let newer = br#"{"format_version": 2, "lineage": "x", "serial": 3, "resources": {},
            "something_new": true}"#;
        assert_refused_and_untouched(newer, |e| {
            matches!(e, StateError::NewerFormat { found: 2, .. })
        });
    }

    #[test]
    fn symlinked_state_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let real = store_in(&dir);
        let mut state = StateFile::empty();
        real.save(&mut state).unwrap();
        let before = fs::read(real.path()).unwrap();

        let link = StateStore::new(dir.path().join("link.json"));
        std::os::unix::fs::symlink(real.path(), link.path()).unwrap();
        let err = link.load().unwrap_err();
        assert!(
            matches!(&err, StateError::File(f) if f.is_symlink()),
            "{err}"
        );
        assert!(err.to_string().contains("hint: "));
        assert!(matches!(
            link.save(&mut state),
            Err(StateError::File(f)) if f.is_symlink()
        ));
        assert!(fs::symlink_metadata(link.path())
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(real.path()).unwrap(), before);
    }

    #[test]
    fn a_leftover_temp_file_from_a_crash_does_not_break_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = StateFile::empty();
        store.save(&mut state).unwrap();
        // What a crash between writing the temp file and renaming it leaves behind.
        let leftover = dir.path().join(".lockward.state.json.AbC123.tmp");
        fs::write(&leftover, b"{\"format_version\": 1, \"lin").unwrap();
        let leftover_backup = dir.path().join(".lockward.state.json.backup.0123.tmp");
        fs::write(&leftover_backup, b"junk").unwrap();

        let mut state = store.load().unwrap();
        state.set(&sample::address("audit"), sample::record("after-crash"));
        store.save(&mut state).unwrap();
        assert_eq!(store.load().unwrap(), state);
        assert_eq!(state.serial, 2);
    }

    #[test]
    fn a_crash_between_the_backup_and_the_rename_leaves_the_old_state_and_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = StateFile::empty();
        state.set(&sample::address("audit"), sample::record("old"));
        store.save(&mut state).unwrap();
        let old = fs::read(store.path()).unwrap();

        // The steps of a save, stopped before the rename: the temp file stays behind as it
        // would after a crash (a crash does not run destructors).
        let previous = store.read_current(true).unwrap().unwrap();
        let temp = durable::write_temp_beside(store.path(), b"{\"half\": ").unwrap();
        let _kept = temp.into_temp_path().keep().unwrap();
        store.keep_backup(&previous).unwrap();

        assert_eq!(fs::read(store.path()).unwrap(), old);
        assert_eq!(fs::read(store.backup_path()).unwrap(), old);
        let mut state = store.load().unwrap();
        assert_eq!(
            state
                .get(&sample::address("audit"))
                .and_then(sample::id_of)
                .unwrap(),
            "old"
        );
        state.set(&sample::address("audit"), sample::record("new"));
        store.save(&mut state).unwrap();
        assert_eq!(fs::read(store.backup_path()).unwrap(), old);
        assert_eq!(store.load().unwrap(), state);
    }

    #[test]
    fn load_changes_nothing_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&mut StateFile::empty()).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o640)).unwrap();
        store.load().unwrap();
        assert_eq!(mode(store.path()), 0o640);
    }

    #[test]
    fn save_refuses_when_someone_else_wrote_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut ours = StateFile::empty();
        let mut theirs = StateFile::empty();
        store.save(&mut theirs).unwrap();
        // `ours` was loaded before `theirs` created the file.
        let err = store.save(&mut ours).unwrap_err();
        assert!(matches!(err, StateError::ChangedOnDisk { .. }), "{err}");
        assert_eq!(
            ours,
            StateFile::empty(),
            "a refused save leaves the caller's state as it was"
        );

        let mut ours = store.load().unwrap();
        store.save(&mut theirs).unwrap();
        let on_disk = fs::read(store.path()).unwrap();
        let err = store.save(&mut ours).unwrap_err();
        assert!(err.to_string().contains("serial 1"), "{err}");
        assert_eq!(fs::read(store.path()).unwrap(), on_disk);
    }

    #[test]
    fn a_state_file_removed_during_the_run_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let mut state = StateFile::empty();
        store.save(&mut state).unwrap();
        fs::remove_file(store.path()).unwrap();
        store.save(&mut state).unwrap();
        assert_eq!(store.load().unwrap().serial, 2);
    }

    #[test]
    fn a_missing_directory_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path().join("nope/lockward.state.json"));
        let err = store.save(&mut StateFile::empty()).unwrap_err();
        assert!(matches!(err, StateError::File(_)), "{err}");
        assert!(err.to_string().contains("nope"), "{err}");
    }
}

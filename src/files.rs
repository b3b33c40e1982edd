//! The one writing rule (DESIGN.md section 5, "Files lockward writes never destroy others"),
//! and the one way lockward opens a file it reads.
//!
//! Guarantees callers may rely on:
//! - [`check_write`] passes only a path where nothing is, or where a file is that lockward
//!   itself wrote for the same [`Purpose`] (a saved plan, a manual page). It refuses a symlink,
//!   anything but a regular file, and every file of the project [`protect`] named (the config,
//!   its policy files, the state with its backup, journal and lock, errored state files, each
//!   `deliver_to` and `manifest_path`), however the path is spelled: compared by real path and,
//!   for an existing file, by inode (a hard link is caught too).
//! - [`write_new`] and [`replace`] write only after that check; `write_new` never replaces
//!   anything (`O_EXCL`), `replace` renames a temp file into place (never through a symlink).
//! - [`open_regular`] never blocks on a FIFO or a device: the file is opened without waiting
//!   and refused unless it is a regular file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::state::durable::{self, OpenFailure};

/// A file lockward reads or keeps for the project, which no command may write over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptFile {
    pub path: PathBuf,
    /// What it is, for the refusal: e.g. "the state file".
    pub what: String,
    pub role: Role,
}

/// What a kept file is to lockward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The config, a policy file, the state with its backup, journal and lock, an errored
    /// state file, a manifest: never written by a command of its own.
    Kept,
    /// A Snowball resource's `deliver_to`: written once, by that delivery only.
    DeliverTo,
}

/// Why lockward writes a file: decides what may already be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `plan --out`: replaces only a saved plan.
    SavedPlan,
    /// `man --dir`: replaces only a manual page of lockward's.
    ManPage,
    /// `demo --dir`: new files only (an earlier demo is cleared first, as a whole).
    Demo,
    /// An errored state file or its journal copy: new files only.
    ErroredState,
    /// A delivered unlock code, at its `deliver_to`: a new file only.
    DeliveredCode,
}

/// A write the rule refuses; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("refusing to write {}: {why}; nothing was written", path.display())]
pub struct WriteRefused {
    pub path: PathBuf,
    pub why: String,
}

/// The project's kept files, as [`protect`] last named them (real paths).
static PROTECTED: Mutex<Vec<KeptFile>> = Mutex::new(Vec::new());

/// Names the files of the project this process works on; every later write is checked against
/// them. Paths are resolved now, against the current directory.
pub fn protect(files: Vec<KeptFile>) {
    let resolved = files
        .into_iter()
        .map(|f| KeptFile {
            path: real_path(&f.path),
            ..f
        })
        .collect();
    *PROTECTED.lock().unwrap_or_else(|p| p.into_inner()) = resolved;
}

/// The kept file `path` is, if any (by real path, or by inode for an existing file).
pub fn kept_at(path: &Path) -> Option<KeptFile> {
    let existing = fs::symlink_metadata(path).ok();
    let target = real_path(path);
    let kept = PROTECTED.lock().unwrap_or_else(|p| p.into_inner());
    kept.iter()
        .find(|k| {
            k.path == target
                || existing.as_ref().is_some_and(|meta| {
                    fs::metadata(&k.path)
                        .is_ok_and(|m| (m.dev(), m.ino()) == (meta.dev(), meta.ino()))
                })
        })
        .cloned()
}

/// Checks that `path` may be written for `purpose` (see the module's guarantees). Makes no
/// change to any file.
pub fn check_write(path: &Path, purpose: Purpose) -> Result<(), WriteRefused> {
    let refuse = |why: String| WriteRefused {
        path: path.to_path_buf(),
        why,
    };
    let existing = match durable::inspect(path) {
        Ok(existing) => existing,
        Err(OpenFailure::Symlink) => {
            return Err(refuse(
                "it is a symbolic link, and lockward never writes through one".to_string(),
            ))
        }
        Err(OpenFailure::NotAFile) => return Err(refuse("it is not a regular file".to_string())),
        Err(OpenFailure::Io(action, e)) => {
            return Err(refuse(format!("could not {action} it: {e}")))
        }
    };
    if let Some(kept) = kept_at(path) {
        let own = purpose == Purpose::DeliveredCode
            && kept.role == Role::DeliverTo
            && kept.path == real_path(path);
        if !own {
            return Err(refuse(format!(
                "it is {} ({})",
                kept.what,
                kept.path.display()
            )));
        }
    }
    if existing.is_none() {
        return Ok(());
    }
    let ours = match purpose {
        Purpose::SavedPlan => crate::planfile::holds_a_plan(path),
        Purpose::ManPage => holds_a_man_page(path),
        Purpose::Demo | Purpose::ErroredState | Purpose::DeliveredCode => false,
    };
    if ours {
        return Ok(());
    }
    Err(refuse(match purpose {
        Purpose::SavedPlan => "the file exists and is not a lockward plan file".to_string(),
        Purpose::ManPage => "the file exists and is not a lockward manual page".to_string(),
        _ => "the file exists, and lockward writes only a new file there".to_string(),
    }))
}

/// Creates `path` holding `bytes`, mode 0600, fsynced with its directory; never replaces
/// anything (see [`check_write`]).
pub fn write_new(path: &Path, bytes: &[u8], purpose: Purpose) -> io::Result<()> {
    check_write(path, purpose).map_err(|e| io::Error::new(io::ErrorKind::AlreadyExists, e))?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(durable::PRIVATE_MODE)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    durable::sync_dir(path)
}

/// Writes `bytes` at `path` atomically (temp file renamed into place), mode 0600, after
/// [`check_write`].
pub fn replace(path: &Path, bytes: &[u8], purpose: Purpose) -> Result<(), ReplaceError> {
    check_write(path, purpose)?;
    durable::replace_atomically(path, bytes).map_err(ReplaceError::Io)
}

/// Why [`replace`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReplaceError {
    #[error(transparent)]
    Refused(#[from] WriteRefused),
    #[error(transparent)]
    Io(io::Error),
}

/// Opens `path` for reading without ever waiting on it: a FIFO, a device or a socket is
/// refused (an [`io::ErrorKind::InvalidInput`] error saying what it is), as is a directory.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file ({}); lockward reads only regular files",
                path.display(),
                kind_of(&meta)
            ),
        ));
    }
    Ok(file)
}

/// Reads the whole regular file at `path` (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn kind_of(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Whether the regular file at `path` is a manual page lockward generated.
fn holds_a_man_page(path: &Path) -> bool {
    let Ok(Some(file)) = durable::open_existing(path, OpenOptions::new().read(true)) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    String::from_utf8_lossy(&head)
        .lines()
        .any(|l| l.starts_with(".TH lockward"))
}

/// `path` made absolute with every symlink resolved, as far as it exists: the part that does
/// not exist yet is appended as written.
pub fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => real_path(parent).join(name),
        _ => absolute,
    }
}

/// A file lockward keeps for itself, as named in a [`FileError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Own {
    State,
    Journal,
    StateLock,
    Plan,
}

/// Why a file lockward keeps (the state, its journal and lock, a saved plan) could not be used.
#[derive(Debug)]
pub enum FileProblem {
    /// It is a symbolic link: lockward refuses one (it replaces files by renaming over them).
    Symlink,
    /// It is a directory, a device, a socket or a FIFO.
    NotAFile,
    /// The operating system refused; `action` says what was being done.
    Io {
        action: &'static str,
        source: io::Error,
    },
}

/// One error for the files lockward keeps: the problem, the file and what to do, worded for
/// that file (its hint differs: a state file is passed with `--state`, a journal and a lock
/// file are lockward's own to create).
#[derive(Debug)]
pub struct FileError {
    pub file: Own,
    pub path: PathBuf,
    pub problem: FileProblem,
}

impl FileError {
    pub fn new(file: Own, path: &Path, problem: FileProblem) -> FileError {
        FileError {
            file,
            path: path.to_path_buf(),
            problem,
        }
    }

    /// An I/O failure while doing `action` (`read`, `write`, `lock`).
    pub fn io(file: Own, path: &Path, action: &'static str, source: io::Error) -> FileError {
        FileError::new(file, path, FileProblem::Io { action, source })
    }

    pub(crate) fn open(file: Own, path: &Path, failure: OpenFailure) -> FileError {
        let problem = match failure {
            OpenFailure::Symlink => FileProblem::Symlink,
            OpenFailure::NotAFile => FileProblem::NotAFile,
            OpenFailure::Io(action, source) => FileProblem::Io { action, source },
        };
        FileError::new(file, path, problem)
    }

    /// Whether lockward refused the path for being a symbolic link.
    pub fn is_symlink(&self) -> bool {
        matches!(self.problem, FileProblem::Symlink)
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.path.display();
        match (&self.problem, self.file) {
            (FileProblem::Symlink, Own::State) => write!(
                f,
                "the state file {p} is a symbolic link, which lockward refuses: it replaces the \
                 file by renaming over it, which would replace the link rather than the file it \
                 points to\nhint: pass the real file with --state {p}"
            ),
            (FileProblem::Symlink, Own::Journal) => write!(
                f,
                "the journal {p} is a symbolic link, which lockward refuses\nhint: move the link \
                 away; lockward creates the journal itself beside the state file"
            ),
            (FileProblem::Symlink, Own::StateLock) => write!(
                f,
                "the state lock file {p} is a symbolic link, which lockward refuses\nhint: remove \
                 the link; lockward creates the lock file itself"
            ),
            (FileProblem::Symlink, Own::Plan) => write!(
                f,
                "the plan file {p} is a symbolic link, which lockward refuses\nhint: pass the real \
                 file"
            ),
            (FileProblem::NotAFile, Own::State) => write!(
                f,
                "the state path {p} is not a regular file\nhint: pass the path of a state file \
                 with --state"
            ),
            (FileProblem::NotAFile, Own::Journal) => write!(
                f,
                "the journal path {p} is not a regular file\nhint: move it away; lockward creates \
                 the journal itself beside the state file"
            ),
            (FileProblem::NotAFile, Own::StateLock) => write!(
                f,
                "the state lock path {p} is not a regular file\nhint: move it away; lockward \
                 creates the lock file itself"
            ),
            (FileProblem::NotAFile, Own::Plan) => write!(
                f,
                "the plan file {p} is not a regular file\nhint: pass a file written by \
                 `lockward plan --out`"
            ),
            (FileProblem::Io { action, source }, Own::State) => write!(
                f,
                "could not {action} {p}: {source}\nhint: check that the directory exists, is \
                 writable and has free space, then run the command again"
            ),
            (FileProblem::Io { action, source }, Own::Journal) => write!(
                f,
                "could not {action} the journal {p}: {source}\nhint: check that the directory is \
                 writable and has free space; nothing was called after the last record that was \
                 written"
            ),
            (FileProblem::Io { action, source }, Own::StateLock) => write!(
                f,
                "could not {action} the state lock file {p}: {source}\nhint: check that the \
                 state file's directory exists and is writable"
            ),
            (FileProblem::Io { action, source }, Own::Plan) => write!(
                f,
                "could not {action} the plan file {p}: {source}\nhint: check the path, and that \
                 its directory exists and is writable"
            ),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            FileProblem::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = open_regular(&fifo).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
        assert!(check_write(&fifo, Purpose::SavedPlan).is_err());
        let err = open_regular(Path::new("/dev/null")).unwrap_err();
        assert!(err.to_string().contains("a device"), "{err}");
    }

    #[test]
    fn only_new_files_or_our_own_kind_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        check_write(&path, Purpose::ErroredState).unwrap();
        write_new(&path, b"one", Purpose::ErroredState).unwrap();
        assert!(write_new(&path, b"two", Purpose::ErroredState).is_err());
        assert!(check_write(&path, Purpose::ManPage).is_err());
        fs::write(&path, ".ie \\n(.g .ds Aq \\(aq\n.TH lockward 1\n").unwrap();
        check_write(&path, Purpose::ManPage).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert!(check_write(&link, Purpose::ErroredState).is_err());
    }
}

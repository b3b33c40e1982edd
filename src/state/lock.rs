//! The state lock: an OS advisory lock (`flock`) on `<state>.lock`, held for a whole apply so
//! that two applies never interleave their calls and state writes.
//!
//! Guarantees callers may rely on:
//! - While a [`StateLock`] is alive, no other [`StateLock::acquire`] on the same state path
//!   succeeds, in this process or another. The lock is released when it is dropped, and by the
//!   OS when the process dies, however it dies: a lock is never left behind by a crash.
//! - The lock file says who holds the lock (pid, host, start time), so a refused acquirer can
//!   name the holder. The lock file itself is never deleted: deleting it would let two
//!   processes lock two different files under the same name.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::durable;
use crate::files::{FileError, Own};

/// The suffix of the lock file: `<state>.lock`.
pub const LOCK_SUFFIX: &str = ".lock";

/// How often a waiting acquirer tries again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Who holds a state lock, as written (JSON) in the lock file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// A UUID v4 naming this hold of the lock, for journal records.
    pub id: String,
    pub pid: u32,
    pub host: String,
    /// When the lock was taken, from the system clock of the holder's host.
    pub started_at: Timestamp,
    /// What the holder is doing, e.g. `apply`.
    pub operation: String,
    /// The lockward version of the holder.
    pub version: String,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} on host {}, since {} (lockward {} {})",
            self.pid, self.host, self.started_at, self.version, self.operation
        )
    }
}

/// Why the state lock could not be taken. Each message names the lock file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", held_message(path, holder.as_deref(), *waited))]
    Held {
        path: PathBuf,
        /// `None` when the holder wrote nothing readable (it may have only just taken the lock).
        holder: Option<Box<LockHolder>>,
        /// How long this acquirer waited before giving up (zero: it did not wait).
        waited: Duration,
    },

    #[error(transparent)]
    File(#[from] crate::files::FileError),
}

fn held_message(path: &Path, holder: Option<&LockHolder>, waited: Duration) -> String {
    let who = match holder {
        Some(holder) => format!("held by {holder}"),
        None => "held by another process that has not said who it is (it may have only just \
                 taken the lock)"
            .to_string(),
    };
    let after = if waited.is_zero() {
        String::new()
    } else {
        format!(" after waiting {}", humanize(waited))
    };
    format!(
        "the state is locked{after}: {} is {who}\nhint: another lockward is applying to this \
         state; wait for it to finish, or pass --lock-timeout (e.g. --lock-timeout 5m) to wait \
         for it. A lock is released as soon as its process ends, so that process is still \
         running",
        path.display()
    )
}

fn humanize(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `<state>.lock` for the state file at `state_path`.
pub fn lock_path(state_path: &Path) -> PathBuf {
    durable::with_suffix(state_path, LOCK_SUFFIX)
}

/// A held state lock. Dropping it releases the lock.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    file: File,
    holder: LockHolder,
}

impl StateLock {
    /// Takes the lock for the state file at `state_path`, for `operation` (e.g. `"apply"`).
    ///
    /// With a zero `timeout` a held lock is refused at once; otherwise this waits up to
    /// `timeout`, polling, and then is refused the same way. The refusal
    /// ([`LockError::Held`]) names the holder. Blocks the calling thread while it waits.
    pub fn acquire(
        state_path: &Path,
        operation: &str,
        timeout: Duration,
    ) -> Result<StateLock, LockError> {
        let path = lock_path(state_path);
        let (mut file, _) = durable::open_or_create_private(&path, false)
            .map_err(|failure| LockError::File(FileError::open(Own::StateLock, &path, failure)))?;
        let io_err = |action: &'static str| {
            let path = path.clone();
            move |source: io::Error| {
                LockError::File(FileError::io(Own::StateLock, &path, action, source))
            }
        };

        let start = Instant::now();
        // A timeout too large to represent waits for as long as it takes.
        let deadline = start.checked_add(timeout);
        loop {
            if FileExt::try_lock_exclusive(&file).map_err(io_err("lock"))? {
                break;
            }
            let now = Instant::now();
            let left = deadline.map(|d| d.saturating_duration_since(now));
            if left.is_some_and(|left| left.is_zero()) {
                let holder = read_holder(&mut file);
                return Err(LockError::Held {
                    holder,
                    path: path.clone(),
                    waited: now.duration_since(start).min(timeout),
                });
            }
            std::thread::sleep(left.map_or(POLL_INTERVAL, |left| POLL_INTERVAL.min(left)));
        }

        let holder = LockHolder {
            id: uuid::Uuid::new_v4().to_string(),
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started_at: crate::environment::wall_clock(),
            operation: operation.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let lock = StateLock {
            path: path.clone(),
            file,
            holder,
        };
        lock.write_holder()
            .map_err(io_err("write the holder into"))?;
        Ok(lock)
    }

    /// The lock file, `<state>.lock`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's device and inode as this process holds it: a lock file someone
    /// removed (and another run created again) is another file.
    pub fn identity(&self) -> Option<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        self.file.metadata().ok().map(|m| (m.dev(), m.ino()))
    }

    /// Who holds the lock: this process.
    pub fn holder(&self) -> &LockHolder {
        &self.holder
    }

    /// Writes the holder in one write at offset 0, then cuts off anything a crashed earlier
    /// holder left beyond it, so a reader sees either nothing or the whole record.
    fn write_holder(&self) -> io::Result<()> {
        let mut text = serde_json::to_vec(&self.holder).map_err(io::Error::other)?;
        text.push(b'\n');
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&text)?;
        file.set_len(text.len() as u64)?;
        Ok(())
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Clear the holder while still holding the lock, then release it. Closing the file
        // would release it too; failures here cannot leave the lock held.
        if let Err(err) = self.file.set_len(0) {
            tracing::debug!(%err, path = %self.path.display(), "could not clear the lock holder");
        }
        if let Err(err) = FileExt::unlock(&self.file) {
            tracing::debug!(%err, path = %self.path.display(), "could not unlock; closing");
        }
    }
}

/// The holder recorded in a lock file, if it can be read.
fn read_holder(file: &mut File) -> Option<Box<LockHolder>> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn state_in(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("lockward.state.json")
    }

    #[test]
    fn a_second_acquirer_in_the_same_process_is_refused_at_once_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let first = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap();
        assert_eq!(first.path(), lock_path(&state));
        assert_eq!(
            fs::metadata(first.path()).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let started = Instant::now();
        let err = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1), "must not wait");
        let LockError::Held {
            holder: Some(holder),
            waited,
            ..
        } = &err
        else {
            panic!("expected a held lock naming its holder, got {err}");
        };
        assert_eq!(**holder, *first.holder());
        assert!(waited.is_zero());
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains(&first.holder().host), "{text}");
        assert!(
            text.contains(&first.holder().started_at.to_string()),
            "{text}"
        );
        assert!(text.contains(&first.path().display().to_string()), "{text}");
        assert!(text.contains("\nhint: "), "{text}");

        drop(first);
        let again = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap();
        assert_eq!(again.holder().pid, std::process::id());
    }

    #[test]
    fn waiting_acquirer_gives_up_after_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let _held = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap();
        let started = Instant::now();
        let err = StateLock::acquire(&state, "apply", Duration::from_millis(150)).unwrap_err();
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        assert!(
            matches!(
                err,
                LockError::Held {
                    holder: Some(_),
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("after waiting 150ms"), "{err}");
    }

    #[test]
    fn waiting_acquirer_gets_the_lock_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let held = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        let lock = StateLock::acquire(&state, "apply", Duration::from_secs(10)).unwrap();
        releaser.join().unwrap();
        let recorded: LockHolder =
            serde_json::from_str(&fs::read_to_string(lock.path()).unwrap()).unwrap();
        assert_eq!(&recorded, lock.holder());
    }

    #[test]
    fn released_lock_file_stays_and_is_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let lock = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap();
        let path = lock.path().to_path_buf();
        drop(lock);
        assert_eq!(fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn stale_holder_text_from_a_crashed_process_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let path = lock_path(&state);
        fs::write(&path, "x".repeat(4096)).unwrap();
        let lock = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap();
        let recorded: LockHolder =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(&recorded, lock.holder());
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn symlinked_lock_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let target = dir.path().join("elsewhere");
        fs::write(&target, b"").unwrap();
        std::os::unix::fs::symlink(&target, lock_path(&state)).unwrap();
        let err = StateLock::acquire(&state, "apply", Duration::ZERO).unwrap_err();
        assert!(
            matches!(&err, LockError::File(f) if f.is_symlink()),
            "{err}"
        );
    }
}

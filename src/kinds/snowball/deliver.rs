//! Writing a Snowball unlock code to its `deliver_to` file: created new (never overwriting,
//! never through a symlink), mode 0600, durable before it is recorded.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

pub use super::DeliveryTarget;

use crate::digest;

/// A delivery prepared before the code is retrieved: a private temp file beside the target.
/// Dropped without [`Pending::commit`], it removes its temp file.
pub struct Pending {
    target: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

/// Looks at `target` the way a delivery will: a symlink, anything but a regular file, a path
/// through a symlinked directory, a directory writable by everyone, or a missing directory
/// outside `config_dir` is refused. Reads only; changes nothing.
pub fn inspect(target: &Path, config_dir: &Path) -> DeliveryTarget {
    let (target, config_dir) = (&absolute(target), &absolute(config_dir));
    let shown = shown(target, config_dir);
    let refused = |reason: String| DeliveryTarget::Refused { reason };
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return refused(format!(
                "`{shown}` is a symbolic link; lockward never writes through one"
            ));
        }
        Ok(meta) if !meta.file_type().is_file() => {
            return refused(format!(
                "`{shown}` exists and is not a regular file ({})",
                file_type_word(&meta)
            ));
        }
        Ok(_) => {
            return match fs::read(target) {
                Ok(bytes) => DeliveryTarget::File {
                    fingerprint: digest::sha256(&bytes),
                },
                Err(e) => refused(format!(
                    "`{shown}` exists but cannot be read: {}",
                    io_words(&e)
                )),
            };
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return refused(format!("`{shown}` cannot be examined: {}", io_words(&e))),
    }
    // Walk the directories down to the target: none may be a symlink, and the first missing one
    // must lie inside the config file's directory for apply to create it.
    let Some(parent) = target.parent() else {
        return refused(format!("`{shown}` has no directory"));
    };
    let inside = parent.starts_with(config_dir);
    let mut walked = PathBuf::new();
    let mut creates_dir = false;
    for component in parent.components() {
        walked.push(component);
        // Directories above the config file's directory are the user's own layout: only the
        // part lockward is told to write into is checked for symlinks.
        let checked = !inside || walked.starts_with(config_dir) && walked != *config_dir;
        match fs::symlink_metadata(&walked) {
            Ok(meta) if meta.file_type().is_symlink() && checked => {
                return refused(format!(
                    "`{}` is a symbolic link to a directory; lockward does not deliver through one",
                    shown_dir(&walked, config_dir)
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !inside {
                    return refused(format!(
                        "the directory `{}` does not exist; lockward creates missing directories only inside the config file's directory: create it (mode 0700)",
                        shown_dir(parent, config_dir)
                    ));
                }
                creates_dir = true;
                break;
            }
            Err(e) => {
                return refused(format!(
                    "`{}` cannot be examined: {}",
                    shown_dir(&walked, config_dir),
                    io_words(&e)
                ))
            }
        }
    }
    if !creates_dir {
        match fs::metadata(parent) {
            Ok(meta) if !meta.is_dir() => {
                return refused(format!(
                    "`{}` is not a directory",
                    shown_dir(parent, config_dir)
                ));
            }
            Ok(meta) if meta.permissions().mode() & 0o002 != 0 => {
                return refused(format!(
                    "the directory `{}` is writable by everyone; lockward will not deliver an unlock code there",
                    shown_dir(parent, config_dir)
                ));
            }
            Ok(_) => {}
            Err(e) => {
                return refused(format!(
                    "the directory `{}` cannot be used: {}",
                    shown_dir(parent, config_dir),
                    io_words(&e)
                ))
            }
        }
    }
    DeliveryTarget::Absent { creates_dir }
}

fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    crate::config::validate::normalize_lexically(
        &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

/// `path` as lockward shows it: relative to the config file's directory when inside it.
fn shown(path: &Path, config_dir: &Path) -> String {
    path.strip_prefix(config_dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn shown_dir(path: &Path, config_dir: &Path) -> String {
    match path.strip_prefix(config_dir) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn file_type_word(meta: &fs::Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// An I/O error in words, without Rust's Debug text.
fn io_words(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::NotFound => "not found".to_string(),
        _ => e.to_string(),
    }
}

impl Pending {
    /// Checks that `target` can be written safely (exactly what [`inspect`] checks at plan
    /// time), creates its missing directories inside `config_dir` (mode 0700), and creates the
    /// temp file.
    pub fn prepare(target: &Path, config_dir: &Path) -> io::Result<Pending> {
        crate::files::check_write(target, crate::files::Purpose::DeliveredCode)
            .map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, e.to_string()))?;
        match inspect(target, config_dir) {
            DeliveryTarget::Absent { creates_dir } => {
                if creates_dir {
                    if let Some(parent) = target.parent() {
                        fs::DirBuilder::new()
                            .recursive(true)
                            .mode(0o700)
                            .create(parent)?;
                    }
                }
            }
            DeliveryTarget::File { .. } => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "`{}` already exists; lockward never overwrites it",
                        shown(target, config_dir)
                    ),
                ))
            }
            DeliveryTarget::Refused { reason } => {
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, reason))
            }
        }
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_leftovers(dir, &name);
        // O_CREAT|O_EXCL: fails on anything already there, a symlink included.
        let temp = dir.join(format!(
            ".{name}.lockward-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        Ok(Pending {
            target: target.to_path_buf(),
            temp,
            file: Some(file),
        })
    }

    /// Writes the code, makes it durable, and moves it into place without replacing anything.
    /// Returns the code's fingerprint (`sha256:…` of exactly the bytes written).
    pub fn commit(mut self, code: &SecretString) -> io::Result<String> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("delivery already committed"))?;
        let bytes = code.expose_secret().as_bytes();
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        // A hard link fails if the target exists, so nothing is ever replaced.
        fs::hard_link(&self.temp, &self.target)?;
        let _ = fs::remove_file(&self.temp);
        if let Some(dir) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(digest::sha256(bytes))
    }
}

/// Removes temp files an earlier delivery to the same target left behind when it was killed
/// before it could clean up (one may hold a copy of a code). Safe because apply holds the state
/// lock: no other lockward is delivering to this target now.
fn remove_leftovers(dir: &Path, name: &str) {
    let prefix = format!(".{name}.lockward-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let leftover = entry.file_name().to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_file());
        if leftover {
            let _ = fs::remove_file(entry.path());
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.temp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_once_with_mode_0600_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let target = dir.path().join("site.code");
        let code = SecretString::from("12345-abcde-56789-fghij-01234");
        let fp = Pending::prepare(&target, dir.path())
            .unwrap()
            .commit(&code)
            .unwrap();
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            "12345-abcde-56789-fghij-01234"
        );
        assert_eq!(
            fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fp, digest::sha256(b"12345-abcde-56789-fghij-01234"));
        assert!(
            Pending::prepare(&target, dir.path()).is_err(),
            "an existing file is refused"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file left behind");
    }

    /// Regression: a delivery killed between writing the code and moving it into place left a
    /// hidden copy of the code beside the target, and nothing ever removed it.
    #[test]
    fn regression_leftovers_of_a_killed_delivery_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let leftover = dir.path().join(".site.code.lockward-0123456789abcdef");
        fs::write(&leftover, "12345-abcde-56789-fghij-01234").unwrap();
        let unrelated = dir.path().join(".other.code.lockward-0123456789abcdef");
        fs::write(&unrelated, "x").unwrap();
        let target = dir.path().join("site.code");
        let code = SecretString::from("12345-abcde-56789-fghij-01234");
        Pending::prepare(&target, dir.path())
            .unwrap()
            .commit(&code)
            .unwrap();
        assert!(!leftover.exists(), "the leftover copy was removed");
        assert!(unrelated.exists(), "another target's files are left alone");
    }

    #[test]
    fn refuses_symlinks_and_world_writable_directories() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.path().join("link.code");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &link).unwrap();
        assert!(Pending::prepare(&link, dir.path()).is_err());
        let open = dir.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        let err = Pending::prepare(&open.join("x.code"), dir.path())
            .err()
            .unwrap();
        assert!(err.to_string().contains("writable by everyone"));
    }
}

//! Writing a Snowball unlock code to its `deliver_to` file: created new (never overwriting,
//! never through a symlink), mode 0600, durable before it is recorded.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub use super::DeliveryTarget;

use crate::digest;

/// A delivery prepared before the code is retrieved: a private temp file beside the target.
/// Dropped without [`Pending::commit`], it removes its temp file unless it holds a code
/// ([`holds_a_code`]): a code AWS disclosed is never deleted.
pub struct Pending {
    target: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

/// Looks at `target` the way a delivery will: a symlink, anything but a regular file, a path
/// through a symlinked directory, a directory writable by everyone, or a missing directory
/// outside `config_dir` is refused. Reads only; changes nothing.
pub fn inspect(target: &Path, config_dir: &Path) -> DeliveryTarget {
    // `target` is relative to the config's directory, wherever lockward was started.
    let target = &config_dir.join(target);
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

/// `path` as lockward shows it (relative to the config file's directory when inside it),
/// whether either was given relative to the working directory or not.
pub(crate) fn display(path: &Path, config_dir: &Path) -> String {
    shown(&absolute(path), &absolute(config_dir))
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

/// A temp file that holds a code whose delivery did not complete (the link into place failed,
/// or lockward was stopped before it): the next plan shows `complete_delivery`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeptCode {
    /// The temp file, as lockward shows paths (relative to the config file's directory when
    /// inside it).
    #[schemars(with = "String")]
    pub path: PathBuf,
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub fingerprint: String,
}

/// A delivery that did not complete, with the temp file that holds the code when one does.
#[derive(Debug)]
pub struct NotDelivered {
    pub error: io::Error,
    /// The temp file kept because it holds the code, and the code's fingerprint.
    pub kept: Option<(PathBuf, String)>,
}

/// The fingerprint of what `path` holds when it is a regular file (not a symlink) holding what
/// has the shape of an unlock code: a short run of printable ASCII without spaces. An empty
/// file (a delivery stopped before the code came) does not.
pub fn holds_a_code(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() || meta.len() > 256 {
        return None;
    }
    let bytes = fs::read(path).ok()?;
    let token = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    let shaped = (8..=128).contains(&token.len()) && token.iter().all(|b| b.is_ascii_graphic());
    shaped.then(|| digest::sha256(&bytes))
}

/// The temp files beside `target` that an earlier delivery left holding a code, sorted.
pub fn kept(target: &Path, config_dir: &Path) -> Vec<KeptCode> {
    // `target` is relative to the config's directory, wherever lockward was started.
    let target = &config_dir.join(target);
    let (target, config_dir) = (&absolute(target), &absolute(config_dir));
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Vec::new();
    };
    let prefix = format!(".{}.lockward-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut kept: Vec<KeptCode> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter_map(|e| {
            let fingerprint = holds_a_code(&e.path())?;
            Some(KeptCode {
                path: PathBuf::from(shown(&e.path(), config_dir)),
                fingerprint,
            })
        })
        .collect();
    kept.sort_by(|a, b| a.path.cmp(&b.path));
    kept
}

/// Completes a delivery from a kept temp file (`kept.path`, relative to `config_dir`): checks it
/// still holds the code with `kept.fingerprint` and that `target` can be written (what
/// [`inspect`] checks), links it into place without replacing anything, and only then removes
/// the temp file. Nothing is deleted on any failure.
pub fn complete(kept: &KeptCode, target: &Path, config_dir: &Path) -> io::Result<()> {
    // `target` is relative to the config's directory, wherever lockward was started.
    let target = &config_dir.join(target);
    let temp = absolute(&config_dir.join(&kept.path));
    if holds_a_code(&temp).as_deref() != Some(kept.fingerprint.as_str()) {
        return Err(io::Error::other(format!(
            "`{}` no longer holds the code with fingerprint {} that the plan found",
            kept.path.display(),
            kept.fingerprint
        )));
    }
    match inspect(target, config_dir) {
        DeliveryTarget::Absent { .. } => {}
        DeliveryTarget::File { .. } => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "`{}` exists now and lockward did not deliver it; the code stays in `{}`",
                    shown(target, config_dir),
                    kept.path.display()
                ),
            ))
        }
        DeliveryTarget::Refused { reason } => {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, reason))
        }
    }
    fs::hard_link(&temp, target).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "could not link `{}` to `{}`: {e}; the code stays in `{}`",
                kept.path.display(),
                shown(target, config_dir),
                kept.path.display()
            ),
        )
    })?;
    sync_parent(target)?;
    let _ = fs::remove_file(&temp);
    sync_parent(target)
}

fn sync_parent(target: &Path) -> io::Result<()> {
    match target.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

impl Pending {
    /// Checks that `target` can be written safely (exactly what [`inspect`] checks at plan
    /// time), creates its missing directories inside `config_dir` (mode 0700), and creates the
    /// temp file.
    pub fn prepare(target: &Path, config_dir: &Path) -> io::Result<Pending> {
        // `target` is relative to the config's directory, wherever lockward was started.
        let target = &config_dir.join(target);
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
        // A code retrieved earlier waits in a temp file: deliver that one, never retrieve again
        // over it (the plan offers complete_delivery).
        if let Some(k) = kept(target, config_dir).first() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "a code retrieved earlier is kept in `{}`; plan again to complete its delivery",
                    k.path.display()
                ),
            ));
        }
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
    /// Returns the code's fingerprint (`sha256:…` of exactly the bytes written). On failure the
    /// temp file is kept when it holds the code, and named.
    pub fn commit(mut self, code: &SecretString) -> Result<String, NotDelivered> {
        let bytes = code.expose_secret().as_bytes();
        self.write_and_link(bytes).map_err(|error| NotDelivered {
            error,
            kept: holds_a_code(&self.temp).map(|fingerprint| (self.temp.clone(), fingerprint)),
        })?;
        Ok(digest::sha256(bytes))
    }

    fn write_and_link(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("delivery already committed"))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        sync_parent(&self.target)?;
        // A hard link fails if the target exists, so nothing is ever replaced.
        fs::hard_link(&self.temp, &self.target)?;
        sync_parent(&self.target)?;
        let _ = fs::remove_file(&self.temp);
        sync_parent(&self.target)
    }
}

/// Removes the temp files an earlier delivery to the same target left empty when it was
/// stopped before the code came. One that holds a code is never removed ([`holds_a_code`]):
/// it may be the only copy of a code AWS disclosed. Safe because apply holds the state lock:
/// no other lockward is delivering to this target now.
fn remove_leftovers(dir: &Path, name: &str) {
    let prefix = format!(".{name}.lockward-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let leftover = entry.file_name().to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_file());
        if leftover && holds_a_code(&entry.path()).is_none() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if holds_a_code(&self.temp).is_none() {
            let _ = fs::remove_file(&self.temp);
        }
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

    /// An empty temp file (a delivery stopped before the code came) is removed; one that
    /// holds a code is the only copy of a disclosed code and is never removed: the delivery
    /// refuses to retrieve over it and names it.
    #[test]
    fn empty_leftovers_are_removed_and_one_holding_a_code_is_kept_and_named() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let empty = dir
            .path()
            .join(".site.code.lockward-00000000000000000000000000000000");
        fs::write(&empty, "").unwrap();
        let unrelated = dir.path().join(".other.code.lockward-0123456789abcdef");
        fs::write(&unrelated, "x").unwrap();
        let target = dir.path().join("site.code");
        let code = SecretString::from("12345-abcde-56789-fghij-01234");
        Pending::prepare(&target, dir.path())
            .unwrap()
            .commit(&code)
            .unwrap();
        assert!(!empty.exists(), "the empty leftover was removed");
        assert!(unrelated.exists(), "another target's files are left alone");

        let other = dir.path().join("other.code");
        let holding = dir.path().join(".other.code.lockward-ffff");
        fs::write(&holding, "12345-abcde-56789-fghij-01234").unwrap();
        let err = Pending::prepare(&other, dir.path()).err().unwrap();
        assert!(
            err.to_string().contains(".other.code.lockward-ffff"),
            "{err}"
        );
        assert!(
            holding.exists(),
            "a leftover holding a code is never removed"
        );
        let found = kept(&other, dir.path());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, PathBuf::from(".other.code.lockward-ffff"));
        complete(&found[0], &other, dir.path()).unwrap();
        assert_eq!(
            fs::read_to_string(&other).unwrap(),
            "12345-abcde-56789-fghij-01234"
        );
        assert!(!holding.exists(), "the temp file is removed once linked");
    }

    /// A file that appears at the target while the code is in flight makes the link fail:
    /// the temp file holding the code is kept and named, never deleted.
    #[test]
    fn a_target_that_appears_before_the_link_keeps_the_temp_file_holding_the_code() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let target = dir.path().join("site.code");
        let pending = Pending::prepare(&target, dir.path()).unwrap();
        fs::write(&target, "someone else's").unwrap();
        let code = SecretString::from("12345-abcde-56789-fghij-01234");
        let err = pending.commit(&code).err().unwrap();
        let (temp, fingerprint) = err.kept.expect("the temp file is kept");
        assert_eq!(
            fs::read_to_string(&temp).unwrap(),
            "12345-abcde-56789-fghij-01234"
        );
        assert_eq!(
            fingerprint,
            digest::sha256(b"12345-abcde-56789-fghij-01234")
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "someone else's");
        // Completing it refuses while the other file is there, and deletes nothing.
        let found = kept(&target, dir.path());
        let err = complete(&found[0], &target, dir.path()).unwrap_err();
        assert!(err.to_string().contains("did not deliver"), "{err}");
        assert!(temp.exists());
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

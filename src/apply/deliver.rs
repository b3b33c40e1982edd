//! Writing a Snowball unlock code to its `deliver_to` file: created new (never overwriting,
//! never through a symlink), mode 0600, durable before it is recorded.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::digest;

/// A delivery prepared before the code is retrieved: a private temp file beside the target.
/// Dropped without [`Pending::commit`], it removes its temp file.
pub struct Pending {
    target: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

impl Pending {
    /// Checks that `target` can be written safely and creates the temp file.
    ///
    /// Refused: `target` exists (a file, a symlink, anything); its directory is missing or
    /// writable by everyone.
    pub fn prepare(target: &Path) -> io::Result<Pending> {
        if fs::symlink_metadata(target).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "`{}` already exists; lockward never overwrites it",
                    target.display()
                ),
            ));
        }
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let meta = fs::metadata(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "the directory of `{}` cannot be used: {e}",
                    target.display()
                ),
            )
        })?;
        if !meta.is_dir() {
            return Err(io::Error::other(format!(
                "`{}` is not a directory",
                dir.display()
            )));
        }
        if meta.permissions().mode() & 0o002 != 0 {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "`{}` is writable by everyone; lockward will not deliver an unlock code there",
                    dir.display()
                ),
            ));
        }
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
        let fp = Pending::prepare(&target).unwrap().commit(&code).unwrap();
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
            Pending::prepare(&target).is_err(),
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
        Pending::prepare(&target).unwrap().commit(&code).unwrap();
        assert!(!leftover.exists(), "the leftover copy was removed");
        assert!(unrelated.exists(), "another target's files are left alone");
    }

    #[test]
    fn refuses_symlinks_and_world_writable_directories() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.path().join("link.code");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &link).unwrap();
        assert!(Pending::prepare(&link).is_err());
        let open = dir.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        let err = Pending::prepare(&open.join("x.code")).err().unwrap();
        assert!(err.to_string().contains("writable by everyone"));
    }
}

//! File operations shared by the state file, its lock, the journal and saved plans: they never
//! follow a symlink at the final path component, create files mode 0600, and replace files
//! atomically (temp file in the same directory, fsync, rename, fsync the directory).

use std::ffi::OsString;
use std::fs::{self, File, Metadata, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Owner read and write, nothing for anyone else.
pub(crate) const PRIVATE_MODE: u32 = 0o600;

/// Why a path could not be opened the safe way.
#[derive(Debug)]
pub(crate) enum OpenFailure {
    /// The path is a symbolic link (or was swapped for one while it was being opened).
    Symlink,
    /// The path is a directory, a device, a socket or a FIFO.
    NotAFile,
    /// The operating system refused; `action` says what was being done.
    Io(&'static str, io::Error),
}

/// `path` with `suffix` appended to its file name: `lockward.state.json` + `.lock`.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut text: OsString = path.as_os_str().to_owned();
    text.push(suffix);
    PathBuf::from(text)
}

/// The directory `path` lives in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// What is at `path`, without following a symlink: `None` when nothing is there.
pub(crate) fn inspect(path: &Path) -> Result<Option<Metadata>, OpenFailure> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(OpenFailure::Symlink),
        Ok(meta) if !meta.file_type().is_file() => Err(OpenFailure::NotAFile),
        Ok(meta) => Ok(Some(meta)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(OpenFailure::Io("inspect", err)),
    }
}

/// Opens the regular file at `path` with `options` (which must not create it); `None` when
/// nothing is there. A symlink is refused, including one swapped in between the check and the
/// open (the opened file must be the very inode that was checked).
pub(crate) fn open_existing(
    path: &Path,
    options: &OpenOptions,
) -> Result<Option<File>, OpenFailure> {
    let Some(checked) = inspect(path)? else {
        return Ok(None);
    };
    let file = match options.open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(OpenFailure::Io("open", err)),
    };
    let opened = file.metadata().map_err(|e| OpenFailure::Io("inspect", e))?;
    if (opened.dev(), opened.ino()) != (checked.dev(), checked.ino()) {
        return Err(OpenFailure::Symlink);
    }
    Ok(Some(file))
}

/// Opens the regular file at `path` for reading and writing (appending when `append`),
/// creating it mode 0600 when it does not exist. Returns the file and whether it was created.
/// A symlink is refused; an existing file is narrowed to mode 0600.
pub(crate) fn open_or_create_private(
    path: &Path,
    append: bool,
) -> Result<(File, bool), OpenFailure> {
    let mut existing = OpenOptions::new();
    existing.read(true);
    if append {
        existing.append(true);
    } else {
        existing.write(true);
    }
    // Someone else may create or remove the file between our steps; a few rounds settle it.
    for _ in 0..8 {
        if inspect(path)?.is_none() {
            let mut create = existing.clone();
            create.create_new(true).mode(PRIVATE_MODE);
            match create.open(path) {
                Ok(file) => {
                    make_private(&file).map_err(|e| OpenFailure::Io("set the mode of", e))?;
                    return Ok((file, true));
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(OpenFailure::Io("create", err)),
            }
        }
        if let Some(file) = open_existing(path, &existing)? {
            make_private(&file).map_err(|e| OpenFailure::Io("set the mode of", e))?;
            return Ok((file, false));
        }
    }
    Err(OpenFailure::Io(
        "open",
        io::Error::other("the file kept appearing and disappearing while it was opened"),
    ))
}

/// Sets mode 0600 on an open file unless it has it already.
pub(crate) fn make_private(file: &File) -> io::Result<()> {
    let mode = file.metadata()?.permissions().mode() & 0o7777;
    if mode != PRIVATE_MODE {
        file.set_permissions(Permissions::from_mode(PRIVATE_MODE))?;
    }
    Ok(())
}

/// Writes `bytes` to a new temp file (mode 0600) in the directory of `path`, named after it
/// (`.<name>.<random>.tmp`), and fsyncs it. The temp file is removed if it is dropped before
/// being persisted.
pub(crate) fn write_temp_beside(path: &Path, bytes: &[u8]) -> io::Result<NamedTempFile> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(PRIVATE_MODE))
        .tempfile_in(parent_dir(path))?;
    make_private(temp.as_file())?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    Ok(temp)
}

/// Renames `temp` over `path` and fsyncs the directory, so that after return the new content
/// survives a crash, and before the rename completes `path` still holds the old content.
pub(crate) fn persist(temp: NamedTempFile, path: &Path) -> io::Result<()> {
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(path)
}

/// Replaces `path` with `bytes` atomically, mode 0600 (see [`write_temp_beside`], [`persist`]).
pub(crate) fn replace_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp_beside(path, bytes)?;
    persist(temp, path)
}

/// Fsyncs the directory holding `path`, so that a rename or a creation in it is durable.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(parent_dir(path))?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_is_appended_to_the_file_name() {
        assert_eq!(
            with_suffix(Path::new("dir/lockward.state.json"), ".lock"),
            PathBuf::from("dir/lockward.state.json.lock")
        );
        assert_eq!(parent_dir(Path::new("x.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("d/x.json")), Path::new("d"));
    }

    #[test]
    fn created_files_are_private_and_symlinks_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let (_, created) = open_or_create_private(&path, true).unwrap();
        assert!(created);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (_, created) = open_or_create_private(&path, true).unwrap();
        assert!(!created);

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(
            open_or_create_private(&link, true),
            Err(OpenFailure::Symlink)
        ));
        assert!(matches!(
            open_existing(&link, OpenOptions::new().read(true)),
            Err(OpenFailure::Symlink)
        ));
        assert!(matches!(
            open_existing(dir.path(), OpenOptions::new().read(true)),
            Err(OpenFailure::NotAFile)
        ));
    }

    #[test]
    fn replace_atomically_narrows_an_existing_file_to_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        replace_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // No temp file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

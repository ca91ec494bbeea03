//! Files that hold a secret (passwords, tokens, recovery keys, Synapse's secrets): written
//! atomically (a crash leaves the old file or the new one, never half of one) and readable only by
//! their owner. Every part of Kring writes secrets through this one function.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // A symlink planted where the secret goes would make it land somewhere else (or be read
    // from there): refused, for the file itself and for its temporary twin.
    if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; a secret is not written through one",
                path.display()
            ),
        ));
    }
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    // The rename itself survives a crash only once the directory is on disk too.
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(parent)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_owner_only_and_replaces_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("secret");
        write_private(&path, b"first").unwrap();
        write_private(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn a_symlink_in_the_way_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"not yours").unwrap();
        let path = dir.path().join("secret");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert!(write_private(&path, b"secret").is_err());
        // The temporary twin planted as a link is refused too.
        let other = dir.path().join("other");
        std::os::unix::fs::symlink(&elsewhere, other.with_extension("tmp")).unwrap();
        assert!(write_private(&other, b"secret").is_err());
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"not yours");
    }
}

//! Replacing a small private file (`config.json`, `database-tokens.json`)
//! the way a file shared with another program must be replaced:
//!
//! - atomically: a temporary file in the same directory, synced, then
//!   renamed over the old one, so a reader (the official CLI) sees the old
//!   content or the new, never half of it;
//! - privately: mode 0600 on Unix (it may hold a token), its directory
//!   0700 when we create it;
//! - through symlinks: a `config.json` that links elsewhere (dotfile
//!   managers do this) stays a link; the file it points to is replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

/// More links than this in a row is a loop (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path` as described above; returns the file actually
/// written (the link's target when `path` is a symlink).
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let target = resolve_links(path)?;
    let dir = parent(&target);
    if !dir.exists() {
        std::fs::create_dir_all(dir)?;
        set_mode(dir, 0o700)?;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    set_mode(tmp.path(), 0o600)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(target)
}

/// The file `path` finally names: symlinks followed (relative ones from
/// the link's own directory), the last one possibly dangling.
pub fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&at)?;
                at = parent(&at).join(link);
            }
            Ok(_) => return Ok(at),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(at),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row (a loop?)"
    )))
}

/// The directory holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Makes the rename itself durable (best effort: the content already is).
#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_link_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = replace(&a, b"{}").unwrap_err().to_string();
        assert!(err.contains("symbolic links"), "{err}");
    }

    #[test]
    fn a_relative_link_is_followed_from_its_own_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dotfiles")).unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        let link = dir.path().join("conf/config.json");
        std::os::unix::fs::symlink("../dotfiles/comwit.json", &link).unwrap();
        let written = replace(&link, b"{}\n").unwrap();
        assert_eq!(written, dir.path().join("conf/../dotfiles/comwit.json"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("dotfiles/comwit.json")).unwrap(),
            "{}\n"
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}

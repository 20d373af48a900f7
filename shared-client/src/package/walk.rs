//! The safe walk of the directory to pack, in archive order.
//!
//! The order is that of the full relative paths compared as bytes, so
//! `a.txt` (0x2e) comes before `a/b` (0x2f). It is produced lazily: each
//! directory is listed and sorted when the walk reaches it, with a
//! subdirectory's contents placed as if they were one item named `name/`.
//! That yields exactly the global byte order (a name cannot contain `/`, so
//! comparing `name/` against a sibling decides the same way as comparing
//! any path below `name/`) while the packer starts reading files at once
//! instead of waiting for the whole tree to be listed, and memory holds only
//! the listings of the directories on the current path.

use std::cmp::Ordering;
use std::fs::{self, FileType};
use std::io;
use std::path::{Component, Path, PathBuf};

use super::error::PackError;
use super::progress::SpecialKind;

/// One thing found under the root, named relative to it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) rel: PathBuf,
    pub(crate) kind: EntryKind,
}

#[derive(Debug)]
pub(crate) enum EntryKind {
    Dir,
    /// `listed` is the file as the listing saw it, to make sure the file
    /// later opened by path is that same file.
    File {
        listed: FileId,
    },
    Symlink {
        target: PathBuf,
    },
    Special(SpecialKind),
}

/// Identity of a file: device and inode where the platform has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    pub(crate) fn of(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }

    #[cfg(not(unix))]
    pub(crate) fn of(_meta: &fs::Metadata) -> Self {
        FileId {}
    }
}

enum Item {
    Entry(Entry),
    /// Everything below the directory `rel`; sorts as `rel` + `/`.
    Contents(PathBuf),
}

impl Item {
    /// Items are only compared within one listing, where every path has the
    /// same directory prefix, so comparing whole paths compares the names.
    fn sort_key(&self) -> (&[u8], &'static [u8]) {
        match self {
            Item::Entry(entry) => (entry.rel.as_os_str().as_encoded_bytes(), b""),
            Item::Contents(rel) => (rel.as_os_str().as_encoded_bytes(), b"/"),
        }
    }
}

fn item_order(a: &Item, b: &Item) -> Ordering {
    let (a_name, a_suffix) = a.sort_key();
    let (b_name, b_suffix) = b.sort_key();
    a_name
        .iter()
        .chain(a_suffix)
        .cmp(b_name.iter().chain(b_suffix))
}

/// Yields every entry under the root in archive order. Symlinks are never
/// followed: entries are classified by their own type, so a link to a
/// directory is a link, not a directory to descend into.
pub(crate) struct Walker<'a> {
    root: &'a Path,
    /// Listings still to yield, one per directory on the current path, each
    /// sorted so that `pop` returns its next item.
    pending: Vec<Vec<Item>>,
}

impl<'a> Walker<'a> {
    /// Checks the root and lists its top level.
    pub(crate) fn new(root: &'a Path) -> Result<Self, PackError> {
        check_root(root)?;
        let top = list(root, Path::new(""))?;
        if top.is_empty() {
            return Err(PackError::EmptyRoot {
                path: root.to_path_buf(),
            });
        }
        Ok(Walker {
            root,
            pending: vec![top],
        })
    }
}

impl Iterator for Walker<'_> {
    type Item = Result<Entry, PackError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let listing = self.pending.last_mut()?;
            match listing.pop() {
                None => {
                    self.pending.pop();
                }
                Some(Item::Entry(entry)) => return Some(Ok(entry)),
                Some(Item::Contents(rel)) => match list(self.root, &rel) {
                    Ok(items) => self.pending.push(items),
                    Err(err) => {
                        // Nothing after a failure can be trusted to be complete.
                        self.pending.clear();
                        return Some(Err(err));
                    }
                },
            }
        }
    }
}

/// Lists one directory, sorted in reverse so that `pop` yields in order.
fn list(root: &Path, dir_rel: &Path) -> Result<Vec<Item>, PackError> {
    let dir = root.join(dir_rel);
    let unlistable = |source| PackError::Unreadable {
        action: "list directory",
        path: dir.clone(),
        source,
    };
    let mut items = Vec::new();
    for item in fs::read_dir(&dir).map_err(unlistable)? {
        let item = item.map_err(unlistable)?;
        let rel = dir_rel.join(item.file_name());
        // `DirEntry::file_type` is the lstat view (it never follows a link)
        // and usually comes free with the directory listing.
        let file_type = item.file_type().map_err(|source| PackError::Unreadable {
            action: "inspect",
            path: root.join(&rel),
            source,
        })?;
        let kind = if file_type.is_file() {
            // The lstat of the entry, relative to the open directory: no
            // path walk from the root, unlike an lstat by path later.
            let meta = item.metadata().map_err(|source| PackError::Unreadable {
                action: "inspect",
                path: root.join(&rel),
                source,
            })?;
            EntryKind::File {
                listed: FileId::of(&meta),
            }
        } else {
            classify(root, &rel, file_type)?
        };
        if matches!(kind, EntryKind::Dir) {
            items.push(Item::Contents(rel.clone()));
        }
        items.push(Item::Entry(Entry { rel, kind }));
    }
    items.sort_unstable_by(|a, b| item_order(b, a));
    Ok(items)
}

fn check_root(root: &Path) -> Result<(), PackError> {
    // The root itself may be a symlink (`dist -> build/out`): the user named
    // it, so following it is what they asked for. Nothing below it is followed.
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(PackError::RootNotDirectory {
            path: root.to_path_buf(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(PackError::RootMissing {
            path: root.to_path_buf(),
        }),
        Err(source) => Err(PackError::Unreadable {
            action: "inspect",
            path: root.to_path_buf(),
            source,
        }),
    }
}

fn classify(root: &Path, rel: &Path, file_type: FileType) -> Result<EntryKind, PackError> {
    if file_type.is_dir() {
        return Ok(EntryKind::Dir);
    }
    if file_type.is_symlink() {
        let path = root.join(rel);
        let target = fs::read_link(&path).map_err(|source| PackError::Unreadable {
            action: "read symlink",
            path: path.clone(),
            source,
        })?;
        if !stays_inside(rel, &target) {
            return Err(PackError::SymlinkEscapes { link: path, target });
        }
        return Ok(EntryKind::Symlink { target });
    }
    Ok(EntryKind::Special(special_kind(file_type)))
}

/// Whether a link at `link_rel` pointing to `target` resolves, lexically,
/// to the root or below it.
///
/// Lexical resolution needs no access to the target, so a link to something
/// not built yet, or gone, is still judged by where it points. It does not
/// see through other links on the target's path (with `a -> .`, the link
/// `b -> a/../x` passes although it resolves above the root); each link is
/// checked on its own, and the unpacking side must still extract safely.
fn stays_inside(link_rel: &Path, target: &Path) -> bool {
    let mut depth = link_rel.parent().map_or(0, |p| p.components().count());
    for component in target.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => return false,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Component::Normal(_) => depth += 1,
        }
    }
    true
}

#[cfg(unix)]
fn special_kind(file_type: FileType) -> SpecialKind {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        SpecialKind::Fifo
    } else if file_type.is_socket() {
        SpecialKind::Socket
    } else if file_type.is_char_device() {
        SpecialKind::CharDevice
    } else if file_type.is_block_device() {
        SpecialKind::BlockDevice
    } else {
        SpecialKind::Other
    }
}

#[cfg(not(unix))]
fn special_kind(_file_type: FileType) -> SpecialKind {
    SpecialKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_of_a_directory_sort_as_its_name_with_a_slash() {
        let entry = |rel: &str| {
            Item::Entry(Entry {
                rel: PathBuf::from(rel),
                kind: EntryKind::Dir,
            })
        };
        let mut items = [
            Item::Contents(PathBuf::from("a")),
            entry("a0"),
            entry("a.txt"),
            entry("a"),
            entry("a-b"),
        ];
        items.sort_unstable_by(item_order);
        let keys: Vec<Vec<u8>> = items
            .iter()
            .map(|i| {
                let (name, suffix) = i.sort_key();
                [name, suffix].concat()
            })
            .collect();
        let expected: Vec<&[u8]> = vec![b"a", b"a-b", b"a.txt", b"a/", b"a0"];
        assert_eq!(keys, expected);
    }

    #[test]
    fn lexical_resolution_keeps_links_that_stay_below_the_root() {
        assert!(stays_inside(Path::new("a/b/link"), Path::new("../c")));
        assert!(stays_inside(Path::new("a/link"), Path::new("..")));
        assert!(stays_inside(Path::new("link"), Path::new("./x/../y")));
        assert!(stays_inside(Path::new("a/link"), Path::new("b/../../c")));
    }

    #[test]
    fn lexical_resolution_rejects_links_that_leave_the_root() {
        assert!(!stays_inside(Path::new("link"), Path::new("..")));
        assert!(!stays_inside(Path::new("a/link"), Path::new("../../x")));
        assert!(!stays_inside(Path::new("a/link"), Path::new("/etc/passwd")));
        assert!(!stays_inside(Path::new("link"), Path::new("x/../../y")));
    }
}

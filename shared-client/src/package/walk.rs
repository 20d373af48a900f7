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
//!
//! Every entry goes through the same [`LinkTable`] the platform applies to
//! uploads, in archive order, and the table is checked again once the walk
//! is complete: a link that escapes only through other links (`sub/up ->
//! ..` and `esc -> sub/up/..`) is an error like one that escapes directly,
//! even when the link that makes it escape comes later in the archive.

use std::cmp::Ordering;
use std::fs::{self, FileType};
use std::io;
use std::path::{Path, PathBuf};

use super::error::PackError;
use super::links::{LinkEntry, LinkError, LinkTable, path_bytes};
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

/// Identity of a file as its directory listing names it: the inode number
/// where the platform has one. It comes with the listing itself (`d_ino`),
/// so a tree of thousands of files costs no `stat` call per file here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    fn listed(item: &fs::DirEntry) -> Self {
        use std::os::unix::fs::DirEntryExt;
        FileId { ino: item.ino() }
    }

    #[cfg(not(unix))]
    fn listed(_item: &fs::DirEntry) -> Self {
        FileId {}
    }

    /// Whether `opened` (the `fstat` of the file opened by path) is the
    /// listed file.
    #[cfg(unix)]
    pub(crate) fn is(&self, opened: &fs::Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        opened.ino() == self.ino
    }

    #[cfg(not(unix))]
    pub(crate) fn is(&self, _opened: &fs::Metadata) -> bool {
        true
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
    /// The links yielded so far; checked in full once the walk ends.
    links: LinkTable,
    finished: bool,
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
            links: LinkTable::new(),
            finished: false,
        })
    }
}

impl Iterator for Walker<'_> {
    type Item = Result<Entry, PackError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(listing) = self.pending.last_mut() else {
                return self.finish().err().map(Err);
            };
            match listing.pop() {
                None => {
                    self.pending.pop();
                }
                Some(Item::Entry(entry)) => {
                    let checked = self.check(entry);
                    if checked.is_err() {
                        self.stop();
                    }
                    return Some(checked);
                }
                Some(Item::Contents(rel)) => match list(self.root, &rel) {
                    Ok(items) => self.pending.push(items),
                    Err(err) => {
                        self.stop();
                        return Some(Err(err));
                    }
                },
            }
        }
    }
}

impl Walker<'_> {
    /// Nothing after a failure can be trusted to be complete.
    fn stop(&mut self) {
        self.pending.clear();
        self.finished = true;
    }

    /// Applies the archive rule to the next entry, in archive order.
    fn check(&mut self, entry: Entry) -> Result<Entry, PackError> {
        let target_bytes;
        let as_link = match &entry.kind {
            EntryKind::Dir => LinkEntry::Dir,
            EntryKind::File { .. } => LinkEntry::File,
            EntryKind::Symlink { target } => {
                target_bytes = path_bytes(target);
                LinkEntry::Symlink {
                    target: &target_bytes,
                }
            }
            // Left out of the archive, so nothing to check.
            EntryKind::Special(_) => return Ok(entry),
        };
        match self.links.check_path(&entry.rel, as_link) {
            Ok(()) => Ok(entry),
            Err(reason) => {
                let target = match &entry.kind {
                    EntryKind::Symlink { target } => Some(target.clone()),
                    _ => None,
                };
                Err(refusal(self.root.join(&entry.rel), target, reason))
            }
        }
    }

    /// Checks every link again against the complete table, once.
    fn finish(&mut self) -> Result<(), PackError> {
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        self.links.finish().map_err(|(name, reason)| {
            let link = self.root.join(bytes_path(&name));
            // The full target is on disk; the error only has an excerpt.
            let target = fs::read_link(&link).ok();
            refusal(link, target, reason)
        })
    }
}

/// The error for an entry the archive rule refuses. A link that escapes on
/// its own keeps the long-standing [`PackError::SymlinkEscapes`].
fn refusal(path: PathBuf, target: Option<PathBuf>, reason: LinkError) -> PackError {
    match (target, reason) {
        (Some(target), LinkError::Escapes { via: None, .. }) => {
            PackError::SymlinkEscapes { link: path, target }
        }
        (Some(target), reason @ (LinkError::Escapes { .. } | LinkError::Loop { .. })) => {
            PackError::SymlinkUnsafe {
                link: path,
                target,
                reason,
            }
        }
        (_, reason) => PackError::EntryRefused { path, reason },
    }
}

#[cfg(unix)]
fn bytes_path(name: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(name))
}

#[cfg(not(unix))]
fn bytes_path(name: &[u8]) -> PathBuf {
    // Names came from `path_bytes` of real paths; lossless for UTF-8 ones.
    PathBuf::from(String::from_utf8_lossy(name).into_owned())
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
            EntryKind::File {
                listed: FileId::listed(&item),
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
        return Ok(EntryKind::Symlink { target });
    }
    Ok(EntryKind::Special(special_kind(file_type)))
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
}

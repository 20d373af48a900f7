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
use std::fs::{self, File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use super::directory::{Directory, FileId, ListedKind, OpenError};
use super::error::PackError;
use super::links::{LinkEntry, LinkError, LinkTable, path_bytes};
use super::progress::SpecialKind;

/// Directories held open at once below the root (which stays open): the
/// deepest ones on the current path. A tree nested deeper than this is
/// walked all the same; an ancestor whose descriptor was closed is opened
/// again, one name at a time, when the walk comes back up to it. Bounds the
/// descriptors a hostile, thousands-deep tree can make us hold.
const OPEN_LEVELS: usize = 32;

/// One thing found under the root, named relative to it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) rel: PathBuf,
    pub(crate) kind: EntryKind,
}

#[derive(Debug)]
pub(crate) enum EntryKind {
    Dir,
    /// Opened, and checked to be the regular file the listing saw.
    File {
        file: File,
        meta: Metadata,
    },
    Symlink {
        target: PathBuf,
    },
    Special(SpecialKind),
}

enum Item {
    /// A directory, link or special file: everything is known from the
    /// listing.
    Entry(Entry),
    /// A regular file, opened only when the walk reaches it.
    File { rel: PathBuf, listed: FileId },
    /// Everything below the directory `rel`; sorts as `rel` + `/`.
    Contents(PathBuf),
}

impl Item {
    /// Items are only compared within one listing, where every path has the
    /// same directory prefix, so comparing whole paths compares the names.
    fn sort_key(&self) -> (&[u8], &'static [u8]) {
        match self {
            Item::Entry(Entry { rel, .. }) | Item::File { rel, .. } => {
                (rel.as_os_str().as_encoded_bytes(), b"")
            }
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

/// A directory on the current path: its listing still to yield, sorted so
/// that `pop` returns its next item.
struct Level {
    rel: PathBuf,
    /// `None` once it is no longer among the [`OPEN_LEVELS`] deepest.
    dir: Option<Directory>,
    items: Vec<Item>,
}

/// Yields every entry under the root in archive order. Symlinks are never
/// followed: entries are classified by their own type, so a link to a
/// directory is a link, not a directory to descend into, and everything is
/// opened relative to the directory that listed it (see [`Directory`]).
pub(crate) struct Walker<'a> {
    root: &'a Path,
    /// The root first, then one level per directory on the current path.
    levels: Vec<Level>,
    /// The links yielded so far; checked in full once the walk ends.
    links: LinkTable,
    finished: bool,
}

impl<'a> Walker<'a> {
    /// Opens the root and lists its top level.
    pub(crate) fn new(root: &'a Path) -> Result<Self, PackError> {
        let mut dir = open_root(root)?;
        let items = list(root, Path::new(""), &mut dir)?;
        if items.is_empty() {
            return Err(PackError::EmptyRoot {
                path: root.to_path_buf(),
            });
        }
        Ok(Walker {
            root,
            levels: vec![Level {
                rel: PathBuf::new(),
                dir: Some(dir),
                items,
            }],
            links: LinkTable::new(),
            finished: false,
        })
    }
}

impl Iterator for Walker<'_> {
    type Item = Result<Entry, PackError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(level) = self.levels.last_mut() else {
                return self.finish().err().map(Err);
            };
            let Some(item) = level.items.pop() else {
                self.levels.pop();
                continue;
            };
            let yielded = match item {
                Item::Entry(entry) => self.check(entry),
                Item::File { rel, listed } => self.open_file(rel, listed),
                Item::Contents(rel) => match self.descend(rel) {
                    Ok(()) => continue,
                    Err(err) => Err(err),
                },
            };
            if yielded.is_err() {
                self.stop();
            }
            return Some(yielded);
        }
    }
}

impl Walker<'_> {
    /// Nothing after a failure can be trusted to be complete.
    fn stop(&mut self) {
        self.levels.clear();
        self.finished = true;
    }

    /// Applies the archive rule to the next entry, in archive order.
    fn check(&mut self, entry: Entry) -> Result<Entry, PackError> {
        let target_bytes;
        let (as_link, target) = match &entry.kind {
            EntryKind::Dir => (LinkEntry::Dir, None),
            EntryKind::File { .. } => (LinkEntry::File, None),
            EntryKind::Symlink { target } => {
                target_bytes = path_bytes(target);
                let as_link = LinkEntry::Symlink {
                    target: &target_bytes,
                };
                (as_link, Some(target))
            }
            // Left out of the archive, so nothing to check.
            EntryKind::Special(_) => return Ok(entry),
        };
        match self.links.check_path(&entry.rel, as_link) {
            Ok(()) => Ok(entry),
            Err(reason) => Err(refusal(self.root.join(&entry.rel), target.cloned(), reason)),
        }
    }

    /// Checks the rule for a file, then opens it in the directory listed.
    fn open_file(&mut self, rel: PathBuf, listed: FileId) -> Result<Entry, PackError> {
        self.links
            .check_path(&rel, LinkEntry::File)
            .map_err(|reason| refusal(self.root.join(&rel), None, reason))?;
        let (file, meta) = self
            .top_dir()?
            .open_file(file_name(&rel), listed)
            .map_err(|e| open_error(e, "open file", self.root.join(&rel)))?;
        Ok(Entry {
            rel,
            kind: EntryKind::File { file, meta },
        })
    }

    /// Opens and lists the directory `rel`, a child of the current one.
    fn descend(&mut self, rel: PathBuf) -> Result<(), PackError> {
        let path = || self.root.join(&rel);
        let mut dir = self
            .top_dir()?
            .open_dir(file_name(&rel))
            .map_err(|e| open_error(e, "list directory", path()))?;
        let items = list(self.root, &rel, &mut dir)?;
        self.levels.push(Level {
            rel,
            dir: None,
            items,
        });
        self.keep_open(self.levels.len() - 1, dir);
        Ok(())
    }

    /// The directory the current listing came from.
    fn top_dir(&mut self) -> Result<&Directory, PackError> {
        let top = self.levels.len() - 1;
        if self.levels[top].dir.is_none() {
            self.reopen(top)?;
        }
        Ok(self.levels[top].dir.as_ref().expect("opened above"))
    }

    /// Opens level `at` again from its nearest open ancestor, one name at a
    /// time, each refusing a link as the first opening did.
    fn reopen(&mut self, at: usize) -> Result<(), PackError> {
        let from = (0..at)
            .rev()
            .find(|&i| self.levels[i].dir.is_some())
            .expect("the root stays open");
        for i in from + 1..=at {
            let parent = self.levels[i - 1].dir.as_ref().expect("opened just before");
            let rel = &self.levels[i].rel;
            let dir = parent
                .open_dir(file_name(rel))
                .map_err(|e| open_error(e, "list directory", self.root.join(rel)))?;
            self.keep_open(i, dir);
        }
        Ok(())
    }

    /// Keeps `dir` open as level `at`, closing the level that leaves the
    /// [`OPEN_LEVELS`] deepest (never the root).
    fn keep_open(&mut self, at: usize, dir: Directory) {
        self.levels[at].dir = Some(dir);
        if at > OPEN_LEVELS {
            self.levels[at - OPEN_LEVELS].dir = None;
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

fn file_name(rel: &Path) -> &std::ffi::OsStr {
    rel.file_name().expect("entries below the root have a name")
}

fn open_error(err: OpenError, action: &'static str, path: PathBuf) -> PackError {
    match err {
        OpenError::Changed(what) => PackError::ChangedDuringPack { path, what },
        OpenError::Io(source) => PackError::Unreadable {
            action,
            path,
            source,
        },
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

/// Lists the directory `dir_rel`, sorted in reverse so that `pop` yields
/// in order.
fn list(root: &Path, dir_rel: &Path, dir: &mut Directory) -> Result<Vec<Item>, PackError> {
    let listed = dir.list().map_err(|source| PackError::Unreadable {
        action: "list directory",
        path: root.join(dir_rel),
        source,
    })?;
    let mut items = Vec::with_capacity(listed.len());
    for entry in listed {
        let rel = dir_rel.join(&entry.name);
        let kind = match entry.kind {
            ListedKind::File(listed) => {
                items.push(Item::File { rel, listed });
                continue;
            }
            ListedKind::Dir => {
                items.push(Item::Contents(rel.clone()));
                EntryKind::Dir
            }
            ListedKind::Symlink => {
                let target =
                    dir.read_link(&entry.name)
                        .map_err(|source| PackError::Unreadable {
                            action: "read symlink",
                            path: root.join(&rel),
                            source,
                        })?;
                EntryKind::Symlink { target }
            }
            ListedKind::Special(kind) => EntryKind::Special(kind),
        };
        items.push(Item::Entry(Entry { rel, kind }));
    }
    items.sort_unstable_by(|a, b| item_order(b, a));
    Ok(items)
}

fn open_root(root: &Path) -> Result<Directory, PackError> {
    Directory::open_root(root).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => PackError::RootMissing {
            path: root.to_path_buf(),
        },
        io::ErrorKind::NotADirectory => PackError::RootNotDirectory {
            path: root.to_path_buf(),
        },
        _ => PackError::Unreadable {
            action: "open",
            path: root.to_path_buf(),
            source,
        },
    })
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

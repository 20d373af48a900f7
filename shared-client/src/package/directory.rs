//! One directory of the tree being packed, held open while the walk is in
//! it, so that everything below the root is reached from the directory that
//! was listed and never by a path looked up again.
//!
//! A path lookup follows links in every component: a directory swapped for
//! a link to `/etc` between its listing in the parent and its own listing
//! would be read through the link, and `/etc`'s files would be packed under
//! its name. On Unix each directory is opened relative to its parent's
//! descriptor with `O_NOFOLLOW`, and each file relative to its directory's,
//! so a swap is refused instead (and the kernel walks one name per open,
//! not the whole path: measurably less system time on trees of thousands
//! of files). Elsewhere it falls back to paths, checking each directory is
//! not a link before listing it.

use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use super::progress::SpecialKind;

/// A directory of the tree, opened.
pub(crate) struct Directory(imp::Handle);

/// An entry of a directory listing.
pub(crate) struct Listed {
    pub(crate) name: OsString,
    pub(crate) kind: ListedKind,
}

/// What an entry is, as the listing saw it (never following a link).
pub(crate) enum ListedKind {
    File(FileId),
    Dir,
    Symlink,
    Special(SpecialKind),
}

/// Identity of a file as its directory listing names it: the inode number
/// where the platform has one. It comes with the listing itself (`d_ino`),
/// so a tree of thousands of files costs no `stat` call per file to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    /// Whether `opened` (the `fstat` of the file opened) is the listed file.
    #[cfg(unix)]
    fn is(self, opened: &Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        opened.ino() == self.ino
    }

    #[cfg(not(unix))]
    fn is(self, _opened: &Metadata) -> bool {
        true
    }
}

/// Why an entry could not be opened as what it was listed as.
pub(crate) enum OpenError {
    /// It is gone, or is something else now: changed during the pack.
    Changed(&'static str),
    Io(io::Error),
}

impl Directory {
    /// Opens the root. It may be a link (`dist -> build/out`): the user
    /// named it, so following it is what they asked for.
    pub(crate) fn open_root(path: &Path) -> io::Result<Directory> {
        imp::Handle::open_root(path).map(Directory)
    }

    /// Opens the subdirectory `name`, refusing a link in its place.
    pub(crate) fn open_dir(&self, name: &OsStr) -> Result<Directory, OpenError> {
        self.0.open_dir(name).map(Directory).map_err(opened)
    }

    /// Lists the directory, in no particular order, without `.` and `..`.
    pub(crate) fn list(&mut self) -> io::Result<Vec<Listed>> {
        self.0.list()
    }

    /// Opens the regular file `name`, making sure it is still the file the
    /// listing saw (`listed`): not a link, a pipe or another file.
    pub(crate) fn open_file(
        &self,
        name: &OsStr,
        listed: FileId,
    ) -> Result<(File, Metadata), OpenError> {
        let file = self.0.open_file(name).map_err(opened)?;
        let meta = file.metadata().map_err(OpenError::Io)?;
        if !meta.is_file() || !listed.is(&meta) {
            return Err(OpenError::Changed(
                "it was replaced by another file or a link",
            ));
        }
        Ok((file, meta))
    }

    /// The target of the link `name`.
    pub(crate) fn read_link(&self, name: &OsStr) -> io::Result<PathBuf> {
        self.0.read_link(name)
    }
}

fn opened(err: io::Error) -> OpenError {
    match err.kind() {
        io::ErrorKind::NotFound => OpenError::Changed("it was removed"),
        io::ErrorKind::NotADirectory => {
            OpenError::Changed("it was replaced by another file or a link")
        }
        _ if imp::is_link_refused(&err) => {
            OpenError::Changed("it was replaced by another file or a link")
        }
        _ => OpenError::Io(err),
    }
}

#[cfg(unix)]
mod imp {
    use std::ffi::{OsStr, OsString};
    use std::fs::File;
    use std::io;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::{Path, PathBuf};

    use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags};

    use super::{FileId, Listed, ListedKind, SpecialKind};

    pub(super) struct Handle(Dir);

    const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::CLOEXEC);

    impl Handle {
        pub(super) fn open_root(path: &Path) -> io::Result<Handle> {
            let fd = rustix::fs::openat(CWD, path, DIR_FLAGS, Mode::empty())?;
            Ok(Handle(Dir::new(fd)?))
        }

        pub(super) fn open_dir(&self, name: &OsStr) -> io::Result<Handle> {
            let flags = DIR_FLAGS | OFlags::NOFOLLOW;
            let fd = rustix::fs::openat(self.0.fd()?, name, flags, Mode::empty())?;
            Ok(Handle(Dir::new(fd)?))
        }

        pub(super) fn list(&mut self) -> io::Result<Vec<Listed>> {
            let mut listed = Vec::new();
            while let Some(entry) = self.0.read() {
                let entry = entry?;
                let name = entry.file_name().to_bytes();
                if name == b"." || name == b".." {
                    continue;
                }
                let kind = match entry.file_type() {
                    // Some file systems leave the type out of the listing.
                    FileType::Unknown => {
                        let stat = rustix::fs::statat(
                            self.0.fd()?,
                            entry.file_name(),
                            AtFlags::SYMLINK_NOFOLLOW,
                        )?;
                        FileType::from_raw_mode(stat.st_mode)
                    }
                    known => known,
                };
                listed.push(Listed {
                    name: OsString::from_vec(name.to_vec()),
                    kind: listed_kind(kind, entry.ino()),
                });
            }
            Ok(listed)
        }

        pub(super) fn open_file(&self, name: &OsStr) -> io::Result<File> {
            // Non-blocking so that a pipe swapped in cannot stall the pack
            // in `open`; it has no effect on reading a regular file.
            let flags = OFlags::RDONLY
                | OFlags::NOFOLLOW
                | OFlags::NONBLOCK
                | OFlags::NOCTTY
                | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(self.0.fd()?, name, flags, Mode::empty())?;
            Ok(File::from(fd))
        }

        pub(super) fn read_link(&self, name: &OsStr) -> io::Result<PathBuf> {
            let target = rustix::fs::readlinkat(self.0.fd()?, name, Vec::new())?;
            Ok(PathBuf::from(OsStr::from_bytes(target.as_bytes())))
        }
    }

    fn listed_kind(kind: FileType, ino: u64) -> ListedKind {
        match kind {
            FileType::RegularFile => ListedKind::File(FileId { ino }),
            FileType::Directory => ListedKind::Dir,
            FileType::Symlink => ListedKind::Symlink,
            FileType::Fifo => ListedKind::Special(SpecialKind::Fifo),
            FileType::Socket => ListedKind::Special(SpecialKind::Socket),
            FileType::CharacterDevice => ListedKind::Special(SpecialKind::CharDevice),
            FileType::BlockDevice => ListedKind::Special(SpecialKind::BlockDevice),
            _ => ListedKind::Special(SpecialKind::Other),
        }
    }

    /// `O_NOFOLLOW` on a link: `ELOOP` (Linux, macOS), `EMLINK` (FreeBSD).
    pub(super) fn is_link_refused(err: &io::Error) -> bool {
        let errno = err.raw_os_error().map(rustix::io::Errno::from_raw_os_error);
        matches!(
            errno,
            Some(rustix::io::Errno::LOOP | rustix::io::Errno::MLINK)
        )
    }
}

#[cfg(not(unix))]
mod imp {
    use std::ffi::OsStr;
    use std::fs::{self, File};
    use std::io;
    use std::path::{Path, PathBuf};

    use super::{FileId, Listed, ListedKind, SpecialKind};

    pub(super) struct Handle(PathBuf);

    impl Handle {
        pub(super) fn open_root(path: &Path) -> io::Result<Handle> {
            if !fs::metadata(path)?.is_dir() {
                return Err(io::ErrorKind::NotADirectory.into());
            }
            Ok(Handle(path.to_path_buf()))
        }

        pub(super) fn open_dir(&self, name: &OsStr) -> io::Result<Handle> {
            let path = self.0.join(name);
            // The closest to `O_NOFOLLOW` a path allows: it is checked, not
            // pinned, between this look and the listing.
            if !fs::symlink_metadata(&path)?.is_dir() {
                return Err(io::ErrorKind::NotADirectory.into());
            }
            Ok(Handle(path))
        }

        pub(super) fn list(&mut self) -> io::Result<Vec<Listed>> {
            let mut listed = Vec::new();
            for item in fs::read_dir(&self.0)? {
                let item = item?;
                // The lstat view: a link is a link, never what it points to.
                let file_type = item.file_type()?;
                let kind = if file_type.is_file() {
                    ListedKind::File(FileId {})
                } else if file_type.is_dir() {
                    ListedKind::Dir
                } else if file_type.is_symlink() {
                    ListedKind::Symlink
                } else {
                    ListedKind::Special(SpecialKind::Other)
                };
                listed.push(Listed {
                    name: item.file_name(),
                    kind,
                });
            }
            Ok(listed)
        }

        pub(super) fn open_file(&self, name: &OsStr) -> io::Result<File> {
            File::open(self.0.join(name))
        }

        pub(super) fn read_link(&self, name: &OsStr) -> io::Result<PathBuf> {
            fs::read_link(self.0.join(name))
        }
    }

    pub(super) fn is_link_refused(_err: &io::Error) -> bool {
        false
    }
}

//! Walking the tree and reading the files ahead of the archive writer, on a
//! thread of its own.
//!
//! Listing directories and opening, inspecting and reading thousands of
//! small files is mostly system-call time. Done on the thread that feeds
//! zstd, it starves the compression workers whenever a run of small files
//! comes up (HTML pages, JSON records), and the workers starve it back during
//! runs of large, slow-to-compress assets. A bounded read-ahead lets the two
//! phases overlap.
//!
//! File contents travel in large recycled buffers ("batches") holding many
//! small files or a piece of a large one, so the hand-off costs one channel
//! message per batch, not per file, and memory stays bounded at
//! [`BATCHES_IN_FLIGHT`] batches.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

use super::error::PackError;
use super::progress::{SkippedEntry, Throttle, Tracker};
use super::walk::{Entry, EntryKind, FileId, Walker};

/// Bytes of file content per batch.
pub(crate) const BATCH_BYTES: usize = 512 * 1024;

/// Batches queued between the reader and the writer; with the one being
/// filled and the one being written, this bounds read-ahead memory.
pub(crate) const BATCHES_IN_FLIGHT: usize = 8;

/// One step for the writer, in archive order.
#[derive(Debug)]
pub(crate) enum Op {
    /// A regular file starts; its `size` bytes follow in `Data` ops, possibly
    /// spread over several batches.
    File {
        rel: PathBuf,
        mode: u32,
        size: u64,
    },
    /// The next `len` bytes of the batch's buffer belong to the current file.
    Data {
        len: usize,
    },
    Dir {
        rel: PathBuf,
    },
    Symlink {
        rel: PathBuf,
        target: PathBuf,
    },
    /// Left out of the archive; the event has already been sent.
    Skipped(SkippedEntry),
}

#[derive(Debug)]
pub(crate) struct Batch {
    /// Holds the content in its first `len` bytes; the rest is unused.
    pub(crate) buf: Vec<u8>,
    pub(crate) len: usize,
    pub(crate) ops: Vec<Op>,
    /// Set on the final batch, so a reader that died cannot pass for one
    /// that finished.
    pub(crate) last: bool,
}

struct Filling {
    buf: Vec<u8>,
    filled: usize,
    ops: Vec<Op>,
}

/// Channels of the reader: full batches out, emptied buffers back.
pub(crate) struct ReaderChannels {
    pub(crate) batches: SyncSender<Result<Batch, PackError>>,
    pub(crate) recycled: Receiver<Vec<u8>>,
}

/// Walks `root` and sends its entries and file contents as batches. Stops
/// at the first error (sent as the last message) or when the writer hangs up.
pub(crate) fn read_ahead(root: &Path, tracker: &Tracker, channels: &ReaderChannels) {
    let mut reader = Reader {
        root,
        tracker,
        channels,
        throttle: Throttle::new(),
        current: None,
    };
    let last = match reader.run() {
        Ok(()) => {
            let mut batch = reader.take_current().unwrap_or_else(|| Batch {
                buf: Vec::new(),
                len: 0,
                ops: Vec::new(),
                last: false,
            });
            batch.last = true;
            Some(Ok(batch))
        }
        Err(Stop::Failed(err)) => Some(Err(err)),
        Err(Stop::WriterGone) => None,
    };
    if let Some(message) = last {
        // The writer may have gone meanwhile; then nobody needs the message.
        let _ = channels.batches.send(message);
    }
}

enum Stop {
    Failed(PackError),
    WriterGone,
}

impl From<PackError> for Stop {
    fn from(err: PackError) -> Self {
        Stop::Failed(err)
    }
}

struct Reader<'a> {
    root: &'a Path,
    tracker: &'a Tracker,
    channels: &'a ReaderChannels,
    throttle: Throttle,
    current: Option<Filling>,
}

impl Reader<'_> {
    fn run(&mut self) -> Result<(), Stop> {
        let mut packable = false;
        for entry in Walker::new(self.root)? {
            let Entry { rel, kind } = entry?;
            let op = match kind {
                EntryKind::File { listed } => {
                    self.read_file(rel, listed)?;
                    self.tracker.add_file();
                    self.throttle.tick(self.tracker);
                    packable = true;
                    continue;
                }
                EntryKind::Dir => Op::Dir { rel },
                EntryKind::Symlink { target } => Op::Symlink { rel, target },
                EntryKind::Special(kind) => {
                    let skipped = SkippedEntry {
                        path: self.root.join(rel),
                        kind,
                    };
                    // Reported here rather than by the writer so the event
                    // comes in archive order relative to the reads around it.
                    self.tracker.skipped(skipped.clone());
                    self.filling()?.ops.push(Op::Skipped(skipped));
                    continue;
                }
            };
            packable = true;
            self.filling()?.ops.push(op);
        }
        if !packable {
            return Err(PackError::EmptyRoot {
                path: self.root.to_path_buf(),
            }
            .into());
        }
        Ok(())
    }

    fn read_file(&mut self, rel: PathBuf, listed: FileId) -> Result<(), Stop> {
        let path = self.root.join(&rel);
        let (mut file, meta) = open_listed(&path, listed)?;
        let size = meta.len();
        self.filling()?.ops.push(Op::File {
            rel,
            mode: file_mode(&meta),
            size,
        });

        let changed = |what| PackError::ChangedDuringPack {
            path: path.clone(),
            what,
        };
        let mut remaining = size;
        loop {
            let filling = self.filling()?;
            let spare = &mut filling.buf[filling.filled..];
            // Asking for one byte more than announced detects a file that
            // grew, without an extra read: the last read of a stable file
            // comes back short, which on a regular file means end of file.
            let want = usize::try_from(remaining.saturating_add(1))
                .unwrap_or(usize::MAX)
                .min(spare.len());
            let n = match file.read(&mut spare[..want]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(Stop::Failed(PackError::Unreadable {
                        action: "read file",
                        path: path.clone(),
                        source,
                    }));
                }
            };
            if n == 0 {
                if remaining > 0 {
                    return Err(changed("it got shorter").into());
                }
                return Ok(());
            }
            if n as u64 > remaining {
                return Err(changed("it got longer").into());
            }
            filling.filled += n;
            match filling.ops.last_mut() {
                Some(Op::Data { len }) => *len += n,
                _ => filling.ops.push(Op::Data { len: n }),
            }
            self.tracker.add_read(n as u64);
            remaining -= n as u64;
            if remaining == 0 && n < want {
                return Ok(());
            }
        }
    }

    /// The batch being filled, after sending the previous one if it is full.
    fn filling(&mut self) -> Result<&mut Filling, Stop> {
        if self
            .current
            .as_ref()
            .is_some_and(|f| f.filled == f.buf.len())
        {
            let full = self.take_current().expect("checked above");
            self.channels
                .batches
                .send(Ok(full))
                .map_err(|_| Stop::WriterGone)?;
        }
        let recycled = &self.channels.recycled;
        Ok(self.current.get_or_insert_with(|| Filling {
            buf: recycled.try_recv().unwrap_or_else(|_| vec![0; BATCH_BYTES]),
            filled: 0,
            ops: Vec::new(),
        }))
    }

    fn take_current(&mut self) -> Option<Batch> {
        self.current.take().map(|f| Batch {
            buf: f.buf,
            len: f.filled,
            ops: f.ops,
            last: false,
        })
    }
}

/// Opens `path`, making sure it is still the regular file the listing saw.
///
/// `open` follows symlinks, so a file swapped for a link (or anything else)
/// since the listing would be read in its stead; it would be a different
/// inode, which is what is checked.
fn open_listed(path: &Path, listed: FileId) -> Result<(File, Metadata), PackError> {
    let changed = |what| PackError::ChangedDuringPack {
        path: path.to_path_buf(),
        what,
    };
    let unreadable = |action, source| PackError::Unreadable {
        action,
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => changed("it was removed"),
        _ => unreadable("open file", e),
    })?;
    let meta = file.metadata().map_err(|e| unreadable("inspect", e))?;
    // No second look by path when the inodes differ: a path lookup follows
    // a directory above the file swapped for a link just as `open` did.
    if !meta.is_file() || !listed.is(&meta) {
        return Err(changed("it was replaced by another file or a link"));
    }
    Ok((file, meta))
}

#[cfg(unix)]
fn file_mode(meta: &Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    // Only "is it executable" survives: it changes what the file does, while
    // the other bits depend on the builder's umask and would break
    // reproducibility.
    if meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

#[cfg(not(unix))]
fn file_mode(_meta: &Metadata) -> u32 {
    0o644
}

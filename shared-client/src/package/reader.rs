//! Walking the tree, reading the files and framing them as a tar stream,
//! ahead of the encoder, on a thread of its own.
//!
//! Listing directories and opening, inspecting and reading thousands of
//! small files is mostly system-call time. Done on the thread that feeds
//! zstd, it starves the compression workers whenever a run of small files
//! comes up (HTML pages, JSON records), and the workers starve it back during
//! runs of large, slow-to-compress assets. A bounded read-ahead lets the two
//! phases overlap.
//!
//! The stream travels in large recycled buffers ("batches"): headers,
//! bodies read straight from the files, and padding, back to back, so a
//! batch holds many small files or a piece of a large one and costs one
//! channel message and one write into zstd. Memory stays bounded at
//! [`BATCHES_IN_FLIGHT`] batches.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

use super::PackSummary;
use super::archive::{Framer, padding};
use super::error::PackError;
use super::progress::{SkippedEntry, Throttle, Tracker};
use super::walk::{Entry, EntryKind, Walker};

/// Bytes of the tar stream per batch.
pub(crate) const BATCH_BYTES: usize = 512 * 1024;

/// Batches queued between the reader and the writer; with the one being
/// filled and the one being written, this bounds read-ahead memory.
pub(crate) const BATCHES_IN_FLIGHT: usize = 8;

/// A run of the tar stream, in archive order.
#[derive(Debug)]
pub(crate) struct Batch {
    /// Holds the stream in its first `len` bytes; the rest is unused.
    pub(crate) buf: Vec<u8>,
    pub(crate) len: usize,
    /// Set on the final batch, which ends with the end-of-archive marker,
    /// so a reader that died cannot pass for one that finished.
    pub(crate) summary: Option<PackSummary>,
}

/// Channels of the reader: full batches out, emptied buffers back.
pub(crate) struct ReaderChannels {
    pub(crate) batches: SyncSender<Result<Batch, PackError>>,
    pub(crate) recycled: Receiver<Vec<u8>>,
}

/// Walks `root` and sends its tar stream as batches. Stops at the first
/// error (sent as the last message) or when the writer hangs up.
pub(crate) fn read_ahead(root: &Path, tracker: &Tracker, channels: &ReaderChannels) {
    let mut reader = Reader {
        root,
        tracker,
        framer: Framer::new(),
        out: Outbox {
            channels,
            current: None,
        },
        throttle: Throttle::new(),
        summary: PackSummary::default(),
    };
    let last = match reader.run() {
        Ok(()) => Some(Ok(reader.out.last(reader.summary))),
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
    framer: Framer,
    out: Outbox<'a>,
    throttle: Throttle,
    summary: PackSummary,
}

impl Reader<'_> {
    fn run(&mut self) -> Result<(), Stop> {
        for entry in Walker::new(self.root)? {
            let Entry { rel, kind } = entry?;
            match kind {
                EntryKind::File { file, meta } => {
                    self.read_file(rel, file, &meta)?;
                    self.summary.files += 1;
                    self.tracker.add_file();
                    self.throttle.tick(self.tracker);
                }
                EntryKind::Dir => {
                    self.out.push(self.framer.dir(self.root, &rel)?)?;
                    self.summary.dirs += 1;
                }
                EntryKind::Symlink { target } => {
                    let header = self.framer.symlink(self.root, &rel, &target)?;
                    self.out.push(header)?;
                    self.summary.symlinks += 1;
                }
                EntryKind::Special(kind) => self.skip(SkippedEntry {
                    path: self.root.join(rel),
                    kind,
                }),
            }
        }
        let s = &self.summary;
        if s.files + s.dirs + s.symlinks == 0 {
            return Err(PackError::EmptyRoot {
                path: self.root.to_path_buf(),
            }
            .into());
        }
        self.out.push(self.framer.end()?)
    }

    /// Leaves a special file out, saying so as the walk reaches it, in
    /// archive order relative to the reads around it.
    fn skip(&mut self, skipped: SkippedEntry) {
        tracing::warn!(
            path = %skipped.path.display(),
            kind = %skipped.kind,
            "not packed: special file"
        );
        self.tracker.skipped(skipped.clone());
        self.summary.skipped.push(skipped);
    }

    fn read_file(&mut self, rel: PathBuf, mut file: File, meta: &Metadata) -> Result<(), Stop> {
        let path = self.root.join(&rel);
        let size = meta.len();
        let header = self.framer.file(self.root, &rel, file_mode(meta), size)?;
        self.out.push(header)?;

        let changed = |what| PackError::ChangedDuringPack {
            path: path.clone(),
            what,
        };
        let mut remaining = size;
        loop {
            let spare = self.out.spare()?;
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
                break;
            }
            if n as u64 > remaining {
                return Err(changed("it got longer").into());
            }
            self.out.advance(n);
            self.tracker.add_read(n as u64);
            remaining -= n as u64;
            if remaining == 0 && n < want {
                break;
            }
        }
        self.out.push(padding(size))
    }
}

/// The batch being filled, and the channels it leaves by.
struct Outbox<'a> {
    channels: &'a ReaderChannels,
    current: Option<Filling>,
}

struct Filling {
    buf: Vec<u8>,
    filled: usize,
}

impl Outbox<'_> {
    /// The unused end of the batch being filled, after sending the previous
    /// batch if it is full; never empty.
    fn spare(&mut self) -> Result<&mut [u8], Stop> {
        if let Some(full) = self.current.take_if(|f| f.filled == f.buf.len()) {
            let batch = Batch {
                buf: full.buf,
                len: full.filled,
                summary: None,
            };
            self.channels
                .batches
                .send(Ok(batch))
                .map_err(|_| Stop::WriterGone)?;
        }
        let recycled = &self.channels.recycled;
        let filling = self.current.get_or_insert_with(|| Filling {
            buf: recycled.try_recv().unwrap_or_else(|_| vec![0; BATCH_BYTES]),
            filled: 0,
        });
        Ok(&mut filling.buf[filling.filled..])
    }

    /// Counts `n` bytes written into [`Outbox::spare`] as part of the stream.
    fn advance(&mut self, n: usize) {
        if let Some(filling) = self.current.as_mut() {
            filling.filled += n;
        }
    }

    /// Appends `bytes` to the stream, across batches if need be.
    fn push(&mut self, mut bytes: &[u8]) -> Result<(), Stop> {
        while !bytes.is_empty() {
            let spare = self.spare()?;
            let n = spare.len().min(bytes.len());
            spare[..n].copy_from_slice(&bytes[..n]);
            self.advance(n);
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// The final batch: what is left of the stream, and the summary.
    fn last(&mut self, summary: PackSummary) -> Batch {
        let (buf, len) = self
            .current
            .take()
            .map_or((Vec::new(), 0), |f| (f.buf, f.filled));
        Batch {
            buf,
            len,
            summary: Some(summary),
        }
    }
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

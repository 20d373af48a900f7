//! Deterministic, streaming `.tar.zst` packing of a site directory.
//!
//! The same tree always gives the same bytes: entries are sorted by the bytes
//! of their path, metadata is normalised (fixed mtime, uid/gid 0, no owner
//! names, mode 0755 or 0644 depending only on the execute bits), and the
//! tar stream is cut every [`JOB_SIZE`] bytes into zstd frames (level 3)
//! compressed in parallel, so the output does not depend on the number of
//! workers. Touching files or changing their non-execute permission bits
//! therefore leaves the digest unchanged.
//!
//! Packing never follows symlinks, keeps links that stay inside the root,
//! rejects links that leave it (directly or through other links: the rule
//! of [`links`], the same the platform applies to uploads), skips FIFOs,
//! sockets and devices with a warning, and aborts on any error rather than
//! produce a partial archive.
//! Memory stays bounded: files are read in chunks and the compressed output
//! is handed on as it is produced, to a writer, a file, or an async stream.

mod archive;
mod atomic;
mod directory;
mod error;
pub mod inspect;
pub mod links;
mod pipeline;
mod prebuilt;
mod progress;
mod reader;
mod sink;
mod stream;
mod walk;

use std::fmt;
use std::io::Write;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinHandle;

pub use archive::{COMPRESSION_LEVEL, FIXED_MTIME, JOB_SIZE, MAX_WORKERS};
pub use error::PackError;
pub use prebuilt::{PrebuiltInfo, ZSTD_MAGIC, check_prebuilt, prebuilt_stream};
pub use progress::{
    PROGRESS_BYTES, PROGRESS_FILES, ProgressEvent, ProgressFn, ProgressSnapshot, SkippedEntry,
    SpecialKind,
};
pub use stream::{ArchiveStream, CHUNK_SIZE};

use atomic::AtomicFile;
use progress::Tracker;
use stream::{ChannelWriter, Tee};

/// How to pack. The defaults are what every caller should use; the options
/// only observe or tune, they never change the archive's bytes.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct PackOptions {
    /// Called with progress events; see [`ProgressEvent`].
    pub progress: Option<ProgressFn>,
    /// Compression workers; `None` means one per available core (capped at
    /// [`MAX_WORKERS`]). Any value gives the same archive.
    pub workers: Option<NonZeroU32>,
}

impl PackOptions {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_progress(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }

    pub fn with_workers(mut self, workers: NonZeroU32) -> Self {
        self.workers = Some(workers);
        self
    }
}

impl fmt::Debug for PackOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackOptions")
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("workers", &self.workers)
            .finish()
    }
}

/// What a finished pack produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackSummary {
    /// Lowercase hex SHA-256 of the compressed archive.
    pub sha256: String,
    /// Size of the compressed archive in bytes.
    pub size: u64,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Bytes of file content packed, before compression.
    pub bytes_read: u64,
    /// Entries left out, in archive order.
    pub skipped: Vec<SkippedEntry>,
}

/// Packs the directory `root` into `out`.
///
/// On error, whatever was already written to `out` is an incomplete archive
/// and must be discarded.
pub fn pack_to_writer<W: Write>(
    root: &Path,
    out: W,
    options: &PackOptions,
) -> Result<PackSummary, PackError> {
    let tracker = Arc::new(Tracker::new(options.progress.clone()));
    pipeline::pack(root, out, options, &tracker, true).map(|(summary, _)| summary)
}

/// Packs the directory `root` into the file `dest`, which appears only if
/// packing succeeded (it is written beside `dest` and renamed into place).
pub fn pack_to_file(
    root: &Path,
    dest: &Path,
    options: &PackOptions,
) -> Result<PackSummary, PackError> {
    let tracker = Arc::new(Tracker::new(options.progress.clone()));
    let file = AtomicFile::create(dest)?;
    let (summary, file) = pipeline::pack(root, file, options, &tracker, true)?;
    file.commit()?;
    Ok(summary)
}

/// Packs the directory `root` on a blocking thread and returns the archive
/// as a stream of chunks, plus the handle that yields the summary or the
/// typed error.
///
/// If `tee` is given, the same bytes are also written to that file, which
/// appears only if packing succeeded. Any failure also reaches the stream as
/// an `Err` item, and dropping the stream stops the packer, whose handle then
/// returns [`PackError::ConsumerGone`]. Must be called within a Tokio runtime.
pub fn pack_stream(
    root: impl Into<PathBuf>,
    tee: Option<PathBuf>,
    options: PackOptions,
) -> (ArchiveStream, JoinHandle<Result<PackSummary, PackError>>) {
    let root = root.into();
    let tracker = Arc::new(Tracker::new(options.progress.clone()));
    let (tx, archive_stream) = stream::channel(Some(Arc::clone(&tracker)));
    let handle = tokio::task::spawn_blocking(move || {
        let channel = ChannelWriter::new(tx.clone());
        let result = match tee {
            None => pipeline::pack(&root, channel, &options, &tracker, false)
                .map(|(summary, _)| summary),
            Some(dest) => pack_tee(&root, channel, &dest, &options, &tracker),
        };
        stream::report(&tx, &result);
        result
    });
    (archive_stream, handle)
}

fn pack_tee(
    root: &Path,
    channel: ChannelWriter,
    dest: &Path,
    options: &PackOptions,
    tracker: &Arc<Tracker>,
) -> Result<PackSummary, PackError> {
    let file = AtomicFile::create(dest)?;
    let (summary, Tee(_channel, file)) =
        pipeline::pack(root, Tee(channel, file), options, tracker, false)?;
    file.commit()?;
    Ok(summary)
}

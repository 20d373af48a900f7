use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Counters at one moment of a pack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// Regular files fully read so far.
    pub files: u64,
    /// Bytes of file content read so far.
    pub bytes_read: u64,
    /// Compressed bytes produced so far.
    pub bytes_compressed: u64,
    /// Compressed bytes handed to the consumer: yielded by the stream for
    /// [`pack_stream`](super::pack_stream), written to the destination otherwise.
    pub bytes_sent: u64,
    /// Entries left out of the archive so far (see [`ProgressEvent::Skipped`]).
    pub warnings: u64,
}

/// Why an entry was left out of the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpecialKind {
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    /// A file type this platform reports but tar cannot carry meaningfully.
    Other,
}

impl fmt::Display for SpecialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecialKind::Fifo => "named pipe (FIFO)",
            SpecialKind::Socket => "socket",
            SpecialKind::CharDevice => "character device",
            SpecialKind::BlockDevice => "block device",
            SpecialKind::Other => "special file",
        })
    }
}

/// An entry that was not packed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// Full path on disk (the root joined with the entry's relative path).
    pub path: PathBuf,
    pub kind: SpecialKind,
}

/// What the progress callback receives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// Counters moved on. Sent at most every [`PROGRESS_BYTES`] of input or
    /// [`PROGRESS_FILES`] files, after each stream chunk, and once at the end.
    Progress(ProgressSnapshot),
    /// An entry was left out; the pack goes on. Also listed in the summary.
    Skipped(SkippedEntry),
}

/// Progress callback. It runs on the packing thread (and on the task polling
/// the stream), so it must be quick: a slow callback slows the pack.
pub type ProgressFn = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// Input bytes between two progress events; a callback per small file would
/// cost more than packing the file.
pub const PROGRESS_BYTES: u64 = 1 << 20;
/// Files between two progress events when they are small.
pub const PROGRESS_FILES: u64 = 256;

/// Shared counters of one pack, updated by the packer thread and by the
/// stream that drains it.
pub(crate) struct Tracker {
    callback: Option<ProgressFn>,
    files: AtomicU64,
    bytes_read: AtomicU64,
    bytes_compressed: AtomicU64,
    bytes_sent: AtomicU64,
    warnings: AtomicU64,
    // Two threads emit events; taking the snapshot and calling back under one
    // lock keeps every counter non-decreasing in the order the callback sees.
    emit_lock: Mutex<()>,
}

impl Tracker {
    pub(crate) fn new(callback: Option<ProgressFn>) -> Self {
        Tracker {
            callback,
            files: AtomicU64::new(0),
            bytes_read: AtomicU64::new(0),
            bytes_compressed: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            warnings: AtomicU64::new(0),
            emit_lock: Mutex::new(()),
        }
    }

    pub(crate) fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            files: self.files.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_compressed: self.bytes_compressed.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            warnings: self.warnings.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn add_file(&self) {
        self.files.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_read(&self, n: u64) {
        self.bytes_read.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_compressed(&self, n: u64) {
        self.bytes_compressed.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_sent(&self, n: u64) {
        self.bytes_sent.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn skipped(&self, entry: SkippedEntry) {
        self.warnings.fetch_add(1, Ordering::Relaxed);
        self.emit_with(|| ProgressEvent::Skipped(entry));
    }

    pub(crate) fn emit_progress(&self) {
        self.emit_with(|| ProgressEvent::Progress(self.snapshot()));
    }

    fn emit_with(&self, event: impl FnOnce() -> ProgressEvent) {
        if let Some(callback) = &self.callback {
            let _guard = self.emit_lock.lock().unwrap_or_else(|p| p.into_inner());
            callback(&event());
        }
    }
}

/// Decides when the packer thread reports progress.
pub(crate) struct Throttle {
    bytes_at_last: u64,
    files_at_last: u64,
}

impl Throttle {
    pub(crate) fn new() -> Self {
        Throttle {
            bytes_at_last: 0,
            files_at_last: 0,
        }
    }

    /// Called after each file; emits when enough has happened since the last event.
    pub(crate) fn tick(&mut self, tracker: &Tracker) {
        let now = tracker.snapshot();
        if now.bytes_read - self.bytes_at_last >= PROGRESS_BYTES
            || now.files - self.files_at_last >= PROGRESS_FILES
        {
            self.bytes_at_last = now.bytes_read;
            self.files_at_last = now.files;
            tracker.emit_progress();
        }
    }
}

//! Walking the tree, reading the files and framing them as a tar stream,
//! ahead of the compression workers, on a thread of its own.
//!
//! Listing directories and opening, inspecting and reading thousands of
//! small files is mostly system-call time; done here, it overlaps with the
//! workers' compression instead of starving them.
//!
//! The stream travels in [`Job`]s of exactly [`JOB_SIZE`] bytes (the last
//! one shorter): headers, bodies read straight from the files, and padding,
//! back to back, so a job holds many small files or a piece of a large one.
//! Each job becomes one zstd frame. Jobs are recycled, and at most
//! [`jobs_in_flight`] exist at once, so memory stays flat however large the
//! tree is.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

use super::PackSummary;
use super::archive::{Framer, JOB_SIZE, padding};
use super::error::PackError;
use super::progress::{SkippedEntry, Throttle, Tracker};
use super::walk::{Entry, EntryKind, Walker};

/// Jobs in existence at once for `workers` compression workers: one per
/// worker, one being filled here and one being written out, so no thread
/// waits for a buffer while another could use it.
pub(crate) fn jobs_in_flight(workers: u32) -> usize {
    workers as usize + 2
}

/// A run of the tar stream, in archive order, and room for its frame.
#[derive(Debug)]
pub(crate) struct Job {
    /// Position in the stream: jobs are compressed in any order and written
    /// in this one.
    pub(crate) seq: u64,
    /// Holds the stream in its first `len` bytes; the rest is unused.
    pub(crate) input: Vec<u8>,
    pub(crate) len: usize,
    /// The compressed frame, once a worker made it.
    pub(crate) frame: Vec<u8>,
    /// Set on the final job, which ends with the end-of-archive marker,
    /// so a reader that died cannot pass for one that finished.
    pub(crate) summary: Option<PackSummary>,
}

/// A message of the reader: the next job, or the error that stopped it
/// (with the sequence number it would have had, so it comes out in order).
pub(crate) type Message = (u64, Result<Job, PackError>);

/// Channels of the reader: full jobs out, written ones back.
pub(crate) struct ReaderChannels {
    pub(crate) jobs: SyncSender<Message>,
    pub(crate) recycled: Receiver<Job>,
    /// How many jobs may exist at once.
    pub(crate) pool: usize,
}

/// Walks `root` and sends its tar stream as jobs. Stops at the first
/// error (sent as the last message) or when the workers hang up.
pub(crate) fn read_ahead(root: &Path, tracker: &Tracker, channels: &ReaderChannels) {
    let mut reader = Reader {
        root,
        tracker,
        framer: Framer::new(),
        out: Outbox {
            channels,
            current: None,
            next_seq: 0,
            allocated: 0,
        },
        throttle: Throttle::new(),
        summary: PackSummary::default(),
    };
    let last = match reader.run() {
        Ok(()) => reader.out.last(reader.summary).map(Ok),
        Err(Stop::Failed(err)) => Some(Err(err)),
        Err(Stop::WriterGone) => None,
    };
    if let Some(message) = last {
        // The workers may have gone meanwhile; then nobody needs the message.
        let _ = channels.jobs.send((reader.out.next_seq, message));
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

/// The job being filled, and the channels it leaves by.
struct Outbox<'a> {
    channels: &'a ReaderChannels,
    current: Option<Job>,
    /// The sequence number of the next job sent.
    next_seq: u64,
    /// Jobs made so far; never more than the pool.
    allocated: usize,
}

impl Outbox<'_> {
    /// The unused end of the job being filled, after sending the previous
    /// job if it is full; never empty.
    fn spare(&mut self) -> Result<&mut [u8], Stop> {
        if let Some(full) = self.current.take_if(|job| job.len == job.input.len()) {
            self.send(full)?;
        }
        if self.current.is_none() {
            let job = self.fresh_job()?;
            self.current = Some(job);
        }
        let job = self.current.as_mut().expect("filled above");
        Ok(&mut job.input[job.len..])
    }

    fn send(&mut self, mut job: Job) -> Result<(), Stop> {
        job.seq = self.next_seq;
        self.next_seq += 1;
        self.channels
            .jobs
            .send((job.seq, Ok(job)))
            .map_err(|_| Stop::WriterGone)
    }

    /// A written job back, or a new one while the pool allows; else waits
    /// for one to be written.
    fn fresh_job(&mut self) -> Result<Job, Stop> {
        let recycled = match self.channels.recycled.try_recv() {
            Ok(job) => Some(job),
            Err(_) if self.allocated < self.channels.pool => None,
            Err(_) => Some(
                self.channels
                    .recycled
                    .recv()
                    .map_err(|_| Stop::WriterGone)?,
            ),
        };
        let mut job = recycled.unwrap_or_else(|| {
            self.allocated += 1;
            Job {
                seq: 0,
                input: vec![0; JOB_SIZE],
                len: 0,
                frame: Vec::new(),
                summary: None,
            }
        });
        job.len = 0;
        job.summary = None;
        Ok(job)
    }

    /// Counts `n` bytes written into [`Outbox::spare`] as part of the stream.
    fn advance(&mut self, n: usize) {
        if let Some(job) = self.current.as_mut() {
            job.len += n;
        }
    }

    /// Appends `bytes` to the stream, across jobs if need be.
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

    /// The final job: what is left of the stream, and the summary. `None`
    /// when the workers are gone.
    fn last(&mut self, summary: PackSummary) -> Option<Job> {
        let mut job = match self.current.take() {
            Some(job) => job,
            None => self.fresh_job().ok()?,
        };
        job.seq = self.next_seq;
        job.summary = Some(summary);
        Some(job)
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

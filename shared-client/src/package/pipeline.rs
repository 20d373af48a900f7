//! The packing pipeline: a reader, the compression workers, and the
//! calling thread.
//!
//! ```text
//! reader thread     walk, read, tar framing      --jobs-->    workers
//! worker threads    compress a job into a frame  --frames-->  calling thread
//! calling thread    frames in order, SHA-256, write to the destination
//! ```
//!
//! The workers take whichever job comes next and compress it alone, so
//! they never wait on each other, and the reader's system calls and the
//! hashing and writing of the output run beside them. The calling thread
//! keeps the destination, so it need not be `Send`. Jobs go back to the
//! reader once written, and no more than [`jobs_in_flight`] ever exist, so
//! memory is flat however large the tree is. Every thread holds the sending
//! end of the channel it feeds, so a failure anywhere hangs up on the
//! others instead of leaving them blocked.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use super::archive::{FrameCompressor, worker_count};
use super::error::PackError;
use super::progress::Tracker;
use super::reader::{Job, Message, ReaderChannels, jobs_in_flight, read_ahead};
use super::sink::{DigestWriter, classify_write_error};
use super::{PackOptions, PackSummary};

/// The jobs, shared by the workers: each takes the next one free.
type JobQueue = Arc<Mutex<Receiver<Message>>>;

/// Packs `root` into `out`, returning the summary and the writer.
pub(crate) fn pack<W: Write>(
    root: &Path,
    out: W,
    options: &PackOptions,
    tracker: &Arc<Tracker>,
    counts_as_sent: bool,
) -> Result<(PackSummary, W), PackError> {
    let workers = worker_count(options);
    let pool = jobs_in_flight(workers);
    let (job_tx, job_rx) = mpsc::sync_channel(pool);
    let (frame_tx, frame_rx) = mpsc::sync_channel(pool);
    let (recycle_tx, recycle_rx) = mpsc::channel();
    let mut sink = DigestWriter::new(out, Arc::clone(tracker), counts_as_sent);

    let written = thread::scope(|scope| {
        let tracker: &Tracker = tracker;
        let channels = ReaderChannels {
            jobs: job_tx,
            recycled: recycle_rx,
            pool,
        };
        spawn(scope, "comwit-read".to_owned(), move || {
            read_ahead(root, tracker, &channels);
        })?;
        let queue: JobQueue = Arc::new(Mutex::new(job_rx));
        for n in 0..workers {
            let (queue, frames) = (Arc::clone(&queue), frame_tx.clone());
            spawn(scope, format!("comwit-zstd-{n}"), move || {
                compress_jobs(&queue, &frames);
            })?;
        }
        // Only the workers may hold these, so that the reader and this
        // thread see the hang-up once the workers are gone.
        drop((queue, frame_tx));
        // By value: returning drops them, which is the hang-up.
        Ok::<_, PackError>(write_in_order(&mut sink, frame_rx, recycle_tx))
    })?;

    let mut summary = written?;
    let digested = sink
        .finish()
        .map_err(|e| classify_write_error(e, |source| PackError::Output { source }))?;
    summary.sha256 = digested.sha256;
    summary.size = digested.size;
    summary.bytes_read = tracker.snapshot().bytes_read;
    tracker.emit_progress();
    tracing::debug!(
        root = %root.display(),
        files = summary.files,
        size = summary.size,
        sha256 = %summary.sha256,
        "packed"
    );
    Ok((summary, digested.inner))
}

fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope thread::Scope<'scope, '_>,
    name: String,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Result<thread::ScopedJoinHandle<'scope, T>, PackError> {
    thread::Builder::new()
        .name(name.clone())
        .spawn_scoped(scope, f)
        .map_err(|e| PackError::Task {
            message: format!("cannot start thread {name}: {e}"),
        })
}

/// A worker: compresses jobs into their frames until the reader is done
/// or the calling thread hangs up.
fn compress_jobs(queue: &JobQueue, frames: &SyncSender<Message>) {
    let mut compressor = FrameCompressor::new();
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok((seq, job)) = next else { return };
        let framed = job.and_then(|job| compress(&mut compressor, job));
        if frames.send((seq, framed)).is_err() {
            return;
        }
    }
}

fn compress(
    compressor: &mut std::io::Result<FrameCompressor>,
    mut job: Job,
) -> Result<Job, PackError> {
    let compressor = compressor.as_mut().map_err(|e| PackError::Compress {
        source: std::io::Error::new(e.kind(), e.to_string()),
    })?;
    // A panic would leave the calling thread waiting for this job's frame
    // while the reader waits for a job to come back: report it instead.
    let compressed = panic::catch_unwind(AssertUnwindSafe(|| {
        compressor.compress(&job.input[..job.len], &mut job.frame)
    }));
    match compressed {
        Ok(Ok(())) => Ok(job),
        Ok(Err(source)) => Err(PackError::Compress { source }),
        Err(_) => Err(PackError::Task {
            message: "a compression worker panicked".to_owned(),
        }),
    }
}

/// Writes the frames to the destination in archive order, on the calling
/// thread, and hands each written job back to the reader. Returns the
/// reader's summary, which comes with the last job.
fn write_in_order<W: Write>(
    sink: &mut DigestWriter<W>,
    frames: Receiver<Message>,
    recycle: Sender<Job>,
) -> Result<PackSummary, PackError> {
    // Frames that came before their turn; at most the jobs in flight.
    let mut early: BTreeMap<u64, Result<Job, PackError>> = BTreeMap::new();
    for next in 0.. {
        let mut job = match early.remove(&next) {
            Some(framed) => framed,
            None => next_frame(&frames, next, &mut early)?,
        }?;
        sink.write_all(&job.frame)
            .map_err(|e| classify_write_error(e, |source| PackError::Output { source }))?;
        if let Some(summary) = job.summary.take() {
            return Ok(summary);
        }
        // The reader may have stopped meanwhile; then the job is freed.
        let _ = recycle.send(job);
    }
    unreachable!("a u64 sequence does not run out")
}

/// Waits for frame `next`, keeping any that arrive before it in `early`.
fn next_frame(
    frames: &Receiver<Message>,
    next: u64,
    early: &mut BTreeMap<u64, Result<Job, PackError>>,
) -> Result<Result<Job, PackError>, PackError> {
    loop {
        let (seq, framed) = frames.recv().map_err(|_| PackError::Task {
            message: "the file reader stopped before the end of the tree".to_owned(),
        })?;
        if seq == next {
            return Ok(framed);
        }
        early.insert(seq, framed);
    }
}

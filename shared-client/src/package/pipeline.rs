//! The packing pipeline: three threads of ours around zstd's workers.
//!
//! ```text
//! reader thread    walk, read, tar framing  --batches-->  encoder thread
//! encoder thread   feed zstd                --chunks--->  calling thread
//! calling thread   SHA-256, write to the destination
//! ```
//!
//! zstd's workers only get new input when the thread feeding them comes
//! back for more, so that thread must not stall: the system calls of reading
//! thousands of files and the cost of hashing and writing the output are
//! done beside it, not by it. The calling thread keeps the destination, so
//! it need not be `Send`. Every hand-off is a bounded channel of recycled
//! buffers, so memory is flat however large the tree is.

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, mpsc};
use std::thread;

use super::archive::{encode, worker_count};
use super::error::PackError;
use super::progress::Tracker;
use super::reader::{BATCHES_IN_FLIGHT, ReaderChannels, read_ahead};
use super::sink::{DigestWriter, classify_write_error};
use super::{PackOptions, PackSummary};

/// Size of the compressed chunks passed to the calling thread.
const OUTPUT_CHUNK: usize = 256 * 1024;

/// Compressed chunks queued for the calling thread.
const OUTPUT_CHUNKS_IN_FLIGHT: usize = 8;

/// Packs `root` into `out`, returning the summary and the writer.
pub(crate) fn pack<W: Write>(
    root: &Path,
    out: W,
    options: &PackOptions,
    tracker: &Arc<Tracker>,
    counts_as_sent: bool,
) -> Result<(PackSummary, W), PackError> {
    let workers = worker_count(options);
    let (batch_tx, batch_rx) = mpsc::sync_channel(BATCHES_IN_FLIGHT);
    let (batch_recycle_tx, batch_recycle_rx) = mpsc::channel();
    let (chunk_tx, chunk_rx) = mpsc::sync_channel(OUTPUT_CHUNKS_IN_FLIGHT);
    let (chunk_recycle_tx, chunk_recycle_rx) = mpsc::channel();
    let mut sink = DigestWriter::new(out, Arc::clone(tracker), counts_as_sent);

    let (encoded, drained) = thread::scope(|scope| {
        let tracker: &Tracker = tracker;
        let reader_channels = ReaderChannels {
            batches: batch_tx,
            recycled: batch_recycle_rx,
        };
        // Each thread owns the sending end of its channel, so whoever waits
        // on it sees the hang-up however that thread ends, and a failure
        // anywhere stops the others instead of leaving them blocked.
        spawn(scope, "comwit-read", move || {
            read_ahead(root, tracker, &reader_channels);
        })?;
        let chunks = ChunkWriter {
            chunks: chunk_tx,
            recycled: chunk_recycle_rx,
            current: Vec::new(),
        };
        let encoder = spawn(scope, "comwit-encode", move || {
            let (summary, mut chunks) = encode(workers, batch_rx, &batch_recycle_tx, chunks)?;
            chunks
                .flush()
                .map_err(|source| PackError::Compress { source })?;
            Ok(summary)
        })?;
        let drained = drain(&mut sink, chunk_rx, &chunk_recycle_tx);
        let encoded = encoder
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok::<_, PackError>((encoded, drained))
    })?;

    // A destination failure comes first: the encoder only stopped because of it.
    drained.map_err(|e| classify_write_error(e, |source| PackError::Output { source }))?;
    let mut summary = encoded?;
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
    name: &str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Result<thread::ScopedJoinHandle<'scope, T>, PackError> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn_scoped(scope, f)
        .map_err(|e| PackError::Task {
            message: format!("cannot start thread {name}: {e}"),
        })
}

/// Writes the compressed chunks to the destination, on the calling thread.
fn drain<W: Write>(
    sink: &mut DigestWriter<W>,
    chunks: mpsc::Receiver<Vec<u8>>,
    recycle: &mpsc::Sender<Vec<u8>>,
) -> io::Result<()> {
    for mut chunk in chunks {
        sink.write_all(&chunk)?;
        chunk.clear();
        // The encoder reuses the buffer; if it is gone, the buffer is freed.
        let _ = recycle.send(chunk);
    }
    Ok(())
}

/// The encoder's output: collects zstd's small writes into large chunks and
/// passes them to the calling thread.
struct ChunkWriter {
    chunks: mpsc::SyncSender<Vec<u8>>,
    recycled: mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
}

impl ChunkWriter {
    fn send_current(&mut self) -> io::Result<()> {
        if self.current.is_empty() {
            return Ok(());
        }
        let next = self
            .recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(OUTPUT_CHUNK));
        let full = std::mem::replace(&mut self.current, next);
        // Only fails once the calling thread stopped on its own error, which
        // is the one reported.
        self.chunks
            .send(full)
            .map_err(|_| io::Error::other("the archive destination stopped accepting data"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.current.capacity() == 0 {
            self.current.reserve_exact(OUTPUT_CHUNK);
        }
        let n = data.len().min(OUTPUT_CHUNK - self.current.len());
        self.current.extend_from_slice(&data[..n]);
        if self.current.len() == OUTPUT_CHUNK {
            self.send_current()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_current()
    }
}

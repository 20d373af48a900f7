//! Plumbing between a blocking producer thread and an async byte stream:
//! bounded memory, and an error item whenever the producer did not finish.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use super::error::PackError;
use super::progress::Tracker;
use super::sink::ConsumerGone;

/// Size of the chunks the stream yields: large enough that per-chunk costs
/// (a channel hop, an HTTP frame) vanish, small enough to bound memory.
pub const CHUNK_SIZE: usize = 256 * 1024;

/// Chunks waiting in the channel. With the chunk being filled, this bounds
/// the bytes held between producer and consumer to about 2.25 MiB.
const CHANNEL_DEPTH: usize = 8;

pub(crate) enum Message {
    Chunk(Bytes),
    /// The producer finished and everything it made was sent.
    End,
    Failed(io::Error),
}

/// The compressed archive as a stream of chunks, for an HTTP body
/// (`reqwest::Body::wrap_stream`) or anything else that consumes bytes.
///
/// It ends cleanly only after the producer reported success. A failure of
/// any kind, including a panic of the producer, is yielded as an `Err` item,
/// so an upload built on it aborts instead of looking complete.
/// Dropping it makes the producer stop at its next write.
pub struct ArchiveStream {
    rx: mpsc::Receiver<Message>,
    tracker: Option<Arc<Tracker>>,
    done: bool,
}

impl ArchiveStream {
    pub(crate) fn new(rx: mpsc::Receiver<Message>, tracker: Option<Arc<Tracker>>) -> Self {
        ArchiveStream {
            rx,
            tracker,
            done: false,
        }
    }
}

impl std::fmt::Debug for ArchiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveStream")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Stream for ArchiveStream {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let message = match self.rx.poll_recv(cx) {
            Poll::Ready(message) => message,
            Poll::Pending => return Poll::Pending,
        };
        let item = match message {
            Some(Message::Chunk(chunk)) => {
                if let Some(tracker) = &self.tracker {
                    tracker.add_sent(chunk.len() as u64);
                    tracker.emit_progress();
                }
                Some(Ok(chunk))
            }
            Some(Message::End) => {
                self.done = true;
                None
            }
            Some(Message::Failed(err)) => {
                self.done = true;
                Some(Err(err))
            }
            None => {
                self.done = true;
                Some(Err(io::Error::other(
                    "the archive producer stopped without finishing the archive",
                )))
            }
        };
        Poll::Ready(item)
    }
}

/// Creates the channel of an [`ArchiveStream`].
pub(crate) fn channel(tracker: Option<Arc<Tracker>>) -> (mpsc::Sender<Message>, ArchiveStream) {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    (tx, ArchiveStream::new(rx, tracker))
}

/// Sends the producer's outcome. The stream ends cleanly only on `Ok`.
pub(crate) fn report<T>(tx: &mpsc::Sender<Message>, result: &Result<T, PackError>) {
    let message = match result {
        Ok(_) => Message::End,
        // Nobody is listening any more.
        Err(PackError::ConsumerGone) => return,
        Err(err) => Message::Failed(io::Error::other(err.to_string())),
    };
    // A closed channel means the consumer is gone and needs no verdict.
    let _ = tx.blocking_send(message);
}

/// A blocking `Write` that cuts what it gets into [`CHUNK_SIZE`] pieces and
/// sends them into the stream, waiting while the channel is full.
pub(crate) struct ChannelWriter {
    tx: mpsc::Sender<Message>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    pub(crate) fn new(tx: mpsc::Sender<Message>) -> Self {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK_SIZE),
        }
    }

    fn send_buffered(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_SIZE));
        self.tx
            .blocking_send(Message::Chunk(Bytes::from(chunk)))
            .map_err(|_| ConsumerGone::io_error())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.tx.is_closed() {
            return Err(ConsumerGone::io_error());
        }
        let n = data.len().min(CHUNK_SIZE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK_SIZE {
            self.send_buffered()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffered()
    }
}

/// Writes everything to two writers, for a stream that is also kept on disk.
pub(crate) struct Tee<A, B>(pub(crate) A, pub(crate) B);

impl<A: Write, B: Write> Write for Tee<A, B> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // Both sides must see the same bytes, so only whole writes count.
        self.1.write_all(data)?;
        self.0.write_all(data)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.1.flush()?;
        self.0.flush()
    }
}

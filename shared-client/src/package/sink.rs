//! The end of the pipeline: digests and counts the compressed bytes on
//! their way to the destination, and marks the destination's errors so a
//! stream whose reader went away is reported as such, not as a failed write.

use std::error::Error;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::error::PackError;
use super::progress::Tracker;

/// Wraps an error returned by the destination writer.
#[derive(Debug)]
pub(crate) struct OutputFailed(pub(crate) io::Error);

impl fmt::Display for OutputFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for OutputFailed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

/// The error a channel writer returns once the stream has been dropped.
#[derive(Debug)]
pub(crate) struct ConsumerGone;

impl fmt::Display for ConsumerGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the archive stream was dropped")
    }
}

impl Error for ConsumerGone {}

impl ConsumerGone {
    pub(crate) fn io_error() -> io::Error {
        io::Error::new(io::ErrorKind::BrokenPipe, ConsumerGone)
    }
}

/// Turns an I/O error raised while writing the archive into the right
/// [`PackError`]; errors not from the destination get `otherwise`.
pub(crate) fn classify_write_error(
    err: io::Error,
    otherwise: impl FnOnce(io::Error) -> PackError,
) -> PackError {
    let err = match err.downcast::<OutputFailed>() {
        Ok(OutputFailed(source)) if is_consumer_gone(&source) => return PackError::ConsumerGone,
        Ok(OutputFailed(source)) => return PackError::Output { source },
        Err(err) => err,
    };
    if is_consumer_gone(&err) {
        return PackError::ConsumerGone;
    }
    otherwise(err)
}

fn is_consumer_gone(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<ConsumerGone>())
}

/// Digest and byte count of everything written through a [`DigestWriter`].
pub(crate) struct Digested<W> {
    pub(crate) inner: W,
    pub(crate) sha256: String,
    pub(crate) size: u64,
}

pub(crate) struct DigestWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
    tracker: Arc<Tracker>,
    // A stream counts bytes as sent when it yields them; every other
    // destination has them once `write` returns.
    counts_as_sent: bool,
}

impl<W: Write> DigestWriter<W> {
    pub(crate) fn new(inner: W, tracker: Arc<Tracker>, counts_as_sent: bool) -> Self {
        DigestWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
            tracker,
            counts_as_sent,
        }
    }

    pub(crate) fn finish(mut self) -> io::Result<Digested<W>> {
        self.inner
            .flush()
            .map_err(|e| io::Error::new(e.kind(), OutputFailed(e)))?;
        Ok(Digested {
            inner: self.inner,
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }
}

impl<W: Write> Write for DigestWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self
            .inner
            .write(buf)
            .map_err(|e| io::Error::new(e.kind(), OutputFailed(e)))?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        self.tracker.add_compressed(n as u64);
        if self.counts_as_sent {
            self.tracker.add_sent(n as u64);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .flush()
            .map_err(|e| io::Error::new(e.kind(), OutputFailed(e)))
    }
}

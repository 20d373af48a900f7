//! The archive format: a normalised tar ([`Framer`] writes its framing),
//! compressed by multi-threaded zstd ([`encode`]).

use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc;

use tar::{EntryType, Header};
use zstd::stream::raw::CParameter;

use super::error::PackError;
use super::reader::Batch;
use super::sink::classify_write_error;
use super::{PackOptions, PackSummary};

/// zstd level of every archive: the speed/ratio point `tar --zstd` uses too.
pub const COMPRESSION_LEVEL: i32 = 3;

/// Upper bound on zstd workers. The output is the same for any worker count
/// of one or more, so the cap only bounds memory (each worker holds a job's
/// input and output) on many-core machines, where more workers would not be
/// fed fast enough by the single thread that feeds them anyway.
pub const MAX_WORKERS: u32 = 8;

/// mtime of every entry. Not zero: some extractors warn about, or mishandle,
/// timestamps at the epoch. 2000-01-01T00:00:00Z.
pub const FIXED_MTIME: u64 = 946_684_800;

/// Input per zstd job. Each job also re-reads the last 256 KiB of the one
/// before it (zstd's overlap at level 3), so small jobs cost CPU: measured
/// on the packaging bench's tree, 2 MiB jobs took 2–4 % more wall time than
/// 4 MiB ones, and 8 MiB (zstd's default) gained only 1 % more for another
/// 34 MiB of peak memory with two workers. 4 MiB keeps a pack at about
/// 45 MiB whatever the tree's size.
pub const JOB_SIZE: u32 = 4 << 20;

const BLOCK: u64 = 512;

/// The zstd workers to use: all cores, as the output does not depend on it.
pub(crate) fn worker_count(options: &PackOptions) -> u32 {
    let wanted = match options.workers {
        Some(n) => n.get(),
        None => std::thread::available_parallelism()
            .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
    };
    wanted.clamp(1, MAX_WORKERS)
}

/// Runs on the encoder thread: compresses the tar stream the reader framed
/// in its batches and writes the result into `out`.
///
/// Each batch is one contiguous run of the stream, so this thread, the one
/// zstd's workers wait on for new jobs, does nothing but hand the bytes to
/// zstd: it is back for the next job as soon as a worker frees up.
pub(crate) fn encode<W: Write>(
    workers: u32,
    batches: mpsc::Receiver<Result<Batch, PackError>>,
    recycle: &mpsc::Sender<Vec<u8>>,
    out: W,
) -> Result<(PackSummary, W), PackError> {
    let mut encoder = new_encoder(out, workers).map_err(|source| PackError::Compress { source })?;
    for message in batches {
        let batch = message?;
        encoder
            .write_all(&batch.buf[..batch.len])
            .map_err(compress_error)?;
        if let Some(summary) = batch.summary {
            let out = encoder.finish().map_err(compress_error)?;
            return Ok((summary, out));
        }
        // The reader reuses the buffer; if it is gone, the buffer is freed.
        let _ = recycle.send(batch.buf);
    }
    Err(PackError::Task {
        message: "the file reader stopped before the end of the tree".to_owned(),
    })
}

/// Writes the tar framing: entry headers (with GNU long-name entries where
/// a path needs one), body padding and the end-of-archive marker.
///
/// Each call returns the bytes to put next in the stream. They go through
/// tar's own API into a small staging buffer, reused from one entry to the
/// next; file bodies never pass through it.
pub(crate) struct Framer {
    tar: tar::Builder<Vec<u8>>,
}

impl Framer {
    pub(crate) fn new() -> Self {
        Framer {
            tar: tar::Builder::new(Vec::with_capacity(4 * BLOCK as usize)),
        }
    }

    /// The header of a regular file. Its `size` bytes of body and then
    /// [`padding`]`(size)` must come next in the stream.
    pub(crate) fn file(
        &mut self,
        root: &Path,
        rel: &Path,
        mode: u32,
        size: u64,
    ) -> Result<&[u8], PackError> {
        let mut header = normalised_header(EntryType::Regular, mode, size);
        // An empty body here: the body follows in the reader's batches, and
        // `append_data` writes no padding for a body it did not see.
        self.staged(root, rel, |tar| {
            tar.append_data(&mut header, rel, io::empty())
        })
    }

    pub(crate) fn dir(&mut self, root: &Path, rel: &Path) -> Result<&[u8], PackError> {
        let mut header = normalised_header(EntryType::Directory, 0o755, 0);
        self.staged(root, rel, |tar| {
            tar.append_data(&mut header, rel, io::empty())
        })
    }

    pub(crate) fn symlink(
        &mut self,
        root: &Path,
        rel: &Path,
        target: &Path,
    ) -> Result<&[u8], PackError> {
        // A link's own mode means nothing on extraction; 0777 is what lstat
        // reports and what GNU tar records.
        let mut header = normalised_header(EntryType::Symlink, 0o777, 0);
        self.staged(root, rel, |tar| tar.append_link(&mut header, rel, target))
    }

    /// The end-of-archive marker, after the last entry.
    pub(crate) fn end(&mut self) -> Result<&[u8], PackError> {
        self.tar.get_mut().clear();
        self.tar.finish().map_err(compress_error)?;
        Ok(self.tar.get_ref())
    }

    fn staged(
        &mut self,
        root: &Path,
        rel: &Path,
        append: impl FnOnce(&mut tar::Builder<Vec<u8>>) -> io::Result<()>,
    ) -> Result<&[u8], PackError> {
        self.tar.get_mut().clear();
        append(&mut self.tar).map_err(|e| entry_error(e, root, rel))?;
        Ok(self.tar.get_ref())
    }
}

/// The zeros that pad a body of `size` bytes to a whole tar block.
pub(crate) fn padding(size: u64) -> &'static [u8] {
    const ZEROS: [u8; BLOCK as usize] = [0; BLOCK as usize];
    let short = (BLOCK - size % BLOCK) % BLOCK;
    &ZEROS[..short as usize]
}

fn compress_error(err: io::Error) -> PackError {
    classify_write_error(err, |source| PackError::Compress { source })
}

fn new_encoder<W: Write>(sink: W, workers: u32) -> io::Result<zstd::Encoder<'static, W>> {
    let mut encoder = zstd::Encoder::new(sink, COMPRESSION_LEVEL)?;
    // Multi-threaded zstd cuts the input into jobs at fixed offsets, so its
    // output is the same for every worker count >= 1 (but not for 0, the
    // single-threaded mode). Always using it keeps archives reproducible
    // across machines, and lets the workers compress while other threads
    // read files and write the output.
    encoder.multithread(workers)?;
    // Part of the output format (jobs start at fixed offsets), so it is a
    // constant, never derived from the machine.
    encoder.set_parameter(CParameter::JobSize(JOB_SIZE))?;
    // No content checksum: the SHA-256 of the compressed bytes, which the
    // server checks, already proves it got exactly what was packed, and the
    // checksum is computed serially across zstd's jobs (measured: 3% more
    // CPU and up to 7% more wall time on two cores).
    encoder.include_checksum(false)?;
    Ok(encoder)
}

/// A header with everything but the type, mode and size normalised away.
fn normalised_header(entry_type: EntryType, mode: u32, size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(entry_type);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(FIXED_MTIME);
    header
}

fn entry_error(err: io::Error, root: &Path, rel: &Path) -> PackError {
    classify_write_error(err, |source| PackError::Entry {
        path: root.join(rel),
        source,
    })
}

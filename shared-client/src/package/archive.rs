//! Writing the entries as a normalised tar, compressed by multi-threaded
//! zstd.

use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc;

use tar::{EntryType, Header};
use zstd::stream::raw::CParameter;

use super::error::PackError;
use super::reader::{Batch, Op};
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

/// Input per zstd job. zstd's default at level 3 is 8 MiB, which costs
/// about 75 MiB of memory with two workers; 2 MiB jobs need about 26 MiB,
/// compress just as fast (measured), shorten the tail where one worker
/// finishes the last job alone, and make the archive about 0.2% larger.
pub const JOB_SIZE: u32 = 2 << 20;

const BLOCK: u64 = 512;

/// The tar stream reaches zstd in runs of this size. Each write into a
/// multi-threaded encoder costs a call that checks on its jobs, and a tree
/// of small files makes three writes per file (header, body, padding):
/// collected first, they cost one call per run instead.
const TAR_RUN: usize = 256 * 1024;

/// The zstd workers to use: all cores, as the output does not depend on it.
pub(crate) fn worker_count(options: &PackOptions) -> u32 {
    let wanted = match options.workers {
        Some(n) => n.get(),
        None => std::thread::available_parallelism()
            .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
    };
    wanted.clamp(1, MAX_WORKERS)
}

/// Runs on the encoder thread: turns the reader's batches into a tar
/// stream, compresses it, and writes the result into `out`.
pub(crate) fn encode<W: Write>(
    root: &Path,
    workers: u32,
    batches: mpsc::Receiver<Result<Batch, PackError>>,
    recycle: &mpsc::Sender<Vec<u8>>,
    out: W,
) -> Result<(PackSummary, W), PackError> {
    let encoder = new_encoder(out, workers).map_err(|source| PackError::Compress { source })?;
    let mut builder = tar::Builder::new(io::BufWriter::with_capacity(TAR_RUN, encoder));
    let summary = write_entries(&mut builder, root, batches, recycle)?;
    builder.finish().map_err(compress_error)?;
    let encoder = builder
        .into_inner()
        .map_err(compress_error)?
        .into_inner()
        .map_err(|e| compress_error(e.into_error()))?;
    let out = encoder.finish().map_err(compress_error)?;
    Ok((summary, out))
}

/// A regular file whose header is written and whose body is still coming.
struct OpenBody {
    size: u64,
    remaining: u64,
}

/// Turns the reader's batches into tar entries, in order.
fn write_entries<W: Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    batches: mpsc::Receiver<Result<Batch, PackError>>,
    recycle: &mpsc::Sender<Vec<u8>>,
) -> Result<PackSummary, PackError> {
    let mut summary = PackSummary::default();
    let mut body: Option<OpenBody> = None;
    let mut finished = false;
    for message in batches {
        let batch = message?;
        let content = &batch.buf[..batch.len];
        let mut offset = 0;
        for op in batch.ops {
            if body.is_some() && !matches!(op, Op::Data { .. }) {
                return Err(reader_bug());
            }
            match op {
                Op::File { rel, mode, size } => {
                    append_file_header(builder, root, &rel, mode, size)?;
                    summary.files += 1;
                    body = (size > 0).then_some(OpenBody {
                        size,
                        remaining: size,
                    });
                }
                Op::Data { len } => {
                    let data = content.get(offset..offset + len).ok_or_else(reader_bug)?;
                    offset += len;
                    let open = body.as_mut().ok_or_else(reader_bug)?;
                    open.remaining = open
                        .remaining
                        .checked_sub(len as u64)
                        .ok_or_else(reader_bug)?;
                    let out = builder.get_mut();
                    out.write_all(data).map_err(compress_error)?;
                    if open.remaining == 0 {
                        let padding = (BLOCK - open.size % BLOCK) % BLOCK;
                        out.write_all(&[0; BLOCK as usize][..padding as usize])
                            .map_err(compress_error)?;
                        body = None;
                    }
                }
                Op::Dir { rel } => {
                    append_dir(builder, root, &rel)?;
                    summary.dirs += 1;
                }
                Op::Symlink { rel, target } => {
                    append_symlink(builder, root, &rel, &target)?;
                    summary.symlinks += 1;
                }
                Op::Skipped(skipped) => {
                    tracing::warn!(
                        path = %skipped.path.display(),
                        kind = %skipped.kind,
                        "not packed: special file"
                    );
                    summary.skipped.push(skipped);
                }
            }
        }
        if offset != content.len() {
            return Err(reader_bug());
        }
        finished = batch.last;
        // The reader reuses the buffer; if it is gone, the buffer is freed.
        let _ = recycle.send(batch.buf);
    }
    if !finished || body.is_some() {
        return Err(reader_bug());
    }
    Ok(summary)
}

fn compress_error(err: io::Error) -> PackError {
    classify_write_error(err, |source| PackError::Compress { source })
}

#[cold]
fn reader_bug() -> PackError {
    PackError::Task {
        message: "the file reader stopped or sent data out of order".to_owned(),
    }
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

fn append_dir<W: Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    rel: &Path,
) -> Result<(), PackError> {
    let mut header = normalised_header(EntryType::Directory, 0o755, 0);
    builder
        .append_data(&mut header, rel, io::empty())
        .map_err(|e| entry_error(e, root, rel))
}

fn append_symlink<W: Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    rel: &Path,
    target: &Path,
) -> Result<(), PackError> {
    // A link's own mode means nothing on extraction; 0777 is what lstat
    // reports and what GNU tar records.
    let mut header = normalised_header(EntryType::Symlink, 0o777, 0);
    builder
        .append_link(&mut header, rel, target)
        .map_err(|e| entry_error(e, root, rel))
}

fn append_file_header<W: Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    rel: &Path,
    mode: u32,
    size: u64,
) -> Result<(), PackError> {
    let mut header = normalised_header(EntryType::Regular, mode, size);
    // The header (and a GNU long-name entry before it, when needed) goes
    // through tar's own API, with an empty body: the body follows in the
    // reader's large buffers, written straight into the encoder, where
    // `append_data` would copy it in 8 KiB pieces. Its `size` bytes and the
    // padding must come next, which `write_entries` guarantees.
    builder
        .append_data(&mut header, rel, io::empty())
        .map_err(|e| entry_error(e, root, rel))
}

fn entry_error(err: io::Error, root: &Path, rel: &Path) -> PackError {
    classify_write_error(err, |source| PackError::Entry {
        path: root.join(rel),
        source,
    })
}

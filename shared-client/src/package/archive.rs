//! The archive format: a normalised tar ([`Framer`] writes its framing),
//! cut into fixed-size jobs, each compressed as a zstd frame of its own
//! ([`FrameCompressor`]); the frames, back to back, are the archive.

use std::io;
use std::path::Path;

use tar::{EntryType, Header};

use super::PackOptions;
use super::error::PackError;
use super::sink::classify_write_error;

/// zstd level of every archive: the speed/ratio point `tar --zstd` uses too.
pub const COMPRESSION_LEVEL: i32 = 3;

/// Upper bound on compression workers. The output is the same for any
/// worker count, so the cap only bounds memory (each worker holds a job's
/// input and frame, about 10 MiB) on many-core machines.
pub const MAX_WORKERS: u32 = 8;

/// mtime of every entry. Not zero: some extractors warn about, or mishandle,
/// timestamps at the epoch. 2000-01-01T00:00:00Z.
pub const FIXED_MTIME: u64 = 946_684_800;

/// Bytes of the tar stream per zstd frame (the last frame holds the rest).
///
/// Part of the output format, so a constant, never derived from the
/// machine: the frames are the same whichever worker makes them, and in
/// whatever order. Independent frames compress in parallel with no shared
/// state: measured on the packaging bench's tree, 15 % less CPU than
/// zstd's own multi-threaded mode (whose jobs each re-read part of the one
/// before, and whose input is copied into its own buffers), for archives
/// 0.2–0.4 % larger, as each frame starts with no history. Any zstd
/// decoder reads a stream of frames (RFC 8878, section 3): `zstd -d`,
/// `tar --zstd -x`, libzstd's streaming API. 4 MiB jobs keep a pack on two
/// cores at about 36 MiB; 8 MiB made the archive 0.3 % smaller for more
/// memory and no speed.
pub const JOB_SIZE: usize = 4 << 20;

const BLOCK: u64 = 512;

/// The compression workers to use: all cores, as the output does not
/// depend on it.
pub(crate) fn worker_count(options: &PackOptions) -> u32 {
    let wanted = match options.workers {
        Some(n) => n.get(),
        None => std::thread::available_parallelism()
            .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
    };
    wanted.clamp(1, MAX_WORKERS)
}

/// Compresses jobs into frames; one per worker, reused across its jobs.
pub(crate) struct FrameCompressor(zstd::bulk::Compressor<'static>);

impl FrameCompressor {
    pub(crate) fn new() -> io::Result<Self> {
        let mut compressor = zstd::bulk::Compressor::new(COMPRESSION_LEVEL)?;
        // No content checksum: the SHA-256 of the compressed bytes, which
        // the server checks, already proves it got exactly what was packed.
        compressor.include_checksum(false)?;
        Ok(FrameCompressor(compressor))
    }

    /// Replaces the contents of `frame` with `input` compressed as one frame.
    pub(crate) fn compress(&mut self, input: &[u8], frame: &mut Vec<u8>) -> io::Result<()> {
        frame.clear();
        // The end-of-archive marker can end a job exactly: nothing follows.
        if input.is_empty() {
            return Ok(());
        }
        frame.reserve(zstd::zstd_safe::compress_bound(input.len()));
        self.0.compress_to_buffer(input, frame)?;
        Ok(())
    }
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

//! Archives the user built themselves: checked for the format the platform
//! accepts, then streamed unchanged.

use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use super::error::PackError;
use super::inspect::{TarProblem, check_tar};
use super::progress::{ProgressFn, Tracker};
use super::stream::{self, ArchiveStream, CHUNK_SIZE, Message};

/// The first four bytes of every zstd frame.
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

const TAR_BLOCK: usize = 512;

/// Size and digest of a prebuilt archive, as the upload will announce them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrebuiltInfo {
    pub size: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Checks that `path` is a zstd-compressed tar the platform accepts, and
/// digests it.
///
/// The first block is looked at on its own, to name the usual mistakes (a
/// zip, a plain tar, a compressed single file). Then one streaming pass
/// decompresses the whole archive through the platform's own check
/// ([`check_tar`]: names, links resolved through each other, bounded
/// extension headers) while hashing the file's bytes, so memory stays
/// bounded whatever the size and the file is read once. Decompressing costs
/// about a second per GB; no unpacked-size limit is applied here, as the
/// archive is the user's own and the platform applies its limit anyway.
pub fn check_prebuilt(path: &Path) -> Result<PrebuiltInfo, PackError> {
    let mut file = open_prebuilt(path)?;
    let unreadable = |source| PackError::PrebuiltUnreadable {
        path: path.to_path_buf(),
        source,
    };

    let mut head = [0; TAR_BLOCK];
    let head_len = read_full(&mut file, &mut head).map_err(unreadable)?;
    let head = &head[..head_len];
    if !head.starts_with(&ZSTD_MAGIC) {
        return Err(PackError::NotZstd {
            path: path.to_path_buf(),
            found: describe_non_zstd(head),
        });
    }
    file.rewind().map_err(unreadable)?;
    check_first_tar_header(path, &file)?;

    file.rewind().map_err(unreadable)?;
    let mut hashing = Hashing {
        inner: file,
        hasher: Sha256::new(),
        size: 0,
        failed: None,
    };
    let checked = check_whole(path, &mut hashing);
    if let Some(source) = hashing.failed.take() {
        return Err(unreadable(source));
    }
    checked?;
    // Whatever the decoder did not need still counts for the digest.
    io::copy(&mut hashing, &mut io::sink()).map_err(unreadable)?;
    Ok(PrebuiltInfo {
        size: hashing.size,
        sha256: hex::encode(hashing.hasher.finalize()),
    })
}

/// Decompresses the whole archive through the platform's check.
fn check_whole(path: &Path, file: &mut Hashing) -> Result<(), PackError> {
    let not_tar = |detail: String| PackError::NotTar {
        path: path.to_path_buf(),
        detail,
    };
    let mut decoder = zstd::Decoder::new(file).map_err(|source| PackError::PrebuiltUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    match check_tar(&mut decoder, None) {
        Ok(_) => {}
        Err(TarProblem::Read { context, source }) => {
            return Err(not_tar(format!("it cannot be read ({context}): {source}")));
        }
        Err(problem) => {
            return Err(PackError::PrebuiltRefused {
                path: path.to_path_buf(),
                problem,
            });
        }
    }
    // The platform decodes what follows the tar's end too.
    io::copy(&mut decoder, &mut io::sink())
        .map_err(|e| not_tar(format!("its zstd data after the tar's end is corrupt: {e}")))?;
    Ok(())
}

/// The file as read, hashed on the way; its own read error is kept apart
/// from the decoder's, which reports it only as some I/O error.
struct Hashing {
    inner: File,
    hasher: Sha256,
    size: u64,
    failed: Option<io::Error>,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = loop {
            match self.inner.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let shown = io::Error::new(e.kind(), e.to_string());
                    self.failed = Some(e);
                    return Err(shown);
                }
            }
        };
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Streams the file at `path` unchanged, in chunks, with bounded memory.
///
/// The join handle returns the size and digest of the bytes actually
/// streamed; compare them with [`check_prebuilt`]'s to detect a file that
/// changed in between. Must be called within a Tokio runtime.
pub fn prebuilt_stream(
    path: impl Into<PathBuf>,
    progress: Option<ProgressFn>,
) -> (ArchiveStream, JoinHandle<Result<PrebuiltInfo, PackError>>) {
    let path = path.into();
    // Progress counts bytes handed to the consumer (`bytes_sent`).
    let tracker = progress.map(|callback| Arc::new(Tracker::new(Some(callback))));
    let (tx, archive_stream) = stream::channel(tracker);
    let handle = tokio::task::spawn_blocking(move || {
        let result = send_file(&path, &tx);
        stream::report(&tx, &result);
        result
    });
    (archive_stream, handle)
}

fn send_file(
    path: &Path,
    tx: &tokio::sync::mpsc::Sender<Message>,
) -> Result<PrebuiltInfo, PackError> {
    let mut file = open_prebuilt(path)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let mut chunk = vec![0; CHUNK_SIZE];
        let n =
            read_full(&mut file, &mut chunk).map_err(|source| PackError::PrebuiltUnreadable {
                path: path.to_path_buf(),
                source,
            })?;
        if n == 0 {
            break;
        }
        chunk.truncate(n);
        hasher.update(&chunk);
        size += n as u64;
        tx.blocking_send(Message::Chunk(chunk.into()))
            .map_err(|_| PackError::ConsumerGone)?;
    }
    Ok(PrebuiltInfo {
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

fn open_prebuilt(path: &Path) -> Result<File, PackError> {
    let unreadable = |source| PackError::PrebuiltUnreadable {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => PackError::PrebuiltMissing {
            path: path.to_path_buf(),
        },
        _ => unreadable(e),
    })?;
    if !meta.is_file() {
        return Err(PackError::PrebuiltNotFile {
            path: path.to_path_buf(),
        });
    }
    File::open(path).map_err(unreadable)
}

fn check_first_tar_header(path: &Path, file: &File) -> Result<(), PackError> {
    let not_tar = |detail: String| PackError::NotTar {
        path: path.to_path_buf(),
        detail,
    };
    let mut decoder = zstd::Decoder::new(file).map_err(|source| PackError::PrebuiltUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let mut block = [0; TAR_BLOCK];
    let n = read_full(&mut decoder, &mut block)
        .map_err(|e| not_tar(format!("its zstd data cannot be decompressed: {e}")))?;
    if n < TAR_BLOCK {
        return Err(not_tar(format!(
            "it decompresses to {n} bytes, less than one {TAR_BLOCK}-byte tar header"
        )));
    }
    if block.iter().all(|&b| b == 0) {
        return Err(not_tar("it holds an empty tar archive".to_owned()));
    }
    if !tar_checksum_matches(&block) {
        return Err(not_tar(
            "its first 512 bytes are not a tar header (bad checksum)".to_owned(),
        ));
    }
    Ok(())
}

/// Verifies a tar header's checksum: the sum of its bytes with the checksum
/// field itself counted as spaces. Historic tars summed signed bytes, so
/// either sum is accepted.
fn tar_checksum_matches(block: &[u8; TAR_BLOCK]) -> bool {
    const FIELD: std::ops::Range<usize> = 148..156;
    let Some(stored) = parse_octal(&block[FIELD]) else {
        return false;
    };
    let field_as_spaces = FIELD.len() as u64 * u64::from(b' ');
    let unsigned: u64 = block
        .iter()
        .enumerate()
        .filter(|(i, _)| !FIELD.contains(i))
        .map(|(_, &b)| u64::from(b))
        .sum::<u64>()
        + field_as_spaces;
    let signed: i64 = block
        .iter()
        .enumerate()
        .filter(|(i, _)| !FIELD.contains(i))
        .map(|(_, &b)| i64::from(b as i8))
        .sum::<i64>()
        + field_as_spaces as i64;
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let digits: &[u8] = field
        .split(|&b| b == 0 || b == b' ')
        .find(|part| !part.is_empty())?;
    let text = std::str::from_utf8(digits).ok()?;
    u64::from_str_radix(text, 8).ok()
}

/// Says what a file that is not zstd looks like, for the error message.
fn describe_non_zstd(head: &[u8]) -> String {
    if head.is_empty() {
        return "the file is empty".to_owned();
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return "it is a zip archive".to_owned();
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return "it is gzip-compressed".to_owned();
    }
    if head.starts_with(b"BZh") {
        return "it is bzip2-compressed".to_owned();
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return "it is xz-compressed".to_owned();
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return "it is an uncompressed tar archive; `zstd app.tar` would compress it".to_owned();
    }
    let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!(
        "it starts with bytes {} instead of 28 b5 2f fd",
        shown.join(" ")
    )
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_tar_crate_header_matches() {
        let mut header = tar::Header::new_gnu();
        header.set_path("a.txt").unwrap();
        header.set_size(3);
        header.set_cksum();
        let block: &[u8; TAR_BLOCK] = header.as_bytes();
        assert!(tar_checksum_matches(block));

        let mut corrupted = *block;
        corrupted[0] ^= 1;
        assert!(!tar_checksum_matches(&corrupted));
    }

    #[test]
    fn random_bytes_are_not_a_tar_header() {
        let block = [0x41; TAR_BLOCK];
        assert!(!tar_checksum_matches(&block));
    }
}

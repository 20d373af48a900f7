//! Receiving and checking a deploy artifact (`.tar.zst`).
//!
//! The body streams through one blocking thread that, chunk by chunk,
//! writes it to a temporary file in the artifact store, hashes it and feeds
//! the zstd decoder and tar reader that check every entry. Nothing is
//! renamed into place unless the whole archive checked out, so a rejected
//! or interrupted upload leaves nothing behind.
//!
//! What an archive may hold is decided by the rule shared with the client's
//! packer, [`comwit_client::package::inspect`]: relative names without
//! `..`, no entry through or onto a symlink seen earlier, symlinks that
//! resolve inside the root through the other links, bounded names and
//! extension headers (refused by their declared size, before their body is
//! read), PAX global headers accepted. Memory per upload stays bounded
//! whatever the archive declares; time is bounded by the upload and
//! unpacked limits.

use std::io::{self, Read, Write};
use std::path::Path;

use axum::body::{Body, Bytes};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::sync::mpsc;

use comwit_client::package::inspect::{TarProblem, check_tar};

use crate::error::{ApiError, excerpt};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_upload_bytes: u64,
    pub max_unpacked_bytes: u64,
}

/// A checked artifact, still in its temporary file.
pub struct Received {
    pub file: NamedTempFile,
    pub sha256: String,
    pub size_bytes: u64,
    pub file_count: u64,
}

impl Received {
    /// Renames the artifact to its final place (atomic on one filesystem).
    pub fn persist(self, dest: &Path) -> io::Result<()> {
        self.file.as_file().sync_all()?;
        self.file.persist(dest).map_err(|e| e.error)?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
enum Rejection {
    #[error("artifact is larger than the {limit}-byte upload limit")]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Invalid(String),
    #[error("upload was interrupted: {0}")]
    Interrupted(String),
    #[error("artifact store: {0}")]
    Store(io::Error),
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::TooLarge { .. } => ApiError::payload_too_large(format!(
                "{r}; make the build smaller (leave out source maps, caches, node_modules)"
            )),
            Rejection::Invalid(msg) => ApiError::bad_request(msg),
            Rejection::Interrupted(_) => ApiError::bad_request(r.to_string()),
            Rejection::Store(e) => ApiError::internal("storing the artifact", e),
        }
    }
}

/// Receives `body` into `store_dir`, checking it as it arrives.
pub async fn receive(body: Body, store_dir: &Path, limits: Limits) -> Result<Received, ApiError> {
    let (tx, rx) = mpsc::channel::<Result<Bytes, String>>(32);
    let dir = store_dir.to_path_buf();
    let checker = tokio::task::spawn_blocking(move || check(rx, &dir, limits));

    let mut stream = body.into_data_stream();
    let mut sent: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let item = match chunk {
            Ok(bytes) => {
                sent += bytes.len() as u64;
                Ok(bytes)
            }
            Err(err) => Err(err.to_string()),
        };
        let failed = item.is_err();
        // A closed channel means the checker already rejected the archive:
        // stop reading and report its verdict.
        if tx.send(item).await.is_err() || failed || sent > limits.max_upload_bytes {
            break;
        }
    }
    drop(tx);
    match checker.await {
        Ok(result) => result.map_err(ApiError::from),
        Err(join) => Err(ApiError::internal("checking the artifact", join)),
    }
}

/// The reading end: tees every byte into the temp file and the hash.
struct Tee {
    rx: mpsc::Receiver<Result<Bytes, String>>,
    pending: Bytes,
    file: NamedTempFile,
    hasher: Sha256,
    total: u64,
    limit: u64,
    /// Why reading stopped, when it was not the archive's fault.
    stop: Option<Rejection>,
}

impl Read for Tee {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Err(msg)) => {
                    self.stop = Some(Rejection::Interrupted(msg));
                    return Err(io::Error::other("interrupted"));
                }
                Some(Ok(bytes)) => {
                    self.total += bytes.len() as u64;
                    if self.total > self.limit {
                        self.stop = Some(Rejection::TooLarge { limit: self.limit });
                        return Err(io::Error::other("too large"));
                    }
                    if let Err(e) = self.file.write_all(&bytes) {
                        let err = io::Error::new(e.kind(), e.to_string());
                        self.stop = Some(Rejection::Store(e));
                        return Err(err);
                    }
                    self.hasher.update(&bytes);
                    self.pending = bytes;
                }
            }
        }
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.pending = self.pending.slice(n..);
        Ok(n)
    }
}

/// Counts decompressed bytes and stops a zstd bomb at the limit.
struct Bounded<R> {
    inner: R,
    total: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.total += n as u64;
        if self.total > self.limit {
            return Err(io::Error::other(BOMB));
        }
        Ok(n)
    }
}

const BOMB: &str = "decompressed size limit";

fn check(
    rx: mpsc::Receiver<Result<Bytes, String>>,
    dir: &Path,
    limits: Limits,
) -> Result<Received, Rejection> {
    let file = tempfile::Builder::new()
        .prefix(".upload-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(Rejection::Store)?;
    let mut tee = Tee {
        rx,
        pending: Bytes::new(),
        file,
        hasher: Sha256::new(),
        total: 0,
        limit: limits.max_upload_bytes,
        stop: None,
    };

    let verdict = check_archive(&mut tee, limits.max_unpacked_bytes);
    // Whatever the verdict, the tee's own failure (size, disconnect, disk)
    // is the real cause when there is one.
    if let Some(stop) = tee.stop.take() {
        return Err(stop);
    }
    let file_count = verdict?;
    // Hash and store whatever followed the archive's end, too.
    let drained = io::copy(&mut tee, &mut io::sink());
    if let Some(stop) = tee.stop.take() {
        return Err(stop);
    }
    drained.map_err(Rejection::Store)?;

    Ok(Received {
        sha256: hex::encode(tee.hasher.finalize()),
        size_bytes: tee.total,
        file: tee.file,
        file_count,
    })
}

fn invalid(msg: impl Into<String>) -> Rejection {
    Rejection::Invalid(msg.into())
}

/// Returns the number of regular files.
fn check_archive(tee: &mut Tee, max_unpacked: u64) -> Result<u64, Rejection> {
    let mut magic = [0u8; 4];
    let got = read_up_to(tee, &mut magic).map_err(|e| invalid(e.to_string()))?;
    if got < 4 || magic != [0x28, 0xB5, 0x2F, 0xFD] {
        return Err(invalid(
            "artifact is not zstd-compressed: send a .tar.zst, e.g. `tar --zstd -cf app.tar.zst -C ./dist .`",
        ));
    }
    let decoder = zstd::stream::read::Decoder::new(io::Cursor::new(magic).chain(&mut *tee))
        .map_err(|e| invalid(format!("artifact is not readable zstd: {e}")))?;
    let mut bounded = Bounded {
        inner: decoder,
        total: 0,
        limit: max_unpacked,
    };
    let too_big = || {
        invalid(format!(
            "artifact decompresses to more than the {max_unpacked}-byte limit"
        ))
    };
    let classify = |e: io::Error, what: &str| {
        if e.to_string().contains(BOMB) {
            too_big()
        } else {
            invalid(format!("artifact is not a readable tar.zst ({what}): {e}"))
        }
    };

    // The shared check: names, links, extension headers, all bounded. An
    // entry declaring more than the whole unpacked limit is refused before
    // any of it is read.
    let summary = check_tar(&mut bounded, Some(max_unpacked)).map_err(|problem| match problem {
        TarProblem::Read { context, source } => classify(source, context),
        TarProblem::Entry { name, reason } => invalid(format!(
            "entry {:?} rejected: {reason}",
            excerpt(&String::from_utf8_lossy(&name), NAME_SHOWN)
        )),
        other => invalid(format!("artifact is not a valid tar: {other}")),
    })?;
    if summary.entries == 0 {
        return Err(invalid(
            "artifact holds no files: pack the build output directory, e.g. `tar --zstd -cf app.tar.zst -C ./dist .`",
        ));
    }
    // The rest of the zstd stream must decode too (and counts to the limit).
    io::copy(&mut bounded, &mut io::sink()).map_err(|e| classify(e, "trailing data"))?;
    Ok(summary.files)
}

/// Characters of an entry name quoted in a refusal.
const NAME_SHOWN: usize = 100;

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

//! Receiving and checking a deploy artifact (`.tar.zst`).
//!
//! The body streams through one blocking thread that, chunk by chunk,
//! writes it to a temporary file in the artifact store, hashes it and feeds
//! the zstd decoder and tar reader that check every entry. Nothing is
//! renamed into place unless the whole archive checked out, so a rejected
//! or interrupted upload leaves nothing behind.

use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use axum::body::{Body, Bytes};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::sync::mpsc;

use crate::error::ApiError;

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
    let bounded = Bounded {
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

    let mut archive = tar::Archive::new(bounded);
    let mut files = 0u64;
    let mut entries_seen = 0u64;
    for entry in archive.entries().map_err(|e| classify(e, "tar"))? {
        let mut entry = entry.map_err(|e| classify(e, "tar header"))?;
        entries_seen += 1;
        let path = entry
            .path()
            .map_err(|e| classify(e, "entry name"))?
            .into_owned();
        let shown = path.display().to_string();
        check_path(&path).map_err(|why| invalid(format!("entry {shown:?} rejected: {why}")))?;
        use tar::EntryType as T;
        match entry.header().entry_type() {
            T::Regular | T::Continuous | T::GNUSparse => files += 1,
            T::Directory => {}
            T::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(|e| classify(e, "link target"))?
                    .ok_or_else(|| invalid(format!("symlink {shown:?} has no target")))?;
                if !symlink_stays_inside(&path, &target) {
                    return Err(invalid(format!(
                        "entry {shown:?} rejected: symlink to {:?} points outside the artifact",
                        target.display()
                    )));
                }
            }
            T::Link => {
                let target = entry
                    .link_name()
                    .map_err(|e| classify(e, "link target"))?
                    .ok_or_else(|| invalid(format!("hard link {shown:?} has no target")))?;
                check_path(&target).map_err(|why| {
                    invalid(format!(
                        "entry {shown:?} rejected: hard link to {:?}: {why}",
                        target.display()
                    ))
                })?;
            }
            T::Char | T::Block => {
                return Err(invalid(format!(
                    "entry {shown:?} rejected: device files are not allowed in an artifact"
                )));
            }
            T::Fifo => {
                return Err(invalid(format!(
                    "entry {shown:?} rejected: FIFOs are not allowed in an artifact"
                )));
            }
            other => {
                return Err(invalid(format!(
                    "entry {shown:?} rejected: unsupported tar entry type {:?}",
                    other.as_byte() as char
                )));
            }
        }
        // Reading the content counts it against the unpacked limit.
        io::copy(&mut entry, &mut io::sink()).map_err(|e| classify(e, "entry data"))?;
    }
    if entries_seen == 0 {
        return Err(invalid(
            "artifact holds no files: pack the build output directory, e.g. `tar --zstd -cf app.tar.zst -C ./dist .`",
        ));
    }
    // The rest of the zstd stream must decode too (and counts to the limit).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| classify(e, "trailing data"))?;
    Ok(files)
}

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

/// Entry names must be relative and stay inside the root.
fn check_path(path: &Path) -> Result<(), &'static str> {
    for c in path.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => {
                return Err("absolute paths are not allowed");
            }
            Component::ParentDir => return Err("`..` components are not allowed"),
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    Ok(())
}

/// Resolves `target` lexically from the link's directory; it must not climb
/// above the root nor be absolute.
fn symlink_stays_inside(link: &Path, target: &Path) -> bool {
    if target.has_root() {
        return false;
    }
    let mut depth: Vec<PathBuf> = Vec::new();
    let parent = link.parent().unwrap_or(Path::new(""));
    for c in parent.components().chain(target.components()) {
        match c {
            Component::Normal(p) => depth.push(PathBuf::from(p)),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_must_stay_inside() {
        assert!(symlink_stays_inside(Path::new("a/b"), Path::new("c")));
        assert!(symlink_stays_inside(Path::new("a/b"), Path::new("../c")));
        assert!(!symlink_stays_inside(
            Path::new("a/b"),
            Path::new("../../c")
        ));
        assert!(!symlink_stays_inside(
            Path::new("b"),
            Path::new("/etc/passwd")
        ));
        assert!(symlink_stays_inside(
            Path::new("./a/b"),
            Path::new("./x/../y")
        ));
    }

    #[test]
    fn paths_must_be_relative_and_contained() {
        assert!(check_path(Path::new("./index.html")).is_ok());
        assert!(check_path(Path::new("/etc/passwd")).is_err());
        assert!(check_path(Path::new("a/../../x")).is_err());
    }
}

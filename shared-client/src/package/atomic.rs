//! Files that appear complete or not at all: written to a temporary file
//! beside the destination, renamed over it only when everything succeeded.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::error::PackError;

/// Buffer in front of the temporary file, for writers that hand out small
/// pieces. The packer's own chunks are larger and go straight through.
const FILE_BUFFER: usize = 64 * 1024;

pub(crate) struct AtomicFile {
    dest: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    pub(crate) fn create(dest: &Path) -> Result<Self, PackError> {
        let dir = match dest.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".comwit-pack-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Temporary files default to 0600; the artifact is an ordinary
            // output file, so give it the usual mode (the umask still applies).
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let file = builder
            .tempfile_in(dir)
            .map_err(|source| PackError::Destination {
                path: dest.to_path_buf(),
                source,
            })?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            writer: BufWriter::with_capacity(FILE_BUFFER, file),
        })
    }

    /// Moves the finished file into place. Not fsynced: the rename already
    /// guarantees nobody sees a partial file, and an artifact lost to a crash
    /// is simply packed again, which is cheaper than syncing every time.
    pub(crate) fn commit(self) -> Result<(), PackError> {
        let dest_error = |source| PackError::Destination {
            path: self.dest.clone(),
            source,
        };
        let file = self
            .writer
            .into_inner()
            .map_err(|e| dest_error(e.into_error()))?;
        file.persist(&self.dest).map_err(|e| dest_error(e.error))?;
        Ok(())
    }

    /// Write errors carry the destination's name, which the packer's own
    /// output error does not know.
    fn named(&self, err: io::Error) -> io::Error {
        io::Error::new(err.kind(), format!("`{}`: {err}", self.dest.display()))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf).map_err(|e| self.named(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().map_err(|e| self.named(e))
    }
}

//! Deploy artifacts from disk: a directory packed on the fly (streamed
//! straight into the upload, no temp file) or a prebuilt `.tar.zst`.

use std::path::PathBuf;

use super::deploy::{ArtifactDigest, ArtifactSource, UploadBody};
use crate::error::Error;
use crate::package::{self, PackOptions, PackSummary};

/// A build directory, packed deterministically for each upload attempt
/// (the same tree gives the same bytes, so a second attempt is the same
/// artifact).
#[derive(Clone)]
pub struct DirectorySource {
    pub root: PathBuf,
    pub options: PackOptions,
    /// Also keep the archive here (written only if packing succeeded).
    pub keep_copy: Option<PathBuf>,
}

impl DirectorySource {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            options: PackOptions::default(),
            keep_copy: None,
        }
    }
}

impl ArtifactSource for DirectorySource {
    fn open(&self) -> crate::Result<UploadBody> {
        let (stream, handle) = package::pack_stream(
            self.root.clone(),
            self.keep_copy.clone(),
            self.options.clone(),
        );
        Ok(UploadBody {
            body: futures_util::StreamExt::boxed(stream),
            content_length: None,
            digest: Box::pin(async move { digest_of(handle.await) }),
        })
    }
    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

fn digest_of(
    joined: Result<Result<PackSummary, package::PackError>, tokio::task::JoinError>,
) -> crate::Result<ArtifactDigest> {
    match joined {
        Ok(Ok(s)) => Ok(ArtifactDigest {
            sha256: s.sha256,
            size: s.size,
        }),
        Ok(Err(e)) => Err(Error::Package(e)),
        Err(e) => Err(Error::Config(format!(
            "the packer stopped unexpectedly: {e}"
        ))),
    }
}

/// A prebuilt `.tar.zst`, checked (zstd magic, a readable tar header) and
/// uploaded as is.
#[derive(Clone)]
pub struct PrebuiltSource {
    path: PathBuf,
    progress: Option<package::ProgressFn>,
}

impl PrebuiltSource {
    /// Checks the file now, so a wrong file fails before any upload.
    pub fn open_checked(path: impl Into<PathBuf>) -> crate::Result<Self> {
        let path = path.into();
        package::check_prebuilt(&path)?;
        Ok(Self {
            path,
            progress: None,
        })
    }

    /// Reports upload progress (`bytes_sent`) as the file streams out.
    pub fn with_progress(mut self, progress: package::ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }
}

impl ArtifactSource for PrebuiltSource {
    fn open(&self) -> crate::Result<UploadBody> {
        // The stream's own digest tells if the file changed after the check.
        let size = std::fs::metadata(&self.path)
            .map_err(|source| Error::Io {
                what: "reading the artifact",
                path: self.path.clone(),
                source,
            })?
            .len();
        let (stream, handle) = package::prebuilt_stream(self.path.clone(), self.progress.clone());
        Ok(UploadBody {
            body: futures_util::StreamExt::boxed(stream),
            content_length: Some(size),
            digest: Box::pin(async move {
                match handle.await {
                    Ok(Ok(sent)) => Ok(ArtifactDigest {
                        sha256: sent.sha256,
                        size: sent.size,
                    }),
                    Ok(Err(e)) => Err(Error::Package(e)),
                    Err(e) => Err(Error::Config(format!(
                        "reading the artifact stopped unexpectedly: {e}"
                    ))),
                }
            }),
        })
    }
    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

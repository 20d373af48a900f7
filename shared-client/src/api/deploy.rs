//! Deploys: one raw upload, and `deploy_safely`, which never creates two
//! builds for one call.
//!
//! A deploy is not retry-safe (a repeat uploads a second build), so the
//! plain `deploy` never retries. `deploy_safely` lists builds first; after
//! an ambiguous failure (timeout or broken connection once the request may
//! have reached the server) it lists them again and returns the build that
//! landed — matched by the artifact's sha256 when known — and uploads once
//! more only when none did.

use std::collections::HashSet;

use reqwest::Method;

use super::apps::AppHandle;
use crate::client::{Access, api_error, decode, transport};
use crate::error::Error;
use crate::models::{Build, DeployOptions, Deployment};
use crate::package::PackError;

/// One upload's body and what is known about it.
pub struct UploadBody {
    pub body: reqwest::Body,
    pub content_length: Option<u64>,
    /// Resolves once the body has been produced: sha256 (hex) and size of
    /// the artifact, or the error that aborted it.
    pub digest: DigestFuture,
}

pub type DigestFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = crate::Result<ArtifactDigest>> + Send>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactDigest {
    pub sha256: String,
    pub size: u64,
}

/// Something that can produce an artifact body, again for a second
/// attempt (a streamed directory is packed afresh; it packs to the same
/// bytes because packing is deterministic).
pub trait ArtifactSource: Send + Sync {
    fn open(&self) -> crate::Result<UploadBody>;
    /// For messages: the directory or file.
    fn describe(&self) -> String;
}

/// An artifact already in memory.
impl ArtifactSource for bytes::Bytes {
    fn open(&self) -> crate::Result<UploadBody> {
        let digest = ArtifactDigest {
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(self)),
            size: self.len() as u64,
        };
        Ok(UploadBody {
            body: reqwest::Body::from(self.clone()),
            content_length: Some(self.len() as u64),
            digest: Box::pin(async move { Ok(digest) }),
        })
    }
    fn describe(&self) -> String {
        format!("{} bytes in memory", self.len())
    }
}

#[derive(Debug, Clone)]
pub struct DeployOutcome {
    pub deployment: Deployment,
    pub digest: Option<ArtifactDigest>,
    /// True when the response was lost and the build was found by listing.
    pub recovered: bool,
    /// Uploads made (1, or 2 when the first one provably did not land).
    pub uploads: u32,
}

impl AppHandle<'_> {
    /// One upload, never retried. An ambiguous failure leaves the outcome
    /// unknown: list builds before trying again, or use `deploy_safely`.
    pub async fn deploy(
        &self,
        source: &dyn ArtifactSource,
        options: &DeployOptions,
    ) -> crate::Result<DeployOutcome> {
        let (deployment, digest) = self.upload(source, options).await.map_err(|f| f.error)?;
        Ok(DeployOutcome {
            deployment,
            digest: Some(digest),
            recovered: false,
            uploads: 1,
        })
    }

    /// Deploys exactly once, even when the response is lost.
    pub async fn deploy_safely(
        &self,
        source: &dyn ArtifactSource,
        options: &DeployOptions,
    ) -> crate::Result<DeployOutcome> {
        let before: HashSet<String> = self
            .builds()
            .await?
            .into_iter()
            .map(|b| b.build_id)
            .collect();
        let first_error = match self.upload(source, options).await {
            Ok((deployment, digest)) => {
                return Ok(DeployOutcome {
                    deployment,
                    digest: Some(digest),
                    recovered: false,
                    uploads: 1,
                });
            }
            Err(Failure { error, .. }) if !recoverable(&error) => return Err(error),
            Err(failure) => failure,
        };
        tracing::warn!(error = %first_error.error, "deploy response lost; checking which builds landed");
        let after = self.builds().await.map_err(|e| {
            Error::Config(format!(
                "the deploy's outcome is unknown ({}) and listing builds to find out failed ({e}); \
                 list builds before deploying again",
                first_error.error
            ))
        })?;
        if let Some(build) = landed(&before, &after, first_error.digest.as_ref()) {
            return Ok(DeployOutcome {
                deployment: Deployment {
                    app_id: String::new(),
                    hosts: build.hosts.clone(),
                    build_id: build.build_id.clone(),
                    uploaded: true,
                },
                digest: first_error.digest,
                recovered: true,
                uploads: 1,
            });
        }
        tracing::info!("no build landed; uploading once more");
        let (deployment, digest) = self.upload(source, options).await.map_err(|f| f.error)?;
        Ok(DeployOutcome {
            deployment,
            digest: Some(digest),
            recovered: false,
            uploads: 2,
        })
    }

    async fn upload(
        &self,
        source: &dyn ArtifactSource,
        options: &DeployOptions,
    ) -> Result<(Deployment, ArtifactDigest), Failure> {
        let path = self.deployments_path();
        let route = format!("POST {path}");
        let fail = |error| Failure {
            error,
            digest: None,
        };
        let upload = source.open().map_err(fail)?;
        let mut req = self
            .client
            .http()
            .request(Method::POST, self.client.url(&path))
            .timeout(self.client.upload_timeout())
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .query(&options.query())
            .body(upload.body);
        if let Some(n) = upload.content_length {
            req = req.header(reqwest::header::CONTENT_LENGTH, n);
        }
        let sent = self.client.authorize(req).send().await;
        // The body is fully produced (or failed) once the request is done.
        let digest = upload.digest.await;
        let outcome = async {
            let resp = sent.map_err(|e| transport(&route, &e))?;
            let status = resp.status();
            let body = resp.bytes().await.map_err(|e| transport(&route, &e))?;
            if !status.is_success() {
                return Err(api_error(
                    route.clone(),
                    status,
                    &body,
                    Access::Scope("app:deploy"),
                ));
            }
            decode::<Deployment>(&route, &body)
        }
        .await;
        match (outcome, digest) {
            // The server refused before reading the whole body (403, 404,
            // 413, …): the packer then only saw its reader go away. The
            // API's answer is the cause.
            (Err(error @ Error::Api { .. }), Err(Error::Package(PackError::ConsumerGone))) => {
                Err(Failure {
                    error,
                    digest: None,
                })
            }
            // Otherwise a packing error is the real cause of a failed upload.
            (Err(_), Err(pack)) | (Ok(_), Err(pack)) => Err(Failure {
                error: pack,
                digest: None,
            }),
            (Ok(d), Ok(digest)) => Ok((d, digest)),
            (Err(error), Ok(digest)) => Err(Failure {
                error,
                digest: Some(digest),
            }),
        }
    }
}

struct Failure {
    error: Error,
    digest: Option<ArtifactDigest>,
}

/// Failures after which a build may have landed.
fn recoverable(e: &Error) -> bool {
    e.is_transport() || matches!(e, Error::Decode { .. })
}

/// The build our upload created, if any: new since `before`, and with our
/// sha256 when both sides know it (other deploys may land meanwhile).
fn landed<'a>(
    before: &HashSet<String>,
    after: &'a [Build],
    digest: Option<&ArtifactDigest>,
) -> Option<&'a Build> {
    let mut new = after.iter().filter(|b| !before.contains(&b.build_id));
    match digest {
        Some(d) => new.find(|b| b.sha256.as_deref().is_none_or(|s| s == d.sha256)),
        None => new.next(),
    }
}

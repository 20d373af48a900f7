//! Deploys: one raw upload, and `deploy_safely`, which never creates two
//! builds for one call.
//!
//! The platform has no idempotency key and a deploy is synchronous, so
//! whether a failed upload created a build depends on how far it got:
//!
//! - **Before the whole body was sent** (the connection broke, timed out or
//!   was refused mid-upload): the server holds an incomplete archive, which
//!   never becomes a build. Uploading again is safe; `deploy_safely` does,
//!   up to [`UPLOAD_ATTEMPTS`] times in all.
//! - **After the whole body was sent** with no definitive answer (a reset,
//!   a timeout, a gateway error page, a garbled 2xx): the server may still
//!   be checking and storing the artifact and commit seconds later. The
//!   outcome is unknown: `deploy_safely` watches the build list for the
//!   artifact's sha256 for the client's deploy grace period and returns the
//!   build once it appears; if it never does, it stops with
//!   [`Error::DeployOutcomeUnknown`]. It never uploads a second time then.
//! - An answer from the API itself (a problem detail, any status) is final.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::Method;

use super::apps::AppHandle;
use crate::client::{Access, api_error, decode, transport};
use crate::error::Error;
use crate::models::{Build, DeployOptions, Deployment};
use crate::package::PackError;

/// Upload attempts `deploy_safely` makes while each one provably failed
/// before its body was complete.
pub const UPLOAD_ATTEMPTS: u32 = 3;

/// The bytes of one upload attempt.
pub type BodyStream = BoxStream<'static, std::io::Result<Bytes>>;

/// One upload's body and what is known about it.
pub struct UploadBody {
    pub body: BodyStream,
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
            body: futures_util::stream::once(std::future::ready(Ok(self.clone()))).boxed(),
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
    /// True when the answer was lost and the build was found by listing.
    pub recovered: bool,
    /// Upload attempts made; every one but the last broke before its body
    /// was complete, so exactly one build exists.
    pub uploads: u32,
}

impl AppHandle<'_> {
    /// One upload, never retried. A failure after the body was sent leaves
    /// the outcome unknown (`is_ambiguous`): list builds before trying
    /// again, or use `deploy_safely`.
    pub async fn deploy(
        &self,
        source: &dyn ArtifactSource,
        options: &DeployOptions,
    ) -> crate::Result<DeployOutcome> {
        let (deployment, digest) = self.upload(source, options).await.map_err(|f| f.error)?;
        Ok(DeployOutcome {
            deployment,
            digest,
            recovered: false,
            uploads: 1,
        })
    }

    /// Deploys exactly once, whatever the network does: see the module
    /// documentation for the rule.
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
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.upload(source, options).await {
                Ok((deployment, digest)) => {
                    return Ok(DeployOutcome {
                        deployment,
                        digest,
                        recovered: false,
                        uploads: attempt,
                    });
                }
                Err(failure) => failure,
            };
            match failure.stage {
                Stage::Final => return Err(failure.error),
                Stage::BodyIncomplete if attempt < UPLOAD_ATTEMPTS => {
                    tracing::warn!(
                        error = %failure.error,
                        sent = failure.sent_bytes,
                        "upload broke before the artifact was complete; no build can exist, uploading again"
                    );
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                Stage::BodyIncomplete => {
                    return Err(Error::UploadInterrupted {
                        route: format!("POST {}", self.deployments_path()),
                        cause: cause_of(&failure.error),
                        sent_bytes: failure.sent_bytes,
                        attempts: attempt,
                    });
                }
                Stage::Unknown => return self.watch_for_build(&before, failure, attempt).await,
            }
        }
    }

    /// After an upload whose outcome is unknown: the build it created, once
    /// the build list shows it, or `DeployOutcomeUnknown` when the grace
    /// period runs out first.
    async fn watch_for_build(
        &self,
        before: &HashSet<String>,
        failure: Failure,
        uploads: u32,
    ) -> crate::Result<DeployOutcome> {
        tracing::warn!(error = %failure.error, "deploy answer lost after the whole artifact was sent; watching the build list");
        let grace = self.client.deploy_grace();
        let started = Instant::now();
        let mut pause = Duration::from_millis(250);
        loop {
            match self.builds().await {
                Ok(after) => {
                    if let Some(build) = landed(before, &after, failure.digest.as_ref()) {
                        return Ok(DeployOutcome {
                            deployment: Deployment {
                                app_id: String::new(),
                                hosts: build.hosts.clone(),
                                build_id: build.build_id.clone(),
                                uploaded: true,
                            },
                            digest: failure.digest,
                            recovered: true,
                            uploads,
                        });
                    }
                }
                Err(e) => tracing::debug!(error = %e, "listing builds failed; still watching"),
            }
            let left = grace.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            tokio::time::sleep(pause.min(left)).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
        Err(Error::DeployOutcomeUnknown {
            route: format!("POST {}", self.deployments_path()),
            cause: cause_of(&failure.error),
            sha256: failure
                .digest
                .map(|d| d.sha256)
                .unwrap_or_else(|| "(not known)".into()),
            waited_secs: grace.as_secs(),
        })
    }

    async fn upload(
        &self,
        source: &dyn ArtifactSource,
        options: &DeployOptions,
    ) -> Result<(Deployment, Option<ArtifactDigest>), Failure> {
        let path = self.deployments_path();
        let route = format!("POST {path}");
        let upload = source.open().map_err(Failure::final_)?;
        let probe = Arc::new(SentProbe::default());
        let mut req = self
            .client
            .http()
            .request(Method::POST, self.client.url(&path))
            .timeout(self.client.upload_timeout())
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .query(&options.query())
            .body(reqwest::Body::wrap_stream(probed(
                upload.body,
                upload.content_length,
                &probe,
            )));
        if let Some(n) = upload.content_length {
            req = req.header(reqwest::header::CONTENT_LENGTH, n);
        }
        let sent = self.client.authorize(req).send().await;
        // The body is fully produced (or failed) once the request is done.
        let digest = upload.digest.await;
        let answer = Answer::read(&route, sent).await;
        let complete = probe.complete.load(Ordering::SeqCst);
        let failure = |error, stage| Failure {
            error,
            stage,
            digest: None,
            sent_bytes: probe.bytes.load(Ordering::SeqCst),
        };
        match (answer, digest) {
            // The API said it created the build: that is the outcome.
            (Answer::Deployed(d), digest) => Ok((d, digest.ok())),
            // Packing failed: the stream aborted the request, so the server
            // only ever saw an incomplete archive.
            (_, Err(e)) if !is_consumer_gone(&e) => Err(failure(e, Stage::Final)),
            (Answer::Refused(error), _) => Err(failure(error, Stage::Final)),
            // No answer from the API (or only the packer's "reader went
            // away", which just echoes the broken connection).
            (Answer::Lost(error), _) if !complete => Err(failure(error, Stage::BodyIncomplete)),
            (Answer::Lost(error), digest) => Err(Failure {
                digest: digest.ok(),
                ..failure(error, Stage::Unknown)
            }),
        }
    }
}

/// What came back for an upload.
enum Answer {
    Deployed(Deployment),
    /// The API's own verdict (a problem detail): final.
    Refused(Error),
    /// No verdict: the connection broke, or something other than the API
    /// answered (a gateway's error page, a garbled success).
    Lost(Error),
}

impl Answer {
    async fn read(route: &str, sent: reqwest::Result<reqwest::Response>) -> Answer {
        let resp = match sent {
            Ok(resp) => resp,
            Err(e) => return Answer::Lost(transport(route, &e)),
        };
        let status = resp.status();
        let from_api = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let body = match resp.bytes().await {
            Ok(body) => body,
            Err(e) => return Answer::Lost(transport(route, &e)),
        };
        if status.is_success() {
            return match decode::<Deployment>(route, &body) {
                Ok(d) => Answer::Deployed(d),
                Err(e) => Answer::Lost(e),
            };
        }
        let error = api_error(
            route.to_string(),
            status,
            &body,
            Access::Scope("app:deploy"),
        );
        // Deploys never answer 503 and the API's 502 is a problem detail:
        // a bare gateway error means something in between gave up waiting.
        let gateway = matches!(status.as_u16(), 502..=504) && !from_api;
        if gateway {
            Answer::Lost(error)
        } else {
            Answer::Refused(error)
        }
    }
}

enum Stage {
    /// The API answered, or the artifact could not be produced.
    Final,
    /// The connection broke before the whole body was sent: no build.
    BodyIncomplete,
    /// The whole body was sent and no verdict came back: a build may land.
    Unknown,
}

struct Failure {
    error: Error,
    stage: Stage,
    digest: Option<ArtifactDigest>,
    sent_bytes: u64,
}

impl Failure {
    fn final_(error: Error) -> Self {
        Failure {
            error,
            stage: Stage::Final,
            digest: None,
            sent_bytes: 0,
        }
    }
}

/// How much of an upload's body went to the connection, and whether all
/// of it did.
#[derive(Default)]
struct SentProbe {
    bytes: AtomicU64,
    complete: AtomicBool,
}

/// The largest piece the HTTP client is handed at once. What it has
/// taken is what `probed` can see; small pieces keep that close to what
/// it has written, so "every byte taken" errs only by hyper's short queue.
const PIECE: usize = 16 * 1024;

/// `body` in pieces of at most [`PIECE`] bytes, noting in `probe` what the
/// HTTP client took. `complete` is set once it has taken every byte: the
/// stream ended cleanly, or as many bytes as the declared length (hyper
/// need not poll again after that). An aborted or dropped stream leaves it
/// false, which is what makes a retry safe.
fn probed(body: BodyStream, length: Option<u64>, probe: &Arc<SentProbe>) -> BodyStream {
    let counter = Arc::clone(probe);
    let end = Arc::clone(probe);
    body.flat_map(|chunk| futures_util::stream::iter(pieces(chunk)))
        .inspect(move |piece| {
            if let Ok(bytes) = piece {
                let len = bytes.len() as u64;
                let total = counter.bytes.fetch_add(len, Ordering::SeqCst) + len;
                if length.is_some_and(|n| total >= n) {
                    counter.complete.store(true, Ordering::SeqCst);
                }
            }
        })
        .chain(futures_util::stream::poll_fn(move |_| {
            end.complete.store(true, Ordering::SeqCst);
            Poll::Ready(None)
        }))
        .boxed()
}

/// A chunk cut into [`PIECE`]-sized views of the same buffer (no copy).
fn pieces(chunk: std::io::Result<Bytes>) -> Vec<std::io::Result<Bytes>> {
    match chunk {
        Ok(mut bytes) => {
            let mut out = Vec::with_capacity(bytes.len().div_ceil(PIECE));
            while bytes.len() > PIECE {
                out.push(Ok(bytes.split_to(PIECE)));
            }
            out.push(Ok(bytes));
            out
        }
        Err(e) => vec![Err(e)],
    }
}

fn is_consumer_gone(e: &Error) -> bool {
    matches!(e, Error::Package(PackError::ConsumerGone))
}

/// The part of an error worth repeating inside another message.
fn cause_of(e: &Error) -> String {
    match e {
        Error::Transport { message, .. } | Error::Decode { message, .. } => message.clone(),
        Error::Api {
            status, problem, ..
        } => format!("{status} {}", problem.message()),
        other => other.to_string(),
    }
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

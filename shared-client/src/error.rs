//! One error type for everything the client does.
//!
//! API errors keep the HTTP status and the parsed problem detail; the
//! classifiers (`is_forbidden`, …) are how callers branch. Every message
//! names the route, says why, and where possible what to do. Nothing here
//! ever holds a token: requests carry tokens in headers, which errors never
//! capture.

use std::path::PathBuf;

use serde::Deserialize;

use crate::models::AttachResult;

/// RFC 9457 problem detail as the platform sends it. Every field is
/// optional on the wire; a body that is not a problem becomes `detail`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Problem {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub instance: Option<String>,
}

impl Problem {
    /// The most useful one-line text in the problem.
    pub fn message(&self) -> &str {
        self.detail
            .as_deref()
            .or(self.title.as_deref())
            .unwrap_or("no detail given")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{route}: {status} {}{}", problem.message(), hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Api {
        route: String,
        status: u16,
        problem: Box<Problem>,
        /// What the caller can do, e.g. the scope a 403 route needs.
        hint: Option<String>,
    },
    /// 202: the hostname is bound but its managed DNS records failed to
    /// apply. Repeat the same attach to retry (documented as safe).
    #[error("{route}: managed DNS records for {} were not applied; repeat the attach to retry", result.domain)]
    ManagedDnsFailed {
        route: String,
        result: Box<AttachResult>,
    },
    #[error("{route}: could not reach the API: {message}")]
    Transport {
        route: String,
        message: String,
        /// The request may have reached the server (timeout or reset after
        /// sending): its effect is unknown.
        ambiguous: bool,
    },
    #[error("{route}: unexpected response: {message}")]
    Decode { route: String, message: String },
    /// A deploy upload broke before the whole artifact was sent, on every
    /// attempt: an incomplete archive never becomes a build, so nothing
    /// was created.
    #[error(
        "{route}: the connection broke during the upload ({cause}) after {sent_bytes} bytes, \
         {attempts} time(s); no build was created. Check the network or proxy and deploy again"
    )]
    UploadInterrupted {
        route: String,
        cause: String,
        sent_bytes: u64,
        attempts: u32,
    },
    /// A deploy's whole artifact was sent but no answer came back, and no
    /// build with its sha256 appeared while we watched: it may still land.
    /// Deploying again now could create a second build.
    #[error(
        "{route}: the outcome of the deploy is unknown: the whole artifact was sent but the \
         answer was lost ({cause}), and no build with sha256 {sha256} appeared within {waited_secs} s. \
         List the app's builds and look for that sha256 before deploying again; deploying again \
         now may create a second build"
    )]
    DeployOutcomeUnknown {
        route: String,
        cause: String,
        sha256: String,
        waited_secs: u64,
    },
    #[error("{what} is planned and not live on Comwit Cloud yet")]
    Planned { what: &'static str },
    #[error("{0}")]
    Config(String),
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("credential store: {0}")]
    Credentials(String),
    #[error("device login: {0}")]
    Login(String),
    #[error(transparent)]
    Package(#[from] crate::package::PackError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::ManagedDnsFailed { .. } => Some(202),
            _ => None,
        }
    }
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api { problem, .. } => Some(problem),
            _ => None,
        }
    }
    pub fn is_bad_request(&self) -> bool {
        self.status() == Some(400)
    }
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }
    pub fn is_too_large(&self) -> bool {
        self.status() == Some(413)
    }
    /// 501: the capability is switched off on this deployment.
    pub fn is_disabled(&self) -> bool {
        self.status() == Some(501)
    }
    /// 502: a control plane behind the API failed; may succeed later.
    pub fn is_upstream(&self) -> bool {
        self.status() == Some(502)
    }
    /// The 202 managed-DNS case of a hostname attach.
    pub fn is_accepted_with_failure(&self) -> bool {
        matches!(self, Error::ManagedDnsFailed { .. })
    }
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport { .. })
    }
    /// The request may or may not have taken effect.
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                ambiguous: true,
                ..
            }
        )
    }
    /// A deploy whose whole body was sent, with no answer and no build
    /// found: see [`Error::DeployOutcomeUnknown`].
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::DeployOutcomeUnknown { .. })
    }
    pub fn is_planned(&self) -> bool {
        matches!(self, Error::Planned { .. })
    }
}

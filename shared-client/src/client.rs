//! The HTTP client: configuration, request plumbing, error mapping and the
//! retry rules of CONTRACT.md ("Retry safety").

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rand::RngExt;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Error, Problem, Result};
use crate::secret::{Secret, TokenKind};

pub const DEFAULT_API_URL: &str = "https://api.cloud.comwit.io";
/// Environment variable overriding the API base URL (ours, *assumed*).
pub const API_URL_ENV: &str = "COMWIT_API_URL";
pub const ACTOR_HEADER: &str = "x-comwit-actor-user-id";

/// Bounded exponential backoff with jitter, for retry-safe requests only.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = never retry).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(3),
        }
    }
}

impl RetryPolicy {
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Delay before retry number `attempt` (1-based): full jitter between
    /// half and all of the capped exponential step.
    pub fn delay(&self, attempt: u32) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let jitter = rand::rng().random_range(0.5..=1.0);
        step.mul_f64(jitter)
    }
}

/// A synchronous deploy behind a load balancer can commit well after the
/// balancer cut the connection: a minute covers a large artifact's check
/// and store on the platform.
pub const DEFAULT_DEPLOY_GRACE: Duration = Duration::from_secs(60);

pub struct ClientBuilder {
    base_url: Option<String>,
    token: Option<Secret>,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    upload_timeout: Duration,
    deploy_grace: Duration,
    actor_user_id: Option<String>,
    retry: RetryPolicy,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            token: None,
            user_agent: format!("comwit-client/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            upload_timeout: Duration::from_secs(30 * 60),
            deploy_grace: DEFAULT_DEPLOY_GRACE,
            actor_user_id: None,
            retry: RetryPolicy::default(),
        }
    }
}

impl ClientBuilder {
    /// Explicit base URL; wins over `COMWIT_API_URL` and the default.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }
    pub fn maybe_token(mut self, token: Option<Secret>) -> Self {
        self.token = token;
        self
    }
    /// e.g. `comwit-tui/0.1.0`, `comwit-deploy/0.1.0`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Whole-request timeout for everything but uploads.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Whole-request timeout for deploy uploads.
    pub fn upload_timeout(mut self, t: Duration) -> Self {
        self.upload_timeout = t;
        self
    }
    /// How long `deploy_safely` watches the build list for an upload whose
    /// answer was lost after the whole body was sent, before it reports the
    /// outcome as unknown.
    pub fn deploy_grace(mut self, t: Duration) -> Self {
        self.deploy_grace = t;
        self
    }
    /// Attribution header for console-style operator calls. Sent only
    /// with an operator token (`cwt_` callers never send it).
    pub fn actor_user_id(mut self, user: impl Into<String>) -> Self {
        self.actor_user_id = Some(user.into());
        self
    }
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn build(self) -> Result<Client> {
        let base = self
            .base_url
            .or_else(|| {
                std::env::var(API_URL_ENV)
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        let base = base.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Error::Config(format!(
                "API URL {base:?} must start with https:// (or http:// for a local sandbox); \
                 fix --api-url or {API_URL_ENV}"
            )));
        }
        let http = crate::http::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            // Uploads stream their body and cannot be replayed to a redirect
            // target; the API does not redirect, so none are followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                token: self.token,
                actor: self.actor_user_id,
                retry: self.retry,
                timeout: self.timeout,
                upload_timeout: self.upload_timeout,
                deploy_grace: self.deploy_grace,
            }),
        })
    }
}

/// One client for the whole platform; cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    token: Option<Secret>,
    actor: Option<String>,
    retry: RetryPolicy,
    timeout: Duration,
    upload_timeout: Duration,
    deploy_grace: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("token", &self.inner.token)
            .finish()
    }
}

/// Whether a request may be repeated automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and the documented retry-safe writes.
    Safe,
    /// Everything else: run once.
    Never,
}

/// Who may call a route, for the hint on a 403.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Access {
    Public,
    Scope(&'static str),
    Operator,
}

pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    pub retry: Retry,
    pub access: Access,
}

impl Call {
    pub fn get(path: String, access: Access) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            retry: Retry::Safe,
            access,
        }
    }
    pub fn write(method: Method, path: String, access: Access, retry: Retry) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
            retry,
            access,
        }
    }
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Percent-encodes one path segment (ids and domain names are plain, but
/// nothing a caller passes may change the route).
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    pub fn token_kind(&self) -> Option<TokenKind> {
        self.inner.token.as_ref().map(Secret::kind)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base)
    }

    pub(crate) fn authorize(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(token) = &self.inner.token {
            req = req.bearer_auth(token.expose());
            if token.kind() == TokenKind::Operator
                && let Some(actor) = &self.inner.actor
            {
                req = req.header(ACTOR_HEADER, actor);
            }
        }
        req
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn upload_timeout(&self) -> Duration {
        self.inner.upload_timeout
    }
    pub(crate) fn deploy_grace(&self) -> Duration {
        self.inner.deploy_grace
    }

    /// Sends `call`, retrying when it is retry-safe and the failure is a
    /// connection error or a 502. Returns the status and body of a 2xx.
    pub(crate) async fn execute(&self, call: &Call) -> Result<(StatusCode, Bytes)> {
        let policy = match call.retry {
            Retry::Safe => self.inner.retry,
            Retry::Never => RetryPolicy::never(),
        };
        let mut attempt = 1;
        loop {
            let result = self.send_once(call).await;
            let retryable = match &result {
                Err(Error::Transport { .. }) => true,
                Err(e) => e.is_upstream(),
                Ok(_) => false,
            };
            if !retryable || attempt >= policy.max_attempts {
                return result;
            }
            let delay = policy.delay(attempt);
            tracing::debug!(route = %call.route(), attempt, ?delay, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once(&self, call: &Call) -> Result<(StatusCode, Bytes)> {
        let route = call.route();
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), self.url(&call.path))
            .timeout(self.inner.timeout);
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = self
            .authorize(req)
            .send()
            .await
            .map_err(|e| transport(&route, &e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| transport(&route, &e))?;
        if status.is_success() {
            Ok((status, body))
        } else {
            Err(api_error(route, status, &body, call.access))
        }
    }

    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let (_, body) = self.execute(&call).await?;
        decode(&call.route(), &body)
    }
}

pub(crate) fn decode<T: DeserializeOwned>(route: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        route: route.to_string(),
        message: format!("{e}"),
    })
}

/// A transport failure. It is ambiguous (may have reached the server)
/// unless the connection was never made.
pub(crate) fn transport(route: &str, e: &reqwest::Error) -> Error {
    let ambiguous = !e.is_connect() && !e.is_builder();
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "connection broke".to_string()
    };
    // reqwest's message names the URL (no secrets there) and the cause.
    let mut message = format!("{what}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::Transport {
        route: route.to_string(),
        message,
        ambiguous,
    }
}

pub(crate) fn api_error(route: String, status: StatusCode, body: &[u8], access: Access) -> Error {
    let problem = serde_json::from_slice::<Problem>(body).unwrap_or_else(|_| Problem {
        detail: Some(
            String::from_utf8_lossy(&body[..body.len().min(500)])
                .trim()
                .to_string(),
        )
        .filter(|s| !s.is_empty()),
        title: status.canonical_reason().map(str::to_string),
        ..Problem::default()
    });
    let hint = match (status.as_u16(), access) {
        (401, _) => Some(
            "the token is missing, malformed or revoked: sign in again or check COMWIT_TOKEN"
                .to_string(),
        ),
        (403, Access::Scope(scope)) => Some(format!(
            "this route needs a token with the {scope} scope, for a project you are a member of"
        )),
        (403, Access::Operator) => Some(
            "this route is operator-only: it needs PLATFORM_API_SERVER_TOKEN, not a cwt_ token"
                .to_string(),
        ),
        (501, _) => Some("this capability is switched off on this deployment".to_string()),
        (502, _) => Some("a control plane behind the API failed; retry later".to_string()),
        _ => None,
    };
    Error::Api {
        route,
        status: status.as_u16(),
        problem: Box::new(problem),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy::default();
        for attempt in 1..10 {
            let d = p.delay(attempt);
            assert!(d <= p.max_delay);
            assert!(d >= p.base_delay.mul_f64(0.5).min(p.max_delay.mul_f64(0.5)));
        }
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("app-1"), "app-1");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}

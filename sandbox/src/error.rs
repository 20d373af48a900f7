//! The one error type of the sandbox's HTTP surface.
//!
//! Every failure leaves as `application/problem+json` (RFC 9457) with the
//! documented status classes. Details are written for the caller and never
//! carry a secret: handlers only ever put names, ids and reasons in them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Problem-detail body, as the platform sends it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// Optional problem type URI; the platform leaves it out, so do we.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<String>,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Longest problem detail the sandbox sends.
pub const MAX_DETAIL_CHARS: usize = 1000;

/// No word of ours is this long (a sha256 is 64): a longer one is caller
/// input — a 60 KB id in a path, a name — and is cut to an excerpt.
const MAX_WORD_CHARS: usize = 100;

/// `detail` with every over-long word cut to a 64-character excerpt,
/// control characters escaped and the whole capped at
/// [`MAX_DETAIL_CHARS`].
pub fn bounded_detail(detail: &str) -> String {
    let words: Vec<String> = detail
        .split(' ')
        .map(|word| match word.chars().count() > MAX_WORD_CHARS {
            true => excerpt(word, 64),
            false => word.to_string(),
        })
        .collect();
    excerpt(&words.join(" "), MAX_DETAIL_CHARS)
}

impl ApiError {
    /// The detail is sanitised by [`bounded_detail`]: the last line of
    /// defence for a message that quotes caller input (ids, names), which
    /// sites quote with [`quoted`] too.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: bounded_detail(&detail.into()),
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }
    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, detail)
    }
    pub fn bad_gateway(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, detail)
    }
    /// A failure of the sandbox itself (disk, database). The cause goes to
    /// the log; the caller gets a 502 like any other control-plane failure,
    /// because the documented surface never answers 500 or 503.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{context}");
        Self::bad_gateway(format!("{context}: the control plane failed; retry later"))
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: None,
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        ApiError::internal("state store", err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).expect("problem serialises");
        let mut resp = (self.status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"comwit\""),
            );
        }
        resp
    }
}

/// Caller input as an error detail may quote it (one rule with the
/// client's archive messages).
pub use comwit_client::excerpt::excerpt;

/// Whether a response already carries a JSON body (a problem detail or a
/// Hrana error), so the bare-error layers leave it alone.
pub fn has_json_body(response: &axum::response::Response) -> bool {
    response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

/// Caller input quoted for an error detail: `"…"` around [`excerpt`] of
/// at most 64 characters.
pub use comwit_client::excerpt::quoted;

#[cfg(test)]
mod excerpt_tests {
    use super::{bounded_detail, excerpt};

    #[test]
    fn a_detail_cuts_long_words_and_keeps_ours() {
        let id = "x".repeat(60_000);
        let d = bounded_detail(&format!("app {id} not found; list apps"));
        assert!(d.len() < 120, "{d}");
        assert!(
            d.starts_with("app xxx") && d.ends_with("… not found; list apps"),
            "{d}"
        );
        let sha = "a".repeat(64);
        assert!(bounded_detail(&format!("sha256 {sha}")).contains(&sha));
    }

    #[test]
    fn long_input_is_cut_and_control_characters_escaped() {
        let long = "x".repeat(60_000);
        let quoted = excerpt(&long, 64);
        assert_eq!(quoted.chars().count(), 65);
        assert!(quoted.ends_with('…'));
        assert_eq!(excerpt("a\nb\u{1b}", 64), "a\\nb\\u{1b}");
    }
}

//! Extractors whose rejections are problem details (400 saying what was
//! wrong) instead of axum's plain-text defaults.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, excerpt};

/// An axum rejection's text as a 400 detail: it can quote the caller's
/// input (a serde error names the bad value), so only a short excerpt.
fn rejected(text: String) -> ApiError {
    ApiError::bad_request(excerpt(&text, 300))
}

/// JSON body. Wrong content type, malformed JSON and missing fields are
/// all 400 (the platform treats them as caller mistakes).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(
                ApiError::payload_too_large("JSON body is larger than the 2 MiB this API accepts"),
            ),
            Err(rejection) => Err(rejected(rejection.body_text())),
        }
    }
}

/// JSON body that may be absent entirely (an empty body means defaults).
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| rejected(r.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(OptionalJson)
            .map_err(|e| rejected(format!("request body is not valid JSON: {e}")))
    }
}

/// Query string, 400 on values of the wrong shape.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(rejected(rejection.body_text())),
        }
    }
}

/// Path parameters. A segment that is not UTF-8 once percent-decoded (or
/// does not fit the parameter) is a 400 problem naming the fix, without
/// echoing the bytes.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e))
                if matches!(
                    e.kind(),
                    axum::extract::path::ErrorKind::InvalidUtf8InPathParam { .. }
                ) =>
            {
                Err(ApiError::bad_request(
                    "a path segment is not valid UTF-8 once percent-decoded: ids and names are \
                     ASCII (percent-encode UTF-8, never raw bytes)",
                ))
            }
            Err(rejection) => Err(rejected(rejection.body_text())),
        }
    }
}

//! Who is calling: bearer-token introspection, scopes and membership.
//!
//! Two token classes exist (documented): scoped `cwt_` user tokens, limited
//! to their scopes and to projects the user is a member of; and the
//! operator token, which bypasses both. A missing or unknown token is 401
//! (*assumed*: the docs only describe 403 for tokens that are valid).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use comwit_client::rules;
use rusqlite::{OptionalExtension, params};

use crate::config::OperatorOnProjects;
use crate::error::ApiError;
use crate::ids::{hash_secret, now_rfc3339};
use crate::state::AppState;

/// The live scopes, in the order the docs list them.
pub const LIVE_SCOPES: &[&str] = &[
    "project:read",
    "database:read",
    "database:write",
    "app:read",
    "app:write",
    "app:deploy",
    "domain:read",
    "domain:write",
];

/// Documented but planned: a token may carry it, no live route accepts it.
pub const PLANNED_SCOPES: &[&str] = &["domain:purchase"];

pub fn is_known_scope(scope: &str) -> bool {
    LIVE_SCOPES.contains(&scope) || PLANNED_SCOPES.contains(&scope)
}

#[derive(Debug, Clone)]
pub enum Caller {
    Operator {
        /// `X-Comwit-Actor-User-Id`: whom the console acts for (audit only).
        actor_user_id: Option<String>,
    },
    User {
        user_id: String,
        scopes: Vec<String>,
    },
}

pub const ACTOR_HEADER: &str = "x-comwit-actor-user-id";

impl Caller {
    pub fn is_operator(&self) -> bool {
        matches!(self, Caller::Operator { .. })
    }

    /// 403 naming the scope when a user token lacks it.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        match self {
            Caller::Operator { .. } => Ok(()),
            Caller::User { scopes, .. } if scopes.iter().any(|s| s == scope) => Ok(()),
            Caller::User { .. } => Err(ApiError::forbidden(format!(
                "token is missing the {scope} scope this route requires; create a token with {scope}"
            ))),
        }
    }

    /// 403 for `cwt_` tokens on operator-only routes.
    pub fn require_operator(&self) -> Result<(), ApiError> {
        if self.is_operator() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "this route is operator-only: cwt_ user tokens are not accepted here",
            ))
        }
    }

    /// Scope, then project visibility: a user must be a member (403 whether
    /// or not the project exists, so membership is not probeable); for the
    /// operator a missing project is 404.
    pub fn require_project(
        &self,
        state: &AppState,
        scope: &str,
        project_id: &str,
    ) -> Result<(), ApiError> {
        self.require_scope(scope)?;
        let conn = state.store.lock();
        match self {
            Caller::Operator { .. }
                if state.config.operator_on_projects == OperatorOnProjects::Refuse =>
            {
                Err(ApiError::forbidden(
                    "this platform rejects the operator token on project-scoped routes; use a \
                     user's cwt_ token (device login, or COMWIT_TOKEN) for project work",
                ))
            }
            Caller::Operator { .. } => {
                let found: Option<i64> = conn
                    .prepare_cached("SELECT 1 FROM projects WHERE project_id = ?1")?
                    .query_row([project_id], |r| r.get(0))
                    .optional()?;
                found
                    .map(|_| ())
                    .ok_or_else(|| ApiError::not_found(format!("project {project_id} not found")))
            }
            Caller::User { user_id, .. } => {
                let member: Option<i64> = conn
                    .prepare_cached(
                        "SELECT 1 FROM memberships WHERE user_id = ?1 AND project_id = ?2",
                    )?
                    .query_row(params![user_id, project_id], |r| r.get(0))
                    .optional()?;
                member.map(|_| ()).ok_or_else(|| {
                    ApiError::forbidden(format!(
                        "not a member of project {project_id}; ask a project owner to add you"
                    ))
                })
            }
        }
    }

    pub fn audit_label(&self) -> String {
        match self {
            Caller::Operator { .. } => "operator".to_string(),
            Caller::User { user_id, .. } => user_id.clone(),
        }
    }
}

/// Constant-time comparison so the operator token cannot be timed out.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn authenticate(state: &AppState, parts: &Parts) -> Result<Caller, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "missing Authorization header; send `Authorization: Bearer cwt_...`",
            )
        })?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not valid text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("Authorization header must be `Bearer <token>`"))?;

    if same_secret(token, state.operator_token()) {
        let actor_user_id = parts
            .headers
            .get(ACTOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .filter(|s| !s.is_empty());
        let caller = Caller::Operator { actor_user_id };
        record_audit(state, parts, &caller);
        return Ok(caller);
    }

    if !token.starts_with(rules::USER_TOKEN_PREFIX) {
        return Err(ApiError::unauthorized(
            "token is not a Comwit token: user tokens start with cwt_",
        ));
    }
    // The one rule for the form (the dashboard checks a paste with it too).
    rules::user_token(token)
        .map_err(|e| ApiError::unauthorized(format!("malformed token: {e}")))?;
    let conn = state.store.lock();
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT user_id, scopes FROM tokens WHERE token_hash = ?1")?
        .query_row([hash_secret(token)], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (user_id, scopes) =
        row.ok_or_else(|| ApiError::unauthorized("unknown or revoked token; sign in again"))?;
    let scopes: Vec<String> = serde_json::from_str(&scopes).unwrap_or_default();
    // `X-Comwit-Actor-User-Id` from a cwt_ caller is ignored (documented).
    Ok(Caller::User { user_id, scopes })
}

/// Operator calls are recorded with the actor they were made for.
fn record_audit(state: &AppState, parts: &Parts, caller: &Caller) {
    let Caller::Operator { actor_user_id } = caller else {
        return;
    };
    let conn = state.store.lock();
    let result = conn.execute(
        "INSERT INTO audit (at, method, path, caller, actor_user_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            now_rfc3339(),
            parts.method.as_str(),
            parts.uri.path(),
            caller.audit_label(),
            actor_user_id
        ],
    );
    if let Err(err) = result {
        tracing::warn!(%err, "could not write audit row");
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, parts)
    }
}

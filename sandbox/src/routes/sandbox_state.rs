//! `/_sandbox/reset`: the sandbox's state as a whole, for CI loops and
//! shared team sandboxes (see [`crate::reset`]). Operator token only.

use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, LIVE_SCOPES};
use crate::error::{ApiError, ApiResult, Problem};
use crate::ids::hash_secret;
use crate::model::tokens::insert_token;
use crate::model::users::SANDBOX_USER;
use crate::reset::{Removed, reset};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reset_state))
}

/// What a reset leaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Seed {
    /// The seeded project, empty.
    #[default]
    Empty,
    /// The demo account as `--seed-demo` makes it, on top.
    Demo,
}

#[derive(Deserialize, IntoParams)]
pub struct ResetQuery {
    /// `empty` (default) or `demo`.
    #[serde(default)]
    pub seed: Seed,
}

#[derive(Serialize, ToSchema)]
pub struct ResetDone {
    pub seed: Seed,
    pub removed: Removed,
}

/// Back to a fresh sandbox, without a restart: every project, app, build,
/// database, domain, minted user and token, device login, audit entry and
/// fault is removed. The seeded project (empty), the sandbox user's
/// tokens, the operator token and the addresses stay valid. Requests in
/// flight meanwhile either finish before it or meet the fresh state.
#[utoipa::path(post, path = "/_sandbox/reset", tag = "sandbox", security(("bearer" = [])),
    params(ResetQuery),
    responses((status = 200, body = ResetDone), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn reset_state(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<ResetQuery>,
) -> ApiResult<axum::Json<ResetDone>> {
    caller.require_operator()?;
    let removed = reset(&state)?;
    if query.seed == Seed::Demo {
        seed_demo(&state).await?;
    }
    Ok(axum::Json(ResetDone {
        seed: query.seed,
        removed,
    }))
}

/// The demo account, made through the API as at start, with a token of
/// the sandbox user that lives only as long as the seeding.
async fn seed_demo(state: &AppState) -> Result<(), ApiError> {
    let scopes: Vec<String> = LIVE_SCOPES.iter().map(|s| s.to_string()).collect();
    let token = insert_token(&state.store.lock(), SANDBOX_USER, &scopes)?;
    let routers = (
        super::router(state.clone()),
        crate::data::router(state.clone(), state.config.hrana_v2),
    );
    let seeded = crate::demo::seed(state, routers, &token).await;
    state.store.lock().execute(
        "DELETE FROM tokens WHERE token_hash = ?1",
        [hash_secret(&token)],
    )?;
    seeded.map_err(|e| ApiError::internal("seeding the demo data", e))
}

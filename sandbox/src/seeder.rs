//! Making sandbox state through the sandbox's own routes, in process, so
//! it obeys every rule they do: the demo account (`--seed-demo`) and seed
//! files (`--seed FILE`) both go through here.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::state::AppState;

pub struct Seeder {
    pub app: Router,
    /// The data endpoint (sample tables go in through it, as a client's
    /// SQL would: usage is counted).
    pub data: Router,
    /// The operator's token, for the sandbox's own routes (`/_sandbox`).
    pub operator: String,
    /// The demo user's token, for everything else: the demo is the user's,
    /// and the operator token may be refused on project routes
    /// ([`OperatorOnProjects::Refuse`](crate::OperatorOnProjects)).
    pub user: String,
}

impl Seeder {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Body,
        content_type: &str,
    ) -> Result<Value, String> {
        let token = if path.starts_with("/_sandbox") {
            &self.operator
        } else {
            &self.user
        };
        Self::send(&self.app, token, method, path, body, content_type).await
    }

    async fn send(
        router: &Router,
        token: &str,
        method: Method,
        path: &str,
        body: Body,
        content_type: &str,
    ) -> Result<Value, String> {
        let req = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .map_err(|e| e.to_string())?;
        let resp = router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "{method} {path}: {status} {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{method} {path}: {e}"))
    }

    pub async fn json(&self, method: Method, path: &str, body: Value) -> Result<Value, String> {
        self.call(
            method,
            path,
            Body::from(body.to_string()),
            "application/json",
        )
        .await
    }

    /// Runs `statements` on a database in one Hrana pipeline with its
    /// token, then closes the stream; the first statement that fails is
    /// an error.
    pub async fn sql(
        &self,
        database: &str,
        token: &str,
        statements: &[&str],
    ) -> Result<(), String> {
        let mut requests: Vec<Value> = statements
            .iter()
            .map(|sql| json!({"type": "execute", "stmt": {"sql": sql}}))
            .collect();
        requests.push(json!({"type": "close"}));
        let body = json!({"baton": null, "requests": requests}).to_string();
        let path = format!("/v1/{database}/v3/pipeline");
        let resp = Self::send(
            &self.data,
            token,
            Method::POST,
            &path,
            Body::from(body),
            "application/json",
        )
        .await?;
        let results = resp["results"].as_array().cloned().unwrap_or_default();
        match results.iter().position(|r| r["type"] != "ok") {
            Some(i) => Err(format!(
                "SQL {:?} failed: {}",
                statements.get(i).unwrap_or(&"close"),
                results[i]
            )),
            None => Ok(()),
        }
    }

    /// Onboards `domain` in `project`; `managed`: its delegation is then
    /// completed through the simulated registrar and checked.
    pub async fn domain(&self, project: &str, domain: &str, managed: bool) -> Result<(), String> {
        let made = self
            .json(
                Method::POST,
                &format!("/v1/projects/{project}/domains"),
                json!({"domain": domain}),
            )
            .await?;
        if !managed {
            return Ok(());
        }
        let ns = made
            .pointer("/domain/nameservers")
            .cloned()
            .unwrap_or(Value::Null);
        self.json(
            Method::PUT,
            &format!("/_sandbox/registrar/{domain}/nameservers"),
            json!({"nameservers": ns}),
        )
        .await?;
        self.json(
            Method::POST,
            &format!("/v1/projects/{project}/domains/{domain}/delegation-check"),
            json!({}),
        )
        .await
        .map(|_| ())
    }

    /// Deploys `artifact` (a `.tar.zst`) as a new build of `app`.
    pub async fn deploy(
        &self,
        project: &str,
        app: &str,
        artifact: Vec<u8>,
        query: &str,
    ) -> Result<Value, String> {
        let path = format!("/v1/projects/{project}/apps/{app}/deployments{query}");
        self.call(
            Method::POST,
            &path,
            Body::from(artifact),
            "application/octet-stream",
        )
        .await
    }
}

/// What the data dir's `meta` table says of the seed `key` (`demo`,
/// `seed`): `Some` once it ran. Each seed runs once per data dir, so
/// restarting on the same data never doubles what it made.
pub fn done(state: &AppState, key: &str) -> Result<Option<String>, String> {
    state
        .store
        .lock()
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(|e| e.to_string())
}

/// Records that the seed `key` ran, with `value` (what was applied).
pub fn mark_done(state: &AppState, key: &str, value: &str) -> Result<(), String> {
    state
        .store
        .lock()
        .execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The string at `pointer` (an id, a token) in an answer.
pub fn id(v: &Value, pointer: &str) -> Result<String, String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("missing {pointer} in {v}"))
}

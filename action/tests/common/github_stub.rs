//! A loopback stub of GitHub's REST API, following the documented paths
//! and bodies (served under `/api/v3`, as GitHub Enterprise Server does, so
//! `GITHUB_API_URL` with a path is honoured): deployments, their statuses
//! and issue comments, paginated as GitHub paginates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{patch, post};
use serde_json::{Value, json};

pub const GH_TOKEN: &str = "ghs_stubInstallationToken0123456789";
pub const HEAD_SHA: &str = "c0ffee0000000000000000000000000000000001";

#[derive(Default)]
pub struct Stub {
    pub next_id: u64,
    /// (method, path, authorization, x-github-api-version)
    pub requests: Vec<(String, String, String, String)>,
    pub deployments: Vec<(u64, Value)>,
    pub statuses: Vec<(u64, Value)>,
    /// (id, issue number, body)
    pub comments: Vec<(u64, u64, String)>,
}

pub type Shared = Arc<Mutex<Stub>>;

fn record(stub: &Shared, method: &str, path: String, headers: &HeaderMap) {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    stub.lock().unwrap().requests.push((
        method.into(),
        path,
        h("authorization"),
        h("x-github-api-version"),
    ));
}

fn forbidden() -> (StatusCode, Json<Value>) {
    (
        StatusCode::FORBIDDEN,
        Json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/deployments/deployments#create-a-deployment"
        })),
    )
}

async fn create_deployment(
    State(stub): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    record(
        &stub,
        "POST",
        format!("/repos/{owner}/{repo}/deployments"),
        &headers,
    );
    if repo == "locked" {
        return forbidden();
    }
    let mut s = stub.lock().unwrap();
    s.next_id += 1;
    let id = s.next_id;
    s.deployments.push((id, body.clone()));
    (
        StatusCode::CREATED,
        Json(json!({
            "id": id, "sha": body["ref"], "ref": body["ref"], "task": "deploy",
            "environment": body["environment"], "payload": body["payload"],
        })),
    )
}

/// `GET /repos/{owner}/{repo}/deployments?environment=…`: newest first.
async fn list_deployments(
    State(stub): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Json<Value> {
    record(
        &stub,
        "GET",
        format!("/repos/{owner}/{repo}/deployments"),
        &headers,
    );
    let s = stub.lock().unwrap();
    let found = s
        .deployments
        .iter()
        .rev()
        .filter(|(_, d)| {
            q.get("environment")
                .is_none_or(|e| d["environment"] == e.as_str())
        })
        .map(|(id, d)| json!({ "id": id, "environment": d["environment"], "ref": d["ref"] }));
    Json(one_page(&q, found))
}

/// The page of `items` that `per_page` and `page` ask for, as GitHub
/// paginates (30 a page by default).
fn one_page(q: &HashMap<String, String>, items: impl Iterator<Item = Value>) -> Value {
    let per_page: usize = q.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
    let page: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    Value::Array(items.skip((page - 1) * per_page).take(per_page).collect())
}

async fn create_status(
    State(stub): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    record(
        &stub,
        "POST",
        format!("/repos/{owner}/{repo}/deployments/{id}/statuses"),
        &headers,
    );
    let mut s = stub.lock().unwrap();
    if !s.deployments.iter().any(|(d, _)| *d == id) {
        return (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"})));
    }
    s.next_id += 1;
    let status_id = s.next_id;
    s.statuses.push((id, body.clone()));
    (
        StatusCode::CREATED,
        Json(json!({ "id": status_id, "state": body["state"] })),
    )
}

async fn list_comments(
    State(stub): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Json<Value> {
    record(
        &stub,
        "GET",
        format!("/repos/{owner}/{repo}/issues/{number}/comments"),
        &headers,
    );
    let s = stub.lock().unwrap();
    let all = s
        .comments
        .iter()
        .filter(|(_, n, _)| *n == number)
        .map(|(id, _, body)| json!({ "id": id, "body": body, "user": {"login": "someone"} }));
    Json(one_page(&q, all))
}

async fn create_comment(
    State(stub): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    record(
        &stub,
        "POST",
        format!("/repos/{owner}/{repo}/issues/{number}/comments"),
        &headers,
    );
    let mut s = stub.lock().unwrap();
    s.next_id += 1;
    let id = s.next_id;
    let text = body["body"].as_str().unwrap_or_default().to_string();
    s.comments.push((id, number, text.clone()));
    (StatusCode::CREATED, Json(json!({ "id": id, "body": text })))
}

async fn update_comment(
    State(stub): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    record(
        &stub,
        "PATCH",
        format!("/repos/{owner}/{repo}/issues/comments/{id}"),
        &headers,
    );
    let mut s = stub.lock().unwrap();
    let text = body["body"].as_str().unwrap_or_default().to_string();
    match s.comments.iter_mut().find(|(c, _, _)| *c == id) {
        Some(c) => {
            c.2 = text.clone();
            (StatusCode::OK, Json(json!({ "id": id, "body": text })))
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))),
    }
}

/// Starts the stub; returns its `GITHUB_API_URL` and state.
pub async fn github_stub() -> (String, Shared) {
    let stub: Shared = Arc::default();
    {
        // 120 comments by others on PR 7, so ours lands on page 2.
        let mut s = stub.lock().unwrap();
        for i in 0..120 {
            s.next_id += 1;
            let id = s.next_id;
            s.comments.push((id, 7, format!("looks good {i}")));
        }
    }
    let repo = "/api/v3/repos/{owner}/{repo}";
    let app = Router::new()
        .route(
            &format!("{repo}/deployments"),
            post(create_deployment).get(list_deployments),
        )
        .route(
            &format!("{repo}/deployments/{{id}}/statuses"),
            post(create_status),
        )
        .route(
            &format!("{repo}/issues/{{number}}/comments"),
            axum::routing::get(list_comments).post(create_comment),
        )
        .route(
            &format!("{repo}/issues/comments/{{id}}"),
            patch(update_comment),
        )
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/api/v3"), stub)
}

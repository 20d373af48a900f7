//! Reporting to GitHub's REST API: a Deployment with its status, and one
//! pull-request comment per app, found by a hidden marker and updated in
//! place.
//!
//! Six JSON calls through the reqwest client comwit-client already
//! brings, rather than a GitHub SDK: they need no more than a bearer token,
//! GitHub's version header and its error body, and an SDK's own HTTP stack
//! would double the action's build. Nothing is retried (a retried POST
//! could create a second deployment or comment) or redirected.
//!
//! Paths and bodies follow GitHub's REST documentation:
//! - `POST /repos/{owner}/{repo}/deployments`
//! - `GET  /repos/{owner}/{repo}/deployments?environment=…`
//! - `POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`
//! - `GET  /repos/{owner}/{repo}/issues/{issue_number}/comments`
//! - `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`
//! - `PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`
//!
//! The base URL is `GITHUB_API_URL` (GitHub Enterprise Server:
//! `https://HOST/api/v3`), else `https://api.github.com`.

use std::time::Duration;

use comwit_client::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

pub const DEFAULT_API_URL: &str = "https://api.github.com";
const API_VERSION: &str = "2022-11-28";
/// Pages of comments read while looking for ours (100 per page).
const MAX_COMMENT_PAGES: u32 = 30;
/// Pages of an environment's deployments retired by `command: delete`
/// (100 per page, newest first).
const MAX_DEPLOYMENT_PAGES: u32 = 10;

pub struct GitHub {
    http: reqwest::Client,
    /// The API's base URL, without a trailing slash.
    base: String,
    token: Secret,
    /// `owner/repo`.
    repo: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    InProgress,
    Success,
    Failure,
    /// The environment is gone (`command: delete`).
    Inactive,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::InProgress => "in_progress",
            State::Success => "success",
            State::Failure => "failure",
            State::Inactive => "inactive",
        }
    }
}

/// What a new Deployment records.
pub struct NewDeployment<'a> {
    pub sha: &'a str,
    pub environment: &'a str,
    pub description: &'a str,
    /// Preview environments (pull requests) go away with the PR.
    pub transient: bool,
    pub production: bool,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAction {
    Created(u64),
    Updated(u64),
}

#[derive(Deserialize)]
struct Created {
    id: u64,
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
}

impl GitHub {
    pub fn new(token: &Secret, api_url: Option<&str>, repo: &str) -> Result<Self, String> {
        let base = api_url
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/');
        if reqwest::Url::parse(base).is_err() {
            return Err(format!("GITHUB_API_URL {base:?} is not a URL"));
        }
        let http = comwit_client::http::builder()
            .user_agent(concat!("comwit-deploy/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("GitHub client: {e}"))?;
        Ok(Self {
            http,
            base: base.to_string(),
            token: token.clone(),
            repo: repo.to_string(),
        })
    }

    /// One call: `body` as JSON, the answer decoded as `T`; an error says
    /// what GitHub answered (see [`describe`]).
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<T, String> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("x-github-api-version", API_VERSION)
            .query(query);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| chain(&e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| chain(&e))?;
        if !status.is_success() {
            return Err(describe(status.as_u16(), &bytes));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} answered {status} with unexpected JSON: {e}", self.base))
    }

    /// Creates a Deployment of `sha` for the environment. Auto-merge and
    /// required status checks are off: the job deploying is itself a check
    /// still running.
    pub async fn create_deployment(&self, d: &NewDeployment<'_>) -> Result<u64, String> {
        let body = json!({
            "ref": d.sha,
            "task": "deploy",
            "auto_merge": false,
            "required_contexts": [],
            "environment": d.environment,
            "description": truncate(d.description, 140),
            "transient_environment": d.transient,
            "production_environment": d.production,
            "payload": d.payload,
        });
        let path = format!("/repos/{}/deployments", self.repo);
        let created: Created = self
            .call(Method::POST, &path, &[], Some(&body))
            .await
            .map_err(|e| format!("creating the GitHub deployment: {e}"))?;
        Ok(created.id)
    }

    pub async fn set_status(
        &self,
        deployment: u64,
        state: State,
        environment: &str,
        environment_url: Option<&str>,
        log_url: Option<&str>,
        description: &str,
    ) -> Result<(), String> {
        let mut body = json!({
            "state": state.as_str(),
            "environment": environment,
            "description": truncate(description, 140),
            "auto_inactive": true,
        });
        if let Some(url) = environment_url.filter(|u| !u.is_empty()) {
            body["environment_url"] = json!(url);
        }
        if let Some(url) = log_url {
            body["log_url"] = json!(url);
        }
        let path = format!("/repos/{}/deployments/{deployment}/statuses", self.repo);
        let _: Created = self
            .call(Method::POST, &path, &[], Some(&body))
            .await
            .map_err(|e| format!("setting the GitHub deployment status: {e}"))?;
        Ok(())
    }

    /// The ids of the deployments of `environment` (newest first, at most
    /// [`MAX_DEPLOYMENT_PAGES`] pages).
    pub async fn deployments(&self, environment: &str) -> Result<Vec<u64>, String> {
        let path = format!("/repos/{}/deployments", self.repo);
        let mut ids = Vec::new();
        for page in 1..=MAX_DEPLOYMENT_PAGES {
            let page = page.to_string();
            let query = [
                ("environment", environment),
                ("per_page", "100"),
                ("page", page.as_str()),
            ];
            let found: Vec<Created> = self
                .call(Method::GET, &path, &query, None)
                .await
                .map_err(|e| format!("listing the GitHub deployments of {environment}: {e}"))?;
            ids.extend(found.iter().map(|d| d.id));
            if found.len() < 100 {
                break;
            }
        }
        Ok(ids)
    }

    /// Updates the comment carrying `marker` on pull request `number`, or
    /// creates it.
    pub async fn upsert_comment(
        &self,
        number: u64,
        marker: &str,
        body: &str,
    ) -> Result<CommentAction, String> {
        if let Some(id) = self.edit_comment(number, marker, body).await? {
            return Ok(CommentAction::Updated(id));
        }
        let path = format!("/repos/{}/issues/{number}/comments", self.repo);
        let created: Created = self
            .call(Method::POST, &path, &[], Some(&json!({ "body": body })))
            .await
            .map_err(|e| format!("commenting on the pull request: {e}"))?;
        Ok(CommentAction::Created(created.id))
    }

    /// Edits the comment carrying `marker` on pull request `number`, if
    /// there is one; returns its id.
    pub async fn edit_comment(
        &self,
        number: u64,
        marker: &str,
        body: &str,
    ) -> Result<Option<u64>, String> {
        let Some(id) = self.find_comment(number, marker).await? else {
            return Ok(None);
        };
        let path = format!("/repos/{}/issues/comments/{id}", self.repo);
        let _: Created = self
            .call(Method::PATCH, &path, &[], Some(&json!({ "body": body })))
            .await
            .map_err(|e| format!("updating the pull request comment: {e}"))?;
        Ok(Some(id))
    }

    async fn find_comment(&self, number: u64, marker: &str) -> Result<Option<u64>, String> {
        for page in 1..=MAX_COMMENT_PAGES {
            let path = format!("/repos/{}/issues/{number}/comments", self.repo);
            let page = page.to_string();
            let query = [("per_page", "100"), ("page", page.as_str())];
            let comments: Vec<Comment> = self
                .call(Method::GET, &path, &query, None)
                .await
                .map_err(|e| format!("reading the pull request's comments: {e}"))?;
            if let Some(c) = comments
                .iter()
                // Ours start with the marker: one merely quoted inside
                // another comment (or inside a zone file's plan) is not it.
                .find(|c| c.body.as_deref().is_some_and(|b| b.starts_with(marker)))
            {
                return Ok(Some(c.id));
            }
            if comments.len() < 100 {
                break;
            }
        }
        Ok(None)
    }
}

/// One line for a GitHub error answer: its status and message, and the
/// permission to grant when GitHub refuses.
pub fn describe(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct GitHubError {
        message: String,
    }
    let message = serde_json::from_slice::<GitHubError>(body)
        .map(|e| e.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    let mut s = format!("{status} {}", message.trim());
    if status == 403 || status == 404 {
        s.push_str(
            " — grant the workflow `permissions: deployments: write, pull-requests: write` \
             (and pass `github-token: ${{ github.token }}`)",
        );
    }
    s
}

/// A transport error with its causes (reqwest's message names the URL,
/// which holds no secret).
fn chain(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    s
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

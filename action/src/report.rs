//! Reporting to GitHub's REST API through octocrab: a Deployment with its
//! status, and one pull-request comment per app, found by a hidden marker
//! and updated in place.
//!
//! Paths and bodies follow GitHub's REST documentation:
//! - `POST /repos/{owner}/{repo}/deployments`
//! - `POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`
//! - `GET  /repos/{owner}/{repo}/issues/{issue_number}/comments`
//! - `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`
//! - `PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`
//!
//! The base URL is `GITHUB_API_URL` (GitHub Enterprise Server:
//! `https://HOST/api/v3`), else `https://api.github.com`.

use std::time::Duration;

use comwit_client::Secret;
use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::json;

pub const DEFAULT_API_URL: &str = "https://api.github.com";
const API_VERSION: &str = "2022-11-28";
/// Pages of comments read while looking for ours (100 per page).
const MAX_COMMENT_PAGES: u32 = 30;

pub struct GitHub {
    octo: Octocrab,
    /// `owner/repo`.
    repo: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    InProgress,
    Success,
    Failure,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::InProgress => "in_progress",
            State::Success => "success",
            State::Failure => "failure",
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
        let octo = Octocrab::builder()
            .base_uri(base)
            .map_err(|e| format!("GITHUB_API_URL {base:?} is not a URL: {e}"))?
            .personal_token(token.expose().to_string())
            .add_header(
                http::header::HeaderName::from_static("x-github-api-version"),
                API_VERSION.to_string(),
            )
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| format!("GitHub client: {}", describe(&e)))?;
        Ok(Self {
            octo,
            repo: repo.to_string(),
        })
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
        let created: Created = self
            .octo
            .post(format!("/repos/{}/deployments", self.repo), Some(&body))
            .await
            .map_err(|e| format!("creating the GitHub deployment: {}", describe(&e)))?;
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
        let _: Created = self
            .octo
            .post(
                format!("/repos/{}/deployments/{deployment}/statuses", self.repo),
                Some(&body),
            )
            .await
            .map_err(|e| format!("setting the GitHub deployment status: {}", describe(&e)))?;
        Ok(())
    }

    /// Updates the comment carrying `marker` on pull request `number`, or
    /// creates it.
    pub async fn upsert_comment(
        &self,
        number: u64,
        marker: &str,
        body: &str,
    ) -> Result<CommentAction, String> {
        if let Some(id) = self.find_comment(number, marker).await? {
            let _: Created = self
                .octo
                .patch(
                    format!("/repos/{}/issues/comments/{id}", self.repo),
                    Some(&json!({ "body": body })),
                )
                .await
                .map_err(|e| format!("updating the pull request comment: {}", describe(&e)))?;
            return Ok(CommentAction::Updated(id));
        }
        let created: Created = self
            .octo
            .post(
                format!("/repos/{}/issues/{number}/comments", self.repo),
                Some(&json!({ "body": body })),
            )
            .await
            .map_err(|e| format!("commenting on the pull request: {}", describe(&e)))?;
        Ok(CommentAction::Created(created.id))
    }

    async fn find_comment(&self, number: u64, marker: &str) -> Result<Option<u64>, String> {
        for page in 1..=MAX_COMMENT_PAGES {
            let comments: Vec<Comment> = self
                .octo
                .get(
                    format!("/repos/{}/issues/{number}/comments", self.repo),
                    Some(&[("per_page", "100"), ("page", &page.to_string())]),
                )
                .await
                .map_err(|e| format!("reading the pull request's comments: {}", describe(&e)))?;
            if let Some(c) = comments
                .iter()
                .find(|c| c.body.as_deref().is_some_and(|b| b.contains(marker)))
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

/// One line for an octocrab error, with GitHub's message and status, and
/// the permission to grant when GitHub refuses.
pub fn describe(e: &octocrab::Error) -> String {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            let status = source.status_code;
            let mut s = format!("{} {}", status.as_u16(), source.message);
            if status.as_u16() == 403 || status.as_u16() == 404 {
                s.push_str(
                    " — grant the workflow `permissions: deployments: write, pull-requests: write` \
                     (and pass `github-token: ${{ github.token }}`)",
                );
            }
            s
        }
        other => {
            let mut s = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(inner) = source {
                s.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            s
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

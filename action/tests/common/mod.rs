//! An in-process sandbox to deploy to, and the simulated GitHub runner
//! (`comwit_e2e::runner`, shared with the cross-crate flows) around the
//! real `comwit-deploy` binary.
#![allow(dead_code, unused_imports)]

use std::path::Path;

pub mod github_stub;

pub use comwit_e2e::composite::yaml_scalar;
pub use comwit_e2e::runner::{Run, Runner, parse_outputs};
use comwit_sandbox::Sandbox;
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_comwit-deploy");

pub struct Platform {
    /// Dropping it stops the server.
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub url: String,
    pub user: String,
    pub op: String,
    pub project: String,
}

pub async fn platform() -> Platform {
    let sandbox = Sandbox::builder().start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    Platform {
        sandbox,
        http: comwit_client::http::client(),
        url: info.api_url,
        user: info.user_token,
        op: info.operator_token,
        project: info.project_id,
    }
}

impl Platform {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self
            .call(reqwest::Method::GET, path, &self.user, None)
            .await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let (status, out) = self
            .call(reqwest::Method::POST, path, token, Some(body))
            .await;
        assert!((200..300).contains(&status), "POST {path}: {status} {out}");
        out
    }

    pub async fn create_app(&self, name: &str) -> String {
        let r = self
            .post(
                &format!("/v1/projects/{}/apps", self.project),
                &self.user.clone(),
                json!({ "name": name }),
            )
            .await;
        r["app"]["app_id"].as_str().expect("app_id").to_string()
    }

    pub async fn apps(&self) -> Vec<Value> {
        self.get(&format!("/v1/projects/{}/apps", self.project))
            .await["apps"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn builds(&self, app: &str) -> Vec<Value> {
        self.get(&format!("/v1/projects/{}/apps/{app}/builds", self.project))
            .await["builds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn app(&self, app: &str) -> Value {
        self.get(&format!("/v1/projects/{}/apps/{app}", self.project))
            .await["app"]
            .clone()
    }

    /// A token with `scopes`, member of the sandbox project.
    pub async fn mint(&self, scopes: &[&str]) -> String {
        let r = self
            .post(
                "/_sandbox/tokens",
                &self.op.clone(),
                json!({ "scopes": scopes, "projects": [self.project] }),
            )
            .await;
        r["token"].as_str().expect("token").to_string()
    }

    pub async fn faults(&self, faults: Value) {
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                "/_sandbox/faults",
                &self.op,
                Some(faults),
            )
            .await;
        assert_eq!(status, 200, "faults: {body}");
    }

    /// Onboards `domain` and completes its delegation through the
    /// simulated registrar, so it is `managed`.
    pub async fn managed_domain(&self, domain: &str) {
        let p = self.project.clone();
        let user = self.user.clone();
        let d = self
            .post(
                &format!("/v1/projects/{p}/domains"),
                &user,
                json!({ "domain": domain }),
            )
            .await;
        let ns = d["domain"]["nameservers"].clone();
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                &format!("/_sandbox/registrar/{domain}/nameservers"),
                &self.op,
                Some(json!({ "nameservers": ns })),
            )
            .await;
        assert_eq!(status, 200, "registrar: {body}");
        let c = self
            .post(
                &format!("/v1/projects/{p}/domains/{domain}/delegation-check"),
                &user,
                json!({}),
            )
            .await;
        assert_eq!(c["status"], "managed", "{c}");
    }
}

/// Deterministic incompressible bytes (xorshift), `n` long.
pub fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}

pub fn sha256_and_size(path: &Path) -> (String, u64) {
    let info = comwit_client::package::check_prebuilt(path).expect("a .tar.zst");
    (info.sha256, info.size)
}

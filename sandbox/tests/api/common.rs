//! Test harness: an in-process sandbox and a small JSON HTTP helper.

use std::path::Path;

use comwit_sandbox::{Sandbox, SandboxBuilder};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Env {
    /// Dropping it stops the server.
    sandbox: Sandbox,
    pub http: reqwest::Client,
    pub url: String,
    /// All live scopes, member of `project`.
    pub user: String,
    pub op: String,
    pub project: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Resp {
    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or("")
    }
    /// Asserts the status and, for errors, the problem-detail shape.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status, body: {}",
            self.body
        );
        if status >= 400 {
            assert_eq!(
                self.content_type, "application/problem+json",
                "error content type"
            );
            assert_eq!(self.body["status"], status, "problem status field");
            assert!(self.body["title"].is_string(), "problem title");
            assert!(self.body["detail"].is_string(), "problem detail");
        }
        self
    }
}

pub async fn start() -> Env {
    start_with(Sandbox::builder()).await
}

pub async fn start_with(builder: SandboxBuilder) -> Env {
    let sandbox = builder.start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    // Where it listens, which is not what it tells clients when a public
    // URL is given.
    let url = comwit_sandbox::public::url_of(sandbox.addr());
    Env {
        sandbox,
        http: comwit_client::http::client(),
        url,
        user: info.user_token,
        op: info.operator_token,
        project: info.project_id,
    }
}

impl Env {
    pub fn sandbox_info(&self) -> &comwit_sandbox::SandboxInfo {
        self.sandbox.info()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_resp(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Raw deploy upload with query options.
    pub async fn deploy_bytes(
        &self,
        project: &str,
        app: &str,
        query: &str,
        body: Vec<u8>,
        token: &str,
    ) -> Resp {
        let resp = self
            .http
            .post(format!(
                "{}/v1/projects/{project}/apps/{app}/deployments{query}",
                self.url
            ))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .expect("request sent");
        into_resp(resp).await
    }

    pub async fn deploy(&self, app: &str, version: u32) -> String {
        let r = self
            .deploy_bytes(&self.project, app, "", site(version), &self.user)
            .await
            .expect(201);
        r.body["build_id"].as_str().expect("build_id").to_string()
    }

    pub async fn create_app(&self, name: &str) -> String {
        let r = self
            .post(
                &format!("/v1/projects/{}/apps", self.project),
                &self.user,
                json!({"name": name}),
            )
            .await
            .expect(201);
        r.body["app"]["app_id"]
            .as_str()
            .expect("app_id")
            .to_string()
    }

    /// A token with `scopes`, member of `projects`.
    pub async fn mint(&self, scopes: &[&str], projects: &[&str]) -> String {
        let r = self
            .post(
                "/_sandbox/tokens",
                &self.op,
                json!({"scopes": scopes, "projects": projects}),
            )
            .await
            .expect(201);
        r.body["token"].as_str().expect("token").to_string()
    }

    pub async fn new_project(&self, name: &str) -> String {
        let r = self
            .post("/_sandbox/projects", &self.op, json!({"name": name}))
            .await
            .expect(201);
        r.body["project"]["project_id"]
            .as_str()
            .expect("project_id")
            .to_string()
    }

    pub async fn faults(&self, faults: Value) {
        self.put("/_sandbox/faults", &self.op, faults)
            .await
            .expect(200);
    }

    /// Onboards `domain` and completes its delegation through the registrar.
    pub async fn managed_domain(&self, domain: &str) {
        let p = &self.project;
        let d = self
            .post(
                &format!("/v1/projects/{p}/domains"),
                &self.user,
                json!({"domain": domain}),
            )
            .await
            .expect(201);
        let ns = d.body["domain"]["nameservers"].clone();
        self.put(
            &format!("/_sandbox/registrar/{domain}/nameservers"),
            &self.op,
            json!({"nameservers": ns}),
        )
        .await
        .expect(200);
        let c = self
            .post(
                &format!("/v1/projects/{p}/domains/{domain}/delegation-check"),
                &self.user,
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(c.body["status"], "managed");
    }
}

pub async fn into_resp(resp: reqwest::Response) -> Resp {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = resp.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Resp {
        status,
        content_type,
        body,
    }
}

/// A tar of `entries` (name, content) compressed with zstd.
pub fn tar_zst(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, *data).expect("tar entry");
    }
    zstd::encode_all(&tar.into_inner().expect("tar")[..], 3).expect("zstd")
}

/// A small site whose content differs per version.
pub fn site(version: u32) -> Vec<u8> {
    let html = format!("<h1>v{version}</h1>");
    tar_zst(&[
        ("index.html", html.as_bytes()),
        ("assets/app.js", b"console.log(1)"),
    ])
}

/// A tar.zst with one raw header written by hand, so names and types the
/// tar crate refuses to build (absolute, `..`, devices) can be sent.
pub fn hostile(name: &str, kind: tar::EntryType, link: Option<&str>, data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_old();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            old.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
    }
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let mut tar = tar::Builder::new(Vec::new());
    tar.append(&h, data).expect("raw entry");
    zstd::encode_all(&tar.into_inner().expect("tar")[..], 3).expect("zstd")
}

/// Every file below `dir`, relative, sorted.
pub fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

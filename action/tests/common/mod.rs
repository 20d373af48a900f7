//! A simulated GitHub runner around the real `comwit-deploy` binary, and an
//! in-process sandbox to deploy to.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use comwit_sandbox::Sandbox;
use serde_json::{Value, json};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_comwit-deploy");

/// A YAML scalar as the runner passes it to a step: a string.
pub fn yaml_scalar(y: &yaml_rust2::Yaml) -> String {
    use yaml_rust2::Yaml;
    match y {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("expected a scalar, got {other:?}"),
    }
}

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

/// The files a GitHub runner gives a step, in a temporary directory, and a
/// workspace to run in.
pub struct Runner {
    pub dir: TempDir,
    pub workspace: PathBuf,
    pub output: PathBuf,
    pub summary: PathBuf,
    pub runner_temp: PathBuf,
    pub event: PathBuf,
    env: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: HashMap<String, String>,
    pub summary: String,
}

impl Runner {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let workspace = dir.path().join("workspace");
        let runner_temp = dir.path().join("runner-temp");
        std::fs::create_dir_all(&workspace).unwrap();
        std::fs::create_dir_all(&runner_temp).unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(&event, "{}").unwrap();
        Self {
            output: dir.path().join("github-output"),
            summary: dir.path().join("step-summary.md"),
            workspace,
            runner_temp,
            event,
            env: Vec::new(),
            dir,
        }
    }

    /// A pull_request event for PR `number`, from a fork or not.
    pub fn pull_request(&mut self, number: u64, head_sha: &str, fork: bool) {
        let head_repo = if fork {
            "someone/deploy-fork"
        } else {
            "acme/site"
        };
        let event = json!({
            "number": number,
            "pull_request": {
                "number": number,
                "head": { "sha": head_sha, "repo": { "full_name": head_repo, "fork": fork } },
                "base": { "sha": "0000000", "repo": { "full_name": "acme/site", "fork": false } },
            }
        });
        std::fs::write(&self.event, event.to_string()).unwrap();
        self.set("GITHUB_EVENT_NAME", "pull_request");
    }

    /// An extra environment variable for every run.
    pub fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    /// Writes `files` (relative path, content) below the workspace.
    pub fn files(&self, dir: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let root = self.workspace.join(dir);
        std::fs::create_dir_all(&root).unwrap();
        for (name, data) in files {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        root
    }

    /// Runs the binary as a GitHub Actions step would: `GITHUB_ACTIONS=true`
    /// and every input as `INPUT_<NAME>`.
    pub async fn step(&self, inputs: &[(&str, &str)]) -> Run {
        let mut env: Vec<(String, String)> = vec![("GITHUB_ACTIONS".into(), "true".into())];
        for (name, value) in inputs {
            env.push((
                format!("INPUT_{}", name.to_ascii_uppercase().replace('-', "_")),
                value.to_string(),
            ));
        }
        self.exec(&[], env).await
    }

    /// Runs the binary with flags, outside GitHub Actions.
    pub async fn cli(&self, args: &[&str]) -> Run {
        self.exec(args, Vec::new()).await
    }

    async fn exec(&self, args: &[&str], env: Vec<(String, String)>) -> Run {
        // Each run appends, as on a runner; read what this run added.
        let out_before = std::fs::read_to_string(&self.output)
            .unwrap_or_default()
            .len();
        let sum_before = std::fs::read_to_string(&self.summary)
            .unwrap_or_default()
            .len();
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(args)
            .current_dir(&self.workspace)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("RUNNER_TEMP", &self.runner_temp)
            .env("GITHUB_EVENT_PATH", &self.event)
            .env("GITHUB_REPOSITORY", "acme/site")
            .env("GITHUB_SHA", "1111111111111111111111111111111111111111")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "42")
            .kill_on_drop(true);
        for (n, v) in self.env.iter().chain(env.iter()) {
            cmd.env(n, v);
        }
        let out = cmd.output().await.expect("comwit-deploy runs");
        let outputs_text = std::fs::read_to_string(&self.output).unwrap_or_default();
        let summary = std::fs::read_to_string(&self.summary).unwrap_or_default();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&outputs_text[out_before..]),
            summary: summary[sum_before..].to_string(),
        }
    }
}

/// Parses a `GITHUB_OUTPUT` file as the runner does: `name=value` lines and
/// `name<<DELIM` … `DELIM` blocks.
pub fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        } else {
            panic!("malformed GITHUB_OUTPUT line: {line:?}");
        }
    }
    out
}

impl Run {
    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| {
                panic!(
                    "no output {name}; outputs: {:?}\n{}",
                    self.outputs,
                    self.log()
                )
            })
    }

    pub fn log(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(self.code, 0, "expected success\n{}", self.log());
    }

    #[track_caller]
    pub fn assert_failed(&self) {
        assert_eq!(self.code, 1, "expected failure\n{}", self.log());
    }

    /// The `::error title=T::M` annotations, unescaped.
    pub fn errors(&self) -> Vec<(String, String)> {
        self.annotations("error")
    }

    pub fn annotations(&self, level: &str) -> Vec<(String, String)> {
        let prefix = format!("::{level} title=");
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|rest| rest.split_once("::"))
            .map(|(t, m)| (unescape(t), unescape(m)))
            .collect()
    }

    /// `secret` shows up only in `::add-mask::` lines, and those come
    /// before any other output.
    #[track_caller]
    pub fn assert_hidden(&self, secret: &str) {
        assert!(!secret.is_empty());
        let mut seen_other = false;
        let mut masked = false;
        for line in self.stdout.lines() {
            if let Some(masked_value) = line.strip_prefix("::add-mask::") {
                assert!(
                    !seen_other,
                    "::add-mask:: after other output\n{}",
                    self.log()
                );
                masked |= masked_value == secret;
                continue;
            }
            seen_other = true;
            assert!(!line.contains(secret), "secret printed on stdout: {line:?}");
        }
        assert!(masked, "secret never masked\n{}", self.log());
        assert!(
            !self.stderr.contains(secret),
            "secret on stderr\n{}",
            self.stderr
        );
        for (name, value) in &self.outputs {
            assert!(!value.contains(secret), "secret in output {name}");
        }
        assert!(!self.summary.contains(secret), "secret in the job summary");
    }
}

fn unescape(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
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

//! `comwit-deploy` as a GitHub Actions step or a CI command line runs it:
//! a process of its own with a clean environment, the runner's files
//! (`GITHUB_OUTPUT`, the job summary, the event) in a temporary directory,
//! and what it printed and wrote read back. The action's tests run its
//! `comwit-deploy` binary; the flows of `tests/` this package's
//! `comwit-deploy-e2e`, the same `run()`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::json;
use tempfile::TempDir;

/// The files a GitHub runner gives a step, in a temporary directory, and a
/// workspace to run in.
pub struct Runner {
    pub dir: TempDir,
    pub workspace: PathBuf,
    pub output: PathBuf,
    pub summary: PathBuf,
    pub runner_temp: PathBuf,
    pub event: PathBuf,
    /// The `comwit-deploy` binary to run.
    bin: PathBuf,
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
    /// A fresh runner for the `comwit-deploy` binary at `bin`.
    pub fn new(bin: impl AsRef<Path>) -> Self {
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
            bin: bin.as_ref().to_path_buf(),
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
        let mut cmd = tokio::process::Command::new(&self.bin);
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

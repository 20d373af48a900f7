//! The runner side of GitHub Actions: workflow commands on stdout
//! (`::add-mask::`, `::group::`, annotations), step outputs
//! (`GITHUB_OUTPUT`), the job summary (`GITHUB_STEP_SUMMARY`) and the event
//! that started the run (`GITHUB_EVENT_PATH`).
//!
//! Outside GitHub Actions the same calls print plain text: groups become
//! `== name ==` headings, annotations `error: title: message` on stderr, and
//! outputs `name=value` lines at the end.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use rand::RngExt;

pub struct Runner {
    actions: bool,
    output: Option<PathBuf>,
    summary: Option<PathBuf>,
    in_group: Mutex<bool>,
    /// Outputs written so far (for plain mode and for tests).
    outputs: Mutex<Vec<(String, String)>>,
}

impl Runner {
    pub fn from_env(actions: bool) -> Self {
        let path = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            actions,
            output: path("GITHUB_OUTPUT"),
            summary: path("GITHUB_STEP_SUMMARY"),
            in_group: Mutex::new(false),
            outputs: Mutex::new(Vec::new()),
        }
    }

    pub fn on_actions(&self) -> bool {
        self.actions
    }

    /// Masks `secret` in the log from here on (each line of it).
    pub fn mask(&self, secret: &str) {
        if !self.actions {
            return;
        }
        for line in secret.lines().map(str::trim).filter(|l| !l.is_empty()) {
            println!("::add-mask::{}", escape_data(line));
        }
    }

    /// Starts a collapsible group, closing the one before.
    pub fn group(&self, name: &str) {
        self.end_group();
        if self.actions {
            println!("::group::{}", escape_data(name));
        } else {
            println!("== {name} ==");
        }
        *lock(&self.in_group) = true;
    }

    pub fn end_group(&self) {
        let mut open = lock(&self.in_group);
        if *open {
            if self.actions {
                println!("::endgroup::");
            }
            *open = false;
        }
    }

    pub fn info(&self, line: &str) {
        println!("{line}");
    }

    pub fn notice(&self, title: &str, message: &str) {
        self.annotate("notice", title, message);
    }

    pub fn warning(&self, title: &str, message: &str) {
        self.annotate("warning", title, message);
    }

    /// An error annotation. Closes the open group first so it is visible.
    pub fn error(&self, title: &str, message: &str) {
        self.end_group();
        self.annotate("error", title, message);
    }

    fn annotate(&self, level: &str, title: &str, message: &str) {
        if self.actions {
            println!(
                "::{level} title={}::{}",
                escape_property(title),
                escape_data(message)
            );
        } else {
            eprintln!("{level}: {title}: {message}");
        }
    }

    /// Sets a step output (multi-line safe: always a heredoc with a random
    /// delimiter that does not occur in the value).
    pub fn set_output(&self, name: &str, value: &str) -> std::io::Result<()> {
        lock(&self.outputs).push((name.to_string(), value.to_string()));
        let Some(path) = &self.output else {
            return Ok(());
        };
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(heredoc(name, value).as_bytes())
    }

    pub fn outputs(&self) -> Vec<(String, String)> {
        lock(&self.outputs).clone()
    }

    /// Appends markdown to the job summary (when the runner gives one).
    pub fn append_summary(&self, markdown: &str) -> std::io::Result<()> {
        let Some(path) = &self.summary else {
            return Ok(());
        };
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let mut text = markdown.to_string();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        file.write_all(text.as_bytes())
    }

    /// Outside GitHub Actions: the outputs as `name=value` lines.
    pub fn print_plain_outputs(&self) {
        if self.actions || self.output.is_some() {
            return;
        }
        for (name, value) in self.outputs() {
            if value.is_empty() {
                continue;
            }
            if value.contains('\n') {
                println!("{name}:");
                for line in value.lines() {
                    println!("  {line}");
                }
            } else {
                println!("{name}={value}");
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `name<<DELIM\nvalue\nDELIM\n` with a delimiter absent from the value.
pub fn heredoc(name: &str, value: &str) -> String {
    let delim = loop {
        let d = format!("ghadelimiter_{:032x}", rand::rng().random::<u128>());
        if !value.contains(&d) {
            break d;
        }
    };
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (e.g. `title`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// What the triggering event tells us.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub name: String,
    /// `owner/repo`.
    pub repository: Option<String>,
    /// The commit to report on: the pull request's head, else `GITHUB_SHA`.
    pub sha: Option<String>,
    pub pull_request: Option<PullRequest>,
    /// `https://github.com/owner/repo/actions/runs/N`.
    pub run_url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    pub number: u64,
    pub from_fork: bool,
}

impl Event {
    pub fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let payload: serde_json::Value = var("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let repository = var("GITHUB_REPOSITORY");
        let pr = &payload["pull_request"];
        let pull_request = pr["number"].as_u64().map(|number| {
            let head = pr["head"]["repo"]["full_name"].as_str();
            let base = pr["base"]["repo"]["full_name"].as_str();
            PullRequest {
                number,
                from_fork: pr["head"]["repo"]["fork"].as_bool().unwrap_or(false)
                    || matches!((head, base), (Some(h), Some(b)) if h != b)
                    || pr["head"]["repo"].is_null() && !pr["head"].is_null(),
            }
        });
        let sha = pr["head"]["sha"]
            .as_str()
            .map(str::to_string)
            .or_else(|| var("GITHUB_SHA"));
        let run_url = match (var("GITHUB_SERVER_URL"), &repository, var("GITHUB_RUN_ID")) {
            (Some(server), Some(repo), Some(run)) => Some(format!(
                "{}/{repo}/actions/runs/{run}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Self {
            name: var("GITHUB_EVENT_NAME").unwrap_or_default(),
            repository,
            sha,
            pull_request,
            run_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_newlines_and_percent() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a: b, c"), "a%3A b%2C c");
    }

    #[test]
    fn heredoc_delimiter_is_random_and_absent_from_value() {
        let a = heredoc("x", "line1\nline2");
        let b = heredoc("x", "line1\nline2");
        assert_ne!(a, b);
        let first = a.lines().next().unwrap();
        let delim = first.strip_prefix("x<<").unwrap();
        assert!(delim.starts_with("ghadelimiter_"));
        assert_eq!(a, format!("x<<{delim}\nline1\nline2\n{delim}\n"));
    }
}

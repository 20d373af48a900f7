//! Inputs: clap flags, each also read from a GitHub input variable when
//! `GITHUB_ACTIONS=true`.
//!
//! The variable for an input is `INPUT_` + its name upper-cased with `-`
//! turned into `_` (`app-name` → `INPUT_APP_NAME`). Composite actions get
//! no `INPUT_*` variables of their own, so `action.yml` sets exactly these
//! names through `env:`. A flag on the command line wins over the variable;
//! an empty variable counts as not set (composite actions pass every input,
//! given or not), so the flag's default applies.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, ValueEnum};

/// `true` when running as a GitHub Actions step.
pub fn on_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The environment variable an input is read from on GitHub Actions.
pub fn env_name(input: &str) -> String {
    format!("INPUT_{}", input.to_ascii_uppercase().replace('-', "_"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Command {
    /// Pack (or take a prebuilt `.tar.zst`), upload, bind hosts, report.
    Deploy,
    /// Re-activate `build-id`, or the build active before the current one.
    Rollback,
    /// Delete the app (a pull request preview, when it closes), retire its
    /// GitHub Deployments and edit its pull request comment.
    Delete,
    /// Compare `zone-file` with `domain`'s records: the plan as a pull
    /// request comment, the job summary and outputs; nothing is changed.
    DnsPlan,
    /// Apply `zone-file` to `domain`: the plan, carried out.
    DnsApply,
}

/// Deploys a site to Comwit Cloud and reports back to GitHub.
///
/// Every flag is also read from `INPUT_<NAME>` (e.g. `INPUT_APP_NAME`) when
/// `GITHUB_ACTIONS=true`. Outside GitHub the token may also come from
/// `COMWIT_TOKEN`, the project from `COMWIT_PROJECT`, the API URL from
/// `COMWIT_API_URL`.
#[derive(Debug, Clone, Parser)]
#[command(name = "comwit-deploy", version, max_term_width = 100)]
pub struct Inputs {
    /// What to do.
    #[arg(long, value_enum, default_value = "deploy")]
    pub command: Command,

    /// A `cwt_` user token with app:read, app:write and app:deploy (plus
    /// domain:read for finalize-hosts, project:read to find the project).
    /// Operator tokens are refused.
    #[arg(long, value_name = "CWT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Project id. Default: COMWIT_PROJECT, else the only project the token sees.
    #[arg(long)]
    pub project: Option<String>,

    /// App id (takes precedence over app-name).
    #[arg(long)]
    pub app: Option<String>,

    /// App name, looked up in the project (created with create-app).
    #[arg(long)]
    pub app_name: Option<String>,

    /// Create the app named app-name when the project has none by that name.
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true")]
    pub create_app: bool,

    /// A build directory (packed deterministically) or a prebuilt `.tar.zst`,
    /// relative to working-directory.
    #[arg(long, default_value = "dist")]
    pub package: PathBuf,

    /// Directory the package path is relative to.
    #[arg(long, default_value = ".")]
    pub working_directory: PathBuf,

    /// Hostnames to bind, comma or newline separated.
    #[arg(long)]
    pub hosts: Option<String>,

    /// Environment reference recorded with the build.
    #[arg(long)]
    pub env_ref: Option<String>,

    /// Per-instance concurrency limit for the build.
    #[arg(long)]
    pub max_concurrent_requests: Option<u32>,

    /// `KEY=VALUE` lines set on the app before the deploy (plain text on the
    /// platform: values that look like credentials get a warning). Repeatable.
    #[arg(long, action = ArgAction::Append)]
    pub env: Vec<String>,

    /// API base URL. Default: COMWIT_API_URL, else https://api.cloud.comwit.io.
    #[arg(long)]
    pub api_url: Option<String>,

    /// Attach each host with the right DNS mode and finalize it; fail the
    /// step if binding fails.
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true")]
    pub finalize_hosts: bool,

    /// A GitHub token: creates a Deployment with a status and, on pull
    /// requests, one comment per app updated in place.
    #[arg(long, hide_env_values = true)]
    pub github_token: Option<String>,

    /// GitHub environment name for the Deployment.
    #[arg(long, default_value = "production")]
    pub deployment_environment: String,

    /// Comment on the pull request (needs github-token).
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "true", default_missing_value = "true")]
    pub pr_comment: bool,

    /// Write the job summary.
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "true", default_missing_value = "true")]
    pub summary: bool,

    /// Pack only: output the artifact path, size and sha256; no token needed.
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true")]
    pub dry_run: bool,

    /// Fail instead of skipping when a fork pull request has no token.
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true")]
    pub fail_without_token: bool,

    /// Seconds to watch the build list for an upload whose answer was lost
    /// after the whole artifact was sent, before failing with "outcome
    /// unknown" (exit code 3). Never a second upload.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub deploy_grace: u64,

    /// Rollback: the build to re-activate (default: the one before the current).
    #[arg(long)]
    pub build_id: Option<String>,

    /// After the deploy, request this absolute http(s) URL until it answers
    /// verify-status (redirects are not followed).
    #[arg(long, value_parser = crate::verify::parse_url)]
    pub verify_url: Option<String>,

    /// After the deploy, request this path (e.g. `/healthz`) on the url
    /// output (needs hosts) until it answers verify-status.
    #[arg(long, value_parser = crate::verify::parse_path)]
    pub verify_path: Option<String>,

    /// The HTTP status the post-deploy check expects.
    #[arg(long, default_value = "200", value_parser = crate::verify::parse_status)]
    pub verify_status: u16,

    /// How long the post-deploy check retries: seconds, or a number with
    /// `s` or `m` (`90`, `90s`, `2m`); at most 30 minutes.
    #[arg(long, default_value = "60s", value_parser = crate::verify::parse_timeout)]
    pub verify_timeout: std::time::Duration,

    /// When the post-deploy check fails, re-activate the build that was
    /// active before this deploy (the step fails either way).
    #[arg(long, value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true")]
    pub rollback_on_failure: bool,

    /// dns-plan, dns-apply: the domain (a project domain, `managed` to apply).
    #[arg(long)]
    pub domain: Option<String>,

    /// dns-plan, dns-apply: the zone file (an RFC 1035 master file, or the
    /// JSON form `comwit-tui dns export --format json` writes), relative to
    /// working-directory.
    #[arg(long)]
    pub zone_file: Option<PathBuf>,
}

impl Inputs {
    /// Parses `argv`, reading `INPUT_*` variables too when `github` is set.
    pub fn parse_with(argv: Vec<OsString>, github: bool) -> Result<Self, clap::Error> {
        let mut cmd = Self::command();
        if github {
            cmd = cmd.mut_args(|arg| {
                let Some(long) = arg.get_long() else {
                    return arg;
                };
                let name = env_name(long);
                // An empty variable is an input left out.
                if std::env::var(&name).is_ok_and(|v| !v.trim().is_empty()) {
                    // Parsed once per process: leaking ~20 short names is fine.
                    arg.env(&*Box::leak(name.into_boxed_str()))
                } else {
                    arg
                }
            });
        }
        let matches = cmd.try_get_matches_from(argv)?;
        let mut inputs = Self::from_arg_matches(&matches)?;
        inputs.normalise();
        Ok(inputs)
    }

    fn normalise(&mut self) {
        let blank = |o: &mut Option<String>| {
            if o.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *o = None;
            } else if let Some(s) = o {
                *s = s.trim().to_string();
            }
        };
        blank(&mut self.token);
        blank(&mut self.github_token);
        blank(&mut self.project);
        blank(&mut self.app);
        blank(&mut self.app_name);
        blank(&mut self.env_ref);
        blank(&mut self.api_url);
        blank(&mut self.build_id);
        blank(&mut self.verify_url);
        blank(&mut self.verify_path);
        blank(&mut self.domain);
        if self.token.is_none() {
            self.token = std::env::var("COMWIT_TOKEN")
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty());
        }
        if self.project.is_none() {
            self.project = std::env::var("COMWIT_PROJECT")
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty());
        }
    }

    /// The hosts, split on commas and newlines, lower-cased, de-duplicated.
    pub fn host_list(&self) -> Vec<String> {
        split_hosts(self.hosts.as_deref().unwrap_or(""))
    }

    /// The package path, resolved against working-directory.
    pub fn package_path(&self) -> PathBuf {
        self.working_directory.join(&self.package)
    }
}

pub fn split_hosts(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in raw.split([',', '\n', '\r']) {
        let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
        if !h.is_empty() && !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// Secrets visible before parsing, so they are masked before anything
/// (even a usage error) is printed: `--token`/`--github-token` values and
/// their input variables, and `COMWIT_TOKEN`.
pub fn raw_secrets(argv: &[OsString]) -> Vec<String> {
    let mut found = Vec::new();
    let flags = ["--token", "--github-token"];
    let mut args = argv.iter().skip(1).map(|a| a.to_string_lossy().to_string());
    while let Some(arg) = args.next() {
        for flag in flags {
            if arg == flag {
                if let Some(v) = args.next() {
                    found.push(v);
                }
            } else if let Some(v) = arg.strip_prefix(&format!("{flag}=")) {
                found.push(v.to_string());
            }
        }
    }
    for var in [
        env_name("token"),
        env_name("github-token"),
        "COMWIT_TOKEN".into(),
    ] {
        if let Ok(v) = std::env::var(var) {
            found.push(v);
        }
    }
    let mut out: Vec<String> = Vec::new();
    for v in found {
        let v = v.trim().to_string();
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// One `KEY=VALUE` of the `env` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    pub value: String,
}

/// Parses `KEY=VALUE` lines: blank lines and `#` comments are skipped, a
/// leading `export ` is allowed, one pair of matching surrounding quotes is
/// removed. Errors name the line, never the value.
pub fn parse_env(blocks: &[String]) -> Result<Vec<EnvEntry>, String> {
    let mut out: Vec<EnvEntry> = Vec::new();
    let mut n = 0;
    for block in blocks {
        for line in block.lines() {
            n += 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((key, value)) = line.split_once('=') else {
                return Err(format!(
                    "env line {n} is not KEY=VALUE (the line is not shown in case it holds a secret) — write one KEY=VALUE per line"
                ));
            };
            let key = key.trim();
            let valid = key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "env line {n}: {key:?} is not a valid variable name — use letters, digits and _, not starting with a digit"
                ));
            }
            let value = unquote(value.trim());
            out.retain(|e| e.key != key);
            out.push(EnvEntry {
                key: key.to_string(),
                value: value.to_string(),
            });
        }
    }
    Ok(out)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// Whether an env entry looks like a credential: by its name, by a known
/// token prefix, or by being a long random-looking string.
pub fn looks_like_credential(entry: &EnvEntry) -> bool {
    let key = entry.key.to_ascii_uppercase();
    const NAMES: [&str; 10] = [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "PRIVATE",
        "CREDENTIAL",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "AUTH",
    ];
    if entry.value.is_empty() {
        return false;
    }
    if NAMES.iter().any(|n| key.contains(n)) {
        return true;
    }
    const PREFIXES: [&str; 11] = [
        "cwt_",
        "ghp_",
        "gho_",
        "ghs_",
        "ghu_",
        "github_pat_",
        "sk_live_",
        "sk_test_",
        "xox",
        "AKIA",
        "-----BEGIN",
    ];
    let v = entry.value.as_str();
    if PREFIXES.iter().any(|p| v.starts_with(p)) {
        return true;
    }
    random_looking(v)
}

/// At least 24 characters, no whitespace, letters and digits mixed, and
/// more than 4 bits of entropy per character.
fn random_looking(v: &str) -> bool {
    if v.len() < 24 || v.chars().any(char::is_whitespace) || v.contains("://") {
        return false;
    }
    let has_digit = v.chars().any(|c| c.is_ascii_digit());
    let has_alpha = v.chars().any(|c| c.is_ascii_alphabetic());
    if !(has_digit && has_alpha) {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0u32) += 1;
    }
    let len = v.chars().count() as f64;
    let entropy: f64 = counts
        .values()
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum();
    entropy > 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_names_map_to_upper_snake_variables() {
        assert_eq!(env_name("app-name"), "INPUT_APP_NAME");
        assert_eq!(env_name("token"), "INPUT_TOKEN");
        assert_eq!(
            env_name("max-concurrent-requests"),
            "INPUT_MAX_CONCURRENT_REQUESTS"
        );
    }

    #[test]
    fn hosts_split_on_commas_and_newlines() {
        assert_eq!(
            split_hosts("a.example.com, B.example.com\nc.example.com.\n\na.example.com"),
            vec!["a.example.com", "b.example.com", "c.example.com"]
        );
        assert!(split_hosts(" \n, ").is_empty());
    }

    #[test]
    fn env_lines_parse_and_errors_never_show_values() {
        let parsed =
            parse_env(&["# comment\nA=1\nexport B=\"two words\"\n\nC='x=y'\nA=3".to_string()])
                .unwrap();
        assert_eq!(
            parsed,
            vec![
                EnvEntry {
                    key: "B".into(),
                    value: "two words".into()
                },
                EnvEntry {
                    key: "C".into(),
                    value: "x=y".into()
                },
                EnvEntry {
                    key: "A".into(),
                    value: "3".into()
                },
            ]
        );
        let err = parse_env(&["OK=1\nsupersecretvalue".to_string()]).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("supersecretvalue"), "{err}");
        let err = parse_env(&["1BAD=x".to_string()]).unwrap_err();
        assert!(err.contains("not a valid variable name"), "{err}");
    }

    #[test]
    fn credential_heuristics() {
        let e = |k: &str, v: &str| EnvEntry {
            key: k.into(),
            value: v.into(),
        };
        assert!(looks_like_credential(&e("STRIPE_SECRET", "x")));
        assert!(looks_like_credential(&e("UPSTREAM", "ghp_abcdef")));
        assert!(looks_like_credential(&e(
            "X",
            "a8F3kLq9Zt2mW7xP0vB4nR6yH1sD5gJc"
        )));
        assert!(!looks_like_credential(&e("LOG_LEVEL", "info")));
        assert!(!looks_like_credential(&e(
            "HOME_URL",
            "https://example.com/a8F3kLq9Zt2mW7xP0vB4n"
        )));
        assert!(!looks_like_credential(&e("TOKEN_TTL", "")));
    }

    #[test]
    fn raw_secrets_finds_flag_values() {
        let argv: Vec<OsString> = ["comwit-deploy", "--token", "cwt_a", "--github-token=ghs_b"]
            .iter()
            .map(OsString::from)
            .collect();
        let found = raw_secrets(&argv);
        assert!(found.contains(&"cwt_a".to_string()));
        assert!(found.contains(&"ghs_b".to_string()));
    }

    #[test]
    fn flags_parse_booleans_as_github_sends_them() {
        let argv: Vec<OsString> = [
            "comwit-deploy",
            "--create-app",
            "true",
            "--pr-comment=false",
            "--dry-run",
            "--command",
            "rollback",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let i = Inputs::parse_with(argv, false).unwrap();
        assert!(i.create_app);
        assert!(!i.pr_comment);
        assert!(i.dry_run);
        assert!(i.summary);
        assert_eq!(i.command, Command::Rollback);
        assert_eq!(i.package, PathBuf::from("dist"));
    }
}

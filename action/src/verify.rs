//! The post-deploy check (skaffold's "verify"): after the deploy, request
//! `verify-url` (or `verify-path` on the `url` output) until it answers
//! `verify-status`, retrying with back-off until `verify-timeout`; on
//! failure, optionally roll back to the build active before this deploy.
//!
//! The request goes through the reqwest client comwit-client already
//! brings. Redirects are not followed: the status checked is the one the
//! URL itself answers, so `verify-status: 301` can check a redirect.

use std::time::{Duration, Instant};

use comwit_client::api::apps::AppHandle;

use crate::failure::Failure;
use crate::github::Runner;
use crate::inputs::{Command, Inputs};
use crate::outcome::Outcome;

/// Longest `verify-timeout` accepted: a check is a smoke test, not a wait
/// for a slow rollout.
const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// First pause between attempts; doubled after each, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(8);
/// One request's own limit (less when the check's time runs out first).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// `verify-url`: an absolute http(s) URL.
pub fn parse_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let bad = || {
        format!(
            "verify-url {raw:?} is not an absolute http:// or https:// URL — write it in full, like \
             https://www.example.com/healthz (or use verify-path for a path on the deployed url)"
        )
    };
    let url = reqwest::Url::parse(raw).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad());
    }
    Ok(raw.to_string())
}

/// `verify-path`: a path starting with `/`, appended to the `url` output.
pub fn parse_path(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if !raw.starts_with('/') || raw.starts_with("//") || raw.chars().any(char::is_whitespace) {
        return Err(format!(
            "verify-path {raw:?} is not a path — start it with a single / and leave out spaces, like /healthz \
             (use verify-url for a full URL)"
        ));
    }
    Ok(raw.to_string())
}

/// `verify-status`: an HTTP status code.
pub fn parse_status(raw: &str) -> Result<u16, String> {
    raw.trim()
        .parse::<u16>()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| {
            format!(
                "verify-status {raw:?} is not an HTTP status code — give a number from 100 to 599, like 200"
            )
        })
}

/// `verify-timeout`: seconds, or a number with `s` or `m`.
pub fn parse_timeout(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (number, unit) = match raw.strip_suffix('m') {
        Some(n) => (n, 60),
        None => (raw.strip_suffix('s').unwrap_or(raw), 1),
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .map(|n| Duration::from_secs(n.saturating_mul(unit)))
        .filter(|d| !d.is_zero() && *d <= MAX_TIMEOUT)
        .ok_or_else(|| {
            format!(
                "verify-timeout {raw:?} is not a duration from 1 s to 30 m — write seconds (90), or a number with \
                 s or m (90s, 2m)"
            )
        })
}

/// What to request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Url(String),
    /// Appended to the deploy's `url` output.
    Path(String),
}

/// A validated post-deploy check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub target: Target,
    pub status: u16,
    pub timeout: Duration,
    pub rollback: bool,
}

impl Check {
    /// The check the inputs ask for, if any. The error names the input and
    /// the fix; it is raised before anything touches the platform.
    pub fn from_inputs(inputs: &Inputs) -> Result<Option<Check>, String> {
        let target = match (&inputs.verify_url, &inputs.verify_path) {
            (Some(_), Some(_)) => {
                return Err(
                    "verify-url and verify-path are both set — give one: verify-url for a full URL, \
                     verify-path for a path on the deployed url"
                        .into(),
                );
            }
            (Some(url), None) => Target::Url(url.clone()),
            (None, Some(path)) => Target::Path(path.clone()),
            (None, None) if inputs.rollback_on_failure => {
                return Err(
                    "rollback-on-failure is true but there is no check to fail — set verify-url or verify-path, \
                     or leave rollback-on-failure false"
                        .into(),
                );
            }
            (None, None) => return Ok(None),
        };
        if inputs.command != Command::Deploy {
            return Err(
                "verify-url and verify-path check a deploy — leave them out with command rollback, delete, dns-plan or dns-apply".into(),
            );
        }
        if matches!(target, Target::Path(_)) && inputs.host_list().is_empty() && !inputs.dry_run {
            return Err(
                "verify-path is appended to the url output, which needs hosts — set hosts, or give verify-url instead"
                    .into(),
            );
        }
        Ok(Some(Check {
            target,
            status: inputs.verify_status,
            timeout: inputs.verify_timeout,
            rollback: inputs.rollback_on_failure,
        }))
    }

    /// The URL requested, given the deploy's `url` output.
    pub fn url(&self, app_url: Option<&str>) -> Option<String> {
        match &self.target {
            Target::Url(url) => Some(url.clone()),
            Target::Path(path) => app_url.map(|u| format!("{}{path}", u.trim_end_matches('/'))),
        }
    }
}

/// What the last attempt saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Status(u16),
    Error(String),
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seen::Status(s) => write!(f, "status {s}"),
            Seen::Error(e) => write!(f, "no answer ({e})"),
        }
    }
}

/// Requests `url` until it answers `status` or `timeout` passes. Returns
/// the number of attempts and what the last one saw; `Ok` when it matched.
pub async fn probe(url: &str, status: u16, timeout: Duration) -> Result<u32, (u32, Seen)> {
    let http = comwit_client::http::builder()
        .user_agent(crate::resolve::USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| (0, Seen::Error(e.to_string())))?;
    let started = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let left = timeout.saturating_sub(started.elapsed());
        let seen = match http
            .get(url)
            .timeout(REQUEST_TIMEOUT.min(left).max(Duration::from_millis(100)))
            .send()
            .await
        {
            Ok(resp) => Seen::Status(resp.status().as_u16()),
            Err(e) => Seen::Error(short_error(&e)),
        };
        if seen == Seen::Status(status) {
            return Ok(attempts);
        }
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err((attempts, seen));
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// reqwest's innermost cause: "connection refused", "operation timed out".
fn short_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// `url` as it may be shown: a password in it (basic auth for a protected
/// preview) replaced by `***`.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// `verify`: runs the check on the deployed build; on failure rolls back
/// when asked, and fails the step saying what was expected and seen.
pub async fn step(
    check: &Check,
    handle: &AppHandle<'_>,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<(), Failure> {
    runner.group("verify");
    let t = Instant::now();
    let url = check.url(outcome.url().as_deref()).ok_or_else(|| {
        Failure::new(
            "Nothing to verify",
            "verify-path needs the url output, and no host was bound — set hosts",
        )
    })?;
    let shown = redacted(&url);
    runner.info(&format!(
        "GET {shown}: expecting status {} within {} s",
        check.status,
        check.timeout.as_secs()
    ));
    let result = probe(&url, check.status, check.timeout).await;
    outcome.timings.push(("verify", t.elapsed()));
    let (attempts, seen) = match result {
        Ok(attempts) => {
            let line = format!("status {} from {shown} (attempt {attempts})", check.status);
            runner.info(&line);
            outcome.verified = Some(line);
            return Ok(());
        }
        Err(failed) => failed,
    };
    let mut message = format!(
        "expected status {} from {shown} within {} s, saw {seen} (last of {attempts} attempts)",
        check.status,
        check.timeout.as_secs()
    );
    let rolled_back = if check.rollback {
        roll_back(handle, runner, outcome, &mut message).await
    } else {
        let build = outcome.build_id.as_deref().unwrap_or("the new build");
        message.push_str(&format!(
            "; build {build} stays active — set rollback-on-failure: true to roll back automatically, or run \
             command: rollback"
        ));
        false
    };
    let title = if rolled_back {
        "Post-deploy check failed, rolled back"
    } else {
        "Post-deploy check failed"
    };
    Err(Failure::new(title, message))
}

/// Re-activates the build active before this deploy; says in `message`
/// what happened. Returns whether the rollback took place.
async fn roll_back(
    handle: &AppHandle<'_>,
    runner: &Runner,
    outcome: &mut Outcome,
    message: &mut String,
) -> bool {
    let new = outcome.build_id.clone().unwrap_or_default();
    let Some(previous) = outcome.previous_build_id.clone() else {
        message.push_str(&format!(
            "; could not roll back: there was no build before {new} (this was the app's first deploy), so it stays active"
        ));
        return false;
    };
    match handle.rollback(Some(&previous)).await {
        Ok(done) => {
            runner.info(&format!(
                "rolled back: build {} is active again",
                done.active_build_id
            ));
            message.push_str(&format!(
                "; rolled back to build {} (build {new} is no longer active)",
                done.active_build_id
            ));
            outcome.rolled_back_from = Some(new);
            outcome.build_id = Some(done.active_build_id);
            true
        }
        Err(e) => {
            message.push_str(&format!(
                "; could not roll back to build {previous}: {e} — build {new} stays active; run command: rollback \
                 with build-id: {previous}"
            ));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_and_bad_ones_name_their_input() {
        assert_eq!(parse_timeout("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_timeout(" 90s ").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_timeout("2m").unwrap(), Duration::from_secs(120));
        for bad in ["0", "-1", "ten", "31m", "5h", ""] {
            let e = parse_timeout(bad).unwrap_err();
            assert!(e.starts_with("verify-timeout"), "{e}");
        }
        assert_eq!(parse_status("204").unwrap(), 204);
        for bad in ["99", "600", "ok"] {
            assert!(parse_status(bad).unwrap_err().starts_with("verify-status"));
        }
        assert!(parse_url("https://a.example.com/healthz").is_ok());
        for bad in [
            "www.example.com",
            "/healthz",
            "ftp://a.example.com/",
            "https://",
        ] {
            assert!(
                parse_url(bad).unwrap_err().starts_with("verify-url"),
                "{bad}"
            );
        }
        assert_eq!(parse_path(" /healthz ").unwrap(), "/healthz");
        for bad in ["healthz", "//evil.example.com/", "/a b"] {
            assert!(
                parse_path(bad).unwrap_err().starts_with("verify-path"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_path_is_appended_to_the_url_output() {
        let check = Check {
            target: Target::Path("/healthz".into()),
            status: 200,
            timeout: Duration::from_secs(1),
            rollback: false,
        };
        assert_eq!(
            check.url(Some("https://pr-7.preview.test")).as_deref(),
            Some("https://pr-7.preview.test/healthz")
        );
        assert_eq!(check.url(None), None);
    }

    #[test]
    fn a_password_in_the_url_is_never_shown() {
        assert_eq!(
            redacted("https://ci:hunter2@pr-7.preview.test/healthz"),
            "https://ci:***@pr-7.preview.test/healthz"
        );
        assert_eq!(redacted("http://127.0.0.1:80/x"), "http://127.0.0.1:80/x");
    }

    fn inputs(args: &[&str]) -> Result<Option<Check>, String> {
        let mut argv = vec!["comwit-deploy"];
        argv.extend_from_slice(args);
        let argv = argv.into_iter().map(std::ffi::OsString::from).collect();
        Check::from_inputs(&Inputs::parse_with(argv, false).unwrap())
    }

    #[test]
    fn inconsistent_inputs_are_refused_naming_them() {
        assert_eq!(inputs(&[]).unwrap(), None);
        let both = inputs(&[
            "--verify-url",
            "https://a.example.com/",
            "--verify-path",
            "/x",
        ]);
        assert!(
            both.unwrap_err()
                .contains("verify-url and verify-path are both set")
        );
        let alone = inputs(&["--rollback-on-failure", "true"]).unwrap_err();
        assert!(alone.starts_with("rollback-on-failure"), "{alone}");
        let no_hosts = inputs(&["--verify-path", "/healthz"]).unwrap_err();
        assert!(no_hosts.contains("needs hosts"), "{no_hosts}");
        let delete = inputs(&[
            "--command",
            "delete",
            "--verify-url",
            "https://a.example.com/",
        ]);
        assert!(delete.unwrap_err().contains("command rollback, delete"));
        let ok = inputs(&[
            "--verify-path",
            "/healthz",
            "--hosts",
            "a.example.com",
            "--verify-timeout",
            "5s",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(ok.target, Target::Path("/healthz".into()));
        assert_eq!(
            (ok.status, ok.timeout, ok.rollback),
            (200, Duration::from_secs(5), false)
        );
    }
}

//! Why a run failed, as a person reads it: a short title for the
//! annotation and a message with the problem detail and the fix.

use comwit_client::Error;

/// Where new tokens are made (the platform's console).
pub const TOKENS_URL: &str = "https://cloud.comwit.io/tokens";

/// The exit codes of `comwit-deploy` (the README lists them).
pub mod exit {
    /// The deploy or rollback failed; nothing half-done is left to check.
    pub const FAILED: u8 = 1;
    /// Invalid inputs: nothing was called.
    pub const USAGE: u8 = 2;
    /// The whole artifact was sent but no answer came back and no build
    /// with its sha256 appeared: check the app's builds before re-running.
    pub const OUTCOME_UNKNOWN: u8 = 3;
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub title: String,
    pub message: String,
    /// One of [`exit`]'s codes.
    pub exit_code: u8,
}

impl Failure {
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            message: message.into(),
            exit_code: exit::FAILED,
        }
    }

    /// A client error met while doing `what` (e.g. "uploading the build").
    pub fn api(what: &str, e: &Error) -> Self {
        if e.is_outcome_unknown() {
            return Self {
                exit_code: exit::OUTCOME_UNKNOWN,
                ..Self::new(
                    "Deploy outcome unknown",
                    format!(
                        "{what}: {e} — do not re-run this job blindly: open the app's builds \
                         (comwit-tui, or GET /v1/projects/{{project}}/apps/{{app}}/builds) and look \
                         for that sha256; if it is there the deploy landed, if not re-run the job"
                    ),
                )
            };
        }
        let (title, fix) = match e {
            Error::Package(_) => ("Cannot pack the build", String::new()),
            Error::ManagedDnsFailed { .. } => (
                "Managed DNS records not applied",
                " — the hostname is bound but its records are missing; re-run the job (a repeated attach retries without duplicating records)".to_string(),
            ),
            Error::UploadInterrupted { .. } => (
                "Upload interrupted",
                " — re-running the job is safe: an incomplete upload never becomes a build".to_string(),
            ),
            Error::Transport { ambiguous, .. } => (
                "Cannot reach the Comwit API",
                if *ambiguous {
                    " — the request may have reached the server; check the app's builds before re-running".to_string()
                } else {
                    " — check the api-url input (or COMWIT_API_URL) and the runner's network".to_string()
                },
            ),
            _ if e.is_unauthorized() => (
                "Comwit token rejected",
                format!(" — create a new token at {TOKENS_URL} and store it in the secret passed as `token`"),
            ),
            _ if e.is_forbidden() => (
                "Comwit token lacks a scope",
                format!(" — create a token with that scope at {TOKENS_URL} (or add the scope to this one) and update the secret passed as `token`"),
            ),
            _ if e.is_bad_request() => ("Comwit Cloud rejected the request", String::new()),
            _ if e.is_not_found() => ("Not found on Comwit Cloud", String::new()),
            _ if e.is_conflict() => ("Conflict on Comwit Cloud", String::new()),
            _ if e.is_too_large() => (
                "Build too large",
                " — remove what the site does not serve from the package directory".to_string(),
            ),
            _ if e.is_disabled() => ("Disabled on this Comwit deployment", String::new()),
            _ if e.is_upstream() => (
                "Comwit Cloud control plane failed",
                " — re-run the job later".to_string(),
            ),
            _ => ("Comwit deploy failed", String::new()),
        };
        Self::new(title, format!("{what}: {e}{fix}"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::new(
            "Cannot write the step's outputs",
            format!(
                "writing GITHUB_OUTPUT or GITHUB_STEP_SUMMARY failed: {e} — check the runner's disk space"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_says_which_scope_and_the_fix() {
        let e = Error::Api {
            route: "POST /v1/projects/p/apps/a/deployments".into(),
            status: 403,
            problem: Box::new(comwit_client::Problem {
                detail: Some("token lacks scope".into()),
                ..Default::default()
            }),
            hint: Some("this route needs a token with the app:deploy scope".into()),
        };
        let f = Failure::api("uploading the build", &e);
        assert_eq!(f.title, "Comwit token lacks a scope");
        assert!(f.message.contains("app:deploy"), "{}", f.message);
        assert!(f.message.contains(TOKENS_URL), "{}", f.message);
        assert!(f.message.starts_with("uploading the build: "));
    }
}

//! What the user is told: short-lived toasts and error dialogs that stay
//! until dismissed. API errors become a dialog that says what happened in
//! operator terms (the missing scope on 403, "disabled" on 501, "upstream,
//! retry" on 502).

use std::time::{Duration, Instant};

use comwit_client::Error;

use crate::tree::NodeKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    pub until: Instant,
}

pub const TOAST_LIFETIME: Duration = Duration::from_secs(5);

impl Toast {
    pub fn new(level: Level, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            level,
            until: Instant::now() + TOAST_LIFETIME,
        }
    }
}

/// An error dialog. `retry` names the view to ask to repeat its last
/// request (offered for 502 and transport failures).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub title: String,
    pub lines: Vec<String>,
    pub retry: Option<NodeKey>,
}

impl Notice {
    /// `what` says what was being done ("Rolling back web").
    pub fn from_error(what: &str, err: &Error, view: Option<&NodeKey>) -> Self {
        let detail = err.to_string();
        let (title, advice, retryable) = match err.status() {
            Some(403) => (
                "Forbidden",
                "Your token lacks the scope or project membership this needs; \
                 ask for a token with that scope, or use an operator token.",
                false,
            ),
            Some(401) => (
                "Not signed in",
                "The token was refused; sign in again (device login) or set COMWIT_TOKEN.",
                false,
            ),
            Some(404) => (
                "Not found",
                "It may have been removed elsewhere; press r to refresh.",
                false,
            ),
            Some(409) => (
                "Conflict",
                "The change clashes with existing state (see the detail); nothing was changed.",
                false,
            ),
            Some(501) => (
                "Capability disabled",
                "This deployment has the capability switched off (project domain management \
                 is off by default); an operator can enable it.",
                false,
            ),
            Some(502) => (
                "Upstream failure",
                "A control plane behind the API (Louhi or brrrd) failed; this may pass.",
                true,
            ),
            Some(413) => (
                "Too large",
                "The artifact is over the upload limit; trim the build directory.",
                false,
            ),
            _ if err.is_outcome_unknown() => (
                "Deploy outcome unknown",
                "The whole artifact was sent but no answer came back, and no build with its \
                 sha256 appeared while we watched. Open the builds list (r to refresh) and look \
                 for it before deploying again: deploying now may make a second build.",
                false,
            ),
            _ if matches!(err, Error::UploadInterrupted { .. }) => (
                "Upload interrupted",
                "No build was created (an incomplete upload never becomes one); deploying again is safe.",
                false,
            ),
            _ if err.is_ambiguous() => (
                "Outcome unknown",
                "The connection broke after the request was sent: it may have taken effect. \
                 Refresh and check before trying again.",
                false,
            ),
            _ if err.is_transport() => ("Network error", "The API could not be reached.", true),
            _ => ("Failed", "", false),
        };
        let mut lines = vec![format!("{what} failed."), detail];
        if !advice.is_empty() {
            lines.push(advice.to_string());
        }
        Self {
            title: title.to_string(),
            lines,
            retry: if retryable { view.cloned() } else { None },
        }
    }

    pub fn message(title: &str, lines: Vec<String>) -> Self {
        Self {
            title: title.to_string(),
            lines,
            retry: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comwit_client::Problem;

    fn api(status: u16, hint: Option<&str>) -> Error {
        Error::Api {
            route: "GET /v1/projects".into(),
            status,
            problem: Box::new(Problem {
                detail: Some("nope".into()),
                ..Default::default()
            }),
            hint: hint.map(str::to_string),
        }
    }

    #[test]
    fn statuses_become_operator_advice() {
        let n = Notice::from_error("Listing", &api(403, Some("needs scope app:read")), None);
        assert_eq!(n.title, "Forbidden");
        assert!(n.lines.iter().any(|l| l.contains("app:read")), "{n:?}");
        assert!(n.retry.is_none());
        let key = NodeKey::Root;
        let n = Notice::from_error("Listing", &api(502, None), Some(&key));
        assert_eq!(n.retry, Some(NodeKey::Root), "502 offers a retry");
        let n = Notice::from_error("Adding", &api(501, None), Some(&key));
        assert!(n.lines.iter().any(|l| l.contains("switched off")));
        assert!(n.retry.is_none());
    }

    #[test]
    fn an_unknown_deploy_outcome_says_to_look_before_deploying_again() {
        let err = Error::DeployOutcomeUnknown {
            route: "POST /v1/projects/p/apps/a/deployments".into(),
            cause: "connection reset".into(),
            sha256: "ab".repeat(32),
            waited_secs: 60,
        };
        let n = Notice::from_error("Deploy", &err, None);
        assert_eq!(n.title, "Deploy outcome unknown");
        let text = n.lines.join("\n");
        assert!(text.contains(&"ab".repeat(32)), "names the sha256: {text}");
        assert!(text.contains("second build"), "{text}");
        assert!(n.retry.is_none(), "no one-key retry of an unknown deploy");
    }
}

//! What the user is told: short-lived toasts and error dialogs that stay
//! until dismissed. API errors become a dialog that says what happened in
//! operator terms (the missing scope on 403, "disabled" on 501, "upstream,
//! retry" on 502).

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use comwit_client::Error;

use crate::tree::NodeKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    /// An error dialog (kept in the message log like the toasts).
    Error,
}

/// Work a progress toast stands for: the view that started it and what
/// it is ("rollback"). The toast posted when the work ends under the same
/// key replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkKey {
    pub view: NodeKey,
    pub work: &'static str,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    /// When it goes; `None` while the work it reports is running.
    pub until: Option<Instant>,
    /// The work this toast reports on, if any.
    pub work: Option<WorkKey>,
}

pub const TOAST_LIFETIME: Duration = Duration::from_secs(5);

impl Toast {
    pub fn new(level: Level, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            level,
            until: Some(Instant::now() + TOAST_LIFETIME),
            work: None,
        }
    }

    /// "rolling back…": stays until the work's outcome replaces it.
    pub fn progress(work: WorkKey, text: impl Into<String>) -> Self {
        Self {
            until: None,
            work: Some(work),
            ..Self::new(Level::Info, text)
        }
    }

    /// The outcome of `work`: replaces its progress toast, then expires.
    pub fn outcome(work: WorkKey, level: Level, text: impl Into<String>) -> Self {
        Self {
            work: Some(work),
            ..Self::new(level, text)
        }
    }

    pub fn expired(&self, now: Instant) -> bool {
        self.until.is_some_and(|until| until <= now)
    }
}

/// The toasts on screen. A toast for some work replaces the one before it
/// for the same work, so "rolling back…" gives way to its result.
#[derive(Debug, Default)]
pub struct Toasts(Vec<Toast>);

impl Toasts {
    pub fn push(&mut self, toast: Toast) {
        if let Some(work) = &toast.work {
            self.0.retain(|t| t.work.as_ref() != Some(work));
        }
        self.0.push(toast);
    }

    /// The work ended without a toast of its own (an error dialog says it).
    pub fn end(&mut self, work: &WorkKey) {
        self.0.retain(|t| t.work.as_ref() != Some(work));
    }

    pub fn expire(&mut self, now: Instant) {
        self.0.retain(|t| !t.expired(now));
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Toast> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One line of the message log.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub at: SystemTime,
    pub level: Level,
    pub text: String,
}

/// Everything the dashboard told the user (toasts and error dialogs),
/// oldest first, for `:messages`. Bounded: the oldest go first.
#[derive(Debug)]
pub struct MessageLog {
    entries: VecDeque<Message>,
    capacity: usize,
}

/// How many messages `:messages` keeps.
pub const MESSAGE_LOG_CAPACITY: usize = 500;

impl Default for MessageLog {
    fn default() -> Self {
        Self::with_capacity(MESSAGE_LOG_CAPACITY)
    }
}

impl MessageLog {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
        }
    }

    pub fn record(&mut self, level: Level, text: impl Into<String>) {
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(Message {
            at: SystemTime::now(),
            level,
            text: text.into(),
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Message> {
        self.entries.iter()
    }

    /// `14:03:27 ✓ deployed build-1`: one line per message, local time.
    pub fn lines(&self) -> Vec<String> {
        self.iter()
            .map(|m| {
                let mark = match m.level {
                    Level::Info => "·",
                    Level::Success => "✓",
                    Level::Warning => "!",
                    Level::Error => "✗",
                };
                format!("{} {mark} {}", local_clock(m.at), m.text)
            })
            .collect()
    }
}

/// `HH:MM:SS` in the local time zone (the operator's wall clock).
#[cfg(unix)]
pub fn local_clock(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as libc::time_t;
    // SAFETY: `localtime_r` writes only into `tm`, which lives on this
    // stack frame; a zeroed `tm` is a valid value of that plain C struct.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        return utc_clock(at);
    }
    format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
}

/// Elsewhere the time zone is not known without more dependencies: UTC,
/// said so.
#[cfg(not(unix))]
pub fn local_clock(at: SystemTime) -> String {
    utc_clock(at)
}

fn utc_clock(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}Z", day / 3600, day % 3600 / 60, day % 60)
}

/// An error dialog. `retry` names the view to ask to repeat its last
/// request (offered for 502 and transport failures).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub title: String,
    pub lines: Vec<String>,
    pub retry: Option<NodeKey>,
}

/// A 403 to the operator token: scopes and membership cannot be the cause,
/// so it is the platform refusing that token on the route (the docs say it
/// may, on project routes). The fix is a user's token.
const OPERATOR_REFUSED: &str = "This platform refuses the operator token here (the docs \
    disagree on whether it bypasses project routes). Use a user's cwt_ token for project \
    work: :ctx switches to a user context (the sandbox's demo user, or your saved token), \
    and :login signs one in.";

impl Notice {
    /// As [`from_error`](Self::from_error), for a session on the operator
    /// token, where a 403 means something else.
    pub fn from_operator_error(what: &str, err: &Error, view: Option<&NodeKey>) -> Self {
        let mut notice = Self::from_error(what, err, view);
        if err.status() == Some(403)
            && let Some(advice) = notice.lines.last_mut()
        {
            *advice = OPERATOR_REFUSED.to_string();
        }
        notice
    }

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

    #[test]
    fn the_message_log_is_bounded_and_keeps_the_newest_last() {
        let mut log = MessageLog::with_capacity(3);
        for i in 0..5 {
            log.record(Level::Info, format!("m{i}"));
        }
        let texts: Vec<_> = log.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["m2", "m3", "m4"]);
        let line = &log.lines()[2];
        assert!(line.ends_with("· m4"), "{line}");
        assert_eq!(line.as_bytes()[2], b':', "a clock first: {line}");
    }

    #[test]
    fn an_outcome_replaces_its_progress_toast_only() {
        let work = |w| WorkKey {
            view: NodeKey::Root,
            work: w,
        };
        let mut toasts = Toasts::default();
        toasts.push(Toast::progress(work("rollback"), "rolling back…"));
        toasts.push(Toast::progress(work("retry"), "retrying…"));
        assert!(
            !toasts
                .iter()
                .next()
                .unwrap()
                .expired(Instant::now() + TOAST_LIFETIME * 100)
        );
        toasts.push(Toast::outcome(
            work("rollback"),
            Level::Success,
            "rolled back",
        ));
        let texts: Vec<_> = toasts.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["retrying…", "rolled back"]);
        toasts.end(&work("retry"));
        assert_eq!(toasts.iter().count(), 1);
        toasts.expire(Instant::now() + TOAST_LIFETIME);
        assert!(toasts.is_empty(), "the outcome expires like any toast");
    }

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

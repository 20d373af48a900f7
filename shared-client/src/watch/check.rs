//! The check after each deploy (`--check PATH`): a `GET` of the deployed
//! site, repeated with back-off until it answers the expected status or
//! the time is up. Its result rides on the deploy's record; a failed check
//! is reported, and watching goes on (the next change deploys again).

use std::time::{Duration, Instant};

/// What to ask after each deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The absolute URL (the sandbox's site, or `https://` and a host,
    /// with the path).
    pub url: String,
    pub expect: u16,
    /// How long to keep asking.
    pub within: Duration,
}

/// How the check went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub url: String,
    /// The last status seen (`None`: no answer at all).
    pub status: Option<u16>,
    pub ok: bool,
    pub attempts: u32,
    /// Why the last attempt got no answer.
    pub error: Option<String>,
}

/// Asks until `check.expect` answers or `check.within` has passed.
pub async fn run(check: &Check) -> Checked {
    let http = crate::http::client();
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut last = Checked {
        url: check.url.clone(),
        status: None,
        ok: false,
        attempts: 0,
        error: None,
    };
    loop {
        last.attempts += 1;
        let left = check.within.saturating_sub(started.elapsed());
        let answer = http
            .get(&check.url)
            .timeout(left.clamp(Duration::from_millis(100), Duration::from_secs(5)))
            .send()
            .await;
        match answer {
            Ok(r) => {
                last.status = Some(r.status().as_u16());
                last.error = None;
            }
            Err(e) => last.error = Some(e.to_string()),
        }
        last.ok = last.status == Some(check.expect);
        if last.ok || started.elapsed() + delay >= check.within {
            return last;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

impl Checked {
    /// `check GET URL → 200` or why not.
    pub fn line(&self) -> String {
        match (self.ok, self.status, &self.error) {
            (true, Some(s), _) => format!("check GET {} → {s}", self.url),
            (false, Some(s), _) => format!(
                "check failed: GET {} answered {s} (after {} attempt(s))",
                self.url, self.attempts
            ),
            (false, None, Some(e)) => format!("check failed: GET {}: {e}", self.url),
            _ => format!("check failed: GET {} did not answer", self.url),
        }
    }
}

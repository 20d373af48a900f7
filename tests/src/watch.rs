//! Watch mode (`comwit_client::watch::run`) in the background of a test:
//! its events collected as they come, waited for with a deadline, and a
//! stop that ends it for certain.

use std::path::PathBuf;
use std::time::Duration;

use comwit_client::Client;
use comwit_client::watch::{Control, DeployRecord, WatchEvent, WatchOptions, run};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// How long `until` waits for an event.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Watching `package` (a build directory) for `app`, with the default
/// debounce and nothing extra ignored.
pub fn options(project: &str, app: &str, package: impl Into<PathBuf>) -> WatchOptions {
    WatchOptions {
        project: project.to_string(),
        app: app.to_string(),
        package: package.into(),
        build: None,
        source: None,
        deploy: Default::default(),
        ignore: Vec::new(),
        debounce: WatchOptions::DEFAULT_DEBOUNCE,
        max_wait: WatchOptions::DEFAULT_MAX_WAIT,
        check: None,
    }
}

/// Watch mode running in the background, and the events it sent so far.
pub struct Watching {
    events: UnboundedReceiver<WatchEvent>,
    pub control: UnboundedSender<Control>,
    pub seen: Vec<WatchEvent>,
}

impl Watching {
    /// Starts watch mode and waits for its first phase: from then on a
    /// change is seen.
    pub async fn start(client: Client, options: WatchOptions) -> Self {
        let (tx, events) = unbounded_channel();
        let (control, rx) = unbounded_channel();
        tokio::spawn(run(client, options, tx, rx));
        let mut w = Self {
            events,
            control,
            seen: Vec::new(),
        };
        w.until(|e| matches!(e, WatchEvent::Phase(_))).await;
        w
    }

    /// Collects events until one matches (`DEADLINE` at most); returns it.
    pub async fn until(&mut self, want: impl Fn(&WatchEvent) -> bool) -> WatchEvent {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) => {
                    self.seen.push(e.clone());
                    if want(&e) {
                        return e;
                    }
                }
                _ => panic!("no such event; seen: {:#?}", self.seen),
            }
        }
    }

    /// Collects events for `d` (to show that nothing else happens).
    pub async fn quiet_for(&mut self, d: Duration) {
        let end = tokio::time::Instant::now() + d;
        while let Ok(Some(e)) = tokio::time::timeout_at(end, self.events.recv()).await {
            self.seen.push(e);
        }
    }

    pub fn count(&self, f: impl Fn(&WatchEvent) -> bool) -> usize {
        self.seen.iter().filter(|e| f(e)).count()
    }

    /// Deploys seen so far.
    pub fn deploys(&self) -> usize {
        self.count(|e| matches!(e, WatchEvent::Deployed(_)))
    }

    /// Waits for the next deploy.
    pub async fn deployed(&mut self) -> DeployRecord {
        match self.until(|e| matches!(e, WatchEvent::Deployed(_))).await {
            WatchEvent::Deployed(record) => record,
            _ => unreachable!("until returns a match"),
        }
    }

    /// Stops watching (a running deploy finishes first) and returns every
    /// deploy it made: after `Stopped` no other can come.
    pub async fn stop(mut self) -> Vec<DeployRecord> {
        let _ = self.control.send(Control::Stop);
        self.until(|e| *e == WatchEvent::Stopped).await;
        self.seen
            .into_iter()
            .filter_map(|e| match e {
                WatchEvent::Deployed(record) => Some(record),
                _ => None,
            })
            .collect()
    }
}

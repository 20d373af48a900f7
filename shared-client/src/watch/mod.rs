//! Watch mode: redeploy an app when its files change.
//!
//! The file side ([`fs`]) watches directories that are not ignored
//! ([`ignore`]); the policy ([`policy`]) turns bursts of changes into one
//! deploy after a quiet period (with a maximum wait), never runs two at
//! once and queues at most one follow-up; each cycle ([`cycle`]) builds,
//! packs, skips an artifact identical to the active build, and uploads
//! with `deploy_safely`. Everything that happens is reported as a
//! [`WatchEvent`]; the caller steers with [`Control`].

pub mod check;
pub mod cycle;
pub mod fs;
pub mod ignore;
pub mod policy;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

use crate::Client;
use crate::models::DeployOptions;
use cycle::Outcome;
use policy::{Batcher, Next, Queue};

/// What to watch and deploy.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub project: String,
    /// The app's id.
    pub app: String,
    /// What is deployed: a build directory (or a `.tar.zst` the build writes).
    pub package: PathBuf,
    /// Run in `source` on each change before packing.
    pub build: Option<String>,
    /// Watched when a build command is given (default: the package).
    pub source: Option<PathBuf>,
    /// What each deploy carries besides the artifact (hosts to bind,
    /// env-ref, concurrency cap).
    pub deploy: DeployOptions,
    /// More trees to leave alone (gitignore syntax).
    pub ignore: Vec<String>,
    /// Quiet period before a batch deploys.
    pub debounce: Duration,
    /// A batch deploys at most this long after its first change.
    pub max_wait: Duration,
    /// Asked after each deploy (see [`check`]).
    pub check: Option<check::Check>,
}

impl WatchOptions {
    pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(300);
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10);

    /// The same options with `package` and `source` made absolute against
    /// the current directory (`dist`, `./dist`): file events name absolute
    /// paths, and a relative root would match none of them.
    pub fn absolute(mut self) -> std::io::Result<Self> {
        self.package = std::path::absolute(&self.package)?;
        if let Some(source) = &self.source {
            self.source = Some(std::path::absolute(source)?);
        } else if self.build.is_some() {
            self.source = Some(std::env::current_dir()?);
        }
        Ok(self)
    }

    /// The directory watched: the source when there is a build step,
    /// otherwise the package directory (or the directory holding a
    /// `.tar.zst` package).
    pub fn watched_root(&self) -> PathBuf {
        match (&self.build, &self.source) {
            (Some(_), Some(source)) => source.clone(),
            (Some(_), None) => PathBuf::from("."),
            (None, _) if self.package.is_file() => self
                .package
                .parent()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".")),
            (None, _) => self.package.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Building,
    Packing,
    Uploading,
    Deployed,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Building => "building",
            Phase::Packing => "packing",
            Phase::Uploading => "uploading",
            Phase::Deployed => "deployed",
            Phase::Failed => "failed",
        }
    }
}

/// One deploy made by the watcher.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployRecord {
    pub build_id: String,
    /// Active before this deploy (what a rollback returns to).
    pub previous_build_id: Option<String>,
    pub sha256: String,
    pub size: u64,
    /// File changes in the batch that triggered it.
    pub changes: usize,
    pub duration: Duration,
    /// The check after the deploy, when one was asked for.
    pub checked: Option<check::Checked>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    Watching {
        root: PathBuf,
        directories: usize,
    },
    /// A batch of changes fired.
    Changed {
        changes: usize,
    },
    /// A batch fired during a deploy: it runs when that one ends.
    Queued,
    Phase(Phase),
    BuildOutput(String),
    Upload {
        sent: u64,
        total: u64,
    },
    Deployed(DeployRecord),
    Skipped {
        reason: String,
    },
    Failed {
        stage: &'static str,
        error: String,
    },
    Paused(bool),
    Notice(String),
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    /// Let a running deploy finish, then stop.
    Stop,
    /// Stop now, abandoning a running deploy.
    Abort,
}

/// Watches and deploys until stopped. Fails only when watching cannot
/// start (a bad path, the inotify limit); build and deploy failures are
/// reported as events and watching goes on.
pub async fn run(
    client: Client,
    options: WatchOptions,
    events: UnboundedSender<WatchEvent>,
    mut control: UnboundedReceiver<Control>,
) -> crate::Result<()> {
    let options = absolute(options)?;
    let root = options.watched_root();
    let mut watcher = start_watcher(&options, &root)?;
    let emit = |e: WatchEvent| {
        let _ = events.send(e);
    };
    emit(WatchEvent::Watching {
        root: root.clone(),
        directories: watcher.watched_dirs(),
    });
    let mut last_sha = active_sha(&client, &options).await;
    let options = Arc::new(options);
    let mut batch = Batcher::new(options.debounce, options.max_wait);
    let mut queue = Queue::default();
    let mut running: Option<JoinHandle<Outcome>> = None;
    let mut pending_changes = 0usize;
    let mut paused = false;
    let mut stopping = false;
    emit(WatchEvent::Phase(Phase::Idle));

    let start = |changes: usize, last: Option<String>| {
        tokio::spawn(cycle::run(
            client.clone(),
            options.clone(),
            last,
            changes,
            events.clone(),
        ))
    };

    loop {
        let deadline = batch.deadline();
        tokio::select! {
            signals = watcher.next() => {
                let Some(signals) = signals else { break };
                forward_signals(signals, &mut batch, &emit);
            }
            _ = sleep_until(deadline), if deadline.is_some() && !paused => {
                let Some(changes) = batch.fire(std::time::Instant::now()) else { continue };
                emit(WatchEvent::Changed { changes });
                match queue.fired() {
                    Next::Start => running = Some(start(changes, last_sha.clone())),
                    Next::Queued => {
                        pending_changes = changes;
                        emit(WatchEvent::Queued);
                    }
                    Next::AlreadyQueued => pending_changes += changes,
                }
            }
            outcome = async { running.as_mut().expect("guarded").await }, if running.is_some() => {
                running = None;
                if let Some(sha) = report_outcome(outcome, &emit) {
                    last_sha = Some(sha);
                }
                if stopping {
                    break;
                }
                if queue.finished() {
                    let changes = std::mem::take(&mut pending_changes);
                    running = Some(start(changes, last_sha.clone()));
                }
            }
            c = control.recv() => {
                if on_control(c, &mut running, &mut paused, &mut stopping, &emit) {
                    break;
                }
            }
        }
    }
    emit(WatchEvent::Stopped);
    Ok(())
}

/// The options with their paths resolved against the current directory.
fn absolute(options: WatchOptions) -> crate::Result<WatchOptions> {
    options.absolute().map_err(|e| {
        crate::Error::Config(format!(
            "cannot resolve the watched paths against the current directory: {e}"
        ))
    })
}

/// Starts watching `root`, leaving alone what the options ignore.
fn start_watcher(options: &WatchOptions, root: &Path) -> crate::Result<fs::FsWatcher> {
    // A build that writes into the watched source must not trigger itself.
    let mut extra = Vec::new();
    if options.build.is_some()
        && let (Ok(pkg), Ok(src)) = (options.package.canonicalize(), root.canonicalize())
        && pkg.starts_with(&src)
        && pkg != src
    {
        extra.push(root.join(pkg.strip_prefix(&src).unwrap_or(&pkg)));
    }
    let ignores =
        ignore::Ignores::new(root, &options.ignore, extra).map_err(crate::Error::Config)?;
    fs::FsWatcher::start(root, ignores).map_err(crate::Error::Config)
}

/// The active build's digest: an unchanged artifact is not uploaded.
async fn active_sha(client: &Client, options: &WatchOptions) -> Option<String> {
    client
        .apps(&options.project)
        .app(&options.app)
        .builds()
        .await
        .ok()
        .and_then(|b| b.into_iter().find(|b| b.active))
        .and_then(|b| b.sha256)
}

/// Feeds the watcher's changes to the batcher and reports the rest.
fn forward_signals(signals: Vec<fs::Signal>, batch: &mut Batcher, emit: &impl Fn(WatchEvent)) {
    for s in signals {
        match s {
            fs::Signal::Changes { count, at } => batch.change(at, count),
            fs::Signal::Notice(n) => emit(WatchEvent::Notice(n)),
            fs::Signal::Error(e) => emit(WatchEvent::Notice(format!("watcher: {e}"))),
        }
    }
}

/// Reports how a cycle ended; the digest it deployed, if it did.
fn report_outcome(
    outcome: Result<Outcome, tokio::task::JoinError>,
    emit: &impl Fn(WatchEvent),
) -> Option<String> {
    match outcome {
        Ok(Outcome::Deployed(record)) => {
            let sha = record.sha256.clone();
            emit(WatchEvent::Deployed(record));
            emit(WatchEvent::Phase(Phase::Deployed));
            return Some(sha);
        }
        Ok(Outcome::Unchanged { sha256 }) => {
            emit(WatchEvent::Skipped {
                reason: format!(
                    "unchanged: the artifact (sha256 {}) is the active build",
                    &sha256[..12.min(sha256.len())]
                ),
            });
            emit(WatchEvent::Phase(Phase::Idle));
        }
        Ok(Outcome::Failed { stage, error }) => {
            emit(WatchEvent::Failed { stage, error });
            emit(WatchEvent::Phase(Phase::Failed));
        }
        Err(e) => {
            emit(WatchEvent::Failed {
                stage: "deploy",
                error: format!("the deploy task stopped: {e}"),
            });
            emit(WatchEvent::Phase(Phase::Failed));
        }
    }
    None
}

/// Applies a control message; true when watching must end now.
fn on_control(
    c: Option<Control>,
    running: &mut Option<JoinHandle<Outcome>>,
    paused: &mut bool,
    stopping: &mut bool,
    emit: &impl Fn(WatchEvent),
) -> bool {
    match c {
        Some(Control::Pause) => {
            *paused = true;
            emit(WatchEvent::Paused(true));
        }
        Some(Control::Resume) => {
            *paused = false;
            emit(WatchEvent::Paused(false));
        }
        Some(Control::Stop) | None => {
            if running.is_none() {
                return true;
            }
            *stopping = true;
            emit(WatchEvent::Notice(
                "stopping after the running deploy".into(),
            ));
        }
        Some(Control::Abort) => {
            if let Some(task) = running.take() {
                task.abort();
                emit(WatchEvent::Notice(
                    "deploy aborted: it may or may not have landed; list builds before deploying again".into(),
                ));
            }
            return true;
        }
    }
    false
}

async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

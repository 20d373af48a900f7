//! The file-system side: one non-recursive watch per directory that is
//! not ignored (editors save by rename, so directories, never single
//! files), new directories picked up as they appear, a rescan when the OS
//! says events were lost, and a watched root that is deleted and
//! recreated (build tools wipe `dist/`) picked up again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind};
use notify::{ErrorKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::ignore::Ignores;

/// The debouncer only merges an editor's burst of events for one file;
/// the quiet period itself is the policy's, measured from event times, so
/// this delay hides inside it. Its thread wakes every `TICK`: the only
/// cost of idling.
const MERGE_WINDOW: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(50);

/// What the engine hears from the file system.
#[derive(Debug)]
pub enum Signal {
    /// Relevant changes, with the time the first of them happened.
    Changes {
        count: usize,
        at: Instant,
    },
    /// Something to tell the user (root gone or back, a rescan).
    Notice(String),
    Error(String),
}

pub struct FsWatcher {
    debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    root: PathBuf,
    ignores: Ignores,
    watched: HashSet<PathBuf>,
    /// The root is gone; its parent is watched until it comes back.
    root_missing: bool,
    raw: UnboundedReceiver<DebounceEventResult>,
}

/// The error for a full inotify table, with the fix.
pub fn limit_error(watched: usize) -> String {
    format!(
        "the system's limit on file watches is reached ({watched} directories watched here); \
         raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (persist it in /etc/sysctl.d/), \
         or --ignore large directories"
    )
}

impl FsWatcher {
    pub fn start(root: &Path, ignores: Ignores) -> Result<Self, String> {
        let (tx, raw): (UnboundedSender<DebounceEventResult>, _) = unbounded_channel();
        let debouncer = new_debouncer(MERGE_WINDOW, Some(TICK), move |r: DebounceEventResult| {
            let _ = tx.send(r);
        })
        .map_err(|e| format!("starting the file watcher: {e}"))?;
        let mut w = Self {
            debouncer,
            root: root.to_path_buf(),
            ignores,
            watched: HashSet::new(),
            root_missing: false,
            raw,
        };
        if !root.is_dir() {
            return Err(format!(
                "{} is not a directory: watch the directory your files are in",
                root.display()
            ));
        }
        w.watch_tree(root)?;
        Ok(w)
    }

    pub fn watched_dirs(&self) -> usize {
        self.watched.len()
    }

    fn watch_dir(&mut self, dir: &Path) -> Result<(), String> {
        if self.watched.contains(dir) {
            return Ok(());
        }
        match self.debouncer.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                self.watched.insert(dir.to_path_buf());
                Ok(())
            }
            Err(e) if matches!(e.kind, ErrorKind::MaxFilesWatch) => {
                Err(limit_error(self.watched.len()))
            }
            // Gone between the walk and the watch: nothing to watch.
            Err(e) if matches!(&e.kind, ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound) => {
                Ok(())
            }
            Err(e) if matches!(e.kind, ErrorKind::PathNotFound) => Ok(()),
            Err(e) => Err(format!("watching {}: {e}", dir.display())),
        }
    }

    fn watch_tree(&mut self, dir: &Path) -> Result<(), String> {
        for d in self.ignores.directories(dir) {
            self.watch_dir(&d)?;
        }
        Ok(())
    }

    /// Drops every watch and walks the tree again.
    fn rewatch(&mut self) -> Result<(), String> {
        for d in std::mem::take(&mut self.watched) {
            let _ = self.debouncer.unwatch(&d);
        }
        self.watch_tree(&self.root.clone())
    }

    /// The next batch of signals (None when the watcher stopped).
    pub async fn next(&mut self) -> Option<Vec<Signal>> {
        let raw = self.raw.recv().await?;
        Some(self.interpret(raw))
    }

    fn interpret(&mut self, raw: DebounceEventResult) -> Vec<Signal> {
        let events = match raw {
            Ok(events) => events,
            Err(errors) => return self.error_signals(errors),
        };
        let mut out = Vec::new();
        let mut count = 0;
        let mut first: Option<Instant> = None;
        let mut rescan = false;
        for ev in events {
            if ev.need_rescan() {
                rescan = true;
                first = Some(first.map_or(ev.time, |f| f.min(ev.time)));
                continue;
            }
            // Reads (the packer reading the package) are not changes.
            if matches!(ev.kind, EventKind::Access(_) | EventKind::Other) {
                continue;
            }
            for path in &ev.paths {
                if self.path_changed(path, &ev.kind, &mut out) {
                    count += 1;
                    first = Some(first.map_or(ev.time, |f| f.min(ev.time)));
                }
            }
        }
        if self.root_returned(&mut out) {
            rescan = true;
            first = Some(first.unwrap_or_else(Instant::now));
        }
        if rescan {
            if let Err(e) = self.rewatch() {
                out.push(Signal::Error(e));
            }
            count += 1;
        }
        if count > 0 {
            out.push(Signal::Changes {
                count,
                at: first.unwrap_or_else(Instant::now),
            });
        }
        out
    }

    fn error_signals(&self, errors: Vec<notify::Error>) -> Vec<Signal> {
        let mut out = Vec::new();
        for e in errors {
            out.push(Signal::Error(
                if matches!(e.kind, ErrorKind::MaxFilesWatch) {
                    limit_error(self.watched.len())
                } else {
                    e.to_string()
                },
            ));
        }
        out
    }

    /// One path of an event: notices the root removed, watches a new
    /// directory; true when it counts as a change.
    fn path_changed(&mut self, path: &Path, kind: &EventKind, out: &mut Vec<Signal>) -> bool {
        if path == self.root && !self.root.exists() {
            self.root_removed(out);
            return false;
        }
        if !path.starts_with(&self.root) {
            return false; // the parent's other entries
        }
        let is_dir = path.is_dir();
        if self.ignores.ignored(path, is_dir) {
            return false;
        }
        let appeared = matches!(
            kind,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
        );
        if is_dir
            && appeared
            && let Err(e) = self.watch_tree(path)
        {
            out.push(Signal::Error(e));
        }
        true
    }

    /// The root was deleted: its parent is watched until it comes back.
    fn root_removed(&mut self, out: &mut Vec<Signal>) {
        if !self.root_missing {
            self.root_missing = true;
            self.watched.clear();
            if let Some(parent) = self.root.parent().map(Path::to_path_buf) {
                let _ = self.watch_dir(&parent);
            }
            out.push(Signal::Notice(format!(
                "{} was removed; waiting for it to come back",
                self.root.display()
            )));
        }
    }

    /// Whether the deleted root is back; its parent is no longer watched.
    fn root_returned(&mut self, out: &mut Vec<Signal>) -> bool {
        if !(self.root_missing && self.root.is_dir()) {
            return false;
        }
        self.root_missing = false;
        if let Some(parent) = self.root.parent().map(Path::to_path_buf) {
            let _ = self.debouncer.unwatch(&parent);
            self.watched.remove(&parent);
        }
        out.push(Signal::Notice(format!(
            "{} is back; watching it again",
            self.root.display()
        )));
        true
    }
}

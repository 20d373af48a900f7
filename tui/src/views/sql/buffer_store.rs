//! The buffers file's worker, one per console: it reads the file when the
//! console opens, then saves what the console hands it, on the blocking
//! pool so the UI task never waits on the disk (as `journal.rs` does for
//! the history).
//!
//! Saves are debounced: a change only marks the buffers touched; the
//! worker asks for them ([`Report::SaveDue`]) a moment after the first
//! touch, so a burst of typing costs one write, and at most that moment
//! of typing is at risk. The console hands over its buffers once more
//! when it closes; [`all_saved`] lets the dashboard wait for those last
//! writes before the process exits.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use super::buffer_file::{BuffersFile, Saved};
use crate::blocking;

/// How long after a change the buffers are saved.
pub const DEBOUNCE: Duration = Duration::from_millis(700);

/// What the worker tells the console.
#[derive(Debug)]
pub enum Report {
    /// What the file held (`None`: no file yet), read once at the start.
    Loaded(Option<Saved>),
    /// The file was refused (damaged, too large, unreadable): why, and
    /// what became of it.
    Refused(String),
    /// A change was made a moment ago: hand over the buffers.
    SaveDue,
    /// A save failed (the buffers stay in memory).
    Failed(String),
}

enum Job {
    Touched,
    Save(Saved),
}

/// The console's end of the worker; dropping it lets the worker finish
/// the saves already handed over, then stop.
pub struct Store {
    jobs: UnboundedSender<Job>,
}

/// One turn per file: a console's worker holds it from its read to its
/// last write, so a console reopened on the same database (or the next
/// dashboard of this process) reads what the previous one saved last.
static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

fn turn_of(file: &BuffersFile) -> Arc<tokio::sync::Mutex<()>> {
    let mut turns = TURNS.lock().unwrap_or_else(|e| e.into_inner());
    turns.entry(file.path().to_path_buf()).or_default().clone()
}

/// Waits (up to `within`) until every closed console's last save is
/// written; false if some were still writing. Consoles still open keep
/// their turn, so call this once they are gone.
pub async fn all_saved(within: Duration) -> bool {
    let turns: Vec<_> = {
        let turns = TURNS.lock().unwrap_or_else(|e| e.into_inner());
        turns.values().cloned().collect()
    };
    let settle = async {
        for turn in turns {
            drop(turn.lock().await);
        }
    };
    tokio::time::timeout(within, settle).await.is_ok()
}

impl Store {
    /// Starts the worker on `file`; `report` sends its news to the console
    /// (false once the console has gone).
    pub fn start(
        file: BuffersFile,
        report: impl Fn(Report) -> bool + Send + Sync + 'static,
    ) -> Self {
        let (jobs, queue) = unbounded_channel();
        let turn = turn_of(&file);
        tokio::spawn(async move {
            let _turn = turn.lock_owned().await;
            let reader = file.clone();
            let may_save = match blocking::run(move || reader.load()).await {
                Ok(Ok(saved)) => {
                    report(Report::Loaded(saved));
                    true
                }
                Ok(Err(refusal)) => {
                    report(Report::Refused(refusal.message));
                    refusal.may_save
                }
                Err(why) => {
                    report(Report::Refused(format!(
                        "the SQL buffers were not loaded: {why}; this session's buffers will \
                         not be saved over them"
                    )));
                    false
                }
            };
            work(file, queue, may_save, report).await;
        });
        Self { jobs }
    }

    /// A buffer changed: a save follows shortly.
    pub fn touched(&self) {
        let _ = self.jobs.send(Job::Touched);
    }

    /// Saves `saved`, after any save handed over earlier.
    pub fn save(&self, saved: Saved) {
        let _ = self.jobs.send(Job::Save(saved));
    }
}

/// Takes jobs until the console has gone and every save is written.
async fn work(
    file: BuffersFile,
    mut queue: UnboundedReceiver<Job>,
    may_save: bool,
    report: impl Fn(Report) -> bool,
) {
    let mut due: Option<Instant> = None;
    loop {
        let job = match due {
            Some(at) => tokio::select! {
                job = queue.recv() => job,
                () = tokio::time::sleep_until(at) => {
                    due = None;
                    report(Report::SaveDue);
                    continue;
                }
            },
            None => queue.recv().await,
        };
        let mut saved = match job {
            None => return,
            Some(Job::Touched) => {
                due.get_or_insert_with(|| Instant::now() + DEBOUNCE);
                continue;
            }
            Some(Job::Save(saved)) => saved,
        };
        // Saves queued behind this one replace it: only the newest is written.
        while let Ok(next) = queue.try_recv() {
            match next {
                Job::Save(newer) => saved = newer,
                Job::Touched => {
                    due.get_or_insert_with(|| Instant::now() + DEBOUNCE);
                }
            }
        }
        if !may_save {
            continue;
        }
        let writer = file.clone();
        let written = blocking::run(move || writer.save(&saved)).await;
        if let Err(why) = written.and_then(|w| w) {
            report(Report::Failed(why));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::views::sql::buffer_file::SavedBuffer;

    fn saved(text: &str) -> Saved {
        Saved::new(
            vec![SavedBuffer {
                name: "query 1".into(),
                text: text.into(),
                cursor: (0, 0),
            }],
            0,
        )
    }

    type Seen = Arc<Mutex<Vec<Report>>>;

    fn recorder() -> (Seen, impl Fn(Report) -> bool + Send + Sync + 'static) {
        let seen: Seen = Arc::default();
        let into = seen.clone();
        (seen, move |r| {
            into.lock().unwrap().push(r);
            true
        })
    }

    async fn until(what: impl Fn() -> bool) {
        for _ in 0..200 {
            if what() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("never happened");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_first_asks_once_per_burst_and_writes_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let file = BuffersFile::for_database(Some(dir.path()), "db-store-1").unwrap();
        file.save(&saved("from before")).unwrap();
        let (seen, report) = recorder();
        let store = Store::start(file.clone(), report);
        for _ in 0..20 {
            store.touched();
        }
        until(|| seen.lock().unwrap().len() == 2).await;
        tokio::time::sleep(DEBOUNCE).await;
        {
            let seen = seen.lock().unwrap();
            assert!(
                matches!(&seen[0], Report::Loaded(Some(s)) if s == &saved("from before")),
                "{seen:?}"
            );
            assert!(matches!(&seen[1..], [Report::SaveDue]), "one ask: {seen:?}");
        }
        store.save(saved("one"));
        store.save(saved("two"));
        drop(store);
        // Dropped: the worker writes what it was handed, then ends.
        assert!(all_saved(Duration::from_secs(5)).await);
        assert_eq!(file.load(), Ok(Some(saved("two"))));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reopened_console_reads_what_the_last_one_saved_on_closing() {
        let dir = tempfile::tempdir().unwrap();
        let file = BuffersFile::for_database(Some(dir.path()), "db-store-2").unwrap();
        let (_, report) = recorder();
        let first = Store::start(file.clone(), report);
        first.save(saved("typed just before closing"));
        drop(first);
        let (seen, report) = recorder();
        let _second = Store::start(file, report);
        until(|| !seen.lock().unwrap().is_empty()).await;
        let seen = seen.lock().unwrap();
        assert!(
            matches!(&seen[0], Report::Loaded(Some(s)) if s == &saved("typed just before closing")),
            "{seen:?}"
        );
    }

    #[tokio::test]
    async fn a_refused_file_is_reported_and_a_failed_save_too() {
        let dir = tempfile::tempdir().unwrap();
        let file = BuffersFile::for_database(Some(dir.path()), "db-store-3").unwrap();
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        std::fs::write(file.path(), "not json").unwrap();
        let (tx, mut rx) = unbounded_channel();
        let store = Store::start(file.clone(), move |r| tx.send(r).is_ok());
        match rx.recv().await {
            Some(Report::Refused(why)) => assert!(why.contains("damaged"), "{why}"),
            other => panic!("refused, not {other:?}"),
        }
        // Moved aside, so saving is safe; then the directory goes away.
        store.save(saved("kept"));
        until(|| file.load() == Ok(Some(saved("kept")))).await;
        let dir_path = file.path().parent().unwrap().to_path_buf();
        std::fs::remove_dir_all(&dir_path).unwrap();
        std::fs::write(&dir_path, "").unwrap();
        store.save(saved("lost"));
        match rx.recv().await {
            Some(Report::Failed(why)) => assert!(why.contains("could not save"), "{why}"),
            other => panic!("a failure, not {other:?}"),
        }
    }
}

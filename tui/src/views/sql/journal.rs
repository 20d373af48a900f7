//! The history file's worker, one per console: it reads the file when the
//! console opens, then appends each run's statements, all on the blocking
//! pool so the UI task never waits on the disk. One worker taking jobs in
//! order (rather than a task per write) is what keeps the file in the
//! order the statements ran, however quickly runs follow each other.

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::history::{Entry, HistoryFile};
use crate::blocking;

/// What the worker tells the console.
pub enum Report {
    /// The file's entries, read once at the start.
    Loaded(Vec<Entry>),
    /// A run's statements could not be written (they stay in memory).
    Failed(String),
}

/// The console's end of the worker; dropping it lets the worker finish
/// the writes already asked for, then stop.
pub struct Journal {
    runs: UnboundedSender<Vec<Entry>>,
}

impl Journal {
    /// Starts the worker on `file`; `report` sends its news to the console
    /// (false once the console has gone).
    pub fn start(
        file: HistoryFile,
        report: impl Fn(Report) -> bool + Send + Sync + 'static,
    ) -> Self {
        let (runs, mut queue) = unbounded_channel::<Vec<Entry>>();
        tokio::spawn(async move {
            let reader = file.clone();
            let older = blocking::run(move || reader.load()).await;
            report(Report::Loaded(older.unwrap_or_default()));
            while let Some(entries) = queue.recv().await {
                let writer = file.clone();
                let written = blocking::run(move || writer.append(&entries)).await;
                if let Err(why) = written.and_then(|w| w) {
                    report(Report::Failed(why));
                }
            }
        });
        Self { runs }
    }

    /// Queues one run's statements, written after every earlier run's.
    pub fn append(&self, entries: Vec<Entry>) {
        if !entries.is_empty() {
            let _ = self.runs.send(entries);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::views::sql::history::History;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_that_finish_quickly_are_written_in_the_order_they_ran() {
        let dir = tempfile::tempdir().unwrap();
        let file = HistoryFile::for_database(Some(dir.path()), "db").unwrap();
        let mut earlier = History::default();
        let old = earlier.record("select 'from before'").unwrap();
        file.append(&[old]).unwrap();

        let reports = Arc::new(Mutex::new(Vec::new()));
        let seen = reports.clone();
        let journal = Journal::start(file.clone(), move |r| {
            seen.lock().unwrap().push(r);
            true
        });
        let mut h = History::default();
        for run in 0..40 {
            let statements = [format!("select {run}"), format!("select {run}, 'b'")];
            journal.append(statements.iter().filter_map(|s| h.record(s)).collect());
        }
        drop(journal);

        let want: Vec<String> = std::iter::once("select 'from before'".to_string())
            .chain((0..40).flat_map(|r| [format!("select {r}"), format!("select {r}, 'b'")]))
            .collect();
        for _ in 0..200 {
            if file.load().len() == want.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let written: Vec<String> = file.load().into_iter().map(|e| e.sql).collect();
        assert_eq!(written, want);
        let reports = reports.lock().unwrap();
        assert!(
            matches!(reports.as_slice(), [Report::Loaded(old)] if old.len() == 1),
            "the file is read first (before this session's writes), and no write failed"
        );
    }

    #[tokio::test]
    async fn a_failed_write_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let file = HistoryFile::for_database(Some(&blocker), "db").unwrap();
        let (tx, mut rx) = unbounded_channel();
        let journal = Journal::start(file, move |r| tx.send(r).is_ok());
        journal.append(History::default().record("select 3").into_iter().collect());
        assert!(matches!(rx.recv().await, Some(Report::Loaded(e)) if e.is_empty()));
        match rx.recv().await {
            Some(Report::Failed(why)) => assert!(why.contains("could not save history"), "{why}"),
            _ => panic!("the failure is reported"),
        }
    }
}

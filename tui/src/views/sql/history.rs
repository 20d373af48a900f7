//! Statements run on a database, kept on disk as JSON lines (one file
//! per database under the state directory) so they survive restarts and
//! can be searched. Only statements are written: never tokens or URLs.
//!
//! [`History`] is the console's copy in memory, changed on the UI task;
//! [`HistoryFile`] is the file, whose reads and writes block and so are
//! made only by the journal (`journal.rs`), off the UI task.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Entries kept in memory (and shown); older lines stay in the file.
const KEEP: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub sql: String,
    /// Seconds since the epoch.
    #[serde(default)]
    pub at: u64,
}

/// The history in memory: what the file held when the console opened
/// (once the journal has read it), then what ran since. Oldest first.
#[derive(Debug, Default)]
pub struct History {
    entries: Vec<Entry>,
}

impl History {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records a statement (not again if it repeats the last one) and
    /// gives the entry for the file; memory keeps it whatever the file
    /// does.
    pub fn record(&mut self, sql: &str) -> Option<Entry> {
        let sql = sql.trim();
        if sql.is_empty() || self.entries.last().is_some_and(|e| e.sql == sql) {
            return None;
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let entry = Entry {
            sql: sql.to_string(),
            at,
        };
        self.entries.push(entry.clone());
        if self.entries.len() > KEEP {
            self.entries.remove(0);
        }
        Some(entry)
    }

    /// What the file held, read after the console opened: it goes before
    /// the statements run meanwhile.
    pub fn loaded(&mut self, mut older: Vec<Entry>) {
        older.append(&mut self.entries);
        if older.len() > KEEP {
            older.drain(..older.len() - KEEP);
        }
        self.entries = older;
    }

    /// Statements containing every word of `filter` (case-insensitive),
    /// newest first, each once.
    pub fn search(&self, filter: &str) -> Vec<String> {
        let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .rev()
            .filter(|e| {
                let sql = e.sql.to_lowercase();
                words.iter().all(|w| sql.contains(w.as_str()))
            })
            .filter(|e| seen.insert(e.sql.as_str()))
            .map(|e| e.sql.clone())
            .collect()
    }
}

/// A file name from a database id, whatever characters the id holds.
fn file_name(database_id: &str) -> String {
    format!(
        "{}.jsonl",
        comwit_client::places::safe_file_stem(database_id)
    )
}

/// The history file of one database. Its reads and writes block.
#[derive(Debug, Clone)]
pub struct HistoryFile {
    path: PathBuf,
}

impl HistoryFile {
    /// `<state_dir>/sql-history/<database>.jsonl`; `None` without a state
    /// directory (history then lives in memory only).
    pub fn for_database(state_dir: Option<&Path>, database_id: &str) -> Option<Self> {
        state_dir.map(|d| Self {
            path: d.join("sql-history").join(file_name(database_id)),
        })
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The newest entries in the file. Lines that do not parse (a torn
    /// write) are skipped, not fatal; a missing file is an empty history.
    pub fn load(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = std::fs::read_to_string(&self.path)
            .map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
            .unwrap_or_default();
        if entries.len() > KEEP {
            entries.drain(..entries.len() - KEEP);
        }
        entries
    }

    /// Appends `entries` in order; the error says why the file was not
    /// written (the first failure stops the rest).
    pub fn append(&self, entries: &[Entry]) -> Result<(), String> {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            for entry in entries {
                let line = serde_json::to_string(entry)?;
                // One write per line, so concurrent consoles interleave whole lines.
                file.write_all(format!("{line}\n").as_bytes())?;
            }
            Ok(())
        };
        write().map_err(|e| format!("could not save history to {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records statements as a run does, and writes what is recorded.
    fn run(h: &mut History, file: &HistoryFile, statements: &[&str]) -> Result<(), String> {
        let recorded: Vec<Entry> = statements.iter().filter_map(|s| h.record(s)).collect();
        file.append(&recorded)
    }

    #[test]
    fn appends_searches_and_loads_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = HistoryFile::for_database(Some(dir.path()), "db-1/x").unwrap();
        let mut h = History::default();
        h.loaded(file.load());
        assert!(h.is_empty());
        run(&mut h, &file, &["select 1", "select 1"]).unwrap();
        assert_eq!(
            h.len(),
            1,
            "a repeat of the last statement is not kept twice"
        );
        run(&mut h, &file, &["  SELECT name FROM users  "]).unwrap();
        run(&mut h, &file, &["insert into users (name) values ('ann')"]).unwrap();
        run(&mut h, &file, &["select 1", ""]).unwrap();

        assert_eq!(
            h.search(""),
            vec![
                "select 1",
                "insert into users (name) values ('ann')",
                "SELECT name FROM users"
            ],
            "newest first, each once"
        );
        assert_eq!(h.search("users select"), vec!["SELECT name FROM users"]);
        assert!(h.search("nothing like this").is_empty());

        let path = dir.path().join("sql-history/db-1_x.jsonl");
        assert_eq!(file.path(), path.as_path());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert!(text.lines().all(|l| l.starts_with("{\"sql\":")), "{text}");

        // A torn line is skipped; the rest loads.
        std::fs::write(&path, format!("{text}{{\"sql\":\"sel")).unwrap();
        let mut again = History::default();
        again.loaded(file.load());
        assert_eq!(again.search(""), h.search(""));
    }

    #[test]
    fn what_the_file_held_goes_before_what_ran_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let file = HistoryFile::for_database(Some(dir.path()), "db").unwrap();
        run(&mut History::default(), &file, &["select 'old'"]).unwrap();
        let mut h = History::default();
        h.record("select 'new'");
        h.loaded(file.load());
        assert_eq!(h.search(""), vec!["select 'new'", "select 'old'"]);
    }

    #[test]
    fn without_a_state_directory_there_is_no_file() {
        assert!(HistoryFile::for_database(None, "db").is_none());
        let mut h = History::default();
        h.record("select 2");
        assert_eq!(h.search("2"), vec!["select 2"]);
    }

    #[test]
    fn an_unwritable_directory_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let file = HistoryFile::for_database(Some(&blocker), "db").unwrap();
        let mut h = History::default();
        let err = run(&mut h, &file, &["select 3"]).unwrap_err();
        assert!(err.contains("could not save history"), "{err}");
        assert_eq!(h.len(), 1);
    }
}

//! Statements run on a database, kept on disk as JSON lines (one file
//! per database under the state directory) so they survive restarts and
//! can be searched. Only statements are written: never tokens or URLs.

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

#[derive(Debug, Default)]
pub struct History {
    /// `None`: no state directory could be found; history lives in memory.
    path: Option<PathBuf>,
    /// Oldest first.
    entries: Vec<Entry>,
}

/// A file name from a database id, whatever characters the id holds.
fn file_name(database_id: &str) -> String {
    let safe: String = database_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.jsonl")
}

impl History {
    /// Loads the history of `database_id` from `<state_dir>/sql-history/`.
    /// Lines that do not parse (a torn write) are skipped, not fatal.
    pub fn open(state_dir: Option<&Path>, database_id: &str) -> Self {
        let path = state_dir.map(|d| d.join("sql-history").join(file_name(database_id)));
        let mut entries: Vec<Entry> = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
            .unwrap_or_default();
        if entries.len() > KEEP {
            entries.drain(..entries.len() - KEEP);
        }
        Self { path, entries }
    }

    #[cfg(test)]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records a statement (not again if it repeats the last one) and
    /// appends it to the file. The error says why the file was not
    /// written; the entry is kept in memory either way.
    pub fn append(&mut self, sql: &str) -> Result<(), String> {
        let sql = sql.trim();
        if sql.is_empty() || self.entries.last().is_some_and(|e| e.sql == sql) {
            return Ok(());
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let entry = Entry {
            sql: sql.to_string(),
            at,
        };
        let line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        self.entries.push(entry);
        if self.entries.len() > KEEP {
            self.entries.remove(0);
        }
        let Some(path) = &self.path else {
            return Ok(());
        };
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = OpenOptions::new().create(true).append(true).open(path)?;
            // One write per line, so concurrent consoles interleave whole lines.
            file.write_all(format!("{line}\n").as_bytes())
        };
        write().map_err(|e| format!("could not save history to {}: {e}", path.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_searches_and_loads_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(Some(dir.path()), "db-1/x");
        assert!(h.is_empty());
        h.append("select 1").unwrap();
        h.append("select 1").unwrap();
        assert_eq!(
            h.len(),
            1,
            "a repeat of the last statement is not kept twice"
        );
        h.append("  SELECT name FROM users  ").unwrap();
        h.append("insert into users (name) values ('ann')").unwrap();
        h.append("select 1").unwrap();
        h.append("").unwrap();

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
        assert_eq!(h.path(), Some(path.as_path()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert!(text.lines().all(|l| l.starts_with("{\"sql\":")), "{text}");

        // A torn line is skipped; the rest loads.
        std::fs::write(&path, format!("{text}{{\"sql\":\"sel")).unwrap();
        let again = History::open(Some(dir.path()), "db-1/x");
        assert_eq!(again.search(""), h.search(""));
    }

    #[test]
    fn without_a_state_directory_history_stays_in_memory() {
        let mut h = History::open(None, "db");
        h.append("select 2").unwrap();
        assert_eq!(h.search("2"), vec!["select 2"]);
        assert!(h.path().is_none());
    }

    #[test]
    fn an_unwritable_directory_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let mut h = History::open(Some(&blocker), "db");
        let err = h.append("select 3").unwrap_err();
        assert!(err.contains("could not save history"), "{err}");
        assert_eq!(h.len(), 1);
    }
}

//! What the dashboard remembers per app between deploys: the deploy
//! options (hosts, env-ref, concurrency cap) last used for it, so the
//! builds view and watch mode start from them. A small JSON file in the
//! state directory, keyed by project and app id.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use comwit_client::models::DeployOptions;
use serde::{Deserialize, Serialize};

/// The file beside the dashboard's other state (logs, SQL history).
const FILE: &str = "deploy-options.json";
/// Larger than any real file: a hostile or broken one is ignored, not read.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The options as the file keeps them, per `project/app`.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    env_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_concurrent_requests: Option<u32>,
}

type Table = std::collections::BTreeMap<String, Saved>;

/// Where the deploy options of every app are remembered: a file, or (a
/// sandbox without a data directory, whose ids die with it; no state
/// directory) this session's memory.
#[derive(Debug, Clone)]
pub struct Remembered {
    path: Option<PathBuf>,
    memory: Arc<Mutex<Table>>,
}

impl Remembered {
    /// In the state directory beside the logs and SQL history.
    pub fn in_state_dir() -> Self {
        Self::at(comwit_client::places::process_state_dir().map(|d| d.join(FILE)))
    }

    /// In `dir` (a sandbox's data directory, where its ids live on).
    pub fn in_dir(dir: &std::path::Path) -> Self {
        Self::at(Some(dir.join(FILE)))
    }

    pub fn at(path: Option<PathBuf>) -> Self {
        Self {
            path,
            memory: Arc::default(),
        }
    }

    pub fn in_memory() -> Self {
        Self::at(None)
    }

    /// The options last used for `app` (none remembered: the defaults).
    /// The file is small and local, so this reads it where it is called.
    pub fn load(&self, project: &str, app: &str) -> DeployOptions {
        let saved = self.table().remove(&key(project, app)).unwrap_or_default();
        DeployOptions {
            hosts: saved.hosts,
            env_ref: saved.env_ref,
            max_concurrent_requests: saved.max_concurrent_requests,
        }
    }

    /// Remembers `options` for `app` (atomically: a crash leaves the old
    /// file or the new one). Call it off the UI task.
    pub fn save(&self, project: &str, app: &str, options: &DeployOptions) -> Result<(), String> {
        let mut table = self.table();
        let saved = Saved {
            hosts: options.hosts.clone(),
            env_ref: options.env_ref.clone(),
            max_concurrent_requests: options.max_concurrent_requests,
        };
        table.insert(key(project, app), saved);
        match &self.path {
            Some(path) => write(path, &table)
                .map_err(|e| format!("could not remember the deploy options: {e}")),
            None => {
                *self.memory.lock().unwrap_or_else(|p| p.into_inner()) = table;
                Ok(())
            }
        }
    }

    /// The file's table; a missing, oversized or broken file is empty.
    fn table(&self) -> Table {
        let Some(path) = &self.path else {
            return self
                .memory
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
        };
        let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_FILE_BYTES);
        let text = if small {
            std::fs::read_to_string(path).ok()
        } else {
            None
        };
        text.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }
}

fn key(project: &str, app: &str) -> String {
    format!("{project}/{app}")
}

fn write(path: &std::path::Path, table: &Table) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let text = serde_json::to_string_pretty(table).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_remembered_per_app_and_a_broken_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state").join(FILE);
        let store = Remembered::at(Some(file.clone()));
        let web = DeployOptions {
            hosts: vec!["www.shop.example".into()],
            env_ref: Some("prod".into()),
            max_concurrent_requests: Some(4),
        };
        store.save("p", "web", &web).unwrap();
        store.save("p", "api", &DeployOptions::default()).unwrap();
        assert_eq!(store.load("p", "web"), web);
        assert_eq!(store.load("p", "api"), DeployOptions::default());
        assert_eq!(store.load("q", "web"), DeployOptions::default());
        std::fs::write(&file, "{ not json").unwrap();
        assert_eq!(store.load("p", "web"), DeployOptions::default());
        store.save("p", "web", &web).unwrap();
        assert_eq!(store.load("p", "web"), web, "a broken file is replaced");
    }

    #[test]
    fn an_oversized_file_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        let store = Remembered::at(Some(file.clone()));
        let web = DeployOptions {
            env_ref: Some("prod".into()),
            ..DeployOptions::default()
        };
        store.save("p", "web", &web).unwrap();
        // Valid JSON, padded past the limit: ignored, not parsed.
        let text = std::fs::read_to_string(&file).unwrap();
        let padded = format!("{text}{}", " ".repeat(MAX_FILE_BYTES as usize));
        std::fs::write(&file, padded).unwrap();
        assert_eq!(store.load("p", "web"), DeployOptions::default());
    }

    #[test]
    fn without_a_file_options_are_remembered_for_the_session() {
        let store = Remembered::in_memory();
        let o = DeployOptions {
            env_ref: Some("staging".into()),
            ..DeployOptions::default()
        };
        store.save("p", "web", &o).unwrap();
        assert_eq!(store.clone().load("p", "web"), o, "clones share it");
    }
}

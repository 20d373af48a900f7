//! `config.json`, shared with the official `comwit` CLI.
//!
//! Path: `COMWIT_CONFIG`, else `$XDG_CONFIG_HOME/comwit/config.json`, else
//! `~/.config/comwit/config.json` (on Windows without `HOME`,
//! `%APPDATA%\comwit\config.json`: see [`crate::places`]). Keys `token` and
//! `default_project`; every other key is kept exactly as found, in its
//! place. Written atomically with mode 0600 (it may hold a token), through
//! a symlink to its target (see [`crate::private_file`]).

use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::places::{self, Platform};
use crate::private_file;
use crate::secret::Secret;

pub const CONFIG_ENV: &str = "COMWIT_CONFIG";
pub const PROJECT_ENV: &str = "COMWIT_PROJECT";

/// The environment the resolution reads, injectable for tests.
pub trait Env {
    fn var(&self, key: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, key: &str) -> Option<String> {
        self(key)
    }
}

/// Where the config file lives, by the documented order (`COMWIT_CONFIG`,
/// then the config directory of [`places::config_dir`]).
pub fn config_path(env: &dyn Env) -> Result<PathBuf> {
    if let Some(p) = env.var(CONFIG_ENV) {
        return Ok(PathBuf::from(p));
    }
    places::config_dir(env, Platform::CURRENT)
        .map(|dir| dir.join("config.json"))
        .ok_or_else(|| {
            Error::Config(format!(
                "cannot find the config file: set {CONFIG_ENV} or HOME"
            ))
        })
}

/// The config file's content: every key kept, in the file's order, and
/// every value we do not change kept byte for byte (nested objects too),
/// so a write by us changes only what we meant to change.
#[derive(Debug, Clone, Default)]
pub struct Config {
    path: PathBuf,
    entries: Vec<(String, Box<RawValue>)>,
}

impl PartialEq for Config {
    fn eq(&self, other: &Self) -> bool {
        let text = |c: &Config| {
            c.entries
                .iter()
                .map(|(k, v)| (k.clone(), v.get().to_string()))
                .collect::<Vec<_>>()
        };
        self.path == other.path && text(self) == text(other)
    }
}

impl Config {
    /// Reads `path`; a missing file is an empty config.
    pub fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let entries = match std::fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Vec::new(),
            Ok(bytes) => parse(&bytes, &path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(Error::Io {
                    what: "reading the config file",
                    path,
                    source,
                });
            }
        };
        Ok(Self { path, entries })
    }

    pub fn load_default() -> Result<Self> {
        Self::load(config_path(&ProcessEnv)?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A string value; `None` when absent, empty or not a string.
    fn string(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|s| !s.is_empty())
    }

    pub fn token(&self) -> Option<Secret> {
        self.string("token").map(Secret::new)
    }

    pub fn set_token(&mut self, token: Option<&Secret>) {
        match token {
            Some(t) => self.set("token", Value::String(t.expose().to_string())),
            None => self.remove("token"),
        }
    }

    pub fn default_project(&self) -> Option<String> {
        self.string("default_project")
    }

    pub fn set_default_project(&mut self, project: Option<&str>) {
        match project {
            Some(p) => self.set("default_project", Value::String(p.to_string())),
            None => self.remove("default_project"),
        }
    }

    /// Any key's value, as found.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| serde_json::from_str(v.get()).ok())
    }

    /// Sets `key`: in its place when the file has it, else at the end.
    pub fn set(&mut self, key: &str, value: Value) {
        let raw = serde_json::value::to_raw_value(&value).expect("JSON values serialise");
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = raw,
            None => self.entries.push((key.to_string(), raw)),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }

    /// The file's text: one key a line, in order, values as they were.
    fn text(&self) -> String {
        if self.entries.is_empty() {
            return "{}\n".into();
        }
        let lines: Vec<String> = self
            .entries
            .iter()
            .map(|(k, v)| {
                let key = serde_json::to_string(k).expect("strings serialise");
                format!("  {key}: {}", v.get())
            })
            .collect();
        format!("{{\n{}\n}}\n", lines.join(",\n"))
    }

    /// Writes the file the safe way for a file shared with the official
    /// CLI (see [`crate::private_file`]): atomically, mode 0600, through a
    /// symlink to its target.
    pub fn save(&self) -> Result<()> {
        private_file::replace(&self.path, self.text().as_bytes()).map_err(|source| Error::Io {
            what: "writing the config file",
            path: self.path.clone(),
            source,
        })?;
        Ok(())
    }
}

/// The top-level object's entries in file order. Checked as a whole first,
/// so a broken file gets the plain reason.
fn parse(bytes: &[u8], path: &Path) -> Result<Vec<(String, Box<RawValue>)>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(_)) => {}
        Ok(_) => {
            return Err(Error::Config(format!(
                "{} is not a JSON object; fix or remove it (the comwit CLI writes {{\"token\": ..., \"default_project\": ...}})",
                path.display()
            )));
        }
        Err(e) => {
            return Err(Error::Config(format!(
                "{} is not valid JSON ({e}); fix or remove it",
                path.display()
            )));
        }
    }
    let Ordered(entries) = serde_json::from_slice(bytes)
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    Ok(entries)
}

/// A JSON object read as its entries in order (a later duplicate key
/// replaces the earlier value in its place, as JSON readers do).
struct Ordered(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> serde::de::Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Ordered, A::Error> {
        let mut entries: Vec<(String, Box<RawValue>)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
            match entries.iter_mut().find(|(e, _)| *e == k) {
                Some((_, old)) => *old = v,
                None => entries.push((k, v)),
            }
        }
        Ok(Ordered(entries))
    }
}

/// The project to act on: `--project` flag, then `COMWIT_PROJECT`, then
/// the config's `default_project`.
pub fn resolve_project(flag: Option<&str>, env: &dyn Env, config: &Config) -> Option<String> {
    flag.filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| env.var(PROJECT_ENV))
        .or_else(|| config.default_project())
}

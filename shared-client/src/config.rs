//! `config.json`, shared with the official `comwit` CLI.
//!
//! Path: `COMWIT_CONFIG`, else `$XDG_CONFIG_HOME/comwit/config.json`, else
//! `~/.config/comwit/config.json` (on Windows without `HOME`,
//! `%APPDATA%\comwit\config.json`: see [`crate::places`]). Keys `token` and `default_project`;
//! every other key is kept exactly as found. Written atomically with mode
//! 0600 (it may hold a token).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::places::{self, Platform};
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

/// The config file's content, all keys kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    path: PathBuf,
    values: Map<String, Value>,
}

impl Config {
    /// Reads `path`; a missing file is an empty config.
    pub fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let values = match std::fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => map,
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
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(source) => {
                return Err(Error::Io {
                    what: "reading the config file",
                    path,
                    source,
                });
            }
        };
        Ok(Self { path, values })
    }

    pub fn load_default() -> Result<Self> {
        Self::load(config_path(&ProcessEnv)?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn token(&self) -> Option<Secret> {
        self.values
            .get("token")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(Secret::new)
    }

    pub fn set_token(&mut self, token: Option<&Secret>) {
        match token {
            Some(t) => self
                .values
                .insert("token".into(), Value::String(t.expose().to_string())),
            None => self.values.remove("token"),
        };
    }

    pub fn default_project(&self) -> Option<&str> {
        self.values
            .get("default_project")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn set_default_project(&mut self, project: Option<&str>) {
        match project {
            Some(p) => self
                .values
                .insert("default_project".into(), Value::String(p.to_string())),
            None => self.values.remove("default_project"),
        };
    }

    /// Any other key, as found.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    pub fn set(&mut self, key: &str, value: Value) {
        self.values.insert(key.to_string(), value);
    }

    /// Writes the file atomically (temp file + rename) with mode 0600,
    /// creating its directory (0700) when needed.
    pub fn save(&self) -> Result<()> {
        let io = |what| {
            let path = self.path.clone();
            move |source| Error::Io { what, path, source }
        };
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(io("creating the config directory"))?;
            set_mode(dir, 0o700).map_err(io("creating the config directory"))?;
        }
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(io("writing the config file"))?;
        set_mode(tmp.path(), 0o600).map_err(io("writing the config file"))?;
        let mut text = serde_json::to_string_pretty(&self.values).expect("JSON values serialise");
        text.push('\n');
        std::io::Write::write_all(&mut tmp, text.as_bytes())
            .map_err(io("writing the config file"))?;
        tmp.as_file()
            .sync_all()
            .map_err(io("writing the config file"))?;
        tmp.persist(&self.path)
            .map_err(|e| io("writing the config file")(e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
pub(crate) fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// The project to act on: `--project` flag, then `COMWIT_PROJECT`, then
/// the config's `default_project`.
pub fn resolve_project(flag: Option<&str>, env: &dyn Env, config: &Config) -> Option<String> {
    flag.filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| env.var(PROJECT_ENV))
        .or_else(|| config.default_project().map(str::to_string))
}

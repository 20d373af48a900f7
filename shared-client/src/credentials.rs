//! Where our tokens live.
//!
//! - User token, read in this order:
//!   1. `COMWIT_TOKEN` (this process only, never written);
//!   2. `config.json`'s `token`, the place the official CLI shares (the
//!      seeds: `comwit login` saves the token there) — unless the keyring
//!      holds a token that was saved *over that very token* (below);
//!   3. the keyring's token.
//!
//!   A keyring save records, beside the token, a fingerprint (SHA-256) of
//!   the `config.json` token it was saved over ("none" without one). The
//!   keyring token takes effect only while `config.json` still holds that
//!   token: once `comwit login` (or anything else) writes a different one,
//!   the file is the newer of the two and wins. This is "newest wins" from
//!   what can be known without clocks — a keyring has no timestamps, and a
//!   file's mtime says nothing of when the keyring was written. A keyring
//!   token saved by an earlier version (no fingerprint) counts as older
//!   than any token in `config.json`.
//!
//!   Saving goes where [`TokenPlace`] says: `config.json` by default (so
//!   the official CLI sees a login done here; our keyring copy, if any, is
//!   removed so it cannot come back), or the keyring when chosen, falling
//!   back to `config.json` with a one-line notice when no keyring service
//!   exists (servers, containers).
//! - Operator token: `PLATFORM_API_SERVER_TOKEN`, then the keyring (never
//!   written to a file).
//! - One-time database tokens: the keyring under their `database_id`,
//!   stored the moment they arrive; fallback file `database-tokens.json`
//!   (0600) beside `config.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::api::CredentialStore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::config::{Config, Env};
use crate::error::{Error, Result};
use crate::secret::Secret;

pub const TOKEN_ENV: &str = "COMWIT_TOKEN";
pub const OPERATOR_TOKEN_ENV: &str = "PLATFORM_API_SERVER_TOKEN";
const SERVICE: &str = "comwit";
/// The keyring entry of the user token.
const KEYRING_TOKEN: &str = "token";
/// Beside it: the fingerprint of the `config.json` token it was saved over.
const KEYRING_SAVED_OVER: &str = "token-saved-over";

/// Where a login done here keeps the user token (the dashboard's
/// `credentials` setting in `tui.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub enum TokenPlace {
    /// `config.json`, shared with the official CLI (the default).
    #[default]
    #[serde(rename = "config.json")]
    ConfigFile,
    /// The OS keyring; `config.json` when there is no keyring service.
    #[serde(rename = "keyring")]
    Keyring,
}

/// Where a token came from, so front ends can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    Keyring,
    ConfigFile,
}

/// Where a secret was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Keyring,
    /// The file, and the one-line notice to show.
    File {
        path: PathBuf,
        notice: String,
    },
}

/// The OS credential store (or a test double), by keyring-core.
#[derive(Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
}

impl Keyring {
    /// The platform's store, or `None` when there is none to talk to.
    pub fn native() -> Option<Self> {
        native_store().map(|store| Self { store })
    }

    /// A given store, e.g. `keyring_core::mock::Store::new()` in tests.
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self { store }
    }

    /// A keyring in memory (keyring-core's mock store): gone with the
    /// process. For sessions that keep nothing, and for tests.
    pub fn in_memory() -> Result<Self> {
        keyring_core::mock::Store::new()
            .map(|store| Self::with_store(store))
            .map_err(|e| Error::Credentials(format!("in-memory keyring: {e}")))
    }

    fn entry(&self, name: &str) -> Result<keyring_core::Entry, keyring_core::Error> {
        self.store.build(SERVICE, name, None)
    }

    fn get(&self, name: &str) -> Result<Option<Secret>, keyring_core::Error> {
        match self.entry(name)?.get_password() {
            Ok(p) => Ok(Some(Secret::new(p))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn set(&self, name: &str, secret: &Secret) -> Result<(), keyring_core::Error> {
        self.entry(name)?.set_password(secret.expose())
    }

    fn delete(&self, name: &str) -> Result<(), keyring_core::Error> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(target_os = "linux")]
fn native_store() -> Option<Arc<CredentialStore>> {
    // No session bus (servers, containers, CI): no keyring service.
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS")?;
    match zbus_secret_service_keyring_store::Store::new() {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::debug!(%e, "no secret service");
            None
        }
    }
}

/// The login keychain.
#[cfg(target_os = "macos")]
fn native_store() -> Option<Arc<CredentialStore>> {
    match apple_native_keyring_store::keychain::Store::new() {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::debug!(%e, "no keychain");
            None
        }
    }
}

/// The Windows Credential Manager.
#[cfg(windows)]
fn native_store() -> Option<Arc<CredentialStore>> {
    match windows_native_keyring_store::Store::new() {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::debug!(%e, "no credential manager");
            None
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn native_store() -> Option<Arc<CredentialStore>> {
    None
}

/// Keyring failures that mean "there is no usable keyring here".
fn unavailable(e: &keyring_core::Error) -> bool {
    matches!(
        e,
        keyring_core::Error::NoStorageAccess(_)
            | keyring_core::Error::PlatformFailure(_)
            | keyring_core::Error::NoDefaultStore
            | keyring_core::Error::NotSupportedByStore(_)
    )
}

/// An environment with no variables set.
struct NoEnv;

impl Env for NoEnv {
    fn var(&self, _key: &str) -> Option<String> {
        None
    }
}

pub struct Credentials {
    keyring: Option<Keyring>,
    /// `None` for a session that keeps nothing on disk.
    config_path: Option<PathBuf>,
    env: Box<dyn Env + Send + Sync>,
    place: TokenPlace,
}

impl Credentials {
    /// Saving user tokens to `config.json` (see [`Self::saving_user_tokens_in`]).
    pub fn new(
        config_path: PathBuf,
        keyring: Option<Keyring>,
        env: Box<dyn Env + Send + Sync>,
    ) -> Self {
        Self {
            keyring,
            config_path: Some(config_path),
            env,
            place: TokenPlace::default(),
        }
    }

    /// Where [`Self::save_user_token`] puts a user token.
    pub fn saving_user_tokens_in(mut self, place: TokenPlace) -> Self {
        if self.config_path.is_some() {
            self.place = place;
        }
        self
    }

    pub fn token_place(&self) -> TokenPlace {
        self.place
    }

    /// The `config.json` this session reads and writes, if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    /// The process environment, the default config path and the native keyring.
    pub fn from_system() -> Result<Self> {
        let env = crate::config::ProcessEnv;
        let path = crate::config::config_path(&env)?;
        Ok(Self::new(path, Keyring::native(), Box::new(env)))
    }

    /// Nothing read from or written to the system: an empty environment, a
    /// keyring in memory, no config file. For sessions whose secrets must
    /// die with the process (the dashboard's `--sandbox`).
    pub fn in_memory() -> Result<Self> {
        Ok(Self {
            keyring: Some(Keyring::in_memory()?),
            config_path: None,
            env: Box::new(NoEnv),
            place: TokenPlace::Keyring,
        })
    }

    /// The config file's content (empty without one).
    fn config(&self) -> Result<Config> {
        match &self.config_path {
            Some(path) => Config::load(path),
            None => Ok(Config::default()),
        }
    }

    /// The config file to write, or why there is none.
    fn writable_config(&self, what: &str) -> Result<Config> {
        match &self.config_path {
            Some(path) => Config::load(path),
            None => Err(Error::Credentials(format!(
                "this session keeps nothing on disk (the sandbox), so {what} is not saved"
            ))),
        }
    }

    pub fn has_keyring(&self) -> bool {
        self.keyring.is_some()
    }

    fn keyring_get(&self, name: &str) -> Result<Option<Secret>> {
        let Some(k) = &self.keyring else {
            return Ok(None);
        };
        match k.get(name) {
            Ok(v) => Ok(v),
            Err(e) if unavailable(&e) => {
                tracing::debug!(%e, "keyring unavailable");
                Ok(None)
            }
            Err(e) => Err(Error::Credentials(format!(
                "reading {name} from the keyring: {e}"
            ))),
        }
    }

    /// Ok(false) when the keyring is missing or unusable.
    fn keyring_set(&self, name: &str, secret: &Secret) -> Result<bool> {
        let Some(k) = &self.keyring else {
            return Ok(false);
        };
        match k.set(name, secret) {
            Ok(()) => Ok(true),
            Err(e) if unavailable(&e) => Ok(false),
            Err(e) => Err(Error::Credentials(format!(
                "saving {name} in the keyring: {e}"
            ))),
        }
    }

    /// The user token in effect, by the order in the module docs.
    pub fn user_token(&self) -> Result<Option<(Secret, TokenSource)>> {
        if let Some(t) = self.env.var(TOKEN_ENV) {
            return Ok(Some((Secret::new(t), TokenSource::Environment)));
        }
        let in_file = self.config()?.token();
        let in_keyring = self.keyring_get(KEYRING_TOKEN)?;
        Ok(match (in_file, in_keyring) {
            (Some(file), Some(kept)) => {
                let saved_over = self.keyring_get(KEYRING_SAVED_OVER)?;
                if saved_over.is_some_and(|s| s.expose() == fingerprint(Some(&file))) {
                    Some((kept, TokenSource::Keyring))
                } else {
                    Some((file, TokenSource::ConfigFile))
                }
            }
            (Some(file), None) => Some((file, TokenSource::ConfigFile)),
            (None, Some(kept)) => Some((kept, TokenSource::Keyring)),
            (None, None) => None,
        })
    }

    /// Saves a user token where [`TokenPlace`] says.
    pub fn save_user_token(&self, token: &Secret) -> Result<Saved> {
        match self.place {
            TokenPlace::ConfigFile => {
                let saved = self
                    .save_user_token_to_file(token, "token saved where the comwit CLI reads it:")?;
                // Our older keyring copy could otherwise come back once the
                // file's token is removed (`comwit logout`).
                if let Err(e) = self.forget_keyring_user_token() {
                    tracing::debug!(%e, "an older keyring token stays");
                }
                Ok(saved)
            }
            TokenPlace::Keyring => {
                let saved_over = Secret::new(fingerprint(self.config()?.token().as_ref()));
                if !self.keyring_set(KEYRING_TOKEN, token)? {
                    return self.save_user_token_to_file(
                        token,
                        "no keyring service found; token saved to",
                    );
                }
                if !self.keyring_set(KEYRING_SAVED_OVER, &saved_over)? {
                    return Err(Error::Credentials(
                        "the keyring took the token but not the note of which config.json token it replaces".into(),
                    ));
                }
                Ok(Saved::Keyring)
            }
        }
    }

    /// `config.json`'s `token` set (other keys kept), with a notice
    /// starting with `said` and naming the file.
    fn save_user_token_to_file(&self, token: &Secret, said: &str) -> Result<Saved> {
        let mut config = self.writable_config("the token")?;
        config.set_token(Some(token));
        config.save()?;
        let path = config.path().to_path_buf();
        Ok(Saved::File {
            notice: format!("{said} {} (mode 0600)", path.display()),
            path,
        })
    }

    /// Removes the keyring's user token and its note.
    fn forget_keyring_user_token(&self) -> Result<()> {
        let Some(k) = &self.keyring else {
            return Ok(());
        };
        for name in [KEYRING_TOKEN, KEYRING_SAVED_OVER] {
            if let Err(e) = k.delete(name)
                && !unavailable(&e)
            {
                return Err(Error::Credentials(format!(
                    "removing the token from the keyring: {e}"
                )));
            }
        }
        Ok(())
    }

    /// Forgets the user token everywhere we keep it.
    pub fn clear_user_token(&self) -> Result<()> {
        self.forget_keyring_user_token()?;
        let mut config = self.config()?;
        if config.token().is_some() {
            config.set_token(None);
            config.save()?;
        }
        Ok(())
    }

    /// Pins `project` as `config.json`'s `default_project` (what the
    /// official CLI uses without `--project` or `COMWIT_PROJECT`), other
    /// keys kept; returns the file written.
    pub fn pin_default_project(&self, project: &str) -> Result<PathBuf> {
        let mut config = self.writable_config("a default project")?;
        config.set_default_project(Some(project));
        config.save()?;
        Ok(config.path().to_path_buf())
    }

    /// `config.json`'s `default_project`, if set.
    pub fn default_project(&self) -> Result<Option<String>> {
        Ok(self.config()?.default_project())
    }

    pub fn operator_token(&self) -> Result<Option<(Secret, TokenSource)>> {
        if let Some(t) = self.env.var(OPERATOR_TOKEN_ENV) {
            return Ok(Some((Secret::new(t), TokenSource::Environment)));
        }
        Ok(self
            .keyring_get("operator")?
            .map(|t| (t, TokenSource::Keyring)))
    }

    /// Forgets the operator token saved in the keyring (the environment
    /// variable, if set, is the caller's to unset).
    pub fn clear_operator_token(&self) -> Result<()> {
        let Some(k) = &self.keyring else {
            return Ok(());
        };
        match k.delete("operator") {
            Err(e) if !unavailable(&e) => Err(Error::Credentials(format!(
                "removing the operator token from the keyring: {e}"
            ))),
            _ => Ok(()),
        }
    }

    /// Operator tokens go to the keyring only: with none, use the
    /// environment variable instead of a file.
    pub fn save_operator_token(&self, token: &Secret) -> Result<Saved> {
        if self.keyring_set("operator", token)? {
            Ok(Saved::Keyring)
        } else {
            Err(Error::Credentials(format!(
                "no keyring service to keep the operator token in; set {OPERATOR_TOKEN_ENV} instead"
            )))
        }
    }

    fn database_file(&self) -> Option<PathBuf> {
        self.config_path
            .as_ref()
            .map(|p| p.with_file_name("database-tokens.json"))
    }

    /// Stores a one-time database token under its id (call it as soon as
    /// the create or rotate response arrives: there is no other copy).
    pub fn store_database_token(&self, database_id: &str, token: &Secret) -> Result<Saved> {
        if self.keyring_set(&format!("database:{database_id}"), token)? {
            return Ok(Saved::Keyring);
        }
        let path = self.database_file().ok_or_else(|| {
            Error::Credentials("no keyring and no file to keep the database token in".into())
        })?;
        let mut file = Config::load(&path)?;
        let mut tokens = file
            .get("tokens")
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_else(Map::new);
        tokens.insert(
            database_id.to_string(),
            Value::String(token.expose().to_string()),
        );
        file.set("tokens", Value::Object(tokens));
        file.save()?;
        Ok(Saved::File {
            notice: format!(
                "no keyring service found; database token saved to {} (mode 0600)",
                path.display()
            ),
            path,
        })
    }

    pub fn database_token(&self, database_id: &str) -> Result<Option<Secret>> {
        if let Some(t) = self.keyring_get(&format!("database:{database_id}"))? {
            return Ok(Some(t));
        }
        let Some(path) = self.database_file() else {
            return Ok(None);
        };
        Ok(Config::load(path)?
            .get("tokens")
            .and_then(|m| m.get(database_id).and_then(Value::as_str).map(Secret::new)))
    }
}

/// What a keyring save records of the `config.json` token it was saved
/// over: enough to recognise that token again, nothing to recover it by.
fn fingerprint(token: Option<&Secret>) -> String {
    match token {
        Some(t) => format!(
            "sha256:{}",
            hex::encode(Sha256::digest(t.expose().as_bytes()))
        ),
        None => "none".into(),
    }
}

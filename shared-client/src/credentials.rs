//! Where our tokens live: the OS keyring first, files as a fallback.
//!
//! - User token: `COMWIT_TOKEN` (this process only, never written), then
//!   the keyring, then `config.json`'s `token` (what `comwit login` writes).
//!   Saving prefers the keyring and falls back to `config.json` with a
//!   one-line notice when no keyring service exists (servers, containers).
//! - Operator token: `PLATFORM_API_SERVER_TOKEN`, then the keyring (never
//!   written to a file).
//! - One-time database tokens: the keyring under their `database_id`,
//!   stored the moment they arrive; fallback file `database-tokens.json`
//!   (0600) beside `config.json`.

use std::path::PathBuf;
use std::sync::Arc;

use keyring_core::api::CredentialStore;
use serde_json::{Map, Value};

use crate::config::{Config, Env};
use crate::error::{Error, Result};
use crate::secret::Secret;

pub const TOKEN_ENV: &str = "COMWIT_TOKEN";
pub const OPERATOR_TOKEN_ENV: &str = "PLATFORM_API_SERVER_TOKEN";
const SERVICE: &str = "comwit";

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
    config_path: PathBuf,
    env: Box<dyn Env + Send + Sync>,
}

impl Credentials {
    pub fn new(
        config_path: PathBuf,
        keyring: Option<Keyring>,
        env: Box<dyn Env + Send + Sync>,
    ) -> Self {
        Self {
            keyring,
            config_path,
            env,
        }
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
        let store = keyring_core::mock::Store::new()
            .map_err(|e| Error::Credentials(format!("in-memory keyring: {e}")))?;
        Ok(Self::new(
            PathBuf::new(),
            Some(Keyring::with_store(store)),
            Box::new(NoEnv),
        ))
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

    pub fn user_token(&self) -> Result<Option<(Secret, TokenSource)>> {
        if let Some(t) = self.env.var(TOKEN_ENV) {
            return Ok(Some((Secret::new(t), TokenSource::Environment)));
        }
        if let Some(t) = self.keyring_get("token")? {
            return Ok(Some((t, TokenSource::Keyring)));
        }
        Ok(Config::load(&self.config_path)?
            .token()
            .map(|t| (t, TokenSource::ConfigFile)))
    }

    /// Saves a user token: keyring, else `config.json` (other keys kept).
    pub fn save_user_token(&self, token: &Secret) -> Result<Saved> {
        if self.keyring_set("token", token)? {
            return Ok(Saved::Keyring);
        }
        let mut config = Config::load(&self.config_path)?;
        config.set_token(Some(token));
        config.save()?;
        Ok(Saved::File {
            notice: format!(
                "no keyring service found; token saved to {} (mode 0600)",
                self.config_path.display()
            ),
            path: self.config_path.clone(),
        })
    }

    /// Forgets the user token everywhere we keep it.
    pub fn clear_user_token(&self) -> Result<()> {
        if let Some(k) = &self.keyring
            && let Err(e) = k.delete("token")
            && !unavailable(&e)
        {
            return Err(Error::Credentials(format!(
                "removing the token from the keyring: {e}"
            )));
        }
        let mut config = Config::load(&self.config_path)?;
        if config.token().is_some() {
            config.set_token(None);
            config.save()?;
        }
        Ok(())
    }

    pub fn operator_token(&self) -> Result<Option<(Secret, TokenSource)>> {
        if let Some(t) = self.env.var(OPERATOR_TOKEN_ENV) {
            return Ok(Some((Secret::new(t), TokenSource::Environment)));
        }
        Ok(self
            .keyring_get("operator")?
            .map(|t| (t, TokenSource::Keyring)))
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

    fn database_file(&self) -> PathBuf {
        self.config_path.with_file_name("database-tokens.json")
    }

    /// Stores a one-time database token under its id (call it as soon as
    /// the create or rotate response arrives: there is no other copy).
    pub fn store_database_token(&self, database_id: &str, token: &Secret) -> Result<Saved> {
        if self.keyring_set(&format!("database:{database_id}"), token)? {
            return Ok(Saved::Keyring);
        }
        let path = self.database_file();
        let mut file = Config::load(&path)?;
        let mut tokens = file
            .get("tokens")
            .and_then(Value::as_object)
            .cloned()
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
        Ok(Config::load(self.database_file())?
            .get("tokens")
            .and_then(|m| m.get(database_id))
            .and_then(Value::as_str)
            .map(Secret::new))
    }
}

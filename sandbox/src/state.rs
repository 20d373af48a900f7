//! Shared state of a running sandbox, handed to every handler. The data
//! endpoint's handlers see only their part of it, [`DataState`].

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::extract::FromRef;

use crate::config::SandboxConfig;
use crate::data::{DataState, Streams};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::store::Store;

/// Cheap to clone; derefs to [`Shared`].
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    /// Shared with the data endpoint (see [`DataState`]).
    pub store: Arc<Store>,
    pub config: SandboxConfig,
    pub artifacts_dir: PathBuf,
    /// Base URL clients reach this API at (with the port actually bound).
    pub api_url: String,
    /// Base URL of the libSQL data endpoint.
    pub data_url: String,
    /// Open Hrana streams of the data endpoint.
    pub streams: Arc<Streams>,
    /// The registry DNS server, once started: delegation checks ask it.
    pub registry_dns: std::sync::OnceLock<std::net::SocketAddr>,
    operator_token: String,
    /// The hash of the user token the ready file names, kept valid
    /// across a restore.
    ready_token: std::sync::OnceLock<String>,
    faults: RwLock<Faults>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The two simulated control planes behind the API.
#[derive(Debug, Clone, Copy)]
pub enum Upstream {
    Louhi,
    Brrrd,
}

impl AppState {
    pub fn new(
        store: Store,
        config: SandboxConfig,
        artifacts_dir: PathBuf,
        urls: (String, String),
        streams: Streams,
        operator_token: String,
    ) -> Self {
        let (api_url, data_url) = urls;
        Self(Arc::new(Shared {
            store: Arc::new(store),
            config,
            artifacts_dir,
            api_url,
            data_url,
            streams: Arc::new(streams),
            registry_dns: std::sync::OnceLock::new(),
            operator_token,
            ready_token: std::sync::OnceLock::new(),
            faults: RwLock::new(Faults::default()),
        }))
    }
}

/// The data endpoint's handlers take `State<DataState>`: the state database
/// (credentials, usage counters) and the streams, nothing else.
impl FromRef<AppState> for DataState {
    fn from_ref(state: &AppState) -> Self {
        DataState {
            store: state.store.clone(),
            streams: state.streams.clone(),
        }
    }
}

impl Shared {
    pub fn operator_token(&self) -> &str {
        &self.operator_token
    }

    /// Remembers the ready file's user token (as its hash).
    pub fn set_ready_token(&self, token: &str) {
        let _ = self.ready_token.set(crate::ids::hash_secret(token));
    }

    pub fn ready_token_hash(&self) -> Option<&str> {
        self.ready_token.get().map(String::as_str)
    }

    pub fn faults(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// Consumes one pending occurrence of a counted fault, if any.
    pub fn take_fault(&self, counter: impl FnOnce(&mut Faults) -> &mut u32) -> bool {
        let mut faults = self.faults.write().unwrap_or_else(|e| e.into_inner());
        let left = counter(&mut faults);
        if *left > 0 {
            *left -= 1;
            true
        } else {
            false
        }
    }

    /// 502 when the control plane a route orchestrates is "unreachable".
    pub fn upstream(&self, which: Upstream) -> Result<(), ApiError> {
        let faults = self.faults();
        let down = match which {
            Upstream::Louhi => faults.louhi_unreachable,
            Upstream::Brrrd => faults.brrrd_unreachable,
        };
        if down {
            let name = match which {
                Upstream::Louhi => "database",
                Upstream::Brrrd => "runtime",
            };
            Err(ApiError::bad_gateway(format!(
                "the {name} control plane did not answer; nothing was changed, retry later"
            )))
        } else {
            Ok(())
        }
    }

    /// 501 when project domain management is switched off.
    pub fn domains_enabled(&self) -> Result<(), ApiError> {
        if self.config.domains_enabled {
            Ok(())
        } else {
            Err(ApiError::not_implemented(
                "project domain management is disabled on this deployment",
            ))
        }
    }
}

//! `comwit-client`: the one library the Comwit front ends share.
//!
//! - [`Client`]: typed access to every route of the platform API, with
//!   resource handlers (`client.apps(project).list()`), one [`Error`] type
//!   with classifiers, and the contract's retry rules.
//! - [`config`] and [`credentials`]: the official CLI's `config.json`, the
//!   OS keyring, and token resolution.
//! - [`package`]: deterministic, streaming `.tar.zst` packing for deploys.

pub mod api;
pub mod client;
pub mod config;
#[cfg(feature = "keyring")]
pub mod credentials;
#[cfg(feature = "dns")]
pub mod delegation;
pub mod enums;
pub mod error;
pub mod excerpt;
pub mod http;
pub mod models;
pub mod package;
pub mod places;
pub mod private_file;
pub mod rules;
pub mod secret;
#[cfg(feature = "sql")]
pub mod sql;
#[cfg(feature = "watch")]
pub mod watch;
#[cfg(feature = "dns")]
pub mod zone;

pub use api::artifact::{DirectorySource, PrebuiltSource};
pub use api::deploy::{
    ArtifactDigest, ArtifactSource, BodyStream, DeployOutcome, UPLOAD_ATTEMPTS, UploadBody,
};
pub use client::{Client, ClientBuilder, DEFAULT_API_URL, RetryPolicy};
pub use error::{Error, Problem, Result};
pub use secret::{Secret, TokenKind};

use api::apps::Apps;
use api::auth::DeviceLogin;
use api::databases::{DatabaseAdmin, Databases};
use api::domains::Domains;
use api::health::Health;
use api::planned::Registrar;
use api::projects::Projects;

impl Client {
    pub fn projects(&self) -> Projects<'_> {
        Projects { client: self }
    }
    pub fn apps(&self, project: &str) -> Apps<'_> {
        Apps {
            client: self,
            project: project.to_string(),
        }
    }
    pub fn databases(&self, project: &str) -> Databases<'_> {
        Databases {
            client: self,
            project: project.to_string(),
        }
    }
    /// The operator-only `/v1/databases/{database}` family.
    pub fn database_admin(&self, database: &str) -> DatabaseAdmin<'_> {
        DatabaseAdmin {
            client: self,
            database: database.to_string(),
        }
    }
    pub fn domains(&self, project: &str) -> Domains<'_> {
        Domains {
            client: self,
            project: project.to_string(),
        }
    }
    pub fn device_login(&self) -> DeviceLogin<'_> {
        DeviceLogin { client: self }
    }
    pub fn health(&self) -> Health<'_> {
        Health { client: self }
    }
    /// Registrar purchase: planned, not live (every call says so).
    pub fn registrar(&self) -> Registrar {
        Registrar
    }
}

//! Resource models. They follow `../shared/CONTRACT.md` and tolerate what
//! the contract does not promise: unknown fields are ignored and every
//! field beyond the documented ids defaults when missing.

pub use crate::enums::{DomainStatus, ManagedDnsStatus, RecordOwner, RecordType};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Turns a one-time token on the wire into a [`Secret`] at once.
mod secret_serde {
    use serde::{Deserialize, Deserializer};

    use crate::secret::Secret;

    pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Project {
    pub project_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct App {
    pub app_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub project_id: Option<String>,
    /// Empty or absent before the first deploy.
    #[serde(default)]
    pub active_build_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub builds: Option<Vec<Build>>,
}

impl App {
    pub fn active_build(&self) -> Option<&str> {
        self.active_build_id.as_deref().filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Build {
    pub build_id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub size_bytes: Option<u64>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub file_count: Option<u64>,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub env_ref: Option<String>,
    #[serde(default)]
    pub max_concurrent_requests: Option<u64>,
}

/// Flat deploy response.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Deployment {
    pub app_id: String,
    pub build_id: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub uploaded: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Rollback {
    #[serde(default)]
    pub app_id: String,
    pub active_build_id: String,
    #[serde(default)]
    pub previous_build_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DnsRecordToPublish {
    pub record_type: String,
    pub name: String,
    pub value: String,
}

/// `TYPE name value`, the order a zone file and a provider's form use.
impl std::fmt::Display for DnsRecordToPublish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.record_type, self.name, self.value)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct AppCleanup {
    #[serde(default)]
    pub routing_pointer: bool,
    #[serde(default)]
    pub runtime_resources: u64,
    #[serde(default)]
    pub build_artifacts: u64,
    #[serde(default)]
    pub env_keys: u64,
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub managed_dns_records: u64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct AppDeletion {
    #[serde(default)]
    pub app_id: String,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub cleanup: AppCleanup,
    /// Records to remove at an external DNS provider.
    #[serde(default)]
    pub external_dns_cleanup: Vec<DnsRecordToPublish>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct EnvVar {
    pub key: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsMode {
    /// The user publishes `dns_records` at their own DNS provider.
    #[default]
    ExternalRecords,
    /// The platform writes records into a managed project domain.
    ManagedProjectDomain,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ManagedDns {
    #[serde(default)]
    pub project_domain: String,
    #[serde(default)]
    pub status: ManagedDnsStatus,
    #[serde(default)]
    pub records: Vec<DnsRecordToPublish>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct AttachResult {
    pub domain: String,
    #[serde(default)]
    pub dns_mode: Option<DnsMode>,
    #[serde(default)]
    pub dns_records: Vec<DnsRecordToPublish>,
    #[serde(default)]
    pub managed_dns: Option<ManagedDns>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Hostname {
    pub domain: String,
    #[serde(default)]
    pub dns_mode: Option<DnsMode>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub managed_dns_status: Option<ManagedDnsStatus>,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Finalized {
    pub domain: String,
    #[serde(default)]
    pub dns_mode: Option<DnsMode>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CreatedDatabase {
    pub database_id: String,
    #[serde(default)]
    pub database_url: String,
    #[serde(default)]
    pub created: bool,
    /// Shown once: store it now (the client puts it in the keyring).
    #[serde(deserialize_with = "secret_serde::de")]
    pub database_token: Secret,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Database {
    pub database_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub database_url: Option<String>,
}

/// Operator view: status and internals. Everything but the id is optional
/// because the contract only sketches it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DatabaseStatus {
    pub database_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub runner: Option<String>,
    #[serde(default)]
    pub generation: Option<i64>,
    #[serde(default)]
    pub frame_no: Option<i64>,
    #[serde(default)]
    pub database_url: Option<String>,
    /// Everything else the platform reports.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RotatedToken {
    #[serde(default)]
    pub database_id: String,
    #[serde(deserialize_with = "secret_serde::de")]
    pub database_token: Secret,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QueryToken {
    #[serde(default)]
    pub database_id: String,
    #[serde(deserialize_with = "secret_serde::de")]
    pub query_token: Secret,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DatabaseState {
    #[serde(default)]
    pub database_id: String,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DatabaseUsage {
    #[serde(default)]
    pub database_id: String,
    #[serde(default)]
    pub rows_read: Option<u64>,
    #[serde(default)]
    pub rows_written: Option<u64>,
    #[serde(default)]
    pub storage_bytes: Option<u64>,
    #[serde(default)]
    pub query_count: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Domain {
    pub domain: String,
    #[serde(default)]
    pub dns_mode: Option<String>,
    #[serde(default)]
    pub status: DomainStatus,
    #[serde(default)]
    pub hosted_zone_id: Option<String>,
    #[serde(default)]
    pub nameservers: Vec<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub checked_at: Option<String>,
}

impl Domain {
    pub fn is_managed(&self) -> bool {
        self.status == DomainStatus::Managed
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DelegationCheck {
    pub domain: String,
    #[serde(default)]
    pub matched: bool,
    #[serde(default)]
    pub status: DomainStatus,
    #[serde(default)]
    pub verdict: Option<String>,
    #[serde(default)]
    pub expected_nameservers: Vec<String>,
    #[serde(default)]
    pub observed_nameservers: Vec<String>,
    #[serde(default)]
    pub checked_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: RecordType,
    #[serde(default)]
    pub ttl: Option<u32>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub owner: Option<RecordOwner>,
    #[serde(default)]
    pub owner_resource_type: Option<String>,
    #[serde(default)]
    pub owner_resource_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub last_error: Option<String>,
}

impl Record {
    /// Records the platform manages for an app hostname (user writes → 409).
    pub fn is_platform_owned(&self) -> bool {
        self.owner == Some(RecordOwner::PlatformApp)
    }
}

/// Body of a record create; also a full replacement for updates.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NewRecord {
    /// Relative (`www`, `@` = apex) or fully qualified.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    pub values: Vec<String>,
}

/// Partial record update: `None` keeps the current value.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RecordUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Deleted {
    #[serde(default, alias = "database_id", alias = "app_id", alias = "domain")]
    pub id: String,
    #[serde(default)]
    pub deleted: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DomainDeletion {
    pub domain: String,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub records_deleted: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct PlatformStatus {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub louhi: Option<String>,
    #[serde(default)]
    pub brrrd: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// `/readyz`: ready or not, with the body when there is one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readiness {
    pub ready: bool,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeviceAuthorization {
    #[serde(deserialize_with = "secret_serde::de")]
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    #[serde(default = "default_interval")]
    pub interval: u64,
    #[serde(default = "default_expiry")]
    pub expires_in: u64,
}

fn default_interval() -> u64 {
    5
}
fn default_expiry() -> u64 {
    900
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeviceToken {
    #[serde(deserialize_with = "secret_serde::de")]
    pub token: Secret,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Options of a deploy, sent in the query string.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeployOptions {
    pub hosts: Vec<String>,
    pub env_ref: Option<String>,
    pub max_concurrent_requests: Option<u32>,
}

impl DeployOptions {
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if !self.hosts.is_empty() {
            q.push(("hosts", self.hosts.join(",")));
        }
        if let Some(e) = &self.env_ref {
            q.push(("env_ref", e.clone()));
        }
        if let Some(n) = self.max_concurrent_requests {
            q.push(("max_concurrent_requests", n.to_string()));
        }
        q
    }
}

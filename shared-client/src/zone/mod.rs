//! DNS as code: a zone's records as a file (an RFC 1035 master file or
//! JSON), read back and compared with what the platform holds.
//!
//! - [`export`]: the platform's records as a BIND master file or JSON;
//!   platform-owned records as comments marked locked.
//! - [`read`]: a master file (another provider's export, or ours) or the
//!   JSON form, every record checked with the shared platform rules.
//! - [`plan`]: what applying a file would change: create, update, delete,
//!   unchanged, and locked records left alone.
//! - [`apply`]: the plan carried out, safely ordered; [`verify`]: the
//!   authoritative server asked until it answers as planned.

pub mod apply;
pub mod export;
pub mod plan;
pub mod read;
pub mod verify;

use serde::{Deserialize, Serialize};

use crate::models::Record;
use crate::rules::{self, DEFAULT_TTL, RecordError};

/// The records of one name and type: what the platform calls a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// Fully qualified, without the trailing dot (`www.shop.example`).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub ttl: u32,
    pub values: Vec<String>,
}

impl RecordSet {
    /// A record as the platform holds it.
    pub fn of(record: &Record) -> Self {
        Self {
            name: record.name.trim_end_matches('.').to_ascii_lowercase(),
            kind: record.kind.as_str().to_string(),
            ttl: record.ttl.unwrap_or(DEFAULT_TTL),
            values: record.values.clone(),
        }
    }

    /// A record from a file, checked with the platform's rules and
    /// normalised as the platform stores it.
    pub fn checked(
        zone: &str,
        name: &str,
        kind: &str,
        ttl: u32,
        values: &[String],
    ) -> Result<Self, RecordError> {
        let name = rules::qualify(zone, name)?;
        let kind = rules::record_type(kind)?;
        let ttl = rules::check_ttl(ttl)?;
        let values = rules::check_values(kind, zone, &name, values)?;
        Ok(Self {
            name,
            kind: kind.to_string(),
            ttl,
            values,
        })
    }

    /// What identifies it in a zone: its name and type.
    pub fn key(&self) -> (String, String) {
        (self.name.to_ascii_lowercase(), self.kind.clone())
    }

    /// The same values, in any order.
    pub fn same_values(&self, other: &RecordSet) -> bool {
        let sorted = |v: &[String]| {
            let mut v: Vec<String> = v
                .iter()
                .map(|s| s.trim_end_matches('.').to_string())
                .collect();
            v.sort();
            v
        };
        sorted(&self.values) == sorted(&other.values)
    }
}

/// The JSON form of a zone file (`--format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneJson {
    pub zone: String,
    pub records: Vec<RecordSet>,
    /// Platform-owned records, for reading: never applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locked: Vec<RecordSet>,
}

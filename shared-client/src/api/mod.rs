//! Resource handlers, one per family of routes (`client.apps(project)`,
//! `client.domains(project).records(domain)`, …).

pub mod apps;
pub mod artifact;
pub mod auth;
pub mod databases;
pub mod deploy;
pub mod domains;
pub mod health;
pub mod planned;
pub mod projects;

use serde::Deserialize;

/// `{"<key>": T}` envelopes, extracted by key so unknown siblings are ignored.
pub(crate) fn unwrap<T: for<'de> Deserialize<'de>>(
    route: &str,
    mut value: serde_json::Value,
    key: &str,
) -> crate::Result<T> {
    let inner = value
        .get_mut(key)
        .map(serde_json::Value::take)
        .ok_or_else(|| crate::Error::Decode {
            route: route.to_string(),
            message: format!("response has no {key:?} field"),
        })?;
    serde_json::from_value(inner).map_err(|e| crate::Error::Decode {
        route: route.to_string(),
        message: e.to_string(),
    })
}

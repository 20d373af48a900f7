//! Pieces the DNS views (domains, records, watcher) share: the key hints
//! of an open dialog or filter, a table that builds only its visible rows,
//! and how domain states read on screen.

use comwit_client::models::DomainStatus;

/// A domain's status as a short badge.
pub fn status_badge(status: &DomainStatus) -> String {
    match status {
        DomainStatus::Managed => "✓ managed".to_string(),
        DomainStatus::PendingDelegation => "… pending_delegation".to_string(),
        DomainStatus::Other(s) if s.is_empty() => "? unknown".to_string(),
        DomainStatus::Other(other) => format!("! {other}"),
    }
}

/// Whole seconds, minutes or hours, compactly: `45s`, `2m30s`, `1h`.
pub fn compact_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 if s.is_multiple_of(60) => format!("{}m", s / 60),
        60..3600 => format!("{}m{}s", s / 60, s % 60),
        _ if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ => format!("{}h{}m", s / 3600, (s % 3600) / 60),
    }
}

/// A session for unit tests that never reaches the network.
#[cfg(test)]
pub fn test_session() -> crate::session::Session {
    use comwit_client::Client;
    use comwit_client::credentials::Credentials;
    use comwit_client::delegation::Parents;
    crate::session::Session {
        client: Client::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("client"),
        target: "test".into(),
        context: crate::switchboard::Target::Other {
            url: "http://127.0.0.1:9".into(),
            token: comwit_client::Secret::new("cwt_test"),
        },
        contexts: crate::switchboard::Listing::default(),
        scopes: None,
        credentials: std::sync::Arc::new(Credentials::in_memory().expect("memory store")),
        secrets_in_memory: true,
        sql_operator: None,
        read_only: false,
        project: None,
        dns_parents: Parents::Fixed(Vec::new()),
        resolvers: Vec::new(),
        deploy_options: crate::remembered::Remembered::in_memory(),
        sandbox: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_read_compactly() {
        assert_eq!(compact_duration(Duration::from_millis(4_900)), "4s");
        assert_eq!(compact_duration(Duration::from_secs(300)), "5m");
        assert_eq!(compact_duration(Duration::from_secs(150)), "2m30s");
        assert_eq!(compact_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(compact_duration(Duration::from_secs(3900)), "1h5m");
    }

    #[test]
    fn statuses_get_badges() {
        assert_eq!(status_badge(&DomainStatus::Managed), "✓ managed");
        assert_eq!(
            status_badge(&DomainStatus::PendingDelegation),
            "… pending_delegation"
        );
        assert_eq!(
            status_badge(&DomainStatus::from("suspended")),
            "! suspended"
        );
    }
}

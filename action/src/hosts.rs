//! The hosts phase with `finalize-hosts`: attach every host in the DNS mode
//! it needs (a managed project domain writes its own records; any other
//! host gets records to publish elsewhere) and finalize it. A host that
//! cannot be bound fails the step.

use std::time::Duration;

use comwit_client::Client;
use comwit_client::models::{DnsMode, DnsRecordToPublish, Domain};

use crate::failure::Failure;
use crate::github::Runner;

/// Attempts of an attach whose managed DNS records failed (202); the
/// contract says repeating the attach retries without duplicates.
const ATTACH_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone)]
pub struct BoundHost {
    pub host: String,
    pub mode: DnsMode,
    /// The managed project domain the host lives under.
    pub project_domain: Option<String>,
    /// External mode: what to publish at the DNS provider.
    pub records: Vec<DnsRecordToPublish>,
    pub status: String,
}

pub fn mode_name(mode: DnsMode) -> &'static str {
    match mode {
        DnsMode::ExternalRecords => "external_records",
        DnsMode::ManagedProjectDomain => "managed_project_domain",
    }
}

/// The managed project domain `host` is the apex or a subdomain of.
fn managed_parent<'d>(host: &str, domains: &'d [Domain]) -> Option<&'d Domain> {
    domains
        .iter()
        .filter(|d| d.is_managed())
        .filter(|d| {
            let apex = d.domain.trim_end_matches('.').to_ascii_lowercase();
            host == apex || host.ends_with(&format!(".{apex}"))
        })
        .max_by_key(|d| d.domain.len())
}

pub async fn finalize(
    client: &Client,
    project: &str,
    app_id: &str,
    hosts: &[String],
    runner: &Runner,
) -> Result<Vec<BoundHost>, Failure> {
    let domains = match client.domains(project).list().await {
        Ok(d) => d,
        // Project domains switched off: every host is external.
        Err(e) if e.is_disabled() => Vec::new(),
        Err(e) if e.is_forbidden() => {
            return Err(Failure::api(
                "finalize-hosts reads the project's domains to choose each host's DNS mode (attaching a host under a \
                 managed domain as external would remove its platform records)",
                &e,
            ));
        }
        Err(e) => return Err(Failure::api("listing the project's domains", &e)),
    };
    let app = client.apps(project).app(app_id);
    let mut bound = Vec::new();
    for host in hosts {
        let parent = managed_parent(host, &domains);
        let mode = if parent.is_some() {
            DnsMode::ManagedProjectDomain
        } else {
            DnsMode::ExternalRecords
        };
        let mut attempt = 1;
        let attached = loop {
            match app.attach(host, mode).await {
                Ok(r) => break r,
                Err(e) if e.is_accepted_with_failure() && attempt < ATTACH_ATTEMPTS => {
                    runner.info(&format!(
                        "{host}: managed DNS records not applied yet (attempt {attempt} of {ATTACH_ATTEMPTS}); repeating the attach"
                    ));
                    tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
                    attempt += 1;
                }
                Err(e) => return Err(Failure::api(&format!("attaching {host}"), &e)),
            }
        };
        let records = attached.dns_records.clone();
        let finalized = app.finalize(host).await.map_err(|e| {
            let mut f = Failure::api(&format!("finalizing {host}"), &e);
            if !records.is_empty() {
                f.message.push_str(&format!(
                    " — publish these records at your DNS provider first: {}",
                    records_inline(&records)
                ));
            }
            f
        })?;
        let status = finalized.status.unwrap_or_else(|| "finalized".into());
        match mode {
            DnsMode::ManagedProjectDomain => runner.info(&format!(
                "{host}: {status} (managed DNS in {})",
                parent.map(|d| d.domain.as_str()).unwrap_or("?")
            )),
            DnsMode::ExternalRecords => {
                runner.info(&format!(
                    "{host}: {status} (external DNS: publish these records at your DNS provider)"
                ));
                for r in &records {
                    runner.info(&format!("  {r}"));
                }
            }
        }
        bound.push(BoundHost {
            host: host.clone(),
            mode,
            project_domain: parent.map(|d| d.domain.clone()),
            records,
            status,
        });
    }
    Ok(bound)
}

fn records_inline(records: &[DnsRecordToPublish]) -> String {
    records
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_parent_is_the_longest_managed_suffix() {
        let d = |name: &str, status: &str| Domain {
            domain: name.into(),
            status: status.into(),
            ..Domain::default()
        };
        let domains = vec![
            d("example.com", "managed"),
            d("shop.example.com", "managed"),
            d("pending.org", "pending_delegation"),
        ];
        assert_eq!(
            managed_parent("www.shop.example.com", &domains).map(|d| d.domain.as_str()),
            Some("shop.example.com")
        );
        assert_eq!(
            managed_parent("example.com", &domains).map(|d| d.domain.as_str()),
            Some("example.com")
        );
        assert!(managed_parent("www.pending.org", &domains).is_none());
        assert!(managed_parent("notexample.com", &domains).is_none());
    }
}

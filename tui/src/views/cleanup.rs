//! What deleting an app removed, as the platform reports it (routing
//! pointer, runtime resources, artifacts, environment keys, hostnames),
//! and the DNS records still to remove at an external provider: the one
//! part the user has to act on, so it is also what `y` copies.

use comwit_client::models::{AppDeletion, DnsRecordToPublish};

pub struct CleanupReport {
    pub lines: Vec<String>,
    /// The records to remove elsewhere, one per line, for the clipboard.
    pub external: Option<String>,
}

pub fn report(name: &str, deletion: &AppDeletion) -> CleanupReport {
    let c = &deletion.cleanup;
    let yes_no = |b: bool| if b { "removed" } else { "none" };
    let mut lines = vec![
        format!(
            "{name} ({}) is deleted. The platform removed:",
            deletion.app_id
        ),
        format!("  routing pointer     {}", yes_no(c.routing_pointer)),
        format!("  runtime resources   {}", c.runtime_resources),
        format!("  build artifacts     {}", c.build_artifacts),
        format!("  environment keys    {}", c.env_keys),
        format!("  hostnames           {}", list_or_none(&c.hostnames)),
        format!("  managed DNS records {}", c.managed_dns_records),
    ];
    let external = (!deletion.external_dns_cleanup.is_empty())
        .then(|| records(&deletion.external_dns_cleanup));
    match &external {
        Some(text) => {
            lines.push(String::new());
            lines.push("Remove these records at your DNS provider (y copies them):".into());
            lines.extend(text.lines().map(|l| format!("  {l}")));
        }
        None => lines.push("No DNS records are left to remove at another provider.".into()),
    }
    CleanupReport { lines, external }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// One record per line, as the platform's records print.
fn records(records: &[DnsRecordToPublish]) -> String {
    records
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use comwit_client::models::AppCleanup;

    use super::*;

    #[test]
    fn the_report_lists_what_was_removed_and_the_records_to_remove_elsewhere() {
        let deletion = AppDeletion {
            app_id: "app-1".into(),
            deleted: true,
            cleanup: AppCleanup {
                routing_pointer: true,
                runtime_resources: 2,
                build_artifacts: 3,
                env_keys: 4,
                hostnames: vec!["www.shop.example".into()],
                managed_dns_records: 1,
            },
            external_dns_cleanup: vec![DnsRecordToPublish {
                record_type: "CNAME".into(),
                name: "www.shop.example".into(),
                value: "web.cloud.example".into(),
            }],
        };
        let r = report("web", &deletion);
        let text = r.lines.join("\n");
        assert!(text.contains("web (app-1) is deleted"), "{text}");
        assert!(text.contains("build artifacts     3"), "{text}");
        assert!(
            text.contains("hostnames           www.shop.example"),
            "{text}"
        );
        assert_eq!(
            r.external.as_deref(),
            Some("CNAME www.shop.example web.cloud.example")
        );

        let none = report("api", &AppDeletion::default());
        assert!(none.external.is_none());
        assert!(none.lines.join("\n").contains("No DNS records are left"));
    }
}

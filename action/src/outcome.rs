//! What a run did, and how it is told: step outputs, the job summary and
//! the pull-request comment are all rendered from this one record (never
//! scraped from logs).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use comwit_client::models::{AppCleanup, DnsRecordToPublish};

use crate::failure::Failure;
use crate::hosts::{BoundHost, mode_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Deploy,
    Rollback,
    DryRun,
    Delete,
}

/// What `command: delete` removed, from the platform's delete report.
#[derive(Debug, Clone, Default)]
pub struct Removal {
    /// The app was already gone: nothing was removed (still a success, the
    /// contract's app delete being re-entrant).
    pub already_gone: bool,
    pub cleanup: AppCleanup,
    /// Records to remove at an external DNS provider.
    pub external_dns: Vec<DnsRecordToPublish>,
}

#[derive(Debug, Clone, Default)]
pub struct Artifact {
    pub sha256: String,
    pub size: u64,
    /// Kept on disk (dry runs, prebuilt archives).
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub kind: Kind,
    pub project: Option<String>,
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub created_app: bool,
    pub build_id: Option<String>,
    pub previous_build_id: Option<String>,
    pub hosts: Vec<String>,
    pub bound: Vec<BoundHost>,
    pub artifact: Option<Artifact>,
    pub env_keys: Vec<String>,
    /// The deploy's response was lost and the build found by listing.
    pub recovered: bool,
    pub timings: Vec<(&'static str, Duration)>,
    pub failure: Option<Failure>,
    /// The commit reported on (for the PR comment).
    pub sha: Option<String>,
    /// The post-deploy check that passed, as a line for the summary.
    pub verified: Option<String>,
    /// The build that failed the post-deploy check and was rolled back
    /// from (`build_id` is then the one re-activated).
    pub rolled_back_from: Option<String>,
    /// `command: delete`'s report.
    pub removal: Option<Removal>,
}

impl Outcome {
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            project: None,
            app_id: None,
            app_name: None,
            created_app: false,
            build_id: None,
            previous_build_id: None,
            hosts: Vec::new(),
            bound: Vec::new(),
            artifact: None,
            env_keys: Vec::new(),
            recovered: false,
            timings: Vec::new(),
            failure: None,
            sha: None,
            verified: None,
            rolled_back_from: None,
            removal: None,
        }
    }

    /// `https://` + the first host, when there is one.
    pub fn url(&self) -> Option<String> {
        self.hosts.first().map(|h| format!("https://{h}"))
    }

    /// Step outputs, in a fixed order. Empty values are written too so
    /// later steps can test them.
    pub fn outputs(&self) -> Vec<(&'static str, String)> {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        let mut out = vec![
            ("app-id", s(&self.app_id)),
            ("build-id", s(&self.build_id)),
            ("previous-build-id", s(&self.previous_build_id)),
            ("hosts", self.hosts.join(",")),
            ("url", self.url().unwrap_or_default()),
            (
                "artifact-sha256",
                self.artifact
                    .as_ref()
                    .map(|a| a.sha256.clone())
                    .unwrap_or_default(),
            ),
            (
                "artifact-size",
                self.artifact
                    .as_ref()
                    .map(|a| a.size.to_string())
                    .unwrap_or_default(),
            ),
            (
                "artifact-path",
                self.artifact
                    .as_ref()
                    .and_then(|a| a.path.as_ref())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            ("dns-records", self.dns_records()),
            ("dns-cleanup", self.dns_cleanup()),
        ];
        out.push(("skipped", "false".into()));
        out
    }

    /// External-DNS records to publish, one `TYPE NAME VALUE` per line.
    pub fn dns_records(&self) -> String {
        self.bound
            .iter()
            .flat_map(|b| b.records.iter())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// With `command: delete`, the records left at an external DNS
    /// provider, as a JSON array of `{record_type, name, value}` (`[]` when
    /// there are none, so `fromJSON` always works).
    pub fn dns_cleanup(&self) -> String {
        let records = self
            .removal
            .as_ref()
            .map(|r| r.external_dns.as_slice())
            .unwrap_or_default();
        serde_json::to_string(records).unwrap_or_else(|_| "[]".into())
    }

    fn app_label(&self) -> String {
        match (&self.app_name, &self.app_id) {
            (Some(n), Some(id)) if !n.is_empty() && n != id => format!("`{n}` (`{id}`)"),
            (_, Some(id)) => format!("`{id}`"),
            (Some(n), None) => format!("`{n}`"),
            (None, None) => "—".into(),
        }
    }

    fn heading(&self) -> String {
        let what = match self.kind {
            Kind::Deploy => "deploy",
            Kind::Rollback => "rollback",
            Kind::DryRun => "dry run",
            Kind::Delete => "delete",
        };
        let name = self
            .app_name
            .clone()
            .or_else(|| self.app_id.clone())
            .unwrap_or_else(|| "site".into());
        let mark = if self.failure.is_some() {
            "❌ failed"
        } else {
            "✅"
        };
        format!("### Comwit {what}: {name} {mark}")
    }

    /// The table shared by the job summary and the PR comment.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "{}\n", self.heading());
        if let Some(f) = &self.failure {
            let _ = writeln!(md, "**{}**: {}\n", f.title, md_escape(&f.message));
        }
        if self.kind == Kind::Delete && self.failure.is_none() {
            let _ = writeln!(md, "The app was deleted: this preview is removed.\n");
        }
        let _ = writeln!(md, "| | |\n|---|---|");
        if let Some(p) = &self.project {
            let _ = writeln!(md, "| Project | `{p}` |");
        }
        let created = if self.created_app {
            " — created by this run"
        } else {
            ""
        };
        let _ = writeln!(md, "| App | {}{created} |", self.app_label());
        self.write_build_row(&mut md);
        if let Some(v) = &self.verified {
            let _ = writeln!(md, "| Check | {} |", md_escape(v));
        }
        self.write_removal_row(&mut md);
        self.write_hosts_row(&mut md);
        self.write_artifact_rows(&mut md);
        if !self.env_keys.is_empty() {
            let _ = writeln!(md, "| Environment set | `{}` |", self.env_keys.join("`, `"));
        }
        if let Some(sha) = &self.sha {
            let _ = writeln!(md, "| Commit | `{}` |", &sha[..sha.len().min(12)]);
        }
        self.write_timings_row(&mut md);
        self.write_records(&mut md);
        self.write_dns_cleanup(&mut md);
        if let Some(hint) = self.rollback_hint() {
            let _ = writeln!(md, "\n{hint}");
        }
        md
    }

    /// The build row: the build, the one it replaced, and how it was found.
    fn write_build_row(&self, md: &mut String) {
        if let Some(b) = &self.build_id {
            let prev = self
                .previous_build_id
                .as_deref()
                .map(|p| format!(" (previous `{p}`)"))
                .unwrap_or_else(|| " (first build)".into());
            let recovered = if self.recovered {
                " — response lost, found by listing builds"
            } else {
                ""
            };
            let label = if self.kind == Kind::Rollback {
                "Active build"
            } else {
                "Build"
            };
            if let Some(failed) = &self.rolled_back_from {
                let _ = writeln!(
                    md,
                    "| {label} | `{failed}` failed the check — rolled back to `{b}` |"
                );
                return;
            }
            let _ = writeln!(md, "| {label} | `{b}`{prev}{recovered} |");
        }
    }

    /// The hosts row, each with its binding's status when it was finalized.
    fn write_hosts_row(&self, md: &mut String) {
        if !self.hosts.is_empty() {
            let hosts = self
                .hosts
                .iter()
                .map(|h| match self.bound.iter().find(|b| &b.host == h) {
                    Some(b) => format!("[{h}](https://{h}) ({}, {})", b.status, mode_name(b.mode)),
                    None => format!("[{h}](https://{h})"),
                })
                .collect::<Vec<_>>()
                .join("<br>");
            let _ = writeln!(md, "| Hosts | {hosts} |");
        }
    }

    /// The artifact's size and digest, and its path when it was on disk.
    fn write_artifact_rows(&self, md: &mut String) {
        if let Some(a) = &self.artifact {
            let _ = writeln!(
                md,
                "| Artifact | {} · sha256 `{}` |",
                human_bytes(a.size),
                a.sha256
            );
            if let Some(p) = &a.path {
                let _ = writeln!(md, "| Artifact path | `{}` |", p.display());
            }
        }
    }

    /// How long each step took.
    fn write_timings_row(&self, md: &mut String) {
        if !self.timings.is_empty() {
            let t = self
                .timings
                .iter()
                .map(|(name, d)| format!("{name} {:.2} s", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" · ");
            let _ = writeln!(md, "| Timings | {t} |");
        }
    }

    /// The DNS records left for the user to publish, as a table of their own.
    fn write_records(&self, md: &mut String) {
        let records: Vec<_> = self.bound.iter().flat_map(|b| b.records.iter()).collect();
        write_record_table(md, "Publish these records at your DNS provider:", &records);
    }

    /// With `command: delete`, what the platform removed.
    fn write_removal_row(&self, md: &mut String) {
        let Some(r) = &self.removal else {
            return;
        };
        if r.already_gone {
            let _ = writeln!(md, "| Removed | nothing: the app was already deleted |");
            return;
        }
        let c = &r.cleanup;
        let mut parts = vec![
            format!("{} build artifact(s)", c.build_artifacts),
            format!("{} environment key(s)", c.env_keys),
            format!("{} runtime resource(s)", c.runtime_resources),
            format!("{} managed DNS record(s)", c.managed_dns_records),
        ];
        if c.routing_pointer {
            parts.push("the routing pointer".into());
        }
        if !c.hostnames.is_empty() {
            parts.push(format!("hostnames `{}`", c.hostnames.join("`, `")));
        }
        let _ = writeln!(md, "| Removed | {} |", parts.join(" · "));
    }

    /// With `command: delete`, the records to remove at an external DNS
    /// provider, as a table of their own.
    fn write_dns_cleanup(&self, md: &mut String) {
        if let Some(r) = &self.removal {
            let records: Vec<_> = r.external_dns.iter().collect();
            write_record_table(
                md,
                "Remove these records at your DNS provider (the platform cannot):",
                &records,
            );
        }
    }

    /// How to undo this run.
    pub fn rollback_hint(&self) -> Option<String> {
        if self.failure.is_some() || matches!(self.kind, Kind::DryRun | Kind::Delete) {
            return None;
        }
        let app = self.app_id.as_deref()?;
        let prev = self.previous_build_id.as_deref()?;
        let project = self.project.as_deref().unwrap_or("PROJECT");
        Some(format!(
            "To roll back: run the action with `command: rollback` and `build-id: {prev}`, or \
             `comwit-deploy --command rollback --project {project} --app {app} --build-id {prev}`."
        ))
    }
}

/// `intro`, then `records` as a type/name/value table (nothing when empty).
fn write_record_table(md: &mut String, intro: &str, records: &[&DnsRecordToPublish]) {
    if records.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n{intro}\n\n| type | name | value |\n|---|---|---|");
    for r in records {
        let _ = writeln!(md, "| {} | `{}` | `{}` |", r.record_type, r.name, r.value);
    }
}

/// Markdown table cells cannot hold `|` or newlines.
fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_and_summary_come_from_the_record() {
        let mut o = Outcome::new(Kind::Deploy);
        o.project = Some("prj_1".into());
        o.app_id = Some("app_1".into());
        o.app_name = Some("web".into());
        o.build_id = Some("bld_2".into());
        o.previous_build_id = Some("bld_1".into());
        o.hosts = vec!["www.example.com".into()];
        o.artifact = Some(Artifact {
            sha256: "ab".repeat(32),
            size: 1_500_000,
            path: None,
        });
        let outputs = o.outputs();
        let get = |k: &str| outputs.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        assert_eq!(get("url"), "https://www.example.com");
        assert_eq!(get("artifact-size"), "1500000");
        assert_eq!(get("previous-build-id"), "bld_1");
        let md = o.markdown();
        assert!(
            md.contains("| Build | `bld_2` (previous `bld_1`) |"),
            "{md}"
        );
        assert!(md.contains("1.5 MB"), "{md}");
        assert!(md.contains("--build-id bld_1"), "{md}");
    }

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(52_428_800), "52.4 MB");
    }
}

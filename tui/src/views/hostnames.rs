//! An app's hostnames: attach (choosing the DNS mode), the records to
//! publish for `external_records`, managed DNS status with a one-key
//! retry when it failed, and finalize.

use comwit_client::models::{
    AttachResult, DnsMode, DnsRecordToPublish, Finalized, Hostname, ManagedDnsStatus, Record,
};
use comwit_client::{Client, Error};
use ratatui::layout::Constraint;
use ratatui::widgets::Cell;

use super::resource::{Column, Detail, KeyAction, List, Resource, reported};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::modal::{Field, Modal, Outcome, Values};

const MODES: [&str; 2] = ["external_records", "managed_project_domain"];

#[derive(Clone)]
pub enum Intent {
    Attach,
    Finalize(String),
}

pub enum Msg {
    Attached {
        domain: String,
        result: Result<AttachResult, Error>,
        /// Asked for to show the records again (not a new attach).
        lookup: bool,
    },
    Finalized(String, Result<Finalized, Error>),
}

pub struct Hostnames {
    project: String,
    app: String,
    /// The last attach, repeated by the error dialog's retry.
    last_attach: Option<(String, DnsMode)>,
    /// The records the platform wrote for this app in the project's
    /// managed zones, or why they could not be read.
    zone_records: Result<Vec<Record>, String>,
}

/// The status the platform gives a finalized hostname.
const ACTIVE: &str = "active";

/// The records the platform keeps for `app` in the project's managed
/// domains (`platform_app`, owned by the app). Read only to describe the
/// hostnames: a token without `domain:read` still gets its hostnames.
async fn app_zone_records(
    client: &Client,
    project: &str,
    app: &str,
) -> Result<Vec<Record>, String> {
    let domains = client.domains(project);
    let mut found = Vec::new();
    for d in domains.list().await.map_err(|e| e.to_string())? {
        if !d.is_managed() {
            continue;
        }
        let records = domains
            .records(&d.domain)
            .list()
            .await
            .map_err(|e| e.to_string())?;
        found.extend(
            records
                .into_iter()
                .filter(|r| r.is_platform_owned() && r.owner_resource_id.as_deref() == Some(app)),
        );
    }
    Ok(found)
}

/// Whether `record` is one of `host`'s (the host itself or a name under
/// it, like the `_cf-challenge` TXT).
fn belongs_to(record: &Record, host: &str) -> bool {
    let name = record.name.trim_end_matches('.');
    name == host || name.ends_with(&format!(".{host}"))
}

/// Short names for the table (the attach form spells them out).
fn mode_name(mode: Option<DnsMode>) -> &'static str {
    match mode {
        Some(DnsMode::ManagedProjectDomain) => "managed",
        Some(DnsMode::ExternalRecords) | None => "external",
    }
}

/// A mode as the platform spells it (the attach form's choices).
fn wire_mode(mode: DnsMode) -> &'static str {
    match mode {
        DnsMode::ExternalRecords => MODES[0],
        DnsMode::ManagedProjectDomain => MODES[1],
    }
}

/// The records to publish, one per line, ready to paste into a DNS panel.
fn records_text(records: &[DnsRecordToPublish]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{:<6} {}  {}", r.record_type, r.name, r.value))
        .collect()
}

impl Hostnames {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            last_attach: None,
            zone_records: Ok(Vec::new()),
        }
    }

    /// The DNS side of a hostname, as lines of its details.
    fn dns_facts(&self, h: &Hostname) -> Vec<(&'static str, String)> {
        if h.dns_mode != Some(DnsMode::ManagedProjectDomain) {
            return vec![(
                "records",
                "published by you at your DNS provider; p shows them".into(),
            )];
        }
        match &self.zone_records {
            Err(why) => vec![("records", format!("could not be read: {why}"))],
            Ok(all) => {
                let mine: Vec<String> = all
                    .iter()
                    .filter(|r| belongs_to(r, &h.domain))
                    .map(|r| format!("{} {} {}", r.kind, r.name, r.values.join(", ")))
                    .collect();
                if mine.is_empty() {
                    return vec![("records", "none in the project's managed zones".into())];
                }
                mine.into_iter().map(|line| ("record", line)).collect()
            }
        }
    }

    /// Attach is idempotent: the same call attaches, retries managed DNS,
    /// and fetches the records to publish again.
    fn attach(
        &mut self,
        list: &List<Self>,
        domain: String,
        mode: DnsMode,
        lookup: bool,
        cx: &mut Ctx<'_>,
    ) {
        self.last_attach = Some((domain.clone(), mode));
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        list.spawn(cx, async move {
            let result = client.apps(&project).app(&app).attach(&domain, mode).await;
            Msg::Attached {
                domain,
                result,
                lookup,
            }
        });
    }

    fn on_attached(
        &mut self,
        list: &mut List<Self>,
        domain: String,
        result: Result<AttachResult, Error>,
        lookup: bool,
        cx: &mut Ctx<'_>,
    ) {
        // The attach form (if it is waiting) closes once the host is
        // bound (a 202 with failed managed DNS included), and stays with
        // the reason on a refusal.
        let bound = match &result {
            Ok(_) => true,
            Err(e) => e.is_accepted_with_failure(),
        };
        if bound {
            list.accepted();
        }
        match result {
            Ok(r) if !r.dns_records.is_empty() => {
                let mut lines = vec![
                    format!("Publish these records for {domain} at your DNS provider,"),
                    "then select the hostname and press f to finalize:".into(),
                    String::new(),
                ];
                lines.extend(records_text(&r.dns_records));
                cx.end_work(ATTACH);
                list.open(Modal::info("Records to publish", lines));
            }
            Ok(r) => {
                let zone = r.managed_dns.map(|m| m.project_domain).unwrap_or_default();
                cx.outcome(
                    ATTACH,
                    Level::Success,
                    if lookup {
                        format!("{domain}: managed DNS applied in {zone}")
                    } else {
                        format!("attached {domain}; records written to {zone}")
                    },
                );
            }
            Err(Error::ManagedDnsFailed { result, .. }) => {
                let why = result
                    .managed_dns
                    .and_then(|m| m.message)
                    .unwrap_or_else(|| "no reason given".into());
                cx.outcome(
                    ATTACH,
                    Level::Warning,
                    format!(
                        "{domain} is bound but its DNS records failed ({why}); press t to retry"
                    ),
                );
            }
            Err(e) => {
                if list.refused(&e) {
                    cx.end_work(ATTACH);
                } else {
                    cx.fail_work(ATTACH, &format!("Attaching {domain}"), &e);
                }
            }
        }
        list.reload();
    }

    fn attach_form() -> Modal<Intent> {
        Modal::form(
            "Attach a hostname",
            vec![
                "external_records: you publish the records we show at your DNS provider.".into(),
                "managed_project_domain: the host is in a managed project domain; we write them."
                    .into(),
            ],
            vec![
                Field::text("hostname", ""),
                Field::choice("dns mode", &MODES, MODES[0]),
            ],
            Intent::Attach,
        )
    }

    fn submit_attach(&mut self, list: &mut List<Self>, values: Values, cx: &mut Ctx<'_>) {
        let domain = match super::checks::hostname(values.get("hostname")) {
            Ok(domain) => domain,
            Err(why) => return list.refuse(why),
        };
        let mode = if values.get("dns mode") == MODES[1] {
            DnsMode::ManagedProjectDomain
        } else {
            DnsMode::ExternalRecords
        };
        list.wait();
        self.attach(list, domain, mode, false, cx);
    }
}

/// The work key of an attach (or its managed-DNS retry): its outcome
/// replaces the "retrying…" toast.
const ATTACH: &str = "attach";

fn dns_failed(h: &Hostname) -> bool {
    h.managed_dns_status == Some(ManagedDnsStatus::Failed)
}

/// Finalized already: finalize has nothing left to do.
fn is_active(h: &Hostname) -> bool {
    h.status.as_deref() == Some(ACTIVE)
}

impl Resource for Hostnames {
    type Item = Hostname;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading hostnames";
    const COLUMNS: &'static [Column] = &[
        ("hostname", Constraint::Min(20)),
        ("dns mode", Constraint::Length(9)),
        ("status", Constraint::Length(10)),
        ("managed dns", Constraint::Length(11)),
    ];
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('a')],
            what: "attach a hostname",
            write: true,
            hint: |_, _| Some("attach"),
            run: |_, list, _| list.open(Hostnames::attach_form()),
        },
        KeyAction {
            keys: &[Binding::plain('t')],
            what: "retry managed DNS (when it failed)",
            write: true,
            hint: |_, list| {
                list.selected()
                    .filter(|h| dns_failed(h))
                    .map(|_| "retry DNS")
            },
            run: |hosts, list, cx| {
                let Some(domain) = list.selected().map(|h| h.domain.clone()) else {
                    return;
                };
                cx.progress(ATTACH, format!("retrying managed DNS for {domain}…"));
                hosts.attach(list, domain, DnsMode::ManagedProjectDomain, true, cx);
            },
        },
        KeyAction {
            keys: &[Binding::plain('p')],
            what: "the records to publish",
            write: false,
            hint: |_, list| {
                list.selected()
                    .filter(|h| h.dns_mode != Some(DnsMode::ManagedProjectDomain))
                    .map(|_| "records to publish")
            },
            // Attaching again is documented as idempotent: it returns the
            // records without changing anything.
            run: |hosts, list, cx| {
                if let Some(domain) = list.selected().map(|h| h.domain.clone()) {
                    hosts.attach(list, domain, DnsMode::ExternalRecords, true, cx);
                }
            },
        },
        KeyAction {
            keys: &[Binding::plain('f')],
            what: "finalize (once its records are published)",
            write: true,
            hint: |_, list| {
                list.selected()
                    .filter(|h| !is_active(h))
                    .map(|_| "finalize")
            },
            run: |_, list, _| {
                let Some(domain) = list.selected().map(|h| h.domain.clone()) else {
                    return;
                };
                list.open(Modal::confirm(
                    "Finalize",
                    vec![format!(
                        "Finalize {domain}? Do this once its DNS records are published."
                    )],
                    Intent::Finalize(domain),
                ));
            },
        },
    ];

    fn title(&self) -> String {
        "hostnames".into()
    }

    fn empty(&self) -> &'static str {
        "no hostnames: press a to attach one"
    }

    fn detail(&self, h: &Hostname) -> Detail {
        let dns = match &h.managed_dns_status {
            Some(s) if dns_failed(h) => format!("{s}: t retries the same attach"),
            Some(s) => s.to_string(),
            None => "– (external records: not managed by the platform)".into(),
        };
        let mut facts = vec![
            ("hostname", h.domain.clone()),
            ("dns mode", reported(h.dns_mode.map(wire_mode))),
            ("status", reported(h.status.as_deref())),
            ("managed dns", dns),
            ("attached", reported(h.created_at.as_deref())),
        ];
        facts.extend(self.dns_facts(h));
        Detail::Facts {
            title: h.domain.clone(),
            facts,
        }
    }

    fn cells(&self, h: &Hostname, theme: &Theme) -> Vec<Cell<'static>> {
        let (dns, dns_style) = match &h.managed_dns_status {
            Some(s @ ManagedDnsStatus::Failed) => (format!("{s} (t)"), theme.error),
            Some(s @ ManagedDnsStatus::Applied) => (s.to_string(), theme.ok),
            Some(other) => (other.to_string(), theme.dim),
            None => ("–".to_string(), theme.dim),
        };
        vec![
            Cell::from(h.domain.clone()),
            Cell::from(mode_name(h.dns_mode)),
            Cell::from(h.status.clone().unwrap_or_default()),
            Cell::from(dns).style(dns_style),
        ]
    }

    fn filter_text(&self, h: &Hostname) -> String {
        h.domain.clone()
    }

    /// The hostnames, and the records the platform wrote for them.
    type Loaded = (Vec<Hostname>, Result<Vec<Record>, String>);

    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Self::Loaded, Error>> + Send + 'static {
        let (project, app) = (self.project.clone(), self.app.clone());
        async move {
            let hosts = client.apps(&project).app(&app).hostnames().await?;
            let records = if hosts
                .iter()
                .any(|h| h.dns_mode == Some(DnsMode::ManagedProjectDomain))
            {
                app_zone_records(&client, &project, &app).await
            } else {
                Ok(Vec::new())
            };
            Ok((hosts, records))
        }
    }

    fn accept(&mut self, (hosts, records): Self::Loaded) -> Vec<Hostname> {
        self.zone_records = records;
        hosts
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Copy(text) => cx.copy("the records", text),
            Outcome::Submitted(Intent::Attach, values) => self.submit_attach(list, values, cx),
            // The confirm waits for the answer: a refusal shows in it.
            Outcome::Confirmed(Intent::Finalize(domain), _) => {
                list.wait();
                let (client, project, app) =
                    (cx.client().clone(), self.project.clone(), self.app.clone());
                list.spawn(cx, async move {
                    let result = client.apps(&project).app(&app).finalize(&domain).await;
                    Msg::Finalized(domain, result)
                });
            }
            _ => list.close(),
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Attached {
                domain,
                result,
                lookup,
            } => self.on_attached(list, domain, result, lookup, cx),
            Msg::Finalized(domain, result) => {
                match result {
                    Ok(f) => {
                        list.accepted();
                        let status = f.status.unwrap_or_else(|| "done".into());
                        cx.toast(Level::Success, format!("{domain} finalized ({status})"));
                    }
                    Err(e) => {
                        if !list.refused(&e) {
                            cx.fail(&format!("Finalizing {domain}"), &e);
                        }
                    }
                }
                list.reload();
            }
        }
    }

    /// The error dialog's retry repeats a failed attach, else reloads.
    fn retry(&mut self, list: &mut List<Self>, cx: &mut Ctx<'_>) -> bool {
        match self.last_attach.clone() {
            Some((domain, mode)) => {
                self.attach(list, domain, mode, false, cx);
                true
            }
            None => false,
        }
    }

    fn copy(&self, h: &Hostname) -> Option<(String, String)> {
        Some(("the hostname".to_string(), h.domain.clone()))
    }
}

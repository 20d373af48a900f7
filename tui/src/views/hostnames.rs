//! An app's hostnames: attach (choosing the DNS mode), the records to
//! publish for `external_records`, managed DNS status with a one-key
//! retry when it failed, and finalize.

use comwit_client::Error;
use comwit_client::models::{AttachResult, DnsMode, DnsRecordToPublish, Finalized, Hostname};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::detail::panel;
use super::{Hint, Interaction, ListUi, Remote, Update, View, hint, write_hint};
use crate::context::Ctx;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::list::PickerKey;
use crate::widgets::modal::{Field, Modal, Outcome};
use crate::widgets::table::{self, TableSpec};

const MODES: [&str; 2] = ["external_records", "managed_project_domain"];

#[derive(Clone)]
enum Intent {
    Attach,
    Finalize(String),
}

pub enum Msg {
    Loaded(Result<Vec<Hostname>, Error>),
    Attached {
        domain: String,
        result: Result<AttachResult, Error>,
        /// Asked for to show the records again (not a new attach).
        lookup: bool,
    },
    Finalized(String, Result<Finalized, Error>),
}

pub struct HostnamesView {
    project: String,
    app: String,
    data: Remote<Vec<Hostname>>,
    ui: ListUi<Intent>,
    /// The last attach, repeated by the error dialog's retry.
    last_attach: Option<(String, DnsMode)>,
}

/// Short names for the table (the attach form spells them out).
fn mode_name(mode: Option<DnsMode>) -> &'static str {
    match mode {
        Some(DnsMode::ManagedProjectDomain) => "managed",
        Some(DnsMode::ExternalRecords) | None => "external",
    }
}

/// The records to publish, one per line, ready to paste into a DNS panel.
fn records_text(records: &[DnsRecordToPublish]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{:<6} {}  {}", r.record_type, r.name, r.value))
        .collect()
}

impl HostnamesView {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            data: Remote::default(),
            ui: ListUi::default(),
            last_attach: None,
        }
    }

    fn hosts(&self) -> &[Hostname] {
        self.data.data.as_deref().unwrap_or(&[])
    }

    fn rows(&self) -> Vec<usize> {
        self.ui.rows(self.hosts(), host_text)
    }

    fn selected(&self) -> Option<&Hostname> {
        self.ui.selected(self.hosts(), host_text)
    }

    /// Attach is idempotent: the same call attaches, retries managed DNS,
    /// and fetches the records to publish again.
    fn attach(&mut self, domain: String, mode: DnsMode, lookup: bool, cx: &mut Ctx<'_>) {
        self.last_attach = Some((domain.clone(), mode));
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.spawn(async move {
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
        domain: String,
        result: Result<AttachResult, Error>,
        lookup: bool,
        cx: &mut Ctx<'_>,
    ) {
        match result {
            Ok(r) if !r.dns_records.is_empty() => {
                let mut lines = vec![
                    format!("Publish these records for {domain} at your DNS provider,"),
                    "then select the hostname and press f to finalize:".into(),
                    String::new(),
                ];
                lines.extend(records_text(&r.dns_records));
                self.ui.modal = Some(Modal::Info {
                    title: "Records to publish".into(),
                    lines,
                });
            }
            Ok(r) => {
                let zone = r.managed_dns.map(|m| m.project_domain).unwrap_or_default();
                cx.toast(
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
                cx.toast(
                    Level::Warning,
                    format!(
                        "{domain} is bound but its DNS records failed ({why}); press t to retry"
                    ),
                );
            }
            Err(e) => cx.fail(&format!("Attaching {domain}"), &e),
        }
        self.refresh(cx);
    }
}

/// What the `/` filter matches.
fn host_text(h: &Hostname) -> String {
    h.domain.clone()
}

impl View for HostnamesView {
    fn title(&self) -> String {
        "hostnames".into()
    }

    fn interaction(&self) -> Option<&dyn Interaction> {
        Some(&self.ui)
    }

    fn interaction_mut(&mut self) -> Option<&mut dyn Interaction> {
        Some(&mut self.ui)
    }

    fn hints(&self) -> Vec<Hint> {
        if let Some(h) = self.ui.hints() {
            return h;
        }
        let mut h = vec![write_hint("a", "attach")];
        if let Some(host) = self.selected() {
            if host.managed_dns_status.as_deref() == Some("failed") {
                h.push(write_hint("t", "retry DNS"));
            }
            if host.dns_mode != Some(DnsMode::ManagedProjectDomain) {
                h.push(hint("p", "records to publish"));
            }
            h.push(write_hint("f", "finalize"));
        }
        h
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if let Some(modal) = &mut self.ui.modal {
            match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Copy(text) => cx.copy("the records", text),
                Outcome::Submitted(Intent::Attach, values) => {
                    let domain = match super::checks::hostname(&values[0]) {
                        Ok(domain) => domain,
                        Err(why) => {
                            modal.refuse(why);
                            return true;
                        }
                    };
                    let mode = if values[1] == MODES[1] {
                        DnsMode::ManagedProjectDomain
                    } else {
                        DnsMode::ExternalRecords
                    };
                    self.ui.modal = None;
                    self.attach(domain, mode, false, cx);
                }
                Outcome::Confirmed(Intent::Finalize(domain), _) => {
                    self.ui.modal = None;
                    let (client, project, app) =
                        (cx.client().clone(), self.project.clone(), self.app.clone());
                    cx.spawn(async move {
                        let result = client.apps(&project).app(&app).finalize(&domain).await;
                        Msg::Finalized(domain, result)
                    });
                }
                _ => self.ui.modal = None,
            }
            return true;
        }
        let len = self.rows().len();
        if let PickerKey::Used = self.ui.cursor.on_key(key, len, 10) {
            return true;
        }
        let selected = self.selected().cloned();
        match (key.code, selected) {
            (KeyCode::Char('a'), _) => {
                if cx.may_write() {
                    self.ui.modal = Some(Modal::form(
                        "Attach a hostname",
                        vec![
                            "external_records: you publish the records we show at your DNS provider.".into(),
                            "managed_project_domain: the host is in a managed project domain; we write them.".into(),
                        ],
                        vec![
                            Field::text("hostname", ""),
                            Field::choice("dns mode", &MODES, MODES[0]),
                        ],
                        Intent::Attach,
                    ));
                }
            }
            (KeyCode::Char('t'), Some(h)) if h.managed_dns_status.as_deref() == Some("failed") => {
                if cx.may_write() {
                    cx.toast(
                        Level::Info,
                        format!("retrying managed DNS for {}…", h.domain),
                    );
                    self.attach(h.domain, DnsMode::ManagedProjectDomain, true, cx);
                }
            }
            (KeyCode::Char('p'), Some(h)) if h.dns_mode != Some(DnsMode::ManagedProjectDomain) => {
                // Attaching again is documented as idempotent: it returns
                // the records without changing anything.
                self.attach(h.domain, DnsMode::ExternalRecords, true, cx);
            }
            (KeyCode::Char('f'), Some(h)) => {
                if cx.may_write() {
                    self.ui.modal = Some(Modal::confirm(
                        "Finalize",
                        vec![format!(
                            "Finalize {}? Do this once its DNS records are published.",
                            h.domain
                        )],
                        Intent::Finalize(h.domain),
                    ));
                }
            }
            (KeyCode::Esc, _) if self.ui.cursor.clear_filter() => {}
            _ => return false,
        }
        true
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.data.start();
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.spawn(async move { Msg::Loaded(client.apps(&project).app(&app).hostnames().await) });
    }

    /// The error dialog's retry repeats a failed attach, else reloads.
    fn retry(&mut self, cx: &mut Ctx<'_>) {
        match self.last_attach.clone() {
            Some((domain, mode)) => self.attach(domain, mode, false, cx),
            None => self.refresh(cx),
        }
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected()
            .map(|h| ("the hostname".to_string(), h.domain.clone()))
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let mut above = Vec::new();
        if let Some(s) = self.data.status() {
            above.push(Line::styled(s, theme.dim));
        }
        let rows = self.rows();
        let hosts = self.data.data.as_deref().unwrap_or(&[]);
        table::draw(
            frame,
            area,
            TableSpec {
                block: panel(&self.title(), theme, focused),
                header: &["hostname", "dns mode", "status", "managed dns"],
                widths: &[
                    Constraint::Min(20),
                    Constraint::Length(9),
                    Constraint::Length(10),
                    Constraint::Length(11),
                ],
                above,
                empty: "no hostnames: press a to attach one",
                len: rows.len(),
                focused,
            },
            &mut self.ui.cursor,
            theme,
            |i| {
                let h = &hosts[rows[i]];
                let dns = h.managed_dns_status.clone().unwrap_or_else(|| "–".into());
                let dns_style = match dns.as_str() {
                    "failed" => theme.error,
                    "applied" => theme.ok,
                    _ => theme.dim,
                };
                Row::new(vec![
                    Cell::from(h.domain.clone()),
                    Cell::from(mode_name(h.dns_mode)),
                    Cell::from(h.status.clone().unwrap_or_default()),
                    Cell::from(if dns == "failed" {
                        "failed (t)".to_string()
                    } else {
                        dns
                    })
                    .style(dns_style),
                ])
            },
        );
    }
}

impl Update for HostnamesView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Loaded(result) => {
                if let Err(e) = &result {
                    cx.fail("Loading hostnames", e);
                }
                self.data.finish(result);
            }
            Msg::Attached {
                domain,
                result,
                lookup,
            } => self.on_attached(domain, result, lookup, cx),
            Msg::Finalized(domain, result) => {
                match result {
                    Ok(f) => cx.toast(
                        Level::Success,
                        format!(
                            "{domain} finalized ({})",
                            f.status.unwrap_or_else(|| "done".into())
                        ),
                    ),
                    Err(e) => cx.fail(&format!("Finalizing {domain}"), &e),
                }
                self.refresh(cx);
            }
        }
    }
}

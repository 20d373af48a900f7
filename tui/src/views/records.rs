//! One domain's records: the zone's status and a table of its records,
//! with create (`n`), edit (`e`), delete (`x`) and copy (`y`); the zone
//! exported to a file (`E`) or a file imported as a plan (`I`, see
//! [`super::zone_file`]).
//!
//! Two locks are enforced here before the API would refuse: records the
//! platform owns for an app hostname (`platform_app`) cannot be changed by
//! hand, and nothing can be created or edited while the domain waits for
//! delegation (deleting stays allowed, as the contract says).

use std::collections::HashMap;

use comwit_client::models::{
    App, Deleted, Domain, DomainStatus, NewRecord, Record, RecordOwner, RecordUpdate,
};
use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Wrap};

use super::checks::{self, DEFAULT_TTL, Draft, TYPES};
use super::dns_shared::status_badge;
use super::resource::{Column, Detail, KeyAction, List, Resource, reported};
use super::zone_file;
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::{Level, Notice};
use crate::theme::Theme;
use crate::widgets::modal::{Field, Modal, Outcome, Values};

#[derive(Debug, Clone)]
pub enum Intent {
    /// Export to the typed path.
    Export,
    /// Import the typed path (plan it first).
    Import,
    /// Apply this plan (its dialog was read and answered yes).
    Apply(Box<comwit_client::zone::plan::Plan>),
    Create,
    /// The record id.
    Edit(String),
    /// The record id and how to name it in messages.
    Delete(String, String),
}

pub enum Msg {
    Domains(Result<Vec<Domain>, Error>),
    Apps(Result<Vec<App>, Error>),
    Saved {
        label: String,
        result: Result<Record, Error>,
    },
    Deleted {
        label: String,
        result: Result<Deleted, Error>,
    },
    Exported(Result<String, String>),
    Planned(Result<comwit_client::zone::plan::Plan, String>),
    Applied(Result<usize, String>),
}

pub struct Records {
    project: String,
    zone: String,
    /// The project's domains, to know this one's status.
    domains: Option<Vec<Domain>>,
    /// The status the tree row showed, until the listing answers.
    initial_status: Option<DomainStatus>,
    platform_owned: usize,
    /// App names by id, for the owner badge (empty if apps can't be read).
    apps: HashMap<String, String>,
    /// Select this record once the list reloads (after a save).
    select_after_load: Option<String>,
}

const LOCKED_PENDING: &str = "disabled: domain not delegated yet";
const LOCKED_PLATFORM: &str = "locked: platform_app record";
/// What removes a record the platform wrote for an app hostname. The
/// contract has attach and finalize for hostnames but no call to detach
/// one, so the only ways are the two it documents: deleting the app
/// (its cleanup covers hostnames and their records) or the domain (which
/// deletes every record in its zone).
const PLATFORM_RECORD_LIFETIME: &str = "It is removed when that app is deleted or when this \
    domain is deleted; the platform offers no way to detach a single hostname.";

impl Records {
    pub fn new(project: String, zone: String, status: Option<DomainStatus>) -> Self {
        Self {
            project,
            zone,
            domains: None,
            initial_status: status,
            platform_owned: 0,
            apps: HashMap::new(),
            select_after_load: None,
        }
    }

    fn status(&self) -> Option<&DomainStatus> {
        match &self.domains {
            Some(list) => list
                .iter()
                .find(|d| d.domain == self.zone)
                .map(|d| &d.status),
            None => self.initial_status.as_ref(),
        }
    }

    /// Why records can't be created or edited now, if they can't.
    fn write_lock(&self) -> Option<String> {
        match self.status() {
            Some(DomainStatus::Managed) | None => None,
            Some(status) => Some(format!(
                "{} is {status}: records can be created or edited only once the domain is \
                 delegated (managed); point the registrar at the zone's nameservers and run a \
                 delegation check. Deleting still works.",
                self.zone
            )),
        }
    }

    /// `www CNAME` (what messages call a record).
    fn label(&self, r: &Record) -> String {
        format!("{} {}", checks::relative(&self.zone, &r.name), r.kind)
    }

    fn owner_app(&self, r: &Record) -> String {
        let id = r.owner_resource_id.as_deref().unwrap_or("an app");
        self.apps
            .get(id)
            .map(|name| format!("app {name}"))
            .unwrap_or_else(|| format!("app {id}"))
    }

    /// Refuses (with a toast saying why) changing a platform-owned record.
    fn refuse_platform_owned(&self, r: &Record, cx: &mut Ctx<'_>) -> bool {
        if !r.is_platform_owned() {
            return false;
        }
        cx.toast(
            Level::Warning,
            format!(
                "🔒 {} is managed by the platform for {} (platform_app): it can't be edited or \
                 deleted here. {}",
                self.label(r),
                self.owner_app(r),
                PLATFORM_RECORD_LIFETIME
            ),
        );
        true
    }

    fn refuse_locked(&self, cx: &mut Ctx<'_>) -> bool {
        match self.write_lock() {
            Some(why) => {
                cx.toast(Level::Warning, why);
                true
            }
            None => false,
        }
    }

    fn form(&self, title: String, record: Option<&Record>, intent: Intent) -> Modal<Intent> {
        let (name, kind, ttl, values) = match record {
            Some(r) => (
                checks::relative(&self.zone, &r.name),
                r.kind.as_str(),
                r.ttl.unwrap_or(DEFAULT_TTL).to_string(),
                r.values.clone(),
            ),
            None => (String::new(), "A", DEFAULT_TTL.to_string(), Vec::new()),
        };
        Modal::form(
            title,
            vec![format!(
                "name: www, @ for the apex, or a full name in {}. Values, one per line: \
                 A 192.0.2.10 · AAAA 2001:db8::1 · CNAME/A_ALIAS a host · MX \"10 mail.host\" · \
                 TXT text. TTL in seconds ({}-{}).",
                self.zone,
                checks::TTL_RANGE.start(),
                checks::TTL_RANGE.end()
            )],
            vec![
                Field::text("name", &name),
                Field::choice("type", TYPES, kind),
                Field::text("TTL", &ttl),
                Field::lines("values", &values),
            ],
            intent,
        )
    }

    fn start_create(&self, list: &mut List<Self>, cx: &mut Ctx<'_>) {
        if !self.refuse_locked(cx) {
            list.open(self.form(format!("New record in {}", self.zone), None, Intent::Create));
        }
    }

    fn start_edit(&self, list: &mut List<Self>, cx: &mut Ctx<'_>) {
        let Some(r) = list.selected() else {
            return;
        };
        if self.refuse_platform_owned(r, cx) || self.refuse_locked(cx) {
            return;
        }
        let form = self.form(
            format!("Edit {}", self.label(r)),
            Some(r),
            Intent::Edit(r.id.clone()),
        );
        list.open(form);
    }

    fn export(&self, list: &mut List<Self>, typed: String, cx: &mut Ctx<'_>) {
        list.wait();
        let (zone, records) = (self.zone.clone(), list.items().to_vec());
        list.spawn(cx, async move {
            Msg::Exported(zone_file::export(zone, records, typed).await)
        });
    }

    fn exported(&self, list: &mut List<Self>, result: Result<String, String>, cx: &mut Ctx<'_>) {
        match result {
            Ok(said) => {
                list.accepted();
                cx.toast(Level::Success, said);
            }
            Err(why) => refused(list, why, cx),
        }
    }

    /// Reads and plans the file; its dialog follows.
    fn plan_file(&self, list: &mut List<Self>, typed: String, cx: &mut Ctx<'_>) {
        list.wait();
        let (zone, records) = (self.zone.clone(), list.items().to_vec());
        list.spawn(cx, async move {
            Msg::Planned(zone_file::plan_file(zone, records, typed).await)
        });
    }

    fn planned(
        &self,
        list: &mut List<Self>,
        result: Result<comwit_client::zone::plan::Plan, String>,
        cx: &mut Ctx<'_>,
    ) {
        match result {
            Ok(plan) => {
                list.accepted();
                let dialog = zone_file::plan_dialog(&plan, Intent::Apply(Box::new(plan.clone())));
                list.open(dialog);
            }
            Err(why) => refused(list, why, cx),
        }
    }

    fn apply(
        &self,
        list: &mut List<Self>,
        plan: comwit_client::zone::plan::Plan,
        cx: &mut Ctx<'_>,
    ) {
        list.wait();
        let (client, project) = (cx.client().clone(), self.project.clone());
        list.spawn(cx, async move {
            Msg::Applied(zone_file::apply(client, project, plan).await)
        });
    }

    fn applied(&self, list: &mut List<Self>, result: Result<usize, String>, cx: &mut Ctx<'_>) {
        list.close();
        match result {
            Ok(done) => cx.toast(
                Level::Success,
                format!("applied {done} change(s) to {}", self.zone),
            ),
            Err(why) => cx.notice(Notice {
                title: format!("Applying the zone file to {}", self.zone),
                lines: vec![why],
                retry: None,
            }),
        }
        list.reload();
    }

    fn start_delete(&self, list: &mut List<Self>, cx: &mut Ctx<'_>) {
        let Some(r) = list.selected() else {
            return;
        };
        if self.refuse_platform_owned(r, cx) {
            return;
        }
        let label = self.label(r);
        let confirm = Modal::confirm(
            format!("Delete {label}"),
            vec![
                format!(
                    "Delete the {} record {} ({})?",
                    r.kind,
                    r.name,
                    r.values.join(", ")
                ),
                "Resolvers may keep answering with it until its TTL runs out.".into(),
            ],
            Intent::Delete(r.id.clone(), label),
        );
        list.open(confirm);
    }

    /// A loaded record the draft would collide with, and why (the API
    /// answers such writes 409; saying so in the form, naming the record
    /// and the fix, is faster and clearer). The record being edited does
    /// not count.
    fn clash(&self, records: &[Record], draft: &Draft, editing: Option<&str>) -> Option<String> {
        let (record, clash) = records
            .iter()
            .filter(|r| Some(r.id.as_str()) != editing)
            .find_map(|r| {
                checks::clash(&draft.fqdn, &draft.kind, &r.name, r.kind.as_str()).map(|c| (r, c))
            })?;
        Some(if record.is_platform_owned() {
            format!(
                "{} is managed by the platform for {}: a {} record can't be written at {}; \
                 use another name (the platform removes its record only with that app or \
                 this domain)",
                self.label(record),
                self.owner_app(record),
                draft.kind,
                draft.fqdn
            )
        } else {
            format!(
                "{} is already there ({}): {clash}",
                self.label(record),
                record.values.join(", ")
            )
        })
    }

    /// The form's values as a checked draft, or why they are refused.
    fn draft(&self, list: &List<Self>, intent: &Intent, values: &Values) -> Result<Draft, String> {
        let draft = checks::record(
            &self.zone,
            values.get("name"),
            values.get("type"),
            values.get("TTL"),
            values.get("values"),
        )?;
        let editing = match intent {
            Intent::Edit(id) => Some(id.as_str()),
            _ => None,
        };
        match self.clash(list.items(), &draft, editing) {
            Some(why) => Err(why),
            None => Ok(draft),
        }
    }

    fn submit(&mut self, list: &mut List<Self>, intent: Intent, values: Values, cx: &mut Ctx<'_>) {
        let draft = match self.draft(list, &intent, &values) {
            Ok(d) => d,
            Err(why) => return list.refuse(why),
        };
        list.wait();
        let client = cx.client().clone();
        let (project, zone) = (self.project.clone(), self.zone.clone());
        let label = format!(
            "{} {}",
            checks::relative(&self.zone, &draft.fqdn),
            draft.kind
        );
        match intent {
            Intent::Create => list.spawn(cx, async move {
                let record = NewRecord {
                    name: draft.name,
                    kind: draft.kind,
                    ttl: Some(draft.ttl),
                    values: draft.values,
                };
                let result = client
                    .domains(&project)
                    .records(&zone)
                    .create(&record)
                    .await;
                Msg::Saved { label, result }
            }),
            Intent::Edit(id) => list.spawn(cx, async move {
                let update = RecordUpdate {
                    name: Some(draft.name),
                    kind: Some(draft.kind),
                    ttl: Some(draft.ttl),
                    values: Some(draft.values),
                };
                let result = client
                    .domains(&project)
                    .records(&zone)
                    .update(&id, &update)
                    .await;
                Msg::Saved { label, result }
            }),
            // Not forms: answered in `dialog`.
            Intent::Delete(..) | Intent::Export | Intent::Import | Intent::Apply(_) => {}
        }
    }

    fn delete(&self, list: &List<Self>, id: String, label: String, cx: &mut Ctx<'_>) {
        let client = cx.client().clone();
        let (project, zone) = (self.project.clone(), self.zone.clone());
        list.spawn(cx, async move {
            let result = client.domains(&project).records(&zone).delete(&id).await;
            Msg::Deleted { label, result }
        });
    }

    /// A write came back to its waiting dialog (a form or a delete
    /// confirm): it closes, or shows the platform's reason with what was
    /// typed intact. With the dialog gone, a 409 is explained and anything
    /// else goes to the error dialog. The list reloads after a success or
    /// a conflict (it was out of date).
    fn written(
        &self,
        list: &mut List<Self>,
        what: String,
        result: Result<(), Error>,
        cx: &mut Ctx<'_>,
    ) {
        let err = match result {
            Ok(()) => {
                list.accepted();
                return list.reload();
            }
            Err(e) => e,
        };
        let shown = list.refused(&err);
        if err.is_conflict() {
            if !shown {
                cx.notice(conflict_notice(&what, &err));
            }
            list.reload();
        } else if !shown {
            cx.fail(&what, &err);
        }
    }

    /// The zone's badge and record count.
    fn badge(&self, list: &List<Self>, theme: &Theme) -> Line<'static> {
        let status = self.status();
        let head = match status {
            Some(s) => status_badge(s),
            None => "⟳ status loading…".into(),
        };
        let count = if list.is_loaded() {
            format!(
                " · {} records ({} platform-owned 🔒)",
                list.items().len(),
                self.platform_owned
            )
        } else {
            String::new()
        };
        let style = if status == Some(&DomainStatus::Managed) {
            theme.ok
        } else {
            theme.warn
        };
        Line::from(vec![Span::styled(head, style), Span::raw(count)])
    }
}

/// A file that could not be read or written: said in its dialog, or in a
/// toast when the dialog has gone.
fn refused(list: &mut List<Records>, why: String, cx: &mut Ctx<'_>) {
    if !list.refused_because(why.clone()) {
        cx.toast(Level::Warning, why);
    }
}

impl Resource for Records {
    type Item = Record;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading records";
    const COLUMNS: &'static [Column] = &[
        ("NAME", Constraint::Fill(2)),
        ("TYPE", Constraint::Length(7)),
        ("TTL", Constraint::Length(5)),
        ("VALUES", Constraint::Fill(3)),
        ("OWNER", Constraint::Length(10)),
    ];
    const DETAIL: u16 = 5;
    /// The locks come first: while one holds, its keys explain it.
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('n'), Binding::plain('e')],
            what: "refused while the domain is not delegated (says why)",
            write: true,
            hint: |rec, _| rec.write_lock().map(|_| LOCKED_PENDING),
            run: |rec, _, cx| {
                rec.refuse_locked(cx);
            },
        },
        KeyAction {
            keys: &[Binding::plain('n')],
            what: "new record",
            write: true,
            hint: |_, _| Some("new record"),
            run: |rec, list, cx| rec.start_create(list, cx),
        },
        KeyAction {
            keys: &[Binding::plain('e'), Binding::plain('x')],
            what: "refused on platform-owned records (says why)",
            write: true,
            hint: |_, list| {
                list.selected()
                    .filter(|r| r.is_platform_owned())
                    .map(|_| LOCKED_PLATFORM)
            },
            run: |rec, list, cx| {
                if let Some(r) = list.selected() {
                    rec.refuse_platform_owned(r, cx);
                }
            },
        },
        KeyAction {
            keys: &[Binding::plain('e')],
            what: "edit the record",
            write: true,
            hint: |rec, list| {
                list.selected()
                    .filter(|r| rec.write_lock().is_none() && !r.is_platform_owned())
                    .map(|_| "edit")
            },
            run: |rec, list, cx| rec.start_edit(list, cx),
        },
        KeyAction {
            keys: &[Binding::plain('x')],
            what: "delete the record",
            write: true,
            hint: |_, list| {
                list.selected()
                    .filter(|r| !r.is_platform_owned())
                    .map(|_| "delete")
            },
            run: |rec, list, cx| rec.start_delete(list, cx),
        },
        KeyAction {
            keys: &[Binding::plain('E')],
            what: "export the zone to a master file (or .json)",
            write: false,
            hint: |_, list| list.is_loaded().then_some("export"),
            run: |rec, list, _| list.open(zone_file::export_prompt(&rec.zone, Intent::Export)),
        },
        KeyAction {
            keys: &[Binding::plain('I')],
            what: "import a zone file: its plan shown in full, applied only on yes",
            write: true,
            hint: |rec, list| (list.is_loaded() && rec.write_lock().is_none()).then_some("import"),
            run: |rec, list, cx| {
                if !rec.refuse_locked(cx) {
                    list.open(zone_file::import_prompt(&rec.zone, Intent::Import));
                }
            },
        },
    ];

    fn title(&self) -> String {
        format!("{} records", self.zone)
    }

    fn empty(&self) -> &'static str {
        "No records yet."
    }

    fn detail(&self, r: &Record) -> Detail {
        let mut facts = vec![
            ("name", r.name.clone()),
            ("type", r.kind.to_string()),
            ("ttl", reported(r.ttl)),
            ("values", r.values.join(" · ")),
            ("owner", owner_name(r).to_string()),
            ("status", reported(r.status.as_deref())),
        ];
        if let Some(e) = &r.last_error {
            facts.push(("last error", e.clone()));
        }
        if r.is_platform_owned() {
            facts.push(("owned by", format!("{}'s hostname", self.owner_app(r))));
            facts.push(("removed", PLATFORM_RECORD_LIFETIME.to_string()));
        }
        facts.push(("id", r.id.clone()));
        Detail::Facts {
            title: self.label(r),
            facts,
        }
    }

    fn facts(&self, list: &List<Self>, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = vec![self.badge(list, theme)];
        if self.status().is_some_and(|s| *s != DomainStatus::Managed) {
            lines.push(Line::styled(
                "create/edit disabled until the domain is delegated; delete still works",
                theme.warn,
            ));
        }
        lines
    }

    fn cells(&self, r: &Record, theme: &Theme) -> Vec<Cell<'static>> {
        let owner = if r.is_platform_owned() {
            let app = r.owner_resource_id.as_deref().unwrap_or_default();
            let name = self.apps.get(app).map(String::as_str).unwrap_or(app);
            Cell::from(Line::styled(format!("🔒 {name}"), theme.locked))
        } else {
            Cell::from(owner_name(r).to_string())
        };
        vec![
            Cell::from(checks::relative(&self.zone, &r.name)),
            Cell::from(r.kind.to_string()),
            Cell::from(r.ttl.map(|t| t.to_string()).unwrap_or_default()),
            Cell::from(r.values.join(", ")),
            owner,
        ]
    }

    fn filter_text(&self, r: &Record) -> String {
        format!(
            "{} {} {} {}",
            checks::relative(&self.zone, &r.name),
            r.kind,
            r.values.join(" "),
            r.owner.as_ref().map_or("", RecordOwner::as_str)
        )
    }

    type Loaded = Vec<Record>;

    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Vec<Record>, Error>> + Send + 'static {
        let (project, zone) = (self.project.clone(), self.zone.clone());
        async move { client.domains(&project).records(&zone).list().await }
    }

    /// The apex first, then by name and type: a stable, readable order.
    fn accept(&mut self, mut records: Vec<Record>) -> Vec<Record> {
        let zone = self.zone.clone();
        records.sort_by_cached_key(|r| {
            (
                r.name.trim_end_matches('.') != zone,
                r.name.clone(),
                r.kind.to_string(),
            )
        });
        self.platform_owned = records.iter().filter(|r| r.is_platform_owned()).count();
        records
    }

    /// The status line says why the list is missing.
    fn load_failed(&mut self, _error: &Error) -> bool {
        false
    }

    fn loaded(&mut self, list: &mut List<Self>) {
        if let Some(id) = self.select_after_load.take() {
            list.select(|r| r.id == id);
        }
    }

    fn refresh_more(&mut self, list: &mut List<Self>, cx: &mut Ctx<'_>) {
        let (client, project) = (cx.client().clone(), self.project.clone());
        let (c, p) = (client.clone(), project.clone());
        list.spawn(cx, async move { Msg::Domains(c.domains(&p).list().await) });
        list.spawn(
            cx,
            async move { Msg::Apps(client.apps(&project).list().await) },
        );
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Submitted(intent, values) => self.submit(list, intent, values, cx),
            // The confirm waits for the answer: a refusal shows in it.
            Outcome::Confirmed(Intent::Delete(id, label), _) => {
                list.wait();
                self.delete(list, id, label, cx);
            }
            Outcome::Confirmed(Intent::Export, typed) => self.export(list, typed, cx),
            Outcome::Confirmed(Intent::Import, typed) => self.plan_file(list, typed, cx),
            Outcome::Confirmed(Intent::Apply(plan), _) => self.apply(list, *plan, cx),
            Outcome::Copy(_) => {}
            _ => list.close(),
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            // Without the listing the status stays the tree's.
            Msg::Domains(result) => self.domains = result.ok().or(self.domains.take()),
            Msg::Apps(Ok(apps)) => {
                self.apps = apps.into_iter().map(|a| (a.app_id, a.name)).collect();
            }
            // The badge falls back to the app id; not worth a dialog.
            Msg::Apps(Err(_)) => {}
            Msg::Saved { label, result } => {
                if let Ok(record) = &result {
                    cx.toast(Level::Success, format!("saved {label}"));
                    self.select_after_load = Some(record.id.clone());
                }
                let result = result.map(|_| ());
                self.written(list, format!("Saving {label}"), result, cx);
            }
            Msg::Deleted { label, result } => {
                if result.is_ok() {
                    cx.toast(Level::Success, format!("deleted {label}"));
                }
                let result = result.map(|_| ());
                self.written(list, format!("Deleting {label}"), result, cx);
            }
            Msg::Exported(result) => self.exported(list, result, cx),
            Msg::Planned(result) => self.planned(list, result, cx),
            Msg::Applied(result) => self.applied(list, result, cx),
        }
    }

    fn copy(&self, r: &Record) -> Option<(String, String)> {
        Some((
            format!("the values of {}", self.label(r)),
            r.values.join("\n"),
        ))
    }

    fn draw_detail(&self, r: &Record, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let owner = if r.is_platform_owned() {
            format!("🔒 platform_app: {} (read-only here)", self.owner_app(r))
        } else {
            owner_name(r).to_string()
        };
        let mut lines = vec![
            Line::from(vec![
                Span::styled(format!("{} {}", r.name, r.kind), theme.accent),
                Span::raw(format!(
                    "  TTL {}  {}",
                    r.ttl.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                    r.status.as_deref().unwrap_or_default()
                )),
            ]),
            Line::raw(format!("owner: {owner}")),
        ];
        if let Some(e) = &r.last_error {
            lines.push(Line::styled(format!("✗ {e}"), theme.error));
        }
        lines.push(Line::raw(r.values.join(" · ")));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }
}

/// Who owns a record, as the owner column says it (`user` when unsaid).
fn owner_name(r: &Record) -> &str {
    r.owner
        .as_ref()
        .map_or(RecordOwner::User.as_str(), RecordOwner::as_str)
}

/// A 409 explained: which kinds of conflict the platform reports.
fn conflict_notice(what: &str, err: &Error) -> Notice {
    let detail = err
        .problem()
        .map(|p| p.message().to_string())
        .unwrap_or_else(|| err.to_string());
    Notice::message(
        "Conflict",
        vec![
            format!("{what} failed: the platform refused it (409). Nothing was changed."),
            detail,
            "A name holds one record per type and a CNAME shares its name with nothing \
             (edit the existing record instead); app hostnames' records are the platform's; \
             records need a delegated domain."
                .into(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::View;
    use crate::views::resource::ResourceView;

    fn record(id: &str, name: &str, kind: &str, owner: &str) -> Record {
        Record {
            id: id.into(),
            name: name.into(),
            kind: kind.into(),
            ttl: Some(300),
            values: vec!["192.0.2.1".into()],
            owner: Some(owner.into()),
            owner_resource_id: (owner == "platform_app").then(|| "app_1".to_string()),
            ..Record::default()
        }
    }

    fn view_with(records: Vec<Record>) -> ResourceView<Records> {
        let records_view = Records::new("p".into(), "shop.example".into(), Some("managed".into()));
        ResourceView::loaded(records_view, records)
    }

    #[test]
    fn the_filter_narrows_rows_and_the_apex_sorts_first() {
        let mut v = view_with(vec![
            record("r2", "www.shop.example", "A", "user"),
            record("r1", "shop.example", "A", "user"),
            record("r3", "mail.shop.example", "MX", "user"),
        ]);
        assert_eq!(
            v.list().selected().map(|r| r.id.as_str()),
            Some("r1"),
            "apex first"
        );
        v.list_mut().filter_by("MAIL");
        assert_eq!(v.list().shown(), 1);
        assert_eq!(v.list().selected().map(|r| r.id.as_str()), Some("r3"));
    }

    fn screen(view: &mut ResourceView<Records>) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(90, 24)).expect("terminal");
        terminal
            .draw(|f| view.draw(f, f.area(), &Theme::monochrome(), true))
            .expect("draw");
        crate::widgets::buffer_text(terminal.backend().buffer())
    }

    #[test]
    fn a_zone_of_ten_thousand_records_scrolls_and_filters() {
        let records: Vec<Record> = (0..10_000)
            .map(|i| {
                record(
                    &format!("r{i}"),
                    &format!("host-{i:05}.shop.example"),
                    "A",
                    "user",
                )
            })
            .collect();
        let mut v = view_with(records);
        assert_eq!(v.list().shown(), 10_000);
        v.list_mut().select(|r| r.id == "r9999");
        let text = screen(&mut v);
        assert!(
            text.contains("host-09999"),
            "the last row is in view:\n{text}"
        );
        assert!(!text.contains("host-00000"), "the first is scrolled away");
        v.list_mut().filter_by("host-0421");
        assert_eq!(v.list().shown(), 10, "host-04210 … host-04219");
        let text = screen(&mut v);
        assert!(
            text.contains("host-04219") && text.contains("/host-0421"),
            "{text}"
        );
    }

    #[test]
    fn pending_domains_lock_writes_and_platform_records_clash() {
        let mut v = view_with(vec![record(
            "r1",
            "www.shop.example",
            "CNAME",
            "platform_app",
        )]);
        assert!(v.resource().write_lock().is_none());
        v.resource_mut().apps.insert("app_1".into(), "web".into());
        let (rec, list) = (v.resource(), v.list());
        let draft = checks::record("shop.example", "www", "TXT", "300", "x").unwrap();
        let why = rec
            .clash(list.items(), &draft, None)
            .expect("a CNAME owns its name");
        assert!(why.contains("app web"), "{why}");
        let other = checks::record("shop.example", "api", "A", "300", "192.0.2.1").unwrap();
        assert!(rec.clash(list.items(), &other, None).is_none());

        let pending = Records::new(
            "p".into(),
            "newbrand.example".into(),
            Some("pending_delegation".into()),
        );
        let why = pending.write_lock().expect("locked while pending");
        assert!(why.contains("Deleting still works"), "{why}");
    }
}

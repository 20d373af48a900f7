//! One domain's records: the zone's status and a table of its records,
//! with create (`n`), edit (`e`), delete (`x`) and copy (`y`).
//!
//! Two locks are enforced here before the API would refuse: records the
//! platform owns for an app hostname (`platform_app`) cannot be changed by
//! hand, and nothing can be created or edited while the domain waits for
//! delegation (deleting stays allowed, as the contract says).

use std::collections::HashMap;

use comwit_client::Error;
use comwit_client::models::{App, Deleted, Domain, NewRecord, Record, RecordUpdate};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

use super::checks::{self, DEFAULT_TTL, Draft, TYPES};
use super::detail::panel;
use super::dns_shared::{MANAGED, status_badge};
use super::{Hint, Remote, Update, View, hint, write_hint};
use crate::context::Ctx;
use crate::notice::{Level, Notice};
use crate::theme::Theme;
use crate::widgets::list::{Picker, PickerKey};
use crate::widgets::modal::{Field, Modal, Outcome};

#[derive(Debug, Clone)]
enum Intent {
    Create,
    /// The record id.
    Edit(String),
    /// The record id and how to name it in messages.
    Delete(String, String),
}

pub enum Msg {
    Domains(Result<Vec<Domain>, Error>),
    Records(Result<Vec<Record>, Error>),
    Apps(Result<Vec<App>, Error>),
    Saved {
        label: String,
        result: Result<Record, Error>,
    },
    Deleted {
        label: String,
        result: Result<Deleted, Error>,
    },
}

pub struct RecordsView {
    project: String,
    zone: String,
    /// The project's domains, to know this one's status.
    domains: Remote<Vec<Domain>>,
    /// The status the tree row showed, until the listing answers.
    initial_status: Option<String>,
    records: Remote<Vec<Record>>,
    /// Lowercased text each record is filtered on (built once per load).
    haystack: Vec<String>,
    platform_owned: usize,
    /// App names by id, for the owner badge (empty if apps can't be read).
    apps: HashMap<String, String>,
    cursor: Picker,
    /// Positions in `records` that pass the filter.
    rows: Vec<usize>,
    /// Rows visible at once (for page keys), from the last draw.
    page: usize,
    /// Select this record once the list reloads (after a save).
    select_after_load: Option<String>,
    modal: Option<Modal<Intent>>,
}

impl RecordsView {
    pub fn new(project: String, zone: String, status: Option<String>) -> Self {
        Self {
            project,
            zone,
            domains: Remote::default(),
            initial_status: status,
            records: Remote::default(),
            haystack: Vec::new(),
            platform_owned: 0,
            apps: HashMap::new(),
            cursor: Picker::default(),
            rows: Vec::new(),
            page: 10,
            select_after_load: None,
            modal: None,
        }
    }

    fn status(&self) -> Option<&str> {
        match &self.domains.data {
            Some(list) => list
                .iter()
                .find(|d| d.domain == self.zone)
                .map(|d| d.status.as_str()),
            None => self.initial_status.as_deref(),
        }
    }

    /// Why records can't be created or edited now, if they can't.
    fn write_lock(&self) -> Option<String> {
        match self.status() {
            Some(MANAGED) | None => None,
            Some(status) => Some(format!(
                "{} is {status}: records can be created or edited only once the domain is \
                 delegated (managed); point the registrar at the zone's nameservers and run a \
                 delegation check. Deleting still works.",
                self.zone
            )),
        }
    }

    fn list(&self) -> &[Record] {
        self.records.data.as_deref().unwrap_or_default()
    }

    fn selected(&self) -> Option<&Record> {
        self.cursor
            .current(&self.rows)
            .and_then(|i| self.list().get(i))
    }

    /// Rebuilds the filtered rows; only when the list or the filter changes.
    fn refilter(&mut self) {
        let needle = self.cursor.filter.text().to_lowercase();
        self.rows = if needle.is_empty() {
            (0..self.haystack.len()).collect()
        } else {
            self.haystack
                .iter()
                .enumerate()
                .filter(|(_, h)| h.contains(&needle))
                .map(|(i, _)| i)
                .collect()
        };
    }

    fn loaded(&mut self, mut records: Vec<Record>) {
        let zone = self.zone.clone();
        // The apex first, then by name and type: a stable, readable order.
        records.sort_by(|a, b| {
            let key = |r: &Record| {
                (
                    r.name.trim_end_matches('.') != zone,
                    r.name.clone(),
                    r.kind.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        self.haystack = records
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    checks::relative(&self.zone, &r.name),
                    r.kind,
                    r.values.join(" "),
                    r.owner.as_deref().unwrap_or_default()
                )
                .to_lowercase()
            })
            .collect();
        self.platform_owned = records.iter().filter(|r| r.is_platform_owned()).count();
        self.records.finish(Ok(records));
        self.refilter();
        if let Some(id) = self.select_after_load.take()
            && let Some(pos) = self.rows.iter().position(|&i| self.list()[i].id == id)
        {
            self.cursor.selected = pos;
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
    fn refuse_platform_owned(&self, r: &Record, action: &str, cx: &mut Ctx<'_>) -> bool {
        if !r.is_platform_owned() {
            return false;
        }
        cx.toast(
            Level::Warning,
            format!(
                "🔒 {} is managed by the platform for {} (platform_app): it can't be {action} \
                 here; change or detach that app's hostname instead",
                self.label(r),
                self.owner_app(r)
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

    fn start_create(&mut self, cx: &mut Ctx<'_>) {
        if self.refuse_locked(cx) || !cx.may_write() {
            return;
        }
        self.modal = Some(self.form(format!("New record in {}", self.zone), None, Intent::Create));
    }

    fn start_edit(&mut self, cx: &mut Ctx<'_>) {
        let Some(r) = self.selected() else {
            return;
        };
        if self.refuse_platform_owned(r, "edited", cx) || self.refuse_locked(cx) || !cx.may_write()
        {
            return;
        }
        let modal = self.form(
            format!("Edit {}", self.label(r)),
            Some(r),
            Intent::Edit(r.id.clone()),
        );
        self.modal = Some(modal);
    }

    fn start_delete(&mut self, cx: &mut Ctx<'_>) {
        let Some(r) = self.selected() else {
            return;
        };
        if self.refuse_platform_owned(r, "deleted", cx) || !cx.may_write() {
            return;
        }
        let label = self.label(r);
        self.modal = Some(Modal::confirm(
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
        ));
    }

    /// A platform-owned record the draft would collide with (the API
    /// answers 409; saying so in the form is faster and clearer).
    fn platform_clash(&self, draft: &Draft, editing: Option<&str>) -> Option<String> {
        self.list()
            .iter()
            .filter(|r| r.is_platform_owned() && Some(r.id.as_str()) != editing)
            .find(|r| checks::clashes(&draft.fqdn, &draft.kind, &r.name, &r.kind))
            .map(|r| {
                format!(
                    "{} is managed by the platform for {}: a {} record can't be written at {}",
                    self.label(r),
                    self.owner_app(r),
                    draft.kind,
                    draft.fqdn
                )
            })
    }

    fn submit(&mut self, intent: Intent, values: Vec<String>, cx: &mut Ctx<'_>) {
        let field = |i: usize| values.get(i).map(String::as_str).unwrap_or_default();
        let checked = checks::record(&self.zone, field(0), field(1), field(2), field(3));
        let editing = match &intent {
            Intent::Edit(id) => Some(id.as_str()),
            _ => None,
        };
        let draft = match checked.and_then(|d| match self.platform_clash(&d, editing) {
            Some(why) => Err(why),
            None => Ok(d),
        }) {
            Ok(d) => d,
            Err(why) => {
                if let Some(m) = &mut self.modal {
                    m.refuse(why);
                }
                return;
            }
        };
        if !cx.may_write() {
            return;
        }
        self.modal = None;
        let client = cx.client().clone();
        let (project, zone) = (self.project.clone(), self.zone.clone());
        let label = format!(
            "{} {}",
            checks::relative(&self.zone, &draft.fqdn),
            draft.kind
        );
        match intent {
            Intent::Create => cx.spawn(async move {
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
            Intent::Edit(id) => cx.spawn(async move {
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
            Intent::Delete(..) => {}
        }
    }

    fn delete(&mut self, id: String, label: String, cx: &mut Ctx<'_>) {
        if !cx.may_write() {
            return;
        }
        let client = cx.client().clone();
        let (project, zone) = (self.project.clone(), self.zone.clone());
        cx.spawn(async move {
            let result = client.domains(&project).records(&zone).delete(&id).await;
            Msg::Deleted { label, result }
        });
    }

    fn on_modal_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) {
        let Some(modal) = &mut self.modal else {
            return;
        };
        match modal.on_key(key) {
            Outcome::Open | Outcome::Copy(_) => {}
            Outcome::Cancelled => self.modal = None,
            Outcome::Submitted(intent, values) => self.submit(intent, values, cx),
            Outcome::Confirmed(Intent::Delete(id, label), _) => {
                self.modal = None;
                self.delete(id, label, cx);
            }
            Outcome::Confirmed(..) => self.modal = None,
        }
    }

    fn draw_status(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let mut lines = Vec::new();
        let status = self.status();
        let head = match status {
            Some(s) => status_badge(s),
            None => "⟳ status loading…".into(),
        };
        let count = match &self.records.data {
            Some(list) => format!(
                " · {} records ({} platform-owned 🔒)",
                list.len(),
                self.platform_owned
            ),
            None => String::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(
                head,
                if status == Some(MANAGED) {
                    theme.ok
                } else {
                    theme.warn
                },
            ),
            Span::raw(count),
        ]));
        if let Some(s) = self.records.status() {
            lines.push(Line::styled(s, theme.dim));
        } else if status.is_some_and(|s| s != MANAGED) {
            lines.push(Line::styled(
                "create/edit disabled until the domain is delegated; delete still works",
                theme.warn,
            ));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn draw_detail(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let Some(r) = self.selected() else {
            return;
        };
        let owner = if r.is_platform_owned() {
            format!("🔒 platform_app: {} (read-only here)", self.owner_app(r))
        } else {
            r.owner.clone().unwrap_or_else(|| "user".into())
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

impl View for RecordsView {
    fn title(&self) -> String {
        format!("{} records", self.zone)
    }

    fn hints(&self) -> Vec<Hint> {
        if let Some(m) = &self.modal {
            return super::modal_hints(m);
        }
        if self.cursor.filtering {
            return super::filter_hints();
        }
        let mut hints = vec![hint("↑↓/jk", "move")];
        if self.write_lock().is_some() {
            hints.push(write_hint("n/e", "disabled: domain not delegated yet"));
        } else {
            hints.push(write_hint("n", "new record"));
        }
        match self.selected() {
            Some(r) if r.is_platform_owned() => {
                hints.push(hint("e/x", "locked: platform_app record"));
            }
            Some(_) => {
                if self.write_lock().is_none() {
                    hints.push(write_hint("e", "edit"));
                }
                hints.push(write_hint("x", "delete"));
            }
            None => {}
        }
        hints
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if self.modal.is_some() {
            self.on_modal_key(key, cx);
            return true;
        }
        let filtering = self.cursor.filtering;
        if let PickerKey::Used = self.cursor.on_key(key, self.rows.len(), self.page) {
            if filtering {
                self.refilter();
            }
            return true;
        }
        match key.code {
            KeyCode::Char('n') => self.start_create(cx),
            KeyCode::Char('e') => self.start_edit(cx),
            KeyCode::Char('x') => self.start_delete(cx),
            KeyCode::Esc if self.cursor.clear_filter() => self.refilter(),
            _ => return false,
        }
        true
    }

    fn on_paste(&mut self, text: &str) -> bool {
        if let Some(m) = &mut self.modal {
            m.on_paste(text);
        } else if self.cursor.filtering {
            self.cursor.filter.insert_str(text);
            self.refilter();
        } else {
            return false;
        }
        true
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let block = panel(&self.title(), theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let filter = self.cursor.filter_line();
        let [status, table, detail, filter_area] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(2),
            Constraint::Length(5),
            Constraint::Length(u16::from(filter.is_some())),
        ])
        .areas(inner);
        self.draw_status(frame, status, theme);
        self.page = table.height.saturating_sub(1).max(1) as usize;
        if self.records.data.as_ref().is_some_and(|r| r.is_empty()) {
            frame.render_widget(Line::raw("No records yet."), table);
        } else {
            let records = self.records.data.as_deref().unwrap_or_default();
            let (rows, zone, apps) = (&self.rows, &self.zone, &self.apps);
            crate::widgets::table::draw_rows(
                frame,
                table,
                &mut self.cursor,
                rows.len(),
                &["NAME", "TYPE", "TTL", "VALUES", "OWNER"],
                &[
                    Constraint::Fill(2),
                    Constraint::Length(7),
                    Constraint::Length(5),
                    Constraint::Fill(3),
                    Constraint::Length(10),
                ],
                |i| {
                    let r = &records[rows[i]];
                    let owner = if r.is_platform_owned() {
                        let app = r.owner_resource_id.as_deref().unwrap_or_default();
                        Cell::from(Line::styled(
                            format!("🔒 {}", apps.get(app).map(String::as_str).unwrap_or(app)),
                            theme.locked,
                        ))
                    } else {
                        Cell::from(r.owner.clone().unwrap_or_else(|| "user".into()))
                    };
                    Row::new(vec![
                        Cell::from(checks::relative(zone, &r.name)),
                        Cell::from(r.kind.clone()),
                        Cell::from(r.ttl.map(|t| t.to_string()).unwrap_or_default()),
                        Cell::from(r.values.join(", ")),
                        owner,
                    ])
                },
                theme,
                focused,
            );
        }
        self.draw_detail(frame, detail, theme);
        if let Some(f) = filter {
            frame.render_widget(Line::styled(f, theme.accent), filter_area);
        }
    }

    fn draw_modal(&self, frame: &mut Frame<'_>, theme: &Theme) {
        if let Some(m) = &self.modal {
            m.draw(frame, theme);
        }
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.records.start();
        self.domains.start();
        let client = cx.client().clone();
        let (project, zone) = (self.project.clone(), self.zone.clone());
        let c = client.clone();
        let p = project.clone();
        cx.spawn(async move { Msg::Records(c.domains(&p).records(&zone).list().await) });
        let c = client.clone();
        let p = project.clone();
        cx.spawn(async move { Msg::Domains(c.domains(&p).list().await) });
        cx.spawn(async move { Msg::Apps(client.apps(&project).list().await) });
    }

    fn captures_keys(&self) -> bool {
        self.modal.is_some() || self.cursor.filtering
    }

    fn filter(&mut self) -> bool {
        self.cursor.start_filter();
        true
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected().map(|r| {
            (
                format!("the values of {}", self.label(r)),
                r.values.join("\n"),
            )
        })
    }
}

impl Update for RecordsView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Domains(result) => self.domains.finish(result),
            Msg::Records(Ok(records)) => self.loaded(records),
            Msg::Records(Err(e)) => self.records.finish(Err(e)),
            Msg::Apps(Ok(apps)) => {
                self.apps = apps.into_iter().map(|a| (a.app_id, a.name)).collect();
            }
            // The badge falls back to the app id; not worth a dialog.
            Msg::Apps(Err(_)) => {}
            Msg::Saved { label, result } => match result {
                Ok(record) => {
                    cx.toast(Level::Success, format!("saved {label}"));
                    self.select_after_load = Some(record.id);
                    self.refresh(cx);
                }
                Err(e) if e.is_conflict() => {
                    cx.notice(conflict_notice(&format!("Saving {label}"), &e));
                    self.refresh(cx);
                }
                Err(e) => cx.fail(&format!("Saving {label}"), &e),
            },
            Msg::Deleted { label, result } => match result {
                Ok(_) => {
                    cx.toast(Level::Success, format!("deleted {label}"));
                    self.refresh(cx);
                }
                Err(e) if e.is_conflict() => {
                    cx.notice(conflict_notice(&format!("Deleting {label}"), &e));
                    self.refresh(cx);
                }
                Err(e) => cx.fail(&format!("Deleting {label}"), &e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn view_with(records: Vec<Record>) -> RecordsView {
        let mut v = RecordsView::new("p".into(), "shop.example".into(), Some("managed".into()));
        v.loaded(records);
        v
    }

    #[test]
    fn the_filter_narrows_rows_and_the_apex_sorts_first() {
        let mut v = view_with(vec![
            record("r2", "www.shop.example", "A", "user"),
            record("r1", "shop.example", "A", "user"),
            record("r3", "mail.shop.example", "MX", "user"),
        ]);
        assert_eq!(
            v.selected().map(|r| r.id.as_str()),
            Some("r1"),
            "apex first"
        );
        v.cursor.filter.set("MAIL");
        v.refilter();
        assert_eq!(v.rows.len(), 1);
        assert_eq!(v.selected().map(|r| r.id.as_str()), Some("r3"));
    }

    fn screen(view: &mut RecordsView) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(90, 24)).expect("terminal");
        terminal
            .draw(|f| view.draw(f, f.area(), &Theme::monochrome(), true))
            .expect("draw");
        let buffer = terminal.backend().buffer().clone();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
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
        assert_eq!(v.rows.len(), 10_000);
        v.cursor.selected = 9_999;
        let text = screen(&mut v);
        assert!(
            text.contains("host-09999"),
            "the last row is in view:\n{text}"
        );
        assert!(!text.contains("host-00000"), "the first is scrolled away");
        v.cursor.filter.set("host-0421");
        v.refilter();
        assert_eq!(v.rows.len(), 10, "host-04210 … host-04219");
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
        assert!(v.write_lock().is_none());
        v.apps.insert("app_1".into(), "web".into());
        let draft = checks::record("shop.example", "www", "TXT", "300", "x").unwrap();
        let why = v
            .platform_clash(&draft, None)
            .expect("a CNAME owns its name");
        assert!(why.contains("app web"), "{why}");
        let other = checks::record("shop.example", "api", "A", "300", "192.0.2.1").unwrap();
        assert!(v.platform_clash(&other, None).is_none());

        let pending = RecordsView::new(
            "p".into(),
            "newbrand.example".into(),
            Some("pending_delegation".into()),
        );
        let why = pending.write_lock().expect("locked while pending");
        assert!(why.contains("Deleting still works"), "{why}");
    }
}

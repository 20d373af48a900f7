//! A project's apps, shown when the tree's "apps" group is selected: each
//! with its active build and how long ago that build was made, so the
//! group answers "what runs where" without opening every app. `enter`
//! opens the app where the tree shows it (its builds), as the tree does;
//! `n` creates one and `x` deletes one (by typing its name), showing the
//! platform's cleanup report.

use std::time::SystemTime;

use comwit_client::models::{App, AppDeletion, Build};
use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph};

use super::cleanup;
use super::resource::{Column, Detail, KeyAction, List, Resource};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::age::ago;
use crate::widgets::modal::{Modal, Outcome};
use crate::widgets::short_time;

/// An app and the details of its active build (`None` before the first
/// deploy, or when its builds could not be listed).
pub struct AppRow {
    pub app: App,
    pub active: Option<Build>,
}

impl AppRow {
    /// How long ago the active build was made, when known.
    pub fn deployed(&self, now: SystemTime) -> Option<String> {
        let at = self.active.as_ref()?.created_at.as_deref()?;
        Some(ago(at, now))
    }

    /// "build-… · just now", or that there is none yet.
    pub fn build_text(&self) -> String {
        match (self.app.active_build(), self.deployed(SystemTime::now())) {
            (None, _) => "no deploy yet".into(),
            (Some(id), Some(age)) => format!("{id} · {age}"),
            (Some(id), None) => id.to_string(),
        }
    }
}

/// The apps of `project` by name, each with its active build. A builds
/// listing that fails leaves that app's build age out, not the list.
pub async fn load(client: &Client, project: &str) -> Result<Vec<AppRow>, Error> {
    let apps = client.apps(project);
    let mut rows = Vec::new();
    for app in apps.list().await? {
        let active = match app.active_build() {
            Some(id) => apps
                .app(&app.app_id)
                .builds()
                .await
                .ok()
                .and_then(|builds| builds.into_iter().find(|b| b.build_id == id)),
            None => None,
        };
        rows.push(AppRow { app, active });
    }
    rows.sort_by(|a, b| a.app.name.cmp(&b.app.name));
    Ok(rows)
}

pub struct Apps {
    project: String,
    /// The records the last deletion left at an external provider: what
    /// `y` copies from its report.
    external_cleanup: Option<String>,
}

#[derive(Clone)]
pub enum Intent {
    Create,
    Delete { id: String, name: String },
}

pub enum Msg {
    Created(String, Result<App, Error>),
    Deleted(String, Result<AppDeletion, Error>),
}

impl Apps {
    pub fn new(project: &str) -> Self {
        Self {
            project: project.to_string(),
            external_cleanup: None,
        }
    }

    fn create(&self, list: &mut List<Self>, typed: &str, cx: &mut Ctx<'_>) {
        let name = typed.trim().to_string();
        if let Err(why) = super::checks::resource_name(&name) {
            // The prompt stays open so the name can be fixed.
            return list.refuse(why);
        }
        list.wait();
        let (client, project) = (cx.client().clone(), self.project.clone());
        list.spawn(cx, async move {
            let result = client.apps(&project).create(&name).await;
            Msg::Created(name, result)
        });
    }

    fn delete(&self, list: &mut List<Self>, id: String, name: String, cx: &mut Ctx<'_>) {
        list.wait();
        let (client, project) = (cx.client().clone(), self.project.clone());
        list.spawn(cx, async move {
            let result = client.apps(&project).app(&id).delete().await;
            Msg::Deleted(name, result)
        });
    }

    /// The app is gone: the platform's report, and the tree without it.
    fn deleted(&mut self, list: &mut List<Self>, name: &str, d: AppDeletion, cx: &mut Ctx<'_>) {
        list.accepted();
        let report = cleanup::report(name, &d);
        self.external_cleanup = report.external;
        list.open(Modal::info(format!("Deleted {name}"), report.lines));
        cx.reload(NodeKey::Apps(self.project.clone()));
        list.reload();
    }
}

fn create_prompt() -> Modal<Intent> {
    Modal::prompt(
        "Create an app",
        vec![
            "Its name: 1 to 63 lower-case letters, digits and inner hyphens (e.g. web).".into(),
            "Deploy a build to it from its builds view (d).".into(),
        ],
        "",
        Intent::Create,
    )
}

fn delete_confirm(row: &AppRow) -> Modal<Intent> {
    let name = row.app.name.clone();
    Modal::type_to_confirm(
        format!("Delete {name}"),
        vec![
            "Deleting tears the app down: its routing, runtime resources, builds, \
             environment keys and attached hostnames. It cannot be undone."
                .into(),
            "The platform then reports what it removed, and any DNS records left to \
             remove at your DNS provider."
                .into(),
        ],
        name.clone(),
        Intent::Delete {
            id: row.app.app_id.clone(),
            name,
        },
    )
}

impl Resource for Apps {
    type Item = AppRow;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading apps";
    const COLUMNS: &'static [Column] = &[
        ("name", Constraint::Min(10)),
        ("active build", Constraint::Length(22)),
        ("deployed", Constraint::Length(9)),
        ("created", Constraint::Length(9)),
    ];
    const DETAIL: u16 = 1;
    /// Enter opens the app ([`Resource::detail`]).
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('n')],
            what: "create an app",
            write: true,
            hint: |_, _| Some("create app"),
            run: |_, list, _| list.open(create_prompt()),
        },
        KeyAction {
            keys: &[Binding::plain('x'), Binding::key(KeyCode::Delete)],
            what: "delete the app, by typing its name (shows the cleanup report)",
            write: true,
            hint: |_, list| list.selected().map(|_| "delete"),
            run: |_, list, _| {
                if let Some(row) = list.selected() {
                    let confirm = delete_confirm(row);
                    list.open(confirm);
                }
            },
        },
    ];

    fn title(&self) -> String {
        "apps".into()
    }

    fn empty(&self) -> &'static str {
        "no apps in this project yet: press n to create one"
    }

    /// The app's own view (its builds), as the tree shows it.
    fn detail(&self, row: &AppRow) -> Detail {
        let project = self.project.clone();
        Detail::Goto(vec![
            NodeKey::Project(project.clone()),
            NodeKey::Apps(project.clone()),
            NodeKey::App {
                project,
                app: row.app.app_id.clone(),
            },
        ])
    }

    fn cells(&self, row: &AppRow, _theme: &Theme) -> Vec<Cell<'static>> {
        let now = SystemTime::now();
        let created = row.app.created_at.as_deref().map(|at| ago(at, now));
        vec![
            Cell::from(row.app.name.clone()),
            Cell::from(row.app.active_build().unwrap_or("none yet").to_string()),
            Cell::from(row.deployed(now).unwrap_or_default()),
            Cell::from(created.unwrap_or_default()),
        ]
    }

    fn filter_text(&self, row: &AppRow) -> String {
        format!("{} {}", row.app.name, row.app.app_id)
    }

    type Loaded = Vec<AppRow>;

    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Vec<AppRow>, Error>> + Send + 'static {
        let project = self.project.clone();
        async move { load(&client, &project).await }
    }

    fn accept(&mut self, rows: Vec<AppRow>) -> Vec<AppRow> {
        rows
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Confirmed(Intent::Create, typed) => self.create(list, &typed, cx),
            Outcome::Confirmed(Intent::Delete { id, name }, _) => self.delete(list, id, name, cx),
            // The report's `y`: the records to remove elsewhere, if any.
            Outcome::Copy(text) => match self.external_cleanup.clone() {
                Some(records) => cx.copy("the DNS records to remove", records),
                None => cx.copy("the cleanup report", text),
            },
            _ => list.close(),
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Created(name, Ok(app)) => {
                list.accepted();
                cx.toast(Level::Success, format!("created {name} ({})", app.app_id));
                cx.reload(NodeKey::Apps(self.project.clone()));
                list.reload();
            }
            Msg::Deleted(name, Ok(d)) => self.deleted(list, &name, d, cx),
            // Deleting is re-entrant: an app already gone is deleted.
            Msg::Deleted(name, Err(e)) if e.is_not_found() => {
                list.accepted();
                cx.toast(Level::Info, format!("{name} was already deleted"));
                cx.reload(NodeKey::Apps(self.project.clone()));
                list.reload();
            }
            Msg::Created(name, Err(e)) => {
                if !list.refused(&e) {
                    cx.fail(&format!("Creating {name}"), &e);
                }
            }
            Msg::Deleted(name, Err(e)) => {
                if !list.refused(&e) {
                    cx.fail(&format!("Deleting {name}"), &e);
                }
            }
        }
    }

    fn draw_detail(&self, row: &AppRow, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let created = row.app.created_at.as_deref().map(short_time);
        let text = match created {
            Some(at) => format!("{} · created {at}", row.app.app_id),
            None => row.app.app_id.clone(),
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), area);
    }

    fn copy(&self, row: &AppRow) -> Option<(String, String)> {
        Some(("the app id".into(), row.app.app_id.clone()))
    }
}

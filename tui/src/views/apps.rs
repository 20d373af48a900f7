//! A project's apps, shown when the tree's "apps" group is selected: each
//! with its active build and how long ago that build was made, so the
//! group answers "what runs where" without opening every app. `enter`
//! opens the app where the tree shows it (its builds), as the tree does.

use std::time::SystemTime;

use comwit_client::models::{App, Build};
use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph};

use super::resource::{Column, KeyAction, List, Resource};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::age::ago;
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
}

impl Apps {
    pub fn new(project: &str) -> Self {
        Self {
            project: project.to_string(),
        }
    }
}

impl Resource for Apps {
    type Item = AppRow;
    type Intent = ();
    type Msg = std::convert::Infallible;

    const LOADING: &'static str = "Loading apps";
    const COLUMNS: &'static [Column] = &[
        ("name", Constraint::Min(10)),
        ("active build", Constraint::Length(22)),
        ("deployed", Constraint::Length(9)),
        ("created", Constraint::Length(9)),
    ];
    const DETAIL: u16 = 1;
    const ACTIONS: &'static [KeyAction<Self>] = &[KeyAction {
        keys: &[Binding::key(ratatui::crossterm::event::KeyCode::Enter)],
        what: "open the app (its builds)",
        write: false,
        hint: |_, list| list.selected().map(|_| "open"),
        run: |apps, list, cx| {
            if let Some(row) = list.selected() {
                let project = apps.project.clone();
                cx.goto(vec![
                    NodeKey::Project(project.clone()),
                    NodeKey::Apps(project.clone()),
                    NodeKey::App {
                        project,
                        app: row.app.app_id.clone(),
                    },
                ]);
            }
        },
    }];

    fn title(&self) -> String {
        "apps".into()
    }

    fn empty(&self) -> &'static str {
        "no apps in this project yet"
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

    fn update(&mut self, _list: &mut List<Self>, msg: Self::Msg, _cx: &mut Ctx<'_>) {
        match msg {}
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

//! A project's databases: list and create. The one-time token from create
//! is saved (keyring, or memory in the sandbox) before it is shown.

use std::any::Any;

use comwit_client::Error;
use comwit_client::models::{CreatedDatabase, Database};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::detail::panel;
use super::{Hint, Interaction, ListUi, Remote, View, hint, write_hint};
use crate::context::Ctx;
use crate::notice::{Level, Notice};
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::list::PickerKey;
use crate::widgets::modal::{Modal, Outcome};
use crate::widgets::short_time;
use crate::widgets::table::{self, TableSpec};

#[derive(Clone)]
enum Intent {
    Create,
}

enum Msg {
    Loaded(Result<Vec<Database>, Error>),
    Created(String, Result<CreatedDatabase, Error>),
}

pub struct DatabasesView {
    project: String,
    data: Remote<Vec<Database>>,
    ui: ListUi<Intent>,
}

impl DatabasesView {
    pub fn new(project: &str) -> Self {
        Self {
            project: project.to_string(),
            data: Remote::default(),
            ui: ListUi::default(),
        }
    }

    fn dbs(&self) -> &[Database] {
        self.data.data.as_deref().unwrap_or(&[])
    }

    fn rows(&self) -> Vec<usize> {
        self.ui.rows(self.dbs(), db_text)
    }

    fn selected(&self) -> Option<&Database> {
        self.ui.selected(self.dbs(), db_text)
    }
}

/// What the `/` filter matches.
fn db_text(d: &Database) -> String {
    d.name.clone()
}

impl View for DatabasesView {
    fn title(&self) -> String {
        "databases".into()
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
        let mut h = vec![write_hint("n", "create")];
        if self.selected().is_some() {
            h.push(hint("s", "SQL console"));
        }
        h
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if let Some(modal) = &mut self.ui.modal {
            match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Copy(text) => cx.copy("the database token", text),
                Outcome::Confirmed(Intent::Create, name) => {
                    let name = name.trim().to_string();
                    if let Err(why) = super::checks::database_name(&name) {
                        cx.toast(Level::Warning, why);
                        return true;
                    }
                    self.ui.modal = None;
                    let (client, project) = (cx.client().clone(), self.project.clone());
                    cx.spawn(async move {
                        let result = client.databases(&project).create(&name).await;
                        Msg::Created(name, result)
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
        match key.code {
            KeyCode::Char('n') => {
                if cx.may_write() {
                    self.ui.modal = Some(Modal::prompt(
                        "Create a database",
                        vec!["Its token is shown once; it is saved before it is shown.".into()],
                        "",
                        Intent::Create,
                    ));
                }
            }
            KeyCode::Char('s') => {
                if let Some(d) = self.selected() {
                    cx.open(NodeKey::Sql {
                        project: self.project.clone(),
                        database: d.database_id.clone(),
                    });
                }
            }
            KeyCode::Esc if self.ui.cursor.clear_filter() => {}
            _ => return false,
        }
        true
    }

    fn on_msg(&mut self, msg: Box<dyn Any + Send>, cx: &mut Ctx<'_>) {
        let Ok(msg) = msg.downcast::<Msg>() else {
            return;
        };
        match *msg {
            Msg::Loaded(result) => {
                if let Err(e) = &result {
                    cx.fail("Loading databases", e);
                }
                self.data.finish(result);
            }
            Msg::Created(name, Ok(created)) => {
                // Saved first: if the screen dies now, the token is kept.
                let saved = cx
                    .session
                    .save_database_token(&created.database_id, &created.database_token);
                let mut lines = vec![
                    format!("{name} ({}) is ready.", created.database_id),
                    format!("URL: {}", created.database_url),
                ];
                match saved {
                    Ok(where_) => lines.push(where_),
                    Err(why) => lines.push(format!("⚠ {why}")),
                }
                lines.push("The platform keeps no copy of this token:".into());
                self.ui.modal = Some(Modal::Reveal {
                    title: "Database token (shown once)".into(),
                    lines,
                    secret: created.database_token,
                    shown: false,
                });
                cx.reload(NodeKey::Databases(self.project.clone()));
                self.refresh(cx);
            }
            Msg::Created(name, Err(e)) => {
                cx.notice(Notice::from_error(&format!("Creating {name}"), &e, None))
            }
        }
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.data.start();
        let (client, project) = (cx.client().clone(), self.project.clone());
        cx.spawn(async move { Msg::Loaded(client.databases(&project).list().await) });
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected().and_then(|d| {
            d.database_url
                .clone()
                .map(|u| ("the database URL".to_string(), u))
        })
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let mut above = Vec::new();
        if let Some(s) = self.data.status() {
            above.push(Line::styled(s, theme.dim));
        }
        let rows = self.rows();
        let dbs = self.data.data.as_deref().unwrap_or(&[]);
        table::draw(
            frame,
            area,
            TableSpec {
                block: panel(&self.title(), theme, focused),
                header: &["name", "status", "created", "id"],
                widths: &[
                    Constraint::Min(12),
                    Constraint::Length(10),
                    Constraint::Length(11),
                    Constraint::Length(20),
                ],
                above,
                empty: "no databases: press n to create one",
                len: rows.len(),
                focused,
            },
            &mut self.ui.cursor,
            theme,
            |i| {
                let d = &dbs[rows[i]];
                Row::new(vec![
                    Cell::from(d.name.clone()),
                    Cell::from(d.status.clone().unwrap_or_default()),
                    Cell::from(d.created_at.as_deref().map(short_time).unwrap_or_default()),
                    Cell::from(d.database_id.clone()),
                ])
            },
        );
    }
}

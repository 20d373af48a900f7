//! A project's databases: list and create. The one-time token from create
//! is saved (keyring, or memory in the sandbox) before it is shown.

use comwit_client::models::{CreatedDatabase, Database};
use comwit_client::{Client, Error};
use ratatui::layout::Constraint;
use ratatui::widgets::Cell;

use super::resource::{Column, KeyAction, List, Resource};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::{Level, Notice};
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::modal::{Modal, Outcome};
use crate::widgets::short_time;

pub struct Databases {
    project: String,
}

impl Databases {
    pub fn new(project: &str) -> Self {
        Self {
            project: project.to_string(),
        }
    }
}

#[derive(Clone)]
pub enum Intent {
    Create,
}

pub enum Msg {
    Created(String, Result<CreatedDatabase, Error>),
}

impl Resource for Databases {
    type Item = Database;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading databases";
    const COLUMNS: &'static [Column] = &[
        ("name", Constraint::Min(12)),
        ("status", Constraint::Length(10)),
        ("created", Constraint::Length(11)),
        ("id", Constraint::Length(20)),
    ];
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('n')],
            write: true,
            hint: |_, _| Some("create"),
            run: |_, list, _| {
                list.open(Modal::prompt(
                    "Create a database",
                    vec!["Its token is shown once; it is saved before it is shown.".into()],
                    "",
                    Intent::Create,
                ))
            },
        },
        KeyAction {
            keys: &[Binding::plain('s')],
            write: false,
            hint: |_, list| list.selected().map(|_| "SQL console"),
            run: |db, list, cx| {
                if let Some(d) = list.selected() {
                    cx.open(NodeKey::Sql {
                        project: db.project.clone(),
                        database: d.database_id.clone(),
                    });
                }
            },
        },
    ];

    fn title(&self) -> String {
        "databases".into()
    }

    fn empty(&self) -> &'static str {
        "no databases: press n to create one"
    }

    fn cells(&self, d: &Database, _theme: &Theme) -> Vec<Cell<'static>> {
        vec![
            Cell::from(d.name.clone()),
            Cell::from(d.status.clone().unwrap_or_default()),
            Cell::from(d.created_at.as_deref().map(short_time).unwrap_or_default()),
            Cell::from(d.database_id.clone()),
        ]
    }

    fn filter_text(&self, d: &Database) -> String {
        d.name.clone()
    }

    type Loaded = Vec<Database>;

    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Vec<Database>, Error>> + Send + 'static {
        let project = self.project.clone();
        async move { client.databases(&project).list().await }
    }

    fn accept(&mut self, list: Vec<Database>) -> Vec<Database> {
        list
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Copy(text) => cx.copy("the database token", text),
            Outcome::Confirmed(Intent::Create, name) => {
                let name = name.trim().to_string();
                if let Err(why) = super::checks::database_name(&name) {
                    cx.toast(Level::Warning, why);
                    return;
                }
                list.close();
                let (client, project) = (cx.client().clone(), self.project.clone());
                list.spawn(cx, async move {
                    let result = client.databases(&project).create(&name).await;
                    Msg::Created(name, result)
                });
            }
            _ => list.close(),
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
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
                list.open(Modal::reveal(
                    "Database token (shown once)",
                    lines,
                    created.database_token,
                ));
                cx.reload(NodeKey::Databases(self.project.clone()));
                list.reload();
            }
            Msg::Created(name, Err(e)) => {
                cx.notice(Notice::from_error(&format!("Creating {name}"), &e, None))
            }
        }
    }

    fn copy(&self, d: &Database) -> Option<(String, String)> {
        d.database_url
            .clone()
            .map(|u| ("the database URL".to_string(), u))
    }
}

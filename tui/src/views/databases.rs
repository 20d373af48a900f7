//! A project's databases: list and create. The one-time token from create
//! is saved (keyring, or memory in the sandbox) before it is shown; the
//! save runs off the UI task and the dialog opens when it answers.

use comwit_client::models::{CreatedDatabase, Database};
use comwit_client::{Client, Error};
use ratatui::layout::Constraint;
use ratatui::widgets::Cell;

use super::database::sql_allowed;
use super::resource::{Column, Detail, KeyAction, List, Resource};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Notice;
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
    /// The created database's token was saved (where) or not (why): only
    /// now may it be shown.
    Saved(String, CreatedDatabase, Result<String, String>),
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
            what: "create a database",
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
            what: "open the SQL console on it",
            write: false,
            hint: |_, list| {
                list.selected()
                    .filter(|d| sql_allowed(d))
                    .map(|_| "SQL console")
            },
            run: |db, list, cx| {
                if let Some(d) = list.selected() {
                    let key = NodeKey::Sql {
                        project: db.project.clone(),
                        database: d.database_id.clone(),
                    };
                    cx.open(key, &d.name);
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

    /// The database's own view: its facts, and the operator's actions.
    fn detail(&self, d: &Database) -> Detail {
        let project = self.project.clone();
        Detail::Goto(vec![
            NodeKey::Project(project.clone()),
            NodeKey::Databases(project.clone()),
            NodeKey::Database {
                project,
                database: d.database_id.clone(),
            },
        ])
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
                if let Err(why) = super::checks::resource_name(&name) {
                    return list.refuse(why);
                }
                list.wait();
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
                list.accepted();
                // Saved first: if the screen dies now, the token is kept.
                // The save runs off the UI task; the dialog waits for it.
                let store = cx.session.token_store();
                list.spawn(cx, async move {
                    let (id, token) = (created.database_id.clone(), created.database_token.clone());
                    let saved = store.save(id, token).await;
                    Msg::Saved(name, created, saved)
                });
            }
            Msg::Saved(name, created, saved) => {
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
                if !list.refused(&e) {
                    cx.notice(Notice::from_error(&format!("Creating {name}"), &e, None));
                }
            }
        }
    }

    fn copy(&self, d: &Database) -> Option<(String, String)> {
        d.database_url
            .clone()
            .map(|u| ("the database URL".to_string(), u))
    }
}

#[cfg(test)]
mod tests {
    //! The one-time token is saved off the UI task and shown only when
    //! the save has answered, saying where it went (or that it did not).

    use std::sync::Arc;

    use comwit_client::credentials::Credentials;

    use super::*;
    use crate::action::Action;
    use crate::session::Session;
    use crate::theme::Theme;
    use crate::views::dns_shared::test_session;
    use crate::views::resource::{Event, ResourceView};
    use crate::views::{AnyView, Update, View};

    fn created() -> CreatedDatabase {
        serde_json::from_value(serde_json::json!({
            "database_id": "db-1",
            "database_url": "libsql://db-1.example",
            "database_token": "cwdb_0123secret",
        }))
        .unwrap()
    }

    /// The open dialog as text.
    fn dialog(view: &dyn View) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        terminal
            .draw(|f| view.draw_modal(f, &Theme::monochrome()))
            .unwrap();
        format!("{:?}", terminal.backend().buffer())
    }

    /// Creates `orders`, and returns the view once the save has answered.
    async fn create(session: &Session) -> ResourceView<Databases> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut view = ResourceView::new(Databases::new("p"));
        let mut cx = Ctx::new(session, NodeKey::Databases("p".into()), &tx);
        let msg = Event::own(Msg::Created("orders".into(), Ok(created())));
        view.update(msg, &mut cx);
        assert!(!view.captures_keys(), "no dialog before the save answers");
        let Some(Action::View(_, saved)) = rx.recv().await else {
            panic!("the save reports back");
        };
        view.on_msg(saved, &mut cx);
        assert!(view.captures_keys(), "the dialog opens once it has");
        view
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_token_is_shown_after_it_is_saved_with_where() {
        let session = test_session();
        let view = create(&session).await;
        let stored = session.credentials.database_token("db-1").unwrap();
        assert_eq!(
            stored.map(|t| t.expose().to_string()).as_deref(),
            Some("cwdb_0123secret")
        );
        let text = dialog(&view);
        assert!(text.contains("Database token (shown once)"), "{text}");
        assert!(text.contains("Saved in memory"), "{text}");
    }

    struct NoVars;

    impl comwit_client::config::Env for NoVars {
        fn var(&self, _key: &str) -> Option<String> {
            None
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_save_is_said_in_the_dialog() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        // No keyring, and a token file under a plain file: the save fails.
        let path = blocker.join("config.json");
        let mut session = test_session();
        session.credentials = Arc::new(Credentials::new(path, None, Box::new(NoVars)));
        session.secrets_in_memory = false;
        let text = dialog(&create(&session).await);
        assert!(text.contains("could not save the token"), "{text}");
    }
}

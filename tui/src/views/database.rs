//! One database: its facts and the SQL console; with an operator token
//! also status and internals, usage, token rotation, suspend/resume and
//! delete. Protected tenants are shown locked, with the reason.

use comwit_client::Error;
use comwit_client::models::{
    Database, DatabaseState, DatabaseStatus, DatabaseUsage, Deleted, QueryToken, RotatedToken,
};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::database_tokens;
use super::detail::panel;
use super::keys::{self, ViewKey};
use super::{Hint, ListUi, Remote, Ticket, Update, View, interaction_in};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::bytes;
use crate::widgets::modal::{Modal, Outcome, Values};

/// Rotating the token breaks every app using it at once, so its key is
/// nowhere near refresh (`r`, and `R` one shift away): `K` for key (`T`
/// shows or hides the tree everywhere), and its confirm focuses No.
const ROTATE: char = 'K';

/// The view's keys: the bar, `?` and the dispatch all read them.
const KEYS: &[ViewKey<DatabaseView>] = &[
    ViewKey {
        keys: &[Binding::plain('s'), Binding::key(KeyCode::Enter)],
        what: "open the SQL console",
        write: false,
        hint: |v| (v.data.data.is_some() && v.sql_refused().is_none()).then_some("SQL console"),
        run: |v, cx| v.open_sql(cx),
    },
    ViewKey {
        keys: &[Binding::plain(ROTATE)],
        what: "rotate the database token (operator)",
        write: true,
        hint: |v| v.operator_may().then_some("rotate token"),
        run: |v, cx| v.operator_action(Intent::Rotate, cx),
    },
    ViewKey {
        keys: &[Binding::plain('S')],
        what: "suspend the database (operator)",
        write: true,
        hint: |v| (v.operator_may() && !v.suspended()).then_some("suspend"),
        run: |v, cx| v.operator_action(Intent::Suspend, cx),
    },
    ViewKey {
        keys: &[Binding::plain('U')],
        what: "resume the database (operator)",
        write: true,
        hint: |v| (v.operator_may() && v.suspended()).then_some("resume"),
        run: |v, cx| v.operator_action(Intent::Resume, cx),
    },
    ViewKey {
        keys: &[Binding::plain('D')],
        what: "delete the database, by typing its name (operator)",
        write: true,
        hint: |v| v.operator_may().then_some("delete"),
        run: |v, cx| v.operator_action(Intent::Delete, cx),
    },
    ViewKey {
        keys: &[Binding::plain('Q')],
        what: "mint a query token for another tool (operator)",
        write: true,
        hint: |v| v.operator_may().then_some("mint query token"),
        run: |v, cx| v.operator_action(Intent::Mint, cx),
    },
    ViewKey {
        keys: &[Binding::plain('t')],
        what: "paste a database token made elsewhere (saved, never shown again)",
        write: false,
        hint: |v| v.data.data.is_some().then_some("paste token"),
        run: |v, _| v.ui.modal = Some(database_tokens::paste_form(v.name(), Intent::Paste)),
    },
    ViewKey {
        keys: &[Binding::plain('c')],
        what: "connect to an app: its DATABASE_URL and DATABASE_AUTH_TOKEN",
        write: true,
        hint: |v| v.url().is_some().then_some("connect to app"),
        run: |v, _| v.ui.modal = Some(database_tokens::connect_form(v.name(), Intent::Connect)),
    },
];

/// The platform's default protected tenants (PLATFORM_API_PROTECTED_TENANTS).
const DEFAULT_PROTECTED: [&str; 2] = ["louhi-app", "comwit-db-synthetic"];

/// The status the platform gives a paused database (the sandbox's
/// `suspend` answer; `resume` gives `running`).
const SUSPENDED: &str = "suspended";

/// Whether the SQL console can work on `d`, from the list alone: a
/// protected tenant refuses query tokens (and rotation, so no database
/// token can be had either), and a suspended database refuses SQL.
pub fn sql_allowed(d: &Database) -> bool {
    !protected_by_name(&d.name) && d.status.as_deref() != Some(SUSPENDED)
}

/// One of the platform's default protected tenants.
fn protected_by_name(name: &str) -> bool {
    DEFAULT_PROTECTED.contains(&name)
}

#[derive(Clone)]
enum Intent {
    Rotate,
    Suspend,
    Resume,
    Delete,
    /// The forms of [`database_tokens`].
    Paste,
    Mint,
    Connect,
}

/// What the operator routes answered.
#[derive(Default)]
pub struct Internals {
    status: Option<DatabaseStatus>,
    usage: Option<DatabaseUsage>,
}

pub enum Msg {
    Loaded(Result<Database, Error>),
    Internals(Result<Internals, Error>),
    Rotated(Result<RotatedToken, Error>),
    /// The new token was saved (where) or not (why): only now is it shown.
    TokenSaved(RotatedToken, Result<String, String>),
    State(&'static str, Result<DatabaseState, Error>),
    /// The answer to the delete dialog's request (its ticket).
    Deleted(Ticket, Result<Deleted, Error>),
    /// The project's list no longer has the database.
    Gone,
    /// The answer to a token form (the ticket of its request).
    Token(Ticket, TokenAnswer),
}

pub enum TokenAnswer {
    /// A pasted token was saved (where), or why not.
    Pasted(Result<String, String>),
    Minted(Result<QueryToken, Error>),
    /// The app that now has the database's URL and token, or why not.
    Connected(Result<String, String>),
}

pub struct DatabaseView {
    project: String,
    database: String,
    data: Remote<Database>,
    internals: Remote<Internals>,
    ui: ListUi<Intent>,
    /// A delete was sent: a reload that finds the database gone is its
    /// answer arriving first, not an error.
    deleting: bool,
    /// The session holds an operator token (the keys of the operator
    /// routes are offered only then).
    operator: bool,
}

impl DatabaseView {
    pub fn new(project: &str, database: &str) -> Self {
        Self {
            project: project.to_string(),
            database: database.to_string(),
            data: Remote::default(),
            internals: Remote::default(),
            ui: ListUi::without_filter(),
            deleting: false,
            operator: false,
        }
    }

    /// Paused: SQL is refused and only resume applies.
    fn suspended(&self) -> bool {
        let internal = self
            .internals
            .data
            .as_ref()
            .and_then(|i| i.status.as_ref())
            .and_then(|s| s.status.as_deref());
        let listed = self.data.data.as_ref().and_then(|d| d.status.as_deref());
        internal.or(listed) == Some(SUSPENDED)
    }

    /// The state a suspend or resume answered, kept until the reload it
    /// starts arrives (the keys offered follow it at once).
    fn set_status(&mut self, status: Option<String>) {
        if let Some(d) = &mut self.data.data {
            d.status = status.clone();
        }
        if let Some(s) = self.internals.data.as_mut().and_then(|i| i.status.as_mut()) {
            s.status = status;
        }
    }

    /// Why the SQL console cannot work here, if it cannot.
    fn sql_refused(&self) -> Option<String> {
        if self.protected().is_some() {
            Some("no SQL console: a protected tenant refuses query tokens".into())
        } else if self.suspended() {
            Some("no SQL console while suspended: the database refuses SQL until resumed".into())
        } else {
            None
        }
    }

    fn open_sql(&self, cx: &mut Ctx<'_>) {
        match self.sql_refused() {
            Some(why) => cx.toast(Level::Warning, why),
            None => cx.open(
                NodeKey::Sql {
                    project: self.project.clone(),
                    database: self.database.clone(),
                },
                self.name(),
            ),
        }
    }

    fn name(&self) -> &str {
        self.data
            .data
            .as_ref()
            .map(|d| d.name.as_str())
            .unwrap_or(&self.database)
    }

    /// Why destructive and credential operations are refused, if they are.
    /// The operator's keys apply: an operator session, the database
    /// loaded, and not a protected tenant (which refuses them all).
    fn operator_may(&self) -> bool {
        self.operator && self.data.data.is_some() && self.protected().is_none()
    }

    fn protected(&self) -> Option<String> {
        let flagged = self
            .internals
            .data
            .as_ref()
            .and_then(|i| i.status.as_ref())
            .and_then(|s| s.other.get("protected"))
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        (flagged || protected_by_name(self.name())).then(|| {
            format!(
                "{} is a protected tenant: suspend, resume, delete, rotate and query tokens are refused, so the SQL console cannot connect either (PLATFORM_API_PROTECTED_TENANTS)",
                self.name()
            )
        })
    }

    fn operator_action(&mut self, intent: Intent, cx: &mut Ctx<'_>) {
        if !cx.session.is_operator() {
            cx.toast(
                Level::Warning,
                "operator only: start the dashboard with an operator token (PLATFORM_API_SERVER_TOKEN)",
            );
            return;
        }
        if let Some(why) = self.protected() {
            cx.toast(Level::Warning, why);
            return;
        }
        if !cx.may_write() {
            return;
        }
        let name = self.name().to_string();
        self.ui.modal = Some(match intent {
            Intent::Rotate => Modal::confirm(
                "Rotate token",
                vec![
                    format!("Rotate the token of {name}?"),
                    "The old token stops working at once: every app using it fails until updated."
                        .into(),
                    "y rotates; enter alone keeps the current token.".into(),
                ],
                Intent::Rotate,
            ),
            Intent::Suspend => Modal::confirm(
                "Suspend",
                vec![format!("Suspend {name}? Queries fail until it is resumed.")],
                Intent::Suspend,
            ),
            Intent::Resume => {
                Modal::confirm("Resume", vec![format!("Resume {name}?")], Intent::Resume)
            }
            Intent::Delete => Modal::type_to_confirm(
                "Delete database",
                vec![
                    format!("Delete {name} permanently? Its data cannot be recovered."),
                    "Type its name to confirm.".into(),
                ],
                name,
                Intent::Delete,
            ),
            Intent::Mint => database_tokens::mint_form(Intent::Mint),
            // Not operator actions: their keys open their forms.
            Intent::Paste | Intent::Connect => return,
        });
    }

    fn run(&mut self, intent: Intent, cx: &mut Ctx<'_>) {
        let (client, db) = (cx.client().clone(), self.database.clone());
        match intent {
            Intent::Rotate => {
                cx.spawn(
                    async move { Msg::Rotated(client.database_admin(&db).rotate_token().await) },
                )
            }
            Intent::Suspend => cx.spawn(async move {
                Msg::State("suspended", client.database_admin(&db).suspend().await)
            }),
            Intent::Resume => {
                cx.spawn(
                    async move { Msg::State("resumed", client.database_admin(&db).resume().await) },
                )
            }
            // The dialog waits: a refusal shows there, the name still typed.
            Intent::Delete => {
                self.deleting = true;
                let ticket = self.ui.wait();
                cx.spawn(
                    async move { Msg::Deleted(ticket, client.database_admin(&db).delete().await) },
                )
            }
            // Forms: they come back through submit.
            Intent::Paste | Intent::Mint | Intent::Connect => {}
        }
    }

    /// The minted token, shown once (v reveals, y copies).
    fn minted(&mut self, ticket: Ticket, minted: QueryToken) {
        self.ui.accepted(ticket);
        let mut lines = vec![format!("A query token for {}.", self.name())];
        if let Some(at) = &minted.expires_at {
            lines.push(format!("It expires at {at}."));
        }
        if let Some(scope) = &minted.scope {
            lines.push(format!("Scope: {scope}."));
        }
        lines.push("The platform keeps no copy: copy it now.".into());
        self.ui.modal = Some(Modal::reveal(
            "Query token (shown once)",
            lines,
            minted.query_token,
        ));
    }

    /// The answers to the token forms.
    fn token_answer(&mut self, ticket: Ticket, answer: TokenAnswer, cx: &mut Ctx<'_>) {
        match answer {
            TokenAnswer::Pasted(Ok(where_)) => {
                self.ui.accepted(ticket);
                cx.toast(
                    Level::Success,
                    format!("token for {} saved. {where_}", self.name()),
                );
            }
            TokenAnswer::Pasted(Err(why)) | TokenAnswer::Connected(Err(why)) => {
                if !self.ui.refused_because(ticket, why.clone()) {
                    cx.toast(Level::Error, why);
                }
            }
            TokenAnswer::Minted(Ok(minted)) => self.minted(ticket, minted),
            TokenAnswer::Minted(Err(e)) => {
                if !self.ui.refused(ticket, &e) {
                    cx.fail("Minting a query token", &e);
                }
            }
            TokenAnswer::Connected(Ok(app)) => {
                self.ui.accepted(ticket);
                let keys = format!(
                    "{} and {}",
                    database_tokens::URL_KEY,
                    database_tokens::TOKEN_KEY
                );
                cx.toast(
                    Level::Success,
                    format!(
                        "{app} now has {keys} for {} (plain text on the platform)",
                        self.name()
                    ),
                );
            }
        }
    }

    fn url(&self) -> Option<&str> {
        self.data.data.as_ref()?.database_url.as_deref()
    }

    /// A token form was sent: checked here first (the form keeps what was
    /// typed and says why), then it waits for the answer.
    fn submit(&mut self, intent: Intent, values: &Values, cx: &mut Ctx<'_>) {
        let refuse = |ui: &mut ListUi<Intent>, why: String| {
            if let Some(m) = &mut ui.modal {
                m.refuse(why);
            }
        };
        match intent {
            Intent::Paste => match database_tokens::pasted(values) {
                Err(why) => refuse(&mut self.ui, why),
                Ok(token) => {
                    let (ticket, store, id) = (
                        self.ui.wait(),
                        cx.session.token_store(),
                        self.database.clone(),
                    );
                    cx.spawn(async move {
                        Msg::Token(ticket, TokenAnswer::Pasted(store.save(id, token).await))
                    });
                }
            },
            Intent::Mint => match database_tokens::mint(values) {
                Err(why) => refuse(&mut self.ui, why),
                Ok(m) => {
                    let (ticket, client, db) =
                        (self.ui.wait(), cx.client().clone(), self.database.clone());
                    cx.spawn(async move {
                        let admin = client.database_admin(&db);
                        let minted = admin.query_token(m.ttl_seconds, &m.audience, &m.reason);
                        Msg::Token(ticket, TokenAnswer::Minted(minted.await))
                    });
                }
            },
            Intent::Connect => self.connect(values.get("app").to_string(), cx),
            _ => {}
        }
    }

    fn connect(&mut self, app: String, cx: &mut Ctx<'_>) {
        let Some(url) = self.url().map(str::to_string) else {
            return;
        };
        let db = database_tokens::Connection {
            project: self.project.clone(),
            database_id: self.database.clone(),
            name: self.name().to_string(),
            url,
        };
        let (ticket, client, creds) = (
            self.ui.wait(),
            cx.client().clone(),
            cx.session.credentials.clone(),
        );
        cx.spawn(async move {
            let connected = database_tokens::connect(client, creds, db, app).await;
            Msg::Token(ticket, TokenAnswer::Connected(connected))
        });
    }
}

fn fact<'a>(name: &str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:>14}  "), theme.accent),
        Span::raw(value),
    ])
}

impl View for DatabaseView {
    fn title(&self) -> String {
        self.name().to_string()
    }

    interaction_in!(ui);

    fn hints(&self) -> Vec<Hint> {
        self.ui.hints().unwrap_or_else(|| keys::hints(KEYS, self))
    }

    fn keys(&self) -> Vec<Hint> {
        self.ui.hints().unwrap_or_else(|| keys::all(KEYS))
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if let Some(modal) = &mut self.ui.modal {
            match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Copy(text) => cx.copy("the database token", text),
                Outcome::Submitted(intent, values) => self.submit(intent, &values, cx),
                Outcome::Confirmed(intent, _) => {
                    // Deleting by name waits in its dialog (see run).
                    if !matches!(intent, Intent::Delete) {
                        self.ui.modal = None;
                    }
                    self.run(intent, cx);
                }
                _ => self.ui.modal = None,
            }
            return true;
        }
        keys::dispatch(KEYS, self, key, cx)
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.operator = cx.session.is_operator();
        self.data.start();
        let (client, project, db) = (
            cx.client().clone(),
            self.project.clone(),
            self.database.clone(),
        );
        let id = db.clone();
        cx.spawn(async move {
            match client.databases(&project).list().await {
                Ok(list) => list
                    .into_iter()
                    .find(|d| d.database_id == id)
                    .map_or(Msg::Gone, |d| Msg::Loaded(Ok(d))),
                Err(e) => Msg::Loaded(Err(e)),
            }
        });
        if cx.session.is_operator() {
            self.internals.start();
            let client = cx.client().clone();
            cx.spawn(async move {
                let admin = client.database_admin(&db);
                let result = async {
                    Ok(Internals {
                        status: Some(admin.status().await?),
                        usage: Some(admin.usage().await?),
                    })
                }
                .await;
                Msg::Internals(result)
            });
        }
    }

    fn copy(&self) -> Option<(String, String)> {
        self.data
            .data
            .as_ref()
            .and_then(|d| d.database_url.clone())
            .map(|u| ("the database URL".to_string(), u))
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let mut lines = Vec::new();
        if let Some(s) = self.data.status() {
            lines.push(Line::styled(s, theme.dim));
        }
        if let Some(d) = &self.data.data {
            lines.push(fact("database", d.database_id.clone(), theme));
            lines.push(fact("status", d.status.clone().unwrap_or_default(), theme));
            lines.push(fact(
                "url",
                d.database_url.clone().unwrap_or_default(),
                theme,
            ));
            lines.push(fact(
                "created",
                d.created_at.clone().unwrap_or_default(),
                theme,
            ));
        }
        if let Some(why) = self.protected() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(format!("🔒 {why}"), theme.locked));
        } else if let Some(why) = self.sql_refused() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(format!("⏸ {why}"), theme.warn));
        }
        lines.push(Line::raw(""));
        match (&self.internals.data, self.internals.status()) {
            (Some(i), _) => {
                lines.push(Line::styled("Operator view", theme.key));
                if let Some(s) = &i.status {
                    lines.push(fact("runner", s.runner.clone().unwrap_or_default(), theme));
                    lines.push(fact(
                        "generation",
                        s.generation.map(|g| g.to_string()).unwrap_or_default(),
                        theme,
                    ));
                    lines.push(fact(
                        "frame no",
                        s.frame_no.map(|g| g.to_string()).unwrap_or_default(),
                        theme,
                    ));
                    for (k, v) in &s.other {
                        let value = v
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string());
                        lines.push(fact(k, value, theme));
                    }
                }
                if let Some(u) = &i.usage {
                    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
                    lines.push(fact("rows read", n(u.rows_read), theme));
                    lines.push(fact("rows written", n(u.rows_written), theme));
                    lines.push(fact(
                        "storage",
                        u.storage_bytes.map(bytes).unwrap_or_default(),
                        theme,
                    ));
                    lines.push(fact("queries", n(u.query_count), theme));
                }
            }
            (None, Some(s)) => lines.push(Line::styled(s, theme.dim)),
            (None, None) => lines.push(Line::styled(
                "Status, internals and usage need an operator token.",
                theme.dim,
            )),
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(panel(&self.title(), theme, focused)),
            area,
        );
    }
}

impl Update for DatabaseView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            // A reload that beat the delete's own answer: not an error.
            Msg::Loaded(Err(e)) if self.deleting && e.is_not_found() => {}
            Msg::Gone if self.deleting => {}
            Msg::Gone => {
                let id = &self.database;
                let e = Error::Config(format!("database {id} is gone (deleted elsewhere?)"));
                cx.fail("Loading the database", &e);
                self.data.finish(Err(e));
            }
            Msg::Loaded(result) => {
                if let Err(e) = &result {
                    cx.fail("Loading the database", e);
                }
                self.data.finish(result);
            }
            Msg::Internals(result) => self.internals.finish(result),
            Msg::Rotated(Ok(rotated)) => {
                // Saved before it is shown, off the UI task.
                let store = cx.session.token_store();
                cx.spawn(async move {
                    let (id, token) = (rotated.database_id.clone(), rotated.database_token.clone());
                    let saved = store.save(id, token).await;
                    Msg::TokenSaved(rotated, saved)
                });
            }
            Msg::TokenSaved(rotated, saved) => {
                let mut lines = vec![format!(
                    "{} has a new token; the old one no longer works.",
                    self.name()
                )];
                lines.push(saved.unwrap_or_else(|why| format!("⚠ {why}")));
                self.ui.modal = Some(Modal::reveal(
                    "New database token (shown once)",
                    lines,
                    rotated.database_token,
                ));
            }
            Msg::Rotated(Err(e)) => cx.fail("Rotating the token", &e),
            Msg::State(what, Ok(state)) => {
                self.set_status(state.status.clone());
                cx.toast(
                    Level::Success,
                    format!(
                        "{} {what} (status {})",
                        self.name(),
                        state.status.unwrap_or_else(|| "unknown".into())
                    ),
                );
                self.refresh(cx);
            }
            Msg::State(what, Err(e)) => cx.fail(&format!("Database {what}"), &e),
            Msg::Token(ticket, answer) => self.token_answer(ticket, answer, cx),
            Msg::Deleted(ticket, Ok(_)) => {
                self.ui.accepted(ticket);
                cx.toast(Level::Success, format!("deleted {}", self.name()));
                cx.reload(NodeKey::Databases(self.project.clone()));
            }
            Msg::Deleted(ticket, Err(e)) => {
                self.deleting = false;
                if !self.ui.refused(ticket, &e) {
                    cx.fail("Deleting the database", &e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use comwit_client::Problem;

    use super::*;
    use crate::context::Effect;
    use crate::views::dns_shared::test_session;

    fn gone() -> Error {
        Error::Api {
            route: "GET /v1/projects/p/databases/db_1".into(),
            status: 404,
            problem: Box::new(Problem::default()),
            hint: None,
        }
    }

    fn dialogs(effects: &[Effect]) -> usize {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Notice(_)))
            .count()
    }

    #[tokio::test]
    async fn a_reload_that_finds_the_database_deleted_from_here_is_no_error() {
        let session = test_session();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut cx = Ctx::new(&session, NodeKey::Root, &tx);
        let mut view = DatabaseView::new("p", "db_1");
        view.update(Msg::Loaded(Err(gone())), &mut cx);
        view.update(Msg::Gone, &mut cx);
        assert_eq!(dialogs(&cx.effects), 2, "gone while nobody deleted it");

        let mut cx = Ctx::new(&session, NodeKey::Root, &tx);
        view.run(Intent::Delete, &mut cx);
        view.update(Msg::Loaded(Err(gone())), &mut cx);
        view.update(Msg::Gone, &mut cx);
        assert_eq!(dialogs(&cx.effects), 0, "the delete's answer is on its way");
    }
}

//! Drives the dashboard on an in-process sandbox: keys in, actions from
//! background work applied until a condition holds, the screen read from
//! ratatui's TestBackend. The dashboard's own tests (`tui/tests/`) start it
//! on the demo data; the flows of `tests/` on a sandbox they set up.

use std::time::Duration;

use comwit_client::credentials::Credentials;
use comwit_sandbox::Sandbox;
use comwit_tui::action::Action;
use comwit_tui::app::App;
use comwit_tui::session::{Session, sandbox_session};
use comwit_tui::settings::Settings;
use comwit_tui::switchboard::{Screen, Switchboard};
use comwit_tui::theme::Theme;
use comwit_tui::tree::Row;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::operator::Operator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    User,
    ReadOnly,
    Operator,
}

/// What follows a dashboard in a test (see [`Harness::follow`]).
pub enum Next {
    /// The harness shows the next dashboard.
    Dashboard,
    SignIn {
        back: Option<Box<Session>>,
        said: Option<String>,
    },
    Quit,
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub app: App,
    rx: UnboundedReceiver<Action>,
    pub width: u16,
    pub height: u16,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|b| b, Mode::User).await
    }

    pub async fn start_with(
        configure: impl FnOnce(comwit_sandbox::SandboxBuilder) -> comwit_sandbox::SandboxBuilder,
        mode: Mode,
    ) -> Self {
        private_state_dir();
        let sandbox = configure(Sandbox::builder().seed_demo())
            .start()
            .await
            .expect("sandbox starts");
        let session = sandbox_session(
            sandbox.info(),
            mode == Mode::ReadOnly,
            mode == Mode::Operator,
        )
        .unwrap();
        let mut h = Self::on(sandbox, session);
        h.settle(|a| row_labels(a).len() >= 2).await;
        h
    }

    /// The dashboard as `session` on `sandbox` (kept running by the
    /// harness), 100×30, monochrome; its first loads are still on the way.
    pub fn on(sandbox: Sandbox, session: Session) -> Self {
        let settings = Settings {
            // Snapshots compare text; colours would only add noise.
            theme: Theme::monochrome(),
            ..Settings::default()
        };
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let app = App::new(session, settings, tx);
        Self {
            sandbox,
            app,
            rx,
            width: 100,
            height: 30,
        }
    }

    /// A fresh dashboard on `session` (a new context), as the terminal
    /// loop opens one: its own tree and channel; `notice` as a toast.
    pub async fn reopen(&mut self, session: Session, notice: Option<String>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.app = App::new(session, self.app.settings.clone(), tx);
        self.rx = rx;
        if let Some(notice) = notice {
            self.app.warn(notice);
        }
        self.settle(|a| !row_labels(a).is_empty()).await;
    }

    /// Follows the dashboard's end through `board` as the terminal loop
    /// does: a dashboard that comes next is opened here; the sign-in
    /// screen's inputs are returned for the test to drive.
    pub async fn follow(&mut self, board: &mut Switchboard) -> Next {
        let exit = self.app.exit.take().expect("the dashboard ended");
        // A stand-in until the next dashboard opens (the terminal loop
        // hands the ended session over the same way).
        let stand_in = sandbox_session(self.sandbox.info(), false, false).unwrap();
        let (tx, _) = tokio::sync::mpsc::unbounded_channel();
        let settings = self.app.settings.clone();
        let ended = std::mem::replace(&mut self.app, App::new(stand_in, settings, tx));
        self.show(board.after(exit, ended.session).await).await
    }

    /// Shows what the switchboard says comes next.
    pub async fn show(&mut self, screen: Screen) -> Next {
        match screen {
            Screen::Dashboard { session, notice } => {
                self.reopen(*session, notice).await;
                Next::Dashboard
            }
            Screen::SignIn { back, said } => Next::SignIn { back, said },
            Screen::Quit => Next::Quit,
        }
    }

    /// A switchboard on this harness's sandbox, with `credentials` as the
    /// system's (the configured API is the sandbox's address).
    pub fn board(&self, credentials: Credentials) -> Switchboard {
        let api = Some(self.sandbox.info().api_url.clone());
        Switchboard::new(api, std::sync::Arc::new(credentials), false, None)
            .unwrap()
            .attached(self.sandbox.info())
    }

    /// Applies background reports until `done` holds (10 s at most).
    pub async fn settle(&mut self, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(&self.app) {
            let action = match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(a)) => a,
                _ => panic!("the dashboard did not settle; screen:\n{}", self.screen()),
            };
            self.app.update(action);
        }
    }

    /// Waits until the screen shows `text`.
    pub async fn wait_for(&mut self, text: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if self.screen().contains(text) {
                return;
            }
            let action = match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(a)) => a,
                _ => panic!("never showed {text:?}; screen:\n{}", self.screen()),
            };
            self.app.update(action);
        }
    }

    /// Applies whatever is already queued, without waiting.
    pub fn drain(&mut self) {
        while let Ok(a) = self.rx.try_recv() {
            self.app.update(a);
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.app
            .update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.app.update(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn chars(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn paste(&mut self, text: &str) {
        self.app.update(Action::Paste(text.to_string()));
    }

    pub fn screen(&mut self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(self.width, self.height)).unwrap();
        terminal
            .draw(|f| comwit_tui::ui::draw(f, &mut self.app))
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Moves the tree cursor to the row labelled `label`, expanding it
    /// (and loading its children) when `expand` is set.
    pub async fn select(&mut self, label: &str) {
        self.settle(|a| row_labels(a).iter().any(|l| l == label))
            .await;
        let at = row_labels(&self.app)
            .iter()
            .position(|l| l == label)
            .unwrap();
        self.app.tree_cursor.selected = at;
        self.app.update(Action::Resize);
    }

    /// Opens a database's own view from the tree (focus on the view).
    pub async fn database(&mut self, project: &str, name: &str) {
        self.open(project).await;
        self.open("databases").await;
        self.select(name).await;
        self.key(KeyCode::Tab);
    }

    /// Selects and expands a row, waiting for its children.
    pub async fn open(&mut self, label: &str) {
        self.select(label).await;
        let before = row_labels(&self.app).len();
        self.key(KeyCode::Enter);
        self.settle(|a| {
            row_labels(a).len() > before
                && !a
                    .visible_rows()
                    .iter()
                    .any(|r| matches!(r, Row::Loading { .. }))
        })
        .await;
    }

    /// Opens `project` › apps › `app` and selects `child` (builds,
    /// environment, hostnames) with the view focused.
    pub async fn app_view(&mut self, project: &str, app: &str, child: &str) {
        self.open(project).await;
        self.open("apps").await;
        self.open(app).await;
        self.select(child).await;
        self.key(KeyCode::Tab);
    }

    /// The demo's storefront selected, its overview loaded in every
    /// section (apps, databases, domains).
    pub async fn storefront_overview(&mut self) {
        self.select("storefront").await;
        for section in ["apps (2)", "databases (1)", "domains (2)"] {
            self.wait_for(section).await;
        }
    }

    /// The demo's storefront › apps › web, `child` focused.
    pub async fn web(&mut self, child: &str) {
        self.app_view("storefront", "web", child).await;
    }

    /// The demo's storefront › databases list, focused and loaded.
    pub async fn databases_list(&mut self) {
        self.open("storefront").await;
        self.select("databases").await;
        self.key(KeyCode::Tab);
        self.wait_for("shop-db").await;
    }

    /// The demo's storefront › domains › shop.example records, focused and
    /// loaded.
    pub async fn zone(&mut self) {
        self.open("storefront").await;
        self.open("domains").await;
        self.select("shop.example (managed)").await;
        self.key(KeyCode::Tab);
        self.wait_for(" records (").await;
    }

    /// Runs `:command` from the palette.
    pub fn command(&mut self, command: &str) {
        self.key(KeyCode::Char(':'));
        self.chars(command);
        self.key(KeyCode::Enter);
    }

    /// `:sql NAME` as the demo user, running SQL on the sandbox
    /// operator's query tokens (the question answered yes), connected.
    pub async fn sql_console(&mut self, name: &str) {
        self.command(&format!("sql {name}"));
        self.wait_for("Run SQL as the sandbox operator?").await;
        self.key(KeyCode::Char('y'));
        self.wait_for("· autocommit").await;
    }

    /// `:watch web` in the demo's storefront, its form open.
    pub async fn watch_form(&mut self) {
        self.open("storefront").await;
        self.command("watch web");
        self.wait_for("Watch and redeploy").await;
    }

    /// Types `package` into the open watch form and sends it.
    pub fn submit_watch(&mut self, package: &std::path::Path) {
        self.ctrl('u');
        self.paste(&package.display().to_string());
        self.key(KeyCode::Enter);
    }

    /// `:watch web` watching `dir`.
    pub async fn watching(&mut self, dir: &std::path::Path) {
        self.watch_form().await;
        self.submit_watch(dir);
        self.wait_for("watching /").await;
    }
}

/// The dashboard keeps the SQL console's history and buffers in its state
/// directory: a test process keeps them in a directory of its own under
/// the system's temporary one, never in the user's (a test binary that
/// sets `COMWIT_STATE_DIR` itself, first, keeps its choice).
pub fn private_state_dir() {
    static SET: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let var = comwit_client::places::STATE_DIR_ENV;
        if std::env::var_os(var).is_none() {
            let dir =
                std::env::temp_dir().join(format!("comwit-test-state-{}", std::process::id()));
            // SAFETY: called at the start of a harness, before it starts a
            // sandbox; other harnesses wait on the OnceLock meanwhile.
            unsafe { std::env::set_var(var, dir) };
        }
    });
}

pub fn row_labels(app: &App) -> Vec<String> {
    app.visible_rows()
        .into_iter()
        .filter_map(|r| match r {
            Row::Node { node, .. } => Some(node.label),
            _ => None,
        })
        .collect()
}

impl Harness {
    /// The active build of the demo storefront's `app`, through the API.
    pub async fn active_build(&self, app: &str) -> comwit_client::models::Build {
        let project = self.storefront().await;
        let apps = self.app.session.client.apps(&project);
        let found = apps.find(app).await.unwrap().expect("the app exists");
        let builds = apps.app(&found.app_id).builds().await.unwrap();
        builds
            .into_iter()
            .find(|b| b.active)
            .expect("an active build")
    }

    /// The demo project's id, through the API.
    pub async fn storefront(&self) -> String {
        self.app
            .session
            .client
            .projects()
            .list()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.name == "storefront")
            .expect("the demo project")
            .project_id
    }

    /// The sandbox's operator (`/_sandbox/*` routes).
    pub fn operator(&self) -> Operator {
        let info = self.sandbox.info();
        Operator::new(&info.api_url, &info.operator_token)
    }

    /// Switches sandbox faults on or off (`{"managed_dns_failing": true}`).
    pub async fn faults(&self, faults: serde_json::Value) {
        self.operator().put("/_sandbox/faults", faults).await;
    }

    /// Waits for a toast containing `text`.
    pub async fn toast(&mut self, text: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !self.app.toasts.iter().any(|t| t.text.contains(text)) {
            if !self.app.notices.is_empty() {
                panic!(
                    "an error dialog instead of {text:?}: {:?}",
                    self.app.notices
                );
            }
            let action = match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(a)) => a,
                _ => {
                    let toasts: Vec<String> =
                        self.app.toasts.iter().map(|t| t.text.clone()).collect();
                    panic!(
                        "no toast {text:?}; toasts {toasts:?}; screen:\n{}",
                        self.screen()
                    )
                }
            };
            self.app.update(action);
        }
    }
}

//! `:watch`: watch mode inside the dashboard. The engine (comwit-client's
//! `watch`) runs in the background while the panel shows its state, the
//! history of deploys with durations and skip reasons, and the build's
//! output; pause/resume and a one-key rollback of the last deploy.

use std::collections::VecDeque;
use std::path::PathBuf;

use comwit_client::models::DeployOptions;
use comwit_client::watch::{Control, DeployRecord, Phase, WatchEvent, WatchOptions};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::deploy_options;
use super::detail::panel;
use super::keys::{self, ViewKey};
use super::{Hint, ListUi, Ticket, Update, View, hint, interaction_in};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::bytes;
use crate::widgets::list::MOVE_KEYS;
use crate::widgets::modal::{Field, Modal, Outcome, Values};
use crate::widgets::table::draw_rows;

/// Build output and notices kept on screen.
const LOG_LINES: usize = 200;

#[derive(Clone)]
enum Intent {
    Configure,
    Rollback { to: String },
}

pub enum Msg {
    /// The form's package path was looked at (off the UI task): whether
    /// it is a directory.
    Checked(Ticket, Values, bool),
    /// The deploy options were remembered for the app (or why not).
    Remembered(Result<(), String>),
    Event(WatchEvent),
    /// The engine could not start (or ended with an error).
    Ended(Result<(), String>),
    RolledBack(Result<String, comwit_client::Error>),
}

/// One line of the history.
struct Entry {
    at: String,
    what: Happened,
}

enum Happened {
    Deployed(DeployRecord),
    Skipped(String),
    Failed(String),
}

pub struct DeployWatchView {
    project: String,
    app: String,
    control: Option<UnboundedSender<Control>>,
    phase: Phase,
    paused: bool,
    root: Option<PathBuf>,
    upload: Option<(u64, u64)>,
    history: Vec<Entry>,
    log: VecDeque<String>,
    ui: ListUi<Intent>,
    /// What each deploy carries; `None` until the session's remembered
    /// options are read (the first refresh, which opens the form).
    deploy: Option<DeployOptions>,
    /// What the form asked to check after each deploy.
    check: Option<comwit_client::watch::check::Check>,
}

fn now() -> String {
    // Local wall-clock time of day is enough to tell entries apart.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

impl DeployWatchView {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            control: None,
            phase: Phase::Idle,
            paused: false,
            root: None,
            upload: None,
            history: Vec::new(),
            log: VecDeque::new(),
            ui: ListUi::without_filter(),
            deploy: None,
            check: None,
        }
    }

    fn configure(&mut self) {
        self.ui.modal = Some(Modal::form(
            "Watch and redeploy",
            vec![
                "Deploys the package whenever files change (after 300 ms of quiet).".into(),
                "With a build command, the source directory is watched and built first.".into(),
            ],
            [
                Field::text("package", "./dist"),
                Field::text("build", "").labelled("build command (optional)"),
                Field::text("source", ".").labelled("source dir (with a build)"),
            ]
            .into_iter()
            .chain(deploy_options::fields(
                &self.deploy.clone().unwrap_or_default(),
            ))
            .chain([Field::text("check", "").labelled("check path after each deploy (optional)")])
            .collect(),
            Intent::Configure,
        ));
    }

    /// Keeps `deploy` as the app's options for its next deploy or watch.
    fn remember(&self, deploy: &DeployOptions, cx: &mut Ctx<'_>) {
        let store = cx.session.deploy_options.clone();
        let (project, app, deploy) = (self.project.clone(), self.app.clone(), deploy.clone());
        cx.spawn(async move {
            let saved = crate::blocking::run(move || store.save(&project, &app, &deploy)).await;
            Msg::Remembered(saved.unwrap_or_else(Err))
        });
    }

    fn note(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    /// Without a build command the package must be a directory: looked
    /// at on a blocking thread (a stat can hang on a network mount), the
    /// form open meanwhile; [`Self::checked`] goes on.
    fn check(&mut self, values: Values, cx: &mut Ctx<'_>) {
        let parsed = deploy_options::parse(&values).and_then(|deploy| {
            let check = self.site_check(values.get("check").trim(), &deploy, cx)?;
            Ok((deploy, check))
        });
        match parsed {
            Ok((deploy, check)) => {
                self.deploy = Some(deploy);
                self.check = check;
            }
            Err(why) => {
                if let Some(m) = &mut self.ui.modal {
                    m.refuse(why);
                }
                return;
            }
        }
        if !values.get("build").trim().is_empty() {
            return self.start(values, cx);
        }
        // The form waits while the path is looked at, as for a request.
        let ticket = self.ui.wait();
        let package = PathBuf::from(values.get("package").trim());
        cx.spawn(async move {
            let is_dir = crate::blocking::run(move || package.is_dir()).await;
            Msg::Checked(ticket, values, is_dir.unwrap_or(false))
        });
    }

    /// The check the form asks for (see `comwit-tui watch --check`): the
    /// sandbox's site, else `https://` and the first host.
    fn site_check(
        &self,
        path: &str,
        deploy: &DeployOptions,
        cx: &Ctx<'_>,
    ) -> Result<Option<comwit_client::watch::check::Check>, String> {
        if path.is_empty() {
            return Ok(None);
        }
        let path = crate::watch_cli::parse_check_path(path)?;
        let site = cx.session.site_url();
        let url =
            crate::watch_cli::check_url(&path, site, &self.app, &deploy.hosts).map_err(|_| {
                "a check needs a host to ask: fill hosts (the check asks https:// and the first)"
                    .to_string()
            })?;
        Ok(Some(comwit_client::watch::check::Check {
            url,
            expect: 200,
            within: std::time::Duration::from_secs(10),
        }))
    }

    /// The package was looked at: start, or keep the form up saying why
    /// not (unless that form was closed, or watching started, meanwhile).
    fn checked(&mut self, ticket: Ticket, values: Values, is_dir: bool, cx: &mut Ctx<'_>) {
        if self.control.is_some() {
            return;
        }
        if !is_dir {
            let why = format!(
                "{} is not a directory: give the build directory (or a build command)",
                values.get("package").trim()
            );
            self.ui.refused_because(ticket, why);
            return;
        }
        if self.ui.modal.as_ref().is_some_and(|m| m.is_waiting()) {
            self.ui.accepted(ticket);
            if self.ui.modal.is_none() {
                self.start(values, cx);
            }
        }
    }

    fn start(&mut self, values: Values, cx: &mut Ctx<'_>) {
        let package = PathBuf::from(values.get("package").trim());
        let build = Some(values.get("build").trim().to_string()).filter(|b| !b.is_empty());
        self.ui.modal = None;
        let options = WatchOptions {
            project: self.project.clone(),
            app: self.app.clone(),
            package,
            source: build
                .as_ref()
                .map(|_| PathBuf::from(values.get("source").trim())),
            build,
            deploy: self.deploy.clone().unwrap_or_default(),
            ignore: Vec::new(),
            debounce: WatchOptions::DEFAULT_DEBOUNCE,
            max_wait: WatchOptions::DEFAULT_MAX_WAIT,
            check: self.check.clone(),
        };
        self.remember(&options.deploy, cx);
        let (events_tx, mut events) = unbounded_channel();
        let (control, control_rx) = unbounded_channel();
        self.control = Some(control.clone());
        let reporter = cx.reporter::<Msg>();
        let forward = reporter.clone();
        // Events flow to the view until the dashboard goes away; then the
        // engine is told to stop.
        tokio::spawn(async move {
            while let Some(e) = events.recv().await {
                if !forward.send(Msg::Event(e)) {
                    let _ = control.send(Control::Stop);
                    break;
                }
            }
        });
        let client = cx.client().clone();
        tokio::spawn(async move {
            let result = comwit_client::watch::run(client, options, events_tx, control_rx)
                .await
                .map_err(|e| e.to_string());
            reporter.send(Msg::Ended(result));
        });
    }

    fn last_deploy(&self) -> Option<&DeployRecord> {
        self.history.iter().rev().find_map(|e| match &e.what {
            Happened::Deployed(r) => Some(r),
            _ => None,
        })
    }

    /// The last deploy of this watch and the build before it, when there
    /// is one to roll back to.
    fn rollback_target(&self) -> Option<(&str, &str)> {
        let last = self.last_deploy()?;
        Some((&last.build_id, last.previous_build_id.as_deref()?))
    }

    fn ask_rollback(&mut self) {
        let Some((from, to)) = self.rollback_target() else {
            return;
        };
        let lines = vec![
            format!("from {from} (deployed by this watch)"),
            format!("to   {to}?"),
            "Watching goes on: the next change deploys again.".into(),
        ];
        let to = to.to_string();
        self.ui.modal = Some(Modal::confirm(
            "Roll back the last deploy",
            lines,
            Intent::Rollback { to },
        ));
    }

    fn send(&self, control: Control) {
        if let Some(c) = &self.control {
            let _ = c.send(control);
        }
    }

    fn state_text(&self) -> String {
        if self.control.is_none() {
            return "stopped".into();
        }
        if self.paused {
            return "paused".into();
        }
        match (self.phase, self.upload) {
            (Phase::Uploading, Some((sent, total))) if total > 0 => {
                format!("uploading {}%", sent * 100 / total)
            }
            (p, _) => p.as_str().to_string(),
        }
    }

    /// The state and the counts, and the watched root.
    fn draw_head(&self, frame: &mut Frame<'_>, head: Rect, theme: &Theme) {
        let state = self.state_text();
        let state_style = match state.as_str() {
            "failed" => theme.error,
            "deployed" => theme.ok,
            "stopped" | "paused" => theme.warn,
            _ => theme.accent,
        };
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(vec![
                    Span::raw("state "),
                    Span::styled(format!(" {state} "), state_style),
                    Span::raw(format!(
                        "  deploys {}  skipped {}  failed {}",
                        self.history
                            .iter()
                            .filter(|e| matches!(e.what, Happened::Deployed(_)))
                            .count(),
                        self.history
                            .iter()
                            .filter(|e| matches!(e.what, Happened::Skipped(_)))
                            .count(),
                        self.history
                            .iter()
                            .filter(|e| matches!(e.what, Happened::Failed(_)))
                            .count(),
                    )),
                ]),
                Line::styled(
                    match &self.root {
                        Some(r) => format!("watching {}", r.display()),
                        None => "not watching".into(),
                    },
                    theme.dim,
                ),
            ]),
            head,
        );
    }

    /// The history, newest first.
    fn draw_history(&mut self, frame: &mut Frame<'_>, table: Rect, theme: &Theme) {
        let history = &self.history;
        let len = history.len();
        draw_rows(
            frame,
            table,
            &mut self.ui.cursor,
            len,
            &[
                "time",
                "outcome",
                "build",
                "took",
                "size",
                "changes / reason",
            ],
            &[
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(22),
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Fill(1),
            ],
            |i| history_row(&history[len - 1 - i], theme),
            theme,
            false,
        );
    }

    /// The tail of the build output and notices.
    fn draw_log(&self, frame: &mut Frame<'_>, log: Rect, theme: &Theme) {
        let shown = log.height as usize;
        let lines: Vec<Line<'_>> = self
            .log
            .iter()
            .skip(self.log.len().saturating_sub(shown))
            .map(|l| Line::styled(l.clone(), theme.dim))
            .collect();
        frame.render_widget(Paragraph::new(lines), log);
    }
}

/// One history entry as a table row.
fn history_row(e: &Entry, theme: &Theme) -> Row<'static> {
    match &e.what {
        Happened::Deployed(r) => Row::new(vec![
            Cell::from(e.at.clone()),
            Cell::from("deployed").style(theme.ok),
            Cell::from(r.build_id.clone()),
            Cell::from(format!("{:.1}s", r.duration.as_secs_f64())),
            Cell::from(bytes(r.size)),
            Cell::from(match &r.checked {
                None => format!("{} change(s)", r.changes),
                Some(c) if c.ok => {
                    format!("{} change(s) · check {}", r.changes, c.status.unwrap_or(0))
                }
                Some(c) => format!("{} change(s) · {}", r.changes, c.line()),
            }),
        ]),
        Happened::Skipped(why) => Row::new(vec![
            Cell::from(e.at.clone()),
            Cell::from("skipped").style(theme.dim),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
            Cell::from(why.clone()),
        ]),
        Happened::Failed(why) => Row::new(vec![
            Cell::from(e.at.clone()),
            Cell::from("failed").style(theme.error),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
            Cell::from(why.clone()),
        ]),
    }
}

/// Watch mode's keys besides moving through its history: the bar, `?`
/// and the dispatch all read them.
const KEYS: &[ViewKey<DeployWatchView>] = &[
    ViewKey {
        keys: &[Binding::plain('c')],
        what: "choose the directory and rules, then start watching",
        write: true,
        hint: |v| v.control.is_none().then_some("configure and start"),
        run: |v, _| v.configure(),
    },
    ViewKey {
        keys: &[Binding::plain('p')],
        what: "pause the watch, or resume it",
        write: false,
        hint: |v| {
            v.control
                .as_ref()
                .map(|_| if v.paused { "resume" } else { "pause" })
        },
        run: |v, _| {
            v.send(if v.paused {
                Control::Resume
            } else {
                Control::Pause
            })
        },
    },
    ViewKey {
        keys: &[Binding::plain('s')],
        what: "stop the watch",
        write: false,
        hint: |v| v.control.as_ref().map(|_| "stop"),
        run: |v, _| v.send(Control::Stop),
    },
    ViewKey {
        keys: &[Binding::plain('b')],
        what: "roll back the last deploy of this watch",
        write: true,
        hint: |v| v.rollback_target().map(|_| "roll back the last deploy"),
        run: |v, _| v.ask_rollback(),
    },
];

impl View for DeployWatchView {
    fn title(&self) -> String {
        "watch mode".into()
    }

    interaction_in!(ui);

    fn fullscreen(&self) -> bool {
        true
    }

    /// Quitting stops a running watch; esc leaves it running behind the tree.
    fn leave_warning(&self, leave: super::Leave) -> Option<String> {
        (leave == super::Leave::Quit && self.control.is_some()).then(|| {
            "Watch mode is running: quitting stops it, and changes after that are not deployed."
                .to_string()
        })
    }

    fn hints(&self) -> Vec<Hint> {
        self.ui.hints().unwrap_or_else(|| keys::hints(KEYS, self))
    }

    fn keys(&self) -> Vec<Hint> {
        self.ui.hints().unwrap_or_else(|| {
            MOVE_KEYS
                .iter()
                .map(|(k, w)| hint(k, w))
                .chain(keys::all(KEYS))
                .collect()
        })
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if let Some(modal) = &mut self.ui.modal {
            match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Submitted(Intent::Configure, values) => {
                    if cx.may_write() {
                        self.check(values, cx);
                    } else {
                        self.ui.modal = None;
                    }
                }
                Outcome::Confirmed(Intent::Rollback { to }, _) => {
                    self.ui.modal = None;
                    let (client, project, app) =
                        (cx.client().clone(), self.project.clone(), self.app.clone());
                    cx.spawn(async move {
                        Msg::RolledBack(
                            client
                                .apps(&project)
                                .app(&app)
                                .rollback(Some(&to))
                                .await
                                .map(|r| r.active_build_id),
                        )
                    });
                }
                _ => self.ui.modal = None,
            }
            return true;
        }
        if let crate::widgets::list::PickerKey::Used =
            self.ui.cursor.on_key(key, self.history.len(), 10)
        {
            return true;
        }
        keys::dispatch(KEYS, self, key, cx)
    }

    /// The first refresh (as the view opens) reads the app's remembered
    /// deploy options and opens the form with them.
    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        if self.deploy.is_none() {
            self.deploy = Some(cx.session.deploy_options.load(&self.project, &self.app));
            self.configure();
        }
    }

    fn copy(&self) -> Option<(String, String)> {
        self.last_deploy()
            .map(|r| ("the last build id".to_string(), r.build_id.clone()))
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let block = panel(&self.title(), theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [head, table, log] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(4),
            Constraint::Length(8),
        ])
        .areas(inner);
        self.draw_head(frame, head, theme);
        self.draw_history(frame, table, theme);
        self.draw_log(frame, log, theme);
    }
}

impl Update for DeployWatchView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Checked(ticket, values, is_dir) => self.checked(ticket, values, is_dir, cx),
            Msg::Remembered(Ok(())) => {}
            Msg::Remembered(Err(why)) => cx.toast(Level::Warning, why),
            Msg::Event(e) => match e {
                WatchEvent::Watching { root, directories } => {
                    self.note(format!(
                        "watching {} ({directories} directories)",
                        root.display()
                    ));
                    self.root = Some(root);
                }
                WatchEvent::Phase(p) => {
                    self.phase = p;
                    if p != Phase::Uploading {
                        self.upload = None;
                    }
                }
                WatchEvent::Upload { sent, total } => self.upload = Some((sent, total)),
                WatchEvent::Deployed(r) => {
                    cx.toast(Level::Success, format!("watch: deployed {}", r.build_id));
                    self.history.push(Entry {
                        at: now(),
                        what: Happened::Deployed(r),
                    });
                }
                WatchEvent::Skipped { reason } => self.history.push(Entry {
                    at: now(),
                    what: Happened::Skipped(reason),
                }),
                WatchEvent::Failed { stage, error } => {
                    cx.toast(Level::Warning, format!("watch: {stage} failed"));
                    self.history.push(Entry {
                        at: now(),
                        what: Happened::Failed(format!("{stage}: {error}")),
                    });
                }
                WatchEvent::Paused(p) => self.paused = p,
                WatchEvent::BuildOutput(line) => self.note(format!("| {line}")),
                WatchEvent::Changed { changes } => self.note(format!("{changes} change(s)")),
                WatchEvent::Queued => self.note("changed during a deploy: one more follows".into()),
                WatchEvent::Notice(n) => self.note(n),
                WatchEvent::Stopped => {
                    self.note("stopped".into());
                    self.control = None;
                }
            },
            Msg::Ended(Ok(())) => self.control = None,
            Msg::Ended(Err(e)) => {
                self.control = None;
                self.note(format!("could not watch: {e}"));
                cx.notice(crate::notice::Notice::message(
                    "Watch mode stopped",
                    vec![e, "Press c to configure and start again.".into()],
                ));
            }
            Msg::RolledBack(Ok(active)) => {
                cx.toast(Level::Success, format!("rolled back: {active} is active"));
            }
            Msg::RolledBack(Err(e)) => cx.fail("Rolling back", &e),
        }
    }
}

impl Drop for DeployWatchView {
    fn drop(&mut self) {
        if let Some(c) = &self.control {
            let _ = c.send(Control::Stop);
        }
    }
}

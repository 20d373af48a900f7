//! What a selected project shows: its apps (active build and its age),
//! databases (status) and domains (delegation state) on one screen, so
//! the project row answers "how is this project doing" without opening
//! each group. The three sections load separately and fail separately: a
//! token without `domain:read` still sees its apps and databases, with
//! the refusal written where the domains would be.
//!
//! `p` pins the project as `config.json`'s `default_project`, the one the
//! official CLI uses without `--project` or `COMWIT_PROJECT` (sessions
//! with a config file only: the sandbox keeps nothing on disk).

use std::path::PathBuf;

use comwit_client::models::{Database, Domain};
use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::apps::{self, AppRow};
use super::databases::Databases;
use super::detail::panel;
use super::dns_shared::status_badge;
use super::domains::Domains;
use super::keys::{self, ViewKey};
use super::resource::create_keys;
use super::{Hint, Remote, Update, View};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::{Level, Notice};
use crate::theme::Theme;
use crate::tree::{Facts, Node, NodeKey};
use crate::widgets::short_time;

pub enum Msg {
    Apps(Result<Vec<AppRow>, Error>),
    Databases(Result<Vec<Database>, Error>),
    Domains(Result<Vec<Domain>, Error>),
    /// `config.json`'s `default_project` (unreadable: `Err`).
    Pinned(Result<Option<String>, String>),
    /// The pin was written to this file, or why not.
    PinSaved(Result<PathBuf, String>),
}

/// Whether the project is `config.json`'s `default_project`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Pin {
    /// The session has no config file (the sandbox): nothing to pin in.
    #[default]
    Unavailable,
    Unknown,
    Pinned,
    NotPinned,
}

pub struct Overview {
    project: String,
    /// The tree row: the project's name and facts (id, created).
    node: Node,
    apps: Remote<Vec<AppRow>>,
    databases: Remote<Vec<Database>>,
    domains: Remote<Vec<Domain>>,
    pin: Pin,
}

impl Overview {
    pub fn new(project: &str, node: Node) -> Self {
        Self {
            project: project.to_string(),
            node,
            apps: Remote::default(),
            databases: Remote::default(),
            domains: Remote::default(),
            pin: Pin::default(),
        }
    }

    /// The project's id and age, on one line.
    fn facts(&self, theme: &Theme) -> Line<'static> {
        let mut text = self.project.clone();
        if let Facts::Project(p) = &self.node.facts
            && let Some(at) = &p.created_at
        {
            text.push_str(&format!(" · created {}", short_time(at)));
        }
        Line::styled(text, theme.dim)
    }

    /// Reads `default_project` off the UI task (the file may sit on a slow mount).
    fn load_pin(&mut self, cx: &mut Ctx<'_>) {
        if cx.session.credentials.config_path().is_none() {
            self.pin = Pin::Unavailable;
            return;
        }
        if self.pin == Pin::Unavailable {
            self.pin = Pin::Unknown;
        }
        let credentials = cx.session.credentials.clone();
        cx.spawn(async move {
            let read = crate::blocking::run(move || credentials.default_project());
            Msg::Pinned(read.await.and_then(|r| r.map_err(|e| e.to_string())))
        });
    }

    /// Writes the project as `default_project` (key order and other keys
    /// kept: the file is the official CLI's too).
    fn pin(&mut self, cx: &mut Ctx<'_>) {
        let credentials = cx.session.credentials.clone();
        let project = self.project.clone();
        cx.progress(
            "pin",
            format!("pinning {} as the default project…", self.node.label),
        );
        cx.spawn(async move {
            let write = crate::blocking::run(move || credentials.pin_default_project(&project));
            Msg::PinSaved(write.await.and_then(|r| r.map_err(|e| e.to_string())))
        });
    }

    fn pin_saved(&mut self, saved: Result<PathBuf, String>, cx: &mut Ctx<'_>) {
        let name = self.node.label.clone();
        match saved {
            Ok(path) => {
                self.pin = Pin::Pinned;
                let text = format!(
                    "{name} is the default project (default_project in {}): the comwit CLI \
                     uses it without --project or COMWIT_PROJECT",
                    path.display()
                );
                cx.outcome("pin", Level::Success, text);
            }
            Err(e) => {
                cx.end_work("pin");
                let lines = vec![format!("Pinning {name} as the default project failed."), e];
                cx.notice(Notice::message("Not pinned", lines));
            }
        }
    }
}

/// A section: its heading with a count, then its rows, or where the load
/// stands (loading, or the error in place of the rows).
fn section<T>(
    title: &str,
    remote: &Remote<Vec<T>>,
    rows: impl Fn(&[T], &Theme) -> Vec<(String, Span<'static>)>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let count = remote.data.as_ref().map(|d| format!(" ({})", d.len()));
    let mut lines = vec![
        Line::raw(""),
        Line::styled(
            format!("{title}{}", count.unwrap_or_default()),
            theme.accent,
        ),
    ];
    if let Some(status) = remote.status() {
        let style = if remote.error.is_some() {
            theme.error
        } else {
            theme.dim
        };
        lines.push(Line::styled(format!("  {status}"), style));
    }
    let Some(data) = &remote.data else {
        return lines;
    };
    let rows = rows(data, theme);
    if rows.is_empty() {
        lines.push(Line::styled("  none yet", theme.dim));
    }
    let width = rows
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    for (name, what) in rows {
        lines.push(Line::from(vec![
            Span::raw(format!("  {name:width$}  ")),
            what,
        ]));
    }
    lines
}

fn app_rows(apps: &[AppRow], theme: &Theme) -> Vec<(String, Span<'static>)> {
    apps.iter()
        .map(|row| {
            let style = if row.app.active_build().is_some() {
                theme.ok
            } else {
                theme.dim
            };
            (row.app.name.clone(), Span::styled(row.build_text(), style))
        })
        .collect()
}

fn database_rows(databases: &[Database], theme: &Theme) -> Vec<(String, Span<'static>)> {
    databases
        .iter()
        .map(|d| {
            let status = d.status.clone().unwrap_or_else(|| "unknown".into());
            let style = if status == "running" {
                theme.ok
            } else {
                theme.warn
            };
            (d.name.clone(), Span::styled(status, style))
        })
        .collect()
}

fn domain_rows(domains: &[Domain], theme: &Theme) -> Vec<(String, Span<'static>)> {
    domains
        .iter()
        .map(|d| {
            let style = if d.is_managed() { theme.ok } else { theme.warn };
            (
                d.domain.clone(),
                Span::styled(status_badge(&d.status), style),
            )
        })
        .collect()
}

impl Overview {
    /// Every section answered, and with nothing.
    fn is_empty(&self) -> bool {
        let none = |loaded: Option<usize>| loaded == Some(0);
        none(self.apps.data.as_ref().map(Vec::len))
            && none(self.databases.data.as_ref().map(Vec::len))
            && none(self.domains.data.as_ref().map(Vec::len))
    }

    /// An empty project says so, and what can be created from here (the
    /// overview's own create keys, as the bar and `?` list them).
    fn empty_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = vec![
            Line::raw(""),
            Line::styled(
                format!(
                    "{} is empty: no apps, databases or domains yet.",
                    self.node.label
                ),
                theme.warn,
            ),
            Line::raw("To create one, press tab (to this pane), then:"),
        ];
        // The create keys: the overview's only keys that write.
        for k in keys::all(KEYS).into_iter().filter(|k| k.write) {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{:<4}", k.keys), theme.key),
                Span::raw(k.what),
            ]));
        }
        lines
    }

    /// Opens `group`'s list and presses its create key there, so its own
    /// form (and its rules) does the creating.
    fn create_in(&self, group: NodeKey, create: &[(&'static [Binding], &str)], cx: &mut Ctx<'_>) {
        let Some(key) = create.first().and_then(|(keys, _)| keys.first()) else {
            return;
        };
        cx.goto_and_press(vec![NodeKey::Project(self.project.clone()), group], *key);
    }
}

/// The overview's keys: each opens a group's list with its create form, so
/// an empty project offers what to make without a trip through the tree.
const KEYS: &[ViewKey<Overview>] = &[
    ViewKey {
        keys: &[Binding::plain('a')],
        what: "create an app (its list opens with the form)",
        write: true,
        hint: |_| Some("new app"),
        run: |v, cx| {
            let create = create_keys(&apps::Apps::new(&v.project));
            v.create_in(NodeKey::Apps(v.project.clone()), &create, cx);
        },
    },
    ViewKey {
        keys: &[Binding::plain('d')],
        what: "create a database (its list opens with the form)",
        write: true,
        hint: |_| Some("new database"),
        run: |v, cx| {
            let create = create_keys(&Databases::new(&v.project));
            v.create_in(NodeKey::Databases(v.project.clone()), &create, cx);
        },
    },
    ViewKey {
        keys: &[Binding::plain('o')],
        what: "onboard a domain (its list opens with the form)",
        write: true,
        hint: |_| Some("add domain"),
        run: |v, cx| {
            let create = create_keys(&Domains::new(v.project.clone()));
            v.create_in(NodeKey::Domains(v.project.clone()), &create, cx);
        },
    },
    ViewKey {
        keys: &[Binding::plain('p')],
        what: "pin as the comwit CLI's default project (config.json)",
        // Local configuration, not the platform: allowed when read-only.
        write: false,
        hint: |v| (v.pin == Pin::NotPinned).then_some("pin default"),
        run: |v, cx| v.pin(cx),
    },
];

impl View for Overview {
    fn title(&self) -> String {
        self.node.label.clone()
    }

    fn crumbs(&self) -> Vec<String> {
        vec!["overview".into()]
    }

    fn hints(&self) -> Vec<Hint> {
        keys::hints(KEYS, self)
    }

    fn keys(&self) -> Vec<Hint> {
        keys::all(KEYS)
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        keys::dispatch(KEYS, self, key, cx)
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let mut lines = vec![self.facts(theme)];
        if self.pin == Pin::Pinned {
            lines.push(Line::styled(
                "pinned as the default project (config.json)",
                theme.accent,
            ));
        }
        if self.is_empty() {
            lines.extend(self.empty_lines(theme));
        }
        lines.extend(section("apps", &self.apps, app_rows, theme));
        lines.extend(section("databases", &self.databases, database_rows, theme));
        lines.extend(section("domains", &self.domains, domain_rows, theme));
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(panel(&self.title(), theme, focused)),
            area,
        );
    }

    /// Each section loads on its own, so one refusal blanks only itself.
    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.apps.start();
        self.databases.start();
        self.domains.start();
        let load = |cx: &Ctx<'_>| (cx.client().clone(), self.project.clone());
        let (client, project) = load(cx);
        cx.spawn(async move { Msg::Apps(apps::load(&client, &project).await) });
        let (client, project) = load(cx);
        cx.spawn(async move { Msg::Databases(databases(&client, &project).await) });
        let (client, project) = load(cx);
        cx.spawn(async move { Msg::Domains(domains(&client, &project).await) });
        self.load_pin(cx);
    }

    fn copy(&self) -> Option<(String, String)> {
        Some(("the project id".into(), self.project.clone()))
    }
}

async fn databases(client: &Client, project: &str) -> Result<Vec<Database>, Error> {
    let mut list = client.databases(project).list().await?;
    list.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(list)
}

async fn domains(client: &Client, project: &str) -> Result<Vec<Domain>, Error> {
    let mut list = client.domains(project).list().await?;
    list.sort_by(|a, b| a.domain.cmp(&b.domain));
    Ok(list)
}

impl Update for Overview {
    type Msg = Msg;

    /// Failures stay in their section (no error dialog): the rest of the
    /// overview is still worth reading.
    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Apps(result) => self.apps.finish(result),
            Msg::Databases(result) => self.databases.finish(result),
            Msg::Domains(Err(e)) if e.is_disabled() => {
                self.domains.finish(Err(e));
                self.domains.error = Some("domain management is switched off here (501)".into());
            }
            Msg::Domains(result) => self.domains.finish(result),
            Msg::Pinned(Ok(pinned)) => {
                self.pin = if pinned.as_deref() == Some(self.project.as_str()) {
                    Pin::Pinned
                } else {
                    Pin::NotPinned
                };
            }
            // Unreadable: pinning stays on offer, and says why it fails.
            Msg::Pinned(Err(e)) => {
                tracing::debug!(%e, "default_project unreadable");
                self.pin = Pin::NotPinned;
            }
            Msg::PinSaved(saved) => self.pin_saved(saved, cx),
        }
    }
}

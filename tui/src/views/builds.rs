//! An app: its details and builds; deploy a directory or `.tar.zst` with a
//! progress bar, and roll back to a chosen build.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comwit_client::models::{App, Build, DeployOptions, Rollback};
use comwit_client::package::{PackOptions, ProgressEvent, ProgressFn};
use comwit_client::{ArtifactSource, DeployOutcome, DirectorySource, PrebuiltSource};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Gauge, Row};

use super::detail::panel;
use super::{Hint, Interaction, ListUi, Remote, Update, View, hint, write_hint};
use crate::context::{Ctx, Reporter};
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::list::PickerKey;
use crate::widgets::modal::{Modal, Outcome, complete_path};
use crate::widgets::table::{self, TableSpec};
use crate::widgets::{bytes, short_time};

pub struct AppBuilds {
    pub app: App,
    pub builds: Vec<Build>,
}

#[derive(Clone)]
enum Intent {
    Deploy,
    Rollback { to: String },
}

pub enum Msg {
    Loaded(Result<AppBuilds, comwit_client::Error>),
    Progress(Transfer),
    Deployed(Result<DeployOutcome, comwit_client::Error>),
    RolledBack(Result<Rollback, comwit_client::Error>),
}

/// Where an upload stands.
#[derive(Debug, Clone, Copy, Default)]
pub struct Transfer {
    /// Bytes done of `total` (input bytes for a directory being packed,
    /// file bytes for a prebuilt archive).
    done: u64,
    total: u64,
    /// Compressed bytes on the wire so far.
    sent: u64,
}

struct Deploying {
    what: String,
    started: Instant,
    transfer: Transfer,
}

pub struct BuildsView {
    project: String,
    app: String,
    data: Remote<AppBuilds>,
    ui: ListUi<Intent>,
    deploying: Option<Deploying>,
    /// The last deploy path typed (offered again).
    last_path: String,
}

impl BuildsView {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            data: Remote::default(),
            ui: ListUi::default(),
            deploying: None,
            last_path: "./".into(),
        }
    }

    fn builds(&self) -> &[Build] {
        self.data
            .data
            .as_ref()
            .map(|d| d.builds.as_slice())
            .unwrap_or(&[])
    }

    fn rows(&self) -> Vec<usize> {
        self.ui.rows(self.builds(), build_text)
    }

    fn selected(&self) -> Option<&Build> {
        self.ui.selected(self.builds(), build_text)
    }

    fn name(&self) -> &str {
        self.data
            .data
            .as_ref()
            .map(|d| d.app.name.as_str())
            .unwrap_or(&self.app)
    }

    fn start_deploy(&mut self, path: &str, cx: &mut Ctx<'_>) {
        let path = comwit_client::places::expand_home(path.trim());
        let reporter: Reporter<Msg> = cx.reporter();
        let progress = throttled(reporter.clone());
        let (source, total): (Box<dyn ArtifactSource + Send + Sync>, u64) = if path.is_dir() {
            let total = tree_size(&path);
            let mut source = DirectorySource::new(&path);
            source.options = PackOptions::new().with_progress(progress(true));
            (Box::new(source), total)
        } else {
            match PrebuiltSource::open_checked(&path) {
                Ok(s) => {
                    let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    (Box::new(s.with_progress(progress(false))), total)
                }
                Err(e) => {
                    cx.notice(crate::notice::Notice::message(
                        "Cannot deploy that",
                        vec![
                            e.to_string(),
                            "Give a build directory, or a .tar.zst made by comwit-deploy or tar --zstd."
                                .into(),
                        ],
                    ));
                    return;
                }
            }
        };
        self.deploying = Some(Deploying {
            what: path.display().to_string(),
            started: Instant::now(),
            transfer: Transfer {
                total,
                ..Transfer::default()
            },
        });
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.spawn(async move {
            let apps = client.apps(&project);
            let handle = apps.app(&app);
            Msg::Deployed(
                handle
                    .deploy_safely(source.as_ref(), &DeployOptions::default())
                    .await,
            )
        });
    }
}

/// A progress callback that reports at most ten times a second (the
/// packer calls it far more often; each report is a redraw).
fn throttled(reporter: Reporter<Msg>) -> impl Fn(bool) -> ProgressFn {
    move |packing: bool| {
        let reporter = reporter.clone();
        let last = Mutex::new(Instant::now() - Duration::from_secs(1));
        Arc::new(move |event: &ProgressEvent| {
            let ProgressEvent::Progress(p) = event else {
                return;
            };
            let mut last = match last.lock() {
                Ok(l) => l,
                Err(poisoned) => poisoned.into_inner(),
            };
            if last.elapsed() < Duration::from_millis(100) {
                return;
            }
            *last = Instant::now();
            reporter.send(Msg::Progress(Transfer {
                done: if packing { p.bytes_read } else { p.bytes_sent },
                total: 0,
                sent: p.bytes_sent,
            }));
        })
    }
}

/// Bytes of regular files under `root` (for the ETA of a pack).
fn tree_size(root: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

/// "12.3 MiB/s · ETA 4 s" from what was done in `elapsed`.
fn rate_and_eta(t: &Transfer, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = t.done as f64 / secs;
    let eta = if t.total > t.done && rate > 0.0 {
        format!(" · ETA {:.0} s", (t.total - t.done) as f64 / rate)
    } else {
        String::new()
    };
    format!("{}/s{eta}", bytes(rate as u64))
}

fn short(id: &str, n: usize) -> &str {
    &id[..id.len().min(n)]
}

/// What the `/` filter matches: the id and the digest.
fn build_text(b: &Build) -> String {
    format!("{} {}", b.build_id, b.sha256.as_deref().unwrap_or(""))
}

impl View for BuildsView {
    fn title(&self) -> String {
        format!("{} · builds", self.name())
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
        let mut h = vec![hint("↑↓", "select")];
        if self.deploying.is_none() {
            h.push(write_hint("d", "deploy"));
        }
        if self.selected().is_some_and(|b| !b.active) {
            h.push(write_hint("b", "roll back to this"));
        }
        h
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if let Some(modal) = &mut self.ui.modal {
            match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Cancelled | Outcome::Copy(_) | Outcome::Submitted(..) => {
                    self.ui.modal = None
                }
                Outcome::Confirmed(Intent::Deploy, path) => {
                    self.ui.modal = None;
                    self.last_path = path.clone();
                    self.start_deploy(&path, cx);
                }
                Outcome::Confirmed(Intent::Rollback { to }, _) => {
                    self.ui.modal = None;
                    let (client, project, app) =
                        (cx.client().clone(), self.project.clone(), self.app.clone());
                    cx.toast(Level::Info, format!("rolling back to {to}…"));
                    cx.spawn(async move {
                        Msg::RolledBack(client.apps(&project).app(&app).rollback(Some(&to)).await)
                    });
                }
            }
            return true;
        }
        let len = self.rows().len();
        if let PickerKey::Used = self.ui.cursor.on_key(key, len, 10) {
            return true;
        }
        match key.code {
            KeyCode::Char('d') => {
                if self.deploying.is_some() {
                    cx.toast(Level::Warning, "a deploy is already running");
                } else if cx.may_write() {
                    let mut modal = Modal::prompt(
                        format!("Deploy to {}", self.name()),
                        vec![
                            "A build directory (packed and streamed as it uploads) or a prebuilt .tar.zst."
                                .into(),
                        ],
                        &self.last_path,
                        Intent::Deploy,
                    );
                    if let Modal::Prompt { complete, .. } = &mut modal {
                        *complete = Some(complete_path);
                    }
                    self.ui.modal = Some(modal);
                }
                true
            }
            KeyCode::Char('b') => {
                let Some(target) = self.selected().cloned() else {
                    return true;
                };
                if target.active {
                    cx.toast(Level::Info, "that build is already active");
                } else if cx.may_write() {
                    let from = self
                        .data
                        .data
                        .as_ref()
                        .and_then(|d| d.app.active_build().map(str::to_string))
                        .unwrap_or_else(|| "nothing".into());
                    self.ui.modal = Some(Modal::confirm(
                        "Roll back",
                        vec![
                            format!("Roll {} back", self.name()),
                            format!("  from {from} (active)"),
                            format!("  to   {}?", target.build_id),
                            "No upload: the build is re-activated as it was.".into(),
                        ],
                        Intent::Rollback {
                            to: target.build_id,
                        },
                    ));
                }
                true
            }
            KeyCode::Esc if self.ui.cursor.clear_filter() => true,
            _ => false,
        }
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.data.start();
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.spawn(async move {
            let apps = client.apps(&project);
            let result = async {
                let app_info = apps.get(&app).await?;
                let builds = apps.app(&app).builds().await?;
                Ok(AppBuilds {
                    app: app_info,
                    builds,
                })
            }
            .await;
            Msg::Loaded(result)
        });
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected()
            .map(|b| ("the build id".to_string(), b.build_id.clone()))
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let (body, bar) = match &self.deploying {
            Some(_) => {
                let [b, g] =
                    Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(area);
                (b, Some(g))
            }
            None => (area, None),
        };
        let mut above = Vec::new();
        if let Some(d) = &self.data.data {
            above.push(Line::from(vec![
                Span::styled("app ", theme.accent),
                Span::raw(format!("{}  ", d.app.app_id)),
                Span::styled("active ", theme.accent),
                Span::raw(d.app.active_build().unwrap_or("none yet").to_string()),
            ]));
        }
        if let Some(s) = self.data.status() {
            above.push(Line::styled(s, theme.dim));
        }
        let rows = self.rows();
        let builds: &[Build] = self
            .data
            .data
            .as_ref()
            .map(|d| d.builds.as_slice())
            .unwrap_or(&[]);
        table::draw(
            frame,
            body,
            TableSpec {
                block: panel(&self.title(), theme, focused),
                header: &["", "build", "created", "size", "sha256", "hosts"],
                widths: &[
                    Constraint::Length(1),
                    Constraint::Length(14),
                    Constraint::Length(11),
                    Constraint::Length(9),
                    Constraint::Length(8),
                    Constraint::Fill(1),
                ],
                above,
                empty: "no builds yet: press d to deploy a directory",
                len: rows.len(),
                focused,
            },
            &mut self.ui.cursor,
            theme,
            |i| {
                let b = &builds[rows[i]];
                Row::new(vec![
                    Cell::from(if b.active { "●" } else { " " }).style(theme.ok),
                    // Short like a git sha; y copies the full id.
                    Cell::from(short(&b.build_id, 14).to_string()),
                    Cell::from(b.created_at.as_deref().map(short_time).unwrap_or_default()),
                    Cell::from(b.size_bytes.map(bytes).unwrap_or_default()),
                    Cell::from(short(b.sha256.as_deref().unwrap_or(""), 8).to_string()),
                    Cell::from(b.hosts.join(", ")),
                ])
            },
        );
        if let (Some(d), Some(bar)) = (&self.deploying, bar) {
            let t = &d.transfer;
            let ratio = if t.total == 0 {
                0.0
            } else {
                (t.done as f64 / t.total as f64).clamp(0.0, 1.0)
            };
            frame.render_widget(
                Gauge::default()
                    .block(panel(&format!("deploying {}", d.what), theme, false))
                    .gauge_style(theme.accent)
                    .ratio(ratio)
                    .label(format!(
                        "{} of {} · {} sent · {}",
                        bytes(t.done),
                        bytes(t.total),
                        bytes(t.sent),
                        rate_and_eta(t, d.started.elapsed())
                    )),
                bar,
            );
        }
    }
}

impl Update for BuildsView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Loaded(result) => {
                if let Err(e) = &result {
                    cx.fail("Loading builds", e);
                }
                self.data.finish(result);
            }
            Msg::Progress(t) => {
                if let Some(d) = &mut self.deploying {
                    d.transfer.done = t.done;
                    d.transfer.sent = t.sent;
                }
            }
            Msg::Deployed(result) => {
                let what = self.deploying.take().map(|d| d.what).unwrap_or_default();
                match result {
                    Ok(outcome) => {
                        let build = outcome.deployment.build_id;
                        let note = if outcome.recovered {
                            " (the response was lost; found it by listing builds)"
                        } else {
                            ""
                        };
                        cx.toast(
                            Level::Success,
                            format!("deployed {build}: now active{note}"),
                        );
                        self.refresh(cx);
                    }
                    Err(e) => cx.fail(&format!("Deploying {what}"), &e),
                }
            }
            Msg::RolledBack(result) => match result {
                Ok(r) => {
                    cx.toast(
                        Level::Success,
                        format!("rolled back: {} is active", r.active_build_id),
                    );
                    self.refresh(cx);
                }
                Err(e) => cx.fail("Rolling back", &e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_eta_read_naturally() {
        let t = Transfer {
            done: 10 << 20,
            total: 30 << 20,
            sent: 0,
        };
        assert_eq!(
            rate_and_eta(&t, Duration::from_secs(2)),
            "5.0 MiB/s · ETA 4 s"
        );
        let finished = Transfer {
            total: 10 << 20,
            ..t
        };
        assert_eq!(
            rate_and_eta(&finished, Duration::from_secs(1)),
            "10.0 MiB/s"
        );
    }

    #[test]
    fn tree_size_counts_file_bytes_recursively() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/x"), vec![0; 100]).unwrap();
        std::fs::write(dir.path().join("y"), vec![0; 23]).unwrap();
        assert_eq!(tree_size(dir.path()), 123);
    }
}

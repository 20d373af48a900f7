//! An app: its details and builds; deploy a directory or `.tar.zst` with a
//! progress bar (carrying the app's remembered deploy options: hosts,
//! env-ref, concurrency cap, changed with `o`), and roll back to a chosen
//! build.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comwit_client::models::{App, Build, DeployOptions, Rollback};
use comwit_client::package::{PackOptions, ProgressEvent, ProgressFn};
use comwit_client::{
    ArtifactSource, Client, DeployOutcome, DirectorySource, Error, PrebuiltSource,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Gauge};

use super::deploy_options;
use super::detail::panel;
use super::resource::{Column, Detail, KeyAction, List, Resource, reported};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::{Level, Notice};
use crate::theme::Theme;
use crate::widgets::modal::{Modal, Outcome, Values, complete_path};
use crate::widgets::{bytes, short_time};

#[derive(Clone)]
pub enum Intent {
    Deploy,
    Options,
    Rollback { to: String },
}

pub enum Msg {
    /// How much there is to send, once the source was sized or checked.
    Total(u64),
    Progress(Transfer),
    /// The path is neither a directory nor a usable archive.
    Unusable(String),
    Deployed(Result<DeployOutcome, Error>),
    RolledBack(Result<Rollback, Error>),
    /// The deploy options were remembered (or why not).
    OptionsSaved(Result<(), String>),
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

/// A source to upload, checked off the UI task.
type Source = Box<dyn ArtifactSource + Send + Sync>;

pub struct Builds {
    project: String,
    app: String,
    /// The app's details (name, active build), loaded beside the list.
    info: Option<App>,
    deploying: Option<Deploying>,
    /// The last deploy path typed (offered again).
    last_path: String,
    /// What every deploy of this app carries, as last set for it (read
    /// from the session's memory at the first load).
    options: DeployOptions,
    options_loaded: bool,
}

impl Builds {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            info: None,
            deploying: None,
            last_path: "./".into(),
            options: DeployOptions::default(),
            options_loaded: false,
        }
    }

    fn options_form(&self) -> Modal<Intent> {
        Modal::form(
            format!("Deploy options of {}", self.name()),
            vec![
                "Every deploy of this app from here (and its watch mode) carries these; \
                 they are remembered for the app."
                    .into(),
            ],
            deploy_options::fields(&self.options),
            Intent::Options,
        )
    }

    /// Checks and keeps the options typed; the form stays up on a mistake.
    fn set_options(&mut self, list: &mut List<Self>, values: &Values, cx: &mut Ctx<'_>) {
        match deploy_options::parse(values) {
            Err(why) => list.refuse(why),
            Ok(options) => {
                list.close();
                self.options = options.clone();
                let (store, project, app) = (
                    cx.session.deploy_options.clone(),
                    self.project.clone(),
                    self.app.clone(),
                );
                list.spawn(cx, async move {
                    let saved = crate::blocking::run(move || store.save(&project, &app, &options))
                        .await
                        .unwrap_or_else(Err);
                    Msg::OptionsSaved(saved)
                });
            }
        }
    }

    fn has_active(&self) -> bool {
        self.info.as_ref().and_then(App::active_build).is_some()
    }

    /// Where the active build can be looked at: the sandbox's site
    /// listener, else `https://` and the first host the build is bound to.
    fn site(&self, builds: &[Build], site_url: Option<&str>) -> Result<String, &'static str> {
        let active = self
            .info
            .as_ref()
            .and_then(App::active_build)
            .ok_or("no active build yet: deploy one first (d)")?;
        if let Some(site) = site_url {
            return Ok(format!("{}/apps/{}/", site.trim_end_matches('/'), self.app));
        }
        builds
            .iter()
            .find(|b| b.build_id == active)
            .and_then(|b| b.hosts.first())
            .map(|host| format!("https://{host}/"))
            .ok_or("the active build is bound to no hostname: attach one in the app's hostnames view, then deploy with it")
    }

    fn open_site(&self, list: &List<Self>, cx: &mut Ctx<'_>) {
        match self.site(list.items(), cx.session.site_url()) {
            Err(why) => cx.toast(Level::Warning, why),
            Ok(url) if crate::browser::open(&url) => cx.toast(Level::Info, format!("opened {url}")),
            Ok(url) => cx.toast(
                Level::Info,
                format!("no browser could be started here: open {url}"),
            ),
        }
    }

    fn name(&self) -> &str {
        self.info.as_ref().map_or(&self.app, |a| a.name.as_str())
    }

    fn deploy_prompt(&self) -> Modal<Intent> {
        Modal::prompt(
            format!("Deploy to {}", self.name()),
            vec![
                "A build directory (packed and streamed as it uploads) or a prebuilt .tar.zst."
                    .into(),
                format!(
                    "With {} (o in the builds view changes them).",
                    deploy_options::summary(&self.options)
                ),
            ],
            &self.last_path,
            Intent::Deploy,
        )
        .with_completion(complete_path)
    }

    fn rollback_confirm(&self, target: &Build) -> Modal<Intent> {
        let from = self
            .info
            .as_ref()
            .and_then(|a| a.active_build().map(str::to_string))
            .unwrap_or_else(|| "nothing".into());
        Modal::confirm(
            "Roll back",
            vec![
                format!("Roll {} back", self.name()),
                format!("  from {from} (active)"),
                format!("  to   {}?", target.build_id),
                "No upload: the build is re-activated as it was.".into(),
            ],
            Intent::Rollback {
                to: target.build_id.clone(),
            },
        )
    }

    /// Starts the upload; sizing the directory or checking the archive
    /// happens in the background, so a large tree never stalls the screen.
    fn start_deploy(&mut self, list: &List<Self>, path: &str, cx: &mut Ctx<'_>) {
        let path = comwit_client::places::expand_home(path.trim());
        self.deploying = Some(Deploying {
            what: path.display().to_string(),
            started: Instant::now(),
            transfer: Transfer::default(),
        });
        let report = list.reporter(cx);
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        let options = self.options.clone();
        list.spawn(cx, async move {
            let source = match prepare(path, report).await {
                Ok(source) => source,
                Err(why) => return Msg::Unusable(why),
            };
            let apps = client.apps(&project);
            let outcome = apps
                .app(&app)
                .deploy_safely(source.as_ref(), &options)
                .await;
            Msg::Deployed(outcome)
        });
    }

    fn rollback(&self, list: &List<Self>, to: String, cx: &mut Ctx<'_>) {
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.progress(ROLLBACK, format!("rolling back to {to}…"));
        list.spawn(cx, async move {
            Msg::RolledBack(client.apps(&project).app(&app).rollback(Some(&to)).await)
        });
    }

    fn deployed(
        &mut self,
        list: &mut List<Self>,
        result: Result<DeployOutcome, Error>,
        cx: &mut Ctx<'_>,
    ) {
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
                list.reload();
            }
            Err(e) => cx.fail(&format!("Deploying {what}"), &e),
        }
    }
}

/// The work key of a rollback: its result replaces "rolling back…".
const ROLLBACK: &str = "rollback";

/// Off the UI task: a directory is sized (for the ETA), an archive is
/// checked before anything is sent.
async fn prepare(
    path: PathBuf,
    report: impl Fn(Msg) -> bool + Send + Sync + Clone + 'static,
) -> Result<Source, String> {
    let work = move || -> Result<Source, String> {
        let progress = throttled(report.clone());
        if path.is_dir() {
            report(Msg::Total(tree_size(&path)));
            let mut source = DirectorySource::new(&path);
            source.options = PackOptions::new().with_progress(progress(true));
            return Ok(Box::new(source));
        }
        let source = PrebuiltSource::open_checked(&path).map_err(|e| e.to_string())?;
        report(Msg::Total(std::fs::metadata(&path).map_or(0, |m| m.len())));
        Ok(Box::new(source.with_progress(progress(false))))
    };
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(format!("checking the source failed: {e}")))
}

/// A progress callback that reports at most ten times a second (the
/// packer calls it far more often; each report is a redraw).
fn throttled(
    report: impl Fn(Msg) -> bool + Send + Sync + Clone + 'static,
) -> impl Fn(bool) -> ProgressFn {
    move |packing: bool| {
        let report = report.clone();
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
            report(Msg::Progress(Transfer {
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

impl Resource for Builds {
    type Item = Build;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading builds";
    const COLUMNS: &'static [Column] = &[
        ("", Constraint::Length(1)),
        ("build", Constraint::Length(14)),
        ("created", Constraint::Length(11)),
        ("size", Constraint::Length(9)),
        ("sha256", Constraint::Length(8)),
        ("hosts", Constraint::Fill(1)),
    ];
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('d')],
            what: "deploy a directory or .tar.zst",
            write: true,
            hint: |builds, _| builds.deploying.is_none().then_some("deploy"),
            run: |builds, list, _| list.open(builds.deploy_prompt()),
        },
        KeyAction {
            keys: &[Binding::plain('o')],
            what: "deploy options: hosts, env-ref, max concurrent requests",
            write: true,
            hint: |_, _| Some("options"),
            run: |builds, list, _| list.open(builds.options_form()),
        },
        KeyAction {
            keys: &[Binding::plain('w')],
            what: "open the active build in a browser (the sandbox's site, else its first host)",
            write: false,
            hint: |builds, _| builds.has_active().then_some("open site"),
            run: |builds, list, cx| builds.open_site(list, cx),
        },
        KeyAction {
            keys: &[Binding::plain('b')],
            what: "roll back to the selected build",
            write: true,
            hint: |_, list| {
                list.selected()
                    .filter(|b| !b.active)
                    .map(|_| "roll back to this")
            },
            run: |builds, list, _| {
                if let Some(target) = list.selected() {
                    let confirm = builds.rollback_confirm(target);
                    list.open(confirm);
                }
            },
        },
    ];

    fn title(&self) -> String {
        format!("{} · builds", self.name())
    }

    fn empty(&self) -> &'static str {
        "no builds yet: press d to deploy a directory"
    }

    fn detail(&self, b: &Build) -> Detail {
        let state = if b.active {
            "active (serving)"
        } else {
            "not active (b rolls back to it)"
        };
        // An empty list is an answer (bound to none); only absent fields
        // are unreported.
        let hosts = if b.hosts.is_empty() {
            "none".to_string()
        } else {
            b.hosts.join(", ")
        };
        Detail::Facts {
            title: format!("build {}", b.build_id),
            facts: vec![
                ("build", b.build_id.clone()),
                ("app", self.name().to_string()),
                ("state", state.into()),
                ("created", reported(b.created_at.as_deref())),
                ("size", reported(b.size_bytes.map(bytes))),
                ("files", reported(b.file_count)),
                ("sha256", reported(b.sha256.as_deref())),
                ("hosts", hosts),
                ("env ref", reported(b.env_ref.as_deref())),
                ("max concurrent", reported(b.max_concurrent_requests)),
            ],
        }
    }

    fn facts(&self, _list: &List<Self>, theme: &Theme) -> Vec<Line<'static>> {
        let Some(app) = &self.info else {
            return Vec::new();
        };
        vec![Line::from(vec![
            Span::styled("app ", theme.accent),
            Span::raw(format!("{}  ", app.app_id)),
            Span::styled("active ", theme.accent),
            Span::raw(app.active_build().unwrap_or("none yet").to_string()),
        ])]
    }

    fn cells(&self, b: &Build, theme: &Theme) -> Vec<Cell<'static>> {
        vec![
            Cell::from(if b.active { "●" } else { " " }).style(theme.ok),
            // Short like a git sha; y copies the full id.
            Cell::from(short(&b.build_id, 14).to_string()),
            Cell::from(b.created_at.as_deref().map(short_time).unwrap_or_default()),
            Cell::from(b.size_bytes.map(bytes).unwrap_or_default()),
            Cell::from(short(b.sha256.as_deref().unwrap_or(""), 8).to_string()),
            Cell::from(b.hosts.join(", ")),
        ]
    }

    /// The id and the digest.
    fn filter_text(&self, b: &Build) -> String {
        format!("{} {}", b.build_id, b.sha256.as_deref().unwrap_or(""))
    }

    type Loaded = (App, Vec<Build>);

    /// The app comes with its builds: the title and the rollback dialog
    /// name it.
    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<(App, Vec<Build>), Error>> + Send + 'static {
        let (project, app) = (self.project.clone(), self.app.clone());
        async move {
            let apps = client.apps(&project);
            Ok((apps.get(&app).await?, apps.app(&app).builds().await?))
        }
    }

    fn accept(&mut self, (app, builds): (App, Vec<Build>)) -> Vec<Build> {
        self.info = Some(app);
        builds
    }

    /// The app's remembered deploy options, once (the file is small and
    /// local; later changes are made here).
    fn refresh_more(&mut self, _list: &mut List<Self>, cx: &mut Ctx<'_>) {
        if !std::mem::replace(&mut self.options_loaded, true) {
            self.options = cx.session.deploy_options.load(&self.project, &self.app);
        }
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        if let Outcome::Submitted(Intent::Options, values) = &outcome {
            return self.set_options(list, values, cx);
        }
        list.close();
        match outcome {
            Outcome::Confirmed(Intent::Deploy, path) => {
                self.last_path = path.clone();
                self.start_deploy(list, &path, cx);
            }
            Outcome::Confirmed(Intent::Rollback { to }, _) => self.rollback(list, to, cx),
            _ => {}
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Total(total) => {
                if let Some(d) = &mut self.deploying {
                    d.transfer.total = total;
                }
            }
            Msg::Progress(t) => {
                if let Some(d) = &mut self.deploying {
                    d.transfer.done = t.done;
                    d.transfer.sent = t.sent;
                }
            }
            Msg::Unusable(why) => {
                self.deploying = None;
                cx.notice(Notice::message(
                    "Cannot deploy that",
                    vec![
                        why,
                        "Give a build directory, or a .tar.zst made by comwit-deploy or tar --zstd."
                            .into(),
                    ],
                ));
            }
            Msg::Deployed(result) => self.deployed(list, result, cx),
            Msg::RolledBack(Ok(r)) => {
                cx.outcome(
                    ROLLBACK,
                    Level::Success,
                    format!("rolled back: {} is active", r.active_build_id),
                );
                list.reload();
            }
            Msg::RolledBack(Err(e)) => cx.fail_work(ROLLBACK, "Rolling back", &e),
            Msg::OptionsSaved(Ok(())) => cx.toast(
                Level::Success,
                format!(
                    "deploys of {} now carry {}",
                    self.name(),
                    deploy_options::summary(&self.options)
                ),
            ),
            // Kept for this session all the same.
            Msg::OptionsSaved(Err(why)) => cx.toast(Level::Warning, why),
        }
    }

    fn copy(&self, b: &Build) -> Option<(String, String)> {
        Some(("the build id".to_string(), b.build_id.clone()))
    }

    fn below_height(&self) -> u16 {
        if self.deploying.is_some() { 3 } else { 0 }
    }

    fn draw_below(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let Some(d) = &self.deploying else {
            return;
        };
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
            area,
        );
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

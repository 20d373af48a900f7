//! `:watch`: every domain of every project, checked in the background.
//!
//! Each check asks the platform (`delegation-check`, which also moves the
//! domain to `managed` when the registry points at the zone) and, on our
//! side, the parent zone's servers (the prober's verdict) and the
//! recursive resolvers (a propagation hint). Pending domains are re-checked
//! with a back-off, managed ones on a slow schedule (`watch_rules`). A
//! domain becoming managed, or lapsing, rings the bell.
//!
//! Timers are one-shot tasks that send a message back; the next one is
//! started when that message arrives, so the chain ends when the app is
//! gone (the send fails) and dropping the view aborts what is pending.
//! While the watcher is on screen a one-second tick keeps "next check in"
//! counting down; it stops once the watcher is no longer drawn.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use comwit_client::delegation::{Delegation, Parents, Prober};
use comwit_client::models::{Domain, DomainStatus, Project};
use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use tokio::task::AbortHandle;

use super::detail::panel;
use super::dns_shared::{compact_duration, status_badge};
use super::keys::{self, ViewKey};
use super::watch_rules::{self, Change, MANAGED_EVERY, PENDING_CAP, PENDING_FIRST, Propagation};
use super::{Hint, Update, View, hint};
use crate::context::{Ctx, Reporter};
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::list::{MOVE_KEYS, Picker, PickerKey};

/// (project id, domain).
type Key = (String, String);

/// Every project with its domains, or why they could not be listed.
type Listing = Vec<(Project, Result<Vec<Domain>, Error>)>;

/// What the platform said about a domain's delegation.
#[derive(Debug, Clone, Default, PartialEq)]
struct PlatformView {
    status: DomainStatus,
    /// `None` in read-only mode (the status comes from the listing then).
    matched: Option<bool>,
    verdict: Option<String>,
    expected: Vec<String>,
    /// What the platform saw the parent publish (empty in read-only mode).
    observed: Vec<String>,
}

/// One round of checks for one domain.
#[derive(Debug)]
pub struct Report {
    /// `Ok(None)`: the domain is no longer listed.
    platform: Result<Option<PlatformView>, Error>,
    probe: Result<Delegation, String>,
    propagation: Propagation,
}

pub enum Msg {
    Listed(Result<Listing, Error>),
    /// A timer fired; stale when `token` is no longer the entry's.
    Due {
        key: Key,
        token: u64,
    },
    Checked {
        key: Key,
        manual: bool,
        report: Box<Report>,
    },
    /// Repaint the countdown.
    Tick,
}

struct Watched {
    project: String,
    project_name: String,
    domain: String,
    status: DomainStatus,
    /// The zone's nameservers (what the registrar must publish).
    expected: Vec<String>,
    platform: Option<PlatformView>,
    probe: Option<Result<Delegation, String>>,
    propagation: Option<Propagation>,
    error: Option<String>,
    checking: bool,
    /// Checks in a row that found the domain not managed (the back-off).
    attempt: u32,
    next: Option<Instant>,
    /// Identifies the live timer; older ones are ignored.
    token: u64,
    timer: Option<AbortHandle>,
}

impl Watched {
    fn key(&self) -> Key {
        (self.project.clone(), self.domain.clone())
    }

    fn cancel_timer(&mut self) {
        if let Some(t) = self.timer.take() {
            t.abort();
        }
        self.token += 1;
        self.next = None;
    }
}

pub struct WatcherView {
    entries: Vec<Watched>,
    loading: bool,
    /// The project listing failed.
    error: Option<String>,
    /// Projects whose domains could not be listed (e.g. 403, 501).
    project_errors: Vec<String>,
    cursor: Picker,
    rows: Vec<usize>,
    page: usize,
    /// Sends the countdown ticks (set on the first refresh).
    ticker: Option<Reporter<Msg>>,
    ticking: bool,
    last_drawn: Option<Instant>,
}

impl Default for WatcherView {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for WatcherView {
    fn drop(&mut self) {
        for e in &mut self.entries {
            e.cancel_timer();
        }
    }
}

impl WatcherView {
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            loading: false,
            error: None,
            project_errors: Vec::new(),
            cursor: Picker::default(),
            rows: Vec::new(),
            page: 10,
            ticker: None,
            ticking: false,
            last_drawn: None,
        }
    }

    fn find(&mut self, key: &Key) -> Option<&mut Watched> {
        self.entries
            .iter_mut()
            .find(|e| e.project == key.0 && e.domain == key.1)
    }

    fn refilter(&mut self) {
        self.rows = self.cursor.matches(&self.entries, |e| {
            format!("{} {} {}", e.project_name, e.domain, e.status)
        });
    }

    fn selected(&self) -> Option<&Watched> {
        self.cursor
            .current(&self.rows)
            .and_then(|i| self.entries.get(i))
    }

    fn checking(&self) -> usize {
        self.entries.iter().filter(|e| e.checking).count()
    }

    /// Merges a fresh listing: known domains keep their history and
    /// schedule, new ones are checked at once, vanished ones are dropped.
    fn listed(&mut self, found: Listing, cx: &mut Ctx<'_>) {
        self.project_errors.clear();
        let mut fresh: Vec<Watched> = Vec::new();
        let mut to_check = Vec::new();
        for (project, domains) in found {
            let domains = match domains {
                Ok(d) => d,
                // Domain management off (501) is not an error worth a line
                // per project; anything else is.
                Err(e) if e.is_disabled() => continue,
                Err(e) => {
                    self.project_errors
                        .push(format!("{}: {e}", display_name(&project)));
                    continue;
                }
            };
            for d in domains {
                let key = (project.project_id.clone(), d.domain.clone());
                let known = self
                    .entries
                    .iter()
                    .position(|e| e.project == key.0 && e.domain == key.1);
                let entry = match known {
                    Some(i) => {
                        let mut e = self.entries.swap_remove(i);
                        let before = std::mem::replace(&mut e.status, d.status.clone());
                        let change = watch_rules::change(&before, &d.status);
                        if change != Change::Unchanged {
                            // Changed elsewhere: confirm now, which also
                            // moves it to the schedule of its new state.
                            notify(&e, change, cx);
                            e.attempt = 0;
                            to_check.push(key.clone());
                        }
                        e.expected = d.nameservers.clone();
                        e
                    }
                    None => {
                        to_check.push(key.clone());
                        Watched {
                            project: project.project_id.clone(),
                            project_name: display_name(&project),
                            domain: d.domain.clone(),
                            status: d.status.clone(),
                            expected: d.nameservers.clone(),
                            platform: None,
                            probe: None,
                            propagation: None,
                            error: None,
                            checking: false,
                            attempt: 0,
                            next: None,
                            token: 0,
                            timer: None,
                        }
                    }
                };
                fresh.push(entry);
            }
        }
        // What is left was deleted elsewhere: stop its timers.
        for e in &mut self.entries {
            e.cancel_timer();
        }
        fresh.sort_by(|a, b| (&a.project_name, &a.domain).cmp(&(&b.project_name, &b.domain)));
        self.entries = fresh;
        self.refilter();
        for key in to_check {
            self.check_now(&key, false, cx);
        }
    }

    /// Starts a check of `key` (unless one is running); any pending timer
    /// is superseded.
    fn check_now(&mut self, key: &Key, manual: bool, cx: &mut Ctx<'_>) {
        let session = cx.session;
        let (client, parents, resolvers, read_only) = (
            session.client.clone(),
            session.dns_parents.clone(),
            session.resolvers.clone(),
            session.read_only,
        );
        let Some(e) = self.find(key) else {
            return;
        };
        if e.checking {
            return;
        }
        e.cancel_timer();
        e.checking = true;
        if manual {
            // The user is acting now: follow up quickly again.
            e.attempt = 0;
        }
        let (project, domain, expected) = (e.project.clone(), e.domain.clone(), e.expected.clone());
        let key = key.clone();
        cx.spawn(async move {
            let report = run_check(
                client, parents, resolvers, read_only, project, domain, expected,
            )
            .await;
            Msg::Checked {
                key,
                manual,
                report: Box::new(report),
            }
        });
    }

    fn checked(&mut self, key: Key, manual: bool, report: Report, cx: &mut Ctx<'_>) {
        let Some(e) = self.find(&key) else {
            return;
        };
        e.checking = false;
        e.probe = Some(report.probe);
        e.propagation = Some(report.propagation);
        let change = match report.platform {
            Ok(Some(p)) => {
                e.error = None;
                if !p.expected.is_empty() {
                    e.expected = p.expected.clone();
                }
                let change = watch_rules::change(&e.status, &p.status);
                e.status = p.status.clone();
                e.platform = Some(p);
                change
            }
            Ok(None) => {
                // Gone: no more checks until a refresh lists it again.
                e.error = Some(
                    "no longer listed in its project (deleted elsewhere?): press r to refresh"
                        .into(),
                );
                return;
            }
            Err(err) => {
                e.error = Some(err.to_string());
                if manual {
                    cx.fail(&format!("Checking the delegation of {}", e.domain), &err);
                }
                Change::Unchanged
            }
        };
        let (wait, attempt) = watch_rules::after_check(e.attempt, &e.status, change);
        e.attempt = attempt;
        notify(e, change, cx);
        if change != Change::Unchanged {
            // The tree labels show the status.
            cx.reload(NodeKey::Domains(e.project.clone()));
        }
        self.schedule(&key, wait, cx);
    }

    /// Starts the timer for the next check of `key`.
    fn schedule(&mut self, key: &Key, wait: Duration, cx: &mut Ctx<'_>) {
        let reporter = cx.reporter::<Msg>();
        let Some(e) = self.find(key) else {
            return;
        };
        e.cancel_timer();
        let token = e.token;
        e.next = Some(Instant::now() + wait);
        let key = key.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            // False once the dashboard is gone: the chain simply ends.
            reporter.send(Msg::Due { key, token });
        });
        e.timer = Some(task.abort_handle());
    }

    /// Keeps the countdown moving while the watcher is on screen.
    fn start_ticking(&mut self) {
        if self.ticking {
            return;
        }
        let (Some(reporter), Ok(runtime)) =
            (self.ticker.clone(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        self.ticking = true;
        runtime.spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            reporter.send(Msg::Tick);
        });
    }

    /// The summary line, and the projects whose domains could not be listed.
    fn draw_head(&self, frame: &mut Frame<'_>, head: Rect, theme: &Theme) {
        let managed = self
            .entries
            .iter()
            .filter(|e| e.status == DomainStatus::Managed)
            .count();
        let summary = if let Some(e) = &self.error {
            format!("✗ listing the projects failed: {e}")
        } else if self.loading && self.entries.is_empty() {
            "⟳ listing every project's domains…".into()
        } else {
            format!(
                "{managed} managed, {} waiting · pending re-checked after {}, doubling to {}; \
                 managed every {}",
                self.entries.len() - managed,
                compact_duration(PENDING_FIRST),
                compact_duration(PENDING_CAP),
                compact_duration(MANAGED_EVERY)
            )
        };
        let mut head_text = vec![Line::styled(summary, theme.dim)];
        head_text.extend(
            self.project_errors
                .iter()
                .take(3)
                .map(|e| Line::styled(format!("✗ {e}"), theme.error)),
        );
        frame.render_widget(Paragraph::new(head_text), head);
    }

    fn draw_table(&mut self, frame: &mut Frame<'_>, table: Rect, theme: &Theme, focused: bool) {
        let now = Instant::now();
        let (entries, rows) = (&self.entries, &self.rows);
        crate::widgets::table::draw_rows(
            frame,
            table,
            &mut self.cursor,
            rows.len(),
            &[
                "PROJECT",
                "DOMAIN",
                "STATUS",
                "VERDICT",
                "RESOLVERS",
                "NEXT",
            ],
            &[
                Constraint::Length(12),
                Constraint::Fill(1),
                Constraint::Length(21),
                Constraint::Length(16),
                Constraint::Length(9),
                Constraint::Length(9),
            ],
            |i| domain_row(&entries[rows[i]], now),
            theme,
            focused,
        );
    }

    fn draw_detail(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let Some(e) = self.selected() else {
            return;
        };
        let mut lines = vec![Line::from(vec![
            Span::styled(e.domain.clone(), theme.accent),
            Span::raw(format!(" in {}: {}", e.project_name, e.status)),
        ])];
        let platform = match &e.platform {
            Some(PlatformView {
                matched: Some(m),
                verdict,
                ..
            }) => format!(
                "platform check: {} ({})",
                verdict.as_deref().unwrap_or("-"),
                if *m { "matched" } else { "not matched" }
            ),
            Some(_) => "platform check: skipped (read-only; status from the listing)".into(),
            None => "platform check: not yet".into(),
        };
        let parent = match &e.probe {
            Some(Ok(d)) => format!("parent zone: {}", d.verdict.as_str()),
            Some(Err(why)) => format!("parent zone: ✗ {why}"),
            None => "parent zone: not asked yet".into(),
        };
        let resolvers = e
            .propagation
            .as_ref()
            .map(|p| p.summary.clone())
            .unwrap_or_else(|| "not asked yet".into());
        lines.push(Line::raw(format!("{platform} · {parent}")));
        lines.push(Line::raw(format!(
            "resolvers (a propagation hint): {resolvers}"
        )));
        lines.push(Line::styled(
            "nameservers the zone expects, against what the parent zone publishes:",
            theme.dim,
        ));
        // The parent as our prober saw it; if it could not ask, as the
        // platform's check saw it.
        let published: Option<&[String]> = match (&e.probe, &e.platform) {
            (Some(Ok(d)), _) => Some(&d.observed),
            (_, Some(p)) if p.matched.is_some() => Some(&p.observed),
            _ => None,
        };
        for ns in &e.expected {
            let mark = match published {
                Some(p)
                    if p.iter()
                        .any(|o| o.eq_ignore_ascii_case(ns.trim_end_matches('.'))) =>
                {
                    "✓ published  "
                }
                Some(_) => "✗ missing    ",
                None => "? unknown    ",
            };
            lines.push(Line::raw(format!("  {mark}{ns}")));
        }
        for foreign in published.unwrap_or_default().iter().filter(|o| {
            !e.expected
                .iter()
                .any(|x| x.trim_end_matches('.').eq_ignore_ascii_case(o))
        }) {
            lines.push(Line::raw(format!("  ! foreign    {foreign}")));
        }
        if let Some(err) = &e.error {
            lines.push(Line::styled(format!("✗ {err}"), theme.error));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }
}

/// A toast and the bell when a domain crosses `managed`.
fn notify(e: &Watched, change: Change, cx: &mut Ctx<'_>) {
    match change {
        Change::Unchanged => return,
        Change::BecameManaged => cx.toast(
            Level::Success,
            format!(
                "{} is delegated: now managed (records can be written)",
                e.domain
            ),
        ),
        Change::Lapsed => cx.toast(
            Level::Warning,
            format!(
                "{} lapsed: no longer managed ({}); the registry stopped pointing at the zone",
                e.domain, e.status
            ),
        ),
    }
    cx.bell();
}

fn display_name(p: &Project) -> String {
    if p.name.is_empty() {
        p.project_id.clone()
    } else {
        p.name.clone()
    }
}

/// Every project's domains (per project, so one failure hides nothing else).
async fn list_all(client: Client) -> Result<Listing, Error> {
    let projects = client.projects().list().await?;
    let mut out = Vec::with_capacity(projects.len());
    for p in projects {
        let domains = client.domains(&p.project_id).list().await;
        out.push((p, domains));
    }
    Ok(out)
}

/// One round for one domain: the platform's check (or, read-only, its
/// listing), the parent zone, the resolvers.
async fn run_check(
    client: Client,
    parents: Parents,
    resolvers: Vec<SocketAddr>,
    read_only: bool,
    project: String,
    domain: String,
    expected: Vec<String>,
) -> Report {
    let domains = client.domains(&project);
    let platform = if read_only {
        domains.list().await.map(|list| {
            list.into_iter()
                .find(|d| d.domain == domain)
                .map(|d| PlatformView {
                    status: d.status,
                    matched: None,
                    verdict: None,
                    expected: d.nameservers,
                    observed: Vec::new(),
                })
        })
    } else {
        match domains.check_delegation(&domain).await {
            Ok(c) => Ok(Some(PlatformView {
                status: c.status,
                matched: Some(c.matched),
                verdict: c.verdict,
                expected: c.expected_nameservers,
                observed: c.observed_nameservers,
            })),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    };
    let expected = match &platform {
        Ok(Some(p)) if !p.expected.is_empty() => p.expected.clone(),
        _ => expected,
    };
    let prober = Prober::new(parents);
    let probe = prober
        .check(&domain, &expected)
        .await
        .map_err(|e| e.to_string());
    let answers = prober.propagation(&domain, &resolvers).await;
    Report {
        platform,
        probe,
        propagation: watch_rules::propagation(&expected, &answers),
    }
}

/// The watcher's keys besides moving: the bar, `?` and the dispatch all
/// read them.
const KEYS: &[ViewKey<WatcherView>] = &[
    ViewKey {
        keys: &[Binding::plain('c')],
        what: "check the selected domain's delegation now",
        write: false,
        hint: |v| v.selected().is_some().then_some("check now"),
        run: |v, cx| {
            if let Some(k) = v.selected().map(Watched::key) {
                v.check_now(&k, true, cx);
            }
        },
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::Esc)],
        what: "clear the filter (with none, back)",
        write: false,
        hint: |v| (!v.cursor.filter.text().is_empty()).then_some("clear filter"),
        run: |v, _| {
            v.cursor.clear_filter();
            v.refilter();
        },
    },
];

impl View for WatcherView {
    fn title(&self) -> String {
        let mut t = format!("delegation watcher · {} domains", self.entries.len());
        match self.checking() {
            0 => {}
            n => t.push_str(&format!(" · ⟳ {n} checking")),
        }
        t
    }

    fn hints(&self) -> Vec<Hint> {
        if self.cursor.filtering {
            return super::filter_hints();
        }
        std::iter::once(hint("↑↓/jk", "move"))
            .chain(keys::hints(KEYS, self))
            .collect()
    }

    fn keys(&self) -> Vec<Hint> {
        MOVE_KEYS
            .iter()
            .map(|(k, w)| hint(k, w))
            .chain(keys::all(KEYS))
            .collect()
    }

    /// Quitting stops the watch for domains still waiting on their
    /// delegation (the toast and bell when one becomes managed); esc leaves
    /// it running behind the tree.
    fn leave_warning(&self, leave: super::Leave) -> Option<String> {
        let waiting = self
            .entries
            .iter()
            .filter(|e| e.status != DomainStatus::Managed)
            .count();
        (leave == super::Leave::Quit && waiting > 0).then(|| {
            format!(
                "The delegation watcher is waiting for {waiting} domain{} to become managed: \
                 quitting stops its checks, and no toast will say when it happens.",
                if waiting == 1 { "" } else { "s" }
            )
        })
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        let filtering = self.cursor.filtering;
        if let PickerKey::Used = self.cursor.on_key(key, self.rows.len(), self.page) {
            if filtering {
                self.refilter();
            }
            return true;
        }
        keys::dispatch(KEYS, self, key, cx)
    }

    fn on_paste(&mut self, text: &str) -> bool {
        if !self.cursor.filtering {
            return false;
        }
        self.cursor.filter.insert_str(text);
        self.refilter();
        true
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        self.last_drawn = Some(Instant::now());
        self.start_ticking();
        let block = panel(&self.title(), theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let filter = self.cursor.filter_line();
        let head_lines = 1 + self.project_errors.len().min(3) as u16;
        let [head, table, detail, filter_area] = Layout::vertical([
            Constraint::Length(head_lines),
            Constraint::Min(3),
            Constraint::Length(11),
            Constraint::Length(u16::from(filter.is_some())),
        ])
        .areas(inner);
        self.draw_head(frame, head, theme);
        self.page = table.height.saturating_sub(1).max(1) as usize;
        if !self.loading && self.entries.is_empty() && self.error.is_none() {
            frame.render_widget(
                Line::raw("No project has a domain yet: add one under a project's domains."),
                table,
            );
            return;
        }
        self.draw_table(frame, table, theme, focused);
        self.draw_detail(frame, detail, theme);
        if let Some(f) = filter {
            frame.render_widget(Line::styled(f, theme.accent), filter_area);
        }
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.ticker = Some(cx.reporter());
        self.loading = true;
        let client = cx.client().clone();
        cx.spawn(async move { Msg::Listed(list_all(client).await) });
    }

    fn captures_keys(&self) -> bool {
        self.cursor.filtering
    }

    fn filter(&mut self) -> bool {
        self.cursor.start_filter();
        true
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected().map(|e| {
            (
                format!("the nameservers of {}", e.domain),
                e.expected.join("\n"),
            )
        })
    }

    fn fullscreen(&self) -> bool {
        true
    }
}

impl Update for WatcherView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Listed(result) => {
                self.loading = false;
                match result {
                    Ok(found) => {
                        self.error = None;
                        self.listed(found, cx);
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            Msg::Due { key, token } => {
                if self.find(&key).is_some_and(|e| e.token == token) {
                    self.check_now(&key, false, cx);
                }
            }
            Msg::Checked {
                key,
                manual,
                report,
            } => self.checked(key, manual, *report, cx),
            Msg::Tick => {
                self.ticking = false;
                // Drawn since the last tick: still on screen, keep going.
                if self
                    .last_drawn
                    .is_some_and(|t| t.elapsed() < Duration::from_millis(1500))
                {
                    self.start_ticking();
                }
            }
        }
    }
}

/// One watched domain as a table row.
fn domain_row(e: &Watched, now: Instant) -> Row<'static> {
    Row::new(vec![
        Cell::from(e.project_name.clone()),
        Cell::from(e.domain.clone()),
        Cell::from(status_badge(&e.status)),
        Cell::from(verdict_cell(e)),
        Cell::from(
            e.propagation
                .as_ref()
                .map(|p| format!("{}/{}", p.seeing, p.total))
                .unwrap_or_default(),
        ),
        Cell::from(if e.checking {
            "checking…".to_string()
        } else {
            e.next
                .map(|t| format!("in {}", compact_duration(t.saturating_duration_since(now))))
                .unwrap_or_else(|| "-".into())
        }),
    ])
}

/// The verdict column: the parent zone's verdict, flagged when the
/// platform's own check disagrees.
fn verdict_cell(e: &Watched) -> String {
    let parent = match &e.probe {
        Some(Ok(d)) => Some(d.verdict.as_str()),
        Some(Err(_)) => Some("✗ no answer"),
        None => None,
    };
    let platform = e.platform.as_ref().and_then(|p| p.verdict.as_deref());
    match (parent, platform) {
        (Some(p), Some(api)) if p != api => format!("⚠ {p}/{api}"),
        (Some(p), _) => p.to_string(),
        (None, Some(api)) => api.to_string(),
        (None, None) => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Effect;
    use crate::session::Session;
    use crate::views::AnyView;
    use crate::views::dns_shared::test_session as session;

    const MANAGED: &str = "managed";

    fn pending_entry() -> Watched {
        Watched {
            project: "p1".into(),
            project_name: "storefront".into(),
            domain: "newbrand.example".into(),
            status: "pending_delegation".into(),
            expected: vec!["ns-1.awsdns-01.com".into()],
            platform: None,
            probe: None,
            propagation: None,
            error: None,
            checking: true,
            attempt: 3,
            next: None,
            token: 0,
            timer: None,
        }
    }

    fn report(status: &str) -> Report {
        Report {
            platform: Ok(Some(PlatformView {
                status: status.into(),
                matched: Some(status == MANAGED),
                verdict: Some(
                    if status == MANAGED {
                        "delegated"
                    } else {
                        "not_delegated"
                    }
                    .into(),
                ),
                expected: vec!["ns-1.awsdns-01.com".into()],
                observed: Vec::new(),
            })),
            probe: Err("not asked in this test".into()),
            propagation: watch_rules::propagation(&[], &[]),
        }
    }

    fn feed(view: &mut WatcherView, session: &Session, status: &str) -> Vec<Effect> {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut cx = Ctx::new(session, NodeKey::Watcher, &tx);
        let key = ("p1".to_string(), "newbrand.example".to_string());
        view.on_msg(
            Box::new(Msg::Checked {
                key,
                manual: false,
                report: Box::new(report(status)),
            }),
            &mut cx,
        );
        std::mem::take(&mut cx.effects)
    }

    #[tokio::test]
    async fn becoming_managed_rings_the_bell_with_a_toast_and_slows_the_schedule() {
        let session = session();
        let mut view = WatcherView::new();
        view.entries.push(pending_entry());

        let effects = feed(&mut view, &session, "pending_delegation");
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Bell)),
            "no change, no bell: {effects:?}"
        );
        let e = &view.entries[0];
        assert_eq!(e.attempt, 4, "backing off");
        let wait = e
            .next
            .expect("rescheduled")
            .saturating_duration_since(Instant::now());
        assert!(
            wait > Duration::from_secs(30) && wait <= Duration::from_secs(40),
            "{wait:?}"
        );

        view.entries[0].checking = true;
        let effects = feed(&mut view, &session, MANAGED);
        assert!(
            effects.iter().any(|e| matches!(e, Effect::Bell)),
            "{effects:?}"
        );
        assert!(
            effects.iter().any(
                |e| matches!(e, Effect::Toast(t) if t.text.contains("newbrand.example is delegated"))
            ),
            "{effects:?}"
        );
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Reload(NodeKey::Domains(p)) if p == "p1")),
            "the tree label is refreshed: {effects:?}"
        );
        let e = &view.entries[0];
        assert_eq!((e.status.as_str(), e.attempt), (MANAGED, 0));
        let wait = e
            .next
            .expect("rescheduled")
            .saturating_duration_since(Instant::now());
        assert!(
            wait > Duration::from_secs(590),
            "the slow schedule: {wait:?}"
        );

        // And a lapse back to pending rings again.
        view.entries[0].checking = true;
        let effects = feed(&mut view, &session, "pending_delegation");
        assert!(effects.iter().any(|e| matches!(e, Effect::Bell)));
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Toast(t) if t.text.contains("lapsed")))
        );
    }

    #[tokio::test]
    async fn a_change_seen_in_a_refreshed_listing_rings_too() {
        let session = session();
        let mut view = WatcherView::new();
        let mut entry = pending_entry();
        entry.checking = false;
        view.entries.push(entry);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut cx = Ctx::new(&session, NodeKey::Watcher, &tx);
        let project = Project {
            project_id: "p1".into(),
            name: "storefront".into(),
            created_at: None,
        };
        let domain = Domain {
            domain: "newbrand.example".into(),
            status: MANAGED.into(),
            nameservers: vec!["ns-1.awsdns-01.com".into()],
            ..Domain::default()
        };
        view.on_msg(
            Box::new(Msg::Listed(Ok(vec![(project, Ok(vec![domain]))]))),
            &mut cx,
        );
        assert!(cx.effects.iter().any(|e| matches!(e, Effect::Bell)));
        let e = &view.entries[0];
        assert_eq!(e.status.as_str(), MANAGED);
        assert!(e.checking, "confirmed by a check at once");
    }

    #[tokio::test]
    async fn stale_timers_are_ignored() {
        let session = session();
        let mut view = WatcherView::new();
        let mut entry = pending_entry();
        entry.checking = false;
        entry.token = 7;
        view.entries.push(entry);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut cx = Ctx::new(&session, NodeKey::Watcher, &tx);
        let key = ("p1".to_string(), "newbrand.example".to_string());
        view.on_msg(
            Box::new(Msg::Due {
                key: key.clone(),
                token: 6,
            }),
            &mut cx,
        );
        assert!(!view.entries[0].checking, "superseded timer");
        view.on_msg(Box::new(Msg::Due { key, token: 7 }), &mut cx);
        assert!(view.entries[0].checking, "the live timer starts a check");
    }
}

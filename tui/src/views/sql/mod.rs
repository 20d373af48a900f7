//! The SQL console on one database: a multi-line editor, a results grid,
//! per-database history and export. One SQL session (a Hrana stream) lives
//! as long as the view, so a transaction can span several runs; runs go
//! to spawned tasks and the UI never waits on the network.
//!
//! Layout: the editor on top (its title carries the connection state,
//! its bottom border the buffers' tabs), results below (their bottom
//! border the numbers of the last run).

mod assist;
mod buffer_file;
mod buffer_store;
mod buffers;
mod catalog;
mod clipboard;
mod complete;
mod export;
mod export_all;
mod grid;
mod highlight;
mod history;
mod journal;
mod moves;
mod plan;
mod results;
pub mod runner;
mod statement;
mod viewer;

pub use buffer_store::all_saved;

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comwit_client::sql::SqlSession;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;
use tokio::sync::Mutex;

use self::catalog::Catalog;
use self::complete::Suggestions;
use self::export_all::Exported;
use self::grid::Grid;
use self::history::{History, HistoryFile};
use self::journal::{Journal, Report};
use self::runner::{ConnectError, Connected, ResultSet, RunError, RunReport};
use self::viewer::Viewer;
use super::keys::{self, ViewKey};
use super::{Hint, Update, View, hint};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::centered;
use crate::widgets::list::Picker;
use crate::widgets::modal::{Modal, Outcome};

/// What background work reports back.
pub enum Msg {
    Connected(Result<Connected, ConnectError>),
    /// A streaming query has received this many rows so far.
    Progress {
        run: u64,
        rows: u64,
    },
    Ran {
        run: u64,
        report: RunReport,
    },
    /// A full export has written this many rows so far.
    Exporting(u64),
    Exported(Result<Exported, String>),
    /// The history file was read, or a write to it failed.
    History(Report),
    /// The schema catalog was read.
    Catalog(Result<Vec<catalog::Object>, String>),
    /// A table's rows were counted.
    Counted(String, Result<u64, String>),
    /// How a dump or an import goes.
    Moved(moves::Moved),
    /// News from the buffers' file.
    Buffers(buffer_store::Report),
}

enum Conn {
    /// Not asked yet (the first refresh connects).
    Idle,
    Connecting,
    Ready {
        session: Arc<Mutex<SqlSession>>,
        /// How it authenticates ("database token"), never the token.
        how: &'static str,
        autocommit: bool,
    },
    Failed(ConnectError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pane {
    Editor,
    Grid,
    Catalog,
}

struct Running {
    id: u64,
    statements: usize,
    rows: u64,
    started: Instant,
}

/// What the results pane shows.
enum Shown {
    Nothing,
    /// A statement that returned columns.
    Grid(Grid),
    /// A statement without columns (DDL, writes): its numbers only.
    Done(Arc<ResultSet>),
}

/// The last run as a whole, for the footer.
struct RunSummary {
    statements: usize,
    elapsed: Duration,
    /// The idle stream had expired and a new one was opened (a quiet note).
    reopened: bool,
}

enum Popup {
    History {
        picker: Picker,
        matches: Vec<String>,
    },
    Export(Modal<()>),
    /// Where to dump the database.
    Dump(Modal<()>),
    /// The file to import, and how.
    Import(Modal<()>),
    /// Run SQL as the sandbox operator? (a user without a database token)
    Operator(Modal<()>),
    /// The selected cell or row in full.
    Viewer(Viewer),
    /// Rename or close the buffer in front.
    Buffer(Modal<buffers::Ask>),
}

pub struct SqlView {
    project: String,
    database: String,
    /// The database's name once found (its id until then).
    name: String,
    conn: Conn,
    /// Steps the last whole-buffer replacement (a history entry, `$EDITOR`,
    /// clear) put on the text area's undo history: one undo takes them
    /// all back. Zero once the buffer is edited otherwise.
    replaced_steps: usize,
    /// The user said yes to running SQL on the sandbox operator's tokens.
    use_operator: bool,
    /// The buffer in front (the others are parked in `buffers`).
    editor: TextArea<'static>,
    buffers: buffers::Buffers,
    pane: Pane,
    popup: Option<Popup>,
    /// The dialog the operator question displaced, back after the answer.
    popup_after: Option<Popup>,
    history: History,
    /// The history file until the journal takes it (at the first refresh).
    history_file: Option<HistoryFile>,
    /// Reads and appends the history file off the UI task.
    journal: Option<Journal>,
    running: Option<Running>,
    /// Id of the latest run (progress from older ones is ignored).
    run_id: u64,
    shown: Shown,
    /// The last failure; what was shown before it stays shown.
    error: Option<RunError>,
    summary: Option<RunSummary>,
    last_export: Option<String>,
    /// Rows a full export (its query run again) has written so far.
    exporting: Option<u64>,
    /// Rows the grid and the history list showed at the last draw.
    grid_page: usize,
    history_page: Cell<usize>,
    /// The schema catalog, shown beside the editor once asked for.
    catalog: Catalog,
    catalog_shown: bool,
    /// Suggestions open under the cursor.
    completion: Option<Completion>,
    /// Suggestions were asked for before the catalog was read (and why).
    completion_waits: Option<assist::Why>,
    /// Where the editor's text was last drawn (the suggestions go under
    /// its cursor).
    editor_area: Cell<Rect>,
}

/// Suggestions open in the editor, and the one chosen.
struct Completion {
    suggestions: Suggestions,
    selected: usize,
}

impl SqlView {
    /// The console on `database`, called `name` until the platform names it.
    pub fn new(project: &str, database: &str, name: &str) -> Self {
        // The state directory is looked up once, when the console opens;
        // the files are read by the journal and the buffers' store, off
        // the UI task.
        let state_dir = comwit_client::places::process_state_dir();
        let history_file = HistoryFile::for_database(state_dir.as_deref(), database);
        let buffers_file = buffer_file::BuffersFile::for_database(state_dir.as_deref(), database);
        Self {
            project: project.to_string(),
            database: database.to_string(),
            name: name.to_string(),
            conn: Conn::Idle,
            replaced_steps: 0,
            use_operator: false,
            editor: buffers::editor_with(""),
            buffers: buffers::Buffers::new(buffers_file),
            pane: Pane::Editor,
            popup: None,
            popup_after: None,
            history: History::default(),
            history_file,
            journal: None,
            running: None,
            run_id: 0,
            shown: Shown::Nothing,
            error: None,
            summary: None,
            last_export: None,
            exporting: None,
            grid_page: 10,
            history_page: Cell::new(10),
            catalog: Catalog::default(),
            catalog_shown: false,
            completion: None,
            completion_waits: None,
            editor_area: Cell::new(Rect::default()),
        }
    }

    fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// Replaces the buffer, as one undoable edit (ctrl-u brings it back).
    fn replace_text(&mut self, text: &str) {
        // The text area records deleting the old text and inserting the
        // new as two edits, each only when there is text.
        self.replaced_steps = usize::from(!self.text().is_empty()) + usize::from(!text.is_empty());
        self.editor.select_all();
        self.editor.insert_str(text);
        self.editor.cancel_selection();
        self.pane = Pane::Editor;
        self.buffers.touched();
    }

    /// ctrl-u: a whole-buffer replacement comes back in one step, any
    /// other edit as the text area keeps it.
    fn undo(&mut self) {
        let steps = std::mem::take(&mut self.replaced_steps).max(1);
        for _ in 0..steps {
            self.editor.undo();
        }
        self.pane = Pane::Editor;
        self.buffers.touched();
    }

    /// Starts the history's journal (once): it reads the file, and writes
    /// each run's statements in order, off the UI task.
    fn start_journal(&mut self, cx: &Ctx<'_>) {
        if let Some(file) = self.history_file.take() {
            let report = cx.reporter::<Msg>();
            self.journal = Some(Journal::start(file, move |r| report.send(Msg::History(r))));
        }
    }

    /// The file's entries arrived: they go before this session's, and an
    /// open history list shows them.
    fn history_loaded(&mut self, older: Vec<history::Entry>) {
        self.history.loaded(older);
        if let Some(Popup::History { picker, matches }) = &mut self.popup {
            *matches = self.history.search(picker.filter.text());
        }
    }

    fn connect(&mut self, cx: &mut Ctx<'_>) {
        self.conn = Conn::Connecting;
        let client = cx.client().clone();
        let operator = cx.session.sql_operator.clone();
        let use_operator = self.use_operator;
        let credentials = cx.session.credentials.clone();
        let (project, database) = (self.project.clone(), self.database.clone());
        cx.spawn(async move {
            let connected = runner::connect(
                client,
                operator,
                use_operator,
                credentials,
                project,
                database,
            );
            Msg::Connected(connected.await)
        });
    }

    /// A user without a database token: ask before the sandbox operator's
    /// query tokens run the SQL (no is the default), else say the fix.
    fn ask_operator(&mut self) {
        // A dialog opened before the answer came (`:dump NAME`) waits.
        self.popup_after = self.popup.take();
        self.popup = Some(Popup::Operator(Modal::confirm(
            "Run SQL as the sandbox operator?",
            vec![
                format!(
                    "You are signed in as a user, and no database token of yours is stored for {}.",
                    self.name
                ),
                "The console can run your SQL on query tokens minted with the sandbox's \
                 operator token: with operator rights, not your user's."
                    .into(),
                "No: rotate the database token on the database's view (it is kept for this \
                 session), then press r here."
                    .into(),
            ],
            (),
        )));
    }

    /// The answer to [`Self::ask_operator`].
    fn answered_operator(&mut self, yes: bool, cx: &mut Ctx<'_>) {
        self.popup = self.popup_after.take();
        if yes {
            self.use_operator = true;
            return self.connect(cx);
        }
        self.conn = Conn::Failed(ConnectError {
            message: format!(
                "no database token of yours is stored for {}, and you chose not to run SQL \
                 as the sandbox operator",
                self.name
            ),
            fix: Some(
                "rotate the database token on the database's view (it is kept for this \
                 session), then press r here; or press r and answer y to run as the operator"
                    .into(),
            ),
            operator_fallback: false,
        });
    }

    /// The selection if there is one, else the statement at the cursor.
    fn current_statements(&self) -> Vec<String> {
        let lines = self.editor.lines();
        let text = self.text();
        if let Some(((r0, c0), (r1, c1))) = self.editor.selection_range() {
            let (a, b) = (
                statement::offset_of(lines, r0, c0),
                statement::offset_of(lines, r1, c1),
            );
            if a < b {
                return comwit_client::sql::split_statements(&text[a..b]);
            }
        }
        let ratatui_textarea::DataCursor(row, col) = self.editor.cursor();
        statement::at_cursor(&text, statement::offset_of(lines, row, col))
    }

    fn run(&mut self, statements: Vec<String>, cx: &mut Ctx<'_>) {
        if statements.is_empty() {
            cx.toast(Level::Info, "nothing to run: type a statement first");
            return;
        }
        let Conn::Ready { session, .. } = &self.conn else {
            cx.toast(
                Level::Warning,
                match self.conn {
                    Conn::Idle | Conn::Connecting => "not connected yet: wait a moment",
                    _ => "not connected: press esc, then r to reconnect",
                },
            );
            return;
        };
        if self.running.is_some() {
            cx.toast(Level::Info, "a statement is still running");
            return;
        }
        let recorded = statements.iter().filter_map(|sql| self.history.record(sql));
        let recorded: Vec<_> = recorded.collect();
        if let Some(journal) = &self.journal {
            journal.append(recorded);
        }
        self.run_id += 1;
        let id = self.run_id;
        self.running = Some(Running {
            id,
            statements: statements.len(),
            rows: 0,
            started: Instant::now(),
        });
        let session = session.clone();
        let read_only = cx.session.read_only;
        let progress = cx.reporter::<Msg>();
        cx.spawn(async move {
            let report = runner::run(session, statements, read_only, move |rows| {
                progress.send(Msg::Progress { run: id, rows });
            })
            .await;
            Msg::Ran { run: id, report }
        });
    }

    fn finish(&mut self, report: RunReport) {
        self.running = None;
        if let Conn::Ready { autocommit, .. } = &mut self.conn {
            *autocommit = report.autocommit;
        }
        self.summary = Some(RunSummary {
            statements: report.results.len() + usize::from(report.error.is_some()),
            elapsed: report.elapsed,
            reopened: report.reopened,
        });
        // The last statement that completed is what the pane shows; a run
        // that failed before any completed leaves the previous result up.
        if let Some(last) = report.results.last() {
            self.shown = if last.columns.is_empty() {
                Shown::Done(last.clone())
            } else {
                Shown::Grid(plan::grid(last.clone()))
            };
        }
        self.error = report.error;
    }

    fn open_history(&mut self) {
        let mut picker = Picker::default();
        picker.start_filter();
        self.popup = Some(Popup::History {
            matches: self.history.search(""),
            picker,
        });
    }

    fn on_popup_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) {
        let Some(popup) = &mut self.popup else { return };
        match popup {
            Popup::History { picker, matches } => match key.code {
                KeyCode::Esc => self.popup = None,
                KeyCode::Enter => {
                    let chosen = picker.current(&(0..matches.len()).collect::<Vec<_>>());
                    if let Some(sql) = chosen.and_then(|i| matches.get(i)).cloned() {
                        self.replace_text(&sql);
                    }
                    self.popup = None;
                }
                KeyCode::PageDown | KeyCode::PageUp => {
                    let page = self.history_page.get().max(1);
                    picker.selected = if key.code == KeyCode::PageDown {
                        (picker.selected + page).min(matches.len().saturating_sub(1))
                    } else {
                        picker.selected.saturating_sub(page)
                    };
                }
                _ => {
                    let before = picker.filter.text().to_string();
                    picker.on_key(key, matches.len(), self.history_page.get());
                    if picker.filter.text() != before {
                        *matches = self.history.search(picker.filter.text());
                        picker.selected = 0;
                    }
                }
            },
            Popup::Operator(modal) => match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Confirmed(..) => self.answered_operator(true, cx),
                _ => self.answered_operator(false, cx),
            },
            Popup::Viewer(viewer) => match viewer.on_key(key) {
                viewer::Outcome::Open => {}
                viewer::Outcome::Close => self.popup = None,
                viewer::Outcome::Copy(label, text) => cx.copy(label, text),
            },
            Popup::Buffer(modal) => {
                let outcome = modal.on_key(key);
                self.on_buffer_dialog(outcome);
            }
            Popup::Export(modal) => match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Confirmed((), path) => {
                    self.popup = None;
                    self.export(&path, cx);
                }
                _ => self.popup = None,
            },
            Popup::Dump(modal) => match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Confirmed((), path) => {
                    self.popup = None;
                    self.start_dump(&path, cx);
                }
                _ => self.popup = None,
            },
            Popup::Import(modal) => match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Submitted((), values) => match self.start_import(&values, cx) {
                    Ok(()) => self.popup = None,
                    Err(why) => modal_refuse(&mut self.popup, why),
                },
                _ => self.popup = None,
            },
        }
    }

    /// Moves in the grid; esc is not taken, so it leaves the console.
    fn on_grid_key(&mut self, key: &KeyEvent) -> bool {
        let used = match &mut self.shown {
            Shown::Grid(g) => g.on_key(key, self.grid_page),
            _ => false,
        };
        // ←/h must not fall through to "back" at the first column.
        used || matches!(
            key.code,
            KeyCode::Left | KeyCode::Right | KeyCode::Char('h') | KeyCode::Char('l')
        )
    }

    fn status(&self, theme: &Theme) -> Line<'static> {
        let mut spans = Vec::new();
        if let Some(rows) = self.exporting {
            let text = format!(" ⟳ exporting ({} rows) ", count(rows));
            spans.push(Span::styled(text, theme.accent));
        }
        if let Some(r) = &self.running {
            let rows = if r.rows > 0 {
                format!(" ({} rows)", count(r.rows))
            } else {
                String::new()
            };
            spans.push(Span::styled(format!(" ⟳ running{rows} "), theme.accent));
        }
        match &self.conn {
            Conn::Idle | Conn::Connecting => spans.push(Span::styled(" ⟳ connecting… ", theme.dim)),
            Conn::Failed(_) => spans.push(Span::styled(" ✗ not connected ", theme.error)),
            Conn::Ready {
                how, autocommit, ..
            } => {
                spans.push(Span::styled(format!(" ● {how} "), theme.ok));
                spans.push(if *autocommit {
                    Span::styled("· autocommit ", theme.dim)
                } else {
                    Span::styled("· in transaction ", theme.warn)
                });
            }
        }
        Line::from(spans).right_aligned()
    }

    /// The numbers under the results: rows, time, server counts.
    fn footer(&self) -> Option<String> {
        if let Some(r) = &self.running {
            return Some(format!(
                " running {} statement{}… {} ",
                r.statements,
                plural(r.statements as u64),
                millis(r.started.elapsed())
            ));
        }
        let result = match &self.shown {
            Shown::Grid(g) => &g.data,
            Shown::Done(r) => r,
            Shown::Nothing => return None,
        };
        let mut parts = Vec::new();
        if let Some(s) = self.summary.as_ref().filter(|s| s.statements > 1) {
            parts.push(format!(
                "{} statements in {}",
                s.statements,
                millis(s.elapsed)
            ));
        }
        if !result.columns.is_empty() {
            let kept = result.rows.len() as u64;
            parts.push(if kept < result.total_rows {
                format!("{} of {} rows kept", count(kept), count(result.total_rows))
            } else {
                format!("{} row{}", count(kept), plural(kept))
            });
        } else {
            parts.push(format!("{} affected", count(result.affected_rows)));
        }
        parts.push(match result.server_ms {
            Some(ms) => format!("time {} (server {ms:.1} ms)", millis(result.elapsed)),
            None => format!("time {}", millis(result.elapsed)),
        });
        match (result.rows_read, result.rows_written) {
            (Some(r), Some(w)) => parts.push(format!("read {} · written {}", count(r), count(w))),
            // The cursor protocol's step end carries no server counts.
            _ => parts.push("streamed, no server counts".into()),
        }
        if self.summary.as_ref().is_some_and(|s| s.reopened) {
            parts.push("new SQL stream (the idle one had expired)".into());
        }
        Some(format!(" {} ", parts.join(" · ")))
    }

    fn draw_results(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let mut area = area;
        if let Some(lines) = self.connection_lines(theme) {
            return note(frame, area, lines);
        }
        if let Some(lines) = self.error_lines(theme) {
            // Long messages wrap: count the rows they take, plus a blank.
            let width = usize::from(area.width.max(1));
            let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
            let height = (rows as u16 + 1).min(area.height);
            let [banner, rest] =
                Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
            note(frame, banner, lines);
            area = rest;
        }
        self.draw_shown(frame, area, theme);
    }

    /// What to show instead of results while the session is not ready.
    fn connection_lines(&self, theme: &Theme) -> Option<Vec<Line<'static>>> {
        match &self.conn {
            Conn::Idle | Conn::Connecting => {
                let text = format!("⟳ connecting to {}…", self.name);
                Some(vec![Line::styled(text, theme.dim)])
            }
            Conn::Failed(e) => {
                let mut lines = vec![Line::styled(
                    format!("✗ could not open a SQL session: {}", e.message),
                    theme.error,
                )];
                if let Some(fix) = &e.fix {
                    lines.push(Line::raw(format!("  fix: {fix}")));
                }
                lines.push(Line::styled("  press esc, then r to try again", theme.dim));
                Some(lines)
            }
            Conn::Ready { .. } => None,
        }
    }

    /// The banner of the last statement's error, if it failed.
    fn error_lines(&self, theme: &Theme) -> Option<Vec<Line<'static>>> {
        let e = self.error.as_ref()?;
        let mut lines = vec![Line::styled(
            match &e.code {
                Some(code) => format!("✗ {code}: {}", e.message),
                None => format!("✗ {}", e.message),
            },
            theme.error,
        )];
        lines.push(Line::styled(
            format!("  in: {}", short(&e.sql, 200)),
            theme.dim,
        ));
        if e.transaction_lost {
            lines.push(Line::styled(
                "  the transaction that was open went with the stream: its uncommitted changes \
                 are lost, and the statement was not run again; start over from BEGIN",
                theme.warn,
            ));
        } else if e.stream_lost {
            lines.push(Line::styled(
                "  the SQL stream was reset: the next statement opens a new one",
                theme.dim,
            ));
        }
        if !matches!(self.shown, Shown::Nothing) {
            lines.push(Line::styled(
                "  (the previous result is kept below)",
                theme.dim,
            ));
        }
        Some(lines)
    }

    /// The result (or the hint that there is none yet) below the banner.
    fn draw_shown(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        match &mut self.shown {
            Shown::Nothing => {
                if self.error.is_none() {
                    note(
                        frame,
                        area,
                        vec![Line::styled(
                            "no results yet: ctrl-r runs the statement at the cursor, ctrl-x the whole buffer",
                            theme.dim,
                        )],
                    );
                }
            }
            Shown::Done(r) => {
                let text = format!(
                    "✓ {} — {} row{} affected",
                    short(&r.sql, 60),
                    count(r.affected_rows),
                    plural(r.affected_rows)
                );
                note(frame, area, vec![Line::styled(text, theme.ok)]);
            }
            Shown::Grid(g) => {
                self.grid_page = (area.height as usize).saturating_sub(2).max(1);
                if plan::is_plan(&g.data) {
                    plan::draw(frame, area, theme, g, self.pane == Pane::Grid);
                } else {
                    g.draw(frame, area, theme, self.pane == Pane::Grid);
                }
            }
        }
    }

    /// The text with its line numbers. The gutter is drawn here, beside
    /// the text area, not by it: the text area scrolls its numbers out of
    /// sight with a long line's text.
    fn draw_editor(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, editing: bool) {
        self.editor.set_cursor_line_style(Style::new());
        self.editor.set_placeholder_style(theme.dim);
        self.editor.set_cursor_style(if editing {
            theme.selected
        } else {
            Style::new()
        });
        let lines = self.editor.lines().len();
        // The placeholder starts at the edge, as no line is numbered yet.
        let digits = if self.text().is_empty() {
            None
        } else {
            Some(lines.to_string().len())
        };
        let width = digits.map_or(0, |d| d as u16 + 2);
        let [gutter, text] =
            Layout::horizontal([Constraint::Length(width), Constraint::Min(1)]).areas(area);
        frame.render_widget(&self.editor, text);
        self.editor_area.set(text);
        highlight::paint(&self.editor, text, frame.buffer_mut(), theme);
        if let Some(digits) = digits {
            // Known once the text area has drawn (it follows the cursor).
            let (top, _) = self.editor.scroll_offset();
            let numbers: Vec<Line<'static>> = (top as usize..lines)
                .take(usize::from(gutter.height))
                .map(|i| Line::styled(format!(" {:>digits$} ", i + 1), theme.dim))
                .collect();
            frame.render_widget(Paragraph::new(numbers), gutter);
        }
    }

    fn draw_history(
        &self,
        frame: &mut Frame<'_>,
        theme: &Theme,
        picker: &Picker,
        matches: &[String],
    ) {
        let screen = frame.area();
        let rect = centered(screen, 90.min(screen.width.saturating_sub(4)), 18);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(format!(" history · {} ", self.name))
            .title_bottom(Line::styled(
                " enter: to the editor  ↑↓: move  esc: close ",
                theme.dim,
            ));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let height = (inner.height as usize).saturating_sub(2);
        self.history_page.set(height);
        // A copy: drawing must not move the cursor, and offsets are cheap.
        let mut window = picker.clone();
        let range = window.window(matches.len(), height);
        let mut lines = vec![
            Line::from(vec![
                Span::styled("filter: ", theme.accent),
                Span::raw(format!("{}▏", picker.filter.text())),
                Span::styled(
                    format!("  {} of {}", matches.len(), self.history.search("").len()),
                    theme.dim,
                ),
            ]),
            Line::raw(""),
        ];
        if matches.is_empty() {
            lines.push(Line::styled(
                if self.history.is_empty() {
                    "no statements run on this database yet"
                } else {
                    "nothing matches the filter"
                },
                theme.dim,
            ));
        }
        let width = inner.width.saturating_sub(2) as usize;
        for i in range {
            let text = grid::fit(&short(&matches[i], 10_000), width, grid::Align::Left);
            lines.push(if i == window.selected {
                Line::styled(format!("▶ {text}"), theme.selected)
            } else {
                Line::raw(format!("  {text}"))
            });
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// Keeps the open form up with why its values were refused.
fn modal_refuse(popup: &mut Option<Popup>, why: String) {
    if let Some(Popup::Import(modal)) = popup {
        modal.refuse(why);
    }
}

/// A note in the results pane, wrapped.
fn note(frame: &mut Frame<'_>, area: Rect, lines: Vec<Line<'static>>) {
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// A statement on one line, cut to `max` characters.
fn short(sql: &str, max: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

/// 10000 → "10,000".
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn millis(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// What the editor takes besides the keys below: typing, with the
/// text area's emacs-style movement.
const EDITOR_KEYS: &[(&str, &str)] =
    &[("type", "edit the SQL (ctrl-a/ctrl-k/ctrl-w… as in emacs)")];

/// Buffers go round on alt-arrows (xterm-style terminals send them as
/// such) or F7/F8 (where option-arrows arrive as alt-b/alt-f, the text
/// area's word moves).
const ALT_RIGHT: Binding = Binding {
    code: KeyCode::Right,
    modifiers: KeyModifiers::ALT,
};
const ALT_LEFT: Binding = Binding {
    code: KeyCode::Left,
    modifiers: KeyModifiers::ALT,
};

/// The console's keys: the bar, `?` and the dispatch all read them. Runs
/// are on ctrl-r / F5 and ctrl-x / F6 from either pane, as terminals
/// rarely deliver ctrl-enter.
const KEYS: &[ViewKey<SqlView>] = &[
    ViewKey {
        keys: &[Binding::ctrl('r'), Binding::key(KeyCode::F(5))],
        what: "run the statement under the cursor (or the selection)",
        write: false,
        hint: |_| Some("run"),
        run: |v, cx| v.run(v.current_statements(), cx),
    },
    ViewKey {
        keys: &[Binding::ctrl('x'), Binding::key(KeyCode::F(6))],
        what: "run every statement in the editor",
        write: false,
        hint: |_| Some("run all"),
        run: |v, cx| v.run(comwit_client::sql::split_statements(&v.text()), cx),
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::Esc), Binding::key(KeyCode::Tab)],
        what: "from the editor to the results",
        write: false,
        hint: |v| (v.pane == Pane::Editor).then_some("results"),
        run: |v, _| v.pane = Pane::Grid,
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::Enter), Binding::plain('i')],
        what: "from the results to the editor",
        write: false,
        hint: |v| (v.pane == Pane::Grid).then_some("edit"),
        run: |v, _| v.pane = Pane::Editor,
    },
    ViewKey {
        keys: &[Binding::ctrl('o')],
        what: "pick a statement from this database's history",
        write: false,
        hint: |_| Some("history"),
        run: |v, _| v.open_history(),
    },
    ViewKey {
        keys: &[Binding::ctrl('l')],
        what: "clear the editor (ctrl-u brings the text back)",
        write: false,
        hint: |_| Some("clear"),
        run: |v, _| v.replace_text(""),
    },
    ViewKey {
        keys: &[Binding::ctrl('e')],
        what: "edit the SQL in $EDITOR",
        write: false,
        hint: |_| Some("$EDITOR"),
        run: |v, cx| cx.edit(v.text()),
    },
    ViewKey {
        keys: &[Binding::ctrl('u')],
        what: "undo the last edit, history pick or clear",
        write: false,
        hint: |_| Some("undo"),
        run: |v, _| v.undo(),
    },
    ViewKey {
        keys: &[Binding::ctrl('s')],
        what: "export the result to a .csv or .json file (in full: a cut query runs again)",
        write: false,
        hint: |v| matches!(v.shown, Shown::Grid(_)).then_some("export"),
        run: |v, cx| v.open_export(cx),
    },
    ViewKey {
        keys: &[Binding::plain('v')],
        what: "view the selected cell in full: JSON pretty-printed, blobs as hex (tab: the row)",
        write: false,
        hint: |v| v.on_grid().then_some("view cell"),
        run: |v, _| v.open_viewer(viewer::Mode::Cell),
    },
    ViewKey {
        keys: &[Binding::plain('V')],
        what: "view the selected row: every column's name and value",
        write: false,
        hint: |v| v.on_grid().then_some("view row"),
        run: |v, _| v.open_viewer(viewer::Mode::Row),
    },
    ViewKey {
        keys: &[Binding::plain('Y')],
        what: "copy the selected row as a JSON object (y copies the cell)",
        write: false,
        hint: |v| v.on_grid().then_some("copy row"),
        run: |v, cx| v.copy_row(cx),
    },
    ViewKey {
        keys: &[Binding::plain('C')],
        what: "copy the selected column, one value a line",
        write: false,
        hint: |v| v.on_grid().then_some("copy column"),
        run: |v, cx| v.copy_column(cx),
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::F(9))],
        what: "dump the database to a SQL file (also :dump)",
        write: false,
        hint: |_| Some("dump"),
        run: |v, _| v.open_dump(),
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::F(10))],
        what: "import a SQL file: a dump or another provider's export (also :import)",
        write: true,
        hint: |_| Some("import"),
        run: |v, _| v.open_import(),
    },
    ViewKey {
        keys: &[Binding::ctrl(' ')],
        what: "suggest tables, columns, functions and keywords for the word at the cursor",
        write: false,
        hint: |v| (v.pane == Pane::Editor).then_some("complete"),
        run: |v, cx| v.complete(assist::Why::Asked, cx),
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::F(2))],
        what: "the schema catalog beside the editor (again, from it: hide it)",
        write: false,
        hint: |_| Some("schema"),
        run: |v, cx| v.toggle_catalog(cx),
    },
    ViewKey {
        keys: &[Binding::ctrl('t')],
        what: "open a new buffer (each database keeps its buffers)",
        write: false,
        hint: |_| Some("new buffer"),
        run: |v, _| v.new_buffer(),
    },
    ViewKey {
        keys: &[ALT_RIGHT, Binding::key(KeyCode::F(8))],
        what: "the next buffer",
        write: false,
        hint: |v| (v.buffers.len() > 1).then_some("next buffer"),
        run: |v, _| v.step_buffer(1),
    },
    ViewKey {
        keys: &[ALT_LEFT, Binding::key(KeyCode::F(7))],
        what: "the previous buffer",
        write: false,
        hint: |v| (v.buffers.len() > 1).then_some("previous buffer"),
        run: |v, _| v.step_buffer(-1),
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::F(3))],
        what: "rename the buffer",
        write: false,
        hint: |_| Some("rename"),
        run: |v, _| v.open_rename(),
    },
    ViewKey {
        keys: &[Binding::key(KeyCode::F(4))],
        what: "close the buffer (asks if it holds text; the last one is cleared)",
        write: false,
        hint: |_| Some("close buffer"),
        run: |v, cx| v.ask_close(cx),
    },
];

/// The keys of an open popup, which takes every key while open.
fn popup_hints(popup: &Popup) -> Vec<Hint> {
    match popup {
        Popup::History { .. } => vec![
            hint("enter", "to the editor"),
            hint("↑↓", "move"),
            hint("type", "filter"),
            hint("esc", "close"),
        ],
        Popup::Export(modal)
        | Popup::Operator(modal)
        | Popup::Dump(modal)
        | Popup::Import(modal) => super::modal_hints(modal),
        Popup::Viewer(_) => viewer::hints().map(|(k, w)| hint(k, w)).collect(),
        Popup::Buffer(modal) => super::modal_hints(modal),
    }
}

impl View for SqlView {
    fn title(&self) -> String {
        format!("SQL · {}", self.name)
    }

    /// Its database by name (the tree may not have listed it), then itself.
    fn crumbs(&self) -> Vec<String> {
        vec![self.name.clone(), "SQL console".into()]
    }

    fn hints(&self) -> Vec<Hint> {
        if self.popup.is_none() && self.completion.is_some() {
            return assist::COMPLETION_KEYS
                .iter()
                .map(|(k, w)| hint(k, w))
                .collect();
        }
        match &self.popup {
            Some(popup) => popup_hints(popup),
            // The bar drops what does not fit from the end (`?` lists all).
            None => {
                // Moving in the grid or the schema first; typing needs no hint.
                let moves = match self.pane {
                    Pane::Grid => &grid::MOVE_KEYS[..1],
                    Pane::Catalog => &assist::CATALOG_KEYS[..4],
                    Pane::Editor => &[],
                };
                moves
                    .iter()
                    .map(|(k, w)| hint(k, w))
                    .chain(keys::hints(KEYS, self))
                    .collect()
            }
        }
    }

    fn keys(&self) -> Vec<Hint> {
        match &self.popup {
            Some(popup) => popup_hints(popup),
            None => EDITOR_KEYS
                .iter()
                .chain(grid::MOVE_KEYS)
                .chain(assist::CATALOG_KEYS)
                .map(|(k, w)| hint(k, w))
                .chain(keys::all(KEYS))
                .collect(),
        }
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if self.popup.is_some() {
            self.on_popup_key(key, cx);
            return true;
        }
        if self.on_completion_key(key, cx)
            || (self.pane == Pane::Catalog && self.on_catalog_key(key, cx))
            || keys::dispatch(KEYS, self, key, cx)
        {
            return true;
        }
        match self.pane {
            Pane::Editor => {
                if self.editor.input(*key) {
                    self.replaced_steps = 0;
                    self.buffers.touched();
                }
                // `alias.`: its columns, if there are any to offer.
                if key.code == KeyCode::Char('.') {
                    self.complete(assist::Why::Dot, cx);
                }
                true
            }
            Pane::Grid => self.on_grid_key(key),
            Pane::Catalog => true,
        }
    }

    fn on_paste(&mut self, text: &str) -> bool {
        match &mut self.popup {
            Some(Popup::History { picker, matches }) => {
                picker.filter.insert_str(text);
                *matches = self.history.search(picker.filter.text());
                picker.selected = 0;
            }
            Some(
                Popup::Export(modal)
                | Popup::Operator(modal)
                | Popup::Dump(modal)
                | Popup::Import(modal),
            ) => modal.on_paste(text),
            Some(Popup::Viewer(_)) => {}
            Some(Popup::Buffer(modal)) => modal.on_paste(text),
            None => {
                self.pane = Pane::Editor;
                self.replaced_steps = 0;
                self.editor.insert_str(text.replace("\r\n", "\n"));
                self.buffers.touched();
            }
        }
        true
    }

    fn on_edited(&mut self, result: Result<String, String>, cx: &mut Ctx<'_>) {
        match result {
            Ok(text) => self.replace_text(text.trim_end_matches('\n')),
            Err(e) => cx.toast(Level::Warning, e),
        }
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let area = if self.catalog_shown {
            let [left, rest] =
                Layout::horizontal([Constraint::Length(32), Constraint::Min(20)]).areas(area);
            let focus = focused && self.pane == Pane::Catalog && self.popup.is_none();
            self.catalog.draw(frame, left, theme, focus);
            rest
        } else {
            area
        };
        let max_editor = (area.height * 2 / 5).max(5);
        let editor_height = (self.editor.lines().len() as u16 + 2).clamp(5, max_editor);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(editor_height), Constraint::Min(3)]).areas(area);
        let (shown, popup) = (self.pane, self.popup.is_some());
        let border = |pane: Pane| {
            if focused && shown == pane && !popup {
                theme.border_focused
            } else {
                Style::new()
            }
        };

        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border(Pane::Editor))
            .title(format!(" {} ", self.title()))
            .title(self.status(theme))
            .title_bottom(
                self.buffers
                    .tab_line(theme, usize::from(top.width.saturating_sub(2))),
            );
        let inner = block.inner(top);
        frame.render_widget(block, top);
        let editing = focused && self.pane == Pane::Editor && self.popup.is_none();
        self.draw_editor(frame, inner, theme, editing);

        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(border(Pane::Grid))
            .title(" results ");
        if let Some(footer) = self.footer() {
            block = block.title_bottom(Line::styled(footer, theme.dim));
        }
        let inner = block.inner(bottom);
        frame.render_widget(block, bottom);
        self.draw_results(frame, inner, theme);
    }

    fn draw_modal(&self, frame: &mut Frame<'_>, theme: &Theme) {
        match &self.popup {
            Some(Popup::History { picker, matches }) => {
                self.draw_history(frame, theme, picker, matches)
            }
            Some(
                Popup::Export(modal)
                | Popup::Operator(modal)
                | Popup::Dump(modal)
                | Popup::Import(modal),
            ) => modal.draw(frame, theme),
            Some(Popup::Viewer(viewer)) => viewer.draw(frame, theme),
            Some(Popup::Buffer(modal)) => modal.draw(frame, theme),
            None => self.draw_completion(frame, theme),
        }
    }

    /// Opens the session the first time; later (`r` on the results),
    /// reconnects after a failure or re-runs the last query. Writes are
    /// never repeated by a refresh.
    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.start_journal(cx);
        self.start_buffers(cx);
        match &self.conn {
            Conn::Idle | Conn::Failed(_) => self.connect(cx),
            Conn::Connecting => {}
            Conn::Ready { .. } => {
                let last = match &self.shown {
                    Shown::Grid(g) => Some(g.data.sql.clone()),
                    _ => None,
                };
                match last {
                    Some(sql) if statement::streams(&sql) => self.run(vec![sql], cx),
                    _ => cx.toast(
                        Level::Info,
                        "r re-runs the last query; F5 runs the statement at the cursor",
                    ),
                }
            }
        }
    }

    fn captures_keys(&self) -> bool {
        self.popup.is_some() || matches!(self.pane, Pane::Editor | Pane::Catalog)
    }

    /// `/` searches the history (the console has no list to filter).
    fn filter(&mut self) -> bool {
        self.open_history();
        true
    }

    fn copy(&self) -> Option<(String, String)> {
        let Shown::Grid(g) = &self.shown else {
            return None;
        };
        let value = g.selected_value()?;
        let column = g.data.columns.get(g.col).cloned().unwrap_or_default();
        Some((format!("the {column} value"), grid::copy_text(value)))
    }

    fn fullscreen(&self) -> bool {
        true
    }

    /// An open transaction: quitting ends the stream (rolling it back),
    /// and a console left idle loses it when the server closes the stream.
    fn leave_warning(&self, _leave: super::Leave) -> Option<String> {
        match &self.conn {
            Conn::Ready {
                autocommit: false, ..
            } => Some(format!(
                "A transaction is open in the SQL console on {}: its uncommitted changes are \
                 lost if you quit, or if the console sits idle until the server closes the stream.",
                self.name
            )),
            _ => None,
        }
    }
}

impl Update for SqlView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Connected(Ok(c)) => {
                self.name = c.name;
                self.conn = Conn::Ready {
                    session: Arc::new(Mutex::new(c.session)),
                    how: c.how,
                    autocommit: true,
                };
                // What autocomplete and the schema pane know.
                self.load_catalog(cx);
            }
            Msg::Connected(Err(e)) if e.operator_fallback => {
                self.conn = Conn::Failed(e);
                self.ask_operator();
            }
            Msg::Connected(Err(e)) => self.conn = Conn::Failed(e),
            Msg::Progress { run, rows } => {
                if let Some(r) = self.running.as_mut().filter(|r| r.id == run) {
                    r.rows = rows;
                }
            }
            Msg::Ran { run, report } => {
                let ddl = report
                    .results
                    .iter()
                    .any(|r| catalog::changes_schema(&r.sql));
                if run == self.run_id {
                    self.finish(report);
                }
                if ddl {
                    self.load_catalog(cx);
                }
            }
            Msg::Catalog(read) => self.catalog_loaded(read, cx),
            Msg::Counted(table, counted) => self.catalog.counted(table, counted),
            Msg::Moved(moved) => self.moved(moved, cx),
            Msg::Exporting(rows) => self.exporting = self.exporting.map(|_| rows),
            Msg::Exported(done) => {
                self.exporting = None;
                match done {
                    Ok(done) => cx.toast(Level::Success, done.message()),
                    Err(e) => cx.toast(Level::Warning, e),
                }
            }
            Msg::History(Report::Loaded(older)) => self.history_loaded(older),
            Msg::History(Report::Failed(why)) => cx.toast(Level::Warning, why),
            Msg::Buffers(report) => self.on_buffers_report(report, cx),
        }
    }
}

impl Drop for SqlView {
    /// Hands the buffers' last changes to their store, and ends the SQL
    /// stream on the server (rolling back an open transaction) rather than
    /// leaving it to expire.
    fn drop(&mut self) {
        self.save_buffers();
        if let Conn::Ready { session, .. } = &self.conn
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let session = session.clone();
            runtime.spawn(async move {
                let _ = session.lock().await.close().await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(millis(Duration::from_millis(1234)), "1234 ms");
        assert_eq!(millis(Duration::from_millis(12_345)), "12.3 s");
        assert_eq!(short("select\n  1,\n  2", 100), "select 1, 2");
        assert_eq!(short("abcdef", 3), "abc…");
    }
}

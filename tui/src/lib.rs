//! `comwit-tui`: the operator dashboard.
//!
//! State lives in [`app::App`] and changes only in `update(Action)`;
//! terminal input and background work both arrive as [`action::Action`]s
//! on one channel; the screen is redrawn after each change, never on a
//! blind tick. Views (`views/`) own their data and dialogs; `widgets/`
//! holds the pieces they share.

pub mod action;
pub mod app;
pub mod blocking;
pub mod cli;
pub mod clipboard;
pub mod context;
pub mod firstrun;
pub mod keymap;
pub mod loader;
pub mod notice;
pub mod palette;
pub mod remembered;
pub mod session;
pub mod settings;
pub mod theme;
pub mod tree;
pub mod tree_keys;
pub mod ui;
pub mod views;
pub mod watch_cli;
pub mod widgets;

use std::io::Write;
use std::time::Duration;

use action::Action;
use app::App;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event,
};
use ratatui::crossterm::execute;
use session::Session;
use settings::Settings;
use tokio::sync::mpsc::{self, UnboundedSender};

/// Runs the dashboard until the user quits. The terminal is restored on
/// every exit path (ratatui's panic hook covers panics).
pub async fn run(
    session: Session,
    settings: Settings,
    warning: Option<String>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let mouse = settings.mouse;
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    if mouse {
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = event_loop(&mut terminal, session, settings, warning).await;
    if mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// Runs the first-run screen until the user has credentials (or quits).
pub async fn first_run(
    api_url: Option<String>,
    credentials: std::sync::Arc<comwit_client::credentials::Credentials>,
    read_only: bool,
    project: Option<String>,
    settings: &Settings,
) -> anyhow::Result<(firstrun::Ending, Option<String>)> {
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let paused = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    spawn_input(tx.clone(), paused.clone());
    let mut screen = firstrun::FirstRun::new(api_url, credentials, read_only, project, tx);
    let result = async {
        terminal.draw(|f| screen.draw(f, &settings.theme))?;
        while let Some(action) = rx.recv().await {
            screen.update(action);
            if let Some(ending) = screen.ending.take() {
                return Ok((ending, screen.saved_notice.take()));
            }
            terminal.draw(|f| screen.draw(f, &settings.theme))?;
        }
        Ok((firstrun::Ending::Quit, None))
    }
    .await;
    // The input thread must not read keys meant for the dashboard.
    paused.store(true, std::sync::atomic::Ordering::Release);
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// Reads the terminal on a thread of its own (reads block) and forwards
/// events as actions. Paused while `$EDITOR` owns the terminal.
fn spawn_input(tx: UnboundedSender<Action>, paused: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            if tx.is_closed() {
                break;
            }
            if paused.load(std::sync::atomic::Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            // Poll so a pause takes effect before the editor starts.
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => break,
            }
            let Ok(ev) = event::read() else { break };
            let action = match ev {
                Event::Key(k) => Action::Key(k),
                Event::Paste(text) => Action::Paste(text),
                Event::Mouse(m) => Action::Mouse(m),
                Event::Resize(..) => Action::Resize,
                _ => continue,
            };
            if tx.send(action).is_err() {
                break;
            }
        }
    });
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    session: Session,
    settings: Settings,
    warning: Option<String>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let paused = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    spawn_input(tx.clone(), paused.clone());
    // Readiness, polled in the background.
    let (probe, ready_tx) = (session.client.clone(), tx.clone());
    let poller = tokio::spawn(async move {
        loop {
            let ready = probe
                .health()
                .ready()
                .await
                .map(|r| r.ready)
                .unwrap_or(false);
            if ready_tx.send(Action::Ready(ready)).is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    });

    let start_in = session.project.clone();
    let mut app = App::new(session, settings, tx.clone());
    // --project (an id or a name): open the tree there.
    if let Some(project) = start_in {
        app.run_command(palette::Command::Project(project));
    }
    if let Some(w) = warning {
        app.warn(w);
    }
    terminal.draw(|f| ui::draw(f, &mut app))?;
    while let Some(action) = rx.recv().await {
        app.update(action);
        // Drain what else is queued before drawing once.
        while let Ok(more) = rx.try_recv() {
            app.update(more);
        }
        if app.should_quit {
            break;
        }
        flush_terminal_requests(terminal, &mut app, &tx, &paused)?;
        terminal.draw(|f| ui::draw(f, &mut app))?;
    }
    poller.abort();
    Ok(())
}

fn flush_terminal_requests(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    tx: &UnboundedSender<Action>,
    paused: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    if let Some(text) = app.terminal.copy.take() {
        out.write_all(clipboard::osc52(&text).as_bytes())?;
    }
    if std::mem::take(&mut app.terminal.bell) {
        out.write_all(b"\x07")?;
    }
    out.flush()?;
    if let Some((view, text)) = app.terminal.edit.take() {
        paused.store(true, std::sync::atomic::Ordering::Release);
        std::thread::sleep(Duration::from_millis(120));
        ratatui::restore();
        let result = edit_in_editor(&text);
        *terminal = ratatui::init();
        let _ = execute!(std::io::stdout(), EnableBracketedPaste);
        terminal.clear()?;
        paused.store(false, std::sync::atomic::Ordering::Release);
        let _ = tx.send(Action::View(view, Box::new(context::EditorResult(result))));
    }
    Ok(())
}

/// The editor when neither `$VISUAL` nor `$EDITOR` is set.
const DEFAULT_EDITOR: &str = if cfg!(windows) { "notepad" } else { "vi" };

/// Runs `$VISUAL` / `$EDITOR` (else `vi`, or Notepad on Windows) on a
/// temporary file holding `text`.
fn edit_in_editor(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| DEFAULT_EDITOR.to_string());
    let file = tempfile::Builder::new()
        .prefix("comwit-sql-")
        .suffix(".sql")
        .tempfile()
        .map_err(|e| format!("could not create a temporary file: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| e.to_string())?;
    // The editor command may carry arguments ("code --wait").
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or(DEFAULT_EDITOR);
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(file.path())
        .status()
        .map_err(|e| format!("could not start {editor}: {e} (set $EDITOR)"))?;
    if !status.success() {
        return Err(format!(
            "{editor} exited with {status}; the buffer is unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| e.to_string())
}

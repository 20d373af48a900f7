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
pub mod browser;
pub mod cli;
pub mod clipboard;
pub mod context;
pub mod dns_cli;
pub mod faults;
pub mod firstrun;
pub mod input;
pub mod keymap;
pub mod loader;
pub mod notice;
pub mod palette;
pub mod remembered;
pub mod session;
pub mod settings;
pub mod sql_cli;
pub mod switchboard;
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
use input::Input;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use session::Session;
use settings::Settings;
use switchboard::{Exit, Screen, Switchboard};
use tokio::sync::mpsc::{self, UnboundedSender};

/// Runs from `screen` until the user quits: the sign-in screen and one
/// dashboard per context, one after another on one terminal. The terminal
/// is restored on every exit path (ratatui's panic hook covers panics).
pub async fn run(mut board: Switchboard, screen: Screen, settings: Settings) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let mouse = settings.mouse;
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    if mouse {
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
    }
    let input = Input::start();
    let result = drive(&mut terminal, &input, &mut board, screen, &settings).await;
    // The SQL consoles closed with their dashboards: their last buffer
    // saves run off the UI task and must land before the process exits.
    views::sql::all_saved(Duration::from_secs(5)).await;
    drop(input);
    if mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    board.shutdown().await;
    result
}

/// Shows each screen in turn; the switchboard says what follows each.
async fn drive(
    terminal: &mut ratatui::DefaultTerminal,
    input: &Input,
    board: &mut Switchboard,
    mut screen: Screen,
    settings: &Settings,
) -> anyhow::Result<()> {
    loop {
        screen = match screen {
            Screen::Quit => return Ok(()),
            Screen::Dashboard { session, notice } => {
                let shown = event_loop(terminal, input, *session, settings.clone(), notice);
                let (exit, session) = shown.await?;
                board.after(exit, session).await
            }
            Screen::SignIn { back, said } => {
                let screen = board.sign_in_screen(said, back.is_some());
                let (ending, notice) = sign_in(terminal, input, screen, &settings.theme).await?;
                board.after_sign_in(ending, notice, back).await
            }
        };
    }
}

/// Runs the sign-in screen until it ends.
async fn sign_in(
    terminal: &mut ratatui::DefaultTerminal,
    input: &Input,
    screen: impl FnOnce(UnboundedSender<Action>) -> firstrun::FirstRun,
    theme: &theme::Theme,
) -> anyhow::Result<(firstrun::Ending, Option<String>)> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    input.send_to(tx.clone());
    let mut screen = screen(tx);
    terminal.clear()?;
    terminal.draw(|f| screen.draw(f, theme))?;
    while let Some(action) = rx.recv().await {
        screen.update(action);
        if let Some(ending) = screen.ending.take() {
            return Ok((ending, screen.saved_notice.take()));
        }
        terminal.draw(|f| screen.draw(f, theme))?;
    }
    Ok((firstrun::Ending::Quit, None))
}

/// One dashboard, until it ends: how, and the session it ran on (for a
/// switch that fails to come back to).
async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    input: &Input,
    session: Session,
    settings: Settings,
    warning: Option<String>,
) -> anyhow::Result<(Exit, Session)> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    input.send_to(tx.clone());
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
    terminal.clear()?;
    terminal.draw(|f| ui::draw(f, &mut app))?;
    while let Some(action) = rx.recv().await {
        app.update(action);
        // Drain what else is queued before drawing once.
        while let Ok(more) = rx.try_recv() {
            app.update(more);
        }
        if app.exit.is_some() {
            break;
        }
        flush_terminal_requests(terminal, &mut app, &tx, input)?;
        terminal.draw(|f| ui::draw(f, &mut app))?;
    }
    poller.abort();
    let exit = app.exit.take().unwrap_or(Exit::Quit);
    Ok((exit, app.session))
}

fn flush_terminal_requests(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    tx: &UnboundedSender<Action>,
    input: &Input,
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
        input.pause();
        ratatui::restore();
        let result = edit_in_editor(&text);
        *terminal = ratatui::init();
        let _ = execute!(std::io::stdout(), EnableBracketedPaste);
        terminal.clear()?;
        input.resume();
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

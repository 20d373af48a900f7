//! `comwit-tui`: the operator dashboard. This first step is the shell:
//! an in-process sandbox or real credentials, the lazily loaded project
//! tree, a detail pane, readiness in the header and the key bar. The
//! views of issue 5 (deploy, environment, hostnames, SQL, DNS editor,
//! watcher) build on it.

pub mod app;
pub mod loader;
pub mod tree;
pub mod ui;

use std::time::Duration;

use app::{Action, App};
use comwit_client::Client;
use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc;

/// Runs the dashboard until the user quits. The terminal is restored on
/// every exit path (ratatui's panic hook covers panics).
pub async fn run(client: Client, target: String) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, client, target).await;
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    client: Client,
    target: String,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Terminal input on a thread of its own: reads block.
    let input = tx.clone();
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            let action = match ev {
                Event::Key(k) => Action::Key(k),
                Event::Resize(..) => Action::Resize,
                _ => continue,
            };
            if input.send(action).is_err() {
                break;
            }
        }
    });
    // Readiness, polled in the background.
    let (probe, ready_tx) = (client.clone(), tx.clone());
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

    let mut app = App::new(client, target, tx);
    // Redraw when state changed: after each action, never on a blind tick.
    terminal.draw(|f| ui::draw(f, &app))?;
    while let Some(action) = rx.recv().await {
        app.update(action);
        if app.should_quit {
            break;
        }
        terminal.draw(|f| ui::draw(f, &app))?;
    }
    poller.abort();
    Ok(())
}

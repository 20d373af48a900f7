//! The dashboard shell on the demo sandbox, driven by keys and drawn on
//! ratatui's TestBackend.

use std::time::Duration;

use comwit_client::Client;
use comwit_sandbox::Sandbox;
use comwit_tui::app::{Action, App};
use comwit_tui::tree::Row;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::UnboundedReceiver;

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Applies actions from background work until `done` holds.
async fn settle(app: &mut App, rx: &mut UnboundedReceiver<Action>, done: impl Fn(&App) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(app) {
        let action = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the dashboard settles")
            .expect("channel open");
        app.update(action);
    }
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
    terminal.draw(|f| comwit_tui::ui::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn row_labels(app: &App) -> Vec<String> {
    app.tree
        .rows()
        .into_iter()
        .filter_map(|r| match r {
            Row::Node { node, .. } => Some(node.label),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_tree_loads_lazily_and_the_detail_follows_the_cursor() {
    let sandbox = Sandbox::builder().seed_demo().start().await.unwrap();
    let client = Client::builder()
        .base_url(&sandbox.info().api_url)
        .token(sandbox.info().user_token.as_str())
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new(client, "sandbox".into(), tx);
    assert!(
        screen(&app).contains("loading…"),
        "the first frame comes before any answer"
    );

    settle(&mut app, &mut rx, |a| row_labels(a).len() == 3).await;
    let shop = row_labels(&app)
        .iter()
        .position(|l| l == "storefront")
        .expect("demo project listed");
    for _ in 0..shop {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Enter));
    settle(&mut app, &mut rx, |a| {
        row_labels(a).contains(&"apps".to_string())
    })
    .await;
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    settle(&mut app, &mut rx, |a| {
        row_labels(a).contains(&"web".to_string())
    })
    .await;
    app.update(key(KeyCode::Down));
    let text = screen(&app);
    assert!(text.contains("▾ storefront"), "{text}");
    assert!(text.contains("▾ apps"), "{text}");
    assert!(
        text.contains("active build"),
        "the detail pane shows the app: {text}"
    );
    assert!(
        text.contains("user token"),
        "the header shows the token kind: {text}"
    );

    app.update(key(KeyCode::Char('q')));
    assert!(app.should_quit);
}

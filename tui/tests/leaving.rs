//! Leaving with work in progress: `q` asks "quit anyway?" while a watch
//! runs (the SQL console's open transaction is in `sql.rs`).

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_with_a_running_watch_asks_and_quits_only_on_yes() {
    let mut h = Harness::start().await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>one</h1>").unwrap();
    h.watching(site.path()).await;

    // Esc leaves the panel with the watch running behind the tree: no question.
    h.key(KeyCode::Esc);
    assert!(h.app.fullscreen.is_none());
    h.key(KeyCode::Char('q'));
    let screen = h.screen();
    assert!(screen.contains("Quit anyway?"), "{screen}");
    assert!(
        screen.contains("Watch mode is running: quitting stops it"),
        "{screen}"
    );
    h.key(KeyCode::Enter);
    assert!(!h.app.quitting(), "enter is no");
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('y'));
    assert!(h.app.quitting());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_without_anything_running_quits_at_once() {
    let mut h = Harness::start().await;
    h.key(KeyCode::Char('q'));
    assert!(h.app.quitting());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_while_the_delegation_watcher_waits_on_a_domain_asks() {
    let mut h = Harness::start().await;
    h.key(KeyCode::Char(':'));
    h.chars("delegation");
    h.key(KeyCode::Enter);
    // The demo's newbrand.example is pending delegation.
    h.wait_for("newbrand.example").await;
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('q'));
    let screen = h.screen();
    assert!(
        screen.contains("waiting for 1 domain to become managed"),
        "{screen}"
    );
    h.key(KeyCode::Char('n'));
    assert!(!h.app.quitting());
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('y'));
    assert!(h.app.quitting());
}

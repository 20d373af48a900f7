//! Databases: create (token saved before it is shown), and the operator's
//! status, rotate, suspend/resume and delete.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_saves_the_token_before_showing_it_masked() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.select("databases").await;
    h.key(KeyCode::Tab);
    h.wait_for("shop-db").await;

    h.key(KeyCode::Char('n'));
    h.chars("orders-db");
    h.key(KeyCode::Enter);
    h.wait_for("Database token (shown once)").await;
    let text = h.screen();
    assert!(
        text.contains("Saved in memory for this sandbox session"),
        "{text}"
    );
    assert!(!text.contains("cwdb_"), "hidden until asked: {text}");
    h.key(KeyCode::Char('v'));
    assert!(h.screen().contains("cwdb_"), "v reveals it");
    h.key(KeyCode::Char('y'));
    let copied = h.app.last_copy.clone().expect("copied");
    assert!(copied.starts_with("cwdb_"), "y copies the token itself");
    h.key(KeyCode::Esc);
    h.wait_for("│orders-db").await;

    // The token was kept (in memory, sandbox mode) for the SQL console.
    let id = h
        .screen()
        .lines()
        .find(|l| l.contains("│orders-db"))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("db-")))
        .map(|w| w.trim_end_matches('│').to_string())
        .expect("the id column");
    let stored = h.app.session.credentials.database_token(&id).unwrap();
    assert_eq!(stored.map(|s| s.expose().to_string()), Some(copied));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_internals_rotate_suspend_and_delete_by_name() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    assert!(h.screen().contains("OPERATOR"), "{}", h.screen());
    h.database("storefront", "shop-db").await;
    h.wait_for("Operator view").await;
    assert!(h.screen().contains("runner"), "{}", h.screen());
    assert!(h.screen().contains("rows read"), "{}", h.screen());
    // The operator's keys are offered (and taken) once the database itself
    // is loaded, which may answer after its internals.
    h.wait_for("K rotate token").await;

    h.key(KeyCode::Char('K'));
    assert!(
        h.screen().contains("old token stops working"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('y'));
    h.wait_for("New database token (shown once)").await;
    // Shown only once the save (off the UI task) said where it went.
    assert!(
        h.screen()
            .contains("Saved in memory for this sandbox session"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Esc);

    h.key(KeyCode::Char('S'));
    h.key(KeyCode::Char('y'));
    h.toast("suspended").await;
    h.key(KeyCode::Char('U'));
    h.key(KeyCode::Char('y'));
    h.toast("resumed").await;

    h.key(KeyCode::Char('D'));
    h.chars("shop-d");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("Delete database"),
        "a wrong name does not confirm: {}",
        h.screen()
    );
    h.chars("b");
    h.key(KeyCode::Enter);
    h.toast("deleted shop-db").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_refuses_writes_and_hides_their_keys() {
    let mut h = Harness::start_with(|b| b, Mode::ReadOnly).await;
    assert!(h.screen().contains("READ-ONLY"), "{}", h.screen());
    h.open("storefront").await;
    h.select("databases").await;
    h.key(KeyCode::Tab);
    h.wait_for("shop-db").await;
    assert!(!h.screen().contains("n create"), "write keys hidden");
    h.key(KeyCode::Char('n'));
    h.toast("read-only mode").await;
    assert!(!h.screen().contains("Create a database"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_tenants_are_locked_with_the_reason() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.database("platform", "louhi-app").await;
    h.wait_for("protected tenant").await;
    let text = h.screen();
    assert!(text.contains("PLATFORM_API_PROTECTED_TENANTS"), "{text}");
    assert!(
        !text.contains("K rotate token"),
        "no destructive keys offered: {text}"
    );
    // Keys that do not apply are not taken: no dialog, the reason stays.
    h.key(KeyCode::Char('D'));
    h.drain();
    assert!(!h.screen().contains("Delete database"), "{}", h.screen());
    assert!(h.screen().contains("protected tenant"), "{}", h.screen());
}

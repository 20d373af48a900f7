//! The SQL console's help with writing SQL, on the demo's `shop-db`: the
//! schema catalog (`F2`) after DDL, and suggestions in context
//! (`ctrl-space`, and after `alias.`).

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

/// The demo's `shop-db` in the SQL console.
async fn console() -> Harness {
    let mut h = Harness::start().await;
    h.sql_console("shop-db").await;
    h
}

fn type_sql(h: &mut Harness, text: &str) {
    for c in text.chars() {
        h.key(KeyCode::Char(c));
    }
}

/// The editor's first line as drawn (after its line number).
fn first_line(h: &mut Harness) -> String {
    let screen = h.screen();
    let line = screen
        .lines()
        .find(|l| l.contains("│ 1 "))
        .unwrap_or_default();
    line.split("│ 1 ")
        .nth(1)
        .unwrap_or("")
        .trim_end_matches('│')
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_catalog_shows_columns_counts_and_follows_ddl() {
    let mut h = console().await;
    h.key(KeyCode::F(2));
    h.wait_for("tables (3)").await;
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    h.wait_for("id INTEGER PK").await;
    h.key(KeyCode::Char('c'));
    h.wait_for("customers  5 rows").await;

    // orders' foreign keys show where they point (the selected column is
    // described in full under the list).
    for _ in 0..6 {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Enter);
    h.wait_for("▾ orders").await;
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.wait_for("→ customers(id)").await;

    // A name goes into the editor with one key.
    h.key(KeyCode::Char('i'));
    assert_eq!(first_line(&mut h), "customer_id");

    // DDL run from the editor: the catalog reads the schema again.
    h.ctrl('l');
    type_sql(
        &mut h,
        "CREATE TABLE coupons (code TEXT PRIMARY KEY, off REAL)",
    );
    h.ctrl('r');
    h.wait_for("tables (4)").await;
    assert!(h.screen().contains("coupons"), "{}", h.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_follow_the_context_and_complete_the_word() {
    let mut h = console().await;
    // The catalog is read when the console connects.
    type_sql(&mut h, "SELECT * FROM cu");
    h.ctrl(' ');
    h.wait_for("customers").await;
    h.key(KeyCode::Tab);
    assert_eq!(first_line(&mut h), "SELECT * FROM customers");

    // After `alias.` its columns open by themselves; typing narrows them.
    type_sql(&mut h, " c WHERE c.");
    let screen = h.screen();
    assert!(
        screen.contains("country") && screen.contains("email"),
        "{screen}"
    );
    type_sql(&mut h, "em");
    h.key(KeyCode::Enter);
    assert_eq!(
        first_line(&mut h),
        "SELECT * FROM customers c WHERE c.email"
    );

    // Nothing to suggest: said, and the text is left alone.
    type_sql(&mut h, " = 'zz");
    h.ctrl(' ');
    h.toast("no suggestions here").await;
}

//! `:dump` and `:import` in the dashboard, on the SQL console's session:
//! the dump written whole, a D1 export refused without `d1` (nothing sent)
//! and loaded with it, and `:dump NAME` from outside the console.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

/// The demo's `shop-db` in the SQL console.
async fn console() -> Harness {
    let mut h = Harness::start().await;
    h.sql_console("shop-db").await;
    h
}

/// Replaces what the focused field holds with `text`.
fn fill(h: &mut Harness, text: &str) {
    h.ctrl('u');
    h.chars(text);
}

const D1_EXPORT: &str = "PRAGMA defer_foreign_keys = on;\nCREATE TABLE coupons (code TEXT PRIMARY KEY);\n\
                         INSERT INTO coupons VALUES('WELCOME');\nDELETE FROM sqlite_sequence;\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_and_a_d1_import_from_the_console() {
    let mut h = console().await;
    let dir = tempfile::tempdir().unwrap();

    // The editor takes ':' as text: the palette is reached from the results.
    h.key(KeyCode::Esc);
    h.command("dump");
    h.wait_for("Dump shop-db").await;
    let out = dir.path().join("shop.sql");
    fill(&mut h, out.to_str().unwrap());
    h.key(KeyCode::Enter);
    h.toast("dumped 3 tables, 19 rows").await;
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.ends_with("COMMIT;\n") && text.contains("CREATE TABLE orders"));

    let export = dir.path().join("d1.sql");
    std::fs::write(&export, D1_EXPORT).unwrap();
    h.command("import");
    h.wait_for("Import into shop-db").await;
    h.chars(export.to_str().unwrap());
    h.key(KeyCode::Enter);
    h.settle(|a| !a.notices.is_empty()).await;
    let refused = h.app.notices.last().unwrap().lines.join(" ");
    assert!(
        refused.contains("line 1: PRAGMA defer_foreign_keys"),
        "{refused}"
    );
    assert!(refused.contains("Nothing was sent"), "{refused}");
    h.key(KeyCode::Enter);

    h.key(KeyCode::F(10));
    h.wait_for("Import into shop-db").await;
    h.chars(export.to_str().unwrap());
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right);
    h.key(KeyCode::Enter);
    h.toast("imported 2 statements into shop-db").await;
    h.key(KeyCode::F(2));
    h.wait_for("tables (4)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_by_name_opens_the_console_with_its_dialog() {
    let mut h = Harness::start().await;
    h.command("dump shop-db");
    h.wait_for("Run SQL as the sandbox operator?").await;
    h.key(KeyCode::Char('y'));
    h.wait_for("Dump shop-db").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_checks_the_form_before_the_file() {
    let mut h = console().await;
    h.key(KeyCode::F(10));
    h.wait_for("Import into shop-db").await;
    h.chars("/no/such/file.sql");
    h.key(KeyCode::Enter);
    h.wait_for("/no/such/file.sql is not a file").await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    fill(&mut h, "0");
    h.key(KeyCode::Enter);
    h.wait_for("the batch size is a whole number from 1").await;
}

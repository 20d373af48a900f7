//! The SQL console on the demo sandbox's `shop-db`: opened from the
//! palette, statements run from the editor, large results streamed and
//! paged, transactions across runs, errors, history, export, read-only.

mod support;

use std::path::PathBuf;
use std::sync::OnceLock;

use comwit_tui::action::Action;
use comwit_tui::context::EditorResult;
use comwit_tui::tree::NodeKey;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::{Harness, Mode};

/// History goes to a temporary state directory, set before any test
/// starts a sandbox or a thread that could read the environment.
fn state_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        // SAFETY: the first call happens at the top of a test, before
        // it starts anything; the other tests wait on the OnceLock, so
        // nothing reads the environment while it changes.
        unsafe { std::env::set_var("COMWIT_STATE_DIR", &dir) };
        dir
    })
}

async fn console_with(read_only: bool) -> Harness {
    let mode = if read_only {
        Mode::ReadOnly
    } else {
        Mode::User
    };
    console_on(|b| b, mode).await
}

/// The console as the demo user on a sandbox `configure`d so, running SQL
/// on the sandbox operator's query tokens (the user has no database token
/// and says yes when asked).
async fn console_on(
    configure: impl FnOnce(comwit_sandbox::SandboxBuilder) -> comwit_sandbox::SandboxBuilder,
    mode: Mode,
) -> Harness {
    state_dir();
    let mut h = Harness::start_with(configure, mode).await;
    h.open("storefront").await;
    open_sql(&mut h).await;
    h.wait_for("Run SQL as the sandbox operator?").await;
    h.key(KeyCode::Char('y'));
    h.wait_for("· autocommit").await;
    h
}

async fn console() -> Harness {
    console_with(false).await
}

/// `:sql shop-db` from the palette (the name resolves through the API).
async fn open_sql(h: &mut Harness) {
    h.key(KeyCode::Char(':'));
    h.chars("sql shop-db");
    h.key(KeyCode::Enter);
    h.settle(|a| a.fullscreen.is_some()).await;
}

fn sql_key(h: &Harness) -> NodeKey {
    h.app.fullscreen.clone().expect("the console is open")
}

/// Types into the editor (a newline is the Enter key).
fn type_sql(h: &mut Harness, text: &str) {
    for c in text.chars() {
        if c == '\n' {
            h.key(KeyCode::Enter);
        } else {
            h.key(KeyCode::Char(c));
        }
    }
}

/// Replaces the editor's text the way `$EDITOR` hands it back.
fn set_buffer(h: &mut Harness, text: &str) {
    let key = sql_key(h);
    h.app.update(Action::View(
        key,
        Box::new(EditorResult(Ok(text.to_string()))),
    ));
}

/// Types a statement on a fresh buffer, runs it (ctrl-r), waits for `shown`.
async fn run(h: &mut Harness, sql: &str, shown: &str) {
    set_buffer(h, "");
    type_sql(h, sql);
    h.ctrl('r');
    h.wait_for(shown).await;
}

/// The value `y` would copy: the selected cell.
fn selected_cell(h: &Harness) -> Option<String> {
    h.app
        .view(&sql_key(h))
        .and_then(|v| v.copy())
        .map(|(_, v)| v)
}

/// Waits for a result with a `column` (the editor shows the same words
/// before the result arrives, so the screen cannot tell); returns the
/// selected cell.
async fn wait_for_column(h: &mut Harness, column: &str) -> String {
    let (key, label) = (sql_key(h), format!("the {column} value"));
    h.settle(|a| {
        a.view(&key)
            .and_then(|v| v.copy())
            .is_some_and(|(l, _)| l == label)
    })
    .await;
    selected_cell(h).expect("a selected cell")
}

/// Runs a query on a fresh buffer; the selected cell of its result.
async fn query(h: &mut Harness, sql: &str, column: &str) -> String {
    set_buffer(h, "");
    type_sql(h, sql);
    h.ctrl('r');
    wait_for_column(h, column).await
}

fn key_with(code: KeyCode, modifiers: KeyModifiers) -> Action {
    Action::Key(KeyEvent::new(code, modifiers))
}

#[tokio::test]
async fn the_palette_opens_the_console_and_select_1_runs() {
    let mut h = console().await;
    let text = h.screen();
    assert!(text.contains("SQL · shop-db"), "{text}");
    assert!(text.contains("sandbox operator's query token"), "{text}");
    assert!(
        h.app.view(&sql_key(&h)).unwrap().captures_keys(),
        "the editor has the keys: q types, it does not quit"
    );
    type_sql(&mut h, "select 1 as quit_not");
    assert!(!h.app.quitting());
    h.key(KeyCode::F(5));
    assert_eq!(wait_for_column(&mut h, "quit_not").await, "1");
    assert!(h.screen().contains("1 row ·"));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.last_copy, None, "in the editor, y types");
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Esc);
    assert!(
        h.app.fullscreen.is_some(),
        "esc in the editor goes to the results"
    );
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.last_copy.as_deref(), Some("1"), "y copies the cell");
    h.key(KeyCode::Char('i'));
    assert!(h.app.view(&sql_key(&h)).unwrap().captures_keys());
    h.key(KeyCode::Esc);
    h.key(KeyCode::Left);
    assert!(
        h.app.fullscreen.is_some(),
        "← moves in the grid, it does not leave"
    );
    h.key(KeyCode::Esc);
    assert!(
        h.app.fullscreen.is_none(),
        "esc from the results leaves the console"
    );
}

#[tokio::test]
async fn a_small_result_looks_like_this() {
    let mut h = console().await;
    run(
        &mut h,
        "select 1 as id, 'plain' as name, null as empty, x'00ff' as bytes, 2.5 as half\n\
         union all select 22, 'a, \"b\"', 3, zeroblob(300), null",
        "2 rows ·",
    )
    .await;
    let screen = h.screen();
    let footer = screen
        .lines()
        .find(|l| l.contains("2 rows ·"))
        .expect("a footer")
        .to_string();
    assert!(
        footer.contains("time ") && footer.contains("streamed"),
        "{footer}"
    );
    // Timings change from run to run (and with them the border's length):
    // the footer goes into the snapshot with its time redacted.
    let parts: Vec<String> = footer
        .trim_start_matches('└')
        .trim_end_matches('┘')
        .trim_end_matches('─')
        .split(" · ")
        .map(|p| match p.find("time ") {
            Some(at) => format!("{}time [redacted]", &p[..at]),
            None => p.to_string(),
        })
        .collect();
    let stable = screen.replace(&footer, &format!("└{}┘", parts.join(" · ")));
    insta::assert_snapshot!(stable);

    // Small terminals cut the console down without a panic.
    h.key(KeyCode::Esc);
    h.ctrl('o');
    for (w, ht) in [(80, 24), (40, 10), (1, 1)] {
        h.width = w;
        h.height = ht;
        let _ = h.screen();
    }
}

#[tokio::test]
async fn ten_thousand_rows_stream_and_page_to_the_last() {
    let mut h = console().await;
    type_sql(
        &mut h,
        "create table big (n integer primary key, label text);\n",
    );
    h.ctrl('r');
    h.wait_for("0 rows affected").await;
    type_sql(
        &mut h,
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000)\n\
         insert into big select x, 'row ' || x from c;\n",
    );
    h.ctrl('r');
    h.wait_for("10,000 rows affected").await;
    let screen = h.screen();
    assert!(
        screen.contains("read ") && screen.contains("written 10,000"),
        "{screen}"
    );

    type_sql(&mut h, "select n, label from big order by n;");
    h.ctrl('r');
    h.wait_for("10,000 rows ·").await;
    assert!(h.screen().contains("row 1"));
    assert!(
        !h.screen().contains("row 10000"),
        "only the first screenful is drawn"
    );

    h.key(KeyCode::Esc);
    h.key(KeyCode::PageDown);
    let after_page = selected_cell(&h).unwrap();
    assert!(after_page.parse::<u64>().unwrap() > 10, "{after_page}");
    h.key(KeyCode::Char('G'));
    let screen = h.screen();
    assert!(screen.contains("row 10000"), "{screen}");
    assert!(
        screen.contains("10000 ▶"),
        "the last row is selected: {screen}"
    );
    assert!(!screen.contains("row 1 "), "{screen}");
    assert_eq!(selected_cell(&h).as_deref(), Some("10000"));
    h.key(KeyCode::Right);
    assert_eq!(selected_cell(&h).as_deref(), Some("row 10000"));
    h.key(KeyCode::Char('g'));
    assert_eq!(selected_cell(&h).as_deref(), Some("row 1"));
}

#[tokio::test]
async fn a_transaction_spans_runs_and_rolls_back() {
    let mut h = console().await;
    run(&mut h, "create table tx (n integer)", "0 rows affected").await;
    run(&mut h, "begin", "in transaction").await;
    run(&mut h, "insert into tx values (42)", "1 row affected").await;
    assert!(h.screen().contains("in transaction"));
    let inside = query(&mut h, "select count(*) as inside from tx", "inside").await;
    assert_eq!(inside, "1", "the insert is visible inside the transaction");
    assert!(
        h.screen().contains("in transaction"),
        "a query keeps it open"
    );
    run(&mut h, "rollback", "· autocommit").await;
    let after = query(
        &mut h,
        "select count(*) as after_rollback from tx",
        "after_rollback",
    )
    .await;
    assert_eq!(after, "0", "the row is gone");
}

#[tokio::test]
async fn a_bad_statement_shows_its_code_and_keeps_the_rest() {
    let mut h = console().await;
    run(&mut h, "select 7 as seven", "1 row ·").await;
    run(&mut h, "selec 1", "SQLITE_ERROR").await;
    let screen = h.screen();
    assert!(screen.contains("syntax error"), "{screen}");
    assert!(screen.contains("in: selec 1"), "{screen}");
    assert!(
        screen.contains("seven"),
        "the previous result stays: {screen}"
    );
    assert!(screen.contains("previous result is kept"), "{screen}");
    assert!(screen.contains("selec 1"), "the editor keeps the text");
    // The session survives a statement error.
    assert_eq!(query(&mut h, "select 8 as eight", "eight").await, "8");
    assert!(!h.screen().contains("SQLITE_ERROR"));
}

#[tokio::test]
async fn the_whole_buffer_runs_with_ctrl_x_and_stops_at_an_error() {
    let mut h = console().await;
    set_buffer(
        &mut h,
        "create table s (a);\ninsert into s values (1);\ninsert into nope values (2);\nselect 1;",
    );
    h.ctrl('x');
    h.wait_for("no such table: nope").await;
    let screen = h.screen();
    assert!(
        screen.contains("3 statements"),
        "two ran, the third failed: {screen}"
    );
    assert!(screen.contains("1 row affected"), "{screen}");
    let n = query(&mut h, "select count(*) as n_in_s from s", "n_in_s").await;
    assert_eq!(n, "1", "what ran before the error stays done");
}

/// A file written in the background once `done` holds of its text; the
/// dashboard's messages are applied meanwhile (a buffers save waits on
/// one).
async fn file_when(
    h: &mut Harness,
    file: &std::path::Path,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    for _ in 0..200 {
        h.drain();
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if done(&text) {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{} never held {what}", file.display());
}

/// The history file once it holds `lines` lines.
async fn written(h: &mut Harness, file: &std::path::Path, lines: usize) -> String {
    file_when(h, file, &format!("{lines} lines"), |t| {
        t.lines().count() >= lines
    })
    .await
}

#[tokio::test]
async fn history_is_saved_per_database_and_searchable() {
    let mut h = console().await;
    query(&mut h, "select 'alpha' as first_one", "first_one").await;
    query(&mut h, "select 'beta' as second_one", "second_one").await;
    let NodeKey::Sql { database, .. } = sql_key(&h) else {
        panic!("an SQL key")
    };
    let file = state_dir().join(format!("sql-history/{database}.jsonl"));
    // Written off the UI task, in the order the runs were made.
    let saved = written(&mut h, &file, 2).await;
    let lines: Vec<serde_json::Value> = saved
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{saved}");
    assert_eq!(lines[1]["sql"], "select 'beta' as second_one");
    assert!(
        !saved.contains("cwt_") && !saved.contains("token"),
        "{saved}"
    );

    // An empty buffer, so only the popup lists statements.
    set_buffer(&mut h, "");
    h.ctrl('o');
    let screen = h.screen();
    let alpha = screen.find("select 'alpha'").expect("listed");
    let beta = screen.find("select 'beta'").expect("listed");
    assert!(beta < alpha, "newest first: {screen}");
    h.chars("alp");
    let screen = h.screen();
    assert!(screen.contains("1 of 2"), "{screen}");
    assert!(!screen.contains("select 'beta'"), "{screen}");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("select 'alpha' as first_one"),
        "in the editor"
    );
    h.ctrl('r');
    assert_eq!(wait_for_column(&mut h, "first_one").await, "alpha");

    // `/` in the results searches the history too; esc closes it.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('/'));
    assert!(h.screen().contains("history · shop-db"));
    h.key(KeyCode::Esc);
    assert!(!h.screen().contains("history · shop-db"));
}

#[tokio::test]
async fn results_export_to_csv_and_json() {
    let mut h = console().await;
    run(
        &mut h,
        "select 1 as id, 'a,b \"c\"' as tricky, null as empty, x'0001' as raw",
        "1 row ·",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    for (name, expected) in [
        (
            "out.csv",
            "id,tricky,empty,raw\r\n1,\"a,b \"\"c\"\"\",,AAE=\r\n",
        ),
        (
            "out.json",
            "[\n  {\"id\": 1, \"tricky\": \"a,b \\\"c\\\"\", \"empty\": null, \"raw\": \"AAE=\"}\n]\n",
        ),
    ] {
        let path = dir.path().join(name);
        h.ctrl('s');
        assert!(h.screen().contains("Export result"));
        h.ctrl('u');
        h.chars(&path.display().to_string());
        h.key(KeyCode::Enter);
        // Written to a temporary file and renamed: once there, it is whole.
        h.settle(|_| path.exists()).await;
        h.drain();
        assert!(h.screen().contains("exported 1 row"));
        assert!(h.screen().contains("blobs as base64"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    }
    h.ctrl('s');
    h.ctrl('u');
    h.chars(&dir.path().join("out.txt").display().to_string());
    h.key(KeyCode::Enter);
    h.wait_for(".csv or .json extension").await;
}

#[tokio::test]
async fn read_only_mode_runs_reads_and_refuses_writes_before_sending() {
    let mut h = console_with(true).await;
    run(&mut h, "create table ro (a)", "read-only mode").await;
    assert!(h.screen().contains("CREATE not sent"));
    assert!(!h.screen().contains("affected"), "nothing was sent");
    run(
        &mut h,
        "select name from sqlite_master where name = 'ro'",
        "0 rows",
    )
    .await;
    // The database decides, not a keyword list: a write spelled as a
    // function call is refused, a read that calls replace() runs, and an
    // EXPLAIN of a write shows its plan without running it.
    run(&mut h, "pragma user_version(5)", "PRAGMA not sent").await;
    run(
        &mut h,
        "with x as (select replace('ab', 'a', 'c') as r) select r from x",
        "1 row",
    )
    .await;
    assert!(h.screen().contains("cb"), "{}", h.screen());
    run(&mut h, "explain create table ro (a)", "opcode").await;
    assert!(!h.screen().contains("not sent"), "{}", h.screen());
    run(&mut h, "pragma user_version = 3", "PRAGMA not sent").await;
    assert_eq!(
        query(&mut h, "pragma user_version", "user_version").await,
        "0"
    );
}

#[tokio::test]
async fn a_missing_database_token_says_how_to_fix_it_then_reconnects() {
    state_dir();
    let mut h = Harness::start().await;
    // As a user without an operator token: the database token is needed.
    let operator = h.app.session.sql_operator.take().expect("sandbox operator");
    h.open("storefront").await;
    open_sql(&mut h).await;
    h.wait_for("could not open a SQL session").await;
    let screen = h.screen();
    assert!(screen.contains("no database token is stored"), "{screen}");
    assert!(
        screen.contains("fix: rotate the database token"),
        "{screen}"
    );

    let NodeKey::Sql { database, .. } = sql_key(&h) else {
        panic!("an SQL key")
    };
    let rotated = operator
        .database_admin(&database)
        .rotate_token()
        .await
        .expect("rotate");
    h.app
        .session
        .credentials
        .store_database_token(&database, &rotated.database_token)
        .expect("store");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('r'));
    h.wait_for("stored database token · autocommit").await;
    let screen = h.screen();
    assert!(
        !screen.contains(rotated.database_token.expose()),
        "the token is never shown"
    );
    h.key(KeyCode::Char('i'));
    assert_eq!(query(&mut h, "select 5 as five", "five").await, "5");
}

#[tokio::test]
async fn ctrl_e_hands_the_buffer_to_the_editor_and_takes_it_back() {
    let mut h = console().await;
    type_sql(&mut h, "select 1");
    h.app
        .update(key_with(KeyCode::Char('e'), KeyModifiers::CONTROL));
    let (view, text) = h.app.terminal.edit.take().expect("an $EDITOR request");
    assert_eq!(view, sql_key(&h));
    assert_eq!(text, "select 1");
    h.app.update(Action::View(
        view.clone(),
        Box::new(EditorResult(Ok("select 2 as from_editor\n".into()))),
    ));
    h.ctrl('r');
    assert_eq!(wait_for_column(&mut h, "from_editor").await, "2");
    h.app.update(Action::View(
        view,
        Box::new(EditorResult(Err(
            "vi exited with 1; the buffer is unchanged".into(),
        ))),
    ));
    assert!(h.screen().contains("the buffer is unchanged"));
    assert!(h.screen().contains("select 2 as from_editor"));
}

#[tokio::test]
async fn pasted_text_goes_into_the_editor() {
    let mut h = console().await;
    h.paste("select 3 as pasted;\r\nselect 4 as second;");
    h.key(KeyCode::F(6));
    assert_eq!(
        wait_for_column(&mut h, "second").await,
        "4",
        "the last result is shown"
    );
    assert!(h.screen().contains("2 statements in"));
}

/// A console whose sandbox closes SQL streams after 2 s idle (steps of a
/// test are well inside that, even on a busy machine).
async fn expiring_console() -> Harness {
    let mut h = console_on(|b| b.stream_idle_secs(2), Mode::User).await;
    // Room for the longer messages on one line each.
    h.width = 180;
    h
}

/// Sits idle past the sandbox's 2 s stream expiry (checked again at each
/// request).
async fn idle_until_the_stream_expires() {
    tokio::time::sleep(std::time::Duration::from_millis(2_400)).await;
}

#[tokio::test]
async fn an_idle_console_runs_the_next_statement_on_a_new_stream() {
    let mut h = expiring_console().await;
    idle_until_the_stream_expires().await;
    // A write (pipeline) and a query (cursor), each after an expiry.
    run(&mut h, "create table after_idle (n)", "0 rows affected").await;
    let screen = h.screen();
    assert!(
        screen.contains("new SQL stream (the idle one had expired)"),
        "a quiet note says why: {screen}"
    );
    idle_until_the_stream_expires().await;
    let n = query(
        &mut h,
        "select count(*) as idle_rows from after_idle",
        "idle_rows",
    )
    .await;
    assert_eq!(n, "0");
    let screen = h.screen();
    for scary in ["✗", "rolled back", "lost", "expired (idle"] {
        assert!(!screen.contains(scary), "{scary:?} shown: {screen}");
    }
    assert!(screen.contains("· autocommit"), "{screen}");
}

#[tokio::test]
async fn an_expired_stream_with_an_open_transaction_says_its_changes_are_lost() {
    let mut h = expiring_console().await;
    run(&mut h, "create table kept (n)", "0 rows affected").await;
    run(&mut h, "begin", "in transaction").await;
    run(&mut h, "insert into kept values (1)", "1 row affected").await;
    idle_until_the_stream_expires().await;
    run(
        &mut h,
        "insert into kept values (2)",
        "uncommitted changes are lost",
    )
    .await;
    let screen = h.screen();
    assert!(
        screen.contains("the server closed the SQL stream, which had been idle"),
        "{screen}"
    );
    assert!(screen.contains("statement was not run again"), "{screen}");
    assert!(
        screen.contains("· autocommit"),
        "the header no longer claims a transaction: {screen}"
    );
    // Neither the lost insert nor the refused one is in the table.
    let n = query(
        &mut h,
        "select count(*) as kept_rows from kept",
        "kept_rows",
    )
    .await;
    assert_eq!(n, "0");
}

/// Starts a transaction and moves to the results (where q is not typed).
async fn open_transaction(h: &mut Harness) {
    run(h, "begin", "in transaction").await;
    h.key(KeyCode::Esc);
}

#[tokio::test]
async fn q_with_an_open_transaction_asks_and_stays_unless_confirmed() {
    let mut h = console().await;
    open_transaction(&mut h).await;
    h.key(KeyCode::Char('q'));
    let screen = h.screen();
    assert!(screen.contains("Quit anyway?"), "{screen}");
    assert!(screen.contains("A transaction is open"), "{screen}");
    assert!(
        screen.contains("y yes") && screen.contains("enter no"),
        "{screen}"
    );
    // Enter is no.
    h.key(KeyCode::Enter);
    assert!(!h.app.quitting(), "enter keeps the dashboard open");
    assert!(!h.screen().contains("Quit anyway?"));
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('n'));
    assert!(!h.app.quitting());
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('y'));
    assert!(h.app.quitting(), "y quits");
}

#[tokio::test]
async fn quitting_from_the_palette_asks_too() {
    let mut h = console().await;
    open_transaction(&mut h).await;
    h.key(KeyCode::Char(':'));
    h.chars("quit");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("Quit anyway?"));
    h.key(KeyCode::Esc);
    assert!(!h.app.quitting());
}

#[tokio::test]
async fn esc_out_of_the_console_with_an_open_transaction_asks_first() {
    let mut h = console().await;
    open_transaction(&mut h).await;
    h.key(KeyCode::Esc);
    let screen = h.screen();
    assert!(screen.contains("Leave anyway?"), "{screen}");
    h.key(KeyCode::Char('n'));
    assert!(h.app.fullscreen.is_some(), "no keeps the console open");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('y'));
    assert!(h.app.fullscreen.is_none(), "yes leaves it");
    // Back in the tree, q still knows about the transaction.
    h.key(KeyCode::Char('q'));
    assert!(h.screen().contains("Quit anyway?"));

    // Once committed, nothing is lost: esc and q act at once.
    h.key(KeyCode::Esc);
    open_sql(&mut h).await;
    run(&mut h, "commit", "· autocommit").await;
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    assert!(h.app.fullscreen.is_none());
    h.key(KeyCode::Char('q'));
    assert!(h.app.quitting());
}

#[tokio::test]
async fn a_user_without_a_database_token_is_asked_before_sql_runs_as_the_operator() {
    state_dir();
    let mut h = Harness::start().await;
    h.open("storefront").await;
    open_sql(&mut h).await;
    h.wait_for("Run SQL as the sandbox operator?").await;
    let screen = h.screen();
    assert!(screen.contains("signed in as a user"), "{screen}");
    assert!(screen.contains("operator rights"), "{screen}");
    // Enter answers no: no SQL runs, and the fix is named.
    h.key(KeyCode::Enter);
    h.wait_for("not to run SQL as the sandbox operator").await;
    let screen = h.screen();
    assert!(
        screen.contains("fix: rotate the database token"),
        "{screen}"
    );
    assert!(screen.contains("not connected"), "{screen}");
    type_sql(&mut h, "select 1");
    h.ctrl('r');
    assert!(!h.screen().contains("autocommit"));

    // r asks again; yes connects, and the header names the credential.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('r'));
    h.wait_for("Run SQL as the sandbox operator?").await;
    h.key(KeyCode::Char('y'));
    h.wait_for("sandbox operator's query token · autocommit")
        .await;
    let operator = h.sandbox.info().operator_token.clone();
    assert!(!h.screen().contains(operator.as_str()), "never the token");
}

#[tokio::test]
async fn an_operator_session_says_it_uses_operator_query_tokens() {
    state_dir();
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.open("storefront").await;
    open_sql(&mut h).await;
    h.wait_for("● operator query token · autocommit").await;
    assert!(
        !h.screen().contains("Run SQL as"),
        "an operator is not asked"
    );
}

/// The editor's rows on screen: the lines between the console's top border
/// and the results' (gutter and text, without the side borders).
fn editor_rows(h: &mut Harness) -> Vec<String> {
    h.screen()
        .lines()
        .skip_while(|l| !l.contains("SQL · shop-db"))
        .skip(1)
        .take_while(|l| !l.contains(" results "))
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').to_string())
        .collect()
}

#[tokio::test]
async fn a_long_line_scrolls_the_text_but_not_the_line_numbers() {
    let mut h = console().await;
    let long = format!("select '{}' as far_right", "x".repeat(200));
    set_buffer(&mut h, &format!("select 1;\n{long}"));
    let rows = editor_rows(&mut h);
    assert!(
        rows[1].starts_with(" 2 ") && rows[1].contains("as far_right"),
        "the end of the long line is shown after its number: {rows:?}"
    );
    assert!(
        rows[0].starts_with(" 1 "),
        "line 1 keeps its number: {rows:?}"
    );
    assert!(!rows[1].contains("select '"), "scrolled: {rows:?}");
    // Back at the start of the line, the text scrolls back too.
    h.key(KeyCode::Home);
    let rows = editor_rows(&mut h);
    assert!(rows[0].starts_with(" 1 select 1;"), "{rows:?}");
    assert!(rows[1].starts_with(" 2 select 'xxx"), "{rows:?}");
}

#[tokio::test]
async fn choosing_a_history_entry_is_undone_with_ctrl_u() {
    let mut h = console().await;
    query(&mut h, "select 'old' as from_history", "from_history").await;
    set_buffer(&mut h, "");
    type_sql(&mut h, "select 'my draft',\n  2");
    h.ctrl('o');
    h.key(KeyCode::Enter);
    let rows = editor_rows(&mut h);
    assert!(rows[0].contains("select 'old' as from_history"), "{rows:?}");
    h.ctrl('u');
    let rows = editor_rows(&mut h);
    assert!(rows[0].contains("select 'my draft',"), "{rows:?}");
    assert!(rows[1].contains("2"), "both lines are back: {rows:?}");
    assert!(
        !h.screen().contains("as from_history"),
        "one undo: {rows:?}"
    );
    // Typing keeps the text area's own undo: one undo, one character.
    h.key(KeyCode::Char('3'));
    h.ctrl('u');
    let rows = editor_rows(&mut h);
    assert!(
        rows[1].ends_with("2") || rows[1].trim_end().ends_with('2'),
        "{rows:?}"
    );
    assert!(rows[0].contains("select 'my draft',"), "{rows:?}");
}

#[tokio::test]
async fn ctrl_l_clears_the_buffer_and_ctrl_u_brings_it_back() {
    let mut h = console().await;
    type_sql(&mut h, "select 'keep me'");
    let bar = h.screen().lines().last().unwrap().to_string();
    assert!(bar.contains("ctrl-l clear"), "{bar}");
    h.width = 140;
    let bar = h.screen().lines().last().unwrap().to_string();
    assert!(bar.contains("ctrl-u undo"), "on a wider screen: {bar}");
    h.ctrl('l');
    assert!(
        h.screen().contains("type SQL here"),
        "the placeholder is back"
    );
    assert!(!h.screen().contains("keep me"));
    h.ctrl('u');
    assert!(h.screen().contains("select 'keep me'"));
    // From the results too: the editor gets the keys again.
    h.key(KeyCode::Esc);
    h.ctrl('l');
    assert!(h.screen().contains("type SQL here"));
    assert!(h.app.view(&sql_key(&h)).unwrap().captures_keys());
}

#[tokio::test]
async fn column_widths_hold_while_paging_through_narrower_rows() {
    let mut h = console().await;
    // The first rows have the widest text; later pages narrower and narrower.
    run(
        &mut h,
        "create table shrinking as with recursive c(x) as (select 1 union all select x + 1 \
         from c where x < 3000) select x as n, substr('wwwwwwwwwwwwwwwwwwwwwwwwwwwwww', 1, \
         30 - x / 100) as word, 'end' as tail from c",
        "0 rows affected",
    )
    .await;
    run(
        &mut h,
        "select n, word, tail from shrinking order by n",
        "3,000 rows",
    )
    .await;
    let header = |h: &mut Harness| -> Vec<String> {
        let screen = h.screen();
        let lines: Vec<&str> = screen.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("word") && l.contains("tail") && !l.contains("select"))
            .expect("the header");
        vec![lines[at].to_string(), lines[at + 1].to_string()]
    };
    h.key(KeyCode::Esc);
    let first = header(&mut h);
    // Each page drawn, as a user sees it, down to the last row.
    for _ in 0..400 {
        if selected_cell(&h).as_deref() == Some("3000") {
            break;
        }
        h.key(KeyCode::PageDown);
        assert_eq!(
            header(&mut h),
            first,
            "the header and its rule did not move"
        );
    }
    assert_eq!(
        selected_cell(&h).as_deref(),
        Some("3000"),
        "at the last row"
    );
    let screen = h.screen();
    assert!(screen.contains("│ end"), "{screen}");
}

#[tokio::test]
async fn the_demo_database_has_sample_tables_to_try() {
    let mut h = console().await;
    let n = query(
        &mut h,
        "select count(*) as paid_orders from orders o join customers c on c.id = o.customer_id \
         join products p on p.id = o.product_id where o.status = 'paid'",
        "paid_orders",
    )
    .await;
    assert_eq!(n, "3");
    run(
        &mut h,
        "select name, price_cents from products order by id",
        "6 rows",
    )
    .await;
    assert!(h.screen().contains("Enamel mug"), "{}", h.screen());
}

/// The screen's lines that contain `text`.
fn lines_with(h: &mut Harness, text: &str) -> Vec<String> {
    let screen = h.screen();
    screen
        .lines()
        .filter(|l| l.contains(text))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_cell_viewer_shows_long_text_json_and_blobs_in_full() {
    let mut h = console().await;
    query(
        &mut h,
        "select 'start ' || replace(hex(zeroblob(1500)), '00', 'ab ') || 'the end' as long_text, \
         '{\"b\": 1, \"a\": [true, null, {\"deep\": \"x, y\"}]}' as doc, \
         x'00414243ff0000000000000000000000000000000000000000' as raw, null as missing",
        "long_text",
    )
    .await;
    h.key(KeyCode::Char('v'));
    assert!(
        !h.screen().contains("cell · long_text"),
        "in the editor, v types"
    );
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('v'));
    let screen = h.screen();
    assert!(screen.contains("cell · long_text"), "{screen}");
    assert!(screen.contains("text, 4,513 characters"), "{screen}");
    assert!(screen.contains("start ab ab ab"), "{screen}");
    assert!(!screen.contains("the end"), "past the first page: {screen}");
    // Wrapped, not cut: the text goes on line after line.
    assert!(lines_with(&mut h, "ab ab ab ab").len() > 10, "{screen}");
    h.key(KeyCode::Char('G'));
    assert!(h.screen().contains("ab the end"), "{}", h.screen());

    // JSON text, pretty-printed in its own key order.
    h.key(KeyCode::Right);
    let screen = h.screen();
    assert!(screen.contains("JSON, pretty-printed"), "{screen}");
    // Inside the viewer's box (two cells in from the screen's edge).
    let inside: Vec<String> = screen
        .lines()
        .map(|l| {
            l.chars()
                .skip(3)
                .take(94)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    let at = inside.iter().position(|l| l == "{").expect("the JSON");
    assert_eq!(
        inside[at..at + 10],
        [
            "{",
            "  \"b\": 1,",
            "  \"a\": [",
            "    true,",
            "    null,",
            "    {",
            "      \"deep\": \"x, y\"",
            "    }",
            "  ]",
            "}"
        ],
        "{screen}"
    );

    // A blob as offset, hex and ASCII.
    h.key(KeyCode::Right);
    let screen = h.screen();
    assert!(screen.contains("blob, 25 bytes · hex"), "{screen}");
    assert!(
        screen.contains(
            "00000000  00 41 42 43 ff 00 00 00  00 00 00 00 00 00 00 00  |.ABC............|"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("00000010  00 00 00 00 00 00 00 00"),
        "{screen}"
    );
    h.key(KeyCode::Char('y'));
    assert_eq!(
        h.app.last_copy.as_deref(),
        Some("00414243ff0000000000000000000000000000000000000000"),
        "y in the viewer copies the value shown"
    );

    // NULL is said as NULL; tab shows the whole row.
    h.key(KeyCode::Char('l'));
    assert!(
        h.screen().contains("column missing (4 of 4) · NULL"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Tab);
    let screen = h.screen();
    assert!(screen.contains("row 1 "), "{screen}");
    assert!(screen.contains("  long_text  start ab ab"), "{screen}");
    assert!(
        screen.contains("… 52 more lines (tab shows the cell in full)"),
        "{screen}"
    );
    assert!(
        screen.contains("  raw        <blob 25 bytes> 00414243…"),
        "{screen}"
    );
    assert!(screen.contains("▶ missing    NULL"), "{screen}");
    h.key(KeyCode::Left);
    assert!(
        h.screen().contains("▶ raw"),
        "← moves the marker: {}",
        h.screen()
    );
    h.key(KeyCode::Esc);
    assert!(!h.screen().contains("row 1 of 1"), "esc closes the viewer");
    h.key(KeyCode::Char('V'));
    assert!(
        h.screen().contains("▶ long_text  start ab"),
        "V opens the row: {}",
        h.screen()
    );
}

#[tokio::test]
async fn a_cell_a_row_and_a_column_copy() {
    let mut h = console().await;
    query(
        &mut h,
        "select 1 as id, 'tab\there' as name, x'0aff' as raw union all select 2, null, 3.0",
        "id",
    )
    .await;
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('Y'));
    assert_eq!(
        h.app.last_copy.as_deref(),
        Some(r#"{"id": 1, "name": "tab\there", "raw": "Cv8="}"#),
        "a row as a JSON object"
    );
    assert!(
        h.screen().contains("copied row 1 as JSON"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('C'));
    assert_eq!(h.app.last_copy.as_deref(), Some("1\n2"), "the id column");
    assert!(
        h.screen().contains("copied the id column (2 values)"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('$'));
    h.key(KeyCode::Char('C'));
    assert_eq!(
        h.app.last_copy.as_deref(),
        Some("0aff\n3.0"),
        "blobs as hex"
    );
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.last_copy.as_deref(), Some("3.0"), "y: the cell");
    h.key(KeyCode::Char('Y'));
    assert_eq!(
        h.app.last_copy.as_deref(),
        Some(r#"{"id": 2, "name": null, "raw": 3.0}"#)
    );
    h.key(KeyCode::Char('?'));
    let help = h.screen();
    for key in ["Y ", "C ", "v ", "V "] {
        assert!(help.contains(&format!("  {key}")), "{key} in ?: {help}");
    }
}

#[tokio::test]
async fn explain_query_plan_is_drawn_as_a_tree() {
    let mut h = console().await;
    run(
        &mut h,
        "explain query plan select c.name, p.name from orders o \
         join customers c on c.id = o.customer_id join products p on p.id = o.product_id \
         where o.customer_id in (select id from customers where name like 'A%') \
         order by p.name",
        "QUERY PLAN",
    )
    .await;
    let screen = h.screen();
    assert!(!screen.contains("notused"), "not the plain grid: {screen}");
    // Each detail under its parent (the subquery's scan one level down),
    // in the order SQLite gives them.
    let tree: Vec<&str> = screen
        .lines()
        .map(|l| {
            let l = l.strip_prefix('│').unwrap_or(l);
            l.strip_suffix('│').unwrap_or(l).trim_end()
        })
        .skip_while(|l| *l != "QUERY PLAN")
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(tree[1], "├─ SCAN o", "{screen}");
    assert_eq!(tree[2], "├─ LIST SUBQUERY 1", "{screen}");
    assert_eq!(tree[3], "│  ├─ SCAN customers", "{screen}");
    assert!(tree[4].starts_with("│  └─ "), "{screen}");
    assert_eq!(
        tree[5], "├─ SEARCH c USING INTEGER PRIMARY KEY (rowid=?)",
        "{screen}"
    );
    assert_eq!(
        tree[6], "├─ SEARCH p USING INTEGER PRIMARY KEY (rowid=?)",
        "{screen}"
    );
    assert_eq!(
        tree.last(),
        Some(&"└─ USE TEMP B-TREE FOR ORDER BY"),
        "{screen}"
    );
    assert_eq!(tree.len(), 8, "{screen}");
    // The grid's keys move through the steps; y copies the step.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.last_copy.as_deref(), Some("SCAN o"));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.last_copy.as_deref(), Some("LIST SUBQUERY 1"));
    // A plain EXPLAIN stays a grid.
    run(&mut h, "explain select 1", "opcode").await;
    assert!(!h.screen().contains("QUERY PLAN"), "{}", h.screen());
}

#[tokio::test]
async fn a_result_cut_at_the_cap_exports_in_full_by_running_again() {
    let mut h = console().await;
    // More rows than the console keeps (MAX_ROWS, 200,000).
    run(
        &mut h,
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 200005) \
         select x as n, 'row ' || x as label from c",
        "200,000 of 200,005 rows kept",
    )
    .await;
    // Copying a column takes the kept rows, and says so.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('C'));
    let copied = h.app.last_copy.clone().unwrap();
    assert_eq!(copied.lines().count(), 200_000);
    assert!(copied.ends_with("\n200000"));
    let screen = h.screen();
    assert!(
        screen.contains("the n column (200,000 values, the first of 200,005 rows)"),
        "{screen}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.csv");
    h.ctrl('s');
    let screen = h.screen();
    assert!(
        screen.contains("All 200,005 rows, not only the 200,000 kept"),
        "{screen}"
    );
    h.ctrl('u');
    h.chars(&path.display().to_string());
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("⟳ exporting (0 rows)"),
        "{}",
        h.screen()
    );
    h.wait_for("exported 200,005 rows").await;
    assert!(!h.screen().contains("⟳ exporting"), "{}", h.screen());
    assert!(h.screen().contains("the query ran again"), "{}", h.screen());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 200_006, "the header and every row");
    assert_eq!(lines[..3], ["n,label", "1,row 1", "2,row 2"]);
    assert_eq!(lines.last(), Some(&"200005,row 200005"));

    // A result that was not cut exports what it keeps, without a re-run.
    run(&mut h, "select 1 as one", "1 row ·").await;
    let small = dir.path().join("small.json");
    h.ctrl('s');
    h.ctrl('u');
    h.chars(&small.display().to_string());
    h.key(KeyCode::Enter);
    h.wait_for("exported 1 row").await;
    let screen = h.screen();
    let toast = &screen[screen.find("small.json").expect("the toast")..];
    assert!(!toast.contains("ran again"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(&small).unwrap(),
        "[\n  {\"one\": 1}\n]\n"
    );
}

/// The editor's bottom border: the buffers' tabs, the one in front in
/// brackets.
fn tabs(h: &mut Harness) -> String {
    h.screen()
        .lines()
        .skip_while(|l| !l.contains("SQL · shop-db"))
        .find(|l| l.starts_with('└'))
        .expect("the editor's bottom border")
        .to_string()
}

fn alt(h: &mut Harness, code: KeyCode) {
    h.app.update(key_with(code, KeyModifiers::ALT));
}

/// Renames the buffer in front with F3 (the prompt starts with its name).
fn rename(h: &mut Harness, name: &str) {
    h.key(KeyCode::F(3));
    assert!(h.screen().contains("Rename buffer"), "{}", h.screen());
    h.ctrl('u');
    h.chars(name);
    h.key(KeyCode::Enter);
}

#[tokio::test]
async fn buffers_are_made_switched_renamed_and_closed_with_keys() {
    let mut h = console().await;
    assert!(tabs(&mut h).contains("[query 1]"), "{}", tabs(&mut h));
    type_sql(&mut h, "select 'first' as in_one");
    h.ctrl('t');
    let t = tabs(&mut h);
    assert!(t.contains(" query 1 ") && t.contains("[query 2]"), "{t}");
    assert!(
        h.screen().contains("type SQL here"),
        "a new buffer is empty"
    );
    // Runs, the history and undo work on the buffer in front.
    type_sql(&mut h, "select 2 as in_two");
    h.ctrl('r');
    assert_eq!(wait_for_column(&mut h, "in_two").await, "2");
    h.key(KeyCode::F(8));
    assert!(tabs(&mut h).contains("[query 1]"), "F8 goes round the end");
    assert!(editor_rows(&mut h)[0].contains("select 'first' as in_one"));
    h.ctrl('r');
    assert_eq!(wait_for_column(&mut h, "in_one").await, "first");
    h.ctrl('l');
    alt(&mut h, KeyCode::Right);
    assert!(tabs(&mut h).contains("[query 2]"), "{}", tabs(&mut h));
    assert!(editor_rows(&mut h)[0].contains("select 2 as in_two"));
    // $EDITOR's text and a history pick go to the buffer in front.
    set_buffer(&mut h, "select 'via editor' as ed");
    h.ctrl('o');
    h.key(KeyCode::Enter);
    assert!(editor_rows(&mut h)[0].contains("select 'first' as in_one"));
    h.ctrl('u');
    assert!(editor_rows(&mut h)[0].contains("select 'via editor' as ed"));
    alt(&mut h, KeyCode::Left);
    h.ctrl('u');
    assert!(
        editor_rows(&mut h)[0].contains("select 'first' as in_one"),
        "the clear made before switching is undone in its own buffer"
    );

    // Names are checked: the prompt stays open with the reason.
    for (typed, why) in [
        ("a/b", "path separator"),
        ("Query 2", "already open"),
        ("  ", "needs a name"),
    ] {
        rename(&mut h, typed);
        let screen = h.screen();
        assert!(screen.contains(why), "{typed:?}: {screen}");
        assert!(screen.contains("Rename buffer"), "still open: {screen}");
        h.key(KeyCode::Esc);
    }
    rename(&mut h, " report ");
    assert!(!h.screen().contains("Rename buffer"));
    assert!(tabs(&mut h).contains("[report]"), "{}", tabs(&mut h));

    // Closing a buffer that holds text asks; enter is no, y closes.
    h.key(KeyCode::F(4));
    let screen = h.screen();
    assert!(screen.contains("Close buffer?"), "{screen}");
    assert!(
        screen.contains("\"report\" holds 1 line of SQL"),
        "{screen}"
    );
    h.key(KeyCode::Enter);
    assert!(tabs(&mut h).contains("[report]"), "enter kept it");
    h.key(KeyCode::F(4));
    h.key(KeyCode::Char('y'));
    let t = tabs(&mut h);
    assert!(t.contains("[query 2]") && !t.contains("report"), "{t}");
    // An empty buffer closes without a question.
    h.ctrl('t');
    h.key(KeyCode::F(4));
    assert!(!h.screen().contains("Close buffer?"));
    assert!(tabs(&mut h).contains("[query 2]"), "{}", tabs(&mut h));
    // The last buffer is not closed: it is cleared, and ctrl-u undoes it.
    h.key(KeyCode::F(4));
    assert!(h.screen().contains("type SQL here"), "{}", h.screen());
    assert!(tabs(&mut h).contains("[query 2]"));
    assert!(
        h.app
            .toasts
            .iter()
            .any(|t| t.text.contains("the only buffer"))
    );
    h.ctrl('u');
    assert!(editor_rows(&mut h)[0].contains("select 'via editor' as ed"));
}

/// Ends the dashboard (its console saves its buffers as it closes) and
/// opens the console again in a new one, with the same state directory.
async fn restart(h: &mut Harness) {
    let session = comwit_tui::session::sandbox_session(h.sandbox.info(), false, false).unwrap();
    h.reopen(session, None).await;
    h.open("storefront").await;
    open_sql(h).await;
    h.wait_for("Run SQL as the sandbox operator?").await;
    h.key(KeyCode::Char('y'));
    h.wait_for("· autocommit").await;
}

fn buffers_file(h: &Harness) -> PathBuf {
    let NodeKey::Sql { database, .. } = sql_key(h) else {
        panic!("an SQL key")
    };
    state_dir().join(format!("sql-history/{database}.buffers.json"))
}

/// The buffers file once it holds `text` (the store asks the console for
/// its buffers a moment after a change, and saves them in the background).
async fn saved_with(h: &mut Harness, file: &std::path::Path, text: &str) -> String {
    file_when(h, file, &format!("{text:?}"), |t| t.contains(text)).await
}

#[tokio::test]
async fn buffers_survive_a_restart_of_the_dashboard() {
    let mut h = console().await;
    let file = buffers_file(&h);
    type_sql(&mut h, "select 'kept one'");
    h.ctrl('t');
    rename(&mut h, "drafts");
    type_sql(&mut h, "select 'kept two'");
    // Saved a moment after the change, without closing anything.
    let saved = saved_with(&mut h, &file, "select 'kept two'").await;
    assert!(saved.contains("\"drafts\""), "{saved}");
    assert!(
        !saved.contains("cwt_") && !saved.contains("token"),
        "{saved}"
    );
    // Typed just before quitting: saved as the console closes.
    type_sql(&mut h, "\n  , 3");
    restart(&mut h).await;
    h.wait_for("[drafts]").await;
    let rows = editor_rows(&mut h);
    assert!(rows[0].contains("select 'kept two'"), "{rows:?}");
    assert!(rows[1].contains(", 3"), "nothing typed is lost: {rows:?}");
    assert!(tabs(&mut h).contains(" query 1 "), "{}", tabs(&mut h));
    h.key(KeyCode::F(7));
    assert!(editor_rows(&mut h)[0].contains("select 'kept one'"));
    h.ctrl('r');
    assert_eq!(wait_for_column(&mut h, "'kept one'").await, "kept one");
}

#[tokio::test]
async fn a_damaged_buffers_file_is_refused_clearly_and_kept_aside() {
    let mut h = console().await;
    let file = buffers_file(&h);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{\"version\":1,\"buffers\":[{\"name\":\"half").unwrap();
    restart(&mut h).await;
    h.toast("were not loaded: it is damaged").await;
    let aside = format!("{}.refused", file.display());
    let toast = h
        .app
        .toasts
        .iter()
        .map(|t| t.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(toast.contains(&format!("moved to {aside}")), "{toast}");
    assert!(toast.contains("starts with an empty buffer"), "{toast}");
    assert_eq!(
        std::fs::read_to_string(&aside).unwrap(),
        "{\"version\":1,\"buffers\":[{\"name\":\"half",
        "what the file held is kept"
    );
    assert!(tabs(&mut h).contains("[query 1]"));
    assert!(h.screen().contains("type SQL here"));
    // The console goes on, and saves a good file in its place.
    type_sql(&mut h, "select 'fresh'");
    saved_with(&mut h, &file, "select 'fresh'").await;
}

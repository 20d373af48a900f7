//! Databases: create (token saved before it is shown), and the operator's
//! status, rotate, suspend/resume and delete.

mod support;

use comwit_tui::switchboard::Target;
use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode, Next};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_saves_the_token_before_showing_it_masked() {
    let mut h = Harness::start().await;
    h.databases_list().await;

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
    h.databases_list().await;
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

/// shop-db's id and a fresh database token for it, made "elsewhere" (the
/// operator rotates it, as the web console would).
async fn token_from_elsewhere(h: &Harness) -> (String, String) {
    let p = h.storefront().await;
    let dbs = h.app.session.client.databases(&p).list().await.unwrap();
    let id = dbs
        .into_iter()
        .find(|d| d.name == "shop-db")
        .unwrap()
        .database_id;
    let rotated = h
        .operator()
        .post(
            &format!("/v1/databases/{id}/token/rotate"),
            serde_json::json!({}),
        )
        .await;
    (id, rotated["database_token"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_token_is_saved_masked_and_the_console_uses_it() {
    let mut h = Harness::start().await;
    let (id, token) = token_from_elsewhere(&h).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("t paste token").await;
    h.key(KeyCode::Char('t'));
    h.wait_for("Database token for shop-db").await;
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("nothing was typed"), "{}", h.screen());
    h.paste(&token);
    assert!(!h.screen().contains(&token), "masked while typed");
    h.key(KeyCode::Enter);
    h.toast("token for shop-db saved").await;
    let stored = h.app.session.credentials.database_token(&id).unwrap();
    assert_eq!(stored.map(|s| s.expose().to_string()), Some(token.clone()));

    // The console connects with it, without asking to use the operator's.
    h.key(KeyCode::Char('s'));
    h.settle(|a| a.fullscreen.is_some()).await;
    h.wait_for("● stored database token").await;
    assert!(!h.screen().contains("Run SQL as the sandbox operator"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_database_to_an_app_sets_its_url_and_token_in_the_environment() {
    let mut h = Harness::start().await;
    h.database("storefront", "shop-db").await;
    h.wait_for("c connect to app").await;
    // Without a stored token there is nothing to connect with: said inline.
    h.key(KeyCode::Char('c'));
    h.wait_for("Connect shop-db to an app").await;
    assert!(h.screen().contains("plain text"), "{}", h.screen());
    h.chars("web");
    h.key(KeyCode::Enter);
    h.wait_for("no database token of yours is stored for shop-db")
        .await;
    h.key(KeyCode::Esc);

    let (_, token) = token_from_elsewhere(&h).await;
    h.key(KeyCode::Char('t'));
    h.paste(&token);
    h.key(KeyCode::Enter);
    h.toast("token for shop-db saved").await;
    h.key(KeyCode::Char('c'));
    h.chars("web");
    h.key(KeyCode::Enter);
    h.toast("web now has DATABASE_URL and DATABASE_AUTH_TOKEN")
        .await;

    let p = h.storefront().await;
    let client = h.app.session.client.clone();
    let apps = client.apps(&p);
    let web = apps.find("web").await.unwrap().unwrap();
    let env = apps.app(&web.app_id).env().await.unwrap();
    let get = |k: &str| env.iter().find(|v| v.key == k).map(|v| v.value.clone());
    assert_eq!(get("DATABASE_AUTH_TOKEN"), Some(token));
    let db = client.databases(&p).list().await.unwrap();
    let url = db
        .into_iter()
        .find(|d| d.name == "shop-db")
        .unwrap()
        .database_url;
    assert_eq!(get("DATABASE_URL"), url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_mints_a_query_token_with_its_reason_and_copies_it() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("Q mint query token").await;
    h.key(KeyCode::Char('Q'));
    h.wait_for("Mint a query token").await;
    // ttl, audience, reason: a reason is required.
    h.key(KeyCode::Tab);
    h.chars("metabase");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("say the reason"), "{}", h.screen());
    h.key(KeyCode::Tab);
    h.chars("weekly report");
    h.key(KeyCode::Enter);
    h.wait_for("Query token (shown once)").await;
    h.key(KeyCode::Char('y'));
    let copied = h.app.last_copy.clone().expect("copied");
    assert!(
        copied.len() > 16 && !copied.contains(' '),
        "the token: {copied}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_refused_on_project_routes_is_told_to_use_a_user_token() {
    // The raw-API deploy page's reading: the operator token is rejected on
    // project-scoped routes (the sandbox's --operator-on-projects refuse).
    let mut h = Harness::start_with(
        |b| b.operator_on_projects(comwit_sandbox::OperatorOnProjects::Refuse),
        Mode::Operator,
    )
    .await;
    h.open("storefront").await;
    h.select("databases").await;
    h.key(KeyCode::Tab);
    h.settle(|a| !a.notices.is_empty()).await;
    let text = h.app.notices.last().unwrap().lines.join(" ");
    assert!(text.contains("refuses the operator token here"), "{text}");
    assert!(text.contains("cwt_ token"), "{text}");
    assert!(
        text.contains("rejects the operator token on project-scoped routes"),
        "the platform's own words: {text}"
    );
    assert!(text.contains(":ctx switches to a user context"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_context_offered_to_a_refused_operator_opens_the_list() {
    let mut h = Harness::start_with(
        |b| b.operator_on_projects(comwit_sandbox::OperatorOnProjects::Refuse),
        Mode::Operator,
    )
    .await;
    let credentials = comwit_client::credentials::Credentials::in_memory().unwrap();
    let mut board = h.board(credentials);
    let operator = Target::Sandbox { operator: true };
    h.reopen(board.open(&operator).await.unwrap(), None).await;
    h.open("storefront").await;
    h.select("databases").await;
    h.key(KeyCode::Tab);
    h.settle(|a| !a.notices.is_empty()).await;

    h.key(KeyCode::Enter);
    h.command("ctx");
    h.wait_for("demo data, in memory").await;
    h.key(KeyCode::Char('/'));
    h.chars("sandbox user");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(matches!(h.follow(&mut board).await, Next::Dashboard));
    h.databases_list().await;
    assert!(h.app.notices.is_empty(), "{:?}", h.app.notices);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_an_app_that_is_not_there_says_so_in_the_form() {
    let mut h = Harness::start().await;
    let (_, token) = token_from_elsewhere(&h).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("t paste token").await;
    h.key(KeyCode::Char('t'));
    h.paste(&token);
    h.key(KeyCode::Enter);
    h.toast("token for shop-db saved").await;
    h.key(KeyCode::Char('c'));
    h.chars("nope");
    h.key(KeyCode::Enter);
    h.wait_for("no app \"nope\" in this project").await;
    assert!(
        h.screen().contains("Connect shop-db to an app"),
        "the form stays up"
    );
}

//! The panes of a project and its groups: the project's overview (apps
//! with their active build, databases, domains; each section failing on
//! its own) and the apps group's list, whose enter opens the app.

mod support;

use comwit_client::Client;
use comwit_client::credentials::{Credentials, Keyring};
use comwit_sandbox::Sandbox;
use comwit_tui::session::sandbox_session;
use ratatui::crossterm::event::KeyCode;
use support::{Harness, row_labels};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_shows_its_apps_databases_and_domains() {
    let mut h = Harness::start().await;
    h.storefront_overview().await;
    let text = h.screen();
    assert!(!text.contains("press enter"), "{text}");
    assert!(text.contains("just now"), "the active build's age: {text}");
    assert!(
        text.contains("shop-db") && text.contains("running"),
        "{text}"
    );
    assert!(
        text.contains("✓ managed") && text.contains("… pending_delegation"),
        "{text}"
    );
    snap!("project_overview", h);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_group_lists_the_apps_and_enter_opens_one() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.select("apps").await;
    h.wait_for("│web").await;
    snap!("apps_group", h);

    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Enter);
    h.settle(|a| a.selected_node().is_some_and(|n| n.label == "web"))
        .await;
    assert!(
        row_labels(&h.app).contains(&"api".to_string()),
        "the apps group was expanded on the way"
    );
    h.wait_for("web · builds").await;
}

/// A token without `domain:read`: the domains section says so in place,
/// and the apps and databases are still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_section_does_not_blank_the_others() {
    let sandbox = Sandbox::builder().seed_demo().start().await.unwrap();
    let info = sandbox.info().clone();
    let operator = comwit_e2e::operator::Operator::new(&info.api_url, &info.operator_token);
    let scopes = ["project:read", "app:read", "database:read"];
    let minted = operator
        .post(
            "/_sandbox/tokens",
            serde_json::json!({"scopes": scopes, "user_id": "user-sandbox"}),
        )
        .await;
    let mut session = sandbox_session(&info, false, false).unwrap();
    session.client = Client::builder()
        .base_url(&info.api_url)
        .token(minted["token"].as_str().unwrap())
        .build()
        .unwrap();
    session.scopes = Some(scopes.iter().map(|s| s.to_string()).collect());
    let mut h = Harness::on(sandbox, session);

    h.select("storefront").await;
    h.wait_for("apps (2)").await;
    h.wait_for("databases (1)").await;
    h.wait_for("403").await;
    let text = h.screen();
    let domains = text.find("domains").expect("the domains section");
    assert!(
        text[domains..].contains("✗"),
        "the refusal in place: {text}"
    );
    assert!(text.contains("shop-db"), "{text}");
    assert!(
        h.app.notices.is_empty(),
        "no error dialog: {:?}",
        h.app.notices
    );
}

/// A config.json the official CLI left: its key order, a key of its own.
const CLI_CONFIG: &str = "{\n  \"token\": \"cwt_theirs\",\n  \"default_project\": \"prj_old\",\n  \"telemetry\": false\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p_on_a_project_pins_it_as_default_project_in_config_json() {
    let mut h = Harness::start().await;
    h.storefront_overview().await;
    h.key(KeyCode::Tab);
    assert!(
        !h.screen().contains("pin default"),
        "the sandbox keeps nothing on disk: nothing to pin in"
    );

    // A signed-in session: a config.json (in a temp dir, never the home).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, CLI_CONFIG).unwrap();
    h.app.session.credentials = std::sync::Arc::new(Credentials::new(
        path.clone(),
        Some(Keyring::in_memory().unwrap()),
        Box::new(|_: &str| None::<String>),
    ));
    h.key(KeyCode::Char('r'));
    h.wait_for("pin default").await;
    h.key(KeyCode::Char('p'));
    h.toast("is the default project").await;

    let id = h.storefront().await;
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        CLI_CONFIG.replace("prj_old", &id),
        "default_project written in its place, the rest as it was"
    );
    let text = h.screen();
    assert!(
        text.contains("pinned as the default project (config.json)"),
        "{text}"
    );
    assert!(!text.contains("pin default"), "pinned already: {text}");
}

//! Every view of the dashboard on demo data, as text (insta snapshots at
//! 100×30, monochrome). Ids, times and ports are masked.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_screen_and_project() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.storefront_overview().await;
    snap!("main_screen", h);
    h.open("apps").await;
    h.open("databases").await;
    h.select("storefront").await;
    snap!("project_tree_expanded", h);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_views() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    snap!("builds", h);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('b'));
    snap!("rollback_confirm", h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Char('x'));
    h.ctrl('u');
    h.chars("./dist");
    snap!("deploy_prompt", h);
    h.key(KeyCode::Esc);

    h.key(KeyCode::Esc);
    h.select("environment").await;
    h.key(KeyCode::Tab);
    h.wait_for("LOG_LEVEL").await;
    snap!("environment", h);
    h.key(KeyCode::Char('n'));
    h.chars("API_TOKEN");
    snap!("environment_form", h);
    h.key(KeyCode::Esc);

    h.key(KeyCode::Esc);
    h.select("hostnames").await;
    h.key(KeyCode::Tab);
    h.wait_for("www.shop.example").await;
    snap!("hostnames", h);
    h.key(KeyCode::Char('a'));
    snap!("attach_form", h);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_views() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.open("databases").await;
    h.select("databases").await;
    h.wait_for("│shop-db").await;
    snap!("databases", h);
    h.select("shop-db").await;
    h.wait_for("┌ shop-db").await;
    snap!("database_user", h);

    let mut op = Harness::start_with(|b| b, Mode::Operator).await;
    op.open("storefront").await;
    op.open("databases").await;
    op.select("shop-db").await;
    op.wait_for("Operator view").await;
    op.wait_for("rows read").await;
    op.wait_for("┌ shop-db").await;
    snap!("database_operator", op);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlays() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    // A pane whose ids the overlays do not cut through: the project's
    // overview, loaded (its ids end before the overlays do).
    h.storefront_overview().await;
    h.key(KeyCode::Char('?'));
    snap!("help", h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char(':'));
    snap!("palette", h);
    h.chars("sql");
    h.key(KeyCode::Tab);
    snap!("palette_completion", h);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_dialog_names_the_upstream_failure_and_offers_retry() {
    let mut h = Harness::start().await;
    h.web("environment").await;
    h.wait_for("LOG_LEVEL").await;
    h.faults(serde_json::json!({"brrrd_unreachable": true}))
        .await;
    // A delete whose confirm was closed while it waited (nowhere else to
    // show the reason) fails into the error dialog.
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Char('y'));
    h.key(KeyCode::Esc);
    h.wait_for("Upstream failure").await;
    snap!("error_upstream", h);
    h.faults(serde_json::json!({})).await;
    h.key(KeyCode::Char('r'));
    assert!(h.app.notices.is_empty(), "r retries and dismisses");
    h.toast("deleted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_and_an_empty_project() {
    let mut h = Harness::start().await;
    let project = h.storefront().await;
    let apps = h.app.session.client.apps(&project);
    let web = apps.find("web").await.unwrap().unwrap();
    h.web("builds").await;
    h.wait_for("● build-").await;
    // The active build alone: the dialog would cut other rows' digests.
    h.key(KeyCode::Char('/'));
    h.chars(web.active_build().unwrap());
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    snap!("build_details", h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.select("hostnames").await;
    h.key(KeyCode::Tab);
    h.wait_for("www.shop.example").await;
    h.key(KeyCode::Enter);
    snap!("hostname_details", h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);

    h.operator()
        .post("/_sandbox/projects", serde_json::json!({"name": "blank"}))
        .await;
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('r'));
    h.select("blank").await;
    h.wait_for("blank is empty").await;
    snap!("empty_project", h);
}

/// The main screen at a small, the designed and a large terminal: the
/// tree narrows, then hides below 64 columns (the view takes the width,
/// cut values end in …); below 40×10 a notice says what is needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_screen_at_every_size() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.storefront_overview().await;
    for (w, ht) in [(50, 16), (80, 24), (200, 60)] {
        h.width = w;
        h.height = ht;
        snap!(format!("layout_{w}x{ht}"), h);
    }
    h.width = 50;
    h.height = 16;
    // The terminal redraws at its new size before the next key.
    let _ = h.screen();
    h.key(KeyCode::Char('T'));
    snap!("layout_50x16_tree_shown", h);
    h.width = 39;
    h.height = 12;
    let small = h.screen().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        small.contains("Terminal too small: 39×12") && small.contains("at least 40×10"),
        "{small}"
    );
    // Keys still work below the minimum: the tree comes and goes.
    h.key(KeyCode::Char('T'));
    h.width = 80;
    h.height = 24;
    assert!(!h.screen().contains("┌ projects"), "{}", h.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_narrow_table_ends_cut_values_with_an_ellipsis() {
    let mut h = Harness::start().await;
    h.zone().await;
    // The owner column names the app once the app list is in.
    h.wait_for("🔒  web").await;
    h.width = 50;
    h.height = 16;
    let screen = h.screen();
    // A cut name and a cut value, each ending in … at its column's edge.
    for cut in ["_cf-chal… ", "10 mail.shop… "] {
        assert!(screen.contains(cut), "{cut:?}:\n{screen}");
    }
    snap!("records_50x16", h);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts() {
    let mut h = Harness::start().await;
    let credentials = comwit_client::credentials::Credentials::in_memory().unwrap();
    let mut board = h.board(credentials);
    let start = comwit_tui::switchboard::Target::Sandbox { operator: false };
    h.reopen(board.open(&start).await.unwrap(), None).await;
    h.command("ctx");
    h.wait_for("demo data, in memory").await;
    snap!("contexts", h);
}

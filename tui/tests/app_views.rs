//! Key-driven flows on an app's views (builds, environment, hostnames)
//! against the in-process demo sandbox.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

/// Rows of the builds table (not the header line or toasts).
fn build_count(h: &mut Harness) -> usize {
    let screen = h.screen();
    screen.matches("│● build-").count() + screen.matches("│  build-").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_a_directory_then_roll_back_to_the_previous_build() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    let before = build_count(&mut h);

    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>new</h1>").unwrap();
    h.key(KeyCode::Char('d'));
    assert!(h.screen().contains("Deploy to web"), "{}", h.screen());
    h.ctrl('u');
    h.paste(&site.path().display().to_string());
    h.key(KeyCode::Enter);
    h.toast("now active").await;
    let toast = h
        .app
        .toasts
        .iter()
        .find(|t| t.text.contains("now active"))
        .unwrap();
    let build = toast
        .text
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    h.wait_for(&format!("● {}", &build[..14])).await;
    assert_eq!(build_count(&mut h), before + 1, "{}", h.screen());
    // The newest build is active and listed first; roll back to the next.
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('b'));
    let text = h.screen();
    assert!(text.contains("Roll web back"), "{text}");
    assert!(text.contains("(active)"), "names from → to: {text}");
    h.key(KeyCode::Char('y'));
    h.toast("rolled back").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_edit_and_delete_an_environment_variable() {
    let mut h = Harness::start().await;
    h.web("environment").await;
    h.wait_for("key").await;

    h.key(KeyCode::Char('n'));
    h.chars("FEATURE_FLAG");
    h.key(KeyCode::Tab);
    h.chars("on");
    h.key(KeyCode::Enter);
    h.toast("saved FEATURE_FLAG").await;
    // The row (not the toast): rows start after the ⚠ column.
    h.wait_for("│  FEATURE_FLAG").await;

    // Edit: the key is locked, the value replaced.
    h.key(KeyCode::Char('/'));
    h.chars("FLAG");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    h.ctrl('u');
    h.chars("off");
    h.key(KeyCode::Enter);
    h.wait_for("│  FEATURE_FLAG                 off").await;

    // A credential-looking value is flagged and masked until revealed.
    h.key(KeyCode::Char('n'));
    h.chars("STRIPE_SECRET");
    h.key(KeyCode::Tab);
    h.chars("sk_live_abc");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("plain text"),
        "warned first: {}",
        h.screen()
    );
    h.key(KeyCode::Enter);
    h.toast("saved STRIPE_SECRET").await;
    h.key(KeyCode::Esc);
    h.wait_for("│⚠ STRIPE_SECRET").await;
    assert!(
        !h.screen().contains("sk_live_abc"),
        "masked: {}",
        h.screen()
    );

    h.key(KeyCode::Char('/'));
    h.chars("FLAG");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('x'));
    assert!(h.screen().contains("Remove FEATURE_FLAG"), "{}", h.screen());
    h.key(KeyCode::Char('y'));
    h.toast("deleted FEATURE_FLAG").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_external_hostname_shows_records_then_finalize() {
    let mut h = Harness::start().await;
    h.web("hostnames").await;
    h.wait_for("www.shop.example").await;

    h.key(KeyCode::Char('a'));
    h.chars("app.elsewhere.example");
    h.key(KeyCode::Enter);
    h.wait_for("Records to publish").await;
    assert!(
        h.screen().contains("app.elsewhere.example"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('y'));
    assert!(
        h.app
            .last_copy
            .as_deref()
            .is_some_and(|c| c.contains("app.elsewhere.example")),
        "the records are copyable"
    );
    h.key(KeyCode::Esc);
    h.wait_for("external").await;

    h.key(KeyCode::Char('/'));
    h.chars("elsewhere");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('f'));
    h.key(KeyCode::Char('y'));
    h.toast("app.elsewhere.example finalized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_managed_dns_attach_is_retried_with_one_key() {
    let mut h = Harness::start().await;
    h.web("hostnames").await;
    h.wait_for("www.shop.example").await;
    h.faults(serde_json::json!({"managed_dns_failing": true}))
        .await;

    h.key(KeyCode::Char('a'));
    h.chars("api.shop.example");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right);
    h.key(KeyCode::Enter);
    h.toast("press t to retry").await;
    h.wait_for("failed (t)").await;

    h.faults(serde_json::json!({})).await;
    h.key(KeyCode::Char('/'));
    h.chars("api.");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('t'));
    h.toast("managed DNS applied").await;
    h.wait_for("applied").await;
}

/// storefront › apps, the list focused.
async fn apps_list(h: &mut Harness) {
    h.open("storefront").await;
    h.select("apps").await;
    h.key(KeyCode::Tab);
    h.wait_for("active build").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_is_created_from_the_list_with_its_name_checked_first() {
    let mut h = Harness::start().await;
    apps_list(&mut h).await;
    h.key(KeyCode::Char('n'));
    h.wait_for("Create an app").await;
    // A name the platform would refuse is caught in the prompt, kept.
    h.chars("Docs Site");
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("lower-case letters"), "{screen}");
    assert!(screen.contains("Docs Site"), "kept: {screen}");
    h.ctrl('u');
    h.chars("docs");
    h.key(KeyCode::Enter);
    h.toast("created docs").await;
    h.wait_for("│docs").await;
    // The tree has it too.
    let p = h.storefront().await;
    let group = comwit_tui::tree::NodeKey::Apps(p.clone());
    h.settle(|a| a.tree.children(&group).iter().any(|n| n.label == "docs"))
        .await;
    let client = h.app.session.client.clone();
    assert!(client.apps(&p).find("docs").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_app_by_name_shows_the_cleanup_report_and_copies_the_records() {
    let mut h = Harness::start().await;
    let p = h.storefront().await;
    let client = h.app.session.client.clone();
    let apps = client.apps(&p);
    let web = apps.find("web").await.unwrap().unwrap();
    // An external hostname leaves records at the user's DNS provider.
    apps.app(&web.app_id)
        .attach(
            "docs.other.example",
            comwit_client::models::DnsMode::ExternalRecords,
        )
        .await
        .unwrap();
    apps_list(&mut h).await;
    h.key(KeyCode::Char('/'));
    h.chars("web");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('x'));
    h.wait_for("Delete web").await;
    // Enter without the name deletes nothing.
    h.key(KeyCode::Enter);
    assert!(apps.find("web").await.unwrap().is_some());
    h.chars("web");
    h.key(KeyCode::Enter);
    h.wait_for("Deleted web").await;
    let screen = h.screen();
    assert!(
        screen.contains("is deleted. The platform removed:"),
        "{screen}"
    );
    assert!(screen.contains("docs.other.example"), "{screen}");
    assert!(
        screen.contains("Remove these records at your DNS provider"),
        "{screen}"
    );
    h.key(KeyCode::Char('y'));
    let copied = h.app.last_copy.clone().expect("copied");
    assert!(copied.contains("docs.other.example"), "{copied}");
    assert!(
        !copied.contains("The platform removed"),
        "only the records: {copied}"
    );
    h.key(KeyCode::Enter);
    assert!(apps.find("web").await.unwrap().is_none());
    let group = comwit_tui::tree::NodeKey::Apps(p.clone());
    h.settle(|a| {
        let apps = a.tree.children(&group);
        !apps.is_empty() && !apps.iter().any(|n| n.label == "web")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_options_are_checked_carried_by_the_deploy_and_remembered_for_watch_mode() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    h.key(KeyCode::Char('o'));
    h.wait_for("Deploy options of web").await;
    // hosts, env-ref, max concurrent requests: a zero cap is refused inline.
    h.chars("preview.shop.example");
    h.key(KeyCode::Tab);
    h.chars("staging");
    h.key(KeyCode::Tab);
    h.chars("0");
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("from 1"), "{screen}");
    assert!(screen.contains("staging"), "kept: {screen}");
    h.key(KeyCode::Backspace);
    h.chars("5");
    h.key(KeyCode::Enter);
    h.toast("now carry hosts preview.shop.example · env-ref staging")
        .await;

    // The deploy dialog says so, and the deploy carries them.
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>opts</h1>").unwrap();
    h.key(KeyCode::Char('d'));
    h.wait_for("at most 5 concurrent requests").await;
    h.ctrl('u');
    h.paste(&site.path().display().to_string());
    h.key(KeyCode::Enter);
    h.toast("now active").await;
    let active = h.active_build("web").await;
    assert_eq!(active.env_ref.as_deref(), Some("staging"));
    assert_eq!(active.max_concurrent_requests, Some(5));
    assert_eq!(active.hosts, ["preview.shop.example"]);

    // Watch mode for the same app starts from them.
    h.key(KeyCode::Esc);
    h.command("watch web");
    h.wait_for("Watch and redeploy").await;
    let screen = h.screen();
    assert!(
        screen.contains("preview.shop.example") && screen.contains("staging"),
        "{screen}"
    );
}

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

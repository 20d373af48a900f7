//! `:watch` in the dashboard: configure, deploy on a change, pause and
//! resume, and roll back the last deploy with one key.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_panel_deploys_on_change_pauses_and_rolls_back() {
    let mut h = Harness::start().await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>one</h1>").unwrap();
    h.watching(site.path()).await;
    snap!("watch_panel_idle", h);

    std::fs::write(site.path().join("index.html"), "<h1>two</h1>").unwrap();
    h.wait_for("deploys 1").await;
    assert!(h.screen().contains("1 change(s)"), "{}", h.screen());

    h.key(KeyCode::Char('p'));
    h.wait_for(" paused ").await;
    std::fs::write(site.path().join("index.html"), "<h1>three</h1>").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    h.drain();
    assert!(h.screen().contains("deploys 1"), "paused: {}", h.screen());
    h.key(KeyCode::Char('p'));
    h.wait_for("deploys 2").await;

    h.key(KeyCode::Char('b'));
    assert!(
        h.screen().contains("Roll back the last deploy"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('y'));
    h.toast("rolled back").await;

    h.key(KeyCode::Char('s'));
    h.wait_for(" stopped ").await;
}

/// The package is looked at off the UI task; a path that is not a
/// directory keeps the form up with the reason, once the check answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_that_is_not_a_directory_is_refused_in_the_form() {
    let mut h = Harness::start().await;
    let site = tempfile::tempdir().unwrap();
    let file = site.path().join("index.html");
    std::fs::write(&file, "<h1>one</h1>").unwrap();
    h.watch_form().await;
    h.submit_watch(&file);
    h.wait_for("is not a directory").await;
    assert!(
        h.screen().contains("Watch and redeploy"),
        "the form stays up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_deploy_carries_the_deploy_options_of_its_form() {
    let mut h = Harness::start().await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>one</h1>").unwrap();
    h.watch_form().await;
    // package, build, source, hosts, env-ref, max concurrent requests.
    for _ in 0..4 {
        h.key(KeyCode::Tab);
    }
    h.chars("canary");
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.submit_watch(site.path());
    h.wait_for("watching /").await;
    std::fs::write(site.path().join("index.html"), "<h1>two</h1>").unwrap();
    h.wait_for("deploys 1").await;

    let active = h.active_build("web").await;
    assert_eq!(active.env_ref.as_deref(), Some("canary"));
}

/// The form's check path is asked after each deploy (on the sandbox, at
/// its site listener) and the history row says how it answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_path_of_the_form_is_asked_after_each_deploy() {
    let mut h = Harness::start().await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>one</h1>").unwrap();
    h.watch_form().await;
    // package, build, source, hosts, env-ref, max concurrent, check.
    h.key(KeyCode::BackTab);
    h.chars("/index.html");
    for _ in 0..6 {
        h.key(KeyCode::BackTab);
    }
    h.submit_watch(site.path());
    h.wait_for("watching /").await;
    std::fs::write(site.path().join("index.html"), "<h1>two</h1>").unwrap();
    h.wait_for("deploys 1").await;
    h.wait_for("check 200").await;
}

//! Contexts: `:ctx` lists and switches targets without a restart, each
//! with its own tree and header colour; `:logout` forgets a token in every
//! place it was kept and `:login` signs in again, all from the dashboard.
//! The configured API in these tests is the sandbox's own address, with
//! its `config.json` in a temporary directory and a keyring in memory.

mod support;

use std::path::Path;

use comwit_client::config::Config;
use comwit_client::credentials::{Credentials, Keyring};
use comwit_tui::action::Action;
use comwit_tui::firstrun::FirstRun;
use comwit_tui::switchboard::{Exit, Place, Target};
use ratatui::crossterm::event::KeyCode;
use support::{Harness, Next, row_labels};

const OTHER_KEYS: &str = "{\n  \"telemetry\": false,\n  \"default_project\": \"prj_1\"\n}\n";

/// A `config.json` holding `token` beside the official CLI's other keys,
/// and the credentials that read it (nothing from the real home).
fn configured(dir: &Path, token: &str, keyring: &Keyring) -> Credentials {
    let config = format!("{{\n  \"token\": \"{token}\",{}", &OTHER_KEYS[1..]);
    std::fs::write(dir.join("config.json"), config).unwrap();
    Credentials::new(
        dir.join("config.json"),
        Some(keyring.clone()),
        Box::new(|_: &str| None::<String>),
    )
}

/// Opens `:ctx` and switches to the one context whose row matches
/// `filter` (the list's `/`).
async fn switch_to(h: &mut Harness, filter: &str) {
    h.command("ctx");
    h.wait_for("demo data, in memory").await;
    h.key(KeyCode::Char('/'));
    h.chars(filter);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(h.app.exit.is_some(), "enter switches:\n{}", h.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctx_switches_to_the_operator_and_to_another_place_and_back() {
    let mut h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let user_token = h.sandbox.info().user_token.clone();
    let mut board = h.board(configured(
        dir.path(),
        &user_token,
        &Keyring::in_memory().unwrap(),
    ));
    let start = board
        .open(&Target::Sandbox { operator: false })
        .await
        .unwrap();
    h.reopen(start, None).await;

    h.command("ctx");
    h.wait_for("demo data, in memory").await;
    let screen = h.screen();
    assert!(screen.contains("demo data, in memory"), "{screen}");
    assert!(
        screen.contains("config.json"),
        "the configured token: {screen}"
    );
    let current: Vec<&str> = screen.lines().filter(|l| l.contains('●')).collect();
    assert_eq!(current.len(), 1, "one current context: {screen}");
    assert!(current[0].contains("sandbox") && current[0].contains("user"));

    // The sandbox's operator: a fresh dashboard, its header says so.
    h.key(KeyCode::Esc);
    switch_to(&mut h, "sandbox operator").await;
    assert!(matches!(h.follow(&mut board).await, Next::Dashboard));
    assert!(h.screen().lines().next().unwrap().contains("OPERATOR"));
    assert!(h.app.fullscreen.is_none(), "its own tree, at the top");
    assert!(row_labels(&h.app).iter().any(|l| l == "storefront"));

    // The configured API: another kind of place, its own header colour.
    switch_to(&mut h, "config.json").await;
    assert!(matches!(h.follow(&mut board).await, Next::Dashboard));
    assert_eq!(h.app.session.place(), Place::Other);
    assert!(
        h.screen()
            .lines()
            .next()
            .unwrap()
            .contains(&h.sandbox.info().api_url)
    );

    // And back to the sandbox's user.
    switch_to(&mut h, "sandbox user").await;
    assert!(matches!(h.follow(&mut board).await, Next::Dashboard));
    assert_eq!(h.app.session.context, Target::Sandbox { operator: false });
    assert_eq!(h.app.session.place(), Place::Sandbox);
    assert!(!h.screen().lines().next().unwrap().contains("OPERATOR"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_api_is_checked_before_the_dashboard_switches_to_it() {
    let mut h = Harness::start().await;
    let mut board = h.board(Credentials::in_memory().unwrap());
    let start = board
        .open(&Target::Sandbox { operator: true })
        .await
        .unwrap();
    h.reopen(start, None).await;
    let api = h.sandbox.info().api_url.clone();

    h.command("ctx");
    h.wait_for("demo data, in memory").await;
    h.key(KeyCode::Char('a'));
    h.wait_for("Another API").await;
    for _ in 0.."https://".len() {
        h.key(KeyCode::Backspace);
    }
    h.chars(&api);
    h.key(KeyCode::Tab);
    let unknown = format!("cwt_{}", "0".repeat(40));
    h.paste(&unknown);
    h.key(KeyCode::Enter);
    h.wait_for("refused this token (401)").await;
    assert!(h.app.exit.is_none(), "a refused token switches nothing");
    assert!(!h.screen().contains("0000000000"), "the token stays masked");

    for _ in 0..unknown.len() {
        h.key(KeyCode::Backspace);
    }
    h.paste(&h.sandbox.info().user_token.clone());
    h.key(KeyCode::Enter);
    h.settle(|a| a.exit.is_some()).await;
    assert!(matches!(h.follow(&mut board).await, Next::Dashboard));
    assert!(matches!(&h.app.session.context, Target::Other { url, .. } if *url == api));
    assert!(h.screen().lines().next().unwrap().contains(" user "));

    h.command("ctx");
    h.wait_for("demo data, in memory").await;
    assert!(h.screen().contains("given in this run"), "{}", h.screen());

    // The configured API is listed without a token, to sign in to.
    h.key(KeyCode::Char('/'));
    h.chars("not signed in");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.exit, Some(Exit::SignIn));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_forgets_the_token_everywhere_then_login_signs_in_again() {
    let mut h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::in_memory().unwrap();
    let user_token = h.sandbox.info().user_token.clone();
    let credentials = configured(dir.path(), &user_token, &keyring);
    let mut board = h.board(credentials);
    let start = board
        .open(&Target::Configured { operator: false })
        .await
        .unwrap();
    h.reopen(start, None).await;

    h.command("logout");
    let screen = h.screen();
    assert!(screen.contains("removes the user token from"), "{screen}");
    assert!(screen.contains("Sign out anyway?"), "{screen}");
    h.key(KeyCode::Char('y'));
    let Next::SignIn { back: None, said } = h.follow(&mut board).await else {
        panic!("the sign-in screen, with no dashboard behind it");
    };
    let said = said.expect("it says what was removed");
    assert!(said.contains("Signed out"), "{said}");
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    assert_eq!(
        config, OTHER_KEYS,
        "the token gone, the CLI's other keys kept in order"
    );
    let reader = Credentials::new(
        dir.path().join("config.json"),
        Some(keyring.clone()),
        Box::new(|_: &str| None::<String>),
    );
    assert!(
        reader.user_token().unwrap().is_none(),
        "nowhere, the keyring included"
    );

    // Sign in again from that screen by pasting the token.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut screen: FirstRun = board.sign_in_screen(Some(said), false)(tx);
    screen.update(Action::Key(KeyCode::Char('2').into()));
    screen.update(Action::Paste(user_token.clone()));
    screen.update(Action::Key(KeyCode::Enter.into()));
    while screen.ending.is_none() {
        let action = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("the check answers")
            .unwrap();
        screen.update(action);
    }
    let (ending, notice) = (screen.ending.take().unwrap(), screen.saved_notice.take());
    let next = board.after_sign_in(ending, notice, None).await;
    assert!(matches!(h.show(next).await, Next::Dashboard));
    assert!(row_labels(&h.app).iter().any(|l| l == "storefront"));
    let saved = Config::load(dir.path().join("config.json"))
        .unwrap()
        .token();
    assert_eq!(saved.map(|t| t.expose().to_string()), Some(user_token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_from_the_dashboard_comes_back_on_esc() {
    let mut h = Harness::start().await;
    let mut board = h.board(Credentials::in_memory().unwrap());
    let start = board
        .open(&Target::Sandbox { operator: false })
        .await
        .unwrap();
    h.reopen(start, None).await;
    h.command("login");
    let Next::SignIn { back, said: None } = h.follow(&mut board).await else {
        panic!("the sign-in screen");
    };
    assert!(back.is_some(), "with this dashboard behind it");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut screen = board.sign_in_screen(None, true)(tx);
    screen.update(Action::Key(KeyCode::Char('q').into()));
    let ending = screen.ending.take().expect("q leaves");
    let next = board.after_sign_in(ending, None, back).await;
    assert!(matches!(h.show(next).await, Next::Dashboard));
    assert_eq!(h.app.session.context, Target::Sandbox { operator: false });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_on_the_sandbox_says_there_is_nothing_to_forget() {
    let mut h = Harness::start().await;
    h.command("logout");
    assert!(h.app.exit.is_none());
    assert!(
        h.screen().contains("nothing to sign out of"),
        "{}",
        h.screen()
    );
}

#[test]
fn each_kind_of_place_has_its_own_header_colour() {
    let theme = comwit_tui::theme::Theme::default();
    let styles = [Place::Sandbox, Place::Cloud, Place::Other].map(|p| theme.place(p));
    assert_ne!(styles[0], styles[1]);
    assert_ne!(styles[1], styles[2]);
    assert_ne!(styles[0], styles[2]);
}

//! The first-run screen: device login, pasting a token, the sandbox.

use std::sync::Arc;
use std::time::Duration;

use comwit_client::config::Config;
use comwit_client::credentials::{Credentials, Keyring, TokenSource};
use comwit_sandbox::Sandbox;
use comwit_tui::action::Action;
use comwit_tui::firstrun::{Ending, FirstRun};
use comwit_tui::session::Session;
use comwit_tui::settings::Settings;
use comwit_tui::switchboard::{Screen, Switchboard};
use comwit_tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::UnboundedReceiver;

/// The session the dashboard opens once the screen ended signed in.
async fn signed_in(s: &mut SignIn) -> Session {
    let Some(Ending::SignedIn { url, token, scopes }) = s.first.ending.take() else {
        panic!("signed in");
    };
    let mut board = Switchboard::new(url.clone(), s.creds.clone(), false, None).unwrap();
    board.signed_in(url, token, scopes).await.unwrap()
}

struct SignIn {
    first: FirstRun,
    rx: UnboundedReceiver<Action>,
    creds: Arc<Credentials>,
}

impl SignIn {
    fn new(api_url: &str) -> Self {
        Self::with(api_url, Credentials::in_memory().unwrap())
    }

    fn with(api_url: &str, creds: Credentials) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let creds = Arc::new(creds);
        let first = FirstRun::new(Some(api_url.to_string()), creds.clone(), tx);
        Self { first, rx, creds }
    }

    fn key(&mut self, code: KeyCode) {
        self.first
            .update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn text(&self) -> String {
        let mut t = Terminal::new(TestBackend::new(90, 24)).unwrap();
        t.draw(|f| self.first.draw(f, &Theme::monochrome()))
            .unwrap();
        let b = t.backend().buffer().clone();
        (0..b.area.height)
            .map(|y| {
                (0..b.area.width)
                    .map(|x| b[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Applies background reports until `done` holds.
    async fn until(&mut self, done: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(a)) => self.first.update(a),
                _ => panic!("stuck; screen:\n{}", self.text()),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_login_shows_the_code_and_saves_the_approved_token() {
    let sandbox = Sandbox::builder()
        .device_interval_secs(1)
        .start()
        .await
        .unwrap();
    let mut s = SignIn::new(&sandbox.info().api_url);
    // The menu names the sandbox's address: its port changes every run.
    insta::with_settings!({filters => vec![(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]")]}, {
        insta::assert_snapshot!("first_run_menu", s.text());
    });
    sign_in_with_the_browser(&mut s, &sandbox).await;
    let session = signed_in(&mut s).await;
    assert!(
        session
            .scopes
            .as_ref()
            .is_some_and(|sc| sc.contains(&"app:read".to_string()))
    );
    assert!(
        session.client.projects().list().await.is_ok(),
        "the token works"
    );
    assert!(s.creds.user_token().unwrap().is_some(), "and was saved");
}

/// Chooses device login, approves the code shown as the sandbox's
/// operator would in the web console, and waits for the screen to end.
async fn sign_in_with_the_browser(s: &mut SignIn, sandbox: &Sandbox) {
    s.key(KeyCode::Enter);
    s.until(|s| s.text().contains("Code:")).await;
    let text = s.text();
    let code = text
        .lines()
        .find_map(|l| l.split("Code:").nth(1))
        .map(|c| c.trim().trim_end_matches('│').trim().to_string())
        .unwrap();
    let approved = comwit_client::http::client()
        .post(format!(
            "{}/_sandbox/device/approve",
            sandbox.info().api_url
        ))
        .bearer_auth(&sandbox.info().operator_token)
        .json(&serde_json::json!({"user_code": code}))
        .send()
        .await
        .unwrap();
    assert!(approved.status().is_success(), "{}", approved.status());
    s.until(|s| s.first.ending.is_some()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_token_is_checked_before_it_is_saved() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let mut s = SignIn::new(&sandbox.info().api_url);
    s.key(KeyCode::Char('2'));
    // Well formed, but no such token: the API is asked, and refuses it.
    let unknown = format!("cwt_{}", "0".repeat(40));
    s.first.update(Action::Paste(unknown.clone()));
    assert!(!s.text().contains("0000"), "the token stays hidden");
    s.key(KeyCode::Enter);
    s.until(|s| s.text().contains("refused")).await;
    assert!(
        s.creds.user_token().unwrap().is_none(),
        "a bad token is not saved"
    );

    for _ in 0..unknown.len() {
        s.key(KeyCode::Backspace);
    }
    s.first
        .update(Action::Paste(sandbox.info().user_token.clone()));
    s.key(KeyCode::Enter);
    s.until(|s| s.first.ending.is_some()).await;
    assert!(matches!(s.first.ending, Some(Ending::SignedIn { .. })));
    assert_eq!(
        s.creds
            .user_token()
            .unwrap()
            .map(|(t, _)| t.expose().to_string()),
        Some(sandbox.info().user_token.clone())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exploring_the_sandbox_needs_no_credentials() {
    let mut s = SignIn::new("http://127.0.0.1:9");
    s.key(KeyCode::Char('3'));
    s.until(|s| s.first.ending.is_some()).await;
    let Some(ending @ Ending::Sandbox) = s.first.ending.take() else {
        panic!("the sandbox chosen");
    };
    let mut board = Switchboard::new(None, s.creds.clone(), false, None).unwrap();
    let Screen::Dashboard { session, .. } = board.after_sign_in(ending, None, None).await else {
        panic!("a dashboard on the sandbox");
    };
    assert_eq!(session.target, "sandbox");
    assert!(session.client.projects().list().await.unwrap().len() >= 2);
    assert!(s.creds.user_token().unwrap().is_none(), "nothing saved");
    board.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_token_is_named_before_any_network_call() {
    // Nothing listens here: had the token been sent, the screen would say
    // the API could not be reached.
    let mut s = SignIn::new("http://127.0.0.1:9");
    s.key(KeyCode::Char('2'));
    s.first.update(Action::Paste("cwt_0000notreal".into()));
    s.key(KeyCode::Enter);
    let text = s.text();
    assert!(
        text.contains("cwt_ followed by hex digits") && text.contains("character 9"),
        "{text}"
    );
    assert!(!text.contains("checking it with the API"), "{text}");
    assert!(s.rx.try_recv().is_err(), "no work was started");

    for _ in 0.."cwt_0000notreal".len() {
        s.key(KeyCode::Backspace);
    }
    s.first.update(Action::Paste("Bearer cwt_00ff".into()));
    s.key(KeyCode::Enter);
    assert!(s.text().contains("without \"Bearer\""), "{}", s.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_address_is_shown_and_can_be_changed() {
    let mut s = SignIn::new("http://127.0.0.1:9");
    assert!(s.text().contains("API: http://127.0.0.1:9"), "{}", s.text());
    s.key(KeyCode::Char('a'));
    for _ in 0.."http://127.0.0.1:9".len() {
        s.key(KeyCode::Backspace);
    }
    for c in "ftp://example.com".chars() {
        s.key(KeyCode::Char(c));
    }
    s.key(KeyCode::Enter);
    assert!(
        s.text().contains("must start with https://"),
        "{}",
        s.text()
    );

    let sandbox = Sandbox::builder().start().await.unwrap();
    let url = sandbox.info().api_url.clone();
    for _ in 0.."ftp://example.com".len() {
        s.key(KeyCode::Backspace);
    }
    for c in url.chars() {
        s.key(KeyCode::Char(c));
    }
    s.key(KeyCode::Enter);
    assert!(s.text().contains(&format!("API: {url}")), "{}", s.text());
    assert_eq!(s.first.api_address(), url);
    // And it is the address used: the sandbox's user token is accepted.
    s.key(KeyCode::Char('2'));
    s.first
        .update(Action::Paste(sandbox.info().user_token.clone()));
    s.key(KeyCode::Enter);
    s.until(|s| s.first.ending.is_some()).await;
    assert!(matches!(s.first.ending, Some(Ending::SignedIn { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_says_the_cause_and_the_fix() {
    let mut s = SignIn::new("http://127.0.0.1:9");
    s.key(KeyCode::Enter);
    s.until(|s| s.text().contains("Could not reach")).await;
    let text = s.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("Could not reach the API at http://127.0.0.1:9"),
        "{text}"
    );
    assert!(text.contains("connection refused"), "the cause: {text}");
    assert!(
        text.contains("Check the address") && text.contains("explore the sandbox"),
        "the fix: {text}"
    );
    assert!(
        !text.contains("error sending request"),
        "no raw error chain: {text}"
    );
}

/// A config.json the official CLI left: its key order, a key of its own.
const CLI_CONFIG: &str =
    "{\n  \"token\": \"cwt_old\",\n  \"telemetry\": false,\n  \"default_project\": \"prj_1\"\n}\n";

/// The dashboard's credentials as `comwit-tui` builds them, with a
/// `tui.toml` holding `tui_toml` beside `config.json` in `dir` and a
/// keyring in memory (the test never touches the real home or keyring).
fn dashboard_credentials(dir: &std::path::Path, tui_toml: &str, keyring: &Keyring) -> Credentials {
    let settings_file = dir.join("tui.toml");
    std::fs::write(&settings_file, tui_toml).unwrap();
    let (settings, warning) = Settings::load(Some(&settings_file), true);
    assert_eq!(warning, None);
    Credentials::new(
        dir.join("config.json"),
        Some(keyring.clone()),
        Box::new(|_: &str| None::<String>),
    )
    .saving_user_tokens_in(settings.credentials)
}

/// What the keyring alone holds for the user token.
fn keyring_token(dir: &std::path::Path, keyring: &Keyring) -> Option<String> {
    Credentials::new(
        dir.join("absent.json"),
        Some(keyring.clone()),
        Box::new(|_: &str| None::<String>),
    )
    .user_token()
    .unwrap()
    .map(|(t, _)| t.expose().to_string())
}

fn mock_keyring() -> Keyring {
    Keyring::in_memory().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_login_goes_to_config_json_where_the_official_cli_reads_it() {
    let sandbox = Sandbox::builder()
        .device_interval_secs(1)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), CLI_CONFIG).unwrap();
    let keyring = mock_keyring();
    let creds = dashboard_credentials(dir.path(), "mouse = false\n", &keyring);
    let mut s = SignIn::with(&sandbox.info().api_url, creds);
    sign_in_with_the_browser(&mut s, &sandbox).await;
    let session = signed_in(&mut s).await;

    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    let token = Config::load(dir.path().join("config.json"))
        .unwrap()
        .token()
        .expect("the token is in config.json");
    assert_ne!(token.expose(), "cwt_old");
    assert_eq!(
        config,
        CLI_CONFIG.replace("cwt_old", token.expose()),
        "the CLI's other keys, in its order"
    );
    assert_eq!(
        keyring_token(dir.path(), &keyring),
        None,
        "not in the keyring"
    );
    assert_eq!(session.token_kind(), Some(comwit_client::TokenKind::User));
    assert!(session.client.projects().list().await.is_ok());
    let notice = s.first.saved_notice.clone().unwrap();
    assert!(
        notice.contains("where the comwit CLI reads it") && notice.contains("config.json"),
        "{notice}"
    );
    assert!(!notice.contains(token.expose()), "no secret in the notice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_credentials_keyring_in_tui_toml_a_pasted_token_goes_to_the_keyring() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), CLI_CONFIG).unwrap();
    let keyring = mock_keyring();
    let creds = dashboard_credentials(dir.path(), "credentials = \"keyring\"\n", &keyring);
    let mut s = SignIn::with(&sandbox.info().api_url, creds);
    s.key(KeyCode::Char('2'));
    s.first
        .update(Action::Paste(sandbox.info().user_token.clone()));
    s.key(KeyCode::Enter);
    s.until(|s| s.first.ending.is_some()).await;

    assert_eq!(
        keyring_token(dir.path(), &keyring).as_deref(),
        Some(sandbox.info().user_token.as_str())
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.json")).unwrap(),
        CLI_CONFIG,
        "config.json untouched"
    );
    // Saved over the CLI's token, so it is the one in effect now.
    let (token, source) = s.creds.user_token().unwrap().unwrap();
    assert_eq!(token.expose(), sandbox.info().user_token);
    assert_eq!(source, TokenSource::Keyring);
    assert_eq!(
        s.first.saved_notice.as_deref(),
        Some("signed in; the token is saved in your keyring")
    );
}

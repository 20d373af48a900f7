//! The README's comwit-tui examples, run as written: the dashboard on the
//! sandbox (in tmux), and every watch command against a sandbox, each
//! deploying on a change and stopping on Ctrl-C.

mod support;
mod tmux;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use comwit_e2e::readme::{self, Example};
use tmux::Tmux;

/// What `?` shows now, line by line.
fn help(h: &support::Harness) -> Vec<String> {
    comwit_tui::ui::help_lines(&h.app, &comwit_tui::theme::Theme::monochrome())
        .into_iter()
        .map(|l| l.to_string().trim_end().to_string())
        .collect()
}

/// Asserts the README's text block holding `marker` is `expected`, the
/// help's lines (inside the README's list item, two spaces in).
fn assert_block(marker: &str, expected: &[String]) {
    let expected = expected.join("\n");
    let block = readme::blocks(&readme::text(), &["text"])
        .into_iter()
        .find(|b| b.text.contains(marker))
        .unwrap_or_else(|| panic!("the README lists these keys ({marker}):\n{expected}"));
    let written: Vec<&str> = block
        .text
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l).trim_end())
        .collect();
    assert_eq!(
        written.join("\n").trim_matches('\n'),
        expected,
        "README line {}: update the keys block to what ? shows",
        block.line
    );
}

/// The README's dashboard keys are what `?` shows: the tree's, the
/// global ones and the commands, key for key and word for word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_keys_are_the_help_word_for_word() {
    let h = support::Harness::start().await;
    let help = help(&h);
    let from = help.iter().position(|l| l == "Project tree").unwrap();
    // The shared sections, up to the view notes that may follow.
    let end = help
        .iter()
        .rposition(|l| l.starts_with("  :"))
        .expect("commands listed");
    assert_block("Everywhere", &help[from..=end]);
}

/// The README's SQL console keys are its section of `?`, word for word
/// (the console's list is the longest, and the one people look up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_sql_console_keys_are_the_help_word_for_word() {
    let mut h = support::Harness::start_with(|b| b, support::Mode::Operator).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("s/enter SQL console").await;
    h.key(ratatui::crossterm::event::KeyCode::Char('s'));
    h.settle(|a| a.fullscreen.is_some()).await;
    let help = help(&h);
    let from = help.iter().position(|l| l.starts_with("SQL · ")).unwrap();
    let to = from + help[from..].iter().position(String::is_empty).unwrap();
    assert_block("ctrl-r/F5", &help[from + 1..to]);
}

fn tui_examples() -> Vec<Example> {
    let ex: Vec<Example> = readme::examples()
        .into_iter()
        .filter(|e| e.program() == "comwit-tui")
        .collect();
    assert!(!ex.is_empty(), "the README shows comwit-tui");
    ex
}

/// A directory whose `comwit-tui` is the binary under test, to put first
/// on PATH so the README's command line runs unchanged.
fn bin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_comwit-tui"),
        dir.path().join("comwit-tui"),
    )
    .unwrap();
    dir
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn the_dashboard_examples_open_the_sandbox_and_quit_cleanly() {
    let dashboards: Vec<Example> = tui_examples()
        .into_iter()
        // The headless commands have tests of their own.
        .filter(|e| {
            !e.command
                .split_whitespace()
                .any(|w| ["watch", "sql", "dns"].contains(&w))
        })
        .collect();
    assert!(
        !dashboards.is_empty(),
        "the README's first command is the dashboard"
    );
    let bins = bin_dir();
    for ex in dashboards {
        assert!(
            ex.command.contains("--sandbox"),
            "README line {}: a dashboard example this test can run needs --sandbox: {}",
            ex.line,
            ex.text
        );
        let home = tempfile::tempdir().unwrap();
        let script = format!(
            "export PATH='{path}' HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state; \
             {command}; echo \"exit=$?\"; sleep 60",
            path = path_with(bins.path()),
            home = home.path().display(),
            command = ex.command,
        );
        let tmux = Tmux::start("readme", 110, 30, &script);
        let screen = tmux.wait_for("storefront");
        assert!(screen.contains("sandbox"), "line {}: {screen}", ex.line);
        tmux.keys(&["q"]);
        let after = tmux.wait_for("exit=");
        assert!(
            after.contains("exit=0"),
            "README line {}: {}\n{after}",
            ex.line,
            ex.text
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_watch_example_deploys_on_change_and_stops_on_ctrl_c() {
    let watches: Vec<Example> = tui_examples()
        .into_iter()
        .filter(|e| e.command.split_whitespace().any(|w| w == "watch"))
        .collect();
    assert!(watches.len() >= 2, "{watches:?}");
    // The examples without --sandbox use the configured account: here,
    // a sandbox server through COMWIT_API_URL and COMWIT_TOKEN.
    let (sandbox, info) = demo_sandbox().await;
    let bins = bin_dir();
    for ex in watches {
        let (api, token) = (info.api_url.clone(), info.user_token.clone());
        let path = path_with(bins.path());
        tokio::task::spawn_blocking(move || run_watch(&ex, &path, &api, &token))
            .await
            .unwrap();
    }
    sandbox.shutdown().await;
}

/// A sandbox with the demo data, and what a client needs to reach it.
async fn demo_sandbox() -> (comwit_sandbox::Sandbox, comwit_sandbox::SandboxInfo) {
    let sandbox = comwit_sandbox::Sandbox::builder()
        .seed_demo()
        .start()
        .await
        .unwrap();
    let info = sandbox.info().clone();
    (sandbox, info)
}

/// The README's `comwit-tui WORD …` examples (headless commands).
fn headless_examples(word: &str) -> Vec<Example> {
    tui_examples()
        .into_iter()
        .filter(|e| e.command.split_whitespace().nth(1) == Some(word))
        .collect()
}

/// Runs a headless example in `dir` as the configured account: here the
/// operator of `info`'s sandbox (whose query tokens reach any database).
fn run_headless(ex: &Example, dir: &Path, info: &comwit_sandbox::SandboxInfo) -> Output {
    let bins = bin_dir();
    let home = tempfile::tempdir().unwrap();
    Command::new("bash")
        .arg("-c")
        .arg(&ex.command)
        .current_dir(dir)
        .env("PATH", path_with(bins.path()))
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("COMWIT_API_URL", &info.api_url)
        .env("PLATFORM_API_SERVER_TOKEN", &info.operator_token)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sql_examples_dump_and_import_in_order() {
    let examples = headless_examples("sql");
    assert!(examples.len() >= 3, "{examples:?}");
    // The demo's shop-db, and a new-db to import into.
    let (sandbox, info) = demo_sandbox().await;
    let user = comwit_client::Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let storefront = user.projects().list().await.unwrap();
    let storefront = storefront.iter().find(|p| p.name == "storefront").unwrap();
    user.databases(&storefront.project_id)
        .create("new-db")
        .await
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("d1-export.sql"),
        "PRAGMA defer_foreign_keys = on;\nCREATE TABLE coupons (code TEXT PRIMARY KEY);\n\
         INSERT INTO coupons VALUES('WELCOME');\nDELETE FROM sqlite_sequence;\n",
    )
    .unwrap();
    tokio::task::spawn_blocking(move || {
        for ex in examples {
            let out = run_headless(&ex, work.path(), &info);
            let said = String::from_utf8_lossy(&out.stderr);
            let place = format!("README line {}: {}\n{said}", ex.line, ex.text);
            assert!(out.status.success(), "{place}");
            if ex.command.contains(" import ") {
                assert!(said.contains("imported into new-db"), "{place}");
            }
        }
        let dump = std::fs::read_to_string(work.path().join("shop.sql")).unwrap();
        assert!(dump.contains("CREATE TABLE customers"), "{dump}");
    })
    .await
    .unwrap();
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dns_examples_export_then_plan_no_change() {
    let examples = headless_examples("dns");
    assert!(examples.len() >= 2, "{examples:?}");
    let (sandbox, info) = demo_sandbox().await;
    let work = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || {
        for ex in examples {
            let out = run_headless(&ex, work.path(), &info);
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let place = format!("README line {}: {}\n{said}", ex.line, ex.text);
            // The plan of a zone just exported changes nothing: exit 0.
            assert_eq!(out.status.code(), Some(0), "{place}");
            if ex.command.contains(" plan ") {
                assert!(
                    said.contains("0 to create, 0 to update, 0 to delete"),
                    "{place}"
                );
            }
        }
    })
    .await
    .unwrap();
    sandbox.shutdown().await;
}

/// A project as the README assumes one: `index.html` at the root, an npm
/// `build` script copying it into `dist/`, and `dist/` already built.
fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let root = site.path();
    std::fs::write(root.join("index.html"), "<h1>one</h1>").unwrap();
    std::fs::write(
        root.join("package.json"),
        r#"{"name":"site","private":true,"scripts":{"build":"mkdir -p dist && cp index.html dist/"}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(root.join("dist")).unwrap();
    std::fs::write(root.join("dist/index.html"), "<h1>one</h1>").unwrap();
    site
}

fn run_watch(ex: &Example, path: &str, api: &str, token: &str) {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let where_ = format!("README line {}: {}", ex.line, ex.text);
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("exec {}", ex.command))
        .current_dir(site.path())
        .env("PATH", path)
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("COMWIT_API_URL", api)
        .env("COMWIT_TOKEN", token)
        // For the examples that leave --project out, as the README says.
        .env("COMWIT_PROJECT", "storefront")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let mut wait_for = |word: &str| loop {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(90)) else {
            panic!("{where_}: never said {word:?}; said:\n{}", seen.join("\n"));
        };
        seen.push(line.clone());
        if line.contains(word) {
            return line;
        }
    };
    wait_for("watching");
    // The watched tree: the source with --build, else the package.
    let changed = if ex.command.contains("--build") {
        site.path().join("index.html")
    } else {
        site.path().join("dist/index.html")
    };
    // Content of its own: the examples share one app, and an artifact
    // equal to the active build is (rightly) skipped.
    std::fs::write(&changed, format!("<h1>README line {}</h1>", ex.line)).unwrap();
    let deployed = wait_for("deployed");
    assert!(deployed.contains("build-"), "{where_}: {deployed}");

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{where_}: {exit}");
}

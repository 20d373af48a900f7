//! The shell around the views: `?` lists every key from the lists that
//! dispatch them (and each does what it says), the key bar keeps help and
//! quit at any width, toasts wrap and give way to the outcome of their
//! work, and `:messages` keeps the history.

mod support;

use comwit_tui::notice::MESSAGE_LOG_CAPACITY;
use comwit_tui::theme::Theme;
use comwit_tui::views::Hint;
use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode};

/// The help's text, one string per line.
fn help_text(h: &Harness) -> Vec<String> {
    comwit_tui::ui::help_lines(&h.app, &Theme::monochrome())
        .into_iter()
        .map(|l| l.to_string())
        .collect()
}

/// The keys of the view in the body, as it dispatches them.
fn view_keys(h: &Harness) -> (String, Vec<Hint>) {
    let key = h.app.active_view_key().expect("a view");
    let view = h.app.view(&key).expect("opened");
    (view.title(), view.keys())
}

/// Whether the view takes every key now (typing), so esc is its own.
fn captures(h: &Harness) -> bool {
    let key = h.app.active_view_key().expect("a view");
    h.app.view(&key).expect("opened").captures_keys()
}

/// The help's section for the view lists exactly the view's keys (plus
/// esc back unless the view takes esc itself), each with its words; the keys the bar offers now are among
/// them; and the global keys are listed as the keymap has them.
fn assert_help_is_the_dispatch_list(h: &Harness) {
    let text = help_text(h);
    let (title, keys) = view_keys(h);
    let start = text
        .iter()
        .position(|l| *l == title)
        .expect("a section per view");
    let section: Vec<&String> = text[start + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .collect();
    // Esc means back unless the view takes it now (typing, a filter).
    let key = h.app.active_view_key().expect("a view");
    let now = h.app.view(&key).expect("opened").hints();
    let esc_taken = captures(h) || now.iter().any(|k| k.keys.split('/').any(|k| k == "esc"));
    let back = usize::from(!esc_taken);
    assert_eq!(
        section.len(),
        keys.len() + back,
        "{section:#?} vs {keys:#?}"
    );
    if back == 1 {
        assert_eq!(
            section.last().unwrap().split_whitespace().next(),
            Some("esc")
        );
    }
    for (line, k) in section.iter().zip(&keys) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], k.keys, "{line}");
        assert_eq!(words[1..].join(" "), k.what, "{line}");
    }
    for now in h.app.key_hints() {
        assert!(
            text.iter()
                .any(|l| l.split_whitespace().next() == Some(&now.keys)),
            "the bar's {} is in the help",
            now.keys
        );
    }
    for g in h.app.settings.keymap.globals() {
        let line = format!("  {:<14} {}", g.binding.label(), g.what);
        assert!(text.contains(&line), "{line:?} in {text:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_of_builds_is_its_key_list_and_its_keys_work() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    assert_help_is_the_dispatch_list(&h);
    let (_, keys) = view_keys(&h);
    assert!(
        keys.iter()
            .any(|k| k.keys == "b" && k.what.contains("roll back"))
    );
    // Listed although the active build (under the cursor) cannot be rolled
    // back to: the bar leaves it out, the help does not.
    assert!(!h.app.key_hints().iter().any(|k| k.keys == "b"));
    h.key(KeyCode::Char('?'));
    assert!(h.screen().contains("roll back to the selected build"));
    h.key(KeyCode::Esc);
    assert!(!h.app.help);

    // b does what the help says, on a build that is not active.
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('b'));
    h.wait_for("Roll back").await;
    h.key(KeyCode::Esc);
    // d: deploy a directory.
    h.key(KeyCode::Char('d'));
    h.wait_for("Deploy").await;
    h.key(KeyCode::Esc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_of_records_is_its_key_list_and_its_keys_work() {
    let mut h = Harness::start().await;
    h.zone().await;
    assert_help_is_the_dispatch_list(&h);
    let (_, keys) = view_keys(&h);
    for (key, what) in [
        ("n", "new record"),
        ("e", "edit the record"),
        ("x", "delete the record"),
    ] {
        assert!(
            keys.iter().any(|k| k.keys == key && k.what == what),
            "{key}: {keys:?}"
        );
    }
    h.key(KeyCode::Char('n'));
    h.wait_for("New record in shop.example").await;
    assert!(
        h.app
            .key_hints()
            .iter()
            .any(|k| k.what == "cancel" || k.keys.contains("esc"))
    );
    h.key(KeyCode::Esc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_global_key_listed_does_what_it_says() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    let press = |h: &mut Harness, label: &str| {
        let g = h
            .app
            .settings
            .keymap
            .globals()
            .into_iter()
            .find(|g| g.what == label);
        let b = g.expect(label).binding;
        h.app.update(comwit_tui::action::Action::Key(
            ratatui::crossterm::event::KeyEvent::new(b.code, b.modifiers),
        ));
    };
    press(&mut h, "copy");
    assert!(
        h.app
            .last_copy
            .as_deref()
            .is_some_and(|c| c.starts_with("build-"))
    );
    press(&mut h, "pane");
    assert_eq!(h.app.focus, comwit_tui::app::Focus::Tree);
    press(&mut h, "pane");
    assert_eq!(h.app.focus, comwit_tui::app::Focus::View);
    press(&mut h, "tree");
    assert!(!h.app.tree_shown());
    assert!(!h.screen().contains("┌ projects"), "{}", h.screen());
    press(&mut h, "tree");
    assert!(h.screen().contains("┌ projects"));
    assert_eq!(
        h.app.focus,
        comwit_tui::app::Focus::Tree,
        "shown to be used"
    );
    press(&mut h, "pane");
    press(&mut h, "command");
    assert!(h.app.palette.is_some());
    h.key(KeyCode::Esc);
    press(&mut h, "filter");
    assert!(h.screen().contains("/▏"), "{}", h.screen());
    h.key(KeyCode::Esc);
    press(&mut h, "refresh");
    assert!(h.screen().contains("refreshing"), "{}", h.screen());
    h.wait_for("● build-").await;
    press(&mut h, "help");
    assert!(h.app.help);
    h.key(KeyCode::Esc);
    press(&mut h, "quit");
    assert!(h.app.quitting());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_bar_keeps_help_and_quit_at_40_columns_and_the_help_scrolls() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    h.width = 40;
    h.height = 12;
    let screen = h.screen();
    let bar = screen.lines().last().unwrap();
    assert!(bar.contains("? help") && bar.contains("q quit"), "{bar:?}");

    h.key(KeyCode::Char('?'));
    let first = h.screen();
    assert!(first.contains("help · 1-"), "the title says where: {first}");
    h.key(KeyCode::Char('j'));
    assert!(h.screen().contains("help · 2-"), "{}", h.screen());
    h.key(KeyCode::Char('G'));
    let end = h.screen();
    assert!(end.contains(":quit"), "the end of the help: {end}");
    h.key(KeyCode::Char('x'));
    assert!(!h.app.help, "another key closes it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_toast_wraps_inside_its_pane() {
    let mut h = Harness::start().await;
    let text = "the delegation of newbrand.example lapsed: the registrar no longer \
                lists our nameservers, so its records are no longer served";
    h.app.warn(text.to_string());
    h.width = 50;
    h.height = 16;
    let screen = h.screen();
    // The toast is the rightmost box: its rows end in its border.
    let shown: Vec<&str> = screen
        .lines()
        .filter_map(|l| l.rsplit('│').nth(1))
        .flat_map(str::split_whitespace)
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    assert!(
        shown.windows(words.len()).any(|w| w == words.as_slice()),
        "the whole message, wrapped:\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_back_is_shown_until_the_rollback_ends_then_its_result() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('b'));
    h.key(KeyCode::Char('y'));
    let texts = |h: &Harness| {
        h.app
            .toasts
            .iter()
            .map(|t| t.text.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        texts(&h).iter().any(|t| t.starts_with("rolling back to")),
        "{:?}",
        texts(&h)
    );
    assert!(
        h.app.toasts.iter().all(|t| t.until.is_none()),
        "no timer on work in flight"
    );
    h.toast("rolled back:").await;
    assert!(
        !texts(&h).iter().any(|t| t.starts_with("rolling back")),
        "the result replaced it: {:?}",
        texts(&h)
    );
    let log: Vec<String> = h.app.log.iter().map(|m| m.text.clone()).collect();
    assert!(log[log.len() - 2].starts_with("rolling back to"), "{log:?}");
    assert!(log[log.len() - 1].starts_with("rolled back:"), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_lists_the_history_with_times_newest_last_and_bounded() {
    let mut h = Harness::start().await;
    for i in 0..MESSAGE_LOG_CAPACITY + 20 {
        h.app.warn(format!("message number {i}"));
    }
    assert_eq!(h.app.log.len(), MESSAGE_LOG_CAPACITY, "bounded");
    assert_eq!(
        h.app.log.iter().next().unwrap().text,
        "message number 20",
        "the oldest went first"
    );
    h.key(KeyCode::Char(':'));
    h.chars("messages");
    h.key(KeyCode::Enter);
    let screen = h.screen();
    let last = format!("message number {}", MESSAGE_LOG_CAPACITY + 19);
    assert!(screen.contains(&last), "opened at the newest:\n{screen}");
    let line = screen.lines().find(|l| l.contains(&last)).unwrap();
    let clock = line.split('│').nth(1).unwrap().trim_start();
    assert!(
        clock.as_bytes()[2] == b':' && clock.as_bytes()[5] == b':',
        "a local time first: {line}"
    );
    h.key(KeyCode::Char('g'));
    let top = h.screen();
    assert!(
        top.contains("message number 20 "),
        "scrolls to the oldest:\n{top}"
    );
    assert!(!top.contains(&last));
    h.key(KeyCode::Esc);
    assert!(!h.app.log_open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_of_a_database_lists_every_key_and_the_bar_only_those_that_apply() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.database("storefront", "shop-db").await;
    // The keys apply once the database itself is loaded.
    h.wait_for("K rotate token").await;
    assert_help_is_the_dispatch_list(&h);
    let (_, keys) = view_keys(&h);
    // Suspend and resume are both in the help; the bar offers the one the
    // database's state allows (it is running).
    for key in ["s/enter", "K", "S", "U", "D"] {
        assert!(keys.iter().any(|k| k.keys == key), "{key}: {keys:?}");
    }
    let bar = h.app.key_hints();
    assert!(bar.iter().any(|k| k.keys == "S"), "{bar:?}");
    assert!(!bar.iter().any(|k| k.keys == "U"), "{bar:?}");
    // U is not taken while it does not apply: no resume dialog opens.
    h.key(KeyCode::Char('U'));
    assert!(!h.screen().contains("Resume"), "{}", h.screen());
    // S does what the help says.
    h.key(KeyCode::Char('S'));
    h.wait_for("Suspend").await;
}

/// The key bar's keys now.
fn bar(h: &Harness) -> Vec<String> {
    h.app
        .key_hints()
        .into_iter()
        .map(|k| k.keys.to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_of_the_sql_console_is_its_key_list_and_its_keys_work() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("s/enter SQL console").await;
    h.key(KeyCode::Char('s'));
    h.settle(|a| a.fullscreen.is_some()).await;
    h.wait_for("autocommit").await;
    // In the editor: typing is the editor's, esc goes to the results.
    assert_help_is_the_dispatch_list(&h);
    let (_, keys) = view_keys(&h);
    for key in [
        "ctrl-r/F5",
        "ctrl-x/F6",
        "ctrl-o",
        "ctrl-l",
        "ctrl-u",
        "ctrl-s",
    ] {
        assert!(keys.iter().any(|k| k.keys == key), "{key}: {keys:?}");
    }
    // Export applies once there are rows: not offered, and not taken.
    assert!(!bar(&h).contains(&"ctrl-s".to_string()), "{:?}", bar(&h));
    h.ctrl('s');
    assert!(!h.screen().contains("Export result"));
    for c in "select 1 as one".chars() {
        h.key(KeyCode::Char(c));
    }
    h.ctrl('r');
    h.wait_for("1 row").await;
    assert!(bar(&h).contains(&"ctrl-s".to_string()), "{:?}", bar(&h));

    // In the results: moving is the grid's, enter/i back to the editor,
    // and esc is "back" (the view no longer takes it).
    h.key(KeyCode::Esc);
    assert!(!captures(&h));
    assert_help_is_the_dispatch_list(&h);
    let now = bar(&h);
    assert!(now.contains(&"↑↓←→/hjkl".to_string()), "{now:?}");
    assert!(now.contains(&"enter/i".to_string()), "{now:?}");
    assert!(!now.contains(&"esc/tab".to_string()), "{now:?}");
    h.key(KeyCode::Char('i'));
    assert!(captures(&h), "i went back to the editor");
    h.ctrl('s');
    h.wait_for("Export result").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_of_the_delegation_watcher_is_its_key_list_and_its_keys_work() {
    let mut h = Harness::start().await;
    h.command("delegation");
    h.wait_for("newbrand.example").await;
    assert_help_is_the_dispatch_list(&h);
    let (_, keys) = view_keys(&h);
    assert!(keys.iter().any(|k| k.keys == "c" && k.what.contains("now")));
    // esc clears a filter only when there is one: listed, not offered.
    assert!(keys.iter().any(|k| k.keys == "esc"), "{keys:?}");
    let clear = |h: &Harness| h.app.key_hints().iter().any(|k| k.what == "clear filter");
    assert!(!clear(&h));
    h.key(KeyCode::Char('/'));
    h.chars("newbrand");
    h.key(KeyCode::Enter);
    assert!(clear(&h), "{:?}", bar(&h));
    assert_help_is_the_dispatch_list(&h);
    h.key(KeyCode::Esc);
    assert!(!clear(&h), "{:?}", bar(&h));
    assert!(
        h.app.active_view_key().is_some(),
        "the first esc only cleared"
    );
    // c checks the selected domain now: the title counts it at once (what
    // the check finds is dns.rs's to test).
    for _ in 0..100 {
        if !h.screen().contains("checking") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        h.drain();
    }
    assert!(!h.screen().contains("checking"), "{}", h.screen());
    h.key(KeyCode::Char('c'));
    assert!(h.screen().contains("⟳ 1 checking"), "{}", h.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_of_watch_mode_is_its_key_list_and_its_keys_work() {
    let mut h = Harness::start().await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>one</h1>").unwrap();
    h.watch_form().await;
    h.key(KeyCode::Esc);
    // Stopped: c configures, and pause and stop are listed but not offered.
    assert_help_is_the_dispatch_list(&h);
    let (_, keys) = view_keys(&h);
    for key in ["c", "p", "s", "b"] {
        assert!(keys.iter().any(|k| k.keys == key), "{key}: {keys:?}");
    }
    let now = bar(&h);
    assert!(
        now.contains(&"c".to_string()) && !now.contains(&"p".to_string()),
        "{now:?}"
    );
    h.key(KeyCode::Char('p'));
    assert!(!h.screen().contains("paused"));
    h.key(KeyCode::Char('c'));
    h.wait_for("Watch and redeploy").await;
    h.submit_watch(site.path());
    h.wait_for("watching /").await;
    // Running: p and s apply, c does not.
    let now = bar(&h);
    assert!(
        now.contains(&"p".to_string()) && !now.contains(&"c".to_string()),
        "{now:?}"
    );
    h.key(KeyCode::Char('p'));
    h.wait_for("paused").await;
    h.key(KeyCode::Char('s'));
    h.wait_for("stopped").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_keys_in_the_help_are_the_ones_it_dispatches() {
    let mut h = Harness::start().await;
    let text = help_text(&h);
    let start = text.iter().position(|l| l == "Project tree").unwrap();
    let listed: Vec<String> = text[start + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let keys: Vec<String> = comwit_tui::tree_keys::all()
        .into_iter()
        .map(|k| k.keys.to_string())
        .collect();
    assert_eq!(listed, keys);

    // Each does what the help says on storefront (collapsed at first).
    h.select("storefront").await;
    let expanded = |h: &Harness| {
        h.app.tree.is_expanded(&comwit_tui::tree::NodeKey::Project(
            h.app
                .selected_node()
                .unwrap()
                .key
                .project()
                .unwrap()
                .to_string(),
        ))
    };
    h.key(KeyCode::Char('l'));
    assert!(expanded(&h), "l expands");
    h.key(KeyCode::Char('l'));
    assert_eq!(
        h.app.focus,
        comwit_tui::app::Focus::View,
        "l on an open row opens its view"
    );
    h.key(KeyCode::Tab);
    h.key(KeyCode::Left);
    assert!(!expanded(&h), "← collapses");
    h.key(KeyCode::Enter);
    assert!(expanded(&h), "enter expands");
    assert!(
        h.app
            .key_hints()
            .iter()
            .any(|k| k.keys == "enter" && k.what == "collapse")
    );
    h.key(KeyCode::Enter);
    assert!(!expanded(&h), "enter collapses");
}

/// `w` in the builds view opens the active build on the sandbox's site
/// listener (a script stands in for the browser), and that page is the
/// build.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_opens_the_active_build_on_the_sandbox_site() {
    let dir = tempfile::tempdir().unwrap();
    let opened = dir.path().join("opened.txt");
    let browser = dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // SAFETY: set once, before the key that reads it; no other test of
    // this binary opens a browser.
    unsafe { std::env::set_var("COMWIT_BROWSER", &browser) };
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    h.key(KeyCode::Char('w'));
    h.wait_for("opened http://").await;
    let mut url = String::new();
    for _ in 0..100 {
        url = std::fs::read_to_string(&opened).unwrap_or_default();
        if !url.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let url = url.trim();
    let site = &h.sandbox.info().site_url;
    assert!(url.starts_with(&format!("{site}/apps/app-")), "{url}");
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains("web v3"),
        "the demo's active build"
    );
}

/// `:fault` drills outages on the sandbox the dashboard runs on, says
/// which are on, and `:fault clear` ends them; elsewhere it says why not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_switches_sandbox_outages_on_and_clear_ends_them() {
    let mut h = Harness::start().await;
    h.command("fault louhi");
    h.toast("sandbox faults: louhi (databases) down").await;
    h.command("fault slow /v1/projects 50");
    h.toast("slow /v1/projects +50 ms").await;
    let ready = reqwest::get(format!("{}/readyz", h.sandbox.info().api_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "the sandbox has the outage");
    h.command("fault");
    h.toast("louhi (databases) down, slow /v1/projects +50 ms")
        .await;
    h.command("fault clear");
    h.toast("sandbox faults: none").await;
    let ready = reqwest::get(format!("{}/readyz", h.sandbox.info().api_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    h.command("fault everything");
    h.toast(":fault louhi|brrrd|dns").await;
    h.app.session.sandbox = None;
    h.command("fault louhi");
    h.toast(":fault drills the sandbox").await;
}

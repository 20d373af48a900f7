//! `comwit-tui watch` as operators run it: JSON lines, a deploy on
//! change, Ctrl-C (SIGINT) stopping cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn headless_watch_deploys_on_change_and_stops_on_ctrl_c() {
    let site = tempfile::tempdir().unwrap();
    let package = site.path().to_str().unwrap().to_string();
    let args = [
        "--sandbox",
        "--project",
        "storefront",
        "watch",
        "--app",
        "web",
    ];
    let mut args: Vec<&str> = args.to_vec();
    args.extend(["--json", "--package", &package]);
    watch_deploys_on_change(&args, site.path(), &site.path().join("index.html"));
}

/// The README's form: the global flags after `watch`, and a package path
/// relative to where the command runs (`./dist`, and the default `dist`).
#[test]
fn global_flags_after_watch_and_a_relative_package_work() {
    let work = tempfile::tempdir().unwrap();
    let index = work.path().join("dist/index.html");
    std::fs::create_dir_all(index.parent().unwrap()).unwrap();
    let readme = [
        "watch",
        "--sandbox",
        "--project",
        "storefront",
        "--app",
        "web",
        "--package",
        "./dist",
        "--json",
    ];
    watch_deploys_on_change(&readme, work.path(), &index);
    let default_package = [
        "watch",
        "--sandbox",
        "--project",
        "storefront",
        "--app",
        "web",
        "--json",
    ];
    watch_deploys_on_change(&default_package, work.path(), &index);
}

/// Runs `comwit-tui ARGS` in `cwd`, changes `page` once it is watching,
/// expects a deploy, then stops it with SIGINT; the deploy's event.
fn watch_deploys_on_change(
    args: &[&str],
    cwd: &std::path::Path,
    page: &std::path::Path,
) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(page, "<h1>one</h1>").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_comwit-tui"))
        .args(args)
        .current_dir(cwd)
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |event: &str| -> serde_json::Value {
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("{args:?}: no {event} event"));
            let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
            if v["event"] == event {
                return v;
            }
        }
    };
    wait_for("watching");
    std::fs::write(page, "<h1>two</h1>").unwrap();
    let deployed = wait_for("deployed");
    assert!(deployed["build_id"].as_str().unwrap().starts_with("build-"));
    assert!(deployed["previous_build_id"].is_string(), "{deployed}");

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for("stopped");
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit}");
    deployed
}

/// `--check PATH` asks the deployed site after each deploy (on the
/// sandbox, its site listener) and says how it answered.
#[test]
fn the_check_after_each_deploy_asks_the_sandbox_site() {
    let site = tempfile::tempdir().unwrap();
    let package = site.path().to_str().unwrap().to_string();
    let watch = |path: &str| {
        let args = [
            "--sandbox",
            "--project",
            "storefront",
            "watch",
            "--app",
            "web",
            "--json",
            "--package",
            &package,
            "--check",
            path,
            "--check-timeout",
            "1s",
        ];
        watch_deploys_on_change(&args, site.path(), &site.path().join("index.html"))
    };
    let good = watch("/index.html");
    let check = &good["check"];
    assert_eq!(check["ok"], true, "{good}");
    assert_eq!(check["status"], 200);
    let url = check["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:")
            && url.contains("/apps/app-")
            && url.ends_with("/index.html"),
        "{url}"
    );
    let bad = watch("/missing.html");
    assert_eq!(bad["check"]["ok"], false, "{bad}");
    assert_eq!(bad["check"]["status"], 404);

    let refused = Command::new(env!("CARGO_BIN_EXE_comwit-tui"))
        .args(["--sandbox", "watch", "--app", "web", "--check", "healthz"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("give one like /healthz"));
}

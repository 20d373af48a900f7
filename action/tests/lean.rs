//! `comwit-deploy` builds lean: its dependency tree (what `cargo install
//! --path action` compiles) holds none of the dashboard's and sandbox's
//! stacks, nor a GitHub SDK with its own HTTP client.

use std::process::Command;

#[test]
fn the_action_links_none_of_the_tui_only_crates() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "comwit-deploy-action",
        ])
        .args(["-e", "normal,build", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: std::collections::BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for banned in [
        "keyring-core",
        "zbus-secret-service-keyring-store",
        "notify",
        "notify-debouncer-full",
        "ignore",
        "hickory-proto",
        "rusqlite",
        "libsql-hrana",
        "ratatui",
        "comwit-sandbox",
        "octocrab",
        "regex",
    ] {
        assert!(!crates.contains(banned), "comwit-deploy pulls {banned}");
    }
    assert!(crates.contains("comwit-client") && crates.contains("reqwest"));
    assert!(crates.len() <= 150, "{} crates", crates.len());
}

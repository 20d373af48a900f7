//! `comwit-deploy` builds lean: its dependency tree (what `cargo install
//! --path action` compiles) holds none of the dashboard's and sandbox's
//! stacks, nor a GitHub SDK with its own HTTP client. The `dns` feature
//! (for `dns-plan`/`dns-apply`) adds hickory's zone-file parser and
//! nothing else of theirs.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates `cargo install --path action [--features …]` compiles.
fn tree(features: &[&str]) -> BTreeSet<String> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args([
        "tree",
        "--offline",
        "--locked",
        "-p",
        "comwit-deploy-action",
    ])
    .args(["-e", "normal,build", "--prefix", "none"])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

const TUI_ONLY: [&str; 11] = [
    "keyring-core",
    "zbus-secret-service-keyring-store",
    "notify",
    "notify-debouncer-full",
    "ignore",
    "rusqlite",
    "libsql-hrana",
    "ratatui",
    "comwit-sandbox",
    "octocrab",
    "regex",
];

#[test]
fn the_action_links_none_of_the_tui_only_crates() {
    let crates = tree(&[]);
    for banned in TUI_ONLY.iter().chain(&["hickory-proto"]) {
        assert!(!crates.contains(*banned), "comwit-deploy pulls {banned}");
    }
    assert!(crates.contains("comwit-client") && crates.contains("reqwest"));
    assert!(crates.len() <= 150, "{} crates", crates.len());
}

#[test]
fn the_dns_feature_adds_the_zone_parser_and_stays_in_budget() {
    let lean = tree(&[]);
    let crates = tree(&["dns"]);
    assert!(crates.contains("hickory-proto"));
    assert!(crates.is_superset(&lean));
    for banned in TUI_ONLY {
        assert!(
            !crates.contains(banned),
            "comwit-deploy --features dns pulls {banned}"
        );
    }
    assert!(crates.len() <= 150, "{} crates", crates.len());
}

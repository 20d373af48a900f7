//! `comwit-tui dns export|plan`, the binary on the demo sandbox (kept
//! between runs): an exported zone plans no change in either format; a
//! provider's export plans creates, updates and deletes and leaves the
//! platform's records alone; exit codes 0, 2 and 1.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `comwit-tui --sandbox --sandbox-data DIR dns ARGS`.
fn dns(dir: &Path, args: &[&str]) -> Output {
    let home = dir.join("home");
    Command::new(env!("CARGO_BIN_EXE_comwit-tui"))
        .args(["--sandbox", "--sandbox-data"])
        .arg(dir.join("sandbox"))
        .arg("dns")
        .args(args)
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("comwit-tui runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_exported_zone_plans_no_change_in_either_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["bind", "json"] {
        let file = dir.path().join(format!("zone.{format}"));
        let path = file.to_str().unwrap();
        let out = dns(
            dir.path(),
            &[
                "export",
                "--domain",
                "shop.example",
                "--format",
                format,
                "--out",
                path,
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(
            written.contains("locked"),
            "platform records marked locked:\n{written}"
        );
        let planned = dns(dir.path(), &["plan", "--domain", "shop.example", path]);
        let said = text(&planned.stdout);
        assert_eq!(
            planned.status.code(),
            Some(0),
            "{said}{}",
            text(&planned.stderr)
        );
        assert!(
            said.contains("0 to create, 0 to update, 0 to delete, 5 unchanged"),
            "{said}"
        );
    }
}

#[test]
fn a_provider_export_plans_changes_and_leaves_platform_records_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared-client/tests/fixtures/provider-export.zone"
    );
    let planned = dns(dir.path(), &["plan", "--domain", "shop.example", fixture]);
    let said = text(&planned.stdout);
    assert_eq!(
        planned.status.code(),
        Some(2),
        "{said}{}",
        text(&planned.stderr)
    );
    assert!(said.contains("note: skipped the SOA record"), "{said}");
    assert!(
        said.contains("+ create    *.preview            A       600    192.0.2.20"),
        "{said}"
    );
    assert!(
        said.contains("~ update    @                    A       300    192.0.2.10, 192.0.2.11"),
        "{said}"
    );
    assert!(said.contains("- delete    mail"), "{said}");
    assert!(said.contains("! locked    www"), "{said}");
    assert!(
        !said.contains("- delete    www") && !said.contains("update    www"),
        "{said}"
    );
    assert!(
        said.contains("3 to create, 3 to update, 2 to delete, 0 unchanged, 1 locked"),
        "{said}"
    );

    let json = dns(
        dir.path(),
        &["plan", "--domain", "shop.example", fixture, "--json"],
    );
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let actions: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "locked").count(),
        1,
        "{actions:?}"
    );
}

#[test]
fn a_file_that_cannot_be_applied_is_an_error_naming_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.zone");
    std::fs::write(&file, "$ORIGIN shop.example.\n$INCLUDE /etc/passwd\n").unwrap();
    let out = dns(
        dir.path(),
        &["plan", "--domain", "shop.example", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("$INCLUDE is not followed"),
        "{}",
        text(&out.stderr)
    );
}

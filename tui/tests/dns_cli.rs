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

#[test]
fn apply_asks_or_needs_yes_then_the_dns_server_answers_as_planned() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared-client/tests/fixtures/provider-export.zone"
    );
    let args = ["apply", "--domain", "shop.example", fixture];
    let refused = dns(dir.path(), &args);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("pass --yes"),
        "{}",
        text(&refused.stderr)
    );

    let applied = dns(
        dir.path(),
        &[&args[..], &["--yes", "--verify", "--timeout", "20s"]].concat(),
    );
    let said = text(&applied.stderr);
    assert!(applied.status.success(), "{said}");
    assert!(
        said.contains("✓ deleted mail A") && said.contains("✓ created *.preview A"),
        "{said}"
    );
    assert!(said.contains("applied 8 change(s)"), "{said}");
    assert!(
        said.contains("verified: every record answers as planned"),
        "{said}"
    );

    // Applied: the same file plans nothing, and the platform's record
    // was never touched.
    let again = dns(dir.path(), &["plan", "--domain", "shop.example", fixture]);
    let said = text(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{said}");
    assert!(said.contains("6 unchanged, 1 locked"), "{said}");
}

#[test]
fn apply_stops_at_the_first_refusal_with_the_platform_s_detail() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clash.zone");
    // A CNAME beside the platform's validation TXT: the platform refuses
    // it; the delete before it was done, the create after it never sent.
    std::fs::write(
        &file,
        "$ORIGIN shop.example.\n$TTL 300\n@ IN A 192.0.2.10\n@ 3600 IN MX 10 mail.shop.example.\n\
         @ 3600 IN TXT \"v=spf1 include:mail.shop.example -all\"\n\
         docs IN CNAME docs-host.example.net.\n\
         _cf-challenge.www IN CNAME elsewhere.example.net.\nzz IN A 192.0.2.99\n",
    )
    .unwrap();
    let out = dns(
        dir.path(),
        &[
            "apply",
            "--domain",
            "shop.example",
            file.to_str().unwrap(),
            "--yes",
        ],
    );
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("✓ deleted mail A"), "{said}");
    assert!(
        said.contains("_cf-challenge.www CNAME was refused"),
        "{said}"
    );
    assert!(said.contains("1 change(s) applied before it"), "{said}");
    assert!(!said.contains("created zz"), "{said}");
}

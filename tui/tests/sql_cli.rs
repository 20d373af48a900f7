//! `comwit-tui sql dump|import`, the binary on a sandbox that keeps its
//! data between runs: a dump written whole, a D1 export refused without
//! `--d1` (nothing sent) and loaded with it.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `comwit-tui --sandbox --sandbox-data DIR sql ARGS` with a home of
/// its own.
fn sql(dir: &Path, args: &[&str]) -> Output {
    let home = dir.join("home");
    Command::new(env!("CARGO_BIN_EXE_comwit-tui"))
        .args(["--sandbox", "--sandbox-data"])
        .arg(dir.join("sandbox"))
        .arg("sql")
        .args(args)
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("COMWIT_DATABASE_TOKEN")
        .output()
        .expect("comwit-tui runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn dump_then_a_d1_export_refused_without_d1_and_loaded_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop.sql");
    let dumped = sql(
        dir.path(),
        &["dump", "--db", "shop-db", "--out", out.to_str().unwrap()],
    );
    assert!(dumped.status.success(), "{}", stderr(&dumped));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"),
        "{text}"
    );
    assert!(text.ends_with("COMMIT;\n"), "written whole");
    assert!(
        text.contains("INSERT INTO \"customers\" VALUES(1,"),
        "{text}"
    );
    assert!(
        stderr(&dumped).contains("dumped shop-db: 3 table(s)"),
        "{}",
        stderr(&dumped)
    );

    let export = dir.path().join("d1.sql");
    std::fs::write(
        &export,
        "PRAGMA defer_foreign_keys = on;\nCREATE TABLE coupons (code TEXT PRIMARY KEY);\n\
         INSERT INTO coupons VALUES('WELCOME');\nDELETE FROM sqlite_sequence;\n",
    )
    .unwrap();
    let file = export.to_str().unwrap();
    let refused = sql(dir.path(), &["import", "--db", "shop-db", file]);
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(
        said.contains("line 1: PRAGMA defer_foreign_keys") && said.contains("--d1"),
        "{said}"
    );

    let loaded = sql(dir.path(), &["import", "--db", "shop-db", file, "--d1"]);
    let said = stderr(&loaded);
    assert!(loaded.status.success(), "{said}");
    assert!(said.contains("2 D1-only statement(s) left out"), "{said}");
    assert!(
        said.contains("imported into shop-db: 2 statement(s)"),
        "{said}"
    );

    let again = sql(dir.path(), &["dump", "--db", "shop-db"]);
    let text = String::from_utf8(again.stdout).unwrap();
    assert!(
        text.contains("INSERT INTO \"coupons\" VALUES('WELCOME');"),
        "{text}"
    );
}

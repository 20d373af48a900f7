//! scripts/release-archive puts comwit-dist's real completions and man
//! pages into every archive.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn tar_list(archive: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(archive)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn every_archive_carries_completions_for_five_shells_and_man_pages() {
    const TARGET: &str = "aarch64-apple-darwin";
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = tempfile::tempdir().unwrap();
    let bins = work.path().join("bins");
    std::fs::create_dir_all(&bins).unwrap();
    for bin in comwit_dist::BINARIES {
        std::fs::write(bins.join(bin), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(bins.join(bin), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = work.path().join("out");
    let status = Command::new("bash")
        .arg(root.join("scripts/release-archive"))
        .args(["--target", TARGET, "--from"])
        .arg(&bins)
        .arg("--out")
        .arg(&out)
        .arg("--dist-tool")
        .arg(env!("CARGO_BIN_EXE_comwit-dist"))
        .status()
        .unwrap();
    assert!(status.success());

    let version = env!("CARGO_PKG_VERSION");
    for bin in comwit_dist::BINARIES {
        let listed = tar_list(&out.join(format!("{bin}-{version}-{TARGET}.tar.gz")));
        for want in comwit_dist::main_files(bin) {
            assert!(listed.contains(&want), "{bin}: no {want} in {listed:?}");
        }
    }
    let tui = tar_list(&out.join(format!("comwit-tui-{version}-{TARGET}.tar.gz")));
    assert!(
        tui.contains(&"man/comwit-tui-watch.1".to_string()),
        "{tui:?}"
    );
}

//! The generated completions and man pages name the binaries' real flags.

use std::path::Path;

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_shipped_binary_gets_completions_for_five_shells_and_man_pages() {
    for bin in comwit_dist::BINARIES {
        let out = tempfile::tempdir().unwrap();
        let files = comwit_dist::write(bin, out.path()).unwrap();
        for rel in comwit_dist::main_files(bin) {
            assert!(files.contains(&out.path().join(&rel)), "{bin}: no {rel}");
            assert!(
                !read(out.path(), &rel).trim().is_empty(),
                "{bin}: empty {rel}"
            );
        }
    }
}

#[test]
fn the_pages_describe_the_flags_each_binary_accepts() {
    let out = tempfile::tempdir().unwrap();
    comwit_dist::write("comwit-tui", out.path()).unwrap();
    let page = read(out.path(), "man/comwit-tui.1");
    assert!(
        page.starts_with(".ie") || page.contains(".TH comwit-tui"),
        "{page}"
    );
    assert!(page.contains("sandbox"), "the --sandbox flag is documented");
    let watch = read(out.path(), "man/comwit-tui-watch.1");
    assert!(
        watch.contains("debounce"),
        "the watch page lists --debounce"
    );
    assert!(read(out.path(), "completions/comwit-tui.bash").contains("--read-only"));

    let out = tempfile::tempdir().unwrap();
    comwit_dist::write("comwit-deploy", out.path()).unwrap();
    assert!(read(out.path(), "completions/comwit-deploy.fish").contains("deploy-grace"));
    assert!(read(out.path(), "man/comwit-deploy.1").contains("finalize"));
}

#[test]
fn an_unknown_binary_is_refused_by_name() {
    let out = tempfile::tempdir().unwrap();
    let e = comwit_dist::write("comwit-nope", out.path()).unwrap_err();
    assert!(e.to_string().contains("comwit-nope"), "{e}");
    assert!(e.to_string().contains("comwit-tui"), "{e}");
}

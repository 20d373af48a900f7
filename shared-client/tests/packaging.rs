//! Behaviour of the `.tar.zst` packer: determinism, fidelity, safety,
//! streaming and prebuilt-archive checks.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::future::Future;
use std::io::Read;
use std::num::NonZeroU32;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use comwit_client::package::{
    ArchiveStream, FIXED_MTIME, PackError, PackOptions, PackSummary, ProgressEvent, ProgressFn,
    ProgressSnapshot, SpecialKind, check_prebuilt, pack_stream, pack_to_file, pack_to_writer,
    prebuilt_stream,
};
use futures_util::StreamExt;
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// Helpers

fn write(root: &Path, rel: &str, content: &[u8]) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, content).unwrap();
    path
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A small site with every kind of entry the packer keeps.
fn sample_site() -> TempDir {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    write(root, "index.html", b"<!doctype html><h1>hello</h1>\n");
    write(root, "a.txt", b"sorted before the directory a\n");
    write(root, "a/b", b"inside a\n");
    chmod(&write(root, "a/c/run.sh", b"#!/bin/sh\necho hi\n"), 0o755);
    write(
        root,
        "assets/app.css",
        b"body { color: red }\n".repeat(50).as_slice(),
    );
    write(root, "assets/empty.js", b"");
    fs::create_dir_all(root.join("empty-dir")).unwrap();
    symlink("a/b", root.join("link-to-b")).unwrap();
    symlink("../index.html", root.join("a/up")).unwrap();
    symlink("missing-but-inside", root.join("dangling")).unwrap();
    dir
}

fn pack_bytes(root: &Path, options: &PackOptions) -> (Vec<u8>, PackSummary) {
    let mut out = Vec::new();
    let summary = pack_to_writer(root, &mut out, options).expect("pack");
    (out, summary)
}

fn sha256_of(root: &Path) -> String {
    pack_bytes(root, &PackOptions::new()).1.sha256
}

struct ArchivedEntry {
    path: Vec<u8>,
    kind: tar::EntryType,
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: u64,
    owner_names_empty: bool,
    link: Option<Vec<u8>>,
    data: Vec<u8>,
}

fn list(archive: &[u8]) -> Vec<ArchivedEntry> {
    let tar_bytes = zstd::decode_all(archive).expect("valid zstd");
    let mut reader = tar::Archive::new(tar_bytes.as_slice());
    reader
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            ArchivedEntry {
                path: entry.path_bytes().into_owned(),
                kind: header.entry_type(),
                mode: header.mode().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
                mtime: header.mtime().unwrap(),
                owner_names_empty: header.username_bytes().is_none_or(<[u8]>::is_empty)
                    && header.groupname_bytes().is_none_or(<[u8]>::is_empty),
                link: entry.link_name_bytes().map(|l| l.into_owned()),
                data,
            }
        })
        .collect()
}

fn unpack(archive: &[u8]) -> TempDir {
    let dir = TempDir::new().unwrap();
    let decoder = zstd::Decoder::new(archive).unwrap();
    tar::Archive::new(decoder).unpack(dir.path()).unwrap();
    dir
}

#[derive(Debug, PartialEq, Eq)]
enum Node {
    Dir,
    File { content: Vec<u8>, executable: bool },
    Symlink(PathBuf),
}

/// The tree as the packer should see it, keyed by relative path bytes.
fn snapshot(root: &Path) -> BTreeMap<Vec<u8>, Node> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeMap<Vec<u8>, Node>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            let meta = fs::symlink_metadata(&path).unwrap();
            let node = if meta.file_type().is_symlink() {
                Node::Symlink(fs::read_link(&path).unwrap())
            } else if meta.is_dir() {
                visit(root, &path, out);
                Node::Dir
            } else {
                Node::File {
                    content: fs::read(&path).unwrap(),
                    executable: meta.permissions().mode() & 0o111 != 0,
                }
            };
            out.insert(rel, node);
        }
    }
    let mut out = BTreeMap::new();
    visit(root, root, &mut out);
    out
}

/// Deterministic incompressible bytes.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

fn tool_available(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Fails the test instead of hanging it if `fut` takes over a minute.
async fn within_a_minute<T>(what: &str, fut: impl Future<Output = T>) -> T {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = tx.send(());
    });
    tokio::select! {
        value = fut => value,
        _ = rx => panic!("{what} did not finish within a minute"),
    }
}

/// Drains a stream; returns the bytes before the first error, and the error.
async fn drain(mut stream: ArchiveStream) -> (Vec<u8>, Option<std::io::Error>) {
    let mut bytes = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(err) => {
                assert!(
                    stream.next().await.is_none(),
                    "stream goes on after an error"
                );
                return (bytes, Some(err));
            }
        }
    }
    (bytes, None)
}

type Events = Arc<Mutex<Vec<ProgressEvent>>>;

fn recording() -> (PackOptions, Events) {
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let options =
        PackOptions::new().with_progress(Arc::new(move |e| sink.lock().unwrap().push(e.clone())));
    (options, events)
}

fn progress_snapshots(events: &Events) -> Vec<ProgressSnapshot> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Progress(s) => Some(*s),
            _ => None,
        })
        .collect()
}

/// Options whose callback removes `victim` when the first entry is skipped:
/// a file that disappears after its directory was listed, found missing when
/// it is read. The skipped entry must sort before the victim, in the same
/// directory or an earlier-listed one.
fn remove_on_first_skip(victim: PathBuf) -> PackOptions {
    PackOptions::new().with_progress(Arc::new(move |e| {
        if matches!(e, ProgressEvent::Skipped(_)) {
            let _ = fs::remove_file(&victim);
        }
    }))
}

// ---------------------------------------------------------------------------
// Determinism

#[test]
fn touch_and_non_exec_chmod_leave_the_digest_unchanged() {
    let site = sample_site();
    let root = site.path();
    let before = sha256_of(root);

    let later = SystemTime::now() + Duration::from_secs(86_400);
    for rel in ["index.html", "a.txt", "a/b", "a/c/run.sh", "assets/app.css"] {
        File::options()
            .write(true)
            .open(root.join(rel))
            .unwrap()
            .set_modified(later)
            .unwrap();
    }
    chmod(&root.join("index.html"), 0o600);
    chmod(&root.join("a.txt"), 0o644);
    chmod(&root.join("assets/app.css"), 0o640);
    chmod(&root.join("a/c/run.sh"), 0o700);
    chmod(&root.join("empty-dir"), 0o700);

    assert_eq!(sha256_of(root), before);
}

#[test]
fn toggling_an_execute_bit_changes_the_digest() {
    let site = sample_site();
    let root = site.path();
    let before = sha256_of(root);

    chmod(&root.join("a.txt"), 0o744);
    let with_exec = sha256_of(root);
    assert_ne!(with_exec, before);

    chmod(&root.join("a.txt"), 0o644);
    assert_eq!(sha256_of(root), before);
}

#[test]
fn creation_order_does_not_change_the_bytes() {
    let first = TempDir::new().unwrap();
    let second = TempDir::new().unwrap();
    let names: Vec<String> = (0..40).map(|i| format!("d{}/f{i}.txt", i % 7)).collect();
    for name in &names {
        write(first.path(), name, name.as_bytes());
    }
    for name in names.iter().rev() {
        write(second.path(), name, name.as_bytes());
    }
    let (a, _) = pack_bytes(first.path(), &PackOptions::new());
    let (b, _) = pack_bytes(second.path(), &PackOptions::new());
    assert_eq!(a, b);
}

#[test]
fn worker_count_does_not_change_the_bytes() {
    let site = sample_site();
    // Several frames' worth of input (`JOB_SIZE` each), so the workers
    // really split it and finish out of order.
    write(site.path(), "big/noise.bin", &noise(3 << 20, 7));
    write(
        site.path(),
        "big/text.txt",
        &b"lorem ipsum dolor ".repeat(1_200_000),
    );
    let reference = pack_bytes(site.path(), &PackOptions::new()).0;
    for workers in [1, 2, 3, 5] {
        let options = PackOptions::new().with_workers(NonZeroU32::new(workers).unwrap());
        assert!(
            pack_bytes(site.path(), &options).0 == reference,
            "{workers} workers gave different bytes"
        );
    }
}

#[test]
fn headers_are_normalised() {
    let site = sample_site();
    let (archive, _) = pack_bytes(site.path(), &PackOptions::new());
    for entry in list(&archive) {
        let name = String::from_utf8_lossy(&entry.path).into_owned();
        assert_eq!((entry.uid, entry.gid), (0, 0), "{name}");
        assert_eq!(entry.mtime, FIXED_MTIME, "{name}");
        assert!(entry.owner_names_empty, "{name} has owner names");
        let expected = match entry.kind {
            tar::EntryType::Directory => 0o755,
            tar::EntryType::Symlink => 0o777,
            _ if name == "a/c/run.sh" => 0o755,
            _ => 0o644,
        };
        assert_eq!(entry.mode, expected, "{name}");
        assert!(!entry.path.starts_with(b"/") && !entry.path.starts_with(b"./"));
    }
}

// ---------------------------------------------------------------------------
// Fidelity

#[test]
fn unpacking_reproduces_files_dirs_symlinks_and_exec_bits() {
    let site = sample_site();
    let (archive, summary) = pack_bytes(site.path(), &PackOptions::new());
    let unpacked = unpack(&archive);
    assert_eq!(snapshot(unpacked.path()), snapshot(site.path()));
    assert_eq!(summary.files, 6);
    assert_eq!(summary.dirs, 4);
    assert_eq!(summary.symlinks, 3);
    assert!(summary.skipped.is_empty());
}

#[test]
fn entries_are_in_bytewise_path_order() {
    let site = sample_site();
    write(
        site.path(),
        "B-upper.txt",
        b"uppercase sorts before lowercase",
    );
    write(site.path(), "a-dash/x", b"0x2d sorts before 0x2e and 0x2f");
    write(site.path(), "a0", b"digits after punctuation");
    let (archive, _) = pack_bytes(site.path(), &PackOptions::new());
    let paths: Vec<Vec<u8>> = list(&archive).into_iter().map(|e| e.path).collect();

    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);

    let position = |p: &[u8]| paths.iter().position(|x| x == p).unwrap();
    assert!(position(b"a") < position(b"a-dash"));
    assert!(position(b"a-dash/x") < position(b"a.txt"));
    assert!(position(b"a.txt") < position(b"a/b"));
    assert!(position(b"a/up") < position(b"a0"));
    assert!(position(b"B-upper.txt") < position(b"a"));
}

#[test]
fn long_names_round_trip() {
    let dir = TempDir::new().unwrap();
    let long_file = format!("{}.txt", "n".repeat(196));
    let long_path = format!(
        "{}/{}/{}.js",
        "d".repeat(70),
        "e".repeat(70),
        "f".repeat(60)
    );
    write(dir.path(), &long_file, b"200-byte name");
    write(dir.path(), &long_path, b"long path");
    let long_target = format!("{}/../{long_file}", "x".repeat(120));
    symlink(&long_target, dir.path().join("long-link")).unwrap();
    assert_eq!(long_file.len(), 200);

    let (archive, _) = pack_bytes(dir.path(), &PackOptions::new());
    let unpacked = unpack(&archive);
    assert_eq!(
        fs::read(unpacked.path().join(&long_file)).unwrap(),
        b"200-byte name"
    );
    assert_eq!(
        fs::read(unpacked.path().join(&long_path)).unwrap(),
        b"long path"
    );
    assert_eq!(
        fs::read_link(unpacked.path().join("long-link")).unwrap(),
        Path::new(&long_target)
    );
    assert_eq!(snapshot(unpacked.path()), snapshot(dir.path()));
}

#[test]
fn non_utf8_names_round_trip() {
    let dir = TempDir::new().unwrap();
    let name = OsStr::from_bytes(b"caf\xe9-\xff.txt");
    fs::write(dir.path().join(name), b"latin-1 name").unwrap();
    let sub = OsStr::from_bytes(b"dir-\x80");
    fs::create_dir(dir.path().join(sub)).unwrap();
    fs::write(dir.path().join(sub).join("inner"), b"x").unwrap();

    let (archive, _) = pack_bytes(dir.path(), &PackOptions::new());
    let paths: Vec<Vec<u8>> = list(&archive).into_iter().map(|e| e.path).collect();
    assert!(paths.contains(&b"caf\xe9-\xff.txt".to_vec()));
    assert!(paths.contains(&b"dir-\x80/inner".to_vec()));
    let unpacked = unpack(&archive);
    assert_eq!(
        fs::read(unpacked.path().join(name)).unwrap(),
        b"latin-1 name"
    );
    assert_eq!(snapshot(unpacked.path()), snapshot(dir.path()));
}

// ---------------------------------------------------------------------------
// Safety

#[test]
fn symlink_escaping_the_root_is_an_error_naming_it() {
    for target in ["../../outside", "/etc/passwd", "b/../../../x"] {
        let site = sample_site();
        let link = site.path().join("a/escape");
        symlink(target, &link).unwrap();
        let err = pack_to_writer(site.path(), Vec::new(), &PackOptions::new()).unwrap_err();
        match &err {
            PackError::SymlinkEscapes { link: l, target: t } => {
                assert_eq!(l, &link);
                assert_eq!(t, Path::new(target));
            }
            other => panic!("unexpected error for {target}: {other}"),
        }
        let message = err.to_string();
        assert!(message.contains(&link.display().to_string()), "{message}");
        assert!(message.contains(target), "{message}");
    }
}

#[test]
fn symlink_escaping_only_through_a_later_link_is_an_error() {
    // `esc` is packed before `sub/up` (byte order), when its target still
    // looks contained: the check once the walk is complete catches it.
    let site = sample_site();
    fs::create_dir(site.path().join("sub")).unwrap();
    symlink("..", site.path().join("sub/up")).unwrap();
    let esc = site.path().join("esc");
    symlink("sub/up/..", &esc).unwrap();
    let out = TempDir::new().unwrap();
    let dest = out.path().join("site.tar.zst");
    let err = pack_to_file(site.path(), &dest, &PackOptions::new()).unwrap_err();
    match &err {
        PackError::SymlinkUnsafe { link, target, .. } => {
            assert_eq!(link, &esc);
            assert_eq!(target, Path::new("sub/up/.."));
        }
        other => panic!("unexpected error: {other}"),
    }
    let message = err.to_string();
    assert!(message.contains(&esc.display().to_string()), "{message}");
    assert!(
        message.contains("through the symlink `sub/up`"),
        "{message}"
    );
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "no archive");
}

#[test]
fn symlink_escaping_through_an_earlier_link_is_an_error() {
    let site = sample_site();
    symlink(".", site.path().join("here")).unwrap();
    let link = site.path().join("z-esc");
    symlink("here/..", &link).unwrap();
    let err = pack_to_writer(site.path(), Vec::new(), &PackOptions::new()).unwrap_err();
    assert!(
        matches!(&err, PackError::SymlinkUnsafe { link: l, .. } if l == &link),
        "{err}"
    );
}

#[test]
fn symlink_loops_are_an_error_not_a_hang() {
    let site = sample_site();
    symlink("loop-b", site.path().join("loop-a")).unwrap();
    symlink("loop-a", site.path().join("loop-b")).unwrap();
    let err = pack_to_writer(site.path(), Vec::new(), &PackOptions::new()).unwrap_err();
    assert!(matches!(err, PackError::SymlinkUnsafe { .. }), "{err}");
    assert!(err.to_string().contains("more than 40 symlinks"), "{err}");
}

#[test]
fn links_that_resolve_inside_through_other_links_are_kept() {
    let site = sample_site();
    fs::create_dir(site.path().join("v2")).unwrap();
    write(site.path(), "v2/index.html", b"v2");
    symlink("v2", site.path().join("latest")).unwrap();
    symlink("latest/index.html", site.path().join("home.html")).unwrap();
    symlink("../latest/../a/b", site.path().join("v2/sibling")).unwrap();
    let (archive, summary) = pack_bytes(site.path(), &PackOptions::new());
    assert_eq!(summary.symlinks, 6);
    let paths: Vec<Vec<u8>> = list(&archive).into_iter().map(|e| e.path).collect();
    assert!(paths.contains(&b"home.html".to_vec()));
}

#[test]
fn symlink_inside_the_root_is_kept_as_a_link() {
    let site = sample_site();
    let (archive, _) = pack_bytes(site.path(), &PackOptions::new());
    let entries = list(&archive);
    let up = entries.iter().find(|e| e.path == b"a/up").unwrap();
    assert_eq!(up.kind, tar::EntryType::Symlink);
    assert_eq!(up.link.as_deref(), Some(&b"../index.html"[..]));
    assert!(up.data.is_empty());
    let dangling = entries.iter().find(|e| e.path == b"dangling").unwrap();
    assert_eq!(dangling.kind, tar::EntryType::Symlink);
}

#[test]
fn symlinked_directory_is_not_followed() {
    let site = sample_site();
    // Points inside the root (so it is allowed), at a directory.
    symlink("a", site.path().join("alias")).unwrap();
    let (archive, _) = pack_bytes(site.path(), &PackOptions::new());
    let paths: Vec<Vec<u8>> = list(&archive).into_iter().map(|e| e.path).collect();
    assert!(paths.contains(&b"alias".to_vec()));
    assert!(!paths.iter().any(|p| p.starts_with(b"alias/")));
}

#[test]
fn fifo_is_skipped_with_a_warning_and_listed_in_the_summary() {
    let site = sample_site();
    let fifo = site.path().join("a/pipe");
    assert!(mkfifo(&fifo), "mkfifo is needed for this test");
    let (options, events) = recording();
    let (archive, summary) = pack_bytes(site.path(), &options);

    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].path, fifo);
    assert_eq!(summary.skipped[0].kind, SpecialKind::Fifo);
    let warned = events.lock().unwrap().iter().any(
        |e| matches!(e, ProgressEvent::Skipped(s) if s.path == fifo && s.kind == SpecialKind::Fifo),
    );
    assert!(warned, "no Skipped event for the FIFO");
    let last = *progress_snapshots(&events).last().unwrap();
    assert_eq!(last.warnings, 1);
    assert!(!list(&archive).iter().any(|e| e.path == b"a/pipe"));
}

#[test]
fn socket_is_skipped_and_listed_in_the_summary() {
    let site = sample_site();
    let socket = site.path().join("assets/dev.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let (archive, summary) = pack_bytes(site.path(), &PackOptions::new());
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].path, socket);
    assert_eq!(summary.skipped[0].kind, SpecialKind::Socket);
    assert!(!list(&archive).iter().any(|e| e.path == b"assets/dev.sock"));
}

#[test]
fn empty_directory_is_an_error_naming_it() {
    let dir = TempDir::new().unwrap();
    let err = pack_to_writer(dir.path(), Vec::new(), &PackOptions::new()).unwrap_err();
    assert!(matches!(err, PackError::EmptyRoot { .. }), "{err}");
    assert!(err.to_string().contains(&dir.path().display().to_string()));
}

#[test]
fn directory_with_only_special_files_is_an_error() {
    let dir = TempDir::new().unwrap();
    assert!(
        mkfifo(&dir.path().join("pipe")),
        "mkfifo is needed for this test"
    );
    let err = pack_to_writer(dir.path(), Vec::new(), &PackOptions::new()).unwrap_err();
    assert!(matches!(err, PackError::EmptyRoot { .. }), "{err}");
}

#[test]
fn missing_root_is_an_error_naming_it() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("dist");
    let err = pack_to_writer(&missing, Vec::new(), &PackOptions::new()).unwrap_err();
    assert!(matches!(err, PackError::RootMissing { .. }), "{err}");
    assert!(err.to_string().contains(&missing.display().to_string()));
}

#[test]
fn root_that_is_a_file_is_an_error_naming_it() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "app.tar.zst", b"not a directory");
    let err = pack_to_writer(&file, Vec::new(), &PackOptions::new()).unwrap_err();
    assert!(matches!(err, PackError::RootNotDirectory { .. }), "{err}");
    assert!(err.to_string().contains(&file.display().to_string()));
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let site = sample_site();
    let locked = write(site.path(), "assets/locked.js", b"secret");
    chmod(&locked, 0o000);
    let root_can_read = File::open(&locked).is_ok();
    if !root_can_read {
        let err = pack_to_writer(site.path(), Vec::new(), &PackOptions::new()).unwrap_err();
        assert!(matches!(err, PackError::Unreadable { .. }), "{err}");
        assert!(
            err.to_string().contains(&locked.display().to_string()),
            "{err}"
        );

        chmod(&locked, 0o644);
        let locked_dir = site.path().join("a/c");
        chmod(&locked_dir, 0o000);
        let err = pack_to_writer(site.path(), Vec::new(), &PackOptions::new()).unwrap_err();
        chmod(&locked_dir, 0o755);
        assert!(matches!(err, PackError::Unreadable { .. }), "{err}");
        assert!(
            err.to_string().contains(&locked_dir.display().to_string()),
            "{err}"
        );
        return;
    }
    // Running with CAP_DAC_OVERRIDE (root): mode 000 does not stop reads, so
    // make the file unreadable the other way it happens in practice: it
    // disappears between the walk and the read (a build still cleaning up).
    eprintln!("running as root: chmod 000 is readable, testing a file that vanishes instead");
    // Beside the file and sorted before it, so the file has been listed
    // when the FIFO's event fires.
    assert!(
        mkfifo(&site.path().join("assets/0-pipe")),
        "mkfifo is needed for this test"
    );
    let options = remove_on_first_skip(locked.clone());
    let err = pack_to_writer(site.path(), Vec::new(), &options).unwrap_err();
    assert!(matches!(err, PackError::ChangedDuringPack { .. }), "{err}");
    assert!(
        err.to_string().contains(&locked.display().to_string()),
        "{err}"
    );
}

/// Packs `site`, running `swap` once `assets/` has been listed and before
/// anything after `assets/0-pipe` is opened (the named pipe, skipped with an
/// event, sorts first), and returns the error the swap must cause. The pack
/// runs on a thread of its own, so one that hangs on what was swapped in
/// fails the test instead of stalling the suite.
fn pack_with_a_swap_in_assets(site: &Path, swap: impl Fn() + Send + Sync + 'static) -> PackError {
    assert!(
        mkfifo(&site.join("assets/0-pipe")),
        "mkfifo is needed for this test"
    );
    let options = PackOptions::new().with_progress(Arc::new(move |e| {
        if matches!(e, ProgressEvent::Skipped(_)) {
            swap();
        }
    }));
    let root = site.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(pack_to_writer(&root, Vec::new(), &options));
    });
    let outcome = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the pack hung on what was swapped in");
    let err = outcome.expect_err("the pack must not succeed across the swap");
    assert!(matches!(err, PackError::ChangedDuringPack { .. }), "{err}");
    err
}

#[test]
fn file_swapped_for_a_symlink_after_listing_is_an_error() {
    let outside = TempDir::new().unwrap();
    let secret = write(outside.path(), "secret.txt", b"must never be packed");
    let site = sample_site();
    let swapped = write(site.path(), "assets/zz.js", b"innocent");
    let err = pack_with_a_swap_in_assets(site.path(), move || {
        fs::remove_file(&swapped).unwrap();
        symlink(&secret, &swapped).unwrap();
    });
    assert!(err.to_string().contains("assets/zz.js"), "{err}");
}

#[test]
fn directory_swapped_for_a_symlink_after_listing_is_an_error() {
    let outside = TempDir::new().unwrap();
    write(outside.path(), "secret.txt", b"must never be packed");
    let site = sample_site();
    let swapped = site.path().join("assets/zz");
    write(site.path(), "assets/zz/inner.txt", b"innocent");
    let target = outside.path().to_path_buf();
    let err = pack_with_a_swap_in_assets(site.path(), move || {
        fs::remove_dir_all(&swapped).unwrap();
        symlink(&target, &swapped).unwrap();
    });
    assert!(err.to_string().contains("assets/zz"), "{err}");
}

#[test]
fn file_swapped_for_a_named_pipe_after_listing_is_an_error_not_a_hang() {
    let site = sample_site();
    let swapped = write(site.path(), "assets/zz.js", b"innocent");
    let err = pack_with_a_swap_in_assets(site.path(), move || {
        fs::remove_file(&swapped).unwrap();
        assert!(mkfifo(&swapped));
    });
    assert!(err.to_string().contains("assets/zz.js"), "{err}");
}

#[test]
fn a_tree_deeper_than_the_directories_held_open_packs_whole() {
    // Each level holds a subdirectory `d` and, sorted after everything
    // below it, a file `e.txt`: reading it needs that level's directory
    // again once the walk comes back up from far deeper.
    let site = TempDir::new().unwrap();
    let mut rel = String::new();
    for level in 0..100 {
        write(
            site.path(),
            &format!("{rel}e.txt"),
            format!("level {level}").as_bytes(),
        );
        rel.push_str("d/");
    }
    write(site.path(), &format!("{rel}bottom.txt"), b"the bottom");
    let (archive, summary) = pack_bytes(site.path(), &PackOptions::new());
    assert_eq!(summary.files, 101);
    assert_eq!(summary.dirs, 100);
    let unpacked = unpack(&archive);
    assert_eq!(snapshot(unpacked.path()), snapshot(site.path()));
}

/// A destination that takes `room` bytes, then fails as a full disk does.
struct FillsUp {
    room: usize,
}

impl std::io::Write for FillsUp {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
        }
        let n = data.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_destination_that_fails_stops_every_thread_with_its_error() {
    let site = sample_site();
    // Far more frames than the jobs in flight, so every thread is busy or
    // waiting on another when the destination fails.
    write(site.path(), "big/noise.bin", &noise(40 << 20, 17));
    for room in [0, 1 << 20] {
        let root = site.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(pack_to_writer(&root, FillsUp { room }, &PackOptions::new()));
        });
        let outcome = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the pack hung after its destination failed");
        let err = outcome.expect_err("the destination failed");
        assert!(matches!(err, PackError::Output { .. }), "{room}: {err}");
        assert!(err.to_string().contains("No space left"), "{room}: {err}");
    }
}

// ---------------------------------------------------------------------------
// Outputs: file, stream, tee

#[test]
fn pack_to_file_matches_pack_to_writer() {
    let site = sample_site();
    let out = TempDir::new().unwrap();
    let dest = out.path().join("site.tar.zst");
    let summary = pack_to_file(site.path(), &dest, &PackOptions::new()).unwrap();
    let (bytes, expected) = pack_bytes(site.path(), &PackOptions::new());
    assert_eq!(fs::read(&dest).unwrap(), bytes);
    assert_eq!(summary, expected);
    assert_eq!(summary.size, bytes.len() as u64);
}

#[test]
fn failed_pack_to_file_leaves_no_file_behind() {
    let site = sample_site();
    symlink("../../etc", site.path().join("escape")).unwrap();
    let out = TempDir::new().unwrap();
    let dest = out.path().join("site.tar.zst");
    pack_to_file(site.path(), &dest, &PackOptions::new()).unwrap_err();
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_bytes_equal_writer_output_and_summary() {
    let site = sample_site();
    write(site.path(), "big/noise.bin", &noise(3 << 20, 11));
    let (expected, _) = pack_bytes(site.path(), &PackOptions::new());

    let (stream, handle) = pack_stream(site.path(), None, PackOptions::new());
    let (bytes, err) = within_a_minute("stream", drain(stream)).await;
    assert!(err.is_none(), "{err:?}");
    let summary = handle.await.unwrap().unwrap();
    assert!(
        bytes == expected,
        "stream bytes differ from pack_to_writer's"
    );
    assert_eq!(summary.size, bytes.len() as u64);
    assert_eq!(summary.sha256, sha256_hex(&bytes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_yields_an_error_when_the_walk_fails() {
    let site = sample_site();
    let link = site.path().join("escape");
    symlink("../../somewhere", &link).unwrap();
    let (stream, handle) = pack_stream(site.path(), None, PackOptions::new());
    let (_, err) = within_a_minute("stream", drain(stream)).await;
    let err = err.expect("the stream must end with an error");
    assert!(
        err.to_string().contains(&link.display().to_string()),
        "{err}"
    );
    let typed = handle.await.unwrap().unwrap_err();
    assert!(matches!(typed, PackError::SymlinkEscapes { .. }), "{typed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_yields_an_error_when_a_file_vanishes_mid_pack() {
    let site = sample_site();
    assert!(
        mkfifo(&site.path().join("0-pipe")),
        "mkfifo is needed for this test"
    );
    // Larger than zstd's input buffers, so output must flow before the victim.
    write(site.path(), "1-big.bin", &noise(24 << 20, 3));
    let victim = write(site.path(), "2-victim.txt", b"removed while packing");
    let options = remove_on_first_skip(victim.clone());

    let (stream, handle) = pack_stream(site.path(), None, options);
    let (bytes, err) = within_a_minute("stream", drain(stream)).await;
    assert!(
        !bytes.is_empty(),
        "data should have flowed before the failure"
    );
    let err = err.expect("the stream must end with an error");
    assert!(
        err.to_string().contains(&victim.display().to_string()),
        "{err}"
    );
    let typed = handle.await.unwrap().unwrap_err();
    assert!(
        matches!(typed, PackError::ChangedDuringPack { .. }),
        "{typed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_stops_the_packer() {
    let site = sample_site();
    // Far more compressed output than the channel holds.
    write(site.path(), "big/noise.bin", &noise(24 << 20, 5));
    let (mut stream, handle) = pack_stream(site.path(), None, PackOptions::new());
    let first = within_a_minute("first chunk", stream.next()).await;
    assert!(matches!(first, Some(Ok(_))));
    drop(stream);
    let result = within_a_minute("packer after drop", handle).await.unwrap();
    assert!(matches!(result, Err(PackError::ConsumerGone)), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tee_file_holds_the_streamed_bytes() {
    let site = sample_site();
    let out = TempDir::new().unwrap();
    let tee = out.path().join("dry-run.tar.zst");
    let (stream, handle) = pack_stream(site.path(), Some(tee.clone()), PackOptions::new());
    let (bytes, err) = within_a_minute("stream", drain(stream)).await;
    assert!(err.is_none(), "{err:?}");
    let summary = handle.await.unwrap().unwrap();
    assert_eq!(fs::read(&tee).unwrap(), bytes);
    assert_eq!(summary.sha256, sha256_hex(&bytes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tee_file_is_not_created_when_packing_fails() {
    let site = sample_site();
    assert!(
        mkfifo(&site.path().join("0-pipe")),
        "mkfifo is needed for this test"
    );
    let victim = write(site.path(), "zz.txt", b"goes away");
    let out = TempDir::new().unwrap();
    let tee = out.path().join("dry-run.tar.zst");
    let options = remove_on_first_skip(victim);
    let (stream, handle) = pack_stream(site.path(), Some(tee.clone()), options);
    let (_, err) = within_a_minute("stream", drain(stream)).await;
    assert!(err.is_some());
    assert!(handle.await.unwrap().is_err());
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_counts_reach_the_summary_totals() {
    let site = sample_site();
    write(site.path(), "big/noise.bin", &noise(3 << 20, 13));
    let total_file_bytes: u64 = snapshot(site.path())
        .values()
        .map(|n| match n {
            Node::File { content, .. } => content.len() as u64,
            _ => 0,
        })
        .sum();
    let (options, events) = recording();
    let (stream, handle) = pack_stream(site.path(), None, options);
    let (bytes, err) = within_a_minute("stream", drain(stream)).await;
    assert!(err.is_none(), "{err:?}");
    let summary = handle.await.unwrap().unwrap();

    let snapshots = progress_snapshots(&events);
    assert!(!snapshots.is_empty());
    for pair in snapshots.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        assert!(b.files >= a.files && b.bytes_read >= a.bytes_read);
        assert!(b.bytes_compressed >= a.bytes_compressed && b.bytes_sent >= a.bytes_sent);
    }
    let last = *snapshots.last().unwrap();
    assert_eq!(last.files, summary.files);
    assert_eq!(last.bytes_read, total_file_bytes);
    assert_eq!(summary.bytes_read, total_file_bytes);
    assert_eq!(last.bytes_compressed, summary.size);
    assert_eq!(last.bytes_sent, bytes.len() as u64);
    assert_eq!(last.bytes_sent, summary.size);
}

#[test]
fn archive_stream_suits_an_http_body() {
    fn assert_body_stream<S>()
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>>
            + Send
            + Sync
            + Unpin
            + 'static,
    {
    }
    assert_body_stream::<ArchiveStream>();
}

// ---------------------------------------------------------------------------
// Prebuilt archives

#[test]
fn check_prebuilt_accepts_our_own_archive() {
    let site = sample_site();
    let out = TempDir::new().unwrap();
    let dest = out.path().join("site.tar.zst");
    let summary = pack_to_file(site.path(), &dest, &PackOptions::new()).unwrap();
    let info = check_prebuilt(&dest).unwrap();
    assert_eq!(info.size, summary.size);
    assert_eq!(info.sha256, summary.sha256);
}

#[test]
fn check_prebuilt_accepts_an_archive_made_by_gnu_tar() {
    if !tool_available("tar") || !tool_available("zstd") {
        eprintln!("skipped: `tar` or `zstd` is not installed");
        return;
    }
    let site = sample_site();
    let out = TempDir::new().unwrap();
    let dest = out.path().join("app.tar.zst");
    let status = Command::new("tar")
        .arg("--zstd")
        .arg("-cf")
        .arg(&dest)
        .arg("-C")
        .arg(site.path())
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    let info = check_prebuilt(&dest).unwrap();
    let bytes = fs::read(&dest).unwrap();
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(info.sha256, sha256_hex(&bytes));
}

/// A `.tar.zst` written entry by entry with the `tar` crate, which accepts
/// `..` in link targets.
fn prebuilt_with(dir: &Path, build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> PathBuf {
    let mut builder = tar::Builder::new(Vec::new());
    build(&mut builder);
    let tar = builder.into_inner().unwrap();
    let dest = dir.join("app.tar.zst");
    fs::write(&dest, zstd::encode_all(&tar[..], 3).unwrap()).unwrap();
    dest
}

fn link(builder: &mut tar::Builder<Vec<u8>>, path: &str, target: &str) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    builder.append_link(&mut h, path, target).unwrap();
}

fn file(builder: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    builder.append_data(&mut h, path, data).unwrap();
}

#[test]
fn check_prebuilt_refuses_a_symlink_chain_that_escapes() {
    let out = TempDir::new().unwrap();
    let dest = prebuilt_with(out.path(), |b| {
        link(b, "sub/up", "..");
        link(b, "esc", "sub/up/..");
        file(b, "esc/pwned.txt", b"outside");
    });
    let err = check_prebuilt(&dest).unwrap_err();
    assert!(matches!(err, PackError::PrebuiltRefused { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("entry `esc`"), "{message}");
    assert!(
        message.contains("through the symlink `sub/up`"),
        "{message}"
    );
}

#[test]
fn check_prebuilt_refuses_a_huge_long_name_before_reading_it() {
    let out = TempDir::new().unwrap();
    let dest = prebuilt_with(out.path(), |b| {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_size(10 << 20);
        h.set_cksum();
        // Declares 10 MiB, holds 1 KiB: only the header may be read.
        b.get_mut().extend_from_slice(h.as_bytes());
        b.get_mut().extend_from_slice(&[b'a'; 1024]);
    });
    let err = check_prebuilt(&dest).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, PackError::PrebuiltRefused { .. }),
        "{message}"
    );
    assert!(
        message.contains("declares 10485760 bytes, over the 65536-byte limit"),
        "{message}"
    );
}

#[test]
fn check_prebuilt_rejects_a_zip_with_a_hint() {
    let dir = TempDir::new().unwrap();
    let zip = write(
        dir.path(),
        "site.zip",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest-of-zip",
    );
    let err = check_prebuilt(&zip).unwrap_err();
    assert!(matches!(err, PackError::NotZstd { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("zip"), "{message}");
    assert!(message.contains("tar --zstd -cf"), "{message}");
    assert!(message.contains(&zip.display().to_string()), "{message}");
}

#[test]
fn check_prebuilt_rejects_plain_files() {
    let dir = TempDir::new().unwrap();
    let text = write(dir.path(), "notes.txt", b"just some text\n");
    assert!(matches!(
        check_prebuilt(&text),
        Err(PackError::NotZstd { .. })
    ));
    let empty = write(dir.path(), "empty.tar.zst", b"");
    assert!(matches!(
        check_prebuilt(&empty),
        Err(PackError::NotZstd { .. })
    ));

    let mut plain_tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(2);
    header.set_cksum();
    plain_tar.append_data(&mut header, "x", &b"hi"[..]).unwrap();
    let plain = write(dir.path(), "app.tar", &plain_tar.into_inner().unwrap());
    let err = check_prebuilt(&plain).unwrap_err();
    assert!(err.to_string().contains("uncompressed tar"), "{err}");
}

#[test]
fn check_prebuilt_rejects_zstd_that_is_not_a_tar() {
    let dir = TempDir::new().unwrap();
    let compressed =
        zstd::encode_all(&b"hello, this is not a tar archive\n".repeat(100)[..], 3).unwrap();
    let path = write(dir.path(), "text.zst", &compressed);
    let err = check_prebuilt(&path).unwrap_err();
    assert!(matches!(err, PackError::NotTar { .. }), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()));

    let short = zstd::encode_all(&b"tiny"[..], 3).unwrap();
    let path = write(dir.path(), "tiny.zst", &short);
    assert!(matches!(
        check_prebuilt(&path),
        Err(PackError::NotTar { .. })
    ));
}

#[test]
fn check_prebuilt_names_a_missing_path() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nope.tar.zst");
    let err = check_prebuilt(&missing).unwrap_err();
    assert!(matches!(err, PackError::PrebuiltMissing { .. }), "{err}");
    assert!(err.to_string().contains(&missing.display().to_string()));
    let err = check_prebuilt(dir.path()).unwrap_err();
    assert!(matches!(err, PackError::PrebuiltNotFile { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prebuilt_stream_yields_the_file_unchanged() {
    let site = sample_site();
    write(site.path(), "big/noise.bin", &noise(1 << 20, 17));
    let out = TempDir::new().unwrap();
    let dest = out.path().join("site.tar.zst");
    pack_to_file(site.path(), &dest, &PackOptions::new()).unwrap();
    let expected = check_prebuilt(&dest).unwrap();

    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = sent.clone();
    let progress: ProgressFn = Arc::new(move |event| {
        if let ProgressEvent::Progress(p) = event {
            seen.fetch_max(p.bytes_sent, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let (stream, handle) = prebuilt_stream(&dest, Some(progress));
    let (bytes, err) = within_a_minute("prebuilt stream", drain(stream)).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(bytes, fs::read(&dest).unwrap());
    assert_eq!(handle.await.unwrap().unwrap(), expected);
    assert_eq!(
        sent.load(std::sync::atomic::Ordering::Relaxed),
        bytes.len() as u64,
        "progress reports every byte sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prebuilt_stream_of_a_missing_file_yields_an_error() {
    let dir = TempDir::new().unwrap();
    let (stream, handle) = prebuilt_stream(dir.path().join("gone.tar.zst"), None);
    let (bytes, err) = within_a_minute("prebuilt stream", drain(stream)).await;
    assert!(bytes.is_empty());
    assert!(err.unwrap().to_string().contains("gone.tar.zst"));
    assert!(matches!(
        handle.await.unwrap(),
        Err(PackError::PrebuiltMissing { .. })
    ));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn written_archives_are_valid_for_the_zstd_cli() {
    if !tool_available("zstd") {
        eprintln!("skipped: `zstd` is not installed");
        return;
    }
    let site = sample_site();
    // Several frames: every decoder must read on past the first.
    write(site.path(), "big/noise.bin", &noise(10 << 20, 13));
    let out = TempDir::new().unwrap();
    let dest = out.path().join("site.tar.zst");
    pack_to_file(site.path(), &dest, &PackOptions::new()).unwrap();
    let status = Command::new("zstd").arg("-tq").arg(&dest).status().unwrap();
    assert!(status.success(), "zstd -t rejected the archive");
    let listing = Command::new("tar")
        .arg("--zstd")
        .arg("-tf")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(listing.status.success());
    let listed = String::from_utf8_lossy(&listing.stdout);
    assert!(listed.contains("a/c/run.sh"), "{listed}");
    assert!(listed.contains("big/noise.bin"), "{listed}");
    let unpacked = TempDir::new().unwrap();
    let status = Command::new("tar")
        .arg("--zstd")
        .arg("-xf")
        .arg(&dest)
        .arg("-C")
        .arg(unpacked.path())
        .status()
        .unwrap();
    assert!(status.success(), "tar --zstd -x rejected the archive");
    assert_eq!(snapshot(unpacked.path()), snapshot(site.path()));
}

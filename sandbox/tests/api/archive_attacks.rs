//! Archives built to escape the root through chains of links, or to exhaust
//! memory with unbounded long names and PAX headers, are refused with 400
//! naming the entry and leave nothing behind; the archives real tools write
//! (`git archive`, GNU `tar --zstd`) are accepted.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use comwit_sandbox::Sandbox;
use tar::EntryType;

use crate::common::{Env, files_below, start_with};

/// An archive written header by header, so that names, sizes and types no
/// well-behaved tool would write can be sent.
#[derive(Default)]
pub struct Raw(Vec<u8>);

impl Raw {
    pub fn new() -> Self {
        Self::default()
    }

    /// An entry whose header declares `declared` bytes, followed by `data`
    /// (which may be shorter, to lie about the size) padded to a block.
    pub fn declaring(
        mut self,
        name: &[u8],
        kind: EntryType,
        link: &[u8],
        declared: u64,
        data: &[u8],
    ) -> Self {
        let mut h = tar::Header::new_gnu();
        {
            let gnu = h.as_gnu_mut().unwrap();
            gnu.name[..name.len()].copy_from_slice(name);
            gnu.linkname[..link.len()].copy_from_slice(link);
        }
        h.set_entry_type(kind);
        h.set_size(declared);
        h.set_mode(0o644);
        h.set_mtime(946_684_800);
        h.set_cksum();
        self.0.extend_from_slice(h.as_bytes());
        self.0.extend_from_slice(data);
        self.0.resize(self.0.len().next_multiple_of(512), 0);
        self
    }

    /// An entry, after GNU long-name and long-link entries when its name or
    /// target does not fit the header (whose fields then hold a stub).
    pub fn entry(mut self, name: &str, kind: EntryType, link: &str, data: &[u8]) -> Self {
        let (mut name, mut link) = (name.as_bytes(), link.as_bytes());
        if name.len() > 100 {
            self = self.long_name(name);
            name = b"long-name-stub";
        }
        if link.len() > 100 {
            self = self.long_entry(EntryType::GNULongLink, link);
            link = b"long-link-stub";
        }
        let size = data.len() as u64;
        self.declaring(name, kind, link, size, data)
    }

    pub fn file(self, name: &str, data: &[u8]) -> Self {
        self.entry(name, EntryType::Regular, "", data)
    }

    pub fn dir(self, name: &str) -> Self {
        self.entry(name, EntryType::Directory, "", b"")
    }

    pub fn symlink(self, name: &str, target: &str) -> Self {
        self.entry(name, EntryType::Symlink, target, b"")
    }

    pub fn hard_link(self, name: &str, target: &str) -> Self {
        self.entry(name, EntryType::Link, target, b"")
    }

    /// A GNU long-name entry for the next entry.
    pub fn long_name(self, name: &[u8]) -> Self {
        self.long_entry(EntryType::GNULongName, name)
    }

    fn long_entry(self, kind: EntryType, name: &[u8]) -> Self {
        let mut body = name.to_vec();
        body.push(0);
        let size = body.len() as u64;
        self.declaring(b"././@LongLink", kind, b"", size, &body)
    }

    /// A PAX extended (`x`) or global (`g`) header with these records.
    pub fn pax(self, kind: EntryType, records: &[(&str, &[u8])]) -> Self {
        let mut body = Vec::new();
        for (key, value) in records {
            body.extend_from_slice(&pax_record(key, value));
        }
        let size = body.len() as u64;
        self.declaring(b"PaxHeaders/x", kind, b"", size, &body)
    }

    pub fn tar(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0; 1024]);
        self.0
    }

    pub fn zst(self) -> Vec<u8> {
        zstd::encode_all(&self.tar()[..], 3).unwrap()
    }
}

/// One PAX record: its length counts its own digits.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let rest = key.len() + value.len() + 3;
    let mut len = rest + 1;
    while len != rest + len.to_string().len() {
        len = rest + len.to_string().len();
    }
    let mut out = format!("{len} {key}=").into_bytes();
    out.extend_from_slice(value);
    out.push(b'\n');
    out
}

/// Deploys each case, expecting 400 with every needle in the detail, then
/// checks that no build and no file was left behind.
async fn refused_all(env: &Env, data: &Path, cases: Vec<(&str, Vec<u8>, Vec<&str>)>) {
    let app = env.create_app("web").await;
    let before = stored_files(data);
    for (what, body, needles) in cases {
        let started = Instant::now();
        let r = env
            .deploy_bytes(&env.project, &app, "", body, &env.user)
            .await
            .expect(400);
        for needle in needles {
            assert!(
                r.detail().contains(needle),
                "{what}: detail {:?} should contain {needle:?}",
                r.detail()
            );
        }
        assert!(
            r.detail().len() < 600,
            "{what}: the detail quotes an excerpt, not the whole name ({} bytes)",
            r.detail().len()
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: took {:?}",
            started.elapsed()
        );
    }
    let builds = env
        .get(
            &format!("/v1/projects/{}/apps/{app}/builds", env.project),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(builds.body["builds"].as_array().unwrap().len(), 0);
    assert_eq!(
        stored_files(data),
        before,
        "a refused artifact leaves no file behind"
    );
}

fn stored_files(data: &Path) -> Vec<String> {
    files_below(data)
        .into_iter()
        .filter(|f| !f.starts_with("state.sqlite3"))
        .collect()
}

async fn sandbox(unpacked: Option<u64>) -> (Env, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut builder = Sandbox::builder().data_dir(data.path());
    if let Some(limit) = unpacked {
        builder = builder.max_unpacked_bytes(limit);
    }
    (start_with(builder).await, data)
}

#[tokio::test]
async fn symlink_chains_that_escape_are_refused() {
    let (env, data) = sandbox(None).await;
    let cases = vec![
        (
            "chain through an earlier link",
            Raw::new()
                .dir("sub/")
                .symlink("sub/up", "..")
                .symlink("esc", "sub/up/..")
                .file("esc/pwned.txt", b"outside")
                .zst(),
            vec![
                "\"esc\"",
                "outside the site root",
                "through the symlink `sub/up`",
            ],
        ),
        (
            "file through a link",
            Raw::new().symlink("d", ".").file("d/pwned.txt", b"x").zst(),
            vec!["\"d/pwned.txt\"", "passes through `d`"],
        ),
        (
            "file written onto a link",
            Raw::new()
                .symlink("index.html", "other.html")
                .file("./index.html", b"x")
                .zst(),
            vec!["\"./index.html\"", "would replace `index.html`"],
        ),
        (
            "directory written onto a link",
            Raw::new().symlink("d", "sub").dir("d/").zst(),
            vec!["\"d/\"", "would replace `d`"],
        ),
        (
            "hard link through a link",
            Raw::new()
                .symlink("up", ".")
                .hard_link("h", "up/index.html")
                .zst(),
            vec!["\"h\"", "passes through `up`"],
        ),
        (
            "hard link to a link (copies its target elsewhere)",
            Raw::new()
                .symlink("sub/x", "../index.html")
                .hard_link("h", "sub/x")
                .zst(),
            vec!["\"h\"", "which is a symlink"],
        ),
        (
            "hard link with ..",
            Raw::new().hard_link("h", "a/../../x").zst(),
            vec!["\"h\"", "`..`"],
        ),
        (
            "link defined after the link that uses it",
            Raw::new()
                .symlink("esc", "sub/up/..")
                .symlink("sub/up", "..")
                .file("index.html", b"ok")
                .zst(),
            vec!["\"esc\"", "outside the site root"],
        ),
        (
            "absolute target",
            Raw::new().symlink("etc", "/etc").zst(),
            vec!["\"etc\"", "outside the site root"],
        ),
        (
            "deep lexical climb",
            Raw::new().symlink("a/b/c/d", "../../../..").zst(),
            vec!["\"a/b/c/d\"", "outside the site root"],
        ),
        (
            "deep chain",
            Raw::new()
                .symlink("a/b/c/top", "../../..")
                .symlink("x", "a/b/c/top/a/b/c/top/..")
                .zst(),
            vec!["\"x\"", "through the symlink `a/b/c/top`"],
        ),
        (
            "self loop",
            Raw::new().symlink("a", "a").zst(),
            vec!["\"a\"", "more than 40 symlinks"],
        ),
        (
            "mutual loop",
            Raw::new().symlink("a", "b").symlink("b", "a").zst(),
            vec!["more than 40 symlinks"],
        ),
        (
            "chains too costly to resolve",
            {
                let mut raw = Raw::new().symlink("dots", &"./".repeat(2000));
                let through = "dots/".repeat(40);
                for i in 0..1000 {
                    raw = raw.symlink(&format!("y{i}"), &through);
                }
                raw.zst()
            },
            vec!["steps to resolve"],
        ),
    ];
    refused_all(&env, data.path(), cases).await;
}

const TEN_MIB: u64 = 10 << 20;

#[tokio::test]
async fn long_names_and_pax_headers_are_refused_before_they_are_read() {
    let (env, data) = sandbox(None).await;
    let big_path = format!("{}/x", "a/".repeat(TEN_MIB as usize / 2));
    let cases = vec![
        (
            "GNU long name declaring 10 MiB, sending 1 KiB",
            Raw::new()
                .declaring(
                    b"././@LongLink",
                    EntryType::GNULongName,
                    b"",
                    TEN_MIB,
                    &[b'a'; 1024],
                )
                .zst(),
            vec![
                "GNU long name header declares 10485760 bytes",
                "65536-byte limit",
            ],
        ),
        (
            "GNU long name of 10 MiB, really sent",
            Raw::new()
                .long_name(&vec![b'a'; TEN_MIB as usize])
                .file("x", b"")
                .zst(),
            vec!["GNU long name header declares 10485761 bytes"],
        ),
        (
            "GNU long link name of 10 MiB",
            Raw::new()
                .declaring(
                    b"././@LongLink",
                    EntryType::GNULongLink,
                    b"",
                    TEN_MIB,
                    &vec![b'a'; TEN_MIB as usize],
                )
                .symlink("l", "x")
                .zst(),
            vec!["GNU long link name header declares"],
        ),
        (
            "PAX path record of 10 MiB",
            Raw::new()
                .pax(EntryType::XHeader, &[("path", big_path.as_bytes())])
                .file("x", b"")
                .zst(),
            vec!["PAX extended header declares", "65536-byte limit"],
        ),
        (
            "PAX global header of 10 MiB",
            Raw::new()
                .pax(
                    EntryType::XGlobalHeader,
                    &[("comment", &vec![b'c'; TEN_MIB as usize])],
                )
                .file("x", b"")
                .zst(),
            vec!["PAX global header declares"],
        ),
        (
            "300-byte name component",
            Raw::new()
                .long_name(format!("dir/{}", "n".repeat(300)).as_bytes())
                .file("x", b"")
                .zst(),
            vec!["300-byte component", "255-byte limit"],
        ),
        (
            "5000-byte path in PAX",
            Raw::new()
                .pax(
                    EntryType::XHeader,
                    &[(
                        "path",
                        format!("{}x", format!("{}/", "d".repeat(99)).repeat(50)).as_bytes(),
                    )],
                )
                .file("x", b"")
                .zst(),
            vec!["name is 5001 bytes long, over the 4096-byte limit"],
        ),
        (
            "5000-byte symlink target",
            Raw::new()
                .pax(
                    EntryType::XHeader,
                    &[("linkpath", "a/".repeat(2500).as_bytes())],
                )
                .symlink("l", "x")
                .zst(),
            vec!["\"l\"", "symlink target is 5000 bytes long"],
        ),
        (
            "GNU long name and PAX path that disagree",
            Raw::new()
                .long_name(b"safe.txt")
                .pax(EntryType::XHeader, &[("path", b"other.txt")])
                .file("x", b"")
                .zst(),
            vec!["disagree"],
        ),
        (
            "two long names for one entry",
            Raw::new()
                .long_name(b"a")
                .long_name(b"b")
                .file("x", b"")
                .zst(),
            vec!["two GNU long name headers"],
        ),
        (
            "long name with nothing after it",
            Raw::new().file("ok", b"").long_name(b"dangling").zst(),
            vec!["no entry for it to describe"],
        ),
        (
            "malformed PAX record",
            Raw::new()
                .declaring(
                    b"PaxHeaders/x",
                    EntryType::XHeader,
                    b"",
                    16,
                    b"99 path=evil\n\n\n\n",
                )
                .file("x", b"")
                .zst(),
            vec!["PAX header is malformed"],
        ),
        (
            "PAX size disagreeing with the header",
            Raw::new()
                .pax(EntryType::XHeader, &[("size", b"0")])
                .file("x", &[b'z'; 1024])
                .zst(),
            vec!["PAX `size`"],
        ),
        (
            "global header renaming every entry",
            Raw::new()
                .pax(EntryType::XGlobalHeader, &[("path", b"../evil")])
                .file("x", b"")
                .zst(),
            vec!["sets `path`"],
        ),
        (
            "NUL inside a long name",
            Raw::new().long_name(b"ok\0../../evil").file("x", b"").zst(),
            vec!["NUL"],
        ),
    ];
    refused_all(&env, data.path(), cases).await;
}

#[tokio::test]
async fn hostile_sizes_sparse_files_and_endless_streams_are_bounded() {
    let (env, data) = sandbox(Some(8 << 20)).await;
    let endless_zeros = {
        // A valid archive, then 64 MiB of zero blocks (a few KiB compressed).
        let mut tar = Raw::new().file("index.html", b"ok").tar();
        tar.resize(tar.len() + (64 << 20), 0);
        zstd::encode_all(&tar[..], 3).unwrap()
    };
    let many_tiny = {
        // 40 000 empty files: 20 MiB of headers, over the 8 MiB limit.
        let mut raw = Raw::new();
        for i in 0..40_000 {
            raw = raw.file(&format!("f{i}"), b"");
        }
        raw.zst()
    };
    let cases = vec![
        (
            "size field of 2^62 bytes",
            Raw::new()
                .declaring(b"huge.bin", EntryType::Regular, b"", 1 << 62, b"x")
                .zst(),
            vec![
                "\"huge.bin\"",
                "declares 4611686018427387904 bytes",
                "unpacked limit",
            ],
        ),
        (
            "size field larger than the data sent",
            Raw::new()
                .declaring(b"short.bin", EntryType::Regular, b"", 1 << 20, &[1; 4096])
                .zst(),
            vec!["\"short.bin\"", "ends inside it"],
        ),
        (
            "sparse entry",
            Raw::new()
                .declaring(b"sparse.bin", EntryType::GNUSparse, b"", 0, b"")
                .zst(),
            vec!["\"sparse.bin\"", "sparse"],
        ),
        (
            "PAX sparse records",
            Raw::new()
                .pax(
                    EntryType::XHeader,
                    &[("GNU.sparse.realsize", b"1099511627776")],
                )
                .file("GNUSparseFile.0/big", b"")
                .zst(),
            vec!["sparse"],
        ),
        ("endless zero blocks", endless_zeros, vec!["limit"]),
        ("many tiny entries", many_tiny, vec!["limit"]),
    ];
    refused_all(&env, data.path(), cases).await;
}

#[tokio::test]
async fn long_names_within_the_limits_are_accepted() {
    let (env, _data) = sandbox(None).await;
    let component = "c".repeat(200);
    let deep = format!("{}{}/index.html", "d".repeat(100), "/e".repeat(1500));
    assert!(deep.len() > 3000 && deep.len() < 4096);
    let body = Raw::new()
        .long_name(component.as_bytes())
        .file("ignored", b"a 200-byte name")
        .long_name(deep.as_bytes())
        .file("ignored", b"a deep path")
        .pax(
            EntryType::XHeader,
            &[("path", b"pax/named.html"), ("mtime", b"1.5")],
        )
        .file("ignored", b"a PAX name")
        .zst();
    let build = deploys(&env, body).await;
    assert_eq!(build["file_count"], 3, "{build}");
}

fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("skipped: `{tool}` is not installed");
    }
    found
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn zstd_cli(input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("zstd")
        .args(["-q", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// Deploys `body` to a new app, expecting 201 and the build listed; returns
/// the listed build.
async fn deploys(env: &Env, body: Vec<u8>) -> serde_json::Value {
    let app = env.create_app("web").await;
    let r = env
        .deploy_bytes(&env.project, &app, "", body, &env.user)
        .await
        .expect(201);
    let build = r.body["build_id"].as_str().unwrap().to_string();
    let builds = env
        .get(
            &format!("/v1/projects/{}/apps/{app}/builds", env.project),
            &env.user,
        )
        .await
        .expect(200);
    let listed = builds.body["builds"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{}", builds.body);
    assert_eq!(listed[0]["build_id"], build.as_str());
    listed[0].clone()
}

#[tokio::test]
async fn git_archive_output_deploys() {
    if !have("git") || !have("zstd") {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::write(dir.join("index.html"), "<h1>from git</h1>").unwrap();
    std::fs::create_dir(dir.join("assets")).unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
    std::os::unix::fs::symlink("../index.html", dir.join("assets/home.html")).unwrap();
    let git = |args: &[&str]| run(dir, "git", args);
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "-m",
        "site",
    ]);
    let tar = git(&["archive", "--format=tar", "HEAD"]);
    // git writes a PAX global header (type `g`) with the commit id first.
    assert_eq!(tar[156], b'g', "git archive starts with a global header");
    let (env, _data) = sandbox(None).await;
    let build = deploys(&env, zstd_cli(&tar)).await;
    assert_eq!(build["file_count"], 2, "{build}");
}

#[tokio::test]
async fn gnu_tar_output_with_a_symlink_deploys() {
    if !have("tar") || !have("zstd") {
        return;
    }
    let site = tempfile::tempdir().unwrap();
    let dir = site.path();
    std::fs::create_dir(dir.join("v2")).unwrap();
    std::fs::write(dir.join("v2/index.html"), "<h1>v2</h1>").unwrap();
    std::os::unix::fs::symlink("v2", dir.join("latest")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("app.tar.zst");
    run(
        dir,
        "tar",
        &[
            "--zstd",
            "-cf",
            archive.to_str().unwrap(),
            "-C",
            dir.to_str().unwrap(),
            ".",
        ],
    );
    let (env, _data) = sandbox(None).await;
    let build = deploys(&env, std::fs::read(&archive).unwrap()).await;
    assert_eq!(build["file_count"], 1, "{build}");
}

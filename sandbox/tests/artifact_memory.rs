//! Peak memory of the sandbox while it refuses uploads built to exhaust it:
//! gigabyte-sized GNU long names and PAX headers that compress to a few
//! hundred kilobytes (the `tar` crate, left to itself, buffers them whole).
//!
//! Each upload goes to a fresh `comwit-sandbox serve` process, whose
//! high-water mark (`VmHWM` in `/proc/<pid>/status`) is then read: the
//! figure is the sandbox's own peak, idle baseline included, and nothing
//! of this test's. Run with `--nocapture` to see the figures.
#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tar::EntryType;

const GIB: u64 = 1 << 30;
/// The brief's ceiling for one hostile upload.
const CEILING: u64 = 256 << 20;

/// A `.tar.zst` of one extension entry of `kind` whose `size`-byte body is
/// really sent (all `fill` bytes), followed by a file: compressed as it is
/// generated, so the test itself never holds the body.
fn inflated(kind: EntryType, size: u64, prefix: &[u8], fill: u8) -> Vec<u8> {
    inflated_with_window(kind, size, prefix, fill, None)
}

fn inflated_with_window(
    kind: EntryType,
    size: u64,
    prefix: &[u8],
    fill: u8,
    window_log: Option<u32>,
) -> Vec<u8> {
    let mut zst = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    if let Some(log) = window_log {
        zst.set_parameter(zstd::stream::raw::CParameter::WindowLog(log))
            .unwrap();
    }
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    zst.write_all(h.as_bytes()).unwrap();
    zst.write_all(prefix).unwrap();
    let chunk = vec![fill; 1 << 20];
    let mut left = size - prefix.len() as u64;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        zst.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    let padding = (512 - size % 512) % 512;
    zst.write_all(&vec![0; padding as usize]).unwrap();
    let mut file = tar::Header::new_gnu();
    file.set_path("x").unwrap();
    file.set_size(0);
    file.set_cksum();
    zst.write_all(file.as_bytes()).unwrap();
    zst.write_all(&[0; 1024]).unwrap();
    zst.finish().unwrap()
}

/// A `.tar.zst` of `count` symlinks, each after a GNU long name `name(i)`
/// and a GNU long link `target`: fills the link table to its budget.
fn many_links(count: usize, name: impl Fn(usize) -> String, target: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for i in 0..count {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(EntryType::Symlink);
        h.set_size(0);
        tar.append_link(&mut h, name(i), target).unwrap();
    }
    zstd::encode_all(&tar.into_inner().unwrap()[..], 3).unwrap()
}

/// A PAX record header line for a `path` of `len` bytes (the body is the
/// line's start; the value follows as fill bytes).
fn pax_prefix(key: &str, total: u64) -> Vec<u8> {
    format!("{total} {key}=").into_bytes()
}

/// A sandbox process of its own, killed on drop.
struct Server {
    child: Child,
    api: String,
    token: String,
    project: String,
    _data: tempfile::TempDir,
}

impl Server {
    fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let ready = data.path().join("ready.json");
        let child = Command::new(env!("CARGO_BIN_EXE_comwit-sandbox"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data.path().join("state"))
            .arg("--ready-file")
            .arg(&ready)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start comwit-sandbox");
        let info = wait_for(&ready);
        Server {
            child,
            api: info["api_url"].as_str().unwrap().to_owned(),
            token: info["user_token"].as_str().unwrap().to_owned(),
            project: info["project_id"].as_str().unwrap().to_owned(),
            _data: data,
        }
    }

    /// Peak resident memory of the sandbox process so far, in bytes.
    fn peak(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("VmHWM in /proc/<pid>/status");
        kib * 1024
    }

    async fn deploy(&self, http: &reqwest::Client, body: Vec<u8>) -> (u16, String) {
        let app: Value = http
            .post(format!("{}/v1/projects/{}/apps", self.api, self.project))
            .bearer_auth(&self.token)
            .json(&json!({"name": "web"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let app = app["app"]["app_id"]
            .as_str()
            .expect("app created")
            .to_owned();
        let r = http
            .post(format!(
                "{}/v1/projects/{}/apps/{app}/deployments",
                self.api, self.project
            ))
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (status, body["detail"].as_str().unwrap_or("").to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(ready: &Path) -> Value {
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(ready)
            && let Ok(info) = serde_json::from_str::<Value>(&text)
        {
            return info;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the sandbox did not become ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_uploads_keep_the_sandbox_far_below_256_mib() {
    // Default limits: 1 GiB upload, 4 GiB unpacked.
    let limit = "65536-byte limit";
    let budget = "budget for checking them";
    let long_target = "t/".repeat(1999) + "t";
    let deep = |i: usize| format!("{i}{}", "/a".repeat(1990));
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "GNU long name of 1 GiB",
            inflated(EntryType::GNULongName, GIB, b"", b'a'),
            400,
            limit,
        ),
        (
            "GNU long link name of 1 GiB",
            inflated(EntryType::GNULongLink, GIB, b"", b'a'),
            400,
            limit,
        ),
        (
            "PAX path record of 1 GiB",
            inflated(EntryType::XHeader, GIB, &pax_prefix("path", GIB), b'a'),
            400,
            limit,
        ),
        (
            "PAX global header of 1 GiB",
            inflated(
                EntryType::XGlobalHeader,
                GIB,
                &pax_prefix("comment", GIB),
                b'c',
            ),
            400,
            limit,
        ),
        (
            "10 000 symlinks with 4000-byte targets",
            many_links(10_000, |i| format!("l{i}"), &long_target),
            400,
            // Each costs 2000 steps to resolve: the step budget ends it
            // before the table's memory budget.
            "steps to resolve",
        ),
        (
            "symlinks 1990 directories deep, each in its own tree",
            many_links(200, deep, "x"),
            400,
            budget,
        ),
        (
            // The other bound: the zstd decoder's window, which a frame may
            // ask to be as large as the decoder allows (128 MiB, what `zstd
            // --long` uses). The archive is valid, so it is accepted.
            "160 MiB of zeros with a 128 MiB zstd window",
            inflated_with_window(EntryType::Regular, 160 << 20, b"", 0, Some(27)),
            201,
            "",
        ),
    ];
    let http = comwit_client::http::client();
    let idle = Server::start();
    println!("idle sandbox: VmHWM {} MiB", idle.peak() >> 20);
    drop(idle);
    for (what, body, status, needle) in cases {
        let server = Server::start();
        let sent = body.len();
        let (got, detail) = server.deploy(&http, body).await;
        let peak = server.peak();
        println!(
            "{what}: {sent}-byte upload -> {got} {detail:?}; sandbox VmHWM {} MiB",
            peak >> 20
        );
        assert_eq!(got, status, "{what}: {detail}");
        assert!(detail.contains(needle), "{what}: {detail}");
        assert!(
            peak < CEILING,
            "{what}: sandbox peak RSS {} MiB, over the {} MiB ceiling",
            peak >> 20,
            CEILING >> 20
        );
    }
}

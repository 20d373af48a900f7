//! How fast `comwit-deploy` gets going: time from process start to the
//! first uploaded byte of a 50 MiB `dist`, against an in-process sandbox,
//! and the release binary's size. Not a test: prints figures.
//!
//! ```sh
//! cargo bench -p comwit-deploy-action --bench startup
//! ```
//!
//! A small TCP proxy sits between the binary and the sandbox and notes
//! when the first byte of the deploy request's body arrives. Packing alone
//! (to a sink, same packer) is timed too, for the "overhead beyond packing".

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comwit_client::package::{PackOptions, pack_to_writer};
use comwit_sandbox::Sandbox;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_comwit-deploy");
const TOTAL: usize = 50 << 20;
const RUNS: usize = 5;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(bench());
}

/// 50 MiB in 400 files: a third incompressible, the rest text of varied
/// compressibility (what a built site looks like: bundles, maps, images).
fn make_dist(root: &Path) {
    let per_file = TOTAL / 400;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..400 {
        let dir = root.join(format!("assets/{}", i % 20));
        std::fs::create_dir_all(&dir).unwrap();
        let mut data = Vec::with_capacity(per_file + 8);
        if i % 3 == 0 {
            while data.len() < per_file {
                data.extend_from_slice(&next().to_le_bytes());
            }
        } else {
            let words = [
                "const ",
                "function ",
                "return ",
                "export ",
                "import ",
                "{}",
                "=>",
                "\n",
            ];
            while data.len() < per_file {
                let r = next();
                data.extend_from_slice(words[(r % 8) as usize].as_bytes());
                data.extend_from_slice(format!("v{}", r % 997).as_bytes());
            }
        }
        data.truncate(per_file);
        std::fs::write(dir.join(format!("chunk-{i}.js")), data).unwrap();
    }
}

/// Forwards `listener` to `upstream`, recording when the first body byte
/// of a `POST …/deployments` request passes.
async fn proxy(listener: TcpListener, upstream: String, first_byte: Arc<Mutex<Option<Instant>>>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            return;
        };
        let upstream = upstream.clone();
        let first_byte = first_byte.clone();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = server.into_split();
            let up = async move {
                let mut seen: Vec<u8> = Vec::new();
                let mut in_body = false;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match cr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if !in_body {
                        seen.extend_from_slice(&buf[..n]);
                        if let Some(post) = find(&seen, b"POST /v1/projects/")
                            && let Some(end) = find(&seen[post..], b"\r\n\r\n")
                        {
                            let line_end = find(&seen[post..], b"\r\n").unwrap_or(0);
                            let line = &seen[post..post + line_end];
                            if find(line, b"/deployments").is_some() {
                                in_body = true;
                                if seen.len() > post + end + 4 {
                                    first_byte.lock().unwrap().get_or_insert(Instant::now());
                                }
                            } else {
                                seen.drain(..post + end + 4);
                            }
                        }
                        if seen.len() > 1 << 20 {
                            seen.drain(..seen.len() - 4096);
                        }
                    } else {
                        first_byte.lock().unwrap().get_or_insert(Instant::now());
                    }
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = sw.shutdown().await;
            };
            let down = async move {
                let _ = tokio::io::copy(&mut sr, &mut cw).await;
                let _ = cw.shutdown().await;
            };
            tokio::join!(up, down);
        });
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn bench() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    make_dist(&dist);

    let sandbox = Sandbox::builder().start().await.expect("sandbox");
    let info = sandbox.info().clone();
    let client = comwit_client::Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let app = client
        .apps(&info.project_id)
        .create("bench")
        .await
        .expect("app")
        .app_id;

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = info.api_url.trim_start_matches("http://").to_string();
    let first_byte: Arc<Mutex<Option<Instant>>> = Arc::default();
    tokio::spawn(proxy(listener, upstream, first_byte.clone()));

    let mut packs = Vec::new();
    let mut firsts = Vec::new();
    let mut totals = Vec::new();
    let mut artifact = 0;
    for run in 0..RUNS {
        let d = dist.clone();
        let (pack, size) = tokio::task::spawn_blocking(move || {
            let t = Instant::now();
            let s = pack_to_writer(&d, std::io::sink(), &PackOptions::new()).unwrap();
            (t.elapsed(), s.size)
        })
        .await
        .unwrap();
        artifact = size;

        *first_byte.lock().unwrap() = None;
        let started = Instant::now();
        let out = tokio::process::Command::new(BIN)
            .args([
                "--token",
                &info.user_token,
                "--api-url",
                &proxy_url,
                "--project",
                &info.project_id,
                "--app",
                &app,
                "--package",
            ])
            .arg(&dist)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_OUTPUT")
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .await
            .expect("comwit-deploy runs");
        let total = started.elapsed();
        assert!(
            out.status.success(),
            "deploy failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let first = first_byte.lock().unwrap().expect("an upload was seen") - started;
        println!(
            "run {}: first uploaded byte {:.3} s, process total {:.3} s, pack alone {:.3} s",
            run + 1,
            first.as_secs_f64(),
            total.as_secs_f64(),
            pack.as_secs_f64()
        );
        packs.push(pack);
        firsts.push(first);
        totals.push(total);
    }
    let (pack, first, total) = (median(packs), median(firsts), median(totals));

    let size = std::fs::metadata(BIN).unwrap().len();
    let stripped = dir.path().join("comwit-deploy-stripped");
    let stripped_size = std::fs::copy(BIN, &stripped)
        .ok()
        .and_then(|_| {
            std::process::Command::new("strip")
                .arg(&stripped)
                .status()
                .ok()
        })
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&stripped).ok())
        .map(|m| m.len());

    let mib = |n: u64| n as f64 / (1 << 20) as f64;
    println!();
    println!(
        "dist: {} MiB in 400 files; artifact {:.1} MiB",
        TOTAL >> 20,
        mib(artifact)
    );
    println!("medians of {RUNS} runs:");
    println!(
        "  process start → first uploaded byte: {:.3} s",
        first.as_secs_f64()
    );
    println!(
        "  process start → exit (packed, uploaded, checked by the sandbox): {:.3} s",
        total.as_secs_f64()
    );
    println!(
        "  packing alone (same packer, to a sink): {:.3} s",
        pack.as_secs_f64()
    );
    println!(
        "  total beyond packing alone: {:.3} s",
        total.saturating_sub(pack).as_secs_f64()
    );
    println!(
        "binary: {:.1} MiB as built, {}",
        mib(size),
        match stripped_size {
            Some(s) => format!("{:.1} MiB stripped", mib(s)),
            None => "strip not available".into(),
        }
    );
    println!(
        "startup_first_byte_s={:.3} total_s={:.3} pack_s={:.3} binary_mib={:.1} stripped_mib={}",
        first.as_secs_f64(),
        total.as_secs_f64(),
        pack.as_secs_f64(),
        mib(size),
        stripped_size
            .map(|s| format!("{:.1}", mib(s)))
            .unwrap_or_else(|| "-".into())
    );
    sandbox.shutdown().await;
}

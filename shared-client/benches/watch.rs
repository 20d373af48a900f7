//! `cargo bench -p comwit-client --bench watch`
//!
//! Watch mode (issue 7): the latency from the last write of a burst to the
//! first uploaded byte (median of 20, default debounce 300 ms), and the
//! process's CPU use while idle for a minute with 10,000 watched files
//! (`COMWIT_BENCH_IDLE_SECS` shortens the idle phase).

use std::path::Path;
use std::time::{Duration, Instant};

use comwit_client::Client;
use comwit_client::watch::{Control, WatchEvent, run};
use comwit_sandbox::Sandbox;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const ROUNDS: usize = 20;
const IDLE_FILES: usize = 10_000;

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (1-based); here 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}

async fn next_matching(
    events: &mut UnboundedReceiver<WatchEvent>,
    want: impl Fn(&WatchEvent) -> bool,
) -> Instant {
    loop {
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("an event within a minute")
            .expect("the watcher runs");
        if want(&e) {
            return Instant::now();
        }
    }
}

async fn start(
    client: &Client,
    project: &str,
    name: &str,
    package: &Path,
) -> (
    UnboundedReceiver<WatchEvent>,
    tokio::sync::mpsc::UnboundedSender<Control>,
) {
    let app = client.apps(project).create(name).await.unwrap();
    let options = comwit_e2e::watch::options(project, &app.app_id, package);
    let (tx, mut events) = unbounded_channel();
    let (control, rx) = unbounded_channel();
    tokio::spawn(run(client.clone(), options, tx, rx));
    next_matching(&mut events, |e| matches!(e, WatchEvent::Phase(_))).await;
    (events, control)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let sandbox = Sandbox::builder().start().await.unwrap();
    let info = sandbox.info().clone();
    let client = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();

    // Latency: bursts of 50 writes, then time to the first uploaded byte.
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "start").unwrap();
    let (mut events, control) = start(&client, &info.project_id, "latency", site.path()).await;
    let mut latencies = Vec::new();
    for round in 0..ROUNDS {
        for i in 0..50 {
            std::fs::write(site.path().join(format!("f{i}.js")), format!("{round}-{i}")).unwrap();
        }
        let last_write = Instant::now();
        let first_byte = next_matching(
            &mut events,
            |e| matches!(e, WatchEvent::Upload { sent, .. } if *sent > 0),
        )
        .await;
        latencies.push(first_byte - last_write);
        next_matching(&mut events, |e| matches!(e, WatchEvent::Deployed(_))).await;
    }
    let _ = control.send(Control::Stop);
    latencies.sort();
    let median = latencies[ROUNDS / 2];

    // Idle: 10,000 files in 100 directories, watched, nothing changes.
    let tree = tempfile::tempdir().unwrap();
    for d in 0..100 {
        let dir = tree.path().join(format!("d{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..IDLE_FILES / 100 {
            std::fs::write(dir.join(format!("f{f:03}.txt")), "x").unwrap();
        }
    }
    let (_idle_events, idle_control) = start(&client, &info.project_id, "idle", tree.path()).await;
    let idle = Duration::from_secs(
        std::env::var("COMWIT_BENCH_IDLE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
    );
    let before = cpu_seconds();
    tokio::time::sleep(idle).await;
    let used = cpu_seconds() - before;
    let _ = idle_control.send(Control::Stop);

    println!("watch mode (debounce 300 ms)");
    println!(
        "  last write → first uploaded byte: median {:.0} ms, min {:.0} ms, max {:.0} ms ({ROUNDS} bursts of 50 writes)",
        median.as_secs_f64() * 1000.0,
        latencies[0].as_secs_f64() * 1000.0,
        latencies[ROUNDS - 1].as_secs_f64() * 1000.0
    );
    println!(
        "  idle with {IDLE_FILES} watched files for {} s: {:.2} s CPU ({:.2} % of one core; sandbox included)",
        idle.as_secs(),
        used,
        used / idle.as_secs_f64() * 100.0
    );
    sandbox.shutdown().await;
}

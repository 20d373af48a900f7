//! Dashboard figures (issue 5): time to the first frame before any network
//! answer, render time per frame with a 10,000-record zone and a
//! 100,000-row SQL result, and resident memory with both loaded.
//!
//! `cargo bench -p comwit-tui --bench render`
//!
//! The sandbox runs in a child process (this binary, re-executed) so the
//! memory figure is the dashboard's alone.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use comwit_client::Client;
use comwit_client::models::NewRecord;
use comwit_client::sql::SqlSession;
use comwit_sandbox::SandboxInfo;
use comwit_tui::action::Action;
use comwit_tui::app::App;
use comwit_tui::session::sandbox_session;
use comwit_tui::settings::Settings;
use comwit_tui::tree::NodeKey;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::UnboundedReceiver;

const CHILD: &str = "COMWIT_BENCH_SANDBOX_READY_FILE";
const RECORDS: usize = 10_000;
const ROWS: u64 = 100_000;
const FRAMES: usize = 300;
const SIZE: (u16, u16) = (160, 48);

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        return serve_sandbox(PathBuf::from(path));
    }
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` asks; nothing to list.
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(bench());
}

/// The child: a demo sandbox until stdin closes.
fn serve_sandbox(ready: PathBuf) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sandbox = comwit_sandbox::Sandbox::builder()
            .seed_demo()
            .start()
            .await
            .expect("sandbox");
        comwit_sandbox::write_ready_file(&ready, sandbox.info()).expect("ready file");
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            let _ = std::io::stdin().read_line(&mut sink);
        })
        .await
        .ok();
        sandbox.shutdown().await;
    });
}

struct SandboxChild {
    child: Child,
}

impl Drop for SandboxChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn start_child() -> (SandboxChild, SandboxInfo) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("ready.json");
    let child = Command::new(std::env::current_exe().expect("exe"))
        .env(CHILD, &ready)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn the sandbox child");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "the sandbox child did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let info = serde_json::from_slice(&std::fs::read(&ready).expect("read")).expect("parse");
    (SandboxChild { child }, info)
}

async fn populate(info: &SandboxInfo) -> (String, String, String) {
    let user = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let op = Client::builder()
        .base_url(&info.api_url)
        .token(info.operator_token.as_str())
        .build()
        .unwrap();
    let project = user
        .projects()
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == "storefront")
        .expect("demo project")
        .project_id;
    // 10,000 records in the managed demo zone, 16 requests at a time.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..16 {
        let (user, project) = (user.clone(), project.clone());
        tasks.spawn(async move {
            let records = user.domains(&project).records("shop.example");
            for i in (worker..RECORDS).step_by(16) {
                records
                    .create(&NewRecord {
                        name: format!("host{i:05}"),
                        kind: "A".into(),
                        ttl: Some(300),
                        values: vec![format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)],
                    })
                    .await
                    .expect("record");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    eprintln!("  (setup: {RECORDS} records in {:.1?})", started.elapsed());
    let db = user
        .databases(&project)
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "shop-db")
        .expect("demo database");
    let mut sql = SqlSession::with_operator(
        &op,
        &db.database_id,
        db.database_url.as_deref().expect("url"),
        "bench",
    )
    .await
    .unwrap();
    sql.execute(
        "create table big (id integer primary key, name text, price real, note text, data blob)",
        &[],
    )
    .await
    .unwrap();
    sql.execute(
        &format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < {ROWS}) \
             insert into big select i, 'item ' || i, i * 1.5, \
             case when i % 7 = 0 then null else 'note ' || (i % 13) end, x'00ff' from n"
        ),
        &[],
    )
    .await
    .unwrap();
    (project, db.database_id, "shop.example".into())
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &mut App) -> Duration {
    let started = Instant::now();
    terminal
        .draw(|f| comwit_tui::ui::draw(f, app))
        .expect("draw");
    started.elapsed()
}

fn screen(terminal: &Terminal<TestBackend>) -> String {
    let b = terminal.backend().buffer();
    (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn until(
    app: &mut App,
    rx: &mut UnboundedReceiver<Action>,
    terminal: &mut Terminal<TestBackend>,
    done: impl Fn(&str) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        draw(terminal, app);
        if done(&screen(terminal)) {
            return;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(a)) => app.update(a),
            _ => panic!("never settled:\n{}", screen(terminal)),
        }
    }
}

/// Mean and 99th percentile of `FRAMES` draws.
fn frames(terminal: &mut Terminal<TestBackend>, app: &mut App, scroll: KeyCode) -> (f64, f64) {
    let mut times: Vec<f64> = (0..FRAMES)
        .map(|i| {
            // Move every other frame so rows change like a user scrolling.
            if i % 2 == 0 {
                app.update(Action::Key(KeyEvent::new(scroll, KeyModifiers::NONE)));
            }
            draw(terminal, app).as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    (mean, times[times.len() * 99 / 100])
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

async fn bench() {
    let (_child, info) = start_child();
    let (project, database, zone) = populate(&info).await;

    // First frame: a fresh session and app, drawn before any answer.
    let started = Instant::now();
    let session = sandbox_session(&info, false, false).expect("session");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new(session, Settings::default(), tx);
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    draw(&mut terminal, &mut app);
    let first_frame = started.elapsed();

    // The 10,000-record zone.
    let key = NodeKey::Domain {
        project: project.clone(),
        domain: zone.clone(),
    };
    app.update(Action::Goto(Ok(comwit_tui::palette::Jump {
        path: vec![
            NodeKey::Project(project.clone()),
            NodeKey::Domains(project.clone()),
            key,
        ],
        ..Default::default()
    })));
    until(&mut app, &mut rx, &mut terminal, |s| {
        s.split("· ")
            .filter_map(|p| p.split(" records").next())
            .filter_map(|n| n.trim().parse::<usize>().ok())
            .any(|n| n >= RECORDS)
    })
    .await;
    app.update(Action::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    let (zone_mean, zone_p99) = frames(&mut terminal, &mut app, KeyCode::PageDown);

    // The 100,000-row result.
    let console = NodeKey::Sql { project, database };
    app.open_fullscreen(comwit_tui::tree::Node::named(console, "bench"));
    until(&mut app, &mut rx, &mut terminal, |s| {
        s.contains("autocommit")
    })
    .await;
    app.update(Action::Paste("select * from big".into()));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::F(5),
        KeyModifiers::NONE,
    )));
    until(&mut app, &mut rx, &mut terminal, |s| {
        s.contains("100,000 rows")
    })
    .await;
    app.update(Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    let (sql_mean, sql_p99) = frames(&mut terminal, &mut app, KeyCode::PageDown);
    let rss = rss_mib();

    println!(
        "comwit-tui render benchmark ({}×{} terminal, release build)",
        SIZE.0, SIZE.1
    );
    println!(
        "  first frame (session + app + draw, before any answer): {:.2} ms",
        first_frame.as_secs_f64() * 1000.0
    );
    println!(
        "  10,000-record zone:   {zone_mean:.3} ms/frame mean, {zone_p99:.3} ms p99 ({FRAMES} frames, paging)"
    );
    println!(
        "  100,000-row result:   {sql_mean:.3} ms/frame mean, {sql_p99:.3} ms p99 ({FRAMES} frames, paging)"
    );
    println!("  resident memory with both loaded: {rss:.1} MiB");
}

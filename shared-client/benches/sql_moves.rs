//! `cargo bench -p comwit-client --bench sql_moves`
//!
//! `.dump` and import of 1,000,000 rows against the sandbox: rows/s and
//! the client's peak RSS. The sandbox runs in this process; each move runs
//! in a child (this binary, re-executed) so its `VmHWM` is the client's
//! alone. Goals (issue 16): import ≥ 50,000 rows/s, dump ≥ 200,000 rows/s,
//! RSS flat ≤ 64 MiB.
//!
//! Prints `dump rows=… rows_per_s=… peak_rss_mib=…` and the same for import.

use std::io::{BufReader, BufWriter};
use std::process::{Command, Stdio};
use std::time::Instant;

use comwit_client::Client;
use comwit_client::sql::SqlSession;
use comwit_client::sql::dump::dump;
use comwit_client::sql::import::{self, ImportOptions};
use comwit_sandbox::Sandbox;

const ROWS: u64 = 1_000_000;
const CHILD_ENV: &str = "COMWIT_SQL_BENCH_CHILD";

#[tokio::main]
async fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        return child(&spec).await;
    }
    let sandbox = Sandbox::builder().start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    let user = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let databases = user.databases(&info.project_id);
    let source = databases.create("bench-source").await.unwrap();
    let target = databases.create("bench-target").await.unwrap();
    let mut session = SqlSession::with_token(&source.database_url, source.database_token.clone());
    let fill = format!(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount REAL, note TEXT);\n\
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS}) \
         INSERT INTO orders SELECT x, 'customer-' || (x % 997), x * 0.25, \
         CASE WHEN x % 10 = 0 THEN 'it''s a note' END FROM c"
    );
    session.script(&fill).await.expect("fill the source");

    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("dump.sql");
    let file = file.to_str().unwrap();
    for (what, db) in [("dump", &source), ("import", &target)] {
        let token = db.database_token.expose();
        let spec = format!("{what}\n{}\n{token}\n{file}", db.database_url);
        let out = Command::new(std::env::current_exe().expect("own path"))
            .env(CHILD_ENV, spec)
            .stderr(Stdio::inherit())
            .output()
            .expect("child runs");
        assert!(out.status.success(), "the {what} child failed");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
    let size = std::fs::metadata(file).unwrap().len();
    println!("dump file {:.1} MB", size as f64 / 1e6);
    sandbox.shutdown().await;
}

/// The re-executed binary: one move, then its rows/s and `VmHWM`.
async fn child(spec: &str) {
    let [what, url, token, file] = <[&str; 4]>::try_from(spec.lines().collect::<Vec<_>>())
        .expect("child spec: what, url, token, file");
    let mut session = SqlSession::with_token(url, comwit_client::Secret::new(token));
    let started = Instant::now();
    let rows = match what {
        "dump" => {
            let mut out = BufWriter::new(std::fs::File::create(file).unwrap());
            dump(&mut session, &mut out).await.unwrap().rows
        }
        _ => {
            let open = || BufReader::new(std::fs::File::open(file).unwrap());
            let options = ImportOptions::default();
            let plan = import::plan(open(), options).unwrap();
            let done = import::import(&mut session, open(), options, &plan, |_| {})
                .await
                .unwrap();
            done.statements as u64 - 1
        }
    };
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{what} rows={rows} seconds={wall:.2} rows_per_s={:.0} peak_rss_mib={:.1}",
        rows as f64 / wall,
        peak_rss_kib() as f64 / 1024.0
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

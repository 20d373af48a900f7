//! `cargo bench -p comwit-sandbox --bench data`
//!
//! The data plane: Hrana `execute` round trips/s for a simple SELECT (1 and
//! 16 concurrent streams, each its own baton chain), time to stream 100,000
//! rows through `/v3/cursor`, and DNS queries/s against the zones server.
//! Client and server share this process and the machine's cores.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use comwit_sandbox::Sandbox;
use hickory_server::proto::op::{Message, Query};
use hickory_server::proto::rr::{Name, RecordType};
use serde_json::{Value, json};

const SECONDS: u64 = 5;

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::builder().start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    let http = comwit_client::http::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let db: Value = http
        .post(format!(
            "{}/v1/projects/{}/databases",
            info.api_url, info.project_id
        ))
        .bearer_auth(&info.user_token)
        .json(&json!({"name": "bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = db["database_url"].as_str().unwrap().to_string();
    let token = db["database_token"].as_str().unwrap().to_string();

    for streams in [1usize, 16] {
        let (rate, p99) = selects(&http, &url, &token, streams).await;
        println!(
            "hrana_select streams={streams:<2} round_trips_per_s={rate:.0} p99_ms={:.3}",
            p99.as_secs_f64() * 1e3
        );
    }

    // 100,000 rows of (integer, text) streamed through the cursor.
    pipeline(&http, &url, &token, None, json!([
        {"type": "execute", "stmt": {"sql": "CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT)"}},
        {"type": "execute", "stmt": {"sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) INSERT INTO r SELECT x, 'row-' || x FROM c"}},
    ]))
    .await;
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let body = http
            .post(format!("{url}/v3/cursor"))
            .bearer_auth(&token)
            .json(&json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "SELECT id, name FROM r"}}]}}))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let rows = body
            .split(|b| *b == b'\n')
            .filter(|l| l.starts_with(b"{\"type\":\"row\""))
            .count();
        assert_eq!(rows, 100_000);
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "cursor_100k_rows best_s={:.3} median_s={:.3}",
        times[0].as_secs_f64(),
        times[1].as_secs_f64()
    );

    let dns: SocketAddr = info.dns_addr.parse().unwrap();
    let domain = "bench.example";
    let d: Value = http
        .post(format!(
            "{}/v1/projects/{}/domains",
            info.api_url, info.project_id
        ))
        .bearer_auth(&info.user_token)
        .json(&json!({"domain": domain}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(d["domain"]["nameservers"].is_array());
    let qps = dns_load(dns, &format!("{domain}."), 8).await;
    println!("dns_soa_queries clients=8 queries_per_s={qps:.0}");
    sandbox.shutdown().await;
}

async fn pipeline(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    baton: Option<String>,
    requests: Value,
) -> Value {
    let r = http
        .post(format!("{url}/v3/pipeline"))
        .bearer_auth(token)
        .json(&json!({"baton": baton, "requests": requests}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn selects(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    streams: usize,
) -> (f64, Duration) {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..streams {
        let (http, url, token) = (http.clone(), url.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut baton = None;
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = pipeline(
                    &http,
                    &url,
                    &token,
                    baton.take(),
                    json!([{"type": "execute", "stmt": {"sql": "SELECT 1"}}]),
                )
                .await;
                assert_eq!(r["results"][0]["type"], "ok");
                baton = r["baton"].as_str().map(str::to_string);
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    (
        all.len() as f64 / secs,
        all[(all.len() * 99 / 100).min(all.len() - 1)],
    )
}

async fn dns_load(server: SocketAddr, name: &str, clients: usize) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let name = name.to_string();
        tasks.push(tokio::spawn(async move {
            let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = vec![0u8; 4096];
            let mut n = 0u64;
            let mut id = (c as u16) << 12;
            while Instant::now() < deadline {
                id = id.wrapping_add(1);
                let mut msg = Message::query();
                msg.metadata.id = id;
                msg.add_query(Query::query(
                    Name::from_str(&name).unwrap(),
                    RecordType::SOA,
                ));
                sock.send_to(&msg.to_vec().unwrap(), server).await.unwrap();
                let got =
                    tokio::time::timeout(Duration::from_secs(1), sock.recv_from(&mut buf)).await;
                if let Ok(Ok((len, _))) = got {
                    let reply = Message::from_vec(&buf[..len]).unwrap();
                    assert_eq!(reply.answers.len(), 1);
                    n += 1;
                }
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total as f64 / start.elapsed().as_secs_f64()
}

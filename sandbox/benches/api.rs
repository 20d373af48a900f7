//! `cargo bench -p comwit-sandbox --bench api`
//!
//! Requests/s and latency for `GET /v1/projects/{p}/apps` with 100 apps (1
//! and 32 concurrent clients, keep-alive), and MB/s for a 64 MiB deploy
//! upload (received, hashed, checked and stored). Client and server share
//! this process and the machine's cores, so the figures are conservative.

use std::sync::Arc;
use std::time::{Duration, Instant};

use comwit_sandbox::Sandbox;

const LIST_SECONDS: u64 = 5;
const UPLOAD_MIB: usize = 64;
const UPLOAD_RUNS: usize = 5;

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::builder().start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    let http = comwit_client::http::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let apps_url = format!("{}/v1/projects/{}/apps", info.api_url, info.project_id);
    for i in 0..100 {
        let r = http
            .post(&apps_url)
            .bearer_auth(&info.user_token)
            .json(&serde_json::json!({"name": format!("app-{i:03}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }

    for clients in [1usize, 32] {
        let (rps, p50, p99) = list_load(&http, &apps_url, &info.user_token, clients).await;
        println!(
            "list_apps_100 clients={clients:<2} requests_per_s={rps:.0} p50_ms={:.3} p99_ms={:.3}",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }

    let artifact = Arc::new(incompressible_artifact(UPLOAD_MIB << 20));
    let create = http
        .post(&apps_url)
        .bearer_auth(&info.user_token)
        .json(&serde_json::json!({"name": "upload"}))
        .send()
        .await
        .unwrap();
    let app: serde_json::Value = create.json().await.unwrap();
    let deploy_url = format!(
        "{apps_url}/{}/deployments",
        app["app"]["app_id"].as_str().unwrap()
    );
    let mut rates = Vec::new();
    for _ in 0..UPLOAD_RUNS {
        let body = artifact.as_ref().clone();
        let t = Instant::now();
        let r = http
            .post(&deploy_url)
            .bearer_auth(&info.user_token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
        rates.push(artifact.len() as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "deploy_upload size_mib={UPLOAD_MIB} runs={UPLOAD_RUNS} median_mb_per_s={:.0} best_mb_per_s={:.0}",
        rates[UPLOAD_RUNS / 2],
        rates[UPLOAD_RUNS - 1]
    );
    sandbox.shutdown().await;
}

async fn list_load(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    clients: usize,
) -> (f64, Duration, Duration) {
    let deadline = Instant::now() + Duration::from_secs(LIST_SECONDS);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, token) = (http.clone(), url.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
                let body = r.bytes().await.unwrap();
                assert!(body.len() > 1000);
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (all.len() as f64 / elapsed, pct(0.50), pct(0.99))
}

/// A tar.zst of about `size` bytes that zstd cannot shrink (like images and
/// fonts in a real build): the upload path does the full work per byte.
fn incompressible_artifact(size: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut tar = tar::Builder::new(Vec::with_capacity(size + (1 << 20)));
    let per_file = 1 << 20;
    for i in 0..size / per_file {
        let data: Vec<u8> = (0..per_file / 8)
            .flat_map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()
            })
            .collect();
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("assets/blob-{i:03}.bin"), &data[..])
            .unwrap();
    }
    zstd::encode_all(&tar.into_inner().unwrap()[..], 1).unwrap()
}

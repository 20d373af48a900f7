//! `cargo bench -p comwit-client --bench deploy`
//!
//! A 275 MB `dist/`-like tree deployed to an in-process sandbox two ways:
//! the documented two-step (`tar --zstd -cf app.tar.zst -C dist .` then
//! `curl --data-binary @app.tar.zst`) and our streaming pack+upload (no
//! temp file: packing, compression and the upload overlap). Runs are
//! interleaved; medians are compared. Last line:
//! `stream_deploy_vs_two_step_ratio=<r>` (goal ≤ 0.6).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use comwit_client::models::DeployOptions;
use comwit_client::{Client, DirectorySource};
use comwit_sandbox::Sandbox;

#[path = "support/tree.rs"]
mod tree;

const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Reads every file once so every contender starts from the page cache.
fn warm(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            warm(&p);
        } else {
            let _ = std::fs::read(&p);
        }
    }
}

#[tokio::main]
async fn main() {
    let work = tempfile::tempdir().expect("temp dir");
    let dist = work.path().join("dist");
    let shape = tree::generate_tree(&dist, tree::TREE_BYTES, 7);
    warm(&dist);
    println!(
        "tree: {} files, {} dirs, {:.1} MB ({:.1} MB incompressible)",
        shape.files,
        shape.dirs,
        shape.bytes as f64 / 1e6,
        shape.binary_bytes as f64 / 1e6
    );

    let sandbox = Sandbox::builder().start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    let client = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let app = client.apps(&info.project_id).create("bench").await.unwrap();
    let handle = client.apps(&info.project_id).app(&app.app_id);
    let url = format!(
        "{}/v1/projects/{}/apps/{}/deployments",
        info.api_url, info.project_id, app.app_id
    );
    let artifact = work.path().join("app.tar.zst");

    let (mut two_step, mut streamed) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let _ = std::fs::remove_file(&artifact);
        let script = format!(
            "set -e; tar --zstd -cf {art} -C {dist} . && curl -sS -f -o /dev/null -X POST '{url}' \
             -H 'Authorization: Bearer {token}' -H 'Content-Type: application/octet-stream' --data-binary @{art}",
            art = artifact.display(),
            dist = dist.display(),
            token = info.user_token,
        );
        let t = Instant::now();
        let status = tokio::task::spawn_blocking(move || {
            Command::new("bash").arg("-c").arg(script).status()
        })
        .await
        .unwrap()
        .expect("bash runs tar and curl");
        assert!(status.success(), "tar + curl failed");
        two_step.push(t.elapsed());

        let t = Instant::now();
        let out = handle
            .deploy(&DirectorySource::new(&dist), &DeployOptions::default())
            .await
            .expect("streamed deploy");
        streamed.push(t.elapsed());
        assert!(out.deployment.uploaded);
    }
    let size = std::fs::metadata(&artifact).map(|m| m.len()).unwrap_or(0);
    let (a, b) = (median(two_step.clone()), median(streamed.clone()));
    println!(
        "two-step tar --zstd + curl: median {:.3} s (runs {:?}), artifact {:.1} MB",
        a.as_secs_f64(),
        two_step,
        size as f64 / 1e6
    );
    println!(
        "streaming pack+upload:      median {:.3} s (runs {:?})",
        b.as_secs_f64(),
        streamed
    );
    println!(
        "stream_deploy_vs_two_step_ratio={:.3}",
        b.as_secs_f64() / a.as_secs_f64()
    );
    sandbox.shutdown().await;
}

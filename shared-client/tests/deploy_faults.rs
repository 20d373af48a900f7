//! `deploy_safely` under a network that lies: a loopback proxy resets the
//! upload before, during and after its body, answers with a gateway's
//! error page, or swallows it whole. One call makes at most one build, and
//! a lost outcome is said to be unknown, never uploaded twice.

#[path = "support/cut_proxy.rs"]
mod cut_proxy;

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use comwit_client::models::DeployOptions;
use comwit_client::{ArtifactSource, Client, DirectorySource, Error, PrebuiltSource};
use comwit_sandbox::{Sandbox, SandboxInfo};
use cut_proxy::{Cut, CutProxy};
use rand::{RngExt, SeedableRng};
use serde_json::json;

/// Big enough that a cut early in the body leaves most of it unsent even
/// after the kernel's socket buffers took their share.
const ARTIFACT_BYTES: usize = 8 << 20;

struct Env {
    _sandbox: Sandbox,
    info: SandboxInfo,
    proxy: CutProxy,
    client: Client,
    app_id: String,
}

async fn start() -> Env {
    start_with_grace(Duration::from_secs(2)).await
}

async fn start_with_grace(grace: Duration) -> Env {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let info = sandbox.info().clone();
    let proxy = CutProxy::start(&info.api_url).await;
    let client = Client::builder()
        .base_url(&proxy.url)
        .token(info.user_token.as_str())
        .deploy_grace(grace)
        .build()
        .unwrap();
    let app = client.apps(&info.project_id).create("web").await.unwrap();
    Env {
        _sandbox: sandbox,
        info,
        proxy,
        client,
        app_id: app.app_id,
    }
}

impl Env {
    fn app(&self) -> comwit_client::api::apps::AppHandle<'_> {
        self.client.apps(&self.info.project_id).app(&self.app_id)
    }

    async fn build_ids(&self) -> HashSet<String> {
        let builds = self.app().builds().await.unwrap();
        builds.into_iter().map(|b| b.build_id).collect()
    }

    /// The builds listed with `sha256`.
    async fn builds_with(&self, sha256: &str) -> usize {
        let builds = self.app().builds().await.unwrap();
        builds
            .iter()
            .filter(|b| b.sha256.as_deref() == Some(sha256))
            .count()
    }

    async fn faults(&self, faults: serde_json::Value) {
        let r = comwit_client::http::client()
            .put(format!("{}/_sandbox/faults", self.info.api_url))
            .bearer_auth(&self.info.operator_token)
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
}

/// A valid `.tar.zst` of `ARTIFACT_BYTES` that does not compress, unique
/// per `seed`.
fn artifact(seed: u64) -> Bytes {
    let mut data = vec![0u8; ARTIFACT_BYTES];
    rand::rngs::StdRng::seed_from_u64(seed).fill(&mut data[..]);
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "blob.bin", &data[..]).unwrap();
    Bytes::from(zstd::encode_all(&tar.into_inner().unwrap()[..], 1).unwrap())
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))
}

fn ok(result: Result<comwit_client::DeployOutcome, Error>) -> comwit_client::DeployOutcome {
    result.unwrap_or_else(|e| panic!("deploy failed: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_before_the_body_is_complete_uploads_again_and_makes_one_build() {
    let env = start().await;
    let bytes = artifact(1);
    env.proxy.cut_next_write(Cut::AtByte(64 * 1024));
    let out = ok(env
        .app()
        .deploy_safely(&bytes, &DeployOptions::default())
        .await);
    assert_eq!(out.uploads, 2, "the broken upload was repeated");
    assert!(!out.recovered);
    assert_eq!(env.build_ids().await.len(), 1, "exactly one build");
    assert_eq!(env.builds_with(&sha256(&bytes)).await, 1);

    // A directory streams chunked, without a length: the same rule holds.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob.bin"), &artifact(2)[..]).unwrap();
    env.proxy.cut_next_write(Cut::AtByte(0));
    let source = DirectorySource::new(dir.path());
    let out = ok(env
        .app()
        .deploy_safely(&source, &DeployOptions::default())
        .await);
    assert_eq!(out.uploads, 2);
    assert_eq!(env.build_ids().await.len(), 2);
    let digest = out.digest.expect("the packer's digest");
    assert_eq!(env.builds_with(&digest.sha256).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_after_the_body_finds_the_build_without_uploading_again() {
    let env = start().await;
    // A slow synchronous deploy: the server commits well after the proxy
    // cut the client off.
    let deployments = format!("/v1/projects/{}/apps", env.info.project_id);
    env.faults(json!({"slow_routes": [{"path_prefix": deployments, "delay_ms": 700}]}))
        .await;
    for (i, cut) in [Cut::AfterBody, Cut::AtAnswer, Cut::GatewayTimeout]
        .into_iter()
        .enumerate()
    {
        let bytes = artifact(10 + i as u64);
        let before = env.build_ids().await;
        env.proxy.cut_next_write(cut);
        let out = ok(env
            .app()
            .deploy_safely(&bytes, &DeployOptions::default())
            .await);
        assert!(out.recovered, "{cut:?}: found by listing");
        assert_eq!(out.uploads, 1, "{cut:?}: never uploaded twice");
        let after = env.build_ids().await;
        assert_eq!(after.len(), before.len() + 1, "{cut:?}: one new build");
        assert!(after.contains(&out.deployment.build_id));
        assert_eq!(env.builds_with(&sha256(&bytes)).await, 1, "{cut:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_deploy_is_an_unknown_outcome_and_never_a_second_upload() {
    let env = start().await;
    let bytes = artifact(20);
    env.proxy.cut_next_write(Cut::Swallow);
    let err = env
        .app()
        .deploy_safely(&bytes, &DeployOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&sha256(&bytes)),
        "names the sha256 to look for: {text}"
    );
    assert!(text.contains("before deploying again"), "{text}");
    assert!(env.build_ids().await.is_empty(), "no second upload");

    // The sandbox's own fault: the whole body arrives, no build, no answer.
    env.faults(json!({"drop_deploy_requests": 1})).await;
    let err = env
        .app()
        .deploy_safely(&artifact(21), &DeployOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(env.build_ids().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_mid_upload_says_the_connection_broke_not_that_packing_failed() {
    let env = start().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &artifact(30)[..]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob.bin"), &artifact(31)[..]).unwrap();
    let sources: [Box<dyn ArtifactSource>; 2] = [
        Box::new(PrebuiltSource::open_checked(file.path()).unwrap()),
        Box::new(DirectorySource::new(dir.path())),
    ];
    for source in &sources {
        for _ in 0..comwit_client::UPLOAD_ATTEMPTS {
            env.proxy.cut_next_write(Cut::AtByte(100 * 1024));
        }
        let err = env
            .app()
            .deploy_safely(source.as_ref(), &DeployOptions::default())
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, Error::UploadInterrupted { attempts: 3, .. }),
            "{}: {text}",
            source.describe()
        );
        assert!(text.contains("no build was created"), "{text}");
        for misleading in ["pack", "reader"] {
            assert!(!text.contains(misleading), "{text}");
        }
    }
    assert!(env.build_ids().await.is_empty());
}

/// Fifty deploys through resets at random points: every successful run
/// made exactly one build with its sha256, every other run says its
/// outcome is unknown (and made at most one).
#[tokio::test(flavor = "multi_thread")]
async fn fifty_deploys_through_random_resets_make_one_build_each_or_say_unknown() {
    let env = start_with_grace(Duration::from_secs(1)).await;
    let seed = 0x5eed_2026;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut retried, mut recovered, mut unknown) = (0, 0, 0);
    for run in 0..50u64 {
        let bytes = artifact(1000 + run);
        let cut = match rng.random_range(0..10) {
            0..=4 => Cut::AtByte(rng.random_range(0..bytes.len() as u64)),
            5 => Cut::AfterBody,
            6 => Cut::AtAnswer,
            7 => Cut::GatewayTimeout,
            8 => Cut::Swallow,
            _ => Cut::Pass,
        };
        let before = env.build_ids().await;
        env.proxy.cut_next_write(cut);
        let result = env
            .app()
            .deploy_safely(&bytes, &DeployOptions::default())
            .await;
        let new: Vec<String> = env.build_ids().await.difference(&before).cloned().collect();
        let ours = env.builds_with(&sha256(&bytes)).await;
        match result {
            Ok(out) => {
                assert_eq!(
                    new,
                    vec![out.deployment.build_id.clone()],
                    "run {run} ({cut:?}, seed {seed})"
                );
                assert_eq!(ours, 1, "run {run} ({cut:?})");
                retried += u32::from(out.uploads > 1);
                recovered += u32::from(out.recovered);
            }
            Err(e) => {
                assert!(e.is_outcome_unknown(), "run {run} ({cut:?}): {e}");
                assert!(new.len() <= 1 && ours <= 1, "run {run} ({cut:?}): {new:?}");
                unknown += 1;
            }
        }
    }
    eprintln!("50 runs: {retried} uploaded again, {recovered} recovered, {unknown} unknown");
    assert!(
        retried > 0 && recovered > 0 && unknown > 0,
        "every path was taken"
    );
}

//! The documented raw-API deploy (seeds/002): `tar --zstd` then `curl
//! --data-binary`, run verbatim but for the host.

use std::process::Command;

use crate::common::start;

#[tokio::test(flavor = "multi_thread")]
async fn documented_tar_and_curl_deploy_works_verbatim() {
    let env = start().await;
    let app = env.create_app("web").await;
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), "<h1>hello</h1>").unwrap();
    std::fs::write(dist.join("assets/app.js"), "console.log('hi')").unwrap();

    let script = format!(
        r#"set -e
tar --zstd -cf app.tar.zst -C ./dist .
curl -sS -X POST \
  "{api}/v1/projects/$PROJECT_ID/apps/$APP_ID/deployments?hosts=a.example.com,b.example.com&max_concurrent_requests=50" \
  -H "Authorization: Bearer $COMWIT_TOKEN" \
  -H "Content-Type: application/octet-stream" \
  --data-binary @app.tar.zst
"#,
        api = env.url
    );
    let (project, token) = (env.project.clone(), env.user.clone());
    let app_id = app.clone();
    let dir = work.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .env("PROJECT_ID", project)
            .env("APP_ID", app_id)
            .env("COMWIT_TOKEN", token)
            .output()
            .expect("bash runs (tar, zstd and curl are installed by .ci/run)")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON response");
    assert_eq!(body["uploaded"], true);
    assert_eq!(body["app_id"], app.as_str());
    assert_eq!(
        body["hosts"],
        serde_json::json!(["a.example.com", "b.example.com"])
    );
    let builds = env
        .get(
            &format!("/v1/projects/{}/apps/{app}/builds", env.project),
            &env.user,
        )
        .await
        .expect(200);
    let b = &builds.body["builds"][0];
    assert_eq!(b["build_id"], body["build_id"]);
    // tar -C dist . stores ./, ./index.html, ./assets/, ./assets/app.js
    assert_eq!(b["file_count"], 2);
    let local = std::fs::read(work.path().join("app.tar.zst")).unwrap();
    assert_eq!(b["size_bytes"], local.len());
}

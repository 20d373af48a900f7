//! Deploying from a directory (streamed pack) and from a prebuilt file.

use comwit_client::models::DeployOptions;
use comwit_client::{Client, DirectorySource, PrebuiltSource};
use comwit_sandbox::Sandbox;

fn site(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>hello</h1>").unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)".repeat(1000)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_streams_into_one_build_with_the_packers_digest() {
    let sb = Sandbox::builder().start().await.unwrap();
    let info = sb.info();
    let c = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let app = c.apps(&info.project_id).create("web").await.unwrap();
    let h = c.apps(&info.project_id).app(&app.app_id);
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let keep = tempfile::tempdir().unwrap();
    let mut source = DirectorySource::new(dir.path());
    source.keep_copy = Some(keep.path().join("app.tar.zst"));
    let out = h
        .deploy_safely(&source, &DeployOptions::default())
        .await
        .unwrap();
    let digest = out.digest.unwrap();
    let builds = h.builds().await.unwrap();
    assert_eq!(builds.len(), 1);
    assert_eq!(
        builds[0].sha256.as_deref(),
        Some(digest.sha256.as_str()),
        "the server hashed the same bytes"
    );
    assert_eq!(builds[0].file_count, Some(2));
    assert_eq!(
        std::fs::metadata(keep.path().join("app.tar.zst"))
            .unwrap()
            .len(),
        digest.size
    );

    // The kept copy deploys as a prebuilt artifact, byte for byte.
    let prebuilt = PrebuiltSource::open_checked(keep.path().join("app.tar.zst")).unwrap();
    let again = h
        .deploy(&prebuilt, &DeployOptions::default())
        .await
        .unwrap();
    assert_eq!(again.digest.unwrap().sha256, digest.sha256);

    // A broken tree aborts the upload: an error naming the link, no build.
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("escape")).unwrap();
    let err = h
        .deploy(&DirectorySource::new(dir.path()), &DeployOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("escape"), "{err}");
    assert_eq!(
        h.builds().await.unwrap().len(),
        2,
        "the aborted upload created no build"
    );

    let not_zstd = keep.path().join("notes.txt");
    std::fs::write(&not_zstd, "hello").unwrap();
    let err = PrebuiltSource::open_checked(&not_zstd)
        .err()
        .expect("a text file is not a .tar.zst");
    assert!(err.to_string().contains("notes.txt"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_streamed_upload_reports_the_api_error_not_the_packer() {
    let sb = Sandbox::builder().start().await.unwrap();
    let info = sb.info();
    let op = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let app = op.apps(&info.project_id).create("web").await.unwrap();
    // A token without app:deploy: the server answers 403 before reading
    // the body, and the packer sees its reader go away.
    let minted: serde_json::Value = comwit_client::http::client()
        .post(format!("{}/_sandbox/tokens", info.api_url))
        .bearer_auth(&info.operator_token)
        .json(&serde_json::json!({"scopes": ["app:read"], "projects": [info.project_id]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let c = Client::builder()
        .base_url(&info.api_url)
        .token(minted["token"].as_str().unwrap())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let err = c
        .apps(&info.project_id)
        .app(&app.app_id)
        .deploy_safely(&DirectorySource::new(dir.path()), &DeployOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(err.to_string().contains("app:deploy"), "{err}");
}

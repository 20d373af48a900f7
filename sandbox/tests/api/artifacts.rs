//! Hostile and broken artifacts are refused with 400 (413 over the upload
//! limit) and leave nothing behind.

use comwit_sandbox::Sandbox;
use tar::EntryType;

use crate::common::{files_below, hostile, site, start_with, tar_zst};

#[tokio::test]
async fn hostile_artifacts_are_rejected_and_nothing_is_written() {
    let data = tempfile::tempdir().unwrap();
    let env = start_with(
        Sandbox::builder()
            .data_dir(data.path())
            .max_unpacked_bytes(8 << 20),
    )
    .await;
    let app = env.create_app("web").await;
    let before = files_below(data.path());

    let bomb = {
        // 64 MiB of zeros compress to a few KiB: over the 8 MiB unpacked limit.
        let zeros = vec![0u8; 64 << 20];
        tar_zst(&[("big.bin", &zeros[..])])
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "absolute path",
            hostile("/etc/passwd", EntryType::Regular, None, b"x"),
            "/etc/passwd",
        ),
        (
            "dot-dot",
            hostile("a/../../evil", EntryType::Regular, None, b"x"),
            "a/../../evil",
        ),
        (
            "symlink out",
            hostile("link", EntryType::Symlink, Some("../../etc"), b""),
            "link",
        ),
        (
            "absolute symlink",
            hostile("abs", EntryType::Symlink, Some("/etc/passwd"), b""),
            "abs",
        ),
        (
            "hard link out",
            hostile("hl", EntryType::Link, Some("../x"), b""),
            "hl",
        ),
        (
            "char device",
            hostile("dev", EntryType::Char, None, b""),
            "dev",
        ),
        (
            "block device",
            hostile("blk", EntryType::Block, None, b""),
            "blk",
        ),
        ("fifo", hostile("pipe", EntryType::Fifo, None, b""), "pipe"),
        ("zstd bomb", bomb, "limit"),
        ("not zstd", b"PK\x03\x04 this is a zip".to_vec(), "zstd"),
        (
            "zstd but not tar",
            zstd::encode_all(&[7u8; 4096][..], 3).unwrap(),
            "tar",
        ),
        (
            "truncated",
            {
                let mut s = site(1);
                s.truncate(s.len() / 2);
                s
            },
            "tar.zst",
        ),
        ("empty body", Vec::new(), "zstd"),
        (
            "empty tar",
            zstd::encode_all(&[0u8; 1024][..], 3).unwrap(),
            "no files",
        ),
    ];
    for (what, body, needle) in cases {
        let r = env
            .deploy_bytes(&env.project, &app, "", body, &env.user)
            .await;
        assert_eq!(r.status, 400, "{what}: {}", r.body);
        assert!(
            r.detail().contains(needle),
            "{what}: detail {:?} should name {needle:?}",
            r.detail()
        );
    }
    let builds = env
        .get(
            &format!("/v1/projects/{}/apps/{app}/builds", env.project),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(builds.body["builds"].as_array().unwrap().len(), 0);
    let after: Vec<String> = files_below(data.path())
        .into_iter()
        .filter(|f| !f.starts_with("state.sqlite3"))
        .collect();
    let before: Vec<String> = before
        .into_iter()
        .filter(|f| !f.starts_with("state.sqlite3"))
        .collect();
    assert_eq!(after, before, "a refused artifact leaves no file behind");
}

#[tokio::test]
async fn symlinks_inside_the_root_are_accepted() {
    let env = start_with(Sandbox::builder()).await;
    let app = env.create_app("web").await;
    let body = hostile(
        "assets/current",
        EntryType::Symlink,
        Some("../index.html"),
        b"",
    );
    env.deploy_bytes(&env.project, &app, "", body, &env.user)
        .await
        .expect(201);
}

#[tokio::test]
async fn over_the_upload_limit_is_413() {
    let env = start_with(Sandbox::builder().max_upload_bytes(64 * 1024)).await;
    let app = env.create_app("web").await;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..512 * 1024)
        .map(|_| {
            // xorshift64: incompressible enough that zstd cannot shrink it.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    let r = env
        .deploy_bytes(
            &env.project,
            &app,
            "",
            tar_zst(&[("noise.bin", &noise[..])]),
            &env.user,
        )
        .await;
    let r = r.expect(413);
    assert!(r.detail().contains("upload limit"));
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_413_too() {
    // No Content-Length: the limit is enforced while the body streams in.
    let env = start_with(Sandbox::builder().max_upload_bytes(256 * 1024)).await;
    let app = env.create_app("web").await;
    let artifact = tar_zst(&[("noise.bin", &noise(1 << 20)[..])]);
    assert!(
        artifact.len() > 512 * 1024,
        "the artifact really is over the limit"
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        artifact.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let resp = env
        .http
        .post(format!(
            "{}/v1/projects/{}/apps/{app}/deployments",
            env.url, env.project
        ))
        .bearer_auth(&env.user)
        .body(body)
        .send()
        .await
        .unwrap();
    let r = crate::common::into_resp(resp).await.expect(413);
    assert!(r.detail().contains("upload limit"));
}

/// xorshift64 bytes: incompressible enough that zstd cannot shrink them.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

//! Snapshots: `GET /_sandbox/snapshot` while serving, brought back by
//! `POST /_sandbox/restore` and by `serve --restore FILE`; hostile
//! snapshots change nothing.

use comwit_sandbox::Sandbox;
use serde_json::{Value, json};

use crate::common::{Env, Resp, start, start_with};
use crate::sql::database;

/// What a snapshot must bring back, made on `env`.
struct Made {
    app: String,
    build: String,
    db_url_path: String,
    db_token: String,
    minted: String,
}

async fn pipeline(env: &Env, url: &str, token: &str, sql: &str) -> Value {
    let r = env
        .http
        .post(format!("{url}/v3/pipeline"))
        .bearer_auth(token)
        .json(&json!({"baton": null, "requests": [{"type": "execute", "stmt": {"sql": sql}}, {"type": "close"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{sql}");
    r.json().await.unwrap()
}

async fn make(env: &Env) -> Made {
    let app = env.create_app("web").await;
    env.deploy(&app, 1).await;
    let build = env.deploy(&app, 2).await;
    let (_, url, db_token) = database(env, "orders").await;
    pipeline(env, &url, &db_token, "CREATE TABLE t (v TEXT)").await;
    pipeline(env, &url, &db_token, "INSERT INTO t VALUES ('kept')").await;
    env.managed_domain("snap.example").await;
    env.post(
        &format!("/v1/projects/{}/domains/snap.example/records", env.project),
        &env.user,
        json!({"name": "www", "type": "A", "ttl": 300, "values": ["192.0.2.7"]}),
    )
    .await
    .expect(201);
    let minted = env
        .mint(&["project:read", "app:read"], &[&env.project])
        .await;
    let db_url_path = url.split_once("/v1/").unwrap().1.to_string();
    Made {
        app,
        build,
        db_url_path,
        db_token,
        minted,
    }
}

/// Everything `made` holds answers on `env` as it did where it was made.
async fn assert_restored(env: &Env, made: &Made) {
    env.get("/v1/projects", &made.minted).await.expect(200);
    let app = env
        .get(
            &format!("/v1/projects/{}/apps/{}", env.project, made.app),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(app.body["app"]["active_build_id"], made.build.as_str());
    let builds = env
        .get(
            &format!("/v1/projects/{}/apps/{}/builds", env.project, made.app),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(builds.body["builds"].as_array().unwrap().len(), 2);
    let url = format!("{}/v1/{}", env.sandbox_info().data_url, made.db_url_path);
    let rows = pipeline(env, &url, &made.db_token, "SELECT v FROM t").await;
    assert!(rows.to_string().contains("kept"), "{rows}");
    let records = env
        .get(
            &format!("/v1/projects/{}/domains/snap.example/records", env.project),
            &env.user,
        )
        .await
        .expect(200);
    assert!(records.body.to_string().contains("192.0.2.7"));
}

async fn take_snapshot(env: &Env) -> Vec<u8> {
    let r = env
        .http
        .get(format!("{}/_sandbox/snapshot", env.url))
        .bearer_auth(&env.op)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zstd");
    r.bytes().await.unwrap().to_vec()
}

async fn restore(env: &Env, bytes: Vec<u8>) -> Resp {
    let r = env
        .http
        .post(format!("{}/_sandbox/restore", env.url))
        .bearer_auth(&env.op)
        .header("content-type", "application/zstd")
        .body(bytes)
        .send()
        .await
        .unwrap();
    crate::common::into_resp(r).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_taken_while_serving_comes_back_live_and_at_start() {
    let source = start_with(Sandbox::builder().seed_demo()).await;
    let made = make(&source).await;
    let bytes = take_snapshot(&source).await;
    let unpacked = zstd::decode_all(&bytes[..]).unwrap();
    let text = String::from_utf8_lossy(&unpacked);
    assert!(
        !text.contains(&made.minted) && !text.contains(&source.user),
        "tokens only as hashes"
    );
    source
        .get("/_sandbox/snapshot", &source.user)
        .await
        .expect(403);

    // Live, into another sandbox: its own ready-file token keeps working.
    let mut live = start().await;
    let done = restore(&live, bytes.clone()).await.expect(200);
    assert_eq!(done.body["project_id"], source.project.as_str());
    live.project = source.project.clone();
    assert_restored(&live, &made).await;

    // At start, from the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.tar.zst");
    std::fs::write(&file, &bytes).unwrap();
    let started = start_with(Sandbox::builder().restore(&file)).await;
    assert_eq!(started.project, source.project);
    assert_restored(&started, &made).await;

    // Never over a sandbox already in a data dir.
    let data = tempfile::tempdir().unwrap();
    drop(start_with(Sandbox::builder().data_dir(data.path())).await);
    let refused = Sandbox::builder()
        .data_dir(data.path())
        .restore(&file)
        .start()
        .await
        .err()
        .expect("refused");
    assert!(
        refused.to_string().contains("already holds a sandbox"),
        "{refused}"
    );
}

/// A `.tar.zst` of `entries` (name, type, body), written raw.
fn archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, kind, body) in entries {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(*kind);
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append(&header, *body).unwrap();
    }
    zstd::encode_all(&tar.into_inner().unwrap()[..], 3).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_snapshot_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let env = start_with(
        Sandbox::builder()
            .data_dir(dir.path())
            .max_upload_bytes(128 << 10),
    )
    .await;
    let app = env.create_app("stays").await;
    let manifest = br#"{"format": 1, "created_at": "2026-01-01T00:00:00Z"}"#;
    let file = tar::EntryType::Regular;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not zstd at all".to_vec(), "not a sandbox snapshot"),
        (
            archive(&[
                ("comwit-snapshot.json", file, manifest),
                ("../escape", file, b"x"),
            ]),
            "unexpected entry",
        ),
        (
            archive(&[("artifacts/../../x", file, b"x")]),
            "unexpected entry",
        ),
        (archive(&[("etc/passwd", file, b"x")]), "unexpected entry"),
        (
            archive(&[("artifacts/link", tar::EntryType::Symlink, b"")]),
            "not a regular file",
        ),
        (
            archive(&[("././@LongLink", tar::EntryType::GNULongName, b"artifacts/x")]),
            "not a regular file",
        ),
        (
            archive(&[("state.sqlite3", file, b"not sqlite")]),
            "comwit-snapshot.json",
        ),
        (
            archive(&[
                ("comwit-snapshot.json", file, manifest),
                ("state.sqlite3", file, b"not sqlite"),
            ]),
            "snapshot",
        ),
        (
            archive(&[(
                "comwit-snapshot.json",
                file,
                br#"{"format": 9, "created_at": ""}"#,
            )]),
            "format 9",
        ),
    ];
    for (bytes, words) in cases {
        let r = restore(&env, bytes).await.expect(400);
        assert!(r.detail().contains(words), "{words}: {}", r.detail());
    }
    // Over the upload limit: refused unread, and the connection is not
    // reused for the next request (it is closed after the answer).
    let big = vec![0u8; 300 << 10];
    let refused = env
        .http
        .post(format!("{}/_sandbox/restore", env.url))
        .bearer_auth(&env.op)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 413);
    assert_eq!(refused.headers()["connection"], "close");
    assert!(
        !dir.path().join("escape").exists() && !dir.path().parent().unwrap().join("x").exists()
    );
    assert_app_still_there(&env, &app).await;
}

/// A restore whose connection dies mid-body changes nothing and leaves no
/// scratch files behind.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_cut_off_mid_body_changes_nothing() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let env = start_with(Sandbox::builder().data_dir(dir.path())).await;
    let app = env.create_app("stays").await;
    let addr = env.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /_sandbox/restore HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/zstd\r\nContent-Length: 100000\r\n\r\n",
        env.op
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[0u8; 4096]).await.unwrap();
    let leftovers = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".snapshot-"))
            .count()
    };
    // The upload is being received (its scratch dir exists)…
    let until = |want: usize| async move {
        for _ in 0..250 {
            if leftovers() == want {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        false
    };
    assert!(until(1).await, "the restore started receiving");
    // …when the connection dies: the server cleans up.
    drop(stream);
    assert!(until(0).await, "no scratch dir left");
    assert_app_still_there(&env, &app).await;
}

/// The app `stays`, made before a refused restore, is unchanged after it.
async fn assert_app_still_there(env: &Env, app: &str) {
    let still = env
        .get(
            &format!("/v1/projects/{}/apps/{app}", env.project),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(still.body["app"]["name"], "stays");
}

use comwit_sandbox::Sandbox;
use serde_json::json;

use crate::common::{site, start_with};

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let env = start_with(Sandbox::builder().data_dir(dir.path())).await;
    let p = env.project.clone();
    let app = env.create_app("web").await;
    let b1 = env.deploy(&app, 1).await;
    env.put(
        &format!("/v1/projects/{p}/apps/{app}/environment/K"),
        &env.user,
        json!({"value": "v"}),
    )
    .await
    .expect(200);
    env.managed_domain("example.com").await;
    env.post(
        &format!("/v1/projects/{p}/domains/example.com/records"),
        &env.user,
        json!({"name": "www", "type": "A", "values": ["192.0.2.1"]}),
    )
    .await
    .expect(201);
    let db = env
        .post(
            &format!("/v1/projects/{p}/databases"),
            &env.user,
            json!({"name": "db"}),
        )
        .await
        .expect(201);
    let old_user = env.user.clone();
    let old_op = env.op.clone();
    drop(env);

    let env = start_with(Sandbox::builder().data_dir(dir.path())).await;
    assert_eq!(env.project, p, "the seeded project is kept");
    assert_eq!(
        env.op, old_op,
        "the generated operator token is kept in the data dir"
    );
    // Tokens from the earlier run still work.
    let a = env
        .get(&format!("/v1/projects/{p}/apps/{app}"), &old_user)
        .await
        .expect(200);
    assert_eq!(a.body["app"]["active_build_id"], b1.as_str());
    let e = env
        .get(
            &format!("/v1/projects/{p}/apps/{app}/environment"),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(e.body["environment"][0]["value"], "v");
    let d = env
        .get(&format!("/v1/projects/{p}/domains"), &env.user)
        .await
        .expect(200);
    assert_eq!(d.body["domains"][0]["status"], "managed");
    let r = env
        .get(
            &format!("/v1/projects/{p}/domains/example.com/records"),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(r.body["records"].as_array().unwrap().len(), 1);
    let l = env
        .get(&format!("/v1/projects/{p}/databases"), &env.user)
        .await
        .expect(200);
    assert_eq!(
        l.body["databases"][0]["database_id"],
        db.body["database_id"]
    );
    // And new work continues.
    let b2 = env.deploy(&app, 2).await;
    assert_ne!(b1, b2);
}

#[tokio::test]
async fn orphan_artifacts_from_a_crash_are_swept_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let env = start_with(Sandbox::builder().data_dir(dir.path())).await;
    let app = env.create_app("web").await;
    let build = env.deploy(&app, 1).await;
    drop(env);
    // What a crash between the artifact rename and the commit leaves.
    let orphan = dir.path().join("artifacts/build-orphan.tar.zst");
    std::fs::write(&orphan, site(9)).unwrap();
    std::fs::write(dir.path().join("artifacts/.upload-x.tmp"), b"partial").unwrap();
    let _env = start_with(Sandbox::builder().data_dir(dir.path())).await;
    assert!(!orphan.exists());
    assert!(!dir.path().join("artifacts/.upload-x.tmp").exists());
    assert!(
        dir.path()
            .join(format!("artifacts/{build}.tar.zst"))
            .exists(),
        "real builds are kept"
    );
}

#[tokio::test]
async fn operator_token_from_the_environment_wins() {
    let env = start_with(Sandbox::builder().operator_token("op-secret-from-env")).await;
    assert_eq!(env.op, "op-secret-from-env");
    env.get("/v1/status", "op-secret-from-env")
        .await
        .expect(200);
}

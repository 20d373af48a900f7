//! `POST /_sandbox/reset`: a fresh sandbox without a restart, with the
//! ready file's project, user token and operator token still valid.

use comwit_sandbox::Sandbox;
use serde_json::{Value, json};

use crate::common::{Env, start_with};
use crate::sql::database;

async fn sql(env: &Env, url: &str, token: &str, statement: &str) -> (u16, Value) {
    let r = env
        .http
        .post(format!("{url}/v3/pipeline"))
        .bearer_auth(token)
        .json(&json!({"baton": null, "requests": [
            {"type": "execute", "stmt": {"sql": statement}}, {"type": "close"}]}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn project_ids(env: &Env) -> Vec<String> {
    let r = env.get("/v1/projects", &env.user).await.expect(200);
    r.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["project_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_removes_what_users_made_and_keeps_the_ready_file_valid() {
    let dir = tempfile::tempdir().unwrap();
    let env = start_with(Sandbox::builder().data_dir(dir.path()).seed_demo()).await;
    assert!(project_ids(&env).await.len() >= 3, "the demo projects");
    let app = env.create_app("web").await;
    env.deploy(&app, 1).await;
    let (db, url, db_token) = database(&env, "kept-nowhere").await;
    assert_eq!(
        sql(&env, &url, &db_token, "CREATE TABLE t (x)").await.0,
        200
    );
    let minted = env.mint(&["project:read"], &[&env.project]).await;
    env.faults(json!({"louhi_unreachable": true})).await;
    let artifacts = dir.path().join("artifacts");
    assert!(std::fs::read_dir(&artifacts).unwrap().count() > 0);

    env.post("/_sandbox/reset", &env.user, json!({}))
        .await
        .expect(403);
    let done = env
        .post("/_sandbox/reset", &env.op, json!({}))
        .await
        .expect(200);
    assert_eq!(done.body["seed"], "empty");
    assert!(
        done.body["removed"]["apps"].as_u64().unwrap() >= 2,
        "{}",
        done.body
    );
    assert!(
        done.body["removed"]["projects"].as_u64().unwrap() >= 2,
        "{}",
        done.body
    );

    // What the ready file names still works; the seeded project is empty.
    assert_eq!(project_ids(&env).await, vec![env.project.clone()]);
    let apps = env
        .get(&format!("/v1/projects/{}/apps", env.project), &env.user)
        .await
        .expect(200);
    assert_eq!(apps.body["apps"], json!([]));
    // What users made is gone: the minted token, the database and its
    // file, the artifacts, the faults.
    env.get("/v1/projects", &minted).await.expect(401);
    env.get(
        &format!("/v1/projects/{}/databases/{db}", env.project),
        &env.user,
    )
    .await
    .expect(404);
    assert_ne!(sql(&env, &url, &db_token, "SELECT 1").await.0, 200);
    assert!(!dir.path().join(format!("databases/{db}.sqlite3")).exists());
    assert_eq!(std::fs::read_dir(&artifacts).unwrap().count(), 0);
    let faults = env.get("/_sandbox/faults", &env.op).await.expect(200);
    assert_eq!(faults.body["louhi_unreachable"], false);
    // And it is usable at once.
    let again = env.create_app("web").await;
    env.deploy(&again, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_to_demo_brings_the_demo_account_back_once() {
    let env = start_with(Sandbox::builder().seed_demo()).await;
    let before = project_ids(&env).await.len();
    for _ in 0..2 {
        let done = env
            .post("/_sandbox/reset?seed=demo", &env.op, json!({}))
            .await
            .expect(200);
        assert_eq!(done.body["seed"], "demo");
        assert_eq!(
            project_ids(&env).await.len(),
            before,
            "demo data, not twice"
        );
    }
    env.post("/_sandbox/reset?seed=everything", &env.op, json!({}))
        .await
        .expect(400);
    // The seeding's own token did not outlive it: the sandbox user's
    // tokens are the ones it had.
    env.get("/v1/projects", &env.user).await.expect(200);
}

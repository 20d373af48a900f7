use serde_json::json;

use crate::common::start;

#[tokio::test]
async fn create_shows_the_token_once_and_list_never() {
    let env = start().await;
    let p = &env.project;
    let r = env
        .post(
            &format!("/v1/projects/{p}/databases"),
            &env.user,
            json!({"name": "app-db"}),
        )
        .await
        .expect(201);
    let token = r.body["database_token"].as_str().unwrap().to_string();
    assert_eq!(r.body["created"], true);
    let id = r.body["database_id"].as_str().unwrap().to_string();
    assert!(
        r.body["database_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/v1/{id}"))
    );
    let list = env
        .get(&format!("/v1/projects/{p}/databases"), &env.user)
        .await
        .expect(200);
    assert_eq!(list.body["databases"][0]["name"], "app-db");
    assert_eq!(list.body["databases"][0]["status"], "running");
    assert!(
        !list.body.to_string().contains(&token),
        "lists never carry a token"
    );
    assert!(list.body["databases"][0].get("database_token").is_none());
    env.post(
        &format!("/v1/projects/{p}/databases"),
        &env.user,
        json!({"name": "app-db"}),
    )
    .await
    .expect(409);
    env.post(
        &format!("/v1/projects/{p}/databases"),
        &env.user,
        json!({"name": "App DB"}),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn operator_family_works_and_refuses_user_tokens() {
    let env = start().await;
    let p = &env.project;
    let r = env
        .post(
            &format!("/v1/projects/{p}/databases"),
            &env.user,
            json!({"name": "app-db"}),
        )
        .await
        .expect(201);
    let id = r.body["database_id"].as_str().unwrap().to_string();
    let first = r.body["database_token"].as_str().unwrap().to_string();

    for (m, path) in [
        ("GET", format!("/v1/databases/{id}")),
        ("POST", format!("/v1/databases/{id}/token/rotate")),
        ("POST", format!("/v1/databases/{id}/query-token")),
        ("POST", format!("/v1/databases/{id}/suspend")),
        ("POST", format!("/v1/databases/{id}/resume")),
        ("GET", format!("/v1/databases/{id}/usage")),
        ("DELETE", format!("/v1/databases/{id}")),
    ] {
        let r = env
            .call(m.parse().unwrap(), &path, Some(&env.user), None)
            .await
            .expect(403);
        assert!(r.detail().contains("operator-only"), "{path}");
    }

    let s = env
        .get(&format!("/v1/databases/{id}"), &env.op)
        .await
        .expect(200);
    assert_eq!(s.body["database"]["status"], "running");
    assert!(s.body["database"]["generation"].is_i64());

    let rot = env
        .post(
            &format!("/v1/databases/{id}/token/rotate"),
            &env.op,
            json!({}),
        )
        .await
        .expect(200);
    let second = rot.body["database_token"].as_str().unwrap();
    assert_ne!(second, first);

    let q = env
        .post(
            &format!("/v1/databases/{id}/query-token"),
            &env.op,
            json!({"ttl_seconds": 99999, "audience": "sql-console", "reason": "debugging"}),
        )
        .await
        .expect(200);
    assert_eq!(q.body["ttl_seconds"], 3600, "ttl is clamped to 3600");
    assert!(q.body["query_token"].is_string());
    assert!(q.body["expires_at"].is_string());
    let q = env
        .post(
            &format!("/v1/databases/{id}/query-token"),
            &env.op,
            json!({"ttl_seconds": 0}),
        )
        .await
        .expect(200);
    assert_eq!(q.body["ttl_seconds"], 1, "ttl is clamped to 1");

    let s = env
        .post(&format!("/v1/databases/{id}/suspend"), &env.op, json!({}))
        .await
        .expect(200);
    assert_eq!(s.body["status"], "suspended");
    let list = env
        .get(&format!("/v1/projects/{p}/databases"), &env.user)
        .await
        .expect(200);
    assert_eq!(list.body["databases"][0]["status"], "suspended");
    env.post(&format!("/v1/databases/{id}/resume"), &env.op, json!({}))
        .await
        .expect(200);
    let u = env
        .get(&format!("/v1/databases/{id}/usage"), &env.op)
        .await
        .expect(200);
    for k in ["rows_read", "rows_written", "storage_bytes", "query_count"] {
        assert!(u.body[k].is_i64(), "{k}");
    }
    env.delete(&format!("/v1/databases/{id}"), &env.op)
        .await
        .expect(200);
    env.get(&format!("/v1/databases/{id}"), &env.op)
        .await
        .expect(404);
    let list = env
        .get(&format!("/v1/projects/{p}/databases"), &env.user)
        .await
        .expect(200);
    assert_eq!(list.body["databases"], json!([]));
}

#[tokio::test]
async fn protected_tenants_refuse_even_the_operator() {
    let env = start().await;
    for tenant in ["louhi-app", "comwit-db-synthetic"] {
        env.get(&format!("/v1/databases/{tenant}"), &env.op)
            .await
            .expect(200);
        env.get(&format!("/v1/databases/{tenant}/usage"), &env.op)
            .await
            .expect(200);
        for (m, path) in [
            ("POST", format!("/v1/databases/{tenant}/suspend")),
            ("POST", format!("/v1/databases/{tenant}/resume")),
            ("DELETE", format!("/v1/databases/{tenant}")),
            ("POST", format!("/v1/databases/{tenant}/token/rotate")),
            ("POST", format!("/v1/databases/{tenant}/query-token")),
        ] {
            let r = env
                .call(m.parse().unwrap(), &path, Some(&env.op), None)
                .await
                .expect(403);
            assert!(r.detail().contains("protected"), "{path}: {}", r.detail());
        }
    }
}

#[tokio::test]
async fn louhi_down_gives_502() {
    let env = start().await;
    let p = &env.project;
    env.faults(json!({"louhi_unreachable": true})).await;
    env.post(
        &format!("/v1/projects/{p}/databases"),
        &env.user,
        json!({"name": "x"}),
    )
    .await
    .expect(502);
    env.get("/v1/databases/louhi-app", &env.op)
        .await
        .expect(502);
    env.get(&format!("/v1/projects/{p}/databases"), &env.user)
        .await
        .expect(200);
}

use serde_json::json;

use crate::common::start;

#[tokio::test]
async fn minted_tokens_carry_scopes_and_memberships() {
    let env = start().await;
    let other = env.new_project("other").await;
    let t = env.mint(&["project:read"], &[&other]).await;
    let r = env.get("/v1/projects", &t).await.expect(200);
    let ids: Vec<_> = r.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["project_id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![json!(other)],
        "only projects the user is a member of"
    );
    env.post(
        "/_sandbox/tokens",
        &env.op,
        json!({"scopes": ["app:fly"], "projects": []}),
    )
    .await
    .expect(400);
    env.post(
        "/_sandbox/tokens",
        &env.op,
        json!({"scopes": ["app:read"], "projects": ["proj-nope"]}),
    )
    .await
    .expect(404);
    env.post(
        "/_sandbox/tokens",
        &env.user,
        json!({"scopes": ["app:read"], "projects": []}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn users_and_projects_can_be_created() {
    let env = start().await;
    let u = env
        .post("/_sandbox/users", &env.op, json!({"name": "alice"}))
        .await
        .expect(201);
    let alice = u.body["user"]["user_id"].as_str().unwrap().to_string();
    let p = env
        .post(
            "/_sandbox/projects",
            &env.op,
            json!({"name": "team", "members": [alice]}),
        )
        .await
        .expect(201);
    let project = p.body["project"]["project_id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = env
        .post(
            "/_sandbox/tokens",
            &env.op,
            json!({"scopes": ["project:read"], "user_id": alice}),
        )
        .await
        .expect(201);
    let r = env
        .get("/v1/projects", t.body["token"].as_str().unwrap())
        .await
        .expect(200);
    assert_eq!(r.body["projects"][0]["project_id"], project.as_str());
    // The sandbox user is a member too.
    let r = env.get("/v1/projects", &env.user).await.expect(200);
    assert!(
        r.body["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["project_id"] == project.as_str())
    );
    env.post("/_sandbox/projects", &env.op, json!({"name": ""}))
        .await
        .expect(400);
    env.post(
        "/_sandbox/projects",
        &env.op,
        json!({"name": "x", "members": ["user-nope"]}),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn actor_header_is_audited_for_the_operator_only() {
    let env = start().await;
    let url = format!("{}/v1/projects", env.url);
    env.http
        .get(&url)
        .bearer_auth(&env.op)
        .header("X-Comwit-Actor-User-Id", "user-42")
        .send()
        .await
        .unwrap();
    let r = env
        .http
        .get(&url)
        .bearer_auth(&env.user)
        .header("X-Comwit-Actor-User-Id", "user-spoof")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a cwt_ caller's actor header is ignored, not refused"
    );
    let a = env.get("/_sandbox/audit", &env.op).await.expect(200);
    let entries = a.body["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["actor_user_id"] == "user-42" && e["path"] == "/v1/projects")
    );
    assert!(!a.body.to_string().contains("user-spoof"));
    env.get("/_sandbox/audit", &env.user).await.expect(403);
}

#[tokio::test]
async fn registrar_entries_can_be_cleared() {
    let env = start().await;
    let r = env
        .put(
            "/_sandbox/registrar/example.com/nameservers",
            &env.op,
            json!({"nameservers": ["NS1.Example.net."]}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["nameservers"], json!(["ns1.example.net"]));
    let r = env
        .put(
            "/_sandbox/registrar/example.com/nameservers",
            &env.op,
            json!({"nameservers": []}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["nameservers"], json!([]));
    env.put(
        "/_sandbox/registrar/example.com/nameservers",
        &env.op,
        json!({"nameservers": ["bad ns"]}),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn demo_seed_is_realistic() {
    let env = crate::common::start_with(comwit_sandbox::Sandbox::builder().seed_demo()).await;
    let projects = env.get("/v1/projects", &env.user).await.expect(200);
    let list = projects.body["projects"].as_array().unwrap();
    assert_eq!(list.len(), 3, "the sandbox project plus two demo projects");
    let shop = list.iter().find(|p| p["name"] == "storefront").unwrap()["project_id"]
        .as_str()
        .unwrap()
        .to_string();
    let apps = env
        .get(&format!("/v1/projects/{shop}/apps"), &env.user)
        .await
        .expect(200);
    let web = apps.body["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "web")
        .unwrap()["app_id"]
        .as_str()
        .unwrap()
        .to_string();
    let builds = env
        .get(&format!("/v1/projects/{shop}/apps/{web}/builds"), &env.user)
        .await
        .expect(200);
    assert!(builds.body["builds"].as_array().unwrap().len() >= 3);
    let envs = env
        .get(
            &format!("/v1/projects/{shop}/apps/{web}/environment"),
            &env.user,
        )
        .await
        .expect(200);
    assert!(!envs.body["environment"].as_array().unwrap().is_empty());
    let dbs = env
        .get(&format!("/v1/projects/{shop}/databases"), &env.user)
        .await
        .expect(200);
    assert_eq!(dbs.body["databases"].as_array().unwrap().len(), 1);
    demo_tables_answer_selects(&env, &dbs.body["databases"][0]).await;
    let doms = env
        .get(&format!("/v1/projects/{shop}/domains"), &env.user)
        .await
        .expect(200);
    let statuses: Vec<_> = doms.body["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap().to_string())
        .collect();
    assert!(
        statuses.contains(&"managed".to_string())
            && statuses.contains(&"pending_delegation".to_string())
    );
    let recs = env
        .get(
            &format!("/v1/projects/{shop}/domains/shop.example/records"),
            &env.user,
        )
        .await
        .expect(200);
    assert!(recs.body["records"].as_array().unwrap().len() >= 5);
}

/// shop-db holds small sample tables (the same rows every seed) that a
/// new operator can query at once.
async fn demo_tables_answer_selects(env: &crate::common::Env, db: &serde_json::Value) {
    assert_eq!(db["name"], "shop-db");
    let id = db["database_id"].as_str().unwrap();
    let url = db["database_url"].as_str().unwrap();
    let token = env
        .post(
            &format!("/v1/databases/{id}/query-token"),
            &env.op,
            json!({"ttl_seconds": 60, "audience": "demo-test", "reason": "demo seed test"}),
        )
        .await
        .expect(200);
    let token = token.body["query_token"].as_str().unwrap();
    let sql = "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products), \
               (SELECT count(*) FROM orders), (SELECT group_concat(name, ',') FROM \
               (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name))";
    let resp: serde_json::Value = env
        .http
        .post(format!("{url}/v3/pipeline"))
        .bearer_auth(token)
        .json(&json!({"baton": null, "requests": [
            {"type": "execute", "stmt": {"sql": sql}}, {"type": "close"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = &resp["results"][0]["response"]["result"]["rows"][0];
    let values: Vec<String> = row
        .as_array()
        .unwrap_or_else(|| panic!("a row: {resp}"))
        .iter()
        .map(|v| v["value"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        values,
        ["5", "6", "8", "customers,orders,products"],
        "{resp}"
    );
}

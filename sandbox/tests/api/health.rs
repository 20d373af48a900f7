use serde_json::json;

use crate::common::start;

#[tokio::test]
async fn health_ready_docs_and_status() {
    let env = start().await;
    env.call(reqwest::Method::GET, "/healthz", None, None)
        .await
        .expect(200);
    let r = env
        .call(reqwest::Method::GET, "/readyz", None, None)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "ready");
    let docs = env
        .http
        .get(format!("{}/docs", env.url))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(
        html.contains("/v1/projects/{project_id}/apps"),
        "docs list the routes"
    );

    let s = env.get("/v1/status", &env.op).await.expect(200);
    assert_eq!(s.body["status"], "ok");
    assert!(s.body["version"].is_string());
    env.get("/v1/status", &env.user).await.expect(403);
}

#[tokio::test]
async fn readyz_is_503_only_while_a_dependency_is_down() {
    let env = start().await;
    for fault in ["louhi_unreachable", "brrrd_unreachable"] {
        env.faults(json!({ fault: true })).await;
        let r = env.call(reqwest::Method::GET, "/readyz", None, None).await;
        assert_eq!(r.status, 503, "{fault}");
        assert_eq!(r.body["status"], "unavailable");
        env.call(reqwest::Method::GET, "/healthz", None, None)
            .await
            .expect(200);
        let s = env.get("/v1/status", &env.op).await.expect(200);
        assert_eq!(s.body["status"], "degraded");
    }
    env.faults(json!({})).await;
    env.call(reqwest::Method::GET, "/readyz", None, None)
        .await
        .expect(200);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_details() {
    let env = start().await;
    let r = env.get("/v1/nothing-here", &env.user).await.expect(404);
    assert!(r.detail().contains("/v1/nothing-here"));
    let r = env
        .call(
            reqwest::Method::PATCH,
            "/v1/projects",
            Some(&env.user),
            None,
        )
        .await
        .expect(405);
    assert!(r.detail().contains("PATCH"));
}

#[tokio::test]
async fn slow_route_fault_delays_matching_requests() {
    let env = start().await;
    env.faults(json!({"slow_routes": [{"path_prefix": "/v1/projects", "delay_ms": 300}]}))
        .await;
    let t = std::time::Instant::now();
    env.get("/v1/projects", &env.user).await.expect(200);
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(300),
        "the delay is applied"
    );
    let f = env.get("/_sandbox/faults", &env.op).await.expect(200);
    assert_eq!(f.body["slow_routes"][0]["delay_ms"], 300);
}

use comwit_sandbox::Sandbox;
use serde_json::json;

use crate::common::start_with;

#[tokio::test]
async fn device_login_pending_slow_down_approve_and_reuse() {
    let env = start_with(Sandbox::builder().device_interval_secs(1)).await;
    let start = env
        .call(reqwest::Method::POST, "/v1/auth/device", None, None)
        .await
        .expect(200);
    let code = start.body["device_code"].as_str().unwrap().to_string();
    let user_code = start.body["user_code"].as_str().unwrap().to_string();
    assert_eq!(start.body["interval"], 1);
    assert!(
        start.body["verification_uri"]
            .as_str()
            .unwrap()
            .starts_with(&env.url)
    );
    assert!(start.body["expires_in"].as_u64().unwrap() > 0);

    let poll = || {
        env.call(
            reqwest::Method::POST,
            "/v1/auth/device/token",
            None,
            Some(json!({"device_code": code})),
        )
    };
    assert_eq!(poll().await.expect(400).detail(), "authorization_pending");
    assert_eq!(
        poll().await.expect(400).detail(),
        "slow_down",
        "polling inside the interval"
    );

    env.post(
        "/_sandbox/device/approve",
        &env.user,
        json!({"user_code": user_code}),
    )
    .await
    .expect(403);
    env.post(
        "/_sandbox/device/approve",
        &env.op,
        json!({"user_code": user_code}),
    )
    .await
    .expect(200);
    env.post(
        "/_sandbox/device/approve",
        &env.op,
        json!({"user_code": user_code}),
    )
    .await
    .expect(404);
    // slow_down grew the interval to 6 s; respect it.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let ok = poll().await.expect(200);
    let token = ok.body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("cwt_"));
    assert!(
        ok.body["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "app:deploy")
    );
    env.get("/v1/projects", &token).await.expect(200);
    assert_eq!(
        poll().await.expect(400).detail(),
        "expired_token",
        "a device code is used once"
    );
}

#[tokio::test]
async fn denied_and_unknown_codes_end_the_flow() {
    let env = start_with(Sandbox::builder().device_interval_secs(1)).await;
    let start = env
        .call(reqwest::Method::POST, "/v1/auth/device", None, None)
        .await
        .expect(200);
    let code = start.body["device_code"].as_str().unwrap();
    env.post(
        "/_sandbox/device/approve",
        &env.op,
        json!({"user_code": start.body["user_code"], "deny": true}),
    )
    .await
    .expect(200);
    let r = env
        .call(
            reqwest::Method::POST,
            "/v1/auth/device/token",
            None,
            Some(json!({"device_code": code})),
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "access_denied");
    let r = env
        .call(
            reqwest::Method::POST,
            "/v1/auth/device/token",
            None,
            Some(json!({"device_code": "dc_nope"})),
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "expired_token");
}

use serde_json::json;

use crate::common::start;

#[tokio::test]
async fn external_attach_is_idempotent_and_finalizes() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    let path = format!("/v1/projects/{p}/apps/{app}/domains");
    let r = env
        .post(&path, &env.user, json!({"domain": "App.Example.com"}))
        .await
        .expect(200);
    assert_eq!(r.body["domain"], "app.example.com");
    assert_eq!(r.body["dns_mode"], "external_records");
    let recs = r.body["dns_records"].as_array().unwrap().clone();
    assert!(
        recs.iter()
            .any(|x| x["record_type"] == "CNAME" && x["name"] == "app.example.com")
    );
    assert!(
        recs.iter()
            .any(|x| x["record_type"] == "TXT" && x["name"] == "_cf-challenge.app.example.com")
    );
    let again = env
        .post(&path, &env.user, json!({"domain": "app.example.com"}))
        .await
        .expect(200);
    assert_eq!(
        again.body["dns_records"],
        json!(recs),
        "repeat attach answers the same records"
    );

    let list = env.get(&path, &env.user).await.expect(200);
    assert_eq!(list.body["domains"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["domains"][0]["status"], "pending");
    let f = env
        .post(
            &format!("{path}/app.example.com/finalize"),
            &env.user,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(f.body["status"], "active");
    env.post(
        &format!("{path}/app.example.com/finalize"),
        &env.user,
        json!({}),
    )
    .await
    .expect(200);
    env.post(
        &format!("{path}/other.example.com/finalize"),
        &env.user,
        json!({}),
    )
    .await
    .expect(404);
    env.post(
        &path,
        &env.user,
        json!({"domain": "x", "dns_mode": "external_records"}),
    )
    .await
    .expect(400);
    env.post(
        &path,
        &env.user,
        json!({"domain": "a.example.com", "dns_mode": "carrier_pigeon"}),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn managed_attach_writes_platform_records_and_converges() {
    let env = start().await;
    let p = &env.project;
    env.managed_domain("example.com").await;
    let app = env.create_app("web").await;
    let path = format!("/v1/projects/{p}/apps/{app}/domains");
    let body = json!({"domain": "www.example.com", "dns_mode": "managed_project_domain"});
    let r = env.post(&path, &env.user, body.clone()).await.expect(200);
    assert_eq!(r.body["managed_dns"]["project_domain"], "example.com");
    assert_eq!(r.body["managed_dns"]["status"], "applied");

    let records_path = format!("/v1/projects/{p}/domains/example.com/records");
    let recs = env.get(&records_path, &env.user).await.expect(200);
    let platform: Vec<_> = recs.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["owner"] == "platform_app")
        .cloned()
        .collect();
    assert_eq!(platform.len(), 2);
    for rec in &platform {
        assert_eq!(rec["owner_resource_type"], "runtime_app");
        assert_eq!(rec["owner_resource_id"], app.as_str());
    }
    assert!(
        platform
            .iter()
            .any(|r| r["name"] == "_cf-challenge.www.example.com" && r["type"] == "TXT")
    );

    env.post(&path, &env.user, body.clone()).await.expect(200);
    let recs = env.get(&records_path, &env.user).await.expect(200);
    assert_eq!(
        recs.body["records"].as_array().unwrap().len(),
        2,
        "repeat attach duplicates nothing"
    );

    // User writes over platform records are refused.
    let id = platform[0]["id"].as_str().unwrap();
    env.put(
        &format!("{records_path}/{id}"),
        &env.user,
        json!({"values": ["1.2.3.4"]}),
    )
    .await
    .expect(409);
    env.delete(&format!("{records_path}/{id}"), &env.user)
        .await
        .expect(409);
    env.post(
        &records_path,
        &env.user,
        json!({"name": "www", "type": "CNAME", "values": ["evil.example.net"]}),
    )
    .await
    .expect(409);

    // Apex: an A_ALIAS.
    env.post(
        &path,
        &env.user,
        json!({"domain": "example.com", "dns_mode": "managed_project_domain"}),
    )
    .await
    .expect(200);
    let recs = env.get(&records_path, &env.user).await.expect(200);
    assert!(
        recs.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "A_ALIAS" && r["name"] == "example.com")
    );

    // Managed mode outside a managed domain is a caller mistake.
    env.post(
        &path,
        &env.user,
        json!({"domain": "www.other.org", "dns_mode": "managed_project_domain"}),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn failed_managed_dns_is_202_and_a_retry_converges() {
    let env = start().await;
    let p = &env.project;
    env.managed_domain("example.com").await;
    let app = env.create_app("web").await;
    let path = format!("/v1/projects/{p}/apps/{app}/domains");
    let body = json!({"domain": "shop.example.com", "dns_mode": "managed_project_domain"});
    env.faults(json!({"managed_dns_failing": true})).await;
    let r = env.post(&path, &env.user, body.clone()).await.expect(202);
    assert_eq!(r.body["managed_dns"]["status"], "failed");
    assert!(
        r.body["managed_dns"]["message"]
            .as_str()
            .unwrap()
            .contains("repeat")
    );
    env.post(
        &format!("{path}/shop.example.com/finalize"),
        &env.user,
        json!({}),
    )
    .await
    .expect(409);

    env.faults(json!({})).await;
    let r = env.post(&path, &env.user, body).await.expect(200);
    assert_eq!(r.body["managed_dns"]["status"], "applied");
    let recs = env
        .get(
            &format!("/v1/projects/{p}/domains/example.com/records"),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(recs.body["records"].as_array().unwrap().len(), 2);
    env.post(
        &format!("{path}/shop.example.com/finalize"),
        &env.user,
        json!({}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn host_conflicting_with_a_user_record_is_409() {
    let env = start().await;
    let p = &env.project;
    env.managed_domain("example.com").await;
    env.post(
        &format!("/v1/projects/{p}/domains/example.com/records"),
        &env.user,
        json!({"name": "api", "type": "A", "values": ["192.0.2.1"]}),
    )
    .await
    .expect(201);
    let app = env.create_app("web").await;
    let r = env
        .deploy_bytes(
            p,
            &app,
            "?hosts=api.example.com",
            crate::common::site(1),
            &env.user,
        )
        .await
        .expect(409);
    assert!(r.detail().contains("conflicts"), "{}", r.detail());
    env.post(
        &format!("/v1/projects/{p}/apps/{app}/domains"),
        &env.user,
        json!({"domain": "api.example.com"}),
    )
    .await
    .expect(409);
}

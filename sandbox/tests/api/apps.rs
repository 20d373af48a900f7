use serde_json::json;

use crate::common::{site, start};

#[tokio::test]
async fn empty_project_lists_no_apps() {
    let env = start().await;
    let r = env
        .get(&format!("/v1/projects/{}/apps", env.project), &env.user)
        .await
        .expect(200);
    assert_eq!(r.body, json!({"apps": []}));
}

#[tokio::test]
async fn create_get_list_and_conflict() {
    let env = start().await;
    let p = &env.project;
    let r = env
        .post(
            &format!("/v1/projects/{p}/apps"),
            &env.user,
            json!({"name": "web"}),
        )
        .await
        .expect(201);
    let app = &r.body["app"];
    assert_eq!(app["name"], "web");
    assert!(
        app.get("active_build_id").is_none(),
        "no active build before the first deploy"
    );
    let id = app["app_id"].as_str().unwrap();

    let r = env
        .get(&format!("/v1/projects/{p}/apps/{id}"), &env.user)
        .await
        .expect(200);
    assert_eq!(r.body["app"]["app_id"], id);
    assert_eq!(r.body["app"]["builds"], json!([]));

    let r = env
        .get(&format!("/v1/projects/{p}/apps"), &env.user)
        .await
        .expect(200);
    assert_eq!(r.body["apps"].as_array().unwrap().len(), 1);

    let r = env
        .post(
            &format!("/v1/projects/{p}/apps"),
            &env.user,
            json!({"name": "web"}),
        )
        .await
        .expect(409);
    assert!(r.detail().contains("already exists"));
    env.post(
        &format!("/v1/projects/{p}/apps"),
        &env.user,
        json!({"name": "Bad Name"}),
    )
    .await
    .expect(400);
    env.post(&format!("/v1/projects/{p}/apps"), &env.user, json!({}))
        .await
        .expect(400);
    env.get(&format!("/v1/projects/{p}/apps/app-missing"), &env.user)
        .await
        .expect(404);
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type_are_400() {
    let env = start().await;
    let url = format!("{}/v1/projects/{}/apps", env.url, env.project);
    let r = env
        .http
        .post(&url)
        .bearer_auth(&env.user)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let r = crate::common::into_resp(r).await.expect(400);
    assert!(r.detail().to_lowercase().contains("json"), "{}", r.detail());
    let r = env
        .http
        .post(&url)
        .bearer_auth(&env.user)
        .header("content-type", "text/plain")
        .body(r#"{"name":"web"}"#)
        .send()
        .await
        .unwrap();
    let r = crate::common::into_resp(r).await.expect(400);
    assert!(r.detail().contains("Content-Type"), "{}", r.detail());
}

#[tokio::test]
async fn deploy_activates_and_builds_are_listed_newest_first() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    let b1 = env.deploy(&app, 1).await;
    let r = env
        .deploy_bytes(
            p,
            &app,
            "?hosts=a.example.com,b.example.com&env_ref=prod&max_concurrent_requests=50",
            site(2),
            &env.user,
        )
        .await
        .expect(201);
    assert_eq!(r.body["uploaded"], true);
    assert_eq!(r.body["app_id"], app.as_str());
    assert_eq!(r.body["hosts"], json!(["a.example.com", "b.example.com"]));
    let b2 = r.body["build_id"].as_str().unwrap().to_string();

    let r = env
        .get(&format!("/v1/projects/{p}/apps/{app}"), &env.user)
        .await
        .expect(200);
    assert_eq!(r.body["app"]["active_build_id"], b2.as_str());
    let r = env
        .get(&format!("/v1/projects/{p}/apps/{app}/builds"), &env.user)
        .await
        .expect(200);
    let builds = r.body["builds"].as_array().unwrap();
    assert_eq!(builds.len(), 2);
    assert_eq!(builds[0]["build_id"], b2.as_str());
    assert_eq!(builds[0]["active"], true);
    assert_eq!(builds[0]["env_ref"], "prod");
    assert_eq!(builds[0]["max_concurrent_requests"], 50);
    assert_eq!(builds[0]["file_count"], 2);
    assert_eq!(builds[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(builds[1]["build_id"], b1.as_str());
    assert_eq!(builds[1]["active"], false);

    let hosts = env
        .get(&format!("/v1/projects/{p}/apps/{app}/domains"), &env.user)
        .await
        .expect(200);
    assert_eq!(hosts.body["domains"].as_array().unwrap().len(), 2);

    env.deploy_bytes(p, &app, "?max_concurrent_requests=0", site(3), &env.user)
        .await
        .expect(400);
    env.deploy_bytes(p, &app, "?hosts=not_a_host", site(3), &env.user)
        .await
        .expect(400);
    env.deploy_bytes(p, "app-missing", "", site(3), &env.user)
        .await
        .expect(404);
}

#[tokio::test]
async fn deploy_host_bound_to_another_app_is_409() {
    let env = start().await;
    let a = env.create_app("a").await;
    let b = env.create_app("b").await;
    env.deploy_bytes(
        &env.project,
        &a,
        "?hosts=shop.example.com",
        site(1),
        &env.user,
    )
    .await
    .expect(201);
    let r = env
        .deploy_bytes(
            &env.project,
            &b,
            "?hosts=shop.example.com",
            site(1),
            &env.user,
        )
        .await
        .expect(409);
    assert!(r.detail().contains("shop.example.com"));
    let builds = env
        .get(
            &format!("/v1/projects/{}/apps/{b}/builds", env.project),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(
        builds.body["builds"],
        json!([]),
        "a refused deploy creates no build"
    );
}

#[tokio::test]
async fn rollback_default_explicit_and_errors() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    let path = format!("/v1/projects/{p}/apps/{app}/rollbacks");
    let r = env.post(&path, &env.user, json!({})).await.expect(400);
    assert!(r.detail().contains("no earlier build"));
    let b1 = env.deploy(&app, 1).await;
    let b2 = env.deploy(&app, 2).await;
    let b3 = env.deploy(&app, 3).await;

    // Empty body = the build active before the current one.
    let r = env
        .call(reqwest::Method::POST, &path, Some(&env.user), None)
        .await
        .expect(200);
    assert_eq!(r.body["active_build_id"], b2.as_str());
    assert_eq!(r.body["previous_build_id"], b3.as_str());

    let r = env
        .post(&path, &env.user, json!({"build_id": b1}))
        .await
        .expect(200);
    assert_eq!(r.body["active_build_id"], b1.as_str());
    let r = env
        .post(&path, &env.user, json!({"build_id": b1}))
        .await
        .expect(400);
    assert!(r.detail().contains("already active"));
    env.post(&path, &env.user, json!({"build_id": "build-nope"}))
        .await
        .expect(404);
    let app_view = env
        .get(&format!("/v1/projects/{p}/apps/{app}"), &env.user)
        .await
        .expect(200);
    assert_eq!(app_view.body["app"]["active_build_id"], b1.as_str());
}

#[tokio::test]
async fn delete_reports_cleanup_and_is_reentrant() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    env.deploy_bytes(p, &app, "?hosts=www.elsewhere.org", site(1), &env.user)
        .await
        .expect(201);
    env.deploy(&app, 2).await;
    env.put(
        &format!("/v1/projects/{p}/apps/{app}/environment/LOG_LEVEL"),
        &env.user,
        json!({"value": "info"}),
    )
    .await
    .expect(200);
    let r = env
        .delete(&format!("/v1/projects/{p}/apps/{app}"), &env.user)
        .await
        .expect(200);
    assert_eq!(r.body["deleted"], true);
    let c = &r.body["cleanup"];
    assert_eq!(c["routing_pointer"], true);
    assert_eq!(c["build_artifacts"], 2);
    assert_eq!(c["env_keys"], 1);
    assert_eq!(c["hostnames"], json!(["www.elsewhere.org"]));
    let ext = r.body["external_dns_cleanup"].as_array().unwrap();
    assert!(
        ext.iter()
            .any(|x| x["record_type"] == "CNAME" && x["name"] == "www.elsewhere.org")
    );

    let again = env
        .delete(&format!("/v1/projects/{p}/apps/{app}"), &env.user)
        .await
        .expect(200);
    assert_eq!(again.body["deleted"], false);
    env.get(&format!("/v1/projects/{p}/apps/{app}"), &env.user)
        .await
        .expect(404);
    env.delete(&format!("/v1/projects/{p}/apps/app-never"), &env.user)
        .await
        .expect(404);
    // The name is free again and the hostname can be reused.
    let again = env.create_app("web").await;
    env.deploy_bytes(p, &again, "?hosts=www.elsewhere.org", site(1), &env.user)
        .await
        .expect(201);
}

#[tokio::test]
async fn environment_crud_and_secret_refusal() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    let base = format!("/v1/projects/{p}/apps/{app}/environment");
    let r = env
        .put(
            &format!("{base}/LOG_LEVEL"),
            &env.user,
            json!({"value": "info", "secret": false}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["created"], true);
    let r = env
        .put(
            &format!("{base}/LOG_LEVEL"),
            &env.user,
            json!({"value": "debug"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["created"], false);
    env.put(&format!("{base}/A_KEY"), &env.user, json!({"value": "1"}))
        .await
        .expect(200);
    let r = env.get(&base, &env.user).await.expect(200);
    assert_eq!(
        r.body,
        json!({"environment": [
            {"key": "A_KEY", "value": "1", "secret": false},
            {"key": "LOG_LEVEL", "value": "debug", "secret": false}
        ]})
    );
    let r = env
        .put(
            &format!("{base}/TOKEN"),
            &env.user,
            json!({"value": "hunter2", "secret": true}),
        )
        .await
        .expect(400);
    assert_eq!(
        r.detail(),
        "secret app env values are not enabled; store plain env values only"
    );
    assert!(
        !r.body.to_string().contains("hunter2"),
        "the value never comes back in an error"
    );
    env.put(&format!("{base}/1BAD"), &env.user, json!({"value": "x"}))
        .await
        .expect(400);
    env.delete(&format!("{base}/LOG_LEVEL"), &env.user)
        .await
        .expect(200);
    env.delete(&format!("{base}/LOG_LEVEL"), &env.user)
        .await
        .expect(404);
    let r = env.get(&base, &env.user).await.expect(200);
    assert_eq!(r.body["environment"].as_array().unwrap().len(), 1);
    env.get(
        &format!("/v1/projects/{p}/apps/app-nope/environment"),
        &env.user,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn brrrd_down_gives_502_on_runtime_writes_but_reads_work() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    env.faults(json!({"brrrd_unreachable": true})).await;
    let r = env
        .post(
            &format!("/v1/projects/{p}/apps"),
            &env.user,
            json!({"name": "x"}),
        )
        .await
        .expect(502);
    assert!(r.detail().contains("runtime control plane"));
    env.deploy_bytes(p, &app, "", site(1), &env.user)
        .await
        .expect(502);
    env.put(
        &format!("/v1/projects/{p}/apps/{app}/environment/K"),
        &env.user,
        json!({"value": "v"}),
    )
    .await
    .expect(502);
    env.get(&format!("/v1/projects/{p}/apps"), &env.user)
        .await
        .expect(200);
    env.faults(json!({})).await;
    env.deploy_bytes(p, &app, "", site(1), &env.user)
        .await
        .expect(201);
}

#[tokio::test]
async fn fifty_concurrent_deploys_leave_a_consistent_state() {
    let env = start().await;
    let app = env.create_app("web").await;
    let mut tasks = Vec::new();
    for i in 0..50u32 {
        let http = env.http.clone();
        let url = format!(
            "{}/v1/projects/{}/apps/{app}/deployments",
            env.url, env.project
        );
        let token = env.user.clone();
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .body(site(i))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let v: serde_json::Value = r.json().await.unwrap();
            v["build_id"].as_str().unwrap().to_string()
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    let r = env
        .get(
            &format!("/v1/projects/{}/apps/{app}/builds", env.project),
            &env.user,
        )
        .await
        .expect(200);
    let builds = r.body["builds"].as_array().unwrap();
    assert_eq!(builds.len(), 50);
    let mut listed: Vec<String> = builds
        .iter()
        .map(|b| b["build_id"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids, "every deploy is listed once");
    let active: Vec<_> = builds.iter().filter(|b| b["active"] == true).collect();
    assert_eq!(active.len(), 1);
    // Newest first: the last build to complete is the active one.
    assert_eq!(builds[0]["active"], true);
    let view = env
        .get(
            &format!("/v1/projects/{}/apps/{app}", env.project),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(view.body["app"]["active_build_id"], builds[0]["build_id"]);
}

async fn build_ids(env: &crate::common::Env, app: &str) -> std::collections::BTreeSet<String> {
    let path = format!("/v1/projects/{}/apps/{app}/builds", env.project);
    let r = env.get(&path, &env.user).await.expect(200);
    r.body["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["build_id"].as_str().unwrap().to_string())
        .collect()
}

/// `--keep-builds 3`: ten deploys leave three builds and three artifact
/// files; a rollback's target and the active build survive pruning even
/// when older than the newest three, and a pruned build is a clear 404.
#[tokio::test]
async fn keep_builds_prunes_old_builds_but_never_active_or_previous() {
    let data = tempfile::tempdir().unwrap();
    let env = crate::common::start_with(
        comwit_sandbox::Sandbox::builder()
            .data_dir(data.path())
            .keep_builds(3),
    )
    .await;
    let app = env.create_app("web").await;
    let p = env.project.clone();
    let mut ids = Vec::new();
    for v in 1..=10 {
        ids.push(env.deploy(&app, v).await);
    }
    let artifacts = || crate::common::files_below(&data.path().join("artifacts"));
    let expect: std::collections::BTreeSet<_> = ids[7..].iter().cloned().collect();
    assert_eq!(build_ids(&env, &app).await, expect);
    assert_eq!(artifacts().len(), 3, "{:?}", artifacts());

    // Roll back to the oldest kept build, then deploy three more: the
    // rollback target was active, so it becomes the previous build and
    // stays although it is no longer among the newest three.
    let rollback = format!("/v1/projects/{p}/apps/{app}/rollbacks");
    env.post(&rollback, &env.user, json!({"build_id": ids[7]}))
        .await
        .expect(200);
    let newer = env.deploy(&app, 11).await;
    let kept = build_ids(&env, &app).await;
    assert!(kept.contains(&ids[7]) && kept.contains(&newer), "{kept:?}");
    for v in 12..=13 {
        env.deploy(&app, v).await;
    }
    let kept = build_ids(&env, &app).await;
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(artifacts().len(), 3);

    let r = env
        .post(&rollback, &env.user, json!({"build_id": ids[0]}))
        .await
        .expect(404);
    assert!(r.detail().contains("retention"), "{}", r.detail());
}

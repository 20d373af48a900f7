//! Every handler against an in-process sandbox, with each documented error
//! class and its classifier.

use std::time::Duration;

use bytes::Bytes;
use comwit_client::models::{DeployOptions, DnsMode, NewRecord, RecordUpdate};
use comwit_client::{Client, RetryPolicy, TokenKind};
use comwit_sandbox::{Sandbox, SandboxInfo};
use serde_json::{Value, json};

struct Env {
    _sandbox: Sandbox,
    info: SandboxInfo,
    user: Client,
    op: Client,
}

async fn start_with(builder: comwit_sandbox::SandboxBuilder) -> Env {
    let sandbox = builder.start().await.expect("sandbox starts");
    let info = sandbox.info().clone();
    let user = client(&info, &info.user_token);
    let op = client(&info, &info.operator_token);
    Env {
        _sandbox: sandbox,
        info,
        user,
        op,
    }
}

async fn start() -> Env {
    start_with(Sandbox::builder()).await
}

fn client(info: &SandboxInfo, token: &str) -> Client {
    Client::builder()
        .base_url(&info.api_url)
        .token(token)
        .user_agent("comwit-client-tests/0")
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(50),
        })
        .build()
        .unwrap()
}

/// Sandbox-only control route (tests may call these; the client never does).
async fn sandbox(env: &Env, method: reqwest::Method, path: &str, body: Value) -> Value {
    let r = comwit_client::http::client()
        .request(method, format!("{}{path}", env.info.api_url))
        .bearer_auth(&env.info.operator_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// Clears every fault after `delay`, in the background.
fn heal_faults_after(env: &Env, delay: Duration) -> tokio::task::JoinHandle<()> {
    let url = env.info.api_url.clone();
    let op = env.info.operator_token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        comwit_client::http::client()
            .put(format!("{url}/_sandbox/faults"))
            .bearer_auth(op)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
    })
}

async fn faults(env: &Env, f: Value) {
    sandbox(env, reqwest::Method::PUT, "/_sandbox/faults", f).await;
}

fn site(version: u32) -> Bytes {
    let mut tar = tar::Builder::new(Vec::new());
    let html = format!("<h1>v{version}</h1>");
    let mut h = tar::Header::new_gnu();
    h.set_size(html.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "index.html", html.as_bytes())
        .unwrap();
    Bytes::from(zstd::encode_all(&tar.into_inner().unwrap()[..], 3).unwrap())
}

async fn managed_domain(env: &Env, domain: &str) {
    let d = env
        .user
        .domains(&env.info.project_id)
        .create(domain)
        .await
        .unwrap();
    sandbox(
        env,
        reqwest::Method::PUT,
        &format!("/_sandbox/registrar/{domain}/nameservers"),
        json!({ "nameservers": d.nameservers }),
    )
    .await;
    let c = env
        .user
        .domains(&env.info.project_id)
        .check_delegation(domain)
        .await
        .unwrap();
    assert!(c.matched);
}

#[tokio::test]
async fn projects_apps_builds_rollback_and_delete() {
    let env = start().await;
    let p = &env.info.project_id;
    assert_eq!(env.user.token_kind(), Some(TokenKind::User));
    assert_eq!(env.op.token_kind(), Some(TokenKind::Operator));
    let projects = env.user.projects().list().await.unwrap();
    assert!(projects.iter().any(|x| &x.project_id == p));

    let apps = env.user.apps(p);
    assert!(apps.list().await.unwrap().is_empty());
    let app = apps.create("web").await.unwrap();
    assert_eq!(app.active_build(), None);
    assert_eq!(apps.find("web").await.unwrap().unwrap().app_id, app.app_id);
    let handle = apps.app(&app.app_id);
    let first = handle
        .deploy(&site(1), &DeployOptions::default())
        .await
        .unwrap();
    assert_eq!(first.uploads, 1);
    let opts = DeployOptions {
        hosts: vec!["a.example.org".into()],
        env_ref: Some("prod".into()),
        max_concurrent_requests: Some(20),
    };
    let second = handle.deploy(&site(2), &opts).await.unwrap();
    assert_eq!(second.deployment.hosts, vec!["a.example.org"]);
    let got = handle.get().await.unwrap();
    assert_eq!(
        got.active_build(),
        Some(second.deployment.build_id.as_str())
    );
    let builds = handle.builds().await.unwrap();
    assert_eq!(builds.len(), 2);
    assert_eq!(
        builds[0].sha256.as_deref(),
        Some(second.digest.as_ref().unwrap().sha256.as_str())
    );
    assert_eq!(builds[0].env_ref.as_deref(), Some("prod"));

    let rb = handle.rollback(None).await.unwrap();
    assert_eq!(rb.active_build_id, first.deployment.build_id);
    let err = handle
        .rollback(Some(&first.deployment.build_id))
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err}");
    assert!(
        handle
            .rollback(Some("build-nope"))
            .await
            .unwrap_err()
            .is_not_found()
    );

    let gone = handle.delete().await.unwrap();
    assert!(gone.deleted);
    assert_eq!(gone.cleanup.build_artifacts, 2);
    assert_eq!(
        gone.external_dns_cleanup.len(),
        2,
        "CNAME and TXT for a.example.org"
    );
    assert!(
        !handle.delete().await.unwrap().deleted,
        "delete is re-entrant"
    );
    assert!(handle.get().await.unwrap_err().is_not_found());
    assert!(apps.create("web").await.is_ok());
    assert!(apps.create("web").await.unwrap_err().is_conflict());
}

#[tokio::test]
async fn environment_and_hostnames() {
    let env = start().await;
    let p = &env.info.project_id;
    let app = env.user.apps(p).create("web").await.unwrap();
    let h = env.user.apps(p).app(&app.app_id);
    h.set_env("LOG_LEVEL", "info").await.unwrap();
    h.set_env("LOG_LEVEL", "debug").await.unwrap();
    let vars = h.env().await.unwrap();
    assert_eq!(vars.len(), 1);
    assert_eq!(vars[0].value, "debug");
    h.remove_env("LOG_LEVEL").await.unwrap();
    assert!(h.remove_env("LOG_LEVEL").await.unwrap_err().is_not_found());
    assert!(h.set_env("1BAD", "x").await.unwrap_err().is_bad_request());

    let ext = h
        .attach("www.example.org", DnsMode::ExternalRecords)
        .await
        .unwrap();
    assert_eq!(ext.dns_records.len(), 2);
    managed_domain(&env, "example.com").await;
    let m = h
        .attach("app.example.com", DnsMode::ManagedProjectDomain)
        .await
        .unwrap();
    assert_eq!(
        m.managed_dns.unwrap().status,
        comwit_client::models::ManagedDnsStatus::Applied
    );
    let f = h.finalize("app.example.com").await.unwrap();
    assert_eq!(f.status.as_deref(), Some("active"));
    let hosts = h.hostnames().await.unwrap();
    assert_eq!(hosts.len(), 2);

    faults(&env, json!({"managed_dns_failing": true})).await;
    let err = h
        .attach("shop.example.com", DnsMode::ManagedProjectDomain)
        .await
        .unwrap_err();
    assert!(err.is_accepted_with_failure(), "{err}");
    assert_eq!(err.status(), Some(202));
    assert!(err.to_string().contains("repeat the attach"));
    faults(&env, json!({})).await;
    assert!(
        h.attach("shop.example.com", DnsMode::ManagedProjectDomain)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn databases_and_the_operator_family() {
    let env = start().await;
    let p = &env.info.project_id;
    let created = env.user.databases(p).create("app-db").await.unwrap();
    assert!(
        !format!("{created:?}").contains(created.database_token.expose()),
        "Debug redacts the token"
    );
    let list = env.user.databases(p).list().await.unwrap();
    assert_eq!(list[0].database_id, created.database_id);

    let err = env
        .user
        .database_admin(&created.database_id)
        .status()
        .await
        .unwrap_err();
    assert!(err.is_forbidden());
    assert!(err.to_string().contains("operator-only"), "{err}");

    let admin = env.op.database_admin(&created.database_id);
    assert_eq!(
        admin.status().await.unwrap().status.as_deref(),
        Some("running")
    );
    let rotated = admin.rotate_token().await.unwrap();
    assert_ne!(rotated.database_token, created.database_token);
    let q = admin
        .query_token(10_000, "comwit-tui", "client test")
        .await
        .unwrap();
    assert_eq!(q.ttl_seconds, Some(3600));
    assert_eq!(
        admin.suspend().await.unwrap().status.as_deref(),
        Some("suspended")
    );
    assert_eq!(
        admin.resume().await.unwrap().status.as_deref(),
        Some("running")
    );
    assert!(admin.usage().await.unwrap().query_count.is_some());
    assert!(admin.delete().await.unwrap().deleted);
    assert!(admin.status().await.unwrap_err().is_not_found());
    assert!(
        env.op
            .database_admin("louhi-app")
            .suspend()
            .await
            .unwrap_err()
            .is_forbidden()
    );
}

#[tokio::test]
async fn domains_records_and_delegation() {
    let env = start().await;
    let p = &env.info.project_id;
    let domains = env.user.domains(p);
    let d = domains.create("example.com").await.unwrap();
    assert_eq!(
        d.status,
        comwit_client::models::DomainStatus::PendingDelegation
    );
    assert_eq!(
        domains.create("example.com").await.unwrap(),
        d,
        "create is idempotent"
    );
    let check = domains.check_delegation("example.com").await.unwrap();
    assert!(!check.matched);
    let records = domains.records("example.com");
    let rec = NewRecord {
        name: "www".into(),
        kind: "A".into(),
        ttl: Some(300),
        values: vec!["192.0.2.1".into()],
    };
    let err = records.create(&rec).await.unwrap_err();
    assert!(err.is_conflict(), "locked while pending: {err}");

    sandbox(
        &env,
        reqwest::Method::PUT,
        "/_sandbox/registrar/example.com/nameservers",
        json!({"nameservers": d.nameservers}),
    )
    .await;
    assert_eq!(
        domains
            .check_delegation("example.com")
            .await
            .unwrap()
            .status,
        comwit_client::models::DomainStatus::Managed
    );
    let created = records.create(&rec).await.unwrap();
    assert_eq!(created.name, "www.example.com");
    let updated = records
        .update(
            &created.id,
            &RecordUpdate {
                values: Some(vec!["192.0.2.9".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.values, vec!["192.0.2.9"]);
    assert_eq!(updated.ttl, Some(300));
    let bad = NewRecord {
        values: vec!["not-an-ip".into()],
        name: "x".into(),
        ..rec.clone()
    };
    let err = records.create(&bad).await.unwrap_err();
    assert!(err.is_bad_request() && err.to_string().contains("not-an-ip"));
    assert_eq!(records.list().await.unwrap().len(), 1);
    assert!(records.delete(&created.id).await.unwrap().deleted);
    assert!(!records.delete(&created.id).await.unwrap().deleted);
    assert!(domains.delete("example.com").await.unwrap().deleted);
    assert!(domains.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn disabled_upstream_unauthorized_and_scope_errors() {
    let env = start_with(Sandbox::builder().disable_domains()).await;
    let p = &env.info.project_id;
    let err = env.user.domains(p).list().await.unwrap_err();
    assert!(err.is_disabled(), "{err}");

    faults(&env, json!({"brrrd_unreachable": true})).await;
    let err = env.user.apps(p).create("web").await.unwrap_err();
    assert!(err.is_upstream(), "{err}");
    faults(&env, json!({})).await;

    let nobody = client(&env.info, "cwt_00112233445566778899aabbccddeeff00112233");
    let err = nobody.projects().list().await.unwrap_err();
    assert!(err.is_unauthorized());

    let minted = sandbox(
        &env,
        reqwest::Method::POST,
        "/_sandbox/tokens",
        json!({"scopes": ["project:read"], "projects": [p]}),
    )
    .await;
    let narrow = client(&env.info, minted["token"].as_str().unwrap());
    let err = narrow.apps(p).list().await.unwrap_err();
    assert!(err.is_forbidden());
    assert!(
        err.to_string().contains("app:read"),
        "the 403 says which scope: {err}"
    );
    assert!(!err.to_string().contains(minted["token"].as_str().unwrap()));
    assert!(
        !format!("{narrow:?}").contains(minted["token"].as_str().unwrap()),
        "Debug redacts the token"
    );
}

#[tokio::test]
async fn transport_errors_name_the_route() {
    // A port nothing listens on: connection refused, nothing was sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .token("cwt_0011")
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = c.projects().list().await.unwrap_err();
    assert!(err.is_transport());
    assert!(!err.is_ambiguous(), "a refused connection sent nothing");
    assert!(err.to_string().contains("GET /v1/projects"), "{err}");
    assert!(Client::builder().base_url("ftp://x").build().is_err());
}

#[tokio::test]
async fn retry_safe_reads_retry_through_502_and_writes_do_not() {
    let env = start().await;
    let patient = Client::builder()
        .base_url(&env.info.api_url)
        .token(env.info.operator_token.as_str())
        .retry(RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        })
        .build()
        .unwrap();
    faults(&env, json!({"louhi_unreachable": true})).await;
    let heal = heal_faults_after(&env, Duration::from_millis(300));
    let status = patient.database_admin("louhi-app").status().await;
    heal.await.unwrap();
    assert!(
        status.is_ok(),
        "a retry-safe read rode out the 502: {status:?}"
    );

    // A write is run once: the 502 comes straight back even though a retry
    // after the fault heals (1 s later) would have succeeded.
    let slow_retry = Client::builder()
        .base_url(&env.info.api_url)
        .token(env.info.user_token.as_str())
        .retry(RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(2),
        })
        .build()
        .unwrap();
    faults(&env, json!({"brrrd_unreachable": true})).await;
    let heal = heal_faults_after(&env, Duration::from_secs(1));
    let err = slow_retry
        .apps(&env.info.project_id)
        .create("web")
        .await
        .unwrap_err();
    assert!(err.is_upstream());
    heal.await.unwrap();
    assert!(
        slow_retry
            .apps(&env.info.project_id)
            .list()
            .await
            .unwrap()
            .is_empty(),
        "no app was created"
    );
}

#[tokio::test]
async fn deploy_safely_recovers_a_lost_response_with_exactly_one_build() {
    let env = start().await;
    let p = &env.info.project_id;
    let app = env.user.apps(p).create("web").await.unwrap();
    let h = env.user.apps(p).app(&app.app_id);
    h.deploy(&site(1), &DeployOptions::default()).await.unwrap();

    faults(&env, json!({"drop_deploy_responses": 1})).await;
    let artifact = site(2);
    let outcome = h
        .deploy_safely(&artifact, &DeployOptions::default())
        .await
        .unwrap();
    assert!(
        outcome.recovered,
        "the response was lost and the build found by listing"
    );
    assert_eq!(outcome.uploads, 1);
    let builds = h.builds().await.unwrap();
    assert_eq!(builds.len(), 2, "exactly one new build");
    assert_eq!(builds[0].build_id, outcome.deployment.build_id);
    assert_eq!(
        builds[0].sha256.as_deref(),
        Some(outcome.digest.unwrap().sha256.as_str())
    );

    // The plain deploy reports the loss as ambiguous instead of guessing.
    faults(&env, json!({"drop_deploy_responses": 1})).await;
    let err = h
        .deploy(&site(3), &DeployOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.builds().await.unwrap().len(), 3);

    // Without faults deploy_safely is a plain deploy.
    let outcome = h
        .deploy_safely(&site(4), &DeployOptions::default())
        .await
        .unwrap();
    assert!(!outcome.recovered);
    assert_eq!(h.builds().await.unwrap().len(), 4);
}

#[tokio::test]
async fn device_login_end_to_end() {
    let env = start_with(Sandbox::builder().device_interval_secs(1)).await;
    let anon = Client::builder()
        .base_url(&env.info.api_url)
        .build()
        .unwrap();
    let login = anon.device_login();
    let auth = login.start().await.unwrap();
    assert!(!format!("{auth:?}").contains(auth.device_code.expose()));
    let code = auth.user_code.clone();
    let approver = {
        let url = env.info.api_url.clone();
        let op = env.info.operator_token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let r = comwit_client::http::client()
                .post(format!("{url}/_sandbox/device/approve"))
                .bearer_auth(op)
                .json(&json!({ "user_code": code }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        })
    };
    let mut waits = 0;
    let token = login.wait(&auth, |_| waits += 1).await.unwrap();
    approver.await.unwrap();
    assert!(waits >= 2, "it polled while pending");
    assert_eq!(token.token.kind(), TokenKind::User);
    let c = client(&env.info, token.token.expose());
    assert!(!c.projects().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn health_status_openapi_and_planned_routes() {
    let env = start().await;
    assert!(env.user.health().live().await.unwrap());
    assert!(env.user.health().ready().await.unwrap().ready);
    faults(&env, json!({"louhi_unreachable": true})).await;
    assert!(
        !env.user.health().ready().await.unwrap().ready,
        "503 is an answer, not an error"
    );
    assert_eq!(env.op.health().status().await.unwrap().status, "degraded");
    faults(&env, json!({})).await;
    assert!(env.user.health().status().await.unwrap_err().is_forbidden());
    let spec = env.user.health().openapi().await.unwrap();
    assert!(spec["paths"]["/v1/projects"].is_object());
    let err = env
        .user
        .registrar()
        .availability("example.com")
        .await
        .unwrap_err();
    assert!(err.is_planned());
    assert!(err.to_string().contains("planned"));
}

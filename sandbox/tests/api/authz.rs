//! Authorization matrix: every authenticated route × every kind of caller.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Env, site, start};

enum Guard {
    /// Project route needing this scope.
    Scope(&'static str),
    /// Operator-only; `protected` = refused for protected tenants too.
    Operator { protected: bool },
}

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    guard: Guard,
}

fn route(method: Method, path: String, body: Option<Value>, guard: Guard) -> Route {
    Route {
        method,
        path,
        body,
        guard,
    }
}

async fn fixtures(env: &Env) -> (String, String, String) {
    let app = env.create_app("web").await;
    env.deploy(&app, 1).await;
    env.deploy(&app, 2).await;
    env.managed_domain("example.com").await;
    let rec = env
        .post(
            &format!("/v1/projects/{}/domains/example.com/records", env.project),
            &env.user,
            json!({"name": "www", "type": "A", "values": ["192.0.2.1"]}),
        )
        .await
        .expect(201);
    let db = env
        .post(
            &format!("/v1/projects/{}/databases", env.project),
            &env.user,
            json!({"name": "db"}),
        )
        .await
        .expect(201);
    (
        app,
        rec.body["record"]["id"].as_str().unwrap().to_string(),
        db.body["database_id"].as_str().unwrap().to_string(),
    )
}

fn routes(p: &str, app: &str, rec: &str, db: &str) -> Vec<Route> {
    use Guard::*;
    use Method as M;
    let a = format!("/v1/projects/{p}/apps/{app}");
    let d = format!("/v1/projects/{p}/domains/example.com");
    let j = |v: Value| Some(v);
    vec![
        route(M::GET, "/v1/projects".into(), None, Scope("project:read")),
        route(
            M::GET,
            format!("/v1/projects/{p}/apps"),
            None,
            Scope("app:read"),
        ),
        route(
            M::POST,
            format!("/v1/projects/{p}/apps"),
            j(json!({"name": "other"})),
            Scope("app:write"),
        ),
        route(M::GET, a.clone(), None, Scope("app:read")),
        route(M::GET, format!("{a}/builds"), None, Scope("app:read")),
        route(
            M::POST,
            format!("{a}/deployments"),
            None,
            Scope("app:deploy"),
        ),
        route(
            M::POST,
            format!("{a}/rollbacks"),
            j(json!({})),
            Scope("app:deploy"),
        ),
        route(M::GET, format!("{a}/environment"), None, Scope("app:read")),
        route(
            M::PUT,
            format!("{a}/environment/K"),
            j(json!({"value": "v"})),
            Scope("app:write"),
        ),
        route(
            M::DELETE,
            format!("{a}/environment/K"),
            None,
            Scope("app:write"),
        ),
        route(M::GET, format!("{a}/domains"), None, Scope("app:read")),
        route(
            M::POST,
            format!("{a}/domains"),
            j(json!({"domain": "h.elsewhere.org"})),
            Scope("app:write"),
        ),
        route(
            M::POST,
            format!("{a}/domains/h.elsewhere.org/finalize"),
            j(json!({})),
            Scope("app:write"),
        ),
        route(
            M::GET,
            format!("/v1/projects/{p}/databases"),
            None,
            Scope("database:read"),
        ),
        route(
            M::POST,
            format!("/v1/projects/{p}/databases"),
            j(json!({"name": "db2"})),
            Scope("database:write"),
        ),
        route(
            M::GET,
            format!("/v1/projects/{p}/domains"),
            None,
            Scope("domain:read"),
        ),
        route(
            M::POST,
            format!("/v1/projects/{p}/domains"),
            j(json!({"domain": "new.org"})),
            Scope("domain:write"),
        ),
        route(
            M::POST,
            format!("{d}/delegation-check"),
            j(json!({})),
            Scope("domain:write"),
        ),
        route(M::GET, format!("{d}/records"), None, Scope("domain:read")),
        route(
            M::POST,
            format!("{d}/records"),
            j(json!({"name": "api", "type": "A", "values": ["192.0.2.3"]})),
            Scope("domain:write"),
        ),
        route(
            M::PUT,
            format!("{d}/records/{rec}"),
            j(json!({"ttl": 600})),
            Scope("domain:write"),
        ),
        route(
            M::DELETE,
            format!("{d}/records/{rec}"),
            None,
            Scope("domain:write"),
        ),
        route(M::DELETE, d.clone(), None, Scope("domain:write")),
        route(M::DELETE, a.clone(), None, Scope("app:write")),
        route(
            M::GET,
            "/v1/status".into(),
            None,
            Operator { protected: false },
        ),
        route(
            M::GET,
            format!("/v1/databases/{db}"),
            None,
            Operator { protected: false },
        ),
        route(
            M::GET,
            format!("/v1/databases/{db}/usage"),
            None,
            Operator { protected: false },
        ),
        route(
            M::POST,
            format!("/v1/databases/{db}/token/rotate"),
            None,
            Operator { protected: true },
        ),
        route(
            M::POST,
            format!("/v1/databases/{db}/query-token"),
            j(json!({"ttl_seconds": 60})),
            Operator { protected: true },
        ),
        route(
            M::POST,
            format!("/v1/databases/{db}/suspend"),
            None,
            Operator { protected: true },
        ),
        route(
            M::POST,
            format!("/v1/databases/{db}/resume"),
            None,
            Operator { protected: true },
        ),
        route(
            M::DELETE,
            format!("/v1/databases/{db}"),
            None,
            Operator { protected: true },
        ),
        route(
            M::POST,
            "/_sandbox/tokens".into(),
            j(json!({"scopes": []})),
            Operator { protected: false },
        ),
        route(
            M::POST,
            "/_sandbox/projects".into(),
            j(json!({"name": "p"})),
            Operator { protected: false },
        ),
        route(
            M::POST,
            "/_sandbox/users".into(),
            j(json!({"name": "u"})),
            Operator { protected: false },
        ),
        route(
            M::PUT,
            "/_sandbox/registrar/example.com/nameservers".into(),
            j(json!({"nameservers": []})),
            Operator { protected: false },
        ),
        route(
            M::POST,
            "/_sandbox/device/approve".into(),
            j(json!({"user_code": "BCDF-GHJK"})),
            Operator { protected: false },
        ),
        route(
            M::PUT,
            "/_sandbox/faults".into(),
            j(json!({})),
            Operator { protected: false },
        ),
        route(
            M::GET,
            "/_sandbox/faults".into(),
            None,
            Operator { protected: false },
        ),
        route(
            M::GET,
            "/_sandbox/audit".into(),
            None,
            Operator { protected: false },
        ),
    ]
}

async fn send(env: &Env, r: &Route, auth: Option<&str>) -> (u16, Value) {
    let mut req = env
        .http
        .request(r.method.clone(), format!("{}{}", env.url, r.path));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    req = if r.path.ends_with("/deployments") {
        req.header("content-type", "application/octet-stream")
            .body(site(7))
    } else if let Some(b) = &r.body {
        req.json(b)
    } else {
        req
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_route_times_every_caller() {
    let env = start().await;
    let (app, rec, db) = fixtures(&env).await;
    let p = env.project.clone();
    let outsider_project = env.new_project("elsewhere").await;
    let all: Vec<&str> = comwit_sandbox::LIVE_SCOPES.to_vec();
    let not_member = env.mint(&all, &[&outsider_project]).await;
    let member_all = env.mint(&all, &[&p]).await;

    for r in routes(&p, &app, &rec, &db) {
        let what = format!("{} {}", r.method, r.path);
        for (label, auth) in [
            ("no token", None),
            ("malformed", Some("Bearer not-a-token".to_string())),
            ("not bearer", Some(format!("Basic {}", env.user))),
            (
                "unknown cwt_",
                Some("Bearer cwt_00112233445566778899aabbccddeeff00112233".to_string()),
            ),
            ("cwt_ not hex", Some("Bearer cwt_zzzz".to_string())),
        ] {
            let (s, body) = send(&env, &r, auth.as_deref()).await;
            assert_eq!(s, 401, "{what} with {label}: {body}");
        }
        match r.guard {
            Guard::Scope(scope) => {
                let without: Vec<&str> = all.iter().copied().filter(|s| *s != scope).collect();
                let t = env.mint(&without, &[&p]).await;
                let (s, body) = send(&env, &r, Some(&format!("Bearer {t}"))).await;
                assert_eq!(s, 403, "{what} without {scope}: {body}");
                assert!(
                    body["detail"].as_str().unwrap().contains(scope),
                    "{what}: the 403 names {scope}"
                );
                if r.path != "/v1/projects" {
                    let (s, body) = send(&env, &r, Some(&format!("Bearer {not_member}"))).await;
                    assert_eq!(s, 403, "{what} as a non-member: {body}");
                }
            }
            Guard::Operator { protected } => {
                let (s, body) = send(&env, &r, Some(&format!("Bearer {member_all}"))).await;
                assert_eq!(s, 403, "{what} with a cwt_ token: {body}");
                if protected {
                    let path = r.path.replace(&db, "louhi-app");
                    let pr = Route {
                        path,
                        method: r.method.clone(),
                        body: r.body.clone(),
                        guard: Guard::Scope(""),
                    };
                    let (s, body) = send(&env, &pr, Some(&format!("Bearer {}", env.op))).await;
                    assert_eq!(s, 403, "{what} on a protected tenant: {body}");
                }
            }
        }
        let (s, body) = send(&env, &r, Some(&format!("Bearer {}", env.op))).await;
        assert!(s != 401 && s != 403, "{what} as operator: {s} {body}");
        assert!(s < 500 || s == 501, "{what} as operator: {s} {body}");
    }
}

#[tokio::test]
async fn operator_gets_404_for_a_missing_project_and_users_403() {
    let env = start().await;
    env.get("/v1/projects/proj-missing/apps", &env.op)
        .await
        .expect(404);
    env.get("/v1/projects/proj-missing/apps", &env.user)
        .await
        .expect(403);
}

#[tokio::test]
async fn error_bodies_never_echo_tokens() {
    let env = start().await;
    let secret = "cwt_deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
    let r = env.get("/v1/projects", secret).await.expect(401);
    assert!(!r.body.to_string().contains(secret));
    let r = env.get("/v1/status", &env.user).await.expect(403);
    assert!(!r.body.to_string().contains(&env.user));
    assert!(!r.body.to_string().contains(&env.op));
}

/// The docs disagree on the operator token and project routes; the sandbox
/// does either. Bypass (the default, the authentication page) lets it act
/// on any project; refuse (the raw-API deploy page) answers 403 there while
/// the flat operator routes still work, and the demo still seeds.
#[tokio::test]
async fn the_operator_token_on_project_routes_follows_either_reading_of_the_docs() {
    let bypass = start().await;
    let apps = format!("/v1/projects/{}/apps", bypass.project);
    bypass.get(&apps, &bypass.op).await.expect(200);

    let refuse = crate::common::start_with(
        comwit_sandbox::Sandbox::builder()
            .seed_demo()
            .operator_on_projects(comwit_sandbox::OperatorOnProjects::Refuse),
    )
    .await;
    let apps = format!("/v1/projects/{}/apps", refuse.project);
    let refused = refuse.get(&apps, &refuse.op).await.expect(403);
    assert!(
        refused.detail().contains("cwt_ token"),
        "{}",
        refused.detail()
    );
    refuse.get(&apps, &refuse.user).await.expect(200);
    refuse.get("/v1/status", &refuse.op).await.expect(200);
}

//! The site listener: an app's active build as static files, by path and
//! by a bound hostname; a rollback changes what is served at once.

use serde_json::json;

use crate::common::{Env, start, tar_zst};

struct Page {
    status: u16,
    content_type: String,
    cache: String,
    body: String,
}

async fn get(env: &Env, path: &str, host: Option<&str>) -> Page {
    let site = &env.sandbox_info().site_url;
    let mut req = env.http.get(format!("{site}{path}"));
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let r = req.send().await.unwrap();
    let header = |n: &str| {
        r.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    Page {
        status: r.status().as_u16(),
        content_type: header("content-type"),
        cache: header("cache-control"),
        body: r.text().await.unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_active_build_is_served_by_path_and_by_hostname_and_follows_a_rollback() {
    let env = start().await;
    let app = env.create_app("web").await;
    let site = |v: &str| {
        tar_zst(&[
            ("index.html", format!("<h1>{v}</h1>").as_bytes()),
            ("assets/app.js", b"console.log(1)"),
            ("docs/index.html", b"docs"),
            ("logo.svg", b"<svg/>"),
        ])
    };
    for v in ["v1", "v2"] {
        env.deploy_bytes(&env.project, &app, "", site(v), &env.user)
            .await
            .expect(201);
    }
    let root = get(&env, &format!("/apps/{app}/"), None).await;
    assert_eq!((root.status, root.body.as_str()), (200, "<h1>v2</h1>"));
    assert_eq!(root.content_type, "text/html; charset=utf-8");
    assert_eq!(root.cache, "no-store");
    let js = get(&env, &format!("/apps/{app}/assets/app.js"), None).await;
    assert_eq!(js.content_type, "text/javascript; charset=utf-8");
    assert_eq!(
        get(&env, &format!("/apps/{app}/logo.svg"), None)
            .await
            .content_type,
        "image/svg+xml"
    );
    assert_eq!(
        get(&env, &format!("/apps/{app}/docs/"), None).await.body,
        "docs"
    );
    // Without the trailing slash: redirected, so relative links work.
    let bare = env
        .http
        .get(format!("{}/apps/{app}", env.sandbox_info().site_url))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.url().path(), format!("/apps/{app}/"));

    // A bound hostname serves the same build at its root.
    let p = &env.project;
    env.post(
        &format!("/v1/projects/{p}/apps/{app}/domains"),
        &env.user,
        json!({"domain": "www.example.com"}),
    )
    .await
    .expect(200);
    let by_host = get(&env, "/", Some("www.example.com:8080")).await;
    assert_eq!(by_host.body, "<h1>v2</h1>");

    // A rollback is served at the next request.
    env.post(
        &format!("/v1/projects/{p}/apps/{app}/rollbacks"),
        &env.user,
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        get(&env, "/", Some("www.example.com")).await.body,
        "<h1>v1</h1>"
    );
    assert_eq!(
        get(&env, &format!("/apps/{app}/"), None).await.body,
        "<h1>v1</h1>"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_is_not_there_is_a_404_page_never_a_file_outside_the_build() {
    let env = start().await;
    let app = env.create_app("web").await;
    env.deploy(&app, 1).await;
    let empty = env.create_app("empty").await;
    for (path, host) in [
        (format!("/apps/{app}/missing.html"), None),
        (format!("/apps/{app}/../../state.sqlite3"), None),
        (format!("/apps/{app}/%2e%2e/%2e%2e/state.sqlite3"), None),
        (format!("/apps/{empty}/"), None),
        ("/apps/app-nope/".to_string(), None),
        ("/".to_string(), Some("unbound.example")),
        ("/".to_string(), None),
    ] {
        let page = get(&env, &path, host).await;
        assert_eq!(page.status, 404, "{path} {host:?}: {}", page.body);
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        assert!(
            page.body.contains("serves the build's files only"),
            "{}",
            page.body
        );
    }
    let post = env
        .http
        .post(format!("{}/apps/{app}/", env.sandbox_info().site_url))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

//! The post-deploy check under the simulated runner: the sandbox does not
//! serve apps, so a loopback HTTP server in the test stands in for the
//! deployed site, answering the statuses each test scripts.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use common::{BIN, Platform, Run, Runner, platform};

/// The stand-in site: answers `script` in order (the last one from then
/// on) and counts the requests.
#[derive(Default)]
struct Site {
    script: Vec<u16>,
    hits: usize,
}

type Shared = Arc<Mutex<Site>>;

async fn answer(State(site): State<Shared>) -> StatusCode {
    let mut s = site.lock().unwrap();
    let status = s.script[s.hits.min(s.script.len() - 1)];
    s.hits += 1;
    StatusCode::from_u16(status).unwrap()
}

/// Starts the site; returns its `/healthz` URL and state.
async fn site(script: &[u16]) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Site {
        script: script.to_vec(),
        hits: 0,
    }));
    let app = Router::new()
        .route("/healthz", axum::routing::get(answer))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/healthz"), shared)
}

/// Deploys `version` of the site to `app`, with `extra` inputs.
async fn deploy(r: &Runner, p: &Platform, app: &str, version: u32, extra: &[(&str, &str)]) -> Run {
    r.files(
        "dist",
        &[("index.html", format!("<h1>v{version}</h1>").as_bytes())],
    );
    let mut inputs = vec![
        ("token", p.user.as_str()),
        ("api-url", p.url.as_str()),
        ("project", p.project.as_str()),
        ("app", app),
    ];
    inputs.extend_from_slice(extra);
    r.step(&inputs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_that_answers_after_retries_passes_and_is_reported() {
    let p = platform().await;
    let app = p.create_app("checked").await;
    let (url, site) = site(&[503, 503, 200]).await;
    let r = Runner::new(BIN);
    let run = deploy(
        &r,
        &p,
        &app,
        1,
        &[("verify-url", &url), ("verify-timeout", "30s")],
    )
    .await;
    run.assert_ok();
    run.assert_hidden(&p.user);
    assert_eq!(
        site.lock().unwrap().hits,
        3,
        "retried until 200\n{}",
        run.log()
    );
    let groups: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::group::"))
        .collect();
    assert_eq!(groups, ["package", "resolve", "upload", "verify", "report"]);
    assert!(
        run.summary
            .contains(&format!("| Check | status 200 from {url} (attempt 3) |")),
        "{}",
        run.summary
    );
    assert_eq!(
        p.app(&app).await["active_build_id"],
        run.output("build-id"),
        "the checked build stays active"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_check_without_rollback_fails_and_leaves_the_new_build_active() {
    let p = platform().await;
    let app = p.create_app("unchecked").await;
    let r = Runner::new(BIN);
    deploy(&r, &p, &app, 1, &[]).await.assert_ok();
    let (url, site) = site(&[503]).await;
    let run = deploy(
        &r,
        &p,
        &app,
        2,
        &[
            ("verify-url", &url),
            ("verify-timeout", "2"),
            ("verify-status", "204"),
        ],
    )
    .await;
    run.assert_failed();
    let new = run.output("build-id").to_string();
    assert_eq!(p.app(&app).await["active_build_id"], new.as_str());
    assert!(site.lock().unwrap().hits >= 2, "retried");
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (title, message) = &errors[0];
    assert_eq!(title, "Post-deploy check failed");
    for part in [
        format!("expected status 204 from {url} within 2 s"),
        "saw status 503".to_string(),
        format!("build {new} stays active"),
        "rollback-on-failure: true".to_string(),
    ] {
        assert!(message.contains(&part), "{part:?} in {message}");
    }
    assert!(run.summary.contains("❌ failed"), "{}", run.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_check_with_rollback_on_failure_restores_the_previous_build() {
    let p = platform().await;
    let app = p.create_app("guarded").await;
    let r = Runner::new(BIN);
    let first = deploy(&r, &p, &app, 1, &[]).await;
    first.assert_ok();
    let good = first.output("build-id").to_string();
    let (url, _site) = site(&[500]).await;
    let guarded = [
        ("verify-url", url.as_str()),
        ("verify-timeout", "2s"),
        ("rollback-on-failure", "true"),
    ];
    let run = deploy(&r, &p, &app, 2, &guarded).await;
    run.assert_failed();
    let builds = p.builds(&app).await;
    assert_eq!(builds.len(), 2, "the bad build was uploaded");
    let bad = builds
        .iter()
        .map(|b| b["build_id"].as_str().unwrap())
        .find(|b| *b != good)
        .unwrap()
        .to_string();
    assert_eq!(
        p.app(&app).await["active_build_id"],
        good.as_str(),
        "rolled back"
    );
    assert_eq!(run.output("build-id"), good, "the build now active");
    let (title, message) = &run.errors()[0];
    assert_eq!(title, "Post-deploy check failed, rolled back");
    assert!(message.contains("saw status 500"), "{message}");
    assert!(
        message.contains(&format!(
            "rolled back to build {good} (build {bad} is no longer active)"
        )),
        "{message}"
    );
    assert!(
        run.summary.contains(&format!(
            "| Build | `{bad}` failed the check — rolled back to `{good}` |"
        )),
        "{}",
        run.summary
    );

    // A first deploy has nothing to roll back to, and says so.
    let fresh = p.create_app("fresh").await;
    let run = deploy(&r, &p, &fresh, 1, &guarded).await;
    run.assert_failed();
    let (title, message) = &run.errors()[0];
    assert_eq!(title, "Post-deploy check failed");
    assert!(message.contains("could not roll back"), "{message}");
    assert!(message.contains("first deploy"), "{message}");
    assert_eq!(
        p.app(&fresh).await["active_build_id"],
        run.output("build-id")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_url_is_reported_as_no_answer() {
    let p = platform().await;
    let app = p.create_app("dark").await;
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let r = Runner::new(BIN);
    let run = deploy(
        &r,
        &p,
        &app,
        1,
        &[("verify-url", &url), ("verify-timeout", "1")],
    )
    .await;
    run.assert_failed();
    let (_, message) = &run.errors()[0];
    assert!(message.contains("saw no answer ("), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_check_inputs_are_usage_errors_naming_the_input_before_any_deploy() {
    let p = platform().await;
    let app = p.create_app("strict").await;
    let r = Runner::new(BIN);
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("verify-url", "www.example.com/healthz")], "verify-url"),
        (
            &[("verify-path", "healthz"), ("hosts", "a.example.com")],
            "verify-path",
        ),
        (&[("verify-path", "/healthz")], "needs hosts"),
        (
            &[
                ("verify-url", "https://a.example.com/"),
                ("verify-timeout", "0"),
            ],
            "verify-timeout",
        ),
        (
            &[
                ("verify-url", "https://a.example.com/"),
                ("verify-status", "ok"),
            ],
            "verify-status",
        ),
        (&[("rollback-on-failure", "true")], "rollback-on-failure"),
    ];
    for (extra, named) in cases {
        let run = deploy(&r, &p, &app, 1, extra).await;
        assert_eq!(run.code, 2, "{extra:?}\n{}", run.log());
        let errors = run.errors();
        assert!(
            errors.iter().any(|(_, m)| m.contains(named)),
            "{extra:?}: {errors:?}"
        );
        run.assert_hidden(&p.user);
    }
    assert!(p.builds(&app).await.is_empty(), "nothing was deployed");
}

//! Reporting to GitHub, against the loopback stub of GitHub's REST API in
//! `common::github_stub`.

mod common;

use std::collections::HashMap;

use common::github_stub::{GH_TOKEN, HEAD_SHA, Shared, github_stub};
use common::{BIN, Runner, platform};
use serde_json::{Value, json};

async fn step(r: &Runner, inputs: &[(String, String)]) -> common::Run {
    let refs: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    r.step(&refs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_gets_a_deployment_with_status_and_one_comment_updated_in_place() {
    let p = platform().await;
    let app = p.create_app("preview").await;
    let (api, stub) = github_stub().await;
    let mut r = Runner::new(BIN);
    r.set("GITHUB_API_URL", &api);
    r.pull_request(7, HEAD_SHA, false);
    r.files("dist", &[("index.html", b"<h1>v1</h1>")]);
    let inputs = |token: &str| {
        vec![
            ("token".to_string(), token.to_string()),
            ("api-url".into(), p.url.clone()),
            ("project".into(), p.project.clone()),
            ("app".into(), app.clone()),
            ("hosts".into(), "pr-7.preview.test".into()),
            ("github-token".into(), GH_TOKEN.into()),
            ("deployment-environment".into(), "preview-pr-7".into()),
        ]
    };
    let first = step(&r, &inputs(&p.user)).await;
    first.assert_ok();
    first.assert_hidden(GH_TOKEN);
    first.assert_hidden(&p.user);
    let build1 = first.output("build-id").to_string();
    {
        let s = stub.lock().unwrap();
        assert_eq!(s.deployments.len(), 1);
        let (id, d) = &s.deployments[0];
        assert_eq!(d["ref"], HEAD_SHA, "the PR head, not the merge commit");
        assert_eq!(d["environment"], "preview-pr-7");
        assert_eq!(d["auto_merge"], false);
        assert_eq!(d["required_contexts"], json!([]));
        assert_eq!(d["transient_environment"], true);
        assert_eq!(d["production_environment"], false);
        assert_eq!(d["payload"]["app_id"], app.as_str());
        let states: Vec<&Value> = s
            .statuses
            .iter()
            .filter(|(d, _)| d == id)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(states.len(), 2, "{states:?}");
        assert_eq!(states[0]["state"], "in_progress");
        assert_eq!(states[1]["state"], "success");
        assert_eq!(states[1]["environment_url"], "https://pr-7.preview.test");
        assert_eq!(
            states[1]["log_url"],
            "https://github.com/acme/site/actions/runs/42"
        );
        assert_eq!(states[1]["environment"], "preview-pr-7");
        let ours: Vec<_> = s
            .comments
            .iter()
            .filter(|(_, _, b)| b.contains("<!-- comwit-deploy:"))
            .collect();
        assert_eq!(ours.len(), 1);
        assert!(ours[0].2.contains(&build1), "{}", ours[0].2);
        assert!(ours[0].2.contains(&HEAD_SHA[..12]), "{}", ours[0].2);
        for (method, path, auth, version) in &s.requests {
            assert_eq!(auth, &format!("Bearer {GH_TOKEN}"), "{method} {path}");
            assert_eq!(version, "2022-11-28", "{method} {path}");
        }
        assert!(
            s.requests
                .iter()
                .any(|(m, p, _, _)| m == "POST" && p == "/repos/acme/site/issues/7/comments")
        );
    }
    assert!(first.stdout.contains("comment") && first.stdout.contains("created"));

    // Second run: a new build, the same comment edited in place.
    r.files("dist", &[("index.html", b"<h1>v2</h1>")]);
    let second = step(&r, &inputs(&p.user)).await;
    second.assert_ok();
    let build2 = second.output("build-id").to_string();
    assert_ne!(build1, build2);
    {
        let s = stub.lock().unwrap();
        assert_eq!(s.deployments.len(), 2);
        let ours: Vec<_> = s
            .comments
            .iter()
            .filter(|(_, _, b)| b.contains("<!-- comwit-deploy:"))
            .collect();
        assert_eq!(ours.len(), 1, "one comment per app");
        assert!(ours[0].2.contains(&build2), "updated: {}", ours[0].2);
        assert!(!ours[0].2.contains(&format!("| Build | `{build1}`")));
        let posts = s
            .requests
            .iter()
            .filter(|(m, p, _, _)| m == "POST" && p.ends_with("/issues/7/comments"))
            .count();
        let patches: Vec<_> = s
            .requests
            .iter()
            .filter(|(m, _, _, _)| m == "PATCH")
            .collect();
        assert_eq!(posts, 1, "created once");
        assert_eq!(patches.len(), 1);
        assert_eq!(
            patches[0].1,
            format!("/repos/acme/site/issues/comments/{}", ours[0].0)
        );
        assert_eq!(s.comments.len(), 121, "other comments untouched");
    }

    // A failing run marks its deployment failed and says so in the comment.
    let no_deploy = p.mint(&["app:read", "app:write"]).await;
    let third = step(&r, &inputs(&no_deploy)).await;
    third.assert_failed();
    let s = stub.lock().unwrap();
    let (id, _) = s.deployments.last().unwrap();
    let last = s
        .statuses
        .iter()
        .rev()
        .find(|(d, _)| d == id)
        .map(|(_, b)| b.clone())
        .unwrap();
    assert_eq!(last["state"], "failure");
    assert_eq!(last["description"], "Comwit token lacks a scope");
    let ours: Vec<_> = s
        .comments
        .iter()
        .filter(|(_, _, b)| b.contains("<!-- comwit-deploy:"))
        .collect();
    assert_eq!(ours.len(), 1);
    assert!(ours[0].2.contains("❌ failed"), "{}", ours[0].2);
    assert!(ours[0].2.contains("app:deploy"), "{}", ours[0].2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_github_permission_error_is_a_warning_and_the_deploy_still_succeeds() {
    let p = platform().await;
    let app = p.create_app("web").await;
    let (api, stub) = github_stub().await;
    let mut r = Runner::new(BIN);
    r.set("GITHUB_API_URL", &api);
    r.set("GITHUB_REPOSITORY", "acme/locked");
    r.files("dist", &[("index.html", b"<h1>hi</h1>")]);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("github-token", GH_TOKEN),
        ])
        .await;
    run.assert_ok();
    run.assert_hidden(GH_TOKEN);
    let warnings = run.annotations("warning");
    assert_eq!(
        warnings[0].0, "GitHub deployment not created",
        "{warnings:?}"
    );
    assert!(warnings[0].1.contains("403"), "{warnings:?}");
    assert!(warnings[0].1.contains("deployments: write"), "{warnings:?}");
    assert_eq!(p.builds(&app).await.len(), 1, "deployed anyway");
    assert!(stub.lock().unwrap().deployments.is_empty());
}

/// The last status each deployment got, by id.
fn last_states(stub: &Shared) -> HashMap<u64, String> {
    let s = stub.lock().unwrap();
    s.statuses
        .iter()
        .map(|(id, b)| (*id, b["state"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// Our comments (the ones with the hidden marker).
fn ours(stub: &Shared) -> Vec<(u64, String)> {
    let s = stub.lock().unwrap();
    s.comments
        .iter()
        .filter(|(_, _, b)| b.contains("<!-- comwit-deploy:"))
        .map(|(id, _, b)| (*id, b.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_by_name_removes_the_preview_retires_its_deployments_and_edits_the_comment() {
    let p = platform().await;
    let (api, stub) = github_stub().await;
    let mut r = Runner::new(BIN);
    r.set("GITHUB_API_URL", &api);
    r.pull_request(7, HEAD_SHA, false);
    r.files("dist", &[("index.html", b"<h1>preview</h1>")]);
    let common = |extra: &[(&str, &str)]| {
        let v: Vec<(String, String)> = [
            ("token", p.user.as_str()),
            ("api-url", p.url.as_str()),
            ("project", p.project.as_str()),
            ("app-name", "web-pr-7"),
            ("github-token", GH_TOKEN),
            ("deployment-environment", "preview-pr-7"),
        ]
        .iter()
        .chain(extra)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        v
    };
    let deploy_inputs = common(&[
        ("create-app", "true"),
        ("hosts", "pr-7.outside.test"),
        ("finalize-hosts", "true"),
    ]);
    for _ in 0..2 {
        step(&r, &deploy_inputs).await.assert_ok();
    }
    let app_id = p.apps().await[0]["app_id"].as_str().unwrap().to_string();
    // Another environment's deployment, which the delete must leave alone.
    let mut other = deploy_inputs.clone();
    other.retain(|(k, _)| k != "deployment-environment");
    other.push(("deployment-environment".into(), "staging".into()));
    step(&r, &other).await.assert_ok();
    let posts_before = stub.lock().unwrap().comments.len();

    let run = step(&r, &common(&[("command", "delete")])).await;
    run.assert_ok();
    run.assert_hidden(GH_TOKEN);
    run.assert_hidden(&p.user);
    assert!(p.apps().await.is_empty(), "the app is deleted");
    assert_eq!(run.output("app-id"), app_id);

    // The external records the deploy bound are handed back to remove.
    let cleanup: Value = serde_json::from_str(run.output("dns-cleanup")).unwrap();
    let names: Vec<&str> = cleanup
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"pr-7.outside.test"), "{cleanup}");
    assert!(
        names.contains(&"_cf-challenge.pr-7.outside.test"),
        "{cleanup}"
    );
    assert!(
        run.summary.contains("Remove these records"),
        "{}",
        run.summary
    );
    let warned = run.annotations("warning");
    assert_eq!(
        warned
            .iter()
            .filter(|(t, m)| t == "DNS record to remove" && m.contains("pr-7.outside.test"))
            .count(),
        cleanup.as_array().unwrap().len(),
        "{warned:?}"
    );
    // Two preview deploys and the staging one.
    assert!(
        run.summary.contains("| Removed | 3 build artifact(s)"),
        "{}",
        run.summary
    );

    // Every deployment of preview-pr-7 is inactive; staging's is not.
    let states = last_states(&stub);
    let s = stub.lock().unwrap();
    for (id, d) in &s.deployments {
        let want = if d["environment"] == "preview-pr-7" {
            "inactive"
        } else {
            "success"
        };
        assert_eq!(states[id], want, "deployment {id} ({})", d["environment"]);
    }
    assert_eq!(s.comments.len(), posts_before, "no new comment");
    drop(s);
    let comments = ours(&stub);
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].1.contains("this preview is removed"),
        "{}",
        comments[0].1
    );
    assert!(
        comments[0].1.contains("### Comwit delete: web-pr-7 ✅"),
        "{}",
        comments[0].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_by_id_is_re_entrant_and_an_unknown_app_is_already_gone() {
    let p = platform().await;
    let app = p.create_app("short-lived").await;
    let keep = p.create_app("keep").await;
    let r = Runner::new(BIN);
    let delete = |id: String| {
        let (user, url, project) = (p.user.clone(), p.url.clone(), p.project.clone());
        let r = &r;
        async move {
            r.step(&[
                ("command", "delete"),
                ("token", &user),
                ("api-url", &url),
                ("project", &project),
                ("app", &id),
            ])
            .await
        }
    };
    let first = delete(app.clone()).await;
    first.assert_ok();
    assert!(first.annotations("notice").is_empty(), "{}", first.log());
    let left: Vec<String> = p
        .apps()
        .await
        .iter()
        .map(|a| a["app_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left, [keep], "only that app is deleted");
    assert_eq!(first.output("dns-cleanup"), "[]");
    assert!(
        first.summary.contains("| Removed | 0 build artifact(s)"),
        "{}",
        first.summary
    );

    // Again: the platform's re-entrant delete reports nothing deleted.
    let again = delete(app.clone()).await;
    again.assert_ok();
    let notices = again.annotations("notice");
    assert_eq!(notices[0].0, "App already deleted", "{notices:?}");
    assert!(
        again
            .summary
            .contains("nothing: the app was already deleted"),
        "{}",
        again.summary
    );
    assert_eq!(again.output("dns-cleanup"), "[]");

    // An id the project never had (a 404) counts as gone too, and says so.
    let unknown = delete("app-never-was".into()).await;
    unknown.assert_ok();
    assert!(
        unknown.annotations("notice")[0]
            .1
            .contains("has no app app-never-was")
    );

    // A name no live app has: gone as well.
    let by_name = r
        .step(&[
            ("command", "delete"),
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app-name", "short-lived"),
        ])
        .await;
    by_name.assert_ok();
    assert_eq!(by_name.annotations("notice")[0].0, "App already deleted");
    assert_eq!(p.apps().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_delete_fails_and_leaves_the_deployments_and_comment_alone() {
    let p = platform().await;
    let (api, stub) = github_stub().await;
    let mut r = Runner::new(BIN);
    r.set("GITHUB_API_URL", &api);
    r.pull_request(7, HEAD_SHA, false);
    r.files("dist", &[("index.html", b"<h1>preview</h1>")]);
    let app = p.create_app("web-pr-7").await;
    let inputs = |token: &str, command: &str| {
        vec![
            ("command".to_string(), command.to_string()),
            ("token".into(), token.to_string()),
            ("api-url".into(), p.url.clone()),
            ("project".into(), p.project.clone()),
            ("app".into(), app.clone()),
            ("github-token".into(), GH_TOKEN.into()),
            ("deployment-environment".into(), "preview-pr-7".into()),
        ]
    };
    step(&r, &inputs(&p.user, "deploy")).await.assert_ok();
    let comment_before = ours(&stub);
    let read_only = p.mint(&["app:read"]).await;
    let run = step(&r, &inputs(&read_only, "delete")).await;
    run.assert_failed();
    assert!(run.errors()[0].1.contains("app:write"), "{}", run.log());
    assert_eq!(p.apps().await.len(), 1, "not deleted");
    assert!(last_states(&stub).values().all(|s| s == "success"));
    assert_eq!(ours(&stub), comment_before, "the comment is not edited");
}

//! The seeds' quickstart (`seeds/001_sections/23-quickstart.md`) end to end
//! on one sandbox, each step with the crate that does it: a user token, a
//! database queried through comwit-client's SQL session, an app created and
//! deployed by `comwit-deploy`, the dashboard rolling a build back, watch
//! mode redeploying a change, and `comwit-deploy`'s rollback restoring the
//! build before it. The active build is read back through the API after
//! every step that changes it.

mod support;

use comwit_client::sql::SqlValue;
use support::{Quickstart, short};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_from_token_to_rollback_on_one_sandbox() {
    // 1. Log in: a cwt_ token that sees its project.
    let mut q = Quickstart::sign_in("quickstart").await;
    assert!(q.token.starts_with("cwt_"), "user tokens start with cwt_");
    let projects = q.projects().await;
    assert_eq!(projects.len(), 1, "{projects:?}");
    assert_eq!(projects[0].project_id, q.project);

    // 2. A database, and SQL on it with its one-time token.
    let db = q.create_database("app-db").await;
    assert!(db.database_token.expose().len() > 8, "a token is issued");
    let rows = q.store_and_read(&db, "hello from the quickstart").await;
    let greeting = SqlValue::Text("hello from the quickstart".into());
    assert_eq!(rows, [vec![SqlValue::Integer(1), greeting]]);

    // 3-4. comwit-deploy creates the app, points it at the database and
    // deploys dist/; a second deploy names the first as the previous build.
    q.build_site("<h1>v1</h1>");
    let env = format!("DATABASE_URL={}", db.database_url);
    let deploy = ["--app-name", "web", "--create-app", "--package", "dist"];
    let first = q
        .comwit_deploy(&[&deploy[..], &["--env", &env]].concat())
        .await;
    let app = first.output("app-id").to_string();
    let v1 = first.output("build-id").to_string();
    assert_eq!(q.active_build(&app).await, v1);
    assert_eq!(first.output("artifact-sha256"), q.site_sha256());
    let env_set = q.environment(&app).await;
    assert!(env_set.contains(&("DATABASE_URL".into(), db.database_url.clone())));

    q.build_site("<h1>v2</h1>");
    let second = q.comwit_deploy(&deploy).await;
    let v2 = second.output("build-id").to_string();
    assert_eq!(
        second.output("app-id"),
        app,
        "found by name, not created again"
    );
    assert_eq!(second.output("previous-build-id"), v1);
    assert_eq!(q.active_build(&app).await, v2);

    // The dashboard shows v2 active and rolls back to v1 through its dialog.
    q.dashboard_builds("web", &v2).await;
    let listed = q.dash.screen();
    assert!(listed.contains(&format!("│  {}", short(&v1))), "{listed}");
    let dialog = q.ask_rollback_to(&v1);
    assert!(dialog.contains("Roll web back"), "{dialog}");
    assert!(dialog.contains(&format!("from {v2} (active)")), "{dialog}");
    assert!(dialog.contains(&format!("to   {v1}?")), "{dialog}");
    q.confirm_rollback().await;
    assert_eq!(q.active_build(&app).await, v1, "the API agrees");
    q.dash.wait_for(&format!("● {}", short(&v1))).await;

    // Watch mode: one change to dist/ is exactly one new build of it.
    let mut watch = q.watch(&app).await;
    q.build_site("<h1>v3, from watch mode</h1>");
    watch.deployed().await;
    let deploys = watch.stop().await;
    assert_eq!(deploys.len(), 1, "one deploy for one change: {deploys:#?}");
    let v3 = &deploys[0];
    assert_eq!(v3.sha256, q.site_sha256());
    assert_eq!(v3.previous_build_id.as_deref(), Some(v1.as_str()));
    let builds = q.builds(&app).await;
    assert_eq!(builds.len(), 3, "{builds:?}");
    let newest = builds.iter().find(|b| b.build_id == v3.build_id).unwrap();
    assert_eq!(newest.sha256.as_deref(), Some(v3.sha256.as_str()));
    assert_eq!(q.active_build(&app).await, v3.build_id);

    // comwit-deploy's rollback restores the build active before watch mode's.
    let undo = q
        .comwit_deploy(&["--command", "rollback", "--app", &app])
        .await;
    assert_eq!(undo.output("build-id"), v1);
    assert_eq!(undo.output("previous-build-id"), v3.build_id);
    assert_eq!(q.active_build(&app).await, v1);
    assert_eq!(q.builds(&app).await.len(), 3, "a rollback uploads nothing");
}

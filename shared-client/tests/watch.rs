//! Watch mode against an in-process sandbox: bursts, overlap, unchanged
//! artifacts, a recreated root, ignored trees and a failing build.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use comwit_client::Client;
use comwit_client::watch::{Control, WatchEvent, WatchOptions};
use comwit_e2e::operator::Operator;
use comwit_e2e::watch::{self, Watching};
use comwit_sandbox::Sandbox;

const DEBOUNCE: Duration = Duration::from_millis(300);

/// A sandbox app and watch mode on a temp dir's `dist/`; the events are
/// collected by `comwit_e2e::watch` (`s.until`, `s.seen`, …).
struct Session {
    sandbox: Sandbox,
    client: Client,
    project: String,
    app: String,
    dir: tempfile::TempDir,
    watch: Watching,
}

impl Deref for Session {
    type Target = Watching;
    fn deref(&self) -> &Watching {
        &self.watch
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Watching {
        &mut self.watch
    }
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

impl Session {
    /// A sandbox app and a `dist/` with one page; `configure` adjusts the
    /// options (paths are relative to the temp dir).
    async fn start(configure: impl FnOnce(&Path, &mut WatchOptions)) -> Self {
        let sandbox = Sandbox::builder().start().await.unwrap();
        let info = sandbox.info().clone();
        let client = Client::builder()
            .base_url(&info.api_url)
            .token(info.user_token.as_str())
            .build()
            .unwrap();
        let app = client
            .apps(&info.project_id)
            .create("watched")
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("dist/index.html"), "<h1>v1</h1>");
        let mut options = watch::options(&info.project_id, &app.app_id, dir.path().join("dist"));
        options.debounce = DEBOUNCE;
        configure(dir.path(), &mut options);
        Self {
            watch: Watching::start(client.clone(), options).await,
            sandbox,
            client,
            project: info.project_id,
            app: app.app_id,
            dir,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    async fn builds(&self) -> usize {
        self.client
            .apps(&self.project)
            .app(&self.app)
            .builds()
            .await
            .unwrap()
            .len()
    }
}

fn deployed(e: &WatchEvent) -> bool {
    matches!(e, WatchEvent::Deployed(_))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_thousand_writes_deploys_once() {
    let mut s = Session::start(|_, _| {}).await;
    for i in 0..1000 {
        write(
            &s.path(&format!("dist/assets/f{}.js", i % 50)),
            &format!("v{i}"),
        );
    }
    s.until(deployed).await;
    s.quiet_for(DEBOUNCE * 4).await;
    assert_eq!(s.deploys(), 1, "{:#?}", s.seen);
    assert_eq!(s.builds().await, 1);
    let _ = s.control.send(Control::Stop);
    s.until(|e| *e == WatchEvent::Stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_during_a_deploy_queue_exactly_one_follow_up() {
    let mut s = Session::start(|_, _| {}).await;
    let info = s.sandbox.info().clone();
    let slow = serde_json::json!({"slow_routes": [{
        "path_prefix": format!("/v1/projects/{}/apps/{}/deployments", s.project, s.app),
        "delay_ms": 2500
    }]});
    Operator::new(&info.api_url, &info.operator_token)
        .put("/_sandbox/faults", slow)
        .await;

    write(&s.path("dist/index.html"), "<h1>v2</h1>");
    s.until(|e| *e == WatchEvent::Phase(comwit_client::watch::Phase::Uploading))
        .await;
    // Two separate batches while the first upload is held up.
    write(&s.path("dist/a.html"), "a");
    s.until(|e| *e == WatchEvent::Queued).await;
    write(&s.path("dist/b.html"), "b");
    s.quiet_for(DEBOUNCE * 2).await;
    assert_eq!(s.deploys(), 0, "still the first upload");
    s.until(deployed).await;
    s.until(deployed).await;
    s.quiet_for(DEBOUNCE * 4).await;
    assert_eq!(
        s.deploys(),
        2,
        "one deploy and one follow-up: {:#?}",
        s.seen
    );
    assert_eq!(s.count(|e| *e == WatchEvent::Queued), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn touching_without_a_content_change_deploys_nothing() {
    let mut s = Session::start(|_, _| {}).await;
    write(&s.path("dist/index.html"), "<h1>v2</h1>");
    s.until(deployed).await;
    let f = std::fs::File::options()
        .write(true)
        .open(s.path("dist/index.html"))
        .unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    drop(f);
    let skipped = s.until(|e| matches!(e, WatchEvent::Skipped { .. })).await;
    assert!(
        matches!(&skipped, WatchEvent::Skipped { reason } if reason.contains("unchanged")),
        "{skipped:?}"
    );
    assert_eq!(s.deploys(), 1);
    assert_eq!(s.builds().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_and_recreated_root_is_watched_again() {
    let mut s = Session::start(|_, _| {}).await;
    std::fs::remove_dir_all(s.path("dist")).unwrap();
    s.until(|e| matches!(e, WatchEvent::Notice(n) if n.contains("removed")))
        .await;
    write(&s.path("dist/index.html"), "<h1>rebuilt</h1>");
    s.until(|e| matches!(e, WatchEvent::Notice(n) if n.contains("back")))
        .await;
    s.until(deployed).await;
    // And the new tree is watched: a later change deploys too.
    tokio::time::sleep(DEBOUNCE).await;
    write(&s.path("dist/index.html"), "<h1>rebuilt twice</h1>");
    s.until(deployed).await;
    assert_eq!(s.builds().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_under_ignored_paths_deploy_nothing() {
    let mut s = Session::start(|dir, o| {
        write(&dir.join("dist/.gitignore"), "*.log\ncache/\n");
        std::fs::create_dir_all(dir.join("dist/node_modules/pkg")).unwrap();
        o.ignore = vec!["*.map".into()];
    })
    .await;
    let started = Instant::now();
    write(&s.path("dist/node_modules/pkg/index.js"), "x");
    write(&s.path("dist/node_modules/new/index.js"), "x");
    write(&s.path("dist/.git/HEAD"), "ref");
    write(&s.path("dist/target/out.o"), "o");
    write(&s.path("dist/debug.log"), "log");
    write(&s.path("dist/cache/blob"), "c");
    write(&s.path("dist/app.js.map"), "{}");
    s.quiet_for(DEBOUNCE * 5).await;
    assert_eq!(
        s.count(|e| matches!(e, WatchEvent::Changed { .. })),
        0,
        "after {:?}: {:#?}",
        started.elapsed(),
        s.seen
    );
    assert_eq!(s.builds().await, 0);
    // A real change still deploys.
    write(&s.path("dist/index.html"), "<h1>v2</h1>");
    s.until(deployed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_build_is_reported_and_the_next_good_change_deploys() {
    let mut s = Session::start(|dir, o| {
        write(&dir.join("src/index.html"), "<h1>src</h1>");
        o.source = Some(dir.join("src"));
        o.package = dir.join("out");
        o.build = Some(
            "if [ -e fail ]; then echo 'boom: remove fail' >&2; exit 3; fi; \
             mkdir -p ../out && cp index.html ../out/"
                .into(),
        );
    })
    .await;
    write(&s.path("src/fail"), "");
    write(&s.path("src/index.html"), "<h1>broken</h1>");
    let failed = s.until(|e| matches!(e, WatchEvent::Failed { .. })).await;
    assert!(
        matches!(&failed, WatchEvent::Failed { stage: "build", error } if error.contains("exit status: 3")),
        "{failed:?}"
    );
    assert!(
        s.count(|e| matches!(e, WatchEvent::BuildOutput(l) if l.contains("boom"))) == 1,
        "the build's output is passed on: {:#?}",
        s.seen
    );
    assert_eq!(s.deploys(), 0);

    std::fs::remove_file(s.path("src/fail")).unwrap();
    write(&s.path("src/index.html"), "<h1>fixed</h1>");
    s.until(deployed).await;
    assert_eq!(s.builds().await, 1);
}

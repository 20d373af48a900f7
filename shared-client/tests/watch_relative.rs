//! Watch mode with a relative package path (`dist`, `./dist`), as typed on
//! the command line or taken from the default. Its own test binary: it
//! changes the process's current directory, which tests sharing a process
//! must not see.

use std::time::Duration;

use comwit_client::Client;
use comwit_client::watch::{WatchEvent, run};
use comwit_sandbox::Sandbox;
use tokio::sync::mpsc::unbounded_channel;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relative_package_is_watched_and_deployed() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let info = sandbox.info().clone();
    let client = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    for (i, package) in ["dist", "./dist"].into_iter().enumerate() {
        let app = client
            .apps(&info.project_id)
            .create(&format!("rel-{i}"))
            .await
            .unwrap();
        std::fs::create_dir_all("dist").unwrap();
        std::fs::write("dist/index.html", format!("<h1>{i}</h1>")).unwrap();
        let mut options = comwit_e2e::watch::options(&info.project_id, &app.app_id, package);
        options.debounce = Duration::from_millis(200);
        let (tx, mut events) = unbounded_channel();
        let (_control, rx) = unbounded_channel();
        tokio::spawn(run(client.clone(), options, tx, rx));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        let mut wrote = false;
        loop {
            let event = tokio::time::timeout_at(deadline, events.recv())
                .await
                .unwrap_or_else(|_| panic!("{package}: no deploy; seen {seen:#?}"))
                .expect("the watcher runs");
            if let WatchEvent::Watching { root, .. } = &event {
                assert!(root.is_absolute(), "{package}: {}", root.display());
            }
            if matches!(event, WatchEvent::Phase(_)) && !wrote {
                std::fs::write("dist/index.html", format!("<h1>{i} changed</h1>")).unwrap();
                wrote = true;
            }
            if let WatchEvent::Deployed(record) = &event {
                let builds = client
                    .apps(&info.project_id)
                    .app(&app.app_id)
                    .builds()
                    .await;
                assert!(
                    builds
                        .unwrap()
                        .iter()
                        .any(|b| b.build_id == record.build_id),
                    "{package}"
                );
                break;
            }
            seen.push(event);
        }
    }
}

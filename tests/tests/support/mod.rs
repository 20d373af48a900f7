//! The seeds' quickstart on one in-process sandbox, step by step: each
//! helper does one thing a user of the quickstart does, with the tool the
//! workspace gives for it (the API client, `comwit-deploy`, the dashboard,
//! watch mode), and returns what the flow's assertions read.

use std::path::PathBuf;

use comwit_client::Client;
use comwit_client::models::{Build, CreatedDatabase, Project};
use comwit_client::package::{PackOptions, pack_to_file};
use comwit_client::sql::{SqlSession, SqlValue};
use comwit_e2e::dashboard::Harness;
use comwit_e2e::operator::Operator;
use comwit_e2e::runner::{Run, Runner};
use comwit_e2e::watch::{self, Watching};
use comwit_sandbox::{LIVE_SCOPES, Sandbox};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

/// This package's `comwit-deploy` (src/bin/comwit-deploy-e2e.rs): the
/// action's `run()` as a process of its own, started by the runner with a
/// clean environment, rather than in this process, whose environment (on a
/// CI runner, `GITHUB_ACTIONS`, `GITHUB_OUTPUT`) the action would read.
const COMWIT_DEPLOY: &str = env!("CARGO_BIN_EXE_comwit-deploy-e2e");

pub struct Quickstart {
    /// The dashboard as the user; it owns (and keeps running) the sandbox.
    pub dash: Harness,
    /// The API as the user.
    pub client: Client,
    pub token: String,
    pub project: String,
    pub project_name: String,
    /// Where `comwit-deploy` runs: the site is `dist/` in its workspace.
    pub runner: Runner,
}

impl Quickstart {
    /// A sandbox with a project, and a `cwt_` token for a new user who is
    /// its member (the console's part, through the sandbox's operator
    /// routes); the dashboard opened with that token.
    pub async fn sign_in(project_name: &str) -> Self {
        let sandbox = Sandbox::builder().start().await.expect("sandbox starts");
        let mut info = sandbox.info().clone();
        let operator = Operator::new(&info.api_url, &info.operator_token);
        let created = operator
            .post("/_sandbox/projects", json!({ "name": project_name }))
            .await;
        let project = created["project"]["project_id"]
            .as_str()
            .unwrap()
            .to_string();
        let minted = operator
            .post(
                "/_sandbox/tokens",
                json!({ "scopes": LIVE_SCOPES, "projects": [project] }),
            )
            .await;
        info.user_token = minted["token"].as_str().expect("a token").to_string();
        let client = Client::builder()
            .base_url(&info.api_url)
            .token(info.user_token.as_str())
            .build()
            .unwrap();
        let session = comwit_tui::session::sandbox_session(&info, false, false).unwrap();
        Self {
            dash: Harness::on(sandbox, session),
            client,
            token: info.user_token,
            project,
            project_name: project_name.to_string(),
            runner: Runner::new(COMWIT_DEPLOY),
        }
    }

    /// `comwit projects list`.
    pub async fn projects(&self) -> Vec<Project> {
        self.client.projects().list().await.unwrap()
    }

    /// `comwit databases create --name <name>`.
    pub async fn create_database(&self, name: &str) -> CreatedDatabase {
        self.client
            .databases(&self.project)
            .create(name)
            .await
            .unwrap()
    }

    /// Creates a table through the data endpoint with the database's
    /// one-time token, writes `greeting` to it and reads it back.
    pub async fn store_and_read(&self, db: &CreatedDatabase, greeting: &str) -> Vec<Vec<SqlValue>> {
        let mut sql = SqlSession::with_token(&db.database_url, db.database_token.clone());
        sql.script("CREATE TABLE greetings (id INTEGER PRIMARY KEY, text TEXT NOT NULL);")
            .await
            .unwrap();
        sql.execute(
            "INSERT INTO greetings (text) VALUES (?)",
            &[SqlValue::Text(greeting.into())],
        )
        .await
        .unwrap();
        let rows = sql
            .execute("SELECT id, text FROM greetings", &[])
            .await
            .unwrap()
            .rows;
        sql.close().await.unwrap();
        rows
    }

    /// The site's build output, `dist/`, with one page.
    pub fn dist(&self) -> PathBuf {
        self.runner.workspace.join("dist")
    }

    /// Writes the site's page.
    pub fn build_site(&self, page: &str) {
        self.runner
            .files("dist", &[("index.html", page.as_bytes())]);
    }

    /// The sha256 `dist/` packs to (the packing every front end shares).
    pub fn site_sha256(&self) -> String {
        let out = self.runner.dir.path().join("expected.tar.zst");
        pack_to_file(&self.dist(), &out, &PackOptions::new())
            .unwrap()
            .sha256
    }

    /// `comwit-deploy` with the user's token and project and `args`, as a
    /// CI command line (outside GitHub Actions); it must succeed.
    pub async fn comwit_deploy(&self, args: &[&str]) -> Run {
        let mut argv = vec!["--token", &self.token, "--project", &self.project];
        let url = self.client.base_url().to_string();
        argv.extend(["--api-url", url.as_str()]);
        argv.extend(args);
        let run = self.runner.cli(&argv).await;
        run.assert_ok();
        assert!(!run.stdout.contains(&self.token), "token printed");
        run
    }

    /// The app's active build, through the API.
    pub async fn active_build(&self, app: &str) -> String {
        let app = self.client.apps(&self.project).get(app).await.unwrap();
        app.active_build_id.unwrap_or_default()
    }

    /// The app's builds, through the API.
    pub async fn builds(&self, app: &str) -> Vec<Build> {
        let apps = self.client.apps(&self.project);
        apps.app(app).builds().await.unwrap()
    }

    /// The app's environment as `(key, value)` pairs, through the API.
    pub async fn environment(&self, app: &str) -> Vec<(String, String)> {
        let apps = self.client.apps(&self.project);
        let vars = apps.app(app).env().await.unwrap();
        vars.into_iter().map(|v| (v.key, v.value)).collect()
    }

    /// Opens project › apps › `app` › builds in the dashboard and waits
    /// until its table shows `build` as the active one.
    pub async fn dashboard_builds(&mut self, app: &str, build: &str) {
        let project = self.project_name.clone();
        self.dash.app_view(&project, app, "builds").await;
        self.dash.wait_for(&format!("● {}", short(build))).await;
    }

    /// In the open builds view: filters to `build`, presses `b` and
    /// returns the confirm dialog's text (the dialog stays open).
    pub fn ask_rollback_to(&mut self, build: &str) -> String {
        self.dash.key(KeyCode::Char('/'));
        self.dash.chars(build);
        self.dash.key(KeyCode::Enter);
        self.dash.key(KeyCode::Char('b'));
        self.dash.screen()
    }

    /// Confirms the open dialog and waits for the dashboard's toast.
    pub async fn confirm_rollback(&mut self) {
        self.dash.key(KeyCode::Char('y'));
        self.dash.toast("rolled back").await;
    }

    /// Starts watch mode on `dist/` for `app` and waits until it watches.
    pub async fn watch(&self, app: &str) -> Watching {
        let options = watch::options(&self.project, app, self.dist());
        Watching::start(self.client.clone(), options).await
    }
}

/// A build id as the dashboard's table shows it.
pub fn short(build: &str) -> &str {
    &build[..build.len().min(14)]
}

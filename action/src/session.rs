//! One run's reporting: the GitHub Deployment (created before the upload,
//! finished with success or failure), then the report phase — outputs, job
//! summary, deployment status and the pull-request comment — for success
//! and failure alike.

use comwit_client::Secret;

use crate::github::{Event, Runner};
use crate::inputs::Inputs;
use crate::outcome::{Kind, Outcome};
use crate::report::{CommentAction, GitHub, NewDeployment, State};

pub struct Session<'a> {
    pub runner: &'a Runner,
    pub inputs: &'a Inputs,
    pub event: &'a Event,
    github: Option<GitHub>,
    deployment: Option<u64>,
}

impl<'a> Session<'a> {
    pub fn new(runner: &'a Runner, inputs: &'a Inputs, event: &'a Event) -> Self {
        let github = inputs
            .github_token
            .as_ref()
            .and_then(|token| match &event.repository {
                None => {
                    runner.warning(
                        "Not reporting to GitHub",
                        "github-token is set but GITHUB_REPOSITORY is not (not running on GitHub Actions?); \
                         no deployment or pull request comment is made",
                    );
                    None
                }
                Some(repo) => {
                    let api = std::env::var("GITHUB_API_URL").ok();
                    match GitHub::new(&Secret::new(token.clone()), api.as_deref(), repo) {
                        Ok(gh) => Some(gh),
                        Err(e) => {
                            runner.warning("Not reporting to GitHub", &e);
                            None
                        }
                    }
                }
            });
        Self {
            runner,
            inputs,
            event,
            github,
            deployment: None,
        }
    }

    fn environment(&self) -> &str {
        &self.inputs.deployment_environment
    }

    /// Creates the GitHub Deployment and marks it in progress. A failure
    /// here is a warning: the Comwit deploy goes on.
    pub async fn start_deployment(&mut self, outcome: &Outcome) {
        let (Some(gh), Some(sha)) = (&self.github, &self.event.sha) else {
            return;
        };
        let app = outcome
            .app_name
            .clone()
            .or_else(|| outcome.app_id.clone())
            .unwrap_or_default();
        let description = match outcome.kind {
            Kind::Rollback => format!("Comwit rollback of {app}"),
            _ => format!("Comwit deploy of {app}"),
        };
        let env = self.environment().to_string();
        let d = NewDeployment {
            sha,
            environment: &env,
            description: &description,
            transient: self.event.pull_request.is_some(),
            production: self.event.pull_request.is_none() && env == "production",
            payload: serde_json::json!({
                "project_id": outcome.project,
                "app_id": outcome.app_id,
            }),
        };
        let id = match gh.create_deployment(&d).await {
            Ok(id) => id,
            Err(e) => {
                self.runner.warning("GitHub deployment not created", &e);
                return;
            }
        };
        self.runner.info(&format!(
            "GitHub deployment {id} for environment {env}: in progress"
        ));
        if let Err(e) = gh
            .set_status(
                id,
                State::InProgress,
                &env,
                None,
                self.event.run_url.as_deref(),
                &description,
            )
            .await
        {
            self.runner.warning("GitHub deployment status not set", &e);
        }
        self.deployment = Some(id);
    }

    /// `command: delete`: marks every Deployment of the environment
    /// `inactive`, so GitHub shows no live preview. A failure here is a
    /// warning: the app is deleted either way.
    pub async fn retire_deployments(&self) {
        let Some(gh) = &self.github else {
            return;
        };
        let env = self.environment();
        let ids = match gh.deployments(env).await {
            Ok(ids) => ids,
            Err(e) => {
                self.runner
                    .warning("GitHub deployments not marked inactive", &e);
                return;
            }
        };
        let description = "Comwit app deleted";
        let log = self.event.run_url.as_deref();
        for id in &ids {
            if let Err(e) = gh
                .set_status(*id, State::Inactive, env, None, log, description)
                .await
            {
                self.runner
                    .warning("GitHub deployment not marked inactive", &e);
                return;
            }
        }
        self.runner.info(&format!(
            "GitHub environment {env}: {} deployment(s) marked inactive",
            ids.len()
        ));
    }

    /// The report phase. Returns the process exit code (0: success).
    pub async fn finish(&self, mut outcome: Outcome) -> u8 {
        if let Some(f) = &outcome.failure {
            self.runner.error(&f.title, &f.message);
        }
        self.runner.group("report");
        if outcome.sha.is_none() {
            outcome.sha = self.event.sha.clone();
        }
        let mut ok = outcome.failure.is_none();
        for (name, value) in outcome.outputs() {
            if let Err(e) = self.runner.set_output(name, &value) {
                let f = crate::failure::Failure::from(e);
                self.runner.error(&f.title, &f.message);
                ok = false;
                break;
            }
        }
        if self.inputs.summary
            && let Err(e) = self.runner.append_summary(&outcome.markdown())
        {
            let f = crate::failure::Failure::from(e);
            self.runner.error(&f.title, &f.message);
            ok = false;
        }
        self.report_deployment(&outcome).await;
        self.comment(&outcome).await;
        if ok {
            match (&outcome.build_id, outcome.url()) {
                (Some(b), Some(url)) => self.runner.info(&format!("build {b} is live at {url}")),
                (Some(b), None) => self.runner.info(&format!("build {b} is active")),
                _ => {}
            }
            if let Some(hint) = outcome.rollback_hint() {
                self.runner.info(&hint);
            }
        }
        self.runner.end_group();
        match (&outcome.failure, ok) {
            (Some(f), _) => f.exit_code,
            (None, true) => 0,
            (None, false) => crate::failure::exit::FAILED,
        }
    }

    async fn report_deployment(&self, outcome: &Outcome) {
        let (Some(gh), Some(id)) = (&self.github, self.deployment) else {
            return;
        };
        let (state, description) = match &outcome.failure {
            Some(f) => (State::Failure, f.title.clone()),
            None => (
                State::Success,
                format!(
                    "build {}",
                    outcome.build_id.as_deref().unwrap_or("deployed")
                ),
            ),
        };
        let url = outcome.url();
        match gh
            .set_status(
                id,
                state,
                self.environment(),
                url.as_deref(),
                self.event.run_url.as_deref(),
                &description,
            )
            .await
        {
            Ok(()) => self.runner.info(&format!(
                "GitHub deployment {id}: {}",
                if outcome.failure.is_some() {
                    "failure"
                } else {
                    "success"
                }
            )),
            Err(e) => self.runner.warning("GitHub deployment status not set", &e),
        }
    }

    async fn comment(&self, outcome: &Outcome) {
        let (Some(gh), Some(pr)) = (&self.github, &self.event.pull_request) else {
            return;
        };
        if !self.inputs.pr_comment || outcome.kind == Kind::DryRun {
            return;
        }
        // Keyed by what the workflow configured (stable from run to run,
        // whether or not this run got as far as resolving the app).
        let Some(app) = self
            .inputs
            .app
            .clone()
            .or_else(|| self.inputs.app_name.clone())
        else {
            return;
        };
        let marker = format!(
            "<!-- comwit-deploy:{}/{app} -->",
            self.inputs.project.as_deref().unwrap_or("")
        );
        let body = format!(
            "{marker}\n{}\n<sub>Updated by comwit-deploy on every run of this pull request.</sub>\n",
            outcome.markdown()
        );
        if outcome.kind == Kind::Delete {
            // Only the deploy's own comment is edited, and only once the
            // app is gone: a failed delete leaves the preview (and the
            // comment describing it) in place, and a pull request that
            // never had a preview gets no comment about removing one.
            if outcome.failure.is_some() {
                return;
            }
            match gh.edit_comment(pr.number, &marker, &body).await {
                Ok(Some(id)) => self.runner.info(&format!(
                    "pull request #{}: comment {id} says the preview was removed",
                    pr.number
                )),
                Ok(None) => self.runner.info(&format!(
                    "pull request #{}: no comment of this app to edit",
                    pr.number
                )),
                Err(e) => self.runner.warning("Pull request comment not edited", &e),
            }
            return;
        }
        self.pr_comment(&marker, &body).await;
    }

    /// Writes the pull request's comment that starts with `marker`:
    /// created, or updated in place. Outside a pull request, without a
    /// GitHub token or with `pr-comment: false`, nothing. A failure is a
    /// warning: the comment reports the run, it is not the run.
    pub async fn pr_comment(&self, marker: &str, body: &str) {
        let (Some(gh), Some(pr)) = (&self.github, &self.event.pull_request) else {
            return;
        };
        if !self.inputs.pr_comment {
            return;
        }
        match gh.upsert_comment(pr.number, marker, body).await {
            Ok(CommentAction::Created(id)) => self.runner.info(&format!(
                "pull request #{}: comment {id} created",
                pr.number
            )),
            Ok(CommentAction::Updated(id)) => self.runner.info(&format!(
                "pull request #{}: comment {id} updated",
                pr.number
            )),
            Err(e) => self.runner.warning("Pull request comment not written", &e),
        }
    }
}

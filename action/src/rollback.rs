//! `command: rollback`: re-activates `build-id`, or the build active before
//! the current one, without uploading anything.

use std::time::Instant;

use crate::failure::Failure;
use crate::github::{Event, Runner};
use crate::inputs::Inputs;
use crate::outcome::{Kind, Outcome};
use crate::resolve;
use crate::session::Session;

pub async fn run(inputs: &Inputs, event: &Event, runner: &Runner) -> u8 {
    let mut outcome = Outcome::new(Kind::Rollback);
    outcome.app_name = inputs.app_name.clone();
    outcome.app_id = inputs.app.clone();
    let mut session = Session::new(runner, inputs, event);
    let result = steps(inputs, &mut session, &mut outcome).await;
    outcome.failure = result.err();
    session.finish(outcome).await
}

async fn steps(
    inputs: &Inputs,
    session: &mut Session<'_>,
    outcome: &mut Outcome,
) -> Result<(), Failure> {
    let runner = session.runner;
    let started = Instant::now();

    runner.group("resolve");
    let t = Instant::now();
    let (client, _token, project) = resolve::target(inputs, runner, outcome).await?;
    let (app, _) = resolve::app(&client, &project, inputs, false).await?;
    outcome.app_id = Some(app.app_id.clone());
    outcome.app_name = Some(app.name.clone()).filter(|n| !n.is_empty());
    let current = app.active_build().map(str::to_string);
    runner.info(&format!(
        "project {project}, app {} ({}), active build {}",
        app.name,
        app.app_id,
        current.as_deref().unwrap_or("none")
    ));
    if current.is_none() {
        return Err(Failure::new(
            "Nothing to roll back",
            format!("app {} has no active build — deploy it first", app.app_id),
        ));
    }
    outcome.timings.push(("resolve", t.elapsed()));

    session.start_deployment(outcome).await;

    runner.group("rollback");
    let t = Instant::now();
    let handle = client.apps(&project).app(&app.app_id);
    let target = inputs.build_id.as_deref();
    let done = handle.rollback(target).await.map_err(|e| {
        let what = match target {
            Some(b) => format!("rolling back to build {b}"),
            None => "rolling back to the previous build".to_string(),
        };
        let mut f = Failure::api(&what, &e);
        if e.is_not_found() || e.is_bad_request() || e.is_conflict() {
            f.message.push_str(
                " — pass build-id with one of the app's builds (the job summary of each deploy names its build)",
            );
        }
        f
    })?;
    runner.info(&format!(
        "active build {} (was {})",
        done.active_build_id,
        done.previous_build_id
            .as_deref()
            .or(current.as_deref())
            .unwrap_or("none")
    ));
    outcome.build_id = Some(done.active_build_id.clone());
    outcome.previous_build_id = done.previous_build_id.clone().or(current);
    // The hosts the re-activated build serves.
    if let Ok(builds) = handle.builds().await
        && let Some(b) = builds.iter().find(|b| b.build_id == done.active_build_id)
    {
        outcome.hosts = b.hosts.clone();
        outcome.artifact = b.sha256.clone().map(|sha256| crate::outcome::Artifact {
            sha256,
            size: b.size_bytes.unwrap_or(0),
            path: None,
        });
    }
    outcome.timings.push(("rollback", t.elapsed()));
    outcome.timings.push(("total", started.elapsed()));
    Ok(())
}

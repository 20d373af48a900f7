//! `command: delete`: the end of a preview's life. Deletes the app (by id
//! or name), marks the GitHub Deployments of `deployment-environment`
//! inactive, edits the pull request comment the deploys kept to say the
//! preview was removed, and outputs the DNS records left to remove at an
//! external provider.
//!
//! An app already gone is a success: the contract documents app delete as
//! re-entrant (safe to repeat), so a re-run of a closed pull request's job,
//! or a preview that was never deployed, finds nothing to do and says so.

use std::time::Instant;

use comwit_client::Client;

use crate::failure::Failure;
use crate::github::{Event, Runner};
use crate::inputs::Inputs;
use crate::outcome::{Kind, Outcome, Removal};
use crate::resolve;
use crate::session::Session;

pub async fn run(inputs: &Inputs, event: &Event, runner: &Runner) -> u8 {
    let mut outcome = Outcome::new(Kind::Delete);
    outcome.app_name = inputs.app_name.clone();
    outcome.app_id = inputs.app.clone();
    let session = Session::new(runner, inputs, event);
    let result = steps(inputs, runner, &mut outcome).await;
    outcome.failure = result.err();
    if outcome.failure.is_none() {
        session.retire_deployments().await;
    }
    session.finish(outcome).await
}

async fn steps(inputs: &Inputs, runner: &Runner, outcome: &mut Outcome) -> Result<(), Failure> {
    let started = Instant::now();
    runner.group("resolve");
    let t = Instant::now();
    let (client, _token, project) = resolve::target(inputs, runner, outcome).await?;
    let app_id = find(&client, &project, inputs).await?;
    outcome.timings.push(("resolve", t.elapsed()));

    runner.group("delete");
    let t = Instant::now();
    let removal = match app_id {
        None => {
            let name = inputs.app_name.as_deref().unwrap_or_default();
            gone(
                runner,
                &format!("project {project} has no app named {name:?}"),
            )
        }
        Some(id) => {
            outcome.app_id = Some(id.clone());
            delete(&client, &project, &id, runner).await?
        }
    };
    for r in &removal.external_dns {
        runner.warning(
            "DNS record to remove",
            &format!(
                "{r} — remove it at your DNS provider (the dns-cleanup output lists them all)"
            ),
        );
    }
    outcome.removal = Some(removal);
    outcome.timings.push(("delete", t.elapsed()));
    outcome.timings.push(("total", started.elapsed()));
    Ok(())
}

/// The app's id: the `app` input as given (the delete itself tells whether
/// it exists), else the live app named `app-name`, `None` when there is no
/// such app any more.
async fn find(client: &Client, project: &str, inputs: &Inputs) -> Result<Option<String>, Failure> {
    if let Some(id) = &inputs.app {
        return Ok(Some(id.clone()));
    }
    let Some(name) = &inputs.app_name else {
        return Err(Failure::new(
            "No app",
            "neither app nor app-name is set — pass the app (an app id) or app-name of the app to delete",
        ));
    };
    let apps = client
        .apps(project)
        .list()
        .await
        .map_err(|e| Failure::api(&format!("looking up app {name:?}"), &e))?;
    Ok(apps.into_iter().find(|a| &a.name == name).map(|a| a.app_id))
}

/// Deletes app `id`. A 404, or a report saying nothing was deleted, means
/// the app was already gone.
async fn delete(
    client: &Client,
    project: &str,
    id: &str,
    runner: &Runner,
) -> Result<Removal, Failure> {
    let report = match client.apps(project).app(id).delete().await {
        Ok(report) => report,
        // The documented 404 for an app that does not exist: an earlier
        // delete removed it (or it never existed — the id is echoed so a
        // typo shows).
        Err(e) if e.is_not_found() => {
            return Ok(gone(runner, &format!("project {project} has no app {id}")));
        }
        Err(e) => return Err(Failure::api(&format!("deleting app {id}"), &e)),
    };
    if !report.deleted {
        return Ok(gone(
            runner,
            &format!("app {id} was deleted before this run"),
        ));
    }
    let c = &report.cleanup;
    runner.info(&format!(
        "deleted app {id}: {} build artifact(s), {} environment key(s), {} hostname(s), {} managed DNS record(s)",
        c.build_artifacts,
        c.env_keys,
        c.hostnames.len(),
        c.managed_dns_records
    ));
    Ok(Removal {
        already_gone: false,
        cleanup: report.cleanup,
        external_dns: report.external_dns_cleanup,
    })
}

fn gone(runner: &Runner, why: &str) -> Removal {
    runner.notice(
        "App already deleted",
        &format!("{why} — nothing to delete (app delete is re-entrant)"),
    );
    Removal {
        already_gone: true,
        ..Removal::default()
    }
}

//! The resolve phase: the token, the client, the project and the app.

use comwit_client::models::App;
use comwit_client::{Client, Secret, TokenKind};

use crate::failure::{Failure, TOKENS_URL};
use crate::github::Runner;
use crate::inputs::Inputs;
use crate::outcome::Outcome;

pub const USER_AGENT: &str = concat!("comwit-deploy/", env!("CARGO_PKG_VERSION"));

/// Checks the token is a `cwt_` user token and builds the client.
pub fn client(inputs: &Inputs) -> Result<(Client, Secret), Failure> {
    let token = inputs.token.clone().map(Secret::new).ok_or_else(|| {
        Failure::new(
            "No Comwit token",
            format!(
                "the token input is empty — create a token with app:read, app:write and app:deploy at {TOKENS_URL}, \
                 store it as a repository secret and pass it: `token: ${{{{ secrets.COMWIT_TOKEN }}}}`"
            ),
        )
    })?;
    if token.kind() == TokenKind::Operator {
        return Err(Failure::new(
            "Operator token refused",
            format!(
                "the token is not a cwt_ user token — it looks like the platform's operator token, which bypasses every \
                 scope and must never sit in CI; create a scoped user token (app:read, app:write, app:deploy) at \
                 {TOKENS_URL} and pass that instead"
            ),
        ));
    }
    let mut builder = Client::builder()
        .token(token.clone())
        .user_agent(USER_AGENT)
        .deploy_grace(std::time::Duration::from_secs(inputs.deploy_grace));
    if let Some(url) = &inputs.api_url {
        builder = builder.base_url(url.clone());
    }
    let client = builder
        .build()
        .map_err(|e| Failure::new("Bad api-url", e.to_string()))?;
    Ok((client, token))
}

/// The `resolve` phase's start, shared by every command: the client (and
/// the token it holds), named in the log, and the project, recorded.
pub async fn target(
    inputs: &Inputs,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<(Client, Secret, String), Failure> {
    let (client, token) = client(inputs)?;
    runner.info(&format!("API {}", client.base_url()));
    let project = project(&client, inputs).await?;
    outcome.project = Some(project.clone());
    Ok((client, token, project))
}

/// The project input, else `COMWIT_PROJECT` (folded in by the inputs),
/// else the only project the token can see.
pub async fn project(client: &Client, inputs: &Inputs) -> Result<String, Failure> {
    if let Some(p) = &inputs.project {
        return Ok(p.clone());
    }
    let projects = client
        .projects()
        .list()
        .await
        .map_err(|e| Failure::api("finding the project (no project input given)", &e))?;
    match projects.as_slice() {
        [one] => Ok(one.project_id.clone()),
        [] => Err(Failure::new(
            "No project",
            "the token is not a member of any project — pass the project input, with a token that is a member of it",
        )),
        many => Err(Failure::new(
            "Which project?",
            format!(
                "the token sees {} projects ({}) — pass the project input",
                many.len(),
                many.iter()
                    .map(|p| p.project_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The app by id, or by name (created when allowed). Returns the app and
/// whether this run created it.
pub async fn app(
    client: &Client,
    project: &str,
    inputs: &Inputs,
    may_create: bool,
) -> Result<(App, bool), Failure> {
    let apps = client.apps(project);
    if let Some(id) = &inputs.app {
        return match apps.get(id).await {
            Ok(app) => Ok((app, false)),
            Err(e) if e.is_not_found() => Err(Failure::new(
                "App not found",
                format!(
                    "project {project} has no app {id} — check the app input (an app id), or pass app-name with create-app: true"
                ),
            )),
            Err(e) => Err(Failure::api(&format!("looking up app {id}"), &e)),
        };
    }
    let Some(name) = &inputs.app_name else {
        return Err(Failure::new(
            "No app",
            "neither app nor app-name is set — pass app (an app id) or app-name (with create-app: true to create it)",
        ));
    };
    let found = apps
        .list()
        .await
        .map_err(|e| Failure::api(&format!("looking up app {name:?}"), &e))?
        .into_iter()
        .find(|a| &a.name == name);
    match found {
        Some(app) => Ok((app, false)),
        None if may_create && inputs.create_app => {
            let app = apps
                .create(name)
                .await
                .map_err(|e| Failure::api(&format!("creating app {name:?}"), &e))?;
            Ok((app, true))
        }
        None => Err(Failure::new(
            "App not found",
            format!(
                "project {project} has no app named {name:?} — set create-app: true to create it, or fix app-name"
            ),
        )),
    }
}

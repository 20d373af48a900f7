//! Network work for the tree: runs in tasks and reports back, so the UI
//! never waits on the API.

use comwit_client::Client;

use crate::tree::{Node, NodeKey};

fn facts(pairs: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// The children of `key`, or the error to show in their place. Fetched
/// lists are sorted by label so the tree does not reorder between loads.
pub async fn children(client: &Client, key: &NodeKey) -> Result<Vec<Node>, String> {
    let mut nodes = fetch(client, key).await?;
    if key.expandable() && !matches!(key, NodeKey::Project(_) | NodeKey::App { .. }) {
        nodes.sort_by(|a, b| a.label.cmp(&b.label));
    }
    Ok(nodes)
}

async fn fetch(client: &Client, key: &NodeKey) -> Result<Vec<Node>, String> {
    Ok(match key {
        NodeKey::Root => projects(client).await?,
        NodeKey::Project(p) => vec![
            group(NodeKey::Apps(p.clone()), "apps"),
            group(NodeKey::Databases(p.clone()), "databases"),
            group(NodeKey::Domains(p.clone()), "domains"),
        ],
        NodeKey::Apps(p) => apps(client, p).await?,
        NodeKey::Databases(p) => databases(client, p).await?,
        NodeKey::Domains(p) => domains(client, p).await?,
        NodeKey::App { project, app } => app_groups(project, app),
        _ => Vec::new(),
    })
}

fn fail(e: comwit_client::Error) -> String {
    e.to_string()
}

async fn projects(client: &Client) -> Result<Vec<Node>, String> {
    Ok(client
        .projects()
        .list()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|p| Node {
            key: NodeKey::Project(p.project_id.clone()),
            label: p.name.clone(),
            detail: facts(&[("project", Some(p.project_id)), ("created", p.created_at)]),
        })
        .collect())
}

async fn apps(client: &Client, p: &str) -> Result<Vec<Node>, String> {
    Ok(client
        .apps(p)
        .list()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|a| Node {
            key: NodeKey::App {
                project: p.to_string(),
                app: a.app_id.clone(),
            },
            label: a.name.clone(),
            detail: facts(&[
                ("app", Some(a.app_id.clone())),
                (
                    "active build",
                    Some(a.active_build().unwrap_or("none yet").to_string()),
                ),
                ("created", a.created_at),
            ]),
        })
        .collect())
}

async fn databases(client: &Client, p: &str) -> Result<Vec<Node>, String> {
    Ok(client
        .databases(p)
        .list()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|d| Node {
            key: NodeKey::Database {
                project: p.to_string(),
                database: d.database_id.clone(),
            },
            label: d.name.clone(),
            detail: facts(&[
                ("database", Some(d.database_id)),
                ("status", d.status),
                ("url", d.database_url),
            ]),
        })
        .collect())
}

async fn domains(client: &Client, p: &str) -> Result<Vec<Node>, String> {
    Ok(client
        .domains(p)
        .list()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|d| Node {
            key: NodeKey::Domain {
                project: p.to_string(),
                domain: d.domain.clone(),
            },
            label: format!("{} ({})", d.domain, d.status),
            detail: facts(&[
                ("domain", Some(d.domain.clone())),
                ("status", Some(d.status.clone())),
                ("nameservers", Some(d.nameservers.join(", "))),
            ]),
        })
        .collect())
}

/// An app's children: its builds, environment and hostnames.
fn app_groups(project: &str, app: &str) -> Vec<Node> {
    let (project, app) = (project.to_string(), app.to_string());
    vec![
        group(
            NodeKey::Builds {
                project: project.clone(),
                app: app.clone(),
            },
            "builds",
        ),
        group(
            NodeKey::Env {
                project: project.clone(),
                app: app.clone(),
            },
            "environment",
        ),
        group(NodeKey::Hostnames { project, app }, "hostnames"),
    ]
}

fn group(key: NodeKey, label: &str) -> Node {
    Node {
        key,
        label: label.to_string(),
        detail: Vec::new(),
    }
}

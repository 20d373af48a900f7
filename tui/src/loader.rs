//! Network work for the tree: runs in tasks and reports back, so the UI
//! never waits on the API.

use comwit_client::Client;

use crate::tree::{Facts, Node, NodeKey};

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
            facts: Facts::Project(Box::new(p)),
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
            facts: Facts::App(Box::new(a)),
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
            facts: Facts::Database(Box::new(d)),
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
            facts: Facts::Domain(Box::new(d)),
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
        facts: Facts::None,
    }
}

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
    let fail = |e: comwit_client::Error| e.to_string();
    Ok(match key {
        NodeKey::Root => client
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
            .collect(),
        NodeKey::Project(p) => vec![
            group(NodeKey::Apps(p.clone()), "apps"),
            group(NodeKey::Databases(p.clone()), "databases"),
            group(NodeKey::Domains(p.clone()), "domains"),
        ],
        NodeKey::Apps(p) => client
            .apps(p)
            .list()
            .await
            .map_err(fail)?
            .into_iter()
            .map(|a| Node {
                key: NodeKey::App {
                    project: p.clone(),
                    app: a.app_id.clone(),
                },
                label: a.name.clone(),
                facts: Facts::App(Box::new(a)),
            })
            .collect(),
        NodeKey::Databases(p) => client
            .databases(p)
            .list()
            .await
            .map_err(fail)?
            .into_iter()
            .map(|d| Node {
                key: NodeKey::Database {
                    project: p.clone(),
                    database: d.database_id.clone(),
                },
                label: d.name.clone(),
                facts: Facts::Database(Box::new(d)),
            })
            .collect(),
        NodeKey::Domains(p) => client
            .domains(p)
            .list()
            .await
            .map_err(fail)?
            .into_iter()
            .map(|d| Node {
                key: NodeKey::Domain {
                    project: p.clone(),
                    domain: d.domain.clone(),
                },
                label: format!("{} ({})", d.domain, d.status),
                facts: Facts::Domain(Box::new(d)),
            })
            .collect(),
        NodeKey::App { project, app } => {
            let (project, app) = (project.clone(), app.clone());
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
        _ => Vec::new(),
    })
}

fn group(key: NodeKey, label: &str) -> Node {
    Node {
        key,
        label: label.to_string(),
        facts: Facts::None,
    }
}

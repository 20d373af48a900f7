//! The project tree: projects → apps / databases / domains, loaded lazily.
//! Pure state: the network work that fills it lives in `loader`.

use std::collections::{HashMap, HashSet};

use comwit_client::models::{App, Database, Domain, Project};

/// What a row stands for; also the key children are loaded under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeKey {
    Root,
    Project(String),
    Apps(String),
    Databases(String),
    Domains(String),
    App {
        project: String,
        app: String,
    },
    Builds {
        project: String,
        app: String,
    },
    Env {
        project: String,
        app: String,
    },
    Hostnames {
        project: String,
        app: String,
    },
    Database {
        project: String,
        database: String,
    },
    Domain {
        project: String,
        domain: String,
    },
    /// Views that are not tree rows: opened from a row or the palette.
    Sql {
        project: String,
        database: String,
    },
    /// The delegation watcher.
    Watcher,
    /// The contexts (`:ctx`).
    Contexts,
    /// Watch mode (redeploy on change) for one app.
    WatchMode {
        project: String,
        app: String,
    },
}

impl NodeKey {
    /// Rows under this key are fetched from the API.
    pub fn expandable(&self) -> bool {
        matches!(
            self,
            NodeKey::Root
                | NodeKey::Project(_)
                | NodeKey::Apps(_)
                | NodeKey::Databases(_)
                | NodeKey::Domains(_)
                | NodeKey::App { .. }
        )
    }

    /// The project this node belongs to.
    pub fn project(&self) -> Option<&str> {
        match self {
            NodeKey::Root | NodeKey::Watcher | NodeKey::Contexts => None,
            NodeKey::Project(p)
            | NodeKey::Apps(p)
            | NodeKey::Databases(p)
            | NodeKey::Domains(p) => Some(p),
            NodeKey::App { project, .. }
            | NodeKey::Builds { project, .. }
            | NodeKey::Env { project, .. }
            | NodeKey::Hostnames { project, .. }
            | NodeKey::Database { project, .. }
            | NodeKey::Domain { project, .. }
            | NodeKey::Sql { project, .. }
            | NodeKey::WatchMode { project, .. } => Some(project),
        }
    }
}

/// One loaded node: its label and the facts the detail pane shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub key: NodeKey,
    pub label: String,
    /// What the parent's listing said about it.
    pub facts: Facts,
}

impl Node {
    /// A node known only by its key and name (a view opened full width
    /// before the tree has listed it).
    pub fn named(key: NodeKey, label: impl Into<String>) -> Self {
        Self {
            key,
            label: label.into(),
            facts: Facts::None,
        }
    }
}

/// What the tree knows about a node from its parent's listing, typed: the
/// listed resource itself (groups know nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Facts {
    #[default]
    None,
    // Boxed: a tree row stays small whatever the resource's size.
    Project(Box<Project>),
    App(Box<App>),
    Database(Box<Database>),
    Domain(Box<Domain>),
}

impl Facts {
    /// The facts worth reading, as (label, value) lines; the first one is
    /// what `y` copies.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        let mut push = |label, value: Option<&str>| {
            if let Some(v) = value {
                lines.push((label, v.to_string()));
            }
        };
        match self {
            Facts::None => {}
            Facts::Project(p) => {
                push("project", Some(&p.project_id));
                push("created", p.created_at.as_deref());
            }
            Facts::App(a) => {
                push("app", Some(&a.app_id));
                push("active build", Some(a.active_build().unwrap_or("none yet")));
                push("created", a.created_at.as_deref());
            }
            Facts::Database(d) => {
                push("database", Some(&d.database_id));
                push("status", d.status.as_deref());
                push("url", d.database_url.as_deref());
            }
            Facts::Domain(d) => {
                push("domain", Some(&d.domain));
                push("status", Some(d.status.as_str()));
                push("nameservers", Some(&d.nameservers.join(", ")));
            }
        }
        lines
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Children {
    Loading,
    Loaded(Vec<Node>),
    Failed(String),
}

/// A visible row of the flattened tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Node {
        node: Node,
        depth: usize,
        expanded: bool,
    },
    Loading {
        depth: usize,
    },
    Failed {
        depth: usize,
        message: String,
    },
}

#[derive(Debug, Default)]
pub struct Tree {
    children: HashMap<NodeKey, Children>,
    expanded: HashSet<NodeKey>,
}

impl Tree {
    pub fn set_children(&mut self, key: NodeKey, children: Children) {
        self.children.insert(key, children);
    }

    pub fn is_expanded(&self, key: &NodeKey) -> bool {
        self.expanded.contains(key)
    }

    /// Expands `key`; true when its children still need loading.
    pub fn expand(&mut self, key: &NodeKey) -> bool {
        if !key.expandable() {
            return false;
        }
        self.expanded.insert(key.clone());
        if self.children.contains_key(key) {
            false
        } else {
            self.children.insert(key.clone(), Children::Loading);
            true
        }
    }

    pub fn collapse(&mut self, key: &NodeKey) {
        self.expanded.remove(key);
    }

    /// The loaded children of `key`.
    pub fn children(&self, key: &NodeKey) -> &[Node] {
        match self.children.get(key) {
            Some(Children::Loaded(nodes)) => nodes,
            _ => &[],
        }
    }

    /// Every loaded node (for completion in the command palette).
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.children.values().flat_map(|c| match c {
            Children::Loaded(nodes) => nodes.as_slice(),
            _ => &[],
        })
    }

    /// The rows as shown, depth-first.
    pub fn rows(&self) -> Vec<Row> {
        let mut out = Vec::new();
        self.push_rows(&NodeKey::Root, 0, &mut out);
        out
    }

    fn push_rows(&self, key: &NodeKey, depth: usize, out: &mut Vec<Row>) {
        match self.children.get(key) {
            None => {}
            Some(Children::Loading) => out.push(Row::Loading { depth }),
            Some(Children::Failed(message)) => out.push(Row::Failed {
                depth,
                message: message.clone(),
            }),
            Some(Children::Loaded(nodes)) => {
                for node in nodes {
                    let expanded = self.expanded.contains(&node.key);
                    out.push(Row::Node {
                        node: node.clone(),
                        depth,
                        expanded,
                    });
                    if expanded {
                        self.push_rows(&node.key, depth + 1, out);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: NodeKey, label: &str) -> Node {
        Node {
            key,
            label: label.into(),
            facts: Facts::None,
        }
    }

    #[test]
    fn rows_follow_expansion_and_loading_state() {
        let mut t = Tree::default();
        assert!(t.expand(&NodeKey::Root), "the root needs loading");
        assert_eq!(t.rows(), vec![Row::Loading { depth: 0 }]);
        let p = NodeKey::Project("p1".into());
        t.set_children(
            NodeKey::Root,
            Children::Loaded(vec![node(p.clone(), "shop")]),
        );
        assert_eq!(t.rows().len(), 1);
        assert!(t.expand(&p));
        assert_eq!(t.rows()[1], Row::Loading { depth: 1 });
        t.set_children(p.clone(), Children::Failed("403".into()));
        assert!(matches!(t.rows()[1], Row::Failed { depth: 1, .. }));
        t.collapse(&p);
        assert_eq!(t.rows().len(), 1);
        assert!(
            !t.expand(&p),
            "already loaded (or failed) children are kept"
        );
    }
}

//! The `:` command palette: parse, complete from what the tree has
//! loaded, and resolve names to a place in the tree (through the API, so
//! targets not yet expanded are found too).

use comwit_client::Client;

use crate::keymap::Binding;
use crate::tree::{Node, NodeKey};
use crate::widgets::input::LineInput;

pub const COMMANDS: &[(&str, &str)] = &[
    ("apps", "the apps of the current project"),
    ("app", "<name>  an app's builds"),
    ("db", "<name>  a database"),
    ("sql", "<name>  the SQL console on a database"),
    ("domains", "the domains of the current project"),
    ("dns", "<domain>  a domain's records (any project)"),
    ("watch", "[app]  redeploy an app when its files change"),
    ("delegation", "the delegation watcher (every domain)"),
    ("project", "<id or name>  switch project"),
    (
        "ctx",
        "switch context: the sandbox, Comwit Cloud, other APIs",
    ),
    ("login", "sign in (device login or a pasted token)"),
    ("logout", "sign out: forget this context's token everywhere"),
    ("dump", "[database]  dump a database to a SQL file"),
    ("import", "[database]  load a SQL file into a database"),
    (
        "fault",
        "louhi|brrrd|dns|slow|drop-response|clear  outage drills on the sandbox",
    ),
    ("messages", "every message so far, with its time"),
    ("help", "every key"),
    ("quit", "leave"),
];

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Apps,
    App(String),
    Db(String),
    Sql(String),
    Domains,
    Dns(String),
    /// Watch mode for the named app (or the one selected).
    Watch(Option<String>),
    Delegation,
    Project(String),
    Help,
    /// The message log.
    Messages,
    /// The contexts (`:ctx`).
    Contexts,
    /// Dump a database (the open console's without a name).
    Dump(Option<String>),
    /// Import into a database (the open console's without a name).
    Import(Option<String>),
    Login,
    Logout,
    /// An outage drill on the sandbox (`:fault louhi`, `:fault clear`).
    Fault(String),
    Quit,
}

pub fn parse(text: &str) -> Result<Command, String> {
    let mut words = text.split_whitespace();
    let name = words.next().unwrap_or("");
    let arg = words.collect::<Vec<_>>().join(" ");
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!(
                ":{name} needs {what} (e.g. :{name} {})",
                example(name)
            ))
        } else {
            Ok(arg.clone())
        }
    };
    Ok(match name {
        "apps" => Command::Apps,
        "app" => Command::App(need("an app name")?),
        "db" | "database" => Command::Db(need("a database name")?),
        "sql" => Command::Sql(need("a database name")?),
        "domains" => Command::Domains,
        "dns" => Command::Dns(need("a domain")?),
        "delegation" | "delegations" => Command::Delegation,
        "watch" => Command::Watch(Some(arg.clone()).filter(|a| !a.is_empty())),
        "project" => Command::Project(need("a project id or name")?),
        "help" => Command::Help,
        "messages" | "log" => Command::Messages,
        "ctx" | "context" | "contexts" => Command::Contexts,
        "dump" => Command::Dump(Some(arg.clone()).filter(|a| !a.is_empty())),
        "import" => Command::Import(Some(arg.clone()).filter(|a| !a.is_empty())),
        "login" => Command::Login,
        "logout" => Command::Logout,
        "fault" | "faults" => Command::Fault(arg.clone()),
        "q" | "quit" => Command::Quit,
        "" => return Err("type a command (tab completes)".into()),
        other => {
            return Err(format!(
                "no command :{other}; try {}",
                COMMANDS
                    .iter()
                    .map(|(c, _)| format!(":{c}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
    })
}

/// Whether `name` is a command (aliases included): given an argument,
/// every command parses.
fn is_command(name: &str) -> bool {
    !name.is_empty() && parse(&format!("{name} x")).is_ok()
}

fn example(command: &str) -> &'static str {
    match command {
        "app" => "web",
        "db" | "database" | "sql" => "app-db",
        "dns" => "example.com",
        _ => "prj_123",
    }
}

/// Candidates for what is typed: command names, then the names of loaded
/// apps, databases, domains or projects for the command's argument.
pub fn complete<'a>(text: &str, nodes: impl Iterator<Item = &'a Node>) -> Vec<String> {
    match text.split_once(' ') {
        None => COMMANDS
            .iter()
            .filter(|(c, _)| c.starts_with(text))
            .map(|(c, _)| c.to_string())
            .collect(),
        Some((command, arg)) => {
            let arg = arg.trim_start();
            let mut names: Vec<String> = nodes
                .filter_map(|n| match (&n.key, command) {
                    (NodeKey::App { app, .. }, "app" | "watch") => Some(name_of(n, app)),
                    (NodeKey::Database { .. }, "db" | "sql") => Some(n.label.clone()),
                    (NodeKey::Domain { domain, .. }, "dns") => Some(domain.clone()),
                    (NodeKey::Project(_), "project") => Some(n.label.clone()),
                    _ => None,
                })
                .filter(|name| name.starts_with(arg))
                .map(|name| format!("{command} {name}"))
                .collect();
            names.sort();
            names.dedup();
            names
        }
    }
}

fn name_of(node: &Node, fallback: &str) -> String {
    if node.label.is_empty() {
        fallback.to_string()
    } else {
        node.label.clone()
    }
}

/// Where a command leads: the tree path to expand and select, and a view
/// to open full width after it (the SQL console, the watcher).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Jump {
    pub path: Vec<NodeKey>,
    /// The full-width view, named as the API named its subject.
    pub open: Option<Node>,
    /// A key for the target's view once it is there (its create key, from
    /// a view that offers to create in another).
    pub press: Option<Binding>,
}

/// Finds a command's target through the API. Names are looked up in the
/// project in focus first, then in the others (so `:sql shop-db` works
/// from anywhere); `:dns` searches every project.
pub async fn resolve(
    client: &Client,
    project: Option<String>,
    command: Command,
) -> Result<Jump, String> {
    let in_project = || {
        project
            .clone()
            .ok_or_else(|| "no project selected: pick one in the tree or use :project".to_string())
    };
    match command {
        Command::Apps => {
            let p = in_project()?;
            Ok(jump(vec![NodeKey::Project(p.clone()), NodeKey::Apps(p)]))
        }
        Command::Domains => {
            let p = in_project()?;
            Ok(jump(vec![NodeKey::Project(p.clone()), NodeKey::Domains(p)]))
        }
        Command::App(ref name) | Command::Watch(Some(ref name)) => {
            let watch = matches!(command, Command::Watch(_));
            resolve_app(client, project.clone(), name, watch).await
        }
        Command::Db(ref name) | Command::Sql(ref name) => {
            let sql = matches!(command, Command::Sql(_));
            resolve_database(client, project.clone(), name, sql).await
        }
        // The console on the database, its dump or import key pressed.
        Command::Dump(Some(ref name)) | Command::Import(Some(ref name)) => {
            let mut jump = resolve_database(client, project.clone(), name, true).await?;
            jump.press = Some(data_move_key(&command));
            Ok(jump)
        }
        Command::Dns(domain) => resolve_domain(client, project.clone(), &domain).await,
        Command::Project(id) => resolve_project(client, &id).await,
        Command::Watch(None)
        | Command::Delegation
        | Command::Help
        | Command::Messages
        | Command::Contexts
        | Command::Dump(None)
        | Command::Import(None)
        | Command::Login
        | Command::Logout
        | Command::Fault(_)
        | Command::Quit => Err("handled locally".into()),
    }
}

/// The SQL console's key for `:dump` or `:import`.
pub fn data_move_key(command: &Command) -> Binding {
    let f = if matches!(command, Command::Dump(_)) {
        9
    } else {
        10
    };
    Binding::key(ratatui::crossterm::event::KeyCode::F(f))
}

/// `:app` and `:watch <app>`: the app's builds, and for `:watch` its
/// watcher opened.
async fn resolve_app(
    client: &Client,
    project: Option<String>,
    name: &str,
    watch: bool,
) -> Result<Jump, String> {
    for (i, p) in search_order(client, project).await?.into_iter().enumerate() {
        match client.apps(&p).find(name).await {
            Ok(Some(app)) => {
                let open = watch.then(|| {
                    let key = NodeKey::WatchMode {
                        project: p.clone(),
                        app: app.app_id.clone(),
                    };
                    Node::named(key, &app.name)
                });
                return Ok(Jump {
                    path: vec![
                        NodeKey::Project(p.clone()),
                        NodeKey::Apps(p.clone()),
                        NodeKey::App {
                            project: p,
                            app: app.app_id,
                        },
                    ],
                    open,
                    ..Jump::default()
                });
            }
            Ok(None) => {}
            // Only the project in focus must answer; others may be
            // out of the token's reach.
            Err(e) if i == 0 => return Err(e.to_string()),
            Err(_) => {}
        }
    }
    Err(format!("no app {name:?} in any of your projects"))
}

/// `:db` and `:sql`: the database, and for `:sql` its console opened.
async fn resolve_database(
    client: &Client,
    project: Option<String>,
    name: &str,
    sql: bool,
) -> Result<Jump, String> {
    for (i, p) in search_order(client, project).await?.into_iter().enumerate() {
        let found = match client.databases(&p).list().await {
            Ok(list) => list
                .into_iter()
                .find(|d| d.name == name || d.database_id == name),
            Err(e) if i == 0 => return Err(e.to_string()),
            Err(_) => None,
        };
        if let Some(db) = found {
            let open = sql.then(|| {
                let key = NodeKey::Sql {
                    project: p.clone(),
                    database: db.database_id.clone(),
                };
                Node::named(key, &db.name)
            });
            return Ok(Jump {
                path: vec![
                    NodeKey::Project(p.clone()),
                    NodeKey::Databases(p.clone()),
                    NodeKey::Database {
                        project: p,
                        database: db.database_id,
                    },
                ],
                open,
                ..Jump::default()
            });
        }
    }
    Err(format!("no database {name:?} in any of your projects"))
}

/// `:dns`: the domain's records, in whichever project has it.
async fn resolve_domain(
    client: &Client,
    project: Option<String>,
    domain: &str,
) -> Result<Jump, String> {
    let wanted = domain.trim_end_matches('.').to_ascii_lowercase();
    for p in search_order(client, project).await? {
        let Ok(domains) = client.domains(&p).list().await else {
            continue;
        };
        if domains.iter().any(|d| d.domain == wanted) {
            return Ok(jump(vec![
                NodeKey::Project(p.clone()),
                NodeKey::Domains(p.clone()),
                NodeKey::Domain {
                    project: p,
                    domain: wanted,
                },
            ]));
        }
    }
    Err(format!("no project of yours has the domain {wanted}"))
}

/// `:project`: a project of the caller's, by id or name.
async fn resolve_project(client: &Client, id: &str) -> Result<Jump, String> {
    let p = client
        .projects()
        .list()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|p| p.project_id == id || p.name == id)
        .ok_or_else(|| format!("no project {id:?} (or you are not a member)"))?;
    Ok(jump(vec![NodeKey::Project(p.project_id)]))
}

/// Every project of the caller, the one in focus first.
async fn search_order(client: &Client, focus: Option<String>) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = client
        .projects()
        .list()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|p| p.project_id)
        .collect();
    if let Some(f) = focus
        && let Some(at) = ids.iter().position(|i| *i == f)
    {
        let first = ids.remove(at);
        ids.insert(0, first);
    }
    Ok(ids)
}

fn jump(path: Vec<NodeKey>) -> Jump {
    Jump {
        path,
        ..Jump::default()
    }
}

/// The palette's state while it is open.
#[derive(Debug, Default)]
pub struct Palette {
    pub input: LineInput,
    pub candidates: Vec<String>,
    pub error: Option<String>,
}

impl Palette {
    /// What was typed could not be run: show why. An unknown command is
    /// cleared so the next one starts fresh (the error names the known
    /// ones); a known command missing its argument is kept, to finish.
    pub fn refuse(&mut self, error: String) {
        let name = self.input.text().split_whitespace().next().unwrap_or("");
        if !is_command(name) {
            self.input.set("");
            self.candidates.clear();
        }
        self.error = Some(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_names_what_is_missing() {
        assert_eq!(parse("app web").unwrap(), Command::App("web".into()));
        assert_eq!(parse("sql app-db").unwrap(), Command::Sql("app-db".into()));
        assert_eq!(parse("quit").unwrap(), Command::Quit);
        assert_eq!(parse("messages").unwrap(), Command::Messages);
        assert!(parse("app").unwrap_err().contains(":app web"));
        assert!(parse("deploy").unwrap_err().contains(":apps"));
    }

    #[test]
    fn an_unknown_command_is_cleared_and_a_known_one_kept() {
        let mut p = Palette::default();
        p.input.set("deploy web");
        p.refuse(parse("deploy web").unwrap_err());
        assert_eq!(p.input.text(), "");
        assert!(p.error.as_deref().unwrap().contains("no command :deploy"));

        p.input.set("app");
        p.refuse(parse("app").unwrap_err());
        assert_eq!(p.input.text(), "app", "kept to add the name");
    }

    #[test]
    fn completes_commands_and_loaded_names() {
        assert_eq!(complete("del", std::iter::empty()), vec!["delegation"]);
        let nodes = [Node {
            key: NodeKey::Database {
                project: "p".into(),
                database: "db_1".into(),
            },
            label: "app-db".into(),
            facts: Default::default(),
        }];
        assert_eq!(complete("sql a", nodes.iter()), vec!["sql app-db"]);
        assert!(complete("app a", nodes.iter()).is_empty());
    }
}

//! Dashboard state, changed only in `update` (the ratatui component model);
//! network work is spawned and reports back as actions.

use comwit_client::{Client, TokenKind};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc::UnboundedSender;

use crate::tree::{Children, Node, NodeKey, Row, Tree};

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Resize,
    Loaded(NodeKey, Result<Vec<Node>, String>),
    Ready(bool),
}

pub struct App {
    client: Client,
    /// "sandbox", "Comwit Cloud" or the custom URL.
    pub target: String,
    pub tree: Tree,
    pub selected: usize,
    /// `/readyz`: `None` until the first answer.
    pub ready: Option<bool>,
    pub should_quit: bool,
    tx: UnboundedSender<Action>,
}

impl App {
    pub fn new(client: Client, target: String, tx: UnboundedSender<Action>) -> Self {
        let mut app = Self {
            client,
            target,
            tree: Tree::default(),
            selected: 0,
            ready: None,
            should_quit: false,
            tx,
        };
        app.tree.expand(&NodeKey::Root);
        app.load(NodeKey::Root);
        app
    }

    pub fn token_kind(&self) -> Option<TokenKind> {
        self.client.token_kind()
    }

    fn load(&self, key: NodeKey) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let result = crate::loader::children(&client, &key).await;
            let _ = tx.send(Action::Loaded(key, result));
        });
    }

    /// The node under the cursor, if the row is a node.
    pub fn selected_node(&self) -> Option<Node> {
        match self.tree.rows().get(self.selected) {
            Some(Row::Node { node, .. }) => Some(node.clone()),
            _ => None,
        }
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(key) if key.kind == KeyEventKind::Press => self.on_key(key),
            Action::Key(_) | Action::Resize => {}
            Action::Loaded(key, result) => {
                let children = match result {
                    Ok(nodes) => Children::Loaded(nodes),
                    Err(e) => Children::Failed(e),
                };
                self.tree.set_children(key, children);
            }
            Action::Ready(ready) => self.ready = Some(ready),
        }
        let rows = self.tree.rows().len();
        self.selected = self.selected.min(rows.saturating_sub(1));
    }

    fn on_key(&mut self, key: KeyEvent) {
        let rows = self.tree.rows().len();
        match key.code {
            KeyCode::Char('q') => self.should_quit = true,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.should_quit = true
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(rows.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = rows.saturating_sub(1),
            KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => {
                if let Some(node) = self.selected_node() {
                    if self.tree.is_expanded(&node.key) {
                        self.tree.collapse(&node.key);
                    } else if self.tree.expand(&node.key) {
                        self.load(node.key);
                    }
                }
            }
            KeyCode::Left | KeyCode::Char('h') => {
                if let Some(node) = self.selected_node() {
                    self.tree.collapse(&node.key);
                }
            }
            KeyCode::Char('r') => {
                // Reload what is under the cursor (or everything at the top).
                let key = self
                    .selected_node()
                    .map(|n| n.key)
                    .filter(|k| self.tree.is_expanded(k))
                    .unwrap_or(NodeKey::Root);
                self.tree.set_children(key.clone(), Children::Loading);
                self.load(key);
            }
            _ => {}
        }
    }

    /// The keys valid right now, for the bottom bar.
    pub fn key_hints(&self) -> Vec<(&'static str, &'static str)> {
        let mut hints = vec![("↑↓/jk", "move")];
        if let Some(node) = self.selected_node()
            && node.key.expandable()
        {
            hints.push(if self.tree.is_expanded(&node.key) {
                ("enter/h", "collapse")
            } else {
                ("enter/l", "expand")
            });
        }
        hints.extend([("r", "refresh"), ("q", "quit")]);
        hints
    }
}

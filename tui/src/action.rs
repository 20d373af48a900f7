//! Everything that can change the dashboard's state: terminal input and
//! the reports of background work. State changes only in `App::update`.

use std::any::Any;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::tree::{Node, NodeKey};

pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize,
    /// Children of a tree node arrived (or failed).
    Loaded(NodeKey, Result<Vec<Node>, String>),
    /// `/readyz` answered (true: ready).
    Ready(bool),
    /// A view's background work reported; the payload is the view's own
    /// message type (each view downcasts what it spawned).
    View(NodeKey, Box<dyn Any + Send>),
    /// A command-palette target was resolved to a tree path.
    Goto(Result<crate::palette::Jump, String>),
    /// Background work of the shell (not of a view) has something to say.
    Said(crate::notice::Level, String),
    /// Time to drop expired toasts.
    Tick,
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Key(k) => write!(f, "Key({k:?})"),
            Action::Paste(_) => f.write_str("Paste(..)"),
            Action::Mouse(m) => write!(f, "Mouse({m:?})"),
            Action::Resize => f.write_str("Resize"),
            Action::Loaded(k, r) => write!(f, "Loaded({k:?}, ok={})", r.is_ok()),
            Action::Ready(r) => write!(f, "Ready({r})"),
            Action::View(k, _) => write!(f, "View({k:?})"),
            Action::Goto(r) => write!(f, "Goto({r:?})"),
            Action::Said(l, t) => write!(f, "Said({l:?}, {t:?})"),
            Action::Tick => f.write_str("Tick"),
        }
    }
}

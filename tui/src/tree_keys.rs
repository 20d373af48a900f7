//! The project tree's keys besides moving, as one list: the key bar, `?`
//! and the dispatch ([`App::on_tree_key`]) all read it, as a view's keys
//! are read from its [`ViewKey`](crate::views::keys::ViewKey) list.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::app::{App, Focus};
use crate::keymap::Binding;
use crate::views::keys::label;
use crate::views::{Hint, hint};
use crate::widgets::list::MOVE_KEYS;

pub struct TreeKey {
    pub keys: &'static [Binding],
    /// What `?` says it does.
    pub what: &'static str,
    /// The key bar's word for it on the selected row; `None` leaves it
    /// off the bar (it still works: tree keys do nothing where they do
    /// not apply).
    pub hint: fn(&App) -> Option<&'static str>,
    pub run: fn(&mut App),
}

const KEYS: &[TreeKey] = &[
    TreeKey {
        keys: &[Binding::key(KeyCode::Enter)],
        what: "expand or collapse the row (a leaf: open its view)",
        hint: |app| {
            let node = app.selected_node()?;
            Some(if !node.key.expandable() {
                "open"
            } else if app.tree.is_expanded(&node.key) {
                "collapse"
            } else {
                "expand"
            })
        },
        run: |app| app.toggle_row(),
    },
    TreeKey {
        keys: &[Binding::key(KeyCode::Right), Binding::plain('l')],
        what: "expand the row, or open its view",
        // On the bar only where it differs from enter: an expanded row.
        hint: |app| {
            let node = app.selected_node()?;
            (node.key.expandable() && app.tree.is_expanded(&node.key)).then_some("open view")
        },
        run: |app| app.expand_or_open(),
    },
    TreeKey {
        keys: &[Binding::key(KeyCode::Left), Binding::plain('h')],
        what: "collapse the row",
        hint: |_| None,
        run: |app| {
            if let Some(node) = app.selected_node() {
                app.tree.collapse(&node.key);
            }
        },
    },
    TreeKey {
        keys: &[Binding::key(KeyCode::Esc)],
        what: "clear the filter",
        hint: |app| (!app.tree_cursor.filter.text().is_empty()).then_some("clear filter"),
        run: |app| {
            app.tree_cursor.clear_filter();
        },
    },
];

/// Runs the tree key bound to `key`; false when none is.
pub fn dispatch(app: &mut App, key: &KeyEvent) -> bool {
    match KEYS.iter().find(|k| k.keys.iter().any(|b| b.matches(key))) {
        Some(k) => {
            (k.run)(app);
            true
        }
        None => false,
    }
}

/// The bar's tree keys on the selected row, moving first.
pub fn hints(app: &App) -> Vec<Hint> {
    std::iter::once(hint("↑↓/jk", "move"))
        .chain(KEYS.iter().filter_map(|k| {
            (k.hint)(app).map(|what| Hint {
                keys: label(k.keys).into(),
                what,
                write: false,
            })
        }))
        .collect()
}

/// Every tree key, for `?`.
pub fn all() -> Vec<Hint> {
    MOVE_KEYS
        .iter()
        .map(|(keys, what)| hint(keys, what))
        .chain(KEYS.iter().map(|k| Hint {
            keys: label(k.keys).into(),
            what: k.what,
            write: false,
        }))
        .collect()
}

impl App {
    /// Enter: expand or collapse; a row without children opens its view.
    fn toggle_row(&mut self) {
        let Some(node) = self.selected_node() else {
            return;
        };
        if !node.key.expandable() {
            self.focus = Focus::View;
        } else if self.tree.is_expanded(&node.key) {
            self.tree.collapse(&node.key);
        } else if self.tree.expand(&node.key) {
            self.load(node.key);
        }
    }

    /// →/l: expand a collapsed row, else open its view.
    fn expand_or_open(&mut self) {
        let Some(node) = self.selected_node() else {
            return;
        };
        if node.key.expandable() && !self.tree.is_expanded(&node.key) {
            if self.tree.expand(&node.key) {
                self.load(node.key);
            }
        } else {
            self.focus = Focus::View;
        }
    }
}

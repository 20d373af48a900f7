//! The keys of a view that is not a resource list, as one list: the key
//! bar (the keys that apply to the view's state now), `?` (all of them,
//! each with what it does) and the dispatch are all read from it, as
//! [`KeyAction`](super::resource::KeyAction) does for resource lists.

use ratatui::crossterm::event::KeyEvent;

use super::Hint;
use crate::context::Ctx;
use crate::keymap::Binding;

pub struct ViewKey<V> {
    pub keys: &'static [Binding],
    /// What `?` says it does, whether or not it applies now.
    pub what: &'static str,
    /// Changes something: hidden and refused in read-only mode.
    pub write: bool,
    /// The key bar's word for it while it applies; `None` when it does
    /// not (then the key is neither shown nor taken).
    pub hint: fn(&V) -> Option<&'static str>,
    pub run: fn(&mut V, &mut Ctx<'_>),
}

/// Keys as the bar and `?` show them (`s/enter`).
pub fn label(keys: &[Binding]) -> String {
    keys.iter()
        .map(Binding::label)
        .collect::<Vec<_>>()
        .join("/")
}

/// The keys that apply now, for the key bar.
pub fn hints<V>(list: &[ViewKey<V>], view: &V) -> Vec<Hint> {
    list.iter()
        .filter_map(|k| {
            (k.hint)(view).map(|what| Hint {
                keys: label(k.keys).into(),
                what,
                write: k.write,
            })
        })
        .collect()
}

/// Every key, for `?`.
pub fn all<V>(list: &[ViewKey<V>]) -> Vec<Hint> {
    list.iter()
        .map(|k| Hint {
            keys: label(k.keys).into(),
            what: k.what,
            write: k.write,
        })
        .collect()
}

/// Runs the key bound to `key` if it applies now; true when one was.
pub fn dispatch<V>(list: &[ViewKey<V>], view: &mut V, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
    let Some(k) = list
        .iter()
        .find(|k| k.keys.iter().any(|b| b.matches(key)) && (k.hint)(view).is_some())
    else {
        return false;
    };
    if !k.write || cx.may_write() {
        (k.run)(view, cx);
    }
    true
}

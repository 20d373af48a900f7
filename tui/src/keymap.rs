//! The global keys, remappable from the `[keys]` table of `tui.toml`
//! (`quit = "ctrl-q"`). Keys inside a view are listed by the view itself
//! (bottom bar and `?`), so there is one place each key is defined.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, as written in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Binding {
    /// A key without modifiers (`Enter`, `Delete`).
    pub const fn key(code: KeyCode) -> Self {
        Self {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn plain(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    pub fn matches(&self, key: &KeyEvent) -> bool {
        // Shifted characters arrive with SHIFT set; the character itself
        // already says it, so compare without it.
        let mods = key.modifiers - KeyModifiers::SHIFT;
        key.code == self.code && mods == self.modifiers - KeyModifiers::SHIFT
    }

    /// `"q"`, `"ctrl-r"`, `"f5"`, `"tab"`, `"esc"`, `"enter"`, `"space"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        let (modifiers, rest) = if let Some(r) = lower.strip_prefix("ctrl-") {
            (KeyModifiers::CONTROL, r)
        } else if let Some(r) = lower.strip_prefix("alt-") {
            (KeyModifiers::ALT, r)
        } else {
            (KeyModifiers::NONE, lower.as_str())
        };
        let code = match rest {
            "tab" => KeyCode::Tab,
            "esc" => KeyCode::Esc,
            "enter" => KeyCode::Enter,
            "del" | "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(
                f[1..]
                    .parse()
                    .map_err(|_| format!("{text:?} is not a key"))?,
            ),
            _ => {
                // Keep the case the user wrote for single characters ("G").
                let original = text.trim();
                let ch = original
                    .chars()
                    .last()
                    .filter(|_| rest.chars().count() == 1);
                KeyCode::Char(ch.ok_or_else(|| {
                    format!("{text:?} is not a key (use e.g. \"q\", \"ctrl-r\", \"f5\", \"tab\")")
                })?)
            }
        };
        Ok(Self { code, modifiers })
    }

    /// How the key bar and help show it.
    pub fn label(&self) -> String {
        let key = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "tab".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Delete => "del".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("ctrl-{key}")
        } else if self.modifiers.contains(KeyModifiers::ALT) {
            format!("alt-{key}")
        } else {
            key
        }
    }
}

/// The dashboard-wide commands.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub quit: Binding,
    pub help: Binding,
    pub palette: Binding,
    pub filter: Binding,
    pub refresh: Binding,
    pub copy: Binding,
    pub focus: Binding,
    /// Hides or shows the project tree (narrow terminals hide it).
    pub tree: Binding,
}

/// A global key as the key bar, `?`, the README and `[keys]` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Global {
    /// Its name in the `[keys]` table.
    pub name: &'static str,
    pub binding: Binding,
    /// What it does, in the key bar's words.
    pub what: &'static str,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            quit: Binding::plain('q'),
            help: Binding::plain('?'),
            palette: Binding::plain(':'),
            filter: Binding::plain('/'),
            refresh: Binding::plain('r'),
            copy: Binding::plain('y'),
            focus: Binding::key(KeyCode::Tab),
            // Upper case: lower-case letters belong to the views.
            tree: Binding::plain('T'),
        }
    }
}

impl Keymap {
    /// Every global key, in the order the key bar shows them (help and
    /// quit last: the bar keeps those two at any width). The app's
    /// dispatch, the bar, `?` and the README are all checked against it.
    pub fn globals(&self) -> [Global; 8] {
        let g = |name, binding, what| Global {
            name,
            binding,
            what,
        };
        [
            g("focus", self.focus, "pane"),
            g("palette", self.palette, "command"),
            g("filter", self.filter, "filter"),
            g("refresh", self.refresh, "refresh"),
            g("copy", self.copy, "copy"),
            g("tree", self.tree, "tree"),
            g("help", self.help, "help"),
            g("quit", self.quit, "quit"),
        ]
    }

    fn slot(&mut self, name: &str) -> Option<&mut Binding> {
        Some(match name {
            "quit" => &mut self.quit,
            "help" => &mut self.help,
            "palette" => &mut self.palette,
            "filter" => &mut self.filter,
            "refresh" => &mut self.refresh,
            "copy" => &mut self.copy,
            "focus" => &mut self.focus,
            "tree" => &mut self.tree,
            _ => return None,
        })
    }

    pub fn from_overrides(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut map = Self::default();
        let known: Vec<&str> = map.globals().iter().map(|g| g.name).collect();
        for (name, key) in overrides {
            let binding = Binding::parse(key).map_err(|e| format!("[keys] {name}: {e}"))?;
            let Some(slot) = map.slot(name) else {
                return Err(format!(
                    "[keys] has no command {name:?} (known: {})",
                    known.join(", ")
                ));
            };
            *slot = binding;
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_parse_match_and_label() {
        let b = Binding::parse("ctrl-r").unwrap();
        assert!(b.matches(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)));
        assert!(!b.matches(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)));
        assert_eq!(b.label(), "ctrl-r");
        assert_eq!(Binding::parse("F5").unwrap().code, KeyCode::F(5));
        let shifted = Binding::parse("G").unwrap();
        assert!(shifted.matches(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(Binding::parse("ctrl-").is_err());
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), "ctrl-q".to_string());
        assert_eq!(Keymap::from_overrides(&o).unwrap().quit.label(), "ctrl-q");
        o.insert("fly".into(), "x".into());
        let err = Keymap::from_overrides(&o).unwrap_err();
        assert!(err.contains("fly") && err.contains("tree"), "{err}");
    }

    #[test]
    fn every_listed_global_can_be_remapped_by_its_name() {
        let mut map = Keymap::default();
        for g in map.clone().globals() {
            let slot = map.slot(g.name).expect(g.name);
            assert_eq!(*slot, g.binding, "{} is the key it lists", g.name);
        }
    }
}

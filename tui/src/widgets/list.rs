//! The cursor over a list, with `/` filtering and the window of rows to
//! draw (only the visible slice is ever built, so a 10,000-record zone
//! costs what a screenful does).

use std::ops::Range;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::LineInput;

#[derive(Debug, Default, Clone)]
pub struct Picker {
    /// Index into the filtered rows.
    pub selected: usize,
    /// First row drawn last time (kept so scrolling is stable).
    pub offset: usize,
    pub filter: LineInput,
    /// Typing goes into the filter.
    pub filtering: bool,
}

/// The keys that move a list's cursor ([`Picker::on_key`]), as `?`
/// lists them.
pub const MOVE_KEYS: &[(&str, &str)] = &[
    ("↑↓/jk", "move"),
    ("pgup/pgdn", "page"),
    ("ctrl-d/ctrl-u", "half a page"),
    ("g/G", "first/last"),
];

pub enum PickerKey {
    /// The key moved the cursor or edited the filter.
    Used,
    /// Not a list key.
    Ignored,
}

impl Picker {
    /// The rows whose text contains the filter (case-insensitive).
    pub fn matches<T>(&self, items: &[T], text: impl Fn(&T) -> String) -> Vec<usize> {
        let needle = self.filter.text().to_lowercase();
        if needle.is_empty() {
            return (0..items.len()).collect();
        }
        items
            .iter()
            .enumerate()
            .filter(|(_, item)| text(item).to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// Index into `rows` (the filtered list) under the cursor.
    pub fn current(&self, rows: &[usize]) -> Option<usize> {
        rows.get(self.selected.min(rows.len().saturating_sub(1)))
            .copied()
    }

    pub fn start_filter(&mut self) {
        self.filtering = true;
    }

    /// Movement and filter keys; `len` is the number of filtered rows,
    /// `page` the rows visible at once.
    pub fn on_key(&mut self, key: &KeyEvent, len: usize, page: usize) -> PickerKey {
        if self.filtering {
            match key.code {
                KeyCode::Enter => self.filtering = false,
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.set("");
                }
                KeyCode::Up | KeyCode::Down => return self.step(key, len, page),
                _ => {
                    if !self.filter.on_key(key) {
                        return PickerKey::Ignored;
                    }
                    self.selected = 0;
                }
            }
            return PickerKey::Used;
        }
        self.step(key, len, page)
    }

    fn step(&mut self, key: &KeyEvent, len: usize, page: usize) -> PickerKey {
        let last = len.saturating_sub(1);
        let page = page.max(1);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        self.selected = match key.code {
            KeyCode::Down | KeyCode::Char('j') => (self.selected + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => self.selected.saturating_sub(1),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            KeyCode::PageDown => (self.selected + page).min(last),
            KeyCode::Char('d') if ctrl => (self.selected + page / 2).min(last),
            KeyCode::PageUp => self.selected.saturating_sub(page),
            KeyCode::Char('u') if ctrl => self.selected.saturating_sub(page / 2),
            _ => return PickerKey::Ignored,
        };
        PickerKey::Used
    }

    /// Clears the filter if one is set (Esc); false when there was none.
    pub fn clear_filter(&mut self) -> bool {
        let had = !self.filter.text().is_empty();
        self.filter.set("");
        self.filtering = false;
        had
    }

    /// Rows `[start, end)` to draw in `height` lines, scrolled so the
    /// cursor is visible.
    pub fn window(&mut self, len: usize, height: usize) -> Range<usize> {
        self.selected = self.selected.min(len.saturating_sub(1));
        if height == 0 || len == 0 {
            return 0..0;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
        self.offset..(self.offset + height).min(len)
    }

    /// The filter line to show under a list, if any.
    pub fn filter_line(&self) -> Option<String> {
        (self.filtering || !self.filter.text().is_empty()).then(|| {
            format!(
                "/{}{}",
                self.filter.text(),
                if self.filtering { "▏" } else { "" }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn filters_moves_and_windows() {
        let items = ["web", "api", "admin", "worker"];
        let mut p = Picker::default();
        p.start_filter();
        for c in "a".chars() {
            p.on_key(&k(KeyCode::Char(c)), 4, 10);
        }
        let rows = p.matches(&items, |s| s.to_string());
        assert_eq!(rows, vec![1, 2]);
        p.on_key(&k(KeyCode::Enter), rows.len(), 10);
        assert!(!p.filtering);
        p.on_key(&k(KeyCode::Char('j')), rows.len(), 10);
        assert_eq!(p.current(&rows), Some(2));
        assert!(p.clear_filter());

        let mut p = Picker {
            selected: 50,
            ..Picker::default()
        };
        assert_eq!(p.window(100, 10), 41..51);
        p.selected = 45;
        assert_eq!(p.window(100, 10), 41..51, "no jump while visible");
        p.selected = 3;
        assert_eq!(p.window(100, 10), 3..13);
        assert_eq!(p.window(0, 10), 0..0);
    }
}

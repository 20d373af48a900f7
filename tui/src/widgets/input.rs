//! A one-line text input: cursor movement, editing, paste.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineInput {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
    /// Show bullets instead of the text (tokens being pasted).
    pub masked: bool,
}

impl LineInput {
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let cursor = text.chars().count();
        Self {
            text,
            cursor,
            masked: false,
        }
    }

    pub fn masked() -> Self {
        Self {
            masked: true,
            ..Self::default()
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn set(&mut self, text: impl Into<String>) {
        *self = Self {
            masked: self.masked,
            ..Self::new(text)
        };
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map(|(i, _)| i)
            .unwrap_or(self.text.len())
    }

    /// Inserts pasted text; line breaks become spaces (one line).
    pub fn insert_str(&mut self, s: &str) {
        for c in s.chars() {
            self.insert(if c == '\n' || c == '\r' { ' ' } else { c });
        }
    }

    fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Handles editing keys; false for keys it does not use.
    pub fn on_key(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.chars().count(),
            KeyCode::Char(c) if !ctrl => self.insert(c),
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.chars().count(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    /// What to draw, and the cursor column within it.
    pub fn display(&self) -> (String, usize) {
        if self.masked {
            ("•".repeat(self.text.chars().count()), self.cursor)
        } else {
            (self.text.clone(), self.cursor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_at_the_cursor_with_multibyte_text() {
        let mut i = LineInput::new("hé");
        i.on_key(&k(KeyCode::Left));
        i.on_key(&k(KeyCode::Char('x')));
        assert_eq!(i.text(), "hxé");
        i.on_key(&k(KeyCode::Backspace));
        i.on_key(&k(KeyCode::End));
        i.insert_str("a\nb");
        assert_eq!(i.text(), "héa b");
        assert!(!i.on_key(&k(KeyCode::Enter)), "enter is the caller's");
        let m = LineInput {
            masked: true,
            ..LineInput::new("secret")
        };
        assert_eq!(m.display().0, "••••••");
    }
}

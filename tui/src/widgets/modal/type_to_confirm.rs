//! The strongest confirmation: the user types the name of what goes.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{Body, CANCEL, KeyHelp, Outcome, draw_input, key};
use crate::theme::Theme;
use crate::widgets::input::LineInput;

pub struct TypeToConfirm<I> {
    expected: String,
    input: LineInput,
    intent: I,
    /// Enter was pressed on another name: said under the input until the
    /// next key.
    mismatch: bool,
}

impl<I> TypeToConfirm<I> {
    pub fn new(expected: String, intent: I) -> Self {
        Self {
            expected,
            input: LineInput::default(),
            intent,
            mismatch: false,
        }
    }
}

impl<I: Clone> Body<I> for TypeToConfirm<I> {
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("type", "the name shown"),
            key("enter", "confirm"),
            CANCEL,
        ]
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        self.mismatch = false;
        if key.code != KeyCode::Enter {
            self.input.on_key(key);
            return Outcome::Open;
        }
        if self.input.text() == self.expected {
            Outcome::Confirmed(self.intent.clone(), self.expected.clone())
        } else {
            self.mismatch = true;
            Outcome::Open
        }
    }

    fn typed(&self) -> String {
        self.input.text().to_string()
    }

    fn on_paste(&mut self, text: &str) {
        self.input.insert_str(text);
    }

    /// The input, the mismatch if there is one, and a blank line.
    fn height(&self) -> u16 {
        2 + u16::from(self.mismatch)
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let label = format!("type {}", self.expected);
        draw_input(frame, area, &label, &self.input, true, theme);
        if self.mismatch && area.height > 1 {
            let row = Rect {
                y: area.y + 1,
                height: 1,
                ..area
            };
            let why = format!("✗ that is not the name: type {} exactly", self.expected);
            frame.render_widget(Line::styled(why, theme.error), row);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyModifiers;

    use super::super::Modal;
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn type_to_confirm_needs_the_exact_name() {
        let mut m = Modal::type_to_confirm("Delete", vec![], "shop-db", 7);
        m.on_paste("shop-d");
        assert!(matches!(m.on_key(&k(KeyCode::Enter)), Outcome::Open));
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 12)).unwrap();
        terminal.draw(|f| m.draw(f, &Theme::monochrome())).unwrap();
        let screen = format!("{:?}", terminal.backend().buffer());
        assert!(screen.contains("type shop-db exactly"), "{screen}");
        m.on_key(&k(KeyCode::Char('b')));
        assert!(matches!(
            m.on_key(&k(KeyCode::Enter)),
            Outcome::Confirmed(7, _)
        ));
    }
}

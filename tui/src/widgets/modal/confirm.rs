//! Yes or no, focused on no: enter alone cancels, so a stray enter (or
//! one pressed out of habit) never deletes or rotates anything. `y`
//! confirms; ←/→ (or tab) moves the focus to yes for enter.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Body, KeyHelp, Outcome, key};
use crate::theme::Theme;

pub struct Confirm<I> {
    pub intent: I,
    /// Enter confirms: only once the user moved the focus to yes.
    yes: bool,
}

impl<I> Confirm<I> {
    pub fn new(intent: I) -> Self {
        Self { intent, yes: false }
    }
}

impl<I: Clone> Body<I> for Confirm<I> {
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("y", "yes"),
            key("n/esc", "no"),
            key("←/→", "choose"),
            if self.yes {
                key("enter", "yes")
            } else {
                key("enter", "no")
            },
        ]
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        match key.code {
            KeyCode::Char('y') => Outcome::Confirmed(self.intent.clone(), String::new()),
            KeyCode::Enter if self.yes => Outcome::Confirmed(self.intent.clone(), String::new()),
            KeyCode::Char('n') | KeyCode::Enter => Outcome::Cancelled,
            KeyCode::Left
            | KeyCode::Right
            | KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Char('h')
            | KeyCode::Char('l') => {
                self.yes = !self.yes;
                Outcome::Open
            }
            _ => Outcome::Open,
        }
    }

    /// The two choices and a blank line.
    fn height(&self) -> u16 {
        2
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let style = |on: bool| if on { theme.selected } else { theme.dim };
        let choices = Line::from(vec![
            Span::styled(" No ", style(!self.yes)),
            Span::raw("   "),
            Span::styled(" Yes ", style(self.yes)),
        ]);
        frame.render_widget(choices, Rect { height: 1, ..area }.intersection(area));
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
    fn enter_on_a_fresh_confirm_is_no() {
        let mut m = Modal::confirm("Delete", vec![], 1);
        assert!(matches!(m.on_key(&k(KeyCode::Enter)), Outcome::Cancelled));
        let mut m = Modal::confirm("Delete", vec![], 1);
        m.on_key(&k(KeyCode::Right));
        assert!(matches!(
            m.on_key(&k(KeyCode::Enter)),
            Outcome::Confirmed(1, _)
        ));
        let mut m = Modal::confirm("Delete", vec![], 1);
        assert!(matches!(
            m.on_key(&k(KeyCode::Char('y'))),
            Outcome::Confirmed(1, _)
        ));
    }
}

//! Yes or no: y / enter confirms, n / esc cancels.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::{Body, KeyHelp, Outcome, key};
use crate::theme::Theme;

pub struct Confirm<I> {
    pub intent: I,
}

impl<I: Clone> Body<I> for Confirm<I> {
    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("y/enter", "confirm"), key("n/esc", "cancel")]
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        match key.code {
            KeyCode::Char('y') | KeyCode::Enter => {
                Outcome::Confirmed(self.intent.clone(), String::new())
            }
            KeyCode::Char('n') => Outcome::Cancelled,
            _ => Outcome::Open,
        }
    }

    fn height(&self) -> u16 {
        0
    }

    fn draw(&self, _frame: &mut Frame<'_>, _area: Rect, _theme: &Theme) {}
}

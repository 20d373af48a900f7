//! Yes or no: y confirms, n / esc cancel; enter confirms, or (for a
//! question whose safe answer is no) cancels.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::{Body, KeyHelp, Outcome, key};
use crate::theme::Theme;

pub struct Confirm<I> {
    pub intent: I,
    /// Enter answers yes; without it enter answers no (the default).
    pub enter_confirms: bool,
}

impl<I: Clone> Body<I> for Confirm<I> {
    fn keys(&self) -> Vec<KeyHelp> {
        if self.enter_confirms {
            vec![key("y/enter", "confirm"), key("n/esc", "cancel")]
        } else {
            vec![key("y", "yes"), key("n/enter/esc", "no")]
        }
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        match key.code {
            KeyCode::Char('y') => Outcome::Confirmed(self.intent.clone(), String::new()),
            KeyCode::Enter if self.enter_confirms => {
                Outcome::Confirmed(self.intent.clone(), String::new())
            }
            KeyCode::Char('n') | KeyCode::Enter => Outcome::Cancelled,
            _ => Outcome::Open,
        }
    }

    fn height(&self) -> u16 {
        0
    }

    fn draw(&self, _frame: &mut Frame<'_>, _area: Rect, _theme: &Theme) {}
}

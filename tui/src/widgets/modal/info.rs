//! Text to read and copy: nameservers to set, records to publish.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::{Body, KeyHelp, Outcome, key};
use crate::theme::Theme;

pub struct Info;

impl<I> Body<I> for Info {
    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("y", "copy"), key("enter/esc", "close")]
    }

    fn on_key(&mut self, key: &KeyEvent, text: &[String]) -> Outcome<I> {
        match key.code {
            KeyCode::Char('y') => Outcome::Copy(text.join("\n")),
            KeyCode::Enter | KeyCode::Char('q') => Outcome::Cancelled,
            _ => Outcome::Open,
        }
    }

    fn height(&self) -> u16 {
        0
    }

    fn draw(&self, _frame: &mut Frame<'_>, _area: Rect, _theme: &Theme) {}
}

//! A one-time secret (a database token): masked until `v`, copied with
//! `y`, never printed unless asked.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{Body, KeyHelp, Outcome, key};
use crate::theme::Theme;

pub struct Reveal {
    secret: comwit_client::Secret,
    shown: bool,
}

impl Reveal {
    pub fn new(secret: comwit_client::Secret) -> Self {
        Self {
            secret,
            shown: false,
        }
    }
}

impl<I> Body<I> for Reveal {
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("y", "copy"),
            key("v", "show/hide"),
            key("enter/esc", "close"),
        ]
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        match key.code {
            KeyCode::Char('y') => Outcome::Copy(self.secret.expose().to_string()),
            KeyCode::Char('v') => {
                self.shown = !self.shown;
                Outcome::Open
            }
            KeyCode::Enter | KeyCode::Char('q') => Outcome::Cancelled,
            _ => Outcome::Open,
        }
    }

    fn height(&self) -> u16 {
        2
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let text = if self.shown {
            self.secret.expose().to_string()
        } else {
            "•".repeat(24)
        };
        let row = Rect {
            height: area.height.min(1),
            ..area
        };
        frame.render_widget(Line::styled(text, theme.warn), row);
    }
}

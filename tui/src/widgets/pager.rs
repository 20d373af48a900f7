//! A scrolling text overlay (the help, the message log): ↑↓/jk by line,
//! pgup/pgdn/space by page, g/G to the ends; any other key closes it.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::theme::Theme;

/// The keys a pager takes ([`Pager::on_key`]), as its last line and the
/// key bar show them.
pub const PAGER_KEYS: &[(&str, &str)] = &[
    ("↑↓/jk", "scroll"),
    ("pgup/pgdn/space", "page"),
    ("g/G", "top/end"),
    ("other keys", "close"),
];

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Pager {
    /// First line shown.
    pub offset: usize,
    /// Lines shown at once and the last possible offset, measured when
    /// drawn (keys scroll by what the user saw).
    page: usize,
    max: usize,
}

impl Pager {
    /// Opened at the end (the message log: newest last, in view).
    pub fn at_end() -> Self {
        Self {
            offset: usize::MAX,
            ..Self::default()
        }
    }

    /// True when the key scrolled; false means close.
    pub fn on_key(&mut self, key: &KeyEvent) -> bool {
        let page = self.page.max(1);
        self.offset = match key.code {
            KeyCode::Down | KeyCode::Char('j') => self.offset.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => self.offset.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.offset.saturating_add(page),
            KeyCode::PageUp => self.offset.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => usize::MAX,
            _ => return false,
        }
        .min(self.max);
        true
    }

    /// Draws `lines` in a bordered box over `area`, from the offset; the
    /// title says where in the text the view is when it does not all fit.
    pub fn draw(
        &mut self,
        frame: &mut Frame<'_>,
        area: Rect,
        title: &str,
        lines: Vec<Line<'static>>,
        theme: &Theme,
    ) {
        // The last line of the box says how to scroll and close.
        self.page = area.height.saturating_sub(3) as usize;
        self.max = lines.len().saturating_sub(self.page);
        self.offset = self.offset.min(self.max);
        let end = (self.offset + self.page).min(lines.len());
        let mut shown: Vec<Line<'static>> = lines[self.offset..end].to_vec();
        shown.resize(self.page, Line::raw(""));
        let keys: Vec<String> = PAGER_KEYS.iter().map(|(k, w)| format!("{k} {w}")).collect();
        shown.push(Line::styled(keys.join("  "), theme.dim));
        let title = if self.max == 0 {
            format!(" {title} ")
        } else {
            format!(" {title} · {}-{} of {} ", self.offset + 1, end, lines.len())
        };
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(shown).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(title),
            ),
            area,
        );
    }
}

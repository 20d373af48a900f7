//! The facts of a node that has no richer view of its own (every tree
//! row has one now; this is what any other key falls back to).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Update, View};
use crate::context::Ctx;
use crate::theme::Theme;
use crate::tree::Node;

pub struct DetailView {
    node: Node,
}

impl DetailView {
    pub fn new(node: Node) -> Self {
        Self { node }
    }
}

impl View for DetailView {
    fn title(&self) -> String {
        self.node.label.clone()
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let facts = self.node.facts.lines();
        let lines: Vec<Line<'_>> = if facts.is_empty() {
            vec![Line::raw(format!(
                "{}: the platform listed nothing more about it",
                self.node.label
            ))]
        } else {
            facts
                .into_iter()
                .map(|(k, v)| {
                    Line::from(vec![
                        Span::styled(format!("{k:>12}  "), theme.accent),
                        Span::raw(v),
                    ])
                })
                .collect()
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(panel(&self.title(), theme, focused)),
            area,
        );
    }

    fn refresh(&mut self, _cx: &mut Ctx<'_>) {}

    fn copy(&self) -> Option<(String, String)> {
        let (label, value) = self.node.facts.lines().into_iter().next()?;
        Some((label.to_string(), value))
    }
}

/// The bordered panel every view draws in; focused panels stand out.
pub fn panel<'a>(title: &str, theme: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(format!(" {title} "))
}

/// The detail pane spawns nothing.
impl Update for DetailView {
    type Msg = std::convert::Infallible;

    fn update(&mut self, msg: Self::Msg, _cx: &mut Ctx<'_>) {
        match msg {}
    }
}

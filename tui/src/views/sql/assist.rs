//! The console's help with writing SQL: the schema catalog pane (`F2`)
//! and the suggestions under the cursor (`ctrl-space`, and after
//! `alias.`), both fed by the catalog read through the console's session.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::catalog::{self, Asked};
use super::{Completion, Conn, Msg, Pane, SqlView, complete, statement};
use crate::context::Ctx;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::text::ellipsize;

/// The catalog pane's keys, for `?`.
pub const CATALOG_KEYS: &[(&str, &str)] = &[
    (
        "enter/→",
        "schema: show a table's columns (on a column: insert its name)",
    ),
    ("←", "schema: hide the columns"),
    ("i", "schema: insert the name into the editor"),
    ("c", "schema: count the table's rows"),
    ("esc", "schema: back to the editor"),
];

/// The suggestions' keys, while they are open.
pub const COMPLETION_KEYS: &[(&str, &str)] = &[
    ("tab/enter", "take the suggestion"),
    ("↑↓", "choose"),
    ("esc", "close the suggestions"),
];

/// Why suggestions are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// `ctrl-space`: shown, or "none here" said.
    Asked,
    /// A `.` was typed: shown only when they are an alias's columns.
    Dot,
    /// Typing while they are open: they follow, or close.
    Typing,
}

/// Suggestions shown at once.
const SHOWN: usize = 8;

impl SqlView {
    /// The catalog was read: suggestions asked for meanwhile open now.
    pub(super) fn catalog_loaded(
        &mut self,
        read: Result<Vec<catalog::Object>, String>,
        cx: &mut Ctx<'_>,
    ) {
        self.catalog.loaded(read);
        if let Some(why) = self.completion_waits.take()
            && self.catalog.objects.is_some()
        {
            self.complete(why, cx);
        }
    }

    /// `F2`: shows the catalog and goes to it; from it, hides it.
    pub(super) fn toggle_catalog(&mut self, cx: &mut Ctx<'_>) {
        if self.catalog_shown && self.pane == Pane::Catalog {
            self.catalog_shown = false;
            self.pane = Pane::Editor;
            return;
        }
        self.catalog_shown = true;
        self.pane = Pane::Catalog;
        if self.catalog.objects.is_none() && !self.catalog.loading {
            self.load_catalog(cx);
        }
    }

    /// Reads the catalog again (once connected).
    pub(super) fn load_catalog(&mut self, cx: &mut Ctx<'_>) {
        let Conn::Ready { session, .. } = &self.conn else {
            return;
        };
        self.catalog.loading = true;
        let session = session.clone();
        cx.spawn(async move {
            let read = catalog::load(session).await;
            Msg::Catalog(read.map_err(|e| e.to_string()))
        });
    }

    /// A key in the catalog pane: false when the console's keys take it.
    pub(super) fn on_catalog_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        match self.catalog.on_key(key) {
            Asked::Ignored => return false,
            Asked::Nothing => {}
            Asked::Leave => self.pane = Pane::Editor,
            Asked::Insert(name) => {
                self.editor.insert_str(name);
                self.replaced_steps = 0;
                self.buffers.touched();
                self.pane = Pane::Editor;
            }
            Asked::Count(table) => {
                let Conn::Ready { session, .. } = &self.conn else {
                    return true;
                };
                let session = session.clone();
                cx.spawn(async move {
                    let counted = catalog::count_rows(session, &table).await;
                    Msg::Counted(table, counted.map_err(|e| e.to_string()))
                });
            }
        }
        true
    }

    /// The suggestions for the word at the cursor, `why` they are asked
    /// for. Before the catalog is read they wait for it.
    pub(super) fn complete(&mut self, why: Why, cx: &mut Ctx<'_>) {
        let text = self.text();
        let ratatui_textarea::DataCursor(row, col) = self.editor.cursor();
        let offset = statement::offset_of(self.editor.lines(), row, col);
        // Tables and columns come with the catalog: until it is read,
        // the suggestions wait for it.
        if self.catalog.objects.is_none() {
            self.completion_waits = Some(why);
            if !self.catalog.loading {
                self.load_catalog(cx);
            }
            return;
        }
        let objects = self.catalog.objects.as_deref().unwrap_or_default();
        let suggestions = complete::suggest(&text, offset, objects);
        let offered = match why {
            Why::Dot => suggestions.qualified,
            Why::Asked | Why::Typing => true,
        };
        self.completion = if suggestions.items.is_empty() || !offered {
            if why == Why::Asked {
                cx.toast(Level::Info, "no suggestions here");
            }
            None
        } else {
            Some(Completion {
                suggestions,
                selected: 0,
            })
        };
    }

    /// A key while suggestions are open: true when they took it. Typing
    /// goes on into the editor, and the suggestions follow it.
    pub(super) fn on_completion_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        let Some(open) = &mut self.completion else {
            return false;
        };
        let last = open.suggestions.items.len().saturating_sub(1);
        match key.code {
            KeyCode::Up => open.selected = open.selected.saturating_sub(1),
            KeyCode::Down => open.selected = (open.selected + 1).min(last),
            KeyCode::Esc => self.completion = None,
            KeyCode::Tab | KeyCode::Enter => self.take_suggestion(),
            KeyCode::Char(c) if key.modifiers.is_empty() || c.is_uppercase() => {
                self.editor.input(*key);
                self.replaced_steps = 0;
                self.buffers.touched();
                self.complete(Why::Typing, cx);
            }
            KeyCode::Backspace => {
                self.editor.input(*key);
                self.buffers.touched();
                self.complete(Why::Typing, cx);
            }
            _ => {
                self.completion = None;
                return false;
            }
        }
        true
    }

    fn take_suggestion(&mut self) {
        let Some(open) = self.completion.take() else {
            return;
        };
        let Some(chosen) = open.suggestions.items.get(open.selected) else {
            return;
        };
        for _ in open.suggestions.prefix.chars() {
            self.editor.delete_char();
        }
        self.editor.insert_str(chosen);
        self.replaced_steps = 0;
        self.buffers.touched();
    }

    /// The suggestions, under the cursor where the editor was drawn.
    pub(super) fn draw_completion(&self, frame: &mut Frame<'_>, theme: &Theme) {
        let Some(open) = &self.completion else {
            return;
        };
        let area = self.editor_area.get();
        let (top, left) = self.editor.scroll_offset();
        let ratatui_textarea::DataCursor(row, col) = self.editor.cursor();
        let x = area.x + (col as u16).saturating_sub(left);
        let y = area.y + (row as u16).saturating_sub(top) + 1;
        let items = &open.suggestions.items;
        let first = open.selected.saturating_sub(SHOWN - 1);
        let shown = &items[first..items.len().min(first + SHOWN)];
        let width = shown.iter().map(|i| i.chars().count()).max().unwrap_or(0) as u16 + 4;
        let screen = frame.area();
        let width = width.min(screen.width.saturating_sub(x)).max(6);
        let height = (shown.len() as u16 + 2).min(screen.height.saturating_sub(y));
        let rect = Rect::new(x.min(screen.width.saturating_sub(width)), y, width, height);
        let lines: Vec<Line<'static>> = shown
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let text = ellipsize(item, width.saturating_sub(2) as usize);
                if first + i == open.selected {
                    Line::styled(text, theme.selected)
                } else {
                    Line::raw(text)
                }
            })
            .collect();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }
}

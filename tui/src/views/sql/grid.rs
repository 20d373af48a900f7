//! The results grid: a cursor over rows and columns of one result set.
//! Only the rows and columns on screen are ever formatted, so a 200,000
//! row result costs what a screenful does.

use std::ops::Range;
use std::sync::Arc;

use comwit_client::sql::SqlValue;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::runner::ResultSet;
use crate::theme::Theme;
use crate::widgets::list::{Picker, PickerKey};
use crate::widgets::text::ellipsize;

/// The keys that move in the grid ([`Grid::on_key`]), as the bar and `?`
/// list them.
pub const MOVE_KEYS: &[(&str, &str)] = &[
    ("↑↓←→/hjkl", "move"),
    ("pgup/pgdn", "page"),
    ("g/G", "first/last row"),
    ("0/$", "first/last column"),
];

/// No column is drawn wider than this; `y` copies the whole value.
pub const MAX_WIDTH: usize = 40;
/// Rows looked at to size the columns (the rest are assumed alike).
const SAMPLE: usize = 1_000;
const SEPARATOR: &str = " │ ";
/// Blobs this short are shown in full as hex.
const SHORT_BLOB: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A value as one line of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub align: Align,
    pub null: bool,
}

/// How a value is shown: NULL set apart, numbers to the right, blobs by
/// size (short ones as hex), text on one line.
pub fn cell(value: &SqlValue) -> Cell {
    let (text, align) = match value {
        SqlValue::Null => {
            return Cell {
                text: "NULL".into(),
                align: Align::Left,
                null: true,
            };
        }
        SqlValue::Integer(n) => (n.to_string(), Align::Right),
        SqlValue::Float(x) => (float(*x), Align::Right),
        SqlValue::Text(t) => (one_line(t), Align::Left),
        SqlValue::Blob(b) if b.len() <= SHORT_BLOB => (format!("x'{}'", hex(b)), Align::Left),
        SqlValue::Blob(b) => (
            format!("<blob {} bytes> {}…", b.len(), hex(&b[..SHORT_BLOB / 2])),
            Align::Left,
        ),
    };
    Cell {
        text,
        align,
        null: false,
    }
}

/// A value in full, for the clipboard (blobs as hex).
pub fn copy_text(value: &SqlValue) -> String {
    match value {
        SqlValue::Blob(b) => hex(b),
        SqlValue::Float(x) => float(*x),
        other => other.to_string(),
    }
}

/// Floats keep a decimal point (`3.0`, as SQLite prints them), so they
/// are not mistaken for integers.
pub fn float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn one_line(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\r')
        .map(|c| match c {
            '\n' => '⏎',
            '\t' => ' ',
            c => c,
        })
        .collect()
}

/// Display width in terminal cells (ratatui measures wide characters).
pub fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` cells (with `…` when cut) and padded to it.
pub fn fit(text: &str, width: usize, align: Align) -> String {
    let out = ellipsize(text, width);
    let pad = " ".repeat(width.saturating_sub(width_of(&out)));
    match align {
        Align::Left => out + &pad,
        Align::Right => pad + &out,
    }
}

pub struct Grid {
    pub data: Arc<ResultSet>,
    /// The row cursor (never filtering).
    pub rows: Picker,
    pub col: usize,
    /// First column drawn.
    pub col_offset: usize,
    widths: Vec<usize>,
    aligns: Vec<Align>,
}

impl Grid {
    pub fn new(data: Arc<ResultSet>) -> Self {
        let mut widths: Vec<usize> = data.columns.iter().map(|c| width_of(c)).collect();
        let mut aligns = vec![None; data.columns.len()];
        for row in data.rows.iter().take(SAMPLE) {
            for (i, v) in row.iter().enumerate().take(widths.len()) {
                let c = cell(v);
                widths[i] = widths[i].max(width_of(&c.text));
                if aligns[i].is_none() && !c.null {
                    aligns[i] = Some(c.align);
                }
            }
        }
        Self {
            widths: widths.into_iter().map(|w| w.clamp(1, MAX_WIDTH)).collect(),
            aligns: aligns
                .into_iter()
                .map(|a| a.unwrap_or(Align::Left))
                .collect(),
            data,
            rows: Picker::default(),
            col: 0,
            col_offset: 0,
        }
    }

    #[cfg(test)]
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// Row and column movement; `page` is the rows visible at once.
    /// Left and right are always used (at the edge too), so they never
    /// fall through to leaving the view.
    pub fn on_key(&mut self, key: &KeyEvent, page: usize) -> bool {
        let last_col = self.data.columns.len().saturating_sub(1);
        match key.code {
            KeyCode::Left | KeyCode::Char('h') => self.col = self.col.saturating_sub(1),
            KeyCode::Right | KeyCode::Char('l') => self.col = (self.col + 1).min(last_col),
            KeyCode::Char('0') => self.col = 0,
            KeyCode::Char('$') => self.col = last_col,
            _ => {
                return matches!(
                    self.rows.on_key(key, self.data.rows.len(), page),
                    PickerKey::Used
                );
            }
        }
        true
    }

    /// The columns drawn in `width` cells, moving the offset so the
    /// selected column is among them. At least one column is drawn (cut
    /// to the width) so a very wide one is still seen.
    pub fn visible_columns(&mut self, width: usize) -> Range<usize> {
        let n = self.widths.len();
        if n == 0 {
            return 0..0;
        }
        self.col = self.col.min(n - 1);
        self.col_offset = self.col_offset.min(self.col);
        loop {
            let end = self.fits_from(self.col_offset, width);
            if self.col < end || self.col_offset == self.col {
                return self.col_offset..end.max(self.col_offset + 1);
            }
            self.col_offset += 1;
        }
    }

    /// The end of the run of columns from `start` that fits in `width`.
    fn fits_from(&self, start: usize, width: usize) -> usize {
        let mut used = 0;
        let mut end = start;
        for w in &self.widths[start..] {
            // The separator (" │ ") takes three cells.
            let need = if end == start { *w } else { *w + 3 };
            if used + need > width {
                break;
            }
            used += need;
            end += 1;
        }
        end
    }

    pub fn selected_value(&self) -> Option<&SqlValue> {
        let rows = &self.data.rows;
        rows.get(self.rows.selected.min(rows.len().saturating_sub(1)))
            .and_then(|r| r.get(self.col))
    }

    /// Draws the header, a rule and the visible rows into `area`.
    pub fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let total = self.data.rows.len();
        let gutter = total.max(1).to_string().len();
        let width = (area.width as usize).saturating_sub(gutter + 3);
        let height = (area.height as usize).saturating_sub(2);
        let window = self.rows.window(total, height);
        // Rows past the sizing sample may be wider: widen (never narrow,
        // so columns do not jump back and forth while scrolling).
        for row in &self.data.rows[window.clone()] {
            for (i, v) in row.iter().enumerate().take(self.widths.len()) {
                let w = width_of(&cell(v).text).min(MAX_WIDTH);
                self.widths[i] = self.widths[i].max(w);
            }
        }
        let cols = self.visible_columns(width);
        let widths: Vec<usize> = cols
            .clone()
            .map(|i| self.widths[i].min(width.max(1)))
            .collect();

        let mut lines = Vec::with_capacity(height + 2);
        // "◀" in the gutter: there are columns to the left.
        let left = if cols.start > 0 { "◀" } else { " " };
        let mut header = vec![Span::raw(format!("{}{left}│ ", " ".repeat(gutter)))];
        for (k, i) in cols.clone().enumerate() {
            if k > 0 {
                header.push(Span::raw(SEPARATOR));
            }
            header.push(Span::styled(
                fit(&self.data.columns[i], widths[k], self.aligns[i]),
                theme.accent,
            ));
        }
        if cols.end < self.widths.len() {
            header.push(Span::styled(" ▶", theme.dim));
        }
        lines.push(Line::from(header));
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        lines.push(Line::styled(
            format!("{}─┼─{}", "─".repeat(gutter), rule.join("─┼─")),
            theme.dim,
        ));
        for r in window {
            let row = &self.data.rows[r];
            let current = r == self.rows.selected;
            let mut spans = vec![Span::styled(
                format!("{:>gutter$} {} ", r + 1, if current { "▶" } else { "│" }),
                if current { theme.key } else { theme.dim },
            )];
            for (k, i) in cols.clone().enumerate() {
                if k > 0 {
                    spans.push(Span::raw(SEPARATOR));
                }
                let c = row.get(i).map(cell).unwrap_or(Cell {
                    text: String::new(),
                    align: Align::Left,
                    null: false,
                });
                let align = if c.null { self.aligns[i] } else { c.align };
                let mut style = if c.null { theme.dim } else { Style::new() };
                if current && i == self.col {
                    style = if focused { theme.selected } else { theme.key };
                }
                spans.push(Span::styled(fit(&c.text, widths[k], align), style));
            }
            lines.push(Line::from(spans));
        }
        if total == 0 {
            lines.push(Line::styled("(no rows)", theme.dim));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn result(columns: usize, rows: usize, text: &str) -> Arc<ResultSet> {
        Arc::new(ResultSet {
            sql: "select".into(),
            columns: (0..columns).map(|i| format!("c{i}")).collect(),
            rows: (0..rows)
                .map(|r| {
                    (0..columns)
                        .map(|c| SqlValue::Text(format!("{text}{r}.{c}")))
                        .collect()
                })
                .collect(),
            total_rows: rows as u64,
            affected_rows: 0,
            rows_read: None,
            rows_written: None,
            server_ms: None,
            elapsed: std::time::Duration::ZERO,
            streamed: true,
        })
    }

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn cells_show_null_numbers_and_blobs_distinctly() {
        assert!(cell(&SqlValue::Null).null);
        assert_eq!(cell(&SqlValue::Integer(42)).align, Align::Right);
        assert_eq!(cell(&SqlValue::Float(3.0)).text, "3.0");
        assert_eq!(cell(&SqlValue::Float(0.25)).text, "0.25");
        assert_eq!(cell(&SqlValue::Blob(vec![0xde, 0xad])).text, "x'dead'");
        assert_eq!(
            cell(&SqlValue::Blob(vec![1; 300])).text,
            "<blob 300 bytes> 01010101…"
        );
        assert_eq!(cell(&SqlValue::Text("a\nb".into())).text, "a⏎b");
        assert_eq!(copy_text(&SqlValue::Blob(vec![0xab; 20])), "ab".repeat(20));
        assert_eq!(fit("abcdef", 4, Align::Left), "abc…");
        assert_eq!(fit("7", 3, Align::Right), "  7");
        assert_eq!(
            fit("日本語", 4, Align::Left),
            "日… ",
            "wide characters count twice"
        );
    }

    #[test]
    fn widths_come_from_the_data_and_are_capped() {
        let mut data = (*result(2, 3, "v")).clone();
        data.rows[1][1] = SqlValue::Text("x".repeat(100));
        let g = Grid::new(Arc::new(data));
        assert_eq!(g.widths(), &[4, MAX_WIDTH]);
    }

    #[test]
    fn columns_scroll_to_keep_the_selection_visible() {
        // Ten columns, each 10 cells wide ("value--0.0").
        let mut g = Grid::new(result(10, 3, "value--"));
        assert_eq!(g.widths()[0], 10);
        // 10 + 3 + 10 = 23 fits in 30; a third column would need 36.
        assert_eq!(g.visible_columns(30), 0..2);
        for _ in 0..3 {
            g.on_key(&k(KeyCode::Right), 10);
        }
        assert_eq!(g.col, 3);
        assert_eq!(g.visible_columns(30), 2..4);
        g.on_key(&k(KeyCode::Char('0')), 10);
        assert_eq!(g.visible_columns(30), 0..2);
        g.on_key(&k(KeyCode::Char('$')), 10);
        assert_eq!(g.visible_columns(30), 8..10);
        assert!(g.on_key(&k(KeyCode::Right), 10), "used at the edge too");
        assert_eq!(g.col, 9);
        // Too narrow for any whole column: the selected one, cut.
        assert_eq!(g.visible_columns(4), 9..10);
    }

    #[test]
    fn rows_page_and_only_the_window_is_drawn() {
        let mut g = Grid::new(result(1, 10_000, "r"));
        g.on_key(&k(KeyCode::PageDown), 20);
        assert_eq!(g.rows.selected, 20);
        g.on_key(&k(KeyCode::Char('G')), 20);
        assert_eq!(g.rows.selected, 9_999);
        assert_eq!(g.rows.window(10_000, 20), 9_980..10_000);
        assert_eq!(g.selected_value(), Some(&SqlValue::Text("r9999.0".into())));
        let backend = ratatui::backend::TestBackend::new(40, 8);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        terminal
            .draw(|f| g.draw(f, f.area(), &Theme::monochrome(), true))
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        let text: Vec<String> = (0..8)
            .map(|y| (0..40).map(|x| buffer[(x, y)].symbol()).collect())
            .collect();
        assert!(text[0].contains("c0"), "{text:?}");
        assert!(text[7].contains("10000 ▶ r9999.0"), "{text:?}");
        assert!(text[2].contains(" 9995 │ r9994.0"), "{text:?}");
        g.on_key(&k(KeyCode::Char('g')), 20);
        assert_eq!(g.rows.selected, 0);
    }
}

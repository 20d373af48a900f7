//! A list drawn as a table: a status line (loading, stale, failed), the
//! header, only the rows in view, and the filter line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Row, Table, TableState};

use super::list::Picker;
use crate::theme::Theme;

pub struct TableSpec<'a> {
    pub block: Block<'a>,
    pub header: &'a [&'a str],
    pub widths: &'a [Constraint],
    /// Lines above the table (facts about the parent, status).
    pub above: Vec<Line<'a>>,
    /// Shown when there are no rows.
    pub empty: &'a str,
    /// Rows after filtering.
    pub len: usize,
    pub focused: bool,
}

/// Draws `len` rows, building only those in view with `row(i)` (`i`
/// indexes the filtered rows).
pub fn draw<'a>(
    frame: &mut Frame<'_>,
    area: Rect,
    spec: TableSpec<'a>,
    picker: &mut Picker,
    theme: &Theme,
    row: impl Fn(usize) -> Row<'a>,
) {
    let (len, focused) = (spec.len, spec.focused);
    let inner = spec.block.inner(area);
    frame.render_widget(spec.block, area);
    let filter = picker.filter_line();
    let [above, table, below] = Layout::vertical([
        Constraint::Length(spec.above.len() as u16),
        Constraint::Min(1),
        Constraint::Length(u16::from(filter.is_some())),
    ])
    .areas(inner);
    frame.render_widget(ratatui::widgets::Paragraph::new(spec.above), above);
    if let Some(f) = filter {
        frame.render_widget(Line::styled(f, theme.accent), below);
    }
    if len == 0 {
        frame.render_widget(Line::styled(spec.empty, theme.dim), table);
        return;
    }
    let window = picker.window(len, table.height.saturating_sub(1) as usize);
    let rows: Vec<Row<'a>> = window.clone().map(row).collect();
    let mut state = TableState::default().with_selected(Some(picker.selected - window.start));
    frame.render_stateful_widget(
        Table::new(rows, spec.widths.to_vec())
            .header(Row::new(spec.header.to_vec()).style(theme.key))
            .row_highlight_style(if focused {
                theme.selected
            } else {
                theme.dim.patch(theme.selected)
            }),
        table,
        &mut state,
    );
}

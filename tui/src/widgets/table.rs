//! A list drawn as a table: a status line (loading, stale, failed), the
//! header, only the rows in view, a detail pane for the selected row, and
//! the filter line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

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
    /// Lines kept under the table for the selected row's details.
    pub detail: u16,
    pub focused: bool,
}

/// Where [`draw`] put things.
pub struct Drawn {
    /// Rows visible at once (what a page key moves).
    pub page: usize,
    /// The detail pane (zero height when none was asked for).
    pub detail: Rect,
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
) -> Drawn {
    let (len, focused) = (spec.len, spec.focused);
    let inner = spec.block.inner(area);
    frame.render_widget(spec.block, area);
    let filter = picker.filter_line();
    let [above, table, detail, below] = Layout::vertical([
        Constraint::Length(spec.above.len() as u16),
        Constraint::Min(1),
        Constraint::Length(spec.detail),
        Constraint::Length(u16::from(filter.is_some())),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(spec.above), above);
    if let Some(f) = filter {
        frame.render_widget(Line::styled(f, theme.accent), below);
    }
    if len == 0 {
        let empty = Paragraph::new(Line::styled(spec.empty, theme.dim)).wrap(Wrap { trim: false });
        frame.render_widget(empty, table);
        return Drawn { page: 1, detail };
    }
    draw_rows(
        frame,
        table,
        picker,
        len,
        spec.header,
        spec.widths,
        row,
        theme,
        focused,
    );
    Drawn {
        page: table.height.saturating_sub(1).max(1) as usize,
        detail,
    }
}

/// A table over `len` rows that builds only the rows in view: `row(i)`
/// is called for the visible positions `i` of the (filtered) list, so a
/// 10,000-record zone costs what a screenful does. The cursor's row is
/// highlighted; the header takes the first line of `area`.
#[allow(clippy::too_many_arguments)]
pub fn draw_rows<'a>(
    frame: &mut Frame<'_>,
    area: Rect,
    cursor: &mut Picker,
    len: usize,
    header: &[&'a str],
    widths: &[Constraint],
    row: impl Fn(usize) -> Row<'a>,
    theme: &Theme,
    focused: bool,
) {
    let body = area.height.saturating_sub(1) as usize;
    let window = cursor.window(len, body);
    let selected = cursor.selected;
    let highlight = if focused {
        theme.selected
    } else {
        theme.dim.patch(theme.selected)
    };
    let rows: Vec<Row<'a>> = window
        .map(|i| {
            let r = row(i);
            if i == selected { r.style(highlight) } else { r }
        })
        .collect();
    let table = Table::new(rows, widths.to_vec())
        .header(Row::new(header.to_vec()).style(theme.accent))
        .column_spacing(1);
    frame.render_widget(table, area);
}

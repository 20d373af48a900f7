//! A list drawn as a table: a status line (loading, stale, failed), the
//! header, only the rows in view, a detail pane for the selected row, and
//! the filter line.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};

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
    let cut = cut_cells(&rows, widths, area.width);
    let table = Table::new(rows, widths.to_vec())
        .header(Row::new(header.to_vec()).style(theme.accent))
        .column_spacing(COLUMN_SPACING)
        .flex(Flex::Start);
    frame.render_widget(table, area);
    let buf = frame.buffer_mut();
    for (row, x, width) in cut {
        // Under the header line.
        mark_cut(buf, area.x + x, area.y + 1 + row as u16, width);
    }
}

const COLUMN_SPACING: u16 = 1;

/// The cells of `rows` too wide for their column, as (row, column x,
/// column width). A row's cells are opaque once built, so the rows are
/// drawn again off screen with every column a little wider: whatever
/// lands in the extra room was cut from the real table.
fn cut_cells(rows: &[Row<'_>], widths: &[Constraint], width: u16) -> Vec<(usize, u16, u16)> {
    const EXTRA: u16 = 2;
    let columns = Layout::horizontal(widths.to_vec())
        .flex(Flex::Start)
        .spacing(COLUMN_SPACING)
        .split(Rect::new(0, 0, width, 1));
    let wide: Vec<Constraint> = columns
        .iter()
        .map(|c| Constraint::Length(c.width + EXTRA))
        .collect();
    let total = wide.len() as u16 * (EXTRA + COLUMN_SPACING) + width;
    let area = Rect::new(0, 0, total, rows.len() as u16);
    let mut scratch = Buffer::empty(area);
    Table::new(rows.to_vec(), wide)
        .column_spacing(COLUMN_SPACING)
        .flex(Flex::Start)
        .render(area, &mut scratch);
    let mut cut = Vec::new();
    for (i, column) in columns.iter().enumerate().filter(|(_, c)| c.width > 0) {
        // Where this column starts off screen: each earlier one is wider.
        let x = column.x + i as u16 * EXTRA;
        for row in 0..rows.len() as u16 {
            let spilled = (0..EXTRA).any(|dx| {
                let cell = &scratch[(x + column.width + dx, row)];
                !cell.symbol().trim().is_empty()
            });
            if spilled {
                cut.push((row as usize, column.x, column.width));
            }
        }
    }
    cut
}

/// Ends the column at `x`, `width` cells wide, with `…` (over the second
/// half of a wide character too).
fn mark_cut(buf: &mut Buffer, x: u16, y: u16, width: u16) {
    let last = x + width - 1;
    if !buf.area.contains((last, y).into()) {
        return;
    }
    if buf[(last, y)].symbol().is_empty() && width > 1 {
        buf[(last - 1, y)].set_symbol("…");
        buf[(last, y)].set_symbol(" ");
    } else {
        buf[(last, y)].set_symbol("…");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn a_table_marks_the_values_it_cut() {
        let mut terminal = Terminal::new(TestBackend::new(20, 4)).unwrap();
        let widths = [Constraint::Length(6), Constraint::Fill(1)];
        terminal
            .draw(|f| {
                let rows = |i: usize| {
                    let (a, b) = [("web", "fits"), ("storefront", "a value too long here")][i];
                    Row::new(vec![a, b])
                };
                let mut cursor = super::super::list::Picker::default();
                draw_rows(
                    f,
                    f.area(),
                    &mut cursor,
                    2,
                    &["name", "note"],
                    &widths,
                    rows,
                    &Theme::monochrome(),
                    false,
                );
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        let line = |y| (0..20).map(|x| buf[(x, y)].symbol()).collect::<String>();
        assert_eq!(line(1), "web    fits         ");
        assert_eq!(line(2), "store… a value too …");
    }
}

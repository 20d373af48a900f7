//! `EXPLAIN QUERY PLAN` results drawn as the tree they describe: each
//! row's `detail` under its `parent`, with tree glyphs, as the `sqlite3`
//! shell prints them, instead of the id/parent/notused/detail grid.

use std::collections::{HashMap, HashSet};

use comwit_client::sql::SqlValue;
use comwit_client::sql::lexer::tokens;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::grid::{Grid, fit};
use super::runner::ResultSet;
use crate::theme::Theme;

/// The columns SQLite gives an `EXPLAIN QUERY PLAN`, in order.
const COLUMNS: [&str; 4] = ["id", "parent", "notused", "detail"];

/// The statement was an `EXPLAIN QUERY PLAN` and its rows have the
/// plan's columns.
pub fn is_plan(data: &ResultSet) -> bool {
    let words: Vec<String> = tokens(&data.sql)
        .filter(|t| !t.kind.is_trivia())
        .take(3)
        .map(|t| data.sql[t.range].to_ascii_uppercase())
        .collect();
    words == ["EXPLAIN", "QUERY", "PLAN"] && data.columns == COLUMNS
}

/// The grid over a result, on the `detail` column when it is a plan (so
/// `y` and `v` take the step, not its id).
pub fn grid(data: std::sync::Arc<ResultSet>) -> Grid {
    let plan = is_plan(&data);
    let mut grid = Grid::new(data);
    if plan {
        grid.col = COLUMNS.len() - 1;
    }
    grid
}

/// One line of the tree: the row it shows and the glyphs before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub row: usize,
    pub prefix: String,
    pub detail: String,
}

fn integer(v: Option<&SqlValue>) -> Option<i64> {
    match v {
        Some(SqlValue::Integer(n)) => Some(*n),
        _ => None,
    }
}

/// The rows in tree order: children under their parent in the order they
/// came. A row whose parent is not in the plan is a root; no row is lost,
/// even to a cycle.
pub fn tree(data: &ResultSet) -> Vec<Node> {
    let ids: HashSet<i64> = data
        .rows
        .iter()
        .filter_map(|r| integer(r.first()))
        .collect();
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, row) in data.rows.iter().enumerate() {
        match integer(row.get(1)).filter(|p| ids.contains(p)) {
            Some(parent) => children.entry(parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(data.rows.len());
    let mut seen = vec![false; data.rows.len()];
    walk(data, &roots, "", &children, &mut seen, &mut out);
    // Rows only reachable through a cycle: at the end, as roots.
    let rest: Vec<usize> = (0..data.rows.len()).filter(|i| !seen[*i]).collect();
    walk(data, &rest, "", &children, &mut seen, &mut out);
    out
}

fn walk(
    data: &ResultSet,
    rows: &[usize],
    indent: &str,
    children: &HashMap<i64, Vec<usize>>,
    seen: &mut [bool],
    out: &mut Vec<Node>,
) {
    let rows: Vec<usize> = rows.iter().copied().filter(|r| !seen[*r]).collect();
    for (k, &row) in rows.iter().enumerate() {
        // A row reached again through a cycle is drawn once.
        if std::mem::replace(&mut seen[row], true) {
            continue;
        }
        let last = k + 1 == rows.len();
        let values = &data.rows[row];
        out.push(Node {
            row,
            prefix: format!("{indent}{}", if last { "└─ " } else { "├─ " }),
            detail: values.get(3).map(ToString::to_string).unwrap_or_default(),
        });
        if let Some(kids) = integer(values.first()).and_then(|id| children.get(&id)) {
            let deeper = format!("{indent}{}", if last { "   " } else { "│  " });
            walk(data, kids, &deeper, children, seen, out);
        }
    }
}

/// Draws the plan with the grid's selected row marked (the grid's keys
/// move through it; `y` copies the selected row's column as in the grid).
pub fn draw(frame: &mut Frame<'_>, area: Rect, theme: &Theme, grid: &Grid, focused: bool) {
    let nodes = tree(&grid.data);
    let height = usize::from(area.height).saturating_sub(1).max(1);
    let at = nodes
        .iter()
        .position(|n| n.row == grid.rows.selected)
        .unwrap_or(0);
    let start = (at + 1).saturating_sub(height);
    let width = usize::from(area.width);
    let mut lines = vec![Line::styled("QUERY PLAN", theme.accent)];
    for (i, node) in nodes.iter().enumerate().skip(start).take(height) {
        let style = match (i == at, focused) {
            (true, true) => theme.selected,
            (true, false) => theme.key,
            _ => Default::default(),
        };
        let room = width.saturating_sub(super::grid::width_of(&node.prefix));
        lines.push(Line::from(vec![
            Span::styled(node.prefix.clone(), theme.dim),
            Span::styled(fit(&node.detail, room, super::grid::Align::Left), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(sql: &str, rows: &[(i64, i64, &str)]) -> ResultSet {
        let rows = rows.iter().map(|(id, parent, detail)| {
            vec![
                SqlValue::Integer(*id),
                SqlValue::Integer(*parent),
                SqlValue::Integer(0),
                SqlValue::Text(detail.to_string()),
            ]
        });
        ResultSet::of(sql, &COLUMNS, rows.collect())
    }

    #[test]
    fn details_hang_under_their_parents() {
        let data = plan(
            "/* why */ explain  query\nplan select 1",
            &[
                (2, 0, "SCAN a"),
                (5, 0, "COMPOUND QUERY"),
                (6, 5, "LEFT-MOST SUBQUERY"),
                (9, 6, "SCAN b"),
                (12, 5, "UNION ALL"),
                (14, 12, "SCAN c"),
            ],
        );
        assert!(is_plan(&data));
        let drawn: Vec<String> = tree(&data)
            .iter()
            .map(|n| format!("{}{}", n.prefix, n.detail))
            .collect();
        assert_eq!(
            drawn,
            [
                "├─ SCAN a",
                "└─ COMPOUND QUERY",
                "   ├─ LEFT-MOST SUBQUERY",
                "   │  └─ SCAN b",
                "   └─ UNION ALL",
                "      └─ SCAN c",
            ]
        );
        assert!(!is_plan(&plan("explain select 1", &[])));
        let cycle = plan("explain query plan x", &[(1, 2, "a"), (2, 1, "b")]);
        assert_eq!(tree(&cycle).len(), 2, "no row is lost to a cycle");
    }
}

//! The schema catalog beside the editor: tables, views, indexes and
//! triggers, each table's columns (type, primary key, not null, default,
//! foreign key), and a table's row count on demand. Read through the
//! console's own SQL session, so it shows what that token sees — its own
//! uncommitted DDL included — and read again after a run that changed the
//! schema. It is also what autocomplete knows of the database.

use std::collections::BTreeSet;
use std::sync::Arc;

use comwit_client::sql::{SqlError, SqlSession, SqlValue};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tokio::sync::Mutex;

use crate::theme::Theme;
use crate::widgets::list::{Picker, PickerKey};
use crate::widgets::text::ellipsize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Table,
    View,
    Index,
    Trigger,
}

impl Kind {
    fn of(text: &str) -> Option<Self> {
        Some(match text {
            "table" => Kind::Table,
            "view" => Kind::View,
            "index" => Kind::Index,
            "trigger" => Kind::Trigger,
            _ => return None,
        })
    }

    fn heading(self) -> &'static str {
        match self {
            Kind::Table => "tables",
            Kind::View => "views",
            Kind::Index => "indexes",
            Kind::Trigger => "triggers",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub decl_type: String,
    /// Its place in the primary key (from 1), 0 when not in it.
    pub pk: i64,
    pub not_null: bool,
    pub default: Option<String>,
    /// `table(column)` it references.
    pub references: Option<String>,
}

impl Column {
    /// `name TYPE PK NOT NULL = default → t(c)`.
    fn describe(&self) -> String {
        let mut out = format!("{} {}", self.name, self.decl_type);
        if self.pk > 0 {
            out.push_str(" PK");
        }
        if self.not_null {
            out.push_str(" NOT NULL");
        }
        if let Some(d) = &self.default {
            out.push_str(&format!(" = {d}"));
        }
        if let Some(r) = &self.references {
            out.push_str(&format!(" → {r}"));
        }
        out
    }
}

/// A table, view, index or trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: Kind,
    pub name: String,
    /// The table an index or trigger belongs to (its own name otherwise).
    pub table: String,
    pub columns: Vec<Column>,
}

const OBJECTS: &str = "SELECT m.type, m.name, m.tbl_name, p.name, p.type, p.\"notnull\", \
     p.dflt_value, p.pk FROM sqlite_master m \
     LEFT JOIN pragma_table_info(m.name) p ON m.type IN ('table', 'view') \
     WHERE m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.type, m.name, p.cid";

const FOREIGN_KEYS: &str = "SELECT m.name, f.\"from\", f.\"table\", f.\"to\" FROM sqlite_master m \
     JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'";

/// Reads the catalog through `session` (waiting for a run to finish).
pub async fn load(session: Arc<Mutex<SqlSession>>) -> Result<Vec<Object>, SqlError> {
    let mut session = session.lock().await;
    let listed = session.execute(OBJECTS, &[]).await?;
    let keys = session.execute(FOREIGN_KEYS, &[]).await?;
    let mut objects: Vec<Object> = Vec::new();
    for row in listed.rows {
        let text = |i: usize| match row.get(i) {
            Some(SqlValue::Text(t)) => Some(t.clone()),
            _ => None,
        };
        let (Some(kind), Some(name)) = (text(0).and_then(|k| Kind::of(&k)), text(1)) else {
            continue;
        };
        if objects
            .last()
            .is_none_or(|o| o.name != name || o.kind != kind)
        {
            let table = text(2).unwrap_or_else(|| name.clone());
            objects.push(Object {
                kind,
                name,
                table,
                columns: Vec::new(),
            });
        }
        if let (Some(column), Some(object)) = (text(3), objects.last_mut()) {
            object.columns.push(Column {
                name: column,
                decl_type: text(4).unwrap_or_default(),
                not_null: matches!(row.get(5), Some(SqlValue::Integer(1))),
                default: text(6).or_else(|| match row.get(6) {
                    Some(SqlValue::Integer(n)) => Some(n.to_string()),
                    _ => None,
                }),
                pk: match row.get(7) {
                    Some(SqlValue::Integer(n)) => *n,
                    _ => 0,
                },
                references: None,
            });
        }
    }
    for key in keys.rows {
        if let [
            SqlValue::Text(table),
            SqlValue::Text(from),
            SqlValue::Text(to_table),
            to,
        ] = key.as_slice()
        {
            let to = match to {
                SqlValue::Text(c) => format!("{to_table}({c})"),
                _ => to_table.clone(),
            };
            let column = objects
                .iter_mut()
                .filter(|o| o.kind == Kind::Table && &o.name == table)
                .flat_map(|o| o.columns.iter_mut())
                .find(|c| &c.name == from);
            if let Some(column) = column {
                column.references = Some(to);
            }
        }
    }
    Ok(objects)
}

/// A table's rows, counted on demand.
pub async fn count_rows(session: Arc<Mutex<SqlSession>>, table: &str) -> Result<u64, SqlError> {
    let sql = format!(
        "SELECT count(*) FROM {}",
        comwit_client::sql::dump::quote_ident(table)
    );
    let counted = session.lock().await.execute(&sql, &[]).await?;
    match counted.rows.first().and_then(|r| r.first()) {
        Some(SqlValue::Integer(n)) => Ok(*n as u64),
        _ => Err(SqlError::Protocol("count(*) gave no number".into())),
    }
}

/// One line of the catalog pane.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Row {
    Heading(Kind, usize),
    Object(usize),
    Column(usize, usize),
}

/// The object under the cursor, and the column when on one.
struct Picked {
    name: String,
    kind: Kind,
    has_columns: bool,
    column: Option<String>,
}

/// What a key in the catalog asks of the console.
pub enum Asked {
    /// Not a key of the catalog's: the console's own keys may take it.
    Ignored,
    /// Taken (a move, a table opened or closed).
    Nothing,
    /// Put this name into the editor at the cursor.
    Insert(String),
    /// Count this table's rows.
    Count(String),
    /// Back to the editor.
    Leave,
}

#[derive(Default)]
pub struct Catalog {
    /// `None` until the first load answers.
    pub objects: Option<Vec<Object>>,
    pub error: Option<String>,
    pub loading: bool,
    /// Tables and views shown with their columns.
    expanded: BTreeSet<String>,
    counts: std::collections::HashMap<String, String>,
    cursor: Picker,
    page: usize,
}

impl Catalog {
    pub fn loaded(&mut self, result: Result<Vec<Object>, String>) {
        self.loading = false;
        match result {
            Ok(objects) => {
                let names: BTreeSet<&String> = objects.iter().map(|o| &o.name).collect();
                self.expanded.retain(|n| names.contains(n));
                self.objects = Some(objects);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn counted(&mut self, table: String, result: Result<u64, String>) {
        let text = match result {
            Ok(n) => format!("{n} rows"),
            Err(e) => format!("count failed: {e}"),
        };
        self.counts.insert(table, text);
    }

    fn rows(&self) -> Vec<Row> {
        let Some(objects) = &self.objects else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        for kind in [Kind::Table, Kind::View, Kind::Index, Kind::Trigger] {
            let of_kind: Vec<usize> = (0..objects.len())
                .filter(|&i| objects[i].kind == kind)
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            rows.push(Row::Heading(kind, of_kind.len()));
            for i in of_kind {
                rows.push(Row::Object(i));
                if self.expanded.contains(&objects[i].name) {
                    rows.extend((0..objects[i].columns.len()).map(|c| Row::Column(i, c)));
                }
            }
        }
        rows
    }

    fn selected(&self) -> Option<Row> {
        let rows = self.rows();
        rows.get(self.cursor.selected.min(rows.len().saturating_sub(1)))
            .cloned()
    }

    /// The object (and column) under the cursor.
    fn picked(&self) -> Option<Picked> {
        let objects = self.objects.as_ref()?;
        let (object, column) = match self.selected()? {
            Row::Object(i) => (&objects[i], None),
            Row::Column(i, c) => (&objects[i], Some(objects[i].columns[c].name.clone())),
            Row::Heading(..) => return None,
        };
        Some(Picked {
            name: object.name.clone(),
            kind: object.kind,
            has_columns: !object.columns.is_empty(),
            column,
        })
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Asked {
        let len = self.rows().len();
        if let PickerKey::Used = self.cursor.on_key(key, len, self.page.max(1)) {
            return Asked::Nothing;
        }
        if key.code == KeyCode::Esc {
            return Asked::Leave;
        }
        let ours = matches!(
            key.code,
            KeyCode::Enter | KeyCode::Right | KeyCode::Left | KeyCode::Char('i' | 'c')
        ) && key.modifiers.is_empty();
        if !ours {
            return Asked::Ignored;
        }
        let Some(picked) = self.picked() else {
            return Asked::Nothing;
        };
        match (key.code, &picked.column) {
            (KeyCode::Enter | KeyCode::Right, None) if picked.has_columns => {
                if !self.expanded.remove(&picked.name) {
                    self.expanded.insert(picked.name);
                }
                Asked::Nothing
            }
            (KeyCode::Left, _) => {
                self.expanded.remove(&picked.name);
                Asked::Nothing
            }
            (KeyCode::Char('i') | KeyCode::Enter, Some(column)) => {
                Asked::Insert(insertable(column))
            }
            (KeyCode::Char('i') | KeyCode::Enter, None) => Asked::Insert(insertable(&picked.name)),
            (KeyCode::Char('c'), None) if picked.kind == Kind::Table => Asked::Count(picked.name),
            _ => Asked::Nothing,
        }
    }

    pub fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(focused))
            .title(" schema ");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        // The selected row in full under the list (the list cuts it).
        let detail = self.detail();
        let [list, below] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(if detail.is_some() { 3 } else { 0 }),
        ])
        .areas(inner);
        if let Some(detail) = detail {
            let text = Paragraph::new(Line::styled(detail, theme.dim)).wrap(Wrap { trim: false });
            frame.render_widget(text, below);
        }
        let inner = list;
        self.page = inner.height as usize;
        let width = inner.width as usize;
        let lines = match (&self.objects, &self.error) {
            (_, Some(e)) => vec![Line::styled(format!("✗ {e}"), theme.error)],
            (None, None) => vec![Line::styled("⟳ reading the schema…", theme.dim)],
            (Some(o), None) if o.is_empty() => vec![Line::styled(
                "no tables yet: CREATE TABLE in the editor",
                theme.dim,
            )],
            (Some(_), None) => self.lines(theme, width, focused),
        };
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn lines(&mut self, theme: &Theme, width: usize, focused: bool) -> Vec<Line<'static>> {
        let rows = self.rows();
        let window = self.cursor.window(rows.len(), self.page);
        let objects = self.objects.as_deref().unwrap_or_default();
        rows[window.clone()]
            .iter()
            .zip(window)
            .map(|(row, i)| {
                let text = match row {
                    Row::Heading(kind, n) => format!("{} ({n})", kind.heading()),
                    Row::Object(o) => self.object_text(&objects[*o]),
                    Row::Column(o, c) => format!("    {}", objects[*o].columns[*c].describe()),
                };
                let style = match row {
                    Row::Heading(..) => theme.accent,
                    Row::Column(..) => theme.dim,
                    Row::Object(_) => ratatui::style::Style::new(),
                };
                let style = if focused && i == self.cursor.selected {
                    theme.selected
                } else {
                    style
                };
                Line::styled(ellipsize(&text, width), style)
            })
            .collect()
    }

    /// The selected object or column, described in full.
    fn detail(&self) -> Option<String> {
        let objects = self.objects.as_ref()?;
        Some(match self.selected()? {
            Row::Column(o, c) => {
                format!("{}.{}", objects[o].name, objects[o].columns[c].describe())
            }
            Row::Object(o) => {
                let o = &objects[o];
                let kind = o.kind.heading().trim_end_matches('s').trim_end_matches("e");
                format!(
                    "{kind} {}",
                    self.object_text(o).trim_start_matches(['▸', '▾', ' '])
                )
            }
            Row::Heading(..) => return None,
        })
    }

    fn object_text(&self, o: &Object) -> String {
        let marker = match (o.columns.is_empty(), self.expanded.contains(&o.name)) {
            (true, _) => "  ",
            (false, true) => "▾ ",
            (false, false) => "▸ ",
        };
        let mut text = format!("{marker}{}", o.name);
        if matches!(o.kind, Kind::Index | Kind::Trigger) && o.table != o.name {
            text.push_str(&format!(" on {}", o.table));
        }
        if let Some(count) = self.counts.get(&o.name) {
            text.push_str(&format!("  {count}"));
        }
        text
    }
}

/// A name as SQL can take it: bare when it is a plain word that is not a
/// keyword, else double-quoted.
pub fn insertable(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !comwit_client::sql::lexer::is_keyword(name);
    if plain {
        name.to_string()
    } else {
        comwit_client::sql::dump::quote_ident(name)
    }
}

/// Whether running `sql` may have changed the schema.
pub fn changes_schema(sql: &str) -> bool {
    matches!(
        comwit_client::sql::statements::first_keyword(sql).as_str(),
        "CREATE" | "DROP" | "ALTER"
    )
}

//! The cell and row viewer over the results grid: one value in full
//! (long text wrapped, JSON text pretty-printed, blobs as a hex dump,
//! NULL said as NULL) or every column of one row, in a scrolling box.

use std::cell::RefCell;
use std::sync::Arc;

use comwit_client::sql::SqlValue;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::grid::{self, copy_text, float, width_of};
use super::runner::ResultSet;
use super::{count, plural};
use crate::theme::Theme;
use crate::widgets::centered;
use crate::widgets::pager::{PAGER_KEYS, Pager};
use crate::widgets::text::wrap;

/// The viewer's own keys, before the pager's (scrolling, and any other
/// key closes it).
pub const VIEWER_KEYS: &[(&str, &str)] = &[
    ("tab", "cell/row view"),
    ("←→/hl", "previous/next column"),
    ("y", "copy the cell"),
];

/// Bytes per line of a hex dump.
const HEX_LINE: usize = 16;
/// Column names wider than this are cut in the row view.
const NAME_WIDTH: usize = 24;
/// Bytes of one value the cell view lays out (a 1 GB value must not be
/// wrapped at every draw).
const SHOWN_BYTES: usize = 256 * 1024;
/// Lines of one value the row view shows before "… more lines".
const ROW_VALUE_LINES: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Cell,
    Row,
}

/// What a key did in the viewer.
pub enum Outcome {
    Open,
    Close,
    /// Copy this (label, text) to the clipboard.
    Copy(String, String),
}

pub struct Viewer {
    data: Arc<ResultSet>,
    row: usize,
    /// The column shown (cell view) or marked (row view).
    col: usize,
    mode: Mode,
    pager: RefCell<Pager>,
}

impl Viewer {
    /// The viewer on (`row`, `col`) of `data`; None when there is no row.
    pub fn open(data: Arc<ResultSet>, row: usize, col: usize, mode: Mode) -> Option<Self> {
        let values = data.rows.get(row)?;
        let col = col.min(values.len().checked_sub(1)?);
        Some(Self {
            data,
            row,
            col,
            mode,
            pager: RefCell::default(),
        })
    }

    fn value(&self) -> &SqlValue {
        &self.data.rows[self.row][self.col]
    }

    fn column(&self) -> &str {
        self.data.columns.get(self.col).map_or("", String::as_str)
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        let last = self.data.rows[self.row].len() - 1;
        match key.code {
            KeyCode::Tab => {
                self.mode = match self.mode {
                    Mode::Cell => Mode::Row,
                    Mode::Row => Mode::Cell,
                };
            }
            KeyCode::Left | KeyCode::Char('h') | KeyCode::Right | KeyCode::Char('l') => {
                self.col = match key.code {
                    KeyCode::Left | KeyCode::Char('h') => self.col.saturating_sub(1),
                    _ => (self.col + 1).min(last),
                };
                // The row view stays where it is; only its marker moves.
                if self.mode == Mode::Row {
                    return Outcome::Open;
                }
            }
            KeyCode::Char('y') => {
                let label = format!("the {} value", self.column());
                return Outcome::Copy(label, copy_text(self.value()));
            }
            _ if self.pager.get_mut().on_key(key) => return Outcome::Open,
            _ => return Outcome::Close,
        }
        // Another value, or the other view, starts at its top.
        *self.pager.get_mut() = Pager::default();
        Outcome::Open
    }

    pub fn draw(&self, frame: &mut Frame<'_>, theme: &Theme) {
        let screen = frame.area();
        let area = centered(
            screen,
            100.min(screen.width.saturating_sub(4)),
            screen.height.saturating_sub(4),
        );
        // Inside the borders.
        let width = usize::from(area.width.saturating_sub(2)).max(1);
        let keys: Vec<String> = VIEWER_KEYS
            .iter()
            .map(|(k, w)| format!("{k} {w}"))
            .collect();
        let mut lines = vec![
            Line::styled(self.about(), theme.accent),
            Line::styled(keys.join("  "), theme.dim),
            Line::raw(""),
        ];
        let (title, body) = match self.mode {
            Mode::Cell => (
                format!("cell · {}", self.column()),
                cell_lines(self.value(), width, theme),
            ),
            Mode::Row => (
                format!("row {}", count(self.row as u64 + 1)),
                self.row_lines(width, theme),
            ),
        };
        lines.extend(body);
        self.pager
            .borrow_mut()
            .draw(frame, area, &title, lines, theme);
    }

    /// The first line: where the value is, and what it is.
    fn about(&self) -> String {
        let at = format!(
            "row {} of {} · column {} ({} of {})",
            count(self.row as u64 + 1),
            count(self.data.rows.len() as u64),
            self.column(),
            self.col + 1,
            self.data.columns.len()
        );
        match self.mode {
            Mode::Cell => format!("{at} · {}", kind(self.value())),
            Mode::Row => at,
        }
    }

    /// Every column as `name  value`, the value's lines under each other.
    fn row_lines(&self, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let names = self.data.columns.iter().map(|c| width_of(c));
        let name_width = names.max().unwrap_or(0).min(NAME_WIDTH);
        // "▶ " + the name + two spaces.
        let indent = name_width + 4;
        let mut lines = Vec::new();
        for (i, value) in self.data.rows[self.row].iter().enumerate() {
            let name = self.data.columns.get(i).map_or("", String::as_str);
            let marked = i == self.col;
            let head = format!(
                "{} {}  ",
                if marked { "▶" } else { " " },
                grid::fit(name, name_width, grid::Align::Left)
            );
            let style = if marked { theme.key } else { theme.accent };
            let (text, value_style) = match value {
                SqlValue::Null => ("NULL".to_string(), theme.dim),
                // Blobs by size here; tab shows one in full, as hex.
                SqlValue::Blob(_) => (grid::cell(value).text, Style::new()),
                other => (plain(other), Style::new()),
            };
            let mut wrapped = wrap(&text, width.saturating_sub(indent).max(8));
            // A long value must not push the other columns out of sight.
            let more = wrapped.len().saturating_sub(ROW_VALUE_LINES);
            wrapped.truncate(ROW_VALUE_LINES);
            for (k, part) in wrapped.into_iter().enumerate() {
                let lead = if k == 0 {
                    Span::styled(head.clone(), style)
                } else {
                    Span::raw(" ".repeat(indent))
                };
                lines.push(Line::from(vec![lead, Span::styled(part, value_style)]));
            }
            if more > 0 {
                lines.push(Line::styled(
                    format!(
                        "{}… {} more line{} (tab shows the cell in full)",
                        " ".repeat(indent),
                        count(more as u64),
                        plural(more as u64)
                    ),
                    theme.dim,
                ));
            }
        }
        lines
    }
}

/// The key bar's hints while the viewer is open.
pub fn hints() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    VIEWER_KEYS.iter().chain(PAGER_KEYS)
}

/// What a value is: its type and size, and how it is shown.
fn kind(value: &SqlValue) -> String {
    match value {
        SqlValue::Null => "NULL".into(),
        SqlValue::Integer(_) => "integer".into(),
        SqlValue::Float(_) => "real".into(),
        SqlValue::Text(t) => {
            let n = t.chars().count() as u64;
            let json = if pretty_json(t).is_some() {
                " · JSON, pretty-printed"
            } else {
                ""
            };
            format!("text, {} character{}{json}", count(n), plural(n))
        }
        SqlValue::Blob(b) => {
            let n = b.len() as u64;
            format!("blob, {} byte{} · hex", count(n), plural(n))
        }
    }
}

/// A number or text as the viewer shows it: tabs as spaces (a terminal
/// cell has no tab stops), carriage returns dropped, and other control
/// characters as `�`, so no escape sequence in the data reaches the
/// terminal.
fn plain(value: &SqlValue) -> String {
    match value {
        SqlValue::Float(x) => float(*x),
        SqlValue::Text(t) => t
            .replace('\t', "    ")
            .chars()
            .filter(|c| *c != '\r')
            .map(|c| match c {
                '\n' => c,
                c if c.is_control() => '\u{fffd}',
                c => c,
            })
            .collect(),
        other => other.to_string(),
    }
}

/// One value in full, wrapped to `width`; a value too large to lay out
/// at every draw shows its first [`SHOWN_BYTES`] and says so (`y`
/// copies all of it).
fn cell_lines(value: &SqlValue, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (mut lines, cut) = match value {
        SqlValue::Null => return vec![Line::styled("NULL", theme.dim)],
        SqlValue::Text(t) if t.is_empty() => {
            return vec![Line::styled("(empty text)", theme.dim)];
        }
        SqlValue::Blob(b) => {
            let shown = &b[..b.len().min(SHOWN_BYTES)];
            let lines = hex_dump(shown).into_iter().map(Line::raw).collect();
            (
                lines,
                (shown.len() < b.len()).then_some((shown.len(), "bytes")),
            )
        }
        SqlValue::Text(t) if t.len() > SHOWN_BYTES => {
            let end = (0..=SHOWN_BYTES).rev().find(|i| t.is_char_boundary(*i));
            let shown = &t[..end.unwrap_or(0)];
            let lines = wrapped(&plain(&SqlValue::Text(shown.into())), width);
            (lines, Some((shown.len(), "bytes of text")))
        }
        SqlValue::Text(t) => (
            wrapped(&pretty_json(t).unwrap_or_else(|| plain(value)), width),
            None,
        ),
        other => (wrapped(&plain(other), width), None),
    };
    if let Some((shown, what)) = cut {
        lines.push(Line::styled(
            format!(
                "… the first {} {what} are shown; y copies the whole value",
                count(shown as u64)
            ),
            theme.dim,
        ));
    }
    lines
}

/// Text wrapped to `width`, each line keeping its indentation.
fn wrapped(text: &str, width: usize) -> Vec<Line<'static>> {
    text.split('\n')
        .flat_map(|line| indented(line, width))
        .map(Line::raw)
        .collect()
}

/// One line wrapped to `width`, its leading spaces (JSON's indentation)
/// kept on every part of it.
fn indented(line: &str, width: usize) -> Vec<String> {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    if indent.len() * 2 > width {
        return wrap(line, width);
    }
    let parts = wrap(body, width - indent.len());
    parts.into_iter().map(|p| format!("{indent}{p}")).collect()
}

/// Text that is a JSON object or array, re-indented (two spaces a level)
/// with its keys in their order and its numbers as written. Text past
/// [`SHOWN_BYTES`] is shown as it is (parsing it at every draw is not).
pub fn pretty_json(text: &str) -> Option<String> {
    if text.len() > SHOWN_BYTES {
        return None;
    }
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<serde::de::IgnoredAny>(trimmed).ok()?;
    Some(reindent(trimmed))
}

/// Valid JSON laid out again: a line per member, strings untouched.
fn reindent(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                // An empty object or array stays on its line.
                match chars.next_if(|c| matches!(c, '}' | ']')) {
                    Some(close) => out.push(close),
                    None => {
                        depth += 1;
                        newline(&mut out, depth);
                    }
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// `offset  hex bytes  |ascii|`, sixteen bytes a line (as `xxd` and
/// `hexdump -C` show them; unprintable bytes as dots).
pub fn hex_dump(bytes: &[u8]) -> Vec<String> {
    if bytes.is_empty() {
        return vec!["(empty blob)".into()];
    }
    bytes
        .chunks(HEX_LINE)
        .enumerate()
        .map(|(i, chunk)| {
            let mut hex = String::with_capacity(HEX_LINE * 3 + 1);
            for (k, b) in chunk.iter().enumerate() {
                if k == HEX_LINE / 2 {
                    hex.push(' ');
                }
                hex.push_str(&format!("{b:02x} "));
            }
            let ascii: String = chunk
                .iter()
                .map(|b| {
                    if b.is_ascii_graphic() || *b == b' ' {
                        char::from(*b)
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:08x}  {hex:<49} |{ascii}|", i * HEX_LINE)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_laid_out_in_its_own_order() {
        let pretty = pretty_json(r#" {"b":1,"a":[1, 2,{}],"s":"x,{\"y\":[]}","e":[]} "#).unwrap();
        assert_eq!(
            pretty,
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"x,{\\\"y\\\":[]}\",\n  \"e\": []\n}"
        );
        assert_eq!(
            pretty_json("12345678901234567890"),
            None,
            "scalars stay as they are"
        );
        assert_eq!(pretty_json("{not json"), None);
        assert_eq!(
            pretty_json("[12345678901234567890]").unwrap(),
            "[\n  12345678901234567890\n]",
            "numbers keep their digits"
        );
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let text = SqlValue::Text("a\tb\r\n\u{1b}[2Jc".into());
        assert_eq!(plain(&text), "a    b\n\u{fffd}[2Jc");
    }

    #[test]
    fn a_huge_value_shows_its_start_and_says_so() {
        let theme = Theme::monochrome();
        let last = |v: &SqlValue| cell_lines(v, 80, &theme).last().unwrap().to_string();
        let blob = SqlValue::Blob(vec![7; SHOWN_BYTES + 1]);
        assert_eq!(
            cell_lines(&blob, 80, &theme).len(),
            SHOWN_BYTES / HEX_LINE + 1
        );
        assert_eq!(
            last(&blob),
            "… the first 262,144 bytes are shown; y copies the whole value"
        );
        let text = SqlValue::Text("é".repeat(SHOWN_BYTES));
        assert!(last(&text).starts_with("… the first 262,144 bytes of text"));
        assert!(!last(&SqlValue::Text("é".into())).contains("the first"));
    }

    #[test]
    fn wrapped_lines_keep_their_indentation() {
        assert_eq!(indented("    abc def", 9), ["    abc", "    def"]);
        assert_eq!(indented("abc", 9), ["abc"]);
        assert_eq!(
            indented("      ab cd", 8),
            ["ab cd"],
            "on a narrow screen, a deep indent gives way to the text"
        );
    }

    #[test]
    fn blobs_dump_as_offset_hex_and_ascii() {
        let bytes: Vec<u8> = (0x41..0x41 + 18).collect();
        let dump = hex_dump(&bytes);
        assert_eq!(
            dump[0],
            "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|"
        );
        assert_eq!(dump[1], format!("00000010  51 52 {:<43} |QR|", ""));
        assert_eq!(
            hex_dump(&[0, 10]),
            vec![format!("00000000  00 0a {:<43} |..|", "")]
        );
    }
}

//! Syntax colours for the SQL editor, from the client's lexer (the same
//! tokens that decide where statements end, so a string that is coloured
//! as a string is also treated as one when it runs).
//!
//! The text area draws plain text; this paints over the cells it drew.
//! Only what is on screen is painted, and only the text up to the last
//! visible line is lexed, so a large paste costs one pass per frame.

use std::ops::Range;

use comwit_client::sql::lexer::{TokenKind, is_keyword, tokens};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui_textarea::{DataCursor, TextArea};
use unicode_width::UnicodeWidthChar;

use crate::theme::Theme;

/// How each kind of token looks; `None` keeps the editor's style.
fn style_of(kind: TokenKind, text: &str, theme: &Theme) -> Option<Style> {
    if unterminated(kind, text) {
        return Some(theme.error);
    }
    match kind {
        TokenKind::Word if is_keyword(text) => Some(theme.accent),
        TokenKind::String | TokenKind::Blob => Some(theme.ok),
        TokenKind::Number => Some(theme.warn),
        TokenKind::Parameter => Some(theme.locked),
        TokenKind::Comment => Some(theme.dim),
        _ => None,
    }
}

/// A string, quoted name, blob or block comment the text never closes:
/// everything after it is swallowed, which the error colour shows.
fn unterminated(kind: TokenKind, text: &str) -> bool {
    let closes = |open: &str, close: &str| text.len() > open.len() && text.ends_with(close);
    match kind {
        TokenKind::String => !closes("'", "'"),
        TokenKind::Blob => !closes("x'", "'"),
        TokenKind::QuotedName => match text.chars().next() {
            Some('[') => !closes("[", "]"),
            Some(q) => !closes(&q.to_string(), &q.to_string()),
            None => false,
        },
        TokenKind::Comment if text.starts_with("/*") => !closes("/*", "*/"),
        _ => false,
    }
}

/// A styled stretch of the joined text (bytes).
struct Painted {
    range: Range<usize>,
    style: Style,
}

/// Paints the tokens of `editor`'s visible lines over `area`, where it
/// was just drawn (without wrapping, as the console draws it).
pub fn paint(editor: &TextArea<'_>, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let lines = editor.lines();
    let (top, left) = editor.scroll_offset();
    let (top, left) = (top as usize, left as usize);
    let rows = (area.height as usize).min(lines.len().saturating_sub(top));
    if rows == 0 {
        return;
    }
    let starts = line_starts(lines);
    let window = starts[top]..starts[top + rows - 1] + lines[top + rows - 1].len();
    let painted = painted(lines, window.clone(), theme);
    let text_x = area.x + editor.line_number_width();
    for row in 0..rows {
        let DataCursor(line, col) = editor.screen_to_data(top + row, left);
        let y = area.y + row as u16;
        paint_row(
            &lines[line],
            starts[line],
            col,
            (text_x, y),
            area,
            &painted,
            buf,
        );
    }
}

/// Where each line starts in the text joined by `\n`.
fn line_starts(lines: &[String]) -> Vec<usize> {
    let mut at = 0;
    lines
        .iter()
        .map(|l| {
            let start = at;
            at += l.len() + 1;
            start
        })
        .collect()
}

/// The styled tokens overlapping `window`, lexing from the start of the
/// text (a string or comment may open above the screen) to its end.
fn painted(lines: &[String], window: Range<usize>, theme: &Theme) -> Vec<Painted> {
    let text = lines.join("\n");
    let text = &text[..window.end];
    tokens(text)
        .filter(|t| t.range.end > window.start)
        .filter_map(|t| {
            let style = style_of(t.kind, &text[t.range.clone()], theme)?;
            Some(Painted {
                range: t.range,
                style,
            })
        })
        .collect()
}

/// One screen row: `line`'s characters from `col` on, cell by cell.
fn paint_row(
    line: &str,
    line_start: usize,
    col: usize,
    (mut x, y): (u16, u16),
    area: Rect,
    painted: &[Painted],
    buf: &mut Buffer,
) {
    let mut next = 0;
    for (byte, c) in line.char_indices().skip(col) {
        // A tab's width depends on where it falls: stop rather than guess.
        if c == '\t' || x >= area.right() {
            break;
        }
        let width = c.width().unwrap_or(0) as u16;
        if width == 0 {
            continue;
        }
        let at = line_start + byte;
        while next < painted.len() && painted[next].range.end <= at {
            next += 1;
        }
        if let Some(p) = painted.get(next).filter(|p| p.range.start <= at) {
            for dx in 0..width.min(area.right() - x) {
                buf[(x + dx, y)].set_style(p.style);
            }
        }
        x += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::widgets::Widget;

    /// The style of the cell showing `needle`'s first character.
    fn drawn(text: &[&str], needle: &str) -> Style {
        let editor = TextArea::from(text.iter().copied());
        let area = Rect::new(0, 0, 40, 5);
        let mut buf = Buffer::empty(area);
        (&editor).render(area, &mut buf);
        paint(&editor, area, &mut buf, &Theme::default());
        let (row, line) = text
            .iter()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .expect("the needle is in the text");
        let x = line[..line.find(needle).unwrap()].chars().count() as u16;
        buf[(x, row as u16)].style()
    }

    /// Left as the text area drew it (no colour, or the terminal's own).
    fn plain(style: Style) -> bool {
        matches!(style.fg, None | Some(ratatui::style::Color::Reset))
    }

    #[test]
    fn tokens_are_painted_by_kind() {
        let t = Theme::default();
        let text = [
            "SELECT count(*), 'x;y' FROM t -- note",
            "WHERE id = :id AND n > 42",
        ];
        assert_eq!(drawn(&text, "SELECT").fg, t.accent.fg);
        assert_eq!(drawn(&text, "FROM").fg, t.accent.fg);
        assert!(plain(drawn(&text, "count")), "a function is a name");
        assert_eq!(drawn(&text, "'x;y'").fg, t.ok.fg);
        assert_eq!(drawn(&text, "-- note").fg, t.dim.fg);
        assert_eq!(drawn(&text, ":id").fg, t.locked.fg);
        assert_eq!(drawn(&text, "42").fg, t.warn.fg);
    }

    #[test]
    fn what_the_text_never_closes_is_painted_as_an_error() {
        let t = Theme::default();
        assert_eq!(drawn(&["SELECT 'open"], "'open").fg, t.error.fg);
        assert_eq!(drawn(&["SELECT \"open"], "\"open").fg, t.error.fg);
        assert_eq!(drawn(&["SELECT 1 /* open"], "/* open").fg, t.error.fg);
        assert_eq!(
            drawn(&["SELECT '' AS e"], "''").fg,
            t.ok.fg,
            "empty but closed"
        );
        assert_eq!(drawn(&["SELECT 'a''b'"], "'a").fg, t.ok.fg);
    }

    #[test]
    fn a_comment_opened_above_colours_the_lines_below() {
        let t = Theme::default();
        let text = ["/* a long", "   select here is commented */ select 1"];
        assert_eq!(drawn(&text, "select here").fg, t.dim.fg);
        assert_eq!(drawn(&text, "select 1").fg, t.accent.fg);
    }

    #[test]
    fn wide_characters_keep_the_columns_aligned() {
        let t = Theme::default();
        let text = ["SELECT '日本' AS 名, 7"];
        let editor = TextArea::from(text);
        let area = Rect::new(0, 0, 40, 3);
        let mut buf = Buffer::empty(area);
        (&editor).render(area, &mut buf);
        paint(&editor, area, &mut buf, &t);
        // "SELECT '日本' AS 名, " is 21 cells wide: the 7 follows it.
        assert_eq!(buf[(21, 0)].symbol(), "7");
        assert_eq!(buf[(21, 0)].style().fg, t.warn.fg);
        assert!(plain(buf[(18, 0)].style()), "the name is not painted");
    }
}

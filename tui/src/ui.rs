//! Drawing: header, tree, the active view, key bar, then whatever floats
//! above them (toasts, the view's dialog, the palette, help, errors).

use comwit_client::TokenKind;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::{App, Focus};
use crate::notice::{Level, MESSAGE_LOG_CAPACITY};
use crate::palette::COMMANDS;
use crate::theme::Theme;
use crate::tree::Row;
use crate::views::Hint;
use crate::widgets::centered;
use crate::widgets::text::{ellipsize, ellipsize_start, fit_line, wrap};

use unicode_width::UnicodeWidthStr;

/// The smallest terminal the dashboard draws in; below it, a notice
/// saying how much room it needs.
pub const MIN_SIZE: (u16, u16) = (40, 10);

/// Below this body width the tree is hidden (its key shows it again).
pub const TREE_MIN_WIDTH: u16 = 64;

/// The tree's width: two fifths of the body, within these bounds.
const TREE_WIDTH: (u16, u16) = (20, 48);

pub fn draw(frame: &mut Frame<'_>, app: &mut App) {
    let theme = app.settings.theme.clone();
    let size = frame.area();
    if size.width < MIN_SIZE.0 || size.height < MIN_SIZE.1 {
        return draw_too_small(frame, &theme);
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, app, &theme);

    let active = app.active_view_key();
    draw_body(frame, body, app, &theme, active.as_ref());
    draw_keybar(frame, footer, app, &theme);
    draw_toasts(frame, body, app, &theme);
    if let Some(key) = &active
        && let Some(view) = app.view(key)
    {
        view.draw_modal(frame, &theme);
    }
    if let Some(modal) = &app.leaving {
        modal.draw(frame, &theme);
    }
    if app.palette.is_some() {
        draw_palette(frame, app, &theme);
    }
    if app.help {
        draw_help(frame, app, &theme);
    }
    if app.log_open {
        draw_log(frame, app, &theme);
    }
    if let Some(notice) = app.notices.last() {
        draw_notice(frame, notice, &theme);
    }
}

/// The tree and the active view side by side, or the view across the
/// body (full-width views, or a terminal too narrow for the tree).
fn draw_body(
    frame: &mut Frame<'_>,
    body: Rect,
    app: &mut App,
    theme: &Theme,
    active: Option<&crate::tree::NodeKey>,
) {
    if app.fullscreen.is_some() {
        app.tree_area = Rect::default();
        if let Some(key) = active
            && let Some(view) = app.view_mut(key)
        {
            view.draw(frame, body, theme, true);
        }
    } else {
        app.narrow = body.width < TREE_MIN_WIDTH;
        if !app.tree_shown() {
            // Keys cannot go to a pane that is not there.
            app.focus = Focus::View;
        }
        let tree_width = if app.tree_shown() {
            (body.width * 2 / 5).clamp(TREE_WIDTH.0, TREE_WIDTH.1)
        } else {
            0
        };
        let [left, right] =
            Layout::horizontal([Constraint::Length(tree_width), Constraint::Min(1)]).areas(body);
        app.tree_area = left;
        if tree_width > 0 {
            draw_tree(frame, left, app, theme);
        }
        let focused = app.focus == Focus::View;
        if let Some(key) = active
            && let Some(view) = app.view_mut(key)
        {
            view.draw(frame, right, theme, focused);
        } else {
            frame.render_widget(Block::default().borders(Borders::ALL), right);
        }
    }
}

/// An error dialog: what happened and how to go on.
fn draw_notice(frame: &mut Frame<'_>, notice: &crate::notice::Notice, theme: &Theme) {
    let area = centered(frame.area(), 70, 12);
    frame.render_widget(Clear, area);
    let mut lines: Vec<Line<'_>> = notice.lines.iter().map(|l| Line::raw(l.as_str())).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        if notice.retry.is_some() {
            "r: retry   enter/esc: dismiss"
        } else {
            "enter/esc: dismiss"
        },
        theme.dim,
    ));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.error)
                .title(format!(" {} ", notice.title)),
        ),
        area,
    );
}

/// The whole screen when it is below [`MIN_SIZE`]: what it is, what is
/// needed. Keys still work (q quits).
fn draw_too_small(frame: &mut Frame<'_>, theme: &Theme) {
    let area = frame.area();
    let text = format!(
        "Terminal too small: {}×{}. comwit-tui needs at least {}×{}; enlarge the window (q quits).",
        area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
    );
    frame.render_widget(
        Paragraph::new(Line::styled(text, theme.warn)).wrap(Wrap { trim: true }),
        area,
    );
}

/// The header: where the dashboard points, as whom, whether the API is
/// ready; below it the breadcrumbs. On a narrow terminal the scopes go
/// first, then the line is cut with `…`; the trail keeps its end.
fn draw_header(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let width = area.width as usize;
    let [top, trail] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let mut spans = header_spans(app, theme, true);
    if spans.iter().map(|s| s.content.width()).sum::<usize>() > width {
        spans = header_spans(app, theme, false);
    }
    frame.render_widget(fit_line(spans, width), top);
    let crumbs = app.breadcrumbs();
    let trail_text = if crumbs.is_empty() {
        " (no selection)".to_string()
    } else {
        format!(" {}", crumbs.join(" › "))
    };
    frame.render_widget(
        Line::styled(ellipsize_start(&trail_text, width), theme.accent),
        trail,
    );
}

/// The header's top line, with a user token's scopes or without them.
fn header_spans(app: &App, theme: &Theme, scopes: bool) -> Vec<Span<'static>> {
    let session = &app.session;
    let token = match session.token_kind() {
        Some(TokenKind::Operator) => Span::styled(" OPERATOR ", theme.operator),
        Some(TokenKind::User) => Span::raw(match &session.scopes {
            Some(s) if !s.is_empty() && scopes => format!(" user {} ", compact_scopes(s)),
            Some(s) if !s.is_empty() => " user ".to_string(),
            _ => " user (scopes unknown) ".to_string(),
        }),
        None => Span::styled(" no token ", theme.error),
    };
    let ready = match app.ready {
        None => Span::styled("API ⟳", theme.dim),
        Some(true) => Span::styled("API ready", theme.ok),
        Some(false) => Span::styled("API NOT READY", theme.error),
    };
    let mut spans = vec![
        Span::styled(" comwit ", theme.key),
        // The context's label is a block of its place's colour.
        Span::raw("│"),
        Span::styled(
            format!(" {} ", session.target),
            theme.place(session.place()),
        ),
        Span::raw("│"),
        token,
        Span::raw("│ "),
        ready,
    ];
    // Read-only matters more than where: it goes before the target when
    // the line may be cut.
    if session.read_only {
        spans.insert(1, Span::styled("READ-ONLY ", theme.warn));
    }
    spans
}

/// `app:read app:write app:deploy` → `app:rwd`: every scope, in a width
/// the header can afford.
pub fn compact_scopes(scopes: &[String]) -> String {
    let mut groups: Vec<(String, String)> = Vec::new();
    for scope in scopes {
        let (resource, action) = scope.split_once(':').unwrap_or((scope.as_str(), ""));
        let letter = action.chars().next().map(String::from).unwrap_or_default();
        match groups.iter_mut().find(|(r, _)| r == resource) {
            Some((_, letters)) => letters.push_str(&letter),
            None => groups.push((resource.to_string(), letter)),
        }
    }
    groups
        .into_iter()
        .map(|(r, l)| format!("{r}:{l}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn draw_tree(frame: &mut Frame<'_>, area: Rect, app: &mut App, theme: &Theme) {
    let rows = app.visible_rows();
    let filter = app.tree_cursor.filter_line();
    let height = area.height.saturating_sub(2) as usize - usize::from(filter.is_some());
    let window = app.tree_cursor.window(rows.len(), height);
    let selected = app.tree_cursor.selected;
    let focused = app.focus == Focus::Tree;
    let fit = |text: String| ellipsize(&text, area.width.saturating_sub(2) as usize);
    let mut lines: Vec<Line<'_>> = rows[window.clone()]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let line = match row {
                Row::Node {
                    node,
                    depth,
                    expanded,
                } => {
                    let marker = if !node.key.expandable() {
                        "  "
                    } else if *expanded {
                        "▾ "
                    } else {
                        "▸ "
                    };
                    Line::raw(fit(format!(
                        "{}{marker}{}",
                        "  ".repeat(*depth),
                        node.label
                    )))
                }
                Row::Loading { depth } => {
                    Line::styled(format!("{}  ⟳ loading…", "  ".repeat(*depth)), theme.dim)
                }
                Row::Failed { depth, message } => Line::styled(
                    fit(format!("{}  ✗ {message}", "  ".repeat(*depth))),
                    theme.error,
                ),
            };
            if window.start + i == selected {
                line.patch_style(if focused {
                    theme.selected
                } else {
                    theme.dim.patch(theme.selected)
                })
            } else {
                line
            }
        })
        .collect();
    if let Some(f) = filter {
        while lines.len() < height {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(f, theme.accent));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(" projects ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The keys valid now. When they do not all fit, the last ones give way,
/// except help (which lists them all) and quit.
fn draw_keybar(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let hints = app.key_hints();
    let cells = |h: &Hint| h.keys.chars().count() + h.what.chars().count() + 3;
    let pinned = |h: &Hint| matches!(h.what, "help" | "quit");
    // The last hint's trailing space may fall off the edge.
    let mut room = (area.width as usize + 1)
        .saturating_sub(hints.iter().filter(|h| pinned(h)).map(cells).sum());
    let mut spans = Vec::new();
    for h in &hints {
        if !pinned(h) {
            if cells(h) > room {
                room = 0;
                continue;
            }
            room -= cells(h);
        }
        spans.push(Span::styled(format!(" {} ", h.keys), theme.key));
        spans.push(Span::styled(format!("{} ", h.what), theme.dim));
    }
    frame.render_widget(Line::from(spans), area);
}

/// The newest toasts, stacked up from the bottom right of the body, each
/// wrapped to fit it (a long message grows taller, never cut off).
fn draw_toasts(frame: &mut Frame<'_>, body: Rect, app: &App, theme: &Theme) {
    let widest = (body.width * 3 / 4).max(24).min(body.width);
    let mut bottom = body.y + body.height.saturating_sub(1);
    for toast in app.toasts.iter().rev().take(3) {
        let width = (toast.text.width() as u16 + 4).min(widest);
        let lines = wrap(&toast.text, width.saturating_sub(4) as usize);
        let height = lines.len() as u16 + 2;
        if bottom < body.y + height {
            break;
        }
        bottom -= height;
        let area = Rect {
            x: body.x + body.width - width,
            y: bottom,
            width,
            height,
        };
        let style = match toast.level {
            Level::Info => theme.accent,
            Level::Success => theme.ok,
            Level::Warning => theme.warn,
            Level::Error => theme.error,
        };
        let text: Vec<Line<'_>> = lines
            .into_iter()
            .map(|l| Line::raw(format!(" {l}")))
            .collect();
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(text).block(Block::default().borders(Borders::ALL).border_style(style)),
            area,
        );
    }
}

/// Candidates the palette shows at once (every command fits).
const PALETTE_ROWS: usize = COMMANDS.len();

fn draw_palette(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let Some(p) = &app.palette else { return };
    let area = frame.area();
    let shown: Vec<String> = if p.input.text().is_empty() {
        COMMANDS
            .iter()
            .map(|(c, what)| format!("{c:<8} {what}"))
            .collect()
    } else {
        p.candidates.clone()
    };
    let height = (shown.len().min(PALETTE_ROWS) as u16) + 3 + u16::from(p.error.is_some());
    let rect = Rect {
        x: area.x + 2,
        y: area.y + 1,
        width: area.width.saturating_sub(4).min(70),
        height: height.min(area.height.saturating_sub(2)),
    };
    frame.render_widget(Clear, rect);
    let (text, cursor) = p.input.display();
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.accent),
        Span::raw(text),
    ])];
    if let Some(e) = &p.error {
        lines.push(Line::styled(format!("✗ {e}"), theme.error));
    }
    lines.extend(
        shown
            .into_iter()
            .take(PALETTE_ROWS)
            .map(|c| Line::styled(c, theme.dim)),
    );
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(" command "),
        ),
        rect,
    );
    frame.set_cursor_position(Position::new(rect.x + 2 + cursor as u16, rect.y + 1));
}

/// `?`: every key of the view in the body, of the tree and the global
/// ones (from the lists that dispatch them), then the commands; it scrolls
/// when it does not fit.
fn draw_help(frame: &mut Frame<'_>, app: &mut App, theme: &Theme) {
    let area = centered(frame.area(), 76, frame.area().height.saturating_sub(2));
    let lines = help_lines(app, theme);
    app.pager.draw(frame, area, "help", lines, theme);
}

/// The help's text: one section per list of keys, then the commands.
pub fn help_lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (title, keys) in app.help_sections() {
        lines.push(Line::styled(title, theme.key));
        for h in keys {
            let mut what = h.what.to_string();
            if h.write && app.session.read_only {
                what.push_str(" (disabled: read-only)");
            }
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14} ", h.keys), theme.accent),
                Span::raw(what),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Commands (:)", theme.key));
    for (c, what) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{c:<13} "), theme.accent),
            Span::raw(*what),
        ]));
    }
    if let Some(key) = app.active_view_key()
        && let Some(extra) = view_help(&key)
    {
        lines.push(Line::raw(""));
        lines.extend(extra.into_iter().map(|l| Line::styled(l, theme.dim)));
    }
    lines
}

/// `:messages`: every toast and error so far with its local time, newest
/// last (opened at the end), wrapped to the box.
fn draw_log(frame: &mut Frame<'_>, app: &mut App, theme: &Theme) {
    let area = centered(frame.area(), 100, frame.area().height.saturating_sub(2));
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for line in app.log.lines() {
        // Continuation lines indent past the clock.
        for (i, part) in wrap(&line, width.saturating_sub(11))
            .into_iter()
            .enumerate()
        {
            let indent = if i == 0 { "" } else { "           " };
            lines.push(Line::raw(format!("{indent}{part}")));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("no messages yet", theme.dim));
    }
    let title = format!("messages (last {MESSAGE_LOG_CAPACITY} kept)");
    app.pager.draw(frame, area, &title, lines, theme);
}

/// Notes a view's help adds (why things are the way they are).
fn view_help(key: &crate::tree::NodeKey) -> Option<Vec<&'static str>> {
    match key {
        crate::tree::NodeKey::Env { .. } => Some(vec![
            "No secret toggle: the platform stores environment values in plain text and",
            "refuses secret=true (\"secret app env values are not enabled\"). Anyone with",
            "app:read on the project can read every value. Keys or values that look like",
            "credentials are flagged ⚠ so you can move them somewhere safer.",
        ]),
        _ => None,
    }
}

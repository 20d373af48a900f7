//! Drawing: header, project tree, detail pane, key bar.

use comwit_client::TokenKind;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

use crate::app::App;
use crate::tree::Row;

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);

    let token = match app.token_kind() {
        Some(TokenKind::Operator) => Span::styled(
            " OPERATOR ",
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ),
        Some(TokenKind::User) => Span::raw(" user token "),
        None => Span::styled(" no token ", Style::new().fg(Color::Red)),
    };
    let ready = match app.ready {
        None => Span::raw(" API: checking…"),
        Some(true) => Span::styled(" API: ready", Style::new().fg(Color::Green)),
        Some(false) => Span::styled(
            " API: not ready (Louhi or brrrd unreachable)",
            Style::new().fg(Color::Red),
        ),
    };
    frame.render_widget(
        Line::from(vec![
            Span::styled(" comwit ", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!("│ {} │", app.target)),
            token,
            Span::raw("│"),
            ready,
        ]),
        header,
    );

    let rows = app.tree.rows();
    let items: Vec<ListItem<'_>> = rows
        .iter()
        .map(|row| match row {
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
                ListItem::new(format!("{}{marker}{}", "  ".repeat(*depth), node.label))
            }
            Row::Loading { depth } => ListItem::new(format!("{}  loading…", "  ".repeat(*depth)))
                .style(Style::new().fg(Color::DarkGray)),
            Row::Failed { depth, message } => {
                ListItem::new(format!("{}  ✗ {message}", "  ".repeat(*depth)))
                    .style(Style::new().fg(Color::Red))
            }
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(app.selected));
    frame.render_stateful_widget(
        List::new(items)
            .block(Block::default().borders(Borders::ALL).title(" projects "))
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
        left,
        &mut state,
    );

    let detail: Vec<Line<'_>> = match app.selected_node() {
        Some(node) if !node.detail.is_empty() => node
            .detail
            .iter()
            .map(|(k, v)| {
                Line::from(vec![
                    Span::styled(format!("{k:>12}  "), Style::new().fg(Color::Cyan)),
                    Span::raw(v.clone()),
                ])
            })
            .collect(),
        Some(node) => vec![Line::raw(format!("{}: press enter to open", node.label))],
        None => vec![Line::raw("")],
    };
    frame.render_widget(
        Paragraph::new(detail)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" detail ")),
        right,
    );

    let hints: Vec<Span<'_>> = app
        .key_hints()
        .into_iter()
        .flat_map(|(k, what)| {
            [
                Span::styled(format!(" {k} "), Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(format!("{what} ")),
            ]
        })
        .collect();
    frame.render_widget(Line::from(hints), footer);
}

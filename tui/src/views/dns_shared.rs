//! Pieces the DNS views (domains, records, watcher) share: the key hints
//! of an open dialog or filter, a table that builds only its visible rows,
//! and how domain states read on screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};

use super::{Hint, hint};
use crate::theme::Theme;
use crate::widgets::list::Picker;
use crate::widgets::modal::Modal;

pub const MANAGED: &str = "managed";
pub const PENDING: &str = "pending_delegation";

/// The keys of an open dialog (the bar shows only these while it is open).
pub fn modal_hints<I>(modal: &Modal<I>) -> Vec<Hint> {
    match modal {
        Modal::Confirm { .. } => vec![hint("y/enter", "confirm"), hint("n/esc", "cancel")],
        Modal::TypeToConfirm { .. } => vec![
            hint("type", "the name shown"),
            hint("enter", "confirm"),
            hint("esc", "cancel"),
        ],
        Modal::Prompt { .. } => vec![hint("enter", "ok"), hint("esc", "cancel")],
        Modal::Form { .. } => vec![
            hint("tab", "next field"),
            hint("←/→", "choose"),
            hint("enter/ctrl-s", "save"),
            hint("esc", "cancel"),
        ],
        Modal::Info { .. } => vec![hint("y", "copy"), hint("enter/esc", "close")],
        Modal::Reveal { .. } => vec![
            hint("y", "copy"),
            hint("v", "show/hide"),
            hint("enter/esc", "close"),
        ],
    }
}

/// The keys while typing a `/` filter.
pub fn filter_hints() -> Vec<Hint> {
    vec![
        hint("type", "filter"),
        hint("↑↓", "move"),
        hint("enter", "keep"),
        hint("esc", "clear"),
    ]
}

/// A table over `len` rows that builds only the rows in view: `row(i)`
/// is called for the visible positions `i` of the (filtered) list, so a
/// 10,000-record zone costs what a screenful does. The cursor's row is
/// highlighted; the header takes the first line of `area`.
#[allow(clippy::too_many_arguments)]
pub fn draw_table<'a>(
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

/// A domain's status as a short badge.
pub fn status_badge(status: &str) -> String {
    match status {
        MANAGED => "✓ managed".to_string(),
        PENDING => "… pending_delegation".to_string(),
        "" => "? unknown".to_string(),
        other => format!("! {other}"),
    }
}

/// Whole seconds, minutes or hours, compactly: `45s`, `2m30s`, `1h`.
pub fn compact_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 if s.is_multiple_of(60) => format!("{}m", s / 60),
        60..3600 => format!("{}m{}s", s / 60, s % 60),
        _ if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ => format!("{}h{}m", s / 3600, (s % 3600) / 60),
    }
}

/// A session for unit tests that never reaches the network.
#[cfg(test)]
pub fn test_session() -> crate::session::Session {
    use comwit_client::Client;
    use comwit_client::credentials::Credentials;
    use comwit_client::delegation::Parents;
    crate::session::Session {
        client: Client::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("client"),
        target: "test".into(),
        scopes: None,
        credentials: std::sync::Arc::new(Credentials::in_memory().expect("memory store")),
        secrets_in_memory: true,
        sql_operator: None,
        read_only: false,
        project: None,
        dns_parents: Parents::Fixed(Vec::new()),
        resolvers: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_read_compactly() {
        assert_eq!(compact_duration(Duration::from_millis(4_900)), "4s");
        assert_eq!(compact_duration(Duration::from_secs(300)), "5m");
        assert_eq!(compact_duration(Duration::from_secs(150)), "2m30s");
        assert_eq!(compact_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(compact_duration(Duration::from_secs(3900)), "1h5m");
    }

    #[test]
    fn statuses_get_badges() {
        assert_eq!(status_badge("managed"), "✓ managed");
        assert_eq!(status_badge("pending_delegation"), "… pending_delegation");
        assert_eq!(status_badge("suspended"), "! suspended");
    }
}

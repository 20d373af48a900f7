//! Dialogs a view opens over the screen. Each carries the view's own
//! `intent` (what to do on confirm) so the view that opened it acts on it.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::centered;
use super::input::LineInput;
use crate::theme::Theme;

/// Completes what was typed (e.g. a path); returns the candidates.
pub type Completer = fn(&str) -> Vec<String>;

pub enum FieldKind {
    Text(LineInput),
    /// One of a fixed set, changed with ←/→ or space.
    Choice {
        options: Vec<String>,
        index: usize,
    },
    /// One value per line.
    Lines(Box<TextArea<'static>>),
}

pub struct Field {
    pub label: String,
    pub kind: FieldKind,
    /// Shown read-only (e.g. the key of an env var being edited).
    pub locked: bool,
}

impl Field {
    pub fn text(label: &str, value: &str) -> Self {
        Self {
            label: label.into(),
            kind: FieldKind::Text(LineInput::new(value)),
            locked: false,
        }
    }

    pub fn choice(label: &str, options: &[&str], selected: &str) -> Self {
        let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        let index = options.iter().position(|o| o == selected).unwrap_or(0);
        Self {
            label: label.into(),
            kind: FieldKind::Choice { options, index },
            locked: false,
        }
    }

    pub fn lines(label: &str, values: &[String]) -> Self {
        Self {
            label: label.into(),
            kind: FieldKind::Lines(Box::new(TextArea::new(if values.is_empty() {
                vec![String::new()]
            } else {
                values.to_vec()
            }))),
            locked: false,
        }
    }

    pub fn locked(mut self) -> Self {
        self.locked = true;
        self
    }

    /// The value as text (a choice's option; lines joined by `\n`).
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text(i) => i.text().to_string(),
            FieldKind::Choice { options, index } => options[*index].clone(),
            FieldKind::Lines(t) => t.lines().join("\n"),
        }
    }

    fn height(&self) -> u16 {
        match &self.kind {
            FieldKind::Lines(_) => 5,
            _ => 1,
        }
    }
}

pub enum Modal<I> {
    /// y / enter confirms.
    Confirm {
        title: String,
        lines: Vec<String>,
        intent: I,
    },
    /// The user types `expected` (a name) to confirm.
    TypeToConfirm {
        title: String,
        lines: Vec<String>,
        expected: String,
        input: LineInput,
        intent: I,
    },
    Prompt {
        title: String,
        lines: Vec<String>,
        input: LineInput,
        complete: Option<Completer>,
        candidates: Vec<String>,
        intent: I,
    },
    Form {
        title: String,
        lines: Vec<String>,
        fields: Vec<Field>,
        focus: usize,
        /// Why the last submit was refused (validation), shown in the form.
        error: Option<String>,
        intent: I,
    },
    /// Text to read (and copy with y): nameservers, records to publish.
    Info { title: String, lines: Vec<String> },
    /// A one-time secret: hidden until `v`, copied with `y`.
    Reveal {
        title: String,
        lines: Vec<String>,
        secret: comwit_client::Secret,
        shown: bool,
    },
}

pub enum Outcome<I> {
    Open,
    Cancelled,
    /// Confirmed, with the text typed (empty for plain confirms).
    Confirmed(I, String),
    /// A form was submitted: its field values in order. The view validates
    /// and either closes the form or calls [`Modal::refuse`].
    Submitted(I, Vec<String>),
    /// `y` in an info box: copy these lines.
    Copy(String),
}

impl<I: Clone> Modal<I> {
    pub fn confirm(title: impl Into<String>, lines: Vec<String>, intent: I) -> Self {
        Modal::Confirm {
            title: title.into(),
            lines,
            intent,
        }
    }

    pub fn prompt(title: impl Into<String>, lines: Vec<String>, initial: &str, intent: I) -> Self {
        Modal::Prompt {
            title: title.into(),
            lines,
            input: LineInput::new(initial),
            complete: None,
            candidates: Vec::new(),
            intent,
        }
    }

    pub fn form(
        title: impl Into<String>,
        lines: Vec<String>,
        fields: Vec<Field>,
        intent: I,
    ) -> Self {
        let focus = fields.iter().position(|f| !f.locked).unwrap_or(0);
        Modal::Form {
            title: title.into(),
            lines,
            fields,
            focus,
            error: None,
            intent,
        }
    }

    /// Keeps a form open with the reason its values were refused.
    pub fn refuse(&mut self, reason: impl Into<String>) {
        if let Modal::Form { error, .. } = self {
            *error = Some(reason.into());
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        match self {
            Modal::TypeToConfirm { input, .. } | Modal::Prompt { input, .. } => {
                input.insert_str(text)
            }
            Modal::Form { fields, focus, .. } => match &mut fields[*focus].kind {
                FieldKind::Text(i) => i.insert_str(text),
                FieldKind::Lines(t) => {
                    t.insert_str(text);
                }
                FieldKind::Choice { .. } => {}
            },
            Modal::Confirm { .. } | Modal::Info { .. } | Modal::Reveal { .. } => {}
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Outcome<I> {
        if key.code == KeyCode::Esc {
            return Outcome::Cancelled;
        }
        match self {
            Modal::Confirm { intent, .. } => match key.code {
                KeyCode::Char('y') | KeyCode::Enter => {
                    Outcome::Confirmed(intent.clone(), String::new())
                }
                KeyCode::Char('n') => Outcome::Cancelled,
                _ => Outcome::Open,
            },
            Modal::Info { lines, .. } => match key.code {
                KeyCode::Char('y') => Outcome::Copy(lines.join("\n")),
                KeyCode::Enter | KeyCode::Char('q') => Outcome::Cancelled,
                _ => Outcome::Open,
            },
            Modal::Reveal { secret, shown, .. } => match key.code {
                KeyCode::Char('y') => Outcome::Copy(secret.expose().to_string()),
                KeyCode::Char('v') => {
                    *shown = !*shown;
                    Outcome::Open
                }
                KeyCode::Enter | KeyCode::Char('q') => Outcome::Cancelled,
                _ => Outcome::Open,
            },
            Modal::TypeToConfirm {
                expected,
                input,
                intent,
                ..
            } => {
                if key.code == KeyCode::Enter {
                    if input.text() == expected.as_str() {
                        return Outcome::Confirmed(intent.clone(), input.text().to_string());
                    }
                    return Outcome::Open;
                }
                input.on_key(key);
                Outcome::Open
            }
            Modal::Prompt {
                input,
                complete,
                candidates,
                intent,
                ..
            } => match key.code {
                KeyCode::Enter => Outcome::Confirmed(intent.clone(), input.text().to_string()),
                KeyCode::Tab => {
                    if let Some(complete) = complete {
                        *candidates = complete(input.text());
                        if let Some(prefix) = common_prefix(candidates)
                            && prefix.len() > input.text().len()
                        {
                            input.set(prefix);
                        }
                    }
                    Outcome::Open
                }
                _ => {
                    input.on_key(key);
                    Outcome::Open
                }
            },
            Modal::Form {
                fields,
                focus,
                intent,
                error,
                ..
            } => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                let locked: Vec<bool> = fields.iter().map(|f| f.locked).collect();
                let next = |from: usize, step: isize| -> usize {
                    let n = locked.len() as isize;
                    let mut i = from as isize;
                    for _ in 0..n {
                        i = (i + step).rem_euclid(n);
                        if !locked[i as usize] {
                            break;
                        }
                    }
                    i as usize
                };
                match (&mut fields[*focus].kind, key.code) {
                    // ctrl-s submits from anywhere (enter adds lines in a list).
                    (_, KeyCode::Char('s')) if ctrl => {
                        return Outcome::Submitted(
                            intent.clone(),
                            fields.iter().map(Field::value).collect(),
                        );
                    }
                    (FieldKind::Lines(_), KeyCode::Enter) => {}
                    (_, KeyCode::Enter) => {
                        return Outcome::Submitted(
                            intent.clone(),
                            fields.iter().map(Field::value).collect(),
                        );
                    }
                    (_, KeyCode::Tab)
                    | (FieldKind::Text(_) | FieldKind::Choice { .. }, KeyCode::Down) => {
                        *focus = next(*focus, 1);
                        return Outcome::Open;
                    }
                    (_, KeyCode::BackTab)
                    | (FieldKind::Text(_) | FieldKind::Choice { .. }, KeyCode::Up) => {
                        *focus = next(*focus, -1);
                        return Outcome::Open;
                    }
                    _ => {}
                }
                *error = None;
                match &mut fields[*focus].kind {
                    FieldKind::Text(i) => {
                        i.on_key(key);
                    }
                    FieldKind::Choice { options, index } => match key.code {
                        KeyCode::Left | KeyCode::Char('h') => {
                            *index = (*index + options.len() - 1) % options.len()
                        }
                        KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => {
                            *index = (*index + 1) % options.len()
                        }
                        _ => {}
                    },
                    FieldKind::Lines(t) => {
                        t.input(*key);
                    }
                }
                Outcome::Open
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, theme: &Theme) {
        let area = frame.area();
        let (title, lines) = match self {
            Modal::Confirm { title, lines, .. }
            | Modal::TypeToConfirm { title, lines, .. }
            | Modal::Prompt { title, lines, .. }
            | Modal::Form { title, lines, .. }
            | Modal::Info { title, lines }
            | Modal::Reveal { title, lines, .. } => (title, lines),
        };
        let width = 72.min(area.width.saturating_sub(2)).max(20);
        let inner_width = width.saturating_sub(2) as usize;
        let wrapped: u16 = lines
            .iter()
            .map(|l| (l.chars().count().max(1).div_ceil(inner_width.max(1))) as u16)
            .sum();
        let extra: u16 = match self {
            Modal::Confirm { .. } | Modal::Info { .. } => 2,
            Modal::Reveal { .. } => 4,
            Modal::TypeToConfirm { .. } => 4,
            Modal::Prompt { candidates, .. } => 4 + (candidates.len().min(6) as u16),
            Modal::Form { fields, .. } => 4 + fields.iter().map(Field::height).sum::<u16>(),
        };
        let rect = centered(area, width, wrapped + extra + 2);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(format!(" {title} "));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let text: Vec<Line<'_>> = lines.iter().map(|l| Line::raw(l.as_str())).collect();
        let body = Rect {
            height: wrapped.min(inner.height),
            ..inner
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), body);
        let mut y = body.y + body.height + 1;
        let row = |y: u16| Rect {
            x: inner.x,
            y,
            width: inner.width,
            height: 1,
        };
        let bottom = inner.y + inner.height;
        let draw_input =
            |frame: &mut Frame<'_>, y: u16, label: &str, input: &LineInput, focused: bool| {
                if y >= bottom {
                    return;
                }
                let (text, cursor) = input.display();
                let prefix = format!("{label}: ");
                frame.render_widget(
                    Line::from(vec![
                        Span::styled(prefix.clone(), theme.accent),
                        Span::raw(text),
                    ]),
                    row(y),
                );
                if focused {
                    let x = inner.x + (prefix.chars().count() + cursor) as u16;
                    frame.set_cursor_position(Position::new(x.min(inner.x + inner.width - 1), y));
                }
            };
        match self {
            Modal::Confirm { .. } => {
                frame.render_widget(
                    Line::styled("y/enter: confirm   n/esc: cancel", theme.dim),
                    row(bottom - 1),
                );
            }
            Modal::Info { .. } => {
                frame.render_widget(
                    Line::styled("y: copy   enter/esc: close", theme.dim),
                    row(bottom - 1),
                );
            }
            Modal::Reveal { secret, shown, .. } => {
                let text = if *shown {
                    secret.expose().to_string()
                } else {
                    "•".repeat(24)
                };
                frame.render_widget(Line::styled(text, theme.warn), row(y));
                frame.render_widget(
                    Line::styled("y: copy   v: show/hide   enter/esc: close", theme.dim),
                    row(bottom - 1),
                );
            }
            Modal::TypeToConfirm {
                expected, input, ..
            } => {
                draw_input(frame, y, &format!("type {expected}"), input, true);
                frame.render_widget(
                    Line::styled("enter: confirm   esc: cancel", theme.dim),
                    row(bottom - 1),
                );
            }
            Modal::Prompt {
                input, candidates, ..
            } => {
                draw_input(frame, y, ">", input, true);
                for c in candidates.iter().take(6) {
                    y += 1;
                    if y < bottom - 1 {
                        frame.render_widget(Line::styled(format!("  {c}"), theme.dim), row(y));
                    }
                }
                frame.render_widget(
                    Line::styled("enter: ok   tab: complete   esc: cancel", theme.dim),
                    row(bottom - 1),
                );
            }
            Modal::Form {
                fields,
                focus,
                error,
                ..
            } => {
                for (i, field) in fields.iter().enumerate() {
                    let focused = i == *focus;
                    let label_style = if focused { theme.key } else { theme.accent };
                    match &field.kind {
                        FieldKind::Text(input) => {
                            if field.locked {
                                frame.render_widget(
                                    Line::from(vec![
                                        Span::styled(format!("{}: ", field.label), theme.dim),
                                        Span::styled(input.text().to_string(), theme.dim),
                                    ]),
                                    row(y),
                                );
                            } else {
                                draw_input(frame, y, &field.label, input, focused);
                            }
                        }
                        FieldKind::Choice { options, index } => {
                            let mut spans =
                                vec![Span::styled(format!("{}: ", field.label), label_style)];
                            for (j, o) in options.iter().enumerate() {
                                let style = if j == *index {
                                    theme.selected
                                } else {
                                    theme.dim
                                };
                                spans.push(Span::styled(format!(" {o} "), style));
                            }
                            frame.render_widget(Line::from(spans), row(y));
                        }
                        FieldKind::Lines(t) => {
                            frame.render_widget(
                                Line::styled(
                                    format!("{} (one per line):", field.label),
                                    label_style,
                                ),
                                row(y),
                            );
                            let r = Rect {
                                x: inner.x + 2,
                                y: y + 1,
                                width: inner.width.saturating_sub(2),
                                height: field.height() - 1,
                            };
                            if r.y + r.height <= bottom {
                                // The text area draws its own cursor.
                                frame.render_widget(t.as_ref(), r);
                            }
                        }
                    }
                    y += field.height();
                }
                if let Some(e) = error
                    && y < bottom - 1
                {
                    frame.render_widget(Line::styled(format!("✗ {e}"), theme.error), row(y));
                }
                frame.render_widget(
                    Line::styled(
                        "tab: next field   enter/ctrl-s: save   esc: cancel",
                        theme.dim,
                    ),
                    row(bottom - 1),
                );
            }
        }
    }
}

/// The longest prefix all candidates share.
pub fn common_prefix(candidates: &[String]) -> Option<String> {
    let first = candidates.first()?;
    let mut len = first.len();
    for c in &candidates[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(c.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map(|((i, a), _)| i + a.len_utf8())
                .unwrap_or(0),
        );
    }
    Some(first[..len].to_string())
}

/// Completes a filesystem path: entries of the typed directory that start
/// with the typed name; directories end with `/`.
pub fn complete_path(typed: &str) -> Vec<String> {
    let expanded = comwit_client::places::expand_home(typed)
        .to_string_lossy()
        .into_owned();
    let (dir, name) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            if !n.starts_with(name) || (n.starts_with('.') && !name.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            Some(format!("{dir}{n}{}", if is_dir { "/" } else { "" }))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn type_to_confirm_needs_the_exact_name() {
        let mut m = Modal::TypeToConfirm {
            title: "Delete".into(),
            lines: vec![],
            expected: "shop-db".into(),
            input: LineInput::default(),
            intent: 7,
        };
        m.on_paste("shop-d");
        assert!(matches!(m.on_key(&k(KeyCode::Enter)), Outcome::Open));
        m.on_key(&k(KeyCode::Char('b')));
        assert!(matches!(
            m.on_key(&k(KeyCode::Enter)),
            Outcome::Confirmed(7, _)
        ));
    }

    #[test]
    fn forms_move_between_fields_and_submit_values() {
        let mut m = Modal::form(
            "Record",
            vec![],
            vec![
                Field::text("name", "www"),
                Field::choice("type", &["A", "AAAA", "CNAME"], "A"),
                Field::lines("values", &["192.0.2.1".to_string()]),
            ],
            (),
        );
        m.on_key(&k(KeyCode::Tab));
        m.on_key(&k(KeyCode::Right));
        match m.on_key(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)) {
            Outcome::Submitted((), values) => assert_eq!(values, vec!["www", "AAAA", "192.0.2.1"]),
            _ => panic!("submitted"),
        }
    }

    #[test]
    fn paths_complete_to_the_common_prefix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("public")).unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        let base = format!("{}/pu", dir.path().display());
        assert_eq!(
            complete_path(&base),
            vec![format!("{}/public/", dir.path().display())]
        );
        let both = complete_path(&format!("{}/p", dir.path().display()));
        assert_eq!(both.len(), 2);
        assert_eq!(
            common_prefix(&both).unwrap(),
            format!("{}/p", dir.path().display())
        );
    }
}

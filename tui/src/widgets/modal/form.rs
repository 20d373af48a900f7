//! A form: labelled fields (text, a choice, a list of lines) moved
//! through with tab; submitting hands the view its values by field name,
//! and the view either closes it or says in it why the values are refused
//! (see [`super::Modal::refuse`]). A secret field shows bullets until
//! ctrl-r reveals it.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui_textarea::TextArea;

use super::{Body, CANCEL, KeyHelp, Outcome, draw_input, key};
use crate::theme::Theme;
use crate::widgets::input::LineInput;

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
    /// What the view asks the submitted [`Values`] for.
    name: &'static str,
    /// What the form shows (the name unless [`Field::labelled`]).
    label: &'static str,
    kind: FieldKind,
    /// Shown read-only (e.g. the key of an env var being edited).
    locked: bool,
    /// Masked until the user reveals it (a credential being edited).
    secret: bool,
}

impl Field {
    fn new(name: &'static str, kind: FieldKind) -> Self {
        Self {
            name,
            label: name,
            kind,
            locked: false,
            secret: false,
        }
    }

    pub fn text(name: &'static str, value: &str) -> Self {
        Self::new(name, FieldKind::Text(LineInput::new(value)))
    }

    /// A text field shown as bullets until ctrl-r reveals it.
    pub fn secret(name: &'static str, value: &str) -> Self {
        let mut input = LineInput::new(value);
        input.masked = true;
        Self {
            secret: true,
            ..Self::new(name, FieldKind::Text(input))
        }
    }

    pub fn choice(name: &'static str, options: &[&str], selected: &str) -> Self {
        let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        let index = options.iter().position(|o| o == selected).unwrap_or(0);
        Self::new(name, FieldKind::Choice { options, index })
    }

    pub fn lines(name: &'static str, values: &[String]) -> Self {
        let lines = if values.is_empty() {
            vec![String::new()]
        } else {
            values.to_vec()
        };
        Self::new(name, FieldKind::Lines(Box::new(TextArea::new(lines))))
    }

    /// Shows `label` instead of the name.
    pub fn labelled(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    pub fn locked(mut self) -> Self {
        self.locked = true;
        self
    }

    /// The value as text (a choice's option; lines joined by `\n`).
    fn value(&self) -> String {
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

/// A submitted form's values, by field name.
#[derive(Debug, Clone, PartialEq)]
pub struct Values(Vec<(&'static str, String)>);

impl Values {
    /// The value of the field called `name` (a choice's option, lines
    /// joined by `\n`); empty for a name the form does not have.
    pub fn get(&self, name: &str) -> &str {
        let found = self.0.iter().find(|(n, _)| *n == name);
        debug_assert!(found.is_some(), "the form has no field {name:?}");
        found.map_or("", |(_, v)| v.as_str())
    }

    /// Values as a submitted form would give them (unit tests of parsers).
    #[cfg(test)]
    pub fn from_pairs(pairs: Vec<(&'static str, String)>) -> Self {
        Self(pairs)
    }
}

pub struct Form<I> {
    fields: Vec<Field>,
    focus: usize,
    intent: I,
}

impl<I> Form<I> {
    pub fn new(fields: Vec<Field>, intent: I) -> Self {
        let focus = fields.iter().position(|f| !f.locked).unwrap_or(0);
        Self {
            fields,
            focus,
            intent,
        }
    }

    fn has_secret(&self) -> bool {
        self.fields.iter().any(|f| f.secret)
    }

    /// ctrl-r: shows or hides every secret field.
    fn toggle_secrets(&mut self) {
        for field in self.fields.iter_mut().filter(|f| f.secret) {
            if let FieldKind::Text(input) = &mut field.kind {
                input.masked = !input.masked;
            }
        }
    }

    fn values(&self) -> Values {
        Values(self.fields.iter().map(|f| (f.name, f.value())).collect())
    }

    /// The next field that is not locked, `step` away (wrapping).
    fn next(&self, step: isize) -> usize {
        let n = self.fields.len() as isize;
        let mut i = self.focus as isize;
        for _ in 0..n {
            i = (i + step).rem_euclid(n);
            if !self.fields[i as usize].locked {
                break;
            }
        }
        i as usize
    }

    /// Typing into the focused field.
    fn edit(&mut self, key: &KeyEvent) {
        match &mut self.fields[self.focus].kind {
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
    }

    fn draw_field(
        &self,
        frame: &mut Frame<'_>,
        field: &Field,
        row: Rect,
        focused: bool,
        theme: &Theme,
    ) {
        let label_style = if focused { theme.key } else { theme.accent };
        match &field.kind {
            FieldKind::Text(input) if field.locked => {
                let line = Line::from(vec![
                    Span::styled(format!("{}: ", field.label), theme.dim),
                    Span::styled(input.display().0, theme.dim),
                ]);
                frame.render_widget(line, row);
            }
            FieldKind::Text(input) => draw_input(frame, row, field.label, input, focused, theme),
            FieldKind::Choice { options, index } => {
                let mut spans = vec![Span::styled(format!("{}: ", field.label), label_style)];
                for (j, o) in options.iter().enumerate() {
                    let style = if j == *index {
                        theme.selected
                    } else {
                        theme.dim
                    };
                    spans.push(Span::styled(format!(" {o} "), style));
                }
                frame.render_widget(Line::from(spans), row);
            }
            FieldKind::Lines(t) => {
                let head = Line::styled(format!("{} (one per line):", field.label), label_style);
                frame.render_widget(head, Rect { height: 1, ..row });
                let text = Rect {
                    x: row.x + 2,
                    y: row.y + 1,
                    width: row.width.saturating_sub(2),
                    height: field.height() - 1,
                };
                // The text area draws its own cursor.
                if text.bottom() <= row.bottom() {
                    frame.render_widget(t.as_ref(), text);
                }
            }
        }
    }
}

impl<I: Clone> Body<I> for Form<I> {
    fn keys(&self) -> Vec<KeyHelp> {
        let mut keys = vec![key("tab", "next field")];
        if self
            .fields
            .iter()
            .any(|f| matches!(f.kind, FieldKind::Choice { .. }))
        {
            keys.push(key("←/→", "choose"));
        }
        if self.has_secret() {
            keys.push(key("ctrl-r", "show/hide value"));
        }
        keys.extend([key("enter/ctrl-s", "save"), CANCEL]);
        keys
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let in_lines = matches!(self.fields[self.focus].kind, FieldKind::Lines(_));
        match key.code {
            // ctrl-s submits from anywhere (enter adds lines in a list).
            KeyCode::Char('s') if ctrl => {}
            KeyCode::Char('r') if ctrl && self.has_secret() => {
                self.toggle_secrets();
                return Outcome::Open;
            }
            KeyCode::Enter if !in_lines => {}
            KeyCode::Tab => {
                self.focus = self.next(1);
                return Outcome::Open;
            }
            KeyCode::BackTab => {
                self.focus = self.next(-1);
                return Outcome::Open;
            }
            KeyCode::Down if !in_lines => {
                self.focus = self.next(1);
                return Outcome::Open;
            }
            KeyCode::Up if !in_lines => {
                self.focus = self.next(-1);
                return Outcome::Open;
            }
            _ => {
                self.edit(key);
                return Outcome::Open;
            }
        }
        Outcome::Submitted(self.intent.clone(), self.values())
    }

    fn typed(&self) -> String {
        self.fields
            .iter()
            .map(Field::value)
            .collect::<Vec<_>>()
            .join("\0")
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.fields[self.focus].kind {
            FieldKind::Text(i) => i.insert_str(text),
            FieldKind::Lines(t) => {
                t.insert_str(text);
            }
            FieldKind::Choice { .. } => {}
        }
    }

    /// The fields and a blank line.
    fn height(&self) -> u16 {
        self.fields.iter().map(Field::height).sum::<u16>() + 1
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let mut y = area.y;
        for (i, field) in self.fields.iter().enumerate() {
            let row = Rect {
                y,
                height: field.height(),
                ..area
            }
            .intersection(area);
            if row.height > 0 {
                self.draw_field(frame, field, row, i == self.focus, theme);
            }
            y += field.height();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Modal;
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn forms_move_between_fields_and_submit_values_by_name() {
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
            Outcome::Submitted((), values) => {
                assert_eq!(values.get("name"), "www");
                assert_eq!(values.get("type"), "AAAA");
                assert_eq!(values.get("values"), "192.0.2.1");
            }
            _ => panic!("submitted"),
        }
    }

    #[test]
    fn secret_fields_show_bullets_until_revealed() {
        let mut m = Modal::form(
            "Variable",
            vec![],
            vec![
                Field::text("key", "K").locked(),
                Field::secret("value", "hunter2"),
            ],
            (),
        );
        assert!(!screen(&m).contains("hunter2"), "masked: {}", screen(&m));
        assert!(screen(&m).contains("•••••••"));
        m.on_key(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
        assert!(screen(&m).contains("hunter2"), "ctrl-r reveals it");
        m.on_key(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
        assert!(!screen(&m).contains("hunter2"), "and hides it again");
    }

    #[test]
    fn a_waiting_form_takes_no_second_submit_and_keeps_its_input_when_refused() {
        let mut m = Modal::form("Attach", vec![], vec![Field::text("hostname", "")], ());
        m.on_key(&k(KeyCode::Char('a')));
        assert!(matches!(
            m.on_key(&k(KeyCode::Enter)),
            Outcome::Submitted(..)
        ));
        m.wait();
        assert!(
            matches!(m.on_key(&k(KeyCode::Enter)), Outcome::Open),
            "no double submit"
        );
        m.on_key(&k(KeyCode::Char('b')));
        assert!(
            screen(&m).contains("waiting for the platform"),
            "{}",
            screen(&m)
        );
        m.refuse("the platform refused it (409): hostname a is bound to another app; detach it there first");
        let text = screen(&m);
        assert!(
            text.contains("hostname: a"),
            "input intact, typing ignored while waiting: {text}"
        );
        assert!(
            text.contains("detach it there first"),
            "the reason wraps into view: {text}"
        );
        match m.on_key(&k(KeyCode::Enter)) {
            Outcome::Submitted((), values) => assert_eq!(values.get("hostname"), "a"),
            _ => panic!("submits again once refused"),
        }
    }

    /// The dialog as text, 60 columns wide.
    fn screen(m: &Modal<()>) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 20)).unwrap();
        terminal.draw(|f| m.draw(f, &Theme::monochrome())).unwrap();
        crate::widgets::buffer_text(terminal.backend().buffer())
    }

    #[test]
    fn locked_fields_are_skipped_and_refusals_clear_on_typing() {
        let mut m = Modal::form(
            "Variable",
            vec![],
            vec![Field::text("key", "K").locked(), Field::text("value", "")],
            (),
        );
        m.refuse("no");
        assert!(screen(&m).contains("✗ no"));
        m.on_key(&k(KeyCode::Tab));
        assert!(
            screen(&m).contains("✗ no"),
            "moving keeps the reason in view"
        );
        m.on_key(&k(KeyCode::Char('v')));
        assert!(!screen(&m).contains("✗ no"), "typing clears it");
        match m.on_key(&k(KeyCode::Enter)) {
            Outcome::Submitted((), values) => {
                assert_eq!(values.get("key"), "K", "locked, never focused");
                assert_eq!(values.get("value"), "v");
            }
            _ => panic!("submitted"),
        }
    }
}

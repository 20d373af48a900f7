//! Dialogs a view opens over the screen. A dialog is a title and lines of
//! text over one kind of body — a confirmation, a name to type, a prompt,
//! a form, text to read, a secret — each kind in its own module with its
//! own keys and drawing (gitui's popups). Each carries the view's own
//! `intent` (what to do on confirm) so the view that opened it acts on it.
//!
//! A kind lists its keys once ([`KeyHelp`]): the key bar and the dialog's
//! last line are both made from that list.

mod confirm;
mod form;
mod info;
mod prompt;
mod reveal;
mod type_to_confirm;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centered;
use super::input::LineInput;
use crate::theme::Theme;

pub use form::{Field, Values};
pub use prompt::{Completer, common_prefix, complete_path};

/// A key a dialog takes and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    pub keys: &'static str,
    pub what: &'static str,
}

const fn key(keys: &'static str, what: &'static str) -> KeyHelp {
    KeyHelp { keys, what }
}

/// Every dialog closes on esc.
const CANCEL: KeyHelp = key("esc", "cancel");

/// What a key did to a dialog.
pub enum Outcome<I> {
    Open,
    Cancelled,
    /// Confirmed, with the text typed (empty for plain confirms).
    Confirmed(I, String),
    /// A form was submitted with its values by field name. The view
    /// validates and either closes the form or calls [`Modal::refuse`].
    Submitted(I, Values),
    /// `y`: copy this text.
    Copy(String),
}

/// What a kind of dialog does under its text.
trait Body<I> {
    /// The keys it takes, in the order the bar shows them.
    fn keys(&self) -> Vec<KeyHelp>;
    /// `text` is the dialog's text (what `y` copies from an info box).
    fn on_key(&mut self, key: &KeyEvent, text: &[String]) -> Outcome<I>;
    fn on_paste(&mut self, _text: &str) {}
    /// Rows it needs under the text (a blank row before the key line
    /// included where it wants one).
    fn height(&self) -> u16;
    fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme);
}

enum Kind<I> {
    Confirm(confirm::Confirm<I>),
    TypeToConfirm(type_to_confirm::TypeToConfirm<I>),
    Prompt(prompt::Prompt<I>),
    Form(form::Form<I>),
    Info(info::Info),
    Reveal(reveal::Reveal),
}

impl<I: Clone> Kind<I> {
    fn body(&self) -> &dyn Body<I> {
        match self {
            Kind::Confirm(b) => b,
            Kind::TypeToConfirm(b) => b,
            Kind::Prompt(b) => b,
            Kind::Form(b) => b,
            Kind::Info(b) => b,
            Kind::Reveal(b) => b,
        }
    }

    fn body_mut(&mut self) -> &mut dyn Body<I> {
        match self {
            Kind::Confirm(b) => b,
            Kind::TypeToConfirm(b) => b,
            Kind::Prompt(b) => b,
            Kind::Form(b) => b,
            Kind::Info(b) => b,
            Kind::Reveal(b) => b,
        }
    }
}

/// A dialog: title and text, and a body of one kind.
pub struct Modal<I> {
    title: String,
    lines: Vec<String>,
    kind: Kind<I>,
}

impl<I: Clone> Modal<I> {
    fn new(title: impl Into<String>, lines: Vec<String>, kind: Kind<I>) -> Self {
        Self {
            title: title.into(),
            lines,
            kind,
        }
    }

    /// y / enter confirms.
    pub fn confirm(title: impl Into<String>, lines: Vec<String>, intent: I) -> Self {
        let body = confirm::Confirm {
            intent,
            enter_confirms: true,
        };
        Self::new(title, lines, Kind::Confirm(body))
    }

    /// A question whose safe answer is no: only y confirms; enter, like n
    /// and esc, keeps things as they are (leaving with work in progress,
    /// acting with more rights than the session has).
    pub fn ask(title: impl Into<String>, lines: Vec<String>, intent: I) -> Self {
        let body = confirm::Confirm {
            intent,
            enter_confirms: false,
        };
        Self::new(title, lines, Kind::Confirm(body))
    }

    /// Confirmed only once `expected` (a name) is typed.
    pub fn type_to_confirm(
        title: impl Into<String>,
        lines: Vec<String>,
        expected: impl Into<String>,
        intent: I,
    ) -> Self {
        let body = type_to_confirm::TypeToConfirm::new(expected.into(), intent);
        Self::new(title, lines, Kind::TypeToConfirm(body))
    }

    /// One line of text; enter confirms it.
    pub fn prompt(title: impl Into<String>, lines: Vec<String>, initial: &str, intent: I) -> Self {
        Self::new(
            title,
            lines,
            Kind::Prompt(prompt::Prompt::new(initial, intent)),
        )
    }

    /// Tab completes what was typed in a prompt (a path).
    pub fn with_completion(mut self, complete: Completer) -> Self {
        if let Kind::Prompt(p) = &mut self.kind {
            p.complete = Some(complete);
        }
        self
    }

    pub fn form(
        title: impl Into<String>,
        lines: Vec<String>,
        fields: Vec<Field>,
        intent: I,
    ) -> Self {
        Self::new(title, lines, Kind::Form(form::Form::new(fields, intent)))
    }

    /// Text to read (and copy with y): nameservers, records to publish.
    pub fn info(title: impl Into<String>, lines: Vec<String>) -> Self {
        Self::new(title, lines, Kind::Info(info::Info))
    }

    /// A one-time secret: hidden until `v`, copied with `y`.
    pub fn reveal(
        title: impl Into<String>,
        lines: Vec<String>,
        secret: comwit_client::Secret,
    ) -> Self {
        Self::new(title, lines, Kind::Reveal(reveal::Reveal::new(secret)))
    }

    /// Keeps a form open with the reason its values were refused.
    pub fn refuse(&mut self, reason: impl Into<String>) {
        if let Kind::Form(f) = &mut self.kind {
            f.error = Some(reason.into());
        }
    }

    /// The keys the dialog takes now (the key bar shows only these).
    pub fn keys(&self) -> Vec<KeyHelp> {
        self.kind.body().keys()
    }

    pub fn on_paste(&mut self, text: &str) {
        self.kind.body_mut().on_paste(text);
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Outcome<I> {
        if key.code == KeyCode::Esc {
            return Outcome::Cancelled;
        }
        self.kind.body_mut().on_key(key, &self.lines)
    }

    /// A box in the middle of the screen: the text, the body, the keys.
    pub fn draw(&self, frame: &mut Frame<'_>, theme: &Theme) {
        let area = frame.area();
        let width = 72.min(area.width.saturating_sub(2)).max(20);
        let inner_width = width.saturating_sub(2).max(1) as usize;
        let wrapped: u16 = self
            .lines
            .iter()
            .map(|l| l.chars().count().max(1).div_ceil(inner_width) as u16)
            .sum();
        let body = self.kind.body();
        let rect = centered(area, width, wrapped + body.height() + 4);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(format!(" {} ", self.title));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let text: Vec<Line<'_>> = self.lines.iter().map(|l| Line::raw(l.as_str())).collect();
        let text_area = Rect {
            height: wrapped.min(inner.height),
            ..inner
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
        let bottom = inner.bottom().saturating_sub(1);
        let top = (text_area.bottom() + 1).min(bottom);
        let body_area = Rect {
            y: top,
            height: bottom - top,
            ..inner
        };
        body.draw(frame, body_area, theme);
        let line = Rect {
            y: bottom,
            height: 1,
            ..inner
        };
        frame.render_widget(Line::styled(key_line(&body.keys()), theme.dim), line);
    }
}

/// `y/enter: confirm   n/esc: cancel`.
fn key_line(keys: &[KeyHelp]) -> String {
    keys.iter()
        .map(|k| format!("{}: {}", k.keys, k.what))
        .collect::<Vec<_>>()
        .join("   ")
}

/// One labelled line of input at the top of `area`, with the cursor in it
/// when focused.
fn draw_input(
    frame: &mut Frame<'_>,
    area: Rect,
    label: &str,
    input: &LineInput,
    focused: bool,
    theme: &Theme,
) {
    if area.height == 0 {
        return;
    }
    let (text, cursor) = input.display();
    let prefix = format!("{label}: ");
    let row = Rect { height: 1, ..area };
    frame.render_widget(
        Line::from(vec![
            Span::styled(prefix.clone(), theme.accent),
            Span::raw(text),
        ]),
        row,
    );
    if focused {
        let x = area.x + (prefix.chars().count() + cursor) as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}

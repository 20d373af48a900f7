//! Dialogs a view opens over the screen. A dialog is a title and lines of
//! text over one kind of body — a confirmation, a name to type, a prompt,
//! a form, text to read, a secret — each kind in its own module with its
//! own keys and drawing (gitui's popups). Each carries the view's own
//! `intent` (what to do on confirm) so the view that opened it acts on it.
//!
//! A kind lists its keys once ([`KeyHelp`]): the key bar and the dialog's
//! last line are both made from that list.
//!
//! Every kind shares one answer cycle, so a form never loses what was
//! typed: the view sends what was answered and calls [`Modal::wait`] (the
//! dialog stays up, says it is waiting and takes no second answer), then
//! either closes it or hands back the platform's reason with
//! [`Modal::refuse`] (shown inline, wrapped, the input intact, ready to fix
//! and send again). A view can also ask for a second look before sending
//! with [`Modal::caution`].

mod confirm;
mod form;
mod info;
mod prompt;
mod reveal;
mod type_to_confirm;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centered;
use super::input::LineInput;
use crate::theme::Theme;
use comwit_client::Error;

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
    /// What was typed so far (a changed answer clears a note about it).
    fn typed(&self) -> String {
        String::new()
    }
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

/// What the view said back about the last answer, shown under the body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Note {
    /// Why the answer was refused (by the view's checks or the platform).
    Refused(String),
    /// Something to read before answering again (e.g. a credential about
    /// to be stored in plain text).
    Caution(String),
}

/// A dialog: title and text, and a body of one kind.
pub struct Modal<I> {
    title: String,
    lines: Vec<String>,
    kind: Kind<I>,
    note: Option<Note>,
    /// The answer was sent and the platform has not answered yet: keys
    /// other than esc are ignored so nothing is sent twice.
    waiting: bool,
}

/// The key bar while an answer is on its way.
const WAITING_KEYS: [KeyHelp; 2] = [
    key("…", "waiting for the platform"),
    key("esc", "close (the request still runs)"),
];

/// Why a dialog's request failed, as the dialog shows it: the platform's
/// problem detail with the status (and the hint, e.g. a missing scope); a
/// failure on the way says whether sending again is safe.
pub fn refusal(err: &Error) -> String {
    match err {
        Error::Api {
            status: 502,
            problem,
            ..
        } => format!(
            "a control plane behind the platform failed (502): {}; this may pass: send again",
            problem.message()
        ),
        Error::Api {
            status,
            problem,
            hint,
            ..
        } => {
            let hint = hint
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            format!(
                "the platform refused it ({status}): {}{hint}",
                problem.message()
            )
        }
        e if e.is_ambiguous() => format!(
            "{e}; it may have taken effect: close this, refresh (r) and check before sending again"
        ),
        e if e.is_transport() => format!("{e}; nothing was changed: send again"),
        other => other.to_string(),
    }
}

impl<I: Clone> Modal<I> {
    fn new(title: impl Into<String>, lines: Vec<String>, kind: Kind<I>) -> Self {
        Self {
            title: title.into(),
            lines,
            kind,
            note: None,
            waiting: false,
        }
    }

    /// Yes or no, focused on no: enter alone never confirms; `y` (or ←/→
    /// to yes, then enter) does.
    pub fn confirm(title: impl Into<String>, lines: Vec<String>, intent: I) -> Self {
        Self::new(title, lines, Kind::Confirm(confirm::Confirm::new(intent)))
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

    /// Keeps the dialog open with the reason its answer was refused (the
    /// view's check, or the platform's answer); what was typed stays.
    pub fn refuse(&mut self, reason: impl Into<String>) {
        self.waiting = false;
        self.note = Some(Note::Refused(reason.into()));
    }

    /// Keeps the dialog open with something to read before answering
    /// again; changing the answer clears it.
    pub fn caution(&mut self, text: impl Into<String>) {
        self.waiting = false;
        self.note = Some(Note::Caution(text.into()));
    }

    /// The answer was sent: the dialog stays up, waiting, until the view
    /// closes it or refuses the answer.
    pub fn wait(&mut self) {
        self.waiting = true;
        self.note = None;
    }

    pub fn is_waiting(&self) -> bool {
        self.waiting
    }

    /// The keys the dialog takes now (the key bar shows only these).
    pub fn keys(&self) -> Vec<KeyHelp> {
        if self.waiting {
            return WAITING_KEYS.to_vec();
        }
        self.kind.body().keys()
    }

    pub fn on_paste(&mut self, text: &str) {
        if !self.waiting {
            self.note = None;
            self.kind.body_mut().on_paste(text);
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Outcome<I> {
        if key.code == KeyCode::Esc {
            return Outcome::Cancelled;
        }
        if self.waiting {
            return Outcome::Open;
        }
        let before = self.kind.body().typed();
        let outcome = self.kind.body_mut().on_key(key, &self.lines);
        if self.kind.body().typed() != before {
            self.note = None;
        }
        outcome
    }

    /// Whether the dialog shows a caution about exactly what it holds now
    /// (typing clears it): answering again means "yes, I read it".
    pub fn is_cautioned(&self) -> bool {
        matches!(self.note, Some(Note::Caution(_)))
    }

    /// What shows under the body: that it is waiting, or the view's note.
    fn status(&self, theme: &Theme) -> Option<(String, Style)> {
        if self.waiting {
            return Some(("⟳ sending… waiting for the platform".into(), theme.dim));
        }
        match &self.note {
            Some(Note::Refused(why)) => Some((format!("✗ {why}"), theme.error)),
            Some(Note::Caution(text)) => Some((format!("⚠ {text}"), theme.warn)),
            None => None,
        }
    }

    /// A box in the middle of the screen: the text, the body, the status
    /// (wrapped), the keys.
    pub fn draw(&self, frame: &mut Frame<'_>, theme: &Theme) {
        let area = frame.area();
        let width = 72.min(area.width.saturating_sub(2)).max(20);
        let inner_width = width.saturating_sub(2).max(1) as usize;
        let wrapped = |lines: &[&str]| -> u16 {
            lines
                .iter()
                .map(|l| l.chars().count().max(1).div_ceil(inner_width) as u16)
                .sum()
        };
        let text: Vec<&str> = self.lines.iter().map(String::as_str).collect();
        let text_height = wrapped(&text);
        let status = self.status(theme);
        let status_height = status.as_ref().map_or(0, |(s, _)| wrapped(&[s]) + 1);
        let body = self.kind.body();
        let rect = centered(area, width, text_height + body.height() + status_height + 4);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(format!(" {} ", self.title));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let [text_area, _, body_area, status_area, key_area] = Layout::vertical([
            Constraint::Length(text_height),
            Constraint::Length(1),
            Constraint::Length(body.height()),
            Constraint::Length(status_height),
            Constraint::Length(1),
        ])
        .areas(inner);
        let text: Vec<Line<'_>> = text.into_iter().map(Line::raw).collect();
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
        body.draw(frame, body_area, theme);
        if let Some((line, style)) = status {
            let para = Paragraph::new(Line::styled(line, style)).wrap(Wrap { trim: false });
            frame.render_widget(para, status_area);
        }
        frame.render_widget(Line::styled(key_line(&self.keys()), theme.dim), key_area);
    }
}

/// `y: yes   n/esc: no`.
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

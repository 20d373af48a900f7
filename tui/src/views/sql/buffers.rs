//! Named editor buffers, several per database, shown as tabs under the
//! editor and kept on disk with the history (`buffer_file.rs`, saved off
//! the UI task by `buffer_store.rs`).
//!
//! The buffer in front lives in `SqlView.editor` (what runs, the history
//! pick, `$EDITOR` and undo all work on); the others are parked here with
//! their own text area, so each keeps its undo history and cursor.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui_textarea::{CursorMove, DataCursor, TextArea};

use super::buffer_file::{self, BuffersFile, Saved, SavedBuffer};
use super::buffer_store::{Report, Store};
use super::{Msg, Popup, SqlView};
use crate::context::Ctx;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::modal::{Modal, Outcome};

/// What new buffers are called, numbered from 1.
const DEFAULT_NAME: &str = "query";

/// A text area as the console shows one: empty, with the hint.
pub fn editor_with(text: &str) -> TextArea<'static> {
    let lines = text.replace("\r\n", "\n");
    let mut editor = TextArea::new(lines.split('\n').map(String::from).collect());
    editor.set_placeholder_text("type SQL here; ctrl-r (or F5) runs the statement at the cursor");
    editor
}

/// A buffer not in front: its text area and undo note kept as they were.
struct Parked {
    editor: TextArea<'static>,
    replaced_steps: usize,
}

impl Parked {
    fn blank() -> Self {
        Self {
            editor: editor_with(""),
            replaced_steps: 0,
        }
    }
}

struct Slot {
    name: String,
    /// `None` for the buffer in front (its text area is the view's).
    parked: Option<Parked>,
}

/// The buffers of one console, and their file.
pub struct Buffers {
    slots: Vec<Slot>,
    current: usize,
    /// The file until the store takes it (at the first refresh).
    file: Option<BuffersFile>,
    store: Option<Store>,
    /// The file has been read (or refused, or there is none): saving
    /// before would write over buffers not yet seen.
    loaded: bool,
    /// Changed since the last save handed to the store.
    dirty: bool,
}

impl Buffers {
    /// One empty buffer; `file` is read once the store starts.
    pub fn new(file: Option<BuffersFile>) -> Self {
        Self {
            slots: vec![Slot {
                name: numbered(1),
                parked: None,
            }],
            current: 0,
            loaded: file.is_none(),
            file,
            store: None,
            dirty: false,
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn current_name(&self) -> &str {
        &self.slots[self.current].name
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }

    /// The first free "query N".
    fn free_name(&self) -> String {
        (1..)
            .map(numbered)
            .find(|n| buffer_file::check_name(n, self.names()).is_ok())
            .unwrap_or_else(|| numbered(self.slots.len() + 1))
    }

    /// A buffer changed: saved a moment later (or when the console closes).
    pub fn touched(&mut self) {
        self.dirty = true;
        if let Some(store) = &self.store {
            store.touched();
        }
    }

    /// The tabs for the editor's bottom border, `width` cells at most: the
    /// one in front in brackets, with as many neighbours as fit.
    pub fn tab_line(&self, theme: &Theme, width: usize) -> Line<'static> {
        let labels: Vec<String> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i == self.current {
                    format!("[{}]", s.name)
                } else {
                    format!(" {} ", s.name)
                }
            })
            .collect();
        let (from, to) = visible_tabs(&labels, self.current, width);
        let mut spans = vec![Span::raw(" ")];
        if from > 0 {
            spans.push(Span::styled("…", theme.dim));
        }
        for (i, label) in labels.iter().enumerate().take(to).skip(from) {
            let style = if i == self.current {
                theme.accent
            } else {
                Style::new()
            };
            spans.push(Span::styled(label.clone(), style));
        }
        if to < labels.len() {
            spans.push(Span::styled("…", theme.dim));
        }
        spans.push(Span::raw(" "));
        Line::from(spans)
    }
}

fn numbered(n: usize) -> String {
    format!("{DEFAULT_NAME} {n}")
}

/// The range of tabs to show: the current one, then neighbours taken
/// alternately right and left while they fit in `width` (two cells kept
/// for the margins, and one for each "…" of tabs left out).
fn visible_tabs(labels: &[String], current: usize, width: usize) -> (usize, usize) {
    let cells = |s: &String| s.chars().count();
    let fits = |from: usize, to: usize| {
        let used: usize = labels[from..to].iter().map(cells).sum();
        let marks = usize::from(from > 0) + usize::from(to < labels.len());
        used + marks + 2 <= width
    };
    let (mut from, mut to) = (current, current + 1);
    loop {
        let right = to < labels.len() && fits(from, to + 1);
        if right {
            to += 1;
        }
        let left = from > 0 && fits(from - 1, to);
        if left {
            from -= 1;
        }
        if !right && !left {
            return (from, to);
        }
    }
}

/// Which question a buffer dialog asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Rename,
    Close,
}

impl SqlView {
    /// Starts the buffers' store (once): it reads the file, then saves
    /// the buffers when asked, off the UI task.
    pub(super) fn start_buffers(&mut self, cx: &Ctx<'_>) {
        if let Some(file) = self.buffers.file.take() {
            let report = cx.reporter::<Msg>();
            let store = Store::start(file, move |r| report.send(Msg::Buffers(r)));
            self.buffers.store = Some(store);
        }
    }

    /// What the store said.
    pub(super) fn on_buffers_report(&mut self, report: Report, cx: &mut Ctx<'_>) {
        match report {
            Report::Loaded(saved) => {
                self.buffers.loaded = true;
                if let Some(saved) = saved {
                    self.restore(saved);
                }
            }
            Report::Refused(why) => {
                self.buffers.loaded = true;
                cx.toast(Level::Warning, why);
            }
            Report::SaveDue => self.save_buffers(),
            Report::Failed(why) => cx.toast(Level::Warning, why),
        }
    }

    /// Hands the buffers to the store if they changed since the last save
    /// (a moment after a change, and when the console closes).
    pub(super) fn save_buffers(&mut self) {
        if !(self.buffers.dirty && self.buffers.loaded) {
            return;
        }
        if let Some(store) = &self.buffers.store {
            store.save(self.snapshot());
            self.buffers.dirty = false;
        }
    }

    fn snapshot(&self) -> Saved {
        let buffers = self.buffers.slots.iter().map(|slot| {
            let editor = slot.parked.as_ref().map_or(&self.editor, |p| &p.editor);
            let DataCursor(row, col) = editor.cursor();
            SavedBuffer {
                name: slot.name.clone(),
                text: editor.lines().join("\n"),
                cursor: (row, col),
            }
        });
        Saved::new(buffers.collect(), self.buffers.current)
    }

    /// The file's buffers replace the empty one the console opened with;
    /// text typed before the file was read is kept, after them, and the
    /// buffer it is in stays in front.
    fn restore(&mut self, saved: Saved) {
        self.park_front();
        let before_front = self.buffers.current;
        let read = saved.buffers.into_iter().map(|b| {
            let mut editor = editor_with(&b.text);
            let (row, col) = b.cursor;
            let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
            editor.move_cursor(CursorMove::Jump(clamp(row), clamp(col)));
            Slot {
                name: b.name,
                parked: Some(Parked {
                    editor,
                    replaced_steps: 0,
                }),
            }
        });
        let before = std::mem::replace(&mut self.buffers.slots, read.collect());
        let mut front = saved.current;
        for (i, mut slot) in before.into_iter().enumerate() {
            let typed = (slot.parked.as_ref())
                .is_some_and(|p| p.editor.lines().iter().any(|l| !l.is_empty()));
            if typed {
                slot.name = buffer_file::check_name(&slot.name, self.buffers.names())
                    .unwrap_or_else(|_| self.buffers.free_name());
                self.buffers.slots.push(slot);
                if i == before_front {
                    front = self.buffers.len() - 1;
                }
                self.buffers.touched();
            }
        }
        self.unpark(front);
    }

    /// Moves the text area in front back to its slot (a blank one stands
    /// in until [`Self::unpark`]).
    fn park_front(&mut self) {
        let parked = Parked {
            editor: std::mem::replace(&mut self.editor, editor_with("")),
            replaced_steps: std::mem::take(&mut self.replaced_steps),
        };
        self.buffers.slots[self.buffers.current].parked = Some(parked);
    }

    /// Puts parked buffer `i` in front.
    fn unpark(&mut self, i: usize) {
        let parked = self.buffers.slots[i].parked.take();
        let Parked {
            editor,
            replaced_steps,
        } = parked.unwrap_or_else(Parked::blank);
        self.editor = editor;
        self.replaced_steps = replaced_steps;
        self.buffers.current = i;
    }

    /// Puts buffer `to` in front, parking the one there.
    fn show_buffer(&mut self, to: usize) {
        if to != self.buffers.current && to < self.buffers.len() {
            self.park_front();
            self.unpark(to);
            self.buffers.touched();
        }
        self.pane = super::Pane::Editor;
    }

    /// ctrl-t: a new empty buffer, in front.
    pub(super) fn new_buffer(&mut self) {
        let name = self.buffers.free_name();
        self.buffers.slots.push(Slot {
            name,
            parked: Some(Parked::blank()),
        });
        self.show_buffer(self.buffers.len() - 1);
    }

    /// The next (`step` 1) or previous (`step` -1) buffer, round the end.
    pub(super) fn step_buffer(&mut self, step: isize) {
        let n = self.buffers.len() as isize;
        let to = (self.buffers.current as isize + step).rem_euclid(n);
        self.show_buffer(to as usize);
    }

    /// F3: asks for the buffer's new name.
    pub(super) fn open_rename(&mut self) {
        let name = self.buffers.current_name().to_string();
        self.popup = Some(Popup::Buffer(Modal::prompt(
            "Rename buffer",
            vec![format!(
                "A new name for {name:?} (its tab; {} characters at most, no / or \\).",
                buffer_file::MAX_NAME_CHARS
            )],
            &name,
            Ask::Rename,
        )));
    }

    /// F4: closes the buffer in front, asking first when it holds text;
    /// the last one is cleared instead (ctrl-u brings its text back).
    pub(super) fn ask_close(&mut self, cx: &mut Ctx<'_>) {
        let name = self.buffers.current_name().to_string();
        if self.buffers.len() == 1 {
            if !self.text().is_empty() {
                self.replace_text("");
                cx.toast(
                    Level::Info,
                    format!(
                        "{name:?} is the only buffer: cleared instead of closed (ctrl-u brings \
                         the text back)"
                    ),
                );
            }
            return;
        }
        if self.text().is_empty() {
            return self.close_buffer();
        }
        let lines = self.editor.lines().len();
        self.popup = Some(Popup::Buffer(Modal::confirm(
            "Close buffer?",
            vec![format!(
                "{name:?} holds {lines} line{} of SQL; closing it drops the text \
                     (statements that ran stay in the history, ctrl-o).",
                if lines == 1 { "" } else { "s" }
            )],
            Ask::Close,
        )));
    }

    /// Drops the buffer in front; the one after it (or before, at the
    /// end) takes its place.
    fn close_buffer(&mut self) {
        let closing = self.buffers.current;
        self.park_front();
        self.buffers.slots.remove(closing);
        self.unpark(closing.min(self.buffers.len() - 1));
        self.buffers.touched();
    }

    /// A key in a buffer dialog.
    pub(super) fn on_buffer_dialog(&mut self, outcome: Outcome<Ask>) {
        match outcome {
            Outcome::Open => {}
            Outcome::Confirmed(Ask::Close, _) => {
                self.popup = None;
                self.close_buffer();
            }
            Outcome::Confirmed(Ask::Rename, typed) => {
                let current = self.buffers.current;
                let others = self
                    .buffers
                    .slots
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != current)
                    .map(|(_, s)| s.name.as_str());
                match buffer_file::check_name(&typed, others) {
                    Ok(name) => {
                        self.buffers.slots[current].name = name;
                        self.buffers.touched();
                        self.popup = None;
                    }
                    Err(why) => {
                        if let Some(Popup::Buffer(modal)) = &mut self.popup {
                            modal.refuse(why);
                        }
                    }
                }
            }
            _ => self.popup = None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str], current: usize) -> Vec<String> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if i == current {
                    format!("[{n}]")
                } else {
                    format!(" {n} ")
                }
            })
            .collect()
    }

    #[test]
    fn the_tab_in_front_is_always_shown_with_what_fits_around_it() {
        let names = ["query 1", "report", "draft", "long one here"];
        let l = labels(&names, 1);
        assert_eq!(visible_tabs(&l, 1, 200), (0, 4), "all fit");
        // "[report]" is 8 cells, " draft " 7, margins 2, marks 1 each.
        assert_eq!(visible_tabs(&l, 1, 8 + 2 + 2), (1, 2), "only it");
        assert_eq!(visible_tabs(&l, 1, 8 + 7 + 2 + 2), (1, 3));
        assert_eq!(visible_tabs(&l, 3, 10), (3, 4), "too narrow: still it");
        let l = labels(&names, 0);
        assert_eq!(visible_tabs(&l, 0, 9 + 8 + 2 + 1), (0, 2));
    }

    fn saved(buffers: &[(&str, &str)], current: usize) -> Saved {
        let buffers = buffers.iter().map(|(name, text)| SavedBuffer {
            name: name.to_string(),
            text: text.to_string(),
            cursor: (0, 3),
        });
        Saved::new(buffers.collect(), current)
    }

    fn names(v: &SqlView) -> Vec<&str> {
        v.buffers.names().collect()
    }

    #[test]
    fn the_file_replaces_the_empty_buffer_the_console_opened_with() {
        let mut v = SqlView::new("p", "db", "db");
        v.buffers.loaded = true;
        v.restore(saved(
            &[("query 1", "select 1"), ("b", "select 2\nfrom x")],
            1,
        ));
        assert_eq!(names(&v), ["query 1", "b"]);
        assert_eq!(v.text(), "select 2\nfrom x");
        assert_eq!(v.editor.cursor(), DataCursor(0, 3), "the cursor comes back");
        assert!(!v.buffers.dirty, "nothing new to save");
        assert_eq!(
            v.snapshot(),
            saved(&[("query 1", "select 1"), ("b", "select 2\nfrom x")], 1)
        );
    }

    #[test]
    fn text_typed_before_the_file_is_read_is_kept_in_front() {
        let mut v = SqlView::new("p", "db", "db");
        v.editor.insert_str("select 'early'");
        v.buffers.loaded = true;
        v.restore(saved(&[("query 1", "select 'saved'"), ("b", "")], 1));
        assert_eq!(names(&v), ["query 1", "b", "query 2"]);
        assert_eq!(v.text(), "select 'early'");
        assert!(v.buffers.dirty, "saved soon, with the file's buffers");
        v.step_buffer(1);
        assert_eq!(v.text(), "select 'saved'");
        assert_eq!(v.buffers.current_name(), "query 1");
    }

    #[test]
    fn new_buffers_take_the_first_free_number() {
        let mut b = Buffers::new(None);
        assert!(b.loaded, "no file: nothing to wait for");
        assert_eq!(b.current_name(), "query 1");
        b.slots.push(Slot {
            name: "query 3".into(),
            parked: None,
        });
        assert_eq!(b.free_name(), "query 2");
        b.slots[0].name = "Query 2".into();
        assert_eq!(b.free_name(), "query 1");
    }
}

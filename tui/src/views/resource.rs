//! The resource list component: builds, databases, environment, hostnames,
//! domains and records are each a [`Resource`] shown by one generic
//! [`ResourceView`] (in the spirit of gitui's components and bottom's
//! data table).
//!
//! The view owns what every list needs — the remote list and its load,
//! the `/` filter over text built once per load, the cursor and the page
//! size measured when drawn, the open dialog, the status line and the
//! table. A resource supplies only its facts: columns and cells, filter
//! text, how to load, and one list of [`KeyAction`]s from which both the
//! key bar and the key dispatch are made, so a hint cannot drift from the
//! key it names.
//!
//! Enter on a row always leads somewhere ([`Resource::detail`]): to the
//! row's own view in the tree, or to a dialog of its facts. A resource
//! cannot leave it out, so no list has a row that Enter ignores.

use std::future::Future;

use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::detail::panel;
use super::{Hint, Interaction, ListUi, Remote, Ticket, Update, View, hint};
use crate::context::{Ctx, Reporter};
use crate::keymap::Binding;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::list::{MOVE_KEYS, PickerKey};
use crate::widgets::modal::{Modal, Outcome};
use crate::widgets::table::{self, TableSpec};

/// A column: its header and width.
pub type Column = (&'static str, Constraint);

/// One thing a key does in a resource list. The key bar shows it while
/// `hint` names it, and only then does the key do it.
pub struct KeyAction<R: Resource> {
    pub keys: &'static [Binding],
    /// What `?` says the key does, on any row: the help lists every
    /// action, the bar only those `hint` offers now (in fewer words).
    pub what: &'static str,
    /// Changes something: hidden in read-only mode, where the key is
    /// refused with a toast saying why.
    pub write: bool,
    /// What the bar calls the action now, or `None` when it is not
    /// offered (nothing selected, the wrong kind of row).
    pub hint: fn(&R, &List<R>) -> Option<&'static str>,
    pub run: fn(&mut R, &mut List<R>, &mut Ctx<'_>),
}

impl<R: Resource> KeyAction<R> {
    /// The keys as the bar shows them (`e/enter`).
    pub fn keys_label(&self) -> String {
        super::keys::label(self.keys)
    }

    fn matches(&self, key: &KeyEvent) -> bool {
        self.keys.iter().any(|b| b.matches(key))
    }
}

/// What Enter on a row opens.
pub enum Detail {
    /// The row's own view, where the tree shows it (an app, a database, a
    /// domain): the path down the tree to its node.
    Goto(Vec<NodeKey>),
    /// A dialog of the row's facts, one (label, value) a line. A fact the
    /// platform does not give is listed with [`NOT_REPORTED`], so a reader
    /// knows it was not forgotten.
    Facts {
        title: String,
        facts: Vec<(&'static str, String)>,
    },
}

/// The key that opens a row's [`Detail`].
const ENTER: Binding = Binding::key(KeyCode::Enter);

/// What a detail says of a fact the platform does not report.
pub const NOT_REPORTED: &str = "not reported by the platform";

/// A fact that may be missing: its value, or [`NOT_REPORTED`].
pub fn reported(value: Option<impl ToString>) -> String {
    value.map_or_else(|| NOT_REPORTED.to_string(), |v| v.to_string())
}

impl Detail {
    /// What the key bar calls Enter for this detail.
    fn hint(&self) -> &'static str {
        match self {
            Detail::Goto(_) => "open",
            Detail::Facts { .. } => "details",
        }
    }
}

/// What a resource list is made of. Everything else is the view's.
pub trait Resource: Sized + 'static {
    /// One row.
    type Item: Send + 'static;
    /// What a dialog opened by the resource carries back.
    type Intent: Clone + 'static;
    /// The resource's own background results (writes, extra loads).
    type Msg: Send + 'static;

    /// The panel title.
    fn title(&self) -> String;
    /// What the error dialog calls a failed load ("Loading databases").
    const LOADING: &'static str;
    const COLUMNS: &'static [Column];
    /// The keys of the list, for the bar and the dispatch alike.
    const ACTIONS: &'static [KeyAction<Self>];

    fn cells(&self, item: &Self::Item, theme: &Theme) -> Vec<Cell<'static>>;
    /// What the `/` filter matches (lowercased once per load).
    fn filter_text(&self, item: &Self::Item) -> String;
    /// What a load fetches: the list, or the list with facts about its
    /// parent that must arrive with it.
    type Loaded: Send + 'static;
    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Self::Loaded, Error>> + Send + 'static;
    /// Keeps what a load brought besides the list, and gives the list.
    fn accept(&mut self, loaded: Self::Loaded) -> Vec<Self::Item>;

    /// A dialog the resource opened was answered (anything but typing,
    /// which the dialog keeps, and esc, which closes it). The dialog stays
    /// open until the resource closes it, so a form can refuse its values;
    /// a resource that opens none keeps this default.
    fn dialog(
        &mut self,
        list: &mut List<Self>,
        _outcome: Outcome<Self::Intent>,
        _cx: &mut Ctx<'_>,
    ) {
        list.close();
    }
    /// A result of work the resource spawned through [`List::spawn`].
    fn update(&mut self, list: &mut List<Self>, msg: Self::Msg, cx: &mut Ctx<'_>);

    /// Shown when the list is empty (says how to add one).
    fn empty(&self) -> &'static str;
    /// What Enter opens for a row (required: no row is a dead end).
    fn detail(&self, item: &Self::Item) -> Detail;
    /// Lines kept under the table for [`Resource::draw_detail`].
    const DETAIL: u16 = 0;
    /// The selected row in full, under the table.
    fn draw_detail(&self, _item: &Self::Item, _frame: &mut Frame<'_>, _area: Rect, _theme: &Theme) {
    }
    /// A load failed: true shows the error dialog; false when the resource
    /// explains it in place (a feature switched off).
    fn load_failed(&mut self, _error: &Error) -> bool {
        true
    }
    /// Lines above the table: facts about the parent, warnings.
    fn facts(&self, _list: &List<Self>, _theme: &Theme) -> Vec<Line<'static>> {
        Vec::new()
    }
    /// Loads besides the list (each reload): the parent's details.
    fn refresh_more(&mut self, _list: &mut List<Self>, _cx: &mut Ctx<'_>) {}
    /// Called once a fresh list is in place and filtered (pick a row).
    fn loaded(&mut self, _list: &mut List<Self>) {}
    /// `y`: what to copy from the selected row (label, text).
    fn copy(&self, _item: &Self::Item) -> Option<(String, String)> {
        None
    }
    /// The error dialog's retry: repeat a failed write and return true,
    /// or false to reload the list.
    fn retry(&mut self, _list: &mut List<Self>, _cx: &mut Ctx<'_>) -> bool {
        false
    }
    /// Height of a pane drawn under the list (a progress bar), 0 for none.
    fn below_height(&self) -> u16 {
        0
    }
    fn draw_below(&self, _frame: &mut Frame<'_>, _area: Rect, _theme: &Theme) {}
}

/// The keys that add something to an empty list of `resource` (its write
/// actions offered with nothing selected), with what each does: how a
/// view elsewhere can offer to create here, from the list's own keys.
pub fn create_keys<R: Resource>(resource: &R) -> Vec<(&'static [Binding], &'static str)> {
    let empty = List::<R>::default();
    R::ACTIONS
        .iter()
        .filter(|a| a.write)
        .filter_map(|a| (a.hint)(resource, &empty).map(|what| (a.keys, what)))
        .collect()
}

/// What the list view reports to itself: its load, or the resource's own.
pub enum Event<R: Resource> {
    Loaded(Result<R::Loaded, Error>),
    /// The resource's message; `answers` when it is the answer to a
    /// waiting dialog's request.
    Own {
        msg: R::Msg,
        answers: Option<Ticket>,
    },
}

impl<R: Resource> Event<R> {
    /// A message that answers no dialog (progress, a follow-up).
    pub fn own(msg: R::Msg) -> Self {
        Event::Own { msg, answers: None }
    }
}

/// The list's state, handed to the resource's actions and handlers.
pub struct List<R: Resource> {
    data: Remote<Vec<R::Item>>,
    /// Lowercased filter text of each item, built once per load.
    haystack: Vec<String>,
    /// Positions in the list that pass the filter.
    rows: Vec<usize>,
    /// The cursor with its filter, and the open dialog.
    ui: ListUi<R::Intent>,
    /// Rows visible at once (page keys), measured at the last draw.
    page: usize,
    /// Reload once the current handler returns.
    reload: bool,
    /// The request just made by a waiting dialog: the next `spawn` is its.
    requested: std::cell::Cell<Option<Ticket>>,
    /// The request the message being handled answers.
    answering: Option<Ticket>,
    /// The title of the open dialog when it is a row's details (the view
    /// answers that dialog itself; the resource never sees it).
    detail: Option<String>,
}

impl<R: Resource> Default for List<R> {
    fn default() -> Self {
        Self {
            data: Remote::default(),
            haystack: Vec::new(),
            rows: Vec::new(),
            ui: ListUi::default(),
            page: 10,
            reload: false,
            requested: std::cell::Cell::new(None),
            answering: None,
            detail: None,
        }
    }
}

impl<R: Resource> List<R> {
    /// The whole list as last loaded (empty before the first answer).
    pub fn items(&self) -> &[R::Item] {
        self.data.data.as_deref().unwrap_or_default()
    }

    /// Whether a list has arrived (an empty one included).
    pub fn is_loaded(&self) -> bool {
        self.data.data.is_some()
    }

    /// The row under the cursor, among those the filter keeps.
    pub fn selected(&self) -> Option<&R::Item> {
        self.ui
            .cursor
            .current(&self.rows)
            .and_then(|i| self.items().get(i))
    }

    /// Puts the cursor on the first row for which `is` holds, if shown.
    pub fn select(&mut self, is: impl Fn(&R::Item) -> bool) {
        let items = self.data.data.as_deref().unwrap_or_default();
        if let Some(pos) = self.rows.iter().position(|&i| is(&items[i])) {
            self.ui.cursor.selected = pos;
        }
    }

    pub fn open(&mut self, dialog: Modal<R::Intent>) {
        self.ui.modal = Some(dialog);
        self.detail = None;
    }

    pub fn close(&mut self) {
        self.ui.modal = None;
        self.detail = None;
    }

    /// The title of the row details dialog, while one is open.
    pub fn detail_open(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Opens a dialog of a row's facts, labels aligned.
    fn open_facts(&mut self, title: String, facts: Vec<(&'static str, String)>) {
        let width = facts
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        let lines = facts
            .into_iter()
            .map(|(label, value)| format!("{label:>width$}  {value}"))
            .collect();
        self.open(Modal::info(title.clone(), lines));
        self.detail = Some(title);
    }

    /// Keeps an open dialog up with the reason its answer was refused.
    pub fn refuse(&mut self, why: impl Into<String>) {
        if let Some(d) = &mut self.ui.modal {
            d.refuse(why);
        }
    }

    /// Keeps an open dialog up with something to read before answering
    /// again (it was not sent).
    pub fn caution(&mut self, text: impl Into<String>) {
        if let Some(d) = &mut self.ui.modal {
            d.caution(text);
        }
    }

    /// Whether the open dialog shows a caution about what it holds now:
    /// answered again unchanged, the user has read it.
    pub fn cautioned(&self) -> bool {
        self.ui.modal.as_ref().is_some_and(Modal::is_cautioned)
    }

    /// The open dialog's answer was sent: it stays up, waiting for the
    /// platform, and takes no second answer (see [`ListUi::wait`]). The
    /// next [`spawn`](Self::spawn) is its request.
    pub fn wait(&mut self) {
        self.requested.set(Some(self.ui.wait()));
    }

    /// The message being handled answers the waiting dialog's request,
    /// which the platform took: the dialog closes.
    pub fn accepted(&mut self) {
        if let Some(ticket) = self.answering {
            self.ui.accepted(ticket);
        }
    }

    /// The message being handled answers the waiting dialog's request,
    /// which the platform refused: the dialog shows why. False when that
    /// dialog is gone (or the message answers none): report it otherwise.
    pub fn refused(&mut self, err: &Error) -> bool {
        self.answering
            .is_some_and(|ticket| self.ui.refused(ticket, err))
    }

    /// As [`Self::refused`], with the reason in words.
    pub fn refused_because(&mut self, why: String) -> bool {
        self.answering
            .is_some_and(|ticket| self.ui.refused_because(ticket, why))
    }

    /// Reloads the list once the current handler returns.
    pub fn reload(&mut self) {
        self.reload = true;
    }

    /// Runs `work` in the background; its result comes back to
    /// [`Resource::update`].
    pub fn spawn(&self, cx: &Ctx<'_>, work: impl Future<Output = R::Msg> + Send + 'static) {
        let answers = self.requested.take();
        cx.spawn(async move {
            Event::<R>::Own {
                msg: work.await,
                answers,
            }
        });
    }

    /// Sends the resource's messages from long-running work (progress).
    pub fn reporter(
        &self,
        cx: &Ctx<'_>,
    ) -> impl Fn(R::Msg) -> bool + Send + Sync + Clone + 'static {
        let reporter: Reporter<Event<R>> = cx.reporter();
        move |msg| reporter.send(Event::own(msg))
    }

    fn finish(&mut self, result: Result<Vec<R::Item>, Error>) {
        self.data.finish(result);
    }

    /// Rebuilds the filter text (after a load) and the filtered rows.
    fn index(&mut self, resource: &R) {
        let items = self.data.data.as_deref().unwrap_or_default();
        self.haystack = items
            .iter()
            .map(|i| resource.filter_text(i).to_lowercase())
            .collect();
        self.refilter();
    }

    /// How many rows the filter keeps.
    pub fn shown(&self) -> usize {
        self.rows.len()
    }

    /// Filters as if `text` was typed after `/`.
    pub fn filter_by(&mut self, text: &str) {
        self.ui.cursor.filter.set(text);
        self.refilter();
    }

    /// The rows the filter keeps; only when the list or the filter changes.
    fn refilter(&mut self) {
        let needle = self.ui.cursor.filter.text().to_lowercase();
        self.rows = self
            .haystack
            .iter()
            .enumerate()
            .filter(|(_, h)| h.contains(&needle))
            .map(|(i, _)| i)
            .collect();
    }
}

/// A resource shown as a list: the one view behind every resource.
pub struct ResourceView<R: Resource> {
    resource: R,
    list: List<R>,
}

impl<R: Resource> ResourceView<R> {
    pub fn new(resource: R) -> Self {
        Self {
            resource,
            list: List::default(),
        }
    }

    /// A view with `items` already loaded (tests, benches).
    pub fn loaded(resource: R, loaded: R::Loaded) -> Self {
        let mut view = Self::new(resource);
        let items = view.resource.accept(loaded);
        view.list.finish(Ok(items));
        view.list.index(&view.resource);
        view.resource.loaded(&mut view.list);
        view
    }

    pub fn resource(&self) -> &R {
        &self.resource
    }

    pub fn resource_mut(&mut self) -> &mut R {
        &mut self.resource
    }

    pub fn list(&self) -> &List<R> {
        &self.list
    }

    pub fn list_mut(&mut self) -> &mut List<R> {
        &mut self.list
    }

    /// Every key of the list, for `?`: moving, then each action.
    fn all_keys(&self) -> Vec<Hint> {
        let moves = MOVE_KEYS.iter().map(|(keys, what)| hint(keys, what));
        let actions = R::ACTIONS.iter().map(|a| Hint {
            keys: a.keys_label().into(),
            what: a.what,
            write: a.write,
        });
        // Enter always leads somewhere ([`Resource::detail`]) unless an
        // action of the resource's own takes it.
        let enter_key = KeyEvent::from(KeyCode::Enter);
        let enter = (!R::ACTIONS.iter().any(|a| a.matches(&enter_key)))
            .then(|| hint("enter", "open the row: its own view, or its details"));
        moves.chain(actions).chain(enter).collect()
    }

    /// Moving through the list, then the actions offered now.
    fn action_hints(&self) -> Vec<Hint> {
        let actions = R::ACTIONS.iter().filter_map(|a| {
            (a.hint)(&self.resource, &self.list).map(|what| Hint {
                keys: a.keys_label().into(),
                what,
                write: a.write,
            })
        });
        let enter = self.enter_detail().map(|d| Hint {
            keys: "enter".into(),
            what: d.hint(),
            write: false,
        });
        std::iter::once(hint("↑↓/jk", "move"))
            .chain(actions)
            .chain(enter)
            .collect()
    }

    /// What Enter opens on the selected row, unless one of the
    /// resource's own actions takes Enter there.
    fn enter_detail(&self) -> Option<Detail> {
        let enter = KeyEvent::new(ENTER.code, ENTER.modifiers);
        let taken = R::ACTIONS
            .iter()
            .any(|a| a.matches(&enter) && (a.hint)(&self.resource, &self.list).is_some());
        if taken {
            return None;
        }
        self.list.selected().map(|item| self.resource.detail(item))
    }

    /// Enter: the row's view, or its facts.
    fn open_detail(&mut self, cx: &mut Ctx<'_>) -> bool {
        match self.enter_detail() {
            Some(Detail::Goto(path)) => cx.goto(path),
            Some(Detail::Facts { title, facts }) => self.list.open_facts(title, facts),
            None => return false,
        }
        true
    }

    fn on_dialog_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) {
        let Some(dialog) = &mut self.list.ui.modal else {
            return;
        };
        match dialog.on_key(key) {
            Outcome::Open => {}
            Outcome::Cancelled => self.list.close(),
            Outcome::Copy(text) if self.list.detail.is_some() => cx.copy("the details", text),
            _ if self.list.detail.is_some() => {}
            answered => self.resource.dialog(&mut self.list, answered, cx),
        }
    }

    /// The action bound to `key`, if it is offered now.
    fn on_action_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        let Some(action) = R::ACTIONS
            .iter()
            .find(|a| a.matches(key) && (a.hint)(&self.resource, &self.list).is_some())
        else {
            return ENTER.matches(key) && self.open_detail(cx);
        };
        if !action.write || cx.may_write() {
            (action.run)(&mut self.resource, &mut self.list, cx);
        }
        true
    }

    /// Reloads if a handler asked for it.
    fn after(&mut self, cx: &mut Ctx<'_>) {
        if std::mem::take(&mut self.list.reload) {
            self.refresh(cx);
        }
    }
}

/// The cursor and dialog behave as every list's do ([`ListUi`]); only a
/// pasted filter also narrows the cached rows.
impl<R: Resource> Interaction for List<R> {
    fn captures_keys(&self) -> bool {
        self.ui.captures_keys()
    }

    fn start_filter(&mut self) -> bool {
        self.ui.start_filter()
    }

    fn paste(&mut self, text: &str) -> bool {
        let filtering = self.ui.modal.is_none() && self.ui.cursor.filtering;
        let used = self.ui.paste(text);
        if filtering {
            self.refilter();
        }
        used
    }

    fn draw_dialog(&self, frame: &mut Frame<'_>, theme: &Theme) {
        self.ui.draw_dialog(frame, theme);
    }
}

impl<R: Resource> Update for ResourceView<R> {
    type Msg = Event<R>;

    fn update(&mut self, msg: Event<R>, cx: &mut Ctx<'_>) {
        match msg {
            Event::Loaded(result) => {
                if let Err(e) = &result
                    && self.resource.load_failed(e)
                {
                    cx.fail(R::LOADING, e);
                }
                let result = result.map(|loaded| self.resource.accept(loaded));
                self.list.finish(result);
                self.list.index(&self.resource);
                self.resource.loaded(&mut self.list);
            }
            Event::Own { msg, answers } => {
                self.list.answering = answers;
                self.resource.update(&mut self.list, msg, cx);
                self.list.answering = None;
            }
        }
        self.after(cx);
    }
}

impl<R: Resource> View for ResourceView<R> {
    fn title(&self) -> String {
        self.resource.title()
    }

    fn hints(&self) -> Vec<Hint> {
        self.list.ui.hints().unwrap_or_else(|| self.action_hints())
    }

    fn keys(&self) -> Vec<Hint> {
        self.list.ui.hints().unwrap_or_else(|| self.all_keys())
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        let used = if self.list.ui.modal.is_some() {
            self.on_dialog_key(key, cx);
            true
        } else {
            let filtering = self.list.ui.cursor.filtering;
            let list = &mut self.list;
            match list.ui.cursor.on_key(key, list.rows.len(), list.page) {
                PickerKey::Used => {
                    if filtering {
                        list.refilter();
                    }
                    true
                }
                PickerKey::Ignored if key.code == KeyCode::Esc && list.ui.cursor.clear_filter() => {
                    list.refilter();
                    true
                }
                PickerKey::Ignored => self.on_action_key(key, cx),
            }
        };
        self.after(cx);
        used
    }

    fn interaction(&self) -> Option<&dyn Interaction> {
        Some(&self.list)
    }

    fn interaction_mut(&mut self) -> Option<&mut dyn Interaction> {
        Some(&mut self.list)
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.list.data.start();
        let load = self.resource.load(cx.client().clone());
        cx.spawn(async move { Event::<R>::Loaded(load.await) });
        self.resource.refresh_more(&mut self.list, cx);
    }

    fn retry(&mut self, cx: &mut Ctx<'_>) {
        if !self.resource.retry(&mut self.list, cx) {
            self.refresh(cx);
        }
    }

    fn copy(&self) -> Option<(String, String)> {
        self.list.selected().and_then(|i| self.resource.copy(i))
    }

    fn crumbs(&self) -> Vec<String> {
        self.list.detail.iter().cloned().collect()
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let [body, below] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(self.resource.below_height()),
        ])
        .areas(area);
        let mut above = self.resource.facts(&self.list, theme);
        if let Some(s) = self.list.data.status() {
            above.push(Line::styled(s, theme.dim));
        }
        let (headers, widths): (Vec<&str>, Vec<Constraint>) = R::COLUMNS.iter().copied().unzip();
        let (resource, list) = (&self.resource, &mut self.list);
        let items = list.data.data.as_deref().unwrap_or_default();
        let rows = &list.rows;
        let drawn = table::draw(
            frame,
            body,
            TableSpec {
                block: panel(&resource.title(), theme, focused),
                header: &headers,
                widths: &widths,
                above,
                empty: resource.empty(),
                len: rows.len(),
                detail: R::DETAIL,
                focused,
            },
            &mut list.ui.cursor,
            theme,
            |i| Row::new(resource.cells(&items[rows[i]], theme)),
        );
        list.page = drawn.page;
        if let Some(item) = list.selected() {
            resource.draw_detail(item, frame, drawn.detail, theme);
        }
        if below.height > 0 {
            self.resource.draw_below(frame, below, theme);
        }
    }
}

#[cfg(test)]
mod tests {
    //! The key list is the one source of the bar and the dispatch: every
    //! key a list hints does something, and every key it takes is hinted.

    use comwit_client::models::{App, Build, Database, DnsMode, Domain, EnvVar, Hostname, Record};
    use ratatui::crossterm::event::KeyModifiers;

    use super::*;
    use crate::tree::NodeKey;
    use crate::views::dns_shared::test_session;
    use crate::views::{apps, builds, databases, domains, env, hostnames, records};
    use crate::widgets::list::Picker;

    /// What the cursor takes on its own (the bar's "↑↓/jk move").
    fn moves(key: &KeyEvent) -> bool {
        matches!(Picker::default().on_key(key, 3, 10), PickerKey::Used)
    }

    /// Every key a person could press here, plain and with ctrl.
    fn candidates() -> Vec<KeyEvent> {
        let plain = (' '..='~')
            .map(KeyCode::Char)
            .chain([
                KeyCode::Enter,
                KeyCode::Delete,
                KeyCode::Backspace,
                KeyCode::Tab,
            ])
            .chain((1..=12).map(KeyCode::F));
        let ctrl = ('a'..='z').map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        plain
            .map(|code| KeyEvent::new(code, KeyModifiers::NONE))
            .chain(ctrl)
            .collect()
    }

    /// The keys the bar names, read back from its labels.
    fn hinted(hints: &[Hint]) -> Vec<KeyEvent> {
        hints
            .iter()
            .filter(|h| h.what != "move")
            .flat_map(|h| h.keys.split('/').map(str::to_string).collect::<Vec<_>>())
            .map(|k| Binding::parse(&k))
            .map(|b| {
                let b = b.expect("a hint names a key the keymap can read");
                KeyEvent::new(b.code, b.modifiers)
            })
            .collect()
    }

    /// Presses every candidate key on a fresh view with each row selected
    /// in turn (the offered actions depend on the row).
    async fn keys_agree<R: Resource>(make: impl Fn() -> ResourceView<R>) {
        let session = test_session();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let rows = make().list.rows.len().max(1);
        for row in 0..rows {
            let fresh = || {
                let mut view = make();
                view.list.ui.cursor.selected = row;
                view
            };
            let hints = fresh().hints();
            let named = hinted(&hints);
            for key in candidates() {
                let mut cx = Ctx::new(&session, NodeKey::Root, &tx);
                let used = fresh().on_key(&key, &mut cx);
                assert_eq!(
                    used,
                    named.contains(&key) || moves(&key),
                    "{} row {row}: {key:?} (the bar: {hints:?})",
                    std::any::type_name::<R>()
                );
            }
        }
    }

    fn build(id: &str, active: bool) -> Build {
        Build {
            build_id: id.into(),
            active,
            ..Build::default()
        }
    }

    fn record(id: &str, name: &str, owner: &str) -> Record {
        Record {
            id: id.into(),
            name: name.into(),
            kind: "A".into(),
            values: vec!["192.0.2.1".into()],
            owner: Some(owner.into()),
            ..Record::default()
        }
    }

    #[tokio::test]
    async fn the_apps_list_takes_the_keys_it_hints() {
        keys_agree(|| ResourceView::new(apps::Apps::new("p"))).await;
        keys_agree(|| {
            let app = App {
                name: "web".into(),
                app_id: "app-1".into(),
                active_build_id: Some("b1".into()),
                ..App::default()
            };
            let active = Some(build("b1", true));
            ResourceView::loaded(apps::Apps::new("p"), vec![apps::AppRow { app, active }])
        })
        .await;
    }

    /// Enter on `view`'s selected row: what the bar calls it, and what
    /// it did (the details dialog's title, or the path it went to).
    fn press_enter<R: Resource>(mut view: ResourceView<R>) -> (String, String) {
        let session = test_session();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let named = view
            .hints()
            .into_iter()
            .find(|h| h.keys == "enter")
            .map(|h| h.what.to_string())
            .unwrap_or_default();
        let mut cx = Ctx::new(&session, NodeKey::Root, &tx);
        assert!(view.on_key(&KeyEvent::from(KeyCode::Enter), &mut cx));
        let went = cx.effects.iter().find_map(|e| match e {
            crate::context::Effect::Goto(jump) => Some(format!("{:?}", jump.path.last())),
            _ => None,
        });
        let opened = view.list.detail_open().map(str::to_string);
        (named, went.or(opened).unwrap_or_default())
    }

    #[tokio::test]
    async fn enter_on_any_row_opens_its_view_or_its_details() {
        let loaded = (App::default(), vec![build("b2", true)]);
        let (what, did) = press_enter(ResourceView::loaded(
            builds::Builds::new("p", "web"),
            loaded,
        ));
        assert_eq!((what.as_str(), did.as_str()), ("details", "build b2"));

        let var = EnvVar {
            key: "LOG_LEVEL".into(),
            value: "info".into(),
            ..EnvVar::default()
        };
        let (what, did) = press_enter(ResourceView::loaded(env::Env::new("p", "web"), vec![var]));
        assert_eq!((what.as_str(), did.as_str()), ("details", "LOG_LEVEL"));

        let host = Hostname {
            domain: "a.example".into(),
            ..Hostname::default()
        };
        let hosts = (vec![host], Ok(Vec::new()));
        let (what, did) = press_enter(ResourceView::loaded(
            hostnames::Hostnames::new("p", "web"),
            hosts,
        ));
        assert_eq!((what.as_str(), did.as_str()), ("details", "a.example"));

        let zone = records::Records::new("p".into(), "shop.example".into(), Some("managed".into()));
        let list = vec![record("r1", "www.shop.example", "user")];
        let (what, did) = press_enter(ResourceView::loaded(zone, list));
        assert_eq!((what.as_str(), did.as_str()), ("details", "www A"));

        let db = Database {
            name: "shop-db".into(),
            database_id: "db_1".into(),
            ..Database::default()
        };
        let (what, did) = press_enter(ResourceView::loaded(
            databases::Databases::new("p"),
            vec![db],
        ));
        assert_eq!(what, "open");
        assert!(did.contains("db_1"), "{did}");

        let domain = Domain {
            domain: "shop.example".into(),
            ..Domain::default()
        };
        let (what, did) = press_enter(ResourceView::loaded(
            domains::Domains::new("p".into()),
            vec![domain],
        ));
        assert_eq!(what, "open");
        assert!(did.contains("shop.example"), "{did}");

        let app = App {
            name: "web".into(),
            app_id: "app-1".into(),
            ..App::default()
        };
        let rows = vec![apps::AppRow { app, active: None }];
        let (what, did) = press_enter(ResourceView::loaded(apps::Apps::new("p"), rows));
        assert_eq!(what, "open");
        assert!(did.contains("app-1"), "{did}");
    }

    #[tokio::test]
    async fn every_hinted_key_is_handled_and_every_handled_key_is_hinted() {
        keys_agree(|| ResourceView::new(databases::Databases::new("p"))).await;
        keys_agree(|| {
            let db = Database {
                name: "shop-db".into(),
                database_id: "db_1".into(),
                ..Database::default()
            };
            ResourceView::loaded(databases::Databases::new("p"), vec![db])
        })
        .await;
        keys_agree(|| {
            let vars = vec![
                EnvVar {
                    key: "LOG_LEVEL".into(),
                    value: "info".into(),
                    ..EnvVar::default()
                },
                EnvVar {
                    key: "API_TOKEN".into(),
                    value: "x".into(),
                    ..EnvVar::default()
                },
            ];
            ResourceView::loaded(env::Env::new("p", "web"), vars)
        })
        .await;
        keys_agree(|| {
            let hosts = vec![
                Hostname {
                    domain: "a.example".into(),
                    dns_mode: Some(DnsMode::ManagedProjectDomain),
                    managed_dns_status: Some("failed".into()),
                    ..Hostname::default()
                },
                Hostname {
                    domain: "b.example".into(),
                    dns_mode: Some(DnsMode::ExternalRecords),
                    ..Hostname::default()
                },
            ];
            ResourceView::loaded(
                hostnames::Hostnames::new("p", "web"),
                (hosts, Ok(Vec::new())),
            )
        })
        .await;
        keys_agree(|| {
            let loaded = (App::default(), vec![build("b2", true), build("b1", false)]);
            ResourceView::loaded(builds::Builds::new("p", "web"), loaded)
        })
        .await;
        keys_agree(|| {
            let domain = Domain {
                domain: "shop.example".into(),
                status: "managed".into(),
                ..Domain::default()
            };
            ResourceView::loaded(domains::Domains::new("p".into()), vec![domain])
        })
        .await;
        for status in ["managed", "pending_delegation"] {
            keys_agree(|| {
                let zone =
                    records::Records::new("p".into(), "shop.example".into(), Some(status.into()));
                let list = vec![
                    record("r1", "shop.example", "user"),
                    record("r2", "www.shop.example", "platform_app"),
                ];
                ResourceView::loaded(zone, list)
            })
            .await;
        }
    }
}

//! The right-hand side: one view per kind of tree node (and the SQL
//! console and watcher, opened full width). Views own their state and
//! dialogs, spawn their network work through [`Ctx`], and get the results
//! back in `on_msg`.

mod apps;
mod builds;
pub mod checks;
mod cleanup;
mod contexts;
mod database;
mod database_tokens;
mod databases;
mod deploy_options;
mod deploy_watch;
mod detail;
mod dns_shared;
mod domains;
mod env;
mod hostnames;
pub mod keys;
mod overview;
mod records;
pub mod resource;
pub mod sql;
mod watch_rules;
mod watcher;
mod zone_file;

use std::any::Any;
use std::borrow::Cow;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::context::{Ctx, EditorResult};
use crate::session::Session;
use crate::theme::Theme;
use crate::tree::{Facts, Node, NodeKey};
use crate::widgets::list::Picker;
use crate::widgets::modal::{Modal, refusal};

pub use detail::DetailView;
use resource::ResourceView;

/// A key the bottom bar and `?` list for the current view.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub keys: Cow<'static, str>,
    pub what: &'static str,
    /// Changes something (hidden in read-only mode).
    pub write: bool,
}

pub const fn hint(keys: &'static str, what: &'static str) -> Hint {
    Hint {
        keys: Cow::Borrowed(keys),
        what,
        write: false,
    }
}

pub const fn write_hint(keys: &'static str, what: &'static str) -> Hint {
    Hint {
        keys: Cow::Borrowed(keys),
        what,
        write: true,
    }
}

/// The keys of an open dialog (the bar shows only these while it is open),
/// as the dialog itself lists them.
pub fn modal_hints<I: Clone>(modal: &Modal<I>) -> Vec<Hint> {
    modal
        .keys()
        .into_iter()
        .map(|k| hint(k.keys, k.what))
        .collect()
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

/// Data fetched in the background: what was last received, whether a
/// request is in flight, and the last failure. Data kept across a failed
/// or running refresh is shown as stale rather than dropped.
#[derive(Debug)]
pub struct Remote<T> {
    pub data: Option<T>,
    pub loading: bool,
    pub error: Option<String>,
}

impl<T> Default for Remote<T> {
    fn default() -> Self {
        Self {
            data: None,
            loading: false,
            error: None,
        }
    }
}

impl<T> Remote<T> {
    pub fn start(&mut self) {
        self.loading = true;
    }

    pub fn finish(&mut self, result: Result<T, comwit_client::Error>) {
        self.loading = false;
        match result {
            Ok(data) => {
                self.data = Some(data);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// A line to show above the data: loading, stale or failed.
    pub fn status(&self) -> Option<String> {
        match (&self.data, self.loading, &self.error) {
            (None, true, _) => Some("⟳ loading…".into()),
            (Some(_), true, _) => Some("⟳ refreshing (showing the last answer)".into()),
            (None, false, Some(e)) => Some(format!("✗ {e}")),
            (Some(_), false, Some(e)) => Some(format!("✗ stale: refresh failed: {e}")),
            _ => None,
        }
    }
}

/// What a view holds for the user's hands: the list cursor (with its `/`
/// filter) and at most one open dialog. Views keep one in a field and
/// return it from [`View::interaction`]; the trait's defaults then handle
/// dialog keys capture, filtering, pasting and drawing the dialog.
pub struct ListUi<I> {
    pub cursor: Picker,
    pub modal: Option<Modal<I>>,
    /// `/` filters (views that show no list have nothing to filter).
    filterable: bool,
    /// The request the open dialog waits for; the last one handed out.
    waiting: Option<Ticket>,
    issued: u64,
}

/// One dialog's request: its answer is that dialog's only, so an answer
/// to a dialog closed while it waited never lands in the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl<I> Default for ListUi<I> {
    fn default() -> Self {
        Self {
            cursor: Picker::default(),
            modal: None,
            filterable: true,
            waiting: None,
            issued: 0,
        }
    }
}

impl<I> ListUi<I> {
    /// Dialogs only: `/` has nothing to filter.
    pub fn without_filter() -> Self {
        Self {
            filterable: false,
            ..Self::default()
        }
    }
}

/// The [`View::interaction`] pair of a view that keeps its [`ListUi`] in
/// the field `$ui`.
macro_rules! interaction_in {
    ($ui:ident) => {
        fn interaction(&self) -> Option<&dyn $crate::views::Interaction> {
            Some(&self.$ui)
        }

        fn interaction_mut(&mut self) -> Option<&mut dyn $crate::views::Interaction> {
            Some(&mut self.$ui)
        }
    };
}
pub(crate) use interaction_in;

/// A dialog's request and its answer: the dialog waits while the request
/// runs, closes when it succeeds, and shows the platform's reason (with
/// what was typed intact) when it is refused. The answer carries the
/// request's [`Ticket`]: a dialog closed with esc while it waited, then
/// another opened, never takes the first one's answer.
impl<I: Clone> ListUi<I> {
    /// The open dialog's answer was sent: it stays up, waiting for the
    /// answer to the returned ticket.
    pub fn wait(&mut self) -> Ticket {
        self.issued += 1;
        let ticket = Ticket(self.issued);
        if let Some(m) = &mut self.modal {
            m.wait();
            self.waiting = Some(ticket);
        }
        ticket
    }

    /// The dialog waiting for `ticket`, if it is still open.
    fn waiting_for(&mut self, ticket: Ticket) -> Option<&mut Modal<I>> {
        let m = self.modal.as_mut().filter(|m| m.is_waiting())?;
        (self.waiting == Some(ticket)).then_some(m)
    }

    /// The platform took what the dialog sent with `ticket`: it closes.
    pub fn accepted(&mut self, ticket: Ticket) {
        if self.waiting_for(ticket).is_some() {
            self.modal = None;
        }
    }

    /// The platform refused what the dialog sent with `ticket`: it shows
    /// why. False when that dialog is gone (closed with esc while the
    /// request ran): the caller reports the error its own way.
    pub fn refused(&mut self, ticket: Ticket, err: &comwit_client::Error) -> bool {
        self.refused_because(ticket, refusal(err))
    }

    /// As [`refused`](Self::refused), for a reason found without the
    /// platform (a path checked off the UI task).
    pub fn refused_because(&mut self, ticket: Ticket, why: String) -> bool {
        match self.waiting_for(ticket) {
            Some(m) => {
                m.refuse(why);
                true
            }
            None => false,
        }
    }

    /// Indices of the `items` the `/` filter keeps, matched on `text`.
    pub fn rows<T>(&self, items: &[T], text: impl Fn(&T) -> String) -> Vec<usize> {
        self.cursor.matches(items, text)
    }

    /// The item under the cursor among those the filter keeps.
    pub fn selected<'a, T>(&self, items: &'a [T], text: impl Fn(&T) -> String) -> Option<&'a T> {
        self.cursor
            .current(&self.rows(items, text))
            .and_then(|i| items.get(i))
    }

    /// The keys of an open dialog or filter, which own the keyboard.
    pub fn hints(&self) -> Option<Vec<Hint>> {
        match &self.modal {
            Some(m) => Some(modal_hints(m)),
            None if self.cursor.filtering => Some(filter_hints()),
            None => None,
        }
    }
}

/// [`ListUi`] as the trait's defaults see it (whatever the intent type).
pub trait Interaction {
    fn captures_keys(&self) -> bool;
    /// Starts a `/` filter; false when there is nothing to filter.
    fn start_filter(&mut self) -> bool;
    fn paste(&mut self, text: &str) -> bool;
    fn draw_dialog(&self, frame: &mut Frame<'_>, theme: &Theme);
}

impl<I: Clone> Interaction for ListUi<I> {
    fn captures_keys(&self) -> bool {
        self.modal.is_some() || self.cursor.filtering
    }

    fn start_filter(&mut self) -> bool {
        if self.filterable {
            self.cursor.start_filter();
        }
        self.filterable
    }

    fn paste(&mut self, text: &str) -> bool {
        match &mut self.modal {
            Some(m) => {
                m.on_paste(text);
                true
            }
            None if self.cursor.filtering => {
                self.cursor.filter.insert_str(text);
                true
            }
            None => false,
        }
    }

    fn draw_dialog(&self, frame: &mut Frame<'_>, theme: &Theme) {
        if let Some(m) = &self.modal {
            m.draw(frame, theme);
        }
    }
}

pub trait View {
    fn title(&self) -> String;
    /// The keys valid right now (the bar, and `?`); none for a pane that
    /// is only read.
    fn hints(&self) -> Vec<Hint> {
        Vec::new()
    }
    /// Every key of the view with what it does, whether or not it applies
    /// right now (`?` lists them); views whose keys do not change with
    /// their state keep this default.
    fn keys(&self) -> Vec<Hint> {
        self.hints()
    }
    /// True when the key was used (a pane that is only read uses none).
    fn on_key(&mut self, _key: &KeyEvent, _cx: &mut Ctx<'_>) -> bool {
        false
    }
    /// The view's cursor and dialog, for the defaults below.
    fn interaction(&self) -> Option<&dyn Interaction> {
        None
    }
    fn interaction_mut(&mut self) -> Option<&mut dyn Interaction> {
        None
    }
    fn on_paste(&mut self, text: &str) -> bool {
        self.interaction_mut().is_some_and(|i| i.paste(text))
    }
    /// The text back from `$EDITOR`, for views that asked ([`Ctx::edit`]).
    fn on_edited(&mut self, _result: Result<String, String>, _cx: &mut Ctx<'_>) {}
    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool);
    /// Dialogs are drawn over the whole screen, after everything else.
    fn draw_modal(&self, frame: &mut Frame<'_>, theme: &Theme) {
        if let Some(i) = self.interaction() {
            i.draw_dialog(frame, theme);
        }
    }
    /// (Re)load from the API.
    fn refresh(&mut self, cx: &mut Ctx<'_>);
    /// Repeat what failed (the error dialog's retry); by default, reload.
    fn retry(&mut self, cx: &mut Ctx<'_>) {
        self.refresh(cx);
    }
    /// A dialog is open or text is being typed: every key goes to the view.
    fn captures_keys(&self) -> bool {
        self.interaction().is_some_and(|i| i.captures_keys())
    }
    /// `/`: start filtering the view's list (false if it has none).
    fn filter(&mut self) -> bool {
        self.interaction_mut().is_some_and(|i| i.start_filter())
    }
    /// `y`: what to copy from the selection (label, text).
    fn copy(&self) -> Option<(String, String)> {
        None
    }
    /// Drawn across the whole body (the SQL console, the watcher).
    fn fullscreen(&self) -> bool {
        false
    }
    /// Where the view stands below its place in the tree, for the
    /// breadcrumbs (the row whose details are open).
    fn crumbs(&self) -> Vec<String> {
        Vec::new()
    }

    /// What would be lost by leaving this way (an open transaction, a
    /// running watch), for the app to ask "anyway?" first; `None` when
    /// nothing is.
    fn leave_warning(&self, _leave: Leave) -> Option<String> {
        None
    }
}

/// How the user leaves a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// The dashboard quits: every view goes.
    Quit,
    /// Esc out of a full-width view: it stays open behind the tree.
    Back,
}

/// A view's background results, typed: what its spawned work returns
/// comes back to [`Update::update`] as that type.
pub trait Update: View {
    type Msg: Send + 'static;
    fn update(&mut self, msg: Self::Msg, cx: &mut Ctx<'_>);
}

/// A view as the app holds it, whatever its message type: the one place
/// a message is turned back into the type its view spawned.
pub trait AnyView: View {
    fn on_msg(&mut self, msg: Box<dyn Any + Send>, cx: &mut Ctx<'_>);
}

impl<V: Update> AnyView for V {
    fn on_msg(&mut self, msg: Box<dyn Any + Send>, cx: &mut Ctx<'_>) {
        match msg.downcast::<EditorResult>() {
            Ok(edited) => self.on_edited(edited.0, cx),
            Err(msg) => {
                if let Ok(msg) = msg.downcast::<V::Msg>() {
                    self.update(*msg, cx);
                }
            }
        }
    }
}

/// The view for a tree node (or palette target). Several tree nodes share
/// one view: an app shows its builds.
pub fn view_key(key: &NodeKey) -> NodeKey {
    match key {
        NodeKey::App { project, app } => NodeKey::Builds {
            project: project.clone(),
            app: app.clone(),
        },
        other => other.clone(),
    }
}

/// Makes the view for `key`; `node` is the tree row it came from, if any.
pub fn open(key: &NodeKey, node: Option<&Node>, session: &Session) -> Box<dyn AnyView> {
    match key {
        NodeKey::Project(project) => Box::new(overview::Overview::new(
            project,
            node.cloned().unwrap_or_else(|| Node {
                key: key.clone(),
                label: project.clone(),
                facts: Facts::None,
            }),
        )),
        NodeKey::Apps(project) => Box::new(ResourceView::new(apps::Apps::new(project))),
        NodeKey::Builds { project, app } => {
            Box::new(ResourceView::new(builds::Builds::new(project, app)))
        }
        NodeKey::Env { project, app } => Box::new(ResourceView::new(env::Env::new(project, app))),
        NodeKey::Databases(project) => {
            Box::new(ResourceView::new(databases::Databases::new(project)))
        }
        NodeKey::Database { project, database } => {
            Box::new(database::DatabaseView::new(project, database))
        }
        NodeKey::Hostnames { project, app } => {
            Box::new(ResourceView::new(hostnames::Hostnames::new(project, app)))
        }
        NodeKey::Sql { project, database } => {
            let name = node.map_or(database.as_str(), |n| n.label.as_str());
            Box::new(sql::SqlView::new(project, database, name))
        }
        NodeKey::WatchMode { project, app } => {
            Box::new(deploy_watch::DeployWatchView::new(project, app))
        }
        NodeKey::Domains(project) => {
            Box::new(ResourceView::new(domains::Domains::new(project.clone())))
        }
        NodeKey::Domain { project, domain } => Box::new(ResourceView::new(records::Records::new(
            project.clone(),
            domain.clone(),
            // The tree row knows the status: gate writes before the API answers.
            node.and_then(|n| match &n.facts {
                Facts::Domain(d) => Some(d.status.clone()),
                _ => None,
            }),
        ))),
        NodeKey::Watcher => Box::new(watcher::WatcherView::new()),
        NodeKey::Contexts => Box::new(ResourceView::new(contexts::Contexts::new(
            session.contexts.clone(),
            session.context.clone(),
        ))),
        _ => Box::new(DetailView::new(node.cloned().unwrap_or_else(|| Node {
            key: key.clone(),
            label: String::new(),
            facts: Facts::None,
        }))),
    }
}

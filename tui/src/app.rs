//! Dashboard state, changed only in `update` (the ratatui component
//! model). Keys go to the topmost thing that wants them: an error dialog,
//! the help overlay, the palette, a view's dialog, then the global keys,
//! then the focused pane. Network work is spawned and reports back.

use std::collections::HashMap;
use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use ratatui::layout::Rect;
use tokio::sync::mpsc::UnboundedSender;

use crate::action::Action;
use crate::context::{Ctx, Effect};
use crate::notice::{Level, MessageLog, Notice, TOAST_LIFETIME, Toast, Toasts};
use crate::palette::{self, Command, Jump, Palette};
use crate::session::Session;
use crate::settings::Settings;
use crate::switchboard::{Exit, Target};
use crate::tree::{Children, Node, NodeKey, Row, Tree};
use crate::views::{self, AnyView, Hint, Leave, View, hint};
use crate::widgets::list::{Picker, PickerKey};
use crate::widgets::modal::{Modal, Outcome, common_prefix};
use crate::widgets::pager::{PAGER_KEYS, Pager};

/// What the "unfinished work" question leads to once confirmed.
#[derive(Debug, Clone)]
pub enum Leaving {
    /// The dashboard ends.
    End(Exit),
    /// Esc out of a full-width view.
    Back,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    View,
}

/// Work for the event loop that needs the terminal itself.
#[derive(Debug, Default)]
pub struct TerminalRequests {
    /// Text to copy by OSC 52.
    pub copy: Option<String>,
    pub bell: bool,
    /// Edit text in `$EDITOR` for this view.
    pub edit: Option<(NodeKey, String)>,
}

pub struct App {
    pub session: Session,
    pub settings: Settings,
    pub tree: Tree,
    pub tree_cursor: Picker,
    pub focus: Focus,
    views: HashMap<NodeKey, Box<dyn AnyView>>,
    /// The view drawn across the whole body, if any (SQL, watcher).
    pub fullscreen: Option<NodeKey>,
    /// `/readyz`: `None` until the first answer.
    pub ready: Option<bool>,
    pub toasts: Toasts,
    /// Every toast and error dialog so far, for `:messages`.
    pub log: MessageLog,
    pub notices: Vec<Notice>,
    pub palette: Option<Palette>,
    pub help: bool,
    /// "Quit anyway?" or "leave anyway?" while a view has work to lose;
    /// "sign out?" always.
    pub leaving: Option<Modal<Leaving>>,
    /// The message log is open (`:messages`).
    pub log_open: bool,
    /// Scrolling of the help or the message log, whichever is open.
    pub pager: Pager,
    /// The tree shown or hidden by its key; `None` follows the width.
    pub tree_pref: Option<bool>,
    /// The body is too narrow for the tree beside a view (set when drawn).
    pub narrow: bool,
    /// Set when the dashboard ends: quit, or hand over to another
    /// context or the sign-in screen.
    pub exit: Option<Exit>,
    pub terminal: TerminalRequests,
    /// The last text put on the clipboard (what `y` copied).
    pub last_copy: Option<String>,
    /// A palette jump waiting for tree rows to load.
    pending_jump: Option<Jump>,
    /// Where the tree was drawn, for mouse clicks.
    pub tree_area: Rect,
    tx: UnboundedSender<Action>,
}

impl App {
    pub fn new(session: Session, settings: Settings, tx: UnboundedSender<Action>) -> Self {
        let mut app = Self {
            session,
            settings,
            tree: Tree::default(),
            tree_cursor: Picker::default(),
            focus: Focus::Tree,
            views: HashMap::new(),
            fullscreen: None,
            ready: None,
            toasts: Toasts::default(),
            log: MessageLog::default(),
            notices: Vec::new(),
            palette: None,
            help: false,
            leaving: None,
            log_open: false,
            pager: Pager::default(),
            tree_pref: None,
            narrow: false,
            exit: None,
            terminal: TerminalRequests::default(),
            last_copy: None,
            pending_jump: None,
            tree_area: Rect::default(),
            tx,
        };
        app.tree.expand(&NodeKey::Root);
        app.load(NodeKey::Root);
        app
    }

    /// Tell the user something when the app opens (e.g. a broken tui.toml).
    pub fn warn(&mut self, text: String) {
        self.post(Toast::new(Level::Warning, text));
    }

    /// Shows a toast and keeps it in the message log.
    fn post(&mut self, toast: Toast) {
        self.log.record(toast.level, toast.text.clone());
        if toast.until.is_some() {
            self.schedule_tick();
        }
        self.toasts.push(toast);
    }

    /// Opens an error dialog and keeps it in the message log.
    fn show_notice(&mut self, notice: Notice) {
        let text = format!("{}: {}", notice.title, notice.lines.join(" "));
        self.log.record(Level::Error, text);
        self.notices.push(notice);
    }

    /// Whether the tree is drawn: as its key last set it, else when the
    /// terminal is wide enough.
    pub fn tree_shown(&self) -> bool {
        self.tree_pref.unwrap_or(!self.narrow)
    }

    fn toggle_tree(&mut self) {
        let shown = !self.tree_shown();
        self.tree_pref = Some(shown);
        self.focus = if shown { Focus::Tree } else { Focus::View };
    }

    pub fn open_help(&mut self) {
        self.help = true;
        self.pager = Pager::default();
    }

    /// `:messages`: the log, scrolled to the newest.
    pub fn open_log(&mut self) {
        self.log_open = true;
        self.pager = Pager::at_end();
    }

    pub(crate) fn load(&self, key: NodeKey) {
        let (client, tx) = (self.session.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let result = crate::loader::children(&client, &key).await;
            let _ = tx.send(Action::Loaded(key, result));
        });
    }

    fn schedule_tick(&self) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(TOAST_LIFETIME).await;
            let _ = tx.send(Action::Tick);
        });
    }

    /// The tree rows after the `/` filter.
    pub fn visible_rows(&self) -> Vec<Row> {
        let rows = self.tree.rows();
        let keep = self.tree_cursor.matches(&rows, |r| match r {
            Row::Node { node, .. } => node.label.clone(),
            _ => String::new(),
        });
        keep.into_iter().map(|i| rows[i].clone()).collect()
    }

    /// The node under the tree cursor, if the row is a node.
    pub fn selected_node(&self) -> Option<Node> {
        let rows = self.visible_rows();
        match rows.get(self.tree_cursor.selected.min(rows.len().saturating_sub(1))) {
            Some(Row::Node { node, .. }) => Some(node.clone()),
            _ => None,
        }
    }

    /// Where the body stands, from the top: the tree's labels down to the
    /// selection (or, for a full-width view, down to what it belongs to),
    /// the view the body shows when the row opens another (an app shows
    /// its builds), then the view's own place (a row's open details).
    pub fn breadcrumbs(&self) -> Vec<String> {
        let mut crumbs = match &self.fullscreen {
            Some(key) => self.place_crumbs(key),
            None => {
                let mut tree = self.tree_crumbs();
                if let Some(NodeKey::App { .. }) = self.selected_node().map(|n| n.key) {
                    tree.push("builds".into());
                }
                tree
            }
        };
        if let Some(view) = self.active_view_key().and_then(|k| self.views.get(&k)) {
            crumbs.extend(view.crumbs());
        }
        crumbs
    }

    /// Labels from the top of the tree down to the selection.
    fn tree_crumbs(&self) -> Vec<String> {
        let rows = self.visible_rows();
        let at = self.tree_cursor.selected.min(rows.len().saturating_sub(1));
        let mut crumbs = Vec::new();
        let mut depth = usize::MAX;
        for row in rows[..rows.len().min(at + 1)].iter().rev() {
            if let Row::Node { node, depth: d, .. } = row
                && *d < depth
            {
                crumbs.push(node.label.clone());
                depth = *d;
            }
        }
        crumbs.reverse();
        crumbs
    }

    /// The path of a full-width view: its project, group and owner, named
    /// as the tree names them (the id until the tree has loaded them).
    fn place_crumbs(&self, key: &NodeKey) -> Vec<String> {
        let label = |key: NodeKey, id: &str| {
            self.tree
                .nodes()
                .find(|n| n.key == key)
                .map_or_else(|| id.to_string(), |n| n.label.clone())
        };
        let project = |p: &str| label(NodeKey::Project(p.to_string()), p);
        match key {
            // The console names its database itself (see its crumbs).
            NodeKey::Sql { project: p, .. } => vec![project(p), "databases".into()],
            NodeKey::WatchMode { project: p, app } => vec![
                project(p),
                "apps".into(),
                label(
                    NodeKey::App {
                        project: p.clone(),
                        app: app.clone(),
                    },
                    app,
                ),
                "watch mode".into(),
            ],
            NodeKey::Watcher => vec!["delegation watcher".into()],
            NodeKey::Contexts => vec!["contexts".into()],
            _ => self.tree_crumbs(),
        }
    }

    /// The project in focus: the selection's, else the configured one,
    /// else the first listed.
    pub fn current_project(&self) -> Option<String> {
        self.selected_node()
            .and_then(|n| n.key.project().map(str::to_string))
            .or_else(|| self.session.project.clone())
            .or_else(|| {
                self.tree
                    .children(&NodeKey::Root)
                    .first()
                    .and_then(|n| n.key.project().map(str::to_string))
            })
    }

    /// The key of the view shown in the body.
    pub fn active_view_key(&self) -> Option<NodeKey> {
        self.fullscreen
            .clone()
            .or_else(|| self.selected_node().map(|n| views::view_key(&n.key)))
    }

    /// Makes sure the view for `key` exists (loading it the first time).
    fn ensure_view(&mut self, key: &NodeKey, node: Option<&Node>) {
        if self.views.contains_key(key) {
            return;
        }
        let mut view = views::open(key, node, &self.session);
        let mut cx = Ctx::new(&self.session, key.clone(), &self.tx);
        view.refresh(&mut cx);
        let effects = std::mem::take(&mut cx.effects);
        self.views.insert(key.clone(), view);
        self.apply(effects);
    }

    fn sync_view(&mut self) {
        if self.fullscreen.is_some() {
            return;
        }
        if let Some(node) = self.selected_node() {
            let key = views::view_key(&node.key);
            self.ensure_view(&key, Some(&node));
        }
    }

    pub fn view(&self, key: &NodeKey) -> Option<&dyn View> {
        self.views.get(key).map(|v| v.as_ref() as &dyn View)
    }

    pub fn view_mut(&mut self, key: &NodeKey) -> Option<&mut Box<dyn AnyView>> {
        self.views.get_mut(key)
    }

    /// Calls `f` on the view for `key` with a context, then applies what
    /// it asked for.
    fn with_view<R>(
        &mut self,
        key: &NodeKey,
        f: impl FnOnce(&mut dyn AnyView, &mut Ctx<'_>) -> R,
    ) -> Option<R> {
        let view = self.views.get_mut(key)?;
        let mut cx = Ctx::new(&self.session, key.clone(), &self.tx);
        let out = f(view.as_mut(), &mut cx);
        let effects = std::mem::take(&mut cx.effects);
        self.apply(effects);
        Some(out)
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Toast(t) => self.post(t),
                Effect::EndWork(work) => self.toasts.end(&work),
                Effect::Notice(n) => self.show_notice(n),
                Effect::Copy { label, text } => self.copy(&label, text),
                Effect::Bell => self.terminal.bell = true,
                Effect::Reload(key) => {
                    self.tree.set_children(key.clone(), Children::Loading);
                    self.load(key);
                }
                Effect::Open(node) => self.open_fullscreen(node),
                Effect::Goto(jump) => {
                    self.pending_jump = Some(jump);
                    self.advance_jump();
                }
                Effect::Edit { view, text } => self.terminal.edit = Some((view, text)),
                Effect::Exit(exit) => self.end(exit),
            }
        }
    }

    fn copy(&mut self, label: &str, text: String) {
        self.post(Toast::new(
            Level::Success,
            format!("copied {label} to the clipboard"),
        ));
        self.last_copy = Some(text.clone());
        self.terminal.copy = Some(text);
    }

    pub fn open_fullscreen(&mut self, node: Node) {
        self.ensure_view(&node.key, Some(&node));
        self.fullscreen = Some(node.key);
        self.focus = Focus::View;
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(key) if key.kind == KeyEventKind::Press => self.on_key(key),
            Action::Key(_) | Action::Resize => {}
            Action::Paste(text) => self.on_paste(&text),
            Action::Mouse(m) => self.on_mouse(m),
            Action::Loaded(key, result) => {
                let children = match result {
                    Ok(nodes) => Children::Loaded(nodes),
                    Err(e) => Children::Failed(e),
                };
                self.tree.set_children(key, children);
                self.advance_jump();
            }
            Action::Ready(ready) => self.ready = Some(ready),
            Action::View(key, msg) => {
                self.with_view(&key, |v, cx| v.on_msg(msg, cx));
            }
            Action::Goto(Ok(jump)) => {
                self.pending_jump = Some(jump);
                self.advance_jump();
            }
            Action::Goto(Err(e)) => self.warn(e),
            Action::Said(level, text) => self.post(Toast::new(level, text)),
            Action::Tick => self.toasts.expire(Instant::now()),
        }
        let len = self.visible_rows().len();
        self.tree_cursor.selected = self.tree_cursor.selected.min(len.saturating_sub(1));
        self.sync_view();
    }

    /// Walks a palette jump down the tree as rows arrive: expands each
    /// step (loading it), then selects the target.
    fn advance_jump(&mut self) {
        let Some(jump) = self.pending_jump.clone() else {
            return;
        };
        let mut parent = NodeKey::Root;
        for step in &jump.path {
            let present = self.tree.children(&parent).iter().any(|n| &n.key == step);
            if !present {
                if self.tree.children(&parent).is_empty() && !self.tree.is_expanded(&parent) {
                    if self.tree.expand(&parent) {
                        self.load(parent.clone());
                    }
                } else if !self.tree.children(&parent).is_empty() {
                    // Loaded, and the target is not there: reload once.
                    self.pending_jump = None;
                    self.warn(format!("{step:?} is not in the tree; press r to refresh"));
                }
                return;
            }
            if Some(step) != jump.path.last()
                && !self.tree.is_expanded(step)
                && self.tree.expand(step)
            {
                self.load(step.clone());
                return;
            }
            parent = step.clone();
        }
        // Everything is there: clear any filter and select the target.
        self.tree_cursor.clear_filter();
        let target = jump.path.last().cloned();
        if let Some(i) =
            self.tree.rows().iter().position(
                |r| matches!(r, Row::Node { node, .. } if Some(&node.key) == target.as_ref()),
            )
        {
            self.tree_cursor.selected = i;
        }
        self.pending_jump = None;
        self.fullscreen = None;
        self.focus = Focus::Tree;
        // A project jump (`:project`, `--project`) opens it too.
        if let Some(key @ NodeKey::Project(_)) = target.clone()
            && self.tree.expand(&key)
        {
            self.load(key);
        }
        self.sync_view();
        // The key goes to the view opened full width, else the target's.
        let receiver = match &jump.open {
            Some(open) => Some(open.key.clone()),
            None => target.as_ref().map(views::view_key),
        };
        if let Some(open) = jump.open {
            self.open_fullscreen(open);
        }
        if let (Some(press), Some(receiver)) = (jump.press, receiver) {
            self.focus = Focus::View;
            let key = KeyEvent::new(press.code, press.modifiers);
            self.with_view(&receiver, |v, cx| v.on_key(&key, cx));
        }
    }

    fn on_paste(&mut self, text: &str) {
        if let Some(p) = &mut self.palette {
            p.input.insert_str(text);
        } else if self.tree_cursor.filtering && self.focus == Focus::Tree {
            self.tree_cursor.filter.insert_str(text);
        } else if let Some(key) = self.active_view_key() {
            self.with_view(&key, |v, _| v.on_paste(text));
        }
    }

    fn on_mouse(&mut self, m: ratatui::crossterm::event::MouseEvent) {
        let in_tree = self.fullscreen.is_none()
            && m.column >= self.tree_area.x
            && m.column < self.tree_area.x + self.tree_area.width
            && m.row > self.tree_area.y
            && m.row < self.tree_area.y + self.tree_area.height.saturating_sub(1);
        let step = |code| KeyEvent::new(code, KeyModifiers::NONE);
        match m.kind {
            MouseEventKind::ScrollDown => self.on_key(step(KeyCode::Down)),
            MouseEventKind::ScrollUp => self.on_key(step(KeyCode::Up)),
            MouseEventKind::Down(_) if in_tree => {
                self.focus = Focus::Tree;
                let row = (m.row - self.tree_area.y - 1) as usize + self.tree_cursor.offset;
                if row < self.visible_rows().len() {
                    self.tree_cursor.selected = row;
                }
            }
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.exit = Some(Exit::Quit);
            return;
        }
        if !self.notices.is_empty() {
            return self.on_notice_key(key);
        }
        if self.leaving.is_some() {
            return self.on_leaving_key(key);
        }
        if self.help || self.log_open {
            if !self.pager.on_key(&key) {
                self.help = false;
                self.log_open = false;
            }
            return;
        }
        if self.palette.is_some() {
            return self.on_palette_key(key);
        }
        let view_key = self.active_view_key();
        let view_captures = view_key
            .as_ref()
            .and_then(|k| self.views.get(k))
            .is_some_and(|v| v.captures_keys());
        if view_captures && self.focus == Focus::View {
            let k = view_key.unwrap();
            self.with_view(&k, |v, cx| v.on_key(&key, cx));
            return;
        }
        if self.focus == Focus::Tree && self.tree_cursor.filtering {
            let len = self.visible_rows().len();
            self.tree_cursor.on_key(&key, len, self.page());
            return;
        }
        let keys = self.settings.keymap.clone();
        if keys.quit.matches(&key) {
            self.quit();
        } else if keys.help.matches(&key) {
            self.open_help();
        } else if keys.tree.matches(&key) {
            self.toggle_tree();
        } else if keys.palette.matches(&key) {
            self.palette = Some(Palette::default());
        } else if keys.focus.matches(&key) {
            self.toggle_focus();
        } else if keys.filter.matches(&key) {
            let started = self.focus == Focus::View
                && view_key
                    .as_ref()
                    .and_then(|k| self.with_view(k, |v, _| v.filter()))
                    .unwrap_or(false);
            if !started {
                self.focus = Focus::Tree;
                self.tree_cursor.start_filter();
            }
        } else if keys.refresh.matches(&key) {
            self.refresh();
        } else if keys.copy.matches(&key) {
            let what = view_key
                .as_ref()
                .and_then(|k| self.views.get(k))
                .and_then(|v| v.copy());
            if let Some((label, text)) = what {
                self.copy(&label, text);
            }
        } else if self.focus == Focus::View {
            let used = view_key
                .as_ref()
                .and_then(|k| self.with_view(k, |v, cx| v.on_key(&key, cx)))
                .unwrap_or(false);
            if !used && matches!(key.code, KeyCode::Esc | KeyCode::Left | KeyCode::Char('h')) {
                self.leave_view();
            }
        } else {
            self.on_tree_key(key);
        }
    }

    fn toggle_focus(&mut self) {
        self.focus = match self.focus {
            Focus::Tree => Focus::View,
            Focus::View if self.fullscreen.is_some() => Focus::View,
            Focus::View => Focus::Tree,
        };
    }

    /// The dashboard is quitting (not handing over to another screen).
    pub fn quitting(&self) -> bool {
        self.exit == Some(Exit::Quit)
    }

    fn quit(&mut self) {
        self.end(Exit::Quit);
    }

    /// Ends the dashboard with `exit`, unless a view has work that ending
    /// loses: then asks first (no is the default). Signing out always asks.
    fn end(&mut self, exit: Exit) {
        let mut reasons: Vec<String> = self
            .views
            .values()
            .filter_map(|v| v.leave_warning(Leave::Quit))
            .collect();
        reasons.sort();
        if let Exit::SignOut(target) = &exit {
            if matches!(target, Target::Sandbox { .. }) {
                return self.warn(
                    "the sandbox's tokens live in memory only: nothing to sign out of \
                     (:ctx switches context)"
                        .into(),
                );
            }
            reasons.push(crate::switchboard::sign_out_warning(
                target,
                &self.session.target,
            ));
        } else if reasons.is_empty() {
            self.exit = Some(exit);
            return;
        }
        reasons.push(exit.question().into());
        let title = match exit {
            Exit::SignOut(_) => "Sign out",
            _ => "Unfinished work",
        };
        self.leaving = Some(Modal::confirm(title, reasons, Leaving::End(exit)));
    }

    /// Esc from a view: asks first when leaving it loses work (the SQL
    /// console's open transaction), else goes back at once.
    fn leave_view(&mut self) {
        let warning = self
            .active_view_key()
            .and_then(|k| self.views.get(&k))
            .and_then(|v| v.leave_warning(Leave::Back));
        match warning {
            Some(reason) => {
                let lines = vec![reason, "Leave anyway?".into()];
                self.leaving = Some(Modal::confirm("Unfinished work", lines, Leaving::Back));
            }
            None => self.back(),
        }
    }

    fn on_leaving_key(&mut self, key: KeyEvent) {
        let Some(modal) = &mut self.leaving else {
            return;
        };
        let outcome = modal.on_key(&key);
        if !matches!(outcome, Outcome::Open) {
            self.leaving = None;
        }
        match outcome {
            Outcome::Confirmed(Leaving::End(exit), _) => self.exit = Some(exit),
            Outcome::Confirmed(Leaving::Back, _) => self.back(),
            _ => {}
        }
    }

    /// Esc from a view: leave full width, or go back to the tree (showing
    /// it if a narrow terminal had hidden it).
    fn back(&mut self) {
        if self.fullscreen.take().is_some() {
            self.sync_view();
        }
        if !self.tree_shown() {
            self.tree_pref = Some(true);
        }
        self.focus = Focus::Tree;
    }

    fn page(&self) -> usize {
        self.tree_area.height.saturating_sub(2) as usize
    }

    fn refresh(&mut self) {
        if self.focus == Focus::View || self.fullscreen.is_some() {
            if let Some(k) = self.active_view_key() {
                self.with_view(&k, |v, cx| v.refresh(cx));
            }
            return;
        }
        // Reload the tree under the cursor (or from the top), and the view.
        let key = self
            .selected_node()
            .map(|n| n.key)
            .filter(|k| self.tree.is_expanded(k))
            .unwrap_or(NodeKey::Root);
        self.tree.set_children(key.clone(), Children::Loading);
        self.load(key);
        if let Some(k) = self.active_view_key() {
            self.with_view(&k, |v, cx| v.refresh(cx));
        }
    }

    fn on_tree_key(&mut self, key: KeyEvent) {
        let len = self.visible_rows().len();
        if let PickerKey::Used = self.tree_cursor.on_key(&key, len, self.page()) {
            return;
        }
        crate::tree_keys::dispatch(self, &key);
    }

    fn on_notice_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('r') => {
                if let Some(notice) = self.notices.pop()
                    && let Some(view) = notice.retry
                {
                    self.with_view(&view, |v, cx| v.retry(cx));
                }
            }
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char(' ') => {
                self.notices.pop();
            }
            _ => {}
        }
    }

    fn on_palette_key(&mut self, key: KeyEvent) {
        let Some(p) = &mut self.palette else { return };
        match key.code {
            KeyCode::Esc => self.palette = None,
            KeyCode::Tab => {
                p.candidates = palette::complete(p.input.text(), self.tree.nodes());
                if let [only] = p.candidates.as_slice() {
                    // A command name gets the space before its argument.
                    let space = if only.contains(' ') { "" } else { " " };
                    p.input.set(format!("{only}{space}"));
                } else if let Some(prefix) = common_prefix(&p.candidates)
                    && prefix.len() > p.input.text().len()
                {
                    p.input.set(prefix);
                }
            }
            KeyCode::Enter => {
                let text = p.input.text().trim().to_string();
                match palette::parse(&text) {
                    Ok(command) => {
                        self.palette = None;
                        self.run_command(command);
                    }
                    Err(e) => p.refuse(e),
                }
            }
            _ => {
                p.input.on_key(&key);
                p.error = None;
                p.candidates = palette::complete(p.input.text(), self.tree.nodes());
            }
        }
    }

    pub fn run_command(&mut self, command: Command) {
        match command {
            Command::Quit => self.quit(),
            Command::Contexts => self.open_fullscreen(Node::named(NodeKey::Contexts, "contexts")),
            Command::Dump(None) | Command::Import(None) => self.data_move_here(&command),
            Command::Login => self.end(Exit::SignIn),
            Command::Logout => self.end(Exit::SignOut(self.session.context.clone())),
            Command::Help => self.open_help(),
            Command::Fault(args) => self.fault(&args),
            Command::Messages => self.open_log(),
            Command::Delegation => {
                self.open_fullscreen(Node::named(NodeKey::Watcher, "delegation watcher"))
            }
            Command::Watch(None) => match self.selected_node().map(|n| n.key) {
                Some(
                    NodeKey::App { project, app }
                    | NodeKey::Builds { project, app }
                    | NodeKey::Env { project, app }
                    | NodeKey::Hostnames { project, app },
                ) => {
                    let key = NodeKey::WatchMode {
                        project,
                        app: app.clone(),
                    };
                    self.open_fullscreen(Node::named(key, app))
                }
                _ => self.warn("select an app first, or name it: :watch web".into()),
            },
            other => {
                let (client, tx, project) = (
                    self.session.client.clone(),
                    self.tx.clone(),
                    self.current_project(),
                );
                tokio::spawn(async move {
                    let _ = tx.send(Action::Goto(
                        palette::resolve(&client, project, other).await,
                    ));
                });
            }
        }
    }

    /// `:fault …`: an outage drill on the sandbox this dashboard runs on.
    fn fault(&mut self, args: &str) {
        let Some(sandbox) = self.session.sandbox.clone() else {
            return self.warn(format!(
                ":fault drills the sandbox; this context is {} (switch with :ctx)",
                self.session.target
            ));
        };
        let drill = match crate::faults::parse(args) {
            Ok(d) => d,
            Err(why) => return self.warn(why),
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let said = match crate::faults::apply(&sandbox, drill).await {
                Ok(now) => Action::Said(Level::Info, now),
                Err(why) => Action::Said(Level::Warning, why),
            };
            let _ = tx.send(said);
        });
    }

    /// `:dump` or `:import` without a name: on the open SQL console's
    /// database.
    fn data_move_here(&mut self, command: &Command) {
        match self.fullscreen.clone() {
            Some(key @ NodeKey::Sql { .. }) => {
                let press = palette::data_move_key(command);
                let event = KeyEvent::new(press.code, press.modifiers);
                self.with_view(&key, |v, cx| v.on_key(&event, cx));
            }
            _ => {
                self.warn("name the database (:dump shop-db), or run it in its SQL console".into())
            }
        }
    }

    /// The keys valid right now, for the bottom bar and help.
    pub fn key_hints(&self) -> Vec<Hint> {
        let k = &self.settings.keymap;
        let mut hints = Vec::new();
        if self.help || self.log_open {
            return PAGER_KEYS.iter().map(|(k, w)| hint(k, w)).collect();
        }
        if !self.notices.is_empty() {
            hints.push(hint("enter/esc", "dismiss"));
            if self.notices.last().is_some_and(|n| n.retry.is_some()) {
                hints.push(hint("r", "retry"));
            }
            return hints;
        }
        if let Some(modal) = &self.leaving {
            return views::modal_hints(modal);
        }
        if self.palette.is_some() {
            return vec![
                hint("enter", "run"),
                hint("tab", "complete"),
                hint("esc", "cancel"),
            ];
        }
        let view = self.active_view_key().and_then(|k| self.views.get(&k));
        if self.focus == Focus::View
            && let Some(v) = view
        {
            hints.extend(
                v.hints()
                    .into_iter()
                    .filter(|h| !(h.write && self.session.read_only)),
            );
            if v.captures_keys() {
                return hints;
            }
            if !takes_esc(&hints) {
                hints.push(hint("esc", "back"));
            }
        } else {
            hints.extend(crate::tree_keys::hints(self));
        }
        hints.extend(k.globals().into_iter().map(|g| Hint {
            keys: g.binding.label().into(),
            what: g.what,
            write: false,
        }));
        hints
    }

    /// What `?` lists: every key of the view in the body (whether or not
    /// it applies to the row under the cursor), the tree's keys and the
    /// global ones, each section from the list its keys are dispatched by.
    pub fn help_sections(&self) -> Vec<(String, Vec<Hint>)> {
        let mut sections = Vec::new();
        if let Some(view) = self.active_view_key().and_then(|k| self.views.get(&k)) {
            let mut keys = view.keys();
            if !view.captures_keys() && !takes_esc(&view.hints()) {
                keys.push(hint("esc", "back"));
            }
            sections.push((view.title(), keys));
        }
        if self.fullscreen.is_none() {
            sections.push(("Project tree".to_string(), crate::tree_keys::all()));
        }
        let globals = self.settings.keymap.globals().into_iter().map(|g| Hint {
            keys: g.binding.label().into(),
            what: g.what,
            write: false,
        });
        sections.push(("Everywhere".to_string(), globals.collect()));
        sections
    }
}

/// Whether the view uses esc itself now (a filter to clear), before it
/// means back.
fn takes_esc(hints: &[Hint]) -> bool {
    hints.iter().any(|h| h.keys.split('/').any(|k| k == "esc"))
}

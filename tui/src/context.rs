//! What a view may do while handling a key or a message: spawn background
//! work that reports back, and ask the app for effects (toasts, dialogs,
//! copying, a bell, tree reloads) that it applies once the view returns.

use std::future::Future;

use comwit_client::{Client, Error};
use tokio::sync::mpsc::UnboundedSender;

use crate::action::Action;
use crate::keymap::Binding;
use crate::notice::{Level, Notice, Toast, WorkKey};
use crate::palette::Jump;
use crate::session::Session;
use crate::tree::{Node, NodeKey};

#[derive(Debug)]
pub enum Effect {
    Toast(Toast),
    /// Work ended without a toast of its own: take its progress toast down.
    EndWork(WorkKey),
    Notice(Notice),
    /// Put text on the clipboard (OSC 52); the label says what it was.
    Copy {
        label: String,
        text: String,
    },
    Bell,
    /// Reload the tree children under this key.
    Reload(NodeKey),
    /// Open a view in the body (the SQL console, the watcher).
    Open(Node),
    /// Walk the tree to a node and select it, as the palette does (a
    /// list's `enter` opening its row where the tree shows it).
    Goto(Jump),
    /// Suspend the screen and edit this text in `$EDITOR`; the result goes
    /// back to the view as an [`EditorResult`] message.
    Edit {
        view: NodeKey,
        text: String,
    },
    /// End this dashboard: switch context, sign in or out (asking first
    /// where that loses work).
    Exit(crate::switchboard::Exit),
}

/// The outcome of an `$EDITOR` session, sent to the view that asked.
#[derive(Debug)]
pub struct EditorResult(pub Result<String, String>);

/// Sends one view's messages from background work.
pub struct Reporter<M> {
    key: NodeKey,
    tx: UnboundedSender<Action>,
    _m: std::marker::PhantomData<fn(M)>,
}

impl<M> Clone for Reporter<M> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            tx: self.tx.clone(),
            _m: std::marker::PhantomData,
        }
    }
}

impl<M: Send + 'static> Reporter<M> {
    /// False once the dashboard has gone.
    pub fn send(&self, msg: M) -> bool {
        self.tx
            .send(Action::View(self.key.clone(), Box::new(msg)))
            .is_ok()
    }
}

pub struct Ctx<'a> {
    pub session: &'a Session,
    /// The key of the view being called; its messages come back to it.
    pub view: NodeKey,
    tx: &'a UnboundedSender<Action>,
    pub effects: Vec<Effect>,
}

impl<'a> Ctx<'a> {
    pub fn new(session: &'a Session, view: NodeKey, tx: &'a UnboundedSender<Action>) -> Self {
        Self {
            session,
            view,
            tx,
            effects: Vec::new(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.session.client
    }

    pub fn reporter<M: Send + 'static>(&self) -> Reporter<M> {
        Reporter {
            key: self.view.clone(),
            tx: self.tx.clone(),
            _m: std::marker::PhantomData,
        }
    }

    /// Runs `work` in the background; its output comes back to this view.
    pub fn spawn<M: Send + 'static>(&self, work: impl Future<Output = M> + Send + 'static) {
        let reporter = self.reporter::<M>();
        tokio::spawn(async move {
            reporter.send(work.await);
        });
    }

    /// False (with a toast saying why) in read-only mode; call before any write.
    pub fn may_write(&mut self) -> bool {
        if self.session.read_only {
            self.toast(
                Level::Warning,
                "read-only mode: writes are disabled (restart without --read-only)",
            );
        }
        !self.session.read_only
    }

    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        self.effects.push(Effect::Toast(Toast::new(level, text)));
    }

    /// Which of this view's work `work` names ("rollback").
    fn work(&self, work: &'static str) -> WorkKey {
        WorkKey {
            view: self.view.clone(),
            work,
        }
    }

    /// A toast that stays while `work` runs ("rolling back…"), until
    /// [`Ctx::outcome`], [`Ctx::end_work`] or [`Ctx::fail_work`] for the
    /// same work replaces or removes it.
    pub fn progress(&mut self, work: &'static str, text: impl Into<String>) {
        let toast = Toast::progress(self.work(work), text);
        self.effects.push(Effect::Toast(toast));
    }

    /// How `work` ended: replaces its progress toast.
    pub fn outcome(&mut self, work: &'static str, level: Level, text: impl Into<String>) {
        let toast = Toast::outcome(self.work(work), level, text);
        self.effects.push(Effect::Toast(toast));
    }

    /// `work` ended and something else (a dialog, a reloaded list) says how.
    pub fn end_work(&mut self, work: &'static str) {
        let key = self.work(work);
        self.effects.push(Effect::EndWork(key));
    }

    /// `work` failed: its progress toast goes, the error dialog says why.
    pub fn fail_work(&mut self, work: &'static str, what: &str, err: &Error) {
        self.end_work(work);
        self.fail(what, err);
    }

    /// An error dialog for a failed API call, with retry where it helps.
    pub fn fail(&mut self, what: &str, err: &Error) {
        let notice = if self.session.is_operator() {
            Notice::from_operator_error(what, err, Some(&self.view))
        } else {
            Notice::from_error(what, err, Some(&self.view))
        };
        self.effects.push(Effect::Notice(notice));
    }

    pub fn notice(&mut self, notice: Notice) {
        self.effects.push(Effect::Notice(notice));
    }

    pub fn copy(&mut self, label: impl Into<String>, text: impl Into<String>) {
        self.effects.push(Effect::Copy {
            label: label.into(),
            text: text.into(),
        });
    }

    pub fn bell(&mut self) {
        self.effects.push(Effect::Bell);
    }

    pub fn reload(&mut self, key: NodeKey) {
        self.effects.push(Effect::Reload(key));
    }

    /// Opens `key`'s view full width; `name` names its subject (the
    /// database's name for its console) until the view learns it.
    pub fn open(&mut self, key: NodeKey, name: &str) {
        self.effects.push(Effect::Open(Node::named(key, name)));
    }

    /// Selects the node at the end of `path` in the tree (expanding and
    /// loading the steps on the way); its view then fills the body.
    pub fn goto(&mut self, path: Vec<NodeKey>) {
        self.effects.push(Effect::Goto(Jump {
            path,
            ..Jump::default()
        }));
    }

    /// As [`goto`](Self::goto), then presses `key` in the target's view
    /// (focused): "create one" from a view that shows where.
    pub fn goto_and_press(&mut self, path: Vec<NodeKey>, key: Binding) {
        self.effects.push(Effect::Goto(Jump {
            path,
            open: None,
            press: Some(key),
        }));
    }

    pub fn edit(&mut self, text: String) {
        self.effects.push(Effect::Edit {
            view: self.view.clone(),
            text,
        });
    }
}

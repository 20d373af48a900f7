//! The terminal's input, read on a thread of its own (reads block) and
//! forwarded as actions to whichever screen shows now — the sign-in
//! screen or a dashboard, each with its own channel — so one reader
//! serves them all and no key is read by a screen that has gone. Paused
//! while `$EDITOR` owns the terminal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc::UnboundedSender;

use crate::action::Action;

#[derive(Default)]
struct Shared {
    to: Mutex<Option<UnboundedSender<Action>>>,
    paused: AtomicBool,
    stopped: AtomicBool,
}

pub struct Input(Arc<Shared>);

impl Input {
    pub fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let reader = shared.clone();
        std::thread::spawn(move || read(&reader));
        Self(shared)
    }

    /// Input goes to `tx` from now on.
    pub fn send_to(&self, tx: UnboundedSender<Action>) {
        *self.0.to.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    }

    /// Stops reading (an editor takes the terminal); waits out a poll in
    /// flight so the editor gets every key.
    pub fn pause(&self) {
        self.0.paused.store(true, Ordering::Release);
        std::thread::sleep(Duration::from_millis(120));
    }

    pub fn resume(&self) {
        self.0.paused.store(false, Ordering::Release);
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.0.stopped.store(true, Ordering::Release);
    }
}

fn read(shared: &Shared) {
    while !shared.stopped.load(Ordering::Acquire) {
        if shared.paused.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        // Poll, so a pause or a stop takes effect between reads.
        match event::poll(Duration::from_millis(100)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => break,
        }
        let Ok(ev) = event::read() else { break };
        let action = match ev {
            Event::Key(k) => Action::Key(k),
            Event::Paste(text) => Action::Paste(text),
            Event::Mouse(m) => Action::Mouse(m),
            Event::Resize(..) => Action::Resize,
            _ => continue,
        };
        if let Some(tx) = shared.to.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = tx.send(action);
        }
    }
}

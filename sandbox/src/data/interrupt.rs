//! Stopping statements that must not run on: past the per-statement time
//! limit, once the HTTP client that asked for them has gone, and when the
//! server stops. SQLite calls a progress handler every few thousand VM
//! steps; returning `true` there makes the statement fail with
//! `SQLITE_INTERRUPT`, which [`Interrupt::explain`] turns into a message
//! that says why.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::proto::HranaError;

/// VM steps between two checks: frequent enough to stop within
/// milliseconds, rare enough to cost nothing measurable.
const CHECK_EVERY_STEPS: i32 = 4_000;

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Reason {
    None = 0,
    TimeLimit,
    ClientGone,
    ServerStopping,
}

/// One stream's interrupt state, shared with its connection's progress
/// handler.
pub struct Interrupt {
    limit: Duration,
    statement_started: Mutex<Option<Instant>>,
    client_gone: AtomicBool,
    server_stopping: Arc<AtomicBool>,
    tripped: AtomicU8,
}

impl Interrupt {
    pub fn install(
        conn: &Connection,
        limit: Duration,
        server_stopping: Arc<AtomicBool>,
    ) -> Arc<Self> {
        let me = Arc::new(Self {
            limit,
            statement_started: Mutex::new(None),
            client_gone: AtomicBool::new(false),
            server_stopping,
            tripped: AtomicU8::new(Reason::None as u8),
        });
        let handler = me.clone();
        conn.progress_handler(CHECK_EVERY_STEPS, Some(move || handler.should_stop()));
        me
    }

    fn should_stop(&self) -> bool {
        let reason = if self.server_stopping.load(Ordering::Relaxed) {
            Reason::ServerStopping
        } else if self.client_gone.load(Ordering::Relaxed) {
            Reason::ClientGone
        } else if self.over_time() {
            Reason::TimeLimit
        } else {
            return false;
        };
        self.tripped.store(reason as u8, Ordering::Relaxed);
        true
    }

    fn over_time(&self) -> bool {
        let started = self
            .statement_started
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        started.is_some_and(|t| t.elapsed() > self.limit)
    }

    /// A new request on this stream: its client is there.
    pub fn begin_request(&self) {
        self.client_gone.store(false, Ordering::Relaxed);
        self.tripped.store(Reason::None as u8, Ordering::Relaxed);
    }

    /// Starts the time limit of one statement; it ends when the guard drops.
    pub fn time_statement(&self) -> StatementTimer<'_> {
        *self
            .statement_started
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        StatementTimer(self)
    }

    /// Replaces SQLite's bare "interrupted" with why it happened.
    pub fn explain(&self, error: HranaError) -> HranaError {
        if error.code != "SQLITE_INTERRUPT" {
            return error;
        }
        let message = match self.tripped.load(Ordering::Relaxed) {
            r if r == Reason::TimeLimit as u8 => format!(
                "the statement ran longer than the data endpoint's limit of {} s and was stopped; \
                 narrow it (an index, a LIMIT) or split the work",
                self.limit.as_secs_f64()
            ),
            r if r == Reason::ClientGone as u8 => {
                "the client went away, so the statement was stopped".to_string()
            }
            r if r == Reason::ServerStopping as u8 => {
                "the server is shutting down, so the statement was stopped; retry once it is back"
                    .to_string()
            }
            _ => return error,
        };
        HranaError::new("SQLITE_INTERRUPT", message)
    }
}

pub struct StatementTimer<'a>(&'a Interrupt);

impl Drop for StatementTimer<'_> {
    fn drop(&mut self) {
        *self
            .0
            .statement_started
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Held by the request that runs statements: dropped before it was
/// disarmed means the client went away (hyper drops the handler's future,
/// or the response body, when the connection closes), so the statements
/// still running for it stop.
pub struct CancelOnDrop(Option<Arc<Interrupt>>);

impl CancelOnDrop {
    pub fn new(interrupt: Arc<Interrupt>) -> Self {
        Self(Some(interrupt))
    }

    /// The request finished normally.
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(i) = self.0.take() {
            i.client_gone.store(true, Ordering::Relaxed);
        }
    }
}

//! Open Hrana streams: one SQLite connection each, parked between requests
//! under a baton.
//!
//! A connection holds file descriptors (the database, its WAL and shared
//! memory file), so streams are a bounded resource: a cap per database and
//! a cap in total, idle streams closed by a periodic sweep, and when the
//! total is reached the database holding the most streams gives up its
//! oldest idle one. One tenant leaking streams therefore meets its own
//! limit (a clean 429) and never turns another tenant's requests into
//! failures.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use super::exec::Session;
use super::harden::harden;
use super::interrupt::Interrupt;
use super::{DataError, json_error};
use crate::ids::new_db_token;

#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    /// Idle streams are closed after this long.
    pub idle: Duration,
    /// Longest a single statement may run.
    pub statement: Duration,
    pub per_database: usize,
    pub total: usize,
}

pub struct Streams {
    dir: PathBuf,
    limits: StreamLimits,
    parked: Mutex<HashMap<String, Parked>>,
    /// Streams open per database, parked or running. Locked on its own
    /// (never while holding `parked`), because a slot's ticket locks it
    /// when the slot drops.
    open: Arc<Mutex<HashMap<String, usize>>>,
    stopping: Arc<AtomicBool>,
}

/// A stream's connection; it counts against the limits until dropped.
pub struct Slot {
    pub database_id: String,
    pub session: Session,
    _ticket: Ticket,
}

pub type SharedSlot = Arc<Mutex<Slot>>;

struct Parked {
    database_id: String,
    slot: SharedSlot,
    since: Instant,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The most streams this process can hold under its open-file limit
/// (`ulimit -n`), so the cap is met before the descriptors run out.
#[cfg(unix)]
fn fd_budget() -> usize {
    /// File descriptors a stream holds: the database, its WAL, its shared
    /// memory.
    const FDS_PER_STREAM: u64 = 3;
    /// Descriptors kept for everything else: listeners, connections, the
    /// state database, artifact uploads.
    const FDS_RESERVED: u64 = 96;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own and reads nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return usize::MAX;
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
    let streams = (limit.rlim_cur as u64).saturating_sub(FDS_RESERVED) / FDS_PER_STREAM;
    usize::try_from(streams.max(1)).unwrap_or(usize::MAX)
}

/// Windows has no per-process descriptor limit to meet first: SQLite opens
/// Win32 handles (some 16 million per process), so the configured cap rules.
#[cfg(not(unix))]
fn fd_budget() -> usize {
    usize::MAX
}

impl Streams {
    pub fn new(dir: PathBuf, mut limits: StreamLimits) -> Self {
        let budget = fd_budget();
        if budget < limits.total {
            tracing::info!(
                configured = limits.total,
                budget,
                "the open-file limit allows fewer streams than configured; capping them"
            );
            limits.total = budget;
        }
        Self {
            dir,
            limits,
            parked: Mutex::new(HashMap::new()),
            open: Arc::new(Mutex::new(HashMap::new())),
            stopping: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Where the databases' files are.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub fn file_of(&self, database_id: &str) -> PathBuf {
        self.dir.join(format!("{database_id}.sqlite3"))
    }

    /// How often the periodic sweep should run.
    pub fn sweep_every(&self) -> Duration {
        (self.limits.idle / 4).clamp(Duration::from_millis(250), Duration::from_secs(15))
    }

    /// Closes streams idle for longer than the limit (their open
    /// transactions roll back when the connection closes).
    pub fn sweep(&self) {
        let idle = self.limits.idle;
        let expired: Vec<Parked> = {
            let mut parked = lock(&self.parked);
            let batons: Vec<String> = parked
                .iter()
                .filter(|(_, p)| p.since.elapsed() >= idle && p.slot.try_lock().is_ok())
                .map(|(b, _)| b.clone())
                .collect();
            batons.iter().filter_map(|b| parked.remove(b)).collect()
        };
        drop(expired);
    }

    /// Closes every stream of a database (it was deleted).
    pub fn close_database(&self, database_id: &str) {
        let closed: Vec<Parked> = {
            let mut parked = lock(&self.parked);
            let batons: Vec<String> = parked
                .iter()
                .filter(|(_, p)| p.database_id == database_id)
                .map(|(b, _)| b.clone())
                .collect();
            batons.iter().filter_map(|b| parked.remove(b)).collect()
        };
        drop(closed);
    }

    /// The server is stopping: running statements stop at their next
    /// progress check, and parked streams close.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        let all: Vec<Parked> = lock(&self.parked).drain().map(|(_, p)| p).collect();
        drop(all);
    }

    /// The stream `baton` names, taken out of the parking lot for one
    /// request. A baton of another database is refused without touching
    /// that database's stream.
    pub(super) fn take(&self, baton: &str, database_id: &str) -> Result<SharedSlot, DataError> {
        let mut parked = lock(&self.parked);
        match parked.get(baton) {
            Some(p) if p.database_id == database_id => {
                Ok(parked.remove(baton).expect("present").slot)
            }
            _ => Err(json_error(
                StatusCode::BAD_REQUEST,
                "STREAM_EXPIRED",
                "the stream is closed, expired (idle streams are closed) or not a stream of this \
                 database; open a new one with baton null",
            )),
        }
    }

    /// Closes the stream parked under `baton` (its client went away in the
    /// middle of a cursor: what ran of the batch is unknown to it).
    pub(super) fn discard(&self, baton: &str) {
        let removed = lock(&self.parked).remove(baton);
        drop(removed);
    }

    /// Parks a stream under a fresh baton.
    pub(super) fn put(&self, slot: SharedSlot) -> String {
        let baton = new_db_token("hb_");
        let database_id = lock(&slot).database_id.clone();
        let parked = Parked {
            database_id,
            slot,
            since: Instant::now(),
        };
        lock(&self.parked).insert(baton.clone(), parked);
        baton
    }

    /// Opens a new stream on `database_id`, within the limits.
    pub(super) fn open(&self, database_id: &str) -> Result<SharedSlot, DataError> {
        if self.stopping.load(Ordering::Relaxed) {
            return Err(json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVER_STOPPING",
                "the server is shutting down; retry once it is back",
            ));
        }
        let ticket = self.reserve(database_id)?;
        let conn = self.connect(database_id)?;
        let interrupt = Interrupt::install(&conn, self.limits.statement, self.stopping.clone());
        Ok(Arc::new(Mutex::new(Slot {
            database_id: database_id.to_string(),
            session: Session::new(conn, interrupt),
            _ticket: ticket,
        })))
    }

    fn connect(&self, database_id: &str) -> Result<rusqlite::Connection, DataError> {
        let file = self.file_of(database_id);
        let opened = rusqlite::Connection::open(&file).and_then(|conn| {
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            harden(&conn)?;
            Ok(conn)
        });
        opened.map_err(|e| {
            // The cause (often "too many open files") names the host path:
            // it goes to the log, never into the response.
            tracing::warn!(%e, file = %file.display(), "cannot open a database for a stream");
            json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "DATABASE_UNAVAILABLE",
                "the database cannot be opened right now (the server is short of resources); \
                 retry shortly",
            )
        })
    }

    /// Counts a new stream against the limits, making room at the total
    /// limit by closing the oldest idle stream of the database that holds
    /// the most — when that is not the caller's.
    fn reserve(&self, database_id: &str) -> Result<Ticket, DataError> {
        let limits = self.limits;
        for _ in 0..2 {
            let victim = {
                let mut open = lock(&self.open);
                let mine = open.get(database_id).copied().unwrap_or(0);
                if mine >= limits.per_database {
                    return Err(self.per_database_limit(database_id));
                }
                if open.values().sum::<usize>() < limits.total {
                    *open.entry(database_id.to_string()).or_default() += 1;
                    return Ok(Ticket {
                        database_id: database_id.to_string(),
                        open: self.open.clone(),
                    });
                }
                open.iter()
                    .filter(|(db, n)| db.as_str() != database_id && **n > mine)
                    .max_by_key(|(_, n)| **n)
                    .map(|(db, _)| db.clone())
            };
            match victim.and_then(|db| self.evict_oldest_idle(&db)) {
                Some(evicted) => drop(evicted),
                None => break,
            }
        }
        Err(json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "STREAM_LIMIT",
            format!(
                "the data endpoint holds its limit of {} open streams; close streams you no \
                 longer use (a close request, or a pipeline ending in close) and retry",
                limits.total
            ),
        ))
    }

    fn per_database_limit(&self, database_id: &str) -> DataError {
        json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "STREAM_LIMIT",
            format!(
                "database {database_id} already has {} open streams, its limit; close streams \
                 you no longer use (a close request, or a pipeline ending in close) or let them \
                 expire after {} s idle",
                self.limits.per_database,
                self.limits.idle.as_secs()
            ),
        )
    }

    fn evict_oldest_idle(&self, database_id: &str) -> Option<Parked> {
        let mut parked = lock(&self.parked);
        let baton = parked
            .iter()
            .filter(|(_, p)| p.database_id == database_id && p.slot.try_lock().is_ok())
            .min_by_key(|(_, p)| p.since)
            .map(|(b, _)| b.clone())?;
        tracing::info!(
            database_id,
            "closing an idle stream to stay within the stream limit"
        );
        parked.remove(&baton)
    }
}

/// A stream counted against the limits; dropping it gives the place back.
struct Ticket {
    database_id: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        if let Some(n) = open.get_mut(&self.database_id) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.database_id);
            }
        }
    }
}

//! Progress lines for large uploads: one at each quarter of the way, and
//! one every few seconds in between, so a slow upload never looks stuck.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comwit_client::package::{ProgressEvent, ProgressFn};

use crate::outcome::human_bytes;

/// Uploads from this much input on get progress lines.
pub const LARGE: u64 = 8 << 20;
const EVERY: Duration = Duration::from_secs(5);

struct State {
    started: Instant,
    last: Instant,
    next_quarter: u64,
}

/// A callback printing progress of `total` input bytes. `packing`: the
/// input is a directory being packed while it uploads (progress counts
/// bytes read; compressed bytes sent are shown beside it); otherwise a
/// prebuilt file (progress counts bytes sent).
pub fn printer(total: u64, packing: bool) -> Option<ProgressFn> {
    if total < LARGE {
        return None;
    }
    let state = Mutex::new(State {
        started: Instant::now(),
        last: Instant::now(),
        next_quarter: 1,
    });
    Some(Arc::new(move |event: &ProgressEvent| {
        let ProgressEvent::Progress(p) = event else {
            return;
        };
        let done = if packing { p.bytes_read } else { p.bytes_sent };
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        let quarter = done.saturating_mul(4) / total.max(1);
        let due = quarter >= s.next_quarter || s.last.elapsed() >= EVERY;
        if !due || s.next_quarter > 4 {
            return;
        }
        s.next_quarter = s.next_quarter.max(quarter + 1);
        s.last = Instant::now();
        let secs = s.started.elapsed().as_secs_f64().max(0.001);
        let pct = (done.saturating_mul(100) / total.max(1)).min(100);
        let line = if packing {
            format!(
                "upload: {pct:>3}% — packed {} of {}, sent {} compressed ({}/s)",
                human_bytes(p.bytes_read),
                human_bytes(total),
                human_bytes(p.bytes_sent),
                human_bytes((p.bytes_sent as f64 / secs) as u64),
            )
        } else {
            format!(
                "upload: {pct:>3}% — sent {} of {} ({}/s)",
                human_bytes(p.bytes_sent),
                human_bytes(total),
                human_bytes((p.bytes_sent as f64 / secs) as u64),
            )
        };
        println!("{line}");
    }))
}

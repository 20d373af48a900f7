//! When to deploy: pure rules, tested without a file system or a clock.
//!
//! A batch of changes fires after a quiet period with no new change, but
//! never later than a maximum wait after its first change (a file written
//! continuously still deploys). Deploys never overlap: changes that fire
//! during one queue exactly one follow-up.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Batcher {
    quiet: Duration,
    max_wait: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
    changes: usize,
}

impl Batcher {
    pub fn new(quiet: Duration, max_wait: Duration) -> Self {
        Self {
            quiet,
            max_wait: max_wait.max(quiet),
            first: None,
            last: None,
            changes: 0,
        }
    }

    /// A change happened at `at` (the time the file system reported it,
    /// so the watcher's own delay counts towards the quiet period).
    pub fn change(&mut self, at: Instant, count: usize) {
        self.first = Some(self.first.map_or(at, |f| f.min(at)));
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        self.changes += count;
    }

    /// When the pending batch fires, if there is one.
    pub fn deadline(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.quiet).min(first + self.max_wait))
    }

    /// Takes the batch if it is due at `now`: the number of changes in it.
    pub fn fire(&mut self, now: Instant) -> Option<usize> {
        if self.deadline()? > now {
            return None;
        }
        let n = self.changes;
        *self = Self::new(self.quiet, self.max_wait);
        Some(n)
    }
}

/// Whether a fired batch runs now, waits as the one follow-up, or joins the
/// follow-up already waiting.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    pub running: bool,
    pub queued: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Start,
    Queued,
    AlreadyQueued,
}

impl Queue {
    pub fn fired(&mut self) -> Next {
        if !self.running {
            self.running = true;
            Next::Start
        } else if self.queued {
            Next::AlreadyQueued
        } else {
            self.queued = true;
            Next::Queued
        }
    }

    /// A run ended; true when the queued follow-up starts now.
    pub fn finished(&mut self) -> bool {
        self.running = self.queued;
        std::mem::take(&mut self.queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_burst_fires_once_after_the_quiet_period() {
        let t0 = Instant::now();
        let mut b = Batcher::new(300 * MS, 10_000 * MS);
        assert_eq!(b.deadline(), None);
        for i in 0..1000 {
            b.change(t0 + i * MS, 1);
        }
        let last = t0 + 999 * MS;
        assert_eq!(b.deadline(), Some(last + 300 * MS));
        assert_eq!(b.fire(last + 299 * MS), None);
        assert_eq!(b.fire(last + 300 * MS), Some(1000));
        assert_eq!(b.deadline(), None, "the batch is gone");
    }

    #[test]
    fn continuous_writes_fire_at_the_maximum_wait() {
        let t0 = Instant::now();
        let mut b = Batcher::new(300 * MS, 1000 * MS);
        for i in 0..50 {
            b.change(t0 + i * 100 * MS, 1);
        }
        assert_eq!(b.deadline(), Some(t0 + 1000 * MS));
    }

    #[test]
    fn deploys_never_overlap_and_queue_one_follow_up() {
        let mut q = Queue::default();
        assert_eq!(q.fired(), Next::Start);
        assert_eq!(q.fired(), Next::Queued);
        assert_eq!(q.fired(), Next::AlreadyQueued);
        assert!(q.finished(), "the follow-up starts");
        assert!(q.running);
        assert!(!q.finished(), "nothing else waits");
        assert!(!q.running);
    }
}

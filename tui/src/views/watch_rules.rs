//! The delegation watcher's rules, kept pure so they are tested without a
//! clock or a network: when to check a domain next, which status changes
//! deserve a bell, and how to summarise what recursive resolvers see.

use std::collections::BTreeSet;
use std::time::Duration;

use comwit_client::delegation::{self, ServerAnswer, Verdict};

use comwit_client::models::DomainStatus;

/// A pending domain is re-checked soon after it is added (the user is at
/// the registrar right now), then less and less often.
pub const PENDING_FIRST: Duration = Duration::from_secs(5);
/// Registries can take hours: never wait longer than this while pending.
pub const PENDING_CAP: Duration = Duration::from_secs(5 * 60);
/// Managed domains only need watching for a lapse.
pub const MANAGED_EVERY: Duration = Duration::from_secs(10 * 60);

/// How long to wait before the next check of a domain in `status`, when
/// `attempt` checks in a row have already found it not managed (0 after
/// the first one): 5 s, 10 s, 20 s, … capped at 5 min; managed domains
/// every 10 min.
pub fn next_delay(status: &DomainStatus, attempt: u32) -> Duration {
    if *status == DomainStatus::Managed {
        return MANAGED_EVERY;
    }
    // 2^6 × 5 s is past the cap already; clamping the shift avoids overflow.
    let factor = 1u32 << attempt.min(6);
    (PENDING_FIRST * factor).min(PENDING_CAP)
}

/// What a status change means to the person watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    /// The registrar points at the zone now: records can be written.
    BecameManaged,
    /// A managed domain lost its delegation: records stop resolving.
    Lapsed,
}

pub fn change(before: &DomainStatus, after: &DomainStatus) -> Change {
    let managed = DomainStatus::Managed;
    match (*before == managed, *after == managed) {
        (false, true) => Change::BecameManaged,
        (true, false) => Change::Lapsed,
        _ => Change::Unchanged,
    }
}

/// After a check that found `status`: how long to wait for the next one,
/// and the back-off step to keep. `attempt` counts the checks in a row
/// that found the domain not managed; a lapse starts again from 5 s.
pub fn after_check(attempt: u32, status: &DomainStatus, change: Change) -> (Duration, u32) {
    if *status == DomainStatus::Managed {
        return (MANAGED_EVERY, 0);
    }
    let step = if change == Change::Lapsed { 0 } else { attempt };
    (next_delay(status, step), step.saturating_add(1))
}

/// What recursive resolvers return for the domain's NS: cached data, a
/// hint of propagation, never the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Propagation {
    /// Resolvers returning exactly the zone's nameservers.
    pub seeing: usize,
    pub total: usize,
    /// "1/2 resolvers see the zone (1 failed)".
    pub summary: String,
}

/// Counts the resolvers that already see the zone, and says what the
/// others answer.
pub fn propagation(expected: &[String], answers: &[ServerAnswer]) -> Propagation {
    if answers.is_empty() {
        return Propagation {
            seeing: 0,
            total: 0,
            summary: "no resolvers to ask".into(),
        };
    }
    let expected: BTreeSet<String> = expected
        .iter()
        .filter_map(|n| delegation::normalise(n).ok())
        .collect();
    let (mut seeing, mut other, mut nothing, mut failed) = (0, 0, 0, 0);
    for a in answers {
        match &a.nameservers {
            Err(_) => failed += 1,
            Ok(ns) if ns.is_empty() => nothing += 1,
            Ok(ns) => {
                let observed: BTreeSet<String> = ns.iter().cloned().collect();
                if delegation::classify(&expected, &observed) == Verdict::Delegated {
                    seeing += 1;
                } else {
                    other += 1;
                }
            }
        }
    }
    let mut text = format!("{seeing}/{} resolvers see the zone", answers.len());
    let extra: Vec<String> = [
        (other, "other nameservers cached"),
        (nothing, "no answer yet"),
        (failed, "failed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !extra.is_empty() {
        text.push_str(&format!(" ({})", extra.join(", ")));
    }
    Propagation {
        seeing,
        total: answers.len(),
        summary: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PENDING: &DomainStatus = &DomainStatus::PendingDelegation;
    const MANAGED: &DomainStatus = &DomainStatus::Managed;

    #[test]
    fn pending_domains_back_off_to_five_minutes() {
        let waits: Vec<u64> = (0..9).map(|a| next_delay(PENDING, a).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(next_delay(PENDING, u32::MAX), PENDING_CAP, "no overflow");
        assert_eq!(next_delay(MANAGED, 0), MANAGED_EVERY);
        assert_eq!(
            next_delay(MANAGED, 7),
            MANAGED_EVERY,
            "managed is not backed off"
        );
    }

    #[test]
    fn checks_in_a_row_back_off_and_managed_or_a_lapse_reset() {
        // A pending domain checked again and again.
        let mut attempt = 0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            let (wait, next) = after_check(attempt, PENDING, Change::Unchanged);
            waits.push(wait.as_secs());
            attempt = next;
        }
        assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 300, 300]);
        // It becomes managed: a slow fixed schedule, the step reset.
        assert_eq!(
            after_check(attempt, MANAGED, Change::BecameManaged),
            (MANAGED_EVERY, 0)
        );
        // A lapse starts again from the shortest wait, even with a stale step.
        assert_eq!(
            after_check(5, PENDING, Change::Lapsed),
            (Duration::from_secs(5), 1)
        );
        assert_eq!(
            after_check(u32::MAX, PENDING, Change::Unchanged).1,
            u32::MAX
        );
    }

    #[test]
    fn only_crossing_managed_is_a_change() {
        assert_eq!(change(PENDING, MANAGED), Change::BecameManaged);
        assert_eq!(change(MANAGED, PENDING), Change::Lapsed);
        assert_eq!(change(MANAGED, MANAGED), Change::Unchanged);
        assert_eq!(change(PENDING, PENDING), Change::Unchanged);
        assert_eq!(
            change(&DomainStatus::Other(String::new()), MANAGED),
            Change::BecameManaged
        );
    }

    fn answer(ns: Result<&[&str], &str>) -> ServerAnswer {
        ServerAnswer {
            server: "127.0.0.1:53".parse().unwrap(),
            nameservers: ns
                .map(|v| v.iter().map(|s| s.to_string()).collect())
                .map_err(str::to_string),
            nxdomain: false,
        }
    }

    #[test]
    fn propagation_counts_resolvers_that_see_the_zone() {
        let expected = vec![
            "NS-1.example.com.".to_string(),
            "ns-2.example.net".to_string(),
        ];
        let both: &[&str] = &["ns-1.example.com", "ns-2.example.net"];
        let old: &[&str] = &["ns.old-host.example"];
        let none: &[&str] = &[];
        let all = propagation(&expected, &[answer(Ok(both)), answer(Ok(both))]);
        assert_eq!((all.seeing, all.total), (2, 2));
        assert_eq!(all.summary, "2/2 resolvers see the zone");
        let mixed = propagation(
            &expected,
            &[
                answer(Ok(both)),
                answer(Ok(old)),
                answer(Ok(none)),
                answer(Err("timeout")),
            ],
        );
        assert_eq!(
            mixed.summary,
            "1/4 resolvers see the zone (1 other nameservers cached, 1 no answer yet, 1 failed)"
        );
        assert_eq!(propagation(&expected, &[]).summary, "no resolvers to ask");
    }
}

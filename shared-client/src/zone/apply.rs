//! Applying a plan, in its order: deletes first (they free names the
//! creates may need: a CNAME shares its name with nothing), then updates,
//! then creates. Each change is reported as it is done; the first refusal
//! stops the run with the platform's own detail and the count done so
//! far. Creates and updates are not retry-safe: when the answer to one is
//! lost, the zone is read again and the change sent once more only if it
//! is not there yet.

use super::RecordSet;
use super::plan::{Change, Plan};
use crate::api::domains::Records;
use crate::models::{NewRecord, RecordUpdate};
use crate::rules::relative;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "{change} was refused: {detail} ({done} change(s) applied before it; the rest were not sent)"
    )]
    Refused {
        change: String,
        detail: String,
        done: usize,
    },
}

/// Applies `plan` through `records`; `report` hears each change done.
pub async fn apply(
    records: &Records<'_>,
    plan: &Plan,
    mut report: impl FnMut(&str),
) -> Result<usize, ApplyError> {
    let mut done = 0;
    for change in &plan.changes {
        let what = describe(&plan.zone, change);
        let sent = match change {
            Change::Delete { id, .. } => records.delete(id).await.map(|_| ()),
            Change::Update { id, set, .. } => {
                once_more_if_lost(records, set, || update(records, id, set)).await
            }
            Change::Create { set } => {
                once_more_if_lost(records, set, || create(records, &plan.zone, set)).await
            }
            Change::Unchanged { .. } | Change::Locked { .. } => continue,
        };
        if let Err(e) = sent {
            return Err(ApplyError::Refused {
                change: what,
                detail: e.to_string(),
                done,
            });
        }
        done += 1;
        report(&what);
    }
    Ok(done)
}

/// "created www A", "deleted mail A".
fn describe(zone: &str, change: &Change) -> String {
    let set = change.set();
    let verb = match change {
        Change::Create { .. } => "created",
        Change::Update { .. } => "updated",
        Change::Delete { .. } => "deleted",
        Change::Unchanged { .. } => "left",
        Change::Locked { .. } => "left (locked)",
    };
    format!("{verb} {} {}", relative(zone, &set.name), set.kind)
}

async fn create(records: &Records<'_>, zone: &str, set: &RecordSet) -> crate::Result<()> {
    let new = NewRecord {
        name: relative(zone, &set.name),
        kind: set.kind.clone(),
        ttl: Some(set.ttl),
        values: set.values.clone(),
    };
    records.create(&new).await.map(|_| ())
}

async fn update(records: &Records<'_>, id: &str, set: &RecordSet) -> crate::Result<()> {
    let change = RecordUpdate {
        ttl: Some(set.ttl),
        values: Some(set.values.clone()),
        ..RecordUpdate::default()
    };
    records.update(id, &change).await.map(|_| ())
}

/// Sends `call`; when its answer is lost, reads the zone and sends it once
/// more only if `set` is not there as planned.
async fn once_more_if_lost<F, Fut>(
    records: &Records<'_>,
    set: &RecordSet,
    call: F,
) -> crate::Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = crate::Result<()>>,
{
    match call().await {
        Err(e) if e.is_transport() => {
            let now = records.list().await?;
            let there = now
                .iter()
                .map(RecordSet::of)
                .any(|s| s.key() == set.key() && s.ttl == set.ttl && s.same_values(set));
            if there { Ok(()) } else { call().await }
        }
        other => other,
    }
}

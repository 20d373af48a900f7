//! After an apply: asks the zone's authoritative server for every record
//! set of the plan until each answers as planned (a deleted one: no answer
//! of its type), or the time is up. The apex alias is served as its
//! target's addresses, so it is not compared.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::rr::{Name, RecordType};

use super::plan::{Change, Plan};
use crate::rules::relative;

/// What is still not answered as planned when the time is up.
pub async fn verify(server: SocketAddr, plan: &Plan, within: Duration) -> Result<(), Vec<String>> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut wrong = Vec::new();
        for change in &plan.changes {
            if let Some(why) = mismatch(server, &plan.zone, change).await {
                wrong.push(why);
            }
        }
        if wrong.is_empty() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(wrong);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Why `change`'s record set is not answered as planned, if it is not.
async fn mismatch(server: SocketAddr, zone: &str, change: &Change) -> Option<String> {
    let (set, planned) = match change {
        Change::Delete { set, .. } => (set, BTreeSet::new()),
        Change::Create { set } | Change::Update { set, .. } | Change::Unchanged { set } => {
            (set, normal(&set.values))
        }
        Change::Locked { .. } => return None,
    };
    let rtype = match set.kind.as_str() {
        "A" => RecordType::A,
        "AAAA" => RecordType::AAAA,
        "CNAME" => RecordType::CNAME,
        "MX" => RecordType::MX,
        "TXT" => RecordType::TXT,
        _ => return None,
    };
    let name = relative(zone, &set.name);
    let answered = match answers(server, &set.name, rtype).await {
        Ok(values) => values,
        Err(e) => return Some(format!("{name} {}: {e}", set.kind)),
    };
    (answered != planned).then(|| {
        let shown = |v: &BTreeSet<String>| {
            if v.is_empty() {
                "nothing".to_string()
            } else {
                v.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        format!(
            "{name} {}: answers {}, planned {}",
            set.kind,
            shown(&answered),
            shown(&planned)
        )
    })
}

fn normal(values: &[String]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| v.trim_end_matches('.').to_ascii_lowercase())
        .collect()
}

/// The server's answers of `rtype` for `name`, as the platform writes them.
async fn answers(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
) -> Result<BTreeSet<String>, String> {
    let owner =
        Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).map_err(|e| e.to_string())?;
    let reply =
        crate::delegation::query(server, &owner, rtype, false, Duration::from_secs(2)).await?;
    let values: Vec<String> = reply
        .answers
        .iter()
        .filter(|r| r.record_type() == rtype)
        .filter_map(|r| super::read::value(&r.data).ok())
        .collect();
    Ok(normal(&values))
}

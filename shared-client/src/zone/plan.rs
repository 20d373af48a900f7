//! What applying a zone file would change, record set by record set
//! (a name and a type): create, update (values or TTL), delete, unchanged,
//! and locked — a platform-owned record the file also names, which is
//! never touched.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RecordSet;
use super::read::Read;
use crate::models::Record;
use crate::rules::relative;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    Create {
        set: RecordSet,
    },
    Update {
        id: String,
        before: RecordSet,
        set: RecordSet,
    },
    Delete {
        id: String,
        set: RecordSet,
    },
    Unchanged {
        set: RecordSet,
    },
    /// A platform-owned record: left as it is, whatever the file says.
    Locked {
        set: RecordSet,
    },
}

impl Change {
    pub fn set(&self) -> &RecordSet {
        match self {
            Change::Create { set }
            | Change::Update { set, .. }
            | Change::Delete { set, .. }
            | Change::Unchanged { set }
            | Change::Locked { set } => set,
        }
    }

    /// How it reads in a plan: a mark and a word.
    fn label(&self) -> &'static str {
        match self {
            Change::Create { .. } => "+ create   ",
            Change::Update { .. } => "~ update   ",
            Change::Delete { .. } => "- delete   ",
            Change::Unchanged { .. } => "= unchanged",
            Change::Locked { .. } => "! locked   ",
        }
    }

    /// A create, an update or a delete.
    pub fn changes_something(&self) -> bool {
        matches!(
            self,
            Change::Create { .. } | Change::Update { .. } | Change::Delete { .. }
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub zone: String,
    pub changes: Vec<Change>,
    /// What reading the file skipped.
    pub notices: Vec<String>,
}

/// The plan for making `current` (the platform's records) what `file` says.
pub fn plan(zone: &str, current: &[Record], file: &Read) -> Plan {
    let mut own: BTreeMap<(String, String), (String, RecordSet)> = BTreeMap::new();
    let mut locked = BTreeMap::new();
    for record in current {
        let set = RecordSet::of(record);
        if record.is_platform_owned() {
            locked.insert(set.key(), set);
        } else {
            own.insert(set.key(), (record.id.clone(), set));
        }
    }
    let mut changes = Vec::new();
    for set in &file.sets {
        let key = set.key();
        let change = if locked.contains_key(&key) {
            Change::Locked { set: set.clone() }
        } else {
            match own.remove(&key) {
                None => Change::Create { set: set.clone() },
                Some((_, before)) if before.ttl == set.ttl && before.same_values(set) => {
                    Change::Unchanged { set: set.clone() }
                }
                Some((id, before)) => Change::Update {
                    id,
                    before,
                    set: set.clone(),
                },
            }
        };
        changes.push(change);
    }
    changes.extend(
        own.into_values()
            .map(|(id, set)| Change::Delete { id, set }),
    );
    // Deletes first (they free names creates may need), then the rest.
    changes.sort_by_key(|c| match c {
        Change::Delete { .. } => 0,
        Change::Update { .. } => 1,
        Change::Create { .. } => 2,
        Change::Unchanged { .. } => 3,
        Change::Locked { .. } => 4,
    });
    Plan {
        zone: zone.to_string(),
        changes,
        notices: file.notices.clone(),
    }
}

impl Plan {
    pub fn changes_anything(&self) -> bool {
        self.changes.iter().any(Change::changes_something)
    }

    /// The plan for a person: a line per record set, then the counts.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for notice in &self.notices {
            out.push_str(&format!("note: {notice}\n"));
        }
        for change in &self.changes {
            out.push_str(&self.line(change));
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// One change as a line of the plan: `+ create    www  A  300  1.2.3.4`.
    pub fn line(&self, change: &Change) -> String {
        let set = change.set();
        let mut line = format!("{} {}", change.label(), self.describe(set));
        match change {
            Change::Update { before, .. } => line.push_str(&format!(
                "   (was {} {})",
                before.ttl,
                before.values.join(", ")
            )),
            Change::Locked { .. } => line.push_str("   (a platform record: left as it is)"),
            _ => {}
        }
        line.trim_end().to_string()
    }

    fn describe(&self, set: &RecordSet) -> String {
        let name = relative(&self.zone, &set.name);
        format!(
            "{name:<20} {:<7} {:<6} {}",
            set.kind,
            set.ttl,
            set.values.join(", ")
        )
    }

    /// `2 to create, 1 to update, 0 to delete, 5 unchanged, 1 locked`.
    pub fn summary(&self) -> String {
        let count = |f: fn(&Change) -> bool| self.changes.iter().filter(|c| f(c)).count();
        format!(
            "{} to create, {} to update, {} to delete, {} unchanged, {} locked and left alone",
            count(|c| matches!(c, Change::Create { .. })),
            count(|c| matches!(c, Change::Update { .. })),
            count(|c| matches!(c, Change::Delete { .. })),
            count(|c| matches!(c, Change::Unchanged { .. })),
            count(|c| matches!(c, Change::Locked { .. })),
        )
    }
}

//! Exporting a result in full when it had more rows than the console
//! keeps ([`MAX_ROWS`](super::runner::MAX_ROWS)): its query runs again
//! through the cursor and every row goes straight into the file as it
//! arrives, so memory stays flat however many rows there are.

use std::path::PathBuf;
use std::sync::Arc;

use comwit_client::sql::SqlSession;
use comwit_client::sql::statements;
use tokio::sync::Mutex;

use super::export::{self, Destination, Format, Writer, write_error};
use super::runner::{PROGRESS_EVERY, ResultSet};
use super::{count, plural};

/// Which rows an export writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every row is kept in memory: those.
    Kept,
    /// Rows were cut at the cap and the statement is a plain query: it
    /// runs again, streamed into the file.
    Rerun,
    /// Rows were cut, and the statement is not run again (the reason).
    KeptOnly(String),
}

/// Only plain queries (`SELECT`, `VALUES`, `WITH … SELECT`) are run
/// again: anything else may write or change the session, and an export
/// must not do either.
pub fn scope(data: &ResultSet) -> Scope {
    if data.rows.len() as u64 >= data.total_rows {
        Scope::Kept
    } else if statements::is_query(&data.sql) {
        Scope::Rerun
    } else {
        let word = match statements::first_keyword(&data.sql) {
            w if w.is_empty() => "the statement".to_string(),
            w if w.starts_with(['A', 'E', 'I', 'O', 'U']) => format!("an {w} statement"),
            w => format!("a {w} statement"),
        };
        Scope::KeptOnly(format!(
            "{word} is not run again for an export (only SELECT, VALUES and WITH … SELECT \
             are, as anything else may write or change the session)"
        ))
    }
}

/// What the export dialog says it will write.
pub fn describe(data: &ResultSet, scope: &Scope) -> String {
    let (kept, total) = (data.rows.len() as u64, data.total_rows);
    match scope {
        Scope::Kept => format!("{} row{}", count(kept), plural(kept)),
        Scope::Rerun => format!(
            "All {} rows, not only the {} kept: the query runs again and streams into the \
             file (so it shows the data as it is now)",
            count(total),
            count(kept)
        ),
        Scope::KeptOnly(why) => format!(
            "The first {} of {} rows (those kept in memory): {why}",
            count(kept),
            count(total)
        ),
    }
}

/// A finished export, for the toast.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub path: String,
    pub format: Format,
    pub rows: u64,
    pub rerun: bool,
}

impl Exported {
    pub fn message(&self) -> String {
        format!(
            "exported {} row{} to {} ({}, blobs as {}){}",
            count(self.rows),
            plural(self.rows),
            self.path,
            self.format.name(),
            export::BLOB_ENCODING,
            if self.rerun {
                "; the query ran again for every row"
            } else {
                ""
            }
        )
    }
}

/// Runs `sql` again on the session and writes every row to `path` as it
/// arrives (atomically, as [`export::export`] does). The header comes
/// from the `columns` shown; a result whose columns changed since is not
/// kept. `progress` hears the rows written so far, now and then. Returns
/// the format and the rows written.
///
/// The rows are written from the stream's callback: buffered writes to a
/// local file, on a spawned task (the UI loop does not wait for them).
pub async fn export_all(
    session: Arc<Mutex<SqlSession>>,
    sql: String,
    columns: Vec<String>,
    path: PathBuf,
    progress: impl Fn(u64),
) -> Result<(Format, u64), String> {
    let format = Format::for_path(&path)?;
    let fail = |e| write_error(&path, e);
    let file = Destination::beside(&path)?;
    let mut writer = Writer::start(file.writer()?, format, &columns).map_err(fail)?;
    let (mut failed, mut written) = (None, 0u64);
    let streamed = session
        .lock()
        .await
        .stream(&sql, |row| {
            if failed.is_none() {
                failed = writer.row(&row).err();
                written += 1;
                if written.is_multiple_of(PROGRESS_EVERY) {
                    progress(written);
                }
            }
        })
        .await;
    if let Some(e) = failed {
        return Err(fail(e));
    }
    let (now, _) = streamed.map_err(|e| format!("running the query again failed: {e}"))?;
    if now != columns {
        return Err(format!(
            "the query's columns changed since it ran ({} now): run it again, then export",
            now.join(", ")
        ));
    }
    let (out, rows) = writer.finish().map_err(fail)?;
    file.commit(out)?;
    Ok((format, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comwit_client::sql::SqlValue;

    fn result(sql: &str, kept: usize, total: u64) -> ResultSet {
        let rows = (0..kept as i64).map(|n| vec![SqlValue::Integer(n)]);
        ResultSet {
            total_rows: total,
            ..ResultSet::of(sql, &["n"], rows.collect())
        }
    }

    #[test]
    fn only_cut_queries_run_again() {
        assert_eq!(scope(&result("select n from t", 3, 3)), Scope::Kept);
        let cut = result("with c as (select 1) select * from c", 3, 10);
        assert_eq!(scope(&cut), Scope::Rerun);
        assert!(describe(&cut, &Scope::Rerun).starts_with("All 10 rows, not only the 3 kept"));
        let returning = result("insert into t select n from u returning n", 3, 10);
        let Scope::KeptOnly(why) = scope(&returning) else {
            panic!("an INSERT … RETURNING is not run again")
        };
        assert!(
            why.starts_with("an INSERT statement is not run again"),
            "{why}"
        );
        let said = describe(&returning, &scope(&returning));
        assert!(said.starts_with("The first 3 of 10 rows"), "{said}");
    }
}

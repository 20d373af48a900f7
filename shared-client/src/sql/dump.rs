//! `.dump`: a database's schema and rows as SQL text in `sqlite3 .dump`
//! form, written as the rows stream in through the cursor (one row in
//! memory at a time), in a deterministic order: each table followed by
//! its rows in rowid order (primary-key order for `WITHOUT ROWID`), then
//! the indexes, triggers and views, in the order they were created.
//!
//! `sqlite_`-internal tables are left out: libSQL rejects writes to
//! `sqlite_sequence` (the seeds' migration guide strips them), so an
//! `AUTOINCREMENT` counter restarts from the largest rowid on import.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::{SqlError, SqlSession, SqlValue};

#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("{0}")]
    Sql(#[from] SqlError),
    #[error("writing the dump: {0}")]
    Io(#[from] std::io::Error),
}

/// What a dump wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DumpStats {
    pub tables: usize,
    pub rows: u64,
}

/// One entry of `sqlite_master`.
struct SchemaEntry {
    kind: String,
    name: String,
    sql: String,
}

/// Writes the dump of the database behind `session` to `out`.
pub async fn dump(session: &mut SqlSession, out: &mut impl Write) -> Result<DumpStats, DumpError> {
    let schema = schema(session).await?;
    out.write_all(b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")?;
    let mut stats = DumpStats::default();
    for entry in schema.iter().filter(|e| e.kind == "table") {
        writeln!(out, "{};", entry.sql)?;
        if is_virtual(&entry.sql) {
            continue;
        }
        stats.tables += 1;
        stats.rows += rows(session, entry, out).await?;
    }
    for entry in schema.iter().filter(|e| e.kind != "table") {
        writeln!(out, "{};", entry.sql)?;
    }
    out.write_all(b"COMMIT;\n")?;
    out.flush()?;
    Ok(stats)
}

/// Dumps into a temporary file beside `path`, put in its place only once
/// complete: a failed dump leaves an earlier file as it was.
pub async fn dump_to_file(session: &mut SqlSession, path: &Path) -> Result<DumpStats, DumpError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let file = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
    let mut writer = std::io::BufWriter::new(file);
    let stats = dump(session, &mut writer).await?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(stats)
}

async fn schema(session: &mut SqlSession) -> Result<Vec<SchemaEntry>, SqlError> {
    let listed = session
        .execute(
            "SELECT type, name, sql FROM sqlite_master \
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
            &[],
        )
        .await?;
    Ok(listed
        .rows
        .into_iter()
        .filter_map(|row| match <[SqlValue; 3]>::try_from(row).ok()? {
            [
                SqlValue::Text(kind),
                SqlValue::Text(name),
                SqlValue::Text(sql),
            ] => Some(SchemaEntry { kind, name, sql }),
            _ => None,
        })
        .collect())
}

fn is_virtual(create: &str) -> bool {
    let words: Vec<String> = create
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    words == ["CREATE", "VIRTUAL"]
}

/// Streams `table`'s rows into `INSERT` statements; returns how many.
async fn rows(
    session: &mut SqlSession,
    table: &SchemaEntry,
    out: &mut impl Write,
) -> Result<u64, DumpError> {
    let columns = stored_columns(session, &table.name).await?;
    let name = quote_ident(&table.name);
    let (select, insert) = match &columns {
        // Generated columns are computed again on import: name the others.
        Some(columns) => {
            let list = columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>();
            let list = list.join(",");
            (list.clone(), format!("INSERT INTO {name}({list}) VALUES("))
        }
        None => ("*".to_string(), format!("INSERT INTO {name} VALUES(")),
    };
    let order = if table.sql.to_ascii_uppercase().contains("WITHOUT ROWID") {
        ""
    } else {
        " ORDER BY rowid"
    };
    let query = format!("SELECT {select} FROM {name}{order}");
    let mut line = String::new();
    let mut failed: Option<std::io::Error> = None;
    let (_, count) = session
        .stream(&query, |row| {
            if failed.is_some() {
                return;
            }
            line.clear();
            line.push_str(&insert);
            for (i, value) in row.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                literal(value, &mut line);
            }
            line.push_str(");\n");
            if let Err(e) = out.write_all(line.as_bytes()) {
                failed = Some(e);
            }
        })
        .await?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(count),
    }
}

/// The columns stored in `table` when some are generated (hidden 2 or 3
/// in `table_xinfo`); `None` when every column is stored.
async fn stored_columns(
    session: &mut SqlSession,
    table: &str,
) -> Result<Option<Vec<String>>, SqlError> {
    let info = session
        .execute(
            &format!(
                "SELECT name, hidden FROM pragma_table_xinfo({})",
                quote_text(table)
            ),
            &[],
        )
        .await?;
    let mut stored = Vec::new();
    let mut generated = false;
    for row in info.rows {
        match row.as_slice() {
            [SqlValue::Text(name), SqlValue::Integer(0)] => stored.push(name.clone()),
            _ => generated = true,
        }
    }
    Ok(generated.then_some(stored))
}

/// `"name"`, with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`, with inner quotes doubled.
fn quote_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `value` as an SQL literal that reads back as the same value and type.
pub fn literal(value: &SqlValue, out: &mut String) {
    match value {
        SqlValue::Null => out.push_str("NULL"),
        SqlValue::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        // `{:?}` is the shortest text that reads back as the same double,
        // and keeps a `.0` or an exponent, so it stays a REAL.
        SqlValue::Float(x) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "1e999" } else { "-1e999" })
        }
        SqlValue::Float(x) => {
            let _ = write!(out, "{x:?}");
        }
        // A NUL cannot appear in a string literal: spell the bytes.
        SqlValue::Text(t) if t.contains('\0') => {
            out.push_str("CAST(");
            hex(t.as_bytes(), out);
            out.push_str(" AS TEXT)");
        }
        SqlValue::Text(t) => {
            out.push('\'');
            out.push_str(&t.replace('\'', "''"));
            out.push('\'');
        }
        SqlValue::Blob(b) => hex(b, out),
    }
}

fn hex(bytes: &[u8], out: &mut String) {
    out.push_str("X'");
    for b in bytes {
        let _ = write!(out, "{b:02X}");
    }
    out.push('\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(v: SqlValue) -> String {
        let mut s = String::new();
        literal(&v, &mut s);
        s
    }

    #[test]
    fn literals_read_back_as_the_same_type_and_value() {
        assert_eq!(lit(SqlValue::Null), "NULL");
        assert_eq!(lit(SqlValue::Integer(i64::MAX)), "9223372036854775807");
        assert_eq!(lit(SqlValue::Float(1.0)), "1.0");
        assert_eq!(lit(SqlValue::Float(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(lit(SqlValue::Float(1e300)), "1e300");
        assert_eq!(lit(SqlValue::Float(f64::NEG_INFINITY)), "-1e999");
        assert_eq!(lit(SqlValue::Text("it's\nhere".into())), "'it''s\nhere'");
        assert_eq!(
            lit(SqlValue::Text("a\0b".into())),
            "CAST(X'610062' AS TEXT)"
        );
        assert_eq!(lit(SqlValue::Blob(vec![0, 255])), "X'00FF'");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
    }
}

//! What a database token may do to the connection it gets: SQL on its own
//! database and nothing else. sqld refuses `ATTACH`; so do we, and with it
//! everything that reaches other files (`VACUUM INTO`, file pragmas) or
//! reveals where files live (`PRAGMA database_list`). Every stream's
//! connection goes through [`harden`] before it runs a byte of caller SQL,
//! whichever request type carries that SQL.

use rusqlite::Connection;
use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;

/// Pragmas a caller may run (as `PRAGMA x` or `pragma_x(...)`): schema
/// introspection ORMs and migration tools use, and per-connection
/// behaviour switches. Everything else is refused, because the rest name
/// files (`database_list`, `temp_store_directory`, `data_store_directory`),
/// change how the shared file is stored or locked (`journal_mode`,
/// `locking_mode`, `mmap_size`, `wal_checkpoint`, `writable_schema`), or
/// change the whole process (`soft_heap_limit`, `hard_heap_limit`,
/// `threads`, `shrink_memory`).
const ALLOWED_PRAGMAS: &[&str] = &[
    "analysis_limit",
    "application_id",
    "auto_vacuum",
    "automatic_index",
    "busy_timeout",
    "cache_size",
    "case_sensitive_like",
    "cell_size_check",
    "collation_list",
    "defer_foreign_keys",
    "encoding",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "freelist_count",
    "function_list",
    "ignore_check_constraints",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "legacy_alter_table",
    "max_page_count",
    "module_list",
    "optimize",
    "page_count",
    "page_size",
    "pragma_list",
    "query_only",
    "quick_check",
    "recursive_triggers",
    "reverse_unordered_selects",
    "schema_version",
    "secure_delete",
    "table_info",
    "table_list",
    "table_xinfo",
    "temp_store",
    "trusted_schema",
    "user_version",
];

/// SQL functions that load code or reach outside the database.
const DENIED_FUNCTIONS: &[&str] = &["load_extension", "fts3_tokenizer"];

/// Limits the connection to its own database file. Call it after the
/// sandbox's own setup pragmas (WAL) and before any caller SQL.
pub fn harden(conn: &Connection) -> rusqlite::Result<()> {
    // No ATTACH at all, whatever the authorizer says: this is also what
    // stops `VACUUM INTO`, which attaches its target file internally.
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    // No writes to sqlite_schema and no shadow-table tricks that corrupt
    // the file; schema code does not run functions it was not written with.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.authorizer(Some(authorize));
    Ok(())
}

fn authorize(ctx: AuthContext<'_>) -> Authorization {
    if allowed(&ctx.action) {
        Authorization::Allow
    } else {
        Authorization::Deny
    }
}

/// The rule, in one place.
fn allowed(action: &AuthAction<'_>) -> bool {
    match action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => false,
        AuthAction::Pragma { pragma_name, .. } => is_allowed_pragma(pragma_name),
        AuthAction::Function { function_name } => !DENIED_FUNCTIONS
            .iter()
            .any(|f| f.eq_ignore_ascii_case(function_name)),
        _ => true,
    }
}

fn is_allowed_pragma(name: &str) -> bool {
    ALLOWED_PRAGMAS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// The message for a refused statement (SQLite only says "not
/// authorized"): what is refused here and why.
pub const REFUSED: &str = "not authorized: the data endpoint runs SQL on this database only; \
     ATTACH/DETACH, VACUUM INTO, load_extension and pragmas that name files, change how the file \
     is stored or affect the whole server are refused";

#[cfg(test)]
mod tests {
    use super::*;

    fn hardened() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        harden(&conn).unwrap();
        conn
    }

    /// Refused: an error, and one that names neither the file nor a path.
    fn refused(conn: &Connection, sql: &str, dir: &std::path::Path) -> bool {
        match conn.execute_batch(sql) {
            Err(e) => !e.to_string().contains(&*dir.to_string_lossy()),
            Ok(()) => false,
        }
    }

    #[test]
    fn attach_vacuum_into_and_path_pragmas_are_refused() {
        let conn = hardened();
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.db");
        for sql in [
            format!("ATTACH '{}' AS x", other.display()),
            "ATTACH ':memory:' AS m".to_string(),
            format!("VACUUM INTO '{}'", other.display()),
            "PRAGMA database_list".to_string(),
            "SELECT * FROM pragma_database_list".to_string(),
            "PRAGMA temp_store_directory = '/tmp'".to_string(),
            "PRAGMA journal_mode = DELETE".to_string(),
            "PRAGMA locking_mode = EXCLUSIVE".to_string(),
            "PRAGMA writable_schema = 1".to_string(),
            "PRAGMA soft_heap_limit = 1".to_string(),
            "SELECT load_extension('/tmp/x')".to_string(),
        ] {
            assert!(refused(&conn, &sql, dir.path()), "{sql} must be refused");
        }
        assert!(!other.exists(), "nothing was written outside the database");
    }

    #[test]
    fn ordinary_sql_and_introspection_pragmas_still_work() {
        let conn = hardened();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
             INSERT INTO t (v) VALUES ('a');
             PRAGMA foreign_keys = ON;
             PRAGMA user_version = 3;
             CREATE TEMP TABLE scratch (x);
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10)
               SELECT count(*) FROM c;",
        )
        .unwrap();
        let cols: i64 = conn
            .query_row("SELECT count(*) FROM pragma_table_info('t')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(cols, 2);
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 3);
    }
}

//! Executing Hrana requests on one SQLite connection (one stream).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};

use super::interrupt::Interrupt;
use super::proto::{
    Batch, BatchCond, BatchResult, Col, CursorEntry, DescribeCol, DescribeParam, DescribeResult,
    HranaError, Stmt, StmtResult, StreamRequest, StreamResponse, Value,
};

/// A stream's connection and its stored SQL texts.
pub struct Session {
    pub conn: Connection,
    sqls: HashMap<i32, String>,
    /// Inside `BEGIN TRANSACTION READONLY` (SQLite has no such syntax; it
    /// is emulated with `query_only` for the transaction's lifetime).
    readonly_tx: bool,
    pub counters: Counters,
    interrupt: Arc<Interrupt>,
}

/// Usage for `GET /v1/databases/{db}/usage`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counters {
    pub queries: u64,
    pub rows_read: u64,
    pub rows_written: u64,
}

/// SQLite's primary result code name, as libSQL servers report it.
fn code_name(extended: i32) -> &'static str {
    match extended & 0xff {
        2 => "SQLITE_INTERNAL",
        3 => "SQLITE_PERM",
        4 => "SQLITE_ABORT",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        9 => "SQLITE_INTERRUPT",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        18 => "SQLITE_TOOBIG",
        19 => "SQLITE_CONSTRAINT",
        20 => "SQLITE_MISMATCH",
        21 => "SQLITE_MISUSE",
        23 => "SQLITE_AUTH",
        25 => "SQLITE_RANGE",
        _ => "SQLITE_ERROR",
    }
}

fn sql_error(e: &rusqlite::Error) -> HranaError {
    let (code, message) = match e {
        rusqlite::Error::SqliteFailure(f, msg) => (
            f.extended_code,
            msg.clone().unwrap_or_else(|| f.to_string()),
        ),
        rusqlite::Error::SqlInputError { error, .. } => (error.extended_code, e.to_string()),
        rusqlite::Error::MultipleStatement => {
            return HranaError::new(
                "SQL_MULTIPLE_STATEMENTS",
                "SQL string contains more than one statement; use a batch or a sequence",
            );
        }
        other => return HranaError::new("SQLITE_ERROR", other.to_string()),
    };
    if refused_by_harden(code, &message) {
        return HranaError::new("SQLITE_AUTH", super::harden::REFUSED);
    }
    HranaError::new(code_name(code), message)
}

/// Refused by the authorizer (SQLITE_AUTH, or "not authorized" for a
/// function refused while preparing), or an ATTACH — VACUUM INTO attaches
/// its target — over the limit of zero attached databases.
fn refused_by_harden(code: i32, message: &str) -> bool {
    code & 0xff == 23
        || message.starts_with("not authorized")
        || message.starts_with("too many attached databases")
}

fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn to_sql(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Integer(n) => V::Integer(*n),
        Value::Float(f) => V::Real(*f),
        Value::Text(t) => V::Text(t.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

/// `BEGIN TRANSACTION READONLY` / `BEGIN READONLY`, as JS clients send it.
/// Reads at most four tokens, whatever the statement's size.
fn is_begin_readonly(sql: &str) -> bool {
    use comwit_client::sql::lexer::{TokenKind, tokens};
    let mut significant = tokens(sql)
        .filter(|t| !t.kind.is_trivia())
        .map(|t| (t.kind, &sql[t.range]));
    let mut words = Vec::with_capacity(3);
    for (kind, text) in significant.by_ref().take(4) {
        match kind {
            TokenKind::Word => words.push(text.to_ascii_uppercase()),
            TokenKind::Semicolon => break,
            _ => return false,
        }
    }
    significant.next().is_none()
        && matches!(
            words.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["BEGIN", "READONLY"] | ["BEGIN", "TRANSACTION", "READONLY"]
        )
}

fn cols_of(stmt: &Statement<'_>) -> Vec<Col> {
    stmt.columns()
        .iter()
        .map(|c| Col {
            name: Some(c.name().to_string()),
            decltype: c.decl_type().map(str::to_string),
        })
        .collect()
}

/// Where rows go: collected into a result, or streamed as cursor entries.
pub trait RowSink {
    fn begin(&mut self, cols: &[Col]) -> Result<(), HranaError>;
    fn row(&mut self, row: Vec<Value>) -> Result<(), HranaError>;
}

struct Collect {
    rows: Vec<Vec<Value>>,
}

impl RowSink for Collect {
    fn begin(&mut self, _cols: &[Col]) -> Result<(), HranaError> {
        Ok(())
    }
    fn row(&mut self, row: Vec<Value>) -> Result<(), HranaError> {
        self.rows.push(row);
        Ok(())
    }
}

impl Session {
    pub fn new(conn: Connection, interrupt: Arc<Interrupt>) -> Self {
        Self {
            conn,
            sqls: HashMap::new(),
            readonly_tx: false,
            counters: Counters::default(),
            interrupt,
        }
    }

    pub fn interrupt(&self) -> Arc<Interrupt> {
        self.interrupt.clone()
    }

    pub fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    fn sql_text(&self, sql: Option<&String>, sql_id: Option<i32>) -> Result<String, HranaError> {
        match (sql, sql_id) {
            (Some(s), None) => Ok(s.clone()),
            (None, Some(id)) => self.sqls.get(&id).cloned().ok_or_else(|| {
                HranaError::new(
                    "SQL_NOT_FOUND",
                    format!("no stored SQL text with sql_id {id}"),
                )
            }),
            (Some(_), Some(_)) => Err(HranaError::new(
                "SQL_AMBIGUOUS",
                "give either sql or sql_id, not both",
            )),
            (None, None) => Err(HranaError::new("SQL_MISSING", "give sql or sql_id")),
        }
    }

    pub fn handle(&mut self, req: StreamRequest) -> Result<StreamResponse, HranaError> {
        match req {
            StreamRequest::Close => Ok(StreamResponse::Close),
            StreamRequest::Execute { stmt } => self
                .execute(&stmt)
                .map(|result| StreamResponse::Execute { result }),
            StreamRequest::Batch { batch } => Ok(StreamResponse::Batch {
                result: self.batch(&batch),
            }),
            StreamRequest::Sequence { sql, sql_id } => {
                let sql = self.sql_text(sql.as_ref(), sql_id)?;
                self.counters.queries += 1;
                let ran = {
                    let _limit = self.interrupt.time_statement();
                    self.conn.execute_batch(&sql)
                };
                ran.map_err(|e| self.interrupt.explain(sql_error(&e)))?;
                self.after_statement();
                Ok(StreamResponse::Sequence)
            }
            StreamRequest::Describe { sql, sql_id } => {
                let sql = self.sql_text(sql.as_ref(), sql_id)?;
                self.describe(&sql)
                    .map(|result| StreamResponse::Describe { result })
            }
            StreamRequest::StoreSql { sql_id, sql } => {
                self.sqls.insert(sql_id, sql);
                Ok(StreamResponse::StoreSql)
            }
            StreamRequest::CloseSql { sql_id } => {
                self.sqls.remove(&sql_id);
                Ok(StreamResponse::CloseSql)
            }
            StreamRequest::GetAutocommit => Ok(StreamResponse::GetAutocommit {
                is_autocommit: self.is_autocommit(),
            }),
        }
    }

    pub fn execute(&mut self, stmt: &Stmt) -> Result<StmtResult, HranaError> {
        let mut sink = Collect { rows: Vec::new() };
        let mut result = self.run(stmt, &mut sink)?;
        result.rows = sink.rows;
        Ok(result)
    }

    /// Runs one statement, sending rows to `sink`; the returned result has
    /// no rows of its own.
    pub fn run(&mut self, stmt: &Stmt, sink: &mut dyn RowSink) -> Result<StmtResult, HranaError> {
        let interrupt = self.interrupt.clone();
        let _limit = interrupt.time_statement();
        self.run_timed(stmt, sink).map_err(|e| interrupt.explain(e))
    }

    fn run_timed(&mut self, stmt: &Stmt, sink: &mut dyn RowSink) -> Result<StmtResult, HranaError> {
        let started = Instant::now();
        let sql = self.sql_text(stmt.sql.as_ref(), stmt.sql_id)?;
        self.counters.queries += 1;
        let readonly_begin = is_begin_readonly(&sql);
        let sql = if readonly_begin {
            "BEGIN DEFERRED".to_string()
        } else {
            sql
        };
        let changes_before = self.conn.total_changes();
        let mut rows_read = 0u64;
        let cols;
        {
            let mut prepared = self.conn.prepare(&sql).map_err(|e| sql_error(&e))?;
            bind(&mut prepared, stmt)?;
            cols = cols_of(&prepared);
            sink.begin(&cols)?;
            let width = prepared.column_count();
            let mut rows = prepared.raw_query();
            while let Some(row) = rows.next().map_err(|e| sql_error(&e))? {
                rows_read += 1;
                if stmt.want_rows {
                    let values = (0..width)
                        .map(|i| row.get_ref(i).map(value_of).map_err(|e| sql_error(&e)))
                        .collect::<Result<Vec<_>, _>>()?;
                    sink.row(values)?;
                }
            }
        }
        if readonly_begin {
            self.conn
                .pragma_update(None, "query_only", true)
                .map_err(|e| sql_error(&e))?;
            self.readonly_tx = true;
        }
        self.after_statement();
        let written = self.conn.total_changes().saturating_sub(changes_before);
        self.counters.rows_read += rows_read;
        self.counters.rows_written += written;
        Ok(StmtResult {
            cols,
            rows: Vec::new(),
            affected_row_count: if written > 0 { self.conn.changes() } else { 0 },
            last_insert_rowid: Some(self.conn.last_insert_rowid()),
            rows_read,
            rows_written: written,
            query_duration_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// Ends the read-only emulation once the transaction is over.
    fn after_statement(&mut self) {
        if self.readonly_tx && self.conn.is_autocommit() {
            let _ = self.conn.pragma_update(None, "query_only", false);
            self.readonly_tx = false;
        }
    }

    pub fn eval(&self, cond: &BatchCond, ok: &[Option<bool>]) -> bool {
        match cond {
            BatchCond::Ok { step } => ok.get(*step as usize).copied().flatten() == Some(true),
            BatchCond::Error { step } => ok.get(*step as usize).copied().flatten() == Some(false),
            BatchCond::Not { cond } => !self.eval(cond, ok),
            BatchCond::And(list) => list.conds.iter().all(|c| self.eval(c, ok)),
            BatchCond::Or(list) => list.conds.iter().any(|c| self.eval(c, ok)),
            BatchCond::IsAutocommit => self.is_autocommit(),
        }
    }

    pub fn batch(&mut self, batch: &Batch) -> BatchResult {
        let mut results = Vec::with_capacity(batch.steps.len());
        let mut errors = Vec::with_capacity(batch.steps.len());
        // Per step: None = skipped, Some(true) = ok, Some(false) = error.
        let mut outcome: Vec<Option<bool>> = Vec::with_capacity(batch.steps.len());
        for step in &batch.steps {
            if let Some(cond) = &step.condition
                && !self.eval(cond, &outcome)
            {
                results.push(None);
                errors.push(None);
                outcome.push(None);
                continue;
            }
            match self.execute(&step.stmt) {
                Ok(r) => {
                    results.push(Some(r));
                    errors.push(None);
                    outcome.push(Some(true));
                }
                Err(e) => {
                    results.push(None);
                    errors.push(Some(e));
                    outcome.push(Some(false));
                }
            }
        }
        BatchResult {
            step_results: results,
            step_errors: errors,
        }
    }

    /// The cursor form of `batch`: entries go to `emit` as they are made.
    pub fn batch_cursor(&mut self, batch: &Batch, emit: &mut dyn FnMut(CursorEntry) -> bool) {
        struct Stream<'a> {
            step: u32,
            emit: &'a mut dyn FnMut(CursorEntry) -> bool,
        }
        impl RowSink for Stream<'_> {
            fn begin(&mut self, cols: &[Col]) -> Result<(), HranaError> {
                self.send(CursorEntry::StepBegin {
                    step: self.step,
                    cols: cols.to_vec(),
                })
            }
            fn row(&mut self, row: Vec<Value>) -> Result<(), HranaError> {
                self.send(CursorEntry::Row { row })
            }
        }
        impl Stream<'_> {
            fn send(&mut self, e: CursorEntry) -> Result<(), HranaError> {
                if (self.emit)(e) {
                    Ok(())
                } else {
                    Err(HranaError::new("CURSOR_CLOSED", "the client went away"))
                }
            }
        }
        let mut outcome: Vec<Option<bool>> = Vec::with_capacity(batch.steps.len());
        for (i, step) in batch.steps.iter().enumerate() {
            if let Some(cond) = &step.condition
                && !self.eval(cond, &outcome)
            {
                outcome.push(None);
                continue;
            }
            let mut sink = Stream {
                step: i as u32,
                emit,
            };
            match self.run(&step.stmt, &mut sink) {
                Ok(r) => {
                    outcome.push(Some(true));
                    if !emit(CursorEntry::StepEnd {
                        affected_row_count: r.affected_row_count,
                        last_insert_rowid: r.last_insert_rowid,
                    }) {
                        return;
                    }
                }
                Err(e) if e.code == "CURSOR_CLOSED" => return,
                Err(error) => {
                    outcome.push(Some(false));
                    if !emit(CursorEntry::StepError {
                        step: i as u32,
                        error,
                    }) {
                        return;
                    }
                }
            }
        }
    }

    fn describe(&mut self, sql: &str) -> Result<DescribeResult, HranaError> {
        let sql = if is_begin_readonly(sql) {
            "BEGIN DEFERRED"
        } else {
            sql
        };
        let stmt = self.conn.prepare(sql).map_err(|e| sql_error(&e))?;
        let params = (1..=stmt.parameter_count())
            .map(|i| DescribeParam {
                name: stmt.parameter_name(i).map(str::to_string),
            })
            .collect();
        let cols = stmt
            .columns()
            .iter()
            .map(|c| DescribeCol {
                name: c.name().to_string(),
                decltype: c.decl_type().map(str::to_string),
            })
            .collect();
        Ok(DescribeResult {
            params,
            cols,
            is_explain: stmt.is_explain() > 0,
            is_readonly: stmt.readonly(),
        })
    }
}

/// Binds positional then named arguments (named win; a name without its
/// `:`/`@`/`$` prefix is matched against each prefix).
fn bind(stmt: &mut Statement<'_>, s: &Stmt) -> Result<(), HranaError> {
    let expected = stmt.parameter_count();
    if s.args.len() > expected {
        return Err(HranaError::new(
            "ARGS_INVALID",
            format!(
                "{} positional arguments given, the statement takes {expected}",
                s.args.len()
            ),
        ));
    }
    for (i, v) in s.args.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, to_sql(v))
            .map_err(|e| sql_error(&e))?;
    }
    for arg in &s.named_args {
        let index = if arg.name.starts_with([':', '@', '$']) {
            stmt.parameter_index(&arg.name).map_err(|e| sql_error(&e))?
        } else {
            [":", "@", "$"].iter().find_map(|p| {
                stmt.parameter_index(&format!("{p}{}", arg.name))
                    .ok()
                    .flatten()
            })
        };
        let index = index.ok_or_else(|| {
            HranaError::new(
                "ARGS_INVALID",
                format!("the statement has no parameter named {}", arg.name),
            )
        })?;
        stmt.raw_bind_parameter(index, to_sql(&arg.value))
            .map_err(|e| sql_error(&e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_begin_readonly;

    #[test]
    fn begin_readonly_is_read_through_the_lexer() {
        for yes in [
            "BEGIN READONLY",
            "begin transaction readonly;",
            "/* js */ BEGIN\n  READONLY -- why",
        ] {
            assert!(is_begin_readonly(yes), "{yes}");
        }
        for no in [
            "BEGIN",
            "BEGIN ( READONLY",
            "BEGIN READONLY; DROP TABLE t",
            "SELECT 'BEGIN READONLY'",
            "BEGIN TRANSACTION READONLY NOW",
        ] {
            assert!(!is_begin_readonly(no), "{no}");
        }
    }
}

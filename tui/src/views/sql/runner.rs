//! The network side of the console, run in spawned tasks: connecting
//! (finding the database's URL and a credential) and running statements
//! on the one SQL session the view keeps, so a `BEGIN` in one run and a
//! `COMMIT` in a later one share a transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use comwit_client::credentials::Credentials;
use comwit_client::sql::{SqlError, SqlSession, SqlValue, StatementOutcome};
use comwit_client::{Client, TokenKind};
use tokio::sync::Mutex;

use super::statement;

/// Why the console asks for a query token (shown in the platform's audit).
pub const REASON: &str = "comwit-tui SQL console";

/// Rows kept in memory per result; beyond this they are counted, not kept
/// (a runaway `SELECT` must not take the machine's memory with it).
pub const MAX_ROWS: usize = 200_000;

/// How often a streaming query reports how far it has got.
pub const PROGRESS_EVERY: u64 = 2_000;

/// A live session and how it authenticates (never the token itself).
pub struct Connected {
    pub name: String,
    pub session: SqlSession,
    pub how: &'static str,
}

/// A failed connection: what went wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    pub message: String,
    pub fix: Option<String>,
    /// The session is a user's with no database token stored, and an
    /// operator client is at hand (the sandbox's): the console asks before
    /// running SQL with more rights than the session has.
    pub operator_fallback: bool,
}

/// How the console authenticates, as its header names it (never the token).
pub mod credential {
    /// The session's own operator token mints query tokens.
    pub const OPERATOR: &str = "operator query token";
    /// The database token kept at create or rotate (keyring, or memory).
    pub const STORED: &str = "stored database token";
    /// A user session running SQL on the sandbox operator's query tokens,
    /// after saying yes to it.
    pub const SANDBOX_OPERATOR: &str = "sandbox operator's query token";
}

/// Finds the database in the project and opens a session on it: minted
/// query tokens when the session is an operator's, else the stored
/// database token. A user without one gets the `operator` client's query
/// tokens only when `use_operator` (the user said yes). A `SELECT 1`
/// proves the credential works before the console says so.
pub async fn connect(
    client: Client,
    operator: Option<Client>,
    use_operator: bool,
    credentials: Arc<Credentials>,
    project: String,
    database: String,
) -> Result<Connected, ConnectError> {
    let plain = |message: String| ConnectError {
        message,
        fix: None,
        operator_fallback: false,
    };
    let databases = client
        .databases(&project)
        .list()
        .await
        .map_err(|e| plain(format!("listing the databases of {project} failed: {e}")))?;
    let db = databases
        .into_iter()
        .find(|d| d.database_id == database || d.name == database)
        .ok_or_else(|| plain(format!("no database {database} in project {project}")))?;
    let name = if db.name.is_empty() {
        db.database_id.clone()
    } else {
        db.name.clone()
    };
    let url = db.database_url.clone().ok_or_else(|| ConnectError {
        message: format!("the API gave no database_url for {name}"),
        fix: Some("the database may still be provisioning: press r to retry".into()),
        operator_fallback: false,
    })?;
    let (session, how) = if client.token_kind() == Some(TokenKind::Operator) {
        let session = SqlSession::with_operator(&client, &db.database_id, &url, REASON).await;
        (session, credential::OPERATOR)
    } else {
        let id = db.database_id.clone();
        match (
            with_stored_token(client, credentials, id, url.clone()).await,
            &operator,
        ) {
            (Err(e), Some(_)) if no_token(&e) && !use_operator => {
                return Err(ConnectError {
                    operator_fallback: true,
                    ..connect_error(&e)
                });
            }
            (Err(e), Some(op)) if no_token(&e) => {
                let session = SqlSession::with_operator(op, &db.database_id, &url, REASON).await;
                (session, credential::SANDBOX_OPERATOR)
            }
            (session, _) => (session, credential::STORED),
        }
    };
    let mut session = session.map_err(|e| connect_error(&e))?;
    session
        .execute("SELECT 1", &[])
        .await
        .map_err(|e| connect_error(&e))?;
    Ok(Connected { name, session, how })
}

/// A session on the database token kept at create or rotate. Reading it
/// from the keyring (or its file) blocks, so the session is made on the
/// blocking pool, with the runtime's handle for anything it awaits.
async fn with_stored_token(
    client: Client,
    credentials: Arc<Credentials>,
    database_id: String,
    url: String,
) -> Result<SqlSession, SqlError> {
    let runtime = tokio::runtime::Handle::current();
    crate::blocking::run(move || {
        runtime.block_on(SqlSession::connect(
            &client,
            &credentials,
            &database_id,
            &url,
            REASON,
        ))
    })
    .await
    .unwrap_or_else(|e| {
        Err(SqlError::Credentials(format!(
            "reading the database token: {e}"
        )))
    })
}

/// No database token is stored for the database (a user's session).
fn no_token(e: &SqlError) -> bool {
    matches!(e, SqlError::Credentials(m) if m.contains("no database token"))
}

fn connect_error(e: &SqlError) -> ConnectError {
    let fix = match e {
        e if no_token(e) => Some(
            "rotate the database token (operators: the database's rotate action stores the new one \
             in the keyring), or start comwit-tui with PLATFORM_API_SERVER_TOKEN to use query tokens"
                .to_string(),
        ),
        SqlError::Credentials(_) => {
            Some("check the operator token and that the database is not protected".into())
        }
        SqlError::Http { status: 401, .. } => Some(
            "the token was refused (rotated away?): rotate the database token and try again".into(),
        ),
        SqlError::Http { status: 503, .. } => {
            Some("the database may be suspended: resume it, then press r".into())
        }
        SqlError::Transport(_) => Some("check the network, then press r to retry".into()),
        _ => None,
    };
    ConnectError {
        message: e.to_string(),
        fix,
        operator_fallback: false,
    }
}

/// One statement's rows and numbers, as the grid shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    pub sql: String,
    pub columns: Vec<String>,
    /// At most [`MAX_ROWS`]; `total_rows` says how many there were.
    pub rows: Vec<Vec<SqlValue>>,
    pub total_rows: u64,
    pub affected_rows: u64,
    /// Server counts; `None` for streamed results (the cursor does not
    /// report them).
    pub rows_read: Option<u64>,
    pub rows_written: Option<u64>,
    pub server_ms: Option<f64>,
    pub elapsed: Duration,
    pub streamed: bool,
}

impl ResultSet {
    fn from_outcome(o: StatementOutcome) -> Self {
        let total = o.rows.len() as u64;
        let mut rows = o.rows;
        rows.truncate(MAX_ROWS);
        Self {
            sql: o.sql,
            columns: o.columns,
            rows,
            total_rows: total,
            affected_rows: o.affected_rows,
            rows_read: Some(o.rows_read),
            rows_written: Some(o.rows_written),
            server_ms: Some(o.server_ms),
            elapsed: o.elapsed,
            streamed: false,
        }
    }
}

#[cfg(test)]
impl ResultSet {
    /// A streamed result holding every one of `rows`, for unit tests.
    pub fn of(sql: &str, columns: &[&str], rows: Vec<Vec<SqlValue>>) -> Self {
        Self {
            sql: sql.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            total_rows: rows.len() as u64,
            rows,
            affected_rows: 0,
            rows_read: None,
            rows_written: None,
            server_ms: None,
            elapsed: Duration::ZERO,
            streamed: true,
        }
    }
}

/// A statement that failed, and whether the session survived it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    pub sql: String,
    /// The SQLite / Hrana code (`SQLITE_ERROR`), when the server gave one.
    pub code: Option<String>,
    pub message: String,
    /// The stream broke (the next statement opens a new one).
    pub stream_lost: bool,
    /// A transaction was open when the stream broke: its uncommitted
    /// changes are gone, and the statement was not run again.
    pub transaction_lost: bool,
}

/// What a run (one statement or a script) came to.
#[derive(Debug)]
pub struct RunReport {
    /// Statements that completed, in order.
    pub results: Vec<Arc<ResultSet>>,
    pub error: Option<RunError>,
    /// The session's state afterwards (false: inside a transaction).
    pub autocommit: bool,
    /// The server had closed the idle stream (no transaction was open): a
    /// new one was opened and the run went on.
    pub reopened: bool,
    pub elapsed: Duration,
}

/// Runs `statements` in order on the session, stopping at the first
/// error. Queries stream through the cursor; `progress` hears the row
/// count as it grows. In read-only mode every statement is first
/// described by the server, and none runs unless all of them read.
pub async fn run(
    session: Arc<Mutex<SqlSession>>,
    statements: Vec<String>,
    read_only: bool,
    progress: impl Fn(u64) + Send + Sync,
) -> RunReport {
    let started = Instant::now();
    let mut session = session.lock().await;
    let mut results = Vec::new();
    let mut error = None;
    if read_only {
        error = refuse_writes(&mut session, &statements).await;
    }
    let statements = if error.is_some() {
        Vec::new()
    } else {
        statements
    };
    for sql in statements {
        let in_transaction = !session.is_autocommit();
        let outcome = if statement::streams(&sql) {
            stream(&mut session, &sql, &progress).await
        } else {
            session
                .execute(&sql, &[])
                .await
                .map(ResultSet::from_outcome)
        };
        match outcome {
            Ok(r) => results.push(Arc::new(r)),
            Err(e) => {
                let mut e = run_error(sql, e);
                e.transaction_lost = e.stream_lost && in_transaction;
                error = Some(e);
                break;
            }
        }
    }
    RunReport {
        results,
        error,
        autocommit: session.is_autocommit(),
        reopened: session.take_reopened(),
        elapsed: started.elapsed(),
    }
}

/// Read-only mode's guard: the database's own parser (Hrana `describe`)
/// says whether a statement writes, so no keyword list can be fooled.
/// The first statement that writes, or cannot be described, stops the run
/// before anything is executed.
async fn refuse_writes(session: &mut SqlSession, statements: &[String]) -> Option<RunError> {
    for sql in statements {
        match session.describe(sql).await {
            // An EXPLAIN shows the plan of a write without running it.
            Ok(d) if d.is_readonly || d.is_explain => {}
            Ok(_) => {
                return Some(RunError {
                    sql: sql.clone(),
                    code: None,
                    message: format!(
                        "read-only mode: {} not sent, as the database says it writes; \
                         only statements that change nothing run",
                        statement_word(sql)
                    ),
                    stream_lost: false,
                    transaction_lost: false,
                });
            }
            Err(e) => return Some(run_error(sql.clone(), e)),
        }
    }
    None
}

/// How a message names a statement: its first keyword.
fn statement_word(sql: &str) -> String {
    match comwit_client::sql::statements::first_keyword(sql) {
        word if word.is_empty() => "the statement".into(),
        word => word,
    }
}

async fn stream(
    session: &mut SqlSession,
    sql: &str,
    progress: &(impl Fn(u64) + Send + Sync),
) -> Result<ResultSet, SqlError> {
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut seen = 0u64;
    let (columns, total) = session
        .stream(sql, |row| {
            seen += 1;
            if rows.len() < MAX_ROWS {
                rows.push(row);
            }
            if seen.is_multiple_of(PROGRESS_EVERY) {
                progress(seen);
            }
        })
        .await?;
    Ok(ResultSet {
        sql: sql.to_string(),
        columns,
        rows,
        total_rows: total,
        affected_rows: 0,
        rows_read: None,
        rows_written: None,
        server_ms: None,
        elapsed: started.elapsed(),
        streamed: true,
    })
}

fn run_error(sql: String, e: SqlError) -> RunError {
    let (code, message, stream_lost) = match e {
        SqlError::Statement { code, message } => {
            ((!code.is_empty()).then_some(code), message, false)
        }
        SqlError::Http { status, .. } => (Some(format!("HTTP {status}")), e.to_string(), true),
        SqlError::StreamExpired { .. } => (
            None,
            "the server closed the SQL stream, which had been idle; the statement was not run"
                .into(),
            true,
        ),
        other => {
            let lost = matches!(other, SqlError::Transport(_));
            (None, other.to_string(), lost)
        }
    };
    RunError {
        sql,
        code,
        message,
        stream_lost,
        transaction_lost: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_at_most_max_rows_but_count_them_all() {
        let outcome = StatementOutcome {
            sql: "select".into(),
            columns: vec!["n".into()],
            rows: (0..MAX_ROWS as i64 + 5)
                .map(|n| vec![SqlValue::Integer(n)])
                .collect(),
            affected_rows: 0,
            last_insert_rowid: None,
            rows_read: 7,
            rows_written: 0,
            elapsed: Duration::from_millis(3),
            server_ms: 1.5,
        };
        let r = ResultSet::from_outcome(outcome);
        assert_eq!(r.rows.len(), MAX_ROWS);
        assert_eq!(r.total_rows, MAX_ROWS as u64 + 5);
        assert_eq!((r.rows_read, r.server_ms), (Some(7), Some(1.5)));
        assert!(!r.streamed);
    }

    #[test]
    fn errors_keep_their_code_and_say_when_the_stream_is_gone() {
        let e = run_error(
            "selec 1".into(),
            SqlError::Statement {
                code: "SQLITE_ERROR".into(),
                message: "near \"selec\": syntax error".into(),
            },
        );
        assert_eq!(e.code.as_deref(), Some("SQLITE_ERROR"));
        assert!(!e.stream_lost);
        let e = run_error(
            "select 1".into(),
            SqlError::Http {
                status: 401,
                message: "bad token".into(),
            },
        );
        assert!(e.stream_lost && e.code.as_deref() == Some("HTTP 401"));
        let missing = connect_error(&SqlError::Credentials(
            "no database token is stored for db-1".into(),
        ));
        assert!(missing.fix.unwrap().contains("rotate"));
    }
}

//! SQL sessions on the libSQL data endpoint: Hrana 3 over HTTP
//! (`{database_url}/v3/pipeline`, NDJSON `/v3/cursor`) with the official
//! `libsql-hrana` types.
//!
//! A session is one Hrana stream: its baton carries transactions across
//! calls. Credentials are a database token, or — for operators — a query
//! token minted on demand (300 s, audience `comwit-tui`) and renewed before
//! it expires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use libsql_hrana::proto::{
    Batch, BatchStep, CursorReqBody, DescribeStreamReq, ExecuteStreamReq, GetAutocommitStreamReq,
    PipelineReqBody, PipelineRespBody, Stmt, StmtResult, StreamRequest, StreamResponse,
    StreamResult, Value as HValue,
};

use crate::client::Client;
use crate::secret::Secret;

pub mod dump;
pub mod import;
pub mod lexer;
pub mod statements;

pub use statements::split_statements;

/// A statement as the server describes it, before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// It makes no direct change to the database (SQLite's
    /// `sqlite3_stmt_readonly`: transaction control counts as read-only;
    /// an `EXPLAIN` answers for the statement it explains).
    pub is_readonly: bool,
    /// `EXPLAIN …`: it shows a plan and never runs the statement.
    pub is_explain: bool,
    /// Each parameter's name (`:id`), `None` for a positional `?`.
    pub params: Vec<Option<String>>,
    pub columns: Vec<String>,
}

/// The longest cursor line (one row) read: a 64 MiB value is about
/// 86 MiB of JSON once base64-encoded.
const MAX_CURSOR_LINE: usize = 128 << 20;

/// The cursor's lines as the chunks of its body bring them.
#[derive(Default)]
struct Lines {
    pending: Vec<u8>,
    /// How much of `pending` is known to hold no newline: a long line
    /// arriving in many chunks is scanned once, not once per chunk.
    scanned: usize,
}

impl Lines {
    /// One line is one row: a line that never ends (a broken or hostile
    /// endpoint) must not take the memory with it.
    fn push(&mut self, chunk: &[u8]) -> Result<(), SqlError> {
        self.pending.extend_from_slice(chunk);
        if self.pending.len() > MAX_CURSOR_LINE {
            return Err(SqlError::Protocol(format!(
                "a cursor line ran past {} MiB without ending: the stream was dropped",
                MAX_CURSOR_LINE >> 20
            )));
        }
        Ok(())
    }

    /// The next complete line, newline included.
    fn next_line(&mut self) -> Option<Vec<u8>> {
        match self.pending[self.scanned..]
            .iter()
            .position(|b| *b == b'\n')
        {
            Some(at) => {
                let end = self.scanned + at;
                self.scanned = 0;
                Some(self.pending.drain(..=end).collect())
            }
            None => {
                self.scanned = self.pending.len();
                None
            }
        }
    }
}

/// The column names of a cursor's `step_begin` line.
fn column_names(step_begin: &serde_json::Value) -> Vec<String> {
    step_begin["cols"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A value as SQLite holds it, for display and arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Float(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl std::fmt::Display for SqlValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlValue::Null => f.write_str("NULL"),
            SqlValue::Integer(n) => write!(f, "{n}"),
            SqlValue::Float(x) => write!(f, "{x}"),
            SqlValue::Text(t) => f.write_str(t),
            SqlValue::Blob(b) => write!(f, "<blob {} bytes>", b.len()),
        }
    }
}

impl From<&HValue> for SqlValue {
    fn from(v: &HValue) -> Self {
        match v {
            HValue::None | HValue::Null => SqlValue::Null,
            HValue::Integer { value } => SqlValue::Integer(*value),
            HValue::Float { value } => SqlValue::Float(*value),
            HValue::Text { value } => SqlValue::Text(value.to_string()),
            HValue::Blob { value } => SqlValue::Blob(value.to_vec()),
        }
    }
}

impl From<&SqlValue> for HValue {
    fn from(v: &SqlValue) -> Self {
        match v {
            SqlValue::Null => HValue::Null,
            SqlValue::Integer(n) => HValue::Integer { value: *n },
            SqlValue::Float(x) => HValue::Float { value: *x },
            SqlValue::Text(t) => HValue::Text {
                value: Arc::from(t.as_str()),
            },
            SqlValue::Blob(b) => HValue::Blob {
                value: Bytes::copy_from_slice(b),
            },
        }
    }
}

/// One statement's outcome, with timing and usage.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementOutcome {
    pub sql: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
    pub affected_rows: u64,
    pub last_insert_rowid: Option<i64>,
    pub rows_read: u64,
    pub rows_written: u64,
    /// Round trip as the client saw it.
    pub elapsed: Duration,
    /// Time the server spent, when it reports it.
    pub server_ms: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The statement failed; the session is still usable.
    #[error("{message} ({code})")]
    Statement { code: String, message: String },
    /// HTTP-level failure: the stream is gone (transactions rolled back).
    #[error("data endpoint answered {status}: {message}")]
    Http { status: u16, message: String },
    /// The server no longer knows the session's stream (closed after
    /// sitting idle, or the server restarted); nothing of the request ran.
    /// A stream without an open transaction is reopened quietly, so this
    /// reaches a caller only when `in_transaction`: the transaction's
    /// uncommitted changes went with the stream.
    #[error("the server closed the SQL stream ({message})")]
    StreamExpired {
        in_transaction: bool,
        message: String,
    },
    #[error("could not reach the data endpoint: {0}")]
    Transport(String),
    #[error("unexpected answer from the data endpoint: {0}")]
    Protocol(String),
    #[error("minting a query token failed: {0}")]
    Credentials(String),
}

enum Credential {
    Token(Secret),
    /// Operator: query tokens minted and renewed through the API.
    Minted {
        client: Client,
        database: String,
        reason: String,
        ttl: u64,
        token: Secret,
        expires: Instant,
    },
}

pub struct SqlSession {
    http: reqwest::Client,
    url: String,
    credential: Credential,
    baton: Option<String>,
    autocommit: bool,
    /// Times an expired stream (without a transaction) was reopened
    /// quietly; see [`SqlSession::take_reopened`].
    reopened: u32,
}

const QUERY_TOKEN_TTL: u64 = 300;
/// Renew this long before expiry so no request carries a dying token.
const RENEW_BEFORE: Duration = Duration::from_secs(30);

impl SqlSession {
    /// With a database token (from create, rotate or the keyring).
    pub fn with_token(database_url: &str, token: Secret) -> Self {
        Self::new(database_url, Credential::Token(token))
    }

    /// With an operator client: mints a query token now (300 s) and renews
    /// it before it expires.
    pub async fn with_operator(
        client: &Client,
        database_id: &str,
        database_url: &str,
        reason: &str,
    ) -> Result<Self, SqlError> {
        Self::with_operator_ttl(client, database_id, database_url, reason, QUERY_TOKEN_TTL).await
    }

    /// As `with_operator`, with another token lifetime.
    pub async fn with_operator_ttl(
        client: &Client,
        database_id: &str,
        database_url: &str,
        reason: &str,
        ttl_seconds: u64,
    ) -> Result<Self, SqlError> {
        let (token, expires) = mint(client, database_id, reason, ttl_seconds).await?;
        Ok(Self::new(
            database_url,
            Credential::Minted {
                client: client.clone(),
                database: database_id.to_string(),
                reason: reason.to_string(),
                ttl: ttl_seconds,
                token,
                expires,
            },
        ))
    }

    /// The credential a front end has: with an operator client, minted
    /// query tokens; otherwise the database token kept in the keyring (or
    /// its fallback file) when the database was created or rotated.
    pub async fn connect(
        client: &Client,
        credentials: &crate::credentials::Credentials,
        database_id: &str,
        database_url: &str,
        reason: &str,
    ) -> Result<Self, SqlError> {
        if client.token_kind() == Some(crate::secret::TokenKind::Operator) {
            return Self::with_operator(client, database_id, database_url, reason).await;
        }
        match credentials.database_token(database_id) {
            Ok(Some(token)) => Ok(Self::with_token(database_url, token)),
            Ok(None) => Err(SqlError::Credentials(format!(
                "no database token is stored for {database_id}: it is shown once, at create or rotate; \
                 rotate it with an operator token, or run SQL as an operator"
            ))),
            Err(e) => Err(SqlError::Credentials(e.to_string())),
        }
    }

    fn new(url: &str, credential: Credential) -> Self {
        Self {
            http: crate::http::client(),
            url: url.trim_end_matches('/').to_string(),
            credential,
            baton: None,
            autocommit: true,
            reopened: 0,
        }
    }

    /// Not inside an explicit transaction.
    pub fn is_autocommit(&self) -> bool {
        self.autocommit
    }

    /// Whether an expired stream was reopened since the last call (for a
    /// front end's quiet note); resets the count.
    pub fn take_reopened(&mut self) -> bool {
        std::mem::take(&mut self.reopened) > 0
    }

    async fn token(&mut self) -> Result<Secret, SqlError> {
        match &mut self.credential {
            Credential::Token(t) => Ok(t.clone()),
            Credential::Minted {
                client,
                database,
                reason,
                ttl,
                token,
                expires,
            } => {
                if Instant::now() + RENEW_BEFORE >= *expires {
                    let (t, e) = mint(client, database, reason, *ttl).await?;
                    *token = t;
                    *expires = e;
                }
                Ok(token.clone())
            }
        }
    }

    async fn pipeline(
        &mut self,
        mut requests: Vec<StreamRequest>,
    ) -> Result<Vec<StreamResult>, SqlError> {
        requests.push(StreamRequest::GetAutocommit(GetAutocommitStreamReq {}));
        let body = PipelineReqBody {
            baton: None,
            requests,
        };
        let resp = self.post("pipeline", body).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SqlError::Transport(e.to_string()))?;
        let mut parsed: PipelineRespBody =
            serde_json::from_slice(&bytes).map_err(|e| SqlError::Protocol(e.to_string()))?;
        self.baton = parsed.baton;
        if let Some(StreamResult::Ok {
            response: StreamResponse::GetAutocommit(a),
        }) = parsed.results.pop()
        {
            self.autocommit = a.is_autocommit;
        }
        Ok(parsed.results)
    }

    /// POSTs `body` to `/v3/{endpoint}` with the session's baton. An HTTP
    /// error ends the stream (and any open transaction with it). A stream
    /// the server expired while no transaction was open held nothing: the
    /// request goes again on a new stream, as a fresh session sends it.
    async fn post(
        &mut self,
        endpoint: &str,
        body: impl serde::Serialize,
    ) -> Result<reqwest::Response, SqlError> {
        let mut body = serde_json::to_value(body).map_err(|e| SqlError::Protocol(e.to_string()))?;
        body["baton"] = self.baton.clone().into();
        match self.post_once(endpoint, &body).await {
            Err(SqlError::StreamExpired {
                in_transaction: false,
                ..
            }) => {
                self.reopened += 1;
                body["baton"] = serde_json::Value::Null;
                self.post_once(endpoint, &body).await
            }
            other => other,
        }
    }

    async fn post_once(
        &mut self,
        endpoint: &str,
        body: &impl serde::Serialize,
    ) -> Result<reqwest::Response, SqlError> {
        let token = self.token().await?;
        let resp = self
            .http
            .post(format!("{}/v3/{endpoint}", self.url))
            .bearer_auth(token.expose())
            .json(body)
            .send()
            .await
            .map_err(|e| SqlError::Transport(e.to_string()))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let had_stream = self.baton.take().is_some();
        let in_transaction = !std::mem::replace(&mut self.autocommit, true);
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap_or_default();
        Err(match http_error(status, &bytes) {
            SqlError::Http { message, .. } if had_stream && stream_expired(status, &bytes) => {
                SqlError::StreamExpired {
                    in_transaction,
                    message,
                }
            }
            other => other,
        })
    }

    /// Runs one statement.
    pub async fn execute(
        &mut self,
        sql: &str,
        args: &[SqlValue],
    ) -> Result<StatementOutcome, SqlError> {
        let started = Instant::now();
        let stmt = stmt(sql, args);
        let mut results = self
            .pipeline(vec![StreamRequest::Execute(ExecuteStreamReq { stmt })])
            .await?;
        match results.pop() {
            Some(StreamResult::Ok {
                response: StreamResponse::Execute(r),
            }) => Ok(outcome(sql, r.result, started.elapsed())),
            Some(StreamResult::Error { error }) => Err(SqlError::Statement {
                code: error.code,
                message: error.message,
            }),
            other => Err(SqlError::Protocol(format!("unexpected result {other:?}"))),
        }
    }

    /// What the server makes of one statement without running it (Hrana
    /// `describe`): whether it writes, its parameters and columns. The
    /// database's own parser decides, so `PRAGMA user_version(5)` is a
    /// write however it is spelled and a `replace()` call in a query is not.
    pub async fn describe(&mut self, sql: &str) -> Result<Description, SqlError> {
        let req = StreamRequest::Describe(DescribeStreamReq {
            sql: Some(sql.to_string()),
            sql_id: None,
            replication_index: None,
        });
        match self.pipeline(vec![req]).await?.pop() {
            Some(StreamResult::Ok {
                response: StreamResponse::Describe(d),
            }) => Ok(Description {
                is_readonly: d.result.is_readonly,
                is_explain: d.result.is_explain,
                params: d.result.params.into_iter().map(|p| p.name).collect(),
                columns: d.result.cols.into_iter().map(|c| c.name).collect(),
            }),
            Some(StreamResult::Error { error }) => Err(SqlError::Statement {
                code: error.code,
                message: error.message,
            }),
            other => Err(SqlError::Protocol(format!("unexpected result {other:?}"))),
        }
    }

    /// Runs a script statement by statement (stopping at the first error),
    /// so each gets its own timing and counts.
    pub async fn script(
        &mut self,
        sql: &str,
    ) -> Result<Vec<StatementOutcome>, (Vec<StatementOutcome>, SqlError)> {
        let mut done = Vec::new();
        for stmt in split_statements(sql) {
            match self.execute(&stmt, &[]).await {
                Ok(o) => done.push(o),
                Err(e) => return Err((done, e)),
            }
        }
        Ok(done)
    }

    /// Runs statements as one Hrana batch (one round trip); each step's
    /// result or error.
    pub async fn batch(
        &mut self,
        statements: &[&str],
    ) -> Result<Vec<Result<StatementOutcome, SqlError>>, SqlError> {
        let started = Instant::now();
        let steps = statements
            .iter()
            .map(|s| BatchStep {
                condition: None,
                stmt: stmt(s, &[]),
            })
            .collect();
        let req = StreamRequest::Batch(libsql_hrana::proto::BatchStreamReq {
            batch: Batch {
                steps,
                replication_index: None,
            },
        });
        let mut results = self.pipeline(vec![req]).await?;
        let Some(StreamResult::Ok {
            response: StreamResponse::Batch(b),
        }) = results.pop()
        else {
            return Err(SqlError::Protocol("the batch got no batch result".into()));
        };
        let elapsed = started.elapsed();
        Ok(statements
            .iter()
            .enumerate()
            .map(
                |(i, sql)| match (b.result.step_results.get(i), b.result.step_errors.get(i)) {
                    (Some(Some(r)), _) => Ok(outcome(sql, r.clone(), elapsed)),
                    (_, Some(Some(e))) => Err(SqlError::Statement {
                        code: e.code.clone(),
                        message: e.message.clone(),
                    }),
                    _ => Err(SqlError::Statement {
                        code: "SKIPPED".into(),
                        message: "the step did not run".into(),
                    }),
                },
            )
            .collect())
    }

    /// Runs `statements` as one transaction in one request, after
    /// `PRAGMA foreign_keys=OFF` (connection state that may not carry
    /// across requests, so it goes in the same one): all of them commit,
    /// or none does and the error names the statement's index.
    pub async fn transaction(&mut self, statements: &[&str]) -> Result<(), (usize, SqlError)> {
        use libsql_hrana::proto::BatchCond;
        let ok = |step: usize| BatchCond::Ok { step: step as u32 };
        let plain = |sql: &str, condition: Option<BatchCond>| BatchStep {
            condition,
            stmt: stmt(sql, &[]),
        };
        let mut steps = vec![plain("PRAGMA foreign_keys=OFF", None), plain("BEGIN", None)];
        for sql in statements {
            let previous = steps.len() - 1;
            steps.push(plain(sql, Some(ok(previous))));
        }
        let commit = steps.len();
        steps.push(plain("COMMIT", Some(ok(commit - 1))));
        let not_committed = BatchCond::Not {
            cond: Box::new(ok(commit)),
        };
        steps.push(plain("ROLLBACK", Some(not_committed)));
        let req = StreamRequest::Batch(libsql_hrana::proto::BatchStreamReq {
            batch: Batch {
                steps,
                replication_index: None,
            },
        });
        let whole = |e| (statements.len(), e);
        let mut results = self.pipeline(vec![req]).await.map_err(whole)?;
        let Some(StreamResult::Ok {
            response: StreamResponse::Batch(b),
        }) = results.pop()
        else {
            return Err(whole(SqlError::Protocol(
                "the batch got no batch result".into(),
            )));
        };
        let errors = &b.result.step_errors;
        let failed = (1..=commit).find_map(|i| errors.get(i).cloned().flatten().map(|e| (i, e)));
        match failed {
            None if matches!(b.result.step_results.get(commit), Some(Some(_))) => Ok(()),
            None => Err(whole(SqlError::Protocol(
                "the transaction did not commit".into(),
            ))),
            Some((i, e)) => Err((
                // Step 1 is BEGIN; the statements start at step 2.
                i.saturating_sub(2).min(statements.len()),
                SqlError::Statement {
                    code: e.code.clone(),
                    message: e.message.clone(),
                },
            )),
        }
    }

    /// Streams a query's rows through `/v3/cursor` (bounded memory for
    /// large results): `on_row` gets each row as it arrives.
    pub async fn stream(
        &mut self,
        sql: &str,
        mut on_row: impl FnMut(Vec<SqlValue>),
    ) -> Result<(Vec<String>, u64), SqlError> {
        let body = CursorReqBody {
            baton: None,
            batch: Batch {
                steps: vec![BatchStep {
                    condition: None,
                    stmt: stmt(sql, &[]),
                }],
                replication_index: None,
            },
        };
        let resp = self.post("cursor", body).await?;
        let mut chunks = resp.bytes_stream();
        let mut lines = Lines::default();
        let mut first = true;
        let mut columns = Vec::new();
        let mut count = 0u64;
        loop {
            // Handle every complete line in the buffer, then read more.
            while let Some(line) = lines.next_line() {
                let v: serde_json::Value =
                    serde_json::from_slice(&line).map_err(|e| SqlError::Protocol(e.to_string()))?;
                if first {
                    first = false;
                    self.baton = v["baton"].as_str().map(str::to_string);
                    continue;
                }
                match v["type"].as_str() {
                    Some("step_begin") => columns = column_names(&v),
                    Some("row") => {
                        // Typed parse from the bytes: the Hrana value types
                        // borrow strings, which a `Value` cannot lend.
                        #[derive(serde::Deserialize)]
                        struct RowLine {
                            row: Vec<HValue>,
                        }
                        let line: RowLine = serde_json::from_slice(&line)
                            .map_err(|e| SqlError::Protocol(e.to_string()))?;
                        on_row(line.row.iter().map(SqlValue::from).collect());
                        count += 1;
                    }
                    Some("step_error") | Some("error") => {
                        return Err(SqlError::Statement {
                            code: v["error"]["code"].as_str().unwrap_or("").to_string(),
                            message: v["error"]["message"].as_str().unwrap_or("").to_string(),
                        });
                    }
                    _ => {}
                }
            }
            match chunks.next().await {
                Some(Ok(c)) => lines.push(&c)?,
                Some(Err(e)) => return Err(SqlError::Transport(e.to_string())),
                None => break,
            }
        }
        Ok((columns, count))
    }

    /// Closes the stream (an open transaction rolls back).
    pub async fn close(&mut self) -> Result<(), SqlError> {
        if self.baton.is_some() {
            self.pipeline(vec![StreamRequest::Close(
                libsql_hrana::proto::CloseStreamReq {},
            )])
            .await?;
            self.baton = None;
        }
        Ok(())
    }
}

async fn mint(
    client: &Client,
    database: &str,
    reason: &str,
    ttl: u64,
) -> Result<(Secret, Instant), SqlError> {
    let q = client
        .database_admin(database)
        .query_token(ttl, "comwit-tui", reason)
        .await
        .map_err(|e| SqlError::Credentials(e.to_string()))?;
    let ttl = q.ttl_seconds.unwrap_or(ttl).max(1);
    Ok((q.query_token, Instant::now() + Duration::from_secs(ttl)))
}

fn stmt(sql: &str, args: &[SqlValue]) -> Stmt {
    Stmt {
        sql: Some(sql.to_string()),
        sql_id: None,
        args: args.iter().map(HValue::from).collect(),
        named_args: Vec::new(),
        want_rows: Some(true),
        replication_index: None,
    }
}

fn http_error(status: u16, body: &[u8]) -> SqlError {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v["message"]
                .as_str()
                .or(v["error"].as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned());
    SqlError::Http { status, message }
}

/// The server's answer to a baton it no longer knows: Hrana servers say
/// `STREAM_EXPIRED` (sqld, the sandbox) with a 400.
fn stream_expired(status: u16, body: &[u8]) -> bool {
    status == 400
        && serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|v| v["code"].as_str() == Some("STREAM_EXPIRED"))
}

fn outcome(sql: &str, r: StmtResult, elapsed: Duration) -> StatementOutcome {
    StatementOutcome {
        sql: sql.to_string(),
        columns: r
            .cols
            .iter()
            .map(|c| c.name.clone().unwrap_or_default())
            .collect(),
        rows: r
            .rows
            .iter()
            .map(|row| row.values.iter().map(SqlValue::from).collect())
            .collect(),
        affected_rows: r.affected_row_count,
        last_insert_rowid: r.last_insert_rowid,
        rows_read: r.rows_read,
        rows_written: r.rows_written,
        elapsed,
        server_ms: r.query_duration_ms,
    }
}

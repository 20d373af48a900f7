//! Loading a SQL file — a `.dump`, or another provider's export — into a
//! database, the way the seeds' migration guide asks: statements read as
//! the file streams (never all of it in memory), a first pass that checks
//! everything before anything is sent, then batches of about a hundred
//! statements, each one transaction in one request that starts with
//! `PRAGMA foreign_keys=OFF`, and each well under the ~1.5 MB at which
//! the edge fails a request. A failure names the statement and its line,
//! and says which batches committed, so a re-run resumes (`from_batch`).
//!
//! The file's own transaction framing (`BEGIN`, `COMMIT`, `PRAGMA
//! foreign_keys`) is left out: the batches are the transactions. With
//! `d1`, the statements D1 exports and libSQL rejects are left out too
//! (`PRAGMA defer_foreign_keys`, `DELETE FROM sqlite_sequence`, `DROP
//! INDEX` of a constraint's `sqlite_autoindex_`); without it they stop the
//! import before anything is sent.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use super::lexer::{TokenKind, tokens};
use super::statements::ranges;
use super::{SqlError, SqlSession};

/// Statements per batch unless told otherwise.
pub const DEFAULT_BATCH: usize = 100;
/// The most SQL text one request carries (the edge fails ~1.5 MB).
pub const MAX_BATCH_BYTES: usize = 1_000_000;
/// The most text read while looking for a statement's end: past this it
/// could not be sent anyway.
const MAX_PENDING: usize = MAX_BATCH_BYTES + 64 * 1024;

/// One statement of the file, and the line it starts on (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub line: usize,
}

/// The statements of a file, read as it streams.
pub struct Statements<R> {
    reader: R,
    /// Text read but not yet ended by a `;`.
    pending: String,
    /// The line `pending` starts on.
    pending_line: usize,
    ready: VecDeque<Statement>,
    done: bool,
}

impl<R: BufRead> Statements<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            pending: String::new(),
            pending_line: 1,
            ready: VecDeque::new(),
            done: false,
        }
    }

    /// Moves every statement of `pending` that a `;` ended (all of them
    /// at the end of the file) to `ready`.
    fn take_complete(&mut self, at_end: bool) {
        let found = ranges(&self.pending);
        let complete = |r: &std::ops::Range<usize>| {
            at_end || tokens(&self.pending[r.end..]).any(|t| t.kind == TokenKind::Semicolon)
        };
        let cut = match found.last() {
            Some(last) if !complete(last) => last.start,
            _ => self.pending.len(),
        };
        let mut line = self.pending_line;
        let mut counted = 0;
        for range in found.into_iter().filter(|r| r.start < cut) {
            line += self.pending[counted..range.start].matches('\n').count();
            counted = range.start;
            self.ready.push_back(Statement {
                sql: self.pending[range].to_string(),
                line,
            });
        }
        self.pending_line = line + self.pending[counted..cut].matches('\n').count();
        self.pending.drain(..cut);
    }
}

impl<R: BufRead> Statements<R> {
    /// A read error, placed in the file.
    fn unreadable(&self, e: std::io::Error) -> std::io::Error {
        let line = self.pending_line + self.pending.matches('\n').count();
        let what = if e.kind() == std::io::ErrorKind::InvalidData {
            "is not UTF-8 text (is this a SQL file?)".to_string()
        } else {
            e.to_string()
        };
        std::io::Error::new(e.kind(), format!("line {line}: {what}"))
    }
}

impl<R: BufRead> Iterator for Statements<R> {
    type Item = std::io::Result<Statement>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(statement) = self.ready.pop_front() {
                return Some(Ok(statement));
            }
            if self.done {
                return None;
            }
            let before = self.pending.len();
            // Never more than one oversized statement in memory, whatever
            // the file holds (a line of gigabytes, no `;` at all).
            let room = (MAX_PENDING + 1).saturating_sub(before) as u64;
            match (&mut self.reader).take(room).read_line(&mut self.pending) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.unreadable(e)));
                }
                Ok(_) if self.pending.len() > MAX_PENDING => {
                    self.done = true;
                    let line = self.pending_line;
                    return Some(Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "line {line}: a statement runs past {MAX_PENDING} bytes without \
                             ending (no `;`): too large to send in one request; split it"
                        ),
                    )));
                }
                Ok(0) => {
                    self.done = true;
                    self.take_complete(true);
                }
                Ok(_) if self.pending[before..].trim_end().ends_with(';') => {
                    self.take_complete(false)
                }
                Ok(_) => {}
            }
        }
    }
}

/// What the import does with a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Send,
    /// The file's transaction framing: the batches replace it.
    Framing,
    /// A D1-only statement libSQL rejects, and why.
    D1(&'static str),
}

/// The statement's first `n` words, lower case, identifier quotes removed.
fn words(sql: &str, n: usize) -> Vec<String> {
    tokens(sql)
        .filter(|t| !t.kind.is_trivia())
        .take(n)
        .map(|t| {
            let text = &sql[t.range];
            let unquoted = text.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']'));
            unquoted.to_ascii_lowercase()
        })
        .collect()
}

pub fn classify(sql: &str) -> Kind {
    let w = words(sql, 5);
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["begin" | "commit" | "end" | "rollback", ..] => Kind::Framing,
        ["pragma", "foreign_keys", ..] => Kind::Framing,
        ["pragma", "defer_foreign_keys", ..] => {
            Kind::D1("PRAGMA defer_foreign_keys is D1's; libSQL rejects it")
        }
        ["delete", "from", "sqlite_sequence", ..] => {
            Kind::D1("DELETE FROM sqlite_sequence is D1's; libSQL rejects it")
        }
        ["drop", "index", rest @ ..] if rest.iter().any(|w| w.starts_with("sqlite_autoindex_")) => {
            Kind::D1("dropping a constraint's index (sqlite_autoindex_…); libSQL rejects it")
        }
        _ => Kind::Send,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub batch_size: usize,
    /// Leave out the D1-only statements instead of refusing the file.
    pub d1: bool,
    /// The first batch to send (from 1): the ones before it committed in
    /// an earlier run.
    pub from_batch: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH,
            d1: false,
            from_batch: 1,
        }
    }
}

/// What the first pass found: what will be sent, and in how many batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub statements: usize,
    pub batches: usize,
    pub framing: usize,
    /// D1-only statements left out (with `d1`).
    pub d1_removed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "line {line}: {why}. This looks like a Cloudflare D1 export ({count} such statement(s)): \
         re-run with --d1 to leave them out, as the migration guide does. Nothing was sent."
    )]
    D1Only {
        line: usize,
        why: &'static str,
        count: usize,
    },
    #[error(
        "line {line}: the statement is {size} bytes, over the {MAX_BATCH_BYTES}-byte request limit \
         (the edge fails requests of ~1.5 MB); split it into smaller statements. Nothing was sent."
    )]
    TooLarge { line: usize, size: usize },
    #[error("--from-batch {asked} is past the last batch ({batches}); nothing was sent")]
    PastTheEnd { asked: usize, batches: usize },
    #[error("{0}")]
    Batch(Box<BatchFailure>),
}

/// A batch that did not commit.
#[derive(Debug)]
pub struct BatchFailure {
    pub batch: usize,
    /// The first batch this run sent.
    pub first: usize,
    /// The failing statement and its line, when the platform named it.
    pub statement: Option<Statement>,
    pub error: SqlError,
}

impl std::fmt::Display for BatchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { batch, first, .. } = *self;
        match &self.statement {
            Some(s) => write!(
                f,
                "batch {batch} failed at line {} ({}): {}",
                s.line,
                crate::excerpt::excerpt(&s.sql, 80),
                self.error
            )?,
            None => write!(f, "batch {batch} failed: {}", self.error)?,
        }
        let committed = match batch - first {
            0 => "no batch of this run committed".to_string(),
            1 => format!("batch {first} committed"),
            _ => format!("batches {first}–{} committed", batch - 1),
        };
        if matches!(self.error, SqlError::Transport(_)) {
            return write!(
                f,
                ". {committed}; the connection broke during batch {batch}, so it may or may not \
                 have committed: check its last rows, then re-run with --from-batch {batch} \
                 (or {}).",
                batch + 1
            );
        }
        write!(
            f,
            ". {committed}; batch {batch} was rolled back. Fix the statement, then re-run with \
             --from-batch {batch}."
        )
    }
}

/// Where batches end: at the count, or before the bytes would pass
/// [`MAX_BATCH_BYTES`]. The one rule both passes cut by.
struct Cutter {
    size: usize,
    count: usize,
    bytes: usize,
    batches: usize,
}

impl Cutter {
    fn new(options: ImportOptions) -> Self {
        Self {
            size: options.batch_size.max(1),
            count: 0,
            bytes: 0,
            batches: 0,
        }
    }

    /// Takes a statement of `len` bytes: true when it starts a batch.
    fn take(&mut self, len: usize) -> bool {
        let starts =
            self.count == 0 || self.count >= self.size || self.bytes + len > MAX_BATCH_BYTES;
        if starts {
            self.batches += 1;
            (self.count, self.bytes) = (0, 0);
        }
        self.count += 1;
        self.bytes += len;
        starts
    }
}

/// The statements to send, in batches, as [`Cutter`] cuts them.
struct Batches<I> {
    statements: I,
    cutter: Cutter,
    carry: Option<Statement>,
}

impl<I: Iterator<Item = std::io::Result<Statement>>> Iterator for Batches<I> {
    type Item = std::io::Result<Vec<Statement>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut batch: Vec<Statement> = self.carry.take().into_iter().collect();
        for statement in self.statements.by_ref() {
            let statement = match statement {
                Ok(s) => s,
                Err(e) => return Some(Err(e)),
            };
            if classify(&statement.sql) != Kind::Send {
                continue;
            }
            if self.cutter.take(statement.sql.len()) && !batch.is_empty() {
                self.carry = Some(statement);
                return Some(Ok(batch));
            }
            batch.push(statement);
        }
        (!batch.is_empty()).then_some(Ok(batch))
    }
}

fn batches<R: BufRead>(
    reader: R,
    options: ImportOptions,
) -> Batches<impl Iterator<Item = std::io::Result<Statement>>> {
    Batches {
        statements: Statements::new(reader),
        cutter: Cutter::new(options),
        carry: None,
    }
}

/// The first pass: refuses what cannot be sent, counts what will be.
pub fn plan(reader: impl BufRead, options: ImportOptions) -> Result<Plan, ImportError> {
    let mut plan = Plan::default();
    let mut cutter = Cutter::new(options);
    let mut first_d1 = None;
    for statement in Statements::new(reader) {
        let statement = statement?;
        match classify(&statement.sql) {
            Kind::Framing => plan.framing += 1,
            Kind::D1(why) => {
                plan.d1_removed += 1;
                first_d1.get_or_insert((statement.line, why));
            }
            Kind::Send if statement.sql.len() > MAX_BATCH_BYTES => {
                return Err(ImportError::TooLarge {
                    line: statement.line,
                    size: statement.sql.len(),
                });
            }
            Kind::Send => {
                plan.statements += 1;
                cutter.take(statement.sql.len());
            }
        }
    }
    plan.batches = cutter.batches;
    if let Some((line, why)) = first_d1.filter(|_| !options.d1) {
        let count = plan.d1_removed;
        return Err(ImportError::D1Only { line, why, count });
    }
    Ok(plan)
}

/// How far an import has gone, after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub batch: usize,
    pub statements: usize,
}

/// The second pass: sends the batches from `options.from_batch` on.
/// `reader` reads the same file [`plan`] read; `progress` hears of each
/// committed batch.
pub async fn import(
    session: &mut SqlSession,
    reader: impl BufRead,
    options: ImportOptions,
    plan: &Plan,
    mut progress: impl FnMut(Progress),
) -> Result<Progress, ImportError> {
    let first = options.from_batch.max(1);
    if first > plan.batches.max(1) && first > 1 {
        return Err(ImportError::PastTheEnd {
            asked: first,
            batches: plan.batches,
        });
    }
    let mut done = Progress {
        batch: 0,
        statements: 0,
    };
    for (i, batch) in batches(reader, options).enumerate() {
        let (number, batch) = (i + 1, batch?);
        done.batch = number;
        done.statements += batch.len();
        if number < first {
            continue;
        }
        let sql: Vec<&str> = batch.iter().map(|s| s.sql.as_str()).collect();
        if let Err((at, error)) = session.transaction(&sql).await {
            return Err(ImportError::Batch(Box::new(BatchFailure {
                batch: number,
                first,
                statement: batch.get(at).cloned(),
                error,
            })));
        }
        progress(done);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Statement> {
        Statements::new(std::io::Cursor::new(text.as_bytes()))
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn statements_stream_with_their_lines_across_quoted_newlines_and_triggers() {
        let text = "CREATE TABLE t(a);\nINSERT INTO t VALUES('x;\ny');\n\n\
                    CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  DELETE FROM t;\nEND;\nSELECT 1";
        let got = read(text);
        let lines: Vec<usize> = got.iter().map(|s| s.line).collect();
        assert_eq!(lines, [1, 2, 5, 8]);
        assert_eq!(got[1].sql, "INSERT INTO t VALUES('x;\ny')");
        assert!(got[2].sql.ends_with("END"), "{}", got[2].sql);
        assert_eq!(got[3].sql, "SELECT 1", "the last one needs no ;");
    }

    #[test]
    fn a_statement_that_never_ends_stops_the_read_at_the_limit() {
        let endless = "INSERT INTO t VALUES('".to_string() + &"x".repeat(3 * MAX_BATCH_BYTES);
        let mut read = Statements::new(std::io::Cursor::new(endless.into_bytes()));
        let err = read.next().unwrap().unwrap_err().to_string();
        assert!(err.starts_with("line 1: a statement runs past"), "{err}");
        assert!(read.next().is_none(), "and reading stops");

        let binary = vec![b'S', 0xff, 0xfe, b'\n'];
        let mut read = Statements::new(std::io::Cursor::new(binary));
        let err = read.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("not UTF-8 text"), "{err}");
    }

    #[test]
    fn framing_and_d1_statements_are_told_apart() {
        assert_eq!(classify("BEGIN TRANSACTION"), Kind::Framing);
        assert_eq!(classify("PRAGMA foreign_keys=OFF"), Kind::Framing);
        assert!(matches!(
            classify("PRAGMA defer_foreign_keys = on"),
            Kind::D1(_)
        ));
        assert!(matches!(
            classify("DELETE FROM \"sqlite_sequence\""),
            Kind::D1(_)
        ));
        assert!(matches!(
            classify("DROP INDEX IF EXISTS sqlite_autoindex_users_1"),
            Kind::D1(_)
        ));
        assert_eq!(classify("DROP INDEX idx_users_email"), Kind::Send);
        assert_eq!(classify("INSERT INTO t VALUES(1)"), Kind::Send);
    }

    #[test]
    fn batches_hold_at_most_the_count_and_the_bytes() {
        let mut text = String::new();
        for i in 0..250 {
            text.push_str(&format!("INSERT INTO t VALUES({i});\n"));
        }
        let options = ImportOptions::default();
        let sizes: Vec<usize> = batches(std::io::Cursor::new(text), options)
            .map(|b| b.unwrap().len())
            .collect();
        assert_eq!(sizes, [100, 100, 50]);

        let big = format!("INSERT INTO t VALUES('{}');\n", "x".repeat(400_000));
        let text = big.repeat(5);
        let sizes: Vec<usize> = batches(std::io::Cursor::new(text), options)
            .map(|b| b.unwrap().len())
            .collect();
        assert_eq!(sizes, [2, 2, 1], "under {MAX_BATCH_BYTES} bytes each");
    }

    #[test]
    fn a_d1_export_is_refused_without_d1_naming_the_line() {
        let text =
            "PRAGMA defer_foreign_keys = on;\nCREATE TABLE t(a);\nDELETE FROM sqlite_sequence;\n";
        let refused = plan(std::io::Cursor::new(text), ImportOptions::default()).unwrap_err();
        let said = refused.to_string();
        assert!(
            said.starts_with("line 1: PRAGMA defer_foreign_keys"),
            "{said}"
        );
        assert!(
            said.contains("2 such statement(s)") && said.contains("--d1"),
            "{said}"
        );
        let options = ImportOptions {
            d1: true,
            ..ImportOptions::default()
        };
        let planned = plan(std::io::Cursor::new(text), options).unwrap();
        assert_eq!((planned.statements, planned.d1_removed), (1, 2));
    }
}

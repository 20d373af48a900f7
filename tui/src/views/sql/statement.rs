//! Reading the editor buffer as SQL: where each statement starts and ends
//! (so the one under the cursor can run), and what kind of statement it
//! is (so reads can stream and read-only mode can refuse writes before
//! anything is sent).

use std::ops::Range;

use comwit_client::sql::split_statements;

/// Byte ranges of the statements in `text`, each running from just after
/// the previous `;` to just after its own `;` (or the end). Quotes,
/// comments and `CREATE TRIGGER … BEGIN … END` bodies are respected, with
/// the same rules as [`split_statements`], so a range handed to it yields
/// exactly that statement.
pub fn spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    let mut word = String::new();
    // The first word of the current statement (is it a CREATE?).
    let mut first_word: Option<String> = None;
    let mut trigger = false;
    let mut depth = 0i32;
    let flush =
        |word: &mut String, first: &mut Option<String>, trigger: &mut bool, depth: &mut i32| {
            if word.is_empty() {
                return;
            }
            let w = word.to_ascii_uppercase();
            if first.is_none() {
                *first = Some(w.clone());
            }
            if w == "TRIGGER" && first.as_deref() == Some("CREATE") {
                *trigger = true;
            } else if *trigger && (w == "BEGIN" || w == "CASE") {
                *depth += 1;
            } else if *trigger && w == "END" {
                *depth -= 1;
            }
            word.clear();
        };
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                flush(&mut word, &mut first_word, &mut trigger, &mut depth);
                let close = if c == '[' { ']' } else { c };
                for (_, d) in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            '-' if chars.peek().map(|(_, d)| *d) == Some('-') => {
                flush(&mut word, &mut first_word, &mut trigger, &mut depth);
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().map(|(_, d)| *d) == Some('*') => {
                flush(&mut word, &mut first_word, &mut trigger, &mut depth);
                chars.next();
                let mut prev = ' ';
                for (_, d) in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            ';' => {
                flush(&mut word, &mut first_word, &mut trigger, &mut depth);
                if trigger && depth > 0 {
                    continue;
                }
                out.push(start..i + 1);
                start = i + 1;
                first_word = None;
                trigger = false;
                depth = 0;
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, &mut first_word, &mut trigger, &mut depth),
        }
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// The statement(s) to run for a cursor at byte `offset`: the statement
/// the cursor touches; in the blank space between statements, the one
/// before it (the usual place after typing `…;`); before the first, the
/// first. Comment-only stretches are skipped. Usually one statement; more
/// only if the splitter saw boundaries the span scan did not.
pub fn at_cursor(text: &str, offset: usize) -> Vec<String> {
    // (content range, cleaned statements) of every non-empty statement.
    let statements: Vec<(Range<usize>, Vec<String>)> = spans(text)
        .into_iter()
        .filter_map(|r| {
            let cleaned = split_statements(&text[r.clone()]);
            if cleaned.is_empty() {
                return None;
            }
            let slice = &text[r.clone()];
            let lead = slice.len() - slice.trim_start().len();
            let trail = slice.len() - slice.trim_end().len();
            Some((r.start + lead..r.end - trail, cleaned))
        })
        .collect();
    let touching = statements
        .iter()
        .find(|(r, _)| r.start <= offset && offset <= r.end);
    let before = || statements.iter().rev().find(|(r, _)| r.end <= offset);
    touching
        .or_else(before)
        .or(statements.first())
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

/// The byte offset of a (row, column-in-characters) cursor in the lines
/// joined by `\n` (as the text area keeps them).
pub fn offset_of(lines: &[String], row: usize, col: usize) -> usize {
    let before: usize = lines.iter().take(row).map(|l| l.len() + 1).sum();
    let within = lines
        .get(row)
        .map(|l| l.char_indices().nth(col).map(|(i, _)| i).unwrap_or(l.len()))
        .unwrap_or(0);
    before + within
}

/// The words of a statement in upper case, outside quotes and comments.
fn words(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = sql.chars().peekable();
    let push = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(word.to_ascii_uppercase());
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                push(&mut word, &mut out);
                let close = if c == '[' { ']' } else { c };
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                push(&mut word, &mut out);
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                push(&mut word, &mut out);
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            '=' => {
                push(&mut word, &mut out);
                out.push("=".into());
            }
            _ => push(&mut word, &mut out),
        }
    }
    push(&mut word, &mut out);
    out
}

const WRITE_WORDS: &[&str] = &["INSERT", "UPDATE", "DELETE", "REPLACE"];

/// The statement's first keyword (`SELECT`, `INSERT`, …), upper case.
pub fn first_keyword(sql: &str) -> String {
    words(sql).into_iter().next().unwrap_or_default()
}

/// Whether read-only mode lets the statement through: `SELECT`,
/// `VALUES`, `EXPLAIN`, `WITH` (unless its main statement writes) and
/// `PRAGMA` reads (a `PRAGMA x = y` changes the database or the session).
pub fn is_read(sql: &str) -> bool {
    let words = words(sql);
    match words.first().map(String::as_str) {
        Some("SELECT" | "VALUES" | "EXPLAIN") => true,
        Some("WITH") => !words.iter().any(|w| WRITE_WORDS.contains(&w.as_str())),
        Some("PRAGMA") => !words.iter().any(|w| w == "="),
        _ => false,
    }
}

/// Whether to fetch the rows through the cursor endpoint (streamed, so a
/// large result never sits in one response body): plain queries only;
/// statements that write or change the session go through the pipeline,
/// which reports affected rows and the transaction state.
pub fn streams(sql: &str) -> bool {
    let words = words(sql);
    match words.first().map(String::as_str) {
        Some("SELECT" | "VALUES") => true,
        Some("WITH") => !words.iter().any(|w| WRITE_WORDS.contains(&w.as_str())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statement for a cursor placed where `|` is.
    fn under(marked: &str) -> Vec<String> {
        let offset = marked.find('|').expect("a cursor mark");
        let text = marked.replacen('|', "", 1);
        at_cursor(&text, offset)
    }

    #[test]
    fn the_statement_under_the_cursor_is_chosen() {
        assert_eq!(under("sel|ect 1; select 2;"), vec!["select 1"]);
        assert_eq!(under("select 1; sel|ect 2;"), vec!["select 2"]);
        // Right after a `;`, and on the blank line after it: the one before.
        assert_eq!(under("select 1;| select 2;"), vec!["select 1"]);
        assert_eq!(under("select 1;\n\n|\nselect 2;"), vec!["select 1"]);
        assert_eq!(under("select 1;\nselect 2;\n|"), vec!["select 2"]);
        // Before the first statement: the first one.
        assert_eq!(under("|\n\nselect 1;"), vec!["select 1"]);
        // The last statement needs no `;`.
        assert_eq!(under("select 1;\nselect 2|"), vec!["select 2"]);
        // Multi-line statements, quotes and comments.
        assert_eq!(
            under("select 'a;b',\n  2 |from t;\nselect 3"),
            vec!["select 'a;b',\n  2 from t"]
        );
        assert_eq!(
            under("select 1; -- a comment; with semicolons\n|"),
            vec!["select 1"],
            "a trailing comment is not a statement"
        );
        assert_eq!(under("/* x; */ select |4;"), vec!["select 4"]);
        assert!(under("|").is_empty());
        assert!(under("  -- only a comment|").is_empty());
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let text = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM t; END;\nSELECT 2;";
        assert_eq!(spans(text).len(), 2, "{:?}", spans(text));
        let offset = text.find("DELETE").unwrap();
        let stmt = at_cursor(text, offset);
        assert_eq!(stmt.len(), 1);
        assert!(stmt[0].starts_with("CREATE TRIGGER") && stmt[0].ends_with("END"));
        assert_eq!(at_cursor(text, text.len()), vec!["SELECT 2"]);
    }

    #[test]
    fn cursor_rows_and_columns_become_byte_offsets() {
        let lines = vec!["héllo".to_string(), "wörld".to_string()];
        assert_eq!(offset_of(&lines, 0, 0), 0);
        assert_eq!(offset_of(&lines, 0, 2), 3, "é is two bytes");
        assert_eq!(offset_of(&lines, 1, 0), 7);
        assert_eq!(offset_of(&lines, 1, 5), 13, "end of the last line");
        assert_eq!(offset_of(&lines, 1, 99), 13);
    }

    #[test]
    fn statements_are_classified() {
        assert!(is_read("select 1") && streams("SELECT * FROM t"));
        assert!(is_read("  /* why */ (select 1)"));
        assert!(is_read("explain query plan delete from t") && !streams("explain select 1"));
        assert!(is_read("pragma table_info(t)") && !is_read("PRAGMA user_version = 5"));
        assert!(is_read("with x as (select 1) select * from x"));
        assert!(!is_read(
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"
        ));
        assert!(!streams("with x as (select 1) delete from t"));
        assert!(
            is_read("select 'insert' from t"),
            "words in strings do not count"
        );
        for write in [
            "insert into t values (1)",
            "drop table t",
            "begin",
            "vacuum",
        ] {
            assert!(!is_read(write), "{write}");
        }
        assert_eq!(first_keyword("-- hi\n  begin;"), "BEGIN");
    }
}

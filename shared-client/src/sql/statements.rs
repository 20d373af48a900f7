//! Statements in a script, read through the [lexer](super::lexer): where
//! each one is, and what its leading keywords say about it.

use std::ops::Range;

use super::lexer::{Token, TokenKind, tokens};

/// The byte ranges of the statements in `script`, each from its first to
/// its last token that is not whitespace or a comment, without the `;`.
/// Empty and comment-only statements are skipped; the `;`s inside a
/// `CREATE TRIGGER … BEGIN … END` body do not end it.
pub fn ranges(script: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut current = Current::default();
    for token in tokens(script) {
        if token.kind == TokenKind::Semicolon && current.trigger_depth == 0 {
            out.extend(current.range.take());
            current = Current::default();
            continue;
        }
        current.push(&token, script);
    }
    out.extend(current.range);
    out
}

/// The statements of `script`, as text, in order.
pub fn split_statements(script: &str) -> Vec<String> {
    ranges(script)
        .into_iter()
        .map(|r| script[r].to_string())
        .collect()
}

/// The statement being read by [`ranges`].
#[derive(Default)]
struct Current {
    range: Option<Range<usize>>,
    /// Its first word is CREATE (a TRIGGER may follow).
    create: bool,
    /// A `CREATE … TRIGGER`: the `;`s in its body do not end it.
    trigger: bool,
    /// BEGIN and CASE opened in the trigger and not yet closed by END.
    trigger_depth: u32,
}

impl Current {
    fn push(&mut self, token: &Token, script: &str) {
        if token.kind.is_trivia() {
            return;
        }
        let range = self.range.get_or_insert(token.range.clone());
        let first = range.start == token.range.start;
        range.end = token.range.end;
        if token.kind != TokenKind::Word {
            return;
        }
        let word = &script[token.range.clone()];
        if first {
            self.create = word.eq_ignore_ascii_case("CREATE");
        } else if self.create && !self.trigger && word.eq_ignore_ascii_case("TRIGGER") {
            self.trigger = true;
        } else if self.trigger {
            if word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE") {
                self.trigger_depth += 1;
            } else if word.eq_ignore_ascii_case("END") {
                self.trigger_depth = self.trigger_depth.saturating_sub(1);
            }
        }
    }
}

/// The statement's first keyword in upper case (`SELECT`, `PRAGMA`), or
/// an empty string when it has none.
pub fn first_keyword(sql: &str) -> String {
    tokens(sql)
        .find(|t| t.kind == TokenKind::Word)
        .map(|t| sql[t.range].to_ascii_uppercase())
        .unwrap_or_default()
}

/// Whether the statement is a plain query — `SELECT`, `VALUES`, or a
/// `WITH` whose main statement is one of those — whose rows can be read
/// through a cursor. A `WITH … INSERT` is not, however its common table
/// expressions read; words inside them (a `replace()` call) do not count.
pub fn is_query(sql: &str) -> bool {
    let mut depth = 0i32;
    let mut with_depth = None;
    for token in tokens(sql) {
        match (token.kind, &sql[token.range.clone()]) {
            (TokenKind::Punct, "(") => depth += 1,
            (TokenKind::Punct, ")") => depth -= 1,
            (TokenKind::Word, word) => {
                let word = word.to_ascii_uppercase();
                match with_depth {
                    None if word == "WITH" => with_depth = Some(depth),
                    None => return matches!(word.as_str(), "SELECT" | "VALUES"),
                    Some(d) if d == depth && MAIN_VERBS.contains(&word.as_str()) => {
                        return matches!(word.as_str(), "SELECT" | "VALUES");
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    false
}

/// The statements a `WITH` clause can lead into.
const MAIN_VERBS: &[&str] = &["SELECT", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_split_on_statement_boundaries() {
        let s =
            "CREATE TABLE t (a); -- comment; here\nINSERT INTO t VALUES ('a;b'); /* x; */ SELECT 1";
        assert_eq!(
            split_statements(s),
            vec![
                "CREATE TABLE t (a)",
                "INSERT INTO t VALUES ('a;b')",
                "SELECT 1"
            ]
        );
        assert_eq!(
            split_statements(" ;; -- only\n; /* c */"),
            Vec::<String>::new()
        );
        assert_eq!(
            split_statements("select 1 -- why\n from t ;"),
            vec!["select 1 -- why\n from t"],
            "comments inside a statement stay in it"
        );
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let trig = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN 1 THEN 2 END; DELETE FROM t; END; SELECT 2;";
        let parts = split_statements(trig);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("DELETE FROM t; END"), "{parts:?}");
        assert_eq!(parts[1], "SELECT 2");
        let temp = split_statements(
            "create temp trigger x after delete on t begin select 1; end; select 3",
        );
        assert_eq!(temp.len(), 2, "{temp:?}");
        assert_eq!(
            split_statements("select trigger, begin from t; select 4").len(),
            2,
            "only a CREATE … TRIGGER has a body"
        );
    }

    #[test]
    fn queries_are_told_from_writes() {
        for query in [
            "select 1",
            "  /* why */ VALUES (1)",
            "with x as (select 1) select * from x",
            "WITH x AS (SELECT replace('a', 'b', 'c') AS r) SELECT r FROM x",
            "with recursive c(n) as (select 1 union all select n + 1 from c) select n from c",
            "select 'insert' from t",
        ] {
            assert!(is_query(query), "{query}");
        }
        for other in [
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "with x as (select 1) delete from t",
            "insert into t select 1",
            "explain select 1",
            "pragma table_info(t)",
            "",
        ] {
            assert!(!is_query(other), "{other}");
        }
        assert_eq!(first_keyword("-- hi\n  begin;"), "BEGIN");
    }
}

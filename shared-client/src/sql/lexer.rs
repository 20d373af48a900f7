//! SQLite's lexical rules, once: what is a string, a quoted name, a
//! comment, a word. Statement splitting, keyword classification and the
//! dashboard's highlighting all read SQL through these tokens, so a `;`
//! inside `'a;b'` or `/* ; */` means the same thing everywhere.
//!
//! The lexer never fails and never allocates: every byte of the input
//! belongs to exactly one token, an unterminated string or comment runs to
//! the end, and ranges always fall on character boundaries.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or an unquoted name (`SELECT`, `users`).
    Word,
    /// `'text'` (a doubled `''` stays inside).
    String,
    /// `"name"`, `` `name` `` or `[name]`.
    QuotedName,
    /// `x'00ff'`.
    Blob,
    /// `42`, `3.5e-2`, `0x1F`.
    Number,
    /// `?`, `?1`, `:name`, `@name`, `$name`.
    Parameter,
    /// `-- to the end of the line` or `/* … */`.
    Comment,
    Whitespace,
    /// `;`, the end of a statement (outside trigger bodies).
    Semicolon,
    /// Any other character: operators, parentheses, commas.
    Punct,
}

impl TokenKind {
    /// Whitespace and comments: what a statement may start or end with
    /// without it being part of the statement.
    pub fn is_trivia(self) -> bool {
        matches!(self, TokenKind::Whitespace | TokenKind::Comment)
    }
}

/// One token: its kind and where it is in the input (bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub range: Range<usize>,
}

/// The tokens of `sql`, in order, covering every byte.
pub fn tokens(sql: &str) -> Tokens<'_> {
    Tokens { sql, at: 0 }
}

/// The iterator [`tokens`] returns.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    sql: &'a str,
    at: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let rest = &self.sql[self.at..];
        let first = rest.chars().next()?;
        let (kind, len) = scan(rest, first);
        let start = self.at;
        self.at += len;
        Some(Token {
            kind,
            range: start..self.at,
        })
    }
}

/// The kind and byte length of the token at the start of `rest`, whose
/// first character is `first`.
fn scan(rest: &str, first: char) -> (TokenKind, usize) {
    let bytes = rest.as_bytes();
    let next = bytes.get(1).copied();
    match first {
        c if c.is_whitespace() => (TokenKind::Whitespace, run(rest, char::is_whitespace)),
        '-' if next == Some(b'-') => (TokenKind::Comment, rest.find('\n').unwrap_or(rest.len())),
        '/' if next == Some(b'*') => (
            TokenKind::Comment,
            rest[2..].find("*/").map_or(rest.len(), |i| i + 4),
        ),
        '\'' => (TokenKind::String, quoted(rest, b'\'')),
        '"' | '`' => (TokenKind::QuotedName, quoted(rest, first as u8)),
        '[' => (
            TokenKind::QuotedName,
            rest.find(']').map_or(rest.len(), |i| i + 1),
        ),
        'x' | 'X' if next == Some(b'\'') => (TokenKind::Blob, 1 + quoted(&rest[1..], b'\'')),
        ';' => (TokenKind::Semicolon, 1),
        '?' => (
            TokenKind::Parameter,
            1 + run(&rest[1..], |c| c.is_ascii_digit()),
        ),
        ':' | '@' | '$' if rest[1..].starts_with(is_word_char) => {
            (TokenKind::Parameter, 1 + run(&rest[1..], is_word_char))
        }
        c if c.is_ascii_digit() || (c == '.' && next.is_some_and(|b| b.is_ascii_digit())) => {
            (TokenKind::Number, number(bytes))
        }
        c if is_word_start(c) => (TokenKind::Word, run(rest, is_word_char)),
        c => (TokenKind::Punct, c.len_utf8()),
    }
}

/// The length of the leading run of characters matching `keep`.
fn run(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.find(|c: char| !keep(c)).unwrap_or(s.len())
}

/// A quoted token's length, `s` starting at its opening `quote`; a
/// doubled quote is an escaped one. Unterminated: the rest of the input.
fn quoted(s: &str, quote: u8) -> usize {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// A numeric literal's length: digits, one fraction, an exponent (with
/// its sign), or a hex literal. Letters glued on (`12abc`) stay in it, as
/// SQLite refuses the whole thing.
fn number(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let sign_of_exponent = matches!(b, b'+' | b'-')
            && i > 0
            && matches!(bytes[i - 1], b'e' | b'E')
            && !bytes[..i].starts_with(b"0x")
            && !bytes[..i].starts_with(b"0X");
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || sign_of_exponent {
            i += 1;
        } else {
            break;
        }
    }
    i
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace())
}

/// SQLite's keywords (<https://sqlite.org/lang_keywords.html>), sorted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// Whether a word is one of SQLite's keywords (any case): what the
/// console shows as a keyword, as opposed to a name or a function.
/// SQLite's keywords, upper case, sorted.
pub fn keywords() -> &'static [&'static str] {
    KEYWORDS
}

pub fn is_keyword(word: &str) -> bool {
    word.len() <= 17
        && KEYWORDS
            .binary_search(&word.to_ascii_uppercase().as_str())
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        tokens(sql).map(|t| (t.kind, &sql[t.range])).collect()
    }

    #[test]
    fn every_byte_belongs_to_one_token() {
        for sql in [
            "select 'a;b', \"c\"\"d\", [e f], `g` from t -- c\n;",
            "x'00ff' 3.5e-2 0x1F .5 ?1 :name @p $v é_ü ✓ /* open",
            "'unterminated",
            "",
        ] {
            let mut at = 0;
            for t in tokens(sql) {
                assert_eq!(t.range.start, at, "{sql:?}");
                assert!(t.range.end > t.range.start, "{sql:?}");
                at = t.range.end;
            }
            assert_eq!(at, sql.len(), "{sql:?}");
        }
    }

    #[test]
    fn quotes_and_comments_hide_what_is_inside() {
        use TokenKind::*;
        assert_eq!(
            kinds("'it''s; fine' /* ; */ -- ;\n;"),
            vec![
                (String, "'it''s; fine'"),
                (Whitespace, " "),
                (Comment, "/* ; */"),
                (Whitespace, " "),
                (Comment, "-- ;"),
                (Whitespace, "\n"),
                (Semicolon, ";"),
            ]
        );
        assert_eq!(
            kinds("\"a\"\"b\"[c;d]`e`"),
            vec![
                (QuotedName, "\"a\"\"b\""),
                (QuotedName, "[c;d]"),
                (QuotedName, "`e`")
            ]
        );
        assert_eq!(
            kinds("/* never closed; select 1"),
            vec![(Comment, "/* never closed; select 1")]
        );
        assert_eq!(
            kinds("'never closed; x"),
            vec![(String, "'never closed; x")]
        );
    }

    #[test]
    fn literals_parameters_and_words_are_told_apart() {
        use TokenKind::*;
        assert_eq!(
            kinds("X'0a' 1e+5 0x1e-2 ?12 :id x1"),
            vec![
                (Blob, "X'0a'"),
                (Whitespace, " "),
                (Number, "1e+5"),
                (Whitespace, " "),
                (Number, "0x1e"),
                (Punct, "-"),
                (Number, "2"),
                (Whitespace, " "),
                (Parameter, "?12"),
                (Whitespace, " "),
                (Parameter, ":id"),
                (Whitespace, " "),
                (Word, "x1"),
            ]
        );
        assert_eq!(kinds("a-b"), vec![(Word, "a"), (Punct, "-"), (Word, "b")]);
        assert_eq!(
            kinds("→"),
            vec![(Word, "→")],
            "non-ASCII is a name character"
        );
        assert_eq!(kinds("a:"), vec![(Word, "a"), (Punct, ":")]);
    }

    #[test]
    fn keywords_are_sqlites_own() {
        assert!(
            KEYWORDS.windows(2).all(|w| w[0] < w[1]),
            "sorted, for the search"
        );
        assert!(is_keyword("select") && is_keyword("Current_Timestamp"));
        assert!(!is_keyword("replace_all") && !is_keyword("count") && !is_keyword(""));
    }
}

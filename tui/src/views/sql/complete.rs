//! Autocomplete in the editor, from the schema catalog and SQLite's own
//! keywords and functions, aware of where the cursor is: after `FROM`,
//! `JOIN`, `INTO`, `UPDATE` or `TABLE` the tables and views; after
//! `alias.` the columns of the table that alias names; elsewhere the
//! columns of the statement's tables first, then tables, functions and
//! keywords. The statement is read with the shared lexer, so a word in a
//! string or a comment is never taken for a table.

use std::collections::HashMap;

use comwit_client::sql::lexer::{TokenKind, is_keyword, keywords, tokens};

use super::catalog::{Kind, Object, insertable};

/// What may complete the word before the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suggestions {
    /// The part of the word already typed (replaced by the choice).
    pub prefix: String,
    pub items: Vec<String>,
    /// They are the columns of `alias.` (what a `.` opens by itself).
    pub qualified: bool,
}

/// At most this many suggestions are offered.
const MAX: usize = 50;

/// SQLite's built-in scalar, aggregate, window, date, math and JSON
/// functions (sqlite.org/lang_corefunc.html and its siblings).
const FUNCTIONS: &[&str] = &[
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "avg",
    "ceil",
    "changes",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "cos",
    "count",
    "cume_dist",
    "date",
    "datetime",
    "degrees",
    "dense_rank",
    "exp",
    "first_value",
    "floor",
    "format",
    "glob",
    "group_concat",
    "hex",
    "ifnull",
    "iif",
    "instr",
    "json",
    "json_array",
    "json_array_length",
    "json_each",
    "json_extract",
    "json_group_array",
    "json_group_object",
    "json_insert",
    "json_object",
    "json_patch",
    "json_remove",
    "json_replace",
    "json_set",
    "json_tree",
    "json_type",
    "json_valid",
    "julianday",
    "lag",
    "last_insert_rowid",
    "last_value",
    "lead",
    "length",
    "like",
    "likelihood",
    "ln",
    "log",
    "log10",
    "lower",
    "ltrim",
    "max",
    "min",
    "mod",
    "nth_value",
    "ntile",
    "nullif",
    "percent_rank",
    "pi",
    "pow",
    "printf",
    "quote",
    "radians",
    "random",
    "randomblob",
    "rank",
    "replace",
    "round",
    "row_number",
    "rtrim",
    "sign",
    "sin",
    "sqrt",
    "strftime",
    "substr",
    "sum",
    "tan",
    "time",
    "total",
    "total_changes",
    "trim",
    "typeof",
    "unhex",
    "unicode",
    "unixepoch",
    "upper",
    "zeroblob",
];

/// The keywords after which a table name comes.
const BEFORE_TABLE: &[&str] = &["FROM", "JOIN", "INTO", "UPDATE", "TABLE"];

/// A significant token: its text, and whether it is a name or word.
struct Tok<'a> {
    text: &'a str,
    kind: TokenKind,
}

fn significant(sql: &str) -> Vec<Tok<'_>> {
    tokens(sql)
        .filter(|t| !t.kind.is_trivia())
        .map(|t| Tok {
            text: &sql[t.range.clone()],
            kind: t.kind,
        })
        .collect()
}

/// A word or quoted name, unquoted.
fn name(tok: &Tok<'_>) -> Option<String> {
    match tok.kind {
        TokenKind::Word => Some(tok.text.to_string()),
        TokenKind::QuotedName => Some(
            tok.text[1..tok.text.len().saturating_sub(1)]
                .replace("\"\"", "\"")
                .to_string(),
        ),
        _ => None,
    }
}

/// The tables a statement names after `FROM`/`JOIN`/`UPDATE`/`INTO`,
/// by alias (and by their own name).
fn aliases(sql: &str) -> HashMap<String, String> {
    let toks = significant(sql);
    let mut out = HashMap::new();
    let mut i = 0;
    while i < toks.len() {
        let word = toks[i].text.to_ascii_uppercase();
        let in_from = BEFORE_TABLE.contains(&word.as_str());
        i += 1;
        if !in_from {
            continue;
        }
        // `FROM a x, b AS y`: one or more table references.
        while let Some(table) = toks.get(i).and_then(name) {
            out.insert(table.to_lowercase(), table.clone());
            i += 1;
            if toks
                .get(i)
                .is_some_and(|t| t.text.eq_ignore_ascii_case("AS"))
            {
                i += 1;
            }
            if let Some(alias) = toks.get(i).and_then(name).filter(|a| !is_keyword(a)) {
                out.insert(alias.to_lowercase(), table.clone());
                i += 1;
            }
            if toks.get(i).is_some_and(|t| t.text == ",") {
                i += 1;
                continue;
            }
            break;
        }
    }
    out
}

/// The statement around `cursor` in `text`: from after the last `;`
/// before it to the next `;` (or the end).
fn statement_at(text: &str, cursor: usize) -> (usize, usize) {
    let mut start = 0;
    let mut end = text.len();
    for t in tokens(text).filter(|t| t.kind == TokenKind::Semicolon) {
        if t.range.end <= cursor {
            start = t.range.end;
        } else {
            end = t.range.start;
            break;
        }
    }
    (start, end.max(cursor))
}

/// Suggestions for the word before byte `cursor` of `text`.
pub fn suggest(text: &str, cursor: usize, objects: &[Object]) -> Suggestions {
    let (start, end) = statement_at(text, cursor);
    let before = &text[start..cursor];
    // In a string, a blob or a comment there is nothing to suggest.
    let inside = tokens(before).last().is_some_and(|t| {
        matches!(
            t.kind,
            TokenKind::String | TokenKind::Blob | TokenKind::Comment
        )
    });
    if inside {
        return Suggestions::default();
    }
    let toks = significant(before);
    let typed = match toks.last() {
        Some(t) if t.kind == TokenKind::Word && before.ends_with(t.text) => t.text,
        _ => "",
    };
    let context = &toks[..toks.len() - usize::from(!typed.is_empty())];
    let aliases = aliases(&text[start..end]);
    let columns_of = |table: &str| -> Vec<String> {
        objects
            .iter()
            .filter(|o| matches!(o.kind, Kind::Table | Kind::View))
            .filter(|o| o.name.eq_ignore_ascii_case(table))
            .flat_map(|o| o.columns.iter().map(|c| insertable(&c.name)))
            .collect()
    };
    let tables = || -> Vec<String> {
        objects
            .iter()
            .filter(|o| matches!(o.kind, Kind::Table | Kind::View))
            .map(|o| insertable(&o.name))
            .collect()
    };
    let qualified = matches!(context, [.., _, dot] if dot.text == ".");
    let items: Vec<String> = match context {
        [.., qualifier, dot] if dot.text == "." => {
            let q = name(qualifier).unwrap_or_default().to_lowercase();
            let table = aliases.get(&q).cloned().unwrap_or(q);
            columns_of(&table)
        }
        [.., word] if BEFORE_TABLE.contains(&word.text.to_ascii_uppercase().as_str()) => tables(),
        _ => {
            let mut referenced: Vec<&String> = aliases.values().collect();
            referenced.sort();
            referenced.dedup();
            let lower = typed.chars().any(|c| c.is_ascii_lowercase());
            let keyword_case = |k: &str| {
                if lower {
                    k.to_lowercase()
                } else {
                    k.to_string()
                }
            };
            referenced
                .into_iter()
                .flat_map(|t| columns_of(t))
                .chain(tables())
                .chain(FUNCTIONS.iter().map(|f| format!("{f}(")))
                .chain(keywords().iter().map(|k| keyword_case(k)))
                .collect()
        }
    };
    Suggestions {
        prefix: typed.to_string(),
        items: filtered(items, typed),
        qualified,
    }
}

/// The items starting with `typed` (any case), each once, in order.
fn filtered(items: Vec<String>, typed: &str) -> Vec<String> {
    let typed = typed.to_lowercase();
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|i| i.to_lowercase().starts_with(&typed) && i.to_lowercase() != typed)
        .filter(|i| seen.insert(i.to_lowercase()))
        .take(MAX)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::sql::catalog::Column;

    fn table(name: &str, columns: &[&str]) -> Object {
        Object {
            kind: Kind::Table,
            name: name.into(),
            table: name.into(),
            columns: columns
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    decl_type: "TEXT".into(),
                    pk: 0,
                    not_null: false,
                    default: None,
                    references: None,
                })
                .collect(),
        }
    }

    fn catalog() -> Vec<Object> {
        vec![
            table("authors", &["id", "name"]),
            table("books", &["id", "author_id", "title"]),
        ]
    }

    fn at_end(text: &str) -> Suggestions {
        suggest(text, text.len(), &catalog())
    }

    #[test]
    fn after_from_and_join_come_tables() {
        assert_eq!(at_end("SELECT * FROM au").items, ["authors"]);
        assert_eq!(
            at_end("select * from books b join ").items,
            ["authors", "books"]
        );
        assert_eq!(at_end("SELECT * FROM au").prefix, "au");
    }

    #[test]
    fn after_an_alias_and_a_dot_come_its_columns() {
        let text = "SELECT b.ti FROM books AS b";
        let s = suggest(text, "SELECT b.ti".len(), &catalog());
        assert_eq!(
            (s.prefix.as_str(), s.items),
            ("ti", vec!["title".to_string()])
        );
        let text = "SELECT a. FROM authors a, books b WHERE 1";
        let s = suggest(text, "SELECT a.".len(), &catalog());
        assert_eq!(s.items, ["id", "name"]);
    }

    #[test]
    fn elsewhere_the_statement_s_columns_then_functions_and_keywords() {
        let text = "SELECT na FROM authors";
        let s = suggest(text, "SELECT na".len(), &catalog());
        assert_eq!(s.items.first().map(String::as_str), Some("name"));
        let s = at_end("SELECT cou");
        assert_eq!(s.items, ["count("]);
        let s = at_end("SEL");
        assert_eq!(s.items, ["SELECT"], "keywords in the case typed");
        let s = at_end("sel");
        assert_eq!(s.items, ["select"]);
    }

    #[test]
    fn words_in_strings_and_other_statements_are_not_tables() {
        let text = "SELECT 'FROM books'; SELECT * FROM bo";
        assert_eq!(at_end(text).items, ["books"]);
        let s = at_end("SELECT 'au");
        assert_eq!(s, Suggestions::default(), "nothing inside a string");
        assert_eq!(at_end("SELECT 1 -- fr").items, Vec::<String>::new());
    }
}

//! Reading the editor buffer as SQL, through the client's lexer: which
//! statement is under the cursor (so it alone can run) and whether it is
//! a plain query (so its rows stream).

use comwit_client::sql::statements;

/// The statement to run for a cursor at byte `offset`: the statement the
/// cursor touches; in the blank space between statements, the one before
/// it (the usual place after typing `…;`); before the first, the first.
/// Comment-only stretches are no statement.
pub fn at_cursor(text: &str, offset: usize) -> Vec<String> {
    let ranges = statements::ranges(text);
    let touching = ranges.iter().find(|r| r.start <= offset && offset <= r.end);
    let before = || ranges.iter().rev().find(|r| r.end <= offset);
    touching
        .or_else(before)
        .or(ranges.first())
        .map(|r| vec![text[r.clone()].to_string()])
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

/// Whether to fetch the rows through the cursor endpoint (streamed, so a
/// large result never sits in one response body): plain queries only;
/// statements that write or change the session go through the pipeline,
/// which reports affected rows and the transaction state.
pub fn streams(sql: &str) -> bool {
    statements::is_query(sql)
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
}

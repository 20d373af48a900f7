//! What the grid copies besides one cell (`y`): a whole row, as a JSON
//! object, and a whole column, one value a line.

use super::export::{json_keys, json_value};
use super::grid::copy_text;
use super::runner::ResultSet;

/// Row `row` as one JSON object, keys in column order (duplicate names
/// get `_2`, blobs are base64) as the JSON export writes each row; JSON
/// rather than tab-separated, so tabs and line breaks in text survive.
pub fn row_json(data: &ResultSet, row: usize) -> Option<String> {
    let values = data.rows.get(row)?;
    let fields: Vec<String> = json_keys(&data.columns)
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{}: {}", serde_json::Value::from(k.as_str()), json_value(v)))
        .collect();
    Some(format!("{{{}}}", fields.join(", ")))
}

/// Every kept row's value of column `col`, one a line, each as `y` copies
/// it (NULL as NULL, blobs as hex).
pub fn column(data: &ResultSet, col: usize) -> Option<String> {
    if col >= data.columns.len() {
        return None;
    }
    let values = data
        .rows
        .iter()
        .map(|r| r.get(col).map(copy_text).unwrap_or_default());
    Some(values.collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comwit_client::sql::SqlValue;

    #[test]
    fn rows_copy_as_json_and_columns_one_value_a_line() {
        let data = ResultSet::of(
            "select",
            &["id", "note", "id"],
            vec![
                vec![
                    SqlValue::Integer(1),
                    SqlValue::Text("a\tb".into()),
                    SqlValue::Blob(vec![0, 1]),
                ],
                vec![SqlValue::Integer(2), SqlValue::Null, SqlValue::Float(2.0)],
            ],
        );
        assert_eq!(
            row_json(&data, 0).unwrap(),
            r#"{"id": 1, "note": "a\tb", "id_2": "AAE="}"#
        );
        assert_eq!(row_json(&data, 2), None);
        assert_eq!(column(&data, 1).unwrap(), "a\tb\nNULL");
        assert_eq!(column(&data, 2).unwrap(), "0001\n2.0");
        assert_eq!(column(&data, 3), None);
    }
}

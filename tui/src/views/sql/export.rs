//! Writing a result to a file: CSV (RFC 4180 quoting) or JSON (an array
//! of objects, columns in order), chosen by the extension. Files are
//! written next to their destination and renamed into place, so a reader
//! never sees half a file and a failed export leaves the old one intact.

use std::io::{BufWriter, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use comwit_client::sql::SqlValue;

use super::grid::float;
use super::runner::ResultSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// How blobs appear in exported files (the toast says so too).
pub const BLOB_ENCODING: &str = "base64";

impl Format {
    pub fn for_path(path: &Path) -> Result<Self, String> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Format::Csv),
            Some("json") => Ok(Format::Json),
            _ => Err(format!(
                "{} needs a .csv or .json extension (the format follows it)",
                path.display()
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Json => "JSON",
        }
    }
}

/// A CSV field: quoted when it holds a comma, quote, or line break, with
/// quotes doubled inside.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub fn csv_value(v: &SqlValue) -> String {
    match v {
        // An empty field: CSV has no NULL, and "NULL" would read as text.
        SqlValue::Null => String::new(),
        SqlValue::Integer(n) => n.to_string(),
        SqlValue::Float(x) => float(*x),
        SqlValue::Text(t) => csv_field(t),
        SqlValue::Blob(b) => STANDARD.encode(b),
    }
}

pub fn json_value(v: &SqlValue) -> serde_json::Value {
    match v {
        SqlValue::Null => serde_json::Value::Null,
        SqlValue::Integer(n) => (*n).into(),
        // NaN and infinities have no JSON form.
        SqlValue::Float(x) => serde_json::Number::from_f64(*x)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        SqlValue::Text(t) => t.as_str().into(),
        SqlValue::Blob(b) => STANDARD.encode(b).into(),
    }
}

/// Object keys for the columns: duplicates (`select 1, 1`) get `_2`, `_3`
/// so no value is lost to a clash.
pub fn json_keys(columns: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(columns.len());
    for c in columns {
        let mut key = c.clone();
        let mut n = 1;
        while keys.contains(&key) {
            n += 1;
            key = format!("{c}_{n}");
        }
        keys.push(key);
    }
    keys
}

/// Rows written one at a time in a format: the header (CSV) or the
/// opening bracket (JSON) first, each row as it comes, then the end. A
/// result streamed from the server goes through it without being kept.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    /// JSON object keys, already quoted (no clash between duplicates).
    keys: Vec<String>,
    rows: u64,
}

impl<W: Write> Writer<W> {
    pub fn start(mut out: W, format: Format, columns: &[String]) -> std::io::Result<Self> {
        let keys = match format {
            Format::Csv => {
                let header: Vec<String> = columns.iter().map(|c| csv_field(c)).collect();
                // CRLF line ends, as RFC 4180 and spreadsheets expect.
                write!(out, "{}\r\n", header.join(","))?;
                Vec::new()
            }
            Format::Json => {
                out.write_all(b"[")?;
                json_keys(columns)
                    .iter()
                    .map(|k| serde_json::Value::from(k.as_str()).to_string())
                    .collect()
            }
        };
        Ok(Self {
            out,
            format,
            keys,
            rows: 0,
        })
    }

    pub fn row(&mut self, row: &[SqlValue]) -> std::io::Result<()> {
        match self.format {
            Format::Csv => {
                let fields: Vec<String> = row.iter().map(csv_value).collect();
                write!(self.out, "{}\r\n", fields.join(","))?;
            }
            // One object per line, keys in column order (written out
            // directly, as a map would sort them).
            Format::Json => {
                let out = &mut self.out;
                out.write_all(if self.rows == 0 { b"\n  {" } else { b",\n  {" })?;
                for (j, (key, v)) in self.keys.iter().zip(row).enumerate() {
                    if j > 0 {
                        out.write_all(b", ")?;
                    }
                    write!(out, "{key}: {}", json_value(v))?;
                }
                out.write_all(b"}")?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the file; the writer back, and the rows written.
    pub fn finish(mut self) -> std::io::Result<(W, u64)> {
        if self.format == Format::Json {
            let end: &[u8] = if self.rows == 0 { b"]\n" } else { b"\n]\n" };
            self.out.write_all(end)?;
        }
        Ok((self.out, self.rows))
    }
}

/// All of `rows` in `format`.
#[cfg(test)]
fn write_all(format: Format, columns: &[String], rows: &[Vec<SqlValue>]) -> Vec<u8> {
    let mut w = Writer::start(Vec::new(), format, columns).unwrap();
    for row in rows {
        w.row(row).unwrap();
    }
    w.finish().unwrap().0
}

/// A file written beside `path` and renamed over it once whole.
pub struct Destination<'a> {
    path: &'a Path,
    tmp: tempfile::NamedTempFile,
}

impl<'a> Destination<'a> {
    pub fn beside(path: &'a Path) -> Result<Self, String> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".comwit-export-")
            .tempfile_in(dir)
            .map_err(|e| write_error(path, e))?;
        Ok(Self { path, tmp })
    }

    /// Buffered writes into the temporary file (through a handle of its
    /// own, so the writer can outlive a borrow of `self`).
    pub fn writer(&self) -> Result<BufWriter<std::fs::File>, String> {
        let file = self.tmp.as_file().try_clone();
        let file = file.map_err(|e| write_error(self.path, e))?;
        Ok(BufWriter::with_capacity(64 * 1024, file))
    }

    /// Flushes `out` and moves the file into place (dropping `self`
    /// without this removes it).
    pub fn commit(self, out: BufWriter<std::fs::File>) -> Result<(), String> {
        let fail = |e| write_error(self.path, e);
        out.into_inner().map_err(|e| fail(e.into_error()))?;
        self.tmp.as_file().sync_all().map_err(fail)?;
        self.tmp.persist(self.path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

pub fn write_error(path: &Path, e: std::io::Error) -> String {
    format!("could not write {}: {e}", path.display())
}

/// Writes the rows `result` keeps to `path` atomically; returns the
/// format and the number of rows written.
pub fn export(result: &ResultSet, path: &Path) -> Result<(Format, u64), String> {
    let format = Format::for_path(path)?;
    let fail = |e| write_error(path, e);
    let file = Destination::beside(path)?;
    let mut w = Writer::start(file.writer()?, format, &result.columns).map_err(fail)?;
    for row in &result.rows {
        w.row(row).map_err(fail)?;
    }
    let (out, rows) = w.finish().map_err(fail)?;
    file.commit(out)?;
    Ok((format, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ResultSet {
        ResultSet {
            sql: "select".into(),
            columns: vec!["id".into(), "name".into(), "id".into(), "data".into()],
            rows: vec![
                vec![
                    SqlValue::Integer(1),
                    SqlValue::Text("plain".into()),
                    SqlValue::Float(2.5),
                    SqlValue::Blob(vec![0, 1, 2]),
                ],
                vec![
                    SqlValue::Integer(2),
                    SqlValue::Text("a, \"quoted\"\nline".into()),
                    SqlValue::Null,
                    SqlValue::Null,
                ],
            ],
            total_rows: 2,
            affected_rows: 0,
            rows_read: Some(2),
            rows_written: Some(0),
            server_ms: Some(0.1),
            elapsed: std::time::Duration::ZERO,
            streamed: false,
        }
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        let r = sample();
        let out = write_all(Format::Csv, &r.columns, &r.rows);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,name,id,data\r\n1,plain,2.5,AAEC\r\n2,\"a, \"\"quoted\"\"\nline\",,\r\n"
        );
    }

    #[test]
    fn json_is_an_array_of_objects_in_column_order() {
        let r = sample();
        let out = write_all(Format::Json, &r.columns, &r.rows);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "[\n  {\"id\": 1, \"name\": \"plain\", \"id_2\": 2.5, \"data\": \"AAEC\"},"
            ),
            "{text}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = parsed.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["name"], "a, \"quoted\"\nline");
        assert!(rows[1]["id_2"].is_null() && rows[1]["data"].is_null());
        let empty = write_all(Format::Json, &r.columns, &[]);
        assert_eq!(String::from_utf8(empty).unwrap(), "[]\n");
    }

    #[test]
    fn exports_replace_the_file_atomically_and_need_a_known_extension() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        let (format, rows) = export(&sample(), &path).unwrap();
        assert_eq!((format, rows), (Format::Json, 2));
        let parsed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(parsed[0]["id"], 1);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");

        let err = export(&sample(), &dir.path().join("out.txt")).unwrap_err();
        assert!(err.contains(".csv or .json"), "{err}");
        let err = export(&sample(), &dir.path().join("missing/out.csv")).unwrap_err();
        assert!(err.contains("could not write"), "{err}");
        assert_eq!(Format::for_path(Path::new("A.CSV")).unwrap(), Format::Csv);
    }
}

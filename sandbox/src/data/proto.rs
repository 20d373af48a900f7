//! Hrana 3 over HTTP, JSON encoding: the wire structures the data endpoint
//! reads and writes (docs/HRANA_3_SPEC.md of libSQL).
//!
//! Integers travel as strings, floats as numbers, blobs as base64 (written
//! unpadded, read padded or not); `last_insert_rowid` is a string or null.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Deserialize)]
pub struct PipelineReq {
    #[serde(default)]
    pub baton: Option<String>,
    #[serde(default)]
    pub requests: Vec<StreamRequest>,
}

#[derive(Debug, Serialize)]
pub struct PipelineResp {
    pub baton: Option<String>,
    pub base_url: Option<String>,
    pub results: Vec<StreamResult>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResult {
    Ok { response: StreamResponse },
    Error { error: HranaError },
}

#[derive(Debug, Deserialize)]
pub struct CursorReq {
    #[serde(default)]
    pub baton: Option<String>,
    pub batch: Batch,
}

#[derive(Debug, Serialize)]
pub struct CursorResp {
    pub baton: Option<String>,
    pub base_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamRequest {
    Close,
    Execute {
        stmt: Stmt,
    },
    Batch {
        batch: Batch,
    },
    Sequence {
        #[serde(default)]
        sql: Option<String>,
        #[serde(default)]
        sql_id: Option<i32>,
    },
    Describe {
        #[serde(default)]
        sql: Option<String>,
        #[serde(default)]
        sql_id: Option<i32>,
    },
    StoreSql {
        sql_id: i32,
        sql: String,
    },
    CloseSql {
        sql_id: i32,
    },
    GetAutocommit,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResponse {
    Close,
    Execute { result: StmtResult },
    Batch { result: BatchResult },
    Sequence,
    Describe { result: DescribeResult },
    StoreSql,
    CloseSql,
    GetAutocommit { is_autocommit: bool },
}

/// Every error carries a code (clients branch on it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HranaError {
    pub message: String,
    pub code: String,
}

impl HranaError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: code.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Stmt {
    #[serde(default)]
    pub sql: Option<String>,
    #[serde(default)]
    pub sql_id: Option<i32>,
    #[serde(default)]
    pub args: Vec<Value>,
    #[serde(default)]
    pub named_args: Vec<NamedArg>,
    #[serde(default = "yes")]
    pub want_rows: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct NamedArg {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Serialize)]
pub struct StmtResult {
    pub cols: Vec<Col>,
    pub rows: Vec<Vec<Value>>,
    pub affected_row_count: u64,
    #[serde(serialize_with = "opt_i64_str")]
    pub last_insert_rowid: Option<i64>,
    pub rows_read: u64,
    pub rows_written: u64,
    pub query_duration_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Col {
    pub name: Option<String>,
    pub decltype: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Batch {
    pub steps: Vec<BatchStep>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BatchStep {
    #[serde(default)]
    pub condition: Option<BatchCond>,
    pub stmt: Stmt,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchCond {
    Ok { step: u32 },
    Error { step: u32 },
    Not { cond: Box<BatchCond> },
    And(CondList),
    Or(CondList),
    IsAutocommit,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CondList {
    pub conds: Vec<BatchCond>,
}

#[derive(Debug, Serialize)]
pub struct BatchResult {
    pub step_results: Vec<Option<StmtResult>>,
    pub step_errors: Vec<Option<HranaError>>,
}

#[derive(Debug, Serialize)]
pub struct DescribeResult {
    pub params: Vec<DescribeParam>,
    pub cols: Vec<DescribeCol>,
    pub is_explain: bool,
    pub is_readonly: bool,
}

#[derive(Debug, Serialize)]
pub struct DescribeParam {
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DescribeCol {
    pub name: String,
    pub decltype: Option<String>,
}

/// Cursor entries, one JSON object per line.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CursorEntry {
    StepBegin {
        step: u32,
        cols: Vec<Col>,
    },
    StepEnd {
        affected_row_count: u64,
        #[serde(serialize_with = "opt_i64_str")]
        last_insert_rowid: Option<i64>,
    },
    StepError {
        step: u32,
        error: HranaError,
    },
    Row {
        row: Vec<Value>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Float(f64),
    Text(String),
    Blob(Vec<u8>),
}

fn opt_i64_str<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_none(),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireValue {
    Null,
    Integer { value: IntRepr },
    Float { value: f64 },
    Text { value: String },
    Blob { base64: String },
}

/// Integers are strings on the wire; tolerate numbers from lax clients.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum IntRepr {
    Str(String),
    Num(i64),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let wire = match self {
            Value::Null => WireValue::Null,
            Value::Integer(n) => WireValue::Integer {
                value: IntRepr::Str(n.to_string()),
            },
            Value::Float(f) => WireValue::Float { value: *f },
            Value::Text(t) => WireValue::Text { value: t.clone() },
            Value::Blob(b) => WireValue::Blob {
                base64: B64.encode(b),
            },
        };
        wire.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        Ok(match WireValue::deserialize(d)? {
            WireValue::Null => Value::Null,
            WireValue::Integer {
                value: IntRepr::Num(n),
            } => Value::Integer(n),
            WireValue::Integer {
                value: IntRepr::Str(s),
            } => Value::Integer(s.parse().map_err(|_| {
                D::Error::custom(format!("integer value {s:?} is not a 64-bit integer"))
            })?),
            WireValue::Float { value } => Value::Float(value),
            WireValue::Text { value } => Value::Text(value),
            WireValue::Blob { base64 } => Value::Blob(
                B64.decode(base64.as_bytes())
                    .map_err(|e| D::Error::custom(format!("blob is not valid base64: {e}")))?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_in_the_spec_encoding() {
        let v = vec![
            Value::Null,
            Value::Integer(i64::MAX),
            Value::Float(1.5),
            Value::Text("hi".into()),
            Value::Blob(vec![0, 1, 2, 255]),
        ];
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"[{"type":"null"},{"type":"integer","value":"9223372036854775807"},{"type":"float","value":1.5},{"type":"text","value":"hi"},{"type":"blob","base64":"AAEC/w"}]"#
        );
        let back: Vec<Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        let padded: Value = serde_json::from_str(r#"{"type":"blob","base64":"AAEC/w=="}"#).unwrap();
        assert_eq!(padded, Value::Blob(vec![0, 1, 2, 255]));
    }
}

//! SQL sessions against the sandbox's data endpoint.

use comwit_client::sql::{SqlError, SqlSession, SqlValue};
use comwit_client::{Client, Secret};
use comwit_sandbox::Sandbox;

async fn setup() -> (Sandbox, Client, String, String, Secret) {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let info = sandbox.info().clone();
    let user = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let db = user
        .databases(&info.project_id)
        .create("app-db")
        .await
        .unwrap();
    let op = Client::builder()
        .base_url(&info.api_url)
        .token(info.operator_token.as_str())
        .build()
        .unwrap();
    (
        sandbox,
        op,
        db.database_id,
        db.database_url,
        db.database_token,
    )
}

#[tokio::test]
async fn execute_script_batch_and_typed_values() {
    let (_sb, _op, _id, url, token) = setup().await;
    let mut s = SqlSession::with_token(&url, token);
    let done = s
        .script("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);\nINSERT INTO t (name, score, data) VALUES ('a;b', 1.5, x'00ff'); -- trailing comment")
        .await
        .unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(done[1].rows_written, 1);
    assert_eq!(done[1].last_insert_rowid, Some(1));
    let r = s
        .execute(
            "SELECT id, name, score, data, NULL FROM t WHERE id = ?",
            &[SqlValue::Integer(1)],
        )
        .await
        .unwrap();
    assert_eq!(r.columns, vec!["id", "name", "score", "data", "NULL"]);
    assert_eq!(
        r.rows[0],
        vec![
            SqlValue::Integer(1),
            SqlValue::Text("a;b".into()),
            SqlValue::Float(1.5),
            SqlValue::Blob(vec![0, 255]),
            SqlValue::Null
        ]
    );
    assert_eq!(r.rows[0][3].to_string(), "<blob 2 bytes>");
    assert!(r.rows_read >= 1);

    let err = s.execute("SELECT nope FROM t", &[]).await.unwrap_err();
    assert!(matches!(err, SqlError::Statement { .. }), "{err}");
    assert!(err.to_string().contains("nope"));

    let results = s
        .batch(&[
            "INSERT INTO t (name) VALUES ('b')",
            "SELECT broken(",
            "SELECT count(*) FROM t",
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    assert!(results[1].is_err());
    assert_eq!(
        results[2].as_ref().unwrap().rows[0][0],
        SqlValue::Integer(2)
    );
}

#[tokio::test]
async fn transactions_span_calls_and_large_results_stream() {
    let (_sb, _op, _id, url, token) = setup().await;
    let mut s = SqlSession::with_token(&url, token);
    s.execute("CREATE TABLE n (v INTEGER)", &[]).await.unwrap();
    s.execute("BEGIN", &[]).await.unwrap();
    assert!(!s.is_autocommit());
    s.execute("INSERT INTO n VALUES (1)", &[]).await.unwrap();
    s.execute("ROLLBACK", &[]).await.unwrap();
    assert!(s.is_autocommit());
    let c = s.execute("SELECT count(*) FROM n", &[]).await.unwrap();
    assert_eq!(
        c.rows[0][0],
        SqlValue::Integer(0),
        "the rollback across calls worked"
    );

    s.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) INSERT INTO n SELECT x FROM c", &[])
        .await
        .unwrap();
    let mut sum = 0i64;
    let (cols, count) = s
        .stream("SELECT v FROM n", |row| {
            if let SqlValue::Integer(v) = row[0] {
                sum += v;
            }
        })
        .await
        .unwrap();
    assert_eq!(cols, vec!["v"]);
    assert_eq!(count, 20_000);
    assert_eq!(sum, 20_000 * 20_001 / 2);
    s.close().await.unwrap();
}

#[tokio::test]
async fn operator_sessions_mint_and_renew_query_tokens() {
    let (sb, op, id, url, _token) = setup().await;
    // 30 s tokens sit inside the 30 s renewal window: every request renews.
    let mut s = SqlSession::with_operator_ttl(&op, &id, &url, "client test", 30)
        .await
        .unwrap();
    s.execute("SELECT 1", &[]).await.unwrap();
    s.execute("SELECT 2", &[]).await.unwrap();
    let audit: serde_json::Value = comwit_client::http::client()
        .get(format!("{}/_sandbox/audit", sb.info().api_url))
        .bearer_auth(&sb.info().operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mints = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/query-token"))
        .count();
    assert!(
        mints >= 3,
        "minted at start and renewed before each request ({mints})"
    );

    // A user token cannot mint: a clear credentials error.
    let user = Client::builder()
        .base_url(&sb.info().api_url)
        .token(sb.info().user_token.as_str())
        .build()
        .unwrap();
    let err = match SqlSession::with_operator(&user, &id, &url, "x").await {
        Err(e) => e,
        Ok(_) => panic!("a cwt_ token cannot mint query tokens"),
    };
    assert!(matches!(err, SqlError::Credentials(_)));
}

#[tokio::test]
async fn a_bad_token_is_an_http_error() {
    let (_sb, _op, _id, url, _token) = setup().await;
    let mut s = SqlSession::with_token(&url, Secret::new("cwdb_wrong"));
    let err = s.execute("SELECT 1", &[]).await.unwrap_err();
    assert!(matches!(err, SqlError::Http { status: 401, .. }), "{err}");
}

#[tokio::test]
async fn connect_picks_the_stored_database_token() {
    let (sb, _op, id, url, token) = setup().await;
    let user = Client::builder()
        .base_url(&sb.info().api_url)
        .token(sb.info().user_token.as_str())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let creds = comwit_client::credentials::Credentials::new(
        dir.path().join("config.json"),
        None,
        Box::new(|_: &str| None::<String>),
    );
    let err = match SqlSession::connect(&user, &creds, &id, &url, "t").await {
        Err(e) => e,
        Ok(_) => panic!("nothing is stored yet"),
    };
    assert!(err.to_string().contains("no database token"), "{err}");
    creds.store_database_token(&id, &token).unwrap();
    let mut s = SqlSession::connect(&user, &creds, &id, &url, "t")
        .await
        .unwrap();
    assert_eq!(
        s.execute("SELECT 41 + 1", &[]).await.unwrap().rows[0][0],
        SqlValue::Integer(42)
    );
}

#[tokio::test]
async fn describe_asks_the_database_whether_a_statement_writes() {
    let (_sb, _op, _id, url, token) = setup().await;
    let mut s = SqlSession::with_token(&url, token);
    s.execute("CREATE TABLE t (a TEXT)", &[]).await.unwrap();
    let reads = [
        "SELECT a FROM t WHERE a = :a",
        "WITH x AS (SELECT replace('ab', 'a', 'c') AS r) SELECT r FROM x",
        "pragma table_info(t)",
        "PRAGMA user_version",
    ];
    for sql in reads {
        let d = s.describe(sql).await.unwrap();
        assert!(d.is_readonly, "{sql} reads");
    }
    let writes = [
        "PRAGMA user_version(5)",
        "pragma user_version = 5",
        "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
        "/* select */ DELETE FROM t",
        "CREATE TABLE u (b)",
        "REPLACE INTO t VALUES ('x')",
    ];
    for sql in writes {
        let d = s.describe(sql).await.unwrap();
        assert!(!d.is_readonly, "{sql} writes");
    }
    let d = s
        .describe("SELECT a AS x FROM t WHERE a = :a")
        .await
        .unwrap();
    assert_eq!(d.columns, vec!["x"]);
    assert_eq!(d.params, vec![Some(":a".to_string())]);
    // EXPLAIN describes the statement it explains, and never runs it.
    let d = s
        .describe("EXPLAIN INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    assert!(d.is_explain && !d.is_readonly);
    // Nothing ran: the table is still empty and the version unchanged.
    let version = s.execute("PRAGMA user_version", &[]).await.unwrap();
    assert_eq!(version.rows[0], vec![SqlValue::Integer(0)]);
    assert!(matches!(
        s.describe("SELEC 1").await,
        Err(SqlError::Statement { .. })
    ));
}

/// A session on a sandbox that closes streams after 1 s idle, and the
/// wait past that expiry (and the sweep after it).
async fn expiring() -> (Sandbox, SqlSession) {
    let sandbox = Sandbox::builder()
        .stream_idle_secs(1)
        .start()
        .await
        .unwrap();
    let info = sandbox.info().clone();
    let user = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let db = user
        .databases(&info.project_id)
        .create("idle-db")
        .await
        .unwrap();
    let session = SqlSession::with_token(&db.database_url, db.database_token);
    (sandbox, session)
}

async fn idle() {
    tokio::time::sleep(std::time::Duration::from_millis(1_800)).await;
}

#[tokio::test]
async fn an_expired_stream_without_a_transaction_is_reopened_quietly() {
    let (_sb, mut s) = expiring().await;
    s.execute("CREATE TABLE t (n)", &[]).await.unwrap();
    assert!(!s.take_reopened());
    idle().await;
    s.execute("INSERT INTO t VALUES (1)", &[]).await.unwrap();
    assert!(s.take_reopened(), "the expired stream was replaced");
    assert!(!s.take_reopened(), "said once");
    idle().await;
    let (_, rows) = s.stream("SELECT n FROM t", |_| {}).await.unwrap();
    assert_eq!(rows, 1, "the cursor reopens too");
    assert!(s.take_reopened());
}

#[tokio::test]
async fn an_expired_stream_with_a_transaction_is_reported_not_retried() {
    let (_sb, mut s) = expiring().await;
    s.execute("CREATE TABLE t (n)", &[]).await.unwrap();
    s.execute("BEGIN", &[]).await.unwrap();
    s.execute("INSERT INTO t VALUES (1)", &[]).await.unwrap();
    assert!(!s.is_autocommit());
    idle().await;
    let err = s
        .execute("INSERT INTO t VALUES (2)", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SqlError::StreamExpired {
                in_transaction: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(!s.take_reopened(), "not run again on a new stream");
    assert!(s.is_autocommit(), "the transaction is gone");
    let r = s.execute("SELECT count(*) FROM t", &[]).await.unwrap();
    assert_eq!(r.rows[0][0], SqlValue::Integer(0), "neither insert stayed");
}

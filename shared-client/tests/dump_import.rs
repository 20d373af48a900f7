//! `.dump` and import against the sandbox: a round trip of every value
//! type is byte-identical, a D1 export imports only with its clean-up,
//! and a failed batch says where and resumes without doubling rows.

use comwit_client::Client;
use comwit_client::sql::dump::dump;
use comwit_client::sql::import::{self, ImportError, ImportOptions};
use comwit_client::sql::{SqlSession, SqlValue};
use comwit_sandbox::Sandbox;

struct Fixture {
    _sandbox: Sandbox,
    user: Client,
    project: String,
}

impl Fixture {
    async fn start() -> Self {
        let sandbox = Sandbox::builder().start().await.unwrap();
        let info = sandbox.info().clone();
        let user = Client::builder()
            .base_url(&info.api_url)
            .token(info.user_token.as_str())
            .build()
            .unwrap();
        Self {
            _sandbox: sandbox,
            user,
            project: info.project_id,
        }
    }

    /// A new database: a session on it, and its URL and token.
    async fn database(&self, name: &str) -> (SqlSession, (String, String)) {
        let db = self
            .user
            .databases(&self.project)
            .create(name)
            .await
            .unwrap();
        let address = (
            db.database_url.clone(),
            db.database_token.expose().to_string(),
        );
        (
            SqlSession::with_token(&db.database_url, db.database_token),
            address,
        )
    }
}

const EVERY_TYPE: &str = r#"
CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  author_id INTEGER REFERENCES authors(id),
  title TEXT,
  big INTEGER,
  price REAL,
  cover BLOB,
  title_len INTEGER GENERATED ALWAYS AS (length(title)) VIRTUAL
);
CREATE TABLE tags (tag TEXT PRIMARY KEY, weight REAL) WITHOUT ROWID;
CREATE INDEX books_by_author ON books(author_id);
CREATE VIEW titles AS SELECT title FROM books;
CREATE TRIGGER books_touch AFTER INSERT ON books BEGIN
  UPDATE authors SET name = name WHERE id = new.author_id;
END;
INSERT INTO authors(name) VALUES ('Tove ''Moomin'' Jansson'), ('multi
line');
INSERT INTO books(id, author_id, title, big, price, cover) VALUES
  (1, 1, 'It''s; here', 9007199254740993, 0.1, x'00ff10'),
  (2, 2, NULL, -9223372036854775808, 1e300, NULL),
  (3, NULL, 'tab	and "quotes"', 0, -0.0, x''),
  (4, 1, 'ünïcödé ✓', 42, 3.0, NULL);
INSERT INTO tags VALUES ('b', 2.5), ('a', NULL);
"#;

async fn dumped(session: &mut SqlSession) -> String {
    let mut out = Vec::new();
    dump(session, &mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

async fn load(
    session: &mut SqlSession,
    text: &str,
    options: ImportOptions,
) -> Result<import::Progress, ImportError> {
    let plan = import::plan(text.as_bytes(), options)?;
    import::import(session, text.as_bytes(), options, &plan, |_| {}).await
}

#[tokio::test]
async fn a_dump_imported_into_a_fresh_database_dumps_byte_identical() {
    let fx = Fixture::start().await;
    let (mut source, _) = fx.database("source").await;
    source.script(EVERY_TYPE).await.unwrap();
    let first = dumped(&mut source).await;
    assert!(
        first.contains("9007199254740993"),
        "beyond 2^53 kept:\n{first}"
    );
    assert!(
        first.contains("X'00FF10'") && first.contains("0.1,"),
        "{first}"
    );
    assert!(
        first.contains("INSERT INTO \"books\"(\"id\",\"author_id\",\"title\""),
        "the generated column is left to be computed again:\n{first}"
    );

    let (mut copy, copy_db) = fx.database("copy").await;
    let small = ImportOptions {
        batch_size: 3,
        ..ImportOptions::default()
    };
    load(&mut copy, &first, small).await.unwrap();
    let second = dumped(&mut copy).await;
    assert_eq!(first, second, "byte-identical");

    let typed = copy
        .execute(
            "SELECT big, typeof(price), cover, title_len FROM books WHERE id = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        typed.rows[0],
        [
            SqlValue::Integer(9_007_199_254_740_993),
            SqlValue::Text("real".into()),
            SqlValue::Blob(vec![0, 255, 16]),
            SqlValue::Integer(10),
        ]
    );
    // The npm client the migration guide uses reads the imported rows.
    let read = npm_read(
        &copy_db,
        "SELECT big, price, cover, title FROM books WHERE id = 1",
    )
    .await;
    assert_eq!(
        read,
        "[\"9007199254740993\",0.1,\"00ff10\",\"It's; here\"]\n"
    );
}

/// QUERY's rows as `sandbox/tests/js/read.mjs` prints them.
async fn npm_read(database: &(String, String), query: &str) -> String {
    let (url, token) = database.clone();
    let query = query.to_string();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("node")
            .arg("read.mjs")
            .current_dir(comwit_e2e::js::npm_client_dir())
            .env("DATABASE_URL", url)
            .env("DATABASE_TOKEN", token)
            .env("QUERY", query)
            .output()
            .expect("node runs");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "the npm client failed: {said}");
        String::from_utf8(out.stdout).unwrap()
    })
    .await
    .unwrap()
}

const D1_EXPORT: &str = "PRAGMA defer_foreign_keys = on;
DELETE FROM sqlite_sequence;
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT UNIQUE);
INSERT INTO users VALUES(1,'a@example.com');
INSERT INTO users VALUES(2,'b@example.com');
DROP INDEX IF EXISTS sqlite_autoindex_users_1;
PRAGMA defer_foreign_keys = off;
";

#[tokio::test]
async fn a_d1_export_imports_with_d1_and_is_refused_clearly_without() {
    let fx = Fixture::start().await;
    let (mut db, _) = fx.database("from-d1").await;
    let refused = load(&mut db, D1_EXPORT, ImportOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.starts_with("line 1: PRAGMA defer_foreign_keys"),
        "{refused}"
    );
    assert!(
        refused.contains("--d1") && refused.contains("Nothing was sent"),
        "{refused}"
    );
    let tables = db
        .execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'users'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(tables.rows[0][0], SqlValue::Integer(0), "nothing was sent");

    let d1 = ImportOptions {
        d1: true,
        ..ImportOptions::default()
    };
    load(&mut db, D1_EXPORT, d1).await.unwrap();
    let users = db.execute("SELECT count(*) FROM users", &[]).await.unwrap();
    assert_eq!(users.rows[0][0], SqlValue::Integer(2));
}

#[tokio::test]
async fn a_failed_batch_names_its_line_and_a_rerun_resumes_without_doubling() {
    let fx = Fixture::start().await;
    let (mut db, _) = fx.database("resume").await;
    let good = "CREATE TABLE t (n INTEGER PRIMARY KEY);\nINSERT INTO t VALUES(1);\n\
                INSERT INTO t VALUES(2);\nINSERT INTO t VALUES(3);\n";
    let broken = format!("{good}INSERT INTO missing VALUES(4);\nINSERT INTO t VALUES(5);\n");
    let pairs = ImportOptions {
        batch_size: 2,
        ..ImportOptions::default()
    };
    let failed = load(&mut db, &broken, pairs).await.unwrap_err().to_string();
    assert!(failed.starts_with("batch 3 failed at line 5"), "{failed}");
    assert!(failed.contains("batches 1–2 committed"), "{failed}");
    assert!(failed.contains("--from-batch 3"), "{failed}");
    let count = "SELECT count(*) FROM t";
    let rows = db.execute(count, &[]).await.unwrap();
    assert_eq!(
        rows.rows[0][0],
        SqlValue::Integer(3),
        "batch 3 rolled back whole"
    );

    let fixed = broken.replace("missing", "t");
    let resume = ImportOptions {
        from_batch: 3,
        ..pairs
    };
    load(&mut db, &fixed, resume).await.unwrap();
    let rows = db.execute(count, &[]).await.unwrap();
    assert_eq!(rows.rows[0][0], SqlValue::Integer(5), "every row once");
}

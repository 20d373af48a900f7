//! The data endpoint attacked as a tenant would: reaching other files,
//! runaway statements, stream floods, batons at the wrong URL, malformed
//! requests. Each test is the attack; each asserts the refusal and that
//! nothing leaked (no host path in any body).

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Env, start, start_with};
use crate::sql::database;

/// Raw Hrana over HTTP against one database.
struct Hrana {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Hrana {
    async fn new(env: &Env, name: &str) -> Self {
        let (_, url, token) = database(env, name).await;
        Self {
            http: comwit_client::http::client(),
            url,
            token,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .expect("the data endpoint answers");
        let status = r.status().as_u16();
        (status, r.text().await.expect("a body"))
    }

    async fn pipeline(&self, baton: Option<&str>, requests: Value) -> (u16, Value) {
        let (s, text) = self
            .post(
                "/v3/pipeline",
                json!({"baton": baton, "requests": requests}),
            )
            .await;
        (s, serde_json::from_str(&text).expect("JSON"))
    }

    async fn execute(&self, sql: &str) -> Value {
        let (s, r) = self
            .pipeline(
                None,
                json!([{"type": "execute", "stmt": {"sql": sql}}, {"type": "close"}]),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        r["results"][0].clone()
    }
}

/// Where the sandbox keeps files: no response may name it.
fn assert_no_host_path(body: &str) {
    for needle in [
        "/tmp/",
        "comwit-sandbox-",
        ".sqlite3",
        "/databases/",
        "state.sqlite",
    ] {
        assert!(!body.contains(needle), "{needle} leaked in {body}");
    }
}

const OUTSIDE_SQL: &[&str] = &[
    "ATTACH DATABASE '/tmp/comwit-attack.db' AS x",
    "ATTACH ':memory:' AS m",
    "ATTACH 'file:/etc/passwd?mode=ro' AS p",
    "VACUUM INTO '/tmp/comwit-attack-copy.db'",
    "PRAGMA database_list",
    "SELECT file FROM pragma_database_list",
    "PRAGMA temp_store_directory = '/tmp'",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA locking_mode = EXCLUSIVE",
    "PRAGMA writable_schema = ON",
    "PRAGMA hard_heap_limit = 1",
    "SELECT load_extension('/tmp/evil.so')",
];

#[tokio::test]
async fn attach_vacuum_into_and_path_pragmas_are_refused_by_every_request_type() {
    let env = start().await;
    let db = Hrana::new(&env, "victim").await;
    for sql in OUTSIDE_SQL {
        let step = json!({"stmt": {"sql": sql}});
        let routes = [
            (
                "execute",
                json!([{"type": "execute", "stmt": {"sql": sql}}]),
            ),
            (
                "batch",
                json!([{"type": "batch", "batch": {"steps": [step]}}]),
            ),
            (
                "sequence",
                json!([{"type": "sequence", "sql": format!("SELECT 1; {sql};")}]),
            ),
            (
                "store_sql",
                json!([{"type": "store_sql", "sql_id": 7, "sql": sql},
                       {"type": "execute", "stmt": {"sql_id": 7}}]),
            ),
        ];
        for (route, mut requests) in routes {
            requests
                .as_array_mut()
                .unwrap()
                .push(json!({"type": "close"}));
            let (status, r) = db.pipeline(None, requests).await;
            assert_eq!(status, 200, "{route} {sql}: {r}");
            let results = r["results"].as_array().unwrap();
            let last = results[results.len() - 2].clone();
            let error = match route {
                "batch" => last["response"]["result"]["step_errors"][0].clone(),
                _ => last["error"].clone(),
            };
            assert_eq!(error["code"], "SQLITE_AUTH", "{route} {sql}: {r}");
            assert_no_host_path(&r.to_string());
        }
        let (status, body) = db
            .post(
                "/v3/cursor",
                json!({"baton": null, "batch": {"steps": [step]}}),
            )
            .await;
        assert_eq!(status, 200, "cursor {sql}: {body}");
        assert!(body.contains("SQLITE_AUTH"), "cursor {sql}: {body}");
        assert_no_host_path(&body);
    }
    for file in ["/tmp/comwit-attack.db", "/tmp/comwit-attack-copy.db"] {
        assert!(!std::path::Path::new(file).exists(), "{file} was written");
    }
    // The database itself still works, introspection pragmas included.
    let ok = db
        .execute("SELECT count(*) FROM pragma_table_info('sqlite_schema')")
        .await;
    assert_eq!(ok["type"], "ok", "{ok}");
}

const RUNAWAY: &str =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

#[tokio::test(flavor = "multi_thread")]
async fn a_runaway_statement_stops_at_the_time_limit() {
    let env =
        start_with(comwit_sandbox::Sandbox::builder().statement_timeout(Duration::from_secs(1)))
            .await;
    let db = Hrana::new(&env, "slow").await;
    let r = db.execute(RUNAWAY).await;
    assert_eq!(r["error"]["code"], "SQLITE_INTERRUPT", "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit of 1 s"),
        "{r}"
    );
    let (_, body) = db
        .post(
            "/v3/cursor",
            json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": RUNAWAY}}]}}),
        )
        .await;
    assert!(body.contains("SQLITE_INTERRUPT"), "{body}");
}

/// The runaway holds the write lock; once its client has gone, another
/// stream can write again — only possible if the statement stopped.
async fn write_lock_is_released(db: &Hrana) {
    for _ in 0..120 {
        let r = db.execute("INSERT INTO t VALUES (2)").await;
        if r["type"] == "ok" {
            return;
        }
        assert_eq!(r["error"]["code"], "SQLITE_BUSY", "{r}");
    }
    panic!("the abandoned statement still holds the write lock");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runaway_statement_stops_when_its_client_goes_away() {
    let env =
        start_with(comwit_sandbox::Sandbox::builder().statement_timeout(Duration::from_secs(3600)))
            .await;
    let db = Hrana::new(&env, "abandoned").await;
    assert_eq!(db.execute("CREATE TABLE t (v)").await["type"], "ok");
    let runaway_in_tx = json!([
        {"type": "execute", "stmt": {"sql": "BEGIN IMMEDIATE"}},
        {"type": "execute", "stmt": {"sql": "INSERT INTO t VALUES (1)"}},
        {"type": "execute", "stmt": {"sql": RUNAWAY}}
    ]);
    for path in ["/v3/pipeline", "/v3/cursor"] {
        let body = match path {
            "/v3/pipeline" => json!({"baton": null, "requests": runaway_in_tx}),
            _ => json!({"baton": null, "batch": {"steps": runaway_in_tx
                .as_array().unwrap().iter().map(|r| json!({"stmt": r["stmt"]})).collect::<Vec<_>>()}}),
        };
        // The client gives up after a moment and closes its connection.
        let gone = comwit_client::http::client()
            .post(format!("{}{path}", db.url))
            .bearer_auth(&db.token)
            .json(&body)
            .timeout(Duration::from_millis(700))
            .send()
            .await
            .map(|r| r.status());
        if path == "/v3/pipeline" {
            assert!(gone.is_err(), "the pipeline cannot have finished: {gone:?}");
        } else {
            // The cursor answers at once; drop its body unread.
            drop(gone);
        }
        write_lock_is_released(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_baton_at_another_databases_url_does_not_touch_the_owners_stream() {
    let env = start().await;
    let owner = Hrana::new(&env, "owner").await;
    let other = Hrana::new(&env, "other").await;
    let (_, r) = owner
        .pipeline(
            None,
            json!([{"type": "execute", "stmt": {"sql": "CREATE TABLE t (v)"}},
                   {"type": "execute", "stmt": {"sql": "BEGIN"}},
                   {"type": "execute", "stmt": {"sql": "INSERT INTO t VALUES (1)"}}]),
        )
        .await;
    let baton = r["baton"].as_str().unwrap().to_string();
    for (path, body) in [
        (
            "/v3/pipeline",
            json!({"baton": baton, "requests": [{"type": "close"}]}),
        ),
        (
            "/v3/cursor",
            json!({"baton": baton, "batch": {"steps": []}}),
        ),
    ] {
        let (status, text) = other.post(path, body).await;
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("STREAM_EXPIRED"), "{text}");
    }
    // The owner's transaction is intact and commits.
    let (status, r) = owner
        .pipeline(
            Some(&baton),
            json!([{"type": "execute", "stmt": {"sql": "COMMIT"}},
                   {"type": "execute", "stmt": {"sql": "SELECT count(*) FROM t"}},
                   {"type": "close"}]),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["results"][1]["response"]["result"]["rows"][0][0]["value"], "1",
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_flood_meets_its_limit_and_other_databases_keep_working() {
    let env = start_with(comwit_sandbox::Sandbox::builder().max_streams(8, 12)).await;
    let flood = Hrana::new(&env, "flood").await;
    let second = Hrana::new(&env, "second").await;
    let victim = Hrana::new(&env, "victim").await;
    // Streams opened and abandoned (never closed): far past every limit.
    let mut refused = 0;
    for db in [&flood, &second] {
        for _ in 0..40 {
            let (status, text) = db
                .post(
                    "/v3/pipeline",
                    json!({"baton": null, "requests": [
                    {"type": "execute", "stmt": {"sql": "SELECT 1"}}]}),
                )
                .await;
            assert_no_host_path(&text);
            match status {
                200 => {}
                429 => {
                    refused += 1;
                    let e: Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(e["code"], "STREAM_LIMIT", "{e}");
                    assert_eq!(e["status"], 429, "{e}");
                    assert!(e["detail"].as_str().unwrap().contains("close"), "{e}");
                }
                other => panic!("unexpected {other}: {text}"),
            }
        }
    }
    assert!(
        refused >= 64,
        "each database met its limit of 8 ({refused} refused)"
    );
    // The limits are full, yet a third database still gets its streams.
    for _ in 0..3 {
        let (status, r) = victim
            .pipeline(
                None,
                json!([{"type": "execute", "stmt": {"sql": "SELECT 42"}}]),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(
            r["results"][0]["response"]["result"]["rows"][0][0]["value"],
            "42"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_streams_are_closed_without_new_requests() {
    let env = start_with(
        comwit_sandbox::Sandbox::builder()
            .stream_idle_secs(1)
            .max_streams(2, 100),
    )
    .await;
    let db = Hrana::new(&env, "idle").await;
    for _ in 0..2 {
        let (status, _) = db.pipeline(None, json!([])).await;
        assert_eq!(status, 200);
    }
    let (status, _) = db.pipeline(None, json!([])).await;
    assert_eq!(status, 429, "the database is at its limit of 2 streams");
    // The sweeper (not a request) frees them once they are idle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, r) = db.pipeline(None, json!([{"type": "close"}])).await;
    assert_eq!(status, 200, "{r}");
}

#[tokio::test]
async fn malformed_requests_get_problem_details_that_echo_nothing() {
    let env = start().await;
    let db = Hrana::new(&env, "shapes").await;
    let http = comwit_client::http::client();
    let huge = "x".repeat(9 << 20);
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (
            http.post(format!("{}/v3/pipeline", db.url))
                .bearer_auth(&db.token)
                .header("content-type", "application/json")
                .body(format!("{{\"requests\":[],\"pad\":\"{huge}\"}}")),
            413,
        ),
        (
            http.get(format!("{}/v3/pipeline", db.url))
                .bearer_auth(&db.token),
            405,
        ),
        (
            http.post(format!("{}/v3/pipeline", db.url))
                .bearer_auth(&db.token)
                .body(format!(
                    "{{\"requests\": [{{\"type\": \"{}\"}}]}}",
                    "y".repeat(60_000)
                )),
            400,
        ),
    ];
    for (request, status) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "status {status}"
        );
        let text = r.text().await.unwrap();
        assert!(
            text.len() < 2_000,
            "the body echoes the request: {} bytes",
            text.len()
        );
        let e: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(e["status"], status, "{e}");
        assert!(e["code"].is_string() && e["detail"].is_string(), "{e}");
    }
    // A path that is not UTF-8, and a 60 KB database id.
    let base = env.sandbox_info().data_url.clone();
    for path in [
        "/v1/%FF%FE/v3/pipeline".to_string(),
        format!("/v1/{}/v3/pipeline", "d".repeat(60_000)),
    ] {
        let r = http
            .post(format!("{base}{path}"))
            .bearer_auth(&db.token)
            .json(&json!({"requests": []}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{status}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let text = r.text().await.unwrap();
        assert!(text.len() < 2_000, "echoed {} bytes", text.len());
        assert!(!text.contains("ddddddddd"), "{text}");
    }
}

/// The real binary, started through `sh` so `ulimit -n` can be lowered
/// first; its ready file's fields.
async fn spawn_binary(
    ulimit_n: u32,
    extra: &[&str],
) -> (tokio::process::Child, Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let command = format!(
        "ulimit -n {ulimit_n} && exec \"$0\" serve --ephemeral --listen 127.0.0.1:0 --ready-file \"$1\" {}",
        extra.join(" ")
    );
    let child = tokio::process::Command::new("sh")
        .args(["-c", &command, env!("CARGO_BIN_EXE_comwit-sandbox")])
        .arg(&ready)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let info: Value = loop {
        if let Ok(text) = std::fs::read_to_string(&ready) {
            break serde_json::from_str(&text).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    (child, info, dir)
}

/// A database on a spawned sandbox.
async fn remote_database(info: &Value, name: &str) -> Hrana {
    let created: Value = comwit_client::http::client()
        .post(format!(
            "{}/v1/projects/{}/databases",
            info["api_url"].as_str().unwrap(),
            info["project_id"].as_str().unwrap()
        ))
        .bearer_auth(info["user_token"].as_str().unwrap())
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Hrana {
        http: comwit_client::http::client(),
        url: created["database_url"].as_str().unwrap().to_string(),
        token: created["database_token"].as_str().unwrap().to_string(),
    }
}

/// Under `ulimit -n 256`, abandoned streams on three databases (600 in
/// all) meet the limits as clean 429s — never a 500, never a path — and a
/// fourth database still answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_stream_flood_under_a_low_fd_limit_never_breaks_other_databases() {
    let (_child, info, _dir) = spawn_binary(256, &[]).await;
    let mut flooders = Vec::new();
    for name in ["f1", "f2", "f3"] {
        flooders.push(remote_database(&info, name).await);
    }
    let victim = remote_database(&info, "victim").await;
    for db in &flooders {
        for _ in 0..200 {
            let (status, text) = db
                .post("/v3/pipeline", json!({"baton": null, "requests": []}))
                .await;
            assert!(status == 200 || status == 429, "{status}: {text}");
            assert_no_host_path(&text);
        }
    }
    let r = victim.execute("SELECT 42").await;
    assert_eq!(r["response"]["result"]["rows"][0][0]["value"], "42", "{r}");
}

/// The real binary, stopped with SIGTERM while a runaway statement runs
/// for a client that is still waiting: it must exit, not hang.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_sandbox_during_a_runaway_statement() {
    let (mut child, info, _dir) = spawn_binary(1024, &["--statement-timeout-secs", "3600"]).await;
    let busy = remote_database(&info, "busy").await;
    let (url, token) = (busy.url.clone(), busy.token.clone());
    let waiting = tokio::spawn(async move {
        comwit_client::http::client()
            .post(format!("{url}/v3/pipeline"))
            .bearer_auth(token)
            .json(&json!({"requests": [{"type": "execute", "stmt": {"sql": RUNAWAY}}]}))
            .send()
            .await
            .map(|r| r.status())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "the statement is running");
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    // A hang guard, not a timing assertion: a sandbox that ignores SIGTERM
    // while SQL runs never exits at all.
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the sandbox exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let _ = waiting.await;
}

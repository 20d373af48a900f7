//! The data endpoint with a real libSQL client (the `libsql` crate in
//! remote mode, which speaks Hrana 3 over HTTP: /v3/pipeline, /v3/cursor).

use serde_json::json;

use crate::common::{Env, start};

pub(crate) async fn database(env: &Env, name: &str) -> (String, String, String) {
    let r = env
        .post(
            &format!("/v1/projects/{}/databases", env.project),
            &env.user,
            json!({"name": name}),
        )
        .await
        .expect(201);
    (
        r.body["database_id"].as_str().unwrap().to_string(),
        r.body["database_url"].as_str().unwrap().to_string(),
        r.body["database_token"].as_str().unwrap().to_string(),
    )
}

async fn connect(url: &str, token: &str) -> libsql::Connection {
    let db = libsql::Builder::new_remote(url.to_string(), token.to_string())
        .connector(hyper014::client::HttpConnector::new())
        .build()
        .await
        .expect("remote database builds");
    db.connect().expect("connects")
}

#[tokio::test(flavor = "multi_thread")]
async fn libsql_client_basics() {
    let env = start().await;
    let (_, url, token) = database(&env, "app-db").await;
    let conn = connect(&url, &token).await;
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, big INTEGER, data BLOB, note TEXT)", ())
        .await
        .unwrap();
    let n = conn
        .execute(
            "INSERT INTO t (name, score, big, data, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            libsql::params![
                "alice",
                1.25f64,
                i64::MAX,
                vec![0u8, 1, 255],
                libsql::Value::Null
            ],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.last_insert_rowid(), 1);
    let mut rows = conn
        .query("SELECT id, name, score, big, data, note FROM t", ())
        .await
        .unwrap();
    let row = rows.next().await.unwrap().expect("one row");
    assert_eq!(row.get::<i64>(0).unwrap(), 1);
    assert_eq!(row.get::<String>(1).unwrap(), "alice");
    assert_eq!(row.get::<f64>(2).unwrap(), 1.25);
    assert_eq!(
        row.get::<i64>(3).unwrap(),
        i64::MAX,
        "64-bit integers survive"
    );
    assert_eq!(row.get::<Vec<u8>>(4).unwrap(), vec![0u8, 1, 255]);
    assert!(matches!(row.get_value(5).unwrap(), libsql::Value::Null));
    assert!(rows.next().await.unwrap().is_none());

    // A constraint error comes back as an error, and the stream lives on.
    let err = conn
        .execute("INSERT INTO t (name) VALUES ('alice')", ())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");

    // An interactive transaction across requests, rolled back.
    let tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t (name) VALUES ('bob')", ())
        .await
        .unwrap();
    let mut inside = tx.query("SELECT count(*) FROM t", ()).await.unwrap();
    assert_eq!(
        inside.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
        2
    );
    drop(inside);
    tx.rollback().await.unwrap();
    let mut after = conn.query("SELECT count(*) FROM t", ()).await.unwrap();
    assert_eq!(
        after.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
        1,
        "the rollback undid the insert"
    );

    // A committed transaction sticks.
    let tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t (name) VALUES ('carol')", ())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut after = conn
        .query("SELECT name FROM t ORDER BY id", ())
        .await
        .unwrap();
    let mut names = Vec::new();
    while let Some(r) = after.next().await.unwrap() {
        names.push(r.get::<String>(0).unwrap());
    }
    assert_eq!(names, vec!["alice", "carol"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn suspended_rotated_and_expired_credentials_are_refused() {
    let env = start().await;
    let (id, url, token) = database(&env, "db").await;
    let conn = connect(&url, &token).await;
    conn.execute("CREATE TABLE t (x)", ()).await.unwrap();

    env.post(&format!("/v1/databases/{id}/suspend"), &env.op, json!({}))
        .await
        .expect(200);
    let err = connect(&url, &token)
        .await
        .execute("SELECT 1", ())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("suspended"), "{err}");
    env.post(&format!("/v1/databases/{id}/resume"), &env.op, json!({}))
        .await
        .expect(200);
    connect(&url, &token)
        .await
        .execute("INSERT INTO t VALUES (1)", ())
        .await
        .unwrap();

    let rot = env
        .post(
            &format!("/v1/databases/{id}/token/rotate"),
            &env.op,
            json!({}),
        )
        .await
        .expect(200);
    let fresh = rot.body["database_token"].as_str().unwrap();
    let err = connect(&url, &token)
        .await
        .execute("SELECT 1", ())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("401") || err.to_string().to_lowercase().contains("token"),
        "{err}"
    );
    connect(&url, fresh)
        .await
        .execute("SELECT 1", ())
        .await
        .unwrap();

    let q = env
        .post(
            &format!("/v1/databases/{id}/query-token"),
            &env.op,
            json!({"ttl_seconds": 1, "audience": "test", "reason": "expiry"}),
        )
        .await
        .expect(200);
    let qt = q.body["query_token"].as_str().unwrap().to_string();
    connect(&url, &qt)
        .await
        .execute("SELECT 1", ())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(
        connect(&url, &qt)
            .await
            .execute("SELECT 1", ())
            .await
            .is_err(),
        "an expired query token is refused"
    );

    let usage = env
        .get(&format!("/v1/databases/{id}/usage"), &env.op)
        .await
        .expect(200);
    assert!(usage.body["query_count"].as_i64().unwrap() >= 4);
    assert!(usage.body["rows_written"].as_i64().unwrap() >= 1);
    assert!(usage.body["storage_bytes"].as_i64().unwrap() > 0);

    env.delete(&format!("/v1/databases/{id}"), &env.op)
        .await
        .expect(200);
    let err = connect(&url, fresh)
        .await
        .execute("SELECT 1", ())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("404") || err.to_string().contains("not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn raw_hrana_batches_conditions_and_streams() {
    let env = start().await;
    let (_, url, token) = database(&env, "raw").await;
    let http = comwit_client::http::client();
    let pipeline = |body: serde_json::Value| {
        let http = http.clone();
        let (url, token) = (url.clone(), token.clone());
        async move {
            let r = http
                .post(format!("{url}/v3/pipeline"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (s, r) = pipeline(json!({"baton": null, "requests": [
        {"type": "store_sql", "sql_id": 1, "sql": "SELECT ?1 + 1"},
        {"type": "execute", "stmt": {"sql_id": 1, "args": [{"type": "integer", "value": "41"}]}},
        {"type": "sequence", "sql": "CREATE TABLE k (v); INSERT INTO k VALUES (1); INSERT INTO k VALUES (2);"},
        {"type": "describe", "sql": "SELECT v FROM k WHERE v > :min"},
        {"type": "batch", "batch": {"steps": [
            {"stmt": {"sql": "BEGIN"}},
            {"stmt": {"sql": "INSERT INTO k VALUES (3)"}, "condition": {"type": "ok", "step": 0}},
            {"stmt": {"sql": "SELECT nope"}},
            {"stmt": {"sql": "ROLLBACK"}, "condition": {"type": "error", "step": 2}},
            {"stmt": {"sql": "COMMIT"}, "condition": {"type": "and", "conds": [{"type": "not", "cond": {"type": "error", "step": 2}}, {"type": "ok", "step": 1}]}},
            {"stmt": {"sql": "SELECT count(*) FROM k", "want_rows": false}, "condition": {"type": "is_autocommit"}},
            {"stmt": {"sql": "SELECT count(*) FROM k"}, "condition": {"type": "or", "conds": [{"type": "ok", "step": 4}, {"type": "ok", "step": 3}]}}
        ]}},
        {"type": "execute", "stmt": {"sql": "SELECT :min AS m", "named_args": [{"name": "min", "value": {"type": "float", "value": 2.5}}]}},
        {"type": "get_autocommit"},
        {"type": "close_sql", "sql_id": 1},
        {"type": "execute", "stmt": {"sql_id": 1}},
        {"type": "execute", "stmt": {"sql": "SELECT 1; SELECT 2"}}
    ]}))
    .await;
    assert_eq!(s, 200, "{r}");
    let res = r["results"].as_array().unwrap();
    assert_eq!(
        res[1]["response"]["result"]["rows"][0][0],
        json!({"type": "integer", "value": "42"})
    );
    assert_eq!(res[2]["type"], "ok");
    assert_eq!(res[3]["response"]["result"]["params"][0]["name"], ":min");
    assert_eq!(res[3]["response"]["result"]["is_readonly"], true);
    let batch = &res[4]["response"]["result"];
    assert!(
        batch["step_errors"][2]["code"].is_string(),
        "every error has a code"
    );
    assert!(
        batch["step_results"][3].is_object(),
        "ROLLBACK ran because step 2 failed"
    );
    assert!(batch["step_results"][4].is_null(), "COMMIT was skipped");
    assert_eq!(
        batch["step_results"][5]["rows"],
        json!([]),
        "want_rows: false returns no rows"
    );
    assert_eq!(
        batch["step_results"][6]["rows"][0][0]["value"], "2",
        "the rolled-back insert is gone"
    );
    assert_eq!(
        res[5]["response"]["result"]["rows"][0][0],
        json!({"type": "float", "value": 2.5})
    );
    assert_eq!(res[6]["response"]["is_autocommit"], true);
    assert_eq!(res[8]["type"], "error", "closed sql_id is gone");
    assert_eq!(res[9]["type"], "error", "one statement per execute");
    let baton = r["baton"].as_str().unwrap().to_string();

    // Batons rotate: the new one works once, the old one is refused.
    let (s, r2) = pipeline(json!({"baton": baton, "requests": [{"type": "execute", "stmt": {"sql": "BEGIN TRANSACTION READONLY"}}, {"type": "execute", "stmt": {"sql": "INSERT INTO k VALUES (9)"}}, {"type": "execute", "stmt": {"sql": "ROLLBACK"}}, {"type": "close"}]})).await;
    assert_eq!(s, 200);
    assert_eq!(
        r2["results"][0]["type"], "ok",
        "BEGIN TRANSACTION READONLY works"
    );
    assert_eq!(
        r2["results"][1]["type"], "error",
        "writes are refused inside a read-only transaction"
    );
    assert!(r2["baton"].is_null(), "close ends the stream");
    let (s, _) = pipeline(json!({"baton": baton, "requests": []})).await;
    assert_eq!(s, 400, "a used baton is refused");
    let (s, e) = pipeline(json!({"requests": "nope"})).await;
    assert_eq!(s, 400);
    assert!(e["code"].is_string());

    // The cursor streams NDJSON.
    let text = http
        .post(format!("{url}/v3/cursor"))
        .bearer_auth(&token)
        .json(&json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "SELECT v FROM k ORDER BY v"}}, {"stmt": {"sql": "SELECT nope"}}]}}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines[0]["baton"].is_string());
    assert_eq!(lines[1]["type"], "step_begin");
    assert_eq!(lines.iter().filter(|l| l["type"] == "row").count(), 2);
    assert_eq!(lines.last().unwrap()["type"], "step_error");

    // v2 is not served (like Louhi), nor is anything but SQL.
    let v2 = http
        .post(format!("{url}/../v2/pipeline"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(v2.status(), 404);
    let base = url.rsplit_once("/v1/").unwrap().0;
    for path in ["/v1/projects", "/openapi.json", "/healthz"] {
        assert_eq!(
            http.get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "{path} is blocked on the data host"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn npm_serverless_client_basics() {
    let env = start().await;
    let (_, url, token) = database(&env, "js").await;
    let dir = tokio::task::spawn_blocking(comwit_e2e::js::npm_client_dir)
        .await
        .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("serverless.mjs")
            .current_dir(dir)
            .env("DATABASE_URL", url)
            .env("DATABASE_TOKEN", token)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the npm client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("serverless client: ok"));
}

#[tokio::test]
async fn hrana_v2_only_when_asked_and_idle_streams_expire() {
    let env = crate::common::start_with(
        comwit_sandbox::Sandbox::builder()
            .hrana_v2()
            .stream_idle_secs(1),
    )
    .await;
    let (_, url, token) = database(&env, "v2").await;
    let http = comwit_client::http::client();
    let r = http
        .post(format!("{url}/v2/pipeline"))
        .bearer_auth(&token)
        .json(
            &json!({"baton": null, "requests": [{"type": "execute", "stmt": {"sql": "SELECT 7"}}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["results"][0]["response"]["result"]["rows"][0][0]["value"],
        "7"
    );
    let baton = body["baton"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let r = http
        .post(format!("{url}/v3/pipeline"))
        .bearer_auth(&token)
        .json(&json!({"baton": baton, "requests": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an idle stream expired");
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["code"], "STREAM_EXPIRED");

    // Without the flag, v2 is not served.
    let plain = start().await;
    let (_, url, token) = database(&plain, "v3only").await;
    let r = http
        .post(format!("{url}/v2/pipeline"))
        .bearer_auth(&token)
        .json(&json!({"requests": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

//! `--seed FILE`: a sandbox described in TOML, applied once per data dir;
//! a file that does not apply stops the start and says why.

use comwit_sandbox::Sandbox;
use serde_json::{Value, json};

use crate::common::start_with;

const BOT_TOKEN: &str = "cwt_00112233445566778899aabbccddeeff00112233";

fn seed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for (version, body) in [("v1", "<h1>v1</h1>"), ("v2", "<h1>v2</h1>")] {
        std::fs::create_dir_all(p.join(format!("site-{version}"))).unwrap();
        std::fs::write(p.join(format!("site-{version}/index.html")), body).unwrap();
    }
    std::fs::write(
        p.join("schema.sql"),
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);\n\
         INSERT INTO orders (note) VALUES ('it; has a semicolon'), ('second');\n",
    )
    .unwrap();
    let seed = format!(
        r#"
[[users]]
name = "ci-bot"
tokens = [{{ token = "{BOT_TOKEN}", scopes = ["project:read", "app:read", "domain:read"] }}]

[[projects]]
name = "storefront"
members = ["ci-bot"]
apps = [{{ name = "web", env = {{ LOG_LEVEL = "debug" }}, builds = ["site-v1", "site-v2"] }}]
databases = [{{ name = "shop-db", sql = ["CREATE TABLE kv (k TEXT)"], sql_file = "schema.sql" }}]

[[projects.domains]]
domain = "shop.example"
state = "managed"
records = [{{ name = "www", type = "A", ttl = 300, values = ["192.0.2.1"] }}]

[[projects.domains]]
domain = "later.example"
"#
    );
    std::fs::write(p.join("seed.toml"), seed).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_makes_users_projects_apps_databases_and_domains_once() {
    let seed = seed_dir();
    let data = tempfile::tempdir().unwrap();
    let builder = || {
        Sandbox::builder()
            .data_dir(data.path())
            .seed_file(seed.path().join("seed.toml"))
    };
    let env = start_with(builder()).await;
    // The seeded token, of the value the file chose, sees its project.
    let projects = env.get("/v1/projects", BOT_TOKEN).await.expect(200);
    let shop = projects.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "storefront")
        .expect("storefront")["project_id"]
        .as_str()
        .unwrap()
        .to_string();
    env.post(
        &format!("/v1/projects/{shop}/apps"),
        BOT_TOKEN,
        json!({"name": "x"}),
    )
    .await
    .expect(403);
    let apps = env
        .get(&format!("/v1/projects/{shop}/apps"), BOT_TOKEN)
        .await
        .expect(200);
    let web = apps.body["apps"][0]["app_id"].as_str().unwrap().to_string();
    let builds = env
        .get(&format!("/v1/projects/{shop}/apps/{web}/builds"), BOT_TOKEN)
        .await
        .expect(200);
    assert_eq!(builds.body["builds"].as_array().unwrap().len(), 2);
    let vars = env
        .get(
            &format!("/v1/projects/{shop}/apps/{web}/environment"),
            &env.user,
        )
        .await
        .expect(200);
    assert!(vars.body.to_string().contains("LOG_LEVEL"), "{}", vars.body);
    let domains = env
        .get(&format!("/v1/projects/{shop}/domains"), BOT_TOKEN)
        .await
        .expect(200);
    let status = |d: &str| -> Value {
        domains.body["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["domain"] == d)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("shop.example"), "managed");
    assert_eq!(status("later.example"), "pending_delegation");
    let records = env
        .get(
            &format!("/v1/projects/{shop}/domains/shop.example/records"),
            BOT_TOKEN,
        )
        .await
        .expect(200);
    assert!(records.body.to_string().contains("192.0.2.1"));
    // The SQL ran: a rotated token reads the rows the file's script wrote.
    let dbs = env
        .get(&format!("/v1/projects/{shop}/databases"), &env.user)
        .await
        .expect(200);
    let db = &dbs.body["databases"][0];
    let rotated = env
        .post(
            &format!(
                "/v1/databases/{}/token/rotate",
                db["database_id"].as_str().unwrap()
            ),
            &env.op,
            json!({}),
        )
        .await
        .expect(200);
    let token = rotated.body["database_token"].as_str().unwrap();
    let rows: Value = env
        .http
        .post(format!("{}/v3/pipeline", db["database_url"].as_str().unwrap()))
        .bearer_auth(token)
        .json(&json!({"baton": null, "requests": [{"type": "execute", "stmt": {"sql": "SELECT note FROM orders ORDER BY id"}}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(rows.to_string().contains("it; has a semicolon"), "{rows}");

    // Once per data dir: a restart does not seed twice.
    drop(env);
    let again = start_with(builder()).await;
    let apps = again
        .get(&format!("/v1/projects/{shop}/apps"), BOT_TOKEN)
        .await
        .expect(200);
    assert_eq!(apps.body["apps"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_that_does_not_apply_stops_the_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for (text, words) in [
        (
            "[[projects]]\nname = \"p\"\ncolour = \"red\"\n",
            "unknown field `colour`",
        ),
        (
            "[[users]]\nname = \"u\"\ntokens = [{ token = \"secret\", scopes = [] }]\n",
            "user u: token",
        ),
        (
            "[[projects]]\nname = \"p\"\nmembers = [\"ghost\"]\n",
            "no user \"ghost\"",
        ),
        (
            "[[projects]]\nname = \"p\"\napps = [{ name = \"web\", builds = [\"missing\"] }]\n",
            "app web: build",
        ),
        (
            "[[projects]]\nname = \"p\"\ndatabases = [{ name = \"d\", sql = [\"NOT SQL\"] }]\n",
            "database d",
        ),
    ] {
        let path = dir.path().join("seed.toml");
        std::fs::write(&path, text).unwrap();
        let err = Sandbox::builder()
            .seed_file(&path)
            .start()
            .await
            .err()
            .expect("refused");
        let shown = err.to_string();
        assert!(shown.contains(words), "{words}: {shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_seed_file_applies_as_written() {
    let blocks = comwit_e2e::readme::blocks(&comwit_e2e::readme::text(), &["toml"]);
    let example = blocks
        .iter()
        .find(|b| b.text.contains("[[users]]"))
        .expect("the README shows a seed file");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fixtures/web")).unwrap();
    std::fs::write(dir.path().join("fixtures/web/index.html"), "<h1>web</h1>").unwrap();
    std::fs::write(
        dir.path().join("fixtures/schema.sql"),
        "CREATE TABLE t (x);",
    )
    .unwrap();
    let path = dir.path().join("seed.toml");
    std::fs::write(&path, &example.text).unwrap();
    let env = start_with(Sandbox::builder().seed_file(&path)).await;
    let token = example
        .text
        .split('"')
        .find(|s| s.starts_with("cwt_"))
        .unwrap();
    let projects = env.get("/v1/projects", token).await.expect(200);
    assert!(projects.body.to_string().contains("storefront"));
}

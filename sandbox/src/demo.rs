//! `--seed-demo`: a realistic account to explore, created once per data
//! dir through the sandbox's own routes (so it obeys every rule they do).

use axum::Router;
use axum::http::Method;
use serde_json::json;

use crate::seeder::{self, Seeder, id};
use crate::state::AppState;

/// A small but real site, different per version.
fn artifact(app: &str, version: u32) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let files = [
        (
            "index.html",
            format!("<!doctype html><title>{app}</title><h1>{app} v{version}</h1>\n"),
        ),
        (
            "assets/app.js",
            format!("console.log('{app} build {version}');\n"),
        ),
        (
            "assets/style.css",
            "body{font-family:system-ui}\n".to_string(),
        ),
    ];
    for (name, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000 + u64::from(version));
        header.set_cksum();
        tar.append_data(&mut header, name, content.as_bytes())
            .expect("in-memory tar");
    }
    let tar = tar.into_inner().expect("in-memory tar");
    zstd::encode_all(&tar[..], 3).expect("in-memory zstd")
}

pub async fn seed(
    state: &AppState,
    (app, data): (Router, Router),
    user_token: &str,
) -> Result<(), String> {
    if seeder::done(state, "demo")?.is_some() {
        return Ok(());
    }
    let s = Seeder {
        app,
        data,
        operator: state.operator_token().to_string(),
        user: user_token.to_string(),
    };
    let (shop, tools) = seed_projects(&s).await?;
    let web = seed_apps(&s, &shop, &tools).await?;
    seed_database(&s, &shop).await?;
    seed_domains(&s, &shop, &web).await?;
    seeder::mark_done(state, "demo", "seeded")
}

/// `shop-db`, with small sample tables a new operator can query.
async fn seed_database(s: &Seeder, shop: &str) -> Result<(), String> {
    let db = s
        .json(
            Method::POST,
            &format!("/v1/projects/{shop}/databases"),
            json!({"name": "shop-db"}),
        )
        .await?;
    let (database, token) = (id(&db, "/database_id")?, id(&db, "/database_token")?);
    s.sql(&database, &token, SAMPLE_TABLES).await
}

/// The demo shop's data: the same rows on every seed (no dates of today,
/// no random ids), so what a query shows can be written down.
const SAMPLE_TABLES: &[&str] = &[
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \
     email TEXT NOT NULL UNIQUE, country TEXT NOT NULL, joined TEXT NOT NULL)",
    "INSERT INTO customers VALUES \
     (1, 'Aino Virtanen', 'aino@example.com', 'FI', '2025-01-14'), \
     (2, 'Ben Okafor', 'ben@example.net', 'NG', '2025-02-03'), \
     (3, 'Carla Mendes', 'carla@example.org', 'PT', '2025-03-21'), \
     (4, 'Dmitri Sokolov', 'dmitri@example.com', 'EE', '2025-05-09'), \
     (5, 'Emi Tanaka', 'emi@example.jp', 'JP', '2025-06-30')",
    "CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, \
     name TEXT NOT NULL, price_cents INTEGER NOT NULL, stock INTEGER NOT NULL)",
    "INSERT INTO products VALUES \
     (1, 'MUG-01', 'Enamel mug', 1450, 120), \
     (2, 'TEE-M', 'Logo t-shirt (M)', 2400, 35), \
     (3, 'TEE-L', 'Logo t-shirt (L)', 2400, 0), \
     (4, 'CAP-01', 'Cap', 1900, 18), \
     (5, 'STK-10', 'Sticker pack', 500, 400), \
     (6, 'BAG-01', 'Tote bag', 1600, 52)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, \
     customer_id INTEGER NOT NULL REFERENCES customers (id), \
     product_id INTEGER NOT NULL REFERENCES products (id), \
     quantity INTEGER NOT NULL, ordered_at TEXT NOT NULL, status TEXT NOT NULL)",
    "INSERT INTO orders VALUES \
     (1, 1, 1, 2, '2025-07-01 09:12', 'delivered'), \
     (2, 1, 5, 1, '2025-07-01 09:12', 'delivered'), \
     (3, 2, 2, 1, '2025-07-04 17:40', 'shipped'), \
     (4, 3, 6, 3, '2025-07-08 11:05', 'shipped'), \
     (5, 4, 4, 1, '2025-07-12 20:33', 'paid'), \
     (6, 5, 1, 4, '2025-07-15 08:01', 'paid'), \
     (7, 2, 3, 1, '2025-07-16 13:27', 'cancelled'), \
     (8, 5, 5, 2, '2025-07-18 22:10', 'paid')",
];

/// The two projects; returns their ids (storefront, internal-tools).
async fn seed_projects(s: &Seeder) -> Result<(String, String), String> {
    let shop = s
        .json(
            Method::POST,
            "/_sandbox/projects",
            json!({"name": "storefront"}),
        )
        .await?;
    let shop = id(&shop, "/project/project_id")?;
    let tools = s
        .json(
            Method::POST,
            "/_sandbox/projects",
            json!({"name": "internal-tools"}),
        )
        .await?;
    let tools = id(&tools, "/project/project_id")?;
    Ok((shop, tools))
}

/// The apps, their builds and environment; returns the id of `web`.
async fn seed_apps(s: &Seeder, shop: &str, tools: &str) -> Result<String, String> {
    // Apps with several builds and environment values.
    let web = s
        .json(
            Method::POST,
            &format!("/v1/projects/{shop}/apps"),
            json!({"name": "web"}),
        )
        .await?;
    let web = id(&web, "/app/app_id")?;
    for v in 1..=3 {
        s.deploy(
            shop,
            &web,
            artifact("web", v),
            if v == 3 {
                "?max_concurrent_requests=50"
            } else {
                ""
            },
        )
        .await?;
    }
    for (k, v) in [
        ("LOG_LEVEL", "info"),
        ("API_BASE_URL", "https://api.shop.example"),
        ("FEATURE_CHECKOUT_V2", "true"),
    ] {
        s.json(
            Method::PUT,
            &format!("/v1/projects/{shop}/apps/{web}/environment/{k}"),
            json!({"value": v}),
        )
        .await?;
    }
    let api = s
        .json(
            Method::POST,
            &format!("/v1/projects/{shop}/apps"),
            json!({"name": "api"}),
        )
        .await?;
    let api = id(&api, "/app/app_id")?;
    for v in 1..=2 {
        s.deploy(shop, &api, artifact("api", v), "?env_ref=production")
            .await?;
    }
    let admin = s
        .json(
            Method::POST,
            &format!("/v1/projects/{tools}/apps"),
            json!({"name": "admin"}),
        )
        .await?;
    let admin = id(&admin, "/app/app_id")?;
    s.deploy(tools, &admin, artifact("admin", 1), "").await?;
    Ok(web)
}

async fn seed_domains(s: &Seeder, shop: &str, web: &str) -> Result<(), String> {
    // A managed domain with records and a hostname, and a pending one.
    s.domain(shop, "shop.example", true).await?;
    let records = [
        json!({"name": "@", "type": "A", "ttl": 300, "values": ["192.0.2.10"]}),
        json!({"name": "@", "type": "MX", "ttl": 3600, "values": ["10 mail.shop.example"]}),
        json!({"name": "@", "type": "TXT", "ttl": 3600, "values": ["v=spf1 include:mail.shop.example -all"]}),
        json!({"name": "mail", "type": "A", "ttl": 300, "values": ["192.0.2.25"]}),
        json!({"name": "docs", "type": "CNAME", "ttl": 300, "values": ["docs-host.example.net"]}),
    ];
    for r in records {
        s.json(
            Method::POST,
            &format!("/v1/projects/{shop}/domains/shop.example/records"),
            r,
        )
        .await?;
    }
    s.json(
        Method::POST,
        &format!("/v1/projects/{shop}/apps/{web}/domains"),
        json!({"domain": "www.shop.example", "dns_mode": "managed_project_domain"}),
    )
    .await?;
    s.json(
        Method::POST,
        &format!("/v1/projects/{shop}/apps/{web}/domains/www.shop.example/finalize"),
        json!({}),
    )
    .await?;
    s.domain(shop, "newbrand.example", false).await
}

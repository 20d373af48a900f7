//! The addresses the sandbox gives out: the `--public-*` ones when given,
//! else the bound ones, and a wildcard bind address never.

use std::net::SocketAddr;

use comwit_sandbox::{PublicAddrs, Sandbox};
use serde_json::{Value, json};

use crate::common::{Env, start_with};

/// Every string in `v` that holds `://`.
fn urls(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains("://") => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| urls(i, out)),
        Value::Object(map) => map.values().for_each(|i| urls(i, out)),
        _ => {}
    }
}

/// The URLs in what the API returns for a database, a device login and
/// the device page.
async fn returned_urls(env: &Env) -> (Vec<String>, String) {
    let mut found = Vec::new();
    let created = env
        .post(
            &format!("/v1/projects/{}/databases", env.project),
            &env.user,
            json!({ "name": "urls-db" }),
        )
        .await
        .expect(201);
    urls(&created.body, &mut found);
    let listed = env
        .get(
            &format!("/v1/projects/{}/databases", env.project),
            &env.user,
        )
        .await
        .expect(200);
    urls(&listed.body, &mut found);
    let device = env
        .call(reqwest::Method::POST, "/v1/auth/device", None, None)
        .await
        .expect(200);
    urls(&device.body, &mut found);
    let page = env
        .http
        .get(format!("{}/_sandbox/device?code=ABCD", env.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (found, page)
}

#[tokio::test]
async fn a_wildcard_bind_address_never_appears_in_a_response() {
    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let env = start_with(
        Sandbox::builder()
            .listen(any)
            .data_listen(any)
            .site_listen(any)
            .dns_listen(any)
            .registry_dns_listen(any),
    )
    .await;
    let info = serde_json::to_value(env.sandbox_info()).unwrap();
    assert!(!info.to_string().contains("0.0.0.0"), "{info}");
    assert!(
        info["api_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(info["dns_addr"].as_str().unwrap().starts_with("127.0.0.1:"));
    let (found, page) = returned_urls(&env).await;
    assert!(found.len() >= 3, "{found:?}");
    for url in &found {
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    }
    assert!(!page.contains("0.0.0.0"), "{page}");
    // And what it gives out works.
    let health = env
        .http
        .get(format!("{}/healthz", info["api_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn the_public_addresses_are_in_every_returned_url_and_the_ready_file() {
    let public = PublicAddrs {
        api_url: Some("http://sandbox.ci:8787".into()),
        data_url: Some("https://data.sandbox.ci".into()),
        site_url: Some("http://sites.sandbox.ci".into()),
        dns_addr: Some("sandbox.ci:5353".into()),
        registry_dns_addr: Some("registry.sandbox.ci:5354".into()),
    };
    let env = start_with(Sandbox::builder().public(public)).await;
    let info = env.sandbox_info().clone();
    assert_eq!(info.api_url, "http://sandbox.ci:8787");
    assert_eq!(info.data_url, "https://data.sandbox.ci");
    assert_eq!(info.site_url, "http://sites.sandbox.ci");
    assert_eq!(info.dns_addr, "sandbox.ci:5353");
    assert_eq!(info.registry_dns_addr, "registry.sandbox.ci:5354");
    let (found, page) = returned_urls(&env).await;
    let dbs: Vec<&String> = found.iter().filter(|u| u.contains("/v1/db-")).collect();
    assert!(!dbs.is_empty(), "{found:?}");
    for url in &found {
        let ok = url.starts_with("http://sandbox.ci:8787/")
            || url.starts_with("https://data.sandbox.ci/");
        assert!(ok, "{url} is not under a public address");
    }
    assert!(
        page.contains("http://sandbox.ci:8787/_sandbox/device/approve"),
        "{page}"
    );

    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    comwit_sandbox::write_ready_file(&ready, &info).unwrap();
    let written: Value = serde_json::from_slice(&std::fs::read(&ready).unwrap()).unwrap();
    assert_eq!(written["api_url"], "http://sandbox.ci:8787");
    assert_eq!(written["dns_addr"], "sandbox.ci:5353");
}

#[test]
fn the_binary_refuses_a_wildcard_or_malformed_public_url_naming_the_fix() {
    for (flag, value, words) in [
        ("--public-url", "http://0.0.0.0:8787", "where to listen"),
        ("--public-url", "sandbox:8787", "http://sandbox:8787"),
        ("--public-dns-addr", "sandbox", "HOST:PORT"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_comwit-sandbox"))
            .args(["serve", "--ephemeral", flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{flag} {value}: {err}");
    }
}

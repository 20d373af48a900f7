//! A zone apply on an unlucky network: a create whose answer is lost is
//! looked for before it is sent again, so it is made exactly once whether
//! the platform made it (answer lost) or never saw it (request lost).

// The deploy cuts are the deploy tests'; this file uses two of them.
#[allow(dead_code)]
#[path = "support/cut_proxy.rs"]
mod cut_proxy;

use comwit_client::Client;
use comwit_client::zone::{apply, plan, read};
use comwit_sandbox::{Sandbox, SandboxInfo};
use cut_proxy::{Cut, CutProxy};

/// The demo user's client through `url` (the sandbox's, or a proxy in
/// front of it), and the id of the project holding `shop.example`.
async fn demo_user(url: &str, info: &SandboxInfo) -> (Client, String) {
    let client = Client::builder()
        .base_url(url)
        .token(info.user_token.as_str())
        .build()
        .unwrap();
    let projects = client.projects().list().await.unwrap();
    let storefront = projects.iter().find(|p| p.name == "storefront").unwrap();
    let id = storefront.project_id.clone();
    (client, id)
}

async fn zz_records_after(cut: Cut) -> usize {
    let sandbox = Sandbox::builder().seed_demo().start().await.unwrap();
    let info = sandbox.info().clone();
    let proxy = CutProxy::start(&info.api_url).await;
    let (client, storefront) = demo_user(&proxy.url, &info).await;
    let records = client.domains(&storefront).records("shop.example");
    let mut file =
        comwit_client::zone::export::bind("shop.example", &records.list().await.unwrap());
    file.push_str("zz 300 IN A 192.0.2.99\n");
    let wanted = read::any("shop.example", &file).unwrap();
    let planned = plan::plan("shop.example", &records.list().await.unwrap(), &wanted);
    assert_eq!(planned.summary().split(',').next(), Some("1 to create"));

    proxy.cut_next_write(cut);
    let done = apply::apply(&records, &planned, |_| {}).await.unwrap();
    assert_eq!(done, 1);
    let now = records.list().await.unwrap();
    now.iter().filter(|r| r.name.starts_with("zz.")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_was_lost_is_found_not_made_twice() {
    assert_eq!(zz_records_after(Cut::AtAnswer).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_never_arrived_is_sent_again() {
    assert_eq!(zz_records_after(Cut::Swallow).await, 1);
}

/// `dig +short` against the sandbox's zone server.
fn dig(dns: &str, name: &str, kind: &str) -> Vec<String> {
    let (host, port) = dns.rsplit_once(':').unwrap();
    let out = std::process::Command::new("dig")
        .args([
            &format!("@{host}"),
            "-p",
            port,
            "+norec",
            "+short",
            "+tries=1",
            "+time=5",
        ])
        .args([name, kind])
        .output()
        .expect("dig runs (Debian's dnsutils; scripts/test installs it)");
    assert!(out.status.success(), "{out:?}");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_export_applied_is_what_dig_gets_back() {
    let sandbox = Sandbox::builder().seed_demo().start().await.unwrap();
    let info = sandbox.info().clone();
    let (client, storefront) = demo_user(&info.api_url, &info).await;
    let records = client.domains(&storefront).records("shop.example");
    let export = include_str!("fixtures/provider-export.zone");
    let wanted = read::any("shop.example", export).unwrap();
    let planned = plan::plan("shop.example", &records.list().await.unwrap(), &wanted);
    apply::apply(&records, &planned, |_| {}).await.unwrap();

    let dns = info.dns_addr.clone();
    let answers = tokio::task::spawn_blocking(move || {
        [
            dig(&dns, "shop.example", "A"),
            dig(&dns, "x.preview.shop.example", "A"),
            dig(&dns, "_dmarc.shop.example", "TXT"),
            dig(&dns, "mail.shop.example", "A"),
        ]
    })
    .await
    .unwrap();
    assert_eq!(answers[0], ["192.0.2.10", "192.0.2.11"]);
    assert_eq!(answers[1], ["192.0.2.20"], "the wildcard answers");
    assert_eq!(answers[2], ["\"v=DMARC1; p=none\""]);
    assert!(answers[3].is_empty(), "deleted: {:?}", answers[3]);
}

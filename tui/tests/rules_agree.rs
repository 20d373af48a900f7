//! The platform's rules, asked twice: every input of one table goes through
//! the dashboard's form check (what the form shows before sending) and,
//! unchecked, to the sandbox's API. Both must give the same verdict: the
//! form refuses exactly what the API answers 400 to. The rules live once,
//! in `comwit_client::rules`; this proves nobody re-implements them.

mod support;

use comwit_client::Client;
use comwit_client::models::{DnsMode, NewRecord};
use comwit_tui::views::checks;
use support::Harness;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted,
    Refused,
}

fn form<T>(checked: Result<T, String>) -> Verdict {
    match checked {
        Ok(_) => Verdict::Accepted,
        Err(_) => Verdict::Refused,
    }
}

/// A 400 is the API refusing the input; a success or a 409 (the name is
/// taken, the state forbids it) means the rules let it through.
fn api<T>(what: &str, answer: comwit_client::Result<T>) -> Verdict {
    match answer {
        Ok(_) => Verdict::Accepted,
        Err(e) if e.status() == Some(400) => Verdict::Refused,
        Err(e) if e.status() == Some(409) => Verdict::Accepted,
        Err(e) => panic!("{what}: neither a verdict on the input nor success: {e}"),
    }
}

fn agree(what: &str, form: Verdict, api: Verdict, expected: Verdict) {
    assert_eq!(form, api, "{what}: the form and the API disagree");
    assert_eq!(form, expected, "{what}: both gave the wrong verdict");
}

use Verdict::{Accepted as OK, Refused as NO};

const NAMES: &[(&str, Verdict)] = &[
    ("app-db", OK),
    ("9lives", OK),
    ("a", OK),
    ("", NO),
    ("App", NO),
    ("a_b", NO),
    ("db.main", NO),
    ("-web", NO),
    ("web-", NO),
    (" db", NO),
    ("ü-db", NO),
];

const KEYS: &[(&str, Verdict)] = &[
    ("LOG_LEVEL", OK),
    ("_x1", OK),
    ("x", OK),
    ("1X", NO),
    ("A-B", NO),
    ("A B", NO),
    ("A.B", NO),
    ("A/B", NO),
    ("ÄPFEL", NO),
];

const HOSTS: &[(&str, Verdict)] = &[
    ("brand.example", OK),
    ("Brand2.Example.", OK),
    ("bücher.example", OK),
    ("a.b.c.example", OK),
    ("", NO),
    ("localhost", NO),
    ("192.0.2.1", NO),
    ("-a.example", NO),
    ("a-.example", NO),
    ("a..example", NO),
    ("a_b.example", NO),
    ("exa mple.com", NO),
];

/// (name, type, TTL, values) in the managed demo zone `shop.example`.
const RECORDS: &[(&str, &str, u32, &[&str], Verdict)] = &[
    ("r1", "A", 300, &["192.0.2.1"], OK),
    ("r2", "a", 300, &["192.0.2.2"], OK),
    ("r3", "A", 300, &["192.0.2.300"], NO),
    ("r4", "A", 300, &["2001:db8::1"], NO),
    ("r5", "AAAA", 300, &["2001:db8::1"], OK),
    ("r6", "AAAA", 300, &["192.0.2.1"], NO),
    ("r7", "CNAME", 300, &["host.example.net"], OK),
    ("r8", "CNAME", 300, &["a.example", "b.example"], NO),
    ("@", "CNAME", 300, &["a.example.net"], NO),
    ("r9", "CNAME", 300, &["localhost"], NO),
    ("r10", "MX", 300, &["10 mail.shop.example"], OK),
    ("r11", "MX", 300, &["70000 mail.shop.example"], NO),
    ("r12", "MX", 300, &["mail.shop.example"], NO),
    ("_dmarc", "TXT", 300, &["v=DMARC1; p=none"], OK),
    ("r13", "TXT", 300, &["tab\there"], NO),
    ("r14", "TXT", 300, &[], NO),
    ("r15", "NS", 300, &["ns1.example.net"], NO),
    ("r16", "A", 59, &["192.0.2.1"], NO),
    ("r17", "A", 86_401, &["192.0.2.1"], NO),
    ("r18", "A", 86_400, &["192.0.2.1"], OK),
    ("r19", "A_ALIAS", 300, &["lb.example.net"], NO),
    ("r20.other.example.", "A", 300, &["192.0.2.1"], NO),
    ("a..b", "A", 300, &["192.0.2.1"], NO),
    ("bad name", "A", 300, &["192.0.2.1"], NO),
];

struct Demo {
    client: Client,
    project: String,
    app: String,
}

async fn demo(h: &Harness) -> Demo {
    let client = h.app.session.client.clone();
    let project = h.storefront().await;
    let app = client
        .apps(&project)
        .find("web")
        .await
        .unwrap()
        .unwrap()
        .app_id;
    Demo {
        client,
        project,
        app,
    }
}

#[tokio::test]
async fn database_names_and_env_keys_get_the_same_verdict_from_the_form_and_the_api() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    for &(name, expected) in NAMES {
        let answer = d.client.databases(&d.project).create(name).await;
        let what = format!("database name {name:?}");
        agree(
            &what,
            form(checks::resource_name(name)),
            api(&what, answer),
            expected,
        );
    }
    let app = d.client.apps(&d.project).app(&d.app);
    for &(key, expected) in KEYS {
        let what = format!("environment key {key:?}");
        let answer = app.set_env(key, "v").await;
        agree(
            &what,
            form(checks::env_key(key)),
            api(&what, answer),
            expected,
        );
    }
}

#[tokio::test]
async fn domains_and_hostnames_get_the_same_verdict_from_the_form_and_the_api() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let app = d.client.apps(&d.project).app(&d.app);
    for &(host, expected) in HOSTS {
        let what = format!("domain {host:?}");
        let answer = d.client.domains(&d.project).create(host).await;
        agree(
            &what,
            form(checks::hostname(host)),
            api(&what, answer),
            expected,
        );
        let what = format!("hostname {host:?}");
        let answer = app.attach(host, DnsMode::ExternalRecords).await;
        agree(
            &what,
            form(checks::hostname(host)),
            api(&what, answer),
            expected,
        );
    }
}

#[tokio::test]
async fn records_get_the_same_verdict_from_the_form_and_the_api() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let zone = d.client.domains(&d.project).records("shop.example");
    for &(name, kind, ttl, values, expected) in RECORDS {
        let what = format!("{kind} record {name:?} TTL {ttl} {values:?}");
        let typed = checks::record(
            "shop.example",
            name,
            kind,
            &ttl.to_string(),
            &values.join("\n"),
        );
        let sent = NewRecord {
            name: name.into(),
            kind: kind.into(),
            ttl: Some(ttl),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        agree(
            &what,
            form(typed),
            api(&what, zone.create(&sent).await),
            expected,
        );
    }
}

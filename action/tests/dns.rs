//! `command: dns-plan` and `command: dns-apply` run as workflow steps
//! against the sandbox, reporting to the GitHub stub: one pull request
//! comment per domain, updated in place; the job summary; the outputs.

mod common;

use common::github_stub::{GH_TOKEN, HEAD_SHA, Shared, github_stub};
use common::{BIN, Platform, Run, Runner, platform};
use serde_json::{Value, json};

/// A provider's export of `shop.test`, with a TXT value that tries to
/// break out of the comment: a backtick fence, a mention and another
/// domain's comment marker.
fn shop_zone(project: &str) -> String {
    format!(
        "$ORIGIN shop.test.\n$TTL 300\n\
         @     IN A     192.0.2.1\n\
         @     IN A     192.0.2.2\n\
         www   IN CNAME shop.test.\n\
         @     IN MX    10 mail.shop.test.\n\
         mail  IN A     192.0.2.25\n\
         note  IN TXT   \"```` @octocat <!-- comwit-dns:{project}/other.test -->\"\n"
    )
}

const OTHER_ZONE: &str = "other.test. 600 IN A 198.51.100.7\n";

struct Dns<'a> {
    p: &'a Platform,
    runner: Runner,
}

impl<'a> Dns<'a> {
    async fn new(p: &'a Platform) -> Self {
        p.managed_domain("shop.test").await;
        p.managed_domain("other.test").await;
        let runner = Runner::new(BIN);
        runner.files(
            "zones",
            &[
                ("shop.test.zone", shop_zone(&p.project).as_bytes()),
                ("other.test.zone", OTHER_ZONE.as_bytes()),
            ],
        );
        Self { p, runner }
    }

    async fn run(&self, command: &str, domain: &str, token: &str) -> Run {
        let file = format!("zones/{domain}.zone");
        let inputs = [
            ("command", command),
            ("token", token),
            ("api-url", self.p.url.as_str()),
            ("project", self.p.project.as_str()),
            ("domain", domain),
            ("zone-file", file.as_str()),
            ("github-token", GH_TOKEN),
        ];
        self.runner.step(&inputs).await
    }

    /// The zone's records as `name type values`, sorted.
    async fn records(&self, domain: &str) -> Vec<String> {
        let body = self
            .p
            .get(&format!(
                "/v1/projects/{}/domains/{domain}/records",
                self.p.project
            ))
            .await;
        let mut out: Vec<String> = body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut values: Vec<&str> = r["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                values.sort();
                format!(
                    "{} {} {}",
                    r["name"].as_str().unwrap().trim_end_matches('.'),
                    r["type"].as_str().unwrap(),
                    values.join(",")
                )
            })
            .collect();
        out.sort();
        out
    }
}

/// Our comments for `domain`: (id, body).
fn comments(stub: &Shared, project: &str, domain: &str) -> Vec<(u64, String)> {
    let marker = format!("<!-- comwit-dns:{project}/{domain} -->");
    stub.lock()
        .unwrap()
        .comments
        .iter()
        .filter(|(_, _, b)| b.starts_with(&marker))
        .map(|(id, _, b)| (*id, b.clone()))
        .collect()
}

fn plan_of(run: &Run) -> Value {
    let plan: Value = serde_json::from_str(run.output("dns-plan")).expect("dns-plan is JSON");
    let from_file = std::fs::read_to_string(run.output("dns-plan-path")).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&from_file).unwrap(),
        plan,
        "dns-plan-path holds the same plan"
    );
    plan
}

fn actions(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_plan_comments_once_per_domain_updated_in_place_and_changes_nothing() {
    let p = platform().await;
    let (api, stub) = github_stub().await;
    let mut dns = Dns::new(&p).await;
    dns.runner.set("GITHUB_API_URL", &api);
    dns.runner.pull_request(7, HEAD_SHA, false);
    let before = dns.records("shop.test").await;

    let first = dns.run("dns-plan", "shop.test", &p.user).await;
    first.assert_ok();
    first.assert_hidden(&p.user);
    first.assert_hidden(GH_TOKEN);
    assert_eq!(first.output("dns-changes"), "5", "{}", first.log());
    let plan = plan_of(&first);
    assert_eq!(plan["zone"], "shop.test");
    assert_eq!(actions(&plan), vec!["create"; 5]);
    assert_eq!(
        dns.records("shop.test").await,
        before,
        "a plan writes nothing"
    );
    assert!(first.stdout.contains("+ create"), "{}", first.log());
    assert!(first.summary.contains("### DNS plan for `shop.test`"));
    assert!(
        first
            .summary
            .contains("Nothing changes until `command: dns-apply`")
    );

    let shop = comments(&stub, &p.project, "shop.test");
    assert_eq!(shop.len(), 1, "one comment for the domain");
    let (shop_id, body) = &shop[0];
    assert!(body.contains("5 to create"), "{body}");
    // The TXT value's four backticks cannot close the fence around it,
    // so the mention and the marker inside it stay text.
    let fence = body
        .find("`````diff\n")
        .expect("a five-backtick diff fence");
    let hostile = body.find("@octocat").unwrap();
    assert!(fence < hostile, "{body}");
    assert!(body[hostile..].contains("\n`````\n"), "{body}");

    // Another domain: its own comment, though shop's comment quotes its
    // marker.
    dns.run("dns-plan", "other.test", &p.user).await.assert_ok();
    let other = comments(&stub, &p.project, "other.test");
    assert_eq!(other.len(), 1);
    assert_ne!(other[0].0, *shop_id);
    assert!(other[0].1.contains("198.51.100.7"));
    assert_eq!(comments(&stub, &p.project, "shop.test")[0].1, *body);

    // The file changes: shop's comment is edited, not added to.
    dns.runner.files(
        "zones",
        &[("shop.test.zone", b"shop.test. 300 IN A 192.0.2.9\n")],
    );
    let third = dns.run("dns-plan", "shop.test", &p.user).await;
    third.assert_ok();
    assert_eq!(third.output("dns-changes"), "1");
    let shop = comments(&stub, &p.project, "shop.test");
    assert_eq!(shop.len(), 1);
    assert_eq!(shop[0].0, *shop_id, "updated in place");
    assert!(shop[0].1.contains("192.0.2.9") && !shop[0].1.contains("@octocat"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_apply_makes_the_zone_what_the_file_says_and_then_plans_nothing() {
    let p = platform().await;
    let dns = Dns::new(&p).await;

    let applied = dns.run("dns-apply", "shop.test", &p.user).await;
    applied.assert_ok();
    assert_eq!(applied.output("dns-changes"), "5", "{}", applied.log());
    assert!(
        applied.stdout.contains("✓ created mail A"),
        "{}",
        applied.log()
    );
    assert!(applied.summary.contains("### DNS applied to `shop.test`"));
    assert!(applied.summary.contains("Applied, in this order:"));
    let records = dns.records("shop.test").await;
    for want in [
        "shop.test A 192.0.2.1,192.0.2.2",
        "www.shop.test CNAME shop.test",
        "shop.test MX 10 mail.shop.test",
        "mail.shop.test A 192.0.2.25",
    ] {
        assert!(
            records.iter().any(|r| r.trim_end_matches('.') == want),
            "{want} in {records:?}"
        );
    }

    let again = dns.run("dns-plan", "shop.test", &p.user).await;
    again.assert_ok();
    assert_eq!(again.output("dns-changes"), "0");
    assert!(actions(&plan_of(&again)).iter().all(|a| a == "unchanged"));
    assert!(again.summary.contains("The zone already matches the file."));

    // A record dropped from the file is deleted; the rest stay.
    let fewer = shop_zone(&p.project).replace("mail  IN A     192.0.2.25\n", "");
    dns.runner
        .files("zones", &[("shop.test.zone", fewer.as_bytes())]);
    let third = dns.run("dns-apply", "shop.test", &p.user).await;
    third.assert_ok();
    assert_eq!(third.output("dns-changes"), "1");
    assert!(third.stdout.contains("✓ deleted mail A"), "{}", third.log());
    let now = dns.records("shop.test").await;
    assert_eq!(now.len(), records.len() - 1, "{now:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_apply_without_domain_write_stops_at_the_first_change_with_the_scope_to_add() {
    let p = platform().await;
    let (api, stub) = github_stub().await;
    let mut dns = Dns::new(&p).await;
    dns.runner.set("GITHUB_API_URL", &api);
    dns.runner.pull_request(8, HEAD_SHA, false);
    let read_only = p.mint(&["project:read", "domain:read"]).await;

    dns.run("dns-plan", "shop.test", &read_only)
        .await
        .assert_ok();
    let refused = dns.run("dns-apply", "shop.test", &read_only).await;
    refused.assert_failed();
    let errors = refused.errors();
    assert_eq!(errors[0].0, "DNS change refused", "{errors:?}");
    assert!(errors[0].1.contains("domain:write"), "{errors:?}");
    assert!(
        errors[0].1.contains("0 change(s) applied before it"),
        "{errors:?}"
    );
    assert_eq!(refused.output("dns-changes"), "0");
    assert!(
        refused
            .summary
            .contains("### DNS apply to `shop.test` failed")
    );
    assert!(dns.records("shop.test").await.is_empty());
    let shop = comments(&stub, &p.project, "shop.test");
    assert_eq!(
        shop.len(),
        1,
        "the plan's comment, now saying the apply failed"
    );
    assert!(shop[0].1.contains("failed"), "{}", shop[0].1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_zone_files_and_domains_are_refused_before_anything_is_written() {
    let p = platform().await;
    let dns = Dns::new(&p).await;
    let expect = |run: &Run, code: i32, title: &str, words: &str| {
        assert_eq!(run.code, code, "{}", run.log());
        let errors = run.errors();
        assert_eq!(errors[0].0, title, "{errors:?}");
        assert!(errors[0].1.contains(words), "{errors:?}");
    };

    dns.runner.files(
        "zones",
        &[("shop.test.zone", b"www 300 IN A not-an-address\n")],
    );
    let bad = dns.run("dns-apply", "shop.test", &p.user).await;
    expect(&bad, 1, "Zone file refused", "zones/shop.test.zone");
    assert!(bad.summary.contains("failed"));

    dns.runner
        .files("zones", &[("shop.test.zone", b"$INCLUDE /etc/passwd\n")]);
    let include = dns.run("dns-plan", "shop.test", &p.user).await;
    expect(&include, 1, "Zone file refused", "$INCLUDE");
    assert!(!include.stdout.contains("root:"), "{}", include.log());

    let missing = dns.run("dns-plan", "elsewhere.test", &p.user).await;
    expect(&missing, 1, "Zone file refused", "elsewhere.test.zone");
    dns.runner
        .files("zones", &[("elsewhere.test.zone", OTHER_ZONE.as_bytes())]);
    let foreign = dns.run("dns-plan", "elsewhere.test", &p.user).await;
    expect(&foreign, 1, "Zone file refused", "other.test");
    dns.runner.files(
        "zones",
        &[(
            "elsewhere.test.zone",
            b"elsewhere.test. 300 IN A 192.0.2.1\n",
        )],
    );
    let unknown = dns.run("dns-plan", "elsewhere.test", &p.user).await;
    expect(&unknown, 1, "Domain not in the project", "onboard it first");

    p.post(
        &format!("/v1/projects/{}/domains", p.project),
        &p.user,
        json!({ "domain": "pending.test" }),
    )
    .await;
    dns.runner.files(
        "zones",
        &[("pending.test.zone", b"pending.test. 300 IN A 192.0.2.1\n")],
    );
    let pending = dns.run("dns-apply", "pending.test", &p.user).await;
    expect(&pending, 1, "Domain not managed yet", "pending_delegation");

    let no_domain = dns
        .runner
        .step(&[("command", "dns-plan"), ("token", &p.user)])
        .await;
    expect(&no_domain, 2, "Invalid DNS input", "domain input");
    assert!(dns.records("shop.test").await.is_empty());
}

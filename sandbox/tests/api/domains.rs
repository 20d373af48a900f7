use comwit_sandbox::Sandbox;
use serde_json::json;

use crate::common::{start, start_with};

#[tokio::test]
async fn create_is_idempotent_and_pending_until_delegated() {
    let env = start().await;
    let p = &env.project;
    let r = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "Example.com", "dns_mode": "route53_delegated"}),
        )
        .await
        .expect(201);
    let d = &r.body["domain"];
    assert_eq!(d["domain"], "example.com");
    assert_eq!(d["status"], "pending_delegation");
    assert!(d["hosted_zone_id"].as_str().unwrap().starts_with('Z'));
    assert_eq!(d["nameservers"].as_array().unwrap().len(), 4);
    let again = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "example.com"}),
        )
        .await
        .expect(200);
    assert_eq!(again.body["domain"]["hosted_zone_id"], d["hosted_zone_id"]);
    let list = env
        .get(&format!("/v1/projects/{p}/domains"), &env.user)
        .await
        .expect(200);
    assert_eq!(list.body["domains"].as_array().unwrap().len(), 1);
    env.post(
        &format!("/v1/projects/{p}/domains"),
        &env.user,
        json!({"domain": "x.com", "dns_mode": "manual"}),
    )
    .await
    .expect(400);
    env.post(
        &format!("/v1/projects/{p}/domains"),
        &env.user,
        json!({"domain": "not a domain"}),
    )
    .await
    .expect(400);

    // Another project cannot take it.
    let other = env.new_project("other").await;
    env.post(
        &format!("/v1/projects/{other}/domains"),
        &env.user,
        json!({"domain": "example.com"}),
    )
    .await
    .expect(409);
}

#[tokio::test]
async fn delegation_check_promotes_and_lapses() {
    let env = start().await;
    let p = &env.project;
    let d = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "example.com"}),
        )
        .await
        .expect(201);
    let ns: Vec<String> = serde_json::from_value(d.body["domain"]["nameservers"].clone()).unwrap();
    let check = format!("/v1/projects/{p}/domains/example.com/delegation-check");

    let r = env.post(&check, &env.user, json!({})).await.expect(200);
    assert_eq!(r.body["matched"], false);
    assert_eq!(r.body["verdict"], "not_registered");
    assert_eq!(r.body["status"], "pending_delegation");
    assert_eq!(r.body["expected_nameservers"], json!(ns));

    let reg = "/_sandbox/registrar/example.com/nameservers";
    env.put(reg, &env.op, json!({"nameservers": &ns[..2]}))
        .await
        .expect(200);
    let r = env.post(&check, &env.user, json!({})).await.expect(200);
    assert_eq!(
        (r.body["matched"].clone(), r.body["verdict"].clone()),
        (json!(false), json!("partial"))
    );

    let upper: Vec<String> = ns
        .iter()
        .map(|n| format!("{}.", n.to_uppercase()))
        .collect();
    env.put(reg, &env.op, json!({"nameservers": upper}))
        .await
        .expect(200);
    let r = env.post(&check, &env.user, json!({})).await.expect(200);
    assert_eq!(r.body["matched"], true);
    assert_eq!(r.body["status"], "managed");
    assert!(r.body["checked_at"].is_string());

    env.put(
        reg,
        &env.op,
        json!({"nameservers": ["ns1.registrar-parking.net"]}),
    )
    .await
    .expect(200);
    let r = env.post(&check, &env.user, json!({})).await.expect(200);
    assert_eq!(
        r.body["status"], "pending_delegation",
        "a lapsed delegation goes back to pending"
    );
    assert_eq!(r.body["verdict"], "not_delegated");

    env.post(
        &format!("/v1/projects/{p}/domains/unknown.org/delegation-check"),
        &env.user,
        json!({}),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn records_locked_while_pending_and_validated_when_managed() {
    let env = start().await;
    let p = &env.project;
    env.post(
        &format!("/v1/projects/{p}/domains"),
        &env.user,
        json!({"domain": "pending.org"}),
    )
    .await
    .expect(201);
    let r = env
        .post(
            &format!("/v1/projects/{p}/domains/pending.org/records"),
            &env.user,
            json!({"name": "www", "type": "A", "values": ["192.0.2.1"]}),
        )
        .await
        .expect(409);
    assert!(r.detail().contains("pending_delegation"), "{}", r.detail());
    // Delete is always allowed and retry-safe.
    let d = env
        .delete(
            &format!("/v1/projects/{p}/domains/pending.org/records/dnsrec_gone"),
            &env.user,
        )
        .await
        .expect(200);
    assert_eq!(d.body["deleted"], false);

    env.managed_domain("example.com").await;
    let base = format!("/v1/projects/{p}/domains/example.com/records");
    let r = env
        .post(
            &base,
            &env.user,
            json!({"name": "www", "type": "A", "ttl": 120, "values": ["192.0.2.1", "192.0.2.2"]}),
        )
        .await
        .expect(201);
    let rec = &r.body["record"];
    assert_eq!(rec["name"], "www.example.com");
    assert_eq!(rec["owner"], "user");
    assert_eq!(rec["status"], "in_sync");
    assert!(rec["id"].as_str().unwrap().starts_with("dnsrec_"));
    let id = rec["id"].as_str().unwrap().to_string();

    let apex = env
        .post(
            &base,
            &env.user,
            json!({"name": "@", "type": "MX", "values": ["10 mail.example.com"]}),
        )
        .await
        .expect(201);
    assert_eq!(apex.body["record"]["name"], "example.com");
    assert_eq!(apex.body["record"]["ttl"], 300);

    for (body, needle) in [
        (
            json!({"name": "x", "type": "A", "values": ["300.1.1.1"]}),
            "300.1.1.1",
        ),
        (
            json!({"name": "x", "type": "AAAA", "values": ["192.0.2.1"]}),
            "192.0.2.1",
        ),
        (
            json!({"name": "x", "type": "CNAME", "values": ["a.example.net", "b.example.net"]}),
            "exactly one",
        ),
        (
            json!({"name": "@", "type": "CNAME", "values": ["a.example.net"]}),
            "apex",
        ),
        (
            json!({"name": "x", "type": "MX", "values": ["mail.example.com"]}),
            "mail.example.com",
        ),
        (
            json!({"name": "x", "type": "A_ALIAS", "values": ["d1.cloudfront.net"]}),
            "apex",
        ),
        (
            json!({"name": "x", "type": "SRV", "values": ["1 1 1 a.example.com"]}),
            "SRV",
        ),
        (
            json!({"name": "x.other.org.", "type": "A", "values": ["192.0.2.1"]}),
            "outside",
        ),
        (
            json!({"name": "x", "type": "A", "ttl": 5, "values": ["192.0.2.1"]}),
            "TTL 5 is out of range",
        ),
        (
            json!({"name": "x", "type": "TXT", "values": []}),
            "at least one",
        ),
    ] {
        let r = env.post(&base, &env.user, body.clone()).await.expect(400);
        assert!(r.detail().contains(needle), "{body}: {}", r.detail());
    }
    env.post(
        &base,
        &env.user,
        json!({"name": "www", "type": "A", "values": ["192.0.2.9"]}),
    )
    .await
    .expect(409);
    env.post(
        &base,
        &env.user,
        json!({"name": "www", "type": "CNAME", "values": ["a.example.net"]}),
    )
    .await
    .expect(409);
    // The apex alias and plain addresses at the apex exclude each other.
    let aaaa = env
        .post(
            &base,
            &env.user,
            json!({"name": "@", "type": "AAAA", "values": ["2001:db8::1"]}),
        )
        .await
        .expect(201);
    let aaaa = aaaa.body["record"]["id"].as_str().unwrap().to_string();
    let r = env
        .post(
            &base,
            &env.user,
            json!({"name": "@", "type": "A_ALIAS", "values": ["d1.cloudfront.net"]}),
        )
        .await
        .expect(409);
    assert!(r.detail().contains("apex alias"), "{}", r.detail());
    env.delete(&format!("{base}/{aaaa}"), &env.user)
        .await
        .expect(200);

    // Partial update keeps what is omitted; values replace all.
    let u = env
        .put(
            &format!("{base}/{id}"),
            &env.user,
            json!({"values": ["198.51.100.7"]}),
        )
        .await
        .expect(200);
    assert_eq!(u.body["record"]["values"], json!(["198.51.100.7"]));
    assert_eq!(u.body["record"]["ttl"], 120);
    assert_eq!(u.body["record"]["name"], "www.example.com");
    let u = env
        .put(&format!("{base}/{id}"), &env.user, json!({"ttl": 600}))
        .await
        .expect(200);
    assert_eq!(u.body["record"]["values"], json!(["198.51.100.7"]));
    env.put(
        &format!("{base}/dnsrec_missing"),
        &env.user,
        json!({"ttl": 600}),
    )
    .await
    .expect(404);
    env.put(
        &format!("{base}/{id}"),
        &env.user,
        json!({"values": ["nope"]}),
    )
    .await
    .expect(400);

    let list = env.get(&base, &env.user).await.expect(200);
    assert_eq!(list.body["records"].as_array().unwrap().len(), 2);
    assert_eq!(
        env.delete(&format!("{base}/{id}"), &env.user)
            .await
            .expect(200)
            .body["deleted"],
        true
    );
    assert_eq!(
        env.delete(&format!("{base}/{id}"), &env.user)
            .await
            .expect(200)
            .body["deleted"],
        false
    );
}

#[tokio::test]
async fn delete_removes_records_and_readding_gets_new_nameservers() {
    let env = start().await;
    let p = &env.project;
    env.managed_domain("example.com").await;
    let app = env.create_app("web").await;
    env.post(
        &format!("/v1/projects/{p}/apps/{app}/domains"),
        &env.user,
        json!({"domain": "www.example.com", "dns_mode": "managed_project_domain"}),
    )
    .await
    .expect(200);
    env.post(
        &format!("/v1/projects/{p}/domains/example.com/records"),
        &env.user,
        json!({"name": "@", "type": "A", "values": ["192.0.2.1"]}),
    )
    .await
    .expect(201);
    let before = env
        .get(&format!("/v1/projects/{p}/domains"), &env.user)
        .await
        .expect(200);
    let old_ns = before.body["domains"][0]["nameservers"].clone();
    let r = env
        .delete(&format!("/v1/projects/{p}/domains/example.com"), &env.user)
        .await
        .expect(200);
    assert_eq!(
        r.body["records_deleted"], 3,
        "user and platform records both go"
    );
    env.get(
        &format!("/v1/projects/{p}/domains/example.com/records"),
        &env.user,
    )
    .await
    .expect(404);
    env.delete(&format!("/v1/projects/{p}/domains/example.com"), &env.user)
        .await
        .expect(404);
    let again = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "example.com"}),
        )
        .await
        .expect(201);
    assert_ne!(again.body["domain"]["nameservers"], old_ns);
    assert_eq!(again.body["domain"]["status"], "pending_delegation");
}

#[tokio::test]
async fn per_project_domain_limit_is_checked_first() {
    let env = start_with(Sandbox::builder().max_domains_per_project(2)).await;
    let p = &env.project;
    for d in ["a.com", "b.com"] {
        env.post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": d}),
        )
        .await
        .expect(201);
    }
    let r = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "c.com"}),
        )
        .await
        .expect(409);
    assert!(r.detail().contains("limit"));
    // Existing domains are still returned (idempotent create).
    env.post(
        &format!("/v1/projects/{p}/domains"),
        &env.user,
        json!({"domain": "a.com"}),
    )
    .await
    .expect(200);
    let list = env
        .get(&format!("/v1/projects/{p}/domains"), &env.user)
        .await
        .expect(200);
    assert_eq!(
        list.body["domains"].as_array().unwrap().len(),
        2,
        "no zone was created for c.com"
    );
}

#[tokio::test]
async fn disabled_domains_answer_501() {
    let env = start_with(Sandbox::builder().disable_domains()).await;
    let p = &env.project;
    let r = env
        .get(&format!("/v1/projects/{p}/domains"), &env.user)
        .await
        .expect(501);
    assert!(r.detail().contains("disabled"));
    env.post(
        &format!("/v1/projects/{p}/domains"),
        &env.user,
        json!({"domain": "a.com"}),
    )
    .await
    .expect(501);
    env.get(
        &format!("/v1/projects/{p}/domains/a.com/records"),
        &env.user,
    )
    .await
    .expect(501);
    env.post(
        &format!("/v1/projects/{p}/domains/a.com/delegation-check"),
        &env.user,
        json!({}),
    )
    .await
    .expect(501);
}

#[tokio::test]
async fn planned_registrar_routes_are_501() {
    let env = start().await;
    let p = &env.project;
    for r in [
        env.get("/v1/domain-availability?domain=example.com", &env.user)
            .await,
        env.get("/v1/domain-prices?tld=com", &env.user).await,
        env.post(
            &format!("/v1/projects/{p}/domain-orders"),
            &env.user,
            json!({"domain": "a.com"}),
        )
        .await,
        env.get(&format!("/v1/projects/{p}/domain-orders/ord-1"), &env.user)
            .await,
    ] {
        let r = r.expect(501);
        assert!(r.detail().contains("planned"));
    }
}

/// Addresses and other non-hostnames are refused wherever a host name is
/// taken — project domains, custom hostnames, record targets — with a
/// 400 that names the rule and quotes at most a short excerpt.
#[tokio::test]
async fn ip_literals_and_non_hostnames_are_refused_everywhere() {
    let env = start().await;
    let p = &env.project;
    let app = env.create_app("web").await;
    env.managed_domain("example.com").await;
    let huge = format!("{}.com", "a".repeat(60_000));
    let bad = [
        "1.2.3.4",
        "1.2.3.4.",
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "[::1]",
        "2001:db8::1",
        "localhost",
        "a..example.com",
        "-a.example.com",
        "*.example.com",
        "a b.example.com",
        "www.example.123",
        "xn--zz.example",
        huge.as_str(),
    ];
    for name in bad {
        for (path, body) in [
            (format!("/v1/projects/{p}/domains"), json!({"domain": name})),
            (
                format!("/v1/projects/{p}/apps/{app}/domains"),
                json!({"domain": name}),
            ),
            (
                format!("/v1/projects/{p}/domains/example.com/records"),
                json!({"name": "alias", "type": "CNAME", "values": [name]}),
            ),
        ] {
            let r = env.post(&path, &env.user, body).await.expect(400);
            assert!(
                r.detail().len() < 300,
                "{path}: detail echoes {} bytes",
                r.detail().len()
            );
        }
    }
    let r = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "1.2.3.4"}),
        )
        .await
        .expect(400);
    assert!(r.detail().contains("IP address"), "{}", r.detail());
    // Internationalised names are welcome, in either form.
    let r = env
        .post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({"domain": "bücher.example"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(
        r.body["domain"]["domain"], "xn--bcher-kva.example",
        "{}",
        r.body
    );
}

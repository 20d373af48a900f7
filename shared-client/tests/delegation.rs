//! The delegation prober against the sandbox's parent-zone DNS server.

use std::net::SocketAddr;

use comwit_client::delegation::{Parents, Prober, Verdict};
use comwit_sandbox::Sandbox;

async fn set_ns(info: &comwit_sandbox::SandboxInfo, domain: &str, ns: &[&str]) {
    let r = comwit_client::http::client()
        .put(format!(
            "{}/_sandbox/registrar/{domain}/nameservers",
            info.api_url
        ))
        .bearer_auth(&info.operator_token)
        .json(&serde_json::json!({ "nameservers": ns }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

#[tokio::test]
async fn verdicts_follow_what_the_parent_publishes() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let info = sandbox.info().clone();
    let registry: SocketAddr = info.registry_dns_addr.parse().unwrap();
    let prober = Prober::new(Parents::Fixed(vec![registry]));
    let expected: Vec<String> = [
        "ns-1.awsdns-00.com",
        "ns-2.awsdns-00.net",
        "ns-3.awsdns-00.org",
        "ns-4.awsdns-00.co.uk",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let d = prober.check("Example.COM.", &expected).await.unwrap();
    assert_eq!(d.domain, "example.com");
    assert_eq!(d.verdict, Verdict::NotRegistered);
    assert!(d.servers[0].nxdomain);

    set_ns(
        &info,
        "example.com",
        &["ns-1.awsdns-00.com", "NS-2.awsdns-00.net."],
    )
    .await;
    let d = prober.check("example.com", &expected).await.unwrap();
    assert_eq!(d.verdict, Verdict::Partial);
    assert_eq!(
        d.observed,
        vec!["ns-1.awsdns-00.com", "ns-2.awsdns-00.net"],
        "names are normalised"
    );

    set_ns(
        &info,
        "example.com",
        &["ns-1.awsdns-00.com", "ns9.parking.example"],
    )
    .await;
    assert_eq!(
        prober
            .check("example.com", &expected)
            .await
            .unwrap()
            .verdict,
        Verdict::Mixed
    );
    set_ns(&info, "example.com", &["ns9.parking.example"]).await;
    assert_eq!(
        prober
            .check("example.com", &expected)
            .await
            .unwrap()
            .verdict,
        Verdict::NotDelegated
    );
    let all: Vec<&str> = expected.iter().map(String::as_str).collect();
    set_ns(&info, "example.com", &all).await;
    assert_eq!(
        prober
            .check("example.com", &expected)
            .await
            .unwrap()
            .verdict,
        Verdict::Delegated
    );
}

#[tokio::test]
async fn disagreeing_parents_and_silent_servers_are_reported() {
    let a = Sandbox::builder().start().await.unwrap();
    let b = Sandbox::builder().start().await.unwrap();
    set_ns(a.info(), "example.com", &["ns1.one.net"]).await;
    set_ns(b.info(), "example.com", &["ns1.two.net"]).await;
    let parents = vec![
        a.info().registry_dns_addr.parse().unwrap(),
        b.info().registry_dns_addr.parse().unwrap(),
    ];
    let d = Prober::new(Parents::Fixed(parents))
        .check("example.com", &["ns1.one.net".to_string()])
        .await
        .unwrap();
    assert_eq!(d.verdict, Verdict::ParentsDisagree);
    assert_eq!(d.observed, vec!["ns1.one.net", "ns1.two.net"]);

    // A server that never answers: an error naming it, not a verdict.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let err = Prober::new(Parents::Fixed(vec![addr]))
        .timeout(std::time::Duration::from_millis(300))
        .check("example.com", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

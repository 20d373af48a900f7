//! The sandbox's DNS servers answer from the platform state.

use std::net::SocketAddr;
use std::str::FromStr;

use hickory_server::proto::op::{Message, Query, ResponseCode};
use hickory_server::proto::rr::{Name, RData, RecordType};
use serde_json::json;

use crate::common::start;

async fn ask(server: &str, name: &str, rtype: RecordType) -> Message {
    let server: SocketAddr = server.parse().unwrap();
    let mut msg = Message::query();
    msg.metadata.id = 4242;
    msg.metadata.recursion_desired = false;
    msg.add_query(Query::query(Name::from_str(name).unwrap(), rtype));
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(&msg.to_vec().unwrap(), server).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(std::time::Duration::from_secs(3), sock.recv_from(&mut buf))
        .await
        .expect("the DNS server answers")
        .unwrap();
    Message::from_vec(&buf[..n]).unwrap()
}

/// The same question over TCP (two-byte length prefix).
async fn ask_tcp(server: &str, name: &str, rtype: RecordType) -> Message {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut msg = Message::query();
    msg.metadata.id = 4243;
    msg.metadata.recursion_desired = false;
    msg.add_query(Query::query(Name::from_str(name).unwrap(), rtype));
    let bytes = msg.to_vec().unwrap();
    let mut conn = tokio::net::TcpStream::connect(server).await.unwrap();
    conn.write_all(&(bytes.len() as u16).to_be_bytes())
        .await
        .unwrap();
    conn.write_all(&bytes).await.unwrap();
    let read = async {
        let len = conn.read_u16().await.unwrap();
        let mut buf = vec![0u8; len as usize];
        conn.read_exact(&mut buf).await.unwrap();
        buf
    };
    let buf = tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .expect("the DNS server answers over TCP");
    Message::from_vec(&buf).unwrap()
}

#[tokio::test]
async fn api_records_are_answered_at_once() {
    let env = start().await;
    let dns = env.sandbox_info().dns_addr.clone();
    env.managed_domain("example.com").await;
    let p = &env.project;
    env.post(
        &format!("/v1/projects/{p}/domains/example.com/records"),
        &env.user,
        json!({"name": "www", "type": "A", "values": ["192.0.2.7"]}),
    )
    .await
    .expect(201);

    let m = ask(&dns, "www.example.com.", RecordType::A).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authoritative);
    assert!(matches!(&m.answers[0].data, RData::A(a) if a.0.to_string() == "192.0.2.7"));

    let soa = ask(&dns, "example.com.", RecordType::SOA).await;
    assert!(matches!(soa.answers[0].data, RData::SOA(_)));
    let ns = ask(&dns, "example.com.", RecordType::NS).await;
    assert_eq!(ns.answers.len(), 4, "the zone's four nameservers");

    let missing = ask(&dns, "nope.example.com.", RecordType::A).await;
    assert_eq!(missing.metadata.response_code, ResponseCode::NXDomain);
    assert!(
        matches!(missing.authorities[0].data, RData::SOA(_)),
        "negative answers carry the SOA"
    );
    let other = ask(&dns, "example.org.", RecordType::A).await;
    assert_eq!(
        other.metadata.response_code,
        ResponseCode::Refused,
        "not a zone we serve"
    );

    // Platform-owned records too, with A_ALIAS answered as A.
    let app = env.create_app("web").await;
    env.post(
        &format!("/v1/projects/{p}/apps/{app}/domains"),
        &env.user,
        json!({"domain": "example.com", "dns_mode": "managed_project_domain"}),
    )
    .await
    .expect(200);
    let apex = ask(&dns, "example.com.", RecordType::A).await;
    assert_eq!(apex.answers.len(), 1);
    let txt = ask(&dns, "_cf-challenge.example.com.", RecordType::TXT).await;
    assert!(matches!(txt.answers[0].data, RData::TXT(_)));
}

#[tokio::test]
async fn registry_publishes_the_registrar_delegations() {
    let env = start().await;
    let reg = env.sandbox_info().registry_dns_addr.clone();
    let r = ask(&reg, "example.com.", RecordType::NS).await;
    assert_eq!(
        r.metadata.response_code,
        ResponseCode::NXDomain,
        "not registered yet"
    );
    env.put(
        "/_sandbox/registrar/example.com/nameservers",
        &env.op,
        json!({"nameservers": ["ns1.host.net", "ns2.host.net"]}),
    )
    .await
    .expect(200);
    let r = ask(&reg, "example.com.", RecordType::NS).await;
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(!r.metadata.authoritative, "a referral");
    assert_eq!(r.authorities.len(), 2);
    let sub = ask(&reg, "www.example.com.", RecordType::A).await;
    assert_eq!(
        sub.authorities.len(),
        2,
        "names below the delegation are referred too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dig_sees_what_the_api_wrote() {
    let env = start().await;
    env.managed_domain("example.com").await;
    env.post(
        &format!("/v1/projects/{}/domains/example.com/records", env.project),
        &env.user,
        json!({"name": "@", "type": "MX", "values": ["10 mail.example.com"]}),
    )
    .await
    .expect(201);
    let dns = env.sandbox_info().dns_addr.clone();
    let (host, port) = dns.rsplit_once(':').unwrap();
    let (host, port) = (host.to_string(), port.to_string());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("dig")
            .args([
                &format!("@{host}"),
                "-p",
                &port,
                "+norec",
                "+short",
                "example.com",
                "MX",
            ])
            .output()
            .expect("dig runs (Debian's dnsutils; .ci/run installs it)")
    })
    .await
    .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "10 mail.example.com."
    );
}

/// `dig` against the sandbox's zone server; its answer lines.
async fn dig(env: &crate::common::Env, args: &[&str]) -> Vec<String> {
    let dns = env.sandbox_info().dns_addr.clone();
    let (host, port) = dns.rsplit_once(':').unwrap();
    let mut full = vec![format!("@{host}"), "-p".into(), port.to_string()];
    full.extend(["+norec", "+short", "+tries=1", "+time=5"].map(String::from));
    full.extend(args.iter().map(|a| a.to_string()));
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("dig")
            .args(&full)
            .output()
            .expect("dig runs (Debian's dnsutils; .ci/run installs it)")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A TXT value far over 255 bytes goes out as 255-byte character-strings
/// that join back to the value byte for byte (multi-byte characters
/// straddle the boundaries), and an answer too large for UDP is
/// truncated there and served whole over TCP.
#[tokio::test(flavor = "multi_thread")]
async fn long_txt_values_and_large_answers_are_served_whole() {
    let env = start().await;
    env.managed_domain("example.com").await;
    let records = format!("/v1/projects/{}/domains/example.com/records", env.project);
    let long: String = "é-txt-".repeat(300);
    assert!(long.len() > 2_000);
    env.post(
        &records,
        &env.user,
        json!({"name": "long", "type": "TXT", "values": [long]}),
    )
    .await
    .expect(201);
    let many: Vec<String> = (1..=100).map(|i| format!("192.0.2.{i}")).collect();
    env.post(
        &records,
        &env.user,
        json!({"name": "many", "type": "A", "values": many}),
    )
    .await
    .expect(201);
    let listed = env.get(&records, &env.user).await.expect(200);
    assert!(
        listed.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["values"][0] == long.as_str()),
        "the API returns the TXT value unchanged"
    );

    let dns = env.sandbox_info().dns_addr.clone();
    let udp = ask(&dns, "long.example.com.", RecordType::TXT).await;
    assert!(udp.metadata.truncation, "over 512 bytes: truncated on UDP");
    let m = ask_tcp(&dns, "long.example.com.", RecordType::TXT).await;
    assert!(!m.metadata.truncation);
    let RData::TXT(txt) = &m.answers[0].data else {
        panic!("{m:?}")
    };
    assert!(txt.txt_data.iter().all(|s| s.len() <= 255));
    let joined: Vec<u8> = txt
        .txt_data
        .iter()
        .flat_map(|s| s.iter().copied())
        .collect();
    assert_eq!(
        joined,
        long.as_bytes(),
        "the character-strings join to the value"
    );

    for transport in ["+notcp", "+tcp"] {
        let a = dig(&env, &[transport, "many.example.com", "A"]).await;
        assert_eq!(a.len(), 100, "{transport}: all 100 records ({a:?})");
    }
    let whole = ask_tcp(&dns, "many.example.com.", RecordType::A).await;
    assert_eq!(whole.answers.len(), 100);
    let udp = ask(&dns, "many.example.com.", RecordType::A).await;
    assert!(
        udp.metadata.truncation,
        "100 A records do not fit 512 bytes"
    );
}

/// A wildcard answers the names below its closest encloser that hold
/// nothing of their own (RFC 4592), one label or several; a name with
/// records of its own, and the empty non-terminal above the wildcard, are
/// not covered.
#[tokio::test(flavor = "multi_thread")]
async fn a_wildcard_answers_for_the_names_it_covers_and_no_others() {
    let env = start().await;
    env.managed_domain("example.com").await;
    let records = format!("/v1/projects/{}/domains/example.com/records", env.project);
    for (name, value) in [("*.preview", "192.0.2.20"), ("own.preview", "192.0.2.30")] {
        env.post(
            &records,
            &env.user,
            json!({"name": name, "type": "A", "values": [value]}),
        )
        .await
        .expect(201);
    }
    assert_eq!(
        dig(&env, &["pr-7.preview.example.com", "A"]).await,
        ["192.0.2.20"]
    );
    assert_eq!(
        dig(&env, &["a.b.preview.example.com", "A"]).await,
        ["192.0.2.20"]
    );
    assert_eq!(
        dig(&env, &["own.preview.example.com", "A"]).await,
        ["192.0.2.30"]
    );
    assert!(dig(&env, &["preview.example.com", "A"]).await.is_empty());
    assert!(dig(&env, &["elsewhere.example.com", "A"]).await.is_empty());
}

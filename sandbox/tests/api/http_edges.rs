//! Requests a client library would never send — raw bytes in the URL, a
//! 70 KB URL, headers over hyper's limits, 60 KB ids — still get a problem
//! detail (`application/problem+json`) that quotes at most a short excerpt
//! of the input, on the API and on the data endpoint.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::start;

/// One raw HTTP/1.1 exchange: status, headers (lower-cased) and body.
struct Raw {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Raw {
    fn problem(&self) -> Value {
        assert!(
            self.head
                .contains("content-type: application/problem+json\r\n"),
            "{}: not a problem detail:\n{}",
            self.status,
            self.head
        );
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// Sends `request` as is (the caller frames it, with `connection: close`)
/// and reads the answer to the end, concurrently, so an early answer is
/// not lost to a reset.
async fn raw(base_url: &str, request: Vec<u8>) -> Raw {
    let addr = base_url.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
        let _ = wr.flush().await;
        wr
    });
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 8192];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.expect("the server answers and closes");
    drop(writer.await);
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, _) = text.split_once("\r\n\r\n").expect("a complete answer");
    let head = head.to_ascii_lowercase();
    let body = out[head.len() + 4..].to_vec();
    let status = head[9..12].parse().unwrap();
    Raw { status, head, body }
}

fn get(target: &[u8], extra_headers: &str) -> Vec<u8> {
    let mut r = b"GET ".to_vec();
    r.extend_from_slice(target);
    r.extend_from_slice(
        format!(" HTTP/1.1\r\nhost: sandbox\r\n{extra_headers}connection: close\r\n\r\n")
            .as_bytes(),
    );
    r
}

#[tokio::test]
async fn malformed_requests_get_problem_details_on_both_servers() {
    let env = start().await;
    let info = env.sandbox_info().clone();
    let long_url = format!("/v1/projects/{}", "a".repeat(70_000));
    let many_headers: String = (0..150).map(|i| format!("x-h{i}: v\r\n")).collect();
    let huge_header = format!("x-big: {}\r\n", "b".repeat(600_000));
    let cases: [(&str, Vec<u8>, u16); 5] = [
        (
            "raw bytes in the path",
            get(b"/v1/projects/\xff\xfe/apps", ""),
            400,
        ),
        ("a 70 KB URL", get(long_url.as_bytes(), ""), 414),
        ("150 headers", get(b"/healthz", &many_headers), 431),
        ("a 600 KB header", get(b"/healthz", &huge_header), 431),
        ("a broken request line", b"GET\r\n\r\n".to_vec(), 400),
    ];
    for base in [&info.api_url, &info.data_url] {
        for (what, request, status) in &cases {
            let r = raw(base, request.clone()).await;
            assert_eq!(r.status, *status, "{base} {what}:\n{}", r.head);
            let p = r.problem();
            assert_eq!(p["status"], *status, "{what}: {p}");
            assert!(p["detail"].as_str().is_some_and(|d| d.len() < 300), "{p}");
            assert!(r.body.len() < 1024, "{what}: nothing of the input echoed");
        }
    }
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_a_problem_that_names_the_fix() {
    let env = start().await;
    let info = env.sandbox_info().clone();
    let auth = format!("authorization: Bearer {}\r\n", info.user_token);
    let r = raw(&info.api_url, get(b"/v1/projects/%ff%fe/apps", &auth)).await;
    assert_eq!(r.status, 400, "{}", r.head);
    let p = r.problem();
    assert!(p["detail"].as_str().unwrap().contains("UTF-8"), "{p}");
    // And through a client: every error status comes as a problem.
    let resp = env
        .get(
            &format!("/v1/projects/{}/apps/%C0%AF", env.project),
            &env.user,
        )
        .await;
    let resp = resp.expect(400);
    assert!(resp.detail().contains("UTF-8"), "{}", resp.body);
}

#[tokio::test]
async fn error_details_quote_at_most_a_short_excerpt_of_the_input() {
    let env = start().await;
    let p = env.project.clone();
    let long = "x".repeat(60_000);
    let app = env.create_app("web").await;
    let calls = [
        env.get(&format!("/v1/projects/{p}/apps/{long}"), &env.user)
            .await,
        env.get(&format!("/v1/no-such-route/{long}"), &env.user)
            .await,
        env.post(
            &format!("/v1/projects/{p}/apps"),
            &env.user,
            json!({ "name": long }),
        )
        .await,
        env.post(
            &format!("/v1/projects/{p}/apps/{app}/domains"),
            &env.user,
            json!({ "domain": "www.example.com", "dns_mode": long }),
        )
        .await,
        env.post(
            &format!("/v1/projects/{p}/domains"),
            &env.user,
            json!({ "domain": "example.com", "dns_mode": long }),
        )
        .await,
        env.post(
            "/_sandbox/tokens",
            &env.op,
            json!({ "scopes": [long], "projects": [] }),
        )
        .await,
        env.put(
            &format!("/v1/projects/{p}/apps/{app}/environment/{long}"),
            &env.user,
            json!({ "value": "v" }),
        )
        .await,
        env.post(
            &format!("/v1/projects/{p}/apps"),
            &env.user,
            json!({ "name": "a\u{0}\u{1b}[31mred" }),
        )
        .await,
    ];
    for r in calls {
        let status = r.status.as_u16();
        assert!(status >= 400, "{}", r.body);
        let r = r.expect(status);
        let detail = r.detail();
        assert!(
            detail.len() < 1_100,
            "{status} echoes {} bytes",
            detail.len()
        );
        assert!(!detail.contains(&"x".repeat(200)), "{detail}");
        assert!(
            !detail.contains('\u{1b}') && !detail.contains('\u{0}'),
            "{detail:?}"
        );
    }
}

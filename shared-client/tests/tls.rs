//! HTTPS goes through rustls on the ring provider that comwit_client::http
//! installs: a client builds, and a request to an https URL opens with a TLS
//! ClientHello (not a panic for a missing provider, not plain HTTP).

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

#[tokio::test]
async fn an_https_request_starts_a_tls_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut hello = [0u8; 5];
        conn.read_exact(&mut hello).await.unwrap();
        hello
        // Dropping the connection fails the handshake on the client side.
    });
    let client = comwit_client::http::client();
    let err = client
        .get(format!("https://localhost:{port}/v1/health"))
        .send()
        .await
        .expect_err("no TLS server answers");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    let hello = server.await.unwrap();
    assert_eq!(hello[0], 0x16, "a TLS handshake record");
    assert_eq!(hello[1], 0x03, "TLS major version 3");
}

#[test]
fn every_client_builds_with_the_provider_installed_once() {
    for _ in 0..3 {
        comwit_client::http::builder().build().unwrap();
    }
    comwit_client::Client::builder()
        .base_url("https://api.example.invalid")
        .build()
        .unwrap();
}

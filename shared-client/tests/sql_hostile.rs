//! A data endpoint that misbehaves: a cursor line that never ends is cut
//! off at the line limit, with an error, instead of filling the memory.

use axum::body::{Body, Bytes};
use axum::routing::post;
use comwit_client::Secret;
use comwit_client::sql::{SqlError, SqlSession};
use futures_util::stream;

/// Answers every cursor request with its first line, then one endless
/// line of `x` (1 MiB at a time, for ever).
async fn endless_endpoint() -> String {
    let app = axum::Router::new().route(
        "/v3/cursor",
        post(|| async {
            let first = stream::once(async {
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"baton\":null,\"base_url\":null}\n"))
            });
            let endless = stream::repeat_with(|| Ok(Bytes::from(vec![b'x'; 1 << 20])));
            Body::from_stream(futures_util::StreamExt::chain(first, endless))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_line_that_never_ends_is_cut_off_with_an_error() {
    let url = endless_endpoint().await;
    let mut session = SqlSession::with_token(&url, Secret::new("cwdb_test"));
    let mut rows = 0;
    let err = session.stream("SELECT 1", |_| rows += 1).await.unwrap_err();
    assert_eq!(rows, 0);
    assert!(
        matches!(&err, SqlError::Protocol(m) if m.contains("ran past 128 MiB")),
        "{err}"
    );
}

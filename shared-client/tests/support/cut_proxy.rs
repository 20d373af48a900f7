//! A loopback HTTP proxy in front of the sandbox that breaks deploy
//! uploads (and DNS record creates) at chosen points: the unlucky networks
//! `deploy_safely` and a zone apply must survive. Everything else passes
//! through untouched.
//!
//! "Breaking" the client's connection is done by unwinding out of the
//! handler: hyper then drops the socket without an answer, and since the
//! client may still be sending, the kernel answers it with a reset.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Where the next deploy request breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Passes through.
    Pass,
    /// Forwards this many body bytes, then aborts the upstream request and
    /// resets the client: the server sees an incomplete archive.
    AtByte(u64),
    /// Forwards the whole body and resets the client at once; the server
    /// goes on and commits the build after the client has lost it.
    AfterBody,
    /// Forwards the whole body and resets the client when the server's
    /// answer arrives, instead of passing it on.
    AtAnswer,
    /// Forwards the whole body and answers 504 with an HTML page at once,
    /// like a load balancer that stopped waiting; the server goes on.
    GatewayTimeout,
    /// Reads the whole body but never forwards it, then resets the client:
    /// no build is ever made.
    Swallow,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    plan: Arc<Mutex<VecDeque<Cut>>>,
}

pub struct CutProxy {
    pub url: String,
    plan: Arc<Mutex<VecDeque<Cut>>>,
}

impl CutProxy {
    pub async fn start(upstream: &str) -> Self {
        let plan: Arc<Mutex<VecDeque<Cut>>> = Arc::default();
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: comwit_client::http::client(),
            plan: Arc::clone(&plan),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(forward).with_state(shared);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        CutProxy { url, plan }
    }

    /// Queues the cut for the next deploy or record create without one.
    pub fn cut_next_write(&self, cut: Cut) {
        self.plan.lock().unwrap().push_back(cut);
    }
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let path = req.uri().path();
    let is_write = req.method() == Method::POST
        && (path.ends_with("/deployments") || path.ends_with("/records"));
    let cut = match is_write {
        true => s.plan.lock().unwrap().pop_front().unwrap_or(Cut::Pass),
        false => Cut::Pass,
    };
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let upstream = s
        .http
        .request(parts.method, format!("{}{target}", s.upstream))
        .headers(without_host(parts.headers));
    if cut == Cut::Swallow {
        let mut body = body.into_data_stream();
        while let Some(Ok(_)) = body.next().await {}
        reset();
    }
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let sending = tokio::spawn(upstream.body(reqwest::Body::wrap_stream(chunks)).send());
    pump(body, tx, cut).await;
    match cut {
        Cut::AfterBody => {
            // Let the server finish on its own; the client hears nothing.
            tokio::spawn(sending);
            reset()
        }
        Cut::GatewayTimeout => {
            tokio::spawn(sending);
            let page = "<html><body><h1>504 Gateway Time-out</h1></body></html>";
            (
                StatusCode::GATEWAY_TIMEOUT,
                [(header::CONTENT_TYPE, "text/html")],
                page,
            )
                .into_response()
        }
        Cut::AtAnswer => {
            let _ = sending.await;
            reset()
        }
        _ => match sending.await.unwrap() {
            Ok(resp) => relay(resp),
            Err(_) => reset(),
        },
    }
}

/// Feeds the client's body upstream, stopping at an `AtByte` cut.
async fn pump(body: Body, tx: mpsc::Sender<io::Result<Bytes>>, cut: Cut) {
    let mut body = body.into_data_stream();
    let mut seen = 0u64;
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            let _ = tx.send(Err(io::Error::other("client went away"))).await;
            reset();
        };
        if let Cut::AtByte(n) = cut
            && seen + chunk.len() as u64 > n
        {
            let _ = tx.send(Ok(chunk.slice(..(n - seen) as usize))).await;
            // An error, not a clean end: the server must see the body break.
            let _ = tx.send(Err(io::Error::other("cut by the proxy"))).await;
            reset();
        }
        seen += chunk.len() as u64;
        let _ = tx.send(Ok(chunk)).await;
    }
}

fn without_host(mut headers: HeaderMap) -> HeaderMap {
    headers.remove(header::HOST);
    headers
}

fn relay(resp: reqwest::Response) -> Response {
    let mut out = Response::builder().status(resp.status());
    for (name, value) in resp.headers() {
        // hyper frames the relayed body itself.
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            out = out.header(name, value);
        }
    }
    out.body(Body::from_stream(resp.bytes_stream())).unwrap()
}

/// Drops the client's connection without an answer.
fn reset() -> ! {
    std::panic::resume_unwind(Box::new("cut by the proxy"))
}

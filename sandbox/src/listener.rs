//! The listener both HTTP servers accept on.
//!
//! hyper answers a request it cannot parse — a URI over 64 KiB (414),
//! headers over its ~400 KiB buffer or more than 100 of them (431), a
//! malformed request line or header (400) — by itself, before any handler
//! runs, with an empty body, and offers no hook to change that. Every error
//! of this API is a problem detail, so the connection's writer recognises
//! exactly those automatic answers (a 4xx status line followed by
//! `content-length: 0`, which no handler of ours ever sends for an error)
//! and sends a problem detail in their place. hyper closes the connection
//! after them either way.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections rewrite hyper's bare parse-error
/// answers.
pub struct ProblemListener(pub TcpListener);

impl axum::serve::Listener for ProblemListener {
    type Io = ProblemIo<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => return (ProblemIo::new(stream), addr),
                // Out of file descriptors and the like: wait instead of
                // spinning; the connection itself is lost either way.
                Err(e) => {
                    tracing::warn!(%e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// hyper's automatic answers, as it writes their status line, and what
/// to tell the caller instead.
const AUTOMATIC: [(&[u8], u16, &str, &str); 3] = [
    (
        b"HTTP/1.1 400 Bad Request\r\n",
        400,
        "Bad Request",
        "the request is not valid HTTP/1.1 (malformed request line, header or \
         non-ASCII bytes in the URL): percent-encode the URL and check the headers",
    ),
    (
        b"HTTP/1.1 414 URI Too Long\r\n",
        414,
        "URI Too Long",
        "the URL is longer than 65534 bytes: ids and names are short, send data in the body",
    ),
    (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        431,
        "Request Header Fields Too Large",
        "the request headers are too large (over about 400 KiB, or more than 100 \
         headers): send fewer or smaller headers",
    ),
];

/// The problem-detail response that replaces an automatic answer in `head`.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let (line, status, title, detail) = AUTOMATIC
        .iter()
        .find(|(line, ..)| head.starts_with(line) && is_bare(&head[line.len()..]))?;
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    })
    .to_string();
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(line);
    out.extend_from_slice(
        format!(
            "content-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

/// hyper's automatic answers carry only `connection`, `content-length: 0`
/// and `date` headers; anything with a content type is a handler's answer.
fn is_bare(headers: &[u8]) -> bool {
    let Some(end) = headers.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let block = String::from_utf8_lossy(&headers[..end + 2]).to_ascii_lowercase();
    block.contains("content-length: 0\r\n") && !block.contains("content-type:")
}

/// A connection whose writes pass through unchanged, except an automatic
/// answer, which is swapped for its problem detail.
pub struct ProblemIo<S> {
    inner: S,
    /// A replacement being written: its bytes, how many went out, and how
    /// many bytes of hyper's answer it stands for.
    swap: Option<(Vec<u8>, usize, usize)>,
}

impl<S> ProblemIo<S> {
    pub fn new(inner: S) -> Self {
        ProblemIo { inner, swap: None }
    }
}

impl<S: AsyncWrite + Unpin> ProblemIo<S> {
    /// Drives the replacement out; resolves to the length of the answer it
    /// replaced, so hyper sees its own bytes written.
    fn poll_swap(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some((bytes, done, claimed)) = self.swap.as_mut() else {
            unreachable!("poll_swap is only called with a replacement")
        };
        while *done < bytes.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        let claimed = *claimed;
        self.swap = None;
        Poll::Ready(Ok(claimed))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ProblemIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ProblemIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.swap.is_none()
            && let Some(bytes) = replacement(buf)
        {
            this.swap = Some((bytes, 0, buf.len()));
        }
        if this.swap.is_some() {
            return this.poll_swap(cx);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper queues an answer's head as one slice of its own.
        let this = &mut *self;
        if this.swap.is_none()
            && let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && let Some(bytes) = replacement(first)
        {
            this.swap = Some((bytes, 0, first.len()));
        }
        if this.swap.is_some() {
            return this.poll_swap(cx);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_answers_are_replaced() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(replacement(bare).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 "));
        assert!(out.contains("content-type: application/problem+json\r\n"));
        assert!(out.ends_with("}"), "{out}");
        let closing = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(closing).is_some());
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 80\r\n\r\n";
        assert!(replacement(ours).is_none());
        assert!(replacement(b"{\"ok\":true}").is_none());
    }
}

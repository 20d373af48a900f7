//! A file as a response body, read in chunks (never whole into memory):
//! site files and snapshots can be large.

use axum::body::Body;
use tokio::io::AsyncReadExt;

/// Streams `file`; `guard` lives until the last chunk is sent (or the
/// client goes away), e.g. a temporary file that must outlive the read.
pub fn stream<G: Send + 'static>(file: tokio::fs::File, guard: G) -> Body {
    Body::from_stream(futures_util::stream::unfold(
        Some((file, guard)),
        |open| async move {
            let (mut file, guard) = open?;
            let mut buf = vec![0; 256 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<_, std::io::Error>(buf), Some((file, guard))))
                }
                Err(e) => Some((Err(e), None)),
            }
        },
    ))
}

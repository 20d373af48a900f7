//! The sandbox's DNS: hickory-server on 127.0.0.1, UDP and TCP, answering
//! from the platform state. See `answer` for what each role serves.

pub mod answer;

use std::iter;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

pub use answer::Role;

use crate::state::AppState;

struct Handler {
    state: AppState,
    role: Role,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response: R,
    ) -> ResponseInfo {
        let computed = request.request_info().ok().map(|info| {
            let conn = self.state.store.lock();
            answer::answer(
                &conn,
                self.role,
                &info.query.name().into(),
                info.query.query_type(),
            )
        });
        let builder = MessageResponseBuilder::from_message_request(request);
        let sent = match computed {
            Some(Ok(ans)) => {
                let mut meta = Metadata::response_from_request(&request.metadata);
                meta.authoritative = ans.authoritative;
                meta.response_code = ans.code;
                // Recursion is never offered: these are authoritative servers.
                meta.recursion_available = false;
                let msg = builder.build(
                    meta,
                    ans.answers.iter(),
                    ans.authority.iter(),
                    iter::empty(),
                    iter::empty(),
                );
                response.send_response(msg).await
            }
            Some(Err(e)) => {
                tracing::warn!(%e, "DNS lookup failed");
                response
                    .send_response(builder.error_msg(&request.metadata, ResponseCode::ServFail))
                    .await
            }
            None => {
                response
                    .send_response(builder.error_msg(&request.metadata, ResponseCode::FormErr))
                    .await
            }
        };
        sent.unwrap_or_else(|e| {
            tracing::debug!(%e, "could not send a DNS response");
            let mut metadata = Metadata::response_from_request(&request.metadata);
            metadata.response_code = ResponseCode::ServFail;
            ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            })
        })
    }
}

/// A running DNS role: its address and the server to stop.
pub struct DnsServer {
    pub addr: SocketAddr,
    server: Server<Handler>,
}

impl DnsServer {
    /// Binds UDP and TCP on the same port (`addr` may use port 0).
    pub async fn start(state: AppState, role: Role, addr: SocketAddr) -> std::io::Result<Self> {
        let (udp, tcp) = bind_pair(addr).await?;
        let bound = udp.local_addr()?;
        let mut server = Server::new(Handler { state, role });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
        Ok(Self {
            addr: bound,
            server,
        })
    }

    pub async fn stop(mut self) {
        let _ = self.server.shutdown_gracefully().await;
    }
}

/// UDP and TCP on one port. With port 0 the UDP port the kernel picks may
/// be taken for TCP, so pick again (a few times) until both fit.
async fn bind_pair(
    addr: SocketAddr,
) -> std::io::Result<(tokio::net::UdpSocket, tokio::net::TcpListener)> {
    let mut attempts = 0;
    loop {
        let udp = tokio::net::UdpSocket::bind(addr).await?;
        match tokio::net::TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e)
                if addr.port() == 0
                    && e.kind() == std::io::ErrorKind::AddrInUse
                    && attempts < 20 =>
            {
                attempts += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

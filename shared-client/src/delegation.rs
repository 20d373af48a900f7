//! Is a domain delegated to its hosted zone? Asked of the **parent** zone's
//! servers, with recursion off, because recursive resolvers answer from
//! caches (NS TTLs of two days are common) and only hint at propagation.
//!
//! The prober finds the parent's servers by walking from the root, or uses
//! the addresses it is given (tests, and the sandbox's registry server).
//! Names are compared after normalising (IDN to ASCII, lowercase, no
//! trailing dot). NS records are accepted from the answer or the authority
//! section, and the AA bit is not relied on: a referral carries them in
//! authority, some servers answer them with AA=1.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the parent publishes, compared with what the zone expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Exactly the expected nameservers.
    Delegated,
    /// Some of the expected ones and nothing else.
    Partial,
    /// Expected ones mixed with foreign nameservers.
    Mixed,
    /// Only foreign nameservers.
    NotDelegated,
    /// The parent has no such domain (NXDOMAIN or no NS).
    NotRegistered,
    /// The parent's servers give different answers (a change propagating).
    ParentsDisagree,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Delegated => "delegated",
            Verdict::Partial => "partial",
            Verdict::Mixed => "mixed",
            Verdict::NotDelegated => "not_delegated",
            Verdict::NotRegistered => "not_registered",
            Verdict::ParentsDisagree => "parents_disagree",
        }
    }
}

/// One parent server's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerAnswer {
    pub server: SocketAddr,
    /// Normalised NS names; `Err` when the server failed or timed out.
    pub nameservers: Result<Vec<String>, String>,
    pub nxdomain: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delegation {
    pub domain: String,
    pub verdict: Verdict,
    pub expected: Vec<String>,
    /// The union of what the answering parents publish.
    pub observed: Vec<String>,
    pub servers: Vec<ServerAnswer>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0:?} is not a valid domain name: {1}")]
    BadName(String, String),
    #[error("no parent server of {domain} answered ({details}); check the network or try again")]
    NoAnswer { domain: String, details: String },
    #[error("could not find the servers of the parent zone of {domain}: {why}")]
    NoParents { domain: String, why: String },
}

/// Lowercase ASCII (IDN → punycode), no trailing dot.
pub fn normalise(name: &str) -> Result<String, ProbeError> {
    let trimmed = name.trim().trim_end_matches('.');
    idna::domain_to_ascii(trimmed)
        .map(|s| s.to_ascii_lowercase())
        .map_err(|e| ProbeError::BadName(name.to_string(), e.to_string()))
}

/// Compares sets of normalised names.
pub fn classify(expected: &BTreeSet<String>, observed: &BTreeSet<String>) -> Verdict {
    if observed.is_empty() {
        Verdict::NotRegistered
    } else if observed == expected {
        Verdict::Delegated
    } else if observed.is_subset(expected) {
        Verdict::Partial
    } else if observed.is_disjoint(expected) {
        Verdict::NotDelegated
    } else {
        Verdict::Mixed
    }
}

/// Where the parent zone's servers come from.
#[derive(Debug, Clone)]
pub enum Parents {
    /// Walk from the root servers (the real Internet).
    Root,
    /// These addresses serve the parent zone (tests, the sandbox).
    Fixed(Vec<SocketAddr>),
}

#[derive(Debug, Clone)]
pub struct Prober {
    parents: Parents,
    timeout: Duration,
}

/// a.root-servers.net … m.root-servers.net (IPv4); stable for decades.
const ROOT_HINTS: [Ipv4Addr; 13] = [
    Ipv4Addr::new(198, 41, 0, 4),
    Ipv4Addr::new(170, 247, 170, 2),
    Ipv4Addr::new(192, 33, 4, 12),
    Ipv4Addr::new(199, 7, 91, 13),
    Ipv4Addr::new(192, 203, 230, 10),
    Ipv4Addr::new(192, 5, 5, 241),
    Ipv4Addr::new(192, 112, 36, 4),
    Ipv4Addr::new(198, 97, 190, 53),
    Ipv4Addr::new(192, 36, 148, 17),
    Ipv4Addr::new(192, 58, 128, 30),
    Ipv4Addr::new(193, 0, 14, 129),
    Ipv4Addr::new(199, 7, 83, 42),
    Ipv4Addr::new(202, 12, 27, 33),
];

impl Prober {
    pub fn new(parents: Parents) -> Self {
        Self {
            parents,
            timeout: Duration::from_secs(3),
        }
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Asks every parent server for `domain NS` and compares the answers
    /// with `expected`.
    pub async fn check(&self, domain: &str, expected: &[String]) -> Result<Delegation, ProbeError> {
        let domain = normalise(domain)?;
        let expected: BTreeSet<String> = expected
            .iter()
            .map(|n| normalise(n))
            .collect::<Result<_, _>>()?;
        let servers = match &self.parents {
            Parents::Fixed(addrs) => addrs.clone(),
            Parents::Root => self.parent_servers(&domain).await?,
        };
        let qname = Name::from_str(&format!("{domain}."))
            .map_err(|e| ProbeError::BadName(domain.clone(), e.to_string()))?;
        let mut answers = Vec::with_capacity(servers.len());
        for server in servers {
            let answer = match query(server, &qname, RecordType::NS, false, self.timeout).await {
                Ok(msg) => ServerAnswer {
                    server,
                    nxdomain: msg.metadata.response_code == ResponseCode::NXDomain,
                    nameservers: Ok(ns_names(&msg, &qname)),
                },
                Err(e) => ServerAnswer {
                    server,
                    nameservers: Err(e),
                    nxdomain: false,
                },
            };
            answers.push(answer);
        }
        let sets: Vec<BTreeSet<String>> = answers
            .iter()
            .filter_map(|a| a.nameservers.as_ref().ok())
            .map(|v| v.iter().cloned().collect())
            .collect();
        if sets.is_empty() {
            let details = answers
                .iter()
                .filter_map(|a| {
                    a.nameservers
                        .as_ref()
                        .err()
                        .map(|e| format!("{}: {e}", a.server))
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ProbeError::NoAnswer { domain, details });
        }
        let observed: BTreeSet<String> = sets.iter().flatten().cloned().collect();
        let verdict = if sets.windows(2).any(|w| w[0] != w[1]) {
            Verdict::ParentsDisagree
        } else {
            classify(&expected, &observed)
        };
        Ok(Delegation {
            domain,
            verdict,
            expected: expected.into_iter().collect(),
            observed: observed.into_iter().collect(),
            servers: answers,
        })
    }

    /// Follows referrals from the root down to the servers of `domain`'s
    /// parent zone.
    async fn parent_servers(&self, domain: &str) -> Result<Vec<SocketAddr>, ProbeError> {
        let labels: Vec<&str> = domain.split('.').collect();
        let fail = |why: String| ProbeError::NoParents {
            domain: domain.to_string(),
            why,
        };
        let mut servers: Vec<SocketAddr> = ROOT_HINTS
            .iter()
            .map(|ip| SocketAddr::new(IpAddr::V4(*ip), 53))
            .collect();
        // Zones from the TLD down to the parent: for a.b.example.com the
        // parent of a.b.example.com is b.example.com's zone at most; we
        // descend while referrals lead somewhere.
        for depth in (1..labels.len()).rev() {
            let zone = labels[depth..].join(".");
            let qname = Name::from_str(&format!("{zone}.")).map_err(|e| fail(e.to_string()))?;
            let mut next = None;
            for server in servers.iter().take(4) {
                if let Ok(msg) = query(*server, &qname, RecordType::NS, false, self.timeout).await {
                    let names = ns_names(&msg, &qname);
                    if names.is_empty() {
                        continue;
                    }
                    next = Some(addresses(&msg, &names).await);
                    break;
                }
            }
            match next {
                Some(addrs) if !addrs.is_empty() => servers = addrs,
                // No delegation for this zone: the one above is the parent.
                _ => break,
            }
        }
        if servers.is_empty() {
            return Err(fail("no referral led to the parent zone".into()));
        }
        Ok(servers)
    }

    /// What recursive resolvers currently return for `domain NS`: cached
    /// data, a propagation hint only (never the verdict).
    pub async fn propagation(&self, domain: &str, resolvers: &[SocketAddr]) -> Vec<ServerAnswer> {
        let Ok(domain) = normalise(domain) else {
            return Vec::new();
        };
        let Ok(qname) = Name::from_str(&format!("{domain}.")) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in resolvers {
            let answer = match query(*r, &qname, RecordType::NS, true, self.timeout).await {
                Ok(msg) => ServerAnswer {
                    server: *r,
                    nxdomain: msg.metadata.response_code == ResponseCode::NXDomain,
                    nameservers: Ok(ns_names(&msg, &qname)),
                },
                Err(e) => ServerAnswer {
                    server: *r,
                    nameservers: Err(e),
                    nxdomain: false,
                },
            };
            out.push(answer);
        }
        out
    }
}

/// The system's resolvers from `/etc/resolv.conf`.
pub fn system_resolvers() -> Vec<SocketAddr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// NS names for `owner` from the answer and authority sections.
fn ns_names(msg: &Message, owner: &Name) -> Vec<String> {
    let mut names: Vec<String> = msg
        .answers
        .iter()
        .chain(msg.authorities.iter())
        .filter(|r| r.name == *owner)
        .filter_map(|r| match &r.data {
            RData::NS(ns) => normalise(&ns.0.to_ascii()).ok(),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Addresses for `names`: glue from the additional section, else the
/// system resolver.
async fn addresses(msg: &Message, names: &[String]) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for n in names {
        let glue: Vec<SocketAddr> = msg
            .additionals
            .iter()
            .filter(|r| normalise(&r.name.to_ascii()).ok().as_deref() == Some(n.as_str()))
            .filter_map(|r| match &r.data {
                RData::A(a) => Some(SocketAddr::new(IpAddr::V4(a.0), 53)),
                RData::AAAA(a) => Some(SocketAddr::new(IpAddr::V6(a.0), 53)),
                _ => None,
            })
            .collect();
        if glue.is_empty() {
            if let Ok(found) = tokio::net::lookup_host((n.as_str(), 53)).await {
                out.extend(found);
            }
        } else {
            out.extend(glue);
        }
    }
    out
}

/// One query over UDP, repeated over TCP when the answer is truncated.
pub(crate) async fn query(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    recursion: bool,
    timeout: Duration,
) -> Result<Message, String> {
    let mut msg = Message::query();
    msg.metadata.id = rand::random();
    msg.metadata.recursion_desired = recursion;
    msg.add_query(hickory_proto::op::Query::query(name.clone(), rtype));
    let bytes = msg.to_vec().map_err(|e| e.to_string())?;
    let id = msg.metadata.id;
    let udp = async {
        let bind: SocketAddr = if server.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        }
        .parse()
        .expect("valid");
        let sock = tokio::net::UdpSocket::bind(bind)
            .await
            .map_err(|e| e.to_string())?;
        sock.send_to(&bytes, server)
            .await
            .map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 4096];
        loop {
            let (n, from) = sock.recv_from(&mut buf).await.map_err(|e| e.to_string())?;
            if from != server {
                continue;
            }
            let reply = Message::from_vec(&buf[..n]).map_err(|e| e.to_string())?;
            if reply.metadata.id == id {
                return Ok::<Message, String>(reply);
            }
        }
    };
    let reply = tokio::time::timeout(timeout, udp)
        .await
        .map_err(|_| format!("no answer within {timeout:?}"))??;
    if !reply.metadata.truncation {
        return Ok(reply);
    }
    let tcp = async {
        let mut stream = tokio::net::TcpStream::connect(server)
            .await
            .map_err(|e| e.to_string())?;
        let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&bytes);
        stream.write_all(&framed).await.map_err(|e| e.to_string())?;
        let len = stream.read_u16().await.map_err(|e| e.to_string())? as usize;
        let mut buf = vec![0u8; len];
        stream
            .read_exact(&mut buf)
            .await
            .map_err(|e| e.to_string())?;
        Message::from_vec(&buf).map_err(|e| e.to_string())
    };
    tokio::time::timeout(timeout, tcp)
        .await
        .map_err(|_| format!("no TCP answer within {timeout:?}"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(x: &[&str]) -> BTreeSet<String> {
        x.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn verdicts_cover_every_case() {
        let exp = set(&["a.ns.com", "b.ns.net"]);
        assert_eq!(
            classify(&exp, &set(&["a.ns.com", "b.ns.net"])),
            Verdict::Delegated
        );
        assert_eq!(classify(&exp, &set(&["a.ns.com"])), Verdict::Partial);
        assert_eq!(
            classify(&exp, &set(&["a.ns.com", "x.other.org"])),
            Verdict::Mixed
        );
        assert_eq!(
            classify(&exp, &set(&["x.other.org"])),
            Verdict::NotDelegated
        );
        assert_eq!(classify(&exp, &set(&[])), Verdict::NotRegistered);
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(
            normalise("NS-1.AwsDns-00.COM.").unwrap(),
            "ns-1.awsdns-00.com"
        );
        assert_eq!(
            normalise("bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }
}

//! The addresses the sandbox gives out — in API responses (`database_url`,
//! the device login's `verification_uri`), the ready file and the banner.
//! They are the `--public-*` addresses when given (a container's or a CI
//! service's name), else the bound ones with a wildcard (`0.0.0.0`, `::`)
//! turned into loopback: a wildcard is where to listen, never where to
//! connect, so it never appears in a response.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where a client reaches a listener bound to `addr`.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// `http://` and the reachable form of `addr`.
pub fn url_of(addr: SocketAddr) -> String {
    format!("http://{}", reachable(addr))
}

/// A `--public-url`: an absolute `http(s)` URL with a host, maybe a path
/// prefix, no query, fragment or credentials; returned without a trailing
/// `/` (paths are appended to it).
pub fn parse_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| format!("{raw:?} is not a URL ({e}): give e.g. http://sandbox:8787"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{raw:?}: the scheme must be http or https — give e.g. http://sandbox:8787"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{raw:?} has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw:?}: a public URL has no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{raw:?}: a public URL carries no credentials"));
    }
    if is_wildcard(url.host_str().unwrap_or_default()) {
        return Err(format!(
            "{raw:?}: 0.0.0.0 and :: are where to listen, not where to connect — give the name or \
             address clients use"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// A `--public-dns-addr`: `HOST:PORT` as clients reach the DNS server.
pub fn parse_dns_addr(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let (host, port) = raw
        .rsplit_once(':')
        .ok_or_else(|| format!("{raw:?}: give HOST:PORT, e.g. sandbox:5353"))?;
    port.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("{raw:?}: {port:?} is not a port (1-65535)"))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.is_empty() || bare.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(format!("{raw:?}: {host:?} is not a host name or address"));
    }
    if is_wildcard(bare) {
        return Err(format!(
            "{raw:?}: a wildcard address is where to listen, not where to connect"
        ));
    }
    Ok(raw.to_string())
}

fn is_wildcard(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_is_reached_on_loopback() {
        assert_eq!(
            url_of("0.0.0.0:8787".parse().unwrap()),
            "http://127.0.0.1:8787"
        );
        assert_eq!(url_of("[::]:53".parse().unwrap()), "http://[::1]:53");
        assert_eq!(url_of("10.1.2.3:80".parse().unwrap()), "http://10.1.2.3:80");
    }

    #[test]
    fn public_urls_are_checked_and_trimmed() {
        assert_eq!(
            parse_url("http://sandbox:8787/").unwrap(),
            "http://sandbox:8787"
        );
        assert_eq!(
            parse_url("https://ci.example/comwit/").unwrap(),
            "https://ci.example/comwit"
        );
        for bad in [
            "sandbox:8787",
            "ftp://sandbox",
            "http://0.0.0.0:8787",
            "http://[::]:1",
            "http://a:b@sandbox",
            "http://sandbox/?x=1",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_dns_addr("sandbox:5353").unwrap(), "sandbox:5353");
        assert_eq!(parse_dns_addr("[fd00::1]:53").unwrap(), "[fd00::1]:53");
        for bad in ["sandbox", "sandbox:0", "0.0.0.0:53", ":53", "a b:53"] {
            assert!(parse_dns_addr(bad).is_err(), "{bad}");
        }
    }
}

//! The client address that rate limiting counts: the peer address, or with `--trust-proxy` the
//! right-most entry of `X-Forwarded-For` — the one the trusted proxy in front appended. Proxies
//! write it as `ip`, `ip:port`, `[v6]` or `[v6]:port`, or `unknown` when they do not know the
//! client; then (or when it is anything else) the proxy's own address counts. Entries to its
//! left were sent by the client: they never choose the bucket.

use super::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(addr)| addr.ip());
        if !state.trust_proxy {
            return Ok(ClientAddr(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|last| last.to_str().ok())
            .and_then(|line| line.rsplit(',').next())
            .and_then(forwarded_entry);
        Ok(ClientAddr(forwarded.unwrap_or(peer)))
    }
}

/// One `X-Forwarded-For` entry as a proxy writes it; None for `unknown` or anything else.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(with_port) = entry.parse::<SocketAddr>() {
        return Some(with_port.ip());
    }
    entry.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_as_proxies_write_them() {
        let v4: IpAddr = "203.0.113.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::7".parse().unwrap();
        assert_eq!(forwarded_entry("203.0.113.1"), Some(v4));
        assert_eq!(forwarded_entry(" 203.0.113.1:5555 "), Some(v4));
        assert_eq!(forwarded_entry("2001:db8::7"), Some(v6));
        assert_eq!(forwarded_entry("[2001:db8::7]"), Some(v6));
        assert_eq!(forwarded_entry("[2001:db8::7]:443"), Some(v6));
        assert_eq!(forwarded_entry("unknown"), None);
        assert_eq!(forwarded_entry("_hidden"), None);
        assert_eq!(forwarded_entry(""), None);
    }
}

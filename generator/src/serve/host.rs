//! Which names the preview answers to. A page on another site can point its own host name at
//! 127.0.0.1 (DNS rebinding) and then read the preview as if it were that site: drafts, the
//! results draft, the intake. Its requests still carry its own name in `Host`, so the preview
//! answers only names that are loopback by definition.

use std::net::{Ipv4Addr, Ipv6Addr};

use axum::extract::Request;
use axum::http::header;

/// Whether `request` names the preview by a loopback name: `localhost`, an address of
/// 127.0.0.0/8 (the flood test's clients are 127.0.0.2 and on) or `[::1]`, with any port or
/// none. The port is not checked: it is not what rebinding changes, and `ssh -L 9000:…`
/// legitimately brings the preview to another one.
pub(super) fn names_loopback(request: &Request) -> bool {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        // None, or two that may disagree.
        _ => None,
    };
    // A request target with a host of its own (`GET http://…/`) names it too.
    let target = request.uri().authority().map(|authority| authority.as_str());
    host.is_some_and(is_loopback_authority) && target.is_none_or(is_loopback_authority)
}

/// `host[:port]` with a loopback host.
fn is_loopback_authority(authority: &str) -> bool {
    let (loopback, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((address, port)) = bracketed.split_once(']') else {
            return false;
        };
        (address.parse::<Ipv6Addr>().is_ok_and(|address| address.is_loopback()), port)
    } else {
        let (name, port) =
            authority.split_at_checked(authority.find(':').unwrap_or(authority.len())).unwrap_or_default();
        let loopback = name.eq_ignore_ascii_case("localhost")
            || name.parse::<Ipv4Addr>().is_ok_and(|address| address.is_loopback());
        (loopback, port)
    };
    let port_is_a_port = port.is_empty() || port.strip_prefix(':').is_some_and(|number| number.parse::<u16>().is_ok());
    loopback && port_is_a_port
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(host: &str) -> Request {
        Request::builder().uri("/ky/").header(header::HOST, host).body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn loopback_names_are_answered() {
        for host in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LocalHost:8000",
            "[::1]:8000",
            "127.0.0.2:8000",
            "localhost",
            "127.0.0.1",
        ] {
            assert!(names_loopback(&with_host(host)), "{host}");
        }
    }

    #[test]
    fn other_names_are_not() {
        for host in [
            "evil.example:8000",
            "evil.example",
            "localhost.evil.example:8000",
            "127.0.0.1.nip.io:8000",
            "10.0.0.1:8000",
            "[::2]:8000",
            "[::1",
            "localhost:80x",
            "localhost:",
            "user@localhost:8000",
            "",
        ] {
            assert!(!names_loopback(&with_host(host)), "{host}");
        }
        let none = Request::builder().uri("/ky/").body(axum::body::Body::empty()).unwrap();
        assert!(!names_loopback(&none), "no Host at all");
        let two = Request::builder()
            .uri("/ky/")
            .header(header::HOST, "127.0.0.1:8000")
            .header(header::HOST, "evil.example")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(!names_loopback(&two), "two Host headers");
        let proxied = Request::builder()
            .uri("http://evil.example/ky/")
            .header(header::HOST, "127.0.0.1:8000")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(!names_loopback(&proxied), "a target naming another host");
    }
}

//! Which names a local server holding applicants' data answers to: the preview
//! (`generator serve`) and the secretariat's entry page (`applications enter`). A page on
//! another site can point its own host name at 127.0.0.1 (DNS rebinding) and then read such a
//! server as if it were that site; its requests still carry its own name in `Host`, so both
//! answer only names that are loopback by definition.

use std::net::{Ipv4Addr, Ipv6Addr};

use http::{header, HeaderMap, Uri};

/// The request's `Host` when it is a loopback name (`localhost`, 127.0.0.0/8, `[::1]`) with
/// any port or none, given once, and a request target naming a host (`GET http://…/`) names
/// the same kind; `None` otherwise. The port is not compared with the server's own: it is not
/// what rebinding changes, and `ssh -L 9000:…` legitimately brings a server to another one.
pub fn loopback_host<'a>(headers: &'a HeaderMap, uri: &Uri) -> Option<&'a str> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok()?,
        // None, or two that may disagree.
        _ => return None,
    };
    let target_ok = uri.authority().is_none_or(|authority| is_loopback_authority(authority.as_str()));
    (is_loopback_authority(host) && target_ok).then_some(host)
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

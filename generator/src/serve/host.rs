//! Which names the preview answers to. A page on another site can point its own host name at
//! 127.0.0.1 (DNS rebinding) and then read the preview as if it were that site: drafts, the
//! results draft, the intake. Its requests still carry its own name in `Host`, so the preview
//! answers only names that are loopback by definition.

use axum::extract::Request;

/// Whether `request` names the preview by a loopback name: `localhost`, an address of
/// 127.0.0.0/8 (the flood test's clients are 127.0.0.2 and on) or `[::1]`, with any port or
/// none ([`intake::loopback_host`], which the secretariat's entry page answers by too).
pub(super) fn names_loopback(request: &Request) -> bool {
    intake::loopback_host(request.headers(), request.uri()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

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

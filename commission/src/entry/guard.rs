//! Who may reach the entry page. It holds the production tables' credentials with
//! `--dynamodb`, so besides listening on 127.0.0.1 only it answers only requests that name it
//! by a loopback name (a page of another site that points its own name at 127.0.0.1, DNS
//! rebinding, still sends that name as `Host`), and stores only posts made by its own page
//! (a page of another site can post to 127.0.0.1 from the secretariat's browser).

use http::{header, HeaderMap};

pub(crate) use intake::loopback_host;

/// Whether a post was made by a page other than the entry page itself.
///
/// Stricter than the public intake's rule: another program on this machine serves pages on
/// 127.0.0.1 too, on another port, and a browser calls such a page `same-site`. So
/// `Sec-Fetch-Site`, which no page can set, must say `same-origin` when it is sent, and
/// `Origin`, when sent, must be this very address (`http://` and the `Host` the post was sent
/// to); `Origin: null` (a sandboxed frame, a `data:` page) is refused. A post with neither
/// (`curl` on this machine) goes through: every browser that a page could trick sends one.
pub(crate) fn is_cross_site(headers: &HeaderMap, host: &str) -> bool {
    let text = |name: &str| headers.get(name).map(|value| value.to_str().ok());
    match text("sec-fetch-site") {
        Some(Some(site)) if site.eq_ignore_ascii_case("same-origin") => {}
        Some(_) => return true,
        None => {}
    }
    match text(header::ORIGIN.as_str()) {
        None => false,
        Some(Some(origin)) => !origin.eq_ignore_ascii_case(&format!("http://{host}")),
        // An `Origin` that is not text is nobody's.
        Some(None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Uri;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn only_loopback_names_are_answered() {
        let uri = Uri::from_static("/");
        for host in ["127.0.0.1:8100", "localhost:8100", "LOCALHOST", "[::1]:8100", "127.0.0.2"] {
            assert_eq!(loopback_host(&headers(&[("host", host)]), &uri), Some(host), "{host}");
        }
        for host in [
            "evil.example:8100",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8100",
            "10.0.0.1:8100",
            "[::2]:8100",
            "localhost:80x",
            "",
        ] {
            assert_eq!(loopback_host(&headers(&[("host", host)]), &uri), None, "{host}");
        }
        assert_eq!(loopback_host(&HeaderMap::new(), &uri), None, "no Host");
        let two = headers(&[("host", "127.0.0.1:8100"), ("host", "evil.example")]);
        assert_eq!(loopback_host(&two, &uri), None, "two Hosts");
        let proxied = Uri::from_static("http://evil.example/");
        assert_eq!(loopback_host(&headers(&[("host", "127.0.0.1:8100")]), &proxied), None);
    }

    #[test]
    fn only_the_pages_own_posts_go_through() {
        let host = "127.0.0.1:8100";
        let own = [
            vec![("sec-fetch-site", "same-origin"), ("origin", "http://127.0.0.1:8100")],
            vec![("origin", "http://127.0.0.1:8100")],
            vec![("sec-fetch-site", "same-origin")],
            vec![],
        ];
        for sent in own {
            assert!(!is_cross_site(&headers(&sent), host), "{sent:?}");
        }
        let foreign = [
            vec![("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")],
            // Another program's page on this machine: same site, not the same origin.
            vec![("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:3000")],
            vec![("origin", "http://127.0.0.1:3000")],
            vec![("origin", "http://localhost:8100")],
            vec![("origin", "null")],
            vec![("sec-fetch-site", "none")],
            vec![("sec-fetch-site", "same-origin"), ("origin", "https://evil.example")],
        ];
        for sent in foreign {
            assert!(is_cross_site(&headers(&sent), host), "{sent:?}");
        }
    }
}

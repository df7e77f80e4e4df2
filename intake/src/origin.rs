//! Where a request came from, as far as the intake can tell: through CloudFront (the origin
//! secret), and from the site's own pages (a browser's `Origin` and `Sec-Fetch-Site`).

use http::request::Parts;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::intake::Intake;

/// The header CloudFront adds to every request it passes to the function.
pub(crate) const ORIGIN_VERIFY: &str = "x-origin-verify";

/// Whether the request may go on: no secret is required, or its `X-Origin-Verify` header
/// is the secret. The header's value is never logged or echoed.
pub(crate) fn came_through_the_distribution(intake: &Intake, request: &Parts) -> bool {
    let Some(expected) = intake.origin_secret else {
        return true;
    };
    let Some(sent) = request.headers.get(ORIGIN_VERIFY) else {
        return false;
    };
    // Digests of equal length, compared byte by byte without stopping early: the time taken
    // says nothing about how much of a guess was right.
    let sent: [u8; 32] = Sha256::digest(sent.as_bytes()).into();
    sent.iter().zip(expected.iter()).fold(0u8, |differ, (a, b)| differ | (a ^ b)) == 0
}

/// Whether a browser says this post was made by a page of another site: its `Origin` is
/// neither the site's nor the one the request was sent to (the preview answers on
/// `http://127.0.0.1:PORT`, not on the site's address), or its `Sec-Fetch-Site` is
/// `cross-site`. A post with neither header (old phone browsers, scripts) is let through:
/// only a browser can be tricked into posting for a page, and every browser that could be
/// sends one of them.
///
/// `Origin: null` is what a sandboxed frame, a `data:` page or a redirect across sites
/// sends, the shapes a page of another site would use to hide where it is; the site's own
/// form never sends it under the site's referrer policy (`strict-origin-when-cross-origin`).
/// It is accepted only when `Sec-Fetch-Site`, which no page can set, says `same-origin`.
pub(crate) fn is_cross_site(intake: &Intake, request: &Parts) -> bool {
    let headers = &request.headers;
    let fetch_site = header_text(headers, "sec-fetch-site").map(str::to_ascii_lowercase);
    if fetch_site.as_deref() == Some("cross-site") {
        return true;
    }
    let Some(origin) = header_text(headers, http::header::ORIGIN.as_str()) else {
        // An `Origin` that is not text is no origin this site has.
        return headers.contains_key(http::header::ORIGIN);
    };
    if origin == "null" {
        return fetch_site.as_deref() != Some("same-origin");
    }
    if origin == intake.site_origin {
        return false;
    }
    let host =
        header_text(headers, http::header::HOST.as_str()).or_else(|| request.uri.authority().map(|a| a.as_str()));
    let own = host.is_some_and(|host| {
        let host = host.to_ascii_lowercase();
        let origin = origin.to_ascii_lowercase();
        origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host.as_str())
    });
    !own
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

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

/// The header the distribution's viewer-request function on `/api/*` sets to the host the
/// viewer asked for: CloudFront sends the API its own name as `Host`, so without it the
/// site's address is unknown to the function whenever it is not `base_url`'s (the
/// distribution's default `*.cloudfront.net` name, a second alias). Trusted only with an
/// origin secret, that is, on requests that came through the distribution.
pub(crate) const VIEWER_HOST: &str = "x-viewer-host";

/// Whether a browser says this post was made by a page of another site.
///
/// `Sec-Fetch-Site`, which no page can set, decides when a browser sends it: `cross-site` is
/// refused and `same-origin` goes through whatever `Origin` says. Otherwise (`same-site`,
/// `none`, or a browser too old to send it) the post's `Origin` must be the site's
/// (`base_url`), or the address the request was sent to: its `Host` (the preview answers on
/// `http://127.0.0.1:PORT`) or, behind the distribution, the viewer's host. A post with
/// neither header (old phone browsers, scripts) goes through: only a browser can be tricked
/// into posting for a page, and every browser that could be sends one of them.
///
/// `Origin: null` is what a sandboxed frame, a `data:` page or a redirect across sites sends,
/// the shapes a page of another site would use to hide where it is; without a
/// `same-origin` beside it, it is refused.
pub(crate) fn is_cross_site(intake: &Intake, request: &Parts) -> bool {
    let headers = &request.headers;
    match header_text(headers, "sec-fetch-site").map(str::to_ascii_lowercase).as_deref() {
        Some("cross-site") => return true,
        Some("same-origin") => return false,
        _ => {}
    }
    let Some(origin) = header_text(headers, http::header::ORIGIN.as_str()) else {
        // An `Origin` that is not text is no origin this site has.
        return headers.contains_key(http::header::ORIGIN);
    };
    if origin == "null" {
        return true;
    }
    if origin == intake.site_origin {
        return false;
    }
    let origin = origin.to_ascii_lowercase();
    let origin_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    let host =
        header_text(headers, http::header::HOST.as_str()).or_else(|| request.uri.authority().map(|a| a.as_str()));
    let viewer_host = intake.origin_secret.and_then(|_| header_text(headers, VIEWER_HOST));
    let own = [host, viewer_host].into_iter().flatten().any(|host| origin_host == Some(&*host.to_ascii_lowercase()));
    !own
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

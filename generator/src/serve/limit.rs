//! How often one client may call the preview's intake (`--intake-limit`), and the answer it
//! gets past that. Production's firewall has a rate-based rule of the same shape on `/api/*`:
//! so many requests per period from one address. The limit is per address, never shared:
//! one script near the deadline is refused while everyone else still applies.
//!
//! The limiter is `tower_governor`'s: a generic cell rate, so `300/5m` lets a client send 300
//! requests at once and then one more each second (300 every 5 minutes, kept up). The
//! firewall counts requests over a sliding window instead; a client that stays under either
//! stays under both.

use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::middleware::NoOpMiddleware;
use intake::Intake;
use tower::ServiceExt as _;
use tower_governor::governor::{Governor, GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::PeerIpKeyExtractor;
use tower_governor::GovernorError;

/// `--intake-limit`: at most so many requests to the intake per period from one client
/// address, or no limit at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeLimit {
    Off,
    PerClient { requests: NonZeroU32, per: Duration },
}

impl IntakeLimit {
    /// Production's proposed rule: a village behind one carrier address is about a hundred
    /// applicants who each post a few times (a retry, the thanks page); a script posts
    /// thousands.
    pub const DEFAULT: &'static str = "300/5m";
}

impl FromStr for IntakeLimit {
    type Err = String;

    /// `off`, or `REQUESTS/PERIOD` with the period a whole number of seconds, minutes or
    /// hours: `300/5m`, `20/60s`, `1000/1h`.
    fn from_str(text: &str) -> Result<Self, String> {
        if text == "off" {
            return Ok(Self::Off);
        }
        let wrong = || format!("`{text}`: write REQUESTS/PERIOD, e.g. 300/5m, 20/60s or 1000/1h, or `off`");
        let (requests, period) = text.split_once('/').ok_or_else(wrong)?;
        let requests = requests.parse::<NonZeroU32>().map_err(|_| wrong())?;
        let unit = match period.chars().last() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            _ => return Err(wrong()),
        };
        let count = period.get(..period.len().saturating_sub(1)).ok_or_else(wrong)?;
        let seconds =
            count.parse::<u64>().ok().filter(|n| *n > 0).and_then(|n| n.checked_mul(unit)).ok_or_else(wrong)?;
        Ok(Self::PerClient { requests, per: Duration::from_secs(seconds) })
    }
}

/// The intake's limiter: one budget per client address, kept across rebuilds.
pub(super) struct Limiter {
    config: GovernorConfig<PeerIpKeyExtractor, NoOpMiddleware>,
}

impl Limiter {
    /// `None` for no limit.
    pub(super) fn new(limit: IntakeLimit) -> Option<Self> {
        let IntakeLimit::PerClient { requests, per } = limit else {
            return None;
        };
        // One request's share of the period comes back at a time.
        let replenish = per.checked_div(requests.get()).filter(|share| !share.is_zero())?;
        let config = GovernorConfigBuilder::default().period(replenish).burst_size(requests.get()).finish()?;
        Some(Self { config })
    }

    /// Forgets the addresses whose budget is full again, so a long preview does not keep
    /// every address it ever saw.
    pub(super) fn forget_quiet_clients(&self) {
        let limiter = self.config.limiter();
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }

    /// Passes `request` to `intake` while the client's budget lasts; past it, answers 429
    /// with `Retry-After` and `refusal`'s words.
    pub(super) async fn call(&self, intake: axum::Router, refusal: Refusal, request: Request) -> Response {
        let limited = Governor::new(intake, &self.config).error_handler(move |error| refusal.answer(&error));
        match limited.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    #[cfg(test)]
    fn allows(&self, client: std::net::IpAddr) -> bool {
        self.config.limiter().check_key(&client).is_ok()
    }
}

/// Key in `content/form.toml`'s `[text]` (required of every form at load), and the JSON
/// answer's `error`.
const TEXT_KEY: &str = "too_many_requests";

/// What one refused request is answered with: read from the request before it goes on,
/// since the limiter's answer is made without it.
pub(super) struct Refusal {
    intake: Arc<Intake>,
    /// The page's language, from the form's `?lang=`; `None` says it in every language.
    lang: Option<String>,
    json: bool,
}

impl Refusal {
    /// As the intake decides: JSON for a JSON body, a page for a form's body, and otherwise
    /// whatever the client accepts. The body itself is not read: a refusal costs nothing.
    pub(super) fn for_request(intake: Arc<Intake>, request: &Request) -> Self {
        let header_text = |name| request.headers().get(name).and_then(|value: &HeaderValue| value.to_str().ok());
        let kind = header_text(header::CONTENT_TYPE).unwrap_or("").to_ascii_lowercase();
        let json = if kind.starts_with("application/json") {
            true
        } else if kind.starts_with("application/x-www-form-urlencoded") || kind.starts_with("multipart/form-data") {
            false
        } else {
            !header_text(header::ACCEPT).is_some_and(|accept| accept.contains("text/html"))
        };
        let lang = request
            .uri()
            .query()
            .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("lang=")).map(str::to_string));
        Self { intake, lang, json }
    }

    fn answer(&self, error: &GovernorError) -> Response {
        let GovernorError::TooManyRequests { wait_time, .. } = error else {
            // The only other error is an unknown address, which a TCP connection always has.
            return (StatusCode::INTERNAL_SERVER_ERROR, [(header::CACHE_CONTROL, "no-store")]).into_response();
        };
        let refusal = intake::refusal(
            &self.intake,
            self.lang.as_deref(),
            self.json,
            StatusCode::TOO_MANY_REQUESTS,
            TEXT_KEY,
            TEXT_KEY,
        );
        let (mut parts, body) = refusal.into_parts();
        // Whole seconds, rounded down by the limiter: at least one, so "now" is never said.
        if let Ok(value) = HeaderValue::from_str(&(*wait_time).max(1).to_string()) {
            parts.headers.insert(header::RETRY_AFTER, value);
        }
        Response::from_parts(parts, Body::from(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_requests_per_period_or_off() {
        let limit = |requests: u32, seconds: u64| IntakeLimit::PerClient {
            requests: NonZeroU32::new(requests).unwrap(),
            per: Duration::from_secs(seconds),
        };
        assert_eq!(IntakeLimit::DEFAULT.parse(), Ok(limit(300, 300)));
        assert_eq!("20/60s".parse(), Ok(limit(20, 60)));
        assert_eq!("1000/1h".parse(), Ok(limit(1000, 3600)));
        assert_eq!("off".parse(), Ok(IntakeLimit::Off));
        for wrong in ["", "300", "0/5m", "300/0m", "300/5", "300/m", "-1/5m", "300/5d", "300/5 m", "300/5м"] {
            let error = wrong.parse::<IntakeLimit>().unwrap_err();
            assert!(error.contains("REQUESTS/PERIOD, e.g. 300/5m"), "{wrong}: {error}");
        }
    }

    #[test]
    fn a_client_past_its_budget_is_refused_while_others_are_not() {
        let limiter = Limiter::new("3/1h".parse().unwrap()).unwrap();
        let flooding: std::net::IpAddr = "127.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| limiter.allows(flooding)));
        assert!(!limiter.allows(flooding), "the fourth request within the hour");
        assert!(limiter.allows("127.0.0.3".parse().unwrap()), "another address has a budget of its own");
        assert!(Limiter::new(IntakeLimit::Off).is_none());
    }
}

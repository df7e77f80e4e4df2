//! The Lambda's log lines: one JSON object each, so that CloudWatch Logs Insights and metric
//! filters read fields instead of parsing text. Each line carries the request id of the
//! invocation it belongs to: the Lambda runtime opens a span per invocation
//! (`Lambda runtime invoke`, with `requestId`), and every line written inside it names that
//! span's fields under `span`. The lines hold what the code logs, which is never an
//! applicant's personal data or answers (see `tests/logs.rs`).

use lambda_http::tracing::subscriber::filter::LevelFilter;
use lambda_http::tracing::subscriber::fmt::MakeWriter;
use lambda_http::tracing::Subscriber;

/// A subscriber writing JSON lines at `level` and above to `writer` (standard output in
/// the Lambda, a buffer in tests).
pub fn json_logs<W>(writer: W, level: LevelFilter) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    lambda_http::tracing::subscriber::fmt()
        .json()
        // `message` and the event's own fields at the top level, beside `level` and `timestamp`.
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_max_level(level)
        .with_writer(writer)
        .finish()
}

/// Starts [`json_logs`] on standard output for the process, at the level Lambda's logging
/// controls set (`AWS_LAMBDA_LOG_LEVEL`), else `RUST_LOG`, else `INFO`: what each Lambda
/// binary of the project does first.
pub fn init_lambda_logs() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    lambda_http::tracing::subscriber::util::SubscriberInitExt::init(json_logs(std::io::stdout, level));
}

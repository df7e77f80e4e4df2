//! Between `lambda_http`'s request and response and the runtime-free [`crate::handle`].

use http::{Request, Response};
use lambda_http::{Body, RequestExt};

/// Turns an API Gateway request into the handler's: the body as bytes (base64 already
/// decoded by `lambda_http`), and the query string kept on the URI.
pub fn from_lambda(event: lambda_http::Request) -> Request<Vec<u8>> {
    let query = event.query_string_parameters();
    let (mut parts, body) = event.into_parts();
    if parts.uri.query().is_none() && !query.is_empty() {
        let pairs: Vec<(&str, &str)> = query.iter().collect();
        if let Ok(encoded) = serde_urlencoded::to_string(pairs) {
            if let Ok(uri) = format!("{}?{encoded}", parts.uri.path()).parse() {
                parts.uri = uri;
            }
        }
    }
    Request::from_parts(parts, body.to_vec())
}

pub fn to_lambda(response: Response<Vec<u8>>) -> Response<Body> {
    response.map(|bytes| match String::from_utf8(bytes) {
        Ok(text) if text.is_empty() => Body::Empty,
        Ok(text) => Body::Text(text),
        Err(err) => Body::Binary(err.into_bytes()),
    })
}

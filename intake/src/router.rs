//! The intake as one axum [`Router`]: the Lambda runs it through `lambda_http::run`, and the
//! generator's preview answers every request under the intake's path with it, so what the
//! rehearsal proves of the Lambda is what the preview runs.
//!
//! The router reads the body up to [`MAX_BODY`] and hands the request to the handler, which
//! knows the intake's two paths (`/api/applications` and its `/thanks` page) and answers
//! everything else with a 404 of its own, in JSON like its other refusals.

use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use store::Store;

use crate::handler::{answer, refuse_unless_through_the_distribution, Body, MAX_BODY};
use crate::intake::Intake;

/// What every request is answered with: the store, and the intake's rules and texts.
struct Shared<S> {
    store: Arc<S>,
    intake: Arc<Intake>,
}

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Self { store: Arc::clone(&self.store), intake: Arc::clone(&self.intake) }
    }
}

/// The intake on `store`: every path, method and body goes to the handler.
pub fn router<S: Store + 'static>(store: Arc<S>, intake: Arc<Intake>) -> Router {
    Router::new().fallback(respond::<S>).with_state(Shared { store, intake })
}

async fn respond<S: Store + 'static>(State(shared): State<Shared<S>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Before the body is read: a request that did not come through CloudFront costs nothing.
    if let Some(refused) = refuse_unless_through_the_distribution(&shared.intake, &parts) {
        return refused.map(AxumBody::from).into_response();
    }
    // A longer body is not read to its end: the handler refuses it from the length alone,
    // in the language the page asked for in its URL.
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => Body::Read(bytes.to_vec()),
        Err(_) => Body::TooLarge,
    };
    answer(shared.store.as_ref(), &shared.intake, &parts, body).await.map(AxumBody::from).into_response()
}

//! The preview's connections: hyper's HTTP/1 on each accepted socket, with a deadline for a
//! request's head. `axum::serve` gives hyper no timer, and without one a client that opens a
//! connection and sends nothing, or half a head, keeps it (and its task) forever.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::Service as _;

/// How long a client has to send a request's whole head. hyper starts the clock whenever it
/// waits for a head, so this is also how long an idle keep-alive connection stays open
/// between requests. Browsers send a head at once and open a new connection when an idle
/// one was closed; a page's live-reload wait is a request already read, so it is not cut.
pub(super) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers connections on `listener` with `app` until `stop` resolves, then lets the
/// requests in flight finish. Each request carries the client's address as axum's
/// `ConnectInfo`, which the intake's limit is keyed by.
pub(super) async fn serve(listener: TcpListener, app: axum::Router, stop: impl Future<Output = ()>) {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    let open = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    wait_after(&error).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = match make_service.call(client).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = open.watch(connection);
        // A connection's own error (a client that went away, a timed-out head) is its alone.
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    open.shutdown().await;
}

/// After a failed accept: nothing for a client that left before it was accepted; a pause
/// when the process is out of file descriptors or memory, so the loop does not spin.
async fn wait_after(error: &std::io::Error) {
    use std::io::ErrorKind;
    if !matches!(error.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

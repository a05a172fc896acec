//! The reference route of the external benchmark: `POST /bare`, JSON in (a validate body), JSON
//! out, nothing else, served through the server's own accept loop — what every route costs at
//! least.

use axum::routing::post;
use axum::{Json, Router};
use keyturn_protocol::wire::ValidateRequest;
use keyturn_server::http::serve;
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct BareOptions {
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

/// Serves `POST /bare` until SIGTERM; prints `KEYTURN_SERVER_LISTENING http://ADDR` first.
pub async fn run(opts: BareOptions) -> Result<(), String> {
    let shutdown = serve::shutdown_signal()?;
    let listener = listen_and_announce(opts.listen).await?;
    serve::serve_connections(listener, router(), Duration::from_secs(10), shutdown).await;
    Ok(())
}

/// Binds `addr` and prints `KEYTURN_SERVER_LISTENING http://ADDR` (what the scripts and the
/// webhook benchmark wait for), flushed.
pub async fn listen_and_announce(addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "KEYTURN_SERVER_LISTENING http://{addr}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(listener)
}

pub fn router() -> Router {
    Router::new().route(
        "/bare",
        post(|Json(req): Json<ValidateRequest>| async move {
            Json(json!({"valid": true, "code": "VALID", "fingerprint": req.fingerprint}))
        }),
    )
}

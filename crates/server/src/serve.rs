//! `keyturn-server serve`: bind, announce the address on stdout, serve until SIGTERM / ctrl-c.

use crate::clock::Clock;
use crate::ratelimit::RateLimiter;
use crate::routes::{self, AppState};
use crate::store::{Db, Sync};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// SQLite database file (created with its schema when missing).
    #[arg(long, env = "KEYTURN_DB")]
    pub db: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:8080 or 127.0.0.1:0 for any free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Bearer token of the admin API (without it the admin API answers 401).
    #[arg(long, env = "KEYTURN_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// Key look-ups allowed per second per client address (0 = unlimited).
    #[arg(long, default_value_t = 20.0)]
    pub rate_limit: f64,
    /// Burst of key look-ups allowed per client address.
    #[arg(long, default_value_t = 60)]
    pub rate_limit_burst: u32,
    /// Longest time a request may take, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Behind a reverse proxy: rate-limit by the right-most X-Forwarded-For address.
    #[arg(long)]
    pub trust_proxy: bool,
    /// Enables POST /admin/v1/test/clock to move the server's clock (tests only).
    #[arg(long)]
    pub test_clock: bool,
    /// Commit durability: full (fsync every commit, the default) or normal (survives a crash of
    /// the server process but not a power loss).
    #[arg(long, value_enum, default_value = "full")]
    pub sync: Sync,
}

pub fn build_state(opts: &ServeOptions) -> Result<AppState, String> {
    let db = Db::open(&opts.db, opts.sync).map_err(|e| format!("cannot open {}: {e}", opts.db.display()))?;
    Ok(AppState {
        store: Arc::new(db),
        clock: Arc::new(Clock::default()),
        limiter: Arc::new(RateLimiter::new(opts.rate_limit, opts.rate_limit_burst)),
        admin_token: opts.admin_token.as_deref().filter(|t| !t.is_empty()).map(Arc::from),
        test_clock: opts.test_clock,
        request_timeout: Duration::from_millis(opts.request_timeout_ms.max(1)),
        trust_proxy: opts.trust_proxy,
    })
}

pub async fn run(opts: ServeOptions) -> Result<(), String> {
    let state = build_state(&opts)?;
    // Install the signal handlers before announcing the address, so an early SIGTERM is clean.
    let shutdown = shutdown_signal()?;
    let listener =
        tokio::net::TcpListener::bind(opts.listen).await.map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "KEYTURN_SERVER_LISTENING http://{addr}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    tracing::info!(%addr, db = %opts.db.display(), admin_api = state.admin_token.is_some(), "listening");
    let app = routes::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// Registers SIGTERM and SIGINT now; the future resolves on either. 5 seconds after it resolved
/// the process exits even if connections are still open.
#[cfg(unix)]
pub fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        on_shutdown();
    })
}

#[cfg(not(unix))]
pub fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        on_shutdown();
    })
}

fn on_shutdown() {
    tracing::info!("shutting down");
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        tracing::warn!("connections still open after 5 s; exiting");
        std::process::exit(0);
    });
}

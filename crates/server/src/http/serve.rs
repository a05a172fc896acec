//! `keyturn-server serve`: bind, announce the address on stdout, serve until SIGTERM / ctrl-c.

use crate::clock::Clock;
use crate::http::ratelimit::RateLimiter;
use crate::http::{self, state::AppState};
use crate::store::{self, Sync};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// SQLite database file (created with its schema when missing), or a PostgreSQL URL
    /// `postgres://USER@HOST:PORT/DB` (several servers may share one).
    #[arg(long, env = "KEYTURN_DB")]
    pub db: String,
    /// Address to listen on, e.g. 127.0.0.1:8080 or 127.0.0.1:0 for any free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Bearer token of the admin API (without it the admin API answers 401).
    #[arg(long, env = "KEYTURN_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// Turn the root token off (staff accounts and API tokens only), even when one is set.
    #[arg(long, env = "KEYTURN_ROOT_TOKEN_OFF")]
    pub root_token_off: bool,
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
    /// A request head (request line and headers) must arrive within this many milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Enables POST /admin/v1/test/clock to move the server's clock (tests only).
    #[arg(long)]
    pub test_clock: bool,
    /// Commit durability: full (fsync every commit, the default) or normal (survives a crash of
    /// the server process but not a power loss).
    #[arg(long, value_enum, default_value = "full")]
    pub sync: Sync,
    /// Keep the event log to this many days (pruned at start and every hour; default: keep all).
    #[arg(long)]
    pub keep_events_days: Option<u32>,
    /// The address people reach this server at, e.g. https://license.example.com (behind a
    /// reverse proxy with TLS). With https, the console's and portal's session cookies are
    /// marked Secure.
    #[arg(long, env = "KEYTURN_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Stripe's webhook signing secret (`whsec_…`): turns on POST /v1/payments/stripe.
    #[arg(long, env = "KEYTURN_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Paddle Billing's notification secret key: turns on POST /v1/payments/paddle.
    #[arg(long, env = "KEYTURN_PADDLE_WEBHOOK_SECRET", hide_env_values = true)]
    pub paddle_webhook_secret: Option<String>,
    /// A price or product id of the provider and the policy a purchase of it gets,
    /// `PRICE=POLICY_ID` (repeat the flag; in the environment variable, comma-separated).
    #[arg(long = "payment-price", env = "KEYTURN_PAYMENT_PRICES", value_delimiter = ',', value_parser = crate::http::payments::parse_price)]
    pub payment_prices: Vec<(String, String)>,
    /// How far a Stripe event's signed timestamp may be from now, either way (seconds; Stripe's
    /// libraries allow 300). Further ones are refused as replays.
    #[arg(long, default_value_t = 300)]
    pub payment_tolerance_secs: i64,
    /// The same for Paddle Billing (its SDKs allow 5 seconds).
    #[arg(long, default_value_t = 5)]
    pub paddle_tolerance_secs: i64,
    /// Self-hosting: admin token file, metrics, log format (crate::ops).
    #[command(flatten)]
    pub ops: crate::ops::OpsOptions,
    /// The seal key file (crate::ops::seal_key).
    #[command(flatten)]
    pub seal: crate::ops::seal_key::SealKeyOptions,
    /// The purchase email (SMTP server, sender, template, the app's link scheme).
    #[command(flatten)]
    pub mail: crate::mail::MailOptions,
    /// The vendor's name, logo and accent colour in the customer portal.
    #[command(flatten)]
    pub portal: crate::http::portal::branding::BrandingOptions,
}

/// An http:// or https:// address with a host, without a trailing slash.
fn parse_public_url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or("give an http:// or https:// address, e.g. https://license.example.com")?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err("give the address with its host, e.g. https://license.example.com".into());
    }
    Ok(text.trim_end_matches('/').to_string())
}

pub async fn build_state(opts: &ServeOptions) -> Result<AppState, String> {
    let admin_token = opts.ops.admin_token(opts.admin_token.as_deref())?;
    let store = store::open_sealed(&opts.db, opts.sync, &opts.seal.setting()?).await?;
    let branding = Arc::new(crate::http::portal::branding::Branding::load(&opts.portal)?);
    Ok(AppState {
        branding,
        events: crate::events::EventLog::start(store.clone()),
        store,
        clock: Arc::new(Clock::default()),
        limiter: Arc::new(RateLimiter::new(opts.rate_limit, opts.rate_limit_burst)),
        admin_token: (!opts.root_token_off)
            .then(|| admin_token.as_deref().map(Arc::from))
            .flatten(),
        test_clock: opts.test_clock,
        request_timeout: Duration::from_millis(opts.request_timeout_ms.max(1)),
        trust_proxy: opts.trust_proxy,
        secure_cookies: opts.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        payments: Arc::new(crate::http::payments::Settings {
            stripe_secret: opts.stripe_webhook_secret.clone().filter(|s| !s.is_empty()),
            paddle_secret: opts.paddle_webhook_secret.clone().filter(|s| !s.is_empty()),
            config: Arc::new(crate::domain::payments::PaymentConfig {
                prices: opts.payment_prices.iter().cloned().collect(),
                email_keys: opts.mail.enabled(),
            }),
            tolerance_secs: opts.payment_tolerance_secs.max(1),
            paddle_tolerance_secs: opts.paddle_tolerance_secs.max(1),
        }),
    })
}

pub async fn run(opts: ServeOptions) -> Result<(), String> {
    let state = build_state(&opts).await?;
    // Install the signal handlers before announcing the address, so an early SIGTERM is clean.
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "KEYTURN_SERVER_LISTENING http://{addr}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    // A PostgreSQL URL may hold a password: name only the kind of store.
    let db = if store::postgres::is_url(&opts.db) {
        "postgres"
    } else {
        opts.db.as_str()
    };
    tracing::info!(%addr, db, admin_api = state.admin_token.is_some(), "listening");
    if opts.seal.seal_key_file.is_none() {
        tracing::warn!("{}", crate::ops::seal_key::NO_KEY_FILE_WARNING);
    }
    if let Some(days) = opts.keep_events_days {
        crate::events::retention::start(state.store.clone(), state.clock.clone(), days);
    }
    crate::events::delivery::start(state.store.clone(), state.clock.clone());
    store::key_refresh::start(state.store.clone());
    let portal = format!(
        "{}/portal",
        opts.public_url.clone().unwrap_or_else(|| format!("http://{addr}"))
    );
    if let Some(mailer) = crate::mail::worker::Mailer::from_options(&opts.mail, portal)? {
        crate::mail::worker::start(state.store.clone(), state.clock.clone(), mailer);
    }
    let events = state.events.clone();
    let app = crate::http::ops::serve_extras(&opts.ops, http::router(state.clone()), state).await?;
    serve_connections(
        listener,
        app,
        Duration::from_millis(opts.header_timeout_ms.max(1)),
        shutdown,
    )
    .await;
    events.flush().await;
    tracing::info!("stopped");
    Ok(())
}

/// The accept loop: HTTP/1.1 via hyper, each request tagged with its peer address
/// (`ConnectInfo`), request heads that do not arrive within `header_timeout` end their
/// connection (slow-loris), and on shutdown the open connections finish their requests (5 s at
/// most).
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => tracing::warn!("connections still open after 5 s"),
    }
}

/// Registers SIGTERM and SIGINT now; the future resolves on either. 10 seconds after it resolved
/// the process exits whatever is still running.
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
        tokio::time::sleep(Duration::from_secs(10)).await;
        tracing::warn!("still running 10 s after the shutdown signal; exiting");
        crate::http::log_sink::flush();
        std::process::exit(0);
    });
}

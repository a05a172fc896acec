//! `keyturn-server-bench webhooks`: what webhooks cost, measured in one run against references
//! of the same run.
//!
//! * Deliveries per second: events already in the log, delivered by the server's worker to a
//!   local receiver (axum, answers 204), against the rate one client posting the same bodies one
//!   after the other reaches on the same receiver (the ceiling of in-order delivery).
//! * Activation throughput with one endpoint subscribed to everything (its worker delivering
//!   meanwhile) against none: two servers side by side, measured in alternating slices (one
//!   round plain first, the next subscribed first). A subscribed slice lasts until the receiver
//!   got every event of it: the time its worker needs to catch up counts against it.
//!
//! The receiver is a process of its own ([`crate::receiver`]), as a vendor's is; on this machine
//! it still shares the cores with the servers and the load.

use crate::load::{load, merge, named, serve_options, PhaseResult, Sample};
use crate::receiver::Receiver;
use keyturn_server::clock::system_now;
use keyturn_server::domain::events::Event;
use keyturn_server::domain::webhooks::NewEndpoint;
use keyturn_server::http::{self, serve::build_state};
use keyturn_server::store::Sync;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct WebhookBenchOptions {
    /// A short run for CI.
    #[arg(long)]
    pub short: bool,
    /// Events delivered in the delivery phase (default 20000, 4000 with --short).
    #[arg(long)]
    pub events: Option<usize>,
    /// Seconds of activation load per server (default 6, 2 with --short).
    #[arg(long)]
    pub duration_secs: Option<f64>,
    /// Concurrent connections of the activation load.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    #[arg(long, value_enum, default_value = "full")]
    pub sync: Sync,
}

/// A server (router and delivery worker) on a runtime of its own, like `serve`.
async fn server(db: &str, sync: Sync) -> Result<(SocketAddr, Arc<dyn keyturn_server::store::Store>), String> {
    let state = build_state(&serve_options(db, sync)).await?;
    let store = state.store.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            keyturn_server::events::delivery::start(state.store.clone(), state.clock.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().unwrap()).unwrap();
            http::serve::serve_connections(
                listener,
                http::router(state),
                Duration::from_secs(10),
                std::future::pending::<()>(),
            )
            .await;
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "bench server did not start")?;
    Ok((addr, store))
}

async fn subscribe(store: &Arc<dyn keyturn_server::store::Store>, url: &str) -> Result<(), String> {
    let new = NewEndpoint {
        url: url.into(),
        event_types: vec!["*".into()],
        secret: None,
    };
    store
        .create_webhook(system_now(), new)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

pub async fn run(opts: WebhookBenchOptions) -> Result<(), String> {
    let events = opts.events.unwrap_or(if opts.short { 4_000 } else { 20_000 });
    let phase = Duration::from_secs_f64(
        opts.duration_secs
            .unwrap_or(if opts.short { 2.0 } else { 6.0 })
            .max(0.4),
    );
    let dir = std::env::temp_dir().join(format!("keyturn-webhook-bench-{}-{}", std::process::id(), system_now()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let _cleanup = Cleanup(dir.clone());
    let receiver = Receiver::start()?;
    let url = receiver.url();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()
        .map_err(|e| e.to_string())?;

    // Reference: one client posting event-sized bodies one after the other.
    let sample = json!({"delivery_id": 1, "type": "activate", "event": {"id": 1, "at": system_now(), "action": "activate",
        "outcome": "OK", "license_id": "lic_0123456789abcdefghjk", "activation_id": "act_0123456789abcdefghjk",
        "actor": "client 127.0.0.1", "detail": "device \"bench\" (linux-x86_64)"}});
    let reference_run = |http: reqwest::Client| {
        let (url, sample) = (url.clone(), sample.clone());
        async move { load(&http, &url, 1, phase / 4, 204, move |_, _| sample.clone()).await }
    };
    let before_run = reference_run(http.clone()).await;

    // Deliveries: the events are in the log first, then the worker delivers them.
    let db = dir.join("deliver.db");
    let _keys = crate::seed::licenses_for_load(&db.to_string_lossy(), 1).await?;
    let state = build_state(&serve_options(&db.to_string_lossy(), opts.sync)).await?;
    subscribe(&state.store, &url).await?;
    let now = system_now();
    for chunk in (0..events).collect::<Vec<_>>().chunks(1000) {
        let batch = chunk
            .iter()
            .map(|i| Event::new(now, "activate", "bench").detail(format!("event {i}")))
            .collect();
        state.store.append_events(batch).await.map_err(|e| e.to_string())?;
    }
    let before = receiver.count(&http).await?;
    let started = Instant::now();
    keyturn_server::events::delivery::start(state.store.clone(), state.clock.clone());
    // (Subscribing through the store writes no event: the receiver gets exactly these.)
    delivered(&receiver, &http, before + events, Duration::from_secs(600)).await?;
    let delivered_rate = events as f64 / started.elapsed().as_secs_f64();
    // The reference before and after the deliveries, so a change of load on the machine weighs alike.
    let after_run = reference_run(http.clone()).await;
    let reference_rate = (before_run.latencies_us.len() + after_run.latencies_us.len()) as f64
        / (before_run.elapsed + after_run.elapsed).max(1e-9);

    // Activations: a server without endpoints and one with an endpoint for every event.
    let (plain_db, hooked_db) = (dir.join("plain.db"), dir.join("hooked.db"));
    let plain_keys = crate::seed::licenses_for_load(&plain_db.to_string_lossy(), 64).await?;
    let hooked_keys = crate::seed::licenses_for_load(&hooked_db.to_string_lossy(), 64).await?;
    let (plain, _) = server(&plain_db.to_string_lossy(), opts.sync).await?;
    let (hooked, hooked_store) = server(&hooked_db.to_string_lossy(), opts.sync).await?;
    subscribe(&hooked_store, &url).await?;
    const SLICES: u32 = 6;
    let slice = phase / SLICES;
    let (mut plain_r, mut hooked_r, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut caught_up = Duration::ZERO;
    let mut receiver_cpu = 0.0f64;
    let mut sent = receiver.count(&http).await?;
    for round in 0..SLICES {
        let mut rates = [0.0f64; 2];
        for subscribed in [round % 2 == 1, round % 2 == 0] {
            let (addr, keys) = if subscribed {
                (hooked, &hooked_keys)
            } else {
                (plain, &plain_keys)
            };
            let keys = keys.clone();
            let url = format!("http://{addr}/v1/activations");
            let cpu_before = receiver.cpu_time();
            let mut sample = load(&http, &url, opts.concurrency, slice, 201, move |task, i| {
                json!({"key": keys[task % keys.len()], "fingerprint": format!("b-{round}-{task}-{i}"), "name": "bench", "platform": "linux-x86_64"})
            })
            .await;
            if subscribed {
                // Until every event of the slice is delivered (each request wrote one).
                let started = Instant::now();
                sent += sample.latencies_us.len();
                delivered(&receiver, &http, sent, Duration::from_secs(120)).await?;
                sample.elapsed += started.elapsed().as_secs_f64();
                caught_up += started.elapsed();
                if let (Some(before), Some(after)) = (cpu_before, receiver.cpu_time()) {
                    receiver_cpu += (after - before).as_secs_f64();
                }
            }
            rates[usize::from(subscribed)] = rate(&sample);
            if subscribed { &mut hooked_r } else { &mut plain_r }.push(sample);
        }
        ratios.push(rates[1] / rates[0].max(1e-9));
    }
    ratios.sort_by(f64::total_cmp);
    let median = (ratios[ratios.len() / 2] + ratios[(ratios.len() - 1) / 2]) / 2.0;
    let results: Vec<PhaseResult> = vec![
        named("activate, no endpoint", merge(plain_r)),
        named("activate, 1 endpoint (*)", merge(hooked_r)),
    ];
    println!(
        "keyturn-server webhooks bench: sync={:?}, 127.0.0.1, {} build, {} cores",
        opts.sync,
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "deliveries: {events} events in order to one endpoint: {delivered_rate:.0}/s; one client posting one after the \
         other: {reference_rate:.0}/s ({:.0}% of it)",
        100.0 * delivered_rate / reference_rate.max(1e-9)
    );
    for r in &results {
        println!(
            "{:<26} {:>8} req  {:>8} errors  {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
            r.name, r.requests, r.errors, r.per_sec, r.p50_ms, r.p99_ms
        );
    }
    println!(
        "activation throughput with an endpoint for every event: {:.0}% of none (goal: at least 90%); median of the \
         {SLICES} rounds' ratios {:.0}%; its worker caught up {:.0} ms after a slice on average (counted)",
        100.0 * results[1].per_sec / results[0].per_sec.max(1e-9),
        100.0 * median,
        caught_up.as_secs_f64() * 1000.0 / f64::from(SLICES)
    );
    // The receiver stands for the vendor's machine: the CPU it took from the servers here.
    let hooked_wall: f64 = results[1].requests as f64 / results[1].per_sec.max(1e-9);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    println!(
        "the receiver (a process of its own) used {:.2} CPU-seconds in the subscribed slices' {:.2} s = {:.0}% of \
         the {cores} cores",
        receiver_cpu,
        hooked_wall,
        100.0 * receiver_cpu / (hooked_wall * cores).max(1e-9)
    );
    let errors: usize = results.iter().map(|r| r.errors).sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed"));
    }
    Ok(())
}

fn rate(sample: &Sample) -> f64 {
    sample.latencies_us.len() as f64 / sample.elapsed.max(1e-9)
}

/// Waits until the receiver got `total` deliveries.
async fn delivered(receiver: &Receiver, http: &reqwest::Client, total: usize, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    while receiver.count(http).await? < total {
        if started.elapsed() > limit {
            return Err(format!("the receiver did not get {total} deliveries in {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

//! `keyturn-server-bench load`: load benchmark of validate and activate over real HTTP on 127.0.0.1,
//! with a bare axum route (JSON in, JSON out, nothing else) measured in the same run as the
//! reference. The servers run in this process on their own runtime; the load comes from many
//! concurrent keep-alive connections on another.

use axum::routing::post;
use axum::{Json, Router};
use keyturn_protocol::wire::ValidateRequest;
use keyturn_server::clock::system_now;
use keyturn_server::http;
use keyturn_server::http::serve::{build_state, ServeOptions};
use keyturn_server::store::Sync;
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchOptions {
    /// A short run for CI (about 1.5 s per phase, well under 30 s in all).
    #[arg(long)]
    pub short: bool,
    /// Seconds per phase (default 5, or 1.5 with --short).
    #[arg(long)]
    pub duration_secs: Option<f64>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Commit durability of the benchmarked server.
    #[arg(long, value_enum, default_value = "full")]
    pub sync: Sync,
    /// Also print the figures as one JSON line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PhaseResult {
    pub name: String,
    pub requests: usize,
    pub errors: usize,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `serve`'s options for a benchmarked server on `db`: any port, no admin token, no rate
/// limit, 30 s request timeout (parsed like the command line, so every other option keeps its
/// default).
pub(crate) fn serve_options(db: &str, sync: Sync) -> ServeOptions {
    #[derive(clap::Parser)]
    struct Serve {
        #[command(flatten)]
        options: ServeOptions,
    }
    let sync = match sync {
        Sync::Full => "full",
        Sync::Normal => "normal",
    };
    let args = [
        "serve",
        "--db",
        db,
        "--listen",
        "127.0.0.1:0",
        "--rate-limit",
        "0",
        "--request-timeout-ms",
        "30000",
        "--sync",
        sync,
    ];
    <Serve as clap::Parser>::parse_from(args).options
}

/// Licenses the activations spread over.
const LICENSES: usize = 64;

pub async fn run(opts: BenchOptions) -> Result<(), String> {
    let secs = opts.duration_secs.unwrap_or(if opts.short { 1.5 } else { 5.0 });
    let phase = Duration::from_secs_f64(secs.max(0.2));
    let dir = TempDir(std::env::temp_dir().join(format!("keyturn-bench-{}-{}", std::process::id(), system_now())));
    std::fs::create_dir_all(&dir.0).map_err(|e| e.to_string())?;
    let db = dir.0.join("bench.db");

    // Seed: a product, a policy with room for every activation, licenses with no device yet.
    let keys = crate::seed::licenses_for_load(&db.to_string_lossy(), LICENSES).await?;

    let opts_serve = serve_options(&db.to_string_lossy(), opts.sync);
    let state = build_state(&opts_serve).await?;
    let (real, bare) = start_servers(state)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let key = keys[0].clone();

    // Bind the validating device once.
    let resp = http
        .post(format!("http://{real}/v1/activations"))
        .json(&json!({"key": key, "fingerprint": "bench-device"}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 201 {
        return Err(format!("seed activation failed: {}", resp.status()));
    }

    let validate_body = json!({"key": key, "fingerprint": "bench-device"});
    // Warm-up (connections, caches), not measured.
    for url in [format!("http://{bare}/bare"), format!("http://{real}/v1/validate")] {
        let b = validate_body.clone();
        load(
            &http,
            &url,
            opts.concurrency,
            Duration::from_millis(300),
            200,
            move |_, _| b.clone(),
        )
        .await;
    }

    // Bare route and validate alternate in slices, so a change of load on the machine during
    // the run weighs on both alike.
    const SLICES: u32 = 4;
    let slice = phase / SLICES;
    let (mut bare_r, mut validate_r) = (Vec::new(), Vec::new());
    for _ in 0..SLICES {
        bare_r.push(
            load(&http, &format!("http://{bare}/bare"), opts.concurrency, slice, 200, {
                let b = validate_body.clone();
                move |_, _| b.clone()
            })
            .await,
        );
        validate_r.push(
            load(
                &http,
                &format!("http://{real}/v1/validate"),
                opts.concurrency,
                slice,
                200,
                {
                    let b = validate_body.clone();
                    move |_, _| b.clone()
                },
            )
            .await,
        );
    }
    let mut results = vec![
        named("bare axum route", merge(bare_r)),
        named("validate", merge(validate_r)),
    ];
    // Activations spread over the licenses (each task keeps to one), new devices each time.
    let activate_r = load(
        &http,
        &format!("http://{real}/v1/activations"),
        opts.concurrency,
        phase,
        201,
        move |task, i| {
            let key = &keys[task % keys.len()];
            json!({"key": key, "fingerprint": format!("bench-{task}-{i}"), "name": "bench", "platform": "linux-x86_64"})
        },
    )
    .await;
    results.push(named("activate (new device)", merge(vec![activate_r])));
    // (validate: one license and bound device; activate: 64 licenses, a new device each request.)

    let bare_rate = results[0].per_sec.max(1e-9);
    let load_avg = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(String::from));
    println!(
        "keyturn-server bench: {} connections, {:.1} s per phase (bare and validate alternate in {SLICES} slices), \
         sync={:?}, 127.0.0.1, {} build, {} cores, load average {}",
        opts.concurrency,
        phase.as_secs_f64(),
        opts.sync,
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_avg.as_deref().unwrap_or("?")
    );
    println!(
        "{:<24} {:>10} {:>8} {:>12} {:>9} {:>9} {:>8}",
        "phase", "requests", "errors", "req/s", "p50 ms", "p99 ms", "vs bare"
    );
    for r in &results {
        println!(
            "{:<24} {:>10} {:>8} {:>12.0} {:>9.2} {:>9.2} {:>7.0}%",
            r.name,
            r.requests,
            r.errors,
            r.per_sec,
            r.p50_ms,
            r.p99_ms,
            100.0 * r.per_sec / bare_rate
        );
    }
    if opts.json {
        println!(
            "{}",
            json!({"phases": results, "validate_vs_bare": results[1].per_sec / bare_rate})
        );
    }
    let errors: usize = results.iter().map(|r| r.errors).sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed"));
    }
    Ok(())
}

pub(crate) fn named(
    name: &str,
    (requests, errors, per_sec, p50_ms, p99_ms): (usize, usize, f64, f64, f64),
) -> PhaseResult {
    PhaseResult {
        name: name.into(),
        requests,
        errors,
        per_sec,
        p50_ms,
        p99_ms,
    }
}

/// Serves the real router and the bare route on a runtime of their own (2 workers).
pub(crate) fn start_servers(state: http::AppState) -> Result<(SocketAddr, SocketAddr), String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let real = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send((real.local_addr().unwrap(), bare.local_addr().unwrap()))
                .unwrap();
            let app = http::router(state);
            let bare_app = Router::new().route(
                "/bare",
                post(|Json(req): Json<ValidateRequest>| async move {
                    Json(json!({"valid": true, "code": "VALID", "fingerprint": req.fingerprint}))
                }),
            );
            let a = tokio::spawn(http::serve::serve_connections(
                real,
                app,
                Duration::from_secs(10),
                std::future::pending::<()>(),
            ));
            let b = tokio::spawn(async move { axum::serve(bare, bare_app).await });
            let _ = tokio::join!(a, b);
        });
    });
    rx.recv_timeout(Duration::from_secs(10))
        .map_err(|_| "bench servers did not start".to_string())
}

/// What one load run measured.
pub(crate) struct Sample {
    pub(crate) latencies_us: Vec<u32>,
    pub(crate) errors: usize,
    pub(crate) elapsed: f64,
}

/// Merges runs: (requests, errors, req/s, p50 ms, p99 ms).
pub(crate) fn merge(samples: Vec<Sample>) -> (usize, usize, f64, f64, f64) {
    let elapsed: f64 = samples.iter().map(|s| s.elapsed).sum();
    let errors = samples.iter().map(|s| s.errors).sum();
    let mut all: Vec<u32> = samples.into_iter().flat_map(|s| s.latencies_us).collect();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let idx = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        f64::from(all[idx]) / 1000.0
    };
    (
        all.len(),
        errors,
        all.len() as f64 / elapsed.max(1e-9),
        pct(0.50),
        pct(0.99),
    )
}

/// `concurrency` tasks post bodies for `duration`.
pub(crate) async fn load<F>(
    http: &reqwest::Client,
    url: &str,
    concurrency: usize,
    duration: Duration,
    expect: u16,
    body: F,
) -> Sample
where
    F: Fn(usize, usize) -> serde_json::Value + Clone + Send + std::marker::Sync + 'static,
{
    let started = Instant::now();
    let end = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for task in 0..concurrency {
        let (http, url, body) = (http.clone(), url.to_string(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0usize;
            let mut i = 0;
            while Instant::now() < end {
                let t = Instant::now();
                let ok = match http.post(&url).json(&body(task, i)).send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        resp.bytes().await.is_ok() && status == expect
                    }
                    Err(_) => false,
                };
                latencies.push(t.elapsed().as_micros() as u32);
                if !ok {
                    errors += 1;
                }
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    Sample {
        latencies_us: all,
        errors,
        elapsed: started.elapsed().as_secs_f64(),
    }
}

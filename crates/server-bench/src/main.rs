//! `keyturn-server-bench`: the license server's benchmarks, kept out of the server binary.
//!
//! * `load`: validate and activate over real HTTP against a bare route, in one process.
//! * `seed`: a database for the external (wrk) benchmarks, SQLite or PostgreSQL.
//! * `seed-floating`: a database for the floating-seat benchmark (10,000 live leases vs 1).
//! * `seed-licenses`: many licenses for the license-list benchmark, SQLite or PostgreSQL.
//! * `bare`: the reference route the wrk benchmarks compare with.
//! * `webhooks`: deliveries per second, and activations with an endpoint against none.

mod bare;
mod load;
mod receiver;
mod seed;
mod seed_floating;
mod seed_licenses;
mod webhooks;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "keyturn-server-bench", about = "Benchmarks of the Keyturn license server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load benchmark: validate and activate against a bare axum route, in one process.
    Load(load::BenchOptions),
    /// For the external benchmark: a database with a 1-seat and an N-seat license (prints their keys).
    Seed(seed::SeedOptions),
    /// For the floating-seat benchmark: a 1-seat and an N-seat floating license, every seat
    /// leased (prints their keys and the benchmark device's lease ids).
    SeedFloating(seed_floating::SeedFloatingOptions),
    /// For the license-list benchmark: many licenses of varied owners, states and expiries.
    SeedLicenses(seed_licenses::SeedLicensesOptions),
    /// For the external benchmark: serve only the bare reference route `POST /bare`.
    Bare(bare::BareOptions),
    /// Webhooks: deliveries per second to a local receiver; activations with an endpoint vs none.
    Webhooks(webhooks::WebhookBenchOptions),
    /// The webhook benchmark's receiver (started by `webhooks`, a process of its own).
    #[command(hide = true)]
    WebhookReceiver,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Load(opts) => load::run(opts).await,
            Command::Seed(opts) => seed::seed(&opts).await.map(|keys| print!("{keys}")),
            Command::SeedFloating(opts) => seed_floating::seed(&opts).await.map(|keys| print!("{keys}")),
            Command::SeedLicenses(opts) => seed_licenses::seed(&opts).await.map(|done| print!("{done}")),
            Command::Bare(opts) => bare::run(opts).await,
            Command::Webhooks(opts) => webhooks::run(opts).await,
            Command::WebhookReceiver => receiver::run().await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

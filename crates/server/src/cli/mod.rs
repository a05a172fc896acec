//! The `keyturn-server` command line. Admin commands work directly on the database (a SQLite
//! file or a PostgreSQL URL; also while servers run on it) through the same [`Store`] as the
//! server, each change in one transaction.
//!
//! stdout carries only the answer (an id, a key, the public key, JSON for lists); messages and
//! errors go to stderr. Exit status 1 on an error, 2 on a usage error.

pub mod event_log;

use crate::clock::system_now;
use crate::domain::admin::{Extend, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::model::FingerprintRule;
use crate::domain::model::{Matching, Uniqueness};
use crate::domain::page::Page;
use crate::events::{self, Event};
use crate::http::serve::{self, ServeOptions};
use crate::store::{self, Store};
use clap::{Args, Parser, Subcommand};
use keyturn_protocol::token::public_key_to_string;
use keyturn_protocol::wire::LicenseStatus;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "keyturn-server", version, about = "Keyturn license server and admin CLI")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the client endpoints and the admin API.
    Serve(ServeOptions),
    /// Print the token signing public key (for vendors to pin in their app).
    PublicKey(DbArg),
    /// Products.
    #[command(subcommand)]
    Product(ProductCmd),
    /// Policies.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Licenses.
    #[command(subcommand)]
    License(LicenseCmd),
    /// Fingerprint block and allow lists.
    #[command(subcommand)]
    Fingerprint(FingerprintCmd),
    /// Print a page of the event log (JSON, newest first).
    Events(crate::cli::event_log::EventsArgs),
    /// Remove events older than some days (prints how many); `serve --keep-events-days` does it hourly.
    PruneEvents(crate::cli::event_log::PruneArgs),
    /// Seed the demo product (id `demo`) and print its keys (idempotent).
    Demo(DbArg),
}

#[derive(Args, Clone)]
pub struct DbArg {
    /// SQLite database file or PostgreSQL URL (`postgres://…`).
    #[arg(long, env = "KEYTURN_DB")]
    pub db: String,
}

#[derive(Subcommand)]
pub enum ProductCmd {
    /// Create a product; prints its id.
    Create {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        name: String,
        /// Choose the id (1-64 of A-Z a-z 0-9 _ -); random when absent.
        #[arg(long)]
        id: Option<String>,
    },
    /// List products (JSON).
    List(DbArg),
}

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// Create a policy; prints its id.
    Create {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        product: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        max_machines: u32,
        #[arg(long, value_enum, ignore_case = true, default_value = "PER_LICENSE")]
        uniqueness: Uniqueness,
        #[arg(long, value_enum, ignore_case = true, default_value = "EXACT")]
        matching: Matching,
        /// With FUZZY matching: how many component hashes must match to re-bind (default 2).
        #[arg(long)]
        fuzzy_min: Option<u32>,
        /// Seconds between renewals (default 7 days).
        #[arg(long)]
        renew_interval: Option<i64>,
        /// Seconds of grace after a missed renewal (default 7 days).
        #[arg(long)]
        grace: Option<i64>,
        /// Licenses expire this many seconds after creation (default: never).
        #[arg(long)]
        duration: Option<i64>,
        /// Seconds a device activated without internet (customer portal) needs no renewal
        /// (default 365 days).
        #[arg(long)]
        offline_lease: Option<i64>,
        /// Whether activations from virtual machines are allowed.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        allow_vm: bool,
        /// This is the product's trial policy (POST /v1/trials).
        #[arg(long)]
        trial: bool,
    },
    /// List policies (JSON).
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        product: Option<String>,
    },
}

#[derive(Args, Clone)]
pub struct LicenseArg {
    #[command(flatten)]
    pub db: DbArg,
    /// License id (lic_…) or key.
    #[arg(long)]
    pub license: String,
}

#[derive(Subcommand)]
pub enum LicenseCmd {
    /// Create a license; prints its key (the only time it is shown).
    Create {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        policy: String,
        #[arg(long, default_value = "")]
        owner_name: String,
        #[arg(long, default_value = "")]
        owner_email: String,
        /// Repeatable.
        #[arg(long = "entitlement")]
        entitlements: Vec<String>,
        /// Repeatable KEY=VALUE.
        #[arg(long = "meta", value_parser = parse_meta)]
        metadata: Vec<(String, String)>,
        /// Unix seconds; overrides the policy's duration.
        #[arg(long)]
        expires_at: Option<i64>,
        /// Print `{"id":…,"key":…}` instead of the bare key.
        #[arg(long)]
        json: bool,
    },
    /// List licenses (JSON; keys are shown only by their first group).
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        product: Option<String>,
    },
    /// Show one license (JSON).
    Show(LicenseArg),
    Suspend(LicenseArg),
    Reinstate(LicenseArg),
    Revoke(LicenseArg),
    /// Move the expiry: --secs N (from the later of now and the current expiry), --expires-at T, or --never.
    Extend {
        #[command(flatten)]
        license: LicenseArg,
        #[arg(long)]
        secs: Option<i64>,
        #[arg(long)]
        expires_at: Option<i64>,
        #[arg(long)]
        never: bool,
    },
    /// Remove every machine bound to the license; prints how many.
    Reset(LicenseArg),
    /// One page of the machines bound to the license (JSON `{machines, total, next}`).
    Machines {
        #[command(flatten)]
        license: LicenseArg,
        /// Machines per page (1-500).
        #[arg(long)]
        limit: Option<u32>,
        /// The `next` of the previous page.
        #[arg(long)]
        after: Option<String>,
    },
    /// Remove one machine from the license.
    RemoveMachine {
        #[command(flatten)]
        license: LicenseArg,
        #[arg(long)]
        machine: String,
    },
}

#[derive(Args, Clone)]
pub struct FingerprintArg {
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long)]
    pub product: String,
    #[arg(long)]
    pub fingerprint: String,
}

#[derive(Subcommand)]
pub enum FingerprintCmd {
    /// Refuse this device (FINGERPRINT_BLOCKED).
    Block(FingerprintArg),
    /// Allow this device: replaces a block and exempts it from a policy's VM refusal.
    Allow(FingerprintArg),
    /// Remove the device's block or allow rule.
    Clear(FingerprintArg),
}

fn parse_meta(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| "expected KEY=VALUE".into())
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve(_));
    init_tracing(if serving { "info" } else { "warn" });
    let result = run(cli.command);
    crate::http::log_sink::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYTURN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::http::log_sink::Stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    // Log lines gathered before a panic come before its message.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::http::log_sink::flush();
        report(info);
    }));
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Opens the store and runs `f` on it (one change is one transaction).
/// The actor of every change made with the CLI.
const CLI: &str = "cli";

/// Records a change made with the CLI in the event log (after the change: a separate transaction).
async fn log(store: &Arc<dyn Store>, event: Event) -> ApiResult<()> {
    store.append_events(vec![event]).await
}

pub(crate) fn with_store<T, F>(db: &DbArg, f: impl FnOnce(Arc<dyn Store>) -> F) -> Result<T, String>
where
    F: std::future::Future<Output = ApiResult<T>>,
{
    runtime()?.block_on(async {
        let store = store::open(&db.db, store::Sync::Full).await?;
        let out = f(store.clone()).await.map_err(describe);
        // Running servers see what this command changed before it returns.
        store.settle().await.map_err(describe)?;
        out
    })
}

fn describe(e: ApiError) -> String {
    let body = e.body();
    match e {
        ApiError::Store(e) => format!("database error: {e}"),
        ApiError::Internal(e) => format!("internal error: {e}"),
        ApiError::Coded { .. } => format!("{}: {}", body.code, body.message),
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(value).map_err(|e| e.to_string())?);
    Ok(())
}

pub fn run(command: Command) -> Result<(), String> {
    let now = system_now();
    match command {
        Command::Serve(opts) => runtime()?.block_on(serve::run(opts)),
        Command::PublicKey(db) => {
            let key = with_store(&db, |s| async move {
                Ok(public_key_to_string(&s.secrets().signing_key.verifying_key()))
            })?;
            println!("{key}");
            Ok(())
        }
        Command::Events(args) => print_json(&crate::cli::event_log::page(args)?),
        Command::PruneEvents(args) => {
            println!("{}", crate::cli::event_log::prune(args)?);
            Ok(())
        }
        Command::Demo(db) => {
            let keys = with_store(&db, |s| async move { s.demo(now).await })?;
            print!("{}", crate::domain::demo::table(&keys));
            Ok(())
        }
        Command::Product(ProductCmd::Create { db, name, id }) => {
            let product = with_store(
                &db,
                |s| async move { s.create_product(now, NewProduct { name, id }).await },
            )?;
            println!("{}", product.id);
            Ok(())
        }
        Command::Product(ProductCmd::List(db)) => print_json(&with_store(&db, |s| async move { s.products().await })?),
        Command::Policy(PolicyCmd::Create {
            db,
            product,
            name,
            max_machines,
            uniqueness,
            matching,
            fuzzy_min,
            renew_interval,
            grace,
            duration,
            offline_lease,
            allow_vm,
            trial,
        }) => {
            let new = NewPolicy {
                product_id: product,
                name,
                max_machines,
                uniqueness,
                matching,
                fuzzy_min,
                renew_interval_secs: renew_interval,
                grace_secs: grace,
                duration_secs: duration,
                offline_lease_secs: offline_lease,
                allow_vm,
                trial,
            };
            let policy = with_store(&db, |s| async move { s.create_policy(now, new).await })?;
            println!("{}", policy.id);
            Ok(())
        }
        Command::Policy(PolicyCmd::List { db, product }) => {
            print_json(&with_store(&db, |s| async move { s.policies(product).await })?)
        }
        Command::License(cmd) => license(cmd, now),
        Command::Fingerprint(cmd) => {
            let (arg, rule) = match cmd {
                FingerprintCmd::Block(a) => (a, Some(FingerprintRule::Block)),
                FingerprintCmd::Allow(a) => (a, Some(FingerprintRule::Allow)),
                FingerprintCmd::Clear(a) => (a, None),
            };
            let action = match rule {
                Some(FingerprintRule::Block) => "block_fingerprint",
                Some(FingerprintRule::Allow) => "allow_fingerprint",
                None => "clear_fingerprint",
            };
            let detail = events::fingerprint_detail(&arg.product, &arg.fingerprint);
            with_store(&arg.db, |s| async move {
                s.set_fingerprint_rule(now, arg.product, arg.fingerprint, rule).await?;
                log(&s, Event::new(now, action, CLI).detail(detail)).await
            })
        }
    }
}

fn license(cmd: LicenseCmd, now: i64) -> Result<(), String> {
    match cmd {
        LicenseCmd::Create {
            db,
            policy,
            owner_name,
            owner_email,
            entitlements,
            metadata,
            expires_at,
            json,
        } => {
            let new = NewLicense {
                policy_id: policy,
                owner_name,
                owner_email,
                entitlements,
                metadata: metadata.into_iter().collect(),
                expires_at,
            };
            let (license, key) = with_store(&db, |s| async move {
                let (license, key) = s.create_license(now, new).await?;
                log(&s, Event::new(now, "create_license", CLI).license(&license.license.id)).await?;
                Ok((license, key))
            })?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"id": license.license.id, "key": key.to_string()})
                );
            } else {
                println!("{key}");
            }
            Ok(())
        }
        LicenseCmd::List { db, product } => print_json(&with_store(&db, |s| async move { s.licenses(product).await })?),
        LicenseCmd::Show(a) => print_json(&with_store(&a.db, |s| async move { s.license(a.license).await })?),
        LicenseCmd::Suspend(a) => set_status(a, LicenseStatus::Suspended, now),
        LicenseCmd::Reinstate(a) => set_status(a, LicenseStatus::Active, now),
        LicenseCmd::Revoke(a) => set_status(a, LicenseStatus::Revoked, now),
        LicenseCmd::Extend {
            license: a,
            secs,
            expires_at,
            never,
        } => {
            let how = Extend {
                secs,
                expires_at,
                never,
            };
            let view = with_store(&a.db, |s| async move {
                let view = s.extend(now, a.license, how).await?;
                let detail = events::expiry_detail(view.license.expires_at);
                log(
                    &s,
                    Event::new(now, "extend", CLI).license(&view.license.id).detail(detail),
                )
                .await?;
                Ok(view)
            })?;
            let expiry = view.license.expires_at;
            println!("{}", expiry.map_or_else(|| "never".to_string(), |e| e.to_string()));
            Ok(())
        }
        LicenseCmd::Reset(a) => {
            let n = with_store(&a.db, |s| async move {
                let id = s.license(a.license).await?.license.id;
                let n = s.reset(id.clone()).await?;
                let event = Event::new(now, "reset", CLI).license(id);
                log(&s, event.detail(format!("{n} machines removed"))).await?;
                Ok(n)
            })?;
            println!("{n}");
            Ok(())
        }
        LicenseCmd::Machines {
            license: a,
            limit,
            after,
        } => {
            let page = Page::parse(limit, after.as_deref()).map_err(describe)?;
            print_json(&with_store(&a.db, |s| async move {
                s.license_machines(a.license, page).await
            })?)
        }
        LicenseCmd::RemoveMachine { license: a, machine } => with_store(&a.db, |s| async move {
            let id = s.license(a.license).await?.license.id;
            s.remove_machine(id.clone(), machine.clone()).await?;
            log(
                &s,
                Event::new(now, "remove_machine", CLI).license(id).activation(machine),
            )
            .await
        }),
    }
}

fn set_status(a: LicenseArg, status: LicenseStatus, now: i64) -> Result<(), String> {
    let action = match status {
        LicenseStatus::Active => "reinstate",
        LicenseStatus::Suspended => "suspend",
        LicenseStatus::Revoked => "revoke",
    };
    let view = with_store(&a.db, |s| async move {
        let view = s.set_status(a.license, status).await?;
        log(&s, Event::new(now, action, CLI).license(&view.license.id)).await?;
        Ok(view)
    })?;
    println!("{} {}", view.license.id, crate::domain::model::status_str(status));
    Ok(())
}

//! The `keyturn-server` command line. Admin commands work directly on the SQLite file (also while
//! a server runs on it); each runs in one `BEGIN IMMEDIATE` transaction.
//!
//! stdout carries only the answer (an id, a key, the public key, JSON for lists); messages and
//! errors go to stderr. Exit status 1 on an error, 2 on a usage error.

use crate::clock::system_now;
use crate::errors::{ApiError, ApiResult};
use crate::events::{self, Event};
use crate::model::{Matching, Uniqueness};
use crate::ops::admin::{self, Extend, NewLicense, NewPolicy, NewProduct};
use crate::secrets::Secrets;
use crate::serve::{self, ServeOptions};
use crate::store::{self, rows};
use clap::{Args, Parser, Subcommand};
use keyturn_protocol::token::public_key_to_string;
use keyturn_protocol::wire::LicenseStatus;
use rusqlite::Connection;
use std::path::PathBuf;
use std::process::ExitCode;

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
    Events(crate::events::cli::EventsArgs),
    /// Seed the demo product (id `demo`) and print its keys (idempotent).
    Demo(DbArg),
    /// Load benchmark: validate and activate against a bare axum route, in one process.
    Bench(crate::bench::BenchOptions),
}

#[derive(Args, Clone)]
pub struct DbArg {
    /// SQLite database file.
    #[arg(long, env = "KEYTURN_DB")]
    pub db: PathBuf,
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
    /// List the machines bound to the license (JSON).
    Machines(LicenseArg),
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
    match run(cli.command) {
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
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn open(db: &DbArg) -> Result<(Connection, Secrets), String> {
    store::open_admin(&db.db).map_err(|e| format!("cannot open {}: {e}", db.db.display()))
}

fn describe(e: ApiError) -> String {
    let body = e.body();
    match e {
        ApiError::Db(e) => format!("database error: {e}"),
        ApiError::Internal(e) => format!("internal error: {e}"),
        ApiError::Coded { .. } => format!("{}: {}", body.code, body.message),
    }
}

/// Runs `f` in one write transaction on the file.
pub(crate) fn write<T>(db: &DbArg, f: impl FnOnce(&Connection, &Secrets) -> ApiResult<T>) -> Result<T, String> {
    let (mut conn, secrets) = open(db)?;
    store::in_transaction(&mut conn, |c| f(c, &secrets)).map_err(describe)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(value).map_err(|e| e.to_string())?);
    Ok(())
}

pub fn run(command: Command) -> Result<(), String> {
    let now = system_now();
    match command {
        Command::Serve(opts) => runtime()?.block_on(serve::run(opts)),
        Command::Bench(opts) => runtime()?.block_on(crate::bench::run(opts)),
        Command::PublicKey(db) => {
            let (_, secrets) = open(&db)?;
            println!("{}", public_key_to_string(&secrets.signing_key.verifying_key()));
            Ok(())
        }
        Command::Events(args) => print_json(&crate::events::cli::page(args)?),
        Command::Demo(db) => {
            let keys = write(&db, |c, s| crate::demo::seed(c, &s.hasher))?;
            print!("{}", crate::demo::table(&keys));
            Ok(())
        }
        Command::Product(ProductCmd::Create { db, name, id }) => {
            let product = write(&db, |c, _| admin::create_product(c, now, &NewProduct { name, id }))?;
            println!("{}", product.id);
            Ok(())
        }
        Command::Product(ProductCmd::List(db)) => print_json(&write(&db, |c, _| Ok(rows::products(c)?))?),
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
                allow_vm,
                trial,
            };
            let policy = write(&db, |c, _| admin::create_policy(c, now, &new))?;
            println!("{}", policy.id);
            Ok(())
        }
        Command::Policy(PolicyCmd::List { db, product }) => {
            print_json(&write(&db, |c, _| Ok(rows::policies(c, product.as_deref())?))?)
        }
        Command::License(cmd) => license(cmd, now),
        Command::Fingerprint(cmd) => {
            let (arg, rule) = match cmd {
                FingerprintCmd::Block(a) => (a, Some("BLOCK")),
                FingerprintCmd::Allow(a) => (a, Some("ALLOW")),
                FingerprintCmd::Clear(a) => (a, None),
            };
            write(&arg.db, |c, _| {
                admin::set_fingerprint_rule(c, now, &arg.product, &arg.fingerprint, rule)?;
                let action = format!("{}_fingerprint", rule.unwrap_or("CLEAR").to_lowercase());
                let detail = events::fingerprint_detail(&arg.product, &arg.fingerprint);
                events::sql::insert(c, Event::new(now, &action, "cli").detail(detail))
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
            let (license, key) = write(&db, |c, s| {
                let (license, key) = admin::create_license(c, now, &s.hasher, &new, None)?;
                events::sql::insert(c, Event::new(now, "create_license", "cli").license(&license.id))?;
                Ok((license, key))
            })?;
            if json {
                println!("{}", serde_json::json!({"id": license.id, "key": key.to_string()}));
            } else {
                println!("{key}");
            }
            Ok(())
        }
        LicenseCmd::List { db, product } => print_json(&write(&db, |c, _| admin::licenses(c, product.as_deref()))?),
        LicenseCmd::Show(a) => print_json(&write(&a.db, |c, s| {
            let ctx = admin::find_license(c, &s.hasher, &a.license)?;
            admin::view(c, ctx)
        })?),
        LicenseCmd::Suspend(a) => set_status(a, LicenseStatus::Suspended, now),
        LicenseCmd::Reinstate(a) => set_status(a, LicenseStatus::Active, now),
        LicenseCmd::Revoke(a) => set_status(a, LicenseStatus::Revoked, now),
        LicenseCmd::Extend {
            license: a,
            secs,
            expires_at,
            never,
        } => {
            let expiry = write(&a.db, |c, s| {
                let ctx = admin::find_license(c, &s.hasher, &a.license)?;
                let expiry = admin::extend(
                    c,
                    now,
                    &ctx,
                    &Extend {
                        secs,
                        expires_at,
                        never,
                    },
                )?;
                let event = Event::new(now, "extend", "cli").license(&ctx.license.id);
                events::sql::insert(c, event.detail(events::expiry_detail(expiry)))?;
                Ok(expiry)
            })?;
            println!("{}", expiry.map_or_else(|| "never".to_string(), |e| e.to_string()));
            Ok(())
        }
        LicenseCmd::Reset(a) => {
            let n = write(&a.db, |c, s| {
                let ctx = admin::find_license(c, &s.hasher, &a.license)?;
                let n = admin::reset(c, &ctx.license.id)?;
                let event = Event::new(now, "reset", "cli").license(&ctx.license.id);
                events::sql::insert(c, event.detail(format!("{n} machines removed")))?;
                Ok(n)
            })?;
            println!("{n}");
            Ok(())
        }
        LicenseCmd::Machines(a) => print_json(&write(&a.db, |c, s| {
            let ctx = admin::find_license(c, &s.hasher, &a.license)?;
            admin::machines(c, &ctx)
        })?),
        LicenseCmd::RemoveMachine { license: a, machine } => write(&a.db, |c, s| {
            let ctx = admin::find_license(c, &s.hasher, &a.license)?;
            admin::remove_machine(c, &ctx.license.id, &machine)?;
            let event = Event::new(now, "remove_machine", "cli").license(&ctx.license.id);
            events::sql::insert(c, event.activation(&machine))
        }),
    }
}

fn set_status(a: LicenseArg, status: LicenseStatus, now: i64) -> Result<(), String> {
    let action = match status {
        LicenseStatus::Active => "reinstate",
        LicenseStatus::Suspended => "suspend",
        LicenseStatus::Revoked => "revoke",
    };
    let id = write(&a.db, |c, s| {
        let ctx = admin::find_license(c, &s.hasher, &a.license)?;
        admin::set_status(c, &ctx.license.id, status)?;
        events::sql::insert(c, Event::new(now, action, "cli").license(&ctx.license.id))?;
        Ok(ctx.license.id)
    })?;
    println!("{id} {}", crate::model::status_str(status));
    Ok(())
}

//! The `keyturn-server` command line's arguments (clap).

use crate::domain::model::{Matching, Uniqueness};
use crate::http::serve::ServeOptions;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "keyturn-server", version, about = "Keyturn license server and admin CLI")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the client endpoints and the admin API.
    Serve(Box<ServeOptions>),
    /// First start: create the database, its signing key and the admin token file; print the
    /// vendor config block (server URL, public key). Keeps what exists.
    Init(Box<InitArgs>),
    /// Check the settings, database, file permissions, clock and public URL; say what to fix.
    /// Exit status: 0 all good, 3 warnings only, 1 a problem, 2 the settings are refused.
    Doctor(Box<ServeOptions>),
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
    Events(EventsArgs),
    /// Remove events older than some days (prints how many); `serve --keep-events-days` does it hourly.
    PruneEvents(PruneArgs),
    /// Seed the demo product (id `demo`) and print its keys (idempotent).
    Demo(DbArg),
    /// Staff accounts (console sign-in by email and password).
    #[command(subcommand)]
    Staff(super::staff::StaffCmd),
    /// API tokens for the admin API.
    #[command(subcommand)]
    Token(super::staff::TokenCmd),

    /// Webhook endpoints (signed deliveries of the event log) and their delivery log.
    #[command(subcommand)]
    Webhook(crate::cli::webhooks::WebhookCmd),
    /// Copy a live SQLite database to a new file (a consistent snapshot; servers keep serving).
    Backup(super::backup::BackupArgs),
    /// Put a backup back in place of a SQLite database (stop the servers on it first).
    Restore(super::backup::RestoreArgs),
    /// Token signing keys: list, add the next one, promote it, retire an old one.
    #[command(subcommand)]
    Keys(super::keys::KeysCmd),
    /// The seal key file (TOTP secrets and queued email keys sealed outside the database).
    #[command(subcommand)]
    SealKey(super::seal_key::SealKeyCmd),
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
        #[command(flatten)]
        seats: crate::cli::seat_args::SeatArgs,
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

#[derive(Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Only this license (id or key).
    #[arg(long)]
    pub license: Option<String>,
    /// Only this activation id.
    #[arg(long)]
    pub activation: Option<String>,
    /// Only this action (activate, renew, deactivate, trial, suspend, …).
    #[arg(long)]
    pub action: Option<String>,
    /// Only events whose actor contains this text (an email, `token: NAME`, an address).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events older than this event id (the previous page's `next_before`).
    #[arg(long)]
    pub before: Option<i64>,
    /// Page size, 1 to 500 (default 50).
    #[arg(long)]
    pub limit: Option<u32>,
}

#[derive(Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Remove events older than this many days (0: every event up to now).
    #[arg(long)]
    pub older_than_days: u32,
}

/// `init`: the server's settings, and the first owner's email (a flag only, not a setting).
#[derive(clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub opts: ServeOptions,
    /// Create the first owner staff account with this email (its password is read from
    /// standard input); kept when an owner exists.
    #[arg(long)]
    pub owner_email: Option<String>,
}

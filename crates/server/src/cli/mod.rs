//! The `keyturn-server` command line. Admin commands work directly on the database (a SQLite
//! file or a PostgreSQL URL; also while servers run on it) through the same [`Store`] as the
//! server, each change in one transaction.
//!
//! stdout carries only the answer (an id, a key, the public key, JSON for lists); messages and
//! errors go to stderr. Exit status 1 on an error, 2 on a usage error.

pub mod args;
pub mod backup;
pub mod doctor;
pub mod event_log;
pub mod init;
pub mod keys;
mod license;
pub mod seal_key;
pub mod seat_args;
mod session;
mod staff;

pub mod settings_table;
pub mod webhooks;

pub use args::{Cli, Command, DbArg};

use session::{print_json, runtime, with_existing_store, with_store, CLI};

use crate::clock::system_now;
use crate::domain::admin::{NewPolicy, NewProduct};
use crate::domain::model::FingerprintRule;
use crate::events::{self, Event};
use crate::http::serve;

use args::{FingerprintCmd, PolicyCmd, ProductCmd};
use clap::{CommandFactory, FromArgMatches};
use keyturn_protocol::token::public_key_to_string;
use std::ffi::OsString;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let cli = parse_cli();
    let (serving, json) = match &cli.command {
        Command::Serve(opts) => (true, opts.ops.log_format == crate::ops::LogFormat::Json),
        _ => (false, false),
    };
    init_tracing(if serving { "info" } else { "warn" }, json);
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

/// Parses the command line with the config file's values as defaults; exits on a usage error
/// (status 2, like clap) or a refused config file.
fn parse_cli() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let command = match crate::ops::settings::command_for(Cli::command(), &args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let matches = command.get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn init_tracing(default: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYTURN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
        // tokio-postgres logs every query's parameters at debug (a purchase email's key among
        // them): never below info, whatever KEYTURN_LOG asks; and an admin command shows none
        // of its info lines (the schema's NOTICEs came before the command's one line of error).
        .add_directive(
            format!("tokio_postgres={}", if default == "info" { "info" } else { "warn" })
                .parse()
                .expect("a valid directive"),
        );
    use std::io::IsTerminal;
    let text = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::http::log_sink::Stderr)
        .with_ansi(std::io::stderr().is_terminal() && !json);
    let _ = if json {
        crate::http::log_sink::set_json(true);
        text.json().flatten_event(true).try_init()
    } else {
        text.try_init()
    };
    // Log lines gathered before a panic come before its message.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::http::log_sink::flush();
        report(info);
    }));
}

pub fn run(command: Command) -> Result<(), String> {
    let now = system_now();
    match command {
        Command::Serve(opts) => runtime()?.block_on(serve::run(*opts)),
        Command::Init(args) => {
            let args::InitArgs { opts, owner_email } = *args;
            runtime()?.block_on(init::run(opts, owner_email, now))
        }
        Command::Doctor(opts) => {
            let status = runtime()?.block_on(doctor::run(*opts));
            crate::http::log_sink::flush();
            std::process::exit(status)
        }
        Command::SealKey(cmd) => seal_key::run(cmd),
        Command::PublicKey(db) => {
            let key = with_store(&db, |s| async move {
                Ok(public_key_to_string(&s.secrets().keys().signing_key.verifying_key()))
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
        Command::Product(ProductCmd::List(db)) => {
            print_json(&with_existing_store(&db, |s| async move { s.products().await })?)
        }
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
            seats,
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
                floating: seats.floating,
                lease_secs: seats.lease_secs,
                max_borrow_secs: seats.max_borrow_secs,
                release_unseen_days: seats.release_unseen_days,
            };
            let policy = with_store(&db, |s| async move { s.create_policy(now, new).await })?;
            println!("{}", policy.id);
            Ok(())
        }
        Command::Policy(PolicyCmd::List { db, product }) => {
            print_json(&with_existing_store(&db, |s| async move { s.policies(product).await })?)
        }
        Command::License(cmd) => license::run(cmd, now),
        Command::Staff(cmd) => staff::run(cmd, now),
        Command::Token(cmd) => staff::run_token(cmd, now),
        Command::Webhook(cmd) => webhooks::run(cmd, now),
        Command::Backup(args) => backup::run_backup(args),
        Command::Restore(args) => backup::run_restore(args),
        Command::Keys(cmd) => keys::run(cmd, now),
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
                let event = Event::new(now, action, CLI).detail(detail);
                let change = s.set_fingerprint_rule(now, arg.product, arg.fingerprint, rule);
                session::logged(&s, move |_: &()| event, change).await
            })
        }
    }
}

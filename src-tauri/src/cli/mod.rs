//! The headless command line of the `keyturn` binary (`keyturn status`, `activate`, ...): no
//! window, no display, stable exit codes ([`exit`]: keyturn-client's one table, shared with the
//! C library) and versioned JSON. Without a command, or
//! with a link (`keyturn://...`), `main` opens the app instead.

mod args;
mod docs;
mod license;
mod output;
mod seat;
mod support;

use args::{Cli, Command};
use clap::Parser;
use output::Outcome;
use std::ffi::OsString;

pub use keyturn_client::exit_code as exit;

use crate::error::CommandError;

/// True when these arguments (program name first) are for the window: none, a URL, or options
/// other than help and version (e.g. what a WebDriver passes).
pub fn wants_gui(args: &[OsString]) -> bool {
    let Some(first) = args.get(1) else { return true };
    let first = first.to_string_lossy();
    if first.contains("://") {
        return true;
    }
    first.starts_with('-') && !matches!(first.as_ref(), "-h" | "--help" | "-V" | "--version")
}

/// Runs one command; answers the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::USAGE } else { exit::OK };
        }
    };
    match &cli.command {
        Command::ExitCodes => {
            for row in exit::TABLE {
                println!("{:>3}  {}", row.code, row.meaning);
            }
            return exit::OK;
        }
        Command::GenerateDocs {
            name,
            product,
            product_version,
            out,
        } => {
            let docs = docs::Docs {
                name,
                product,
                product_version,
            };
            return docs::generate(&docs, out);
        }
        _ => {}
    }
    let json = cli.command.json();
    let config = match crate::startup::load_config() {
        Ok(config) => config,
        Err(e) => return Outcome::failed(&CommandError::Startup(e)).print(json),
    };
    let outcome = match cli.command {
        Command::Status { .. } => license::status(&config),
        Command::Open { wait } => return support::open(&config, wait),
        Command::Run { wait, key, command } => return seat::run(&config, key.as_deref(), wait, command),
        Command::Borrow { days, key, .. } => seat::borrow(&config, key.as_deref(), days),
        Command::Fingerprint { explain, .. } => failed_as_outcome(support::fingerprint(&config, explain)),
        command => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let runtime = match runtime {
                Ok(runtime) => runtime,
                Err(e) => return Outcome::failed(&CommandError::Config(format!("no async runtime: {e}"))).print(json),
            };
            runtime.block_on(async {
                match command {
                    Command::Activate { key, free, .. } => {
                        failed_as_outcome(license::activate(&config, &key, free.as_deref()).await)
                    }
                    Command::Deactivate { .. } => failed_as_outcome(license::deactivate(&config).await),
                    Command::Check { .. } => failed_as_outcome(license::check(&config).await),
                    Command::Report { .. } => support::report(&config).await,
                    Command::Return { key, .. } => seat::give_back(&config, key.as_deref()).await,
                    _ => unreachable!("handled above"),
                }
            })
        }
    };
    outcome.print(json)
}

fn failed_as_outcome(result: Result<Outcome, CommandError>) -> Outcome {
    result.unwrap_or_else(|e| Outcome::failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        std::iter::once("keyturn")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn no_arguments_links_and_driver_options_open_the_window() {
        assert!(wants_gui(&args(&[])));
        assert!(wants_gui(&args(&["keyturn://activate?key=ABC"])));
        assert!(wants_gui(&args(&["--automation"])));
        assert!(!wants_gui(&args(&["status", "--json"])));
        assert!(!wants_gui(&args(&["--help"])));
        assert!(!wants_gui(&args(&["statsu"])), "a typo is a usage error, not a window");
    }

    #[test]
    fn usage_errors_exit_2() {
        assert_eq!(run(args(&["activate"])), exit::USAGE);
        assert_eq!(run(args(&["status", "--bogus"])), exit::USAGE);
        assert_eq!(run(args(&["--help"])), exit::OK);
    }
}

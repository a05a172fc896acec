//! The command line's arguments (clap). `keyturn --help` lists them; README documents them with
//! the exit codes.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "keyturn",
    version,
    about = "License this computer without a window: status, activate, deactivate, check, fingerprint, report, open.",
    after_help = "Without a command, or with a keyturn:// link, the app's window opens.\nExit codes: see the exit-codes command."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Is this computer licensed? Offline check only (no network).
    Status {
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Activate this computer with a license key (never prompts).
    Activate {
        /// The license key; `-` reads it from standard input (keeps it out of the process list).
        #[arg(long)]
        key: String,
        /// When every seat is taken: free this machine id first (from the list printed then).
        #[arg(long, value_name = "MACHINE_ID")]
        free: Option<String>,
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Free this computer's seat on the license server and forget the activation here.
    Deactivate {
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sync with the license server now (renews the activation).
    Check {
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// This device's fingerprint; with --explain, which components were found (never their values).
    Fingerprint {
        /// List which fingerprint components were found (never their values).
        #[arg(long)]
        explain: bool,
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The support report (no key, no token, no raw hardware values).
    Report {
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Open the app's window.
    Open {
        /// Wait until the window closes, then exit with the status command's exit code.
        #[arg(long)]
        wait: bool,
    },
    /// Run PROGRAM holding a seat of a floating license: a seat is checked out, kept while
    /// PROGRAM runs and released when it exits (also on Ctrl-C or SIGTERM). Exits with
    /// PROGRAM's code, or 8 (SEAT_LIMIT) after saying when a seat frees up.
    Run {
        /// Wait for a seat when every seat is taken.
        #[arg(long)]
        wait: bool,
        /// The license key (`-` reads it from standard input); default: the key stored here.
        #[arg(long)]
        key: Option<String>,
        /// The program and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "PROGRAM")]
        command: Vec<std::ffi::OsString>,
    },
    /// Borrow a seat of a floating license for offline use (returned by itself when it ends).
    Borrow {
        /// For how many days (at most what the license allows).
        #[arg(long)]
        days: u32,
        /// The license key (`-` reads it from standard input); default: the key stored here.
        #[arg(long)]
        key: Option<String>,
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give a borrowed seat back early.
    Return {
        /// The license key (`-` reads it from standard input); default: the key stored here.
        #[arg(long)]
        key: Option<String>,
        /// Print JSON (`"schema": 1`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// What each exit code means.
    #[command(name = "exit-codes")]
    ExitCodes,
    /// Writes the manual pages and the bash, zsh and fish completions for an installed command
    /// named NAME (scripts/package.sh runs it on the release build; hidden from help).
    #[command(name = "generate-docs", hide = true)]
    GenerateDocs {
        /// The installed command's name, e.g. acme-licensing.
        #[arg(long)]
        name: String,
        /// The product's name and version, for the manual's header.
        #[arg(long)]
        product: String,
        #[arg(long = "product-version")]
        product_version: String,
        /// Where to write man/man1/*.1 and completions/{bash,zsh,fish}/.
        #[arg(long)]
        out: PathBuf,
    },
}

impl Command {
    pub fn json(&self) -> bool {
        match self {
            Command::Status { json }
            | Command::Activate { json, .. }
            | Command::Deactivate { json }
            | Command::Check { json }
            | Command::Fingerprint { json, .. }
            | Command::Report { json }
            | Command::Borrow { json, .. }
            | Command::Return { json, .. } => *json,
            Command::Open { .. } | Command::Run { .. } | Command::ExitCodes | Command::GenerateDocs { .. } => false,
        }
    }
}

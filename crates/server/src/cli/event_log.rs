//! `keyturn-server events`: prints a page of the event log as JSON (newest first);
//! `keyturn-server prune-events`: removes events older than some days.

use crate::cli::args::DbArg;
use crate::events::EventQuery;
use clap::Args;

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
    /// Only events older than this event id (the previous page's `next_before`).
    #[arg(long)]
    pub before: Option<i64>,
    /// Page size, 1 to 500 (default 50).
    #[arg(long)]
    pub limit: Option<u32>,
}

/// Reads the page (the caller prints it).
pub fn page(args: EventsArgs) -> Result<crate::events::EventPage, String> {
    crate::cli::with_store(&args.db, |s| async move {
        let license_id = match args.license {
            Some(id_or_key) => Some(s.license(id_or_key).await?.license.id),
            None => None,
        };
        let query = EventQuery {
            license_id,
            activation_id: args.activation,
            action: args.action,
            before: args.before,
            limit: args.limit,
        };
        s.events(query).await
    })
}

#[derive(Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Remove events older than this many days (0: every event up to now).
    #[arg(long)]
    pub older_than_days: u32,
}

/// Removes the events; answers how many went.
pub fn prune(args: PruneArgs) -> Result<u64, String> {
    let before = crate::events::retention::cutoff(crate::clock::system_now(), args.older_than_days);
    crate::cli::with_store(&args.db, |s| async move {
        crate::events::retention::prune(s.as_ref(), before).await
    })
}

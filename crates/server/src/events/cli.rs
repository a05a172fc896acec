//! `keyturn-server events`: prints a page of the event log as JSON (newest first).

use super::{sql, EventQuery};
use crate::cli::DbArg;
use crate::ops::admin;
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

/// Reads the page in one transaction; the caller prints it.
pub fn page(args: EventsArgs) -> Result<super::EventPage, String> {
    crate::cli::write(&args.db, |c, s| {
        let license_id = match &args.license {
            Some(id_or_key) => Some(admin::find_license(c, &s.hasher, id_or_key)?.license.id),
            None => None,
        };
        let query = EventQuery {
            license_id,
            activation_id: args.activation.clone(),
            action: args.action.clone(),
            before: args.before,
            limit: args.limit,
        };
        sql::query(c, &query)
    })
}

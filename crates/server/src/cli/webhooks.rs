//! `keyturn-server webhook add|list|remove|deliveries|redeliver`: webhook endpoints and their
//! delivery log, on the database directly (a running server delivers what they queue).

use super::args::DbArg;
use super::session::{logged, print_json, with_existing_store, with_store, CLI};
use crate::domain::webhooks::{Delivery, DeliveryQuery, Endpoint, NewEndpoint};
use crate::events::Event;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum WebhookCmd {
    /// Register an endpoint; prints it as JSON with its signing secret (shown this once).
    Add {
        #[command(flatten)]
        db: DbArg,
        /// Where deliveries are POSTed (http:// or https://).
        #[arg(long)]
        url: String,
        /// Event types, comma-separated (`activate,suspend,activate.refused`), or `*` for every event.
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// The signing secret (16-128 printable characters); random `whsec_…` when absent.
        #[arg(long, env = "KEYTURN_WEBHOOK_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// List endpoints (JSON, without secrets).
    List(DbArg),
    /// Remove an endpoint and its deliveries.
    Remove {
        #[command(flatten)]
        db: DbArg,
        id: String,
    },
    /// The delivery log, newest first (JSON).
    Deliveries {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        endpoint: Option<String>,
        /// PENDING, DELIVERED or FAILED.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue a delivery again, due now.
    Redeliver {
        #[command(flatten)]
        db: DbArg,
        id: i64,
    },
}

pub fn run(cmd: WebhookCmd, now: i64) -> Result<(), String> {
    match cmd {
        WebhookCmd::Add {
            db,
            url,
            events,
            secret,
        } => {
            let new = NewEndpoint {
                url,
                event_types: events,
                secret,
            };
            print_json(&with_store(&db, |s| async move {
                let describe = move |e: &Endpoint| {
                    Event::new(now, "add_webhook", CLI).detail(format!("{} for {}", e.id, e.event_types.join(",")))
                };
                logged(&s, describe, s.create_webhook(now, new)).await
            })?)
        }
        WebhookCmd::List(db) => print_json(&with_existing_store(&db, |s| async move { s.webhooks().await })?),
        WebhookCmd::Remove { db, id } => with_store(&db, |s| async move {
            let event = Event::new(now, "remove_webhook", CLI).detail(&id);
            logged(&s, move |_: &()| event, s.remove_webhook(id)).await
        }),
        WebhookCmd::Deliveries {
            db,
            endpoint,
            state,
            limit,
        } => {
            let query = DeliveryQuery {
                endpoint_id: endpoint,
                state,
                before: None,
                limit: Some(limit),
            };
            print_json(&with_existing_store(&db, |s| async move {
                s.webhook_deliveries(query).await
            })?)
        }
        WebhookCmd::Redeliver { db, id } => print_json(&with_store(&db, |s| async move {
            let event = Event::new(now, "redeliver_webhook", CLI).detail(format!("delivery {id}"));
            logged(&s, move |_: &Delivery| event, s.redeliver(now, id)).await
        })?),
    }
}

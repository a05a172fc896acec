//! `keyturn-server events`: prints a page of the event log as JSON (newest first);
//! `keyturn-server prune-events`: removes events older than some days.

use super::args::{EventsArgs, PruneArgs};
use super::session::{with_existing_store, with_store};
use crate::events::EventQuery;

/// Reads the page (the caller prints it).
pub fn page(args: EventsArgs) -> Result<crate::events::EventPage, String> {
    with_existing_store(&args.db, |s| async move {
        let license_id = match args.license {
            Some(id_or_key) => Some(s.license(crate::clock::system_now(), id_or_key).await?.license.id),
            None => None,
        };
        let query = EventQuery {
            license_id,
            activation_id: args.activation,
            action: args.action,
            actor: args.actor,
            before: args.before,
            limit: args.limit,
        };
        s.events(query).await
    })
}

/// Removes the events; answers how many went.
pub fn prune(args: PruneArgs) -> Result<u64, String> {
    let before = crate::events::retention::cutoff(crate::clock::system_now(), args.older_than_days);
    with_store(&args.db, |s| async move {
        crate::events::retention::prune(s.as_ref(), before).await
    })
}

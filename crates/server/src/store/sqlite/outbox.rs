//! [`OutboxTx`] in SQLite's SQL (the console's mail queue; table `license_mails`).

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::mail::KeyMail;
use crate::domain::outbox::OutboxTx;
use crate::store::sqlite::mail::COLUMNS;
use rusqlite::params;
use std::future::{ready, Future};

/// Schema step 4 (both stores: `STEPS` in `store/sqlite/schema.rs` and `store/postgres/schema.rs`):
/// the console's key-email list pages by `created_at` (then `license_id`), newest first; this
/// index serves that order, read backwards, instead of a sort of the whole table per page.
pub const LIST_INDEX: &str = "CREATE INDEX IF NOT EXISTS license_mails_listed ON license_mails(created_at, license_id)";

pub fn list_index_step(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch(LIST_INDEX)
}

/// A page of the list: `?1` state or NULL, before (`?2` created_at, `?3` license_id) or NULL,
/// `?4` at most.
fn page_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM license_mails WHERE (?1 IS NULL OR state = ?1) \
         AND (?2 IS NULL OR (created_at, license_id) < (?2, ?3)) \
         ORDER BY created_at DESC, license_id DESC LIMIT ?4"
    )
}

impl OutboxTx for SqliteTx<'_> {
    fn mail_page(
        &mut self,
        state: Option<&str>,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<KeyMail>>> + Send {
        let (at, id) = before.unzip();
        ready(
            self.0
                .prepare_cached(&page_sql())
                .and_then(|mut s| {
                    s.query_map(params![state, at, id, limit], super::mail::mail)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(Into::into),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of a page, one detail per line.
    fn plan(conn: &rusqlite::Connection, state: Option<&str>, before: Option<i64>) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", page_sql())).unwrap();
        let rows = stmt
            .query_map(params![state, before, "lic", 50], |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_page_of_the_mail_list_reads_the_index_in_order() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::sqlite::schema::create(&conn).unwrap();
        for (name, step) in crate::store::sqlite::schema::STEPS {
            step(&conn).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for (state, before) in [(None, None), (Some("PENDING"), None), (None, Some(5))] {
            let plan = plan(&conn, state, before);
            assert!(plan.contains("license_mails_listed"), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "sorted without the index: {plan}");
        }
    }
}

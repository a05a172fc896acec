//! [`Db::write_noted`]: a change and its event in one transaction ([`crate::domain::with_event`]).

use super::tx::SqliteTx;
use super::{complete, Db};
use crate::domain::errors::ApiResult;
use crate::domain::{event_log, with_event};
use rusqlite::Connection;
use std::any::Any;

impl Db {
    /// Like [`Db::write`], and writes the change's event (described by the request running it,
    /// `crate::events::with_event`) in the same transaction: a successful change with its
    /// event; a refused one's writes rolled back, then the refusal's event.
    pub async fn write_noted<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let slot = crate::events::with_event::slot();
        self.write(move |c| {
            c.execute_batch("SAVEPOINT change")?;
            let out = f(c);
            c.execute_batch(if out.is_ok() {
                "RELEASE change"
            } else {
                "ROLLBACK TO change; RELEASE change"
            })?;
            if let Some(event) = with_event::describe(slot.as_ref(), out.as_ref().map(|v| v as &dyn Any)) {
                complete(event_log::append(&mut SqliteTx(c), &[event]))?;
            }
            Ok(out)
        })
        .await?
    }
}

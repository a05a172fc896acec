//! `noted_tx!`: a change and its event in one transaction ([`crate::domain::with_event`]),
//! PostgreSQL's counterpart of SQLite's `Db::write_noted`.

/// `in_tx!(noted …)`: a change and its event in one transaction ([`crate::domain::with_event`]):
/// the event appended before COMMIT; a refused change's event written after its rollback.
/// `noted_tx!(quiet …)` for changes validate cannot see (no cache dropped on the replicas).
macro_rules! noted_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let out = noted_tx!(quiet $store, |$tx| $body);
        if out.is_ok() {
            $store.changes.committed();
        }
        out
    }};
    (quiet $store:expr, |$tx:ident| $body:expr) => {{
        let slot = crate::events::with_event::slot();
        let kept = slot.clone();
        let out = in_tx!(quiet $store, |$tx| async move {
            let value = $body.await?;
            let event = crate::domain::with_event::describe(kept.as_ref(), Ok(&value as &dyn std::any::Any));
            if let Some(event) = event {
                crate::domain::event_log::append($tx, &[event]).await?;
            }
            Ok(value)
        });
        if let Err(e) = &out {
            if let Some(event) = crate::domain::with_event::describe(slot.as_ref(), Err(e)) {
                let written: ApiResult<()> = async { in_tx!(quiet $store, |tx| crate::domain::event_log::append(tx, &[event])) }.await;
                if let Err(e) = written {
                    tracing::error!(error = %e, "could not write a refusal's event");
                }
            }
        }
        out
    }};
}

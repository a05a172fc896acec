//! The transaction macros of the PostgreSQL store's [`super::Store`] methods.

/// Runs `$body` (an async expression using `$tx`, a `&mut PgTx` on a new transaction whose
/// `prepare_cached` statements outlive it) and commits when it succeeded, rolls back otherwise.
/// After a commit, validate's cached reads are dropped here and on every replica
/// ([`changes`]); `quiet` is for changes validate cannot see (the event log, sign-ins).
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let out = in_tx!(quiet $store, |$tx| $body);
        if out.is_ok() {
            $store.changes.committed();
        }
        out
    }};
    (quiet $store:expr, |$tx:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let transaction = client.transaction().await?;
        let out = {
            let $tx = &mut PgTx(&transaction);
            $body.await
        };
        match out {
            Ok(value) => {
                transaction.commit().await?;
                Ok(value)
            }
            Err(e) => {
                let _ = transaction.rollback().await;
                Err(e)
            }
        }
    }};
}

/// Runs `$body` on a pooled connection outside a transaction (single-statement reads).
macro_rules! on_client {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let client = $store.client().await?;
        let $tx = &mut PgTx(&client);
        $body.await
    }};
}

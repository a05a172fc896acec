//! The payment queries each store implements beside [`Tx`] (SQL: `store/sqlite/payments.rs`,
//! `store/postgres/payments.rs`).

use super::unmatched::StoredEvent;
use super::{Buyer, Order};
use crate::domain::errors::ApiResult;
use crate::domain::tx::{Lock, Tx};
use std::future::Future;

pub trait PaymentTx: Tx {
    /// Waits until no other transaction applies an event of `provider`, then holds that until
    /// this one ends (PostgreSQL: a transaction-scoped advisory lock shared by the replicas;
    /// SQLite's single writer needs none). Taken first, before any payment row is read.
    fn lock_payments(&mut self, provider: &str) -> impl Future<Output = ApiResult<()>> + Send;
    /// Records a provider's event id, its type and the first id it names its order by (an alias,
    /// so the event stays findable when its order is merged into another); false when it was
    /// recorded before (a duplicate). On PostgreSQL a concurrent duplicate waits for the first
    /// to commit, then answers false.
    fn insert_payment_event(
        &mut self,
        provider: &str,
        event: (&str, &str),
        order_alias: Option<&str>,
        now: i64,
    ) -> impl Future<Output = ApiResult<bool>> + Send;
    /// The order the first of `ids` that names one names (its own id or an alias); with
    /// [`Lock::ForUpdate`], locked until the transaction ends (PostgreSQL).
    fn payment_order(
        &mut self,
        provider: &str,
        ids: &[String],
        lock: Lock,
    ) -> impl Future<Output = ApiResult<Option<Order>>> + Send;
    /// Makes `alias` name `order_id` unless it names an order already, and answers the order it
    /// names. The alias row is the point where events of one order meet: on PostgreSQL a
    /// concurrent claim of the same alias waits for the first transaction, then sees its order,
    /// and the row stays locked until this transaction ends.
    fn claim_payment_alias(
        &mut self,
        provider: &str,
        alias: &str,
        order_id: &str,
    ) -> impl Future<Output = ApiResult<String>> + Send;
    /// Every alias naming `from` names `to` instead.
    fn repoint_payment_aliases(
        &mut self,
        provider: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = ApiResult<()>> + Send;
    /// Removes an order merged into another (its aliases were repointed first).
    fn delete_payment_order(&mut self, provider: &str, order_id: &str) -> impl Future<Output = ApiResult<()>> + Send;
    /// Inserts the order unless its id exists (then false: a concurrent event made it first).
    fn insert_payment_order(&mut self, order: &Order) -> impl Future<Output = ApiResult<bool>> + Send;
    fn update_payment_order(&mut self, order: &Order) -> impl Future<Output = ApiResult<()>> + Send;
    fn put_payment_customer(
        &mut self,
        provider: &str,
        buyer: &Buyer,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send;
    fn payment_customer(
        &mut self,
        provider: &str,
        customer_id: &str,
    ) -> impl Future<Output = ApiResult<Option<Buyer>>> + Send;
    /// Orders (of any provider) with a recorded revocation and no license, newest first.
    fn unmatched_payment_orders(&mut self, limit: u32) -> impl Future<Output = ApiResult<Vec<Order>>> + Send;
    /// The ids naming an order (sorted) and the events recorded for it (oldest first).
    fn payment_order_history(
        &mut self,
        provider: &str,
        order_id: &str,
    ) -> impl Future<Output = ApiResult<(Vec<String>, Vec<StoredEvent>)>> + Send;
}

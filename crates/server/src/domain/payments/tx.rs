//! The payment queries each store implements beside [`Tx`] (SQL: `store/sqlite/payments.rs`,
//! `store/postgres/payments.rs`).

use super::{Buyer, Order};
use crate::domain::errors::ApiResult;
use crate::domain::tx::Tx;
use std::future::Future;

pub trait PaymentTx: Tx {
    /// Records a provider's event id; false when it was recorded before (a duplicate). On
    /// PostgreSQL a concurrent duplicate waits for the first to commit, then answers false.
    fn insert_payment_event(
        &mut self,
        provider: &str,
        event_id: &str,
        now: i64,
    ) -> impl Future<Output = ApiResult<bool>> + Send;
    /// The order any of `ids` names (its own id or an alias), locked until the transaction ends.
    fn payment_order(
        &mut self,
        provider: &str,
        ids: &[String],
    ) -> impl Future<Output = ApiResult<Option<Order>>> + Send;
    /// Inserts the order unless its id exists (then false: a concurrent event made it first).
    fn insert_payment_order(&mut self, order: &Order) -> impl Future<Output = ApiResult<bool>> + Send;
    fn update_payment_order(&mut self, order: &Order) -> impl Future<Output = ApiResult<()>> + Send;
    /// Names the order by these ids too (ids already naming an order stay as they are).
    fn add_payment_aliases(
        &mut self,
        provider: &str,
        order_id: &str,
        ids: &[String],
    ) -> impl Future<Output = ApiResult<()>> + Send;
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
}

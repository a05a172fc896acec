//! The webhook queries each store implements beside [`Tx`] (SQL: `store/sqlite/webhooks.rs`,
//! `store/postgres/webhooks.rs`).

use super::intake::Settled;
use super::{Delivery, DeliveryQuery, Due, Endpoint};
use crate::domain::errors::ApiResult;
use crate::domain::tx::Tx;
use std::future::Future;

pub trait WebhookTx: Tx {
    fn insert_endpoint(&mut self, endpoint: &Endpoint) -> impl Future<Output = ApiResult<()>> + Send;
    /// Every endpoint, oldest first (secrets included: the caller decides what to show).
    fn endpoints(&mut self) -> impl Future<Output = ApiResult<Vec<Endpoint>>> + Send;
    /// Removes the endpoint and its deliveries; whether it existed.
    fn delete_endpoint(&mut self, id: &str) -> impl Future<Output = ApiResult<bool>> + Send;

    /// Up to `limit` events after the endpoint's cursor, in id order, only as far as no smaller
    /// id can still commit (see [`super::intake`]; a store whose ids commit in order answers
    /// every event after it).
    fn settled_events(&mut self, endpoint: &str, limit: u32) -> impl Future<Output = ApiResult<Settled>> + Send;
    /// A pending delivery for each of `events` (in this order, numbered on from the endpoint's
    /// highest sequence, due `now`, dated by its event so that retries end three days after the
    /// event however late it was taken; one already there stays as it is), and the cursor moved
    /// to `through`.
    fn queue_events(
        &mut self,
        endpoint: &str,
        events: &[i64],
        through: i64,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send;

    /// Up to `limit` endpoints with work, the longest waiting first: events after its cursor
    /// (settled or not), a pending delivery without a sequence
    /// number (redelivered), or a head (the pending delivery with the lowest number) that is due and
    /// not leased. PostgreSQL locks each endpoint returned until the transaction ends and skips
    /// those another transaction holds, so one claim at a time handles an endpoint.
    fn claim_endpoints(&mut self, now: i64, limit: u32) -> impl Future<Output = ApiResult<Vec<String>>> + Send;
    /// Gives the endpoint's pending deliveries without a sequence number (redelivered) the next
    /// numbers after its highest, in event id order; how many. Not one still leased at `now`
    /// (redelivered while its attempt was on the wire): it waits until that attempt is recorded.
    fn sequence_new(&mut self, endpoint: &str, now: i64) -> impl Future<Output = ApiResult<u64>> + Send;
    /// When the endpoint's head is due and not leased, and no redelivered delivery of it is still
    /// leased (one taken out of the order while its attempt was on the wire: its batch is still
    /// being sent): leases the head until `lease_until` (the lease holds the whole endpoint: no
    /// other claim takes it until the attempts are recorded or the lease ends) and answers its id
    /// with the pending ones after it, `per_endpoint` in all, in sequence order (else none).
    fn lease_head(
        &mut self,
        endpoint: &str,
        now: i64,
        lease_until: i64,
        per_endpoint: u32,
    ) -> impl Future<Output = ApiResult<Vec<i64>>> + Send;
    /// What these deliveries need to be sent (those whose event is gone are missing).
    fn due(&mut self, ids: &[i64]) -> impl Future<Output = ApiResult<Vec<Due>>> + Send;
    /// Marks FAILED those of `ids` whose event is gone (retention), with `error`.
    fn give_up_gone(&mut self, ids: &[i64], error: &str) -> impl Future<Output = ApiResult<()>> + Send;
    /// Marks these pending deliveries delivered (one attempt more, the receiver's `status`); not one
    /// redelivered since it was claimed (its sequence number cleared: it goes again).
    fn record_delivered(&mut self, ids: &[i64], status: u16, now: i64) -> impl Future<Output = ApiResult<()>> + Send;
    /// Gives claimed deliveries back untried (an earlier one of their endpoint failed): ends any
    /// lease they hold.
    fn release_leases(&mut self, ids: &[i64]) -> impl Future<Output = ApiResult<()>> + Send;
    /// Stores an attempt's result: state, status, error, next try, sequence number; ends the lease,
    /// except when it takes the sequence number away (redeliver: the attempt under way, if any,
    /// keeps holding the endpoint until it is recorded).
    fn record_attempt(&mut self, delivery: &Delivery) -> impl Future<Output = ApiResult<()>> + Send;
    fn delivery(&mut self, id: i64) -> impl Future<Output = ApiResult<Option<Delivery>>> + Send;
    /// Newest first.
    fn deliveries(
        &mut self,
        query: &DeliveryQuery,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<Delivery>>> + Send;
}

//! Refunds and lost disputes that reached no license: the orders a revocation was recorded on
//! while no purchase of theirs made a license (yet). Usually the purchase comes a moment later
//! and the order leaves this list by itself; an order that stays names a payment whose purchase
//! Keyturn never connected to it. On Stripe's API versions since 2025-03-31 a subscription's
//! refund and dispute name only the payment intent and the charge, and only `invoice_payment.paid`
//! ties that payment intent to the invoice (see [`super::providers`]): without that event the
//! subscription's license stays valid, and this list (the admin API's
//! `GET /payments/unmatched`, the console's "Unmatched refunds") is where the vendor sees it.

use super::tx::PaymentTx;
use crate::domain::errors::ApiResult;
use serde::{Deserialize, Serialize};

/// The most orders one answer lists.
pub const MAX_LISTED: u32 = 200;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnmatchedQuery {
    pub limit: Option<u32>,
}

/// One provider event as stored: its id and type (events stored before this release: type "").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    pub event_id: String,
    pub event_type: String,
    pub received_at: i64,
}

/// An order with a recorded revocation and no license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedOrder {
    pub provider: String,
    pub order_id: String,
    /// Every id naming the order (payment intent, charge, invoice, …), sorted.
    pub names: Vec<String>,
    /// The events applied to it, oldest first.
    pub events: Vec<StoredEvent>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedPage {
    /// Newest first.
    pub unmatched: Vec<UnmatchedOrder>,
}

/// The unmatched orders, newest first (at most `limit`, at most [`MAX_LISTED`]).
pub async fn list(tx: &mut impl PaymentTx, query: &UnmatchedQuery) -> ApiResult<UnmatchedPage> {
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_LISTED);
    let mut unmatched = Vec::new();
    for order in tx.unmatched_payment_orders(limit).await? {
        let (names, events) = tx.payment_order_history(&order.provider, &order.id).await?;
        unmatched.push(UnmatchedOrder {
            provider: order.provider,
            order_id: order.id,
            names,
            events,
            created_at: order.created_at,
        });
    }
    Ok(UnmatchedPage { unmatched })
}

//! Which order an event belongs to, decided once per order even when its events arrive together.
//!
//! An event names its order by several ids (a subscription, a payment intent, an invoice, a
//! checkout session, a charge), and no single id is in every event of the order: a Stripe refund
//! names the payment intent and the charge, the purchase names the subscription and the payment
//! intent. So the ids themselves (aliases) are the unique point: before an order is looked at,
//! the event claims each of its ids for its own order; an id claimed before answers its order,
//! so the event joins that order instead of making a second. When an event's ids name two orders
//! made earlier by events that shared no id, the two are merged into the older, and every alias
//! of the other is rewritten to name it.
//!
//! That rewrite touches names the event did not give, which a concurrent event of the other order
//! may hold while it waits for the order this event holds: row locks alone could deadlock (seen on
//! PostgreSQL with two replicas). So a provider's events are applied one at a time
//! ([`super::PaymentTx::lock_payments`], taken before anything is read; SQLite's single writer
//! does the same), and the unique keys stay as the guard against a duplicate row.

use super::tx::PaymentTx;
use super::Order;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::tx::Lock;
use std::collections::BTreeSet;

/// The order of an event naming `ids` (its own first), made when none exists; locked.
pub async fn claim(tx: &mut impl PaymentTx, provider: &str, ids: &[String], now: i64) -> ApiResult<Order> {
    let own = ids
        .first()
        .ok_or_else(|| ApiError::Internal("an event without order ids".into()))?;
    let sorted: BTreeSet<&String> = ids.iter().collect();
    let mut named = BTreeSet::new();
    for id in sorted {
        named.insert(tx.claim_payment_alias(provider, id, own).await?);
    }
    // Lock the existing orders (sorted, like the claims); an id named only by our claims has none yet.
    let mut existing = Vec::new();
    let mut unmade = Vec::new();
    for id in &named {
        match tx
            .payment_order(provider, std::slice::from_ref(id), Lock::ForUpdate)
            .await?
        {
            Some(order) if &order.id == id => existing.push(order),
            _ => unmade.push(id.clone()),
        }
    }
    existing.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let mut order = match existing.first() {
        Some(oldest) => oldest.clone(),
        None => {
            let fresh = Order {
                provider: provider.into(),
                id: unmade.first().cloned().unwrap_or_else(|| own.clone()),
                license_id: None,
                paid_until: None,
                ends_at: None,
                revoked: false,
                created_at: now,
            };
            if !tx.insert_payment_order(&fresh).await? {
                return Err(ApiError::Internal("a claimed payment order exists already".into()));
            }
            fresh
        }
    };
    for other in existing.iter().skip(1) {
        merge(&mut order, other);
        tx.repoint_payment_aliases(provider, &other.id, &order.id).await?;
        tx.delete_payment_order(provider, &other.id).await?;
        tracing::warn!(provider, into = %order.id, merged = %other.id, "two payment orders turned out to be one; merged");
    }
    for id in unmade.iter().filter(|id| **id != order.id) {
        tx.repoint_payment_aliases(provider, id, &order.id).await?;
    }
    Ok(order)
}

/// `other`'s state carried into `order` (the same rules as events arriving one after another).
fn merge(order: &mut Order, other: &Order) {
    order.paid_until = order.paid_until.max(other.paid_until);
    order.ends_at = match (order.ends_at, other.ends_at) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    order.revoked |= other.revoked;
    if order.license_id.is_none() {
        order.license_id = other.license_id.clone();
    } else if other.license_id.is_some() && other.license_id != order.license_id {
        // Both were paid by events that named no common id: the buyer keeps both licenses (a
        // person decides), the order follows the older one.
        tracing::warn!(order = %order.id, kept = ?order.license_id, other = ?other.license_id, "one order has two licenses");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, paid_until: Option<i64>, revoked: bool, license: Option<&str>) -> Order {
        Order {
            provider: "stripe".into(),
            id: id.into(),
            license_id: license.map(Into::into),
            paid_until,
            ends_at: None,
            revoked,
            created_at: 1,
        }
    }

    #[test]
    fn a_merge_keeps_the_later_payment_the_revocation_and_the_license() {
        let mut paid = order("sub_1", Some(100), false, Some("lic_1"));
        merge(&mut paid, &order("pi_1", Some(50), true, None));
        assert_eq!(
            (paid.paid_until, paid.revoked, paid.license_id.as_deref()),
            (Some(100), true, Some("lic_1"))
        );
        let mut refund_first = order("pi_1", None, true, None);
        merge(&mut refund_first, &order("sub_1", Some(100), false, Some("lic_1")));
        assert_eq!(
            (
                refund_first.paid_until,
                refund_first.revoked,
                refund_first.license_id.as_deref()
            ),
            (Some(100), true, Some("lic_1"))
        );
    }
}

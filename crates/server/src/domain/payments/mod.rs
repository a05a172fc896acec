//! Payments in: Stripe and Paddle Billing events (signatures: [`signature`]; payloads read into
//! [`PaymentEvent`]s: [`providers`]) turned into licenses by one rule, [`apply`], for both stores.
//!
//! * A payment for an order (a purchase, or a subscription's renewal) → the order's license:
//!   created for the buyer (name, email) under the policy the vendor mapped the price (or
//!   product) to, or, when it exists, paid until the new period's end.
//! * The subscription is cancelled → the license ends at the period's end (or now, when it ended).
//! * Refunded in full, or a dispute lost → revoked, for good.
//!
//! Idempotent: each provider event id is stored once (a duplicate, also a concurrent one, changes
//! nothing), and each order has one license (two events paying the same order create one: the
//! ids naming an order meet in [`orders::claim`]). A provider's events are applied one at a time,
//! also on several replicas ([`PaymentTx::lock_payments`]), so no two wait on each other.
//! Order-independent: an order's state (paid until, ends at, revoked) is kept on the order, so a
//! cancellation or refund that arrives before the purchase is applied when the license is made,
//! and an older renewal never shortens a newer one; one whose purchase never comes is listed
//! ([`unmatched`]). Unknown event types are ignored; a payment
//! for a price no policy is mapped to is logged and stores nothing (the provider's resend works
//! once the map has it).

pub mod orders;
pub mod providers;
pub mod signature;
pub mod tx;
pub mod unmatched;

use super::admin::{self, NewLicense};
use super::errors::ApiResult;
use super::mail::{self, KeyMail, MailTx};
use super::secrets::KeyHasher;
use super::tx::{LicenseBy, Lock};
use keyturn_protocol::wire::LicenseStatus;
use serde::Serialize;
use std::collections::BTreeMap;
pub use tx::PaymentTx;

/// A subscription's license stays valid this long past the paid period, so the renewal's event
/// (sent when the provider has charged, a little after the period ends) arrives in time.
pub const RENEWAL_GRACE_SECS: i64 = 3 * 86_400;

/// The buyer as the provider names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buyer {
    pub customer_id: Option<String>,
    pub name: String,
    pub email: String,
}

/// What a provider's event means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The order was paid: for good (`paid_until` None) or until the period's end.
    Paid {
        prices: Vec<String>,
        buyer: Buyer,
        paid_until: Option<i64>,
    },
    /// The order ends at this time (cancelled), or no longer ends (`None`: resumed).
    Ends {
        ends_at: Option<i64>,
    },
    /// Refunded or dispute lost.
    Revoke,
    /// Nothing changes but the event's ids name one order (Stripe's `invoice_payment.paid`):
    /// their orders are merged, so a refund that named only one of them reaches the license.
    Link,
    /// The provider's customer details (Paddle sends them apart from payments).
    Customer(Buyer),
    Ignore,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvent {
    /// `stripe` or `paddle`.
    pub provider: &'static str,
    pub event_id: String,
    pub event_type: String,
    /// Ids naming the order, its own first (subscription, else the payment), then others the
    /// provider uses for it (invoice, payment intent, charge, transaction).
    pub order: Vec<String>,
    pub change: Change,
}

/// An order and its state, whatever order its events came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub provider: String,
    pub id: String,
    pub license_id: Option<String>,
    pub paid_until: Option<i64>,
    pub ends_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
}

impl Order {
    /// The license's expiry: when it ends, else the paid period plus grace; None: never (a
    /// one-time purchase under a policy without duration).
    fn expiry(&self) -> Option<i64> {
        self.ends_at.or(self.paid_until.map(|t| t + RENEWAL_GRACE_SECS))
    }
}

/// The vendor's price (or product) ids and the policy each buys.
pub type PriceMap = BTreeMap<String, String>;

/// The vendor's payment settings the rule needs.
#[derive(Debug, Clone, Default)]
pub struct PaymentConfig {
    pub prices: PriceMap,
    /// Queue the key's email for each license bought ([`super::mail`]).
    pub email_keys: bool,
}

/// What an event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// `license_created`, `renewed`, `ends`, `revoked`, `already_revoked`, `linked` (ids joined
    /// to a licensed order), `recorded` (kept for an order whose payment has not come yet),
    /// `customer_saved`, `duplicate`, `ignored`, `unknown_price`.
    pub outcome: &'static str,
    pub license_id: Option<String>,
    pub order_id: Option<String>,
    pub expires_at: Option<i64>,
}

impl Applied {
    fn just(outcome: &'static str) -> Applied {
        Applied {
            outcome,
            license_id: None,
            order_id: None,
            expires_at: None,
        }
    }
}

/// Applies one verified event (see the module's rules).
pub async fn apply(
    tx: &mut (impl PaymentTx + MailTx),
    now: i64,
    hasher: &KeyHasher,
    config: &PaymentConfig,
    ev: &PaymentEvent,
) -> ApiResult<Applied> {
    let prices = &config.prices;
    let provider = ev.provider;
    if ev.change == Change::Ignore || (ev.order.is_empty() && !matches!(ev.change, Change::Customer(_))) {
        return Ok(Applied::just("ignored"));
    }
    // One event of a provider at a time (see `orders`: merging two orders rewrites names that a
    // concurrent event of them may hold, so finer locks could wait on each other in a circle).
    tx.lock_payments(provider).await?;
    if let Change::Paid { prices: ids, .. } = &ev.change {
        // A price no policy is mapped to is refused unless the order has its license already (a
        // renewal).
        if !ids.iter().any(|id| prices.contains_key(id)) {
            let licensed = tx
                .payment_order(provider, &ev.order, Lock::No)
                .await?
                .is_some_and(|o| o.license_id.is_some());
            if !licensed {
                tracing::warn!(provider, event = %ev.event_id, prices = ?ids, "a payment for a price no policy is mapped to; nothing created");
                return Ok(Applied::just("unknown_price"));
            }
        }
    }
    let event = (ev.event_id.as_str(), ev.event_type.as_str());
    if !tx
        .insert_payment_event(provider, event, ev.order.first().map(String::as_str), now)
        .await?
    {
        return Ok(Applied::just("duplicate"));
    }
    if let Change::Customer(buyer) = &ev.change {
        tx.put_payment_customer(provider, buyer, now).await?;
        return Ok(Applied::just("customer_saved"));
    }
    let mut order = orders::claim(tx, provider, &ev.order, now).await?;
    let outcome = match &ev.change {
        Change::Paid {
            prices: ids,
            buyer,
            paid_until,
        } => {
            order.paid_until = match (order.paid_until, paid_until) {
                (Some(a), Some(b)) => Some(a.max(*b)),
                (a, b) => a.or(*b),
            };
            if order.license_id.is_none() {
                let policy_id = ids.iter().find_map(|id| prices.get(id)).cloned().unwrap_or_default();
                let buyer = known_buyer(tx, provider, buyer).await?;
                let new = NewLicense {
                    policy_id,
                    owner_name: buyer.name.chars().take(200).collect(),
                    owner_email: buyer.email.chars().take(320).collect(),
                    metadata: [("payment".to_string(), format!("{provider} {}", order.id))].into(),
                    expires_at: order.expiry(),
                    ..NewLicense::default()
                };
                let (view, key) = admin::create_license(tx, now, hasher, &new, None).await?;
                if config.email_keys && !order.revoked && !new.owner_email.is_empty() {
                    let mail = KeyMail::new(
                        now,
                        &view.license.id,
                        &new.owner_email,
                        &new.owner_name,
                        &view.product_name,
                        &hasher.seal_mailed_key(&view.license.id, &key.to_string()),
                    );
                    mail::enqueue(tx, &mail).await?;
                }
                order.license_id = Some(view.license.id);
                "license_created"
            } else {
                "renewed"
            }
        }
        Change::Ends { ends_at } => {
            order.ends_at = *ends_at;
            if order.license_id.is_some() {
                "ends"
            } else {
                "recorded"
            }
        }
        Change::Revoke => {
            order.revoked = true;
            if order.license_id.is_some() {
                "revoked"
            } else {
                "recorded"
            }
        }
        Change::Link => {
            if order.license_id.is_some() {
                "linked"
            } else {
                "recorded"
            }
        }
        Change::Customer(_) | Change::Ignore => unreachable!("handled above"),
    };
    tx.update_payment_order(&order).await?;
    let mut expires_at = None;
    let mut outcome = outcome;
    if let Some(license_id) = &order.license_id {
        let held = tx.license(LicenseBy::Id(license_id), Lock::ForUpdate).await?;
        if let Some((ctx, _)) = held {
            if order.revoked {
                // Revoked is final: said (and logged) once, when it happens.
                outcome = if ctx.license.status == LicenseStatus::Revoked {
                    "already_revoked"
                } else {
                    tx.set_license_status(license_id, LicenseStatus::Revoked).await?;
                    "revoked"
                };
            } else if outcome != "license_created" || order.expiry().is_some() {
                let expiry = order.expiry().or(ctx.license.expires_at);
                tx.set_license_expiry(license_id, expiry).await?;
            }
            expires_at = tx
                .license(LicenseBy::Id(license_id), Lock::No)
                .await?
                .and_then(|(c, _)| c.license.expires_at);
        }
    }
    tracing::info!(provider, event = %ev.event_id, order = %order.id, outcome, "payment event applied");
    if order.revoked && order.license_id.is_none() {
        // Said each time: a refund whose purchase never comes (on Stripe since 2025-03-31: a
        // subscription's, when `invoice_payment.paid` is not sent) leaves a license valid.
        tracing::warn!(provider, event = %ev.event_id, event_type = %ev.event_type, order = %order.id,
            "a refund or lost dispute matches no license yet; listed as unmatched (GET /admin/v1/payments/unmatched) until its purchase, or for a Stripe subscription `invoice_payment.paid`, names it");
    }
    Ok(Applied {
        outcome,
        license_id: order.license_id,
        order_id: Some(order.id),
        expires_at,
    })
}

/// The buyer's name and email: from the event, else from the provider's customer record.
async fn known_buyer(tx: &mut impl PaymentTx, provider: &str, buyer: &Buyer) -> ApiResult<Buyer> {
    if buyer.email.is_empty() {
        if let Some(id) = &buyer.customer_id {
            if let Some(stored) = tx.payment_customer(provider, id).await? {
                return Ok(stored);
            }
        }
    }
    Ok(buyer.clone())
}

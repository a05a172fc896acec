//! Reading Stripe and Paddle Billing events into [`PaymentEvent`]s (after their signature was
//! checked). Only the fields named here are read; anything else in the payload is ignored, and an
//! event type not listed here is [`Change::Ignore`].
//!
//! Stripe (`{id, type, data: {object}}`): `invoice.paid` / `invoice.payment_succeeded` pay an
//! order (the subscription, else the payment intent, else the invoice) until the line's period
//! end (subscriptions) or for good; `customer.subscription.updated` / `.deleted` set when it
//! ends; `charge.refunded` (in full) and `charge.dispute.closed` (lost) revoke. Both the older
//! and the 2025 invoice shapes are read (`lines.data[].price.id` or
//! `lines.data[].pricing.price_details.price`; `subscription` or
//! `parent.subscription_details.subscription`). Since 2025-03-31 an invoice names its payment
//! intent only in `payments` (read when present: not sent unless expanded) and a charge names no
//! invoice, so `invoice_payment.paid` (an Invoice Payment: `invoice` and
//! `payment.payment_intent`) links the invoice's order to the payment intent its refund and
//! dispute name ([`Change::Link`]). Without it such a refund stays on an order of its own, listed
//! as unmatched ([`super::unmatched`]). `refund.*` events are not read: a Refund does not say
//! whether it returns the whole charge (`charge.refunded` does).
//!
//! Stripe Checkout: `checkout.session.completed` (when `payment_status` is `paid` or
//! `no_payment_required`; else the later `checkout.session.async_payment_succeeded`) pays the
//! session's order: in `payment` mode a one-time purchase, for good (the policy's duration, if
//! any), named by its payment intent, which the refund's charge and a dispute name too; in
//! `subscription` mode the subscription, paid for [`super::RENEWAL_GRACE_SECS`] from the
//! session until its invoice names the period. A session's event carries no line items unless
//! expanded, so its price is read from them when present, else from `metadata.keyturn_price`,
//! and the Payment Link's id (`plink_…`, copied to the session's `payment_link`) can be mapped
//! like a price.
//!
//! Paddle Billing (`{event_id, event_type, occurred_at, data}`): `transaction.completed` pays an
//! order (the subscription, else the transaction) until `billing_period.ends_at`;
//! `subscription.updated` / `.canceled` set when it ends (`scheduled_change` cancel,
//! `canceled_at`); `adjustment.created` / `.updated` (an approved full refund, or a chargeback)
//! revoke; `customer.created` / `.updated` keep the buyer's name and email (transactions name
//! only the customer id).

use super::{Buyer, Change, PaymentEvent};
use serde_json::Value;

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn int(v: &Value, path: &[&str]) -> Option<i64> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_i64()
}

fn time(v: &Value, path: &[&str]) -> Option<i64> {
    let t = humantime::parse_rfc3339_weak(&text(v, path)?).ok()?;
    t.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

/// The first of the ids present.
fn ids(candidates: &[Option<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in candidates.iter().flatten() {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

pub fn stripe(event: &Value) -> Option<PaymentEvent> {
    let event_id = text(event, &["id"])?;
    let event_type = text(event, &["type"])?;
    let o = event.get("data")?.get("object")?;
    let (order, change) = match event_type.as_str() {
        "invoice.paid" | "invoice.payment_succeeded" => {
            let subscription =
                text(o, &["subscription"]).or_else(|| text(o, &["parent", "subscription_details", "subscription"]));
            let line = o.get("lines").and_then(|l| l.get("data")).and_then(|d| d.get(0));
            let price = line
                .and_then(|l| text(l, &["price", "id"]).or_else(|| text(l, &["pricing", "price_details", "price"])));
            let product = line.and_then(|l| {
                text(l, &["price", "product"]).or_else(|| text(l, &["pricing", "price_details", "product"]))
            });
            let paid_until = subscription
                .as_ref()
                .and_then(|_| line.and_then(|l| int(l, &["period", "end"])));
            // Since API version 2025-03-31 an invoice names its payment intents only in `payments`.
            // (only when the webhook's endpoint expands it; else `invoice_payment.paid` links them).
            let payment = o
                .get("payments")
                .and_then(|p| p.get("data"))
                .and_then(|d| d.get(0))
                .and_then(|p| p.get("payment"));
            let paid_by = |field: &str| payment.and_then(|p| text(p, &[field]));
            let order = ids(&[
                subscription,
                text(o, &["payment_intent"]),
                paid_by("payment_intent"),
                text(o, &["id"]),
                text(o, &["charge"]),
                paid_by("charge"),
            ]);
            let buyer = Buyer {
                customer_id: text(o, &["customer"]),
                name: text(o, &["customer_name"]).unwrap_or_default(),
                email: text(o, &["customer_email"]).unwrap_or_default(),
            };
            (
                order,
                Change::Paid {
                    prices: ids(&[price, product]),
                    buyer,
                    paid_until,
                },
            )
        }
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => checkout_session(event, o),
        "customer.subscription.updated" | "customer.subscription.deleted" => {
            let period_end = int(o, &["current_period_end"]).or_else(|| {
                o.get("items")?
                    .get("data")?
                    .get(0)
                    .and_then(|i| int(i, &["current_period_end"]))
            });
            let status = text(o, &["status"]).unwrap_or_default();
            let ends_at = if event_type.ends_with("deleted") || status == "canceled" || status == "incomplete_expired" {
                int(o, &["ended_at"])
                    .or(int(o, &["canceled_at"]))
                    .or(int(event, &["created"]))
            } else if let Some(at) = int(o, &["cancel_at"]) {
                Some(at)
            } else if o.get("cancel_at_period_end").and_then(Value::as_bool) == Some(true) {
                period_end
            } else {
                None
            };
            (ids(&[text(o, &["id"])]), Change::Ends { ends_at })
        }
        // Since API version 2025-03-31 ("basil") an invoice and a charge no longer name each
        // other: the Invoice Payment links them (`payment.payment_intent`, or at the top level in
        // later previews), so its ids become names of one order.
        "invoice_payment.paid" => {
            let paid_by = |field: &str| text(o, &["payment", field]).or_else(|| text(o, &[field]));
            let order = ids(&[text(o, &["invoice"]), paid_by("payment_intent"), paid_by("charge")]);
            (order, Change::Link)
        }
        "charge.refunded" if o.get("refunded").and_then(Value::as_bool) == Some(true) => (
            ids(&[text(o, &["payment_intent"]), text(o, &["invoice"]), text(o, &["id"])]),
            Change::Revoke,
        ),
        "charge.dispute.closed" if text(o, &["status"]).as_deref() == Some("lost") => (
            ids(&[text(o, &["payment_intent"]), text(o, &["charge"])]),
            Change::Revoke,
        ),
        _ => (Vec::new(), Change::Ignore),
    };
    Some(PaymentEvent {
        provider: "stripe",
        event_id,
        event_type,
        order,
        change,
    })
}

/// A completed Checkout session (see the module's notes).
fn checkout_session(event: &Value, o: &Value) -> (Vec<String>, Change) {
    let paid = matches!(
        text(o, &["payment_status"]).as_deref(),
        Some("paid" | "no_payment_required")
    );
    let mode = text(o, &["mode"]).unwrap_or_default();
    if !paid || !(mode == "payment" || mode == "subscription") {
        return (Vec::new(), Change::Ignore);
    }
    let subscription = text(o, &["subscription"]);
    let mut prices = Vec::new();
    if let Some(lines) = o
        .get("line_items")
        .and_then(|l| l.get("data"))
        .and_then(Value::as_array)
    {
        for line in lines {
            prices.push(text(line, &["price", "id"]));
            prices.push(text(line, &["price", "product"]));
        }
    }
    prices.push(text(o, &["metadata", "keyturn_price"]));
    prices.push(text(o, &["payment_link"]));
    let paid_until = subscription
        .as_ref()
        .and_then(|_| int(o, &["created"]).or_else(|| int(event, &["created"])));
    let buyer = Buyer {
        customer_id: text(o, &["customer"]),
        name: text(o, &["customer_details", "name"]).unwrap_or_default(),
        email: text(o, &["customer_details", "email"])
            .or_else(|| text(o, &["customer_email"]))
            .unwrap_or_default(),
    };
    let order = ids(&[
        subscription,
        text(o, &["payment_intent"]),
        text(o, &["invoice"]),
        text(o, &["id"]),
    ]);
    (
        order,
        Change::Paid {
            prices: ids(&prices),
            buyer,
            paid_until,
        },
    )
}

pub fn paddle(event: &Value) -> Option<PaymentEvent> {
    let event_id = text(event, &["event_id"])?;
    let event_type = text(event, &["event_type"])?;
    let d = event.get("data")?;
    let (order, change) = match event_type.as_str() {
        "transaction.completed" => {
            let subscription = text(d, &["subscription_id"]);
            let item = d.get("items").and_then(|i| i.get(0));
            let price = item.and_then(|i| text(i, &["price", "id"]).or_else(|| text(i, &["price_id"])));
            let product = item.and_then(|i| text(i, &["price", "product_id"]));
            let paid_until = subscription
                .as_ref()
                .and_then(|_| time(d, &["billing_period", "ends_at"]));
            let buyer = Buyer {
                customer_id: text(d, &["customer_id"]),
                name: text(d, &["custom_data", "name"]).unwrap_or_default(),
                email: text(d, &["custom_data", "email"]).unwrap_or_default(),
            };
            (
                ids(&[subscription, text(d, &["id"])]),
                Change::Paid {
                    prices: ids(&[price, product]),
                    buyer,
                    paid_until,
                },
            )
        }
        "subscription.updated" | "subscription.canceled" => {
            let status = text(d, &["status"]).unwrap_or_default();
            let ends_at = if status == "canceled" {
                time(d, &["canceled_at"]).or_else(|| time(event, &["occurred_at"]))
            } else if text(d, &["scheduled_change", "action"]).as_deref() == Some("cancel") {
                time(d, &["scheduled_change", "effective_at"])
            } else {
                None
            };
            (ids(&[text(d, &["id"])]), Change::Ends { ends_at })
        }
        "adjustment.created" | "adjustment.updated" => {
            let action = text(d, &["action"]).unwrap_or_default();
            let approved = text(d, &["status"]).as_deref() == Some("approved");
            let full = text(d, &["type"]).as_deref() != Some("partial");
            let revoke = (action == "refund" && approved && full) || action == "chargeback";
            let order = ids(&[text(d, &["subscription_id"]), text(d, &["transaction_id"])]);
            (order, if revoke { Change::Revoke } else { Change::Ignore })
        }
        "customer.created" | "customer.updated" => (
            Vec::new(),
            match text(d, &["id"]) {
                Some(id) => Change::Customer(Buyer {
                    customer_id: Some(id),
                    name: text(d, &["name"]).unwrap_or_default(),
                    email: text(d, &["email"]).unwrap_or_default(),
                }),
                None => Change::Ignore,
            },
        ),
        _ => (Vec::new(), Change::Ignore),
    };
    Some(PaymentEvent {
        provider: "paddle",
        event_id,
        event_type,
        order,
        change,
    })
}
